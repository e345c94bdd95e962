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
//! PageRank, the one global derived value, is recomputed by a background thread after writes
//! (at most one computation at a time, the latest version each time) and published into the
//! current version when ready; [`crate::graph::Rank::version`] says which version it reflects.

mod change;

use std::path::Path;
use std::sync::{Arc, Mutex, Weak, mpsc};
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::sync::broadcast;

pub use change::{
    Change, ChangeError, EntityPatch, EventPatch, RelationPatch, SourcePatch, Touched,
};

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
    /// The write names a record that does not exist; nothing was changed.
    #[error("{0}")]
    NotFound(String),
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
}

struct Writer {
    /// The latest committed version (the same as `current`, less a newer ranking).
    graph: Graph,
    journal: Option<Journal>,
}

struct Inner {
    current: ArcSwap<Graph>,
    writer: Mutex<Writer>,
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
        if let Some(dir) = data_dir {
            let (j, replay) = Journal::open(dir)?;
            if let Some(warning) = &replay.dropped_torn_tail {
                tracing::warn!(journal = %j.path().display(), "{warning}");
            }
            let mut g = match replay.snapshot {
                Some(snapshot) => {
                    let records: RecordSet =
                        serde_json::from_value(snapshot).map_err(|e| StoreError::Replay {
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
                let changes: Vec<Change> =
                    serde_json::from_value(entry.payload).map_err(|e| StoreError::Replay {
                        what: format!("journal record {}", entry.seq),
                        problem: format!("not a change this server knows: {e}"),
                    })?;
                for c in &changes {
                    c.apply(&mut g).map_err(|e| StoreError::Replay {
                        what: format!("journal record {} ({})", entry.seq, c.op()),
                        problem: e.to_string(),
                    })?;
                }
                g.set_version(entry.seq);
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
            writer: Mutex::new(Writer { graph, journal }),
            changes,
            rank_wake: Mutex::new(None),
        });
        let store = Store { inner };
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

    /// The change feed: every write published after subscribing.
    pub fn subscribe(&self) -> broadcast::Receiver<ChangeEvent> {
        self.inner.changes.subscribe()
    }

    /// Applies `changes` all-or-nothing, in order: a change sees the batch's earlier changes.
    /// Blocking (it fsyncs): call it from a blocking task. Costs what the changes touch.
    pub fn apply(&self, changes: &[Change]) -> Result<Applied, StoreError> {
        if changes.is_empty() {
            return Err(StoreError::Invalid("no changes given".into()));
        }
        let mut w = self.lock();
        let mut g = w.graph.clone();
        let mut touched = Touched::default();
        for (i, c) in changes.iter().enumerate() {
            let t = c.apply(&mut g).map_err(|e| {
                let msg = numbered(changes.len(), i, e.message());
                match e {
                    ChangeError::NotFound(_) if changes.len() == 1 => StoreError::NotFound(msg),
                    _ => StoreError::Invalid(msg),
                }
            })?;
            touched.extend(t);
        }
        let version = w.graph.version() + 1;
        g.set_version(version);
        if let Some(journal) = &mut w.journal {
            let payload =
                serde_json::to_value(changes).map_err(|e| StoreError::Durability(e.to_string()))?;
            let seq = journal
                .append(&payload)
                .map_err(|e| StoreError::Durability(e.to_string()))?;
            debug_assert_eq!(
                seq, version,
                "journal sequence and graph version move together"
            );
        }
        w.graph = g.clone();
        let graph = Arc::new(g);
        self.inner.current.store(graph.clone());
        let event = ChangeEvent {
            version,
            graph: graph.clone(),
            ops: changes.iter().map(Change::op).collect(),
            touched,
        };
        // Sent under the lock, so the feed carries versions in order. No subscriber is not an
        // error.
        let _ = self.inner.changes.send(event.clone());
        drop(w);
        self.wake_ranking();
        Ok(Applied { graph, event })
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

    /// Folds the journal into a snapshot of the current records.
    pub fn compact(&self) -> Result<(), StoreError> {
        let mut w = self.lock();
        let snapshot = serde_json::to_value(seed::records_of(&w.graph))
            .map_err(|e| StoreError::Durability(e.to_string()))?;
        match &mut w.journal {
            Some(j) => j.compact(&snapshot).map_err(StoreError::from),
            None => Err(StoreError::Invalid(
                "there is no data directory to compact".into(),
            )),
        }
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

/// Ranks the latest version after each burst of writes, until the store is dropped.
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
        if g.rank().ready && g.rank().version == g.version() {
            continue;
        }
        let started = std::time::Instant::now();
        let rank = Arc::new(crate::graph::compute_rank(&g));
        last = started.elapsed();
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

/// Prefixes a batch error with the change's position.
fn numbered(total: usize, i: usize, msg: &str) -> String {
    if total == 1 {
        msg.to_string()
    } else {
        format!("change #{}: {msg}", i + 1)
    }
}
