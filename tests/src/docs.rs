//! The guide in `docs/` and the top-level README, compiled and run as doctests.
//!
//! Each page is the documentation of one empty module, so `cargo test -p events-tests --doc`
//! compiles every Rust block of it, runs the blocks that can run, and checks that the
//! `compile_fail` blocks do not compile.
//!
//! Doctests of this crate are merged into one binary, and every `#[open_edx_event]` registers
//! its event type in that binary's registry: examples therefore declare event types of their
//! own (`com.example.learning.<subject>.<action>.v1`) unless they use the standard catalog. The
//! unit tests below keep it that way, make sure every block says its language, and fail when a
//! page of `docs/` is missing from `pages!`.

/// Generates one module per page, documented by the page itself.
macro_rules! pages {
    ($($module:ident => $path:literal,)*) => {
        $(
            #[doc = include_str!($path)]
            mod $module {}
        )*

        /// The pages included above, relative to this file.
        #[cfg(test)]
        const PAGES: &[&str] = &[$($path),*];
    };
}

pages! {
    readme => "../../README.md",
    docs_readme => "../../docs/README.md",
    how_to_create_an_event => "../../docs/how-to/create-an-event.md",
    how_to_consume_an_event => "../../docs/how-to/consume-an-event.md",
    how_to_test_code_that_sends_events => "../../docs/how-to/test-code-that-sends-events.md",
    how_to_add_event_bus_support => "../../docs/how-to/add-event-bus-support.md",
    how_to_define_events_in_your_crate => "../../docs/how-to/define-events-in-your-crate.md",
    how_to_use_redis => "../../docs/how-to/use-redis.md",
    how_to_use_kafka => "../../docs/how-to/use-kafka.md",
    how_to_publish_events_on_commit => "../../docs/how-to/publish-events-on-commit.md",
    how_to_use_the_bus_from_async_code => "../../docs/how-to/use-the-bus-from-async-code.md",
    concepts_events => "../../docs/concepts/events.md",
    concepts_signals_and_receivers => "../../docs/concepts/signals-and-receivers.md",
    concepts_payloads => "../../docs/concepts/payloads.md",
    concepts_metadata => "../../docs/concepts/metadata.md",
    concepts_event_bus => "../../docs/concepts/event-bus.md",
    concepts_catalog => "../../docs/concepts/catalog.md",
    reference_macros => "../../docs/reference/macros.md",
    reference_naming_and_versioning => "../../docs/reference/naming-and-versioning.md",
    reference_wire_format => "../../docs/reference/wire-format.md",
    reference_cli => "../../docs/reference/cli.md",
    reference_catalog => "../../docs/reference/catalog.md",
    reference_subdomains => "../../docs/reference/subdomains.md",
    reference_glossary => "../../docs/reference/glossary.md",
    reference_performance => "../../docs/reference/performance.md",
    decisions_checks_at_compile_time => "../../docs/decisions/0001-checks-at-compile-time.md",
    decisions_link_time_registry => "../../docs/decisions/0002-link-time-registry.md",
    decisions_sorted_maps => "../../docs/decisions/0003-sorted-maps.md",
    decisions_datetimes_at_microsecond_precision => "../../docs/decisions/0004-datetimes-at-microsecond-precision.md",
    decisions_strict_avro_decoding => "../../docs/decisions/0005-strict-avro-decoding.md",
    decisions_thread_scoped_test_isolation => "../../docs/decisions/0006-thread-scoped-test-isolation.md",
    decisions_consumer_start_and_dead_letters => "../../docs/decisions/0007-consumer-start-and-dead-letters.md",
    decisions_own_redis_reply_reader => "../../docs/decisions/0008-own-redis-reply-reader.md",
    decisions_non_finite_doubles_as_strings_in_json => "../../docs/decisions/0009-non-finite-doubles-as-strings-in-json.md",
    decisions_background_publisher => "../../docs/decisions/0010-background-publisher.md",
    decisions_backend_neutral_bus => "../../docs/decisions/0011-backend-neutral-bus.md",
    decisions_kafka_on_librdkafka => "../../docs/decisions/0012-kafka-on-librdkafka.md",
    decisions_transactional_outbox => "../../docs/decisions/0013-transactional-outbox.md",
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use super::PAGES;

    fn workspace() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    fn markdown_files(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                markdown_files(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "md") {
                found.push(path);
            }
        }
    }

    /// Every page of the guide: `docs/**/*.md`, relative to the workspace.
    fn guide_pages() -> Vec<String> {
        let mut found = Vec::new();
        markdown_files(&workspace().join("docs"), &mut found);
        let mut pages: Vec<String> = found
            .iter()
            .map(|path| {
                let relative = path.strip_prefix(workspace()).unwrap();
                relative.to_string_lossy().replace('\\', "/")
            })
            .collect();
        pages.sort();
        pages
    }

    /// The fenced code blocks of a page: `(line, info string, body)`.
    fn code_blocks(text: &str) -> Vec<(usize, String, String)> {
        let mut blocks = Vec::new();
        let mut open: Option<(usize, String, String, String)> = None;
        for (index, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            match &mut open {
                None => {
                    if let Some(info) = trimmed.strip_prefix("```") {
                        let indent = line[..line.len() - trimmed.len()].to_owned();
                        open = Some((index + 1, info.trim().to_owned(), indent, String::new()));
                    }
                }
                Some((start, info, indent, body)) => {
                    if trimmed.starts_with("```") {
                        blocks.push((*start, info.clone(), std::mem::take(body)));
                        open = None;
                    } else {
                        body.push_str(line.strip_prefix(indent.as_str()).unwrap_or(line));
                        body.push('\n');
                    }
                }
            }
        }
        blocks
    }

    /// Whether rustdoc treats a block with this info string as Rust.
    fn is_rust(info: &str) -> bool {
        const RUSTDOC_ATTRIBUTES: &[&str] = &[
            "rust",
            "ignore",
            "no_run",
            "should_panic",
            "compile_fail",
            "standalone_crate",
            "test_harness",
        ];
        let first = info.split([',', ' ']).next().unwrap_or_default();
        RUSTDOC_ATTRIBUTES.contains(&first) || first.starts_with("edition")
    }

    #[test]
    fn every_page_of_the_guide_is_compiled() {
        for page in guide_pages() {
            let included = PAGES.iter().any(|path| path.trim_start_matches("../../") == page);
            assert!(included, "{page} is not included in tests/src/docs.rs");
        }
    }

    #[test]
    fn every_code_block_says_its_language() {
        for page in PAGES {
            let text = std::fs::read_to_string(workspace().join(page.trim_start_matches("../../"))).unwrap();
            for (line, info, _) in code_blocks(&text) {
                assert!(
                    !info.is_empty(),
                    "{page}:{line}: a code block without a language is compiled as Rust; tag it (`sh`, `text`, `json`, `toml`, `rust`)"
                );
            }
        }
    }

    #[test]
    fn merged_examples_declare_each_event_type_once() {
        let mut declared: BTreeMap<String, String> = BTreeMap::new();
        for page in PAGES {
            let text = std::fs::read_to_string(workspace().join(page.trim_start_matches("../../"))).unwrap();
            for (line, info, body) in code_blocks(&text) {
                let separate = ["compile_fail", "ignore", "standalone_crate"]
                    .iter()
                    .any(|attribute| info.split(',').any(|part| part.trim() == *attribute));
                if !is_rust(&info) || separate {
                    continue;
                }
                for declaration in body.split("type = \"").skip(1) {
                    let event_type = declaration.split('"').next().unwrap_or_default().to_owned();
                    let here = format!("{page}:{line}");
                    if let Some(first) = declared.insert(event_type.clone(), here.clone()) {
                        panic!(
                            "{event_type} is declared by the examples at {first} and {here}; doctests share one \
                             registry, so give each example its own event type"
                        );
                    }
                }
            }
        }
    }
}
