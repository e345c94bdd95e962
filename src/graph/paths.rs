//! How two nodes are connected: the shortest path between them and the k shortest loopless
//! paths (Yen's algorithm), walking relations both ways and only those a [`TraversalFilter`]
//! allows.
//!
//! Results are deterministic and independent of insertion order: among equally short paths the
//! one whose hops, compared as `(node id, relation id)`, are smallest wins. Ids rather than
//! petgraph indexes decide, because indexes depend on the order the seed happened to be loaded
//! in, and a rebuilt graph must answer the same question the same way. The search itself, a
//! bidirectional one whose cost follows the smaller end, is in [`search`].

mod search;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use petgraph::graph::{EdgeIndex, NodeIndex};

use super::model::{NodeId, Relation, RelationType};
use super::store::{Direction, Graph};

/// Which relations a traversal may use.
#[derive(Debug, Clone, Default)]
pub struct TraversalFilter {
    /// Only relations of these types (all types when `None`).
    pub types: Option<Vec<RelationType>>,
    /// Only relations that hold on this day (all relations, whatever their validity, when `None`).
    pub as_of: Option<NaiveDate>,
}

impl TraversalFilter {
    pub fn allows(&self, r: &Relation) -> bool {
        self.types.as_ref().is_none_or(|t| t.contains(&r.rel))
            && self.as_of.is_none_or(|day| r.holds_on(day))
    }
}

/// One step of a path: the relation used and which way it was walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hop {
    pub edge: EdgeIndex,
    pub from: NodeIndex,
    pub to: NodeIndex,
    /// `Outgoing`: walked along the relation (`from` is the relation's `from`);
    /// `Incoming`: walked against it.
    pub direction: Direction,
}

/// A walk from `start` through `hops`; each hop's `from` is the previous hop's `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub start: NodeIndex,
    pub hops: Vec<Hop>,
}

impl Path {
    /// The nodes visited, `start` first.
    pub fn nodes(&self) -> Vec<NodeIndex> {
        std::iter::once(self.start)
            .chain(self.hops.iter().map(|h| h.to))
            .collect()
    }

    /// The number of hops.
    pub fn len(&self) -> usize {
        self.hops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hops.is_empty()
    }
}

/// What a search may not use. Yen's algorithm bans the nodes of a path's root (so paths stay
/// loopless) and the relations earlier paths with the same root took next (so paths differ).
#[derive(Debug, Default)]
struct Banned {
    nodes: search::IndexSet<NodeIndex>,
    edges: search::IndexSet<EdgeIndex>,
}

/// The order paths are returned in: fewer hops first, then hop by hop by `(node id,
/// relation id)`. Relation ids are unique, so two different paths never share a key.
type PathKey<'g> = (usize, Vec<(&'g NodeId, std::sync::Arc<str>)>);

impl Graph {
    /// Shortest connection ignoring edge direction (relations are walked both ways), at most
    /// `max_hops` hops, only over relations the filter allows. `from == to` gives an empty path.
    /// Among equally short paths, the one with the smallest sequence of `(node id, relation id)`
    /// hops is returned. `None` when there is no such path or either node is not in the graph.
    ///
    /// Cost: a bidirectional breadth-first search that expands, each round, the end whose
    /// frontier has fewer relations, so a hub at one end is read only once the other end's
    /// frontier has more relations than it; then the path is walked reading only its own
    /// nodes' relation lists, in their stored order (no sorting). Memory in proportion to the
    /// nodes reached, not to the graph; O(V + E) at worst, as for any search.
    pub fn shortest_path(
        &self,
        from: NodeIndex,
        to: NodeIndex,
        max_hops: usize,
        filter: &TraversalFilter,
    ) -> Option<Path> {
        self.bfs(from, to, max_hops, filter, &Banned::default())
            .map(|hops| Path { start: from, hops })
    }

    /// Up to `k` shortest loopless paths (Yen's algorithm over [`Graph::shortest_path`]'s
    /// search), distinct as sequences of relations, ordered by length and then by the same
    /// tie-break. Fewer than `k` when fewer exist; parallel relations make different paths.
    ///
    /// Cost: O(k · L) searches like [`Graph::shortest_path`]'s for paths of at most L hops.
    pub fn k_shortest_paths(
        &self,
        from: NodeIndex,
        to: NodeIndex,
        k: usize,
        max_hops: usize,
        filter: &TraversalFilter,
    ) -> Vec<Path> {
        self.yen(from, k, max_hops, |spur, hops, banned| {
            self.bfs(spur, to, hops, filter, banned)
        })
    }

    /// Yen's algorithm from `from` over `search(spur, max_hops, banned)`, the smallest shortest
    /// path from `spur` to the destination avoiding `banned` (a parameter so the tests can run
    /// the same algorithm over a reference search).
    fn yen(
        &self,
        from: NodeIndex,
        k: usize,
        max_hops: usize,
        search: impl Fn(NodeIndex, usize, &Banned) -> Option<Vec<Hop>>,
    ) -> Vec<Path> {
        let mut found: Vec<Path> = vec![];
        if k == 0 {
            return found;
        }
        let Some(first) = search(from, max_hops, &Banned::default()) else {
            return found;
        };
        found.push(Path {
            start: from,
            hops: first,
        });
        // The map both orders the candidates and drops a candidate met twice.
        let mut candidates: BTreeMap<PathKey<'_>, Path> = BTreeMap::new();
        while found.len() < k && !super::deadline::expired() {
            let Some(last) = found.last() else { break };
            let last_nodes = last.nodes();
            // Every later path leaves some earlier one at some node: try each node of the
            // newest path as the point where a new path branches off.
            for (i, &spur) in last_nodes.iter().enumerate().take(last.len()) {
                let root = &last.hops[..i];
                let mut banned = Banned::default();
                banned.nodes.extend(&last_nodes[..i]);
                for p in &found {
                    if p.hops.len() > i && p.hops[..i] == *root {
                        banned.edges.insert(p.hops[i].edge);
                    }
                }
                let Some(tail) = search(spur, max_hops - i, &banned) else {
                    continue;
                };
                let path = Path {
                    start: from,
                    hops: root.iter().copied().chain(tail).collect(),
                };
                // Banning the next relation of every found path with this root already keeps
                // found paths out; this guards that reasoning at the cost of a cheap scan.
                if !found.iter().any(|f| f.hops == path.hops) {
                    candidates.entry(self.path_key(&path)).or_insert(path);
                }
            }
            let Some((_, next)) = candidates.pop_first() else {
                break;
            };
            found.push(next);
        }
        found
    }

    /// The hops of the smallest shortest path from `from` to `to` avoiding `banned`.
    fn bfs(
        &self,
        from: NodeIndex,
        to: NodeIndex,
        max_hops: usize,
        filter: &TraversalFilter,
        banned: &Banned,
    ) -> Option<Vec<Hop>> {
        search::smallest_shortest(self, from, to, max_hops, filter, banned)
    }

    fn hop_key(&self, h: &Hop) -> (&NodeId, std::sync::Arc<str>) {
        (&self.node(h.to).id, self.relation_id(h.edge))
    }

    fn path_key(&self, p: &Path) -> PathKey<'_> {
        (p.len(), p.hops.iter().map(|h| self.hop_key(h)).collect())
    }
}

/// Small graphs for the tests of the graph algorithms (paths, neighbourhoods, ranks).
#[cfg(test)]
pub(super) mod fixture {
    use chrono::Datelike;
    use petgraph::graph::NodeIndex;

    use crate::graph::*;

    /// The one source every test graph has; every fact quotes it.
    pub(crate) const SOURCE: &str = "source/doc";

    /// A relation from `from` to `to`, its evidence the word "attested" in [`SOURCE`].
    pub(crate) fn rel(from: &str, rel: RelationType, to: &str) -> NewRelation {
        NewRelation {
            id: None,
            rel,
            from: from.into(),
            to: to.into(),
            role: None,
            valid_from: None,
            valid_until: None,
            evidence: vec![NewEvidence::new(SOURCE, "attested")],
        }
    }

    /// A graph of [`SOURCE`], the given nodes (their kind read from the id's prefix: `state/`,
    /// `person/`, `org/`, `treaty/`, `event/`) and the given relations, in that order.
    pub(crate) fn graph(nodes: &[&str], relations: Vec<NewRelation>) -> Graph {
        let mut b = GraphBuilder::new();
        b.add_source(NewSource {
            id: SOURCE.into(),
            title: "Doc".into(),
            description: String::new(),
            url: None,
            published: chrono::DateTime::parse_from_rfc3339("2025-06-28T12:00:00+00:00").unwrap(),
            language: "en".into(),
            text: test_text(),
            statements: Default::default(),
        })
        .unwrap();
        for &id in nodes {
            let kind = match id.split('/').next() {
                Some("state") => Kind::State,
                Some("person") => Kind::Person,
                Some("org") => Kind::Organization,
                Some("treaty") => Kind::Treaty,
                Some("event") => Kind::Event,
                other => panic!("no test kind for the prefix {other:?}"),
            };
            let added = if kind == Kind::Event {
                b.add_event(NewEvent {
                    id: id.into(),
                    title: id.into(),
                    labels: Default::default(),
                    aliases: vec![],
                    same_as: vec![],
                    description: String::new(),
                    kind: EventKind::Decision,
                    date: EventDate::Given(FuzzyDate::parse("2025-01-01").unwrap()),
                    evidence: vec![NewEvidence::new(SOURCE, "attested")],
                    inferred: None,
                    statements: Default::default(),
                })
            } else {
                let node = NewNode {
                    id: id.into(),
                    name: id.into(),
                    ..Default::default()
                };
                b.add_entity(kind, node)
            };
            added.unwrap();
        }
        for mut r in relations {
            // A bound typed in as a date is stated by the relation's evidence: quote the
            // sentence of the test text that states it.
            for d in [&r.valid_from, &r.valid_until] {
                if let Some(ValiditySpec::Date(d)) = d {
                    let words = format!("on {}", d.format("%-d %B %Y"));
                    r.evidence.push(NewEvidence::new(SOURCE, words));
                }
            }
            b.add_relation(r).unwrap();
        }
        b.finish().unwrap()
    }

    /// The test graphs' source: a sentence every quote can cite, and one stating each day of
    /// 2019 to 2026 (validity bounds must be stated by their evidence).
    fn test_text() -> String {
        let mut text =
            String::from("Everything in these test graphs is attested on 1 January 2025.");
        let mut d = chrono::NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
        while d.year() < 2027 {
            text.push_str(&format!("\nIt held on {}.", d.format("%-d %B %Y")));
            d = d.succ_opt().unwrap();
        }
        text
    }

    pub(crate) fn ix(g: &Graph, id: &str) -> NodeIndex {
        g.lookup(id).unwrap_or_else(|| panic!("no node `{id}`"))
    }

    pub(crate) fn ids<'g>(g: &'g Graph, nodes: &[NodeIndex]) -> Vec<&'g str> {
        nodes.iter().map(|&n| g.node(n).id.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::fixture::{graph, ids, ix, rel};
    use super::*;
    use crate::graph::RelationType::{AggressionAgainst, MemberOf, Supports};
    use crate::graph::ValiditySpec;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// A path as `(node id, relation id)` per hop, the form the tie-break compares.
    fn spelled(g: &Graph, p: &Path) -> Vec<(String, String)> {
        p.hops
            .iter()
            .map(|h| {
                (
                    g.node(h.to).id.to_string(),
                    g.relation_id(h.edge).to_string(),
                )
            })
            .collect()
    }

    /// Checks that `p` is a well-formed, loopless walk from `from` to `to` over allowed
    /// relations, each hop's direction matching the relation's ends.
    fn check_walk(g: &Graph, p: &Path, from: NodeIndex, to: NodeIndex, filter: &TraversalFilter) {
        assert_eq!(p.start, from);
        assert_eq!(p.nodes().last(), Some(&to));
        let mut at = from;
        for h in &p.hops {
            assert_eq!(h.from, at);
            assert!(filter.allows(g.relation(h.edge)));
            let expected = match h.direction {
                Direction::Outgoing => (h.from, h.to),
                Direction::Incoming => (h.to, h.from),
            };
            assert_eq!(g.ends(h.edge), expected);
            at = h.to;
        }
        let nodes = p.nodes();
        let distinct: HashSet<_> = nodes.iter().collect();
        assert_eq!(distinct.len(), nodes.len(), "the path has a loop");
    }

    /// Every loopless path of at most `max_hops` hops, by depth-first search over the store's
    /// public API, sorted the way `k_shortest_paths` promises: the reference to compare with.
    fn all_paths(
        g: &Graph,
        from: NodeIndex,
        to: NodeIndex,
        max_hops: usize,
        filter: &TraversalFilter,
    ) -> Vec<Vec<(String, String)>> {
        struct Walk<'a> {
            g: &'a Graph,
            to: NodeIndex,
            max_hops: usize,
            filter: &'a TraversalFilter,
            nodes: Vec<NodeIndex>,
            hops: Vec<(String, String)>,
            out: Vec<Vec<(String, String)>>,
        }
        impl Walk<'_> {
            fn walk(&mut self, at: NodeIndex) {
                if at == self.to {
                    self.out.push(self.hops.clone());
                    return;
                }
                if self.hops.len() == self.max_hops {
                    return;
                }
                for v in self.g.relations_of(at, None, None) {
                    let r = self.g.relation(v.edge);
                    if self.nodes.contains(&v.other) || !self.filter.allows(r) {
                        continue;
                    }
                    self.nodes.push(v.other);
                    self.hops.push((
                        self.g.node(v.other).id.to_string(),
                        self.g.relation_id(v.edge).to_string(),
                    ));
                    self.walk(v.other);
                    self.hops.pop();
                    self.nodes.pop();
                }
            }
        }
        let mut w = Walk {
            g,
            to,
            max_hops,
            filter,
            nodes: vec![from],
            hops: vec![],
            out: vec![],
        };
        w.walk(from);
        w.out.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
        w.out
    }

    /// a → b → d and a → c ← d, a parallel a -AGGRESSION_AGAINST→ b, a detour b → e → d, and a
    /// lone node f. Nodes are inserted in reverse id order, so index order never decides ties.
    fn diamond() -> Graph {
        graph(
            &[
                "state/f", "state/e", "state/d", "state/c", "state/b", "state/a",
            ],
            vec![
                rel("state/d", Supports, "state/c"),
                rel("state/a", Supports, "state/c"),
                rel("state/b", Supports, "state/d"),
                rel("state/a", AggressionAgainst, "state/b"),
                rel("state/a", Supports, "state/b"),
                rel("state/b", Supports, "state/e"),
                rel("state/e", Supports, "state/d"),
            ],
        )
    }

    #[test]
    fn shortest_path_walks_relations_both_ways_and_records_the_direction() {
        let g = diamond();
        let (a, c, d) = (ix(&g, "state/a"), ix(&g, "state/c"), ix(&g, "state/d"));
        let p = g
            .shortest_path(a, d, 5, &TraversalFilter::default())
            .unwrap();
        assert_eq!(p.len(), 2);
        // Two hops either via b (along both relations) or via c (a → c, then against
        // d → c); `state/b` < `state/c`, so via b.
        assert_eq!(ids(&g, &p.nodes()), ["state/a", "state/b", "state/d"]);
        assert_eq!(
            p.hops.iter().map(|h| h.direction).collect::<Vec<_>>(),
            [Direction::Outgoing, Direction::Outgoing]
        );
        // Of the two parallel a–b relations, the smaller id wins.
        assert_eq!(
            &*g.relation_id(p.hops[0].edge),
            "state/a:AGGRESSION_AGAINST:state/b"
        );
        // From d to a the same path runs backwards, every hop against its relation.
        let back = g
            .shortest_path(d, a, 5, &TraversalFilter::default())
            .unwrap();
        check_walk(&g, &back, d, a, &TraversalFilter::default());
        assert_eq!(back.len(), 2);
        assert!(back.hops.iter().all(|h| h.direction == Direction::Incoming));
        // c to d: one hop against `state/d:SUPPORTS:state/c`.
        let cd = g
            .shortest_path(c, d, 5, &TraversalFilter::default())
            .unwrap();
        assert_eq!(cd.len(), 1);
        assert_eq!(cd.hops[0].direction, Direction::Incoming);
        assert_eq!((cd.hops[0].from, cd.hops[0].to), (c, d));
    }

    #[test]
    fn no_path_within_max_hops_gives_none() {
        let g = diamond();
        let (a, d, f) = (ix(&g, "state/a"), ix(&g, "state/d"), ix(&g, "state/f"));
        let all = TraversalFilter::default();
        assert!(g.shortest_path(a, d, 1, &all).is_none());
        assert!(g.shortest_path(a, d, 0, &all).is_none());
        assert_eq!(g.shortest_path(a, d, 2, &all).map(|p| p.len()), Some(2));
        // A node nothing connects to is never reached, however far one looks.
        assert!(g.shortest_path(a, f, 100, &all).is_none());
        assert!(g.k_shortest_paths(a, f, 3, 100, &all).is_empty());
        // Nor is a node that is not in the graph.
        let stranger = NodeIndex::new(999);
        assert!(g.shortest_path(a, stranger, 5, &all).is_none());
        assert!(g.shortest_path(stranger, stranger, 5, &all).is_none());
    }

    #[test]
    fn from_equal_to_gives_an_empty_path() {
        let g = diamond();
        let a = ix(&g, "state/a");
        let p = g
            .shortest_path(a, a, 0, &TraversalFilter::default())
            .unwrap();
        assert!(p.is_empty());
        assert_eq!(p.len(), 0);
        assert_eq!(p.nodes(), [a]);
        // The empty path is the only loopless one.
        assert_eq!(
            g.k_shortest_paths(a, a, 3, 5, &TraversalFilter::default()),
            [p]
        );
    }

    #[test]
    fn paths_use_only_the_allowed_relation_types() {
        let g = graph(
            &["state/a", "state/b", "state/c"],
            vec![
                rel("state/a", Supports, "state/b"),
                rel("state/a", AggressionAgainst, "state/c"),
                rel("state/c", AggressionAgainst, "state/b"),
            ],
        );
        let (a, b) = (ix(&g, "state/a"), ix(&g, "state/b"));
        let only = |types: &[RelationType]| TraversalFilter {
            types: Some(types.to_vec()),
            as_of: None,
        };
        let direct = g.shortest_path(a, b, 5, &only(&[Supports])).unwrap();
        assert_eq!(ids(&g, &direct.nodes()), ["state/a", "state/b"]);
        let around = g
            .shortest_path(a, b, 5, &only(&[AggressionAgainst]))
            .unwrap();
        assert_eq!(ids(&g, &around.nodes()), ["state/a", "state/c", "state/b"]);
        check_walk(&g, &around, a, b, &only(&[AggressionAgainst]));
        assert!(g.shortest_path(a, b, 5, &only(&[MemberOf])).is_none());
        assert!(g.shortest_path(a, b, 5, &only(&[])).is_none());
    }

    #[test]
    fn paths_use_only_relations_that_hold_on_the_day_asked_about() {
        // a SUPPORTS b until 2025-12-27 (exclusive); a and b stay linked through c.
        let mut ends = rel("state/a", Supports, "state/b");
        ends.valid_until = Some(ValiditySpec::Date(day(2025, 12, 27)));
        let g = graph(
            &["state/a", "state/b", "state/c"],
            vec![
                ends,
                rel("state/a", AggressionAgainst, "state/c"),
                rel("state/c", AggressionAgainst, "state/b"),
            ],
        );
        let (a, b) = (ix(&g, "state/a"), ix(&g, "state/b"));
        let on = |d| TraversalFilter {
            types: None,
            as_of: Some(d),
        };
        let before = g.shortest_path(a, b, 5, &on(day(2025, 12, 26))).unwrap();
        assert_eq!(ids(&g, &before.nodes()), ["state/a", "state/b"]);
        let after = g.shortest_path(a, b, 5, &on(day(2025, 12, 27))).unwrap();
        assert_eq!(ids(&g, &after.nodes()), ["state/a", "state/c", "state/b"]);
        // Type and date together: only SUPPORTS, after it ended, connects nothing.
        let both = TraversalFilter {
            types: Some(vec![Supports]),
            as_of: Some(day(2025, 12, 27)),
        };
        assert!(g.shortest_path(a, b, 5, &both).is_none());
        // Without a date, validity does not matter.
        assert_eq!(
            g.shortest_path(a, b, 5, &TraversalFilter::default())
                .map(|p| p.len()),
            Some(1)
        );
    }

    #[test]
    fn k_shortest_paths_are_every_loopless_path_in_order() {
        let g = diamond();
        let (a, d) = (ix(&g, "state/a"), ix(&g, "state/d"));
        let all = TraversalFilter::default();
        let expected = all_paths(&g, a, d, 10, &all);
        // Both a–b relations × {b–d, b–e–d}, a–c–d, and detours from c back through b: the
        // reference counts them all.
        assert!(expected.len() > 3 && expected.len() < 50, "{expected:?}");
        for k in [1, 2, 3, expected.len(), 50] {
            let paths = g.k_shortest_paths(a, d, k, 10, &all);
            assert_eq!(paths.len(), k.min(expected.len()), "k = {k}");
            for p in &paths {
                check_walk(&g, p, a, d, &all);
            }
            let got: Vec<_> = paths.iter().map(|p| spelled(&g, p)).collect();
            assert_eq!(got, expected[..paths.len()], "k = {k}");
        }
        // Parallel relations between a and b are different paths.
        let two = g.k_shortest_paths(a, d, 2, 10, &all);
        assert_eq!(ids(&g, &two[0].nodes()), ids(&g, &two[1].nodes()));
        assert_ne!(two[0].hops[0].edge, two[1].hops[0].edge);
        assert!(g.k_shortest_paths(a, d, 0, 10, &all).is_empty());
    }

    #[test]
    fn k_shortest_paths_respect_max_hops_and_the_filter() {
        let g = diamond();
        let (a, d) = (ix(&g, "state/a"), ix(&g, "state/d"));
        let supports = TraversalFilter {
            types: Some(vec![Supports]),
            as_of: None,
        };
        for (max_hops, filter) in [
            (2, TraversalFilter::default()),
            (3, supports.clone()),
            (10, supports),
        ] {
            let expected = all_paths(&g, a, d, max_hops, &filter);
            let paths = g.k_shortest_paths(a, d, 100, max_hops, &filter);
            let got: Vec<_> = paths.iter().map(|p| spelled(&g, p)).collect();
            assert_eq!(got, expected, "max_hops = {max_hops}, {filter:?}");
            assert!(paths.iter().all(|p| p.len() <= max_hops));
        }
    }

    #[test]
    fn results_do_not_depend_on_insertion_order() {
        let nodes = ["state/a", "state/b", "state/c", "state/d", "state/e"];
        let relations = vec![
            rel("state/a", Supports, "state/b"),
            rel("state/a", Supports, "state/c"),
            rel("state/b", Supports, "state/d"),
            rel("state/c", Supports, "state/d"),
            rel("state/d", AggressionAgainst, "state/e"),
            rel("state/c", AggressionAgainst, "state/e"),
            rel("state/b", AggressionAgainst, "state/e"),
        ];
        let forward = graph(&nodes, relations.clone());
        let mut reversed_nodes = nodes.to_vec();
        reversed_nodes.reverse();
        let mut reversed_relations = relations;
        reversed_relations.reverse();
        let backward = graph(&reversed_nodes, reversed_relations);
        let answer = |g: &Graph| {
            let (a, e) = (ix(g, "state/a"), ix(g, "state/e"));
            let all = TraversalFilter::default();
            let shortest = g.shortest_path(a, e, 5, &all).map(|p| spelled(g, &p));
            let k: Vec<_> = g
                .k_shortest_paths(a, e, 10, 5, &all)
                .iter()
                .map(|p| spelled(g, p))
                .collect();
            (shortest, k)
        };
        let first = answer(&forward);
        assert_eq!(first, answer(&backward));
        // And asking again gives the same answer.
        assert_eq!(first, answer(&forward));
        // Two-hop ties (via b or c) go to the smaller id.
        let via: Vec<&str> = first.0.iter().flatten().map(|h| h.0.as_str()).collect();
        assert_eq!(via, ["state/b", "state/e"]);
    }
}
