//! Dropping events seen already, by event id, for consumers that want each event handled once
//! although the bus delivers it at least once.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use uuid::Uuid;

/// Remembers the event ids seen within a window, so that a consumer can skip an event
/// delivered again (a relay that published a batch twice, a consumer that died before its
/// acknowledgement).
///
/// ```
/// use std::time::Duration;
/// use events_outbox::Deduplicator;
/// use uuid::Uuid;
///
/// let mut seen = Deduplicator::new(Duration::from_secs(600), 100_000);
/// let id = Uuid::new_v4();
/// assert!(seen.first_time(id));
/// assert!(!seen.first_time(id), "a repeat");
/// ```
#[derive(Debug)]
pub struct Deduplicator {
    window: Duration,
    capacity: usize,
    seen: HashMap<Uuid, Instant>,
    order: VecDeque<(Instant, Uuid)>,
}

impl Deduplicator {
    /// Remembers ids for `window`, and at most `capacity` of them (the oldest are forgotten
    /// first), so that memory stays bounded whatever the rate.
    pub fn new(window: Duration, capacity: usize) -> Self {
        Deduplicator {
            window,
            capacity: capacity.max(1),
            seen: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Whether `id` is seen for the first time within the window; remembers it.
    pub fn first_time(&mut self, id: Uuid) -> bool {
        self.first_time_at(id, Instant::now())
    }

    fn first_time_at(&mut self, id: Uuid, now: Instant) -> bool {
        while let Some((at, oldest)) = self.order.front().copied() {
            if now.duration_since(at) <= self.window && self.order.len() < self.capacity {
                break;
            }
            self.order.pop_front();
            if self.seen.get(&oldest) == Some(&at) {
                self.seen.remove(&oldest);
            }
        }
        if self.seen.contains_key(&id) {
            return false;
        }
        self.seen.insert(id, now);
        self.order.push_back((now, id));
        true
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_forgotten_after_the_window_and_beyond_the_capacity() {
        let mut seen = Deduplicator::new(Duration::from_secs(10), 3);
        let start = Instant::now();
        let ids: Vec<Uuid> = (0..4).map(|_| Uuid::new_v4()).collect();
        assert!(seen.first_time_at(ids[0], start));
        assert!(!seen.first_time_at(ids[0], start + Duration::from_secs(5)));
        assert!(
            seen.first_time_at(ids[0], start + Duration::from_secs(11)),
            "the window passed"
        );
        for id in &ids[1..] {
            assert!(seen.first_time_at(*id, start + Duration::from_secs(12)));
        }
        assert_eq!(seen.len(), 3, "at most the capacity");
        assert!(
            seen.first_time_at(ids[0], start + Duration::from_secs(12)),
            "the oldest was forgotten"
        );
    }
}
