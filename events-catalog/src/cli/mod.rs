//! The command line: one module per command. Text for people by default, `--format json` for
//! programs; errors go to stderr with a non-zero exit status.

mod avro;
mod broker;
mod consume;
mod dead_letters;
mod demo;
mod docs;
mod inspect;
mod logging;
mod outbox;
mod produce;
mod schemas;
mod status;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Open edX events: the catalog, Avro tools and the event bus.
#[derive(Debug, Parser)]
#[command(
    name = "openedx-events",
    version,
    about = "Open edX events: the catalog, Avro tools and the event bus (Redis Streams or in memory)"
)]
struct Cli {
    /// Show the library's logs on stderr (-v info, -vv debug, -vvv trace)
    ///
    /// -v shows what the library does (connections, retries, recovery), -vv debugs, -vvv
    /// traces. RUST_LOG in the environment, a tracing filter such as `events_bus_redis=debug`,
    /// takes precedence.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Lists every event.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Shows one event's annotations, data keys and schema.
    Show {
        /// The event type, e.g. org.openedx.learning.course.enrollment.created.v1.
        event_type: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Prints an event's Avro schema.
    Schema {
        /// The event type.
        event_type: String,
    },
    /// Writes one Avro schema file per serializable event into a directory.
    Schemas {
        /// The directory to write into (created if missing).
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Checks every current schema against the baselines in a directory, in both directions.
    CheckCompat {
        /// The directory of baseline `.avsc` files.
        dir: std::path::PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Encodes and decodes Avro payloads.
    Avro {
        #[command(subcommand)]
        command: avro::AvroCommand,
    },
    /// Writes the catalog of every event, generated from the registry.
    Docs {
        /// Output format.
        #[arg(long, value_enum)]
        format: docs::DocsFormat,
        /// How Markdown links to Rust items.
        #[arg(long, value_enum, default_value_t = docs::DocsLinks::Plain)]
        links: docs::DocsLinks,
    },
    /// Publishes events to a Redis stream or a Kafka topic: one JSON payload (`{"<data key>":
    /// {...}}`) per line on stdin, each with fresh metadata, as edx-event-bus-redis and
    /// edx-event-bus-kafka write them.
    Produce(produce::ProduceArgs),
    /// Reads a Redis stream or a Kafka topic in a consumer group, re-sends each event on its
    /// signal and prints it; unreadable entries go to the dead letters and are reported on
    /// stderr.
    Consume(consume::ConsumeArgs),
    /// Shows a Redis stream's length, consumer groups (pending entries, lag) and consumers, or a
    /// Kafka topic's partitions and a group's lag on each; and how many dead letters wait.
    Status(status::StatusArgs),
    /// Lists, replays and trims the dead letters of a Redis stream: the entries consumers could
    /// not deliver.
    DeadLetters(dead_letters::DeadLettersArgs),
    /// The transactional outbox of a service's database: migrate, relay, status.
    Outbox {
        #[command(subcommand)]
        command: outbox::OutboxCommand,
    },
    /// Shows the enrollment event going from its definition to a receiver, step by step.
    Demo {
        /// Run the demo over Redis Streams at this URL (e.g. redis://127.0.0.1:6379/0) instead
        /// of the embedded in-memory bus.
        #[arg(long, conflicts_with = "kafka_bootstrap_servers")]
        redis_url: Option<String>,
        /// Run the demo over Kafka at these brokers instead, on the existing topic
        /// course-enrollment-lifecycle (with EVENT_BUS_TOPIC_PREFIX before it).
        #[arg(long, value_name = "SERVERS", requires = "schema_registry_url")]
        kafka_bootstrap_servers: Option<String>,
        /// The schema registry of the Kafka demo.
        #[arg(long, value_name = "URL")]
        schema_registry_url: Option<String>,
        /// Run the demo through the transactional outbox of this SQLite database
        /// (sqlite:PATH), relayed to the embedded in-memory bus.
        #[arg(long, value_name = "DATABASE", conflicts_with_all = ["redis_url", "kafka_bootstrap_servers"])]
        outbox: Option<String>,
    },
}

fn demo_on_kafka(out: &mut dyn std::io::Write, servers: &str, registry_url: &str) -> Result<(), CliError> {
    let settings = events_bus_kafka::KafkaSettings::from_env()?;
    let options = events_bus_kafka::KafkaOptions::from_settings(&events_bus_kafka::KafkaSettings {
        bootstrap_servers: Some(servers.to_owned()),
        ..settings.clone()
    })
    .ok_or("no Kafka bootstrap servers")?;
    let mut registry = events_bus_kafka::SchemaRegistry::new(registry_url)?;
    if let Some((key, secret)) = &settings.schema_registry_auth {
        registry = registry.with_basic_auth(key, secret);
    }
    demo::run_on_kafka(out, &options, std::sync::Arc::new(registry), &settings.topic_prefix)
}

/// A value parser for names that Redis would take but nobody means empty: topics, groups and
/// consumers.
fn non_empty(value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        Err("must not be empty".to_owned())
    } else {
        Ok(value.to_owned())
    }
}

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// For people.
    Text,
    /// One JSON document.
    Json,
}

/// What a command can fail with.
pub(crate) type CliError = Box<dyn std::error::Error + Send + Sync>;

/// Parses the arguments, runs the command and returns the exit status.
pub(crate) fn run() -> ExitCode {
    let cli = Cli::parse();
    if let Err(error) = logging::init(cli.verbose, std::env::var("RUST_LOG").ok().as_deref()) {
        eprintln!("openedx-events: {error}");
        return ExitCode::FAILURE;
    }
    let stdout = &mut std::io::stdout().lock();
    let result = match cli.command {
        Command::List { format } => inspect::list(stdout, format),
        Command::Show { event_type, format } => inspect::show(stdout, &event_type, format),
        Command::Schema { event_type } => schemas::schema(stdout, &event_type),
        Command::Schemas { out } => schemas::schemas(stdout, &out),
        Command::CheckCompat { dir, format } => schemas::check_compat(stdout, &dir, format),
        Command::Avro { command } => avro::run(command, &mut std::io::stdin().lock(), stdout),
        Command::Docs { format, links } => docs::docs(stdout, format, links),
        Command::Produce(args) => produce::run(&args, &mut std::io::stdin().lock(), stdout, &mut std::io::stderr()),
        Command::Consume(args) => consume::run(&args, Box::new(std::io::stdout()), Box::new(std::io::stderr())),
        Command::Status(args) => status::run(&args, stdout),
        Command::DeadLetters(args) => dead_letters::run(&args, stdout, &mut std::io::stderr()),
        Command::Outbox { command } => outbox::run(&command, stdout, &mut std::io::stderr()),
        Command::Demo {
            outbox: Some(database), ..
        } => match outbox::Database::parse(&database) {
            Ok(outbox::Database::Sqlite(path)) => demo::run_with_outbox(stdout, path),
            Ok(outbox::Database::Postgres(_)) => Err("the demo's outbox is a SQLite file: --outbox sqlite:PATH".into()),
            Err(error) => Err(error),
        },
        Command::Demo {
            redis_url,
            kafka_bootstrap_servers,
            schema_registry_url,
            outbox: None,
        } => match (redis_url, kafka_bootstrap_servers, schema_registry_url) {
            (Some(url), _, _) => demo::run_on_redis(stdout, &url),
            (None, Some(servers), Some(registry)) => demo_on_kafka(stdout, &servers, &registry),
            _ => demo::run(stdout),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`openedx-events docs | head`): it has all it wanted.
        Err(error)
            if error
                .downcast_ref::<std::io::Error>()
                .is_some_and(|error| error.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("openedx-events: {error}");
            ExitCode::FAILURE
        }
    }
}
