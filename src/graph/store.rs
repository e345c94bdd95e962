//! [`Graph`]: the immutable, indexed graph that queries read. It is built once by
//! [`super::GraphBuilder::finish`]; readers share it behind an `Arc` and never see it change.

use std::collections::HashMap;

use chrono::NaiveDate;
use petgraph::Direction as PgDirection;
use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};
use petgraph::visit::EdgeRef;

use super::model::*;
use super::search::SearchIndex;

/// Which way an edge points, seen from the node asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The node is the relation's `from`.
    Outgoing,
    /// The node is the relation's `to`.
    Incoming,
}

/// One relation seen from one of its ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelationView {
    pub edge: EdgeIndex,
    pub direction: Direction,
    /// The node at the other end.
    pub other: NodeIndex,
}

/// The knowledge graph with its query indexes.
#[derive(Debug, Clone)]
pub struct Graph {
    pub(super) g: StableDiGraph<Node, Relation>,
    ids: HashMap<NodeId, NodeIndex>,
    relation_ids: HashMap<String, EdgeIndex>,
    /// All nodes, sorted by id; per kind, sorted by id.
    sorted: Vec<NodeIndex>,
    sorted_by_kind: HashMap<Kind, Vec<NodeIndex>>,
    /// Events, oldest first (ties by id).
    timeline: Vec<NodeIndex>,
    search: SearchIndex,
    /// Relations at each node, both directions.
    degree: HashMap<NodeIndex, usize>,
    /// PageRank of each node, computed once per graph version.
    centrality: HashMap<NodeIndex, f64>,
    /// Normalised words of each node's name, aliases, labels and description (text filter).
    words: HashMap<NodeIndex, Vec<String>>,
    /// Nodes by PageRank, highest first (ties by id).
    by_centrality: Vec<NodeIndex>,
}

impl Graph {
    /// Builds the query indexes. Called only by the builder, after validation.
    pub(super) fn index(
        g: StableDiGraph<Node, Relation>,
        ids: HashMap<NodeId, NodeIndex>,
        relation_ids: HashMap<String, EdgeIndex>,
    ) -> Graph {
        let mut sorted: Vec<NodeIndex> = g.node_indices().collect();
        sorted.sort_by(|a, b| g[*a].id.cmp(&g[*b].id));
        let mut sorted_by_kind: HashMap<Kind, Vec<NodeIndex>> = HashMap::new();
        for &ix in &sorted {
            sorted_by_kind.entry(g[ix].kind).or_default().push(ix);
        }
        let mut timeline = sorted_by_kind
            .get(&Kind::Event)
            .cloned()
            .unwrap_or_default();
        timeline.sort_by_key(|&ix| (Self::date_of(&g, ix), g[ix].id.clone()));
        let search = SearchIndex::build(&g);
        let words = g
            .node_indices()
            .map(|ix| {
                let n = &g[ix];
                let texts = std::iter::once(&n.name)
                    .chain(&n.aliases)
                    .chain(n.labels.values())
                    .chain(std::iter::once(&n.description));
                let mut words: Vec<String> = texts
                    .flat_map(|t| {
                        super::normalize(t)
                            .split(' ')
                            .map(str::to_string)
                            .collect::<Vec<_>>()
                    })
                    .filter(|w| !w.is_empty())
                    .collect();
                words.sort();
                words.dedup();
                (ix, words)
            })
            .collect();
        let degree = g
            .node_indices()
            .map(|ix| {
                (
                    ix,
                    g.edges_directed(ix, PgDirection::Outgoing).count()
                        + g.edges_directed(ix, PgDirection::Incoming).count(),
                )
            })
            .collect();
        let centrality = super::rank::pagerank(&g);
        let mut by_centrality = sorted.clone();
        let score = |ix: &NodeIndex| centrality.get(ix).copied().unwrap_or(0.0);
        // `sorted` is by id and the sort is stable, so ties stay in id order.
        by_centrality.sort_by(|a, b| score(b).total_cmp(&score(a)));
        Graph {
            g,
            ids,
            relation_ids,
            sorted,
            sorted_by_kind,
            timeline,
            search,
            degree,
            centrality,
            by_centrality,
            words,
        }
    }

    fn date_of(g: &StableDiGraph<Node, Relation>, ix: NodeIndex) -> NaiveDate {
        g[ix].event().map_or(NaiveDate::MIN, |e| e.date.date)
    }

    /// The empty graph.
    pub fn empty() -> Graph {
        Graph::index(StableDiGraph::default(), HashMap::new(), HashMap::new())
    }

    pub fn node_count(&self) -> usize {
        self.g.node_count()
    }

    pub fn relation_count(&self) -> usize {
        self.g.edge_count()
    }

    pub fn lookup(&self, id: &str) -> Option<NodeIndex> {
        // Parsing first keeps malformed ids from ever reaching the map.
        NodeId::parse(id)
            .ok()
            .and_then(|id| self.ids.get(&id).copied())
    }

    pub fn node(&self, ix: NodeIndex) -> &Node {
        &self.g[ix]
    }

    pub fn relation(&self, e: EdgeIndex) -> &Relation {
        &self.g[e]
    }

    pub fn lookup_relation(&self, id: &str) -> Option<EdgeIndex> {
        self.relation_ids.get(id).copied()
    }

    /// The `(from, to)` nodes of a relation.
    pub fn ends(&self, e: EdgeIndex) -> (NodeIndex, NodeIndex) {
        self.g
            .edge_endpoints(e)
            .expect("edge indexes handed out by this graph stay valid")
    }

    /// All nodes (or those of one kind), sorted by id.
    pub fn nodes_sorted(&self, kind: Option<Kind>) -> &[NodeIndex] {
        match kind {
            None => &self.sorted,
            Some(k) => self.sorted_by_kind.get(&k).map_or(&[], |v| v.as_slice()),
        }
    }

    /// The relations at a node, filtered by direction and type, in a stable order: by type,
    /// then the other end's id, then the relation id.
    pub fn relations_of(
        &self,
        ix: NodeIndex,
        direction: Option<Direction>,
        types: Option<&[RelationType]>,
    ) -> Vec<RelationView> {
        let mut out = vec![];
        for (dir, pg) in [
            (Direction::Outgoing, PgDirection::Outgoing),
            (Direction::Incoming, PgDirection::Incoming),
        ] {
            if direction.is_some_and(|d| d != dir) {
                continue;
            }
            for e in self.g.edges_directed(ix, pg) {
                if types.is_some_and(|t| !t.contains(&e.weight().rel)) {
                    continue;
                }
                let other = if dir == Direction::Outgoing {
                    e.target()
                } else {
                    e.source()
                };
                out.push(RelationView {
                    edge: e.id(),
                    direction: dir,
                    other,
                });
            }
        }
        out.sort_by(|a, b| {
            let (ra, rb) = (&self.g[a.edge], &self.g[b.edge]);
            (ra.rel, &self.g[a.other].id, &ra.id).cmp(&(rb.rel, &self.g[b.other].id, &rb.id))
        });
        out
    }

    /// The participants of an event with how they take part, sorted by role then id.
    pub fn participants(&self, event: NodeIndex) -> Vec<(NodeIndex, RelationType, Option<&str>)> {
        let mut out: Vec<_> = self
            .relations_of(event, None, Some(&PARTICIPATION))
            .into_iter()
            .map(|v| {
                let r = &self.g[v.edge];
                (v.other, r.rel, r.role.as_deref())
            })
            .collect();
        out.sort_by(|a, b| (a.1, &self.g[a.0].id).cmp(&(b.1, &self.g[b.0].id)));
        out.dedup_by_key(|p| (p.0, p.1));
        out
    }

    /// The events a node takes part in (as actor, addressee or subject), oldest first.
    pub fn events_of(&self, ix: NodeIndex) -> Vec<NodeIndex> {
        let mut events: Vec<NodeIndex> = self
            .relations_of(ix, None, Some(&PARTICIPATION))
            .into_iter()
            .map(|v| v.other)
            .filter(|&o| self.g[o].kind == Kind::Event)
            .collect();
        events.sort_by_key(|&e| (Self::date_of(&self.g, e), self.g[e].id.clone()));
        events.dedup();
        events
    }

    /// The time line: events whose date (a day, month or year) overlaps `[from, to]`, and that
    /// involve `involving` if given; oldest first.
    pub fn timeline(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        involving: Option<NodeIndex>,
    ) -> Vec<NodeIndex> {
        let base: Vec<NodeIndex> = match involving {
            Some(ix) => self.events_of(ix),
            None => self.timeline.clone(),
        };
        base.into_iter()
            .filter(|&e| {
                let Some(ev) = self.g[e].event() else {
                    return false;
                };
                from.is_none_or(|f| ev.date.last_day() >= f) && to.is_none_or(|t| ev.date.date <= t)
            })
            .collect()
    }

    /// The number of relations at a node, both directions.
    pub fn degree(&self, ix: NodeIndex) -> usize {
        self.degree.get(&ix).copied().unwrap_or(0)
    }

    /// The node's PageRank over the undirected graph (all scores sum to 1).
    pub fn centrality(&self, ix: NodeIndex) -> f64 {
        self.centrality.get(&ix).copied().unwrap_or(0.0)
    }

    /// Nodes by PageRank, highest first (ties by id).
    pub fn by_centrality(&self) -> &[NodeIndex] {
        &self.by_centrality
    }

    /// How many relations there are of each type, in type order.
    pub fn relation_type_counts(&self) -> Vec<(RelationType, usize)> {
        let mut counts: std::collections::BTreeMap<RelationType, usize> = Default::default();
        for r in self.g.edge_weights() {
            *counts.entry(r.rel).or_default() += 1;
        }
        counts.into_iter().collect()
    }

    /// The `text` filter of listings: whether every word of the (normalised) query starts a
    /// word of a node's name, an alias, a label or its description. The query is normalised
    /// once; the nodes' words were at indexing.
    pub fn text_matcher(&self, query: &str) -> impl Fn(NodeIndex) -> bool + '_ {
        let q = super::normalize(query);
        move |ix| {
            let words = self.words.get(&ix).map_or(&[][..], |w| w.as_slice());
            q.split(' ')
                .all(|qw| words.iter().any(|w| w.starts_with(qw)))
        }
    }

    /// Relations of type `rel` from `from` to `to`, in id order.
    pub fn relations_between(
        &self,
        from: NodeIndex,
        to: NodeIndex,
        rel: RelationType,
    ) -> Vec<EdgeIndex> {
        let mut out: Vec<EdgeIndex> = self
            .g
            .edges_connecting(from, to)
            .filter(|e| e.weight().rel == rel)
            .map(|e| e.id())
            .collect();
        out.sort_by(|a, b| self.g[*a].id.cmp(&self.g[*b].id));
        out
    }

    /// Whether `from rel to` holds on `day`, and why: see [`Status`].
    pub fn status(
        &self,
        from: NodeIndex,
        rel: RelationType,
        to: NodeIndex,
        day: NaiveDate,
    ) -> Status {
        let candidates = self.relations_between(from, to, rel);
        if let Some(&e) = candidates.iter().find(|&&e| self.g[e].holds_on(day)) {
            return Status::Holds(e);
        }
        // Otherwise explain with the relation closest to the day: the last one that ended
        // before it, or else the first that starts after it.
        let ended = candidates
            .iter()
            .filter(|&&e| self.g[e].valid_until.is_some_and(|b| b.date <= day))
            .max_by_key(|&&e| self.g[e].valid_until.map(|b| b.date));
        if let Some(&e) = ended {
            return Status::Ended(e);
        }
        match candidates.first() {
            Some(&e) => Status::NotYet(e),
            None => Status::NoRelation,
        }
    }

    /// The sentence of the source that contains the evidence's quote, for context.
    pub fn sentence_of(&self, ev: &Evidence) -> Option<&str> {
        let src = self
            .lookup(ev.source.as_str())
            .and_then(|ix| self.g[ix].source())?;
        Some(sentence_around(
            &src.text,
            ev.start,
            ev.start + ev.quote.len(),
        ))
    }

    /// Quotes matching a phrase, with the events and relations they support.
    pub fn search_evidence(&self, query: &str) -> Vec<super::EvidenceMatch> {
        self.search.search_evidence(query)
    }

    /// Ranked search over names and aliases; see [`super::search`].
    pub fn search(&self, query: &str, kinds: Option<&[Kind]>) -> Vec<super::SearchHit> {
        self.search.search(&self.g, query, kinds)
    }
}

/// The answer to "does `from TYPE to` hold on a day?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// This relation holds on the day.
    Holds(EdgeIndex),
    /// This relation held, but its `valid_until` is on or before the day.
    Ended(EdgeIndex),
    /// This relation starts after the day.
    NotYet(EdgeIndex),
    /// No relation of that type joins the two.
    NoRelation,
}

/// The relation types that tie an entity to an event it takes part in.
pub const PARTICIPATION: [RelationType; 3] = [
    RelationType::ActorIn,
    RelationType::AddressedTo,
    RelationType::Concerns,
];

/// The sentence around `[start, end)`: from after the previous sentence end to the next one,
/// trimmed. A sentence ends at a line break, or at `.`, `!` or `?` (with any closing quotation
/// mark) followed by white space or the end of the text; so `3.5` does not end one.
pub(crate) fn sentence_around(text: &str, start: usize, end: usize) -> &str {
    let begin = text[..start]
        .char_indices()
        .rev()
        .find_map(|(i, c)| sentence_end_at(text, i, c).filter(|&e| e <= start))
        .unwrap_or(0);
    let stop = text[end..]
        .char_indices()
        .find_map(|(i, c)| sentence_end_at(text, end + i, c))
        .unwrap_or(text.len());
    text[begin..stop].trim()
}

/// If the character `c` at byte `i` ends a sentence, the byte just after the sentence.
fn sentence_end_at(text: &str, i: usize, c: char) -> Option<usize> {
    if c == '\n' {
        return Some(i);
    }
    if !matches!(c, '.' | '!' | '?') {
        return None;
    }
    let mut j = i + c.len_utf8();
    for q in ['"', '”', '’', '\''] {
        if text[j..].starts_with(q) {
            j += q.len_utf8();
            break;
        }
    }
    let rest = &text[j..];
    (rest.is_empty() || rest.starts_with(char::is_whitespace)).then_some(j)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, quote: &str, expected: &str) {
        let start = text.find(quote).unwrap();
        assert_eq!(sentence_around(text, start, start + quote.len()), expected);
    }

    #[test]
    fn sentences_are_found_around_quotes() {
        let t = "First one. The second, with a quote. Third!\nA line\n\"Quoted.\" After.";
        check(t, "second", "The second, with a quote.");
        check(t, "First", "First one.");
        check(t, "Third", "Third!");
        check(t, "A line", "A line");
        check(t, "Quoted", "\"Quoted.\"");
        check(t, "After", "After.");
        check("no end at all", "end", "no end at all");
        // An abbreviation-free decimal point is not a sentence end.
        check("It costs 3.5 euro. Next.", "costs", "It costs 3.5 euro.");
    }
}
