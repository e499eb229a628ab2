//! `avro encode` and `avro decode`: payloads between the `to_dict()` JSON shape and Avro bytes.

use std::io::{Read, Write};

use clap::Subcommand;
use events_core::registry::get_signal_by_type;

use super::CliError;

#[derive(Debug, Subcommand)]
pub(crate) enum AvroCommand {
    /// Reads a payload as JSON (`{"<data key>": {...}}`) on stdin and writes its Avro bytes.
    Encode {
        /// The event type.
        event_type: String,
        /// Write the bytes as hexadecimal text.
        #[arg(long)]
        hex: bool,
    },
    /// Reads Avro bytes on stdin and writes the payload as JSON.
    Decode {
        /// The event type.
        event_type: String,
        /// Read hexadecimal text instead of bytes.
        #[arg(long)]
        hex: bool,
    },
}

pub(crate) fn run(command: AvroCommand, input: &mut dyn Read, out: &mut dyn Write) -> Result<(), CliError> {
    match command {
        AvroCommand::Encode { event_type, hex } => {
            let codec = codec(&event_type)?;
            let mut text = String::new();
            input
                .read_to_string(&mut text)
                .map_err(|error| format!("cannot read the JSON payload: {error}"))?;
            let json: serde_json::Value = serde_json::from_str(&text)
                .map_err(|error| format!("{event_type}: the payload is not JSON: {error}"))?;
            let bytes = (codec.json_to_avro)(json)?;
            if hex {
                writeln!(out, "{}", ::hex::encode(bytes))?;
            } else {
                out.write_all(&bytes)?;
            }
        }
        AvroCommand::Decode { event_type, hex } => {
            let codec = codec(&event_type)?;
            let mut bytes = Vec::new();
            input
                .read_to_end(&mut bytes)
                .map_err(|error| format!("cannot read the Avro payload: {error}"))?;
            if hex {
                let text = String::from_utf8_lossy(&bytes);
                let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                bytes = ::hex::decode(&digits)
                    .map_err(|error| format!("{event_type}: the input is not hexadecimal: {error}"))?;
            }
            let json = (codec.avro_to_json)(&bytes)?;
            writeln!(out, "{}", serde_json::to_string(&json)?)?;
        }
    }
    Ok(())
}

fn codec(event_type: &str) -> Result<&'static events_core::EventCodec, CliError> {
    let info = get_signal_by_type(event_type)?.info();
    info.codec.ok_or_else(|| {
        format!(
            "{event_type} cannot be encoded: it is not serializable ({})",
            info.unserializable.unwrap_or("")
        )
        .into()
    })
}
