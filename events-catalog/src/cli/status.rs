//! `status`: what an operator asks about a stream or a topic: how long it is, which consumer
//! groups read it, how far behind they are, what their consumers hold pending, and how many dead
//! letters wait.

use std::io::Write;

use clap::Args;
use events_bus_kafka::{KafkaAdmin, KafkaOptions, KafkaSettings, TopicStatus};
use events_bus_redis::{RedisAdmin, RedisOptions, StreamStatus};
use events_core::bus::{TopicPrefix, dead_letter_topic};
use serde_json::json;

use super::{CliError, Format};

#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// The Redis server, e.g. redis://127.0.0.1:6379/0.
    #[arg(long, env = "EVENT_BUS_REDIS_CONNECTION_URL", hide_env_values = true)]
    redis_url: Option<String>,
    /// Ask Kafka at these brokers (host:port[,host:port…]) instead of Redis [default:
    /// EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS when no Redis URL is given].
    #[arg(long, value_name = "SERVERS")]
    kafka_bootstrap_servers: Option<String>,
    /// On Kafka, the consumer group whose committed offsets, lag per partition and members to
    /// show (Kafka does not tell which groups read a topic).
    #[arg(long, value_parser = super::non_empty)]
    group: Option<String>,
    /// The topic, without the prefix: EVENT_BUS_TOPIC_PREFIX in the environment is put before it
    /// as `{prefix}-{topic}`, as the Python event bus does.
    #[arg(long, value_parser = super::non_empty)]
    topic: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub(crate) fn run(args: &StatusArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let settings = KafkaSettings::from_env()?;
    let servers = match (&args.kafka_bootstrap_servers, &args.redis_url) {
        (Some(servers), _) => Some(servers.clone()),
        (None, None) => settings.bootstrap_servers.clone(),
        (None, Some(_)) => None,
    };
    if let Some(servers) = servers {
        let options = KafkaOptions::from_settings(&KafkaSettings {
            bootstrap_servers: Some(servers),
            ..settings.clone()
        })
        .ok_or("no Kafka bootstrap servers")?;
        return kafka_status(args, &settings.topic_prefix.full_topic(&args.topic), &options, out);
    }
    let Some(redis_url) = &args.redis_url else {
        return Err("no event bus: give --redis-url (or set EVENT_BUS_REDIS_CONNECTION_URL), or --kafka-bootstrap-servers (or set EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS)".into());
    };
    if args.group.is_some() {
        return Err("--group is for Kafka: on Redis, status shows every group of the stream".into());
    }
    let stream = TopicPrefix::from_env().full_topic(&args.topic);
    let mut admin = RedisAdmin::new(RedisOptions::new(redis_url)?);
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

fn kafka_status(args: &StatusArgs, topic: &str, options: &KafkaOptions, out: &mut dyn Write) -> Result<(), CliError> {
    let admin = KafkaAdmin::new(options)?;
    let status = admin.status(topic, args.group.as_deref())?;
    if !status.exists && status.dead_letters.is_none() {
        return Err(format!(
            "no topic `{topic}` (nor `{}`) on {}; check --topic, given without the prefix",
            status.dead_letter_topic,
            admin.bootstrap_servers()
        )
        .into());
    }
    match args.format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&topic_json(&status))?)?,
        Format::Text => write_topic_text(out, &status, admin.bootstrap_servers())?,
    }
    Ok(())
}

/// The JSON shape of a Kafka `status`, documented in docs/reference/cli.md.
fn topic_json(status: &TopicStatus) -> serde_json::Value {
    let partitions: Vec<serde_json::Value> = status
        .partitions
        .iter()
        .map(|partition| {
            json!({
                "partition": partition.partition,
                "low": partition.low,
                "high": partition.high,
                "committed": partition.committed,
                "lag": partition.lag,
            })
        })
        .collect();
    let group = status.group.as_ref().map(|(name, state, members)| {
        let members: Vec<serde_json::Value> = members
            .iter()
            .map(|member| json!({"id": member.id, "client_id": member.client_id, "host": member.host}))
            .collect();
        json!({"name": name, "state": state, "members": members, "lag": status.lag()})
    });
    json!({
        "topic": status.topic,
        "exists": status.exists,
        "messages": status.messages,
        "partitions": partitions,
        "dead_letter_topic": status.dead_letter_topic,
        "dead_letters": status.dead_letters,
        "group": group,
    })
}

fn write_topic_text(out: &mut dyn Write, status: &TopicStatus, servers: &str) -> Result<(), CliError> {
    if status.exists {
        writeln!(
            out,
            "topic `{}` on {servers}: {} messages in {} partitions",
            status.topic,
            status.messages,
            status.partitions.len()
        )?;
    } else {
        writeln!(out, "topic `{}` on {servers}: does not exist", status.topic)?;
    }
    match status.dead_letters {
        Some(count) => writeln!(out, "dead letters: {count} in `{}`", status.dead_letter_topic)?,
        None => writeln!(out, "dead letters: no topic `{}`", status.dead_letter_topic)?,
    }
    let unknown = || "none".to_owned();
    if let Some((name, state, members)) = &status.group {
        writeln!(
            out,
            "group `{name}`: {state}, {} members, lag {}",
            members.len(),
            status.lag().map_or_else(unknown, |lag| lag.to_string())
        )?;
        for member in members {
            writeln!(
                out,
                "    member `{}` ({} on {})",
                member.id, member.client_id, member.host
            )?;
        }
    }
    for partition in &status.partitions {
        writeln!(
            out,
            "partition {}: offsets {}..{}, committed {}, lag {}",
            partition.partition,
            partition.low,
            partition.high,
            partition.committed.map_or_else(unknown, |offset| offset.to_string()),
            partition.lag.map_or_else(unknown, |lag| lag.to_string())
        )?;
    }
    Ok(())
}
