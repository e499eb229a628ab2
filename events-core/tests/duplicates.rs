//! An event type defined twice is reported, never silently merged.

use events_core::RegistryError;
use events_core::prelude::*;
use events_core::registry::{all_events, duplicates, get_signal_by_type};

mod first {
    use events_core::prelude::*;

    /// A ping.
    #[event_data]
    pub struct PingData {
        /// Sequence number.
        seq: i64,
    }

    /// Emitted on a ping.
    #[open_edx_event(type = "com.example.analytics.ping.sent.v1")]
    pub struct PingSent {
        /// The ping.
        ping: PingData,
    }
}

mod second {
    use super::first::PingData;
    use events_core::prelude::*;

    /// Emitted on a ping, defined a second time.
    #[open_edx_event(type = "com.example.analytics.ping.sent.v1")]
    pub struct PingSent {
        /// The ping.
        ping: PingData,
    }
}

#[test]
fn both_definitions_are_listed_and_the_lookup_names_them() {
    assert_eq!(all_events().len(), 2);
    let found = duplicates();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].event_type, "com.example.analytics.ping.sent.v1");
    assert_eq!(found[0].locations.len(), 2);
    assert!(
        found[0]
            .locations
            .iter()
            .all(|location| location.contains("duplicates.rs:"))
    );

    let error = get_signal_by_type("com.example.analytics.ping.sent.v1").unwrap_err();
    assert!(matches!(&error, RegistryError::DuplicateEventType { locations, .. } if locations.len() == 2));
    assert!(
        error
            .to_string()
            .starts_with("event type `com.example.analytics.ping.sent.v1` is defined more than once: ")
    );

    // Each definition still works on its own.
    let ping = first::PingData::builder().seq(1).build();
    assert!(first::PING_SENT.send_event(first::PingSent::new(ping.clone())).is_ok());
    assert!(second::PING_SENT.send_event(second::PingSent::new(ping)).is_ok());
    let _: &OpenEdxPublicSignal<second::PingSent> = &second::PING_SENT;
}
