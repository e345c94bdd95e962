//! The write-ahead journal that lets accepted writes survive a crash.
//!
//! Every accepted change is appended to `journal.log` in the data directory and fsynced before
//! the client hears back. At start-up the server loads its base state (the seed, or
//! `snapshot.json` when there is one) and replays the journal over it; [`Journal::compact`]
//! folds everything into a new snapshot and empties the journal. Payloads are opaque JSON here:
//! the caller serialises its own change type.
//!
//! # On disk
//!
//! - `journal.log`: one record per line, `<seq> <crc> <json>\n`, where `<crc>` is the CRC-32
//!   (IEEE) of the JSON text's bytes as 8 lowercase hex digits. Compact JSON never contains a
//!   raw newline, so a line is a record. Sequence numbers start at 1, grow by one per record
//!   and carry on across compactions: a number is never reused.
//! - `snapshot.json`: `{"seq":N,"state":...}`, the full state with records `1..=N` folded in.
//!
//! # Recovery rules
//!
//! - A damaged *last* line (no trailing newline, or a bad checksum or JSON) is what a crash in
//!   the middle of an append leaves, and that append was never acknowledged: the line is dropped
//!   with a warning and the file truncated before it, so new appends start clean.
//! - A damaged line anywhere else, or a break in the sequence numbers, means acknowledged data
//!   was lost or altered: [`Journal::open`] fails with [`JournalError::Corrupt`], naming the file
//!   and the line, rather than start with a state that silently differs from what clients saw.
//! - Records numbered at or below the snapshot's `seq` are already in it. A crash between
//!   writing a snapshot and emptying the journal leaves them behind; they are skipped, so each
//!   change is applied exactly once, and `open` empties the journal to finish that compaction.
//!
//! One process owns a data directory at a time: `open` takes an exclusive lock on `journal.log`
//! and holds it for the life of the [`Journal`].

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

const JOURNAL_FILE: &str = "journal.log";
const SNAPSHOT_FILE: &str = "snapshot.json";
/// Where a snapshot is written before it is renamed over `snapshot.json`.
const SNAPSHOT_TEMP: &str = "snapshot.json.tmp";

/// The largest usable sequence number. Keeping `u64::MAX` out of files means "the next number"
/// can always be computed without overflow.
const MAX_SEQ: u64 = u64::MAX - 1;

/// Why the journal could not be opened or written. Every variant names the file concerned.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{path}: {reason}")]
    Io { path: String, reason: String },
    #[error("{path}, line {line}: corrupt journal record: {reason}")]
    Corrupt {
        path: String,
        line: usize,
        reason: String,
    },
    #[error("{path}: unusable snapshot: {reason}")]
    BadSnapshot { path: String, reason: String },
    #[error("{path} is locked by another process (one server per data directory)")]
    Locked { path: String },
    #[error(
        "{path}: refusing further writes after an earlier failure ({reason}); \
         restart the server to re-read the journal"
    )]
    Poisoned { path: String, reason: String },
    #[error("cannot encode a journal record: {reason}")]
    Encode { reason: String },
}

/// One record to replay.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub seq: u64,
    /// What was given to [`Journal::append`], or for [`Journal::append_batch`] a JSON array of
    /// the batch's payloads.
    pub payload: Value,
}

/// What to rebuild the state from: the snapshot (if any), then `entries` in order.
#[derive(Debug, Clone)]
pub struct Replay {
    /// Only records the snapshot does not already cover, in sequence order.
    pub entries: Vec<Entry>,
    /// A human-readable warning when a torn last record was dropped.
    pub dropped_torn_tail: Option<String>,
    /// The state saved by the last [`Journal::compact`], as its JSON text (the caller parses
    /// it straight into its own types: a tree of `Value`s for 10⁶ records would take several
    /// times the file's size); without one, start from the seed.
    pub snapshot: Option<Box<RawValue>>,
}

/// An open journal, ready for appends. See the [module docs](self) for the format and the
/// recovery rules.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    path: PathBuf,
    /// Opened with append semantics and exclusively locked.
    file: File,
    /// Bytes of complete records: where a failed append truncates back to.
    size: u64,
    next_seq: u64,
    /// The last sequence number `snapshot.json` covers (0 without a snapshot).
    snapshot_seq: u64,
    /// Set when the file's state on disk is no longer known; appends are refused from then on.
    broken: Option<String>,
}

/// `snapshot.json` as written: borrowing the state avoids copying it to serialise it.
#[derive(Serialize)]
struct SnapshotOut<'a, S: ?Sized> {
    seq: u64,
    state: &'a S,
}

#[derive(Deserialize)]
struct SnapshotIn {
    seq: u64,
    state: Box<RawValue>,
}

impl Journal {
    /// Opens (creating if needed) the data directory `dir` with `journal.log` and an optional
    /// `snapshot.json`; validates every record; returns the journal ready for appends plus what
    /// to replay (the snapshot, then entries after it).
    ///
    /// May change files, but only to finish what a crash interrupted: it truncates a torn last
    /// record, empties a journal a snapshot already covers, and removes a half-written snapshot.
    pub fn open(dir: &Path) -> Result<(Journal, Replay), JournalError> {
        create_dir(dir)?;
        let path = dir.join(JOURNAL_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| io_error(&path, e))?;
        lock(&file, &path)?;
        // The file's directory entry must be on disk before any append is acknowledged. Syncing
        // on every open, not only when this call created the file, also covers a crash right
        // after an earlier run created it.
        sync_dir(dir)?;

        // A crash while compacting can leave a partial temporary snapshot; the rename never
        // happened, so the old snapshot and the full journal are the truth.
        let temp = dir.join(SNAPSHOT_TEMP);
        match fs::remove_file(&temp) {
            Ok(()) => tracing::info!(path = %temp.display(), "removed an unfinished snapshot"),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(&temp, e)),
        }
        let (snapshot_seq, snapshot) = read_snapshot(&dir.join(SNAPSHOT_FILE))?;

        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| io_error(&path, e))?;
        let scan = scan(&bytes, snapshot_seq, &path)?;
        let mut size = scan.good_len;
        if let Some(warning) = &scan.torn {
            tracing::warn!("{warning}");
            truncate(&file, size).map_err(|e| io_error(&path, e))?;
        }
        let last_seq = scan.records.last().map(|e| e.seq);
        if last_seq.is_some_and(|seq| seq <= snapshot_seq) {
            tracing::info!(
                path = %path.display(),
                snapshot_seq,
                "the journal holds only records the snapshot covers; finishing that compaction"
            );
            truncate(&file, 0).map_err(|e| io_error(&path, e))?;
            size = 0;
        }

        let journal = Journal {
            dir: dir.to_path_buf(),
            path,
            file,
            size,
            // Both are at most MAX_SEQ, so this cannot overflow.
            next_seq: last_seq.unwrap_or(0).max(snapshot_seq) + 1,
            snapshot_seq,
            broken: None,
        };
        let replay = Replay {
            entries: scan
                .records
                .into_iter()
                .filter(|e| e.seq > snapshot_seq)
                .collect(),
            dropped_torn_tail: scan.torn,
            snapshot,
        };
        Ok((journal, replay))
    }

    /// Appends one record and fsyncs (file.sync_data) before returning its sequence number. On
    /// error nothing is considered written: a partial record is truncated away first.
    pub fn append(&mut self, payload: &Value) -> Result<u64, JournalError> {
        let json = serde_json::to_vec(payload).map_err(|e| JournalError::Encode {
            reason: e.to_string(),
        })?;
        self.write_record(&json)
    }

    /// Appends one record per payload, numbered consecutively, with one fsync for them all
    /// (group commit): after it returns they are all on disk; on error none is (a partial
    /// write is truncated away). Returns the sequence number of the first.
    pub fn append_many(&mut self, payloads: &[Value]) -> Result<u64, JournalError> {
        self.check_usable()?;
        let first = self.next_seq;
        if payloads.is_empty() {
            return Ok(first);
        }
        let last = first
            .saturating_add(payloads.len() as u64)
            .saturating_sub(1);
        if last > MAX_SEQ {
            return Err(JournalError::Io {
                path: self.path.display().to_string(),
                reason: "sequence numbers are exhausted".into(),
            });
        }
        let mut lines = vec![];
        for (i, p) in payloads.iter().enumerate() {
            let json = serde_json::to_vec(p).map_err(|e| JournalError::Encode {
                reason: e.to_string(),
            })?;
            lines.extend(encode_line(first + i as u64, &json));
        }
        self.write_lines(&lines, payloads.len() as u64)?;
        Ok(first)
    }

    /// Appends several payloads as ONE record, so a batch is replayed all or nothing: the
    /// record's payload is the JSON array of `payloads`, and replay returns it as one [`Entry`]
    /// holding that array. Replay cannot tell this from [`append`](Self::append) of an array, so
    /// a caller that uses both must keep its single payloads from being bare arrays. An empty
    /// batch writes a record holding `[]`.
    pub fn append_batch(&mut self, payloads: &[Value]) -> Result<u64, JournalError> {
        let json = serde_json::to_vec(payloads).map_err(|e| JournalError::Encode {
            reason: e.to_string(),
        })?;
        self.write_record(&json)
    }

    /// Writes `snapshot` (the full current state, with every appended record applied) to
    /// `snapshot.json` atomically, recording the last sequence number it covers, then empties
    /// the journal. A crash at any point leaves either the old snapshot and the full journal,
    /// or the new snapshot and records it covers, which [`open`](Self::open) skips.
    ///
    /// On an error after the new snapshot is in place the journal refuses further appends
    /// ([`JournalError::Poisoned`]); reopening finishes the compaction.
    pub fn compact<S: Serialize + ?Sized>(&mut self, snapshot: &S) -> Result<(), JournalError> {
        self.check_usable()?;
        self.write_snapshot(snapshot)?;
        // The snapshot's rename is on disk before the journal is touched, so whenever this
        // truncation lands, `open` sees a snapshot covering whatever records are left.
        if let Err(e) = truncate(&self.file, 0) {
            // The old records are redundant now whatever became of the file, but its length is
            // no longer known, so appending could leave a record after garbage.
            self.broken = Some(format!("emptying the journal after a snapshot failed: {e}"));
            return Err(io_error(&self.path, e));
        }
        self.size = 0;
        Ok(())
    }

    /// The sequence number of the last record written, snapshot included (0 for none): the
    /// version the records on disk add up to.
    pub fn last_seq(&self) -> u64 {
        self.next_seq - 1
    }

    /// Records appended since the snapshot (all records, without one).
    pub fn len(&self) -> u64 {
        (self.next_seq - 1).saturating_sub(self.snapshot_seq)
    }

    /// Whether no record was appended since the snapshot.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The journal file (`journal.log` in the data directory).
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn check_usable(&self) -> Result<(), JournalError> {
        match &self.broken {
            Some(reason) => Err(JournalError::Poisoned {
                path: self.path.display().to_string(),
                reason: reason.clone(),
            }),
            None => Ok(()),
        }
    }

    fn write_record(&mut self, json: &[u8]) -> Result<u64, JournalError> {
        self.check_usable()?;
        let seq = self.next_seq;
        if seq > MAX_SEQ {
            return Err(JournalError::Io {
                path: self.path.display().to_string(),
                reason: "sequence numbers are exhausted".into(),
            });
        }
        let line = encode_line(seq, json);
        self.write_lines(&line, 1)?;
        Ok(seq)
    }

    /// Writes whole encoded records and fsyncs them; on error rolls back so nothing of them is
    /// considered written.
    fn write_lines(&mut self, lines: &[u8], records: u64) -> Result<(), JournalError> {
        if let Err(e) = self.file.write_all(lines) {
            self.roll_back();
            return Err(io_error(&self.path, e));
        }
        if let Err(e) = self.file.sync_data() {
            self.roll_back();
            // After a failed fsync the kernel may have dropped the dirty pages and cleared the
            // error, so a later fsync can report success for data that never reached the disk.
            // What this process believes is on disk can no longer be trusted.
            self.broken = Some(format!("fsync failed: {e}"));
            return Err(io_error(&self.path, e));
        }
        self.size += lines.len() as u64;
        self.next_seq += records;
        Ok(())
    }

    /// Removes a partly written record, so the next append does not follow garbage (which a
    /// later `open` would have to call corruption).
    fn roll_back(&mut self) {
        if let Err(e) = truncate(&self.file, self.size) {
            self.broken = Some(format!("removing a partly written record failed: {e}"));
        }
    }

    /// The first half of [`compact`](Self::compact): puts a snapshot covering every appended
    /// record in place, durably, without touching the journal.
    fn write_snapshot<S: Serialize + ?Sized>(&mut self, state: &S) -> Result<(), JournalError> {
        let covered = self.next_seq - 1;
        let temp = self.dir.join(SNAPSHOT_TEMP);
        let target = self.dir.join(SNAPSHOT_FILE);
        let written = (|| {
            let mut out = BufWriter::new(File::create(&temp).map_err(|e| io_error(&temp, e))?);
            serde_json::to_writer(
                &mut out,
                &SnapshotOut {
                    seq: covered,
                    state,
                },
            )
            .map_err(|e| JournalError::Encode {
                reason: e.to_string(),
            })?;
            out.write_all(b"\n").map_err(|e| io_error(&temp, e))?;
            let file = out
                .into_inner()
                .map_err(|e| io_error(&temp, e.into_error()))?;
            // Without this a crash after the rename could leave `snapshot.json` empty or short.
            file.sync_all().map_err(|e| io_error(&temp, e))?;
            fs::rename(&temp, &target).map_err(|e| io_error(&target, e))?;
            sync_dir(&self.dir)
        })();
        if written.is_err() {
            // Best effort: `open` removes a leftover temporary file anyway.
            let _ = fs::remove_file(&temp);
        }
        written?;
        self.snapshot_seq = covered;
        Ok(())
    }
}

/// What [`scan`] found in the journal file.
struct Scan {
    /// Every valid record, including those a snapshot already covers.
    records: Vec<Entry>,
    /// Bytes up to the end of the last valid record.
    good_len: u64,
    /// A warning when a torn last record was found (and is to be truncated away).
    torn: Option<String>,
}

/// Validates the journal's bytes: checksums, JSON and unbroken sequence numbers. A bad last line
/// is a torn write; a bad line anywhere else is corruption.
fn scan(bytes: &[u8], snapshot_seq: u64, path: &Path) -> Result<Scan, JournalError> {
    let corrupt = |line: usize, reason: String| JournalError::Corrupt {
        path: path.display().to_string(),
        line,
        reason,
    };
    let mut records: Vec<Entry> = Vec::new();
    let mut torn = None;
    let mut start = 0;
    let mut line_no = 0;
    while start < bytes.len() {
        line_no += 1;
        let rest = &bytes[start..];
        let (parsed, end) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (parse_line(&rest[..i]), start + i + 1),
            None => (
                Err("the line has no trailing newline".to_string()),
                bytes.len(),
            ),
        };
        let entry = match parsed {
            Ok(entry) => entry,
            Err(reason) if end == bytes.len() => {
                torn = Some(format!(
                    "{}: dropped a torn last record at line {line_no} ({} bytes: {reason}); \
                     a crash in the middle of a write leaves this, and that write was never \
                     acknowledged",
                    path.display(),
                    end - start,
                ));
                break;
            }
            Err(reason) => return Err(corrupt(line_no, reason)),
        };
        match records.last() {
            Some(prev) if prev.seq + 1 != entry.seq => {
                return Err(corrupt(
                    line_no,
                    format!(
                        "sequence number {} follows {}: a record is missing or repeated",
                        entry.seq, prev.seq
                    ),
                ));
            }
            None if entry.seq == 0 => {
                return Err(corrupt(line_no, "sequence numbers start at 1".into()));
            }
            // A first record at or below the snapshot's number is one the snapshot covers; one
            // beyond the next number means records between the two are gone.
            None if entry.seq > snapshot_seq + 1 => {
                let covers = if snapshot_seq == 0 {
                    "there is no snapshot".to_string()
                } else {
                    format!("the snapshot covers records up to {snapshot_seq}")
                };
                return Err(corrupt(
                    line_no,
                    format!(
                        "the first record is number {} but {covers}: records {} to {} are missing",
                        entry.seq,
                        snapshot_seq + 1,
                        entry.seq - 1
                    ),
                ));
            }
            _ => {}
        }
        records.push(entry);
        start = end;
    }
    Ok(Scan {
        records,
        good_len: start as u64,
        torn,
    })
}

/// Parses one line (without its newline); the error says what is wrong with it.
fn parse_line(line: &[u8]) -> Result<Entry, String> {
    let text = std::str::from_utf8(line).map_err(|_| "the line is not UTF-8 text".to_string())?;
    let mut fields = text.splitn(3, ' ');
    let (Some(seq), Some(crc), Some(json)) = (fields.next(), fields.next(), fields.next()) else {
        return Err("expected `<seq> <crc32> <json>`".into());
    };
    let seq = match seq.parse::<u64>() {
        Ok(n) if seq.bytes().all(|b| b.is_ascii_digit()) && n <= MAX_SEQ => n,
        _ => return Err(format!("bad sequence number {:?}", excerpt(seq))),
    };
    if crc.len() != 8 || !crc.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(format!(
            "bad checksum field {:?} (want 8 lowercase hex digits)",
            excerpt(crc)
        ));
    }
    let stored = u32::from_str_radix(crc, 16).map_err(|e| format!("bad checksum field: {e}"))?;
    let actual = crc32fast::hash(json.as_bytes());
    if stored != actual {
        return Err(format!(
            "checksum mismatch: the record says {stored:08x}, its text hashes to {actual:08x}"
        ));
    }
    let payload = serde_json::from_str(json).map_err(|e| format!("invalid JSON: {e}"))?;
    Ok(Entry { seq, payload })
}

fn encode_line(seq: u64, json: &[u8]) -> Vec<u8> {
    let head = format!("{seq} {:08x} ", crc32fast::hash(json));
    let mut line = Vec::with_capacity(head.len() + json.len() + 1);
    line.extend_from_slice(head.as_bytes());
    line.extend_from_slice(json);
    line.push(b'\n');
    line
}

/// A short prefix of a damaged field, so an error message stays one readable line.
fn excerpt(s: &str) -> String {
    s.chars().take(24).collect()
}

/// Reads `snapshot.json`: its sequence number (0 without one) and state.
fn read_snapshot(path: &Path) -> Result<(u64, Option<Box<RawValue>>), JournalError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((0, None)),
        Err(e) => return Err(io_error(path, e)),
    };
    let bad = |reason: String| JournalError::BadSnapshot {
        path: path.display().to_string(),
        reason,
    };
    let snapshot: SnapshotIn =
        serde_json::from_slice(&bytes).map_err(|e| bad(format!("invalid JSON: {e}")))?;
    if snapshot.seq > MAX_SEQ {
        return Err(bad(format!(
            "sequence number {} is too large",
            snapshot.seq
        )));
    }
    Ok((snapshot.seq, Some(snapshot.state)))
}

/// Creates the data directory if needed, making its entry in the parent durable too.
fn create_dir(dir: &Path) -> Result<(), JournalError> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    // Only the innermost new directory's entry is synced: a data directory is normally one
    // level below an existing one.
    match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => sync_dir(parent),
        _ => sync_dir(Path::new(".")),
    }
}

fn lock(file: &File, path: &Path) -> Result<(), JournalError> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(TryLockError::WouldBlock) => Err(JournalError::Locked {
            path: path.display().to_string(),
        }),
        // Some file systems have no locks; the journal still works, it just cannot stop a
        // second server.
        Err(TryLockError::Error(e)) if e.kind() == io::ErrorKind::Unsupported => {
            tracing::warn!(path = %path.display(), "cannot lock the journal: {e}");
            Ok(())
        }
        Err(TryLockError::Error(e)) => Err(io_error(path, e)),
    }
}

/// Cuts the file to `len` bytes and makes that durable.
fn truncate(file: &File, len: u64) -> io::Result<()> {
    file.set_len(len)?;
    file.sync_all()
}

/// Makes the directory's entries (created, renamed files) durable.
fn sync_dir(dir: &Path) -> Result<(), JournalError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io_error(dir, e))
    }
    // Elsewhere a directory cannot be opened to sync it; there, the file system's own ordering
    // is all there is.
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

fn io_error(path: &Path, e: io::Error) -> JournalError {
    JournalError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn open(dir: &Path) -> (Journal, Replay) {
        match Journal::open(dir) {
            Ok(opened) => opened,
            Err(e) => panic!("open failed: {e}"),
        }
    }

    fn snapshot_of(replay: &Replay) -> Option<Value> {
        let raw = replay.snapshot.as_ref()?;
        Some(serde_json::from_str(raw.get()).expect("the snapshot is JSON"))
    }

    fn seqs_and_payloads(replay: &Replay) -> Vec<(u64, Value)> {
        replay
            .entries
            .iter()
            .map(|e| (e.seq, e.payload.clone()))
            .collect()
    }

    fn journal_text(dir: &Path) -> String {
        fs::read_to_string(dir.join(JOURNAL_FILE)).unwrap()
    }

    fn append_raw(dir: &Path, bytes: &[u8]) {
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.join(JOURNAL_FILE))
            .unwrap();
        f.write_all(bytes).unwrap();
    }

    fn corrupt_line(err: JournalError) -> (String, usize, String) {
        match err {
            JournalError::Corrupt { path, line, reason } => (path, line, reason),
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }

    /// Three records 1..=3, journal closed.
    fn three_records(dir: &Path) {
        let (mut j, _) = open(dir);
        for n in 1..=3 {
            j.append(&json!({ "n": n })).unwrap();
        }
    }

    #[test]
    fn a_new_directory_opens_with_nothing_to_replay() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        let (j, replay) = open(&dir);
        assert!(replay.entries.is_empty());
        assert!(replay.snapshot.is_none());
        assert!(replay.dropped_torn_tail.is_none());
        assert_eq!(j.len(), 0);
        assert!(j.is_empty());
        assert_eq!(j.path(), dir.join(JOURNAL_FILE));
        assert!(j.path().is_file());
    }

    #[test]
    fn records_are_written_in_the_documented_format() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut j, _) = open(tmp.path());
        assert_eq!(j.append(&json!({"a": "x\ny"})).unwrap(), 1);
        let json = r#"{"a":"x\ny"}"#;
        let crc = crc32fast::hash(json.as_bytes());
        assert_eq!(journal_text(tmp.path()), format!("1 {crc:08x} {json}\n"));
    }

    #[test]
    fn appended_records_replay_in_order_with_their_sequence_numbers() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut j, _) = open(tmp.path());
        assert_eq!(j.append(&json!({"op": "add", "id": "a"})).unwrap(), 1);
        assert_eq!(j.append(&json!("two")).unwrap(), 2);
        assert_eq!(j.append(&json!(3)).unwrap(), 3);
        assert_eq!(j.len(), 3);
        drop(j);

        let (mut j, replay) = open(tmp.path());
        assert_eq!(
            seqs_and_payloads(&replay),
            vec![
                (1, json!({"op": "add", "id": "a"})),
                (2, json!("two")),
                (3, json!(3)),
            ]
        );
        assert!(replay.dropped_torn_tail.is_none());
        assert_eq!(j.len(), 3);
        assert_eq!(j.append(&json!(4)).unwrap(), 4);
    }

    #[test]
    fn a_half_written_last_record_is_dropped_and_appends_continue_cleanly() {
        let tmp = tempfile::tempdir().unwrap();
        three_records(tmp.path());
        let good = journal_text(tmp.path());
        append_raw(tmp.path(), br#"4 0badc0de {"n":"#);

        let (mut j, replay) = open(tmp.path());
        assert_eq!(replay.entries.len(), 3);
        let warning = replay.dropped_torn_tail.expect("a warning");
        assert!(warning.contains("line 4"), "{warning}");
        assert!(warning.contains(JOURNAL_FILE), "{warning}");
        assert_eq!(journal_text(tmp.path()), good, "the torn tail is truncated");

        assert_eq!(j.append(&json!({"n": 4})).unwrap(), 4);
        drop(j);
        let (_, replay) = open(tmp.path());
        assert_eq!(replay.entries.len(), 4);
        assert_eq!(replay.entries[3].payload, json!({"n": 4}));
        assert!(replay.dropped_torn_tail.is_none());
    }

    #[test]
    fn a_complete_last_record_with_a_bad_checksum_is_dropped() {
        let tmp = tempfile::tempdir().unwrap();
        three_records(tmp.path());
        let good = journal_text(tmp.path());
        append_raw(tmp.path(), b"4 00000000 {\"n\":4}\n");

        let (mut j, replay) = open(tmp.path());
        assert_eq!(replay.entries.len(), 3);
        let warning = replay.dropped_torn_tail.expect("a warning");
        assert!(warning.contains("checksum mismatch"), "{warning}");
        assert_eq!(journal_text(tmp.path()), good);
        assert_eq!(j.append(&json!({"n": 4})).unwrap(), 4);
        drop(j);
        assert_eq!(open(tmp.path()).1.entries.len(), 4);
    }

    #[test]
    fn a_torn_only_record_leaves_an_empty_journal() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join(JOURNAL_FILE), b"1 12345678 {\"n\"").unwrap();
        let (mut j, replay) = open(tmp.path());
        assert!(replay.entries.is_empty());
        assert!(replay.dropped_torn_tail.is_some());
        assert_eq!(journal_text(tmp.path()), "");
        assert_eq!(j.append(&json!(1)).unwrap(), 1);
    }

    #[test]
    fn a_bad_record_before_good_ones_is_corruption_naming_its_line() {
        let tmp = tempfile::tempdir().unwrap();
        three_records(tmp.path());
        let text = journal_text(tmp.path());
        // Flip one character of the second record's JSON, keeping its length.
        let damaged = text.replacen(r#"{"n":2}"#, r#"{"n":7}"#, 1);
        assert_ne!(damaged, text);
        fs::write(tmp.path().join(JOURNAL_FILE), damaged).unwrap();

        let err = Journal::open(tmp.path()).unwrap_err();
        let message = err.to_string();
        let (path, line, reason) = corrupt_line(err);
        assert_eq!(line, 2);
        assert!(path.ends_with(JOURNAL_FILE), "{path}");
        assert!(reason.contains("checksum mismatch"), "{reason}");
        assert!(message.contains("line 2"), "{message}");
        assert!(message.contains(JOURNAL_FILE), "{message}");
    }

    #[test]
    fn a_bad_line_followed_by_a_torn_one_is_corruption() {
        // Only the very last line can be a write cut short: a damaged complete line with
        // anything after it was acknowledged before the next write began.
        let tmp = tempfile::tempdir().unwrap();
        three_records(tmp.path());
        append_raw(tmp.path(), b"garbage\n4 0000");
        let (_, line, _) = corrupt_line(Journal::open(tmp.path()).unwrap_err());
        assert_eq!(line, 4);
    }

    #[test]
    fn a_gap_in_sequence_numbers_is_corruption() {
        let tmp = tempfile::tempdir().unwrap();
        three_records(tmp.path());
        let json = r#"{"n":5}"#;
        let line = format!("5 {:08x} {json}\n", crc32fast::hash(json.as_bytes()));
        append_raw(tmp.path(), line.as_bytes());
        let (_, line, reason) = corrupt_line(Journal::open(tmp.path()).unwrap_err());
        assert_eq!(line, 4);
        assert!(reason.contains("sequence number 5 follows 3"), "{reason}");
    }

    #[test]
    fn a_repeated_sequence_number_is_corruption() {
        let tmp = tempfile::tempdir().unwrap();
        three_records(tmp.path());
        let text = journal_text(tmp.path());
        let first = text.lines().next().unwrap();
        append_raw(tmp.path(), format!("{first}\n").as_bytes());
        let (_, line, _) = corrupt_line(Journal::open(tmp.path()).unwrap_err());
        assert_eq!(line, 4);
    }

    #[test]
    fn a_journal_not_starting_at_one_without_a_snapshot_is_corruption() {
        let tmp = tempfile::tempdir().unwrap();
        let json = "{}";
        let line = format!("2 {:08x} {json}\n", crc32fast::hash(json.as_bytes()));
        fs::write(tmp.path().join(JOURNAL_FILE), line).unwrap();
        let (_, line, reason) = corrupt_line(Journal::open(tmp.path()).unwrap_err());
        assert_eq!(line, 1);
        assert!(reason.contains("records 1 to 1 are missing"), "{reason}");
    }

    #[test]
    fn a_group_commit_writes_one_record_each_numbered_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut j, _) = open(tmp.path());
        assert_eq!(j.append(&json!("before")).unwrap(), 1);
        let group = [json!("a"), json!("b"), json!("c")];
        assert_eq!(j.append_many(&group).unwrap(), 2);
        assert_eq!(
            j.append_many(&[]).unwrap(),
            5,
            "an empty group writes nothing"
        );
        assert_eq!(j.append(&json!("after")).unwrap(), 5);
        drop(j);
        let (_, replay) = open(tmp.path());
        assert_eq!(
            seqs_and_payloads(&replay),
            vec![
                (1, json!("before")),
                (2, json!("a")),
                (3, json!("b")),
                (4, json!("c")),
                (5, json!("after")),
            ]
        );
    }

    #[test]
    fn a_batch_replays_as_one_entry_holding_an_array() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut j, _) = open(tmp.path());
        assert_eq!(j.append(&json!("before")).unwrap(), 1);
        let batch = [json!({"op": "a"}), json!({"op": "b"}), json!({"op": "c"})];
        assert_eq!(j.append_batch(&batch).unwrap(), 2);
        assert_eq!(j.append(&json!("after")).unwrap(), 3);
        assert_eq!(journal_text(tmp.path()).lines().count(), 3);
        drop(j);

        let (_, replay) = open(tmp.path());
        assert_eq!(
            seqs_and_payloads(&replay),
            vec![
                (1, json!("before")),
                (2, json!([{"op": "a"}, {"op": "b"}, {"op": "c"}])),
                (3, json!("after")),
            ]
        );
    }

    #[test]
    fn compaction_replays_the_snapshot_then_only_later_records() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut j, _) = open(tmp.path());
        j.append(&json!(1)).unwrap();
        j.append(&json!(2)).unwrap();
        j.compact(&json!({"state": [1, 2]})).unwrap();
        assert_eq!(j.len(), 0);
        assert_eq!(journal_text(tmp.path()), "");
        assert_eq!(j.append(&json!(3)).unwrap(), 3, "numbers carry on");
        assert_eq!(j.len(), 1);
        drop(j);

        let (mut j, replay) = open(tmp.path());
        assert_eq!(snapshot_of(&replay), Some(json!({"state": [1, 2]})));
        assert_eq!(seqs_and_payloads(&replay), vec![(3, json!(3))]);
        assert_eq!(j.len(), 1);
        assert_eq!(j.append(&json!(4)).unwrap(), 4);

        // A second compaction replaces the first snapshot.
        j.compact(&json!({"state": [1, 2, 3, 4]})).unwrap();
        drop(j);
        let (_, replay) = open(tmp.path());
        assert_eq!(snapshot_of(&replay), Some(json!({"state": [1, 2, 3, 4]})));
        assert!(replay.entries.is_empty());
    }

    #[test]
    fn a_crash_between_snapshot_and_truncation_replays_each_change_once() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut j, _) = open(tmp.path());
        j.append(&json!(1)).unwrap();
        j.append(&json!(2)).unwrap();
        // The first half of `compact`, then the "crash": the journal still holds 1 and 2.
        j.write_snapshot(&json!([1, 2])).unwrap();
        drop(j);
        assert_eq!(journal_text(tmp.path()).lines().count(), 2);

        let (mut j, replay) = open(tmp.path());
        assert_eq!(snapshot_of(&replay), Some(json!([1, 2])));
        assert!(replay.entries.is_empty(), "1 and 2 are in the snapshot");
        assert_eq!(journal_text(tmp.path()), "", "open finishes the compaction");
        assert_eq!(j.len(), 0);
        assert_eq!(j.append(&json!(3)).unwrap(), 3);
        drop(j);

        let (_, replay) = open(tmp.path());
        assert_eq!(snapshot_of(&replay), Some(json!([1, 2])));
        assert_eq!(seqs_and_payloads(&replay), vec![(3, json!(3))]);
    }

    #[test]
    fn records_partly_covered_by_the_snapshot_replay_only_the_rest() {
        // Not produced by `compact`, but the rule holds for any journal: records at or below
        // the snapshot's number are skipped, later ones replayed.
        let tmp = tempfile::tempdir().unwrap();
        three_records(tmp.path());
        fs::write(
            tmp.path().join(SNAPSHOT_FILE),
            r#"{"seq":2,"state":"one and two"}"#,
        )
        .unwrap();
        let (mut j, replay) = open(tmp.path());
        assert_eq!(seqs_and_payloads(&replay), vec![(3, json!({"n": 3}))]);
        assert_eq!(j.len(), 1);
        assert_eq!(j.append(&json!(4)).unwrap(), 4);
    }

    #[test]
    fn a_crash_before_the_snapshot_rename_keeps_the_old_state() {
        let tmp = tempfile::tempdir().unwrap();
        three_records(tmp.path());
        fs::write(tmp.path().join(SNAPSHOT_TEMP), br#"{"seq":3,"sta"#).unwrap();
        let (_, replay) = open(tmp.path());
        assert!(replay.snapshot.is_none());
        assert_eq!(replay.entries.len(), 3);
        assert!(!tmp.path().join(SNAPSHOT_TEMP).exists());
    }

    #[test]
    fn a_journal_missing_records_after_the_snapshot_is_corruption() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join(SNAPSHOT_FILE), r#"{"seq":1,"state":null}"#).unwrap();
        let json = "{}";
        let line = format!("3 {:08x} {json}\n", crc32fast::hash(json.as_bytes()));
        fs::write(tmp.path().join(JOURNAL_FILE), line).unwrap();
        let (_, line, reason) = corrupt_line(Journal::open(tmp.path()).unwrap_err());
        assert_eq!(line, 1);
        assert!(reason.contains("records 2 to 2 are missing"), "{reason}");
    }

    #[test]
    fn an_unreadable_snapshot_stops_start_up() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join(SNAPSHOT_FILE), "{not json").unwrap();
        match Journal::open(tmp.path()) {
            Err(JournalError::BadSnapshot { path, .. }) => assert!(path.ends_with(SNAPSHOT_FILE)),
            other => panic!("expected BadSnapshot, got {other:?}"),
        }
    }

    #[test]
    fn a_second_open_of_the_same_directory_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let (_held, _) = open(tmp.path());
        assert!(matches!(
            Journal::open(tmp.path()),
            Err(JournalError::Locked { .. })
        ));
    }
}
