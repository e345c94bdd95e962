//! Loading a graph from seed files: the hand-editable TOML format described in the README.
//!
//! A seed is a directory with `sources.toml` (required), `entities.toml`, `events.toml` and
//! `relations.toml`, plus the source texts they point to. The default seed is compiled into the
//! binary; any directory in the same format can replace it. Every problem stops the load with
//! the file, the record and the reason; the graph is built only from data that passed.
//! Big seeds use the JSON Lines bulk format instead ([`jsonl`]), with the same records.

mod build;
mod export;
mod from_graph;
pub mod jsonl;
mod records;

pub use build::{
    BuildError, Loader, Section, build, build_reporting_all, entity_input, event_input,
    participants, relation_input, source_input,
};
pub use export::{ExportError, export};
pub use from_graph::{
    entity_record, event_record, records as records_of, relation_record, source_record,
};
pub use records::*;

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::graph::Graph;

/// The default data, compiled in so the binary runs from any directory.
static DEFAULT_SEED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/seed");

/// Why a seed could not be loaded. Each variant names the file; record-level problems also
/// name the record.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{file}: cannot read: {reason}")]
    Read { file: String, reason: String },
    #[error("{file}: {reason}")]
    Syntax { file: String, reason: String },
    #[error("{file}: {record}: {problem}")]
    Invalid {
        file: String,
        record: String,
        problem: String,
    },
}

/// Where seed files come from.
#[derive(Debug, Clone)]
pub enum SeedSource {
    /// The default seed compiled into the binary.
    BuiltIn,
    /// A directory in the seed format.
    Dir(PathBuf),
    /// Seed files held in memory, by relative path (an export, or a test's variant of a seed).
    Files(BTreeMap<String, String>),
}

impl SeedSource {
    /// How the seed is named in logs and errors.
    pub fn describe(&self) -> String {
        match self {
            SeedSource::BuiltIn => "built-in seed".into(),
            SeedSource::Dir(p) => p.display().to_string(),
            SeedSource::Files(_) => "in-memory seed".into(),
        }
    }

    /// The built-in seed's files, by relative path: a starting point for variants.
    pub fn built_in_files() -> BTreeMap<String, String> {
        fn walk(dir: &Dir<'static>, out: &mut BTreeMap<String, String>) {
            for f in dir.files() {
                if let Some(text) = f.contents_utf8() {
                    out.insert(f.path().to_string_lossy().into_owned(), text.to_string());
                }
            }
            for d in dir.dirs() {
                walk(d, out);
            }
        }
        let mut out = BTreeMap::new();
        walk(&DEFAULT_SEED, &mut out);
        out
    }

    fn display(&self, rel: &str) -> String {
        match self {
            SeedSource::BuiltIn => format!("seed/{rel} (built in)"),
            SeedSource::Dir(p) => p.join(rel).display().to_string(),
            SeedSource::Files(_) => rel.to_string(),
        }
    }

    /// Reads a file of the seed; `Ok(None)` when it does not exist.
    fn read(&self, rel: &str) -> Result<Option<String>, SeedError> {
        let read_err = |reason: String| SeedError::Read {
            file: self.display(rel),
            reason,
        };
        // Seed paths are relative and stay inside the seed directory.
        let path = Path::new(rel);
        if rel.is_empty() || !path.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(read_err(
                "a path in a seed must be relative and stay inside the seed directory".into(),
            ));
        }
        match self {
            SeedSource::BuiltIn => match DEFAULT_SEED.get_file(path) {
                None => Ok(None),
                Some(f) => f
                    .contents_utf8()
                    .map(|s| Some(s.to_string()))
                    .ok_or_else(|| read_err("not UTF-8 text".into())),
            },
            SeedSource::Files(files) => Ok(files.get(rel).cloned()),
            SeedSource::Dir(dir) => match std::fs::read(dir.join(path)) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(read_err(e.to_string())),
                Ok(bytes) => String::from_utf8(bytes)
                    .map(Some)
                    .map_err(|_| read_err("not UTF-8 text".into())),
            },
        }
    }

    fn parse<T: serde::de::DeserializeOwned + Default>(
        &self,
        rel: &str,
        required: bool,
    ) -> Result<T, SeedError> {
        match self.read(rel)? {
            None if required => Err(SeedError::Read {
                file: self.display(rel),
                reason: "missing (a seed directory needs at least sources.toml)".into(),
            }),
            None => Ok(T::default()),
            Some(text) => toml::from_str(&text).map_err(|e| SeedError::Syntax {
                file: self.display(rel),
                reason: e.to_string().trim_end().replace('\n', "\n  "),
            }),
        }
    }
}

/// Loads and validates a seed.
/// Loads and validates a seed.
pub fn load(seed: &SeedSource) -> Result<Graph, SeedError> {
    if jsonl::is_bulk(seed)? {
        return jsonl::load(seed);
    }
    let records = read(seed)?;
    build(&records).map_err(|e| seed_error(seed, e))
}

/// Describes a build error in terms of the seed's files.
pub fn seed_error(seed: &SeedSource, e: BuildError) -> SeedError {
    // A bulk seed's records are named by line (found again only now, on the error path).
    if let Some(line) = e.index.and_then(|i| jsonl::line_of(seed, e.section, i))
        && jsonl::is_bulk(seed).unwrap_or(false)
    {
        return SeedError::Invalid {
            file: seed.display(jsonl::file(e.section)),
            record: format!("line {line} (`{}`)", e.id),
            problem: e.problem,
        };
    }
    match e.index {
        Some(i) => SeedError::Invalid {
            file: seed.display(e.section.file()),
            record: format!("{} #{} (`{}`)", e.section.record(), i + 1, e.id),
            problem: e.problem,
        },
        None => SeedError::Invalid {
            file: seed.describe(),
            record: "graph".into(),
            problem: e.problem,
        },
    }
}

/// Reads a source's `text_file` into its `text` (exactly one of them must be given); errors
/// name `file` and `record`.
fn fill_text(
    seed: &SeedSource,
    file: &str,
    record: String,
    s: &mut SourceRecord,
) -> Result<(), SeedError> {
    let invalid = |problem: String| SeedError::Invalid {
        file: seed.display(file),
        record: record.clone(),
        problem,
    };
    match (&s.text_file, &s.text) {
        (Some(path), None) => {
            let text = seed
                .read(path)?
                .ok_or_else(|| invalid(format!("text file `{path}` not found")))?;
            s.text = Some(text);
            Ok(())
        }
        (None, Some(_)) => Ok(()),
        _ => Err(invalid("give exactly one of `text_file` and `text`".into())),
    }
}

/// Every problem of a seed at once (what `newsgraph validate` reports), or the graph it
/// builds. Files that do not parse are all reported, and then nothing is built from them:
/// records cut off by a syntax error would only add problems that are not there.
pub fn validate(seed: &SeedSource) -> Result<Graph, Vec<SeedError>> {
    if jsonl::is_bulk(seed).map_err(|e| vec![e])? {
        // The bulk format streams its records into the builder: its first problem ends it.
        return jsonl::load(seed).map_err(|e| vec![e]);
    }
    let mut errors = Vec::new();
    let sources: Option<SourcesFile> = keep(&mut errors, seed.parse(Section::Sources.file(), true));
    let entities: Option<EntitiesFile> =
        keep(&mut errors, seed.parse(Section::Entities.file(), false));
    let events: Option<EventsFile> = keep(&mut errors, seed.parse(Section::Events.file(), false));
    let relations: Option<RelationsFile> =
        keep(&mut errors, seed.parse(Section::Relations.file(), false));
    let (Some(sources), Some(entities), Some(events), Some(relations)) =
        (sources, entities, events, relations)
    else {
        return Err(errors);
    };
    let mut sources = sources.source;
    for (i, s) in sources.iter_mut().enumerate() {
        let record = format!("source #{} (`{}`)", i + 1, s.id);
        if let Err(e) = fill_text(seed, Section::Sources.file(), record, s) {
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let records = RecordSet {
        sources,
        entities: entities.entity,
        events: events.event,
        relations: relations.relation,
    };
    build_reporting_all(&records)
        .map_err(|all| all.into_iter().map(|e| seed_error(seed, e)).collect())
}

/// The value, or `None` with its error kept.
fn keep<T>(errors: &mut Vec<SeedError>, r: Result<T, SeedError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// Reads a seed's files into a record set, with each source's text read from its file.
pub fn read(seed: &SeedSource) -> Result<RecordSet, SeedError> {
    if jsonl::is_bulk(seed)? {
        return jsonl::read_bulk(seed).map(|(records, _)| records);
    }
    let sources: SourcesFile = seed.parse(Section::Sources.file(), true)?;
    let entities: EntitiesFile = seed.parse(Section::Entities.file(), false)?;
    let events: EventsFile = seed.parse(Section::Events.file(), false)?;
    let relations: RelationsFile = seed.parse(Section::Relations.file(), false)?;
    let mut sources = sources.source;
    for (i, s) in sources.iter_mut().enumerate() {
        let record = format!("source #{} (`{}`)", i + 1, s.id);
        fill_text(seed, Section::Sources.file(), record, s)?;
    }
    Ok(RecordSet {
        sources,
        entities: entities.entity,
        events: events.event,
        relations: relations.relation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARTICLE: &str = "source/chaspravdy-2025-06-28-ottawa-withdrawal";

    /// Loads the built-in seed with `find` replaced by `replace` in `file` (the text must be
    /// there), and returns the error message.
    fn load_variant(file: &str, find: &str, replace: &str) -> String {
        let mut files = SeedSource::built_in_files();
        let text = files.get_mut(file).expect("seed file exists");
        assert!(text.contains(find), "{file} does not contain {find:?}");
        *text = text.replacen(find, replace, 1);
        match load(&SeedSource::Files(files)) {
            Ok(_) => panic!("the variant of {file} loaded without error"),
            Err(e) => e.to_string(),
        }
    }

    /// Checks that the error names the file, the record and the problem.
    fn check(file: &str, find: &str, replace: &str, expected: &[&str]) {
        let msg = load_variant(file, find, replace);
        assert!(msg.starts_with(file), "{msg:?} does not start with {file}");
        for part in expected {
            assert!(msg.contains(part), "{msg:?} does not contain {part:?}");
        }
    }

    #[test]
    fn the_built_in_seed_loads() {
        let g = load(&SeedSource::BuiltIn).unwrap();
        assert!(g.lookup("person/margus-tsahkna").is_some());
        assert!(g.node_count() >= 20, "{}", g.node_count());
    }

    #[test]
    fn a_quote_not_in_the_text_stops_the_load() {
        check(
            "relations.toml",
            "quote = \"Estonian President Alar Karis\"",
            "quote = \"Estonian President Alar Kariss\"",
            &[
                "relation #2 (`person/alar-karis:HOLDS_OFFICE:state/estonia`)",
                "Alar Kariss",
                "does not occur",
                ARTICLE,
            ],
        );
    }

    #[test]
    fn an_edge_to_a_missing_node_stops_the_load() {
        check(
            "relations.toml",
            "to = \"state/estonia\"\nrole = \"President\"",
            "to = \"state/estland\"\nrole = \"President\"",
            &["relation #2", "`state/estland` does not exist"],
        );
        check(
            "events.toml",
            "{ id = \"org/seimas\"",
            "{ id = \"org/sejm\"",
            &["event #1", "org/sejm"],
        );
    }

    #[test]
    fn a_duplicate_id_stops_the_load() {
        check(
            "entities.toml",
            "id = \"state/norway\"",
            "id = \"state/lithuania\"",
            &["entity #3 (`state/lithuania`)", "already used"],
        );
    }

    #[test]
    fn a_malformed_id_stops_the_load() {
        check(
            "entities.toml",
            "id = \"state/norway\"",
            "id = \"Norway\"",
            &["entity #3", "invalid id `Norway`"],
        );
    }

    #[test]
    fn a_bad_date_stops_the_load() {
        check(
            "events.toml",
            "date = \"2025-05-08\"",
            "date = \"2025-02-30\"",
            &["event #1", "invalid date `2025-02-30`"],
        );
        check(
            "events.toml",
            "date = \"2025-05-08\"",
            "date = \"8 May 2025\"",
            &["event #1", "8 May 2025"],
        );
        check(
            "sources.toml",
            "published = \"2025-06-28T12:08:00+03:00\"",
            "published = \"2025-06-28\"",
            &["source #1", "published"],
        );
    }

    #[test]
    fn an_unknown_field_stops_the_load() {
        let msg = load_variant(
            "entities.toml",
            "name = \"Norway\"",
            "name = \"Norway\"\ncapital = \"Oslo\"",
        );
        assert!(msg.starts_with("entities.toml"), "{msg}");
        assert!(msg.contains("capital"), "{msg}");
    }

    #[test]
    fn syntax_errors_name_the_file_and_line() {
        let msg = load_variant("events.toml", "[[event]]", "[[event]");
        assert!(
            msg.starts_with("events.toml") && msg.contains("line"),
            "{msg}"
        );
    }

    #[test]
    fn unknown_kinds_and_types_are_refused_with_the_choices() {
        check(
            "entities.toml",
            "kind = \"person\"",
            "kind = \"human\"",
            &["entity #6", "unknown kind `human`"],
        );
        check(
            "events.toml",
            "kind = \"decision\"",
            "kind = \"vote\"",
            &["event #1", "unknown event kind `vote`", "decision"],
        );
        check(
            "relations.toml",
            "type = \"SUPPORTS\"",
            "type = \"LIKES\"",
            &["unknown relation type `LIKES`", "PARTY_TO"],
        );
    }

    #[test]
    fn relation_ends_must_have_the_right_kinds() {
        check(
            "relations.toml",
            "from = \"state/norway\"\nto = \"treaty/ottawa-convention\"",
            "from = \"state/norway\"\nto = \"person/alar-karis\"",
            &["relation #8", "`person/alar-karis` is a person", "PARTY_TO"],
        );
    }

    #[test]
    fn every_event_and_relation_needs_evidence() {
        check(
            "relations.toml",
            "evidence = [\n  { source = \"source/chaspravdy-2025-06-28-ottawa-withdrawal\", quote = \"Russian aggression against Ukraine\" },\n]",
            "evidence = []",
            &["AGGRESSION_AGAINST", "at least one piece of evidence"],
        );
        check(
            "relations.toml",
            "{ source = \"source/chaspravdy-2025-06-28-ottawa-withdrawal\", quote = \"Russian aggression against Ukraine\" }",
            "{ source = \"state/russia\", quote = \"Russian aggression against Ukraine\" }",
            &["`state/russia` is a state", "source of evidence"],
        );
    }

    #[test]
    fn date_rules_are_checked() {
        // The error is reported where the rule is used.
        let mut files = SeedSource::built_in_files();
        let text = files.get_mut("entities.toml").expect("seed file exists");
        let (before, after) = text.split_once("notice_period_months = 6\n").unwrap();
        let (_, rest) = after.split_once("]\n").unwrap();
        *text = format!("{before}{rest}");
        let msg = load(&SeedSource::Files(files)).unwrap_err().to_string();
        assert!(
            msg.starts_with("events.toml: event #9 (`event/estonia-withdrawal-takes-effect`)")
                && msg.contains("has no notice period"),
            "{msg}"
        );
        check(
            "events.toml",
            "date = \"2025-05-08\"",
            "date = \"2025-05-08\"\ndate_rule = { after = \"event/2025-06-13-karis-approves-withdrawal\", notice_period_of = \"treaty/ottawa-convention\" }",
            &["event #1", "exactly one of `date` and `date_rule`"],
        );
        // A rule whose notification is the event itself can never be computed.
        check(
            "events.toml",
            "after = \"event/2025-06-27-estonia-notifies-un\"",
            "after = \"event/estonia-withdrawal-takes-effect\"",
            &["event #9", "depends", "on the event itself"],
        );
    }

    #[test]
    fn a_statement_without_a_basis_stops_the_load() {
        // A description whose quotes are taken away.
        check(
            "entities.toml",
            "description_evidence = [\n  { source = \"source/chaspravdy-2025-06-28-ottawa-withdrawal\", quote = \"Norway announced its decision to remain a party to the Ottawa Convention\" },\n]\n",
            "",
            &[
                "entities.toml: entity #3 (`state/norway`)",
                "the description of `state/norway` has no basis",
            ],
        );
        // A claim whose editorial mark is taken away.
        check(
            "entities.toml",
            "editorial = { by = \"newsgraph editors\", at = \"2026-12-01\", note = \"Background; the article does not date the Convention.\" }",
            "",
            &[
                "entity #14 (`treaty/ottawa-convention`)",
                "claim `adopted` has no basis",
            ],
        );
        // A claim with both.
        check(
            "entities.toml",
            "note = \"Background; the article does not date the Convention.\" }",
            "note = \"x\" }\nevidence = [{ source = \"source/chaspravdy-2025-06-28-ottawa-withdrawal\", quote = \"Ottawa Convention\" }]",
            &[
                "entity #14",
                "claim `adopted`: give `evidence` or `editorial`, not both",
            ],
        );
        // An editorial mark without a date.
        check(
            "sources.toml",
            "at = \"2026-12-01\"",
            "at = \"December\"",
            &[
                "source #1",
                "`description_editorial`: invalid `at` \"December\"",
            ],
        );
        // A participant's words that are not in the source.
        check(
            "events.toml",
            "quote = \"Estonian diplomacy\"",
            "quote = \"Estonian diplomats\"",
            &["event #3", "\"Estonian diplomats\" does not occur"],
        );
    }

    #[test]
    fn a_date_more_precise_than_its_basis_stops_the_load() {
        // Norway's month, without the inference that explains it: nothing in its evidence
        // dates it.
        let find = "date_inferred = { from = \"event/2025-06-28-chas-pravdy-reports\"";
        let msg = load_variant("events.toml", find, "date_unused = { from = \"x\"");
        assert!(msg.contains("unknown field `date_unused`"), "{msg}");
        let mut files = SeedSource::built_in_files();
        let text = files.get_mut("events.toml").unwrap();
        let line = text
            .lines()
            .find(|l| l.starts_with(find))
            .unwrap()
            .to_string();
        *text = text.replacen(&format!("{line}\n"), "", 1);
        let msg = load(&SeedSource::Files(files)).unwrap_err().to_string();
        assert!(
            msg.starts_with("events.toml: event #7 (`event/2025-06-norway-remains-party`)")
                && msg.contains("the date 2025-06 ")
                && msg.contains("no sentence of its evidence states it"),
            "{msg}"
        );
        // The minister's statement given a day, inferred from an event known to the month.
        check(
            "events.toml",
            "date = \"2025-06\"\ndate_inferred = { from = \"event/2025-06-27-estonia-notifies-un\", reasoning = \"The article reports the minister's",
            "date = \"2025-06-27\"\ndate_inferred = { from = \"event/2025-06-norway-remains-party\", reasoning = \"The article reports the minister's",
            &[
                "events.toml: event #5 (`event/2025-06-27-tsahkna-explains-withdrawal`)",
                "the date 2025-06-27",
                "known only to the month",
            ],
        );
        // A day from context alone.
        check(
            "events.toml",
            "date = \"2025-06\"\ndate_inferred = { from = \"event/2025-06-27-estonia-notifies-un\", reasoning = \"The article reports the minister's",
            "date = \"2025-06-26\"\ndate_inferred = { reasoning = \"The article reports the minister's",
            &["event #5", "at most a month"],
        );
        // A stated day that is not the one the words give.
        check(
            "events.toml",
            "date = \"2025-06-13\"",
            "date = \"2025-06-14\"",
            &[
                "event #2",
                "the date 2025-06-14",
                "no sentence of its evidence states it",
            ],
        );
        // A validity bound typed in as a date that the relation's evidence does not state.
        check(
            "relations.toml",
            "valid_until_event = \"event/estonia-withdrawal-takes-effect\"",
            "valid_from = \"2025-06-13\"\nvalid_until_event = \"event/estonia-withdrawal-takes-effect\"",
            &[
                "relation #6",
                "the day relation",
                "starts",
                "no sentence of its evidence states it",
            ],
        );
    }

    #[test]
    fn an_interval_that_ends_before_it_starts_is_refused() {
        check(
            "relations.toml",
            "valid_until_event = \"event/estonia-withdrawal-takes-effect\"",
            "valid_until_event = \"event/estonia-withdrawal-takes-effect\"\nvalid_from_event = \"event/lithuania-withdrawal-takes-effect\"",
            &[
                "relation #6 (`state/estonia:PARTY_TO:treaty/ottawa-convention`)",
                "ends (2025-12-27) before or when it starts (2025-12-27)",
            ],
        );
    }

    #[test]
    fn text_files_must_exist_and_stay_inside_the_seed() {
        check(
            "sources.toml",
            "text_file = \"sources/",
            "text_file = \"nowhere/",
            &["source #1", "not found"],
        );
        let msg = load_variant(
            "sources.toml",
            "text_file = \"sources/",
            "text_file = \"../sources/",
        );
        assert!(msg.contains("stay inside the seed directory"), "{msg}");
    }

    #[test]
    fn a_directory_without_sources_toml_is_not_a_seed() {
        let err = load(&SeedSource::Files(BTreeMap::new()))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("sources.toml") && err.contains("missing"),
            "{err}"
        );
    }
}
