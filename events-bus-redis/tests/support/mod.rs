//! Shared by the Redis integration tests: test events and direct looks into Redis.

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use events_bus_redis::StreamEntry;
use events_core::bus::{BusMessage, ConsumerOptions};
use events_core::prelude::*;
use redis::Value;

/// A course run.
#[event_data]
pub struct RunData {
    /// The run's id.
    run_id: String,
    /// Seats left.
    seats: i64,
    /// Whether the run is open.
    open: bool,
    /// Its mentor, if any.
    mentor: Option<String>,
}

/// Defines one event type carrying a `RunData`; one type per test, because signals and their
/// receivers are process-wide and tests run in parallel threads.
#[macro_export]
macro_rules! run_event {
    ($name:ident, $type:literal) => {
        /// Emitted in a test.
        #[::events_core::open_edx_event(type = $type, key_field = "run.run_id")]
        pub struct $name {
            /// The run.
            run: $crate::support::RunData,
        }
    };
}

pub fn run(id: &str) -> RunData {
    RunData::builder().run_id(id).seats(3).open(true).build()
}

/// A bus message for `event` with fresh metadata.
pub fn message_of<T: events_core::AvroEvent>(event: &T) -> BusMessage {
    BusMessage::new(EventsMetadata::new(T::INFO.event_type), event.to_avro())
}

pub fn options() -> ConsumerOptions {
    ConsumerOptions {
        poll_timeout: Duration::from_millis(50),
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        ..ConsumerOptions::default()
    }
}

/// A plain connection to look into Redis behind the backend's back.
pub fn redis(url: &str) -> redis::Connection {
    let connection = redis::Client::open(url).unwrap().get_connection().unwrap();
    connection.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    connection
}

/// Every entry of `stream`, oldest first, with its fields in stored order.
pub fn xrange(connection: &mut redis::Connection, stream: &str) -> Vec<StreamEntry> {
    let reply: Value = redis::cmd("XRANGE")
        .arg(stream)
        .arg("-")
        .arg("+")
        .query(connection)
        .unwrap();
    let Value::Array(entries) = reply else {
        panic!("XRANGE: {reply:?}")
    };
    entries
        .into_iter()
        .map(|entry| {
            let Value::Array(mut pair) = entry else {
                panic!("entry: {entry:?}")
            };
            let fields = pair.pop().unwrap();
            let id: String = redis::from_redis_value(pair.pop().unwrap()).unwrap();
            let Value::Array(flat) = fields else {
                panic!("fields: {fields:?}")
            };
            let flat: Vec<Vec<u8>> = flat.into_iter().map(|v| redis::from_redis_value(v).unwrap()).collect();
            StreamEntry {
                id,
                fields: flat.chunks(2).map(|pair| (pair[0].clone(), pair[1].clone())).collect(),
            }
        })
        .collect()
}

pub fn xlen(connection: &mut redis::Connection, stream: &str) -> u64 {
    redis::cmd("XLEN").arg(stream).query(connection).unwrap()
}

/// `(entry id, consumer, deliveries)` of every entry pending in `group`.
pub fn pending(connection: &mut redis::Connection, stream: &str, group: &str) -> Vec<(String, String, u64)> {
    let rows: Vec<(String, String, u64, u64)> = redis::cmd("XPENDING")
        .arg(stream)
        .arg(group)
        .arg("-")
        .arg("+")
        .arg(100_000)
        .query(connection)
        .unwrap();
    rows.into_iter()
        .map(|(id, consumer, _idle, deliveries)| (id, consumer, deliveries))
        .collect()
}

/// Adds raw fields to `stream`, as a foreign producer would.
pub fn xadd_fields(connection: &mut redis::Connection, stream: &str, fields: &[(Vec<u8>, Vec<u8>)]) -> String {
    let mut command = redis::cmd("XADD");
    command.arg(stream).arg("*");
    for (name, value) in fields {
        command.arg(name.as_slice()).arg(value.as_slice());
    }
    command.query(connection).unwrap()
}
