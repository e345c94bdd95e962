//! Ranked name search: case-, accent- and script-insensitive (text is transliterated to ASCII
//! with `deunicode`, so `Norvège`, `NORVEGE` and `Норвегія` all meet at `norvege`/`norvegiia`),
//! with typo tolerance for the words people misspell.
//!
//! Ranking, best first: exact name, exact alias, prefix, all words, word prefixes, substring,
//! typo-tolerant. Ties go to names over aliases, then by name, then by id, so the order is
//! deterministic.
//!
//! Only candidates from the term index (`terms.rs`) are scored, so a query costs what its
//! words' posting lists hold, not the graph's size; the index finds a superset of what the
//! tiers below accept, and the tiers alone decide. A node's texts are normalised when it is
//! scored rather than kept normalised, which would double the memory text takes.

use std::collections::BTreeMap;

use levenshtein_automata::DFA;
use petgraph::graph::{EdgeIndex, NodeIndex};

use super::terms::{TermIndex, typo_automaton};

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

impl MatchedOn {
    /// The language tag of a name in another language.
    pub fn language(&self) -> Option<&str> {
        match self {
            MatchedOn::Label(lang) => Some(lang),
            _ => None,
        }
    }
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
    // Most texts are ASCII already: lowercase them in the one pass that splits the words.
    let ascii = if s.is_ascii() {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(deunicode::deunicode(s))
    };
    let mut out = String::with_capacity(ascii.len());
    for word in ascii.split(|c: char| !c.is_ascii_alphanumeric()) {
        if !word.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.extend(word.chars().map(|c| c.to_ascii_lowercase()));
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

/// One text of a node, as written and normalised.
struct Entry<'g> {
    field: Field,
    text: &'g str,
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

/// The texts search matches a node by: its name, aliases and labels, and for an event the
/// quotes of its evidence.
fn entries<'g>(g: &'g Graph, n: &'g Node) -> Vec<Entry<'g>> {
    let mut out = names(n);
    out.extend(quotes(g, n));
    out
}

/// A node's name, aliases and labels.
fn names(n: &Node) -> Vec<Entry<'_>> {
    let mut out = vec![Entry {
        field: Field::Name,
        text: &n.name,
        norm: normalize(&n.name),
    }];
    for (i, a) in n.aliases.iter().enumerate() {
        out.push(Entry {
            field: Field::Alias(i),
            text: a,
            norm: normalize(a),
        });
    }
    for (lang, t) in &n.labels {
        out.push(Entry {
            field: Field::Label(lang.clone()),
            text: t,
            norm: normalize(t),
        });
    }
    out
}

/// An event's quotes.
fn quotes<'g>(g: &'g Graph, n: &'g Node) -> impl Iterator<Item = Entry<'g>> {
    let evidence = n.event().map_or(&[][..], |d| &d.evidence);
    evidence.iter().enumerate().map(|(i, ev)| {
        let q = g.quote(ev);
        Entry {
            field: Field::Quote(i),
            text: q,
            norm: normalize(q),
        }
    })
}

/// A node's searchable texts, normalised: what the term index lists it under (by their
/// words).
pub(super) fn node_texts(g: &Graph, n: &Node) -> Vec<String> {
    entries(g, n).into_iter().map(|e| e.norm).collect()
}

/// The term index of every node of `g`, built in bulk.
pub(super) fn term_index(g: &Graph) -> TermIndex {
    let t = std::time::Instant::now();
    let mut terms = TermIndex::default();
    terms.start_bulk();
    for ix in g.node_indices() {
        terms.insert(ix, &node_texts(g, g.node(ix)), &[]);
    }
    terms.finish_bulk();
    tracing::debug!(
        ms = t.elapsed().as_millis() as u64,
        "bulk load: search terms"
    );
    terms
}

/// A normalised query with, per word, its typo automaton (when its length allows typos).
pub(super) struct Query {
    q: String,
    words: Vec<String>,
    typo: Vec<Option<DFA>>,
}

impl Query {
    pub(super) fn new(query: &str) -> Option<Query> {
        let q = normalize(query);
        if q.is_empty() {
            return None;
        }
        let words: Vec<String> = q.split(' ').map(str::to_string).collect();
        let typo = words
            .iter()
            .map(|w| typo_automaton(w, allowed_typos(w.len()) as u8))
            .collect();
        Some(Query { q, words, typo })
    }

    fn words(&self) -> impl Iterator<Item = &str> {
        self.words.iter().map(String::as_str)
    }
}

/// Ranked search: candidates from the term index, each scored by its best text. The first
/// `sorted` hits (all when `None`) are the best, in rank order; the rest follow in no order,
/// so a page near the top costs a selection instead of a sort of every hit.
/// A hit's place in the ranking (score, highest first; then name; then id): what a search
/// cursor holds, so that a page boundary stays where it was when the graph changes.
#[derive(Debug, Clone, PartialEq)]
pub struct RankKey {
    pub score: f64,
    pub name: String,
    pub id: String,
}

impl RankKey {
    /// Whether a hit `(score, name, id)` ranks after this key.
    fn is_followed_by(&self, score: f64, name: &str, id: &str) -> bool {
        score
            .total_cmp(&self.score)
            .reverse()
            .then_with(|| name.cmp(&self.name))
            .then_with(|| id.cmp(&self.id))
            .is_gt()
    }
}

/// The hits ranked after a key: `hits` (the first `sorted` of them in rank order), how many
/// hits there are in all, and how many rank at or before the key.
pub struct Ranked {
    pub hits: Vec<SearchHit>,
    pub total: usize,
    pub skipped: usize,
}

pub(super) fn search(
    g: &Graph,
    query: &str,
    kinds: Option<&[Kind]>,
    sorted: Option<usize>,
) -> Vec<SearchHit> {
    search_after(g, query, kinds, None, sorted).hits
}

/// [`search`] of the hits ranked after `after` (all when `None`): the cost is that of scoring
/// the candidates, wherever the page starts.
pub(super) fn search_after(
    g: &Graph,
    query: &str,
    kinds: Option<&[Kind]>,
    after: Option<&RankKey>,
    sorted: Option<usize>,
) -> Ranked {
    let Some(q) = Query::new(query) else {
        return Ranked {
            hits: vec![],
            total: 0,
            skipped: 0,
        };
    };
    let words: Vec<&str> = q.words().collect();
    // Each hit with its name and id, so ordering them reads no node.
    let mut hits: Vec<(SearchHit, &str, &str)> = vec![];
    for (i, ix) in g.search.candidates(&words, &q.typo).into_iter().enumerate() {
        if i.is_multiple_of(256) && super::deadline::expired() {
            break;
        }
        let Some(n) = g.slot(ix).map(|s| &*s.node) else {
            continue;
        };
        if kinds.is_some_and(|k| !k.contains(&n.kind)) {
            continue;
        }
        let Some((score, e)) = best_entry(g, n, &q) else {
            continue;
        };
        let matched_on = match e.field {
            Field::Name => MatchedOn::Name,
            Field::Alias(_) => MatchedOn::Alias,
            Field::Label(l) => MatchedOn::Label(l),
            Field::Quote(_) => MatchedOn::Quote,
        };
        let hit = SearchHit {
            node: ix,
            score,
            matched_on,
            matched_text: e.text.to_string(),
        };
        hits.push((hit, &n.name, n.id.as_str()));
    }
    let total = hits.len();
    if let Some(key) = after {
        hits.retain(|(h, name, id)| key.is_followed_by(h.score, name, id));
    }
    let skipped = total - hits.len();
    let rank = |a: &(SearchHit, &str, &str), b: &(SearchHit, &str, &str)| {
        b.0.score
            .total_cmp(&a.0.score)
            .then_with(|| a.1.cmp(b.1))
            .then_with(|| a.2.cmp(b.2))
    };
    match sorted {
        Some(k) if k < hits.len() => {
            if k > 0 {
                hits.select_nth_unstable_by(k - 1, rank);
            }
            hits[..k].sort_unstable_by(rank);
        }
        _ => hits.sort_unstable_by(rank),
    }
    Ranked {
        hits: hits.into_iter().map(|h| h.0).collect(),
        total,
        skipped,
    }
}

/// A node's best-scoring text for the query, with its score.
fn best_entry<'g>(g: &'g Graph, n: &'g Node, q: &Query) -> Option<(f64, Entry<'g>)> {
    let mut best: Option<(f64, Entry<'g>)> = None;
    let consider = |best: &mut Option<(f64, Entry<'g>)>, e: Entry<'g>| {
        let score = match e.field {
            Field::Name => score(q, &e.norm),
            Field::Alias(_) | Field::Label(_) => score(q, &e.norm).map(|s| s - 0.05),
            Field::Quote(_) => quote_score(&q.q, &q.words, &e.norm),
        };
        // Rounded so clients see 0.35, not 0.35000000000000003; ties stay ties.
        if let Some(score) = score.map(|s| (s * 1e4).round() / 1e4)
            && best.as_ref().is_none_or(|(b, _)| score > *b)
        {
            *best = Some((score, e));
        }
    };
    for e in names(n) {
        consider(&mut best, e);
    }
    // Normalising an event's quotes is the dearest part of scoring it, and needless once a
    // name scores at least what a quote can.
    if best.as_ref().is_none_or(|(b, _)| *b < QUOTE_BEST) {
        for e in quotes(g, n) {
            consider(&mut best, e);
        }
    }
    best
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
                Citer::Node(e) => (g.node(e).event().map_or(&[][..], |d| &d.evidence), *c),
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
                    Citer::Node(e) => m.events.push(e),
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

/// The best score a quote reaches (the whole phrase in it).
const QUOTE_BEST: f64 = 0.3;

/// The score of a quote: lower than any name match, and only for the phrase or all of its
/// words (prefixes allowed), since typo tolerance over long texts finds mostly noise.
pub(super) fn quote_score(q: &str, q_words: &[impl AsRef<str>], text: &str) -> Option<f64> {
    if text.contains(q) {
        return Some(QUOTE_BEST);
    }
    let words: Vec<&str> = text.split(' ').collect();
    q_words
        .iter()
        .all(|qw| words.iter().any(|w| w.starts_with(qw.as_ref())))
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
fn score(q: &Query, text: &str) -> Option<f64> {
    let extra_words = text.split(' ').count().saturating_sub(q.words.len());
    let penalty = (0.005 * extra_words as f64).min(0.04);
    tier_score(q, text).map(|s| if s < 1.0 { s - penalty } else { s })
}

/// The score of the best tier a text reaches.
fn tier_score(query: &Query, text: &str) -> Option<f64> {
    let q = query.q.as_str();
    let q_words = &query.words;
    if text == q {
        return Some(1.0);
    }
    if text.starts_with(q) {
        return Some(0.8);
    }
    let words: Vec<&str> = text.split(' ').collect();
    if q_words.iter().all(|qw| words.contains(&qw.as_str())) {
        return Some(0.7);
    }
    if q_words
        .iter()
        .all(|qw| words.iter().any(|w| w.starts_with(qw.as_str())))
    {
        return Some(0.6);
    }
    if text.contains(q) {
        return Some(0.5);
    }
    // Typo tolerance: every query word is within a few edits of some word of the text (a
    // swap of two neighbouring letters is one edit).
    let mut typos = 0;
    for dfa in &query.typo {
        let d = words
            .iter()
            .filter_map(|w| super::terms::typos(dfa.as_ref()?, w))
            .min()?;
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
        let s = |q: &str, t: &str| tier_score(&Query::new(q).unwrap(), &normalize(t));
        let exact = s("Alar Karis", "Alar Karis").unwrap();
        let prefix = s("alar", "Alar Karis").unwrap();
        let words = s("karis alar", "Alar Karis").unwrap();
        let word_prefix = s("kar", "Alar Karis").unwrap();
        let substring = s("ar ka", "Alar Karis").unwrap();
        let typo = s("Kariss", "Alar Karis").unwrap();
        assert!(exact > prefix && prefix > words && words > word_prefix);
        assert!(word_prefix > substring && substring > typo && typo > 0.0);
        // Among matches of one tier, a short text beats a long one.
        let q = Query::new("lithunia").unwrap();
        let short = score(&q, "lithuania").unwrap();
        let long = score(&q, "lithuania s withdrawal takes effect").unwrap();
        assert!(short > long, "{short} {long}");
        assert_eq!(s("Tsakna", "Margus Tsakhna").map(|x| x > 0.0), Some(true));
        assert!((s("Lithunia", "Lithuania").unwrap() - 0.35).abs() < 1e-9);
        // Short words must match exactly: `uk` is no typo of `un`.
        assert_eq!(s("uk", "UN"), None);
        assert_eq!(s("zzzzzz", "Estonia"), None);
    }

    /// Every node scored by the ranking itself: what search must return.
    fn scan(g: &Graph, query: &str) -> Vec<(String, f64)> {
        let Some(q) = Query::new(query) else {
            return vec![];
        };
        let words: Vec<&str> = q.words().collect();
        let mut hits: Vec<(String, f64)> = g
            .node_indices()
            .filter_map(|ix| {
                let n = g.node(ix);
                let best = entries(g, n)
                    .iter()
                    .filter_map(|e| match e.field {
                        Field::Name => score(&q, &e.norm),
                        Field::Alias(_) | Field::Label(_) => score(&q, &e.norm).map(|s| s - 0.05),
                        Field::Quote(_) => quote_score(&q.q, &words, &e.norm),
                    })
                    .map(|s| (s * 1e4).round() / 1e4)
                    .reduce(f64::max)?;
                Some((n.id.to_string(), best))
            })
            .collect();
        hits.sort_by(|a, b| a.0.cmp(&b.0));
        hits
    }

    fn found(g: &Graph, query: &str) -> Vec<(String, f64)> {
        let mut hits: Vec<(String, f64)> = search(g, query, None, None)
            .into_iter()
            .map(|h| (g.node(h.node).id.to_string(), h.score))
            .collect();
        hits.sort_by(|a, b| a.0.cmp(&b.0));
        hits
    }

    proptest::proptest! {
        /// The term index never loses a match: search finds exactly what scoring every node
        /// finds, for graphs built in bulk and then changed by writes (new words, renames,
        /// removals), before and after the index is compacted.
        #[test]
        fn search_finds_what_scoring_every_node_finds(
            names in proptest::collection::vec("[abcd]{1,6}( [abcd]{1,6}){0,2}", 1..10),
            later in proptest::collection::vec("[abcd]{1,6}( [abcd]{1,6}){0,1}", 0..6),
            query in "[abcd]{1,7}( [abcd]{1,4}){0,2}",
        ) {
            use crate::graph::NewNode;
            let ids: Vec<String> = (0..names.len()).map(|i| format!("person/p{i}")).collect();
            let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let mut g = crate::graph::paths::fixture::graph(&id_refs, vec![]);
            for (id, name) in ids.iter().zip(&names) {
                let ix = g.lookup(id).unwrap();
                g.update_entity(ix, NewNode { id: id.clone(), name: name.clone(), ..Default::default() }).unwrap();
            }
            proptest::prop_assert_eq!(found(&g, &query), scan(&g, &query));
            for (i, name) in later.iter().enumerate() {
                let node = NewNode { id: format!("person/new{i}"), name: name.clone(), aliases: vec![format!("{name} x")], ..Default::default() };
                g.add_entity(Kind::Person, node).unwrap();
                // Renaming an old node leaves its old words' postings behind.
                if let Some(ix) = g.lookup(&ids[i % ids.len()]) {
                    g.update_entity(ix, NewNode { id: ids[i % ids.len()].clone(), name: format!("{name}d"), ..Default::default() }).unwrap();
                }
            }
            if let Some(ix) = g.lookup(&ids[0]) && later.len() > 2 {
                g.remove_node(ix);
            }
            proptest::prop_assert_eq!(found(&g, &query), scan(&g, &query));
            let c = g.compact_search();
            proptest::prop_assert!(g.install_search(c));
            proptest::prop_assert_eq!(found(&g, &query), scan(&g, &query));
        }
    }
}
