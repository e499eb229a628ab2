//! The rustdoc added to generated items: the field table of a payload and the annotation table
//! of an event, in the vocabulary of the Python library's annotations.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::Struct;
use crate::ty;
use crate::valid::Event;

/// Makes `text` safe inside one Markdown table cell.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .map(autolink)
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// `https://…` as a Markdown autolink `<https://…>`, keeping sentence punctuation outside:
/// rustdoc rejects bare URLs.
fn autolink(word: &str) -> String {
    if !(word.starts_with("https://") || word.starts_with("http://")) {
        return word.to_owned();
    }
    let url = word.trim_end_matches(['.', ',', ';', ':', ')']);
    format!("<{url}>{}", &word[url.len()..])
}

/// The first paragraph of a doc comment.
pub(super) fn first_paragraph(text: &str) -> String {
    text.split("\n\n").next().unwrap_or_default().to_owned()
}

/// `` [`Name`] `` when `type_text` is a plain path rustdoc can link, else `` `text` ``.
fn type_link(type_text: &str) -> String {
    let linkable = type_text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
    if linkable {
        format!("[`{type_text}`]")
    } else {
        format!("`{type_text}`")
    }
}

/// The field table of an `#[event_data]` struct, whose fields rustdoc would otherwise hide.
pub(super) fn data_fields(input: &Struct) -> Vec<String> {
    let mut lines = vec![
        String::new(),
        "# Fields".to_owned(),
        String::new(),
        "In wire order; read each through its getter.".to_owned(),
        String::new(),
        "| Field | Type | Default | Description |".to_owned(),
        "|---|---|---|---|".to_owned(),
    ];
    for field in &input.fields {
        let default = if ty::is_option(&field.ty) {
            "`None`".to_owned()
        } else if let Some(default) = &field.options.default {
            match &default.expr {
                Some(expr) => format!("`{}`", cell(&quote::quote!(#expr).to_string())),
                None => "`Default::default()`".to_owned(),
            }
        } else {
            "required".to_owned()
        };
        let pii = if field.options.pii.is_some() {
            " *(PII, redacted in `Debug`)*"
        } else {
            ""
        };
        lines.push(format!(
            "| [`{name}`](Self::{name}) | `{ty}` | {default} | {doc}{pii} |",
            name = field.name,
            ty = cell(&ty::type_text(&field.ty)),
            doc = cell(&first_paragraph(&field.doc_text())),
        ));
    }
    lines
}

/// The annotation table of an event, on both the payload struct and the signal static.
pub(super) fn event_annotations(event: &Event) -> Vec<String> {
    let input = &event.input;
    let data = input
        .fields
        .iter()
        .map(|field| format!("`{}`: {}", field.name, type_link(&ty::type_text(&field.ty))))
        .collect::<Vec<_>>()
        .join(", ");
    let repositories = event
        .trigger_repository
        .as_deref()
        .map(|text| {
            text.split_whitespace()
                .map(|repo| format!("[{repo}](https://github.com/{repo})"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_else(|| "—".to_owned());
    let warnings = if event.warnings.is_empty() {
        "—".to_owned()
    } else {
        event
            .warnings
            .iter()
            .map(|warning| cell(warning))
            .collect::<Vec<_>>()
            .join("<br>")
    };
    let key_field = event
        .key_field
        .as_ref()
        .map_or_else(|| "—".to_owned(), |lit| format!("`{}`", lit.value()));
    let bus = match &event.unserializable {
        Some(reason) => format!("not serializable: {}", cell(reason)),
        None => "serializable (Avro)".to_owned(),
    };
    vec![
        String::new(),
        "# Event annotations".to_owned(),
        String::new(),
        "| Annotation | Value |".to_owned(),
        "|---|---|".to_owned(),
        format!("| `event_type` | `{}` |", event.event_type.value()),
        format!("| `event_name` | [`{name}`](static@{name}) |", name = event.static_name),
        format!("| `event_key_field` | {key_field} |"),
        format!(
            "| `event_description` | {} |",
            cell(&first_paragraph(&input.doc_text()))
        ),
        format!("| `event_data` | [`{}`]: {data} |", input.ident),
        format!("| `event_trigger_repository` | {repositories} |"),
        format!("| `event_warnings` | {warnings} |"),
        format!("| subdomain | `{}` |", event.parsed.subdomain),
        format!("| minor version | {} |", event.minor_version),
        format!("| event bus | {bus} |"),
    ]
}

/// Doc attributes showing the event's Avro schema, when the crate keeps a copy of it.
///
/// The schema of an event depends on payload types that may live in other crates, so the
/// macro cannot compute it. A crate that commits its schemas where
/// `openedx-events schemas --out schemas/current` writes them gets each one shown on its
/// event's pages; `include_str!` makes the build track the file.
pub(super) fn committed_schema(event: &Event) -> TokenStream {
    if !event.is_serializable() {
        return TokenStream::new();
    }
    let Ok(manifest_dir) = std::env::var("CARGO_MANIFEST_DIR") else {
        return TokenStream::new();
    };
    let file_name = format!("{}_schema.avsc", event.event_type.value().replace('.', "+"));
    let path = std::path::Path::new(&manifest_dir)
        .join("schemas")
        .join("current")
        .join(file_name);
    if !path.is_file() {
        return TokenStream::new();
    }
    let path = path.to_string_lossy().into_owned();
    quote! {
        #[doc = ""]
        #[doc = "# Avro schema"]
        #[doc = ""]
        #[doc = "```json"]
        #[doc = ::core::include_str!(#path)]
        #[doc = "```"]
    }
}
