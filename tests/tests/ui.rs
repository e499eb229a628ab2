//! The compile errors of `#[event_data]` and `#[open_edx_event]`, pinned by trybuild.
//!
//! Each `ui/<rule>.rs` breaks one rule and its `.stderr` is the reviewed error text; each
//! `ui/pass/*.rs` is an accepted definition that must compile and run. Re-bless after a
//! deliberate message change with `TRYBUILD=overwrite cargo test -p events-tests --test ui`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
    cases.pass("ui/pass/*.rs");
}
