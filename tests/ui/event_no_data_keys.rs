// An event carries at least one data key.
use events_core::prelude::*;

/// Emitted when the cache is cleared.
#[open_edx_event(type = "org.openedx.learning.cache.cleared.v1")]
pub struct CacheCleared {}

fn main() {}
