//! The writes clients named with a `clientMutationId`, remembered so that a retry of one (the
//! client lost the answer, not the write) gets the original outcome instead of a duplicate or
//! an "already exists" error.
//!
//! A name is remembered with a digest of the changes it named: the same name with other
//! changes is a client bug, refused rather than silently treated as a retry. The table keeps
//! the most recent [`CAPACITY`] names; the journal records each name with its write, so a
//! restart remembers them too.

use std::collections::{HashMap, VecDeque};

use sha2::{Digest, Sha256};

use super::change::{Change, Touched};

/// How many named writes are remembered (the oldest is forgotten first).
pub const CAPACITY: usize = 10_000;

/// The longest `clientMutationId` accepted, in bytes.
pub const MAX_ID_BYTES: usize = 255;

/// What a named write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remembered {
    digest: [u8; 16],
    pub version: u64,
    pub ops: Vec<&'static str>,
    pub touched: Touched,
}

/// The outcome of looking a name up for a write.
#[derive(Debug, PartialEq, Eq)]
pub enum Seen<'a> {
    New,
    /// The same changes were committed under this name.
    Retry(&'a Remembered),
    /// The name was used for other changes.
    Conflict,
}

/// Named writes, most recent last.
#[derive(Debug, Default)]
pub struct Recent {
    by_id: HashMap<String, Remembered>,
    order: VecDeque<String>,
}

/// A digest of changes, to tell a retry from a reuse of the name.
pub fn digest(changes: &[Change]) -> [u8; 16] {
    let json = serde_json::to_vec(changes).unwrap_or_default();
    let full = Sha256::digest(&json);
    let mut d = [0u8; 16];
    d.copy_from_slice(&full[..16]);
    d
}

impl Recent {
    pub fn seen(&self, id: &str, digest: &[u8; 16]) -> Seen<'_> {
        match self.by_id.get(id) {
            None => Seen::New,
            Some(r) if r.digest == *digest => Seen::Retry(r),
            Some(_) => Seen::Conflict,
        }
    }

    pub fn remember(
        &mut self,
        id: &str,
        digest: [u8; 16],
        version: u64,
        ops: Vec<&'static str>,
        touched: Touched,
    ) {
        let r = Remembered {
            digest,
            version,
            ops,
            touched,
        };
        if self.by_id.insert(id.to_string(), r).is_none() {
            self.order.push_back(id.to_string());
        }
        while self.order.len() > CAPACITY {
            if let Some(old) = self.order.pop_front() {
                self.by_id.remove(&old);
            }
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.by_id.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_a_retry_with_the_same_changes_and_a_conflict_with_others() {
        let a = vec![Change::RemoveRelation { id: "r1".into() }];
        let b = vec![Change::RemoveRelation { id: "r2".into() }];
        let mut recent = Recent::default();
        assert_eq!(recent.seen("x", &digest(&a)), Seen::New);
        recent.remember(
            "x",
            digest(&a),
            7,
            vec!["remove_relation"],
            Touched::default(),
        );
        match recent.seen("x", &digest(&a)) {
            Seen::Retry(r) => assert_eq!(r.version, 7),
            other => panic!("{other:?}"),
        }
        assert_eq!(recent.seen("x", &digest(&b)), Seen::Conflict);
        assert_eq!(recent.seen("y", &digest(&a)), Seen::New);
    }

    #[test]
    fn the_oldest_names_are_forgotten_first() {
        let a = vec![Change::RemoveRelation { id: "r".into() }];
        let mut recent = Recent::default();
        for i in 0..CAPACITY + 5 {
            recent.remember(
                &format!("n{i}"),
                digest(&a),
                i as u64,
                vec![],
                Touched::default(),
            );
        }
        assert_eq!(recent.len(), CAPACITY);
        assert_eq!(recent.seen("n0", &digest(&a)), Seen::New);
        assert!(matches!(
            recent.seen(&format!("n{}", CAPACITY + 4), &digest(&a)),
            Seen::Retry(_)
        ));
    }
}
