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
use events_outbox::{OutboxError, PostgresRelay, Relay, RelayOptions, RelayReport};
use serde_json::json;

use super::broker::{Broker, BrokerArgs};
use super::{CliError, Format};

#[derive(Debug, Subcommand)]
pub(crate) enum OutboxCommand {
    /// Creates the outbox tables in the database, or brings them to this version.
    Migrate {
        /// The database: sqlite:PATH or postgres://user:password@host/database.
        #[arg(long, value_name = "DATABASE")]
        database: String,
    },
    /// Publishes what the outbox holds, in commit order, to the broker, and marks it sent;
    /// runs until interrupted (SIGINT, SIGTERM) or, with --until-empty, until nothing is left.
    Relay(RelayArgs),
    /// Shows how many messages wait in the outbox, how long the oldest has waited, how many
    /// failed at least once, and how many were sent and not purged yet.
    Status {
        /// The database: sqlite:PATH or postgres://user:password@host/database.
        #[arg(long, value_name = "DATABASE")]
        database: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Args)]
pub(crate) struct RelayArgs {
    /// The database: sqlite:PATH or postgres://user:password@host/database.
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

/// A database holding an outbox.
pub(crate) enum Database<'a> {
    /// A SQLite file.
    Sqlite(&'a Path),
    /// A PostgreSQL connection URL.
    Postgres(&'a str),
}

impl<'a> Database<'a> {
    /// The database `text` names: `sqlite:PATH` or `postgres://…` (`postgresql://…`).
    pub(crate) fn parse(text: &'a str) -> Result<Self, CliError> {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(Database::Postgres(text));
        }
        match text.strip_prefix("sqlite:") {
            Some(path) if !path.is_empty() => Ok(Database::Sqlite(Path::new(path))),
            _ => Err(format!(
                "--database {text:?}: expected sqlite:PATH (e.g. sqlite:/var/lib/service/outbox.sqlite) or postgres://user:password@host/database"
            )
            .into()),
        }
    }

    /// How it is named in messages, without a PostgreSQL password.
    pub(crate) fn describe(&self) -> String {
        match self {
            Database::Sqlite(path) => path.display().to_string(),
            Database::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(scheme), Some(at)) if at > scheme => format!("{}://{}", &url[..scheme], &url[at + 1..]),
                _ => (*url).to_owned(),
            },
        }
    }
}

fn postgres(url: &str) -> Result<postgres::Client, CliError> {
    let mut client = postgres::Client::connect(url, postgres::NoTls)?;
    events_outbox::migrate_postgres(&mut client)?;
    Ok(client)
}

pub(crate) fn run(command: &OutboxCommand, out: &mut dyn Write, errors: &mut dyn Write) -> Result<(), CliError> {
    match command {
        OutboxCommand::Migrate { database } => {
            let database = Database::parse(database)?;
            match &database {
                Database::Sqlite(path) => events_outbox::migrate(&open(path)?)?,
                Database::Postgres(url) => drop(postgres(url)?),
            }
            writeln!(out, "the outbox of {} is current", database.describe())?;
            Ok(())
        }
        OutboxCommand::Status { database, format } => {
            let database = Database::parse(database)?;
            let status = match &database {
                Database::Sqlite(path) => {
                    let connection = open(path)?;
                    events_outbox::migrate(&connection)?;
                    events_outbox::status(&connection)?
                }
                Database::Postgres(url) => events_outbox::status_postgres(&mut postgres(url)?)?,
            };
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
                    database.describe(),
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

pub(crate) fn open(path: &Path) -> Result<rusqlite::Connection, CliError> {
    let connection =
        rusqlite::Connection::open(path).map_err(|error| format!("opening the outbox {}: {error}", path.display()))?;
    connection.busy_timeout(Duration::from_secs(5))?;
    Ok(connection)
}

fn relay(args: &RelayArgs, errors: &mut dyn Write) -> Result<(), CliError> {
    let database = Database::parse(&args.database)?;
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
    let mut relay = match &database {
        Database::Sqlite(path) => AnyRelay::Sqlite(Box::new(Relay::open_waiting(path, producer, options)?)),
        Database::Postgres(url) => AnyRelay::Postgres(Box::new(PostgresRelay::connect(url, producer, options)?)),
    };
    writeln!(
        errors,
        "openedx-events: relaying the outbox of {} to {broker}",
        database.describe()
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

/// The relay of either database.
enum AnyRelay {
    Sqlite(Box<Relay>),
    Postgres(Box<PostgresRelay>),
}

impl AnyRelay {
    fn relay_once(&mut self) -> Result<RelayReport, OutboxError> {
        match self {
            AnyRelay::Sqlite(relay) => relay.relay_once(),
            AnyRelay::Postgres(relay) => relay.relay_once(),
        }
    }

    fn purge(&mut self) -> Result<(), OutboxError> {
        match self {
            AnyRelay::Sqlite(relay) => relay.purge().map(drop),
            AnyRelay::Postgres(relay) => relay.purge().map(drop),
        }
    }

    fn run(&mut self, shutdown: &ShutdownHandle) -> Result<(), OutboxError> {
        match self {
            AnyRelay::Sqlite(relay) => relay.run(shutdown),
            AnyRelay::Postgres(relay) => relay.run(shutdown),
        }
    }
}
