//! `consume`: reads a Redis stream or a Kafka topic in a consumer group, as a consuming service
//! would, and prints each event.
//!
//! Each entry goes through the same consumer loop as in a service: it is decoded and re-sent on
//! its signal, then acknowledged (committed, on Kafka); an entry that cannot be read or
//! delivered is written to the dead letters with the reason (and reported on stderr) before it
//! is acknowledged, so no entry is lost.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use events_bus_kafka::settings::CONSUMERS_ENABLED as KAFKA_CONSUMERS_ENABLED;
use events_bus_kafka::{KafkaConsumer, KafkaStart};
use events_bus_redis::settings::CONSUMERS_ENABLED;
use events_bus_redis::{EntryId, Position, RedisOptions, RedisSettings, RedisStream};
use events_core::bus::{
    BrokerEvent, Consumer, ConsumerBackend, ConsumerError, ConsumerOptions, Handled, Outcome, TrailingBytes,
    dead_letter_topic,
};
use events_core::metadata::default_sourcehost;
use events_core::redact::redact_pii;
use events_core::registry::get_signal_by_type;

use super::CliError;
use super::broker::{Broker, BrokerArgs};

#[derive(Debug, Args)]
pub(crate) struct ConsumeArgs {
    #[command(flatten)]
    broker: BrokerArgs,
    /// The topic, without the prefix: EVENT_BUS_TOPIC_PREFIX in the environment is put before it
    /// as `{prefix}-{topic}`, as the Python event bus does.
    #[arg(long, value_parser = super::non_empty)]
    topic: String,
    /// The consumer group.
    #[arg(long, value_parser = super::non_empty)]
    group: String,
    /// This consumer's name in the group, on Redis [default: the host name]. A consumer
    /// restarted with the same name handles the entries it left pending first.
    #[arg(long, value_parser = super::non_empty)]
    consumer: Option<String>,
    /// Read what the group has not read yet (from the start of the stream or topic for a new
    /// group) instead of only new entries.
    #[arg(long, conflicts_with_all = ["last_read_msg_id", "offset_time"])]
    check_backlog: bool,
    /// Replay the Redis entries after this entry id, e.g. 1700000000000-0.
    #[arg(long, value_name = "ID", conflicts_with = "offset_time")]
    last_read_msg_id: Option<EntryId>,
    /// Replay Kafka from the first message at or after this time, e.g. 2024-02-01T12:00:00+00:00,
    /// on every partition this consumer is assigned.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    offset_time: Option<DateTime<Utc>>,
    /// Stop after handling this many entries; without it, run until interrupted.
    #[arg(long, value_name = "N")]
    max_messages: Option<u64>,
    /// Take over Redis entries that other consumers of the group left pending this long, in
    /// milliseconds: those of a consumer that crashed or whose host was replaced under another
    /// name (0: never).
    #[arg(long, value_name = "MS", default_value_t = 300_000)]
    claim_idle_ms: u64,
    /// Stop with an error after this many errors in a row [default:
    /// EVENT_BUS_REDIS_CONSUMER_CONSECUTIVE_ERRORS_LIMIT or
    /// EVENT_BUS_KAFKA_CONSUMER_CONSECUTIVE_ERRORS_LIMIT, else never].
    #[arg(long, value_name = "N")]
    consecutive_error_limit: Option<u32>,
    /// Dead-letter entries whose payload has bytes after the fields this build knows (a newer
    /// producer appended fields without raising minorversion), instead of delivering them with
    /// a warning.
    #[arg(long)]
    refuse_unknown_fields: bool,
    /// Print the payload fields annotated as personal information (PII) instead of
    /// `<redacted>`.
    #[arg(long)]
    show_pii: bool,
    /// Keep the Redis dead-letter stream at about this many entries, trimming the oldest (0:
    /// never trim).
    #[arg(long, value_name = "N", default_value_t = RedisStream::DEFAULT_DEAD_LETTER_MAX_LEN)]
    dead_letter_max_len: usize,
    /// How each event is printed.
    #[arg(long, value_enum, default_value_t = ConsumedFormat::Text)]
    format: ConsumedFormat,
}

/// How `consume` prints events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ConsumedFormat {
    /// `<entry id> <event type> <event id> <time>` and the payload, for people.
    Text,
    /// One JSON object a line: `{"metadata": <to_json() shape>, "data": <to_dict() shape>}`,
    /// with `"key"` on Kafka.
    Jsonl,
}

pub(crate) fn run(
    args: &ConsumeArgs,
    out: Box<dyn Write + Send>,
    mut errors: Box<dyn Write + Send>,
) -> Result<(), CliError> {
    match args.broker.broker()? {
        Broker::Redis(redis) => run_on_redis(args, redis, out, errors),
        Broker::Kafka {
            options,
            registry,
            settings,
        } => {
            let topic = settings.topic_prefix.full_topic(&args.topic);
            if !settings.consumers_enabled {
                // The kill switch, as edx-event-bus-kafka honours it.
                writeln!(
                    errors,
                    "openedx-events: consumers are disabled ({KAFKA_CONSUMERS_ENABLED}=false); not consuming `{topic}`"
                )?;
                return Ok(());
            }
            if args.last_read_msg_id.is_some() {
                return Err("--last-read-msg-id is a Redis entry id; on Kafka, replay with --offset-time".into());
            }
            let start = match (args.offset_time, args.check_backlog) {
                (Some(time), _) => KafkaStart::Time(time),
                (None, true) => KafkaStart::Earliest,
                (None, false) => KafkaStart::Latest,
            };
            writeln!(
                errors,
                "openedx-events: consuming `{topic}` as {} on Kafka {} ({})",
                args.group,
                options.bootstrap_servers(),
                match start {
                    KafkaStart::Latest => "new messages only, for a new group".to_owned(),
                    KafkaStart::Earliest => "where the group left off".to_owned(),
                    KafkaStart::Time(time) => format!("from {}", time.to_rfc3339()),
                }
            )?;
            let backend = KafkaConsumer::new(&options, registry, &topic, &args.group, start)?;
            let mut consumer_options = settings.consumer_options();
            consumer_options.poll_timeout = Duration::from_secs(1);
            let address = format!("Kafka at {}", options.bootstrap_servers());
            let dead_letters = dead_letter_topic(&topic);
            let summary = format!("`{topic}` as {}", args.group);
            drive(
                args,
                backend,
                consumer_options,
                &address,
                dead_letters,
                &summary,
                out,
                errors,
            )
        }
    }
}

fn run_on_redis(
    args: &ConsumeArgs,
    redis: RedisOptions,
    out: Box<dyn Write + Send>,
    mut errors: Box<dyn Write + Send>,
) -> Result<(), CliError> {
    let settings = RedisSettings::from_env()?;
    let stream = settings.topic_prefix.full_topic(&args.topic);
    if !settings.consumers_enabled {
        // The kill switch, as edx-event-bus-redis honours it: say so and exit without error.
        writeln!(
            errors,
            "openedx-events: consumers are disabled ({CONSUMERS_ENABLED}=false); not consuming `{stream}`"
        )?;
        return Ok(());
    }
    if args.offset_time.is_some() {
        return Err("--offset-time is for Kafka; on Redis, replay with --last-read-msg-id".into());
    }
    let start = match (&args.last_read_msg_id, args.check_backlog) {
        (Some(id), _) => Position::After(*id),
        (None, true) => Position::Backlog,
        (None, false) => Position::Latest,
    };
    let consumer_name = args.consumer.clone().unwrap_or_else(|| default_sourcehost().to_owned());
    let backend = RedisStream::open(redis.clone(), &stream, &args.group, &consumer_name, start.clone())?
        .with_dead_letter_max_len((args.dead_letter_max_len > 0).then_some(args.dead_letter_max_len))
        .with_claim_idle((args.claim_idle_ms > 0).then(|| Duration::from_millis(args.claim_idle_ms)));
    writeln!(
        errors,
        "openedx-events: consuming `{stream}` as {}/{consumer_name} on {} ({})",
        args.group,
        redis.address(),
        match start {
            Position::Latest => "new entries only".to_owned(),
            Position::Backlog => "where the group left off".to_owned(),
            Position::After(id) => format!("after entry {id}"),
        }
    )?;
    let address = format!("Redis at {}", redis.address());
    let summary = format!("`{stream}` as {}/{consumer_name}", args.group);
    let options = settings.consumer_options();
    drive(
        args,
        backend,
        options,
        &address,
        dead_letter_topic(&stream),
        &summary,
        out,
        errors,
    )
}

/// Consumes through `backend` with `options` and the command's, printing each event and
/// telling when the broker at `address` is lost and regained.
#[allow(clippy::too_many_arguments)]
fn drive<B: ConsumerBackend>(
    args: &ConsumeArgs,
    backend: B,
    mut options: ConsumerOptions,
    address: &str,
    dead_letters: String,
    summary: &str,
    out: Box<dyn Write + Send>,
    mut errors: Box<dyn Write + Send>,
) -> Result<(), CliError>
where
    ConsumerError<B::Error>: Into<CliError>,
{
    options.max_messages = args.max_messages;
    options.consecutive_error_limit = args.consecutive_error_limit.or(options.consecutive_error_limit);
    if args.refuse_unknown_fields {
        options.trailing_bytes = TrailingBytes::Refuse;
    }
    let mut consumer = Consumer::new(backend, options);
    // SIGINT and SIGTERM stop the consumer between entries: the entries handled so far are
    // acknowledged before it exits, so a stopped consumer leaves nothing to redeliver.
    let on_signal = consumer.shutdown_handle();
    if let Err(error) = ctrlc::set_handler(move || on_signal.shutdown()) {
        writeln!(
            errors,
            "openedx-events: cannot handle SIGINT/SIGTERM ({error}); a signal will stop the consumer abruptly"
        )?;
    }
    let printer = Arc::new(Mutex::new(Printer {
        out,
        errors,
        format: args.format,
        show_pii: args.show_pii,
        dead_letters,
        failure: None,
    }));
    let shutdown = consumer.shutdown_handle();
    let observer = Arc::clone(&printer);
    consumer = consumer.observe(move |handled| {
        let mut printer = observer.lock().unwrap_or_else(PoisonError::into_inner);
        if let Err(error) = printer.print(handled) {
            // Nobody reads the output any more (a closed pipe): stop after this entry.
            printer.failure = Some(error.to_string());
            shutdown.shutdown();
        }
    });
    let reporter = Arc::clone(&printer);
    let address = address.to_owned();
    consumer = consumer.on_broker(move |event| {
        let mut printer = reporter.lock().unwrap_or_else(PoisonError::into_inner);
        // A stderr that cannot be written is no reason to stop consuming.
        let _ = match event {
            BrokerEvent::Lost { error, retry_in } => writeln!(
                printer.errors,
                "openedx-events: lost {address}: {error}; retrying, first in {retry_in:.1?}"
            ),
            BrokerEvent::Regained { down_for, failed_calls } => writeln!(
                printer.errors,
                "openedx-events: {address} is back after {down_for:.1?} ({failed_calls} failed calls); consuming again"
            ),
        };
    });
    let stats = consumer.run().map_err(Into::into)?;
    let mut printer = printer.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(failure) = printer.failure.take() {
        return Err(format!("cannot write the events: {failure}").into());
    }
    if printer.format == ConsumedFormat::Text {
        writeln!(
            printer.errors,
            "handled {} entries of {summary}: {} delivered ({} with unknown fields skipped), {} dead-lettered, {} left pending; {} broker errors",
            stats.handled(),
            stats.delivered,
            stats.unknown_fields_skipped,
            stats.dead_lettered,
            stats.left_pending,
            stats.broker_errors
        )?;
    }
    Ok(())
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    events_core::datetime::parse_isoformat(text).map_err(|error| {
        format!(
            "expected an ISO 8601 time such as 2024-02-01T12:00:00+00:00: {}",
            error.reason()
        )
    })
}

struct Printer {
    out: Box<dyn Write + Send>,
    errors: Box<dyn Write + Send>,
    format: ConsumedFormat,
    show_pii: bool,
    dead_letters: String,
    failure: Option<String>,
}

impl Printer {
    fn print(&mut self, handled: &Handled<'_>) -> Result<(), CliError> {
        let message = match (handled.outcome, handled.message) {
            (Outcome::Delivered, Some(message)) => message,
            (Outcome::DeadLettered(reason), _) => {
                writeln!(
                    self.errors,
                    "openedx-events: entry {} dead-lettered to `{}`: {reason}",
                    handled.position, self.dead_letters
                )?;
                return Ok(());
            }
            (Outcome::LeftPending(reason), _) => {
                writeln!(
                    self.errors,
                    "openedx-events: entry {} left pending (not acknowledged; it is read again on restart): {reason}",
                    handled.position
                )?;
                return Ok(());
            }
            (Outcome::Delivered, None) => return Ok(()),
        };
        // Delivered, so the type is known and the payload decodes as delivery decoded it (an
        // event of a newer minor version may carry fields this build does not know).
        let info = get_signal_by_type(message.metadata.event_type())?.info();
        if handled.unknown_bytes > 0 {
            writeln!(
                self.errors,
                "openedx-events: entry {}: {} bytes after the fields of {} this build knows were skipped (fields a newer producer appended?)",
                handled.position, handled.unknown_bytes, info.event_type
            )?;
        }
        let mut data = match info.codec {
            Some(codec) => (codec.received_avro_to_json)(&message.data, message.metadata.minorversion())?,
            None => serde_json::Value::Null,
        };
        if !self.show_pii {
            redact_pii(info, &mut data);
        }
        match self.format {
            ConsumedFormat::Jsonl => {
                let mut line = serde_json::json!({"metadata": message.metadata.to_json_value(), "data": data});
                if let Some(key) = &message.key {
                    // Kafka messages carry a key; Redis entries do not.
                    line["key"] = key.as_str().into();
                }
                writeln!(self.out, "{line}")?;
            }
            ConsumedFormat::Text => {
                let metadata = &message.metadata;
                writeln!(
                    self.out,
                    "{} {} {} {} from {}",
                    handled.position,
                    metadata.event_type(),
                    metadata.id(),
                    metadata.time_isoformat(),
                    metadata.source()
                )?;
                writeln!(self.out, "    {data}")?;
            }
        }
        self.out.flush()?;
        Ok(())
    }
}
