//! The rules of DESIGN §5: everything checked before any code is generated.
//!
//! Every rule is checked even after another has failed, so that one build reports every
//! problem of an input, roughly in source order: the arguments first, then the struct, then
//! each field.

use proc_macro2::Span;
use quote::format_ident;
use syn::spanned::Spanned;
use syn::{Ident, LitStr, Path, Visibility};

use crate::ast::{Field, MacroKind, Struct};
use crate::attr::{DataArgs, EventArgs};
use crate::errors::{Errors, closest, code_list};
use crate::event_type::{self, About, EventType};
use crate::ty;

/// A validated `#[event_data]` struct.
pub(crate) struct Data {
    pub(crate) input: Struct,
    pub(crate) krate: Path,
}

/// A validated `#[open_edx_event]` struct.
pub(crate) struct Event {
    pub(crate) input: Struct,
    pub(crate) krate: Path,
    pub(crate) event_type: LitStr,
    pub(crate) parsed: EventType,
    pub(crate) static_name: Ident,
    pub(crate) key_field: Option<LitStr>,
    pub(crate) minor_version: u32,
    pub(crate) trigger_repository: Option<String>,
    pub(crate) warnings: Vec<String>,
    pub(crate) unserializable: Option<String>,
}

impl Event {
    pub(crate) fn is_serializable(&self) -> bool {
        self.unserializable.is_none()
    }
}

fn default_crate() -> Path {
    syn::parse_quote!(::events_core)
}

pub(crate) fn data(input: Struct, args: DataArgs, errors: &mut Errors) -> Data {
    check_struct_attrs(&input, MacroKind::EventData, errors);
    if input.docs.is_empty() {
        errors.at(
            &input.ident,
            format!(
                "`{ident}` has no doc comment, but every payload struct is documented: the text is its record \
                 description in the catalog. Add `/// …` above `struct {ident}`",
                ident = input.ident
            ),
        );
    }
    if input.fields.is_empty() {
        // An empty record carries nothing for consumers, and takes no bytes on the wire, so a list
        // of them could claim any length.
        errors.at(
            &input.ident,
            format!(
                "`{}` has no fields, but a payload record carries at least one; add a documented field, \
                 e.g. `/// The course's key.` `course_key: CourseKey`",
                input.ident
            ),
        );
    }
    let names: Vec<&str> = input.fields.iter().map(|field| field.name.as_str()).collect();
    for field in &input.fields {
        check_field(field, true, errors);
        if field.name == "builder" {
            errors.at(
                &field.ident,
                format!(
                    "a field named `builder` would collide with the generated `{}::builder()`; rename the field",
                    input.ident
                ),
            );
        }
        if let Some(other) = field.name.strip_prefix("with_").filter(|other| names.contains(other)) {
            errors.at(
                &field.ident,
                format!(
                    "a field named `{}` would collide with the generated `{}()` that returns a copy with \
                     `{other}` changed; rename the field",
                    field.name, field.name
                ),
            );
        }
        let default_on_option = field.options.default.as_ref().filter(|_| ty::is_option(&field.ty));
        if let Some(default) = default_on_option {
            errors.at_span(
                default.span,
                format!(
                    "`{}` is an `Option`, which already defaults to `None`; remove `default`",
                    field.name
                ),
            );
        }
    }
    Data {
        input,
        krate: args.krate.unwrap_or_else(default_crate),
    }
}

pub(crate) fn event(input: Struct, args: EventArgs, errors: &mut Errors) -> Option<Event> {
    let serializable = args.unserializable.is_none();

    // The declared subdomain first: when it is wrong, the type's "no subdomain" problem is a
    // consequence and not reported.
    let declared_subdomain = args.subdomain.as_ref().map(LitStr::value);
    let mut subdomain_reported = false;
    if let (Some(lit), Some(subdomain)) = (&args.subdomain, &declared_subdomain) {
        if event_type::KNOWN_SUBDOMAINS.contains(&subdomain.as_str()) {
            errors.at(
                lit,
                format!(
                    "`{subdomain}` is already a standard subdomain; `subdomain = ...` declares one outside the \
                     standard list, so remove `subdomain = \"{subdomain}\"`"
                ),
            );
        } else if !is_segment(subdomain) {
            subdomain_reported = true;
            let lowercase = subdomain.to_ascii_lowercase().replace(' ', "_");
            let fix = if is_segment(&lowercase) {
                format!("; write `subdomain = \"{lowercase}\"`")
            } else {
                String::new()
            };
            errors.at(
                lit,
                format!(
                    "the subdomain `{subdomain}` is not a valid event type segment: expected lowercase ASCII \
                     letters, digits, `_` or `-`, starting with a letter{fix}"
                ),
            );
        }
    }

    let parsed = match &args.event_type {
        Some(lit) => match event_type::parse(
            &lit.value(),
            declared_subdomain.as_deref(),
            args.legacy_unversioned.is_some(),
        ) {
            Ok(parsed) => Some(parsed),
            Err(problems) => {
                for problem in problems {
                    match (problem.about, args.legacy_unversioned) {
                        (About::NoSubdomain, _) if subdomain_reported => {}
                        (About::NoSubdomain, _) if declared_subdomain.is_some() => {
                            // The declaration and the type disagree; point at the declaration.
                            errors.at(args.subdomain.as_ref().unwrap_or(lit), problem.message);
                        }
                        (About::LegacyUnversioned, Some(flag)) => errors.at_span(flag, problem.message),
                        _ => errors.at(lit, problem.message),
                    }
                }
                None
            }
        },
        None => {
            if !args.type_given {
                errors.at_span(
                    Span::call_site(),
                    "#[open_edx_event] needs the event type; add \
                     `type = \"org.openedx.{subdomain}.{subject}.{action}.v1\"`, \
                     e.g. `#[open_edx_event(type = \"org.openedx.learning.course.enrollment.created.v1\")]`",
                );
            }
            None
        }
    };

    let static_name = match (&args.name, &parsed) {
        (Some(lit), Some(parsed)) => {
            let problems = event_type::check_given_name(&lit.value(), parsed);
            let ok = problems.is_empty();
            for problem in problems {
                errors.at(lit, problem);
            }
            ok.then(|| Ident::new(&lit.value(), lit.span()))
        }
        (Some(lit), None) => {
            // The version rules need a well-formed type; the spelling does not.
            if let Some(problem) = event_type::name_case_problem(&lit.value()) {
                errors.at(lit, problem);
            }
            None
        }
        (None, Some(parsed)) => args
            .event_type
            .as_ref()
            .map(|lit| Ident::new(&parsed.derived_name(), lit.span())),
        (None, None) => None,
    };

    if let (Some(key_field), Some(reason)) = (&args.key_field, &args.unserializable) {
        // The key partitions the event on the bus, and this event never goes there; its fields
        // may also lack the schema nodes the path would be resolved through.
        errors.at(
            key_field,
            format!(
                "`key_field` is the event bus key, but this event is `unserializable` ({:?}) and never sent on \
                 the bus; remove `key_field = {:?}`",
                reason.value(),
                key_field.value()
            ),
        );
    } else if let Some(key_field) = &args.key_field {
        check_key_field_syntax(key_field, &input, errors);
    }

    if let Some(repository) = &args.trigger_repository {
        check_trigger_repository(repository, errors);
    }

    check_struct_attrs(&input, MacroKind::OpenEdxEvent, errors);
    if input.docs.is_empty() {
        errors.at(
            &input.ident,
            format!(
                "`{ident}` has no doc comment, but an event's doc comment is its `event_description` in the \
                 catalog. Add a sentence saying what happened above `struct {ident}`, e.g. \
                 `/// Emitted when a user enrolls in a course.`",
                ident = input.ident
            ),
        );
    }
    if input.fields.is_empty() {
        errors.at(
            &input.ident,
            format!(
                "`{}` has no data keys, but an event carries at least one; add a documented field naming what \
                 the event is about, e.g. `/// The enrollment that was created.` `enrollment: CourseEnrollmentData`",
                input.ident
            ),
        );
    }
    for field in &input.fields {
        check_field(field, serializable, errors);
        check_data_key(field, errors);
    }

    let minor_version = args
        .minor_version
        .as_ref()
        .and_then(|lit| lit.base10_parse::<u32>().ok())
        .unwrap_or(0);

    Some(Event {
        krate: args.krate.unwrap_or_else(default_crate),
        event_type: args.event_type?,
        parsed: parsed?,
        static_name: static_name.unwrap_or_else(|| format_ident!("__INVALID_NAME")),
        key_field: args.key_field,
        minor_version,
        trigger_repository: args.trigger_repository.map(|lit| lit.value()),
        warnings: args.warnings.iter().map(LitStr::value).collect(),
        unserializable: args.unserializable.map(|lit| lit.value()),
        input,
    })
}

/// Struct-level rules shared by both macros: no generics, and no attributes the macros cannot
/// honour (their own derives, and serde's).
fn check_struct_attrs(input: &Struct, kind: MacroKind, errors: &mut Errors) {
    let generics = &input.generics;
    if !generics.params.is_empty() || generics.where_clause.is_some() {
        let span = if generics.params.is_empty() {
            generics.where_clause.span()
        } else {
            generics.params.span()
        };
        let (found, fix) = if generics.lifetimes().next().is_some() {
            (
                "a lifetime parameter",
                "remove it and use owned field types (`String`, not `&str`)",
            )
        } else if generics.params.is_empty() {
            ("a where clause", "remove it")
        } else {
            ("type parameters", "remove them and use concrete field types")
        };
        errors.at_span(
            span,
            format!(
                "`{}` has {found}, but an {} struct cannot be generic: its wire schema is fixed and it owns \
                 its data; {fix}",
                input.ident,
                kind.attribute()
            ),
        );
    }
    for attr in &input.serde_attrs {
        errors.at(
            attr,
            format!(
                "serde attributes cannot change a payload's JSON shape, which follows its wire schema; remove `{}`",
                quote::quote!(#attr)
            ),
        );
    }
    for path in &input.conflicting_derives {
        let name = path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        let how = match name.as_str() {
            "Eq" | "Hash" => " (wherever every field type has it)",
            "Serialize" | "Deserialize" => " in the JSON shape of the wire schema",
            _ => "",
        };
        errors.at(
            path,
            format!(
                "{} already implements `{name}`{how}, so deriving it would conflict; remove `{name}` from the \
                 derive list",
                kind.attribute()
            ),
        );
    }
}

/// Rules shared by the fields of both macros, in the order a reader meets them: documentation,
/// visibility, attributes, type.
fn check_field(field: &Field, check_type: bool, errors: &mut Errors) {
    if field.docs.is_empty() {
        errors.at(
            &field.ident,
            format!(
                "the field `{}` has no doc comment, but every payload field is documented: the text is its \
                 description in the catalog. Add `/// …` above it",
                field.name
            ),
        );
    }
    if !matches!(field.vis, Visibility::Inherited) {
        let vis = &field.vis;
        errors.at(
            vis,
            format!(
                "payload fields are private: the payload is frozen and read through the generated getter `{}()`; \
                 remove `{}`",
                field.ident,
                quote::quote!(#vis).to_string().replace(' ', "")
            ),
        );
    }
    for attr in &field.serde_attrs {
        errors.at(
            attr,
            format!(
                "serde attributes cannot change a payload's JSON shape: field names are wire names; remove `{}`",
                quote::quote!(#attr)
            ),
        );
    }
    if check_type {
        ty::check_supported(&field.ty, errors);
    }
}

fn check_data_key(field: &Field, errors: &mut Errors) {
    if field.name == "new" {
        errors.at(
            &field.ident,
            "a data key named `new` would collide with the generated constructor `new(..)`; rename it",
        );
    }
    let suffix = ["_data", "_payload"]
        .into_iter()
        .find(|suffix| field.name.ends_with(suffix));
    match (suffix, field.options.legacy_data_key) {
        (Some(suffix), None) => {
            let base = field.name.trim_end_matches(suffix);
            errors.at(
                &field.ident,
                format!(
                    "the data key `{}` ends in `{suffix}`, but data keys name the thing the event is about; \
                     rename it `{base}`, or, for an upstream key kept for wire compatibility, mark it \
                     `#[open_edx_event(legacy_data_key)]`",
                    field.name
                ),
            );
        }
        (None, Some(span)) => errors.at_span(
            span,
            format!(
                "`legacy_data_key` is only for data keys ending in `_data` or `_payload`, and `{}` does not; \
                 remove it",
                field.name
            ),
        ),
        _ => {}
    }
}

fn check_key_field_syntax(lit: &LitStr, input: &Struct, errors: &mut Errors) {
    let path = lit.value();
    let segments: Vec<&str> = path.split('.').collect();
    let shape = "`key_field` is field names joined by dots, starting with a data key, \
                 e.g. `enrollment.course.course_key`";
    if segments.iter().any(|segment| segment.is_empty()) {
        errors.at(
            lit,
            format!("`{path}` has an empty segment, so it is not a field path; {shape}"),
        );
        return;
    }
    if let Some(bad) = segments.iter().find(|segment| !is_identifier(segment)) {
        errors.at(
            lit,
            format!("`{bad}` in `{path}` is not a field name, so this is not a field path; {shape}"),
        );
        return;
    }
    let data_keys: Vec<&str> = input.fields.iter().map(|field| field.name.as_str()).collect();
    if !data_keys.contains(&segments[0]) {
        let suggestion = match closest(segments[0], data_keys.iter().copied()).first() {
            Some(key) => {
                let rest = &segments[1..];
                let corrected = std::iter::once(*key).chain(rest.iter().copied()).collect::<Vec<_>>();
                format!("; did you mean `{}`?", corrected.join("."))
            }
            None => String::new(),
        };
        errors.at(
            lit,
            format!(
                "`key_field` starts with `{}`, which is not a data key of `{}`: its data keys are {}{suggestion}",
                segments[0],
                input.ident,
                code_list(&data_keys),
            ),
        );
    }
}

fn check_trigger_repository(lit: &LitStr, errors: &mut Errors) {
    for entry in lit.value().split_whitespace() {
        if is_repository(entry) {
            continue;
        }
        let suggestion = if !entry.contains('/') && is_repository(&format!("openedx/{entry}")) {
            format!("; did you mean `openedx/{entry}`?")
        } else {
            String::new()
        };
        errors.at(
            lit,
            format!(
                "`{entry}` is not an `owner/name` repository; `trigger_repository` names the GitHub repositories \
                 whose code sends the event, e.g. `openedx/edx-platform`, separated by spaces{suggestion}"
            ),
        );
    }
}

fn is_segment(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_lowercase())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn is_identifier(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_repository(text: &str) -> bool {
    let Some((owner, name)) = text.split_once('/') else {
        return false;
    };
    !owner.is_empty()
        && !name.is_empty()
        && owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;
    use quote::quote;

    use super::*;
    use crate::{ast, attr};

    /// Runs an `#[open_edx_event(args)]` input through parsing and validation.
    fn event_outcome(args: TokenStream, item: TokenStream) -> (Option<Event>, Vec<String>) {
        let mut errors = Errors::default();
        let args = attr::parse_event_args(args, &mut errors);
        let input = ast::parse_struct(syn::parse2(item).unwrap(), MacroKind::OpenEdxEvent, &mut errors).unwrap();
        let event = event(input, args, &mut errors);
        let messages = match errors.finish() {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        };
        (event, messages)
    }

    fn event_errors(args: TokenStream) -> Vec<String> {
        event_outcome(
            args,
            quote! {
                /// Emitted when a course is published.
                pub struct CoursePublished {
                    /// The course's id.
                    course_key: String,
                }
            },
        )
        .1
    }

    fn data_errors(item: TokenStream) -> Vec<String> {
        let mut errors = Errors::default();
        let input = ast::parse_struct(syn::parse2(item).unwrap(), MacroKind::EventData, &mut errors).unwrap();
        data(input, DataArgs::default(), &mut errors);
        match errors.finish() {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn a_valid_event_gets_its_derived_name() {
        let (event, errors) = event_outcome(
            quote!(type = "com.example.learning.course.enrollment.created.v3", minor_version = 2),
            quote! {
                /// Emitted when a learner enrolls.
                pub struct Enrolled {
                    /// The course.
                    course_key: String,
                }
            },
        );
        assert_eq!(errors, Vec::<String>::new());
        let event = event.unwrap();
        assert_eq!(event.static_name.to_string(), "COURSE_ENROLLMENT_CREATED_V3");
        assert_eq!((event.minor_version, event.parsed.subdomain.as_str()), (2, "learning"));
    }

    #[test]
    fn independent_problems_are_all_reported() {
        let (event, errors) = event_outcome(
            quote!(type = "org.openedx.learning.Course.published.v1", name = "coursePublished", trigger_repository = "edx-platform"),
            quote! {
                pub struct CoursePublished {
                    pub course_data: u64,
                }
            },
        );
        assert!(event.is_none());
        let expected = [
            "segment `Course`",
            "name `coursePublished`",
            "did you mean `openedx/edx-platform`?",
            "`CoursePublished` has no doc comment",
            "the field `course_data` has no doc comment",
            "payload fields are private",
            "`u64` has no Avro form",
            "the data key `course_data` ends in `_data`",
        ];
        assert_eq!(errors.len(), expected.len(), "{errors:#?}");
        for (error, expected) in errors.iter().zip(expected) {
            assert!(error.contains(expected), "{error:?} should contain {expected:?}");
        }
    }

    #[test]
    fn a_wrong_argument_is_not_also_reported_as_missing() {
        for args in [
            quote!(type = ""),
            quote!(type = org.openedx.learning.course.published.v1),
            quote!(type = "org.openedx.authz.role_assignment.created", legacy_unversioned = true),
            quote!(type = "com.example.billing.invoice.paid.v1", subdomain = "Billing"),
            quote!(type = "com.example.payments.invoice.paid.v1", subdomain = "billing"),
        ] {
            let errors = event_errors(args.clone());
            assert_eq!(errors.len(), 1, "{args}: {errors:#?}");
        }
    }

    #[test]
    fn a_missing_type_is_reported() {
        let errors = event_errors(quote!());
        assert!(errors[0].contains("needs the event type"), "{errors:?}");
    }

    #[test]
    fn key_field_first_segment_is_checked_with_a_suggestion() {
        let errors = event_errors(quote!(type = "org.openedx.learning.course.published.v1", key_field = "course_ky"));
        assert!(errors[0].contains("did you mean `course_key`?"), "{errors:?}");
        let errors = event_errors(quote!(type = "org.openedx.learning.course.published.v1", key_field = "course key"));
        assert!(
            errors[0].contains("`course key` in `course key` is not a field name"),
            "{errors:?}"
        );
    }

    #[test]
    fn generated_method_names_cannot_be_field_names() {
        let errors = data_errors(quote! {
            /// A course run.
            pub struct CourseRunData {
                /// Who built it.
                builder: String,
                /// Its name.
                name: String,
                /// A derived name.
                with_name: String,
            }
        });
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(errors[0].contains("`CourseRunData::builder()`"));
        assert!(errors[1].contains("`with_name()`"));
    }

    #[test]
    fn conflicting_derives_and_serde_attributes_are_reported() {
        let errors = data_errors(quote! {
            /// A course.
            #[derive(Clone, Default, serde::Serialize)]
            #[serde(deny_unknown_fields)]
            pub struct CourseData {
                /// The course's id.
                #[serde(rename = "id")]
                course_key: String,
            }
        });
        assert_eq!(errors.len(), 4, "{errors:#?}");
        assert!(errors[0].starts_with("serde attributes") && errors[0].contains("deny_unknown_fields"));
        assert!(errors[1].contains("already implements `Clone`"));
        assert!(errors[2].contains("already implements `Serialize` in the JSON shape"));
        assert!(errors[3].contains("field names are wire names"));
    }
}
