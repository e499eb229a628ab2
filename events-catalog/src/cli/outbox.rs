//! `outbox migrate|relay|status`: the transactional outbox of a service's database, from the
//! command line.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use events_bus_kafka::KafkaProducer;
use events_bus_redis::{RedisProducer, RedisSettings};
use events_core::bus::{EventBusProducer, ShutdownHandle};
use events_outbox::{Relay, RelayOptions};
use serde_json::json;

use super::broker::{Broker, BrokerArgs};
use super::{CliError, Format};

#[derive(Debug, Subcommand)]
pub(crate) enum OutboxCommand {
    /// Creates the outbox tables in the database, or brings them to this version.
    Migrate {
        /// The database: sqlite:PATH.
        #[arg(long, value_name = "DATABASE")]
        database: String,
    },
    /// Publishes what the outbox holds, in commit order, to the broker, and marks it sent;
    /// runs until interrupted (SIGINT, SIGTERM) or, with --until-empty, until nothing is left.
    Relay(RelayArgs),
    /// Shows how many messages wait in the outbox, how long the oldest has waited, how many
    /// failed at least once, and how many were sent and not purged yet.
    Status {
        /// The database: sqlite:PATH.
        #[arg(long, value_name = "DATABASE")]
        database: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Args)]
pub(crate) struct RelayArgs {
    /// The database: sqlite:PATH.
    #[arg(long, value_name = "DATABASE")]
    database: String,
    #[command(flatten)]
    broker: BrokerArgs,
    /// Rows published at once.
    #[arg(long, value_name = "N", default_value_t = 100)]
    batch_size: usize,
    /// Stop once the outbox holds nothing left to publish.
    #[arg(long)]
    until_empty: bool,
    /// Keep sent rows this many hours before purging them.
    #[arg(long, value_name = "HOURS", default_value_t = 168)]
    retention_hours: u64,
}

/// The file of a `sqlite:PATH` database.
pub(crate) fn sqlite_path(database: &str) -> Result<&Path, CliError> {
    match database.strip_prefix("sqlite:") {
        Some(path) if !path.is_empty() => Ok(Path::new(path)),
        _ => Err(
            format!("--database {database:?}: expected sqlite:PATH, e.g. sqlite:/var/lib/service/outbox.sqlite").into(),
        ),
    }
}

pub(crate) fn run(command: &OutboxCommand, out: &mut dyn Write, errors: &mut dyn Write) -> Result<(), CliError> {
    match command {
        OutboxCommand::Migrate { database } => {
            let path = sqlite_path(database)?;
            let connection = open(path)?;
            events_outbox::migrate(&connection)?;
            writeln!(out, "the outbox of {} is current", path.display())?;
            Ok(())
        }
        OutboxCommand::Status { database, format } => {
            let path = sqlite_path(database)?;
            let connection = open(path)?;
            events_outbox::migrate(&connection)?;
            let status = events_outbox::status(&connection)?;
            match format {
                Format::Json => writeln!(
                    out,
                    "{}",
                    json!({
                        "pending": status.pending,
                        "oldest_pending_ms": status.oldest_pending_ms,
                        "failing": status.failing,
                        "sent": status.sent,
                    })
                )?,
                Format::Text => writeln!(
                    out,
                    "outbox of {}: {} pending{}, {} failing, {} sent",
                    path.display(),
                    status.pending,
                    status
                        .oldest_pending_ms
                        .map(|age| format!(" (the oldest for {:.1}s)", Duration::from_millis(age).as_secs_f64()))
                        .unwrap_or_default(),
                    status.failing,
                    status.sent
                )?,
            }
            Ok(())
        }
        OutboxCommand::Relay(args) => relay(args, errors),
    }
}

fn open(path: &Path) -> Result<rusqlite::Connection, CliError> {
    let connection =
        rusqlite::Connection::open(path).map_err(|error| format!("opening the outbox {}: {error}", path.display()))?;
    connection.busy_timeout(Duration::from_secs(5))?;
    Ok(connection)
}

fn relay(args: &RelayArgs, errors: &mut dyn Write) -> Result<(), CliError> {
    let path = sqlite_path(&args.database)?;
    let (producer, broker): (Arc<dyn EventBusProducer>, String) = match args.broker.broker()? {
        Broker::Redis(options) => {
            let settings = RedisSettings::from_env()?;
            let address = options.address().to_string();
            (
                Arc::new(RedisProducer::new(options).with_max_len(settings.stream_max_len)),
                format!("Redis at {address}"),
            )
        }
        Broker::Kafka { options, registry, .. } => {
            let servers = options.bootstrap_servers().to_owned();
            (
                Arc::new(KafkaProducer::new(&options, registry)?),
                format!("Kafka at {servers}"),
            )
        }
    };
    let options = RelayOptions {
        batch_size: args.batch_size.max(1),
        retention: Duration::from_secs(args.retention_hours.saturating_mul(3600)),
        ..RelayOptions::default()
    };
    let mut relay = Relay::open_waiting(path, producer, options)?;
    writeln!(
        errors,
        "openedx-events: relaying the outbox of {} to {broker}",
        path.display()
    )?;
    let shutdown = ShutdownHandle::default();
    let on_signal = shutdown.clone();
    if let Err(error) = ctrlc::set_handler(move || on_signal.shutdown()) {
        writeln!(errors, "openedx-events: cannot handle SIGINT/SIGTERM ({error})")?;
    }
    let (mut published, mut failed) = (0usize, 0usize);
    if args.until_empty {
        let mut backoff = Duration::from_millis(100);
        while !shutdown.is_shutdown() {
            let report = relay.relay_once()?;
            published += report.published;
            failed += report.failed;
            if report.failed > 0 {
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(5));
            } else if report.published == 0 {
                break;
            }
        }
        relay.purge()?;
    } else {
        relay.run(&shutdown)?;
    }
    writeln!(
        errors,
        "relayed {published} messages ({failed} attempts refused by the broker)"
    )?;
    Ok(())
}
