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
    g: StableDiGraph<Node, Relation>,
    ids: HashMap<NodeId, NodeIndex>,
    relation_ids: HashMap<String, EdgeIndex>,
    /// All nodes, sorted by id; per kind, sorted by id.
    sorted: Vec<NodeIndex>,
    sorted_by_kind: HashMap<Kind, Vec<NodeIndex>>,
    /// Events, oldest first (ties by id).
    timeline: Vec<NodeIndex>,
    search: SearchIndex,
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
        Graph {
            g,
            ids,
            relation_ids,
            sorted,
            sorted_by_kind,
            timeline,
            search,
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

    /// Ranked search over names and aliases; see [`super::search`].
    pub fn search(&self, query: &str, kinds: Option<&[Kind]>) -> Vec<super::SearchHit> {
        self.search.search(&self.g, query, kinds)
    }
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
