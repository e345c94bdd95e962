//! Graph questions as root fields: connections between entities (`path`, `paths`),
//! neighbourhoods, "does X relate to Y on date D" (`relationStatus`), the grouped time line and
//! graph statistics. Resolvers check arguments and delegate to the graph core.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use petgraph::stable_graph::{EdgeIndex, NodeIndex};

use super::error::ApiError;
use super::execute::charge;
use super::offload::heavy;
use super::pagination::{PageInfo, encode_cursor};
use super::query::graph;
use super::scalars::Date;
use super::types::{
    Entity, EntityKind, Event, EventKind, Evidence, NodeRef, Relation, RelationDirection,
    RelationType, entity,
};
use crate::graph::{self, BoundOrigin, DateRule, Graph, Kind, Status, TraversalFilter};

/// Longest connection `path` and `paths` look for.
pub const MAX_HOPS: i32 = 8;
/// Most paths `paths` returns.
pub const MAX_PATHS: i32 = 10;
/// Deepest neighbourhood.
pub const MAX_DEPTH: i32 = 3;
/// Most nodes in a neighbourhood.
pub const MAX_NEIGHBORHOOD: i32 = 1000;
/// The defaults of `maxHops`, `depth` and a neighbourhood's `limit`.
pub const DEFAULT_HOPS: i32 = 4;
pub const DEFAULT_DEPTH: i32 = 1;
pub const DEFAULT_NEIGHBORHOOD: i32 = 100;

pub(super) fn lookup(g: &Graph, arg: &str, id: &str) -> Result<NodeIndex, ApiError> {
    g.lookup(id)
        .ok_or_else(|| ApiError::NotFound(format!("`{arg}`: no entity with id `{id}`")))
}

pub(super) fn in_range(arg: &str, v: i32, lo: i32, hi: i32) -> Result<usize, ApiError> {
    if v < lo || v > hi {
        return Err(ApiError::bad_input(format!(
            "`{arg}` must be between {lo} and {hi}, got {v}"
        )));
    }
    Ok(v as usize)
}

/// The checked arguments `path` and `paths` share: both ends and the hop limit.
pub(super) fn endpoints(
    g: &Graph,
    from: &str,
    to: &str,
    max_hops: i32,
) -> Result<(NodeIndex, NodeIndex, usize), ApiError> {
    Ok((
        lookup(g, "from", from)?,
        lookup(g, "to", to)?,
        in_range("maxHops", max_hops, 1, MAX_HOPS)?,
    ))
}

pub(super) fn filter(types: Option<Vec<RelationType>>, as_of: Option<Date>) -> TraversalFilter {
    TraversalFilter {
        types: types.map(|t| t.into_iter().map(Into::into).collect()),
        as_of: as_of.map(|d| d.0),
    }
}

/// One step of a connection.
#[derive(Clone)]
pub struct Hop {
    g: Arc<Graph>,
    hop: graph::Hop,
}

#[Object]
impl Hop {
    /// The entity this step leaves.
    async fn from(&self) -> Entity {
        entity(&self.g, self.hop.from)
    }

    /// The entity this step reaches.
    async fn to(&self) -> Entity {
        entity(&self.g, self.hop.to)
    }

    /// OUTGOING when the step follows the relation's direction (`from` is the relation's
    /// `from`), INCOMING when it walks it backwards.
    async fn direction(&self) -> RelationDirection {
        self.hop.direction.into()
    }

    /// The relation's type.
    #[graphql(name = "type")]
    async fn rel_type(&self) -> RelationType {
        self.g.relation(self.hop.edge).rel.into()
    }

    /// The relation walked, with its validity.
    async fn relation(&self) -> Relation {
        Relation {
            g: self.g.clone(),
            edge: self.hop.edge,
        }
    }

    /// The quotes that state this step's relation.
    async fn evidence(&self) -> Vec<Evidence> {
        self.g
            .evidence(self.hop.edge)
            .iter()
            .map(|e| Evidence::new(&self.g, e))
            .collect()
    }
}

/// A connection between two entities: a chain of relations, each with its evidence.
#[derive(Clone)]
pub struct Path {
    g: Arc<Graph>,
    path: graph::Path,
}

#[Object]
impl Path {
    /// The number of hops.
    async fn length(&self) -> usize {
        self.path.len()
    }

    /// The entities along the path, from start to end.
    async fn nodes(&self) -> Vec<Entity> {
        self.path
            .nodes()
            .into_iter()
            .map(|ix| entity(&self.g, ix))
            .collect()
    }

    /// The steps, in order.
    async fn hops(&self) -> Vec<Hop> {
        self.path
            .hops
            .iter()
            .map(|&hop| Hop {
                g: self.g.clone(),
                hop,
            })
            .collect()
    }
}

/// The answer to "how are these two connected?".
#[derive(SimpleObject, Clone)]
pub struct PathResult {
    /// Whether a connection was found within `maxHops`.
    pub found: bool,
    /// Why not, when none was found (e.g. "no connection within 2 hops").
    pub reason: Option<String>,
    /// The shortest connection found.
    pub path: Option<Path>,
}

/// The answer to "what are the k shortest connections?".
#[derive(SimpleObject, Clone)]
pub struct PathsResult {
    /// Whether any connection was found within `maxHops`.
    pub found: bool,
    /// Why not, when none was found.
    pub reason: Option<String>,
    /// The connections, shortest first; distinct as sequences of relations, without loops.
    pub paths: Vec<Path>,
}

/// A relation in a subgraph, in the shape graph-drawing libraries take (`source`, `target`).
#[derive(Clone)]
pub struct SubgraphEdge {
    g: Arc<Graph>,
    edge: EdgeIndex,
}

#[Object]
impl SubgraphEdge {
    /// The relation's id.
    async fn id(&self) -> ID {
        ID(self.g.relation_id(self.edge).to_string())
    }

    /// The id of the entity the relation starts at.
    async fn source(&self) -> ID {
        ID(self.g.node(self.g.ends(self.edge).0).id.to_string())
    }

    /// The id of the entity the relation points to.
    async fn target(&self) -> ID {
        ID(self.g.node(self.g.ends(self.edge).1).id.to_string())
    }

    /// The relation's type.
    #[graphql(name = "type")]
    async fn rel_type(&self) -> RelationType {
        self.g.relation(self.edge).rel.into()
    }

    /// A short label for drawing: the role if there is one, else the type.
    async fn label(&self) -> String {
        let r = self.g.relation(self.edge);
        r.role()
            .map_or_else(|| r.rel.as_str().to_string(), |s| s.to_string())
    }

    /// The relation, with validity and evidence.
    async fn relation(&self) -> Relation {
        Relation {
            g: self.g.clone(),
            edge: self.edge,
        }
    }
}

/// The entities around one entity and the relations among them.
#[derive(Clone)]
pub struct Neighborhood {
    g: Arc<Graph>,
    center: NodeIndex,
    sub: graph::Subgraph,
}

#[Object]
impl Neighborhood {
    /// The entity at the centre.
    async fn center(&self) -> Entity {
        entity(&self.g, self.center)
    }

    /// The entities, the centre first, then by distance (ties by id).
    async fn nodes(&self) -> Vec<Entity> {
        self.sub
            .nodes
            .iter()
            .map(|&ix| entity(&self.g, ix))
            .collect()
    }

    /// Every allowed relation between two of the entities, by id.
    async fn edges(&self) -> Vec<SubgraphEdge> {
        self.sub
            .edges
            .iter()
            .map(|&edge| SubgraphEdge {
                g: self.g.clone(),
                edge,
            })
            .collect()
    }

    /// Whether `limit` cut the neighbourhood short: some entity within `depth` is missing.
    async fn truncated(&self) -> bool {
        self.sub.truncated
    }

    /// How many hops out the neighbourhood reaches.
    async fn depth_reached(&self) -> usize {
        self.sub.depth_reached
    }
}

/// Whether a relation holds on a date, and the rule that decided it.
#[derive(Clone)]
pub struct RelationStatus {
    g: Arc<Graph>,
    from: NodeIndex,
    rel: graph::RelationType,
    to: NodeIndex,
    on: chrono::NaiveDate,
    status: Status,
}

impl RelationStatus {
    fn edge(&self) -> Option<EdgeIndex> {
        match self.status {
            Status::Holds(e) | Status::Ended(e) | Status::NotYet(e) => Some(e),
            Status::NoRelation => None,
        }
    }

    /// "the date of <event> (<rule>)" for a bound set by an event.
    fn bound_text(&self, b: graph::Bound) -> String {
        let date = b.date.format("%Y-%m-%d");
        let BoundOrigin::Event(ev) = b.origin else {
            return date.to_string();
        };
        let node = self.g.node(ev);
        let rule = node.event().and_then(|e| e.rule.as_ref()).map(|r| {
            let DateRule::NoticePeriod {
                notification,
                treaty,
                months,
            } = r;
            let name = |id: &graph::NodeId| self.g.lookup(id.as_str()).map_or(id.to_string(), |ix| self.g.node(ix).name.clone());
            let notified = self
                .g
                .lookup(notification.as_str())
                .and_then(|ix| self.g.node(ix).event())
                .map(|e| e.date.to_string())
                .unwrap_or_default();
            format!(
                ", computed as the {months}-month notice period of the {} after \"{}\" ({notified})",
                name(treaty),
                name(notification)
            )
        });
        format!(
            "{date}, the date of \"{}\"{}",
            node.name,
            rule.unwrap_or_default()
        )
    }
}

#[Object]
impl RelationStatus {
    /// Whether the relation holds on the date.
    async fn holds(&self) -> bool {
        self.holds_on_day()
    }

    /// The date asked about.
    async fn as_of(&self) -> Date {
        Date(self.on)
    }

    /// The answer in words, with the rule that decided it.
    async fn explanation(&self) -> String {
        self.explain()
    }

    /// The relation that decided the answer (null when there is none).
    async fn relation(&self) -> Option<Relation> {
        self.edge().map(|edge| Relation {
            g: self.g.clone(),
            edge,
        })
    }

    /// The event whose date set the deciding bound (e.g. the withdrawal taking effect).
    async fn decided_by(&self) -> Option<Event> {
        let r = self.g.relation(self.edge()?);
        let b = match self.status {
            Status::Holds(_) | Status::Ended(_) => r.valid_until,
            Status::NotYet(_) => r.valid_from,
            Status::NoRelation => None,
        }?;
        match b.origin {
            BoundOrigin::Event(ix) => Some(Event(NodeRef {
                g: self.g.clone(),
                ix,
            })),
            BoundOrigin::Given => None,
        }
    }

    /// The quotes behind the deciding relation and, if any, the event that bounds it.
    async fn evidence(&self) -> Vec<Evidence> {
        let Some(e) = self.edge() else {
            return vec![];
        };
        let r = self.g.relation(e);
        let mut out: Vec<graph::Evidence> = self.g.evidence(e).to_vec();
        for b in [r.valid_from, r.valid_until].into_iter().flatten() {
            if let BoundOrigin::Event(ix) = b.origin
                && let Some(ev) = self.g.node(ix).event()
            {
                out.extend(ev.evidence.iter().cloned());
            }
        }
        let mut seen = std::collections::HashSet::new();
        out.retain(|e| seen.insert((e.source, self.g.quote(e).to_string())));
        out.iter().map(|ev| Evidence::new(&self.g, ev)).collect()
    }
}

impl RelationStatus {
    /// `from`'s `rel` relation to `to` on `on`.
    pub(super) fn new(
        g: &Arc<Graph>,
        from: NodeIndex,
        rel: graph::RelationType,
        to: NodeIndex,
        on: chrono::NaiveDate,
    ) -> Self {
        RelationStatus {
            g: g.clone(),
            from,
            rel,
            to,
            on,
            status: g.status(from, rel, to, on),
        }
    }

    pub(super) fn holds_on_day(&self) -> bool {
        matches!(self.status, Status::Holds(_))
    }

    pub(super) fn on(&self) -> chrono::NaiveDate {
        self.on
    }

    /// The answer in words (`explanation`).
    pub(super) fn explain(&self) -> String {
        let (from, to) = (&self.g.node(self.from).name, &self.g.node(self.to).name);
        let rel = self.rel.as_str();
        let on = self.on.format("%Y-%m-%d");
        match self.status {
            Status::NoRelation => format!("no {rel} relation from {from} to {to} is recorded"),
            Status::Holds(e) => {
                let r = self.g.relation(e);
                let until = r
                    .valid_until
                    .map_or("with no recorded end".to_string(), |b| {
                        format!("up to, not including, {}", self.bound_text(b))
                    });
                format!("{from} {rel} {to} holds on {on}: it is valid {until}")
            }
            Status::Ended(e) => {
                let b = self
                    .g
                    .relation(e)
                    .valid_until
                    .map(|b| self.bound_text(b))
                    .unwrap_or_default();
                format!("{from} {rel} {to} does not hold on {on}: it ended on {b}")
            }
            Status::NotYet(e) => {
                let b = self
                    .g
                    .relation(e)
                    .valid_from
                    .map(|b| self.bound_text(b))
                    .unwrap_or_default();
                format!("{from} {rel} {to} does not hold on {on}: it starts on {b}")
            }
        }
    }
}

/// The width of a time-line group.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Granularity {
    /// One group per day.
    Day,
    /// One group per month.
    Month,
    /// One group per year.
    Year,
}

/// The events of one day, month or year.
#[derive(SimpleObject, Clone)]
pub struct TimelineGroup {
    /// The period: `2025-06-27`, `2025-06` or `2025`.
    pub period: String,
    /// Its first day.
    pub start: Date,
    /// Its last day.
    pub end: Date,
    /// How many events fall in it.
    pub count: usize,
    /// The events, oldest first.
    pub events: Vec<Event>,
}

/// A page of the time line's groups.
#[derive(SimpleObject, Clone)]
pub struct TimelineConnection {
    pub edges: Vec<TimelineEdge>,
    /// The groups of the edges, for clients that need no cursors.
    pub nodes: Vec<TimelineGroup>,
    pub page_info: PageInfo,
}

/// A group with its cursor (which stands for the group's last event).
#[derive(SimpleObject, Clone)]
pub struct TimelineEdge {
    pub cursor: String,
    pub node: TimelineGroup,
}

/// An entity with its centrality rank.
#[derive(SimpleObject, Clone)]
pub struct RankedEntity {
    /// 1 for the most central.
    pub rank: usize,
    /// The entity.
    pub entity: Entity,
    /// Its PageRank (all entities sum to 1).
    pub score: f64,
    /// Its number of relations.
    pub degree: usize,
}

/// Counts of one kind of entity.
#[derive(SimpleObject, Clone)]
pub struct KindStat {
    /// The kind.
    pub kind: EntityKind,
    /// How many entities are of it.
    pub count: usize,
}

/// Counts of one relation type.
#[derive(SimpleObject, Clone)]
pub struct RelationTypeStat {
    /// The type.
    #[graphql(name = "type")]
    pub rel_type: RelationType,
    /// How many relations are of it.
    pub count: usize,
}

/// Size and shape of the graph.
#[derive(Clone)]
pub struct GraphStats {
    g: Arc<Graph>,
}

#[Object]
impl GraphStats {
    /// How many entities no source supports (see `Query.unsourced`); 0 on a fully sourced
    /// graph.
    async fn unsourced(&self) -> usize {
        self.g.unsourced(0).1
    }

    /// Entities of all kinds.
    async fn node_count(&self) -> usize {
        self.g.node_count()
    }

    /// Relations of all types.
    async fn relation_count(&self) -> usize {
        self.g.relation_count()
    }

    /// Entities per kind, in kind order.
    async fn nodes_by_kind(&self) -> Vec<KindStat> {
        Kind::ALL
            .into_iter()
            .map(|k| KindStat {
                kind: k.into(),
                count: self.g.kind_count(k),
            })
            .filter(|s| s.count > 0)
            .collect()
    }

    /// Relations per type, in type order.
    async fn relations_by_type(&self) -> Vec<RelationTypeStat> {
        self.g
            .relation_type_counts()
            .into_iter()
            .map(|(t, count)| RelationTypeStat {
                rel_type: t.into(),
                count,
            })
            .collect()
    }

    /// The graph version the centrality scores (PageRank) were computed on. PageRank is
    /// recomputed in the background after writes, so it may trail the current version by a
    /// little; null while a big graph's first ranking runs (centrality reads 0 meanwhile).
    async fn centrality_version(&self) -> Option<u64> {
        let rank = self.g.rank();
        rank.ready.then_some(rank.version)
    }

    /// The largest number of relations at one entity.
    async fn max_degree(&self) -> usize {
        self.g.max_degree()
    }

    /// The mean number of relations at an entity.
    async fn mean_degree(&self) -> f64 {
        let n = self.g.node_count();
        if n == 0 {
            0.0
        } else {
            2.0 * self.g.relation_count() as f64 / n as f64
        }
    }

    /// The most central entities by PageRank (ties by id), optionally of some kinds.
    /// PageRank and its order are computed in the background, once per graph version; this
    /// reads the order, skipping entities of other kinds.
    async fn most_central(
        &self,
        #[graphql(desc = "How many (1 to 100; default 10).", default = 10)] limit: i32,
        #[graphql(desc = "Only entities of these kinds.")] kinds: Option<Vec<EntityKind>>,
    ) -> Result<Vec<RankedEntity>> {
        let first = in_range("limit", limit, 1, 100)?;
        charge(first)?;
        let kinds: Option<Vec<Kind>> = kinds.map(|k| k.into_iter().map(Kind::from).collect());
        Ok(self
            .g
            .by_centrality()
            .filter(|&ix| {
                kinds
                    .as_ref()
                    .is_none_or(|k| k.contains(&self.g.node(ix).kind))
            })
            .take(first)
            .enumerate()
            .map(|(i, ix)| RankedEntity {
                rank: i + 1,
                entity: entity(&self.g, ix),
                score: self.g.centrality(ix),
                degree: self.g.degree(ix),
            })
            .collect())
    }
}

/// Root fields for graph questions; merged into `Query`.
#[derive(Default)]
pub struct AnalysisQuery;

#[Object]
impl AnalysisQuery {
    /// The shortest connection between two entities, walking relations in either direction,
    /// each hop with its relation, direction and evidence. `found: false` with a reason when
    /// there is none within `maxHops`. Breadth-first: O(V + E) at worst.
    #[allow(clippy::too_many_arguments)]
    async fn path(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where the connection starts.")] from: ID,
        #[graphql(desc = "Where it ends.")] to: ID,
        #[graphql(
            desc = "Longest connection to look for (1 to 8; default 4).",
            default_with = "DEFAULT_HOPS"
        )]
        max_hops: i32,
        #[graphql(desc = "Only walk relations of these types.")] relation_types: Option<
            Vec<RelationType>,
        >,
        #[graphql(desc = "Only walk relations valid on this date.")] as_of: Option<Date>,
    ) -> Result<PathResult> {
        let g = &graph(ctx)?;
        let (a, b, hops) = endpoints(g, &from, &to, max_hops)?;
        let filter = filter(relation_types, as_of);
        let path = {
            let g = g.clone();
            heavy(ctx, move || g.shortest_path(a, b, hops, &filter)).await?
        };
        charge(path.as_ref().map_or(0, |p| p.len() + 1))?;
        Ok(PathResult {
            found: path.is_some(),
            reason: path.is_none().then(|| no_connection(hops)),
            path: path.map(|path| Path { g: g.clone(), path }),
        })
    }

    /// The k shortest distinct connections between two entities (Yen's algorithm), shortest
    /// first. O(k · hops · (V + E)) at worst.
    #[allow(clippy::too_many_arguments)]
    async fn paths(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where the connections start.")] from: ID,
        #[graphql(desc = "Where they end.")] to: ID,
        #[graphql(
            desc = "Longest connection to look for (1 to 8; default 4).",
            default_with = "DEFAULT_HOPS"
        )]
        max_hops: i32,
        #[graphql(desc = "Only walk relations of these types.")] relation_types: Option<
            Vec<RelationType>,
        >,
        #[graphql(desc = "Only walk relations valid on this date.")] as_of: Option<Date>,
        #[graphql(desc = "How many connections (1 to 10; default 3).", default = 3)] limit: i32,
    ) -> Result<PathsResult> {
        let g = &graph(ctx)?;
        let (a, b, hops) = endpoints(g, &from, &to, max_hops)?;
        let k = in_range("limit", limit, 1, MAX_PATHS)?;
        let filter = filter(relation_types, as_of);
        let paths = {
            let g = g.clone();
            heavy(ctx, move || g.k_shortest_paths(a, b, k, hops, &filter)).await?
        };
        charge(paths.iter().map(|p| p.len() + 1).sum())?;
        Ok(PathsResult {
            found: !paths.is_empty(),
            reason: paths.is_empty().then(|| no_connection(hops)),
            paths: paths
                .into_iter()
                .map(|path| Path { g: g.clone(), path })
                .collect(),
        })
    }

    /// The entities within `depth` hops of one entity and the relations among them, as
    /// `{ nodes, edges { source target } }`. `truncated` says when `limit` cut it short.
    /// O(nodes + their relations).
    #[allow(clippy::too_many_arguments)]
    async fn neighborhood(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entity at the centre.")] id: ID,
        #[graphql(
            desc = "How many hops out (1 to 3; default 1).",
            default_with = "DEFAULT_DEPTH"
        )]
        depth: i32,
        #[graphql(desc = "Only walk relations of these types.")] relation_types: Option<
            Vec<RelationType>,
        >,
        #[graphql(
            desc = "Only include (and walk through) entities of these kinds; the centre is always included."
        )]
        kinds: Option<Vec<EntityKind>>,
        #[graphql(desc = "Only walk relations valid on this date.")] as_of: Option<Date>,
        #[graphql(
            desc = "Most entities to include, the centre counted (1 to 1000; default 100).",
            default_with = "DEFAULT_NEIGHBORHOOD"
        )]
        limit: i32,
    ) -> Result<Neighborhood> {
        let g = &graph(ctx)?;
        let center = lookup(g, "id", &id)?;
        let depth = in_range("depth", depth, 1, MAX_DEPTH)?;
        let limit = in_range("limit", limit, 1, MAX_NEIGHBORHOOD)?;
        let kinds: Option<Vec<Kind>> = kinds.map(|k| k.into_iter().map(Kind::from).collect());
        let filter = filter(relation_types, as_of);
        let sub = {
            let g = g.clone();
            heavy(ctx, move || {
                g.neighborhood(center, depth, &filter, kinds.as_deref(), limit)
            })
            .await?
        };
        charge(sub.nodes.len() + sub.edges.len())?;
        Ok(Neighborhood {
            g: g.clone(),
            center,
            sub,
        })
    }

    /// Whether `from TYPE to` holds on a date ("is Estonia a party to the Ottawa Convention on
    /// 2025-12-27?"), with the relation, the event and the rule that decided it. O(degree).
    async fn relation_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The relation's start, e.g. `state/estonia`.")] from: ID,
        #[graphql(name = "type", desc = "The relation type, e.g. PARTY_TO.")]
        rel_type: RelationType,
        #[graphql(desc = "The relation's end, e.g. `treaty/ottawa-convention`.")] to: ID,
        #[graphql(desc = "The day asked about.")] as_of: Date,
    ) -> Result<RelationStatus> {
        let g = &graph(ctx)?;
        let (a, b) = (lookup(g, "from", &from)?, lookup(g, "to", &to)?);
        let rel: graph::RelationType = rel_type.into();
        Ok(RelationStatus::new(g, a, rel, b, as_of.0))
    }

    /// The time line grouped by day, month or year, oldest first; empty periods are left out.
    /// The filters are those of `events`. Paginated by groups (forward: `first`, `after`);
    /// a page costs the events of its groups, wherever it starts.
    #[allow(clippy::too_many_arguments)]
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The width of a group.")] group_by: Granularity,
        #[graphql(desc = "Only events on or after this date.")] from: Option<Date>,
        #[graphql(desc = "Only events on or before this date.")] to: Option<Date>,
        #[graphql(desc = "Only events this entity takes part in.")] involving: Option<ID>,
        #[graphql(desc = "Only events of these kinds.")] event_kinds: Option<Vec<EventKind>>,
        #[graphql(desc = "How many groups (at most 100; default 20).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
    ) -> Result<TimelineConnection> {
        let g = &graph(ctx)?;
        let page = timeline_page(g, group_by, from, to, involving, event_kinds, first, after)?;
        let edges: Vec<TimelineEdge> = page
            .groups
            .into_iter()
            .map(|group| TimelineEdge {
                cursor: group.cursor(g),
                node: TimelineGroup {
                    period: group.period,
                    start: Date(group.start),
                    end: Date(group.end),
                    count: group.events.len(),
                    events: group
                        .events
                        .into_iter()
                        .map(|ix| Event(NodeRef { g: g.clone(), ix }))
                        .collect(),
                },
            })
            .collect();
        Ok(TimelineConnection {
            nodes: edges.iter().map(|e| e.node.clone()).collect(),
            page_info: PageInfo {
                has_next_page: page.has_next_page,
                has_previous_page: false,
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            edges,
        })
    }

    /// The entities no source supports: no relation and no sourced statement (an editor's
    /// list to work down: cite them, or remove them). Ordered by kind, then id. Costs the
    /// entities without relations, which the degree orders list first.
    async fn unsourced(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "At most this many (default 100, at most 1000).")] limit: Option<i32>,
    ) -> Result<Vec<Entity>> {
        let limit = in_range("limit", limit.unwrap_or(100), 0, 1000)?;
        let g = graph(ctx)?.clone();
        let (list, _) = g.unsourced(limit);
        charge(list.len())?;
        Ok(list.into_iter().map(|ix| entity(&g, ix)).collect())
    }

    /// Size, shape and the most central entities of the graph. Counts are kept by the writes
    /// (O(1) or O(kinds)), the largest degree is read from the degree orders, centrality is
    /// precomputed per graph version in the background.
    async fn stats(&self, ctx: &Context<'_>) -> Result<GraphStats> {
        Ok(GraphStats {
            g: graph(ctx)?.clone(),
        })
    }
}

/// Whether a date of `precision` is less precise than groups of `by`.
/// One page of the time line's groups: each group's period, its first and last day, its
/// events (oldest first), and whether more groups follow.
pub(super) struct TimelinePage {
    pub groups: Vec<Group>,
    pub has_next_page: bool,
}

pub(super) struct Group {
    pub period: String,
    key: graph::FuzzyDate,
    pub start: chrono::NaiveDate,
    pub end: chrono::NaiveDate,
    pub events: Vec<NodeIndex>,
}

impl Group {
    /// The group's cursor: it stands for the group's last event.
    pub fn cursor(&self, g: &Graph) -> String {
        let last = *self.events.last().expect("a group has an event");
        encode_cursor(&super::listing::encode_date_key(&g.event_key(last)))
    }
}

/// The page of `timeline`'s groups its arguments ask for (see the resolver).
#[allow(clippy::too_many_arguments)]
pub(super) fn timeline_page(
    g: &Arc<Graph>,
    group_by: Granularity,
    from: Option<Date>,
    to: Option<Date>,
    involving: Option<ID>,
    event_kinds: Option<Vec<EventKind>>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<TimelinePage, ApiError> {
    let (size, after) = super::pagination::forward(first, after.as_deref())?;
    let after = after.map(|k| super::listing::date_key(&k));
    let events = super::query::events_after(g, from, to, involving, event_kinds, None, after)?;
    let mut groups: Vec<Group> = vec![];
    let mut has_next_page = false;
    for ix in events {
        let Some(ev) = g.node(ix).event() else {
            continue;
        };
        // An event known only to a month (or year) is grouped by that period even when
        // grouping by day: it gets no made-up day. Groups are told apart by their period as a
        // date and a precision; its label is written once per group.
        let precision = if coarser(ev.date.precision, group_by) {
            ev.date.precision
        } else {
            match group_by {
                Granularity::Day => graph::Precision::Day,
                Granularity::Month => graph::Precision::Month,
                Granularity::Year => graph::Precision::Year,
            }
        };
        let period = graph::FuzzyDate {
            date: period_start(ev.date.date, precision),
            precision,
        };
        let full = groups.len() == size;
        match groups.last_mut() {
            Some(last) if last.key == period => last.events.push(ix),
            // The first event of a group past the page: there is a next page.
            _ if full => {
                has_next_page = true;
                break;
            }
            _ => groups.push(Group {
                period: period.to_string(),
                start: period.date,
                end: period.last_day(),
                key: period,
                events: vec![ix],
            }),
        }
        charge(1)?;
    }
    Ok(TimelinePage {
        groups,
        has_next_page,
    })
}

fn coarser(precision: graph::Precision, by: Granularity) -> bool {
    let rank = |p: graph::Precision| match p {
        graph::Precision::Day => 0,
        graph::Precision::Month => 1,
        graph::Precision::Year => 2,
    };
    let group = match by {
        Granularity::Day => 0,
        Granularity::Month => 1,
        Granularity::Year => 2,
    };
    rank(precision) > group
}

pub(super) fn no_connection(hops: usize) -> String {
    format!(
        "no connection within {hops} hop{}",
        if hops == 1 { "" } else { "s" }
    )
}

/// The first day of the period of `precision` that holds `d`.
fn period_start(d: chrono::NaiveDate, precision: graph::Precision) -> chrono::NaiveDate {
    match precision {
        graph::Precision::Day => d,
        graph::Precision::Month => d.with_day(1).unwrap_or(d),
        graph::Precision::Year => d.with_day(1).and_then(|x| x.with_month(1)).unwrap_or(d),
    }
}

use chrono::Datelike;
