//! The term index behind search: for a query word, the nodes with a word that could match it.
//!
//! Every node's normalised texts (see [`super::search::node_texts`]) are split into words; each
//! distinct word is a term with a dense id, and each term has a posting list of the nodes that
//! use it. The terms known when the index was built are in two finite-state transducers
//! (`fst`): one maps a word to its id (exact and prefix lookups, and typo lookups with a
//! Levenshtein automaton), one holds every suffix of every word (substring lookups). Words
//! first seen in a write go to a small persistent map beside them, scanned per query, until a
//! compaction (in the background, see [`TermIndex::compacted`]) folds them into new
//! transducers.
//!
//! The index answers a superset: a node is a candidate when, for each query word, one of its
//! words could satisfy some tier of the ranking. The ranking in `search.rs` then scores only
//! the candidates, so it stays the single definition of what matches. That is also why writes
//! never remove postings: a posting left by a renamed or removed node only costs a rejected
//! candidate, while removing it would mean scanning a list that, for a word like "the", holds
//! most events.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use fst::automaton::{Automaton, Str};
use fst::{IntoStreamer, Streamer};
use imbl::{OrdMap, Vector};
use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder};
use petgraph::graph::NodeIndex;

/// When this many words wait outside the transducers, a write folds them in itself (the
/// background compaction normally does it long before).
const COMPACT_INLINE_AT: usize = 1 << 16;

/// Where a word stands in the query, which decides how a node's word may match it: a text
/// contains the query (the substring tier) when the first query word ends one of its words,
/// the middle ones are words and the last one starts a word; a one-word query may sit anywhere
/// inside a word. Every other tier needs each query word to start a word, or be a typo of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Position {
    Only,
    First,
    Later,
}

impl Position {
    pub(super) fn of(i: usize, words: usize) -> Position {
        match (i, words) {
            (_, 1) => Position::Only,
            (0, _) => Position::First,
            _ => Position::Later,
        }
    }
}

/// The typo automaton of a query word allowed `max` edits (a transposition is one edit), or
/// `None` when no typo is allowed.
pub(super) fn typo_automaton(word: &str, max: u8) -> Option<DFA> {
    static ONE: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    static TWO: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    let builder = match max {
        0 => return None,
        1 => ONE.get_or_init(|| LevenshteinAutomatonBuilder::new(1, true)),
        _ => TWO.get_or_init(|| LevenshteinAutomatonBuilder::new(2, true)),
    };
    Some(builder.build_dfa(word))
}

/// The edits between the automaton's word and `word`, if within its bound.
pub(super) fn typos(dfa: &DFA, word: &str) -> Option<usize> {
    match dfa.eval(word) {
        Distance::Exact(d) => Some(d as usize),
        Distance::AtLeast(_) => None,
    }
}

/// The distinct words of normalised texts, sorted.
fn words_of(texts: &[String]) -> Vec<&str> {
    let mut words: Vec<&str> = texts
        .iter()
        .flat_map(|t| t.split(' '))
        .filter(|w| !w.is_empty())
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// The transducers of the terms known at the last build.
struct Vocabulary {
    /// Word → term id.
    terms: fst::Map<Vec<u8>>,
    /// For every word and each of its suffixes: the suffix, a 0 byte, the word's term id (four
    /// bytes, big-endian). Normalised words are ASCII letters and digits, so 0 separates.
    suffixes: fst::Set<Vec<u8>>,
}

impl Vocabulary {
    /// From `(word, id)` pairs sorted by word, each word once.
    fn build(words: &[(&str, u32)]) -> Vocabulary {
        let terms = fst::Map::from_iter(words.iter().map(|(w, id)| (w.as_bytes(), u64::from(*id))))
            .unwrap_or_default();
        let mut keys: Vec<Vec<u8>> = Vec::with_capacity(words.len() * 8);
        for (w, id) in words {
            for i in 0..w.len() {
                let mut k = Vec::with_capacity(w.len() - i + 5);
                k.extend_from_slice(&w.as_bytes()[i..]);
                k.push(0);
                k.extend_from_slice(&id.to_be_bytes());
                keys.push(k);
            }
        }
        keys.sort_unstable();
        keys.dedup();
        let suffixes = fst::Set::from_iter(keys).unwrap_or_default();
        Vocabulary { terms, suffixes }
    }

    fn len(&self) -> usize {
        self.terms.len()
    }
}

impl Default for Vocabulary {
    fn default() -> Self {
        Vocabulary::build(&[])
    }
}

impl std::fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vocabulary")
            .field("terms", &self.terms.len())
            .field("suffixes", &self.suffixes.len())
            .finish()
    }
}

/// What a bulk load fills: plain collections, turned into the persistent ones once.
#[derive(Debug, Clone, Default)]
struct BulkTerms {
    ids: HashMap<Box<str>, u32, super::store::FastHash>,
    postings: Vec<Vec<u32>>,
}

/// New transducers built from a version's index, to install into a later version.
pub struct Compacted {
    from: Arc<Vocabulary>,
    vocab: Arc<Vocabulary>,
    covered: OrdMap<Arc<str>, u32>,
}

/// Terms and their posting lists; see the module documentation.
#[derive(Debug, Clone, Default)]
pub(super) struct TermIndex {
    vocab: Arc<Vocabulary>,
    /// Words first seen since the transducers were built, with their term ids.
    extra: OrdMap<Arc<str>, u32>,
    /// By term id: the nodes that used the term when they were indexed.
    postings: Vector<Vector<u32>>,
    bulk: Option<Box<BulkTerms>>,
}

impl TermIndex {
    /// From now until [`TermIndex::finish_bulk`], words are collected in plain collections.
    pub(super) fn start_bulk(&mut self) {
        let mut b = BulkTerms::default();
        for (w, id) in self.all_words() {
            b.ids.insert(w.into(), id);
        }
        b.postings = self
            .postings
            .iter()
            .map(|p| p.iter().copied().collect())
            .collect();
        self.bulk = Some(Box::new(b));
    }

    /// Builds the transducers and the persistent posting lists from what the bulk load added.
    pub(super) fn finish_bulk(&mut self) {
        let Some(b) = self.bulk.take() else { return };
        let mut words: Vec<(&str, u32)> = b.ids.iter().map(|(w, id)| (&**w, *id)).collect();
        words.sort_unstable();
        self.vocab = Arc::new(Vocabulary::build(&words));
        self.extra = OrdMap::new();
        self.postings = b.postings.into_iter().map(Vector::from).collect();
    }

    /// Records that node `ix` has the words of `texts` (normalised). Words of `known`, the
    /// texts it had when last indexed, already list it.
    pub(super) fn insert(&mut self, ix: NodeIndex, texts: &[String], known: &[String]) {
        let node = ix.index() as u32;
        let known = words_of(known);
        for w in words_of(texts) {
            if known.binary_search(&w).is_ok() {
                continue;
            }
            if let Some(b) = &mut self.bulk {
                let id = match b.ids.get(w) {
                    Some(&id) => id,
                    None => {
                        let id = b.postings.len() as u32;
                        b.ids.insert(w.into(), id);
                        b.postings.push(vec![]);
                        id
                    }
                };
                b.postings[id as usize].push(node);
                continue;
            }
            let id = match self.id_of(w) {
                Some(id) => id,
                None => {
                    let id = self.postings.len() as u32;
                    self.extra.insert(Arc::from(w), id);
                    self.postings.push_back(Vector::new());
                    id
                }
            };
            if let Some(p) = self.postings.get_mut(id as usize) {
                p.push_back(node);
            }
        }
        if self.extra.len() >= COMPACT_INLINE_AT {
            let c = self.compacted();
            self.install(c);
        }
    }

    fn id_of(&self, w: &str) -> Option<u32> {
        self.vocab
            .terms
            .get(w)
            .map(|id| id as u32)
            .or_else(|| self.extra.get(w).copied())
    }

    /// Every word with its term id, in no particular order.
    fn all_words(&self) -> Vec<(String, u32)> {
        let mut out = Vec::with_capacity(self.vocab.len() + self.extra.len());
        let mut s = self.vocab.terms.stream();
        while let Some((w, id)) = s.next() {
            out.push((String::from_utf8_lossy(w).into_owned(), id as u32));
        }
        out.extend(self.extra.iter().map(|(w, id)| (w.to_string(), *id)));
        out
    }

    /// Whether enough words wait outside the transducers for a compaction to pay.
    pub(super) fn wants_compaction(&self) -> bool {
        self.extra.len() >= 1024 && self.extra.len() * 16 >= self.vocab.len().max(1024)
    }

    /// New transducers covering every word of this version. O(vocabulary): meant for the
    /// background, with [`TermIndex::install`] publishing the result on a later version.
    pub fn compacted(&self) -> Compacted {
        let mut words = self.all_words();
        words.sort_unstable();
        let pairs: Vec<(&str, u32)> = words.iter().map(|(w, id)| (w.as_str(), *id)).collect();
        Compacted {
            from: self.vocab.clone(),
            vocab: Arc::new(Vocabulary::build(&pairs)),
            covered: self.extra.clone(),
        }
    }

    /// Installs transducers built from an earlier version of this index. Term ids never
    /// change, so only the words they now cover leave the side map; words added since stay.
    /// Refused (`false`) when the transducers changed meanwhile.
    pub(super) fn install(&mut self, c: Compacted) -> bool {
        if !Arc::ptr_eq(&c.from, &self.vocab) {
            return false;
        }
        for w in c.covered.keys() {
            self.extra.remove(w);
        }
        self.vocab = c.vocab;
        true
    }

    /// The term ids that could match query word `word` at `pos` (see [`Position`]), typos
    /// included when `dfa` is given. Sorted, each once.
    pub(super) fn terms(&self, word: &str, pos: Position, dfa: Option<&DFA>) -> Vec<u32> {
        let mut ids = vec![];
        let v = &self.vocab;
        let mut prefixed = v.terms.search(Str::new(word).starts_with()).into_stream();
        while let Some((_, id)) = prefixed.next() {
            ids.push(id as u32);
        }
        let inner = match pos {
            Position::Only => Some(word.to_string()),
            // Keys of suffixes that are the whole rest of a word: `word` then the 0 byte.
            Position::First => Some(format!("{word}\0")),
            Position::Later => None,
        };
        if let Some(inner) = inner {
            let mut s = v
                .suffixes
                .search(Str::new(&inner).starts_with())
                .into_stream();
            while let Some(key) = s.next() {
                if let Some(id) = key.get(key.len().saturating_sub(4)..) {
                    ids.push(u32::from_be_bytes([id[0], id[1], id[2], id[3]]));
                }
            }
        }
        if let Some(dfa) = dfa {
            let mut s = v.terms.search(dfa).into_stream();
            while let Some((_, id)) = s.next() {
                ids.push(id as u32);
            }
        }
        for (w, id) in &self.extra {
            let hit = w.starts_with(word)
                || match pos {
                    Position::Only => w.contains(word),
                    Position::First => w.ends_with(word),
                    Position::Later => false,
                }
                || dfa.is_some_and(|d| typos(d, w).is_some());
            if hit {
                ids.push(*id);
            }
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// How many postings the terms have (an upper bound on their nodes).
    pub(super) fn postings_len(&self, terms: &[u32]) -> usize {
        terms
            .iter()
            .filter_map(|&t| self.postings.get(t as usize))
            .map(Vector::len)
            .sum()
    }

    /// The nodes listed under any of the terms, sorted, each once.
    pub(super) fn nodes(&self, terms: &[u32]) -> Vec<NodeIndex> {
        let mut out: Vec<u32> = Vec::with_capacity(self.postings_len(terms));
        for p in terms.iter().filter_map(|&t| self.postings.get(t as usize)) {
            out.extend(p.iter().copied());
        }
        out.sort_unstable();
        out.dedup();
        out.into_iter()
            .map(|i| NodeIndex::new(i as usize))
            .collect()
    }

    /// Candidates for a query of these words: nodes with, for each word, a word that could
    /// match it. Starts from the word with the fewest postings and narrows by the others while
    /// that costs less than scoring the candidates would.
    pub(super) fn candidates(&self, words: &[&str], dfas: &[Option<DFA>]) -> Vec<NodeIndex> {
        let mut per_word: Vec<(usize, Vec<u32>)> = words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let t = self.terms(
                    w,
                    Position::of(i, words.len()),
                    dfas.get(i).and_then(Option::as_ref),
                );
                (self.postings_len(&t), t)
            })
            .collect();
        per_word.sort_by_key(|(n, _)| *n);
        let Some(((_, first), rest)) = per_word.split_first() else {
            return vec![];
        };
        let mut out = self.nodes(first);
        for (n, terms) in rest {
            if out.is_empty() || *n > out.len() * 8 || super::deadline::expired() {
                break;
            }
            let other = self.nodes(terms);
            out.retain(|ix| other.binary_search(ix).is_ok());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn index(words: &[(u32, &[&str])]) -> TermIndex {
        let mut t = TermIndex::default();
        for (ix, ws) in words {
            t.insert(NodeIndex::new(*ix as usize), &[ws.join(" ")], &[]);
        }
        t
    }

    #[test]
    fn words_are_found_by_prefix_suffix_substring_and_typo_before_and_after_compaction() {
        let mut t = index(&[(0, &["alar", "karis"]), (1, &["karin"]), (2, &["tsahkna"])]);
        let found = |t: &TermIndex, w: &str, pos, max| {
            let dfa = typo_automaton(w, max);
            t.nodes(&t.terms(w, pos, dfa.as_ref()))
                .into_iter()
                .map(|n| n.index())
                .collect::<Vec<_>>()
        };
        for round in 0..2 {
            assert_eq!(
                found(&t, "kar", Position::Later, 0),
                [0, 1],
                "round {round}"
            );
            assert_eq!(found(&t, "ar", Position::First, 0), [0], "round {round}");
            assert_eq!(found(&t, "ahk", Position::Only, 0), [2], "round {round}");
            assert_eq!(found(&t, "ahk", Position::Later, 0), Vec::<usize>::new());
            assert_eq!(
                found(&t, "tsakhna", Position::Later, 1),
                [2],
                "a transposition"
            );
            assert_eq!(found(&t, "kxris", Position::Later, 1), [0], "round {round}");
            // Before the first round's end the words sit outside the transducers; after, in.
            let c = t.compacted();
            assert!(t.install(c));
            assert!(t.extra.is_empty());
        }
        // A word added after a compaction is found too, and a stale compaction is refused.
        let stale = t.compacted();
        t.insert(NodeIndex::new(3), &["karlsson".into()], &[]);
        let newer = t.compacted();
        assert!(t.install(newer));
        assert!(!t.install(stale));
        assert_eq!(found(&t, "karl", Position::Later, 0), [3]);
    }

    #[test]
    fn known_words_are_not_listed_twice() {
        let mut t = TermIndex::default();
        let old = ["a b".to_string()];
        t.insert(NodeIndex::new(7), &old, &[]);
        t.insert(NodeIndex::new(7), &["b a a c".into()], &old);
        assert_eq!(t.postings_len(&t.terms("a", Position::Later, None)), 1);
        assert_eq!(t.postings_len(&t.terms("c", Position::Later, None)), 1);
    }

    proptest! {
        /// The automaton agrees with the optimal-string-alignment distance it implements.
        #[test]
        fn typo_automaton_is_optimal_string_alignment(
            a in "[abc]{1,7}", b in "[abc]{0,9}", max in 1u8..=2
        ) {
            let dfa = typo_automaton(&a, max).unwrap();
            let d = strsim::osa_distance(&a, &b);
            prop_assert_eq!(typos(&dfa, &b), (d <= max as usize).then_some(d));
        }

        /// Bulk-built and write-built indexes agree, and both find exactly the nodes a scan finds.
        #[test]
        fn indexes_find_what_a_scan_finds(
            nodes in proptest::collection::vec(proptest::collection::vec("[abc]{1,5}", 1..4), 1..12),
            q in "[abc]{1,3}",
            pos in 0usize..3,
        ) {
            let pos = [Position::Only, Position::First, Position::Later][pos];
            let mut bulk = TermIndex::default();
            bulk.start_bulk();
            let mut live = TermIndex::default();
            for (i, ws) in nodes.iter().enumerate() {
                let texts: Vec<String> = ws.clone();
                bulk.insert(NodeIndex::new(i), &texts, &[]);
                live.insert(NodeIndex::new(i), &texts, &[]);
            }
            bulk.finish_bulk();
            let scan: Vec<usize> = nodes.iter().enumerate().filter(|(_, ws)| ws.iter().any(|w| {
                w.starts_with(&q) || match pos {
                    Position::Only => w.contains(&q),
                    Position::First => w.ends_with(&q),
                    Position::Later => false,
                }
            })).map(|(i, _)| i).collect();
            for t in [&bulk, &live] {
                let got: Vec<usize> = t.nodes(&t.terms(&q, pos, None)).into_iter().map(|n| n.index()).collect();
                prop_assert_eq!(&got, &scan);
            }
        }
    }
}
