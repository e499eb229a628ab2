//! Test isolation: what one test sends does not leak into another running in parallel.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use events_core::SendError;
use events_core::prelude::*;
use events_core::testing::isolate_events;

/// A login.
#[event_data]
pub struct LoginData {
    /// Who logged in.
    username: String,
}

/// Emitted when a session starts.
#[open_edx_event(type = "com.example.learning.session.started.v1")]
pub struct SessionStarted {
    /// The login.
    login: LoginData,
}

/// Emitted when a login token is refreshed.
#[open_edx_event(type = "com.example.learning.token.refreshed.v1")]
pub struct TokenRefreshed {
    /// The login.
    login: LoginData,
}

/// Emitted when a session ends.
#[open_edx_event(type = "com.example.learning.session.ended.v1")]
pub struct SessionEnded {
    /// The login.
    login: LoginData,
}

fn login(username: &str) -> LoginData {
    LoginData::builder().username(username).build()
}

#[test]
fn only_enabled_events_are_sent_and_they_are_captured_in_order() {
    let events = isolate_events().enable(&SESSION_STARTED).start();

    SESSION_STARTED.send_event(SessionStarted::new(login("ada"))).unwrap();
    let ended = SESSION_ENDED.send_event(SessionEnded::new(login("ada"))).unwrap();
    SESSION_STARTED.send_event(SessionStarted::new(login("grace"))).unwrap();

    assert!(ended.is_empty(), "a disabled event calls no receiver");
    let sent = events.sent::<SessionStarted>();
    let names: Vec<&str> = sent.iter().map(|event| event.data().login().username()).collect();
    assert_eq!(names, ["ada", "grace"]);
    assert!(events.sent::<SessionEnded>().is_empty());
    assert_eq!(
        events.sent_event_types(),
        ["com.example.learning.session.started.v1"; 2]
    );

    events.clear();
    assert!(events.sent::<SessionStarted>().is_empty());
}

#[test]
fn parallel_isolations_do_not_see_each_other() {
    let barrier = Arc::new(Barrier::new(2));
    let threads: Vec<_> = ["left", "right"]
        .into_iter()
        .map(|name| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let events = isolate_events().enable(&SESSION_STARTED).enable(&SESSION_ENDED).start();
                barrier.wait();
                for _ in 0..50 {
                    SESSION_STARTED.send_event(SessionStarted::new(login(name))).unwrap();
                }
                barrier.wait();
                events.sent::<SessionStarted>()
            })
        })
        .collect();
    for (thread, name) in threads.into_iter().zip(["left", "right"]) {
        let sent = thread.join().unwrap();
        assert_eq!(sent.len(), 50);
        assert!(sent.iter().all(|event| event.data().login().username() == name));
    }
}

#[test]
fn scoped_receivers_see_only_their_isolation() {
    let mine = Arc::new(AtomicUsize::new(0));
    let events = isolate_events().enable(&SESSION_ENDED).start();
    let counter = Arc::clone(&mine);
    events.connect(&SESSION_ENDED, "counter", move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok(())
    });

    // Another thread, isolated on its own, sends the same event.
    std::thread::spawn(|| {
        let _other = isolate_events().enable(&SESSION_ENDED).start();
        SESSION_ENDED
            .send_event(SessionEnded::new(login("someone else")))
            .unwrap();
    })
    .join()
    .unwrap();
    assert_eq!(mine.load(Ordering::SeqCst), 0);

    let responses = SESSION_ENDED.send_event(SessionEnded::new(login("ada"))).unwrap();
    assert_eq!(mine.load(Ordering::SeqCst), 1);
    assert_eq!(
        responses.receivers().map(|id| id.as_str()).collect::<Vec<_>>(),
        ["counter"]
    );
}

#[test]
fn isolation_makes_enabled_events_fail_fast_unless_robust() {
    {
        let events = isolate_events().enable(&SESSION_ENDED).start();
        events.connect(&SESSION_ENDED, "broken", |_| Err("broken receiver".into()));
        let error = SESSION_ENDED.send_event(SessionEnded::new(login("ada"))).unwrap_err();
        assert!(matches!(error, SendError::ReceiverFailed { .. }));
    }
    let events = isolate_events().enable(&SESSION_ENDED).robust().start();
    events.connect(&SESSION_ENDED, "broken", |_| Err("broken receiver".into()));
    let responses = SESSION_ENDED.send_event(SessionEnded::new(login("ada"))).unwrap();
    assert_eq!(responses.failures().count(), 1);
}

#[test]
fn a_handle_carries_the_isolation_to_other_threads() {
    let events = isolate_events().enable(&SESSION_STARTED).start();
    let handle = events.handle();
    std::thread::spawn(move || {
        let _entered = handle.enter();
        SESSION_STARTED
            .send_event(SessionStarted::new(login("worker")))
            .unwrap();
    })
    .join()
    .unwrap();
    assert_eq!(events.sent::<SessionStarted>()[0].data().login().username(), "worker");
}

#[test]
fn isolations_nest_and_restore_the_outer_one() {
    let outer = isolate_events().enable(&SESSION_STARTED).start();
    {
        let inner = isolate_events().enable(&SESSION_ENDED).start();
        SESSION_STARTED.send_event(SessionStarted::new(login("a"))).unwrap();
        SESSION_ENDED.send_event(SessionEnded::new(login("a"))).unwrap();
        assert_eq!(inner.sent_event_types(), ["com.example.learning.session.ended.v1"]);
    }
    SESSION_STARTED.send_event(SessionStarted::new(login("b"))).unwrap();
    assert_eq!(outer.sent::<SessionStarted>().len(), 1);
}

#[test]
fn enabling_by_type_checks_the_type_and_suggests_close_ones() {
    let builder = isolate_events().enable_types(["com.example.learning.session.started.v1"]);
    assert!(builder.is_ok());
    let error = isolate_events()
        .enable_types(["com.example.learning.session.stated.v1"])
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown event type `com.example.learning.session.stated.v1`; did you mean one of: \
         `com.example.learning.session.started.v1`, `com.example.learning.session.ended.v1`?"
    );
}

#[test]
fn an_isolation_can_leave_out_global_receivers_connected_by_other_tests() {
    let global_calls = Arc::new(AtomicUsize::new(0));
    let kept_calls = Arc::new(AtomicUsize::new(0));
    // Connected globally, as another test or the code under test might.
    let counter = Arc::clone(&global_calls);
    TOKEN_REFRESHED.connect("other_tests_receiver", move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok(())
    });
    let counter = Arc::clone(&kept_calls);
    TOKEN_REFRESHED.connect("audit", move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok(())
    });
    let renew = || TOKEN_REFRESHED.send_event(TokenRefreshed::new(login("ada"))).unwrap();

    // Sent from another thread, as a parallel test would.
    let responses = std::thread::spawn(move || {
        let events = isolate_events()
            .enable(&TOKEN_REFRESHED)
            .without_global_receivers()
            .start();
        let responses = renew();
        assert_eq!(events.sent::<TokenRefreshed>().len(), 1, "still captured");
        responses.len()
    })
    .join()
    .unwrap();
    assert_eq!(responses, 0);
    assert_eq!(global_calls.load(Ordering::SeqCst), 0);
    assert_eq!(kept_calls.load(Ordering::SeqCst), 0);

    let events = isolate_events()
        .enable(&TOKEN_REFRESHED)
        .keep_global_receiver("audit")
        .start();
    let scoped_calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&scoped_calls);
    events.connect(&TOKEN_REFRESHED, "scoped", move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok(())
    });
    let responses = renew();
    assert_eq!(
        responses.receivers().map(|id| id.as_str()).collect::<Vec<_>>(),
        ["audit", "scoped"]
    );
    assert_eq!(
        (
            global_calls.load(Ordering::SeqCst),
            kept_calls.load(Ordering::SeqCst),
            scoped_calls.load(Ordering::SeqCst)
        ),
        (0, 1, 1)
    );
    drop(events);

    // By default, an isolation runs the global receivers, as Python's test mixin does.
    let _events = isolate_events().enable(&TOKEN_REFRESHED).start();
    assert_eq!(renew().len(), 2);
    assert_eq!(global_calls.load(Ordering::SeqCst), 1);
}
