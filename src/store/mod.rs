//! The store: the current graph version, the records it was built from, and the journal that
//! makes writes durable. It knows nothing of GraphQL or HTTP.
//!
//! Readers take the current `Arc<Graph>` (lock-free, `arc-swap`) and keep it for a whole
//! request, so a write never makes them wait nor changes what they see mid-query. Writes are
//! serialised by a mutex: apply the changes to a copy of the records, rebuild and validate the
//! graph, append the changes to the journal and fsync, then publish the new version. A write
//! is acknowledged only after the fsync, so no acknowledged write is lost; a write that fails
//! validation leaves everything unchanged.

mod change;

use std::path::Path;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use tokio::sync::broadcast;

pub use change::{Change, ChangeError, Touched};

use crate::graph::Graph;
use crate::journal::{Journal, JournalError};
use crate::seed::{self, BuildError, RecordSet, SeedError, SeedSource};

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
    records: RecordSet,
    journal: Option<Journal>,
    version: u64,
}

/// The graph versions and the write path.
pub struct Store {
    current: ArcSwap<Graph>,
    writer: Mutex<Writer>,
    changes: broadcast::Sender<ChangeEvent>,
}

/// How many change events a slow subscriber may fall behind before it misses some.
const FEED_CAPACITY: usize = 1024;

impl Store {
    /// Loads the seed, then, with a data directory, its snapshot (which replaces the seed) and
    /// the journal after it.
    pub fn open(seed: &SeedSource, data_dir: Option<&Path>) -> Result<Store, StoreError> {
        let mut records = seed::read(seed)?;
        let mut journal = None;
        let mut version = 0;
        if let Some(dir) = data_dir {
            let (j, replay) = Journal::open(dir)?;
            if let Some(warning) = &replay.dropped_torn_tail {
                tracing::warn!(journal = %j.path().display(), "{warning}");
            }
            if let Some(snapshot) = replay.snapshot {
                records = serde_json::from_value(snapshot).map_err(|e| StoreError::Replay {
                    what: format!("{}", dir.join("snapshot.json").display()),
                    problem: format!("not a snapshot of this server's records: {e}"),
                })?;
            }
            for entry in replay.entries {
                let changes: Vec<Change> =
                    serde_json::from_value(entry.payload).map_err(|e| StoreError::Replay {
                        what: format!("journal record {}", entry.seq),
                        problem: format!("not a change this server knows: {e}"),
                    })?;
                for c in &changes {
                    c.apply(&mut records).map_err(|e| StoreError::Replay {
                        what: format!("journal record {} ({})", entry.seq, c.op()),
                        problem: e.0,
                    })?;
                }
                version = entry.seq;
            }
            // The snapshot covers records up to its own sequence number: the version goes on
            // from there, not from 0.
            version = version.max(j.last_seq());
            journal = Some(j);
        }
        let graph = match (data_dir, seed::build(&records)) {
            (_, Ok(g)) => g,
            (None, Err(e)) => return Err(seed::seed_error(seed, e).into()),
            (Some(dir), Err(e)) => {
                return Err(StoreError::Replay {
                    what: format!("the seed with the data in {}", dir.display()),
                    problem: e.to_string(),
                });
            }
        };
        let (changes, _) = broadcast::channel(FEED_CAPACITY);
        Ok(Store {
            current: ArcSwap::from_pointee(graph),
            writer: Mutex::new(Writer {
                records,
                journal,
                version,
            }),
            changes,
        })
    }

    /// The current graph version. Cheap; hold it for as long as one answer needs.
    pub fn graph(&self) -> Arc<Graph> {
        self.current.load_full()
    }

    /// The change feed: every write published after subscribing.
    pub fn subscribe(&self) -> broadcast::Receiver<ChangeEvent> {
        self.changes.subscribe()
    }

    /// Reads the current records without copying them all (e.g. to find one to update).
    pub fn with_records<T>(&self, f: impl FnOnce(&RecordSet) -> T) -> T {
        f(&self.lock().records)
    }

    /// Applies `changes` all-or-nothing. Blocking (it rebuilds the graph and fsyncs): call it
    /// from a blocking task.
    pub fn apply(&self, changes: &[Change]) -> Result<Applied, StoreError> {
        if changes.is_empty() {
            return Err(StoreError::Invalid("no changes given".into()));
        }
        let mut w = self.lock();
        let mut records = w.records.clone();
        let mut touched = Touched::default();
        for (i, c) in changes.iter().enumerate() {
            let t = c
                .apply(&mut records)
                .map_err(|e| StoreError::Invalid(numbered(changes.len(), i, &e.0)))?;
            touched.extend(t);
        }
        let graph = seed::build(&records)
            .map_err(|e: BuildError| StoreError::Invalid(self.locate(&w.records, changes, e)))?;
        let version = w.version + 1;
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
        w.records = records;
        w.version = version;
        let graph = Arc::new(graph);
        self.current.store(graph.clone());
        let event = ChangeEvent {
            version,
            graph: graph.clone(),
            ops: changes.iter().map(Change::op).collect(),
            touched,
        };
        // No subscriber is not an error.
        let _ = self.changes.send(event.clone());
        Ok(Applied { graph, event })
    }

    /// Names the change of a failed batch that broke the graph: the first whose prefix of the
    /// batch no longer builds. Only on the error path, and only for batches small enough that
    /// rebuilding once per change is cheap; otherwise the message stands without a position.
    fn locate(&self, base: &RecordSet, changes: &[Change], e: BuildError) -> String {
        const MAX_TO_LOCATE: usize = 50;
        if changes.len() == 1 || changes.len() > MAX_TO_LOCATE {
            return e.to_string();
        }
        let mut records = base.clone();
        for (i, c) in changes.iter().enumerate() {
            if c.apply(&mut records).is_err() {
                break;
            }
            if let Err(first) = seed::build(&records) {
                return numbered(changes.len(), i, &first.to_string());
            }
        }
        // Only the batch as a whole fails (a later change breaks what an earlier one needs).
        e.to_string()
    }

    /// Folds the journal into a snapshot of the current records.
    pub fn compact(&self) -> Result<(), StoreError> {
        let mut w = self.lock();
        let snapshot =
            serde_json::to_value(&w.records).map_err(|e| StoreError::Durability(e.to_string()))?;
        match &mut w.journal {
            Some(j) => j.compact(&snapshot).map_err(StoreError::from),
            None => Err(StoreError::Invalid(
                "there is no data directory to compact".into(),
            )),
        }
    }

    /// The current graph version's number.
    pub fn version(&self) -> u64 {
        self.lock().version
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Writer> {
        // A panic while holding the lock cannot leave the records half-changed (they are
        // replaced whole), so a poisoned lock is still safe to use.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
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
