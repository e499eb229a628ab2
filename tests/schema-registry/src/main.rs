//! `schema-registry-stub [--port N] [--basic-auth user:password]`: runs the test registry
//! until killed, for trying clients (such as the Python scripts in `tests/interop/`) by hand.
//!
//! The first line on stdout is the registry's URL, so that a script can start it and read
//! where it listens; with `--port 0` (the default) the port is a free one. Each request is
//! then echoed on stderr as `METHOD /path?query`.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use schema_registry_stub::SchemaRegistry;

const USAGE: &str = "usage: schema-registry-stub [--port N] [--basic-auth user:password]";

fn main() -> ExitCode {
    let (port, basic_auth) = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("schema-registry-stub: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let credentials = basic_auth
        .as_deref()
        .and_then(|user_password| user_password.split_once(':'));
    let registry = match SchemaRegistry::start_on(port, credentials) {
        Ok(registry) => registry,
        Err(error) => {
            eprintln!("schema-registry-stub: cannot start on port {port}: {error}");
            return ExitCode::FAILURE;
        }
    };

    let mut stdout = std::io::stdout().lock();
    // Flushed at once: whoever started the process waits for this line, and stdout to a pipe
    // is block-buffered.
    if writeln!(stdout, "{}", registry.url())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(stdout);

    // The registry serves on its own thread; this one keeps it alive until the process is
    // killed, and echoes each request on stderr so that a person can see what a client asked.
    let mut echoed = 0;
    loop {
        let requests = registry.requests();
        for request in &requests[echoed..] {
            eprintln!("{request}");
        }
        echoed = requests.len();
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `Ok(None)` for `--help`; else the port and the `user:password` for basic auth.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<(u16, Option<String>)>, String> {
    let mut port = 0;
    let mut basic_auth = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().ok_or("--port needs a value")?;
                port = value
                    .parse()
                    .map_err(|_| format!("--port: not a port number: {value:?}"))?;
            }
            "--basic-auth" => {
                let value = args.next().ok_or("--basic-auth needs a value")?;
                if !value.contains(':') {
                    return Err(format!("--basic-auth: expected user:password, got {value:?}"));
                }
                basic_auth = Some(value);
            }
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    Ok(Some((port, basic_auth)))
}
