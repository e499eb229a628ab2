// An event that never travels on the event bus says why with `unserializable = "..."`; its data
// keys may then hold types with no wire form, as long as they are Clone, Debug and PartialEq.
use std::collections::HashMap;

use events_core::prelude::*;

/// An in-process request context, with no wire form.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestContext {
    /// Request headers.
    pub headers: HashMap<String, String>,
    /// Bytes received so far.
    pub received: u64,
}

/// Emitted before a request is handled, for in-process filters only.
#[open_edx_event(
    type = "org.openedx.learning.request.received.v1",
    unserializable = "the payload holds the live request context, which has no wire form"
)]
pub struct RequestReceived {
    /// The request being handled.
    request: RequestContext,
}

fn main() {
    let info = REQUEST_RECEIVED.info();
    assert!(!info.is_serializable());
    assert_eq!(info.data[0].schema, None);

    let _receiver = REQUEST_RECEIVED.connect("count_bytes", |event| {
        assert_eq!(event.data().request().received, 42);
        Ok(())
    });
    let request = RequestContext {
        headers: HashMap::new(),
        received: 42,
    };
    assert!(
        REQUEST_RECEIVED
            .send_event(RequestReceived::new(request))
            .unwrap()
            .all_ok()
    );
}
