//! Decoding allocates no more than its input justifies, however large the counts it reads.
//!
//! This test binary counts the bytes held by the global allocator, so it holds a single test:
//! another test running in parallel would be counted too.

// Counting allocations needs a `GlobalAlloc`, which is an unsafe trait; it forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use events_core::avro::{DecodeErrorKind, write_long};
use events_core::prelude::*;

struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let held = HELD.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
        PEAK.fetch_max(held, Ordering::SeqCst);
        // SAFETY: the caller's contract for `alloc` is passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Ordering::SeqCst);
        // SAFETY: the caller's contract for `dealloc` is passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A wide record: each item takes at least one byte on the wire but many in memory.
#[event_data]
pub struct ContextData {
    /// A.
    a: String,
    /// B.
    b: String,
    /// C.
    c: String,
    /// D.
    d: Option<String>,
    /// E.
    e: Vec<String>,
    /// F.
    f: BTreeMap<String, String>,
}

/// Emitted when contexts change.
#[open_edx_event(type = "com.example.learning.contexts.changed.v1")]
pub struct ContextsChanged {
    /// The contexts.
    contexts: Vec<ContextData>,
}

#[test]
fn a_huge_block_count_reserves_no_more_than_the_input_size() {
    const COUNT: usize = 2_000_000;
    let mut bytes = Vec::with_capacity(COUNT + 8);
    write_long(&mut bytes, COUNT as i64);
    // Enough bytes for the count to pass the "one byte per item" bound; the first item is
    // malformed (an unterminated varint), so decoding fails right after the reservation.
    bytes.resize(COUNT + 8, 0xff);
    assert!(
        size_of::<ContextData>() > 100,
        "each item is much larger in memory than on the wire"
    );

    let before = HELD.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let error = ContextsChanged::from_avro(&bytes).expect_err("malformed");
    let peak = PEAK.load(Ordering::SeqCst) - before;

    assert!(matches!(error.kind(), DecodeErrorKind::VarintTooLong), "{error}");
    assert_eq!(error.path(), "contexts[0].a");
    assert!(
        peak <= bytes.len() + 4096,
        "decoding {} bytes held {peak} bytes at its peak",
        bytes.len()
    );
}
