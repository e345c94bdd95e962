//! The store: the current graph version, the write path and the journal that makes writes
//! durable. It knows nothing of GraphQL or HTTP.
//!
//! Readers take the current `Arc<Graph>` (lock-free, `arc-swap`) and keep it for a whole
//! request, so a write never makes them wait nor changes what they see mid-query. Writes are
//! serialised by a mutex that only writers take: a write clones the latest version (O(1): the
//! graph is made of persistent collections), applies its changes to the clone, each checked
//! and indexed where it touches, appends them to the journal and fsyncs, then publishes the
//! clone. A write is acknowledged only after the fsync, so no acknowledged write is lost; a
//! write that fails validation drops its clone and leaves everything unchanged.
//!
//! Each write records who made it (the name of its write token) and when, in its journal
//! record; [`History`] indexes the writes per record id for `createdAt`, `updatedAt` and
//! `history` (see `history.rs`), published with each version like the graph.
//!
//! PageRank, the one global derived value, is recomputed by a background thread after writes
//! (at most one computation at a time, the latest version each time) and published into the
//! current version when ready; [`crate::graph::Rank::version`] says which version it reflects.

mod change;
mod history;
mod recent;

use std::path::Path;
use std::sync::{Arc, Mutex, Weak, mpsc};
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::sync::broadcast;

pub use change::{
    Change, ChangeError, EntityPatch, EventPatch, Problem, RelationPatch, SourcePatch, Touched,
};
pub use history::{HISTORY_FILE, History, Record, WriteInfo, WritePage};
pub use recent::{CAPACITY as REMEMBERED_WRITES, MAX_ID_BYTES as MAX_CLIENT_MUTATION_ID_BYTES};

use recent::{Recent, Seen};

use crate::graph::Graph;
use crate::journal::{Journal, JournalError};
use crate::seed::{self, RecordSet, SeedError, SeedSource};

/// Why the store could not open or a write was refused.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Seed(#[from] SeedError),
    #[error("{0}")]
    Journal(#[from] JournalError),
    /// A journal or snapshot record that no longer applies: the data directory does not fit
    /// the seed it is used with.
    #[error("{what}: {problem}")]
    Replay { what: String, problem: String },
    /// The write is invalid; nothing was changed.
    #[error("{0}")]
    Invalid(String),
    /// Change number `change` (from 0) of the write was refused, for `error`'s reason;
    /// nothing was changed. `message` says which change when the write has several.
    #[error("{message}")]
    Rejected {
        message: String,
        change: usize,
        error: ChangeError,
    },
    /// Writing to disk failed; nothing was changed.
    #[error("the write could not be made durable: {0}")]
    Durability(String),
}

/// One published write, for the change feed.
#[derive(Debug, Clone)]
pub struct ChangeEvent {
    /// The graph version this write produced (the seed is version 0).
    pub version: u64,
    /// That version itself, so subscribers answer from it and not from a later one.
    pub graph: Arc<Graph>,
    /// The operations, in order (`add_entity`, ...).
    pub ops: Vec<&'static str>,
    pub touched: Touched,
}

/// What a successful write returns.
#[derive(Debug, Clone)]
pub struct Applied {
    pub graph: Arc<Graph>,
    pub event: ChangeEvent,
    /// Whether this answers a retry of a write committed earlier under the same
    /// `clientMutationId` (then `event` is that write's and `graph` the latest version).
    pub replayed: bool,
}

struct Writer {
    /// The latest committed version (the same as `current`, less a newer ranking).
    graph: Graph,
    /// The history up to that version (the same as `Inner::history`).
    history: History,
    /// The newest version `history.jsonl` holds: compaction appends the writes after it.
    history_filed: u64,
    journal: Option<Journal>,
    /// Writes named by their clients, for retries.
    recent: Recent,
}

/// Where a waiting writer finds its answer.
type Slot = Arc<Mutex<Option<Result<Applied, StoreError>>>>;

/// A write made in a commit group: its answer slot, change event, journal record, the
/// client's name for it with the digest of its changes, and its history entry.
type Made = (
    Slot,
    ChangeEvent,
    serde_json::Value,
    Option<(String, [u8; 16])>,
    WriteInfo,
);

/// A write waiting for the writer lock: its changes, its client's name for it, the name of
/// its writer, its answer.
type Queued = (Vec<Change>, Option<String>, Option<Arc<str>>, Slot);

/// Who made a write and when, as its journal record says.
#[derive(Debug, Clone, Default, PartialEq)]
struct Signed {
    by: Option<Arc<str>>,
    at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A journal record: `{"by", "at", "client_mutation_id"?, "changes"}`. (Records written before
/// provenance are the changes alone, or `{"client_mutation_id", "changes"}`; both still
/// replay.)
fn journal_payload(
    changes: &[Change],
    client_id: Option<&str>,
    signed: &Signed,
) -> serde_json::Result<serde_json::Value> {
    let mut o = serde_json::Map::new();
    if let Some(by) = &signed.by {
        o.insert("by".into(), by.as_ref().into());
    }
    if let Some(at) = &signed.at {
        o.insert("at".into(), history::format_time(at).into());
    }
    if let Some(id) = client_id {
        o.insert("client_mutation_id".into(), id.into());
    }
    o.insert("changes".into(), serde_json::to_value(changes)?);
    Ok(serde_json::Value::Object(o))
}

/// A journal record read back: its changes, the client's name for them (if it gave one), and
/// who made it when (if recorded).
type Payload = (Vec<Change>, Option<String>, Signed);

/// The changes of a journal record, the client's name for them and who made them when.
fn read_payload(payload: serde_json::Value) -> Result<Payload, String> {
    match payload {
        serde_json::Value::Object(mut o) if o.contains_key("changes") => {
            let text = |o: &mut serde_json::Map<String, serde_json::Value>, key: &str| {
                o.remove(key).and_then(|v| v.as_str().map(str::to_string))
            };
            let id = text(&mut o, "client_mutation_id");
            let signed = Signed {
                by: text(&mut o, "by").map(Arc::from),
                at: text(&mut o, "at")
                    .map(|t| history::parse_time(&t))
                    .transpose()?,
            };
            let changes = serde_json::from_value(o.remove("changes").unwrap_or_default())
                .map_err(|e| e.to_string())?;
            Ok((changes, id, signed))
        }
        other => Ok((
            serde_json::from_value(other).map_err(|e| e.to_string())?,
            None,
            Signed::default(),
        )),
    }
}

/// The history entry of a write.
fn write_info(
    version: u64,
    changes: &[Change],
    client_id: Option<&str>,
    signed: &Signed,
    touched: &Touched,
) -> WriteInfo {
    WriteInfo {
        version,
        at: signed.at,
        by: signed.by.clone(),
        client_mutation_id: client_id.map(str::to_string),
        ops: changes.iter().map(|c| c.op().to_string()).collect(),
        touched: touched.clone(),
        created: history::created_by(changes),
    }
}

struct Inner {
    current: ArcSwap<Graph>,
    /// Published before the graph version it reaches, so a reader of a version finds its
    /// writes (readers filter out newer ones).
    history: ArcSwap<History>,
    writer: Mutex<Writer>,
    /// Writes waiting for the writer lock, to be committed together.
    queue: Mutex<Vec<Queued>>,
    changes: broadcast::Sender<ChangeEvent>,
    /// Wakes the ranking thread after a write.
    rank_wake: Mutex<Option<mpsc::Sender<()>>>,
}

/// The graph versions and the write path.
pub struct Store {
    inner: Arc<Inner>,
}

/// How many change events a slow subscriber may fall behind before it misses some.
const FEED_CAPACITY: usize = 1024;
/// How long the ranking waits after a write for more writes, so a burst is ranked once.
const RANK_SETTLE: Duration = Duration::from_millis(200);

impl Store {
    /// Loads the seed, then, with a data directory, its snapshot (which replaces the seed) and
    /// the journal after it. Replay applies each journaled change to the graph as a write does:
    /// linear in the journal.
    pub fn open(seed: &SeedSource, data_dir: Option<&Path>) -> Result<Store, StoreError> {
        let mut journal = None;
        let mut graph = None;
        let mut recent = Recent::default();
        let mut history = History::default();
        let mut history_filed = 0;
        if let Some(dir) = data_dir {
            let (j, replay) = Journal::open(dir)?;
            // The snapshot covers records up to this number; `history.jsonl` lines beyond it
            // are from a compaction that did not finish (the journal still holds them).
            let snapshot_seq = j.last_seq() - j.len();
            let (filed, last) = history::read_file(dir)?;
            history_filed = last;
            for w in filed.into_iter().filter(|w| w.version <= snapshot_seq) {
                history.record(w);
            }
            if let Some(warning) = &replay.dropped_torn_tail {
                tracing::warn!(journal = %j.path().display(), "{warning}");
            }
            let mut g = match replay.snapshot {
                Some(snapshot) => {
                    let records: RecordSet =
                        serde_json::from_str(snapshot.get()).map_err(|e| StoreError::Replay {
                            what: format!("{}", dir.join("snapshot.json").display()),
                            problem: format!("not a snapshot of this server's records: {e}"),
                        })?;
                    seed::build(&records).map_err(|e| StoreError::Replay {
                        what: format!("{}", dir.join("snapshot.json").display()),
                        problem: e.to_string(),
                    })?
                }
                None => seed::load(seed)?,
            };
            for entry in replay.entries {
                let (changes, client_id, signed) =
                    read_payload(entry.payload).map_err(|e| StoreError::Replay {
                        what: format!("journal record {}", entry.seq),
                        problem: format!("not a change this server knows: {e}"),
                    })?;
                let mut touched = Touched::default();
                g.begin_batch();
                for (i, c) in changes.iter().enumerate() {
                    g.batch_change(i);
                    let t = c.apply(&mut g).map_err(|e| StoreError::Replay {
                        what: format!("journal record {} ({})", entry.seq, c.op()),
                        problem: e.to_string(),
                    })?;
                    touched.extend(t);
                }
                g.end_batch().map_err(|(i, e)| StoreError::Replay {
                    what: format!("journal record {} ({})", entry.seq, changes[i].op()),
                    problem: e.to_string(),
                })?;
                g.set_version(entry.seq);
                history.record(write_info(
                    entry.seq,
                    &changes,
                    client_id.as_deref(),
                    &signed,
                    &touched,
                ));
                if let Some(id) = client_id {
                    let ops = changes.iter().map(Change::op).collect();
                    recent.remember(&id, recent::digest(&changes), entry.seq, ops, touched);
                }
            }
            // The snapshot covers records up to its own sequence number: the version goes on
            // from there, not from 0.
            let version = g.version().max(j.last_seq());
            g.set_version(version);
            if version > 0
                && let Some(rank) = crate::graph::rank_if_small(&g)
            {
                g.set_rank(rank);
            }
            journal = Some(j);
            graph = Some(g);
        }
        let graph = match graph {
            Some(g) => g,
            None => seed::load(seed)?,
        };
        let (changes, _) = broadcast::channel(FEED_CAPACITY);
        let inner = Arc::new(Inner {
            current: ArcSwap::from_pointee(graph.clone()),
            history: ArcSwap::from_pointee(history.clone()),
            writer: Mutex::new(Writer {
                graph,
                history,
                history_filed,
                journal,
                recent,
            }),
            queue: Mutex::new(vec![]),
            changes,
            rank_wake: Mutex::new(None),
        });
        let store = Store { inner };
        release_freed_memory();
        let g = store.graph();
        if !g.rank().ready || g.rank().version != g.version() {
            store.wake_ranking();
        }
        Ok(store)
    }

    /// The current graph version. Cheap; hold it for as long as one answer needs.
    pub fn graph(&self) -> Arc<Graph> {
        self.inner.current.load_full()
    }

    /// The history of writes, up to at least the current graph version. Cheap. Ask it about
    /// the version a request reads ([`Graph::version`]): it may already hold newer writes.
    pub fn history(&self) -> Arc<History> {
        self.inner.history.load_full()
    }

    /// The change feed: every write published after subscribing.
    pub fn subscribe(&self) -> broadcast::Receiver<ChangeEvent> {
        self.inner.changes.subscribe()
    }

    /// Applies `changes` all-or-nothing, in order: a change sees the batch's earlier changes.
    /// Blocking (it fsyncs): call it from a blocking task. Costs what the changes touch.
    ///
    /// Group commit: writes that arrive while another is being made durable wait for the lock
    /// together; the next writer to get it applies them all, each as its own version (one
    /// refused write does not affect the others), journals them with one fsync, and answers
    /// each. Every write is still acknowledged only after its record is on disk.
    /// The write is recorded without a writer's name; see [`Store::apply_as`].
    pub fn apply(&self, changes: &[Change]) -> Result<Applied, StoreError> {
        self.commit(None, None, changes)
    }

    /// [`Store::apply`] for a write its client named (`clientMutationId`): if a write of the
    /// same changes was committed under that name, it is not applied again and its outcome is
    /// answered (`replayed`); the name used for other changes is refused. The most recent
    /// [`REMEMBERED_WRITES`] names are remembered, across restarts (the journal keeps them).
    pub fn apply_named(
        &self,
        client_id: Option<&str>,
        changes: &[Change],
    ) -> Result<Applied, StoreError> {
        self.commit(None, client_id, changes)
    }

    /// [`Store::apply_named`] by the writer named `by` (the name of the token it was made
    /// with): the journal and the history record the name, and the time it was committed.
    pub fn apply_as(
        &self,
        by: &str,
        client_id: Option<&str>,
        changes: &[Change],
    ) -> Result<Applied, StoreError> {
        self.commit(Some(Arc::from(by)), client_id, changes)
    }

    fn commit(
        &self,
        by: Option<Arc<str>>,
        client_id: Option<&str>,
        changes: &[Change],
    ) -> Result<Applied, StoreError> {
        if changes.is_empty() {
            return Err(StoreError::Invalid("no changes given".into()));
        }
        if let Some(id) = client_id
            && (id.is_empty() || id.len() > MAX_CLIENT_MUTATION_ID_BYTES)
        {
            return Err(StoreError::Invalid(format!(
                "a clientMutationId has 1 to {MAX_CLIENT_MUTATION_ID_BYTES} bytes, this one {}",
                id.len()
            )));
        }
        let slot: Slot = Arc::new(Mutex::new(None));
        lock(&self.inner.queue).push((
            changes.to_vec(),
            client_id.map(str::to_string),
            by,
            slot.clone(),
        ));
        let mut w = self.lock();
        if let Some(done) = lock(&slot).take() {
            // An earlier writer committed this one with its own.
            return done;
        }
        let pending = std::mem::take(&mut *lock(&self.inner.queue));
        let mut g = w.graph.clone();
        // One time for the group, taken under the lock: the group commits at once, and times
        // follow versions.
        let at = history::commit_time(w.history.last_at());
        // Each write made: its answer slot, event, journal record, and name with digest.
        let mut made: Vec<Made> = vec![];
        // Retries answered once the group is committed: (slot, index in `made`).
        let mut retries_in_group: Vec<(Slot, usize)> = vec![];
        for (changes, client_id, by, slot) in pending {
            let named = client_id.map(|id| {
                let d = recent::digest(&changes);
                (id, d)
            });
            if let Some((id, d)) = &named {
                match w.recent.seen(id, d) {
                    Seen::New => {}
                    Seen::Retry(r) => {
                        *lock(&slot) = Some(Ok(self.replayed(r)));
                        continue;
                    }
                    Seen::Conflict => {
                        *lock(&slot) = Some(Err(reused(id)));
                        continue;
                    }
                }
                // The same name twice in one group: the second is a retry of the first.
                if let Some(i) = made
                    .iter()
                    .position(|m| m.3.as_ref().is_some_and(|n| n.0 == *id))
                {
                    if made[i].3.as_ref().is_some_and(|n| n.1 == *d) {
                        retries_in_group.push((slot, i));
                    } else {
                        *lock(&slot) = Some(Err(reused(id)));
                    }
                    continue;
                }
            }
            let signed = Signed { by, at: Some(at) };
            match self.make(&g, &changes, named.as_ref().map(|n| n.0.as_str()), &signed) {
                Ok((next, event, payload, info)) => {
                    g = next;
                    made.push((slot, event, payload, named, info));
                }
                Err(e) => *lock(&slot) = Some(Err(e)),
            }
        }
        if let Some(journal) = &mut w.journal {
            let payloads: Vec<serde_json::Value> = made.iter().map(|m| m.2.clone()).collect();
            if let Err(e) = journal.append_many(&payloads) {
                // Nothing of the group is on disk: none of it is published.
                let err = || StoreError::Durability(e.to_string());
                for (slot, ..) in made {
                    *lock(&slot) = Some(Err(err()));
                }
                for (slot, _) in retries_in_group {
                    *lock(&slot) = Some(Err(err()));
                }
                drop(w);
                return take(&slot);
            }
        }
        let mut h = w.history.clone();
        for m in &mut made {
            h.record(std::mem::take(&mut m.4));
        }
        // The history first: a reader of the new version must find its writes.
        self.inner.history.store(Arc::new(h.clone()));
        w.history = h;
        w.graph = g.clone();
        self.inner.current.store(Arc::new(g));
        for (slot, i) in retries_in_group {
            let event = made[i].1.clone();
            *lock(&slot) = Some(Ok(Applied {
                graph: event.graph.clone(),
                event,
                replayed: true,
            }));
        }
        for (slot, event, _, named, _) in made {
            if let Some((id, d)) = named {
                w.recent.remember(
                    &id,
                    d,
                    event.version,
                    event.ops.clone(),
                    event.touched.clone(),
                );
            }
            // Sent under the lock, so the feed carries versions in order. No subscriber is
            // not an error.
            let _ = self.inner.changes.send(event.clone());
            *lock(&slot) = Some(Ok(Applied {
                graph: event.graph.clone(),
                event,
                replayed: false,
            }));
        }
        drop(w);
        self.wake_ranking();
        take(&slot)
    }

    /// The answer to a retry: the original write's version and what it touched, with the
    /// latest committed version to read the objects from.
    fn replayed(&self, r: &recent::Remembered) -> Applied {
        let graph = self.inner.current.load_full();
        Applied {
            event: ChangeEvent {
                version: r.version,
                graph: graph.clone(),
                ops: r.ops.clone(),
                touched: r.touched.clone(),
            },
            graph,
            replayed: true,
        }
    }

    /// One write applied to a clone of `base`: the new version, its change event and its
    /// journal payload. `base` is left as it was if the write is refused.
    fn make(
        &self,
        base: &Graph,
        changes: &[Change],
        client_id: Option<&str>,
        signed: &Signed,
    ) -> Result<(Graph, ChangeEvent, serde_json::Value, WriteInfo), StoreError> {
        let mut g = base.clone();
        let mut touched = Touched::default();
        // Checks between records wait for the last change: a batch may move a date and what
        // is inferred from it, in either order.
        g.begin_batch();
        for (i, c) in changes.iter().enumerate() {
            g.batch_change(i);
            let t = c.apply(&mut g).map_err(|error| StoreError::Rejected {
                message: numbered(changes.len(), i, error.message()),
                change: i,
                error,
            })?;
            touched.extend(t);
        }
        g.end_batch().map_err(|(i, e)| {
            let error = ChangeError::from_graph("", e);
            StoreError::Rejected {
                message: numbered(changes.len(), i, error.message()),
                change: i,
                error,
            }
        })?;
        let version = base.version() + 1;
        g.set_version(version);
        let payload = journal_payload(changes, client_id, signed)
            .map_err(|e| StoreError::Durability(e.to_string()))?;
        let info = write_info(version, changes, client_id, signed, &touched);
        let event = ChangeEvent {
            version,
            graph: Arc::new(g.clone()),
            ops: changes.iter().map(Change::op).collect(),
            touched,
        };
        Ok((g, event, payload, info))
    }

    /// Asks the ranking thread (started on the first write) to rank the latest version.
    fn wake_ranking(&self) {
        let mut wake = self
            .inner
            .rank_wake
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if wake.as_ref().is_none_or(|tx| tx.send(()).is_err()) {
            let (tx, rx) = mpsc::channel();
            let _ = tx.send(());
            let weak = Arc::downgrade(&self.inner);
            let spawned = std::thread::Builder::new()
                .name("newsgraph-rank".into())
                .spawn(move || rank_loop(weak, rx));
            match spawned {
                Ok(_) => *wake = Some(tx),
                Err(e) => tracing::warn!(error = %e, "cannot start the ranking thread"),
            }
        }
    }

    /// Folds the journal into a snapshot of the current records. The metadata of the writes
    /// it folds (who, when, what they touched) is appended to `history.jsonl` first, so the
    /// history outlives the journal records.
    pub fn compact(&self) -> Result<(), StoreError> {
        let mut w = self.lock();
        let snapshot = seed::records_of(&w.graph);
        let w = &mut *w;
        let Some(j) = &mut w.journal else {
            return Err(StoreError::Invalid(
                "there is no data directory to compact".into(),
            ));
        };
        let dir = j.path().parent().unwrap_or(Path::new("."));
        history::append_file(dir, w.history.since(w.history_filed))?;
        w.history_filed = w.history.last_version();
        j.compact(&snapshot).map_err(StoreError::from)
    }

    /// Makes `graph`, built from `records` (which the caller validated doing so), the data
    /// directory's new snapshot: the journal's writes are folded away as by [`Store::compact`],
    /// their history kept. For `newsgraph import`, with the server stopped: the version number
    /// stays (no write is journaled), so history has no entry for the import.
    pub fn import(&self, mut graph: Graph, records: &RecordSet) -> Result<u64, StoreError> {
        let mut w = self.lock();
        let w = &mut *w;
        let Some(j) = &mut w.journal else {
            return Err(StoreError::Invalid(
                "there is no data directory to import into".into(),
            ));
        };
        let dir = j.path().parent().unwrap_or(Path::new(".")).to_path_buf();
        history::append_file(&dir, w.history.since(w.history_filed))?;
        w.history_filed = w.history.last_version();
        j.compact(records).map_err(StoreError::from)?;
        let version = w.graph.version();
        graph.set_version(version);
        w.graph = graph;
        self.inner.current.store(Arc::new(w.graph.clone()));
        Ok(version)
    }

    /// The current graph version's number.
    pub fn version(&self) -> u64 {
        self.graph().version()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Writer> {
        self.inner.lock()
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Writer> {
        // A panic while holding the lock cannot leave the graph half-changed (writes change a
        // clone and publish it whole), so a poisoned lock is still safe to use.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Ranks the latest version after each burst of writes, and rebuilds the search index's
/// transducers when writes added enough new words, until the store is dropped.
///
/// Between two rankings it waits at least four times as long as the last one took, so under a
/// steady stream of writes ranking uses at most a fifth of one core, whatever the graph's size.
fn rank_loop(inner: Weak<Inner>, wake: mpsc::Receiver<()>) {
    let mut last = Duration::ZERO;
    while wake.recv().is_ok() {
        std::thread::sleep(RANK_SETTLE.max(last * 4));
        while wake.try_recv().is_ok() {}
        let Some(inner) = inner.upgrade() else { return };
        let g = inner.current.load_full();
        if g.search_wants_compaction() {
            let c = g.compact_search();
            let mut w = inner.lock();
            if w.graph.install_search(c) {
                inner.current.store(Arc::new(w.graph.clone()));
            }
        }
        if g.rank().ready && g.rank().version == g.version() {
            continue;
        }
        let started = std::time::Instant::now();
        let rank = Arc::new(crate::graph::compute_rank(&g));
        last = started.elapsed();
        release_freed_memory();
        tracing::debug!(
            version = g.version(),
            ms = last.as_millis() as u64,
            "ranked"
        );
        // Under the lock `current` is the writer's latest version: publish it with the rank.
        let mut w = inner.lock();
        w.graph.set_rank_arc(rank);
        inner.current.store(Arc::new(w.graph.clone()));
    }
}

/// Hands the heap that loading freed (the parsed records, the loader's maps) back to the
/// system. glibc's allocator keeps freed memory for reuse, so without this the resident size
/// after loading 10⁶ nodes stays near its peak for good.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of glibc's own heap to the kernel; it touches
    // no memory in use and may be called at any time from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Locks a mutex whose data stays consistent even if a holder panicked (it is replaced whole).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The answer a committing writer left in a slot.
fn take(slot: &Slot) -> Result<Applied, StoreError> {
    lock(slot).take().unwrap_or_else(|| {
        Err(StoreError::Durability(
            "the write was not committed (its committer stopped)".into(),
        ))
    })
}

/// The refusal of a name reused for other changes.
fn reused(id: &str) -> StoreError {
    StoreError::Invalid(format!(
        "clientMutationId `{id}` was already used for a different write"
    ))
}

/// Prefixes a batch error with the change's position.
fn numbered(total: usize, i: usize, msg: &str) -> String {
    if total == 1 {
        msg.to_string()
    } else {
        format!("change #{}: {msg}", i + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::EntityRecord;

    fn add(id: &str) -> Change {
        Change::AddEntity {
            entity: EntityRecord {
                id: id.into(),
                kind: "state".into(),
                name: id.into(),
                labels: Default::default(),
                aliases: vec![],
                ..Default::default()
            },
        }
    }

    /// Writers that arrive together are committed together (one fsync), yet each write is
    /// its own version, a refused one leaves the others alone, and all survive a restart.
    #[test]
    fn concurrent_writers_each_get_a_version_and_a_refused_write_spoils_no_other() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(&SeedSource::BuiltIn, Some(dir.path())).unwrap());
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    (0..25)
                        .map(|i| {
                            // Every writer also tries an id that is already taken, once.
                            let id = if i == 10 {
                                "state/estonia".to_string()
                            } else {
                                format!("state/w{t}-{i}")
                            };
                            store.apply(&[add(&id)]).map(|a| a.event.version)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let results: Vec<Result<u64, StoreError>> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        let mut versions: Vec<u64> = results
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .copied()
            .collect();
        let refused = results.iter().filter(|r| r.is_err()).count();
        assert_eq!(refused, 8, "exactly the duplicate ids are refused");
        versions.sort();
        assert_eq!(
            versions,
            (1..=192).collect::<Vec<u64>>(),
            "one version per write, none lost"
        );
        assert_eq!(store.version(), 192);
        drop(store);
        // The ranking thread may still be ranking the last version (it holds the store while
        // it publishes), and the journal's lock goes with the store: wait for it to let go.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let again = loop {
            match Store::open(&SeedSource::BuiltIn, Some(dir.path())) {
                Err(StoreError::Journal(crate::journal::JournalError::Locked { .. }))
                    if std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => break other.unwrap(),
            }
        };
        assert_eq!(again.version(), 192);
        let g = again.graph();
        assert!((0..8).all(|t| g.lookup(&format!("state/w{t}-24")).is_some()));
    }

    /// Opens `dir` again once the previous store let go of it (its ranking thread may still
    /// hold it for a moment).
    fn reopen(dir: &Path) -> Store {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            match Store::open(&SeedSource::BuiltIn, Some(dir)) {
                Err(StoreError::Journal(crate::journal::JournalError::Locked { .. }))
                    if std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => break other.unwrap(),
            }
        }
    }

    fn all_writes(store: &Store) -> Vec<WriteInfo> {
        let h = store.history();
        h.writes(u64::MAX, None, usize::MAX)
            .writes
            .iter()
            .map(|w| (**w).clone())
            .collect()
    }

    /// Who made each write and when is in its journal record, and the history rebuilt from
    /// the journal, then from `history.jsonl` after a compaction, is the one the writes made.
    #[test]
    fn writes_keep_their_writer_and_time_across_a_restart_and_a_compaction() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&SeedSource::BuiltIn, Some(dir.path())).unwrap();
        store
            .apply_as("alice", Some("m-1"), &[add("state/a")])
            .unwrap();
        store.apply_as("bob", None, &[add("state/b")]).unwrap();
        let journal = std::fs::read_to_string(dir.path().join("journal.log")).unwrap();
        let lines: Vec<&str> = journal.lines().collect();
        assert!(lines[0].contains(r#""by":"alice""#), "{}", lines[0]);
        assert!(lines[0].contains(r#""client_mutation_id":"m-1""#));
        assert!(lines[1].contains(r#""by":"bob""#) && lines[1].contains(r#""at":"20"#));
        let made = all_writes(&store);
        assert_eq!(made.len(), 2);
        assert_eq!(made[0].version, 2, "newest first");
        assert_eq!(made[1].by.as_deref(), Some("alice"));
        assert!(made[0].at >= made[1].at && made[1].at.is_some());
        assert!(made[1].created.nodes.contains("state/a"));
        drop(store);

        let again = reopen(dir.path());
        assert_eq!(all_writes(&again), made, "replayed from the journal");
        again.compact().unwrap();
        drop(again);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("journal.log")).unwrap(),
            ""
        );
        let compacted = reopen(dir.path());
        assert_eq!(all_writes(&compacted), made, "read from history.jsonl");
        compacted
            .apply_as("carol", None, &[add("state/c")])
            .unwrap();
        compacted.compact().unwrap();
        drop(compacted);
        let last = reopen(dir.path());
        let writes = all_writes(&last);
        assert_eq!(writes.len(), 3, "each write filed once");
        assert_eq!(writes[0].by.as_deref(), Some("carol"));
        assert_eq!(&writes[1..], &made[..]);
    }

    /// Journal records from before provenance (the changes alone, or with a client's name)
    /// still replay; their writes are in the history without a writer or a time.
    #[test]
    fn journal_records_without_a_writer_still_replay() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut j, _) = Journal::open(dir.path()).unwrap();
            j.append(&serde_json::to_value([add("state/old-1")]).unwrap())
                .unwrap();
            j.append(&serde_json::json!({
                "client_mutation_id": "old",
                "changes": [add("state/old-2")],
            }))
            .unwrap();
        }
        let store = Store::open(&SeedSource::BuiltIn, Some(dir.path())).unwrap();
        assert_eq!(store.version(), 2);
        let writes = all_writes(&store);
        assert_eq!(writes.len(), 2);
        assert!(writes.iter().all(|w| w.by.is_none() && w.at.is_none()));
        assert_eq!(writes[0].client_mutation_id.as_deref(), Some("old"));
        let h = store.history();
        assert_eq!(
            h.created(Record::Node("state/old-1"), 2).map(|w| w.version),
            Some(1)
        );
    }

    /// Eight clients retrying one named write at once (some in one commit group, some after
    /// it): it is applied once, every one of them is answered with its version, and only the
    /// first answer is not `replayed`.
    #[test]
    fn concurrent_retries_of_a_named_write_apply_it_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(&SeedSource::BuiltIn, Some(dir.path())).unwrap());
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                std::thread::spawn(move || {
                    (0..20)
                        .map(|_| {
                            store
                                .apply_named(Some("once"), &[add("state/once")])
                                .map(|a| (a.event.version, a.replayed))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let results: Vec<(u64, bool)> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .map(|r| r.expect("every retry is answered"))
            .collect();
        assert_eq!(store.version(), 1);
        assert!(results.iter().all(|(v, _)| *v == 1));
        assert_eq!(results.iter().filter(|(_, replayed)| !replayed).count(), 1);
        let other = store.apply_named(Some("once"), &[add("state/twice")]);
        assert!(matches!(other, Err(StoreError::Invalid(m)) if m.contains("already used")));
        assert_eq!(store.version(), 1);
    }
}
