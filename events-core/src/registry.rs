//! Every event defined in the linked crates, found at link time.
//!
//! Each `#[open_edx_event]` adds its signal to a link-time list (a `linkme` distributed slice),
//! so a program sees the events of every crate it links, without a central list to maintain.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::codec::EventCodec;
use crate::event::OpenEdxEvent;
use crate::metadata::EventsMetadata;
use crate::receiver::{BoxError, ReceiverId};
use crate::schema::Schema;
use crate::signal::OpenEdxPublicSignal;

/// The registration record of one event type: what `#[open_edx_event]` knows about it.
#[derive(Debug)]
pub struct EventInfo {
    /// The event type, e.g. `org.openedx.learning.course.enrollment.created.v1`.
    pub event_type: &'static str,
    /// The name of the signal static, e.g. `COURSE_ENROLLMENT_CREATED`.
    pub name: &'static str,
    /// The event's description: the payload struct's documentation.
    pub description: &'static str,
    /// The architecture subdomain, e.g. `learning`.
    pub subdomain: &'static str,
    /// The major version from the type's `.vN` suffix; `None` for the two legacy unversioned
    /// types.
    pub major_version: Option<u32>,
    /// The minor version: compatible additions since the major version.
    pub minor_version: u32,
    /// The data keys: the payload struct's fields.
    pub data: &'static [DataKeyInfo],
    /// The dotted path of the field used as the event bus message key, if any.
    pub key_field: Option<&'static str>,
    /// The repository (`owner/name`) whose code sends the event, if known.
    pub trigger_repository: Option<&'static str>,
    /// Warnings for users of the event (deprecation, known problems).
    pub warnings: &'static [&'static str],
    /// Why the event cannot travel on the event bus, if it cannot.
    pub unserializable: Option<&'static str>,
    /// The event's Avro operations; `None` when it cannot be serialized.
    pub codec: Option<&'static EventCodec>,
    /// The payload struct's name.
    pub payload_type: &'static str,
    /// The module that defines the event.
    pub module_path: &'static str,
    /// The source file that defines the event.
    pub file: &'static str,
    /// The line of the definition.
    pub line: u32,
}

impl EventInfo {
    /// Whether the event can be sent on the event bus.
    pub fn is_serializable(&self) -> bool {
        self.unserializable.is_none()
    }

    /// `file:line` of the definition.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// One data key of an event: a field of its payload struct.
#[derive(Debug)]
pub struct DataKeyInfo {
    /// The key, e.g. `enrollment`.
    pub name: &'static str,
    /// The field's documentation.
    pub doc: &'static str,
    /// The field's Rust type as written, e.g. `CourseEnrollmentData`.
    pub rust_type: &'static str,
    /// The field's shape; `None` for events that cannot be serialized.
    pub schema: Option<&'static Schema>,
}

/// An event seen without its payload type.
#[derive(Debug)]
pub struct ErasedEvent<'a> {
    /// The event's metadata.
    pub metadata: &'a EventsMetadata,
    /// The payload, to downcast or hand to the event's [`EventCodec`].
    pub data: &'a dyn Any,
    /// Whether the event was received from the event bus.
    pub from_event_bus: bool,
}

/// A receiver of [`ErasedEvent`]s.
pub type ErasedReceiver = Arc<dyn Fn(&ErasedEvent<'_>) -> Result<(), BoxError> + Send + Sync>;

/// A signal of any event type, as the registry holds it.
pub trait AnySignal: Send + Sync + 'static {
    /// The event's registration record.
    fn info(&self) -> &'static EventInfo;
    /// See [`OpenEdxPublicSignal::enable`].
    fn enable(&self);
    /// See [`OpenEdxPublicSignal::disable`].
    fn disable(&self);
    /// See [`OpenEdxPublicSignal::is_enabled`].
    fn is_enabled(&self) -> bool;
    /// See [`OpenEdxPublicSignal::allow_send_event_failure`].
    fn allow_send_event_failure(&self);
    /// See [`OpenEdxPublicSignal::is_send_event_failure_allowed`].
    fn is_send_event_failure_allowed(&self) -> bool;
    /// See [`OpenEdxPublicSignal::receivers`].
    fn receivers(&self) -> Vec<ReceiverId>;
    /// Connects a receiver that sees the payload as `&dyn Any`, for code that handles events
    /// of any type, such as the event bus producer; returns whether it was newly connected.
    fn connect_erased(&self, id: ReceiverId, receiver: ErasedReceiver) -> bool;
    /// See [`OpenEdxPublicSignal::disconnect`].
    fn disconnect(&self, id: &str) -> bool;
    /// The signal as `Any`, for `downcast`.
    fn as_any(&self) -> &dyn Any;
}

impl dyn AnySignal {
    /// The event type.
    pub fn event_type(&self) -> &'static str {
        self.info().event_type
    }

    /// The typed signal, if this is the signal of `T`.
    pub fn downcast<T: OpenEdxEvent>(&self) -> Option<&OpenEdxPublicSignal<T>> {
        self.as_any().downcast_ref()
    }
}

impl std::fmt::Debug for dyn AnySignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<OpenEdxPublicSignal: {}>", self.event_type())
    }
}

/// The link-time list every `#[open_edx_event]` adds its signal to.
#[doc(hidden)]
#[linkme::distributed_slice]
pub static EVENTS: [&'static dyn AnySignal];

struct Registry {
    sorted: Vec<&'static dyn AnySignal>,
    by_type: HashMap<&'static str, Vec<&'static dyn AnySignal>>,
    duplicates: Vec<Duplicate>,
}

/// An event type defined by more than one linked crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The event type.
    pub event_type: &'static str,
    /// `file:line` of each definition.
    pub locations: Vec<String>,
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut sorted: Vec<&'static dyn AnySignal> = EVENTS.iter().copied().collect();
        sorted.sort_by_key(|signal| (signal.event_type(), signal.info().file, signal.info().line));
        let mut by_type: HashMap<&'static str, Vec<&'static dyn AnySignal>> = HashMap::new();
        for &signal in &sorted {
            by_type.entry(signal.event_type()).or_default().push(signal);
        }
        let mut duplicates: Vec<Duplicate> = by_type
            .iter()
            .filter(|(_, signals)| signals.len() > 1)
            .map(|(&event_type, signals)| Duplicate {
                event_type,
                locations: signals.iter().map(|signal| signal.info().location()).collect(),
            })
            .collect();
        duplicates.sort_by_key(|duplicate| duplicate.event_type);
        for duplicate in &duplicates {
            tracing::error!(
                event_type = duplicate.event_type,
                locations = ?duplicate.locations,
                "an Open edX event type is defined more than once",
            );
        }
        Registry {
            sorted,
            by_type,
            duplicates,
        }
    })
}

/// Every event defined in the linked crates, sorted by event type.
///
/// A type defined more than once appears once per definition; see [`duplicates`].
///
/// ```
/// for signal in events_core::registry::all_events() {
///     println!("{} ({})", signal.event_type(), signal.info().name);
/// }
/// ```
pub fn all_events() -> &'static [&'static dyn AnySignal] {
    &registry().sorted
}

/// The signal of `event_type`.
///
/// An unknown type is an error that suggests the closest known types; a type defined by more
/// than one linked crate is an error that names each definition.
pub fn get_signal_by_type(event_type: &str) -> Result<&'static dyn AnySignal, RegistryError> {
    match registry().by_type.get(event_type).map(Vec::as_slice) {
        Some([signal]) => Ok(*signal),
        Some(signals) => Err(RegistryError::DuplicateEventType {
            event_type: event_type.to_owned(),
            locations: signals.iter().map(|signal| signal.info().location()).collect(),
        }),
        None => Err(RegistryError::UnknownEventType {
            event_type: event_type.chars().take(300).collect(),
            suggestions: closest_event_types(event_type),
        }),
    }
}

/// Event types defined more than once among the linked crates; empty in a sound program.
pub fn duplicates() -> &'static [Duplicate] {
    &registry().duplicates
}

/// Up to three known event types closest to `event_type`, best first.
fn closest_event_types(event_type: &str) -> Vec<&'static str> {
    let mut scored: Vec<(f64, &'static str)> = registry()
        .by_type
        .keys()
        .map(|&known| (strsim::normalized_damerau_levenshtein(event_type, known), known))
        .filter(|&(score, _)| score >= 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(3).map(|(_, known)| known).collect()
}

/// Why an event type could not be found in the registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// No linked crate defines the event type.
    #[error("unknown event type `{event_type}`{}", did_you_mean(suggestions))]
    UnknownEventType {
        /// The type that was asked for.
        event_type: String,
        /// The closest known event types, best first.
        suggestions: Vec<&'static str>,
    },
    /// Several linked crates define the event type.
    #[error("event type `{event_type}` is defined more than once: {}", locations.join(", "))]
    DuplicateEventType {
        /// The event type.
        event_type: String,
        /// Where each definition is (`path/to/file.rs:line`).
        locations: Vec<String>,
    },
}

fn did_you_mean(suggestions: &[&str]) -> String {
    match suggestions {
        [] => String::new(),
        [one] => format!("; did you mean `{one}`?"),
        many => format!(
            "; did you mean one of: {}?",
            many.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
        ),
    }
}
