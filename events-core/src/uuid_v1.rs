//! Event ids: time-based UUIDs (version 1), as Python's `uuid.uuid1()` makes them.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use uuid::{Timestamp, Uuid, timestamp::context::ContextV1};

/// A UUID v1 for an event generated at `now`.
///
/// The clock sequence starts at a random value and advances on every id, so ids made in the
/// same 100 ns tick still differ. The node is a random 48-bit value with the multicast bit set,
/// as RFC 9562 §6.10 recommends when no hardware address is used; it is chosen once per
/// process.
pub(crate) fn generate(now: &DateTime<Utc>) -> Uuid {
    let (context, node) = state();
    // The UUID v1 epoch is 1582, but ids are only ever made from the current clock, which is
    // after 1970; a clock set before 1970 yields the 1970 epoch rather than a wrapped value.
    let seconds = u64::try_from(now.timestamp()).unwrap_or(0);
    Uuid::new_v1(
        Timestamp::from_unix(context, seconds, now.timestamp_subsec_nanos()),
        node,
    )
}

fn state() -> &'static (ContextV1, [u8; 6]) {
    static STATE: OnceLock<(ContextV1, [u8; 6])> = OnceLock::new();
    STATE.get_or_init(|| {
        let random = Uuid::new_v4();
        let mut node = [0u8; 6];
        node.copy_from_slice(&random.as_bytes()[..6]);
        node[0] |= 0x01;
        (ContextV1::new_random(), node)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_1_and_distinct_within_one_tick() {
        let now = Utc::now();
        let ids: std::collections::HashSet<Uuid> = (0..1000).map(|_| generate(&now)).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids.iter().all(|id| id.get_version_num() == 1));
    }

    #[test]
    fn the_node_is_a_random_multicast_address_shared_by_the_process() {
        let a = generate(&Utc::now());
        let b = generate(&Utc::now());
        assert_eq!(a.get_node_id(), b.get_node_id());
        assert_eq!(a.get_node_id().unwrap()[0] & 0x01, 0x01);
    }
}
