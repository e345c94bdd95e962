//! [`Graph`]: one version of the knowledge graph and its query indexes, held in persistent
//! (structurally shared) collections. Cloning a version is O(1); a write changes a clone in
//! O(touched · log n) ([`super::write`]) and readers of the old version keep it unchanged, for
//! free, for as long as they hold it.
//!
//! Layout, chosen for 10⁶ nodes and 5·10⁶ relations in memory:
//! - nodes and relations in `imbl::Vector`s indexed by dense `u32` indexes (removed ones leave a
//!   hole, so indexes stay valid for a version's life);
//! - each node's relations in one contiguous array, sorted the way they are listed (type, then
//!   the other end's id, then the relation id), so a page or a type is a slice;
//! - evidence as spans of the source texts, and a derived relation (an event's participant)
//!   points at the event's evidence instead of copying it;
//! - relation ids stored only when given (`from:TYPE:to` is made when asked for);
//! - orderings (by id, name, degree, date) as ordered maps kept up to date by every write, so a
//!   page of any listing is a seek;
//! - PageRank, a global value, in a [`Rank`] computed off the write path and published with
//!   the version it reflects.

use std::cmp::Ordering;
use std::ops::Bound as RangeBound;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use imbl::{HashMap, OrdMap, Vector};
use petgraph::graph::{EdgeIndex, NodeIndex};

use super::model::*;
use super::terms::TermIndex;

/// Which way an edge points, seen from the node asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

/// An entry of a node's relation list: twelve bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Adj {
    pub edge: EdgeIndex,
    pub other: NodeIndex,
    pub rel: RelationType,
    pub dir: Direction,
}

impl Adj {
    pub fn view(&self) -> RelationView {
        RelationView {
            edge: self.edge,
            direction: self.dir,
            other: self.other,
        }
    }
}

/// A live node: its data and its relations.
#[derive(Debug, Clone)]
pub(super) struct Slot {
    pub node: Arc<Node>,
    pub adj: Arc<Vec<Adj>>,
}

/// A relation with its ends.
#[derive(Debug, Clone)]
pub(super) struct Edge {
    pub from: NodeIndex,
    pub to: NodeIndex,
    pub rel: Relation,
}

/// What cites a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Citer {
    /// A node's own quotes: an event's evidence, and the evidence of any node's statements.
    Node(NodeIndex),
    Relation(EdgeIndex),
}

/// Who refers to a node other than by a relation at it: the reverse references a write needs
/// to check or update what depends on what it changes, without scanning the graph.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Refs {
    /// Events and relations citing this source in their evidence.
    pub citers: Vec<Citer>,
    /// Relations whose validity bound is this event's date.
    pub bound_users: Vec<EdgeIndex>,
    /// Events whose date rule names this treaty (or this notification).
    pub rule_users: Vec<NodeIndex>,
    /// Events whose date is inferred from this event's.
    pub inferrers: Vec<NodeIndex>,
}

impl Refs {
    pub(super) fn is_empty(&self) -> bool {
        self.citers.is_empty()
            && self.bound_users.is_empty()
            && self.rule_users.is_empty()
            && self.inferrers.is_empty()
    }
}

/// The key entities are listed by for an order. Keys are unique (the id breaks ties), so a
/// cursor made from a key names one position.
pub type NameKey = (Arc<str>, NodeId);
pub type DegreeKey = (u32, NodeId);
pub type DateKey = (NaiveDate, NodeId);

/// The orderings of one kind of node.
#[derive(Debug, Clone, Default)]
pub struct KindOrders {
    pub by_id: OrdMap<NodeId, NodeIndex>,
    pub by_name: OrdMap<NameKey, NodeIndex>,
    pub by_degree: OrdMap<DegreeKey, NodeIndex>,
}

/// PageRank scores of one graph version, computed off the write path.
#[derive(Debug, Clone, Default)]
pub struct Rank {
    /// The graph version the scores were computed on.
    pub version: u64,
    /// Score per node index (nodes added since have none and count as 0).
    pub scores: Vec<f64>,
    /// Node indexes by score, highest first, ties by id.
    pub order: Vec<NodeIndex>,
    /// False until a ranking has run (a big graph is ranked after it starts serving).
    pub ready: bool,
}

/// The knowledge graph with its query indexes.
#[derive(Debug, Clone)]
pub struct Graph {
    pub(super) version: u64,
    pub(super) nodes: Vector<Option<Slot>>,
    pub(super) edges: Vector<Option<Edge>>,
    pub(super) ids: HashMap<NodeId, NodeIndex>,
    /// Relations whose id was given, by that id.
    pub(super) rel_ids: HashMap<Arc<str>, EdgeIndex>,
    pub(super) refs: HashMap<NodeIndex, Arc<Refs>>,
    /// Per kind, in `Kind::ALL` order.
    pub(super) orders: Vec<KindOrders>,
    /// Events by date, one map per precision (day, month, year), so a date range is a seek.
    pub(super) events: Vec<OrdMap<DateKey, NodeIndex>>,
    /// How many events each date has, per precision as `events`: a date range is counted in
    /// O(dates in range · log n), not by visiting its events.
    pub(super) event_days: Vec<OrdMap<NaiveDate, u32>>,
    pub(super) kind_counts: [usize; 6],
    pub(super) type_counts: [usize; 11],
    pub(super) node_total: usize,
    pub(super) edge_total: usize,
    /// The words of every node's searchable texts, for search's candidates.
    pub(super) search: TermIndex,
    pub(super) rank: Arc<Rank>,
    /// While a bulk load runs, relation lists are appended unsorted and the degree orders are
    /// left out; [`super::GraphBuilder::finish`] sorts and builds them once.
    pub(super) bulk: bool,
    pub(super) bulk_state: Option<Box<BulkState>>,
    /// While a write of several changes applies ([`Graph::begin_batch`]): the checks that
    /// hold between records (an inferred date and the date it rests on), made when it ends,
    /// so changes that move both sides of one may come in either order.
    pub(super) batch: Option<Box<Batch>>,
}

/// The checks a write defers to its end, each with the change that called for it.
#[derive(Debug, Clone, Default)]
pub(super) struct Batch {
    pub at: usize,
    pub checks: Vec<(usize, NodeIndex)>,
}

/// The hasher of the bulk load's maps: they hold ids from the seed being loaded, not from
/// requests, so a fast hash without flooding resistance is the right trade.
pub(super) type FastHash = foldhash::fast::RandomState;

/// What a bulk load keeps until it finishes.
#[derive(Debug, Clone, Default)]
pub(super) struct BulkState {
    /// `(from, type, to)` of every relation without a given id, to refuse duplicates.
    pub pairs: std::collections::HashSet<u64, FastHash>,
    /// Events whose date rule is applied at the end: `(event, notification, treaty)`.
    pub rules: Vec<(NodeIndex, String, String)>,
    /// Events whose inferred date is checked at the end, once every date is known.
    pub inferred: Vec<(NodeIndex, super::build::NewInferred)>,
    /// Ids while loading: a plain hash map is several times faster to fill and ask than the
    /// persistent one, which is built from it once at the end. Shared with the snapshots that
    /// prepare records on another thread ([`Graph::bulk_snapshot`]): once every node is in,
    /// nothing changes it, so they share it for free. Its keys are copies of the ids, kept
    /// inline (ids are short): a lookup then reads the table alone, not also each key's text
    /// elsewhere in memory, which made it the costliest step of checking a relation.
    pub ids: Arc<std::collections::HashMap<compact_str::CompactString, NodeIndex, FastHash>>,
    /// Each node's kind, by index, shared like `ids`: checking a relation's ends reads a byte
    /// each instead of two nodes.
    pub kinds: Arc<Vec<Kind>>,
    /// Reverse references while loading, for the same reason.
    pub refs: std::collections::HashMap<NodeIndex, Refs, FastHash>,
    /// Relation lists while loading, by node index, appended unsorted: plain vectors, not
    /// each node's shared array reached through the persistent vector per relation.
    pub adj: Vec<Vec<Adj>>,
}

pub(super) fn kind_slot(k: Kind) -> usize {
    Kind::ALL.iter().position(|x| *x == k).unwrap_or(0)
}

pub(super) fn precision_slot(p: Precision) -> usize {
    match p {
        Precision::Day => 0,
        Precision::Month => 1,
        Precision::Year => 2,
    }
}

impl Default for Graph {
    fn default() -> Self {
        Graph::empty()
    }
}

impl Graph {
    /// The empty graph.
    pub fn empty() -> Graph {
        Graph {
            version: 0,
            nodes: Vector::new(),
            edges: Vector::new(),
            ids: HashMap::new(),
            rel_ids: HashMap::new(),
            refs: HashMap::new(),
            orders: vec![KindOrders::default(); Kind::ALL.len()],
            events: vec![OrdMap::new(); 3],
            event_days: vec![OrdMap::new(); 3],
            kind_counts: [0; 6],
            type_counts: [0; 11],
            node_total: 0,
            edge_total: 0,
            search: TermIndex::default(),
            rank: Arc::new(Rank::default()),
            bulk: false,
            bulk_state: None,
            batch: None,
        }
    }

    /// The version number: 0 for the seed, then one more per write.
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn set_version(&mut self, version: u64) {
        self.version = version;
    }

    /// Publishes a ranking (computed on this or an earlier version).
    pub fn set_rank(&mut self, rank: Rank) {
        self.rank = Arc::new(rank);
    }

    pub fn set_rank_arc(&mut self, rank: Arc<Rank>) {
        self.rank = rank;
    }

    /// Whether enough words were added since the search index's transducers were built for
    /// rebuilding them to pay (see [`Graph::compact_search`]).
    pub fn search_wants_compaction(&self) -> bool {
        self.search.wants_compaction()
    }

    /// The search index's transducers rebuilt with every word of this version: O(vocabulary),
    /// for a background thread. [`Graph::install_search`] publishes them on a later version.
    pub fn compact_search(&self) -> super::SearchCompaction {
        self.search.compacted()
    }

    /// Installs a compaction made from an earlier version; `false` (and nothing changes) if
    /// another was installed since.
    pub fn install_search(&mut self, c: super::SearchCompaction) -> bool {
        self.search.install(c)
    }

    pub fn node_count(&self) -> usize {
        self.node_total
    }

    pub fn relation_count(&self) -> usize {
        self.edge_total
    }

    /// One more than the largest node index in use (indexes of removed nodes are holes).
    pub fn node_bound(&self) -> usize {
        self.nodes.len()
    }

    pub fn edge_bound(&self) -> usize {
        self.edges.len()
    }

    pub fn lookup(&self, id: &str) -> Option<NodeIndex> {
        match &self.bulk_state {
            Some(b) => b.ids.get(id).copied(),
            None => self.ids.get(id).copied(),
        }
    }

    /// A read-only copy of a graph being bulk loaded, to prepare records on another thread
    /// ([`super::GraphBuilder::preparer`]): the persistent parts are shared in O(1), the
    /// loader's id map through its `Arc`; its unsorted relation lists and duplicate sets stay
    /// behind, since preparing a record never reads them.
    pub(super) fn bulk_snapshot(&self) -> Graph {
        let mut g = self.clone_without_bulk_state();
        g.bulk = true;
        g.bulk_state = self.bulk_state.as_ref().map(|b| {
            Box::new(BulkState {
                ids: Arc::clone(&b.ids),
                kinds: Arc::clone(&b.kinds),
                ..Default::default()
            })
        });
        g
    }

    /// A clone without the loader's state (which is not persistent, so not cheap to copy).
    pub(super) fn clone_without_bulk_state(&self) -> Graph {
        Graph {
            version: self.version,
            nodes: self.nodes.clone(),
            edges: self.edges.clone(),
            ids: self.ids.clone(),
            rel_ids: self.rel_ids.clone(),
            refs: self.refs.clone(),
            orders: self.orders.clone(),
            events: self.events.clone(),
            event_days: self.event_days.clone(),
            kind_counts: self.kind_counts,
            type_counts: self.type_counts,
            node_total: self.node_total,
            edge_total: self.edge_total,
            search: self.search.clone(),
            rank: self.rank.clone(),
            bulk: self.bulk,
            bulk_state: None,
            batch: None,
        }
    }

    pub(super) fn slot(&self, ix: NodeIndex) -> Option<&Slot> {
        self.nodes.get(ix.index()).and_then(Option::as_ref)
    }

    pub fn contains(&self, ix: NodeIndex) -> bool {
        self.slot(ix).is_some()
    }

    /// The node at an index handed out by this version.
    ///
    /// # Panics
    /// On an index this version never handed out, which is a bug in the caller.
    pub fn node(&self, ix: NodeIndex) -> &Node {
        &self
            .slot(ix)
            .expect("node indexes handed out by a graph version stay valid in it")
            .node
    }

    pub(super) fn edge(&self, e: EdgeIndex) -> &Edge {
        self.edges
            .get(e.index())
            .and_then(Option::as_ref)
            .expect("edge indexes handed out by a graph version stay valid in it")
    }

    pub fn contains_relation(&self, e: EdgeIndex) -> bool {
        self.edges.get(e.index()).is_some_and(Option::is_some)
    }

    pub fn relation(&self, e: EdgeIndex) -> &Relation {
        &self.edge(e).rel
    }

    /// The relation's id: the one it was given, else `from:TYPE:to`.
    pub fn relation_id(&self, e: EdgeIndex) -> Arc<str> {
        let edge = self.edge(e);
        match edge.rel.id() {
            Some(id) => id.clone(),
            None => Arc::from(generated_id(
                self.node(edge.from).id.as_str(),
                edge.rel.rel,
                self.node(edge.to).id.as_str(),
            )),
        }
    }

    /// Compares two relations by id without making generated ids when the ends differ.
    pub(super) fn cmp_relation_ids(&self, a: EdgeIndex, b: EdgeIndex) -> Ordering {
        if a == b {
            return Ordering::Equal;
        }
        // Byte order of the concatenated pieces is the order of the formatted ids (`str`
        // compares bytes), without formatting them: sorts call this O(n log n) times.
        cmp_pieces(self.id_pieces(a), self.id_pieces(b))
    }

    /// A relation id as the pieces it is written from: the given id, or `from`, `:`, the
    /// type, `:`, `to`.
    fn id_pieces(&self, e: EdgeIndex) -> [&str; 5] {
        let edge = self.edge(e);
        match edge.rel.id() {
            Some(id) => [id, "", "", "", ""],
            None => [
                self.node(edge.from).id.as_str(),
                ":",
                edge.rel.rel.as_str(),
                ":",
                self.node(edge.to).id.as_str(),
            ],
        }
    }

    pub fn lookup_relation(&self, id: &str) -> Option<EdgeIndex> {
        if let Some(&e) = self.rel_ids.get(id) {
            return Some(e);
        }
        // A generated id names its ends and type: look among the relations of `from`.
        let (from, rest) = id.split_once(':')?;
        let (rel, to) = rest.split_once(':')?;
        let rel = RelationType::parse(rel)?;
        let (from, to) = (self.lookup(from)?, self.lookup(to)?);
        self.type_range(from, rel)
            .iter()
            .find(|a| {
                a.dir == Direction::Outgoing
                    && a.other == to
                    && self.relation(a.edge).id().is_none()
            })
            .map(|a| a.edge)
    }

    /// The `(from, to)` nodes of a relation.
    pub fn ends(&self, e: EdgeIndex) -> (NodeIndex, NodeIndex) {
        let edge = self.edge(e);
        (edge.from, edge.to)
    }

    /// The evidence of a relation: its own, or its event's.
    pub fn evidence(&self, e: EdgeIndex) -> &[Evidence] {
        match &self.relation(e).evidence {
            EvidenceRef::One(ev) => std::slice::from_ref(ev),
            EvidenceRef::Own(ev) => ev,
            EvidenceRef::Event(ix) => self.node(*ix).event().map_or(&[], |d| &d.evidence),
        }
    }

    /// The words a piece of evidence quotes.
    pub fn quote(&self, ev: &Evidence) -> &str {
        self.slot(ev.source)
            .and_then(|s| s.node.source())
            .and_then(|s| s.text.get(ev.range()))
            .unwrap_or_default()
    }

    /// The sentence of the source that contains the evidence's quote, for context.
    pub fn sentence_of(&self, ev: &Evidence) -> Option<&str> {
        let src = self.slot(ev.source)?.node.source()?;
        let r = ev.range();
        Some(sentence_around(&src.text, r.start, r.end))
    }

    pub(super) fn adj(&self, ix: NodeIndex) -> &[Adj] {
        if self.bulk
            && let Some(b) = &self.bulk_state
        {
            return b.adj.get(ix.index()).map_or(&[], Vec::as_slice);
        }
        self.slot(ix).map_or(&[], |s| s.adj.as_slice())
    }

    /// A node's relations in list order (type, the other end's id, the relation id).
    pub fn relation_list(&self, ix: NodeIndex) -> &[Adj] {
        self.adj(ix)
    }

    /// The positions in [`Graph::relation_list`] of one type's relations. O(log degree).
    pub fn relation_type_range(&self, ix: NodeIndex, rel: RelationType) -> std::ops::Range<usize> {
        let adj = self.adj(ix);
        adj.partition_point(|a| a.rel < rel)..adj.partition_point(|a| a.rel <= rel)
    }

    /// The part of a node's (sorted) relation list of one type.
    pub(super) fn type_range(&self, ix: NodeIndex, rel: RelationType) -> &[Adj] {
        let adj = self.adj(ix);
        if self.bulk {
            return adj;
        }
        let lo = adj.partition_point(|a| a.rel < rel);
        let hi = adj.partition_point(|a| a.rel <= rel);
        &adj[lo..hi]
    }

    /// The relations at a node, filtered by direction and type, in a stable order: by type,
    /// then the other end's id, then the relation id. O(result), plus O(log degree) per type.
    pub fn relations_of(
        &self,
        ix: NodeIndex,
        direction: Option<Direction>,
        types: Option<&[RelationType]>,
    ) -> Vec<RelationView> {
        let keep = |a: &&Adj| direction.is_none_or(|d| d == a.dir);
        match types {
            None => self.adj(ix).iter().filter(keep).map(Adj::view).collect(),
            Some(types) => {
                let mut types = types.to_vec();
                types.sort();
                types.dedup();
                types
                    .into_iter()
                    .flat_map(|t| self.type_range(ix, t).iter().filter(keep).map(Adj::view))
                    .collect()
            }
        }
    }

    /// The participants of an event with how they take part, sorted by role then id.
    pub fn participants(&self, event: NodeIndex) -> Vec<(NodeIndex, RelationType, EdgeIndex)> {
        let mut out: Vec<_> = self
            .relations_of(event, None, Some(&PARTICIPATION))
            .into_iter()
            .map(|v| (v.other, self.relation(v.edge).rel, v.edge))
            .collect();
        out.dedup_by_key(|p| (p.0, p.1));
        out
    }

    /// The events a node takes part in (as actor, addressee or subject), oldest first.
    pub fn events_of(&self, ix: NodeIndex) -> Vec<NodeIndex> {
        let mut events: Vec<NodeIndex> = self
            .relations_of(ix, None, Some(&PARTICIPATION))
            .into_iter()
            .map(|v| v.other)
            .filter(|&o| self.node(o).kind == Kind::Event)
            .collect();
        events.sort_by_cached_key(|&e| self.event_key(e));
        events.dedup();
        events
    }

    /// An event's place on the time line: its date, then its id.
    pub fn event_key(&self, ix: NodeIndex) -> DateKey {
        let n = self.node(ix);
        (
            n.event().map_or(NaiveDate::MIN, |e| e.date.date),
            n.id.clone(),
        )
    }

    /// Events whose date (a day, month or year) overlaps `[from, to]`, in time-line order
    /// starting after `after` (exclusive), or backwards from before `before`. Each precision
    /// has its own index, so the start is a seek in each and they are merged.
    pub fn events_in(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        cursor: RangeBound<DateKey>,
        backwards: bool,
    ) -> impl Iterator<Item = NodeIndex> + '_ {
        let iters: Vec<Box<dyn Iterator<Item = (&DateKey, &NodeIndex)> + '_>> = (0..3)
            .map(|p| {
                let lowest = from.map(|f| earliest_overlapping(f, p));
                let lo_date = lowest.map_or(RangeBound::Unbounded, |d| {
                    RangeBound::Included((d, NodeId::min()))
                });
                let hi_date = to.map_or(RangeBound::Unbounded, |t| {
                    RangeBound::Excluded((t.succ_opt().unwrap_or(NaiveDate::MAX), NodeId::min()))
                });
                let (lo, hi) = if backwards {
                    (lo_date, tighter_hi(hi_date, cursor.clone()))
                } else {
                    (tighter_lo(lo_date, cursor.clone()), hi_date)
                };
                let map = &self.events[p];
                let range: Box<dyn Iterator<Item = (&DateKey, &NodeIndex)> + '_> =
                    if range_is_empty(&lo, &hi) {
                        Box::new(std::iter::empty())
                    } else if backwards {
                        Box::new(map.range((lo, hi)).rev())
                    } else {
                        Box::new(map.range((lo, hi)))
                    };
                range
            })
            .collect();
        merge_sorted(iters, backwards)
            .filter(move |(_, ix)| {
                let ev = self.node(*ix).event();
                from.is_none_or(|f| ev.is_some_and(|e| e.date.last_day() >= f))
            })
            .map(|(_, ix)| ix)
    }

    /// How many events [`Graph::events_in`] lists for `[from, to]`, from the counts per date.
    pub fn event_count_in(&self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> usize {
        (0..3)
            .map(|p| {
                let lo = from.map_or(RangeBound::Unbounded, |f| {
                    RangeBound::Included(earliest_overlapping(f, p))
                });
                let hi = to.map_or(RangeBound::Unbounded, RangeBound::Included);
                if range_is_empty(&lo, &hi) {
                    return 0;
                }
                self.event_days[p]
                    .range((lo, hi))
                    .map(|(_, n)| *n as usize)
                    .sum::<usize>()
            })
            .sum()
    }

    /// Adds `delta` to the count of events on an event's date.
    pub(super) fn count_event_day(&mut self, date: FuzzyDate, delta: i32) {
        let days = &mut self.event_days[precision_slot(date.precision)];
        let n = days.get(&date.date).copied().unwrap_or(0) as i64 + delta as i64;
        if n > 0 {
            days.insert(date.date, n as u32);
        } else {
            days.remove(&date.date);
        }
    }

    /// Builds the counts per date from the time line (a bulk load's end).
    pub(super) fn count_event_days(&mut self) {
        for (p, map) in self.events.iter().enumerate() {
            let mut days: Vec<(NaiveDate, u32)> = vec![];
            for ((date, _), _) in map.iter() {
                match days.last_mut() {
                    Some((d, n)) if d == date => *n += 1,
                    _ => days.push((*date, 1)),
                }
            }
            self.event_days[p] = days.into_iter().collect();
        }
    }

    /// The time line: events whose date (a day, month or year) overlaps `[from, to]`, and that
    /// involve `involving` if given; oldest first.
    pub fn timeline(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        involving: Option<NodeIndex>,
    ) -> Vec<NodeIndex> {
        match involving {
            None => self
                .events_in(from, to, RangeBound::Unbounded, false)
                .collect(),
            Some(ix) => self
                .events_of(ix)
                .into_iter()
                .filter(|&e| {
                    self.node(e).event().is_some_and(|ev| {
                        from.is_none_or(|f| ev.date.last_day() >= f)
                            && to.is_none_or(|t| ev.date.date <= t)
                    })
                })
                .collect(),
        }
    }

    /// How many events there are in all.
    pub fn event_count(&self) -> usize {
        self.kind_counts[kind_slot(Kind::Event)]
    }

    /// The number of relations at a node, both directions (a self-relation counts twice).
    pub fn degree(&self, ix: NodeIndex) -> usize {
        self.adj(ix).len()
    }

    /// The largest degree, from the degree orderings. O(kinds · log n).
    pub fn max_degree(&self) -> usize {
        self.orders
            .iter()
            .filter_map(|o| o.by_degree.get_max().map(|((d, _), _)| *d as usize))
            .max()
            .unwrap_or(0)
    }

    /// The node's PageRank over the undirected graph (all scores sum to 1), as of the version
    /// [`Graph::rank`] names; 0 for nodes added since.
    pub fn centrality(&self, ix: NodeIndex) -> f64 {
        self.rank.scores.get(ix.index()).copied().unwrap_or(0.0)
    }

    /// The PageRank scores and the version they were computed on.
    pub fn rank(&self) -> &Arc<Rank> {
        &self.rank
    }

    /// Live nodes by PageRank, highest first (ties by id); nodes added since the ranking last
    /// ran follow, by id.
    pub fn by_centrality(&self) -> impl Iterator<Item = NodeIndex> + '_ {
        let ranked = self.rank.order.iter().copied().filter(|&ix| {
            self.slot(ix).is_some() && self.rank.scores.get(ix.index()).is_some_and(|s| *s > 0.0)
        });
        let unranked = self
            .ids_in_order(None)
            .filter(|&ix| self.centrality(ix) == 0.0);
        ranked.chain(unranked)
    }

    /// Every live node of some kinds (all when `None`) in id order.
    pub fn ids_in_order(&self, kinds: Option<&[Kind]>) -> impl Iterator<Item = NodeIndex> + '_ {
        let iters: Vec<_> = self
            .kinds_or_all(kinds)
            .into_iter()
            .map(|k| {
                Box::new(self.orders[kind_slot(k)].by_id.iter())
                    as Box<dyn Iterator<Item = (&NodeId, &NodeIndex)> + '_>
            })
            .collect();
        merge_sorted(iters, false).map(|(_, ix)| ix)
    }

    pub fn kinds_or_all(&self, kinds: Option<&[Kind]>) -> Vec<Kind> {
        let mut v: Vec<Kind> = kinds.map_or(Kind::ALL.to_vec(), <[Kind]>::to_vec);
        v.sort();
        v.dedup();
        v
    }

    /// The orderings of one kind of node, for pages that seek.
    pub fn orders_of(&self, kind: Kind) -> &KindOrders {
        &self.orders[kind_slot(kind)]
    }

    /// How many nodes there are of a kind. O(1).
    pub fn kind_count(&self, kind: Kind) -> usize {
        self.kind_counts[kind_slot(kind)]
    }

    /// How many relations there are of each type, in type order (types with none left out).
    pub fn relation_type_counts(&self) -> Vec<(RelationType, usize)> {
        RelationType::ALL
            .into_iter()
            .zip(self.type_counts)
            .filter(|(_, c)| *c > 0)
            .collect()
    }

    /// The `text` filter of listings: whether every word of the (normalised) query starts a
    /// word of a node's name, an alias, a label or its description. The query is normalised
    /// once; the node's texts per check.
    pub fn text_matcher<'g>(&'g self, query: &str) -> impl Fn(NodeIndex) -> bool + use<'g> {
        let q = super::normalize(query);
        move |ix| {
            let n = self.node(ix);
            let texts = std::iter::once(n.name.as_str())
                .chain(n.aliases.iter().map(String::as_str))
                .chain(n.labels.values().map(String::as_str))
                .chain(std::iter::once(n.description.as_str()));
            let norm: Vec<String> = texts.map(super::normalize).collect();
            q.split(' ')
                .all(|qw| norm.iter().any(|t| t.split(' ').any(|w| w.starts_with(qw))))
        }
    }

    /// Relations of type `rel` from `from` to `to`, in id order.
    pub fn relations_between(
        &self,
        from: NodeIndex,
        to: NodeIndex,
        rel: RelationType,
    ) -> Vec<EdgeIndex> {
        let range = self.type_range(from, rel);
        // Sorted by the other end's id: the relations to `to` are together.
        range
            .iter()
            .filter(|a| a.other == to && a.dir == Direction::Outgoing)
            .map(|a| a.edge)
            .collect()
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
        if let Some(&e) = candidates.iter().find(|&&e| self.relation(e).holds_on(day)) {
            return Status::Holds(e);
        }
        // Otherwise explain with the relation closest to the day: the last one that ended
        // before it, or else the first that starts after it.
        let ended = candidates
            .iter()
            .filter(|&&e| self.relation(e).valid_until.is_some_and(|b| b.date <= day))
            .max_by_key(|&&e| self.relation(e).valid_until.map(|b| b.date));
        if let Some(&e) = ended {
            return Status::Ended(e);
        }
        match candidates.first() {
            Some(&e) => Status::NotYet(e),
            None => Status::NoRelation,
        }
    }

    /// Quotes matching a phrase, with the events and relations they support.
    pub fn search_evidence(&self, query: &str) -> Vec<super::EvidenceMatch> {
        super::search::search_evidence(self, query)
    }

    /// Ranked search over names and aliases; see [`super::search`].
    pub fn search(&self, query: &str, kinds: Option<&[Kind]>) -> Vec<super::SearchHit> {
        super::search::search(self, query, kinds, None)
    }

    /// [`Graph::search`] where only the first `sorted` hits need to be in rank order (the
    /// rest follow in no order): what a page near the top of the results needs.
    pub fn search_top(
        &self,
        query: &str,
        kinds: Option<&[Kind]>,
        sorted: Option<usize>,
    ) -> Vec<super::SearchHit> {
        super::search::search(self, query, kinds, sorted)
    }

    /// [`Graph::search_top`] of the hits ranked after `after` (a page that starts at a cursor),
    /// with the number of hits in all and of those at or before `after`.
    pub fn search_after(
        &self,
        query: &str,
        kinds: Option<&[Kind]>,
        after: Option<&super::RankKey>,
        sorted: Option<usize>,
    ) -> super::search::Ranked {
        super::search::search_after(self, query, kinds, after, sorted)
    }

    /// Every live relation index. O(relations).
    pub fn edge_indices(&self) -> impl Iterator<Item = EdgeIndex> + '_ {
        self.edges
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_some())
            .map(|(i, _)| EdgeIndex::new(i))
    }

    /// Every live node index. O(nodes).
    pub fn node_indices(&self) -> impl Iterator<Item = NodeIndex> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.is_some())
            .map(|(i, _)| NodeIndex::new(i))
    }

    /// The sort order of a node's relation list: type, the other end's id, the relation id,
    /// then outgoing before incoming (a self-relation is listed both ways).
    pub(super) fn cmp_adj(&self, a: &Adj, b: &Adj) -> Ordering {
        a.rel
            .cmp(&b.rel)
            .then_with(|| {
                if a.other == b.other {
                    Ordering::Equal
                } else {
                    self.node(a.other).id.cmp(&self.node(b.other).id)
                }
            })
            .then_with(|| self.cmp_relation_ids(a.edge, b.edge))
            .then_with(|| a.dir.cmp(&b.dir))
    }
}

/// `from:TYPE:to`, the id of a relation that was given none.
/// Compares the concatenations of two lists of pieces, a common run of bytes at a time (one
/// `memcmp` each) rather than byte by byte.
fn cmp_pieces(a: [&str; 5], b: [&str; 5]) -> Ordering {
    let (mut a, mut b) = (
        a.iter().map(|p| p.as_bytes()),
        b.iter().map(|p| p.as_bytes()),
    );
    let (mut x, mut y): (&[u8], &[u8]) = (&[], &[]);
    loop {
        while x.is_empty() {
            match a.next() {
                Some(p) => x = p,
                None => break,
            }
        }
        while y.is_empty() {
            match b.next() {
                Some(p) => y = p,
                None => break,
            }
        }
        if x.is_empty() || y.is_empty() {
            return x.len().cmp(&y.len());
        }
        let n = x.len().min(y.len());
        match x[..n].cmp(&y[..n]) {
            Ordering::Equal => (x, y) = (&x[n..], &y[n..]),
            unequal => return unequal,
        }
    }
}

pub fn generated_id(from: &str, rel: RelationType, to: &str) -> String {
    format!("{from}:{}:{to}", rel.as_str())
}

impl NodeId {
    /// Lower than every id: the start of a range over keys that begin with a date or number.
    pub(super) fn min() -> NodeId {
        NodeId::from_trusted("")
    }
}

fn range_is_empty<K: Ord>(lo: &RangeBound<K>, hi: &RangeBound<K>) -> bool {
    use RangeBound::*;
    match (lo, hi) {
        (Included(a), Included(b)) => a > b,
        (Included(a), Excluded(b)) | (Excluded(a), Included(b)) | (Excluded(a), Excluded(b)) => {
            a >= b
        }
        _ => false,
    }
}

/// The later of two lower bounds.
pub(super) fn tighter_lo<K: Ord>(a: RangeBound<K>, b: RangeBound<K>) -> RangeBound<K> {
    use RangeBound::*;
    match (a, b) {
        (Unbounded, x) | (x, Unbounded) => x,
        (Included(x), Included(y)) => Included(x.max(y)),
        (Excluded(x), Excluded(y)) => Excluded(x.max(y)),
        (Included(x), Excluded(y)) | (Excluded(y), Included(x)) => {
            if y >= x {
                Excluded(y)
            } else {
                Included(x)
            }
        }
    }
}

/// The earlier of two upper bounds.
pub(super) fn tighter_hi<K: Ord>(a: RangeBound<K>, b: RangeBound<K>) -> RangeBound<K> {
    use RangeBound::*;
    match (a, b) {
        (Unbounded, x) | (x, Unbounded) => x,
        (Included(x), Included(y)) => Included(x.min(y)),
        (Excluded(x), Excluded(y)) => Excluded(x.min(y)),
        (Included(x), Excluded(y)) | (Excluded(y), Included(x)) => {
            if y <= x {
                Excluded(y)
            } else {
                Included(x)
            }
        }
    }
}

/// Merges iterators that each yield ascending keys (descending if `backwards`) into one.
pub fn merge_sorted<'a, K: Ord + 'a, V: Copy + 'a>(
    iters: Vec<Box<dyn Iterator<Item = (&'a K, &'a V)> + 'a>>,
    backwards: bool,
) -> impl Iterator<Item = (&'a K, V)> + 'a {
    let mut iters: Vec<std::iter::Peekable<_>> = iters.into_iter().map(|i| i.peekable()).collect();
    std::iter::from_fn(move || {
        let mut best: Option<(usize, &'a K)> = None;
        for (i, it) in iters.iter_mut().enumerate() {
            let Some(&(k, _)) = it.peek() else {
                continue;
            };
            let better = match best {
                None => true,
                Some((_, bk)) => {
                    if backwards {
                        k > bk
                    } else {
                        k < bk
                    }
                }
            };
            if better {
                best = Some((i, k));
            }
        }
        best.and_then(|(b, _)| iters[b].next())
            .map(|(k, v)| (k, *v))
    })
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
/// The earliest date an event of precision slot `p` (day, month, year) can have and still
/// overlap a range starting on `from`: the start of `from`'s month or year. So its period's
/// last day is on or after `from` exactly when its date is on or after this one.
fn earliest_overlapping(from: NaiveDate, p: usize) -> NaiveDate {
    match p {
        0 => from,
        1 => from.with_day(1).unwrap_or(from),
        _ => from
            .with_day(1)
            .and_then(|d| d.with_month(1))
            .unwrap_or(from),
    }
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

    #[test]
    fn relations_compare_as_their_formatted_ids_do() {
        use super::super::paths::fixture::{graph, rel};
        use crate::graph::NewRelation;
        use crate::graph::RelationType::{MemberOf, Supports};
        let given = |id: &str, mut r: NewRelation| {
            r.id = Some(id.into());
            r
        };
        // Given ids that sort before, between and after the generated ones, and generated ids
        // that share a prefix (`state/a` and `state/ab`), so bytes past the first piece decide.
        let g = graph(
            &["state/a", "state/ab", "org/n", "org/m"],
            vec![
                rel("state/a", MemberOf, "org/n"),
                rel("state/ab", MemberOf, "org/n"),
                rel("state/a", Supports, "state/ab"),
                given("state/a:MEMBER_OF:org/m", rel("state/a", MemberOf, "org/m")),
                given("aaa", rel("state/ab", Supports, "state/a")),
                given("zzz", rel("state/ab", MemberOf, "org/m")),
            ],
        );
        let edges: Vec<_> = g.edge_indices().collect();
        assert_eq!(edges.len(), 6);
        for &a in &edges {
            for &b in &edges {
                let formatted = g.relation_id(a).cmp(&g.relation_id(b));
                assert_eq!(g.cmp_relation_ids(a, b), formatted, "{a:?} {b:?}");
            }
        }
    }
}
