//! Command-line arguments that are refused before anything is read or connected to.

use std::process::Command;

#[test]
fn consume_refuses_a_malformed_last_read_msg_id_naming_the_flag() {
    let output = Command::new(env!("CARGO_BIN_EXE_openedx-events"))
        .args([
            "consume",
            "--redis-url",
            "redis://127.0.0.1:1/0",
            "--topic",
            "t",
            "--group",
            "g",
            "--last-read-msg-id",
            "yesterday",
        ])
        .output()
        .expect("run openedx-events");
    assert_eq!(output.status.code(), Some(2), "a usage error");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "invalid value 'yesterday' for '--last-read-msg-id <ID>': invalid stream entry id `yesterday`: \
             expected `<milliseconds>-<sequence>` or `<milliseconds>`"
        ),
        "{stderr}"
    );
}
