//! The arguments of `#[open_edx_event(...)]` and `#[event_data(...)]`, and their field options.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, LitInt, LitStr, Path, Token};

use crate::ast::MacroKind;
use crate::errors::{Errors, suggest_then, suggest_then_list};

/// The arguments of `#[open_edx_event(...)]`, as written.
#[derive(Default)]
pub(crate) struct EventArgs {
    pub(crate) event_type: Option<LitStr>,
    /// Whether `type` was written at all, even with an unusable value (already reported).
    pub(crate) type_given: bool,
    pub(crate) name: Option<LitStr>,
    pub(crate) key_field: Option<LitStr>,
    pub(crate) minor_version: Option<LitInt>,
    pub(crate) trigger_repository: Option<LitStr>,
    pub(crate) warnings: Vec<LitStr>,
    pub(crate) unserializable: Option<LitStr>,
    pub(crate) subdomain: Option<LitStr>,
    pub(crate) legacy_unversioned: Option<Span>,
    pub(crate) krate: Option<Path>,
}

const EVENT_ARGS: &[&str] = &[
    "type",
    "name",
    "key_field",
    "minor_version",
    "trigger_repository",
    "warning",
    "unserializable",
    "subdomain",
    "legacy_unversioned",
    "crate",
];

/// The arguments of `#[event_data(...)]` on the struct.
#[derive(Default)]
pub(crate) struct DataArgs {
    pub(crate) krate: Option<Path>,
}

/// Options on one field.
#[derive(Default)]
pub(crate) struct FieldOptions {
    /// `#[event_data(pii)]`.
    pub(crate) pii: Option<Span>,
    /// `#[event_data(default)]` or `#[event_data(default = expr)]`.
    pub(crate) default: Option<FieldDefault>,
    /// `#[open_edx_event(legacy_data_key)]`.
    pub(crate) legacy_data_key: Option<Span>,
}

pub(crate) struct FieldDefault {
    pub(crate) span: Span,
    /// `None` for `Default::default()`.
    pub(crate) expr: Option<Expr>,
}

pub(crate) fn parse_event_args(tokens: TokenStream, errors: &mut Errors) -> EventArgs {
    let mut args = EventArgs::default();
    let parser = syn::meta::parser(|meta| {
        let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
        match key.as_str() {
            "type" => {
                args.type_given = true;
                set_once(&mut args.event_type, &meta, errors, string_value)
            }
            "name" => set_once(&mut args.name, &meta, errors, string_value),
            "key_field" => set_once(&mut args.key_field, &meta, errors, string_value),
            "minor_version" => set_once(&mut args.minor_version, &meta, errors, int_value),
            "trigger_repository" => set_once(&mut args.trigger_repository, &meta, errors, string_value),
            "unserializable" => set_once(&mut args.unserializable, &meta, errors, string_value),
            "subdomain" => set_once(&mut args.subdomain, &meta, errors, string_value),
            "crate" => set_once(&mut args.krate, &meta, errors, path_value),
            "warning" => {
                if let Some(warning) = string_value(&meta, errors)? {
                    args.warnings.push(warning);
                }
                Ok(())
            }
            "legacy_unversioned" => {
                if meta.input.peek(Token![=]) {
                    errors.at(
                        &meta.path,
                        "`legacy_unversioned` is a flag and takes no value; write `legacy_unversioned` alone",
                    );
                    skip_value(&meta)?;
                }
                if args.legacy_unversioned.is_some() {
                    errors.at(&meta.path, "`legacy_unversioned` is given twice; give it once");
                } else {
                    // Set even when written with a value, so the type is not also reported
                    // as lacking a version.
                    args.legacy_unversioned = Some(span_of(&meta.path));
                }
                Ok(())
            }
            _ => {
                let shown = path_text(&meta.path);
                errors.at(
                    &meta.path,
                    format!(
                        "unknown #[open_edx_event] argument `{shown}`{}",
                        suggest_then_list(&shown, EVENT_ARGS)
                    ),
                );
                skip_value(&meta)
            }
        }
    });
    if let Err(error) = syn::parse::Parser::parse2(parser, tokens) {
        errors.push(error);
    }
    args
}

pub(crate) fn parse_data_args(tokens: TokenStream, errors: &mut Errors) -> DataArgs {
    let mut args = DataArgs::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("crate") {
            return set_once(&mut args.krate, &meta, errors, path_value);
        }
        let shown = path_text(&meta.path);
        let message = if ["pii", "default"].contains(&shown.as_str()) {
            format!(
                "`{shown}` is a field option, not a struct argument: put `#[event_data({shown})]` on the field it \
                 applies to; on the struct, #[event_data] takes only `crate = path`"
            )
        } else {
            format!(
                "unknown #[event_data] argument `{shown}`{}",
                suggest_then(
                    &shown,
                    &["crate"],
                    "on the struct, #[event_data] takes only `crate = path` (and fields take `pii` and `default`)"
                )
            )
        };
        errors.at(&meta.path, message);
        skip_value(&meta)
    });
    if let Err(error) = syn::parse::Parser::parse2(parser, tokens) {
        errors.push(error);
    }
    args
}

/// Takes the macro's own options out of a field's attributes and returns the others.
pub(crate) fn parse_field_options(
    attrs: Vec<Attribute>,
    kind: MacroKind,
    errors: &mut Errors,
) -> (FieldOptions, Vec<Attribute>) {
    let mut options = FieldOptions::default();
    let mut rest = Vec::new();
    for attr in attrs {
        let is_data = attr.path().is_ident("event_data");
        let is_event = attr.path().is_ident("open_edx_event");
        if !is_data && !is_event {
            rest.push(attr);
            continue;
        }
        match (kind, is_data) {
            (MacroKind::EventData, false) => {
                errors.at(
                    &attr,
                    "#[open_edx_event(...)] options belong on the data keys of an event definition; \
                     fields of an #[event_data] struct take #[event_data(pii)], #[event_data(default)] \
                     or #[event_data(default = expr)], so remove it",
                );
                continue;
            }
            (MacroKind::OpenEdxEvent, true) => {
                errors.at(
                    &attr,
                    "data keys of an event take no #[event_data] options: a data key is always required, \
                     and `pii` and `default` belong on the fields of the #[event_data] struct it holds; \
                     remove it (the only data key option is #[open_edx_event(legacy_data_key)])",
                );
                continue;
            }
            _ => {}
        }
        let result = attr.parse_nested_meta(|meta| {
            let key = path_text(&meta.path);
            match (kind, key.as_str()) {
                (MacroKind::EventData, "pii") => {
                    if options.pii.replace(span_of(&meta.path)).is_some() {
                        errors.at(&meta.path, "`pii` is given twice; give it once");
                    }
                    Ok(())
                }
                (MacroKind::EventData, "default") => {
                    let expr = if meta.input.peek(Token![=]) {
                        Some(meta.value()?.parse::<Expr>()?)
                    } else {
                        None
                    };
                    if options.default.is_some() {
                        errors.at(&meta.path, "`default` is given twice; give it once");
                    } else {
                        options.default = Some(FieldDefault {
                            span: span_of(&meta.path),
                            expr,
                        });
                    }
                    Ok(())
                }
                (MacroKind::OpenEdxEvent, "legacy_data_key") => {
                    if options.legacy_data_key.replace(span_of(&meta.path)).is_some() {
                        errors.at(&meta.path, "`legacy_data_key` is given twice; give it once");
                    }
                    Ok(())
                }
                (MacroKind::EventData, _) => {
                    errors.at(
                        &meta.path,
                        format!(
                            "unknown field option `{key}`{}",
                            suggest_then(
                                &key,
                                &["pii", "default"],
                                "fields of an #[event_data] struct take `pii`, `default` or `default = expr`"
                            )
                        ),
                    );
                    skip_value(&meta)
                }
                (MacroKind::OpenEdxEvent, _) => {
                    errors.at(
                        &meta.path,
                        format!(
                            "unknown data key option `{key}`{}",
                            suggest_then(
                                &key,
                                &["legacy_data_key"],
                                "the only data key option is `legacy_data_key`"
                            )
                        ),
                    );
                    skip_value(&meta)
                }
            }
        });
        if let Err(error) = result {
            errors.push(error);
        }
    }
    (options, rest)
}

fn set_once<T>(
    slot: &mut Option<T>,
    meta: &ParseNestedMeta<'_>,
    errors: &mut Errors,
    read: fn(&ParseNestedMeta<'_>, &mut Errors) -> syn::Result<Option<T>>,
) -> syn::Result<()> {
    let value = read(meta, errors)?;
    if slot.is_some() {
        errors.at(
            &meta.path,
            format!("`{}` is given twice; give it once", path_text(&meta.path)),
        );
    } else if let Some(value) = value {
        *slot = Some(value);
    }
    Ok(())
}

/// An example value of each string argument, for messages.
fn example(key: &str) -> &'static str {
    match key {
        "type" => "org.openedx.learning.course.enrollment.created.v1",
        "name" => "COURSE_ENROLLMENT_CREATED",
        "key_field" => "enrollment.course.course_key",
        "trigger_repository" => "openedx/edx-platform",
        "warning" => "Deprecated: use COURSE_ENROLLMENT_CHANGED instead.",
        "unserializable" => "the payload holds a Django request, which has no wire form",
        "subdomain" => "billing",
        _ => "...",
    }
}

/// What to write instead of an empty string argument.
fn when_empty(key: &str) -> String {
    let example = example(key);
    match key {
        "type" => format!("give the event type, e.g. `type = \"{example}\"`"),
        "name" => "give a SCREAMING_SNAKE_CASE name, or leave `name` out to derive it from the type".to_owned(),
        "key_field" => format!(
            "give the dotted path of the field that keys the event on the bus, e.g. `key_field = \"{example}\"`, \
             or leave `key_field` out"
        ),
        "trigger_repository" => format!(
            "name the repository whose code sends the event, e.g. `trigger_repository = \"{example}\"`, \
             or leave it out"
        ),
        "warning" => "say what users of the event should watch out for, or remove the `warning`".to_owned(),
        "unserializable" => {
            format!("say why the event cannot travel on the event bus, e.g. `unserializable = \"{example}\"`")
        }
        "subdomain" => format!("name the subdomain, e.g. `subdomain = \"{example}\"`, or remove it"),
        _ => "give it a value".to_owned(),
    }
}

fn string_value(meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<Option<LitStr>> {
    let key = path_text(&meta.path);
    let example = example(&key);
    if !meta.input.peek(Token![=]) {
        errors.at(
            &meta.path,
            format!("`{key}` needs a value, e.g. `{key} = \"{example}\"`"),
        );
        return Ok(None);
    }
    let expr = without_groups(meta.value()?.parse()?);
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) => {
            if text.value().trim().is_empty() {
                errors.at(&text, format!("`{key}` is empty; {}", when_empty(&key)));
                return Ok(None);
            }
            Ok(Some(text))
        }
        // `type = org.openedx.….v1` (unquoted) parses as a field-access expression.
        other @ (Expr::Path(_) | Expr::Field(_)) => {
            let written = quote::quote!(#other).to_string().replace(' ', "");
            errors.at(
                &other,
                format!("`{key}` takes a string literal, but `{written}` is not quoted; write `{key} = \"{written}\"`"),
            );
            Ok(None)
        }
        other => {
            errors.at(
                &other,
                format!(
                    "`{key}` takes a string literal, but found `{}`; write e.g. `{key} = \"{example}\"`",
                    quote::quote!(#other)
                ),
            );
            Ok(None)
        }
    }
}

fn int_value(meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<Option<LitInt>> {
    let key = path_text(&meta.path);
    if !meta.input.peek(Token![=]) {
        errors.at(&meta.path, format!("`{key}` needs a value, e.g. `{key} = 1`"));
        return Ok(None);
    }
    let expr = without_groups(meta.value()?.parse()?);
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) if int.base10_parse::<u32>().is_ok() => Ok(Some(int)),
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) if text.value().trim().parse::<u32>().is_ok() => {
            errors.at(
                &text,
                format!(
                    "`{key}` takes an integer, not a string; write `{key} = {}`",
                    text.value().trim()
                ),
            );
            Ok(None)
        }
        other => {
            errors.at(
                &other,
                format!(
                    "`{key}` takes a non-negative integer literal, but found `{}`; write e.g. `{key} = 1`",
                    quote::quote!(#other).to_string().replace(' ', "")
                ),
            );
            Ok(None)
        }
    }
}

fn path_value(meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<Option<Path>> {
    if !meta.input.peek(Token![=]) {
        errors.at(
            &meta.path,
            "`crate` needs the path of the events-core crate, e.g. `crate = ::events_core`",
        );
        return Ok(None);
    }
    let input = meta.value()?;
    if input.peek(LitStr) {
        let text: LitStr = input.parse()?;
        return match text.parse::<Path>() {
            Ok(path) => Ok(Some(path)),
            Err(_) => {
                errors.at(
                    &text,
                    format!(
                        "`crate` takes the path of the events-core crate, but `{}` is not a path; \
                         write e.g. `crate = ::events_core`",
                        text.value()
                    ),
                );
                Ok(None)
            }
        };
    }
    Ok(Some(input.call(Path::parse_mod_style)?))
}

/// A literal passed through a `macro_rules!` fragment such as `$type:literal` arrives wrapped in
/// an invisible group; look through it.
fn without_groups(expr: Expr) -> Expr {
    match expr {
        Expr::Group(group) => without_groups(*group.expr),
        other => other,
    }
}

fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|nested| skip_value(&nested))?;
    }
    Ok(())
}

fn path_text(path: &Path) -> String {
    path.segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

fn span_of(path: &Path) -> Span {
    path.segments
        .first()
        .map_or_else(Span::call_site, |segment| segment.ident.span())
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn event_args(tokens: TokenStream) -> (EventArgs, Vec<String>) {
        let mut errors = Errors::default();
        let args = parse_event_args(tokens, &mut errors);
        let messages = match errors.finish() {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        };
        (args, messages)
    }

    #[test]
    fn every_argument_is_read() {
        let (args, errors) = event_args(quote!(
            type = "org.openedx.learning.course.published.v1",
            name = "COURSE_PUBLISHED",
            key_field = "course.course_key",
            minor_version = 2,
            trigger_repository = "openedx/edx-platform",
            warning = "first",
            warning = "second",
            unserializable = "reason",
            subdomain = "billing",
            legacy_unversioned,
            crate = ::events_core,
        ));
        assert_eq!(errors, Vec::<String>::new());
        assert!(args.type_given && args.legacy_unversioned.is_some() && args.krate.is_some());
        assert_eq!(args.warnings.len(), 2);
        assert_eq!(args.minor_version.unwrap().base10_parse::<u32>().unwrap(), 2);
    }

    #[test]
    fn wrong_values_are_explained() {
        for (tokens, expected) in [
            (
                quote!(key_feild = "x"),
                "did you mean `key_field`? Expected one of `type`",
            ),
            (quote!(colour = "x"), "; expected one of `type`"),
            (
                quote!(minor_version = "1"),
                "takes an integer, not a string; write `minor_version = 1`",
            ),
            (
                quote!(minor_version = -1),
                "non-negative integer literal, but found `-1`",
            ),
            (quote!(type = org.openedx.learning.course.published.v1), "is not quoted"),
            (quote!(name = 3), "takes a string literal, but found `3`"),
            (quote!(warning = ""), "`warning` is empty"),
            (quote!(key_field), "`key_field` needs a value"),
            (quote!(crate = "not a path"), "is not a path"),
            (quote!(name = "A", name = "B"), "`name` is given twice"),
            (
                quote!(legacy_unversioned, legacy_unversioned),
                "`legacy_unversioned` is given twice",
            ),
        ] {
            let (_, errors) = event_args(tokens.clone());
            assert_eq!(errors.len(), 1, "{tokens}: {errors:?}");
            assert!(errors[0].contains(expected), "{tokens}: {errors:?}");
        }
    }

    #[test]
    fn field_options_are_read_for_each_macro() {
        let field: syn::Field = syn::parse_quote! {
            #[event_data(pii, default = 3)]
            #[doc = "x"]
            count: i64
        };
        let mut errors = Errors::default();
        let (options, rest) = parse_field_options(field.attrs, MacroKind::EventData, &mut errors);
        assert!(errors.finish().is_ok());
        assert!(options.pii.is_some() && options.default.is_some_and(|d| d.expr.is_some()));
        assert_eq!(rest.len(), 1);

        let field: syn::Field = syn::parse_quote! {
            #[event_data(pii)]
            #[open_edx_event(legacy_dat_key)]
            count: i64
        };
        let mut errors = Errors::default();
        parse_field_options(field.attrs, MacroKind::OpenEdxEvent, &mut errors);
        let messages: Vec<String> = errors
            .finish()
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].contains("take no #[event_data] options"));
        assert!(messages[1].contains("did you mean `legacy_data_key`?"));
    }
}
