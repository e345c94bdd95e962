//! The search behind [`Graph::shortest_path`] and every spur of Yen's algorithm: the smallest
//! shortest path, by `(node id, relation id)` hop keys, from one node to another.
//!
//! A one-sided breadth-first search through a hub looks at the whole hub, and everything a
//! level further. Here two searches grow towards each other, one level at a time, each round
//! the side whose frontier has fewer relations, so a hub at one end is looked at only when the
//! other end has grown larger, and the work follows the smaller side. Where they meet gives the
//! distance `d`; the path itself is then walked from the start, each hop the smallest step that
//! stays on some shortest path, so only the relation lists of the walk's own nodes are read in
//! order (they are kept sorted by type, then the other end's id, then the relation id, so that
//! is a scan of each type's run, never a sort).
//!
//! Cost: each round reads the relation lists of the frontier with fewer relations, so a hub at
//! one end is read only once everything the other end reached first has more relations than it
//! (and a frontier's lists are fetched only as far as it takes to tell which is smaller). The
//! walk then reads, per node of the path, its own list up to the first fit in each type's run,
//! or its candidates' lists where those are shorter. Memory is O(nodes reached), never
//! O(graph); at worst, as for any search, O(V + E).

use std::cell::Cell;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use petgraph::graph::NodeIndex;

use super::{Banned, Hop, TraversalFilter};
use crate::graph::store::{Adj, Direction, Graph};
use crate::graph::{RelationType, deadline};

/// Hashes node and edge indexes with a rotate, an xor and a multiplication, as rustc's
/// FxHash does. SipHash's defence against chosen keys buys nothing for indexes the graph hands
/// out, and would be most of the cost of a lookup in the search's inner loop.
#[derive(Default, Clone, Copy)]
pub(super) struct IndexHasher(u64);

impl IndexHasher {
    fn add(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for IndexHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

pub(super) type IndexMap<K, V> = HashMap<K, V, BuildHasherDefault<IndexHasher>>;
pub(super) type IndexSet<K> = HashSet<K, BuildHasherDefault<IndexHasher>>;

/// The distance of a node the search from that end has not reached.
const FAR: u32 = u32::MAX;

/// How often (in relation entries looked at) the deadline is checked: often enough to stop
/// within a fraction of a millisecond, seldom enough to cost nothing.
const CHECK_EVERY: usize = 4096;

/// The smallest shortest path of at most `max_hops` hops from `from` to `to` avoiding what is
/// banned, as its hops; `None` when there is none or the deadline passed.
pub(super) fn smallest_shortest(
    g: &Graph,
    from: NodeIndex,
    to: NodeIndex,
    max_hops: usize,
    filter: &TraversalFilter,
    banned: &Banned,
) -> Option<Vec<Hop>> {
    if !g.contains(from) || !g.contains(to) {
        return None;
    }
    if from == to {
        return Some(vec![]);
    }
    if banned.nodes.contains(&to) {
        return None;
    }
    let mut s = Search::new(g, from, to, filter, banned);
    let meeting = s.meet(max_hops)?;
    s.walk(to, meeting)
}

/// What a step may use: the filter's relations, not what is banned, never a self-loop.
struct Rules<'g, 'a> {
    g: &'g Graph,
    /// The filter's types as a bit set over `RelationType` discriminants.
    types: u16,
    filter: &'a TraversalFilter,
    banned: &'a Banned,
    /// The start, which a ban never applies to (a path never comes back to it anyway).
    from: NodeIndex,
}

impl Rules<'_, '_> {
    /// Whether the relation entry `a` of `at`'s list may be walked (its type is checked by
    /// [`Rules::runs`]).
    fn usable(&self, at: NodeIndex, a: &Adj) -> bool {
        a.other != at
            && self
                .filter
                .as_of
                .is_none_or(|day| self.g.relation(a.edge).holds_on(day))
            && (self.banned.edges.is_empty() || !self.banned.edges.contains(&a.edge))
            && (self.banned.nodes.is_empty()
                || a.other == self.from
                || !self.banned.nodes.contains(&a.other))
    }

    /// The parts of a relation list whose type the filter allows: the whole list when it
    /// allows every type and `by_type` is false, else one run per allowed type present, in
    /// type order (the list is sorted by type first, so each run is found by binary search).
    fn runs<'s>(&self, adj: &'s [Adj], by_type: bool) -> impl Iterator<Item = &'s [Adj]> + use<'s> {
        let types = self.types;
        let whole = !by_type && types == ALL_TYPES;
        let mut rest = adj;
        std::iter::from_fn(move || {
            loop {
                let rel = rest.first()?.rel;
                let end = if whole {
                    rest.len()
                } else {
                    rest.partition_point(|a| a.rel <= rel)
                };
                let (run, tail) = rest.split_at(end);
                rest = tail;
                if whole || types & type_bit(rel) != 0 {
                    return Some(run);
                }
            }
        })
    }
}

/// Every relation type, as a bit set over their discriminants.
const ALL_TYPES: u16 = (1 << RelationType::ALL.len()) - 1;

fn type_bit(rel: RelationType) -> u16 {
    1 << rel as u16
}

/// After how many new nodes in one level the map of distances makes room for what the rest of
/// the level will likely add: rehashing as it grows costs more, and a level that meets the
/// other side early never gets that far.
const GROWING: usize = 1024;

/// What fetching a node's relation list costs, counted in relation entries scanned: the list
/// is behind a few pointers of the persistent node vector, each likely a cache miss.
const FETCH: usize = 16;

/// The nodes one side found at one distance, with the relation lists of a prefix of them:
/// lists are fetched only as far as needed, to tell which side's frontier is cheaper or to
/// expand it.
#[derive(Default)]
struct Level<'g> {
    nodes: Vec<NodeIndex>,
    /// The relation lists of `nodes[..adj.len()]`.
    adj: Vec<&'g [Adj]>,
    /// How many relations those have in all.
    degrees: usize,
}

impl<'g> Level<'g> {
    fn of(g: &'g Graph, ix: NodeIndex) -> Self {
        let mut level = Level {
            nodes: vec![ix],
            ..Level::default()
        };
        level.fetch_all(g);
        level
    }

    fn complete(&self) -> bool {
        self.adj.len() == self.nodes.len()
    }

    fn fetch_one(&mut self, g: &'g Graph) {
        let adj = g.adj(self.nodes[self.adj.len()]);
        self.degrees += adj.len();
        self.adj.push(adj);
    }

    fn fetch_all(&mut self, g: &'g Graph) {
        while !self.complete() {
            self.fetch_one(g);
        }
    }
}

/// Where the two searches met: side `side` expanded its level `r` and found `nodes` already
/// reached by the other side at its last level `q`, so the distance is `r + 1 + q`; `hitters`
/// are the nodes of level `r` with a step to one of them. When the start side met, `nodes`
/// may be a part of them, the walk needing only the hitters; when the end side met and the
/// start side's radius is at most 1, both hold only the first meeting.
struct Meeting {
    side: usize,
    nodes: Vec<NodeIndex>,
    hitters: Vec<NodeIndex>,
}

/// Counts the relation entries looked at, to check the deadline now and then. Once past, it
/// stays past, so a caller that only sees a `false` from a helper still stops.
#[derive(Default)]
struct Clock {
    entries: Cell<usize>,
    expired: Cell<bool>,
}

impl Clock {
    /// Counts one entry; false once the deadline has passed.
    fn tick(&self) -> bool {
        let n = self.entries.get() + 1;
        self.entries.set(n);
        if n % CHECK_EVERY == 1 && deadline::expired() {
            self.expired.set(true);
        }
        !self.expired.get()
    }
}

struct Search<'g, 'a> {
    rules: Rules<'g, 'a>,
    /// Per node reached, its distance from `from` (`[0]`) and from `to` (`[1]`).
    dist: IndexMap<NodeIndex, [u32; 2]>,
    /// Per side (0 grows from `from`, 1 from `to`), its levels by distance.
    levels: [Vec<Level<'g>>; 2],
    clock: Clock,
}

impl<'g, 'a> Search<'g, 'a> {
    fn new(
        g: &'g Graph,
        from: NodeIndex,
        to: NodeIndex,
        filter: &'a TraversalFilter,
        banned: &'a Banned,
    ) -> Self {
        let types = filter.types.as_ref().map_or(ALL_TYPES, |ts| {
            ts.iter().fold(0, |bits, &t| bits | type_bit(t))
        });
        Search {
            rules: Rules {
                g,
                types,
                filter,
                banned,
                from,
            },
            dist: IndexMap::from_iter([(from, [0, FAR]), (to, [FAR, 0])]),
            levels: [vec![Level::of(g, from)], vec![Level::of(g, to)]],
            clock: Clock::default(),
        }
    }

    /// Grows the two searches, the cheaper frontier each round, until they meet within
    /// `max_hops`. `None` when they cannot (a side ran out of nodes, or the next level would
    /// be too far) or the deadline passed.
    fn meet(&mut self, max_hops: usize) -> Option<Meeting> {
        loop {
            let (ra, rb) = (self.levels[0].len() - 1, self.levels[1].len() - 1);
            // Neither side has met the other, so the distance is more than ra + rb.
            if ra + rb >= max_hops {
                return None;
            }
            if self
                .levels
                .iter()
                .any(|side| side.last().is_none_or(|l| l.nodes.is_empty()))
            {
                // One side has seen all it can reach, without meeting the other.
                return None;
            }
            let side = self.cheaper_side();
            if let Some(meeting) = self.expand(side, ra + rb + 1 == max_hops)? {
                return Some(meeting);
            }
        }
    }

    /// The side whose frontier has fewer relations (the start's on a tie), fetching no more
    /// relation lists than it takes to tell.
    fn cheaper_side(&mut self) -> usize {
        #[cfg(test)]
        if let Some(side) = tests::FORCE_SIDE.get() {
            return side;
        }
        let g = self.rules.g;
        let [a, b] = &mut self.levels;
        let (Some(a), Some(b)) = (a.last_mut(), b.last_mut()) else {
            return 0;
        };
        loop {
            let (side, level) = if a.degrees <= b.degrees {
                (0, &mut *a)
            } else {
                (1, &mut *b)
            };
            // Its count so far is at most the other's, which can only grow.
            if level.complete() {
                return side;
            }
            level.fetch_one(g);
        }
    }

    /// Expands `side`'s last level. `Some(None)` when it did not meet the other side (its
    /// next level is added, unless this was the `last` level worth reaching).
    ///
    /// The level is read for meetings first, and its new nodes added only if there are none:
    /// the level that meets is usually the largest, and none of its new nodes is needed.
    fn expand(&mut self, side: usize, last: bool) -> Option<Option<Meeting>> {
        let g = self.rules.g;
        let r = self.levels[side].len() as u32 - 1;
        let mut frontier = self.levels[side].pop()?;
        frontier.fetch_all(g);
        let meeting = self.meetings(side, r, &frontier);
        self.levels[side].push(frontier);
        let meeting = meeting?;
        if !meeting.nodes.is_empty() {
            return Some(Some(meeting));
        }
        let mut next = Level::default();
        if !last {
            let frontier = &self.levels[side][r as usize];
            let mut read = 0;
            for (&u, &adj) in frontier.nodes.iter().zip(&frontier.adj) {
                for run in self.rules.runs(adj, false) {
                    for a in run {
                        if !self.clock.tick() {
                            return None;
                        }
                        read += 1;
                        if !self.rules.usable(u, a) {
                            continue;
                        }
                        if let Entry::Vacant(new) = self.dist.entry(a.other) {
                            let mut d = [FAR; 2];
                            d[side] = r + 1;
                            new.insert(d);
                            next.nodes.push(a.other);
                            if next.nodes.len() == GROWING {
                                // As many more as the rest of the level would add at the rate
                                // so far.
                                let rest = frontier.degrees.saturating_sub(read);
                                self.dist.reserve(rest * GROWING / read);
                            }
                        }
                    }
                }
            }
        }
        self.levels[side].push(next);
        Some(None)
    }

    /// Where `side`'s last level (`frontier`, at distance r) meets the other side: no nodes
    /// when it does not.
    ///
    /// The two searches have met nowhere yet, so the distance is more than r + q for the
    /// other side's radius q; a node one step from the frontier that the other side has
    /// reached is at distance r + 1 from this end, so the other side reached it at exactly q,
    /// and the distance is r + 1 + q. Only what the walk needs is collected: from the start
    /// side, the hitters (each frontier node's list read only up to its first meeting); from
    /// the end side, every meeting node, unless the start side's radius is at most 1 and the
    /// walk can tell them itself.
    fn meetings(&mut self, side: usize, r: u32, frontier: &Level<'_>) -> Option<Meeting> {
        let other = 1 - side;
        let first_meeting_will_do = side == 1 && self.levels[0].len() <= 2;
        let mut meeting = Meeting {
            side,
            nodes: vec![],
            hitters: vec![],
        };
        for (&u, &adj) in frontier.nodes.iter().zip(&frontier.adj) {
            let mut hit = false;
            'runs: for run in self.rules.runs(adj, false) {
                for a in run {
                    if !self.clock.tick() {
                        return None;
                    }
                    if !self.rules.usable(u, a) {
                        continue;
                    }
                    let Some(d) = self.dist.get_mut(&a.other) else {
                        continue;
                    };
                    if d[other] == FAR {
                        continue;
                    }
                    hit = true;
                    if d[side] == FAR {
                        d[side] = r + 1;
                        meeting.nodes.push(a.other);
                    }
                    if side == 0 {
                        break 'runs;
                    }
                    if first_meeting_will_do {
                        meeting.hitters.push(u);
                        return Some(meeting);
                    }
                }
            }
            if hit {
                meeting.hitters.push(u);
            }
        }
        Some(meeting)
    }

    /// The smallest shortest path, hop by hop from `from`: at each node, the smallest step
    /// (by the other end's id, then the relation id) to a node that lies on a shortest path
    /// at the next position.
    ///
    /// Position `m` of every shortest path, for m the start side's radius, is a node of the
    /// start side's last level with a step into the end side's last level, and the meeting
    /// collected exactly those (as hitters when the start side met, as meeting nodes when the
    /// end side did). Before m, the nodes on some shortest path are marked first, backwards
    /// from them; after m, a node at position j is on one if the end side reached it at d - j,
    /// and it reached every such node.
    fn walk(&mut self, to: NodeIndex, meeting: Meeting) -> Option<Vec<Hop>> {
        let Meeting {
            side,
            nodes,
            hitters,
        } = meeting;
        let r = self.levels[side].len() - 1;
        let q = self.levels[1 - side].len() - 1;
        let d = r + 1 + q;
        // When the end side stopped at its first meeting (the start side's radius being 0 or
        // 1), the nodes at position 1 are told one by one, as the walk comes to them.
        let told_at_one = side == 1 && q == 1;
        // What the meeting found at position m, and the exact candidates for m + 1 if it did.
        let (m, marked, after) = match side {
            0 => (r, hitters, None),
            _ if q <= 1 => (q, nodes, None),
            _ => (q, nodes, Some(hitters)),
        };
        // on[j]: the nodes at position j (1 ≤ j ≤ m) that lie on a shortest path. Those the
        // end side reached say so by their distances; the others are marked.
        let mut on: Vec<Vec<NodeIndex>> = vec![vec![]; m + 1];
        let mut shortest = Shortest {
            d,
            m,
            marks: IndexSet::default(),
        };
        if side == 0 {
            shortest.marks.extend(marked.iter().copied());
        }
        on[m] = marked;
        for i in (1..m).rev() {
            on[i] = self.before(i, &on[i + 1], &shortest)?;
            shortest.marks.extend(on[i].iter().copied());
        }
        let mut hops = Vec::with_capacity(d);
        let mut at = self.rules.from;
        for j in 1..=d {
            let a = if told_at_one && j == 1 {
                self.first_hop_told(&on[1])?
            } else {
                // The candidates for position j: the marked ones up to m, then the end
                // side's level d - j (or just the hitters among it, right after m).
                let next: &[NodeIndex] = match (on.get(j), &after) {
                    (Some(marked), _) => marked,
                    (None, Some(hitters)) if j == m + 1 => hitters,
                    (None, _) => &self.levels[1][d - j].nodes,
                };
                let dist = &self.dist;
                let fits = |w| shortest.fits(dist, w, j);
                smallest_step(&self.rules, &self.clock, at, Some(next), fits)?
            };
            hops.push(Hop {
                edge: a.edge,
                from: at,
                to: a.other,
                direction: a.dir,
            });
            at = a.other;
        }
        debug_assert_eq!(at, to);
        Some(hops)
    }

    /// The first hop when the end side stopped at its first meeting and the start side's
    /// radius is 1. The nodes at position 1 of a shortest path are those with a step to the
    /// end side's last level: they are told one by one as the scan of `from`'s runs comes to
    /// them, for as long as that costs less than finding them all from the end side's level,
    /// which is done instead once it would not.
    fn first_hop_told(&mut self, known: &[NodeIndex]) -> Option<Adj> {
        let r = self.levels[1].len() - 1;
        let met = |dist: &IndexMap<NodeIndex, [u32; 2]>, w| {
            dist.get(&w)
                .is_some_and(|dw: &[u32; 2]| dw[0] == 1 && dw[1] as usize == r + 1)
        };
        // Telling reads scattered lists, reading the level is one pass: a quarter of it.
        let budget = self.levels[1][r].degrees / 4;
        let spent = Cell::new(0);
        let mut told: IndexMap<NodeIndex, bool> = IndexMap::default();
        let (rules, dist, clock) = (&self.rules, &self.dist, &self.clock);
        let fits = |w| {
            met(dist, w)
                || (spent.get() <= budget
                    && *told
                        .entry(w)
                        .or_insert_with(|| steps_to(rules, dist, clock, &spent, w, r as u32)))
        };
        let hop = smallest_step(rules, clock, rules.from, None, fits)?;
        if spent.get() <= budget {
            return Some(hop);
        }
        let mut all = self.meet_all()?;
        all.extend_from_slice(known);
        let dist = &self.dist;
        smallest_step(&self.rules, &self.clock, self.rules.from, Some(&all), |w| {
            met(dist, w)
        })
    }

    /// Every node the start side reached with a step to the end side's last level but the ones
    /// the meeting found (it stopped at its first), marked as reached by the end side one
    /// further.
    fn meet_all(&mut self) -> Option<Vec<NodeIndex>> {
        let r = self.levels[1].len() - 1;
        let level = &self.levels[1][r];
        let mut found = vec![];
        for (&u, &adj) in level.nodes.iter().zip(&level.adj) {
            for run in self.rules.runs(adj, false) {
                for a in run {
                    if !self.clock.tick() {
                        return None;
                    }
                    if !self.rules.usable(u, a) {
                        continue;
                    }
                    if let Some(d) = self.dist.get_mut(&a.other)
                        && d[0] != FAR
                        && d[1] == FAR
                    {
                        d[1] = r as u32 + 1;
                        found.push(a.other);
                    }
                }
            }
        }
        Some(found)
    }

    /// The nodes at distance `i` from `from` with a step to one of `layer` (the nodes at
    /// position i + 1 on a shortest path): from `layer`'s relations or from level i's
    /// (expanded, so fetched), whichever cost less.
    fn before(
        &mut self,
        i: usize,
        layer: &[NodeIndex],
        shortest: &Shortest,
    ) -> Option<Vec<NodeIndex>> {
        let g = self.rules.g;
        let level = &self.levels[0][i];
        let i = i as u32;
        let mut found = vec![];
        if cheaper_to_fetch(g, layer, level.degrees) {
            let mut seen = IndexSet::default();
            for &w in layer {
                for run in self.rules.runs(g.adj(w), false) {
                    for a in run {
                        if !self.clock.tick() {
                            return None;
                        }
                        let u = a.other;
                        if self.rules.usable(w, a)
                            && self.dist.get(&u).is_some_and(|du| du[0] == i)
                            && seen.insert(u)
                        {
                            found.push(u);
                        }
                    }
                }
            }
        } else {
            'nodes: for (&u, &adj) in level.nodes.iter().zip(&level.adj) {
                for run in self.rules.runs(adj, false) {
                    for a in run {
                        if !self.clock.tick() {
                            return None;
                        }
                        if self.rules.usable(u, a)
                            && shortest.fits(&self.dist, a.other, i as usize + 1)
                        {
                            found.push(u);
                            continue 'nodes;
                        }
                    }
                }
            }
        }
        Some(found)
    }
}

/// Which nodes lie on a shortest path, of length `d`, at which position.
struct Shortest {
    d: usize,
    /// The start side's radius: beyond it, the end side reached every node on a shortest path.
    m: usize,
    /// Nodes up to position m on a shortest path that the end side did not reach.
    marks: IndexSet<NodeIndex>,
}

impl Shortest {
    /// Whether `w` lies on a shortest path at position `j`: the end side reached it at
    /// d - j (and, up to m, the start side at j), or it is marked and the start side reached
    /// it at j.
    fn fits(&self, dist: &IndexMap<NodeIndex, [u32; 2]>, w: NodeIndex, j: usize) -> bool {
        dist.get(&w).is_some_and(|dw| {
            let from_start = dw[0] as usize == j;
            let from_end = dw[1] as usize == self.d - j;
            if j > self.m {
                from_end
            } else {
                from_start && (from_end || self.marks.contains(&w))
            }
        })
    }
}

/// Whether fetching and reading the relation lists of `nodes` costs at most `budget` entries
/// (fetching no more of them than it takes to tell).
fn cheaper_to_fetch(g: &Graph, nodes: &[NodeIndex], budget: usize) -> bool {
    #[cfg(test)]
    if let Some(answer) = tests::FORCE_FETCH.get() {
        return answer;
    }
    if nodes.len().saturating_mul(FETCH) > budget {
        return false;
    }
    let mut cost = 0;
    nodes.iter().all(|&n| {
        cost += FETCH + g.adj(n).len();
        cost <= budget
    })
}

/// Whether `w` has a usable step to a node the end side reached at `level`, adding the
/// entries read to `spent`.
fn steps_to(
    rules: &Rules<'_, '_>,
    dist: &IndexMap<NodeIndex, [u32; 2]>,
    clock: &Clock,
    spent: &Cell<usize>,
    w: NodeIndex,
    level: u32,
) -> bool {
    spent.set(spent.get() + FETCH);
    rules.runs(rules.g.adj(w), false).flatten().any(|a| {
        spent.set(spent.get() + 1);
        clock.tick() && rules.usable(w, a) && dist.get(&a.other).is_some_and(|da| da[1] == level)
    })
}

/// The smallest usable step from `at` to a node of `next`, the nodes that lie on a shortest
/// path at the next position (`fits` says the same of one node; `next` is `None` when only
/// `fits` knows): by scanning `at`'s runs up to their first fit, or `next`'s relation lists
/// for relations back to `at`, whichever cost less, so a hub on the path is read only when
/// its candidates cost more. `None` past the deadline.
fn smallest_step(
    rules: &Rules<'_, '_>,
    clock: &Clock,
    at: NodeIndex,
    next: Option<&[NodeIndex]>,
    mut fits: impl FnMut(NodeIndex) -> bool,
) -> Option<Adj> {
    let g = rules.g;
    let own = g.adj(at);
    let mut best: Option<Adj> = None;
    let mut consider = |a: Adj| {
        if best.is_none_or(|b| cmp_steps(g, &a, &b).is_lt()) {
            best = Some(a);
        }
    };
    if let Some(next) = next.filter(|next| cheaper_to_fetch(g, next, own.len())) {
        for &c in next {
            for run in rules.runs(g.adj(c), false) {
                for b in run {
                    if !clock.tick() {
                        return None;
                    }
                    if b.other != at {
                        continue;
                    }
                    // The same relation seen from `at`.
                    let a = Adj {
                        edge: b.edge,
                        other: c,
                        rel: b.rel,
                        dir: match b.dir {
                            Direction::Outgoing => Direction::Incoming,
                            Direction::Incoming => Direction::Outgoing,
                        },
                    };
                    if rules.usable(at, &a) {
                        consider(a);
                    }
                }
            }
        }
    } else {
        for run in rules.runs(own, true) {
            for a in run {
                if !clock.tick() {
                    return None;
                }
                if rules.usable(at, a) && fits(a.other) {
                    consider(*a);
                    // The run is in step order: its first fit is its smallest.
                    break;
                }
            }
        }
    }
    // A fit told past the deadline may be wrong.
    best.filter(|_| !clock.expired.get())
}

/// The tie-break between two steps from one node: the other end's id, then the relation id.
fn cmp_steps(g: &Graph, a: &Adj, b: &Adj) -> std::cmp::Ordering {
    if a.other == b.other {
        g.cmp_relation_ids(a.edge, b.edge)
    } else {
        g.node(a.other).id.cmp(&g.node(b.other).id)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::collections::{HashMap, HashSet};
    use std::time::Instant;

    use chrono::NaiveDate;
    use proptest::prelude::*;

    use super::*;
    use crate::graph::RelationType::{AggressionAgainst, MemberOf, Supports};
    use crate::graph::ValiditySpec;
    use crate::graph::paths::fixture::{graph, ix, rel};

    thread_local! {
        /// Forces the side [`Search::cheaper_side`] picks, so the tests see the searches meet
        /// every way.
        pub(super) static FORCE_SIDE: Cell<Option<usize>> = const { Cell::new(None) };
        /// Forces [`cheaper_to_fetch`]'s answer, so the tests see both ways of finding a step.
        pub(super) static FORCE_FETCH: Cell<Option<bool>> = const { Cell::new(None) };
    }

    /// Runs `f` with the search's choices forced (`None`: left to the costs).
    fn forced<T>(side: Option<usize>, fetch: Option<bool>, f: impl FnOnce() -> T) -> T {
        FORCE_SIDE.set(side);
        FORCE_FETCH.set(fetch);
        let out = f();
        FORCE_SIDE.set(None);
        FORCE_FETCH.set(None);
        out
    }

    /// The search this one replaced, kept as the reference: one breadth-first search from
    /// `from` that visits each node's steps sorted by `(other id, relation id)` and keeps the
    /// hop that first reached each node, which makes the path it finds the smallest shortest.
    fn reference(
        g: &Graph,
        from: NodeIndex,
        to: NodeIndex,
        max_hops: usize,
        filter: &TraversalFilter,
        banned: &Banned,
    ) -> Option<Vec<Hop>> {
        if !g.contains(from) || !g.contains(to) {
            return None;
        }
        if from == to {
            return Some(vec![]);
        }
        let mut reached: HashMap<NodeIndex, Option<Hop>> = HashMap::from([(from, None)]);
        let mut frontier = vec![from];
        for _ in 0..max_hops {
            let mut next = vec![];
            for &at in &frontier {
                let mut steps: Vec<Hop> = g
                    .adj(at)
                    .iter()
                    .filter(|a| a.other != at && filter.allows(g.relation(a.edge)))
                    .map(|a| Hop {
                        edge: a.edge,
                        from: at,
                        to: a.other,
                        direction: a.dir,
                    })
                    .collect();
                steps.sort_by(|a, b| {
                    g.node(a.to)
                        .id
                        .cmp(&g.node(b.to).id)
                        .then_with(|| g.cmp_relation_ids(a.edge, b.edge))
                });
                for hop in steps {
                    if reached.contains_key(&hop.to)
                        || banned.nodes.contains(&hop.to)
                        || banned.edges.contains(&hop.edge)
                    {
                        continue;
                    }
                    reached.insert(hop.to, Some(hop));
                    if hop.to == to {
                        let mut hops = vec![];
                        let mut at = to;
                        while let Some(Some(hop)) = reached.get(&at) {
                            hops.push(*hop);
                            at = hop.from;
                        }
                        hops.reverse();
                        return Some(hops);
                    }
                    next.push(hop.to);
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        None
    }

    fn day(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(n.into())
    }

    /// A random graph of up to 8 states and organisations, and what to ask of it. Nodes are
    /// numbered 0..n here; their ids are letters in a random order and they are inserted in
    /// another, so neither index order nor insertion order follows the ids.
    #[derive(Debug, Clone)]
    struct Case {
        n: usize,
        orgs: Vec<bool>,
        letters: Vec<char>,
        order: Vec<usize>,
        relations: Vec<RelationSpec>,
        max_hops: usize,
        k: usize,
        types: Option<Vec<RelationType>>,
        as_of: Option<u32>,
        banned_nodes: Vec<usize>,
        banned_edges: Vec<prop::sample::Index>,
    }

    #[derive(Debug, Clone)]
    struct RelationSpec {
        from: usize,
        to: usize,
        rel: usize,
        /// Which prefix a given id starts with, so given ids sort before, among and after the
        /// generated ones (`state/a:SUPPORTS:state/b`); parallel relations of one type need
        /// one anyway.
        id: Option<usize>,
        valid_from: Option<u32>,
        valid_for: Option<u32>,
    }

    fn case() -> impl Strategy<Value = Case> {
        let relation = (
            (0..8usize, 0..8usize, 0..2usize),
            prop::option::weighted(0.3, 0..3usize),
            prop::option::weighted(0.3, 0..4u32),
            prop::option::weighted(0.3, 1..4u32),
        )
            .prop_map(
                |((from, to, rel), id, valid_from, valid_for)| RelationSpec {
                    from,
                    to,
                    rel,
                    id,
                    valid_from,
                    valid_for,
                },
            );
        (
            (2..=8usize, prop::collection::vec(any::<bool>(), 8)),
            Just("abcdefgh".chars().collect::<Vec<_>>()).prop_shuffle(),
            Just((0..8).collect::<Vec<usize>>()).prop_shuffle(),
            prop::collection::vec(relation, 0..24),
            (0..6usize, 1..6usize),
            prop::option::weighted(
                0.4,
                prop::sample::subsequence(vec![Supports, AggressionAgainst, MemberOf], 0..=3),
            ),
            prop::option::weighted(0.4, 0..6u32),
            prop::collection::vec(0..8usize, 0..3),
            prop::collection::vec(any::<prop::sample::Index>(), 0..3),
        )
            .prop_map(
                |(
                    (n, orgs),
                    letters,
                    order,
                    relations,
                    (max_hops, k),
                    types,
                    as_of,
                    banned_nodes,
                    banned_edges,
                )| Case {
                    n,
                    orgs,
                    letters,
                    order,
                    relations,
                    max_hops,
                    k,
                    types,
                    as_of,
                    banned_nodes,
                    banned_edges,
                },
            )
    }

    /// The case's graph, its nodes by number, its filter and its bans.
    fn build(c: &Case) -> (Graph, Vec<NodeIndex>, TraversalFilter, Banned) {
        let n = c.n;
        let id = |i: usize| {
            let kind = if c.orgs[i] { "org" } else { "state" };
            format!("{kind}/{}", c.letters[i])
        };
        let nodes: Vec<String> = c.order.iter().filter(|&&i| i < n).map(|&i| id(i)).collect();
        let mut generated = HashSet::new();
        let mut relations = vec![];
        for (k, r) in c.relations.iter().enumerate() {
            let (from, to) = (r.from % n, r.to % n);
            let t = match (c.orgs[from], c.orgs[to]) {
                (_, true) => [Supports, MemberOf][r.rel],
                (false, false) => [Supports, AggressionAgainst][r.rel],
                (true, false) => Supports,
            };
            let mut new = rel(&id(from), t, &id(to));
            let prefix =
                r.id.or_else(|| (!generated.insert((from, t, to))).then_some(0));
            new.id = prefix.map(|p| format!("{}{k}", ["a/", "state/", "z/"][p]));
            new.valid_from = r.valid_from.map(|d| ValiditySpec::Date(day(d)));
            new.valid_until = r
                .valid_for
                .map(|len| ValiditySpec::Date(day(r.valid_from.unwrap_or(0) + len)));
            relations.push(new);
        }
        let node_ids: Vec<&str> = nodes.iter().map(String::as_str).collect();
        let g = graph(&node_ids, relations);
        let ixs: Vec<NodeIndex> = (0..n).map(|i| ix(&g, &id(i))).collect();
        let filter = TraversalFilter {
            types: c.types.clone(),
            as_of: c.as_of.map(day),
        };
        let edges: Vec<_> = g.edge_indices().collect();
        let mut banned = Banned::default();
        banned
            .nodes
            .extend(c.banned_nodes.iter().map(|&i| ixs[i % n]));
        if !edges.is_empty() {
            banned
                .edges
                .extend(c.banned_edges.iter().map(|i| edges[i.index(edges.len())]));
        }
        (g, ixs, filter, banned)
    }

    // 256 cases each by default; `PROPTEST_CASES` asks for more.
    proptest! {
        #[test]
        fn the_search_finds_the_reference_path_on_random_graphs_filters_and_bans(c in case()) {
            let (g, ixs, filter, banned) = build(&c);
            let none = Banned::default();
            for &from in &ixs {
                for &to in &ixs {
                    let expected = reference(&g, from, to, c.max_hops, &filter, &none);
                    let with_bans = reference(&g, from, to, c.max_hops, &filter, &banned);
                    for side in [None, Some(0), Some(1)] {
                        for fetch in [None, Some(true), Some(false)] {
                            let (got, got_with_bans) = forced(side, fetch, || {
                                (
                                    g.shortest_path(from, to, c.max_hops, &filter).map(|p| p.hops),
                                    g.bfs(from, to, c.max_hops, &filter, &banned),
                                )
                            });
                            prop_assert_eq!(
                                &got, &expected,
                                "{:?} → {:?}, side {:?}, fetch {:?}", from, to, side, fetch
                            );
                            prop_assert_eq!(
                                &got_with_bans, &with_bans,
                                "{:?} → {:?} with bans {:?}, side {:?}, fetch {:?}",
                                from, to, banned, side, fetch
                            );
                        }
                    }
                }
            }
        }

        #[test]
        fn k_shortest_paths_are_yens_over_the_reference_search(c in case()) {
            let (g, ixs, filter, _) = build(&c);
            for &from in &ixs {
                for &to in &ixs {
                    let expected = g.yen(from, c.k, c.max_hops, |spur, hops, banned| {
                        reference(&g, spur, to, hops, &filter, banned)
                    });
                    prop_assert_eq!(
                        g.k_shortest_paths(from, to, c.k, c.max_hops, &filter),
                        expected,
                        "{:?} → {:?}", from, to
                    );
                }
            }
        }
    }

    /// A hub `state/h` with `n` leaves, and a chain `state/b` – `state/a` – `state/h`.
    fn star(n: usize) -> Graph {
        let leaves: Vec<String> = (0..n).map(|i| format!("state/l{i:05}")).collect();
        let mut nodes: Vec<&str> = vec!["state/a", "state/b", "state/h"];
        nodes.extend(leaves.iter().map(String::as_str));
        let mut relations = vec![
            rel("state/b", Supports, "state/a"),
            rel("state/a", Supports, "state/h"),
        ];
        relations.extend(leaves.iter().map(|l| rel(l, Supports, "state/h")));
        graph(&nodes, relations)
    }

    /// How many relation entries a search from `from` to `to` looks at, and its answer.
    fn work(g: &Graph, from: &str, to: &str) -> (usize, Option<Vec<Hop>>) {
        let (filter, banned) = (TraversalFilter::default(), Banned::default());
        let (from, to) = (ix(g, from), ix(g, to));
        let mut s = Search::new(g, from, to, &filter, &banned);
        let path = s.meet(4).and_then(|m| s.walk(to, m));
        assert_eq!(path, reference(g, from, to, 4, &filter, &banned));
        (s.clock.entries.get(), path)
    }

    #[test]
    fn a_hub_at_one_end_is_read_only_as_far_as_the_other_end_needs() {
        let g = star(3000);
        // From the chain's end to the hub, either way: the hub is never expanded, and the last
        // hop is found from `state/a`'s side.
        for (from, to) in [("state/b", "state/h"), ("state/h", "state/b")] {
            let (looked_at, path) = work(&g, from, to);
            assert_eq!(path.map(|p| p.len()), Some(2));
            assert!(
                looked_at < 20,
                "{from} → {to}: {looked_at} relation entries"
            );
        }
        // Between two leaves the hub is the middle of the path and is never read; nor is it
        // read to find that a leaf is two hops from the chain's end.
        for (from, to) in [
            ("state/l02999", "state/l00000"),
            ("state/l01234", "state/b"),
        ] {
            let (looked_at, path) = work(&g, from, to);
            assert!(path.is_some());
            assert!(
                looked_at < 20,
                "{from} → {to}: {looked_at} relation entries"
            );
        }
        // Made to expand the hub anyway, the search finds the same paths.
        let (looked_at, path) = forced(Some(0), None, || work(&g, "state/h", "state/l01234"));
        assert_eq!(path.map(|p| p.len()), Some(1));
        assert!(looked_at >= 1234, "{looked_at}");
        let (_, path) = forced(Some(0), None, || work(&g, "state/h", "state/b"));
        assert_eq!(path.map(|p| p.len()), Some(2));
    }

    #[test]
    fn an_expired_deadline_stops_the_search() {
        let g = star(10);
        let (b, h) = (ix(&g, "state/b"), ix(&g, "state/h"));
        let all = TraversalFilter::default();
        assert!(g.shortest_path(b, h, 4, &all).is_some());
        let past = Instant::now();
        assert!(deadline::with_deadline(past, || g.shortest_path(b, h, 4, &all)).is_none());
        assert!(deadline::with_deadline(past, || g.k_shortest_paths(b, h, 3, 4, &all)).is_empty());
    }
}
