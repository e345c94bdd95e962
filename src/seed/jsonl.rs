//! The bulk seed format: JSON Lines, for graphs too big for TOML to parse quickly.
//!
//! A bulk seed directory has `sources.jsonl` (required) and optionally `entities.jsonl`,
//! `events.jsonl` and `relations.jsonl`: one JSON object per line with exactly the fields of
//! the TOML records (the same serde structs, unknown fields refused); blank lines are skipped.
//! A source's text is inline (`text`) or in a file (`text_file`, relative to the seed
//! directory, checked as in TOML seeds). Files are read line by line, never whole, and every
//! problem names the file and the line: `relations.jsonl: line 17: unknown field ...`.
//! A seed is in one format: `sources.toml` beside `sources.jsonl` is an error.

use std::io::{BufRead, BufReader, Cursor};

use serde::de::DeserializeOwned;

use super::build::{BuildError, Loader};
use super::{
    EntityRecord, EventRecord, RecordSet, RelationRecord, Section, SeedError, SeedSource,
    SourceRecord,
};
use crate::graph::Graph;

/// The bulk file of each section.
pub fn file(section: Section) -> &'static str {
    match section {
        Section::Sources => "sources.jsonl",
        Section::Entities => "entities.jsonl",
        Section::Events => "events.jsonl",
        Section::Relations => "relations.jsonl",
    }
}

const SECTIONS: [Section; 4] = [
    Section::Sources,
    Section::Entities,
    Section::Events,
    Section::Relations,
];

/// The (one-based) line of each record of a bulk seed, by section, in record order: what lets
/// a validation error say `relations.jsonl: line N (`id`): problem`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineNumbers {
    pub sources: Vec<u32>,
    pub entities: Vec<u32>,
    pub events: Vec<u32>,
    pub relations: Vec<u32>,
}

impl LineNumbers {
    /// The line of record `index` of `section`.
    pub fn line(&self, section: Section, index: usize) -> Option<u32> {
        let lines = match section {
            Section::Sources => &self.sources,
            Section::Entities => &self.entities,
            Section::Events => &self.events,
            Section::Relations => &self.relations,
        };
        lines.get(index).copied()
    }
}

impl SeedSource {
    /// Whether a seed file exists (without reading it).
    fn has(&self, rel: &str) -> bool {
        match self {
            SeedSource::BuiltIn => super::DEFAULT_SEED.get_file(rel).is_some(),
            SeedSource::Dir(dir) => dir.join(rel).is_file(),
            SeedSource::Files(files) => files.contains_key(rel),
        }
    }

    /// A reader over a seed file; `Ok(None)` when it does not exist.
    fn open(&self, rel: &str) -> Result<Option<Box<dyn BufRead + '_>>, SeedError> {
        Ok(match self {
            SeedSource::BuiltIn => super::DEFAULT_SEED
                .get_file(rel)
                .map(|f| Box::new(Cursor::new(f.contents())) as Box<dyn BufRead>),
            SeedSource::Files(files) => files
                .get(rel)
                .map(|s| Box::new(Cursor::new(s.as_bytes())) as Box<dyn BufRead>),
            SeedSource::Dir(dir) => match std::fs::File::open(dir.join(rel)) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => {
                    return Err(SeedError::Read {
                        file: self.display(rel),
                        reason: e.to_string(),
                    });
                }
                Ok(f) => Some(Box::new(BufReader::with_capacity(1 << 16, f))),
            },
        })
    }
}

/// Whether `seed` is in the bulk format (it has `sources.jsonl`). A seed mixing the formats
/// (`entities.toml` beside `sources.jsonl`, say) is refused, naming both files.
pub fn is_bulk(seed: &SeedSource) -> Result<bool, SeedError> {
    let jsonl: Vec<Section> = SECTIONS
        .into_iter()
        .filter(|s| seed.has(file(*s)))
        .collect();
    if jsonl.is_empty() {
        return Ok(false);
    }
    for section in SECTIONS {
        let toml = section.file();
        if seed.has(toml) {
            let other = if jsonl.contains(&section) {
                file(section)
            } else {
                file(jsonl[0])
            };
            return Err(SeedError::Read {
                file: seed.display(toml),
                reason: format!(
                    "both {toml} and {other} exist: a seed is either TOML or JSON Lines, not both"
                ),
            });
        }
    }
    Ok(true)
}

/// Reads a bulk seed into a record set, with each source's text filled in, and the line of
/// each record.
pub fn read_bulk(seed: &SeedSource) -> Result<(RecordSet, LineNumbers), SeedError> {
    let mut lines = LineNumbers::default();
    let mut sources: Vec<SourceRecord> = parse(seed, Section::Sources, true, &mut lines.sources)?;
    let entities = parse(seed, Section::Entities, false, &mut lines.entities)?;
    let events = parse(seed, Section::Events, false, &mut lines.events)?;
    let relations = parse(seed, Section::Relations, false, &mut lines.relations)?;
    for (s, line) in sources.iter_mut().zip(&lines.sources) {
        resolve_text(seed, *line, s)?;
    }
    let records = RecordSet {
        sources,
        entities,
        events,
        relations,
    };
    Ok((records, lines))
}

/// Why a streamed load stopped: a file could not be read or parsed, or a record is invalid.
enum LoadError {
    Seed(SeedError),
    Build(BuildError),
}

impl From<SeedError> for LoadError {
    fn from(e: SeedError) -> Self {
        LoadError::Seed(e)
    }
}

impl From<BuildError> for LoadError {
    fn from(e: BuildError) -> Self {
        LoadError::Build(e)
    }
}

/// Loads a bulk seed straight into the graph, streaming each file once per loading phase
/// (sources and events are read twice: as nodes, then for their edges), so the records never
/// all sit in memory at once beside the graph.
pub fn load(seed: &SeedSource) -> Result<Graph, SeedError> {
    let mut loader = Loader::new();
    let streamed = (|| -> Result<(), LoadError> {
        let t = std::time::Instant::now();
        let phase = |name: &str| {
            tracing::debug!(
                phase = name,
                ms = t.elapsed().as_millis() as u64,
                "bulk load"
            )
        };
        each(
            seed,
            Section::Sources,
            true,
            |i, line, mut s: SourceRecord| {
                resolve_text(seed, line, &mut s)?;
                Ok(loader.source(i, &s)?)
            },
        )?;
        phase("sources");
        each(seed, Section::Entities, false, |i, _, e: EntityRecord| {
            Ok(loader.entity(i, &e)?)
        })?;
        phase("entities");
        each(seed, Section::Events, false, |i, _, e: EventRecord| {
            Ok(loader.event(i, &e)?)
        })?;
        phase("events");
        each(seed, Section::Sources, true, |i, _, s: SourceRecord| {
            Ok(loader.publisher(i, &s)?)
        })?;
        phase("publishers");
        each(seed, Section::Events, false, |i, _, e: EventRecord| {
            Ok(loader.participants(i, &e)?)
        })?;
        phase("participants");
        each(
            seed,
            Section::Relations,
            false,
            |i, _, r: RelationRecord| Ok(loader.relation(i, &r)?),
        )?;
        phase("relations");
        Ok(())
    })();
    match streamed {
        Ok(()) => {}
        Err(LoadError::Seed(e)) => return Err(e),
        Err(LoadError::Build(e)) => return Err(super::seed_error(seed, e)),
    }
    loader
        .finish(|id| locate(seed, id))
        .map_err(|e| super::seed_error(seed, e))
}

/// The record an event or relation id names, by reading the files again (error path only).
fn locate(seed: &SeedSource, id: &str) -> Option<(Section, usize)> {
    let mut found = None;
    let _ = each(seed, Section::Events, false, |i, _, e: EventRecord| {
        if found.is_none() && e.id == id {
            found = Some((Section::Events, i));
        }
        Ok(())
    });
    if found.is_none() {
        let _ = each(
            seed,
            Section::Relations,
            false,
            |i, _, r: RelationRecord| {
                if found.is_none() && r.effective_id() == id {
                    found = Some((Section::Relations, i));
                }
                Ok(())
            },
        );
    }
    found
}

fn resolve_text(seed: &SeedSource, line: u32, s: &mut SourceRecord) -> Result<(), SeedError> {
    let record = format!("line {line} (`{}`)", s.id);
    super::fill_text(seed, file(Section::Sources), record, s)
}

/// Visits the records of one section's file in order: `f(index, line, record)`.
fn each<T: DeserializeOwned>(
    seed: &SeedSource,
    section: Section,
    required: bool,
    mut f: impl FnMut(usize, u32, T) -> Result<(), LoadError>,
) -> Result<(), LoadError> {
    let rel = file(section);
    let Some(mut reader) = seed.open(rel)? else {
        if required {
            return Err(SeedError::Read {
                file: seed.display(rel),
                reason: "missing (a bulk seed directory needs at least sources.jsonl)".into(),
            }
            .into());
        }
        return Ok(());
    };
    let mut buf = String::new();
    let mut n: u32 = 0;
    let mut index = 0;
    loop {
        buf.clear();
        n += 1;
        let read = reader.read_line(&mut buf).map_err(|e| SeedError::Read {
            file: seed.display(rel),
            reason: format!("line {n}: {e}"),
        })?;
        if read == 0 {
            return Ok(());
        }
        if buf.trim().is_empty() {
            continue;
        }
        let record = serde_json::from_str(&buf).map_err(|e| SeedError::Syntax {
            file: seed.display(rel),
            reason: format!("line {n}: {}", json_reason(&e)),
        })?;
        f(index, n, record)?;
        index += 1;
    }
}

/// The records of one section's file, one per non-blank line; their line numbers go to `at`.
fn parse<T: DeserializeOwned>(
    seed: &SeedSource,
    section: Section,
    required: bool,
    at: &mut Vec<u32>,
) -> Result<Vec<T>, SeedError> {
    let rel = file(section);
    let Some(mut reader) = seed.open(rel)? else {
        if required {
            return Err(SeedError::Read {
                file: seed.display(rel),
                reason: "missing (a bulk seed directory needs at least sources.jsonl)".into(),
            });
        }
        return Ok(vec![]);
    };
    let mut out = vec![];
    let mut buf = String::new();
    let mut n: u32 = 0;
    loop {
        buf.clear();
        n += 1;
        let read = reader.read_line(&mut buf).map_err(|e| SeedError::Read {
            file: seed.display(rel),
            reason: format!("line {n}: {e}"),
        })?;
        if read == 0 {
            break;
        }
        if buf.trim().is_empty() {
            continue;
        }
        let record = serde_json::from_str(&buf).map_err(|e| SeedError::Syntax {
            file: seed.display(rel),
            reason: format!("line {n}: {}", json_reason(&e)),
        })?;
        out.push(record);
        at.push(n);
    }
    Ok(out)
}

/// serde_json's message without its ` at line 1 column C` (the line is always 1 here), the
/// column kept when it helps.
fn json_reason(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match msg.strip_suffix(&suffix) {
        Some(m) if e.is_syntax() || e.is_eof() => format!("{m} (column {})", e.column()),
        Some(m) => m.to_string(),
        None => msg,
    }
}

/// The line of record `index` of `section` in a bulk seed, found by counting its file's
/// non-blank lines (for errors only: no parsing).
pub fn line_of(seed: &SeedSource, section: Section, index: usize) -> Option<u32> {
    let mut reader = seed.open(file(section)).ok()??;
    let mut buf = Vec::new();
    let mut seen = 0;
    let mut n: u32 = 0;
    loop {
        buf.clear();
        n += 1;
        if reader.read_until(b'\n', &mut buf).ok()? == 0 {
            return None;
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if seen == index {
            return Some(n);
        }
        seen += 1;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::seed::{SeedSource, read};

    /// The built-in seed as a bulk seed: each TOML record as a JSON line, and the text files.
    fn built_in_as_jsonl() -> (RecordSet, BTreeMap<String, String>) {
        let records = read(&SeedSource::BuiltIn).unwrap();
        let mut files = BTreeMap::new();
        fn lines<T: serde::Serialize>(items: &[T]) -> String {
            // A blank line at the start and in the middle, which are skipped.
            let mut out = String::from("\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&serde_json::to_string(item).unwrap());
                out.push('\n');
                if i == 0 {
                    out.push_str("   \n");
                }
            }
            out
        }
        // Texts stay in their files, as in the TOML seed.
        let mut sources = records.sources.clone();
        for s in &mut sources {
            let path = s
                .text_file
                .clone()
                .expect("the built-in seed uses text files");
            files.insert(path, s.text.take().unwrap());
        }
        files.insert("sources.jsonl".into(), lines(&sources));
        files.insert("entities.jsonl".into(), lines(&records.entities));
        files.insert("events.jsonl".into(), lines(&records.events));
        files.insert("relations.jsonl".into(), lines(&records.relations));
        (records, files)
    }

    /// Why loading (reading and building) the seed fails.
    fn load_error(files: BTreeMap<String, String>) -> String {
        match crate::seed::load(&SeedSource::Files(files)) {
            Ok(_) => panic!("the seed loaded"),
            Err(e) => e.to_string(),
        }
    }

    fn error(files: BTreeMap<String, String>) -> String {
        match read(&SeedSource::Files(files)) {
            Ok(_) => panic!("the seed loaded"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_bulk_seed_reads_the_same_records_as_the_toml_seed() {
        let (records, files) = built_in_as_jsonl();
        let bulk = SeedSource::Files(files);
        assert!(is_bulk(&bulk).unwrap());
        assert!(!is_bulk(&SeedSource::BuiltIn).unwrap());
        assert_eq!(read(&bulk).unwrap(), records);
        let (again, lines) = read_bulk(&bulk).unwrap();
        assert_eq!(again, records);
        // Line 1 is blank, then the first record, then a blank line.
        assert_eq!(lines.relations[..3], [2, 4, 5]);
        assert_eq!(lines.line(Section::Relations, 1), Some(4));
        assert_eq!(line_of(&bulk, Section::Relations, 1), Some(4));
        assert_eq!(lines.sources.len(), records.sources.len());
        crate::seed::load(&bulk).expect("the bulk seed builds");
    }

    #[test]
    fn an_inline_text_needs_no_file() {
        let (records, mut files) = built_in_as_jsonl();
        let mut source = records.sources[0].clone();
        source.text_file = None;
        files.retain(|rel, _| !rel.ends_with(".txt"));
        files.insert(
            "sources.jsonl".into(),
            serde_json::to_string(&source).unwrap(),
        );
        let read_back = read(&SeedSource::Files(files)).unwrap();
        assert_eq!(read_back.sources[0].text, records.sources[0].text);
    }

    #[test]
    fn a_syntax_error_names_the_file_and_line() {
        let (_, mut files) = built_in_as_jsonl();
        let rel = files.get_mut("relations.jsonl").unwrap();
        *rel = rel.replacen("\"from\":", "\"from\" ", 1);
        let msg = error(files);
        assert!(msg.starts_with("relations.jsonl: line 2: "), "{msg}");
        assert!(msg.contains("column"), "{msg}");
    }

    #[test]
    fn an_unknown_field_names_the_file_line_and_field() {
        let (_, mut files) = built_in_as_jsonl();
        let ent = files.get_mut("entities.jsonl").unwrap();
        let third = ent.match_indices("{\"id\"").nth(2).unwrap().0;
        ent.insert_str(third + 1, "\"capital\":\"Oslo\",");
        let msg = error(files);
        assert!(
            msg.starts_with("entities.jsonl: line 5: unknown field `capital`"),
            "{msg}"
        );
    }

    #[test]
    fn a_seed_with_both_formats_is_refused_naming_both_files() {
        let (_, mut files) = built_in_as_jsonl();
        files.insert("sources.toml".into(), String::new());
        let msg = error(files.clone());
        assert!(
            msg.contains("sources.toml") && msg.contains("sources.jsonl"),
            "{msg}"
        );
        files.remove("sources.toml");
        files.insert("relations.toml".into(), String::new());
        let msg = error(files);
        assert!(
            msg.contains("relations.toml") && msg.contains("relations.jsonl"),
            "{msg}"
        );
    }

    #[test]
    fn a_bulk_seed_needs_sources_jsonl() {
        let (_, mut files) = built_in_as_jsonl();
        files.remove("sources.jsonl");
        let msg = error(files);
        assert!(
            msg.starts_with("sources.jsonl: cannot read: missing"),
            "{msg}"
        );
    }

    #[test]
    fn a_text_file_must_stay_inside_the_seed_directory() {
        let (records, mut files) = built_in_as_jsonl();
        let mut source = records.sources[0].clone();
        source.text = None;
        source.text_file = Some("../article.txt".into());
        files.insert(
            "sources.jsonl".into(),
            format!("\n{}\n", serde_json::to_string(&source).unwrap()),
        );
        let msg = error(files.clone());
        assert!(msg.contains("stay inside the seed directory"), "{msg}");
        source.text_file = Some("nowhere.txt".into());
        files.insert(
            "sources.jsonl".into(),
            format!("\n{}\n", serde_json::to_string(&source).unwrap()),
        );
        let msg = error(files);
        assert!(
            msg.starts_with("sources.jsonl: line 2 (`source/") && msg.contains("not found"),
            "{msg}"
        );
    }

    #[test]
    fn validation_errors_name_the_jsonl_file_and_line() {
        let (_, mut files) = built_in_as_jsonl();
        let rel = files.get_mut("relations.jsonl").unwrap();
        *rel = rel.replacen("\"to\":\"state/estonia\"", "\"to\":\"state/estland\"", 1);
        let msg = load_error(files);
        assert!(
            msg.starts_with(
                "relations.jsonl: line 4 (`person/alar-karis:HOLDS_OFFICE:state/estland`)"
            ),
            "{msg}"
        );
        assert!(msg.contains("does not exist"), "{msg}");
    }

    /// The error reported is the first in file order: a validation error before a later
    /// syntax error, and a syntax error before a later validation error.
    #[test]
    fn the_first_error_in_file_order_is_reported_whichever_side_finds_it() {
        let (_, files) = built_in_as_jsonl();
        let rel = &files["relations.jsonl"];
        let good_line = rel
            .lines()
            .find(|l| l.starts_with('{'))
            .unwrap()
            .to_string();
        // Line 2 refers to an unknown entity; thousands of good lines later, broken JSON.
        let bad_ref = good_line.replacen("\"to\":\"", "\"to\":\"state/nowhere-", 1);
        let filler = std::iter::repeat_n(String::new(), 3000)
            .collect::<Vec<_>>()
            .join("\n");
        let mut validation_first = files.clone();
        validation_first.insert(
            "relations.jsonl".into(),
            format!("\n{bad_ref}\n{filler}\n{{oops\n"),
        );
        let msg = load_error(validation_first);
        assert!(msg.starts_with("relations.jsonl: line 2 "), "{msg}");
        assert!(msg.contains("does not exist"), "{msg}");
        let mut syntax_first = files.clone();
        syntax_first.insert(
            "relations.jsonl".into(),
            format!("\n{{oops\n{filler}\n{bad_ref}\n"),
        );
        let msg = load_error(syntax_first);
        assert!(msg.starts_with("relations.jsonl: line 2: "), "{msg}");
        assert!(!msg.contains("does not exist"), "{msg}");
    }

    #[test]
    fn bulk_files_in_a_directory_are_read_line_by_line() {
        let (records, files) = built_in_as_jsonl();
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in &files {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let seed = SeedSource::Dir(dir.path().to_path_buf());
        assert_eq!(read(&seed).unwrap(), records);
        std::fs::write(dir.path().join("sources.toml"), "").unwrap();
        let msg = read(&seed).unwrap_err().to_string();
        assert!(
            msg.contains("sources.toml") && msg.contains("sources.jsonl"),
            "{msg}"
        );
    }
}
