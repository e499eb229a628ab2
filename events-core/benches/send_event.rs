//! The cost of sending an event in process, and of generating its metadata.
//!
//! The Python library takes about 27 µs to send an event to one receiver on the reference
//! machine; `scripts/bench-python-events` measures it side by side.

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use events_core::EventsMetadata;
use events_core::prelude::*;

/// Personal information of a user.
#[event_data]
pub struct UserPersonalData {
    /// Login name.
    username: String,
    /// Email address.
    email: String,
    /// Full name.
    name: String,
}

/// A user.
#[event_data]
pub struct UserData {
    /// Id.
    id: i64,
    /// Whether the account is active.
    is_active: bool,
    /// Personal information.
    #[event_data(pii)]
    pii: UserPersonalData,
}

macro_rules! bench_event {
    ($name:ident, $type:literal) => {
        /// Emitted by the benchmark.
        #[open_edx_event(type = $type)]
        pub struct $name {
            /// The user.
            user: UserData,
        }
    };
}

bench_event!(NoReceivers, "com.example.learning.bench.none.v1");
bench_event!(OneReceiver, "com.example.learning.bench.one.v1");
bench_event!(TenReceivers, "com.example.learning.bench.ten.v1");

fn user() -> UserData {
    let pii = UserPersonalData::builder()
        .username("ada")
        .email("ada@example.com")
        .name("Ada Lovelace")
        .build();
    UserData::builder().id(42).is_active(true).pii(pii).build()
}

fn send_event(c: &mut Criterion) {
    for index in 0..1 {
        BENCH_ONE.connect(format!("receiver_{index}"), |event| {
            black_box(event.data().user().id());
            Ok(())
        });
    }
    for index in 0..10 {
        BENCH_TEN.connect(format!("receiver_{index}"), |event| {
            black_box(event.data().user().id());
            Ok(())
        });
    }
    // The payload is built outside the timed part: a send takes ownership of it.
    let user = user();
    let mut group = c.benchmark_group("send_event");
    group.bench_function(BenchmarkId::new("receivers", 0), |b| {
        b.iter_batched(
            || NoReceivers::new(user.clone()),
            |event| BENCH_NONE.send_event(event),
            BatchSize::SmallInput,
        )
    });
    group.bench_function(BenchmarkId::new("receivers", 1), |b| {
        b.iter_batched(
            || OneReceiver::new(user.clone()),
            |event| BENCH_ONE.send_event(event),
            BatchSize::SmallInput,
        )
    });
    group.bench_function(BenchmarkId::new("receivers", 10), |b| {
        b.iter_batched(
            || TenReceivers::new(user.clone()),
            |event| BENCH_TEN.send_event(event),
            BatchSize::SmallInput,
        )
    });
    group.finish();

    c.bench_function("metadata_generation", |b| {
        b.iter(|| EventsMetadata::new(black_box("com.example.learning.bench.one.v1")))
    });
}

criterion_group!(benches, send_event);
criterion_main!(benches);
