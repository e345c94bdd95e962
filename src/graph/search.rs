//! Ranked name search: case-, accent- and script-insensitive (text is transliterated to ASCII
//! with `deunicode`, so `Norvège`, `NORVEGE` and `Норвегія` all meet at `norvege`/`norvegiia`),
//! with typo tolerance for the words people misspell.
//!
//! Ranking, best first: exact name, exact alias, prefix, all words, word prefixes, substring,
//! typo-tolerant. Ties go to names over aliases, then by name, then by id, so the order is
//! deterministic.

use std::collections::BTreeMap;

use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};

use super::model::{Evidence, Kind, Node, NodeId, Relation, RelationType};
use super::store::PARTICIPATION;

/// What a quote is cited by.
enum Either {
    Event(NodeIndex),
    Relation(EdgeIndex),
}

/// Which text of a node a search matched.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MatchedOn {
    Name,
    Alias,
    /// A name in another language (the tag).
    Label(String),
    /// A quote of the evidence for an event.
    Quote,
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

/// A quote found by [`super::Graph::search_evidence`], with what it is evidence for.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceMatch {
    pub evidence: Evidence,
    /// Events citing the quote.
    pub events: Vec<NodeIndex>,
    /// Relations citing it, except those derived from an event (participants, `LEADS_TO`),
    /// which the event already stands for.
    pub relations: Vec<EdgeIndex>,
    pub score: f64,
}

#[derive(Debug, Clone)]
struct QuoteEntry {
    evidence: Evidence,
    norm: String,
    events: Vec<NodeIndex>,
    relations: Vec<EdgeIndex>,
}

/// Normalised names and aliases of every node. A linear scan is fast enough for graphs of the
/// size served today; an n-gram index can replace it without changing the ranking.
#[derive(Debug, Clone, Default)]
pub(super) struct SearchIndex {
    entries: Vec<Entry>,
    /// Every distinct quote, in order of source id and position in the text.
    quotes: Vec<QuoteEntry>,
}

impl SearchIndex {
    pub(super) fn build(g: &StableDiGraph<Node, Relation>) -> Self {
        let mut entries = vec![];
        for ix in g.node_indices() {
            let n = &g[ix];
            let quotes = n.event().map(|e| e.evidence.as_slice()).unwrap_or_default();
            let texts = std::iter::once((MatchedOn::Name, &n.name))
                .chain(n.aliases.iter().map(|a| (MatchedOn::Alias, a)))
                .chain(
                    n.labels
                        .iter()
                        .map(|(l, t)| (MatchedOn::Label(l.clone()), t)),
                )
                .chain(quotes.iter().map(|q| (MatchedOn::Quote, &q.quote)));
            for (field, text) in texts {
                entries.push(Entry {
                    node: ix,
                    field,
                    text: text.clone(),
                    norm: normalize(text),
                });
            }
        }
        SearchIndex {
            entries,
            quotes: Self::quotes(g),
        }
    }

    fn quotes(g: &StableDiGraph<Node, Relation>) -> Vec<QuoteEntry> {
        let mut by_quote: BTreeMap<(NodeId, usize, String), QuoteEntry> = BTreeMap::new();
        let mut push = |ev: &Evidence, what: Either| {
            let e = by_quote
                .entry((ev.source.clone(), ev.start, ev.quote.clone()))
                .or_insert_with(|| QuoteEntry {
                    evidence: ev.clone(),
                    norm: normalize(&ev.quote),
                    events: vec![],
                    relations: vec![],
                });
            match what {
                Either::Event(ix) => e.events.push(ix),
                Either::Relation(edge) => e.relations.push(edge),
            }
        };
        for ix in g.node_indices() {
            for ev in g[ix]
                .event()
                .map(|e| e.evidence.as_slice())
                .unwrap_or_default()
            {
                push(ev, Either::Event(ix));
            }
        }
        for edge in g.edge_indices() {
            let r = &g[edge];
            if PARTICIPATION.contains(&r.rel) || r.rel == RelationType::LeadsTo {
                continue;
            }
            for ev in &r.evidence {
                push(ev, Either::Relation(edge));
            }
        }
        by_quote.into_values().collect()
    }

    pub(super) fn search_evidence(&self, query: &str) -> Vec<EvidenceMatch> {
        let q = normalize(query);
        if q.is_empty() {
            return vec![];
        }
        let q_words: Vec<&str> = q.split(' ').collect();
        let mut hits: Vec<EvidenceMatch> = self
            .quotes
            .iter()
            .filter_map(|e| {
                quote_score(&q, &q_words, &e.norm).map(|score| EvidenceMatch {
                    evidence: e.evidence.clone(),
                    events: e.events.clone(),
                    relations: e.relations.clone(),
                    score,
                })
            })
            .collect();
        // Stable: equal scores keep the index's source-and-position order.
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits
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
            let score = match e.field {
                MatchedOn::Name => score(&q, &q_words, &e.norm),
                MatchedOn::Alias | MatchedOn::Label(_) => {
                    score(&q, &q_words, &e.norm).map(|s| s - 0.05)
                }
                MatchedOn::Quote => quote_score(&q, &q_words, &e.norm),
            };
            // Rounded so clients see 0.35, not 0.35000000000000003; ties stay ties.
            let Some(score) = score.map(|s| (s * 1e4).round() / 1e4) else {
                continue;
            };
            let hit = SearchHit {
                node: e.node,
                score,
                matched_on: e.field.clone(),
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

/// The score of a quote: lower than any name match, and only for the phrase or all of its
/// words (prefixes allowed), since typo tolerance over long texts finds mostly noise.
pub(super) fn quote_score(q: &str, q_words: &[&str], text: &str) -> Option<f64> {
    if text.contains(q) {
        return Some(0.3);
    }
    let words: Vec<&str> = text.split(' ').collect();
    q_words
        .iter()
        .all(|qw| words.iter().any(|w| w.starts_with(qw)))
        .then_some(0.25)
}

/// How many typos a query word of this length may have and still match.
fn allowed_typos(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// The score of one normalised text for a normalised query, or `None` for no match. Below an
/// exact match, a text with more words than the query scores a little less (at most 0.04, less
/// than the gap between tiers), so `Lithunia` ranks the state `Lithuania` above an event titled
/// "… Lithuania's withdrawal …".
fn score(q: &str, q_words: &[&str], text: &str) -> Option<f64> {
    let extra_words = text.split(' ').count().saturating_sub(q_words.len());
    let penalty = (0.005 * extra_words as f64).min(0.04);
    tier_score(q, q_words, text).map(|s| if s < 1.0 { s - penalty } else { s })
}

/// The score of the best tier a text reaches.
fn tier_score(q: &str, q_words: &[&str], text: &str) -> Option<f64> {
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
            tier_score(&qn, &words, &normalize(t))
        };
        let exact = s("Alar Karis", "Alar Karis").unwrap();
        let prefix = s("alar", "Alar Karis").unwrap();
        let words = s("karis alar", "Alar Karis").unwrap();
        let word_prefix = s("kar", "Alar Karis").unwrap();
        let substring = s("ar ka", "Alar Karis").unwrap();
        let typo = s("Kariss", "Alar Karis").unwrap();
        assert!(exact > prefix && prefix > words && words > word_prefix);
        assert!(word_prefix > substring && substring > typo && typo > 0.0);
        // Among matches of one tier, a short text beats a long one.
        let short = score("lithunia", &["lithunia"], "lithuania").unwrap();
        let long = score(
            "lithunia",
            &["lithunia"],
            "lithuania s withdrawal takes effect",
        )
        .unwrap();
        assert!(short > long, "{short} {long}");
        assert_eq!(s("Tsakna", "Margus Tsakhna").map(|x| x > 0.0), Some(true));
        assert!((s("Lithunia", "Lithuania").unwrap() - 0.35).abs() < 1e-9);
        // Short words must match exactly: `uk` is no typo of `un`.
        assert_eq!(s("uk", "UN"), None);
        assert_eq!(s("zzzzzz", "Estonia"), None);
    }
}
