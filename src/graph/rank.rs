//! How central each node is: PageRank over the graph taken as undirected, so a relation makes
//! both of its ends more connected whichever way it reads ("most connected actor"), not only
//! its target as in the web-link reading.
//!
//! petgraph's own `page_rank` is not used: it costs O(n · V² · E) and has been reported to
//! give wrong results upstream. This one is sparse, O(iterations · E).

#[cfg(test)]
use std::collections::HashMap;

use petgraph::graph::NodeIndex;

use super::store::{Graph, Rank};

/// The usual damping factor: the chance of following a relation rather than jumping anywhere.
const DAMPING: f64 = 0.85;
/// The scores are considered settled once a round changes them by less than this in all (L1).
const TOLERANCE: f64 = 1e-10;
/// A cap on rounds, for graphs that converge slowly; 100 rounds of 0.85 leave ~1e-7 of error.
const MAX_ITERATIONS: usize = 100;

/// PageRank scores, summing to 1 over all nodes (empty map for an empty graph).
///
/// Each relation counts in both directions (parallel relations count once each); a node with
/// no relations spreads its score over all nodes evenly, so none is lost.
#[cfg(test)]
pub(crate) fn pagerank(g: &Graph) -> HashMap<NodeIndex, f64> {
    let (nodes, rank) = scores(g);
    nodes.into_iter().zip(rank).collect()
}

/// The ranking of a graph version: scores by node index and the order, highest first, ties
/// by id. O(iterations · E + n log n); run off the write path.
pub fn compute(g: &Graph) -> Rank {
    let (nodes, rank) = scores(g);
    let mut by_index = vec![0.0; g.node_bound()];
    for (ix, r) in nodes.iter().zip(&rank) {
        by_index[ix.index()] = *r;
    }
    let mut order: Vec<NodeIndex> = g.ids_in_order(None).collect();
    // In id order already, and the sort is stable, so ties stay in id order.
    order.sort_by(|a, b| by_index[b.index()].total_cmp(&by_index[a.index()]));
    Rank {
        version: g.version(),
        scores: by_index,
        order,
        ready: true,
    }
}

/// Graphs up to this many relations are ranked as they are loaded (it takes milliseconds);
/// bigger ones in the background once the server serves, so loading is not held up.
pub const RANK_WHILE_LOADING: usize = 200_000;

/// The ranking of a small graph now, or `None` for a big one (rank it off the load path).
pub fn compute_if_small(g: &Graph) -> Option<Rank> {
    (g.relation_count() <= RANK_WHILE_LOADING).then(|| compute(g))
}

fn scores(g: &Graph) -> (Vec<NodeIndex>, Vec<f64>) {
    let nodes: Vec<NodeIndex> = g.node_indices().collect();
    let n = nodes.len();
    if n == 0 {
        return (nodes, vec![]);
    }
    // Indexes may have holes (removed nodes): number the nodes 0..n for plain vectors.
    let mut dense = vec![0u32; g.node_bound()];
    for (i, ix) in nodes.iter().enumerate() {
        dense[ix.index()] = i as u32;
    }
    let arcs: Vec<(u32, u32)> = g
        .edge_indices()
        .flat_map(|e| {
            let (s, t) = g.ends(e);
            let (s, t) = (dense[s.index()], dense[t.index()]);
            [(s, t), (t, s)]
        })
        .collect();
    let mut degree = vec![0u32; n];
    for &(s, _) in &arcs {
        degree[s as usize] += 1;
    }
    let uniform = 1.0 / n as f64;
    let mut rank = vec![uniform; n];
    let mut next = vec![0.0; n];
    let mut share = vec![0.0; n];
    for _ in 0..MAX_ITERATIONS {
        let mut dangling = 0.0;
        for i in 0..n {
            if degree[i] == 0 {
                dangling += rank[i];
                share[i] = 0.0;
            } else {
                share[i] = DAMPING * rank[i] / degree[i] as f64;
            }
        }
        next.fill((1.0 - DAMPING + DAMPING * dangling) * uniform);
        for &(s, t) in &arcs {
            next[t as usize] += share[s as usize];
        }
        let change: f64 = rank.iter().zip(&next).map(|(a, b)| (a - b).abs()).sum();
        std::mem::swap(&mut rank, &mut next);
        if change < TOLERANCE {
            break;
        }
    }
    // The total is 1 in exact arithmetic; dividing removes the rounding drift.
    let total: f64 = rank.iter().sum();
    rank.iter_mut().for_each(|r| *r /= total);
    (nodes, rank)
}

#[cfg(test)]
mod tests {
    use super::super::paths::fixture::{SOURCE, graph, ix, rel};
    use super::super::store::Graph;
    use super::*;
    use crate::graph::RelationType::{AggressionAgainst, MemberOf, PublishedBy, Supports};

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn score(g: &Graph, scores: &HashMap<NodeIndex, f64>, id: &str) -> f64 {
        scores[&ix(g, id)]
    }

    /// A union with four member states; the test source stands apart with no relations.
    fn star() -> Graph {
        let leaves = ["state/a", "state/b", "state/c", "state/d"];
        let mut nodes = vec!["org/union"];
        nodes.extend(leaves);
        let relations = leaves
            .iter()
            .map(|&l| rel(l, MemberOf, "org/union"))
            .collect();
        graph(&nodes, relations)
    }

    #[test]
    fn scores_sum_to_one_and_cover_every_node() {
        for g in [star(), Graph::empty()] {
            let scores = pagerank(&g);
            assert_eq!(scores.len(), g.node_count());
            if g.node_count() > 0 {
                assert!(close(scores.values().sum::<f64>(), 1.0));
                assert!(scores.values().all(|&s| s > 0.0));
            }
        }
    }

    #[test]
    fn a_stars_centre_outranks_its_leaves_which_tie() {
        let g = star();
        let scores = pagerank(&g);
        let centre = score(&g, &scores, "org/union");
        let leaf = score(&g, &scores, "state/a");
        assert!(centre > leaf);
        for l in ["state/b", "state/c", "state/d"] {
            assert!(close(score(&g, &scores, l), leaf), "{l}");
        }
        // The unrelated source gets only what random jumps give it: less than any leaf.
        assert!(score(&g, &scores, SOURCE) < leaf);
    }

    #[test]
    fn direction_does_not_matter() {
        // x → y → z: in directed PageRank z would collect most; taken undirected, x and z
        // are mirror images.
        let g = graph(
            &["state/x", "state/y", "state/z"],
            vec![
                rel("state/x", AggressionAgainst, "state/y"),
                rel("state/y", Supports, "state/z"),
            ],
        );
        let scores = pagerank(&g);
        assert!(close(
            score(&g, &scores, "state/x"),
            score(&g, &scores, "state/z")
        ));
        assert!(score(&g, &scores, "state/y") > score(&g, &scores, "state/x"));
    }

    #[test]
    fn a_three_node_path_has_the_scores_worked_out_by_hand() {
        // doc – union – state. For the ends e and the middle m: e = 0.15/3 + 0.85 · m/2 and
        // m = 0.15/3 + 0.85 · 2e, so e = 19/74 and m = 18/37.
        let g = graph(
            &["org/union", "state/s"],
            vec![
                rel(SOURCE, PublishedBy, "org/union"),
                rel("state/s", MemberOf, "org/union"),
            ],
        );
        let scores = pagerank(&g);
        // A path is bipartite, so the iteration oscillates and shrinks its error only by 0.85
        // a round: it stops at the 100-round cap, about 1e-8 from the exact values.
        let near = |a: f64, b: f64| (a - b).abs() < 1e-6;
        assert!(near(score(&g, &scores, SOURCE), 19.0 / 74.0));
        assert!(near(score(&g, &scores, "state/s"), 19.0 / 74.0));
        assert!(near(score(&g, &scores, "org/union"), 18.0 / 37.0));
        assert!(close(scores.values().sum::<f64>(), 1.0));
    }

    #[test]
    fn the_empty_graph_has_no_scores() {
        assert!(pagerank(&Graph::empty()).is_empty());
    }

    #[test]
    fn a_graph_without_relations_scores_every_node_alike() {
        let g = graph(&["state/a", "state/b", "state/c"], vec![]);
        let scores = pagerank(&g);
        assert_eq!(scores.len(), 4);
        assert!(scores.values().all(|&s| close(s, 0.25)));
    }
}
