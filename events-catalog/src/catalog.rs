//! The catalog of events, built from the registration records the macros generate.

use events_core::registry::{self, AnySignal, EventInfo};
use serde_json::{Value, json};

/// Every event in the registry, sorted by event type.
pub fn events() -> &'static [&'static dyn AnySignal] {
    registry::all_events()
}

/// The JSON description of an event: its annotations, data keys and schema.
pub fn event_json(info: &EventInfo) -> Value {
    let data: Vec<Value> = info
        .data
        .iter()
        .map(|key| json!({"name": key.name, "type": key.rust_type, "description": key.doc}))
        .collect();
    json!({
        "event_type": info.event_type,
        "event_name": info.name,
        "subdomain": info.subdomain,
        "description": info.description,
        "payload_type": info.payload_type,
        "data": data,
        "key_field": info.key_field,
        "trigger_repository": info.trigger_repository,
        "warnings": info.warnings,
        "major_version": info.major_version,
        "minor_version": info.minor_version,
        "serializable": info.is_serializable(),
        "unserializable_reason": info.unserializable,
        "module": info.module_path,
    })
}

/// How the Markdown catalog links to items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// Rustdoc intra-doc links, for the crate documentation of `events-catalog`.
    Rustdoc,
    /// No links to Rust items, for Markdown read outside rustdoc (the guide in `docs/`).
    Plain,
}

/// The catalog as Markdown: every event grouped by subdomain, with its type, signal name,
/// description, payload, key field, trigger repository, warnings and bus support.
///
/// This is the crate-level documentation page of `events-catalog` and the catalog page of the
/// guide, both generated with `openedx-events docs --format markdown`.
pub fn markdown(links: Links) -> String {
    let all = events();
    let mut subdomains: Vec<&str> = all.iter().map(|signal| signal.info().subdomain).collect();
    subdomains.sort_unstable();
    subdomains.dedup();

    let mut out = String::new();
    out.push_str("# The Open edX events catalog\n\n");
    out.push_str(&format!(
        "{} events in {} subdomains, generated from the `#[open_edx_event]` annotations by \
         `openedx-events docs --format markdown`.\n",
        all.len(),
        subdomains.len()
    ));
    for subdomain in subdomains {
        let in_subdomain: Vec<&EventInfo> = all
            .iter()
            .map(|signal| signal.info())
            .filter(|info| info.subdomain == subdomain)
            .collect();
        let count = in_subdomain.len();
        out.push_str(&format!(
            "\n## {subdomain}\n\n{count} {}.\n",
            if count == 1 { "event" } else { "events" }
        ));
        for info in in_subdomain {
            out.push_str(&event_markdown(info, links));
        }
    }
    out
}

fn event_markdown(info: &EventInfo, links: Links) -> String {
    // `events_catalog::learning::signals` → `crate::learning::signals` (the signal) and
    // `crate::learning` (the subdomain module, which re-exports the data classes).
    let module = info.module_path.replacen("events_catalog", "crate", 1);
    let subdomain_module = module.rsplit_once("::").map_or(module.as_str(), |(parent, _)| parent);
    let item = |name: &str, path: &str| match links {
        Links::Rustdoc => format!("[`{name}`]({path})"),
        Links::Plain => format!("`{name}`"),
    };
    let data = info
        .data
        .iter()
        .map(|key| {
            let plain = key.rust_type.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            let ty = if plain {
                item(key.rust_type, &format!("{subdomain_module}::{}", key.rust_type))
            } else {
                format!("`{}`", key.rust_type)
            };
            format!("`{}`: {ty}", key.name)
        })
        .collect::<Vec<_>>()
        .join(", ");
    let repositories = info.trigger_repository.map_or_else(
        || "—".to_owned(),
        |text| {
            text.split_whitespace()
                .map(|repo| format!("[{repo}](https://github.com/{repo})"))
                .collect::<Vec<_>>()
                .join(", ")
        },
    );
    let warnings = if info.warnings.is_empty() {
        "—".to_owned()
    } else {
        info.warnings.iter().map(|w| cell(w)).collect::<Vec<_>>().join("<br>")
    };
    let bus = match info.unserializable {
        Some(reason) => format!("not serializable: {}", cell(reason)),
        None => "serializable".to_owned(),
    };
    let version = match info.major_version {
        Some(major) => format!("v{major}, minor {}", info.minor_version),
        None => format!("unversioned (legacy), minor {}", info.minor_version),
    };
    let mut out = format!("\n### `{}`\n\n", info.event_type);
    out.push_str("| Annotation | Value |\n|---|---|\n");
    out.push_str(&format!(
        "| Signal | {} |\n",
        item(info.name, &format!("static@{module}::{}", info.name))
    ));
    out.push_str(&format!(
        "| Description | {} |\n",
        cell(first_paragraph(info.description))
    ));
    out.push_str(&format!(
        "| Payload | {}: {data} |\n",
        item(info.payload_type, &format!("{module}::{}", info.payload_type))
    ));
    out.push_str(&format!(
        "| Key field | {} |\n",
        info.key_field.map_or_else(|| "—".to_owned(), |k| format!("`{k}`"))
    ));
    out.push_str(&format!("| Trigger repository | {repositories} |\n"));
    out.push_str(&format!("| Warnings | {warnings} |\n"));
    out.push_str(&format!("| Version | {version} |\n"));
    out.push_str(&format!("| Event bus | {bus} |\n"));
    out
}

fn first_paragraph(text: &str) -> &str {
    text.split("\n\n").next().unwrap_or_default()
}

fn cell(text: &str) -> String {
    text.split_whitespace()
        .map(autolink)
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// `https://…` as a Markdown autolink `<https://…>`, keeping sentence punctuation outside.
fn autolink(word: &str) -> String {
    if !(word.starts_with("https://") || word.starts_with("http://")) {
        return word.to_owned();
    }
    let url = word.trim_end_matches(['.', ',', ';', ':', ')']);
    format!("<{url}>{}", &word[url.len()..])
}

/// The catalog as JSON: `{"events": [...], "subdomains": {"learning": 37, ...}}`, each event
/// as [`event_json`] describes it.
pub fn catalog_json() -> Value {
    let mut subdomains = serde_json::Map::new();
    for signal in events() {
        let count = subdomains.entry(signal.info().subdomain).or_insert(json!(0));
        *count = json!(count.as_u64().unwrap_or(0) + 1);
    }
    json!({
        "events": events().iter().map(|signal| event_json(signal.info())).collect::<Vec<_>>(),
        "subdomains": subdomains,
    })
}
