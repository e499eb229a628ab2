//! The command-line reference (`docs/reference/cli.md`) shows the help of every command of
//! `openedx-events` exactly as the binary prints it.
//!
//! A help block on the page is a ```` ```text ```` block, or a part of one, that starts with a
//! line `$ openedx-events <command…> -h` (or `--help`) and runs to the next `$ ` line or the end
//! of the block. Other `$ ` commands on the page are examples and are not run.

use std::path::PathBuf;
use std::process::Command;

/// The page, relative to the workspace.
const PAGE: &str = "docs/reference/cli.md";

/// The width clap lays help out for, whatever terminal the tests run in.
const COLUMNS: &str = "100";

/// A help block of the page.
#[derive(Debug)]
struct HelpBlock {
    /// The line of the `$ openedx-events … -h` command, counted from 1.
    line: usize,
    /// The arguments after `openedx-events`, the help flag included.
    args: Vec<String>,
    /// The text shown below the command.
    text: String,
}

impl HelpBlock {
    /// The command path the block documents: its arguments without the help flag.
    fn command(&self) -> &[String] {
        &self.args[..self.args.len() - 1]
    }
}

fn page() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(PAGE);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

fn help_blocks(page: &str) -> Vec<HelpBlock> {
    let mut blocks = Vec::new();
    let mut in_text_block = false;
    let mut current: Option<HelpBlock> = None;
    for (index, line) in page.lines().enumerate() {
        let fence = line.trim_start().strip_prefix("```");
        if !in_text_block {
            in_text_block = fence.is_some_and(|info| info.trim() == "text");
            continue;
        }
        if fence.is_some() {
            blocks.extend(current.take());
            in_text_block = false;
        } else if let Some(command) = line.strip_prefix("$ ") {
            blocks.extend(current.take());
            let words: Vec<&str> = command.split_whitespace().collect();
            let is_help = words.first() == Some(&"openedx-events") && matches!(words.last(), Some(&("-h" | "--help")));
            current = is_help.then(|| HelpBlock {
                line: index + 1,
                args: words[1..].iter().map(|word| (*word).to_owned()).collect(),
                text: String::new(),
            });
        } else if let Some(block) = &mut current {
            block.text.push_str(line);
            block.text.push('\n');
        }
    }
    blocks
}

/// Help text as compared: trailing whitespace of each line and trailing blank lines removed.
fn normalize(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.join("\n").trim_end().to_owned()
}

/// What `openedx-events <args>` prints on standard output, with a fixed terminal width and
/// none of the environment variables whose values clap may show.
fn help_output(args: &[String]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_openedx-events"));
    command.args(args).env("COLUMNS", COLUMNS);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("EVENT_BUS_") {
            command.env_remove(name);
        }
    }
    let output = command.output().expect("run openedx-events");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.is_empty(),
        "`openedx-events {}` failed ({}): {stderr}",
        args.join(" "),
        output.status
    );
    String::from_utf8(output.stdout).expect("help is UTF-8")
}

/// The subcommands a help text lists under `Commands:`, without `help`.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| line.trim_end() != "Commands:")
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_help_block_of_the_cli_reference_is_what_the_command_prints() {
    let blocks = help_blocks(&page());
    assert!(!blocks.is_empty(), "{PAGE} has no `$ openedx-events … -h` blocks");
    let mismatches: Vec<String> = blocks
        .iter()
        .filter_map(|block| {
            let printed = normalize(&help_output(&block.args));
            let shown = normalize(&block.text);
            (printed != shown).then(|| {
                format!(
                    "{PAGE}:{}: `openedx-events {}` prints\n{printed}\n\nbut the page shows\n{shown}\n",
                    block.line,
                    block.args.join(" ")
                )
            })
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "the help on the page differs from the binary's; paste what it prints:\n\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn every_command_of_the_binary_has_its_help_in_the_cli_reference() {
    let blocks = help_blocks(&page());
    let mut commands: Vec<Vec<String>> = vec![Vec::new()];
    let mut missing = Vec::new();
    while let Some(command) = commands.pop() {
        if !blocks.iter().any(|block| block.command() == command.as_slice()) {
            missing.push(format!("openedx-events {}", command.join(" ")).trim_end().to_owned());
        }
        let mut args = command.clone();
        args.push("-h".to_owned());
        for name in subcommands(&help_output(&args)) {
            let mut sub = command.clone();
            sub.push(name);
            commands.push(sub);
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "{PAGE} shows no help block (`$ <command> -h` in a ```text block) for: {}",
        missing.join(", ")
    );
}

#[test]
fn help_blocks_are_found_with_their_commands_and_text() {
    let page = "\
```text
$ openedx-events --help
Usage: openedx-events <COMMAND>

$ openedx-events avro encode -h
Usage: openedx-events avro encode

$ openedx-events list
not help
```

```sh
$ openedx-events demo -h
```
";
    let blocks = help_blocks(page);
    let found: Vec<(usize, String, String)> = blocks
        .iter()
        .map(|block| (block.line, block.args.join(" "), normalize(&block.text)))
        .collect();
    assert_eq!(
        found,
        [
            (2, "--help".to_owned(), "Usage: openedx-events <COMMAND>".to_owned()),
            (
                5,
                "avro encode -h".to_owned(),
                "Usage: openedx-events avro encode".to_owned()
            ),
        ]
    );
    assert_eq!(blocks[1].command(), ["avro", "encode"]);
}
