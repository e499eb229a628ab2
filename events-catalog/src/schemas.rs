//! Avro schema files and the schema evolution guard.
//!
//! Consumers decode with the schema of the version they were built with while producers may
//! already send a newer one, and the reverse. Every current schema must therefore stay both
//! backward and forward compatible with a committed baseline, under Avro's schema resolution
//! rules: the guard the Python library keeps in its test suite, here as a command.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use apache_avro::schema_compatibility::SchemaCompatibility;
use events_core::avro::schema_text;
use events_core::registry::{self, AnySignal};

/// The file name the Python library gives an event's schema:
/// `org+openedx+learning+course+enrollment+created+v1_schema.avsc`.
///
/// ```
/// assert_eq!(
///     events_catalog::schemas::file_name("org.openedx.learning.course.enrollment.created.v1"),
///     "org+openedx+learning+course+enrollment+created+v1_schema.avsc",
/// );
/// ```
pub fn file_name(event_type: &str) -> String {
    format!("{}_schema.avsc", event_type.replace('.', "+"))
}

/// The serializable events of the registry with their schema text, sorted by event type.
pub fn current_schemas() -> Vec<(&'static str, String)> {
    registry::all_events()
        .iter()
        .filter_map(|signal: &&'static dyn AnySignal| {
            let codec = signal.info().codec?;
            Some((signal.event_type(), schema_text(&(codec.schema)())))
        })
        .collect()
}

/// Writes one `.avsc` file per serializable event into `dir`, creating it if needed; returns
/// the paths written.
pub fn write_schemas(dir: &Path) -> io::Result<Vec<PathBuf>> {
    fs::create_dir_all(dir)?;
    current_schemas()
        .into_iter()
        .map(|(event_type, text)| {
            let path = dir.join(file_name(event_type));
            fs::write(&path, text)?;
            Ok(path)
        })
        .collect()
}

/// The verdict on one event type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Data written with either schema can be read with the other.
    Compatible,
    /// The current schema cannot read data written with the baseline.
    NotBackwardCompatible(String),
    /// Data written with the current schema cannot be read with the baseline.
    NotForwardCompatible(String),
    /// The event has no baseline yet.
    MissingBaseline,
    /// A baseline exists for an event that no longer exists.
    EventRemoved,
    /// The baseline file is not a valid Avro schema.
    InvalidBaseline(String),
}

impl Verdict {
    /// Whether the verdict passes the check.
    pub fn is_ok(&self) -> bool {
        matches!(self, Verdict::Compatible)
    }
}

/// The outcome of [`check_compat`]: one verdict per event type, sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompatReport {
    /// `(event type, verdict)` pairs.
    pub verdicts: Vec<(String, Verdict)>,
}

impl CompatReport {
    /// Whether every verdict passes.
    pub fn is_ok(&self) -> bool {
        self.verdicts.iter().all(|(_, verdict)| verdict.is_ok())
    }

    /// The verdicts that fail.
    pub fn failures(&self) -> impl Iterator<Item = &(String, Verdict)> {
        self.verdicts.iter().filter(|(_, verdict)| !verdict.is_ok())
    }
}

/// Why the check could not run.
#[derive(Debug, thiserror::Error)]
pub enum CompatError {
    /// The baseline directory could not be read.
    #[error("cannot read the baseline directory {path}: {source}")]
    Read {
        /// The directory or file.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// A generated schema was refused by the Avro parser, which would be a bug.
    #[error("the current schema of {event_type} is not valid Avro: {message}")]
    InvalidCurrent {
        /// The event type.
        event_type: String,
        /// The parser's message.
        message: String,
    },
}

/// Checks every current schema against the baseline of the same file name in `dir`, in both
/// directions, and reports baselines left without an event.
pub fn check_compat(dir: &Path) -> Result<CompatReport, CompatError> {
    let read_error = |source| CompatError::Read {
        path: dir.to_owned(),
        source,
    };
    let mut baseline_files: BTreeSet<String> = BTreeSet::new();
    for entry in fs::read_dir(dir).map_err(read_error)? {
        let name = entry.map_err(read_error)?.file_name().to_string_lossy().into_owned();
        if name.ends_with("_schema.avsc") {
            baseline_files.insert(name);
        }
    }

    let mut verdicts = Vec::new();
    for (event_type, text) in current_schemas() {
        let current = parse_schema(&text).map_err(|error| CompatError::InvalidCurrent {
            event_type: event_type.to_owned(),
            message: error.to_string(),
        })?;
        let name = file_name(event_type);
        let verdict = if baseline_files.remove(&name) {
            let path = dir.join(&name);
            let baseline_text = fs::read_to_string(&path).map_err(|source| CompatError::Read { path, source })?;
            match parse_schema(&baseline_text) {
                Err(error) => Verdict::InvalidBaseline(error),
                Ok(baseline) => compare(&baseline, &current),
            }
        } else {
            Verdict::MissingBaseline
        };
        verdicts.push((event_type.to_owned(), verdict));
    }
    for orphan in baseline_files {
        let event_type = orphan.trim_end_matches("_schema.avsc").replace('+', ".");
        verdicts.push((event_type, Verdict::EventRemoved));
    }
    verdicts.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(CompatReport { verdicts })
}

/// Parses a schema for the compatibility checker.
///
/// The namespace of an event's schema is its event type, and one upstream type,
/// `org.openedx.enterprise.subsidy.redemption-reversed.v1`, has a `-`, which the Avro name
/// grammar does not allow: `apache-avro` refuses it where Python's `fastavro` accepts it.
/// Both sides of a comparison get the same replacement, so the verdict is unchanged.
fn parse_schema(text: &str) -> Result<apache_avro::Schema, String> {
    let mut json: serde_json::Value = serde_json::from_str(text).map_err(|error| error.to_string())?;
    if let Some(namespace) = json.get_mut("namespace")
        && let Some(text) = namespace.as_str()
    {
        *namespace = serde_json::Value::String(text.replace('-', "_"));
    }
    apache_avro::Schema::parse(&json).map_err(|error| error.to_string())
}

fn compare(baseline: &apache_avro::Schema, current: &apache_avro::Schema) -> Verdict {
    if let Err(error) = SchemaCompatibility::can_read(baseline, current) {
        return Verdict::NotBackwardCompatible(error.to_string());
    }
    if let Err(error) = SchemaCompatibility::can_read(current, baseline) {
        return Verdict::NotForwardCompatible(error.to_string());
    }
    Verdict::Compatible
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Compatible => f.write_str("compatible"),
            Verdict::NotBackwardCompatible(why) => write!(f, "cannot read data written with the baseline: {why}"),
            Verdict::NotForwardCompatible(why) => write!(f, "the baseline cannot read data written now: {why}"),
            Verdict::MissingBaseline => f.write_str("no baseline; write one with `openedx-events schemas --out DIR`"),
            Verdict::EventRemoved => f.write_str("a baseline exists but the event does not"),
            Verdict::InvalidBaseline(why) => write!(f, "the baseline is not a valid Avro schema: {why}"),
        }
    }
}
