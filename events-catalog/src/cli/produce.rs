//! `produce`: publishes events to a Redis stream or a Kafka topic, one JSON payload per line on
//! stdin, as a service sending them would.

use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use events_bus_kafka::KafkaProducer;
use events_bus_redis::{RedisBusError, RedisProducer, RedisSettings};
use events_core::EventsMetadata;
use events_core::bus::BusMessage;
use events_core::registry::get_signal_by_type;

use super::CliError;
use super::broker::{Broker, BrokerArgs};

#[derive(Debug, Args)]
pub(crate) struct ProduceArgs {
    #[command(flatten)]
    broker: BrokerArgs,
    /// The topic, without the prefix: EVENT_BUS_TOPIC_PREFIX in the environment is put before it
    /// as `{prefix}-{topic}`, as the Python event bus does.
    #[arg(long, value_parser = super::non_empty)]
    topic: String,
    /// The event type of every payload, e.g. org.openedx.learning.course.enrollment.created.v1.
    event_type: String,
    /// The data field whose value keys each Kafka message (partitioning the topic), e.g.
    /// enrollment.course.course_key [default: the event's key_field]; required on Kafka for an
    /// event without one.
    #[arg(long, value_name = "PATH")]
    key_field: Option<String>,
    /// Trim the stream to about this many entries (`XADD … MAXLEN ~ N`; 0: never trim)
    /// [default: EVENT_BUS_REDIS_STREAM_MAX_LEN, else 10000].
    #[arg(long, value_name = "N")]
    max_len: Option<usize>,
    /// Write each line to the transactional outbox of this database (sqlite:PATH or
    /// postgres://…), one transaction per line, instead of publishing it; `outbox relay`
    /// publishes it.
    #[arg(long, value_name = "DATABASE")]
    outbox: Option<String>,
    /// How each published event is reported on stdout.
    #[arg(long, value_enum, default_value_t = ProducedFormat::Text)]
    format: ProducedFormat,
    /// How long to keep retrying a line while the broker cannot be reached (on Redis with
    /// backoff from 0.1 s to 5 s; on Kafka librdkafka's own retries), before giving up on it; 0
    /// gives up at once on Redis. Errors the broker answers with are not retried
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = parse_seconds)]
    retry_timeout: Duration,
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or_else(|| format!("expected a number of seconds, such as 30 or 0.5, not {text:?}"))
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
///
/// While Redis cannot be reached, each line (and the first `PING`) is retried until its
/// deadline, so a short outage, such as a restart, delays lines instead of failing them.
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
    let settings = RedisSettings::from_env()?;
    let stream = settings.topic_prefix.full_topic(&args.topic);
    let key_field = args.key_field.clone().or_else(|| info.key_field.map(str::to_owned));
    let broker = match &args.outbox {
        Some(_) => None,
        None => Some(args.broker.broker()?),
    };
    let mut sink = match broker {
        None => match super::outbox::Database::parse(args.outbox.as_deref().unwrap_or_default())? {
            super::outbox::Database::Sqlite(path) => {
                let connection = super::outbox::open(path)?;
                events_outbox::migrate(&connection)?;
                Sink::Outbox(Box::new(connection), key_field)
            }
            super::outbox::Database::Postgres(url) => {
                let mut client = postgres::Client::connect(url, postgres::NoTls)?;
                events_outbox::migrate_postgres(&mut client)?;
                Sink::PostgresOutbox(Box::new(client), key_field)
            }
        },
        Some(broker) => match broker {
            Broker::Redis(options) => {
                let max_len = match args.max_len {
                    Some(max_len) => (max_len > 0).then_some(max_len),
                    None => settings.stream_max_len,
                };
                let producer = RedisProducer::new(options).with_max_len(max_len);
                let mut retry = Retry::new(args.retry_timeout);
                retry.run("", errors, || producer.ping())?;
                Sink::Redis(Box::new(producer), retry)
            }
            Broker::Kafka { options, registry, .. } => {
                let key_field = key_field
                    .ok_or_else(|| format!("{} has no key_field: give --key-field for Kafka", info.event_type))?;
                // librdkafka retries a message until its timeout; at least 1 ms.
                let timeout = args.retry_timeout.max(Duration::from_millis(1)).as_millis().to_string();
                let options = options.set("message.timeout.ms", &timeout);
                Sink::Kafka(KafkaProducer::new(&options, registry)?, key_field)
            }
        },
    };

    let (mut published, mut failed) = (0u64, 0u64);
    for (index, line) in input.lines().enumerate() {
        let number = index + 1;
        let line = line.map_err(|error| format!("cannot read line {number} of the input: {error}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let outcome: Result<_, CliError> = serde_json::from_str::<serde_json::Value>(&line)
            .map_err(|error| format!("{}: the payload is not JSON: {error}", info.event_type).into())
            .and_then(|json| {
                let key = sink.key_at(&json);
                let data = (codec.json_to_avro)(json)?;
                // One message for every attempt: a line retried after a reply was lost, and so
                // written twice, carries the same event id both times.
                let metadata = EventsMetadata::new(info.event_type).with_minorversion(info.minor_version);
                let mut message = BusMessage::new(metadata, data).with_schema((codec.event_schema)());
                if let Some((path, key)) = key {
                    message = message.with_key_at(path, key);
                }
                let position = sink.publish(&stream, &message, number, errors)?;
                Ok((position, message.metadata))
            });
        match outcome {
            Ok((position, metadata)) => {
                published += 1;
                match args.format {
                    ProducedFormat::Text => writeln!(out, "line {number}: {position} {}", metadata.id())?,
                    ProducedFormat::Jsonl => {
                        let mut report = serde_json::json!({
                            "line": number,
                            "stream": stream,
                            "metadata": metadata.to_json_value(),
                        });
                        match &position {
                            Position::Entry(entry_id) => report["entry_id"] = entry_id.as_str().into(),
                            Position::Offset(partition, offset) => {
                                report["partition"] = (*partition).into();
                                report["offset"] = (*offset).into();
                            }
                            Position::Row(id) => report["outbox_row"] = (*id).into(),
                        }
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
            sink.address()
        )?;
    }
    if failed > 0 {
        return Err(format!("{failed} of {} lines could not be published", published + failed).into());
    }
    Ok(())
}

/// Where a line goes.
enum Sink {
    /// A Redis stream, with the retries of lines that cannot reach Redis.
    Redis(Box<RedisProducer>, Retry),
    /// A Kafka topic, with the data field that keys its messages.
    Kafka(KafkaProducer, String),
    /// The outbox of a SQLite database, with the data field that keys the messages, if any.
    Outbox(Box<rusqlite::Connection>, Option<String>),
    /// The outbox of a PostgreSQL database, likewise.
    PostgresOutbox(Box<postgres::Client>, Option<String>),
}

/// Where a published event is.
enum Position {
    /// A Redis entry id.
    Entry(String),
    /// A Kafka partition and offset.
    Offset(i32, i64),
    /// An outbox row.
    Row(i64),
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Position::Entry(entry_id) => f.write_str(entry_id),
            Position::Offset(partition, offset) => write!(f, "{partition}@{offset}"),
            Position::Row(id) => write!(f, "outbox row {id}"),
        }
    }
}

impl Sink {
    /// The key field and the text at it in `payload` (the `to_dict()` JSON), for Kafka.
    fn key_at(&self, payload: &serde_json::Value) -> Option<(String, String)> {
        let path = match self {
            Sink::Kafka(_, path) | Sink::Outbox(_, Some(path)) | Sink::PostgresOutbox(_, Some(path)) => path,
            _ => return None,
        };
        let value = path.split('.').try_fold(payload, |node, name| node.get(name))?;
        let text = match value {
            serde_json::Value::String(text) => text.clone(),
            serde_json::Value::Null => return None,
            other => other.to_string(),
        };
        Some((path.clone(), text))
    }

    fn publish(
        &mut self,
        stream: &str,
        message: &BusMessage,
        number: usize,
        errors: &mut dyn Write,
    ) -> Result<Position, CliError> {
        match self {
            Sink::Redis(producer, retry) => retry
                .run(&format!("line {number}: "), errors, || producer.add(stream, message))
                .map(Position::Entry),
            Sink::Kafka(producer, _) => {
                let (partition, offset) = producer.send_one(stream, message)?;
                Ok(Position::Offset(partition, offset))
            }
            Sink::Outbox(connection, _) => {
                let transaction = connection.transaction()?;
                events_outbox::write_message(&transaction, stream, message)?;
                let row = transaction.last_insert_rowid();
                transaction.commit()?;
                Ok(Position::Row(row))
            }
            Sink::PostgresOutbox(client, _) => {
                let mut transaction = client.transaction()?;
                let row = events_outbox::write_message_postgres(&mut transaction, stream, message)?;
                transaction.commit()?;
                Ok(Position::Row(row))
            }
        }
    }

    fn address(&self) -> String {
        match self {
            Sink::Redis(producer, _) => producer.address().to_string(),
            Sink::Kafka(producer, _) => producer.bootstrap_servers().to_owned(),
            Sink::Outbox(connection, _) => format!("the outbox {}", connection.path().unwrap_or("(in memory)")),
            Sink::PostgresOutbox(..) => "the PostgreSQL outbox".to_owned(),
        }
    }
}

/// The first wait before retrying; each wait after it is twice as long, up to [`MAX_WAIT`].
const FIRST_WAIT: Duration = Duration::from_millis(100);

/// The longest wait between two attempts.
const MAX_WAIT: Duration = Duration::from_secs(5);

/// Retries of calls that could not reach Redis: exponential backoff within a deadline per call,
/// and one notice on stderr per outage rather than one per attempt.
struct Retry {
    timeout: Duration,
    /// When Redis was first found unreachable, while it still is: an outage spans lines.
    outage: Option<Instant>,
}

impl Retry {
    fn new(timeout: Duration) -> Self {
        Retry { timeout, outage: None }
    }

    /// Calls `attempt` until it succeeds, fails with an error that retrying cannot cure, or
    /// `timeout` has passed since the first attempt. `label` starts the notices (`line 3: `).
    fn run<T>(
        &mut self,
        label: &str,
        errors: &mut dyn Write,
        mut attempt: impl FnMut() -> Result<T, RedisBusError>,
    ) -> Result<T, CliError> {
        let deadline = Instant::now() + self.timeout;
        let mut wait = FIRST_WAIT;
        loop {
            let error = match attempt() {
                Ok(value) => {
                    if let Some(since) = self.outage.take() {
                        writeln!(
                            errors,
                            "openedx-events: {label}Redis is reachable again after {:.1}s",
                            since.elapsed().as_secs_f64()
                        )?;
                    }
                    return Ok(value);
                }
                Err(error) if is_transient(&error) => error,
                Err(error) => return Err(error.into()),
            };
            let now = Instant::now();
            if now >= deadline {
                if self.timeout.is_zero() {
                    return Err(error.into());
                }
                return Err(format!("{error} (gave up after {:?} of retries)", self.timeout).into());
            }
            if self.outage.is_none() {
                self.outage = Some(now);
                writeln!(
                    errors,
                    "openedx-events: {label}{error}; retrying for up to {:?} per line",
                    self.timeout
                )?;
            }
            std::thread::sleep(wait.min(deadline - now));
            wait = (wait * 2).min(MAX_WAIT);
        }
    }
}

/// Whether retrying may cure `error`: Redis could not be reached, or it is a restarted server
/// still loading its data (`LOADING`), which is part of the same outage. Other errors Redis
/// answers with (`WRONGTYPE`, `OOM`, …) would only be repeated.
fn is_transient(error: &RedisBusError) -> bool {
    error.is_connection_error() || error.server_code() == Some("LOADING")
}
