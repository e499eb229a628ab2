//! `status`: what an operator asks about a stream: how long it is, which consumer groups read
//! it, how far behind they are, what their consumers hold pending, and how many dead letters
//! wait.

use std::io::Write;

use clap::Args;
use events_bus_redis::{RedisAdmin, RedisOptions, StreamStatus};
use events_core::bus::{TopicPrefix, dead_letter_topic};
use serde_json::json;

use super::{CliError, Format};

#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// The Redis server, e.g. redis://127.0.0.1:6379/0.
    #[arg(long, env = "EVENT_BUS_REDIS_CONNECTION_URL", hide_env_values = true)]
    redis_url: String,
    /// The topic, without the prefix: EVENT_BUS_TOPIC_PREFIX in the environment is put before it
    /// as `{prefix}-{topic}`, as the Python event bus does.
    #[arg(long, value_parser = super::non_empty)]
    topic: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub(crate) fn run(args: &StatusArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let stream = TopicPrefix::from_env().full_topic(&args.topic);
    let mut admin = RedisAdmin::new(RedisOptions::new(&args.redis_url)?);
    require_stream(&mut admin, &args.topic, &stream)?;
    let status = admin.status(&stream)?;
    match args.format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&status_json(&status))?)?,
        Format::Text => write_text(out, &status, admin.address())?,
    }
    Ok(())
}

/// Fails unless `stream` or its dead-letter stream exists: a topic mistyped, or given with the
/// prefix that `EVENT_BUS_TOPIC_PREFIX` adds again, would otherwise look like a stream that is
/// merely empty.
pub(crate) fn require_stream(admin: &mut RedisAdmin, topic: &str, stream: &str) -> Result<(), CliError> {
    let dead_letter_stream = dead_letter_topic(stream);
    if admin.stream_length(stream)?.is_some() || admin.stream_length(&dead_letter_stream)?.is_some() {
        return Ok(());
    }
    let prefix = if stream == topic {
        "EVENT_BUS_TOPIC_PREFIX is not set".to_owned()
    } else {
        format!("EVENT_BUS_TOPIC_PREFIX made topic `{topic}` the stream `{stream}`")
    };
    Err(format!(
        "no stream `{stream}` (nor `{dead_letter_stream}`) on {}; check --topic, given without the prefix ({prefix})",
        admin.address()
    )
    .into())
}

/// The JSON shape of `status`, documented in docs/reference/cli.md.
fn status_json(status: &StreamStatus) -> serde_json::Value {
    let groups: Vec<serde_json::Value> = status
        .groups
        .iter()
        .map(|group| {
            let consumers: Vec<serde_json::Value> = group
                .consumers
                .iter()
                .map(
                    |consumer| json!({"name": consumer.name, "pending": consumer.pending, "idle_ms": consumer.idle_ms}),
                )
                .collect();
            json!({
                "name": group.name,
                "consumers": consumers,
                "pending": group.pending,
                "last_delivered_id": group.last_delivered_id,
                "entries_read": group.entries_read,
                "lag": group.lag,
            })
        })
        .collect();
    json!({
        "stream": status.stream,
        "exists": status.exists,
        "length": status.length,
        "dead_letter_stream": status.dead_letter_stream,
        "dead_letters": status.dead_letters,
        "groups": groups,
    })
}

fn write_text(out: &mut dyn Write, status: &StreamStatus, address: &str) -> Result<(), CliError> {
    if status.exists {
        writeln!(
            out,
            "stream `{}` on {address}: {} entries",
            status.stream, status.length
        )?;
    } else {
        writeln!(out, "stream `{}` on {address}: does not exist", status.stream)?;
    }
    writeln!(
        out,
        "dead letters: {} in `{}`",
        status.dead_letters, status.dead_letter_stream
    )?;
    if status.groups.is_empty() {
        writeln!(out, "no consumer groups")?;
    }
    let unknown = || "unknown".to_owned();
    for group in &status.groups {
        writeln!(
            out,
            "group `{}`: {} pending, lag {}, {} entries read, last delivered {}",
            group.name,
            group.pending,
            group.lag.map_or_else(unknown, |lag| lag.to_string()),
            group.entries_read.map_or_else(unknown, |read| read.to_string()),
            group.last_delivered_id
        )?;
        for consumer in &group.consumers {
            writeln!(
                out,
                "    consumer `{}`: {} pending, idle {} ms",
                consumer.name, consumer.pending, consumer.idle_ms
            )?;
        }
    }
    Ok(())
}
