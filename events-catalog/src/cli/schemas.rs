//! `schema`, `schemas` and `check-compat`.

use std::io::Write;
use std::path::Path;

use events_catalog::schemas::{check_compat as check, write_schemas};
use events_core::avro::schema_text;
use events_core::registry::get_signal_by_type;
use serde_json::json;

use super::{CliError, Format};

pub(crate) fn schema(out: &mut dyn Write, event_type: &str) -> Result<(), CliError> {
    let info = get_signal_by_type(event_type)?.info();
    let codec = info.codec.ok_or_else(|| {
        format!(
            "{event_type} has no Avro schema: it is not serializable ({})",
            info.unserializable.unwrap_or("")
        )
    })?;
    writeln!(out, "{}", schema_text(&(codec.schema)()))?;
    Ok(())
}

pub(crate) fn schemas(out: &mut dyn Write, dir: &Path) -> Result<(), CliError> {
    let written =
        write_schemas(dir).map_err(|error| format!("cannot write schemas into {}: {error}", dir.display()))?;
    writeln!(out, "wrote {} schemas into {}", written.len(), dir.display())?;
    Ok(())
}

pub(crate) fn check_compat(out: &mut dyn Write, dir: &Path, format: Format) -> Result<(), CliError> {
    let report = check(dir)?;
    match format {
        Format::Json => {
            let verdicts: Vec<_> = report
                .verdicts
                .iter()
                .map(|(event_type, verdict)| json!({"event_type": event_type, "ok": verdict.is_ok(), "verdict": verdict.to_string()}))
                .collect();
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&json!({"ok": report.is_ok(), "events": verdicts}))?
            )?;
        }
        Format::Text => {
            for (event_type, verdict) in &report.verdicts {
                writeln!(
                    out,
                    "{} {event_type}: {verdict}",
                    if verdict.is_ok() { "ok  " } else { "FAIL" }
                )?;
            }
        }
    }
    let failures = report.failures().count();
    if failures > 0 {
        return Err(format!(
            "{failures} of {} schemas fail the compatibility check",
            report.verdicts.len()
        )
        .into());
    }
    Ok(())
}
