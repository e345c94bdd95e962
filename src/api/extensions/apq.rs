//! Automatic Persisted Queries (Apollo's protocol), bounded in count and in bytes. A document
//! is remembered only once it has passed every check a request to run it passes (the pipeline
//! calls [`ApqCache::insert`] after validation), and a document looked up by its hash goes
//! through the whole pipeline like any other, so the hash is only a shorter way to send it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

/// Least recently used documents by their SHA-256, within `max_entries` and `max_bytes`.
pub struct ApqCache {
    max_entries: usize,
    max_bytes: usize,
    inner: Mutex<Lru>,
}

#[derive(Default)]
struct Lru {
    by_hash: HashMap<String, (Arc<str>, u64)>,
    by_use: BTreeMap<u64, String>,
    tick: u64,
    bytes: usize,
}

/// What one entry costs: its hash and its text (the map's own overhead is a constant per entry,
/// bounded by the count).
fn cost(hash: &str, query: &str) -> usize {
    hash.len() + query.len()
}

impl ApqCache {
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        ApqCache {
            max_entries,
            max_bytes,
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The document with this hash, if remembered (and now the most recently used).
    pub fn get(&self, hash: &str) -> Option<Arc<str>> {
        let mut lru = self.lock();
        lru.tick += 1;
        let tick = lru.tick;
        let (query, old) = {
            let entry = lru.by_hash.get_mut(hash)?;
            let old = std::mem::replace(&mut entry.1, tick);
            (entry.0.clone(), old)
        };
        lru.by_use.remove(&old);
        lru.by_use.insert(tick, hash.to_string());
        Some(query)
    }

    /// Remembers `query` under `hash`, evicting the least recently used entries to stay
    /// within both bounds; a document larger than the whole byte bound is not kept.
    pub fn insert(&self, hash: String, query: &str) {
        let size = cost(&hash, query);
        if size > self.max_bytes || self.max_entries == 0 {
            return;
        }
        let mut lru = self.lock();
        if let Some((_, old)) = lru.by_hash.remove(&hash) {
            lru.by_use.remove(&old);
            lru.bytes -= size;
        }
        while lru.bytes + size > self.max_bytes || lru.by_hash.len() >= self.max_entries {
            let Some((_, oldest)) = lru.by_use.pop_first() else {
                break;
            };
            if let Some((q, _)) = lru.by_hash.remove(&oldest) {
                lru.bytes -= cost(&oldest, &q);
            }
        }
        lru.tick += 1;
        let tick = lru.tick;
        lru.by_use.insert(tick, hash.clone());
        lru.by_hash.insert(hash, (Arc::from(query), tick));
        lru.bytes += size;
    }

    /// Bytes held (hashes and texts).
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.lock().by_hash.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The lowercase hex SHA-256 of `query`, as the protocol names documents.
pub fn sha256_hex(query: &str) -> String {
    let digest = Sha256::digest(query.as_bytes());
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_stays_within_its_bytes_and_forgets_the_least_recently_used() {
        let c = ApqCache::new(100, 1000);
        let q = "x".repeat(300);
        for i in 0..10 {
            c.insert(format!("h{i}"), &q);
            assert!(c.bytes() <= 1000, "{}", c.bytes());
        }
        assert_eq!(c.len(), 3);
        assert!(c.get("h9").is_some() && c.get("h0").is_none());
        // A document larger than the whole bound is not kept, and evicts nothing.
        c.insert("big".into(), &"y".repeat(2000));
        assert_eq!(c.len(), 3);
        assert!(c.get("big").is_none());
    }

    #[test]
    fn the_cache_stays_within_its_count() {
        let c = ApqCache::new(2, 1 << 20);
        for h in ["a", "b", "c"] {
            c.insert(h.into(), "{ __typename }");
        }
        assert_eq!(c.len(), 2);
        assert!(c.get("a").is_none());
        // Reinserting an entry does not count it twice.
        c.insert("c".into(), "{ __typename }");
        assert_eq!((c.len(), c.bytes()), (2, 2 * cost("c", "{ __typename }")));
    }

    #[test]
    fn hashes_are_lowercase_hex_sha256() {
        assert_eq!(
            sha256_hex("{ __typename }"),
            "7f56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4b"
        );
    }
}
