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

use super::build::{Attempt, BuildError, Loader};
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
    /// The preparing thread's reader: the loading thread stopped listening (it failed).
    Stopped,
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
                cpu_ms = cpu_ms(),
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
        // From here on one thread reads, parses and prepares records while this one adds the
        // prepared ones in file order (see `prepared`). Entities are prepared against the
        // sources, events and their participants against the sources and entities, relations
        // against every node; the participants wait for phase 5 (they may name events further
        // down the file).
        let preparer = loader.preparer();
        prepared(
            seed,
            Section::Entities,
            |e: EntityRecord| preparer.entity(e),
            &mut loader,
            |l, i, e| l.entity(i, &e),
        )?;
        phase("entities");
        let preparer = loader.preparer();
        prepared(
            seed,
            Section::Events,
            |e: EventRecord| preparer.event(e),
            &mut loader,
            |l, i, e| l.event_holding_participants(i, e),
        )?;
        phase("events");
        loader.all_nodes_added();
        each(seed, Section::Sources, true, |i, _, s: SourceRecord| {
            Ok(loader.publisher(i, &s)?)
        })?;
        phase("publishers");
        loader.held_participants()?;
        phase("participants");
        let preparer = loader.preparer();
        prepared(
            seed,
            Section::Relations,
            |r: RelationRecord| preparer.relation(r),
            &mut loader,
            |l, i, r| l.relation(i, &r),
        )?;
        drop(preparer);
        phase("relations");
        Ok(())
    })();
    match streamed {
        Ok(()) => {}
        Err(LoadError::Seed(e)) => return Err(e),
        Err(LoadError::Build(e)) => return Err(super::seed_error(seed, e)),
        Err(LoadError::Stopped) => unreachable!("only the preparing thread's reader stops"),
    }
    loader
        .finish(|id| locate(seed, id))
        .map_err(|e| super::seed_error(seed, e))
}

/// The CPU time this process has used, in milliseconds (all threads): against the wall time
/// of a phase, how well its two threads keep both cores busy.
fn cpu_ms() -> u64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0;
    }
    let ms = |t: libc::timeval| t.tv_sec as u64 * 1000 + t.tv_usec as u64 / 1000;
    ms(usage.ru_utime) + ms(usage.ru_stime)
}

/// The CPU time the calling thread has used, in milliseconds.
fn thread_cpu_ms() -> u64 {
    // SAFETY: clock_gettime only writes the struct it is given.
    let mut t: libc::timespec = unsafe { std::mem::zeroed() };
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } != 0 {
        return 0;
    }
    t.tv_sec as u64 * 1000 + t.tv_nsec as u64 / 1_000_000
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

/// How many records the preparing thread hands over at a time, and how many such batches may
/// wait: enough to keep both threads busy, little enough to keep memory flat.
const BATCH: usize = 4096;
const BATCHES_IN_FLIGHT: usize = 4;

/// Loads one section's records on two threads: a second one reads, parses and prepares
/// (`prepare`: the checks that only read the graph, most of the work), this one commits the
/// prepared records in file order and adds the others with `again`. So the first problem in
/// file order is the one reported, whichever thread finds it. What crosses between the threads
/// is either kept by the graph or freed in batches: memory freed by a thread other than the
/// one that allocated it costs glibc's allocator more than parsing does.
fn prepared<T: DeserializeOwned + Send>(
    seed: &SeedSource,
    section: Section,
    prepare: impl Fn(T) -> Attempt<T> + Sync,
    loader: &mut Loader,
    mut again: impl FnMut(&mut Loader, usize, T) -> Result<(), BuildError>,
) -> Result<(), LoadError> {
    type Batch<T> = Result<Vec<(usize, Attempt<T>)>, LoadError>;
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Batch<T>>(BATCHES_IN_FLIGHT);
        let prepare = &prepare;
        let preparing = std::thread::Builder::new().name("prepare".into());
        let spawned = preparing.spawn_scoped(s, move || {
            let mut batch = Vec::with_capacity(BATCH);
            let read = each(seed, section, false, |i, _, record: T| {
                batch.push((i, prepare(record)));
                if batch.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    tx.send(Ok(full)).map_err(|_| LoadError::Stopped)?;
                }
                Ok(())
            });
            // The records before a read or syntax error are committed first.
            let _ = tx.send(Ok(batch));
            tracing::debug!(
                ?section,
                cpu_ms = thread_cpu_ms(),
                "bulk load: preparing thread"
            );
            if let Err(e) = read {
                let _ = tx.send(Err(e));
            }
        });
        if let Err(e) = spawned {
            return Err(LoadError::Seed(SeedError::Read {
                file: seed.display(file(section)),
                reason: format!("cannot start a loading thread: {e}"),
            }));
        }
        let started = thread_cpu_ms();
        for batch in rx {
            for (i, item) in batch? {
                match item {
                    Attempt::Ready(p) => loader.commit(i, p)?,
                    Attempt::Again(record) => again(loader, i, record)?,
                }
            }
        }
        let cpu_ms = thread_cpu_ms() - started;
        tracing::debug!(?section, cpu_ms, "bulk load: committing thread");
        Ok(())
    })
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

    /// JSON Lines files of a record set.
    fn as_files(records: &RecordSet) -> BTreeMap<String, String> {
        fn lines<T: serde::Serialize>(items: &[T]) -> String {
            items
                .iter()
                .map(|i| serde_json::to_string(i).unwrap() + "\n")
                .collect()
        }
        BTreeMap::from([
            ("sources.jsonl".to_string(), lines(&records.sources)),
            ("entities.jsonl".to_string(), lines(&records.entities)),
            ("events.jsonl".to_string(), lines(&records.events)),
            ("relations.jsonl".to_string(), lines(&records.relations)),
        ])
    }

    /// The two-thread load (records prepared on one thread against snapshots, committed on
    /// the other, participants held from the events to their phase) builds exactly the graph
    /// the one-thread builder does, on a generated graph big enough for many batches.
    #[test]
    fn the_two_thread_load_builds_what_the_one_thread_builder_builds() {
        let opts = crate::generate::Options {
            nodes: 12_000,
            seed: 7,
        };
        let (records, _) = crate::generate::records(&opts).unwrap();
        assert!(records.relations.len() > 2 * BATCH, "several batches");
        let sequential = crate::seed::build(&records).unwrap();
        let bulk = load(&SeedSource::Files(as_files(&records))).unwrap();
        assert_eq!(bulk.node_count(), sequential.node_count());
        assert_eq!(bulk.relation_count(), sequential.relation_count());
        assert_eq!(
            crate::seed::from_graph::records(&bulk),
            crate::seed::from_graph::records(&sequential)
        );
        // Relation lists in the same order, with the same ids and evidence spans.
        for ix in sequential.node_indices() {
            let id = sequential.node(ix).id.as_str();
            let other = bulk.lookup(id).unwrap();
            let list = |g: &Graph, ix| -> Vec<(String, String)> {
                g.relations_of(ix, None, None)
                    .iter()
                    .map(|v| {
                        let quotes: Vec<&str> =
                            g.evidence(v.edge).iter().map(|e| g.quote(e)).collect();
                        (g.relation_id(v.edge).to_string(), quotes.join("|"))
                    })
                    .collect()
            };
            assert_eq!(list(&bulk, other), list(&sequential, ix), "{id}");
        }
    }

    /// Participants may name events further down the file (they are then set in their own
    /// phase, not with the event), and their problems come after the publishers' and before
    /// the relations'.
    #[test]
    fn participants_naming_later_events_load_and_their_errors_keep_their_phase() {
        let (records, _) = built_in_as_jsonl();
        let mut records = records;
        let last = records.events.last().unwrap().id.clone();
        records.events[0]
            .concerns
            .push(crate::seed::ParticipantRecord::Id(last));
        let g = load(&SeedSource::Files(with_texts(&records))).unwrap();
        let first = g.lookup(&records.events[0].id).unwrap();
        let later = g.lookup(&records.events.last().unwrap().id).unwrap();
        assert!(
            g.relations_of(first, Some(crate::graph::Direction::Outgoing), None)
                .iter()
                .any(|v| v.other == later),
            "the CONCERNS relation to the later event"
        );

        // An unknown actor in the second event and an unknown end in the first relation:
        // the participant is reported, with the event's line.
        let mut bad = records.clone();
        bad.events[1].actors.push("state/nowhere".into());
        bad.relations[0].to = "state/nowhere-either".into();
        let msg = load_error(with_texts(&bad));
        assert!(msg.starts_with("events.jsonl: line 2 (`"), "{msg}");
        assert!(msg.contains("state/nowhere"), "{msg}");
        // A publisher missing its byline is phase 4: before the participant.
        bad.sources[0].byline = None;
        let msg = load_error(with_texts(&bad));
        assert!(msg.starts_with("sources.jsonl: line 1 (`"), "{msg}");
        assert!(msg.contains("byline"), "{msg}");
    }

    /// [`as_files`], with each source's text inline.
    fn with_texts(records: &RecordSet) -> BTreeMap<String, String> {
        let mut records = records.clone();
        for s in &mut records.sources {
            s.text_file = None;
        }
        as_files(&records)
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
