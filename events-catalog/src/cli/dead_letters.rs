//! `dead-letters list|replay|trim`: the entries consumers could not deliver, kept in
//! `{stream}-dead-letter` with why and where they failed; looked at, put back on their stream
//! once the cause is fixed, or removed.

use std::io::Write;

use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use events_bus_redis::{DATA_FIELD, DeadLetter, EntryId, RedisAdmin, RedisOptions, Replay, ReplayReport};
use events_core::bus::{TopicPrefix, dead_letter_topic};
use serde_json::json;

use super::CliError;
use super::status::require_stream;

#[derive(Debug, Args)]
pub(crate) struct DeadLettersArgs {
    #[command(subcommand)]
    command: DeadLettersCommand,
}

#[derive(Debug, Subcommand)]
enum DeadLettersCommand {
    /// Prints the oldest dead letters of a stream: where each came from, why it failed and its
    /// event.
    List(ListArgs),
    /// Adds dead letters back to their stream with their original fields, removing each from the
    /// dead-letter stream once it is back.
    Replay(ReplayArgs),
    /// Removes dead letters, keeping the newest.
    Trim(TrimArgs),
}

/// The stream whose dead letters a subcommand handles.
#[derive(Debug, Args)]
struct StreamArgs {
    /// The Redis server, e.g. redis://127.0.0.1:6379/0.
    #[arg(long, env = "EVENT_BUS_REDIS_CONNECTION_URL", hide_env_values = true)]
    redis_url: String,
    /// The topic, without the prefix: EVENT_BUS_TOPIC_PREFIX in the environment is put before it
    /// as `{prefix}-{topic}`, as the Python event bus does. Its dead letters are in
    /// `{stream}-dead-letter`.
    #[arg(long, value_parser = super::non_empty)]
    topic: String,
}

impl StreamArgs {
    /// The stream, and an admin connection for it once it is known to exist.
    fn open(&self) -> Result<(String, RedisAdmin), CliError> {
        let stream = TopicPrefix::from_env().full_topic(&self.topic);
        let mut admin = RedisAdmin::new(RedisOptions::new(&self.redis_url)?);
        require_stream(&mut admin, &self.topic, &stream)?;
        Ok((stream, admin))
    }
}

#[derive(Debug, Args)]
struct ListArgs {
    #[command(flatten)]
    stream: StreamArgs,
    /// How many dead letters to print, oldest first.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    count: u32,
    /// How each dead letter is printed.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    format: ListFormat,
}

/// How `dead-letters list` prints dead letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    /// The dead letter's id, origin and reason, and its event, for people.
    Text,
    /// One JSON object a line: `{"id", "entry_id", "reason", "group", "consumer", "fields",
    /// "metadata"}`.
    Jsonl,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").required(true).args(["all", "ids"])))]
struct ReplayArgs {
    #[command(flatten)]
    stream: StreamArgs,
    /// Replay every dead letter there is when the replay starts.
    #[arg(long)]
    all: bool,
    /// Replay the dead letters with these ids (their ids in the dead-letter stream, as `list`
    /// prints them).
    #[arg(long = "id", value_name = "ID", num_args = 1..)]
    ids: Vec<EntryId>,
}

#[derive(Debug, Args)]
struct TrimArgs {
    #[command(flatten)]
    stream: StreamArgs,
    /// How many of the newest dead letters to keep; 0 removes them all.
    #[arg(long, value_name = "N", default_value_t = 0)]
    keep: u64,
}

pub(crate) fn run(args: &DeadLettersArgs, out: &mut dyn Write, errors: &mut dyn Write) -> Result<(), CliError> {
    match &args.command {
        DeadLettersCommand::List(list_args) => list(list_args, out, errors),
        DeadLettersCommand::Replay(replay_args) => replay(replay_args, out, errors),
        DeadLettersCommand::Trim(trim_args) => trim(trim_args, out),
    }
}

fn list(args: &ListArgs, out: &mut dyn Write, errors: &mut dyn Write) -> Result<(), CliError> {
    let (stream, mut admin) = args.stream.open()?;
    let dead_letter_stream = dead_letter_topic(&stream);
    let total = admin.stream_length(&dead_letter_stream)?.unwrap_or(0);
    let dead_letters = admin.dead_letters(&stream, args.count as usize)?;
    for dead in &dead_letters {
        match args.format {
            ListFormat::Jsonl => writeln!(out, "{}", dead_letter_json(dead))?,
            ListFormat::Text => write_dead_letter(out, dead)?,
        }
    }
    out.flush()?;
    if args.format == ListFormat::Text {
        writeln!(
            errors,
            "{} of {total} dead letters of `{stream}`, in `{dead_letter_stream}`",
            dead_letters.len()
        )?;
    }
    Ok(())
}

/// One dead letter as a JSON line. Field values are text, except the Avro payload and values
/// that are not UTF-8, which are `{"hex": "…"}`.
fn dead_letter_json(dead: &DeadLetter) -> serde_json::Value {
    let fields: serde_json::Map<String, serde_json::Value> = dead
        .fields
        .iter()
        .map(|(name, value)| {
            let name = String::from_utf8_lossy(name).into_owned();
            let value = match std::str::from_utf8(value) {
                Ok(text) if name != DATA_FIELD => json!(text),
                _ => json!({"hex": hex::encode(value)}),
            };
            (name, value)
        })
        .collect();
    let mut line = json!({
        "id": dead.id,
        "entry_id": dead.entry_id,
        "reason": dead.reason,
        "group": dead.group,
        "consumer": dead.consumer,
        "fields": fields,
    });
    match dead.message() {
        Ok(message) => line["metadata"] = message.metadata.to_json_value(),
        Err(error) => line["unreadable"] = json!(error.to_string()),
    }
    line
}

fn write_dead_letter(out: &mut dyn Write, dead: &DeadLetter) -> Result<(), CliError> {
    let unknown = |value: &Option<String>| value.clone().unwrap_or_else(|| "?".to_owned());
    writeln!(
        out,
        "{}: entry {} of group `{}`, consumer `{}`",
        dead.id,
        unknown(&dead.entry_id),
        unknown(&dead.group),
        unknown(&dead.consumer)
    )?;
    writeln!(out, "    reason: {}", unknown(&dead.reason))?;
    match dead.message() {
        Ok(message) => {
            let metadata = &message.metadata;
            writeln!(
                out,
                "    event: {} {} {} from {}",
                metadata.event_type(),
                metadata.id(),
                metadata.time_isoformat(),
                metadata.source()
            )?;
        }
        Err(error) => {
            let names: Vec<String> = dead
                .fields
                .iter()
                .map(|(name, _)| String::from_utf8_lossy(name).into_owned())
                .collect();
            writeln!(out, "    not an event ({error}); fields: {}", names.join(", "))?;
        }
    }
    Ok(())
}

fn replay(args: &ReplayArgs, out: &mut dyn Write, errors: &mut dyn Write) -> Result<(), CliError> {
    let (stream, mut admin) = args.stream.open()?;
    let dead_letter_stream = dead_letter_topic(&stream);
    let which = if args.all {
        Replay::All
    } else {
        Replay::Ids(args.ids.clone())
    };
    let report = admin.replay(&stream, &which)?;
    for entry in &report.replayed {
        writeln!(
            out,
            "replayed {} (entry {}) as {}",
            entry.dead_letter_id,
            entry.original_entry_id.as_deref().unwrap_or("?"),
            entry.new_entry_id
        )?;
    }
    out.flush()?;
    report_failures(errors, &report, &dead_letter_stream)?;
    writeln!(
        errors,
        "replayed {} dead letters of `{dead_letter_stream}` to `{stream}`; {} failed",
        report.replayed.len(),
        report.failed.len()
    )?;
    if !report.failed.is_empty() || !report.complete {
        return Err(format!("{} dead letters were not replayed", report.failed.len()).into());
    }
    Ok(())
}

fn report_failures(errors: &mut dyn Write, report: &ReplayReport, dead_letter_stream: &str) -> Result<(), CliError> {
    for failure in &report.failed {
        match &failure.replayed_as {
            None => writeln!(
                errors,
                "openedx-events: dead letter {} not replayed: {}",
                failure.dead_letter_id, failure.error
            )?,
            Some(new_entry_id) => writeln!(
                errors,
                "openedx-events: dead letter {} was replayed as {new_entry_id} but is still in `{dead_letter_stream}` \
                 ({}); remove it (XDEL) rather than replaying it again, which would add it twice",
                failure.dead_letter_id, failure.error
            )?,
        }
    }
    if !report.complete {
        let cause = report
            .read_error
            .as_ref()
            .map(|error| format!(": {error}"))
            .unwrap_or_default();
        writeln!(
            errors,
            "openedx-events: the replay stopped early{cause}; the dead letters not tried are still in \
             `{dead_letter_stream}`: run it again once Redis is reachable"
        )?;
    }
    Ok(())
}

fn trim(args: &TrimArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let (stream, mut admin) = args.stream.open()?;
    let dead_letter_stream = dead_letter_topic(&stream);
    let removed = admin.trim(&stream, args.keep)?;
    let left = admin.stream_length(&dead_letter_stream)?.unwrap_or(0);
    writeln!(
        out,
        "removed {removed} dead letters from `{dead_letter_stream}`; {left} left"
    )?;
    Ok(())
}
