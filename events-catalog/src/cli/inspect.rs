//! `list` and `show`: the catalog for people and programs.

use std::io::Write;

use events_catalog::catalog::{event_json, events};
use events_core::avro::schema_text;
use events_core::registry::get_signal_by_type;

use super::{CliError, Format};

pub(crate) fn list(out: &mut dyn Write, format: Format) -> Result<(), CliError> {
    match format {
        Format::Json => {
            let all: Vec<_> = events().iter().map(|signal| event_json(signal.info())).collect();
            writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?;
        }
        Format::Text => {
            for signal in events() {
                let info = signal.info();
                let bus = if info.is_serializable() {
                    ""
                } else {
                    "  (not serializable)"
                };
                writeln!(out, "{:<80} {}{bus}", info.event_type, info.name)?;
            }
            writeln!(out, "{} events", events().len())?;
        }
    }
    Ok(())
}

pub(crate) fn show(out: &mut dyn Write, event_type: &str, format: Format) -> Result<(), CliError> {
    let info = get_signal_by_type(event_type)?.info();
    let schema = info.codec.map(|codec| (codec.schema)());
    match format {
        Format::Json => {
            let mut json = event_json(info);
            json["avro_schema"] = schema.unwrap_or_default();
            writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
        }
        Format::Text => {
            writeln!(out, "event_type        {}", info.event_type)?;
            writeln!(out, "event_name        {}", info.name)?;
            writeln!(out, "subdomain         {}", info.subdomain)?;
            writeln!(
                out,
                "description       {}",
                info.description.replace('\n', "\n                  ")
            )?;
            writeln!(out, "payload           {}", info.payload_type)?;
            for key in info.data {
                writeln!(out, "  data key        {}: {}  ({})", key.name, key.rust_type, key.doc)?;
            }
            writeln!(out, "key_field         {}", info.key_field.unwrap_or("-"))?;
            writeln!(out, "trigger           {}", info.trigger_repository.unwrap_or("-"))?;
            writeln!(out, "minor_version     {}", info.minor_version)?;
            for warning in info.warnings {
                writeln!(out, "warning           {warning}")?;
            }
            match (&schema, info.unserializable) {
                (Some(schema), _) => writeln!(out, "avro schema\n{}", schema_text(schema))?,
                (None, Some(reason)) => writeln!(out, "not serializable  {reason}")?,
                (None, None) => {}
            }
        }
    }
    Ok(())
}
