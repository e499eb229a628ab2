//! The opaque-key parsers agree with the Python packages on every text of the corpus that
//! `tests/interop/keys_corpus.py` generated from `edx-opaque-keys` 4.0.0 and `edx-ccx-keys`
//! 2.0.2: a text is accepted exactly when Python's `from_string` accepts it, and renders as
//! Python's `str(key)`.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::str::FromStr;

use events_core::CustomType;
use events_core::keys::{
    CcxLocator, CourseKey, InvalidKeyError, LibraryCollectionLocator, LibraryContainerLocator, LibraryLocatorV2,
    LibraryUsageLocatorV2, UsageKey,
};
use serde::Deserialize;

const CORPUS: &str = include_str!("fixtures/keys_corpus.json");

/// The Unicode version of Python's `\w` and `\d` tables compiled into the parsers.
const TABLES_UNICODE_VERSION: &str = "14.0.0";

#[derive(Deserialize)]
struct Corpus {
    generator: Generator,
    counts: BTreeMap<String, Counts>,
    entries: Vec<(String, String, Option<String>)>,
}

#[derive(Deserialize)]
struct Generator {
    unicode: String,
    #[serde(rename = "edx-opaque-keys")]
    opaque_keys: String,
    #[serde(rename = "edx-ccx-keys")]
    ccx_keys: String,
}

#[derive(Deserialize)]
struct Counts {
    valid: usize,
    invalid: usize,
}

fn corpus() -> Corpus {
    serde_json::from_str(CORPUS).expect("the corpus fixture is valid JSON of the expected shape")
}

/// What our parser makes of `text`: the canonical text, or `None` if refused. Also checks,
/// for every text, what must hold whatever Python says.
fn outcome<K>(text: &str) -> Result<Option<String>, String>
where
    K: FromStr<Err = InvalidKeyError> + CustomType + Display,
{
    match text.parse::<K>() {
        Ok(key) => {
            let canonical = key.to_string();
            if key.to_text() != canonical.as_str() {
                return Err(format!(
                    "to_text() {:?} differs from Display {canonical:?}",
                    key.to_text()
                ));
            }
            match canonical.parse::<K>() {
                Ok(again) if again == key && again.to_string() == canonical => {}
                _ => return Err(format!("canonical text {canonical:?} does not parse back to itself")),
            }
            if K::from_text(text).ok().as_ref() != Some(&key) {
                return Err("from_text disagrees with FromStr".to_owned());
            }
            Ok(Some(canonical))
        }
        Err(error) => {
            if error.key_type() != K::TYPE_NAME {
                return Err(format!("error names {} instead of {}", error.key_type(), K::TYPE_NAME));
            }
            if error.quoted_text().chars().count() > 64 {
                return Err("error quotes more than 64 characters".to_owned());
            }
            if K::from_text(text).is_ok() {
                return Err("from_text accepts what FromStr refuses".to_owned());
            }
            Ok(None)
        }
    }
}

fn outcome_for(key_type: &str, text: &str) -> Result<Option<String>, String> {
    match key_type {
        "CourseKey" => outcome::<CourseKey>(text),
        "UsageKey" => outcome::<UsageKey>(text),
        "CCXLocator" => outcome::<CcxLocator>(text),
        "LibraryLocatorV2" => outcome::<LibraryLocatorV2>(text),
        "LibraryUsageLocatorV2" => outcome::<LibraryUsageLocatorV2>(text),
        "LibraryContainerLocator" => outcome::<LibraryContainerLocator>(text),
        "LibraryCollectionLocator" => outcome::<LibraryCollectionLocator>(text),
        other => Err(format!("unknown key type {other:?} in the corpus")),
    }
}

/// A readable, bounded rendering of a corpus text for failure messages.
fn shown(text: &str) -> String {
    let mut shown: String = format!("{text:?}").chars().take(160).collect();
    if shown.len() < format!("{text:?}").len() {
        shown.push('…');
    }
    shown
}

#[test]
fn every_corpus_text_is_accepted_and_rendered_as_python_does() {
    let corpus = corpus();
    let mut failures = Vec::new();
    for (key_type, text, expected) in &corpus.entries {
        match outcome_for(key_type, text) {
            Ok(actual) if actual == *expected => {}
            Ok(actual) => failures.push(format!(
                "{key_type} {}: Python gives {}, we give {}",
                shown(text),
                expected.as_deref().map_or("refusal".to_owned(), shown),
                actual.as_deref().map_or("refusal".to_owned(), shown),
            )),
            Err(problem) => failures.push(format!("{key_type} {}: {problem}", shown(text))),
        }
    }
    let unicode_note = if corpus.generator.unicode == TABLES_UNICODE_VERSION {
        String::new()
    } else {
        format!(
            "\nnote: the corpus was generated with Unicode {}, the parsers' tables are Unicode {TABLES_UNICODE_VERSION}",
            corpus.generator.unicode
        )
    };
    assert!(
        failures.is_empty(),
        "{} of {} corpus entries disagree with Python:\n{}{}{unicode_note}",
        failures.len(),
        corpus.entries.len(),
        failures.iter().take(60).cloned().collect::<Vec<_>>().join("\n"),
        if failures.len() > 60 { "\n…" } else { "" },
    );
}

#[test]
fn the_corpus_comes_from_the_reference_packages_and_unicode_version() {
    let corpus = corpus();
    assert_eq!(corpus.generator.opaque_keys, "4.0.0");
    assert_eq!(corpus.generator.ccx_keys, "2.0.2");
    assert_eq!(
        corpus.generator.unicode, TABLES_UNICODE_VERSION,
        "generate the corpus and src/keys/unicode_tables.rs with the same Python (3.11 for Unicode 14.0.0)"
    );
}

#[test]
fn the_corpus_covers_every_key_type_with_valid_and_invalid_texts() {
    let corpus = corpus();
    let mut counted: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (key_type, _, expected) in &corpus.entries {
        let counts = counted.entry(key_type.as_str()).or_default();
        if expected.is_some() {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
    }
    for key_type in [
        "CourseKey",
        "UsageKey",
        "CCXLocator",
        "LibraryLocatorV2",
        "LibraryUsageLocatorV2",
        "LibraryContainerLocator",
        "LibraryCollectionLocator",
    ] {
        let (valid, invalid) = counted.get(key_type).copied().unwrap_or_default();
        assert!(
            valid >= 300 && invalid >= 1000,
            "{key_type}: {valid} valid, {invalid} invalid"
        );
        let header = &corpus.counts[key_type];
        assert_eq!(
            (header.valid, header.invalid),
            (valid, invalid),
            "{key_type}: header counts"
        );
    }
}
