//! The rules of DESIGN §5: everything checked before any code is generated.

use proc_macro2::Span;
use quote::format_ident;
use syn::{Ident, LitStr, Path, Visibility};

use crate::ast::{Field, MacroKind, Struct};
use crate::attr::{DataArgs, EventArgs};
use crate::errors::{Errors, did_you_mean};
use crate::event_type::{self, EventType};
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
    check_common(&input, MacroKind::EventData, true, errors);
    if input.docs.is_empty() {
        errors.at(
            &input.ident,
            format!(
                "`{}` has no doc comment; document what a payload holds: it becomes the record's description \
                 in the catalog. Add `/// …` above the struct",
                input.ident
            ),
        );
    }
    for field in &input.fields {
        if field.name == "builder" {
            errors.at(
                &field.ident,
                format!(
                    "a field named `builder` would collide with the generated `{}::builder()`; rename the field",
                    input.ident
                ),
            );
        }
        if let Some(default) = &field.options.default {
            if ty::is_option(&field.ty) {
                errors.at_span(
                    default.span,
                    format!(
                        "`{}` is an `Option`, which already defaults to `None`; remove `default`",
                        field.name
                    ),
                );
            }
        }
    }
    Data {
        input,
        krate: args.krate.unwrap_or_else(default_crate),
    }
}

pub(crate) fn event(input: Struct, args: EventArgs, errors: &mut Errors) -> Option<Event> {
    let serializable = args.unserializable.is_none();
    check_common(&input, MacroKind::OpenEdxEvent, serializable, errors);

    if input.docs.is_empty() {
        errors.at(
            &input.ident,
            format!(
                "`{}` has no doc comment; an event's doc comment is its `event_description` in the catalog. \
                 Add a sentence saying what happened, e.g. `/// Emitted when a user enrolls in a course.`",
                input.ident
            ),
        );
    }
    if input.fields.is_empty() {
        errors.at(&input.ident, format!(
            "`{}` has no data keys; an event carries at least one, e.g. `/// The enrollment.\\n enrollment: CourseEnrollmentData`",
            input.ident
        ));
    }
    for field in &input.fields {
        check_data_key(field, errors);
    }

    let declared_subdomain = args.subdomain.as_ref().map(LitStr::value);
    if let (Some(lit), Some(subdomain)) = (&args.subdomain, &declared_subdomain) {
        if event_type::KNOWN_SUBDOMAINS.contains(&subdomain.as_str()) {
            errors.at(
                lit,
                format!("`{subdomain}` is already a standard subdomain; remove `subdomain = \"{subdomain}\"`"),
            );
        } else if !is_segment(subdomain) {
            errors.at(lit, format!(
                "the subdomain `{subdomain}` is not a valid segment: lowercase ASCII letters, digits, `_` or `-`, starting with a letter"
            ));
        } else if let Some(event_type) = &args.event_type {
            let text = event_type.value();
            if !text.split('.').skip(2).any(|segment| segment == subdomain) {
                errors.at(
                    lit,
                    format!(
                        "the declared subdomain `{subdomain}` does not appear in `{text}` after its reverse DNS prefix"
                    ),
                );
            }
        }
    }

    let Some(event_type_lit) = args.event_type else {
        errors.at_span(
            Span::call_site(),
            "#[open_edx_event] needs the event type: \
            `#[open_edx_event(type = \"org.openedx.learning.course.enrollment.created.v1\")]`",
        );
        return None;
    };
    let parsed = match event_type::parse(
        &event_type_lit.value(),
        declared_subdomain.as_deref(),
        args.legacy_unversioned.is_some(),
    ) {
        Ok(parsed) => parsed,
        Err(problems) => {
            for problem in problems {
                errors.at(&event_type_lit, problem);
            }
            return None;
        }
    };

    let static_name = match &args.name {
        Some(lit) => {
            let problems = event_type::check_given_name(&lit.value(), &parsed);
            let ok = problems.is_empty();
            for problem in problems {
                errors.at(lit, problem);
            }
            ok.then(|| Ident::new(&lit.value(), lit.span()))
        }
        None => Some(Ident::new(&parsed.derived_name(), event_type_lit.span())),
    };

    if let Some(key_field) = &args.key_field {
        check_key_field_syntax(key_field, &input, errors);
    }

    if let Some(repository) = &args.trigger_repository {
        let text = repository.value();
        for entry in text.split_whitespace() {
            if !is_repository(entry) {
                errors.at(repository, format!(
                    "`{entry}` is not a repository; `trigger_repository` names GitHub repositories as `owner/name`, \
                     e.g. `openedx/edx-platform` (several separated by spaces)"
                ));
            }
        }
    }

    let minor_version = args
        .minor_version
        .as_ref()
        .and_then(|lit| lit.base10_parse::<u32>().ok())
        .unwrap_or(0);

    Some(Event {
        krate: args.krate.unwrap_or_else(default_crate),
        event_type: event_type_lit,
        parsed,
        static_name: static_name.unwrap_or_else(|| format_ident!("__INVALID_NAME")),
        key_field: args.key_field,
        minor_version,
        trigger_repository: args.trigger_repository.map(|lit| lit.value()),
        warnings: args.warnings.iter().map(LitStr::value).collect(),
        unserializable: args.unserializable.map(|lit| lit.value()),
        input,
    })
}

/// Rules shared by both macros: field docs, visibility, types and attributes.
fn check_common(input: &Struct, kind: MacroKind, check_types: bool, errors: &mut Errors) {
    for attr in &input.attrs {
        if attr.path().is_ident("serde") {
            errors.at(
                attr,
                format!(
                    "serde attributes cannot change a payload's JSON shape, which follows its wire schema; remove `{}`",
                    quote::quote!(#attr)
                ),
            );
        }
        if attr.path().is_ident("derive") {
            let _ = attr.parse_nested_meta(|meta| {
                let name = meta
                    .path
                    .segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default();
                if ["Clone", "Debug", "PartialEq", "Eq", "Hash", "Serialize", "Deserialize"].contains(&name.as_str()) {
                    errors.at(
                        &meta.path,
                        format!(
                            "{} already implements `{name}`; remove it from the derive list",
                            kind.attribute()
                        ),
                    );
                }
                Ok(())
            });
        }
    }
    for field in &input.fields {
        if field.docs.is_empty() {
            errors.at(
                &field.ident,
                format!(
                    "the field `{}` has no doc comment; every payload field is documented for the catalog. \
                 Add `/// …` above it",
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
        for attr in &field.attrs {
            if attr.path().is_ident("serde") {
                errors.at(
                    attr,
                    "serde attributes cannot change a payload's JSON shape, which follows its wire schema; remove it",
                );
            }
        }
        if check_types {
            ty::check_supported(&field.ty, errors);
        }
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
                    "the data key `{}` ends in `{suffix}`; data keys name the thing the event is about, e.g. `{base}`. \
                 (An upstream key kept for wire compatibility takes `#[open_edx_event(legacy_data_key)]`)",
                    field.name
                ),
            );
        }
        (None, Some(span)) => errors.at_span(
            span,
            format!(
                "`legacy_data_key` is only for data keys ending in `_data` or `_payload`, and `{}` does not; remove it",
                field.name
            ),
        ),
        _ => {}
    }
}

fn check_key_field_syntax(lit: &LitStr, input: &Struct, errors: &mut Errors) {
    let path = lit.value();
    let segments: Vec<&str> = path.split('.').collect();
    if segments.iter().any(|segment| !is_identifier(segment)) {
        errors.at(
            lit,
            format!(
                "`{path}` is not a field path; `key_field` is field names joined by dots, starting with a data key, \
             e.g. `enrollment.course.course_key`"
            ),
        );
        return;
    }
    let data_keys: Vec<&str> = input.fields.iter().map(|field| field.name.as_str()).collect();
    if !data_keys.contains(&segments[0]) {
        errors.at(
            lit,
            format!(
                "`key_field` starts with `{}`, which is not a data key of `{}`{}; its data keys are: {}",
                segments[0],
                input.ident,
                did_you_mean(segments[0], &data_keys),
                data_keys
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
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
