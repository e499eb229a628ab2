//! `produce`: publishes events to a Redis stream, one JSON payload per line on stdin, as a
//! service sending them would.

use std::io::{BufRead, Write};

use clap::{Args, ValueEnum};
use events_bus_redis::{RedisOptions, RedisProducer};
use events_core::EventsMetadata;
use events_core::bus::{BusMessage, TopicPrefix};
use events_core::registry::get_signal_by_type;

use super::CliError;

#[derive(Debug, Args)]
pub(crate) struct ProduceArgs {
    /// The Redis server, e.g. redis://127.0.0.1:6379/0.
    #[arg(long, env = "EVENT_BUS_REDIS_CONNECTION_URL", hide_env_values = true)]
    redis_url: String,
    /// The topic, without the prefix: EVENT_BUS_TOPIC_PREFIX in the environment is put before it
    /// as `{prefix}-{topic}`, as the Python event bus does.
    #[arg(long)]
    topic: String,
    /// The event type of every payload, e.g. org.openedx.learning.course.enrollment.created.v1.
    event_type: String,
    /// Trim the stream to about this many entries (`XADD … MAXLEN ~ N`).
    #[arg(long, env = "EVENT_BUS_REDIS_STREAM_MAX_LEN", default_value_t = RedisProducer::DEFAULT_MAX_LEN)]
    max_len: usize,
    /// How each published event is reported on stdout.
    #[arg(long, value_enum, default_value_t = ProducedFormat::Text)]
    format: ProducedFormat,
}

/// How `produce` reports what it published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ProducedFormat {
    /// `line N: <entry id> <event id>`, for people.
    Text,
    /// One JSON object a line: `{"line", "stream", "entry_id", "metadata"}`.
    Jsonl,
}

/// Publishes every line of `input` (a payload in the `to_dict()` JSON shape) with fresh
/// metadata; a line that cannot be published is reported on `errors` with its number and the
/// others still go out. Fails if any line failed.
pub(crate) fn run(
    args: &ProduceArgs,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    errors: &mut dyn Write,
) -> Result<(), CliError> {
    let info = get_signal_by_type(&args.event_type)?.info();
    let codec = info.codec.ok_or_else(|| {
        format!(
            "{} cannot travel on the event bus: {}",
            info.event_type,
            info.unserializable.unwrap_or("it is not serializable")
        )
    })?;
    let stream = TopicPrefix::from_env().full_topic(&args.topic);
    let producer = RedisProducer::new(RedisOptions::new(&args.redis_url)?).with_max_len(Some(args.max_len));
    producer.ping()?;

    let (mut published, mut failed) = (0u64, 0u64);
    for (index, line) in input.lines().enumerate() {
        let number = index + 1;
        let line = line.map_err(|error| format!("cannot read line {number} of the input: {error}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let outcome = serde_json::from_str(&line)
            .map_err(|error| format!("{}: the payload is not JSON: {error}", info.event_type).into())
            .and_then(|json| (codec.json_to_avro)(json).map_err(CliError::from))
            .and_then(|data| {
                let message = BusMessage {
                    metadata: EventsMetadata::new(info.event_type).with_minorversion(info.minor_version),
                    data,
                    key: None,
                };
                let entry_id = producer.add(&stream, &message)?;
                Ok((entry_id, message.metadata))
            });
        match outcome {
            Ok((entry_id, metadata)) => {
                published += 1;
                match args.format {
                    ProducedFormat::Text => writeln!(out, "line {number}: {entry_id} {}", metadata.id())?,
                    ProducedFormat::Jsonl => {
                        let report = serde_json::json!({
                            "line": number,
                            "stream": stream,
                            "entry_id": entry_id,
                            "metadata": metadata.to_json_value(),
                        });
                        writeln!(out, "{report}")?;
                    }
                }
                out.flush()?;
            }
            Err(error) => {
                failed += 1;
                writeln!(errors, "openedx-events: line {number}: {error}")?;
            }
        }
    }
    if args.format == ProducedFormat::Text {
        writeln!(
            errors,
            "published {published} events to `{stream}` on {}",
            producer.address()
        )?;
    }
    if failed > 0 {
        return Err(format!("{failed} of {} lines could not be published", published + failed).into());
    }
    Ok(())
}
