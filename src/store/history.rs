//! The provenance of records: which writes touched each node and relation id, and who made
//! each write and when. It knows nothing of GraphQL or HTTP.
//!
//! [`History`] is persistent (`imbl`), like the graph: a write clones it in O(1) and adds
//! what it touched, so a write costs its touched ids (O(touched · log n)), and a graph loaded
//! from a seed with no writes holds an empty index, whatever its size. Readers take the
//! published `Arc<History>` and see only writes up to the graph version they read (every query
//! takes an `upto` version), so a request never sees a write newer than its graph, even though
//! the index is published just before that graph.
//!
//! # Where it comes from
//!
//! Each journal record carries its write's `by` (the token's name) and `at` (when it was
//! committed). At start-up the index is rebuilt from `history.jsonl` (the writes compaction
//! folded away) and then the journal's records, as they replay. `--compact` appends the
//! writes it is about to fold into the snapshot to `history.jsonl` (fsynced) *before* the
//! snapshot is written, so a crash at any point loses no write's metadata: lines beyond the
//! snapshot's sequence number are ignored (the journal still holds those writes), and the next
//! compaction appends only what the file does not already hold.
//!
//! `history.jsonl`: one JSON object per line, [`WriteInfo`] as [`Line`]. Records written before
//! provenance existed have no `by`/`at` (null), and writes folded into a snapshot before
//! `history.jsonl` existed have no entry at all: their records answer like seed records.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use imbl::{HashMap, Vector};
use serde::{Deserialize, Serialize};

use super::StoreError;
use super::change::{Change, Touched};

/// The file in the data directory holding the history of compacted writes.
pub const HISTORY_FILE: &str = "history.jsonl";

/// One accepted write, as the history keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteInfo {
    /// The graph version it produced (its journal record's sequence number).
    pub version: u64,
    /// When it was committed (millisecond precision); `None` for journal records from before
    /// provenance was recorded.
    pub at: Option<DateTime<Utc>>,
    /// The name of the write token it was made with; `None` as for `at`, or for a write made
    /// by the store's own callers (tools, tests) without a name.
    pub by: Option<Arc<str>>,
    pub client_mutation_id: Option<String>,
    /// The operations, in order (`add_entity`, ...; as in the change feed).
    pub ops: Vec<String>,
    /// The ids it touched (as reported by [`Change::apply`]).
    pub touched: Touched,
    /// The ids it created (a subset of `touched`): what `createdAt` is read from.
    pub created: Touched,
}

/// Which record a question is about: node ids and relation ids are separate namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record<'a> {
    Node(&'a str),
    Relation(&'a str),
}

/// The versions of the writes that touched one id, and of those that created it, ascending.
#[derive(Debug, Clone, Default)]
struct Trail {
    touched: Vector<u64>,
    created: Vector<u64>,
}

/// Every write's [`WriteInfo`], and per id the writes that touched it.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Ascending by version.
    writes: Vector<Arc<WriteInfo>>,
    nodes: HashMap<String, Trail>,
    relations: HashMap<String, Trail>,
    /// The newest `at` of any write recorded.
    last_at: Option<DateTime<Utc>>,
}

/// A page of writes, newest first.
#[derive(Debug, Clone)]
pub struct WritePage {
    pub writes: Vec<Arc<WriteInfo>>,
    /// Whether older writes follow the page.
    pub has_older: bool,
    /// Whether newer writes (still within the version asked about) precede the page.
    pub has_newer: bool,
}

impl History {
    /// Adds a write. Versions only grow: a write not newer than the last one is ignored (it is
    /// already there, e.g. a line `history.jsonl` holds twice after a crash).
    pub fn record(&mut self, info: WriteInfo) {
        if info.version <= self.last_version() {
            return;
        }
        let v = info.version;
        for (map, touched, created) in [
            (&mut self.nodes, &info.touched.nodes, &info.created.nodes),
            (
                &mut self.relations,
                &info.touched.relations,
                &info.created.relations,
            ),
        ] {
            for id in touched.iter().chain(created.difference(touched)) {
                let mut t = map.get(id).cloned().unwrap_or_default();
                t.touched.push_back(v);
                if created.contains(id) {
                    t.created.push_back(v);
                }
                map.insert(id.clone(), t);
            }
        }
        self.last_at = self.last_at.max(info.at);
        self.writes.push_back(Arc::new(info));
    }

    /// The version of the newest write recorded (0 for none).
    pub fn last_version(&self) -> u64 {
        self.writes.last().map_or(0, |w| w.version)
    }

    /// When the newest write was committed, if known.
    pub fn last_at(&self) -> Option<DateTime<Utc>> {
        self.last_at
    }

    /// The write that produced `version`, if recorded.
    pub fn write(&self, version: u64) -> Option<&Arc<WriteInfo>> {
        let i = position(&self.writes, |w| w.version < version);
        self.writes.get(i).filter(|w| w.version == version)
    }

    /// Writes newer than `version`, oldest first (what compaction files away).
    pub fn since(&self, version: u64) -> impl Iterator<Item = &Arc<WriteInfo>> {
        let i = position(&self.writes, |w| w.version <= version);
        self.writes.iter().skip(i)
    }

    /// How many writes up to version `upto`.
    pub fn count(&self, upto: u64) -> usize {
        position(&self.writes, |w| w.version <= upto)
    }

    /// A page of the writes up to version `upto`, newest first, starting below version
    /// `before` (a cursor), at most `limit` of them. O(limit · log n).
    pub fn writes(&self, upto: u64, before: Option<u64>, limit: usize) -> WritePage {
        let top = self.count(upto);
        let hi = before.map_or(top, |b| position(&self.writes, |w| w.version < b).min(top));
        let lo = hi.saturating_sub(limit);
        WritePage {
            writes: (lo..hi)
                .rev()
                .filter_map(|i| self.writes.get(i).cloned())
                .collect(),
            has_older: lo > 0,
            has_newer: hi < top,
        }
    }

    fn trail(&self, r: Record<'_>) -> Option<&Trail> {
        match r {
            Record::Node(id) => self.nodes.get(id),
            Record::Relation(id) => self.relations.get(id),
        }
    }

    /// How many writes up to version `upto` touched the record. O(log n).
    pub fn count_touching(&self, r: Record<'_>, upto: u64) -> usize {
        self.trail(r)
            .map_or(0, |t| position(&t.touched, |&v| v <= upto))
    }

    /// A page of the writes up to version `upto` that touched the record, newest first,
    /// starting below version `before`, at most `limit`. O(limit · log n).
    pub fn touching(
        &self,
        r: Record<'_>,
        upto: u64,
        before: Option<u64>,
        limit: usize,
    ) -> WritePage {
        let Some(t) = self.trail(r) else {
            return WritePage {
                writes: vec![],
                has_older: false,
                has_newer: false,
            };
        };
        let top = position(&t.touched, |&v| v <= upto);
        let hi = before.map_or(top, |b| position(&t.touched, |&v| v < b).min(top));
        let lo = hi.saturating_sub(limit);
        WritePage {
            writes: (lo..hi)
                .rev()
                .filter_map(|i| t.touched.get(i).and_then(|&v| self.write(v)).cloned())
                .collect(),
            has_older: lo > 0,
            has_newer: hi < top,
        }
    }

    /// The newest write up to version `upto` that created the record; `None` for a record from
    /// the seed (or a snapshot without history) never re-created since. O(log n).
    pub fn created(&self, r: Record<'_>, upto: u64) -> Option<&Arc<WriteInfo>> {
        let t = self.trail(r)?;
        let i = position(&t.created, |&v| v <= upto).checked_sub(1)?;
        self.write(*t.created.get(i)?)
    }

    /// The newest write up to version `upto` that touched the record. O(log n).
    pub fn updated(&self, r: Record<'_>, upto: u64) -> Option<&Arc<WriteInfo>> {
        let t = self.trail(r)?;
        let i = position(&t.touched, |&v| v <= upto).checked_sub(1)?;
        self.write(*t.touched.get(i)?)
    }
}

/// The number of leading items of a sorted vector for which `pred` holds (`pred` must hold for
/// a prefix): `slice::partition_point` for an `imbl::Vector`, in O(log n).
fn position<T: Clone>(v: &Vector<T>, pred: impl Fn(&T) -> bool) -> usize {
    v.binary_search_by(|x| {
        if pred(x) {
            std::cmp::Ordering::Less
        } else {
            std::cmp::Ordering::Greater
        }
    })
    .unwrap_or_else(|i| i)
}

/// The ids the changes create: what makes a write the one a record's `createdAt` names.
pub fn created_by(changes: &[Change]) -> Touched {
    let mut t = Touched::default();
    for c in changes {
        match c {
            Change::AddSource { source } => {
                t.nodes.insert(source.id.clone());
            }
            Change::AddEntity { entity } => {
                t.nodes.insert(entity.id.clone());
            }
            Change::AddEvent { event } => {
                t.nodes.insert(event.id.clone());
            }
            Change::AddRelation { relation } => {
                t.relations.insert(relation.effective_id());
            }
            _ => {}
        }
    }
    t
}

/// The time a write is committed at: now, to the millisecond (what the journal keeps, so a
/// restart reads back the same value), and never before the previous write's.
pub fn commit_time(previous: Option<DateTime<Utc>>) -> DateTime<Utc> {
    let now = Utc::now();
    let now = DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now);
    previous.map_or(now, |p| p.max(now))
}

/// `at` as journals and `history.jsonl` write it: RFC 3339 in UTC, milliseconds, `Z`.
pub fn format_time(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `at` as written by [`format_time`] (any RFC 3339 time is accepted).
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("`at` is not an RFC 3339 time: {e}"))
}

/// A line of `history.jsonl`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_mutation_id: Option<String>,
    ops: Vec<String>,
    nodes: BTreeSet<String>,
    relations: BTreeSet<String>,
    #[serde(default)]
    created_nodes: BTreeSet<String>,
    #[serde(default)]
    created_relations: BTreeSet<String>,
}

impl Line {
    fn of(w: &WriteInfo) -> Line {
        Line {
            version: w.version,
            at: w.at.as_ref().map(format_time),
            by: w.by.as_deref().map(str::to_string),
            client_mutation_id: w.client_mutation_id.clone(),
            ops: w.ops.clone(),
            nodes: w.touched.nodes.clone(),
            relations: w.touched.relations.clone(),
            created_nodes: w.created.nodes.clone(),
            created_relations: w.created.relations.clone(),
        }
    }

    fn into_info(self) -> Result<WriteInfo, String> {
        Ok(WriteInfo {
            version: self.version,
            at: self.at.as_deref().map(parse_time).transpose()?,
            by: self.by.map(Arc::from),
            client_mutation_id: self.client_mutation_id,
            ops: self.ops,
            touched: Touched {
                nodes: self.nodes,
                relations: self.relations,
            },
            created: Touched {
                nodes: self.created_nodes,
                relations: self.created_relations,
            },
        })
    }
}

/// What `history.jsonl` in `dir` holds: its writes in file order, and the newest version it
/// holds (0 for none or no file). A last line without its newline is what a crash in the
/// middle of an append leaves (that compaction never happened): it is ignored, and the next
/// append starts by cutting it off. A bad line anywhere else stops start-up, naming the line.
pub fn read_file(dir: &Path) -> Result<(Vec<WriteInfo>, u64), StoreError> {
    let path = dir.join(HISTORY_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((vec![], 0)),
        Err(e) => return Err(file_error(&path, None, e.to_string())),
    };
    let complete = text.rfind('\n').map_or(0, |i| i + 1);
    let mut writes = vec![];
    let mut last = 0;
    for (n, line) in text[..complete].lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let info = serde_json::from_str::<Line>(line)
            .map_err(|e| e.to_string())
            .and_then(Line::into_info)
            .map_err(|e| file_error(&path, Some(n + 1), e))?;
        last = last.max(info.version);
        writes.push(info);
    }
    Ok((writes, last))
}

/// Appends `writes` to `history.jsonl` in `dir` and fsyncs it (and the directory, when the
/// file is new) before returning.
pub fn append_file<'a>(
    dir: &Path,
    writes: impl IntoIterator<Item = &'a Arc<WriteInfo>>,
) -> Result<(), StoreError> {
    let path = dir.join(HISTORY_FILE);
    let io = |e: io::Error| file_error(&path, None, e.to_string());
    let mut text = Vec::new();
    for w in writes {
        serde_json::to_writer(&mut text, &Line::of(w))
            .map_err(|e| file_error(&path, None, e.to_string()))?;
        text.push(b'\n');
    }
    if text.is_empty() {
        return Ok(());
    }
    let existed = path.exists();
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(&path)
        .map_err(io)?;
    cut_torn_tail(&mut file).map_err(io)?;
    file.write_all(&text).map_err(io)?;
    file.sync_data().map_err(io)?;
    if !existed {
        File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
    }
    Ok(())
}

/// Cuts a last line left without its newline by a crashed append, so the next line starts
/// clean.
fn cut_torn_tail(file: &mut File) -> io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(());
    }
    let mut bytes = Vec::new();
    file.seek(SeekFrom::Start(0))?;
    file.read_to_end(&mut bytes)?;
    if bytes.last() != Some(&b'\n') {
        let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        file.set_len(keep as u64)?;
        file.sync_all()?;
    }
    Ok(())
}

fn file_error(path: &Path, line: Option<usize>, reason: String) -> StoreError {
    StoreError::Replay {
        what: match line {
            Some(n) => format!("{}, line {n}", path.display()),
            None => path.display().to_string(),
        },
        problem: reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(version: u64, by: &str, nodes: &[&str], created: &[&str]) -> WriteInfo {
        WriteInfo {
            version,
            at: DateTime::from_timestamp_millis(1_750_000_000_000 + version as i64 * 1000),
            by: Some(Arc::from(by)),
            client_mutation_id: None,
            ops: vec!["add_entity".into()],
            touched: Touched {
                nodes: nodes.iter().map(|s| s.to_string()).collect(),
                relations: BTreeSet::new(),
            },
            created: Touched {
                nodes: created.iter().map(|s| s.to_string()).collect(),
                relations: BTreeSet::new(),
            },
        }
    }

    fn versions(p: &WritePage) -> Vec<u64> {
        p.writes.iter().map(|w| w.version).collect()
    }

    /// Writes 1..=5: `state/a` created by 1, touched by 3 and 5; `state/b` created by 2.
    fn five() -> History {
        let mut h = History::default();
        h.record(write(1, "alice", &["state/a"], &["state/a"]));
        h.record(write(2, "bob", &["state/b"], &["state/b"]));
        h.record(write(3, "bob", &["state/a", "state/b"], &[]));
        h.record(write(4, "alice", &["state/c"], &["state/c"]));
        h.record(write(5, "alice", &["state/a"], &[]));
        h
    }

    #[test]
    fn a_record_s_history_is_newest_first_and_pages_below_the_cursor() {
        let h = five();
        let a = Record::Node("state/a");
        let all = h.touching(a, 5, None, 20);
        assert_eq!(versions(&all), vec![5, 3, 1]);
        assert!(!all.has_older && !all.has_newer);

        let first = h.touching(a, 5, None, 2);
        assert_eq!(versions(&first), vec![5, 3]);
        assert!(first.has_older);
        let next = h.touching(a, 5, Some(3), 2);
        assert_eq!(versions(&next), vec![1]);
        assert!(!next.has_older && next.has_newer);
        assert_eq!(h.count_touching(a, 5), 3);
    }

    #[test]
    fn a_reader_of_an_older_version_sees_no_newer_write() {
        let h = five();
        let a = Record::Node("state/a");
        assert_eq!(versions(&h.touching(a, 4, None, 20)), vec![3, 1]);
        assert_eq!(h.count_touching(a, 2), 1);
        assert_eq!(h.updated(a, 4).map(|w| w.version), Some(3));
        assert_eq!(h.updated(a, 5).map(|w| w.version), Some(5));
        assert_eq!(h.created(a, 5).map(|w| w.version), Some(1));
        assert!(h.created(a, 0).is_none(), "before its creation it has none");
        assert_eq!(versions(&h.writes(3, None, 20)), vec![3, 2, 1]);
        assert_eq!(h.count(3), 3);
    }

    #[test]
    fn the_write_log_pages_newest_first_over_every_write() {
        let h = five();
        let p = h.writes(5, None, 2);
        assert_eq!(versions(&p), vec![5, 4]);
        assert!(p.has_older && !p.has_newer);
        let p = h.writes(5, Some(4), 2);
        assert_eq!(versions(&p), vec![3, 2]);
        assert!(p.has_older && p.has_newer);
        let p = h.writes(5, Some(2), 2);
        assert_eq!(versions(&p), vec![1]);
        assert!(!p.has_older);
        assert_eq!(versions(&h.writes(5, Some(1), 2)), Vec::<u64>::new());
    }

    #[test]
    fn a_record_only_touched_by_writes_keeps_a_null_creation() {
        // `state/b` came from the seed in this story if write 2 had not created it: a write
        // touching a seed record (a relation added to it) is history, not its creation.
        let mut h = History::default();
        h.record(write(1, "alice", &["state/seed"], &[]));
        let r = Record::Node("state/seed");
        assert!(h.created(r, 1).is_none());
        assert_eq!(
            h.updated(r, 1).map(|w| w.by.clone()),
            Some(Some("alice".into()))
        );
        assert!(
            h.touching(Record::Node("state/never"), 1, None, 20)
                .writes
                .is_empty()
        );
        assert!(
            h.touching(Record::Relation("state/seed"), 1, None, 20)
                .writes
                .is_empty(),
            "relation ids are their own namespace"
        );
    }

    #[test]
    fn a_write_recorded_twice_is_kept_once() {
        let mut h = five();
        h.record(write(3, "mallory", &["state/z"], &["state/z"]));
        assert_eq!(h.count(10), 5);
        assert!(
            h.touching(Record::Node("state/z"), 10, None, 20)
                .writes
                .is_empty()
        );
        assert_eq!(h.write(3).map(|w| w.by.clone()), Some(Some("bob".into())));
    }

    #[test]
    fn the_history_file_reads_back_what_was_appended_and_ignores_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let h = five();
        append_file(dir.path(), h.since(0).take(2)).unwrap();
        // A crash in the middle of the next append.
        let path = dir.path().join(HISTORY_FILE);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"version":3,"op"#).unwrap();
        let (read, last) = read_file(dir.path()).unwrap();
        assert_eq!(last, 2);
        assert_eq!(
            read,
            vec![
                (*h.since(0).next().unwrap()).as_ref().clone(),
                (**h.write(2).unwrap()).clone()
            ]
        );
        append_file(dir.path(), h.since(2)).unwrap();
        let (read, last) = read_file(dir.path()).unwrap();
        assert_eq!(last, 5);
        assert_eq!(read.len(), 5);
        assert_eq!(read[2], **h.write(3).unwrap());
    }

    #[test]
    fn a_bad_line_in_the_history_file_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        append_file(dir.path(), five().since(0)).unwrap();
        let path = dir.path().join(HISTORY_FILE);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen("\"ops\"", "\"opz\"", 2)).unwrap();
        let e = read_file(dir.path()).unwrap_err().to_string();
        assert!(e.contains(HISTORY_FILE) && e.contains("line 1"), "{e}");
    }

    #[test]
    fn commit_times_never_go_backwards() {
        let later = Utc::now() + chrono::Duration::hours(1);
        assert_eq!(commit_time(Some(later)), later);
        let t = commit_time(None);
        assert_eq!(
            parse_time(&format_time(&t)).unwrap(),
            t,
            "millisecond round trip"
        );
    }
}
