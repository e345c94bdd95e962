//! Ranked name search: case-, accent- and script-insensitive (text is transliterated to ASCII
//! with `deunicode`, so `Norvège`, `NORVEGE` and `Норвегія` all meet at `norvege`/`norvegiia`),
//! with typo tolerance for the words people misspell.
//!
//! Ranking, best first: exact name, exact alias, prefix, all words, word prefixes, substring,
//! typo-tolerant. Ties go to names over aliases, then by name, then by id, so the order is
//! deterministic.

use std::collections::BTreeMap;
use std::sync::Arc;

use imbl::OrdMap;
use petgraph::graph::{EdgeIndex, NodeIndex};

use super::model::{Evidence, Kind, Node};
use super::store::{Citer, Graph};

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

/// Which text of its node an entry is: the name, the i-th alias, a label, the i-th quote.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Name,
    Alias(usize),
    Label(String),
    Quote(usize),
}

#[derive(Debug, Clone)]
struct Entry {
    field: Field,
    norm: Box<str>,
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

/// The normalised names, aliases, labels and (for events) quotes of every node, kept per node
/// so a write re-indexes only the nodes it changes. A query scans the entries; a term index
/// can replace the scan without changing the ranking.
#[derive(Debug, Clone, Default)]
pub(super) struct SearchIndex {
    entries: OrdMap<NodeIndex, Arc<[Entry]>>,
}

impl SearchIndex {
    pub(super) fn insert(&mut self, ix: NodeIndex, n: &Node, quotes: &[String]) {
        let mut entries = vec![Entry {
            field: Field::Name,
            norm: normalize(&n.name).into(),
        }];
        for (i, a) in n.aliases.iter().enumerate() {
            entries.push(Entry {
                field: Field::Alias(i),
                norm: normalize(a).into(),
            });
        }
        for (lang, t) in &n.labels {
            entries.push(Entry {
                field: Field::Label(lang.clone()),
                norm: normalize(t).into(),
            });
        }
        for (i, q) in quotes.iter().enumerate() {
            entries.push(Entry {
                field: Field::Quote(i),
                norm: normalize(q).into(),
            });
        }
        self.entries.insert(ix, entries.into());
    }

    pub(super) fn remove(&mut self, ix: NodeIndex) {
        self.entries.remove(&ix);
    }

    pub(super) fn search(&self, g: &Graph, query: &str, kinds: Option<&[Kind]>) -> Vec<SearchHit> {
        let q = normalize(query);
        if q.is_empty() {
            return vec![];
        }
        let q_words: Vec<&str> = q.split(' ').collect();
        let mut hits: Vec<SearchHit> = vec![];
        for (n, (&ix, entries)) in self.entries.iter().enumerate() {
            if n.is_multiple_of(1024) && super::deadline::expired() {
                break;
            }
            let n = g.node(ix);
            if kinds.is_some_and(|k| !k.contains(&n.kind)) {
                continue;
            }
            let mut best: Option<(f64, &Entry)> = None;
            for e in entries.iter() {
                let score = match e.field {
                    Field::Name => score(&q, &q_words, &e.norm),
                    Field::Alias(_) | Field::Label(_) => {
                        score(&q, &q_words, &e.norm).map(|s| s - 0.05)
                    }
                    Field::Quote(_) => quote_score(&q, &q_words, &e.norm),
                };
                // Rounded so clients see 0.35, not 0.35000000000000003; ties stay ties.
                let Some(score) = score.map(|s| (s * 1e4).round() / 1e4) else {
                    continue;
                };
                if best.is_none_or(|(b, _)| score > b) {
                    best = Some((score, e));
                }
            }
            let Some((score, e)) = best else { continue };
            let (matched_on, matched_text) = match &e.field {
                Field::Name => (MatchedOn::Name, n.name.clone()),
                Field::Alias(i) => (MatchedOn::Alias, n.aliases[*i].clone()),
                Field::Label(l) => (
                    MatchedOn::Label(l.clone()),
                    n.labels.get(l).cloned().unwrap_or_default(),
                ),
                Field::Quote(i) => (
                    MatchedOn::Quote,
                    n.event()
                        .and_then(|d| d.evidence.get(*i))
                        .map(|ev| g.quote(ev).to_string())
                        .unwrap_or_default(),
                ),
            };
            hits.push(SearchHit {
                node: ix,
                score,
                matched_on,
                matched_text,
            });
        }
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| g.node(a.node).name.cmp(&g.node(b.node).name))
                .then_with(|| g.node(a.node).id.cmp(&g.node(b.node).id))
        });
        hits
    }
}

/// Quotes matching a phrase, best first, then in order of source id and position in the text.
/// O(quotes).
pub(super) fn search_evidence(g: &Graph, query: &str) -> Vec<EvidenceMatch> {
    let q = normalize(query);
    if q.is_empty() {
        return vec![];
    }
    let q_words: Vec<&str> = q.split(' ').collect();
    let mut by_quote: BTreeMap<(&str, u32, u32), EvidenceMatch> = BTreeMap::new();
    for (&source, refs) in &g.refs {
        if super::deadline::expired() {
            break;
        }
        if !g.contains(source) {
            continue;
        }
        for c in &refs.citers {
            let (evs, what): (&[Evidence], Citer) = match *c {
                Citer::Event(e) => (g.node(e).event().map_or(&[][..], |d| &d.evidence), *c),
                Citer::Relation(r) => match g.relation(r).evidence.as_own() {
                    Some(ev) => (ev, *c),
                    None => continue,
                },
            };
            for ev in evs.iter().filter(|ev| ev.source == source) {
                let key = (g.node(source).id.as_str(), ev.start, ev.len);
                let m = by_quote.entry(key).or_insert_with(|| EvidenceMatch {
                    evidence: *ev,
                    events: vec![],
                    relations: vec![],
                    score: 0.0,
                });
                match what {
                    Citer::Event(e) => m.events.push(e),
                    Citer::Relation(r) => m.relations.push(r),
                }
            }
        }
    }
    let mut hits: Vec<EvidenceMatch> = by_quote
        .into_values()
        .filter_map(|mut m| {
            let score = quote_score(&q, &q_words, &normalize(g.quote(&m.evidence)))?;
            m.score = score;
            m.events.sort();
            m.events.dedup();
            m.relations.sort_by(|a, b| g.cmp_relation_ids(*a, *b));
            m.relations.dedup();
            Some(m)
        })
        .collect();
    // Stable: equal scores keep the source-and-position order.
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
    hits
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
