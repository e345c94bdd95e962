//! Ranked name search: case-, accent- and script-insensitive (text is transliterated to ASCII
//! with `deunicode`, so `Norvège`, `NORVEGE` and `Норвегія` all meet at `norvege`/`norvegiia`),
//! with typo tolerance for the words people misspell.
//!
//! Ranking, best first: exact name, exact alias, prefix, all words, word prefixes, substring,
//! typo-tolerant. Ties go to names over aliases, then by name, then by id, so the order is
//! deterministic.

use petgraph::stable_graph::{NodeIndex, StableDiGraph};

use super::model::{Kind, Node, Relation};

/// Which text of a node a search matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchedOn {
    Name,
    Alias,
}

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub node: NodeIndex,
    /// In `(0, 1]`; higher is better.
    pub score: f64,
    pub matched_on: MatchedOn,
    /// The original (not normalised) text that matched.
    pub matched_text: String,
}

/// Lowercase ASCII words separated by single spaces: the form both queries and names are
/// compared in.
pub fn normalize(s: &str) -> String {
    let ascii = deunicode::deunicode(s).to_lowercase();
    let mut out = String::with_capacity(ascii.len());
    for word in ascii.split(|c: char| !c.is_ascii_alphanumeric()) {
        if !word.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

#[derive(Debug, Clone)]
struct Entry {
    node: NodeIndex,
    field: MatchedOn,
    text: String,
    norm: String,
}

/// Normalised names and aliases of every node. A linear scan is fast enough for graphs of the
/// size served today; an n-gram index can replace it without changing the ranking.
#[derive(Debug, Clone, Default)]
pub(super) struct SearchIndex {
    entries: Vec<Entry>,
}

impl SearchIndex {
    pub(super) fn build(g: &StableDiGraph<Node, Relation>) -> Self {
        let mut entries = vec![];
        for ix in g.node_indices() {
            let n = &g[ix];
            let texts = std::iter::once((MatchedOn::Name, &n.name))
                .chain(n.aliases.iter().map(|a| (MatchedOn::Alias, a)));
            for (field, text) in texts {
                entries.push(Entry {
                    node: ix,
                    field,
                    text: text.clone(),
                    norm: normalize(text),
                });
            }
        }
        SearchIndex { entries }
    }

    pub(super) fn search(
        &self,
        g: &StableDiGraph<Node, Relation>,
        query: &str,
        kinds: Option<&[Kind]>,
    ) -> Vec<SearchHit> {
        let q = normalize(query);
        if q.is_empty() {
            return vec![];
        }
        let q_words: Vec<&str> = q.split(' ').collect();
        let mut best: std::collections::HashMap<NodeIndex, SearchHit> = Default::default();
        for e in &self.entries {
            if kinds.is_some_and(|k| !k.contains(&g[e.node].kind)) {
                continue;
            }
            let Some(mut score) = score(&q, &q_words, &e.norm) else {
                continue;
            };
            if e.field == MatchedOn::Alias {
                score -= 0.05;
            }
            let hit = SearchHit {
                node: e.node,
                score,
                matched_on: e.field,
                matched_text: e.text.clone(),
            };
            match best.get(&e.node) {
                Some(b) if b.score >= hit.score => {}
                _ => {
                    best.insert(e.node, hit);
                }
            }
        }
        let mut hits: Vec<SearchHit> = best.into_values().collect();
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| g[a.node].name.cmp(&g[b.node].name))
                .then_with(|| g[a.node].id.cmp(&g[b.node].id))
        });
        hits
    }
}

/// How many typos a query word of this length may have and still match.
fn allowed_typos(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// The score of one normalised text for a normalised query, or `None` for no match.
fn score(q: &str, q_words: &[&str], text: &str) -> Option<f64> {
    if text == q {
        return Some(1.0);
    }
    if text.starts_with(q) {
        return Some(0.8);
    }
    let words: Vec<&str> = text.split(' ').collect();
    if q_words.iter().all(|qw| words.contains(qw)) {
        return Some(0.7);
    }
    if q_words
        .iter()
        .all(|qw| words.iter().any(|w| w.starts_with(qw)))
    {
        return Some(0.6);
    }
    if text.contains(q) {
        return Some(0.5);
    }
    // Typo tolerance: every query word is within a few edits of some word of the text.
    let mut typos = 0;
    for qw in q_words {
        let allowed = allowed_typos(qw.len());
        if allowed == 0 {
            return None;
        }
        let d = words
            .iter()
            .map(|w| strsim::damerau_levenshtein(qw, w))
            .min()
            .unwrap_or(usize::MAX);
        if d > allowed {
            return None;
        }
        typos += d;
    }
    Some((0.4 - 0.05 * typos as f64).max(0.05))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_folds_case_accents_scripts_and_punctuation() {
        assert_eq!(normalize("  Margus  TSAHKNA "), "margus tsahkna");
        assert_eq!(normalize("Norvège"), "norvege");
        assert_eq!(normalize("Kęstutis Budrys"), "kestutis budrys");
        assert_eq!(
            normalize("Lithuania’s parliament"),
            "lithuania s parliament"
        );
        assert_eq!(normalize("Естонія"), "estoniia");
        assert_eq!(normalize("!!!"), "");
    }

    #[test]
    fn ranking_tiers_are_ordered() {
        let s = |q: &str, t: &str| {
            let qn = normalize(q);
            let words: Vec<&str> = qn.split(' ').collect();
            score(&qn, &words, &normalize(t))
        };
        let exact = s("Alar Karis", "Alar Karis").unwrap();
        let prefix = s("alar", "Alar Karis").unwrap();
        let words = s("karis alar", "Alar Karis").unwrap();
        let word_prefix = s("kar", "Alar Karis").unwrap();
        let substring = s("ar ka", "Alar Karis").unwrap();
        let typo = s("Kariss", "Alar Karis").unwrap();
        assert!(exact > prefix && prefix > words && words > word_prefix);
        assert!(word_prefix > substring && substring > typo && typo > 0.0);
        assert_eq!(s("Tsakna", "Margus Tsakhna").map(|x| x > 0.0), Some(true));
        assert!((s("Lithunia", "Lithuania").unwrap() - 0.35).abs() < 1e-9);
        // Short words must match exactly: `uk` is no typo of `un`.
        assert_eq!(s("uk", "UN"), None);
        assert_eq!(s("zzzzzz", "Estonia"), None);
    }
}
