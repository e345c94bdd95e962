//! What surrounds a node: the nodes within a few hops of it and the relations among them, the
//! subgraph a client draws around an entity. The expansion is bounded by a node limit, so a
//! hub (a state with hundreds of relations) cannot make one request walk the whole graph; the
//! result says when the limit cut it short.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};

use petgraph::graph::{EdgeIndex, NodeIndex};

use super::model::{Kind, NodeId, RelationType};
use super::paths::TraversalFilter;
use super::store::{Adj, Direction, Graph};

/// A node's surroundings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subgraph {
    /// The center first, then the others by depth, each depth ordered by node id.
    pub nodes: Vec<NodeIndex>,
    /// Every allowed relation with both ends in `nodes`, sorted by relation id.
    pub edges: Vec<EdgeIndex>,
    /// True when the limit left out some node within the requested depth.
    pub truncated: bool,
    /// The depth of the farthest node kept (0 when only the center is).
    pub depth_reached: usize,
}

impl Graph {
    /// Nodes within `depth` hops of `center` (relations walked both ways, filter applied),
    /// keeping only nodes whose kind is in `kinds` if given (the center is always kept; a node
    /// of an excluded kind is not traversed through either), at most `limit` nodes in all,
    /// center included. When the limit cuts a depth short, that depth keeps its smallest ids.
    ///
    /// A center not in the graph gives an empty subgraph; so does `limit == 0` (marked
    /// truncated, since the center itself was left out).
    ///
    /// Cost: O((limit + skipped) · log runs) per depth, where `skipped` counts the relations
    /// passed over (already seen, filtered out); a hub's relations beyond what the limit
    /// keeps are not read.
    pub fn neighborhood(
        &self,
        center: NodeIndex,
        depth: usize,
        filter: &TraversalFilter,
        kinds: Option<&[Kind]>,
        limit: usize,
    ) -> Subgraph {
        let mut out = Subgraph {
            nodes: vec![],
            edges: vec![],
            truncated: false,
            depth_reached: 0,
        };
        if !self.contains(center) {
            return out;
        }
        if limit == 0 {
            out.truncated = true;
            return out;
        }
        let wanted = |ix: NodeIndex| kinds.is_none_or(|k| k.contains(&self.node(ix).kind));
        let mut seen = HashSet::from([center]);
        out.nodes.push(center);
        let mut frontier = vec![center];
        for d in 1..=depth {
            let room = limit - out.nodes.len();
            // One more than there is room for tells whether the limit cut this depth short.
            let mut level =
                self.smallest_new_neighbours(&frontier, filter, &wanted, &seen, room + 1);
            if level.is_empty() {
                break;
            }
            if level.len() > room {
                level.truncate(room);
                out.truncated = true;
            }
            if !level.is_empty() {
                out.depth_reached = d;
            }
            seen.extend(&level);
            out.nodes.extend(&level);
            if out.truncated {
                break;
            }
            frontier = level;
        }
        out.edges = self.relations_among(&out.nodes, filter);
        out
    }

    /// Up to `want` nodes next to `frontier` (by an allowed step) that are `wanted` and not
    /// `seen`, those with the smallest ids. Each node's relation list is sorted by type, then
    /// the other end's id, so it is a handful of sorted runs: merging the runs of the whole
    /// frontier yields neighbours in id order, and the merge stops as soon as it has enough.
    /// A hub's relations are not all read when the limit is reached first.
    fn smallest_new_neighbours(
        &self,
        frontier: &[NodeIndex],
        filter: &TraversalFilter,
        wanted: &impl Fn(NodeIndex) -> bool,
        seen: &HashSet<NodeIndex>,
        want: usize,
    ) -> Vec<NodeIndex> {
        let mut runs: Vec<(&[Adj], NodeIndex)> = vec![];
        for &at in frontier {
            let adj = self.adj(at);
            let mut lo = 0;
            while lo < adj.len() {
                let rel = adj[lo].rel;
                let hi = lo + adj[lo..].partition_point(|a| a.rel == rel);
                if filter.types.as_ref().is_none_or(|t| t.contains(&rel)) {
                    runs.push((&adj[lo..hi], at));
                }
                lo = hi;
            }
        }
        let mut heap: BinaryHeap<Reverse<(&NodeId, usize, usize)>> = runs
            .iter()
            .enumerate()
            .filter(|(_, (run, _))| !run.is_empty())
            .map(|(i, (run, _))| Reverse((&self.node(run[0].other).id, i, 0)))
            .collect();
        let mut out: Vec<NodeIndex> = vec![];
        let mut taken: HashSet<NodeIndex> = HashSet::new();
        let mut popped = 0usize;
        while let Some(Reverse((_, i, pos))) = heap.pop() {
            popped += 1;
            if popped.is_multiple_of(1024) && super::deadline::expired() {
                break;
            }
            let (run, at) = runs[i];
            let a = run[pos];
            if pos + 1 < run.len() {
                heap.push(Reverse((&self.node(run[pos + 1].other).id, i, pos + 1)));
            }
            if a.other == at
                || seen.contains(&a.other)
                || taken.contains(&a.other)
                || !wanted(a.other)
                || !filter.allows(self.relation(a.edge))
            {
                continue;
            }
            taken.insert(a.other);
            out.push(a.other);
            if out.len() >= want {
                break;
            }
        }
        out
    }

    /// Every allowed relation with both ends in `nodes`, sorted by relation id. A node with
    /// many relations (a hub) is searched for each other node instead of read whole.
    fn relations_among(&self, nodes: &[NodeIndex], filter: &TraversalFilter) -> Vec<EdgeIndex> {
        let kept: HashSet<NodeIndex> = nodes.iter().copied().collect();
        let mut edges: Vec<EdgeIndex> = vec![];
        for &n in nodes {
            let adj = self.adj(n);
            // Outgoing relations only, so each relation is met once, at its `from`.
            let mut take = |a: &Adj| {
                if a.dir == Direction::Outgoing
                    && kept.contains(&a.other)
                    && filter.allows(self.relation(a.edge))
                {
                    edges.push(a.edge);
                }
            };
            if adj.len() <= 16 * nodes.len() {
                adj.iter().for_each(&mut take);
                continue;
            }
            for rel in RelationType::ALL {
                let range = self.type_range(n, rel);
                if range.is_empty() {
                    continue;
                }
                for &m in nodes {
                    let id = &self.node(m).id;
                    let lo = range.partition_point(|a| self.node(a.other).id < *id);
                    range[lo..]
                        .iter()
                        .take_while(|a| a.other == m)
                        .for_each(&mut take);
                }
            }
        }
        edges.sort_by(|a, b| self.cmp_relation_ids(*a, *b));
        edges.dedup();
        edges
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::super::paths::fixture::{graph, ids, ix, rel};
    use super::*;
    use crate::graph::RelationType::{ActorIn, AggressionAgainst, HoldsOffice, MemberOf, Supports};
    use crate::graph::{RelationType, ValiditySpec};

    fn relation_ids(g: &Graph, s: &Subgraph) -> Vec<String> {
        s.edges
            .iter()
            .map(|&e| g.relation_id(e).to_string())
            .collect()
    }

    /// Ruritania at the center: a minister (a person) of Ruritania, who is an actor in a
    /// speech; a union both Ruritania and Freedonia are members of; Borduria attacked by
    /// Ruritania until 2025-12-27. Nodes are inserted so that index order differs from id order.
    fn world() -> Graph {
        let mut war = rel("state/ruritania", AggressionAgainst, "state/borduria");
        war.valid_until = Some(ValiditySpec::Date(day(2025, 12, 27)));
        graph(
            &[
                "event/speech",
                "state/freedonia",
                "org/union",
                "person/minister",
                "state/borduria",
                "state/ruritania",
            ],
            vec![
                rel("person/minister", HoldsOffice, "state/ruritania"),
                rel("person/minister", ActorIn, "event/speech"),
                rel("state/ruritania", MemberOf, "org/union"),
                rel("state/freedonia", MemberOf, "org/union"),
                war,
                rel("state/freedonia", Supports, "state/borduria"),
            ],
        )
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn around(
        g: &Graph,
        depth: usize,
        filter: &TraversalFilter,
        kinds: Option<&[Kind]>,
        limit: usize,
    ) -> Subgraph {
        g.neighborhood(ix(g, "state/ruritania"), depth, filter, kinds, limit)
    }

    #[test]
    fn depth_one_is_the_direct_neighbours_and_the_relations_among_them() {
        let g = world();
        let s = around(&g, 1, &TraversalFilter::default(), None, 100);
        assert_eq!(
            ids(&g, &s.nodes),
            [
                "state/ruritania",
                "org/union",
                "person/minister",
                "state/borduria"
            ]
        );
        assert_eq!(
            relation_ids(&g, &s),
            [
                "person/minister:HOLDS_OFFICE:state/ruritania",
                "state/ruritania:AGGRESSION_AGAINST:state/borduria",
                "state/ruritania:MEMBER_OF:org/union",
            ]
        );
        assert_eq!((s.truncated, s.depth_reached), (false, 1));
    }

    #[test]
    fn depth_two_adds_the_next_ring_after_the_first() {
        let g = world();
        let s = around(&g, 2, &TraversalFilter::default(), None, 100);
        assert_eq!(
            ids(&g, &s.nodes),
            [
                "state/ruritania",
                "org/union",
                "person/minister",
                "state/borduria",
                "event/speech",
                "state/freedonia",
            ]
        );
        // Freedonia's two relations are both among kept nodes now.
        assert_eq!(s.edges.len(), 6);
        assert_eq!((s.truncated, s.depth_reached), (false, 2));
        // Asking deeper than the graph goes reaches no farther and cuts nothing.
        let deep = around(&g, 10, &TraversalFilter::default(), None, 100);
        assert_eq!(deep.nodes, s.nodes);
        assert_eq!((deep.truncated, deep.depth_reached), (false, 2));
        // Depth 0 is the center alone.
        let zero = around(&g, 0, &TraversalFilter::default(), None, 100);
        assert_eq!(ids(&g, &zero.nodes), ["state/ruritania"]);
        assert!(zero.edges.is_empty());
        assert_eq!((zero.truncated, zero.depth_reached), (false, 0));
    }

    #[test]
    fn excluded_kinds_are_left_out_and_not_walked_through() {
        let g = world();
        let states = [Kind::State];
        let s = around(&g, 2, &TraversalFilter::default(), Some(&states), 100);
        // The union is not kept, so Freedonia is reached only through Borduria; the minister
        // is not kept, so the speech is not reached at all.
        assert_eq!(
            ids(&g, &s.nodes),
            ["state/ruritania", "state/borduria", "state/freedonia"]
        );
        assert_eq!(
            relation_ids(&g, &s),
            [
                "state/freedonia:SUPPORTS:state/borduria",
                "state/ruritania:AGGRESSION_AGAINST:state/borduria",
            ]
        );
        // The center is kept even when its own kind is excluded.
        let people = [Kind::Person];
        let p = around(&g, 2, &TraversalFilter::default(), Some(&people), 100);
        assert_eq!(ids(&g, &p.nodes), ["state/ruritania", "person/minister"]);
    }

    #[test]
    fn the_limit_truncates_to_exactly_limit_nodes_with_edges_only_among_them() {
        let g = world();
        let all = TraversalFilter::default();
        let s = around(&g, 2, &all, None, 2);
        assert_eq!(ids(&g, &s.nodes), ["state/ruritania", "org/union"]);
        assert_eq!(
            relation_ids(&g, &s),
            ["state/ruritania:MEMBER_OF:org/union"]
        );
        assert!(s.truncated);
        assert_eq!(s.depth_reached, 1);
        // Room for exactly depth 1, with depth 2 still waiting: truncated, depth 1.
        let ring = around(&g, 2, &all, None, 4);
        assert_eq!(ring.nodes.len(), 4);
        assert!(ring.truncated);
        assert_eq!(ring.depth_reached, 1);
        // Room for exactly everything within the depth: nothing was left out.
        let exact = around(&g, 1, &all, None, 4);
        assert_eq!(exact.nodes.len(), 4);
        assert!(!exact.truncated);
        let none = around(&g, 1, &all, None, 0);
        assert!(none.nodes.is_empty() && none.edges.is_empty() && none.truncated);
    }

    #[test]
    fn the_filter_decides_what_is_walked_and_what_is_listed() {
        let g = world();
        // On the day the aggression ends it no longer links Ruritania to Borduria.
        let later = TraversalFilter {
            types: None,
            as_of: Some(day(2025, 12, 27)),
        };
        let s = around(&g, 1, &later, None, 100);
        assert_eq!(
            ids(&g, &s.nodes),
            ["state/ruritania", "org/union", "person/minister"]
        );
        // Only membership: Freedonia is reached through the union, Borduria not at all.
        let members = TraversalFilter {
            types: Some(vec![RelationType::MemberOf]),
            as_of: None,
        };
        let m = around(&g, 2, &members, None, 100);
        assert_eq!(
            ids(&g, &m.nodes),
            ["state/ruritania", "org/union", "state/freedonia"]
        );
        assert_eq!(
            relation_ids(&g, &m),
            [
                "state/freedonia:MEMBER_OF:org/union",
                "state/ruritania:MEMBER_OF:org/union"
            ]
        );
        // A relation between kept nodes that the filter refuses is not listed.
        let no_war = TraversalFilter {
            types: Some(vec![RelationType::MemberOf, Supports]),
            as_of: None,
        };
        let w = around(&g, 3, &no_war, None, 100);
        assert!(ids(&g, &w.nodes).contains(&"state/borduria"));
        assert!(
            !relation_ids(&g, &w)
                .contains(&"state/ruritania:AGGRESSION_AGAINST:state/borduria".to_string())
        );
    }

    #[test]
    fn a_center_not_in_the_graph_gives_an_empty_subgraph() {
        let g = world();
        let s = g.neighborhood(
            NodeIndex::new(999),
            2,
            &TraversalFilter::default(),
            None,
            10,
        );
        assert!(s.nodes.is_empty() && s.edges.is_empty() && !s.truncated);
    }
}
