//! The library's logs on stderr, behind `-v` and `RUST_LOG`.
//!
//! The commands tell what matters on their own (a start line, an outage, a summary); the logs
//! are for finding out why: each connection, retry and recovery the bus makes.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs a subscriber writing to stderr: with the filter `rust_log` (the value of
/// `RUST_LOG`) when it is set, else at the level `verbose` counts `-v` for (none, info, debug,
/// trace). Nothing is installed with neither, so that the library's logs cost nothing.
pub(crate) fn init(verbose: u8, rust_log: Option<&str>) -> Result<(), String> {
    let Some(filter) = filter(verbose, rust_log)? else {
        return Ok(());
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init()
        .map_err(|error| format!("cannot install the log subscriber: {error}"))
}

/// The filter for `verbose` and `rust_log`, or none when logs are off.
fn filter(verbose: u8, rust_log: Option<&str>) -> Result<Option<EnvFilter>, String> {
    if let Some(spec) = rust_log.filter(|spec| !spec.trim().is_empty()) {
        return EnvFilter::try_new(spec).map(Some).map_err(|error| {
            format!("RUST_LOG: {spec:?} is not a log filter ({error}); try `info` or `events_bus_redis=debug`")
        });
    }
    let level = match verbose {
        0 => return Ok(None),
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    Ok(Some(EnvFilter::new(level)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_are_off_without_v_or_rust_log() {
        assert!(filter(0, None).unwrap().is_none());
        assert!(filter(0, Some("  ")).unwrap().is_none());
    }

    #[test]
    fn each_v_raises_the_level() {
        let levels: Vec<String> = (1..=4)
            .map(|verbose| filter(verbose, None).unwrap().unwrap().to_string())
            .collect();
        assert_eq!(levels, ["info", "debug", "trace", "trace"]);
    }

    #[test]
    fn rust_log_takes_precedence_over_v() {
        let filter = filter(1, Some("events_bus_redis=debug")).unwrap().unwrap();
        assert_eq!(filter.to_string(), "events_bus_redis=debug");
    }

    #[test]
    fn an_invalid_rust_log_is_an_error_that_names_it() {
        let error = filter(0, Some("events_bus_redis=loud")).unwrap_err();
        assert!(
            error.starts_with("RUST_LOG: \"events_bus_redis=loud\" is not a log filter"),
            "{error}"
        );
    }
}
