//! Subjects, versions and global schema ids, kept in memory.
//!
//! The rules are the Confluent Schema Registry's, less compatibility checking:
//!
//! - a schema gets one global id the first time any subject registers it; ids start at 1;
//! - registering it in another subject reuses that id;
//! - each subject is a list of versions (1, 2, …), each pointing at a schema id, and
//!   registering a schema the subject already has returns the existing version.
//!
//! Two schema texts are the same schema when they parse to equal JSON values, so whitespace
//! and the order of object keys do not matter. Confluent goes further (it canonicalises Avro,
//! e.g. a bare `"string"` equals `{"type": "string"}`); the clients under test always send the
//! same text for the same schema, so JSON equality is as strict as the tests need.

use std::collections::BTreeMap;

use serde_json::Value;

/// A schema known to the registry under a global id.
#[derive(Debug)]
struct StoredSchema {
    /// The text as it was first registered: what `GET /schemas/ids/{id}` returns.
    text: String,
    /// The parsed text, compared to find an already registered schema.
    value: Value,
}

/// One version of a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubjectVersion {
    /// The subject's name.
    pub(crate) subject: String,
    /// The version within the subject, from 1.
    pub(crate) version: u32,
    /// The global schema id.
    pub(crate) id: u32,
    /// The schema's text as first registered (under any subject).
    pub(crate) schema: String,
}

/// Why the store could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StoreError {
    /// The schema text is not JSON, so it cannot be a schema; the parser's message.
    InvalidSchema(String),
    /// No subject of that name has been registered.
    SubjectNotFound,
    /// The subject exists but has no such version.
    VersionNotFound,
    /// The subject exists but does not hold that schema.
    SchemaNotFound,
}

/// Which version of a subject to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VersionSelector {
    /// The highest version.
    Latest,
    /// A version number, from 1.
    Number(u32),
}

/// All the registry's state.
#[derive(Debug, Default)]
pub(crate) struct Store {
    /// Schemas by id: the schema with id `n` is at index `n - 1`.
    schemas: Vec<StoredSchema>,
    /// Subjects by name (sorted, as `GET /subjects` lists them), each a list of schema ids:
    /// version `v` is at index `v - 1`.
    subjects: BTreeMap<String, Vec<u32>>,
}

impl Store {
    /// Registers `text` under `subject`: the existing version if the subject already holds
    /// that schema, else a new version (and a new global id if no subject has the schema).
    pub(crate) fn register(&mut self, subject: &str, text: &str) -> Result<SubjectVersion, StoreError> {
        let value = parse(text)?;
        let id = match self.id_of(&value) {
            Some(id) => id,
            None => {
                self.schemas.push(StoredSchema {
                    text: text.to_owned(),
                    value,
                });
                to_u32(self.schemas.len())
            }
        };
        let versions = self.subjects.entry(subject.to_owned()).or_default();
        let version = match versions.iter().position(|&existing| existing == id) {
            Some(index) => to_u32(index + 1),
            None => {
                versions.push(id);
                to_u32(versions.len())
            }
        };
        Ok(self.subject_version(subject, version, id))
    }

    /// Finds the version of `subject` that holds the schema `text`.
    pub(crate) fn lookup(&self, subject: &str, text: &str) -> Result<SubjectVersion, StoreError> {
        let value = parse(text)?;
        let versions = self.subjects.get(subject).ok_or(StoreError::SubjectNotFound)?;
        let id = self.id_of(&value).ok_or(StoreError::SchemaNotFound)?;
        let index = versions
            .iter()
            .position(|&existing| existing == id)
            .ok_or(StoreError::SchemaNotFound)?;
        Ok(self.subject_version(subject, to_u32(index + 1), id))
    }

    /// The text of the schema with global id `id`, as first registered.
    pub(crate) fn schema_text(&self, id: u32) -> Option<&str> {
        let index = usize::try_from(id).ok()?.checked_sub(1)?;
        self.schemas.get(index).map(|schema| schema.text.as_str())
    }

    /// Every (subject, version) that holds the schema with global id `id`, by subject name.
    pub(crate) fn versions_of_id(&self, id: u32) -> Vec<(String, u32)> {
        self.subjects
            .iter()
            .flat_map(|(subject, versions)| {
                versions
                    .iter()
                    .enumerate()
                    .filter(move |&(_, &existing)| existing == id)
                    .map(move |(index, _)| (subject.clone(), to_u32(index + 1)))
            })
            .collect()
    }

    /// The names of all subjects, sorted.
    pub(crate) fn subjects(&self) -> Vec<String> {
        self.subjects.keys().cloned().collect()
    }

    /// The version numbers of `subject`, `None` if it does not exist.
    pub(crate) fn versions(&self, subject: &str) -> Option<Vec<u32>> {
        let versions = self.subjects.get(subject)?;
        Some((1..=to_u32(versions.len())).collect())
    }

    /// One version of `subject`.
    pub(crate) fn version(&self, subject: &str, selector: VersionSelector) -> Result<SubjectVersion, StoreError> {
        let versions = self.subjects.get(subject).ok_or(StoreError::SubjectNotFound)?;
        let version = match selector {
            VersionSelector::Latest => to_u32(versions.len()),
            VersionSelector::Number(number) => number,
        };
        let index = usize::try_from(version).ok().and_then(|v| v.checked_sub(1));
        let id = index
            .and_then(|index| versions.get(index))
            .ok_or(StoreError::VersionNotFound)?;
        Ok(self.subject_version(subject, version, *id))
    }

    /// The global id of an already registered schema equal to `value`.
    fn id_of(&self, value: &Value) -> Option<u32> {
        // A linear scan: a test registers a handful of schemas, and `Value` has no `Hash`.
        let index = self.schemas.iter().position(|schema| schema.value == *value)?;
        Some(to_u32(index + 1))
    }

    fn subject_version(&self, subject: &str, version: u32, id: u32) -> SubjectVersion {
        SubjectVersion {
            subject: subject.to_owned(),
            version,
            id,
            schema: self.schema_text(id).unwrap_or_default().to_owned(),
        }
    }
}

/// Parses a schema text as JSON, the only validation the stub does.
fn parse(text: &str) -> Result<Value, StoreError> {
    serde_json::from_str(text).map_err(|error| StoreError::InvalidSchema(error.to_string()))
}

/// Counts and positions fit in `u32`: an in-memory test registry never holds 4 billion schemas.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).expect("fewer than 2^32 schemas and versions")
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = r#"{"type": "record", "name": "A", "fields": []}"#;
    const A_REFORMATTED: &str = r#"{ "fields":[],"name":"A" ,"type":"record" }"#;
    const B: &str = r#"{"type": "record", "name": "B", "fields": []}"#;

    #[test]
    fn equal_json_is_the_same_schema_whatever_the_formatting() {
        let mut store = Store::default();
        let first = store.register("s1", A).unwrap();
        let second = store.register("s2", A_REFORMATTED).unwrap();
        assert_eq!((first.id, first.version), (1, 1));
        assert_eq!((second.id, second.version), (1, 1));
        // The text served by id is the one registered first.
        assert_eq!(store.schema_text(1), Some(A));
        assert_eq!(second.schema, A);
    }

    #[test]
    fn registering_again_in_a_subject_returns_the_existing_version() {
        let mut store = Store::default();
        store.register("s", A).unwrap();
        store.register("s", B).unwrap();
        let again = store.register("s", A_REFORMATTED).unwrap();
        assert_eq!((again.id, again.version), (1, 1));
        assert_eq!(store.versions("s"), Some(vec![1, 2]));
    }

    #[test]
    fn versions_of_an_id_span_subjects() {
        let mut store = Store::default();
        store.register("b", B).unwrap();
        store.register("b", A).unwrap();
        store.register("a", A).unwrap();
        assert_eq!(store.versions_of_id(2), vec![("a".to_owned(), 1), ("b".to_owned(), 2)]);
        assert_eq!(store.subjects(), vec!["a".to_owned(), "b".to_owned()]);
    }

    #[test]
    fn lookups_tell_a_missing_subject_from_a_missing_schema() {
        let mut store = Store::default();
        store.register("s", A).unwrap();
        assert_eq!(store.lookup("t", A), Err(StoreError::SubjectNotFound));
        assert_eq!(store.lookup("s", B), Err(StoreError::SchemaNotFound));
        assert_eq!(store.lookup("s", A_REFORMATTED).unwrap().id, 1);
        assert_eq!(
            store.version("s", VersionSelector::Number(2)),
            Err(StoreError::VersionNotFound)
        );
        assert_eq!(
            store.version("s", VersionSelector::Number(0)),
            Err(StoreError::VersionNotFound)
        );
        assert_eq!(store.schema_text(0), None);
    }

    #[test]
    fn a_text_that_is_not_json_is_not_registered() {
        let mut store = Store::default();
        assert!(matches!(
            store.register("s", "{not json"),
            Err(StoreError::InvalidSchema(_))
        ));
        assert_eq!(store.subjects(), Vec::<String>::new());
    }
}
