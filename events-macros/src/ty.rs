//! Field types: which are refused on sight, and how getters return each.
//!
//! Types are recognised by their last path segment, so `std::string::String` and `String`
//! are the same. Types the macro does not know (`#[event_data]` structs, opaque keys, custom
//! types) are accepted here and checked by the compiler through the `EventField` trait.

use syn::{GenericArgument, PathArguments, Type};

use crate::errors::Errors;

/// How a getter returns a field.
pub(crate) enum Getter {
    /// `String` → `&str`.
    Str,
    /// `Vec<T>` → `&[T]`.
    Slice(Type),
    /// A `Copy` scalar, returned by value.
    Copy,
    /// `Option<String>` → `Option<&str>`.
    OptionStr,
    /// `Option` of a `Copy` scalar, returned by value.
    OptionCopy,
    /// `Option<T>` → `Option<&T>`.
    OptionRef(Type),
    /// Anything else → `&T`.
    Ref,
}

/// The getter shape of `ty`.
pub(crate) fn getter(ty: &Type) -> Getter {
    let segment = last_segment(ty);
    match segment.as_ref().map(|(name, args)| (*name, args.as_slice())) {
        Some(("String", [])) => Getter::Str,
        Some(("Vec", [inner])) => Getter::Slice((*inner).clone()),
        Some(("Option", [inner])) => match last_segment(inner).as_ref().map(|(name, args)| (*name, args.len())) {
            Some(("String", 0)) => Getter::OptionStr,
            _ if is_copy_scalar(inner) => Getter::OptionCopy,
            _ => Getter::OptionRef((*inner).clone()),
        },
        _ if is_copy_scalar(ty) => Getter::Copy,
        _ => Getter::Ref,
    }
}

/// Whether `ty` is `Option<…>`.
pub(crate) fn is_option(ty: &Type) -> bool {
    matches!(last_segment(ty), Some(("Option", args)) if args.len() == 1)
}

fn is_copy_scalar(ty: &Type) -> bool {
    matches!(
        last_segment(ty).as_ref().map(|(name, args)| (*name, args.len())),
        Some(("bool" | "i64" | "i32" | "f64" | "Uuid", 0) | ("DateTime", 1))
    )
}

/// The last path segment's name, when it is one the macro knows, and its type arguments.
fn last_segment(ty: &Type) -> Option<(&'static str, Vec<&Type>)> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let segment = path.path.segments.last()?;
    let name = KNOWN.iter().find(|known| segment.ident == known)?;
    let args = match &segment.arguments {
        PathArguments::None => Vec::new(),
        PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect(),
        PathArguments::Parenthesized(_) => return None,
    };
    Some((name, args))
}

const KNOWN: &[&str] = &[
    "String",
    "Vec",
    "Option",
    "bool",
    "i64",
    "i32",
    "f64",
    "Uuid",
    "DateTime",
    "BTreeMap",
    "HashMap",
    "HashSet",
    "BTreeSet",
    "VecDeque",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "i8",
    "i16",
    "i128",
    "isize",
    "f32",
    "char",
    "str",
    "Box",
    "Rc",
    "Arc",
    "Cow",
    "NaiveDateTime",
    "NaiveDate",
    "Utc",
    "Local",
    "FixedOffset",
];

/// Records an error for each part of `ty` that cannot travel on the wire.
pub(crate) fn check_supported(ty: &Type, errors: &mut Errors) {
    match ty {
        Type::Path(path) if path.qself.is_none() => {}
        Type::Reference(reference) => {
            let owned = match &*reference.elem {
                Type::Path(path) if path.path.is_ident("str") => "String".to_owned(),
                Type::Slice(slice) => format!("Vec<{}>", tokens(&slice.elem)),
                other => tokens(other),
            };
            errors.at(ty, format!(
                "`{}` is a reference; payloads own their data (they are cloned, stored and sent across threads): use `{owned}`",
                tokens(ty)
            ));
            return;
        }
        Type::Tuple(tuple) if tuple.elems.is_empty() => {
            errors.at(ty, "`()` carries no data; remove the field");
            return;
        }
        Type::Tuple(_) => {
            errors.at(
                ty,
                format!(
                    "`{}` is a tuple, which has no Avro form: record fields have names; use an #[event_data] \
                     struct with a named, documented field for each part",
                    tokens(ty)
                ),
            );
            return;
        }
        Type::Array(array) => {
            errors.at(
                ty,
                format!(
                    "`{}` is a fixed-size array, which has no Avro form; use `Vec<{}>`",
                    tokens(ty),
                    tokens(&array.elem)
                ),
            );
            return;
        }
        Type::Slice(slice) => {
            errors.at(
                ty,
                format!("`{}` is unsized; use `Vec<{}>`", tokens(ty), tokens(&slice.elem)),
            );
            return;
        }
        _ => {
            errors.at(
                ty,
                format!(
                    "`{}` cannot be a payload field; use String, bool, i64, i32, f64, Vec<u8>, DateTime<Utc>, Uuid, \
                 an opaque key, an #[event_data] struct, or Option, Vec or BTreeMap<String, _> of those",
                    tokens(ty)
                ),
            );
            return;
        }
    }

    let Some((name, args)) = last_segment(ty) else { return };
    let is = |ty: &Type, expected: &str| matches!(last_segment(ty), Some((name, args)) if name == expected && args.is_empty());
    let problem = match (name, args.as_slice()) {
        ("HashMap", args) => Some(format!(
            "`{}` iterates in random order, so its Avro bytes would differ from run to run and from the Python \
             library's sorted maps; use `BTreeMap<String, {}>`",
            tokens(ty),
            args.get(1).map_or_else(|| "_".to_owned(), |value| tokens(*value))
        )),
        ("HashSet" | "BTreeSet", [inner]) => Some(format!(
            "`{}` is a set, which has no Avro form; use `Vec<{}>`, which travels as an Avro array",
            tokens(ty),
            tokens(inner)
        )),
        ("VecDeque", [inner]) => Some(format!(
            "`{}` has no Avro form; use `Vec<{}>`, which travels as an Avro array",
            tokens(ty),
            tokens(inner)
        )),
        ("u8" | "u16" | "u32" | "i8" | "i16", []) => Some(format!(
            "`{name}` has no Avro form: integers travel as Avro `long`s, held as `i64` (or `i32`); use `i64`"
        )),
        ("u64" | "u128" | "usize" | "i128" | "isize", []) => Some(format!(
            "`{name}` has no Avro form: integers travel as Avro `long`s, signed 64-bit, which cannot hold every \
             `{name}`; use `i64`"
        )),
        ("f32", []) => {
            Some("`f32` has no Avro form here: Python floats are doubles, Avro `double`s; use `f64`".to_owned())
        }
        ("char", []) => Some("`char` has no Avro form: the wire has no character type; use `String`".to_owned()),
        ("str", []) => Some("`str` is unsized; use `String`".to_owned()),
        ("Box" | "Rc" | "Arc" | "Cow", [inner]) | ("Cow", [_, inner]) => Some(format!(
            "`{}`: a `{name}` adds nothing on the wire; hold `{}` directly",
            tokens(ty),
            tokens(inner)
        )),
        ("NaiveDateTime" | "NaiveDate", []) => Some(format!(
            "`{name}` has no time zone, but event times are UTC; use `DateTime<Utc>`"
        )),
        ("DateTime", [zone]) if !is(zone, "Utc") => Some(format!(
            "`DateTime<{}>` would lose its zone on the wire, which carries UTC times; use `DateTime<Utc>`",
            tokens(zone)
        )),
        ("BTreeMap", [key, value]) => {
            if !is(key, "String") {
                Some(format!(
                    "`{}` has `{}` keys, but Avro map keys are strings; use `BTreeMap<String, {}>`",
                    tokens(ty),
                    tokens(key),
                    tokens(value)
                ))
            } else {
                check_supported(value, errors);
                None
            }
        }
        ("Option", [inner]) => {
            if is_option(inner) {
                Some(format!(
                    "`{}` has no Avro form: unions cannot nest, so `None` and `Some(None)` would be the same on the wire; use `{}`",
                    tokens(ty),
                    tokens(inner)
                ))
            } else {
                check_supported(inner, errors);
                None
            }
        }
        ("Vec", [inner]) => {
            if !is(inner, "u8") {
                check_supported(inner, errors);
            }
            None
        }
        _ => None,
    };
    if let Some(problem) = problem {
        errors.at(ty, problem);
    }
}

fn tokens<T: quote::ToTokens>(value: &T) -> String {
    let text = value.to_token_stream().to_string();
    // `quote` spaces every token; close up the common cases for readable messages.
    text.replace(" < ", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace("& ", "&")
        .replace(" :: ", "::")
}

pub(crate) fn type_text(ty: &Type) -> String {
    tokens(ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(ty: &str) -> Vec<String> {
        let mut errors = Errors::default();
        check_supported(&syn::parse_str(ty).unwrap(), &mut errors);
        match errors.finish() {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn wire_types_and_unknown_paths_are_accepted() {
        for ty in [
            "String",
            "std::string::String",
            "Vec<u8>",
            "Option<Vec<BTreeMap<String, Option<DateTime<Utc>>>>>",
            "chrono::DateTime<chrono::Utc>",
            "Uuid",
            "CourseKey",
            "my_crate::UserData",
        ] {
            assert_eq!(problems(ty), Vec::<String>::new(), "{ty}");
        }
    }

    #[test]
    fn refused_types_say_what_to_use_instead() {
        for (ty, expected) in [
            ("HashMap<String, i64>", "use `BTreeMap<String, i64>`"),
            ("std::collections::HashSet<String>", "use `Vec<String>`"),
            ("VecDeque<i64>", "use `Vec<i64>`"),
            ("u64", "use `i64`"),
            ("u8", "use `i64`"),
            ("f32", "use `f64`"),
            ("char", "use `String`"),
            ("&str", "use `String`"),
            ("&[i64]", "use `Vec<i64>`"),
            ("(String, i64)", "#[event_data]"),
            ("()", "remove the field"),
            ("[u8; 4]", "use `Vec<u8>`"),
            ("Option<Option<i64>>", "use `Option<i64>`"),
            ("BTreeMap<i64, String>", "use `BTreeMap<String, String>`"),
            ("DateTime<Local>", "use `DateTime<Utc>`"),
            ("NaiveDateTime", "use `DateTime<Utc>`"),
            ("Box<UserData>", "hold `UserData` directly"),
            ("Arc<String>", "hold `String` directly"),
            ("fn() -> i64", "cannot be a payload field"),
        ] {
            let found = problems(ty);
            assert_eq!(found.len(), 1, "{ty}: {found:?}");
            assert!(found[0].contains(expected), "{ty}: {found:?}");
        }
    }

    #[test]
    fn containers_are_checked_inside() {
        assert!(problems("Vec<u64>")[0].starts_with("`u64`"));
        assert!(problems("Option<f32>")[0].starts_with("`f32`"));
        assert!(problems("BTreeMap<String, Vec<char>>")[0].starts_with("`char`"));
    }
}
