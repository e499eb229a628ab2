//! `docs`: the catalog as Markdown or JSON, generated from the registry.

use std::io::Write;

use clap::ValueEnum;
use events_catalog::catalog::{Links, catalog_json, markdown};

use super::CliError;

/// The output of `docs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DocsFormat {
    /// Markdown, for people.
    Markdown,
    /// JSON, for programs.
    Json,
}

/// How the Markdown links to Rust items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DocsLinks {
    /// No links to Rust items.
    Plain,
    /// Rustdoc intra-doc links (the crate documentation page).
    Rustdoc,
}

pub(crate) fn docs(out: &mut dyn Write, format: DocsFormat, links: DocsLinks) -> Result<(), CliError> {
    match format {
        DocsFormat::Markdown => {
            let links = match links {
                DocsLinks::Plain => Links::Plain,
                DocsLinks::Rustdoc => Links::Rustdoc,
            };
            out.write_all(markdown(links).as_bytes())?;
        }
        DocsFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&catalog_json())?)?,
    }
    Ok(())
}
