//! The query root: thin resolvers that check arguments and delegate to the graph.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, MergedObject, Object, Result, SimpleObject};
use petgraph::stable_graph::NodeIndex;

use super::error::ApiError;
use super::offload::heavy;
use super::pagination::{
    DEFAULT_PAGE, EntityConnection, EventConnection, KEY_SEP, Page, PageArgs, PageInfo, Whole,
    encode_cursor,
};
use super::scalars::Date;
use super::types::{
    Entity, EntityKind, EventKind, Evidence, Node, Relation, RelationDirection, RelationType,
    entity, event_connection,
};
use crate::graph::{self, Graph, Kind};

/// Longest search query accepted, in characters.
pub const MAX_SEARCH_LEN: usize = 200;
/// Most ids `nodes(ids:)` takes at once.
pub const MAX_IDS: usize = 100;

/// The graph version this request reads: the one the HTTP layer put in the request data, or,
/// for operations over the WebSocket (which have no per-request data), the store's current one.
pub fn graph(ctx: &Context<'_>) -> Result<Arc<Graph>> {
    if let Some(g) = ctx.data_opt::<Arc<Graph>>() {
        return Ok(g.clone());
    }
    match ctx.data_opt::<Arc<crate::store::Store>>() {
        Some(store) => Ok(store.graph()),
        None => Err(ApiError::Internal("no graph in the request data".into()).into()),
    }
}

/// Null for the field plus a NOT_FOUND error, as the GraphQL spec has it for a nullable field.
/// (Returning `Err` would null the whole parent: async-graphql propagates resolver errors.)
fn not_found<T>(ctx: &Context<'_>, what: &str, id: &str) -> Option<T> {
    let err: async_graphql::Error = ApiError::not_found(what, id).into();
    ctx.add_error(ctx.set_error_path(err.into_server_error(ctx.item.pos)));
    None
}

/// Checks a search query: 1 to 200 characters with at least one letter or digit.
pub(crate) fn check_query(query: &str) -> Result<(), ApiError> {
    let len = query.chars().count();
    if len > MAX_SEARCH_LEN {
        return Err(ApiError::bad_input(format!(
            "`query` is {len} characters long; the limit is {MAX_SEARCH_LEN}"
        )));
    }
    if graph::normalize(query).is_empty() {
        return Err(ApiError::bad_input(
            "`query` must contain at least one letter or digit",
        ));
    }
    Ok(())
}

/// Checks an optional `text` filter like a search query.
fn check_text(text: Option<String>) -> Result<Option<String>, ApiError> {
    match text {
        Some(t) => {
            check_query(&t).map_err(|e| match e {
                ApiError::BadInput(m) => ApiError::BadInput(m.replace("`query`", "`text`")),
                other => other,
            })?;
            Ok(Some(t))
        }
        None => Ok(None),
    }
}

/// The events matching the `events` filters, oldest first.
pub(super) fn filtered_events(
    g: &Arc<Graph>,
    from: Option<Date>,
    to: Option<Date>,
    involving: Option<ID>,
    kinds: Option<Vec<EventKind>>,
    text: Option<String>,
) -> Result<Vec<NodeIndex>, ApiError> {
    Ok(events_after(g, from, to, involving, kinds, text, None)?.collect())
}

/// The events the filters keep, in time-line order, after the time-line key `after` (from the
/// start when `None`). Lazy: a caller that stops early pays for what it read.
pub(super) fn events_after<'g>(
    g: &'g Arc<Graph>,
    from: Option<Date>,
    to: Option<Date>,
    involving: Option<ID>,
    kinds: Option<Vec<EventKind>>,
    text: Option<String>,
    after: Option<graph::DateKey>,
) -> Result<Box<dyn Iterator<Item = NodeIndex> + 'g>, ApiError> {
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(ApiError::bad_input(format!(
            "`from` ({}) is after `to` ({})",
            f.0, t.0
        )));
    }
    let involving = match involving {
        None => None,
        Some(id) => Some(
            g.lookup(&id)
                .ok_or_else(|| ApiError::not_found("entity", &id))?,
        ),
    };
    let kinds: Option<Vec<graph::EventKind>> =
        kinds.map(|k| k.into_iter().map(Into::into).collect());
    let (from, to) = (from.map(|d| d.0), to.map(|d| d.0));
    let matcher = text.map(|t| g.text_matcher(&t));
    let keep = move |ix: &NodeIndex| {
        let Some(e) = g.node(*ix).event() else {
            return false;
        };
        kinds.as_ref().is_none_or(|k| k.contains(&e.kind))
            && matcher.as_ref().is_none_or(|m| m(*ix))
            && from.is_none_or(|f| e.date.last_day() >= f)
            && to.is_none_or(|t| e.date.date <= t)
    };
    let cursor = after.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
    Ok(match involving {
        Some(ix) => {
            let events = g.events_of(ix);
            let start = match &cursor {
                std::ops::Bound::Excluded(k) => events.partition_point(|e| g.event_key(*e) <= *k),
                _ => 0,
            };
            Box::new(events.into_iter().skip(start).filter(keep))
        }
        None => Box::new(g.events_in(from, to, cursor, false).filter(keep)),
    })
}

/// The sort key of an entity for an order: string order equals list order.
fn entity_key(g: &Graph, ix: NodeIndex, field: EntityOrderField) -> String {
    let n = g.node(ix);
    match field {
        EntityOrderField::Id => n.id.to_string(),
        EntityOrderField::Name => format!("{}{KEY_SEP}{}", graph::normalize(&n.name), n.id),
        EntityOrderField::Degree => format!("{:012}{KEY_SEP}{}", g.degree(ix), n.id),
        // Scores are in [0, 1]: fixed-point digits sort like the numbers.
        EntityOrderField::Centrality => format!("{:.15}{KEY_SEP}{}", g.centrality(ix), n.id),
    }
}

fn node_by_id(g: &Arc<Graph>, id: &str) -> Option<Node> {
    if let Some(ix) = g.lookup(id) {
        return Some(entity(g, ix).into());
    }
    g.lookup_relation(id)
        .map(|edge| Node::Relation(Relation { g: g.clone(), edge }))
}

/// The entry points for reading the graph.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    ReadQuery,
    super::analysis::AnalysisQuery,
    super::history::HistoryQuery,
);

/// Lookups, listings and search; merged into `Query`.
#[derive(Default)]
pub struct ReadQuery;

#[Object]
impl ReadQuery {
    /// Fetches any entity or relation by its id. A NOT_FOUND error (and null) if there is none.
    /// O(1).
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An entity or relation id.")] id: ID,
    ) -> Result<Option<Node>> {
        let g = &graph(ctx)?;
        Ok(node_by_id(g, &id).or_else(|| not_found(ctx, "node or relation", &id)))
    }

    /// Fetches several entities or relations by id, in the order given; null for an id that
    /// names nothing (as Relay expects). At most 100 ids. O(ids).
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Entity or relation ids (at most 100).")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        if ids.len() > MAX_IDS {
            return Err(ApiError::bad_input(format!(
                "`ids` takes at most {MAX_IDS} ids, got {}",
                ids.len()
            ))
            .into());
        }
        let g = &graph(ctx)?;
        Ok(ids.iter().map(|id| node_by_id(g, id)).collect())
    }

    /// Fetches one entity by id (`state/estonia`, `person/margus-tsahkna`, ...). A NOT_FOUND
    /// error (and null) if there is none. O(1).
    async fn entity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entity's id.")] id: ID,
    ) -> Result<Option<Entity>> {
        let g = &graph(ctx)?;
        Ok(g.lookup(&id)
            .map(|ix| entity(g, ix))
            .or_else(|| not_found(ctx, "entity", &id)))
    }

    /// Fetches one relation by id (`from:TYPE:to` unless the data names it). NOT_FOUND if
    /// there is none. O(1).
    async fn relation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The relation's id.")] id: ID,
    ) -> Result<Option<Relation>> {
        let g = &graph(ctx)?;
        Ok(g.lookup_relation(&id)
            .map(|edge| Relation { g: g.clone(), edge })
            .or_else(|| not_found(ctx, "relation", &id)))
    }

    /// Entities, filtered and sorted (by id unless `orderBy` says otherwise); cursors stay
    /// valid under any order. Every kind is listed, events and sources included (they are
    /// entities too), unless `kinds` is given. With `relatedTo`, only entities joined to that entity by a relation
    /// (of `relationTypes`, in `direction` seen from the listed entity, valid `asOf`).
    /// By kinds alone, in ID, NAME or DEGREE order, a page is a seek into orderings the graph
    /// keeps: O(page · log n). With `text`, `relatedTo` or CENTRALITY order the filtered list
    /// is sorted per request: O(m log m) for its m entities.
    #[allow(clippy::too_many_arguments)]
    async fn entities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only entities of these kinds (all kinds when not given).")] kinds: Option<
            Vec<EntityKind>,
        >,
        #[graphql(desc = "Only entities related to this entity.")] related_to: Option<ID>,
        #[graphql(desc = "With `relatedTo`: only relations of these types.")]
        relation_types: Option<Vec<RelationType>>,
        #[graphql(
            desc = "With `relatedTo`: OUTGOING if the listed entity is the relation's `from`, INCOMING if its `to`."
        )]
        direction: Option<RelationDirection>,
        #[graphql(desc = "With `relatedTo`: only relations valid on this date.")] as_of: Option<
            Date,
        >,
        #[graphql(
            desc = "Only entities whose name, aliases, labels or description contain these words (prefixes match)."
        )]
        text: Option<String>,
        #[graphql(desc = "The order; by id ascending if not given.")] order_by: Option<EntityOrder>,
        #[graphql(desc = "Page size from the start (at most 100; default 20).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<EntityConnection> {
        let g = &graph(ctx)?;
        let kinds_wanted: Option<Vec<Kind>> =
            kinds.map(|k| k.into_iter().map(Kind::from).collect());
        let text = check_text(text)?;
        let order = order_by.unwrap_or_default();
        let descending = order.direction == OrderDirection::Desc;
        let page_args = PageArgs {
            first,
            after,
            last,
            before,
        };
        if related_to.is_none() && text.is_none() && order.field != EntityOrderField::Centrality {
            // The graph keeps these orders: a page is a seek in each kind's ordering.
            let kinds = g.kinds_or_all(kinds_wanted.as_deref());
            let page = super::listing::entities_page(
                g,
                &kinds,
                order.field,
                descending,
                &page_args,
                true,
            )?;
            let counted = g.clone();
            let walked = g.clone();
            let (k1, k2) = (kinds.clone(), kinds);
            let all = Whole::Lazy {
                count: Arc::new(move || k1.iter().map(|&k| counted.kind_count(k)).sum()),
                items: Arc::new(move || walked.ids_in_order(Some(&k2)).collect()),
            };
            return Ok(EntityConnection::from_page(g, all, page, |ix| {
                entity(g, ix)
            }));
        }
        let mut items: Vec<NodeIndex> = match related_to {
            None => g.ids_in_order(kinds_wanted.as_deref()).collect(),
            Some(id) => {
                let center = g
                    .lookup(&id)
                    .ok_or_else(|| ApiError::not_found("entity", &id))?;
                let types: Option<Vec<graph::RelationType>> =
                    relation_types.map(|t| t.into_iter().map(Into::into).collect());
                // Seen from the centre, the listed entity's direction is reversed.
                let dir = direction.map(|d| match graph::Direction::from(d) {
                    graph::Direction::Outgoing => graph::Direction::Incoming,
                    graph::Direction::Incoming => graph::Direction::Outgoing,
                });
                let mut others: Vec<NodeIndex> = g
                    .relations_of(center, dir, types.as_deref())
                    .into_iter()
                    .filter(|v| as_of.is_none_or(|d| g.relation(v.edge).holds_on(d.0)))
                    .map(|v| v.other)
                    .collect();
                others.sort_by(|a, b| g.node(*a).id.cmp(&g.node(*b).id));
                others.dedup();
                others
            }
        };
        let matcher = text.as_deref().map(|t| g.text_matcher(t));
        items.retain(|&ix| {
            kinds_wanted
                .as_ref()
                .is_none_or(|k| k.contains(&g.node(ix).kind))
                && matcher.as_ref().is_none_or(|m| m(ix))
        });
        let key = |ix: &NodeIndex| entity_key(g, *ix, order.field);
        items.sort_by_cached_key(key);
        if descending {
            items.reverse();
        }
        let page = page_args.apply_ordered(&items, key, descending)?;
        Ok(EntityConnection::from_page(
            g,
            Whole::Items(Arc::new(items)),
            page,
            |ix| entity(g, ix),
        ))
    }

    /// The time line: events oldest first (ties by id; newest first with `orderBy`),
    /// optionally within `[from, to]` (an event known only to a month or year is included when
    /// its period overlaps the range), involving one entity, of some kinds, matching a text.
    /// Over the whole time line or a date range, a page is a seek: O(page · log n); with
    /// `involving`, `eventKinds` or `text`, O(events filtered).
    #[allow(clippy::too_many_arguments)]
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only events on or after this date.")] from: Option<Date>,
        #[graphql(desc = "Only events on or before this date.")] to: Option<Date>,
        #[graphql(
            desc = "Only events this entity takes part in (as actor, addressee or subject)."
        )]
        involving: Option<ID>,
        #[graphql(desc = "Only events of these kinds.")] event_kinds: Option<Vec<EventKind>>,
        #[graphql(
            desc = "Only events whose title, aliases, labels or description contain these words (prefixes match)."
        )]
        text: Option<String>,
        #[graphql(desc = "The order; oldest first if not given.")] order_by: Option<EventOrder>,
        #[graphql(desc = "Page size from the start (at most 100; default 20).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<EventConnection> {
        let g = &graph(ctx)?;
        let newest_first = order_by.is_some_and(|o| o.direction == OrderDirection::Desc);
        let page_args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let text = check_text(text)?;
        if involving.is_none() && event_kinds.is_none() && text.is_none() {
            // The time line is kept by date: a page is a seek, the range a bound on it.
            if let (Some(f), Some(t)) = (from, to)
                && f > t
            {
                return Err(ApiError::bad_input(format!(
                    "`from` ({}) is after `to` ({})",
                    f.0, t.0
                ))
                .into());
            }
            let (f, t) = (from.map(|d| d.0), to.map(|d| d.0));
            let page = super::listing::events_page(g, f, t, newest_first, &page_args, true)?;
            let whole = g.clone();
            let all = if f.is_none() && t.is_none() {
                let counted = g.clone();
                Whole::Lazy {
                    count: Arc::new(move || counted.event_count()),
                    items: Arc::new(move || {
                        whole
                            .events_in(None, None, std::ops::Bound::Unbounded, false)
                            .collect()
                    }),
                }
            } else {
                let counted = g.clone();
                Whole::Lazy {
                    count: Arc::new(move || counted.event_count_in(f, t)),
                    items: Arc::new(move || {
                        whole
                            .events_in(f, t, std::ops::Bound::Unbounded, false)
                            .collect()
                    }),
                }
            };
            return Ok(EventConnection::from_page(g, all, page, |ix| {
                super::types::Event(super::types::NodeRef { g: g.clone(), ix })
            }));
        }
        let mut events = filtered_events(g, from, to, involving, event_kinds, text)?;
        if newest_first {
            events.reverse();
        }
        event_connection(g, events, page_args, newest_first)
    }

    /// Finds quotes in the sources, and the events and relations each one supports: a phrase
    /// from an article finds what it is evidence for. Best matches first (the whole phrase,
    /// then all its words), then in order of the source text. O(quotes).
    async fn search_evidence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Words or a phrase to look for (1 to 200 characters).")] query: String,
        #[graphql(desc = "Page size from the start (at most 100; default 20).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<EvidenceSearchConnection> {
        let g = &graph(ctx)?;
        check_query(&query)?;
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .apply_ordered(
            &{
                let (g, query) = (g.clone(), query.clone());
                heavy(ctx, move || g.search_evidence(&query)).await?
            },
            // The ranking's order as text: score (inverted, so higher sorts first), then the
            // quote's source and place, so a cursor keeps its place across writes.
            |m| {
                format!(
                    "{}{KEY_SEP}{}{KEY_SEP}{:010}{KEY_SEP}{:010}",
                    score_key(m.score),
                    g.node(m.evidence.source).id,
                    m.evidence.start,
                    m.evidence.len
                )
            },
            false,
        )?;
        let edges: Vec<EvidenceSearchEdge> = page
            .items
            .into_iter()
            .map(|(cursor, m)| EvidenceSearchEdge {
                cursor,
                score: m.score,
                node: EvidenceMatch { g: g.clone(), m },
            })
            .collect();
        Ok(EvidenceSearchConnection {
            nodes: edges.iter().map(|e| e.node.clone()).collect(),
            edges,
            page_info: page.info,
            total_count: page.total,
        })
    }

    /// Finds entities by name, alias, label in another language, or (for events) a quote of
    /// their evidence, best match first: exact name, exact alias or label, prefix, all words,
    /// word prefixes, substring, typo-tolerant matches, then quotes. Case-, accent- and
    /// script-insensitive (`tsahkna`, `TSAKHNA`, `Norvege` finds `Norvège`, `Estoniya` finds
    /// `Естонія`). Ties are ordered by name, then id. Candidates come from a term index, so
    /// the cost follows how many nodes the words match, not the graph's size.
    #[allow(clippy::too_many_arguments)]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The text to look for (1 to 200 characters).")] query: String,
        #[graphql(desc = "Only entities of these kinds.")] kinds: Option<Vec<EntityKind>>,
        #[graphql(desc = "Page size from the start (at most 100; default 20).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<SearchConnection> {
        let g = &graph(ctx)?;
        check_query(&query)?;
        let kinds: Option<Vec<Kind>> = kinds.map(|k| k.into_iter().map(Kind::from).collect());
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let page = search_page(ctx, g, &query, kinds, &args).await?;
        let edges: Vec<SearchEdge> = page
            .items
            .into_iter()
            .map(|(cursor, hit)| SearchEdge {
                cursor,
                node: entity(g, hit.node),
                score: hit.score,
                matched_language: hit.matched_on.language().map(str::to_string),
                matched_on: MatchedOn::from(&hit.matched_on),
                matched_text: hit.matched_text,
            })
            .collect();
        Ok(SearchConnection {
            nodes: edges.iter().map(|e| e.node.clone()).collect(),
            edges,
            page_info: page.info,
            total_count: page.total,
        })
    }
}

/// A search hit's cursor key: its rank key as text whose string order is the ranking's (the
/// score inverted into fixed-width hex, so higher scores sort first; then name, then id).
fn rank_key_text(g: &Graph, hit: &graph::SearchHit) -> String {
    let n = g.node(hit.node);
    format!(
        "{}{KEY_SEP}{}{KEY_SEP}{}",
        score_key(hit.score),
        n.name,
        n.id
    )
}

/// A score (positive) as fixed-width text that sorts highest first: its bits, inverted.
fn score_key(score: f64) -> String {
    format!("{:016x}", u64::MAX - score.to_bits())
}

fn parse_rank_key(arg: &str, key: &str) -> Result<graph::RankKey, ApiError> {
    let bad = || ApiError::bad_input(format!("`{arg}` is not a cursor of this search"));
    let (score, rest) = key.split_at_checked(16).ok_or_else(bad)?;
    let inverted = u64::from_str_radix(score, 16).map_err(|_| bad())?;
    let (name, id) = rest
        .strip_prefix(KEY_SEP)
        .and_then(|r| r.rsplit_once(KEY_SEP))
        .ok_or_else(bad)?;
    Ok(graph::RankKey {
        // The inverse of `score_key`.
        score: f64::from_bits(u64::MAX - inverted),
        name: name.to_string(),
        id: id.to_string(),
    })
}

/// A page of search results whose cursors are rank keys, so a page boundary stays where it
/// was after writes: forward pages score the candidates and keep the best after the cursor
/// (no sort of the whole result); backward pages (`last`, `before`) cut the whole ranking.
async fn search_page(
    ctx: &Context<'_>,
    g: &Arc<Graph>,
    query: &str,
    kinds: Option<Vec<Kind>>,
    args: &PageArgs,
) -> Result<Page<graph::SearchHit>, ApiError> {
    let c = args.checked()?;
    if c.last.is_some() || c.before.is_some() {
        let all = {
            let (g, query) = (g.clone(), query.to_string());
            heavy(ctx, move || g.search(&query, kinds.as_deref())).await?
        };
        return args.apply_ordered(&all, |h| rank_key_text(g, h), false);
    }
    let (g, query, args) = (g.clone(), query.to_string(), args.clone());
    heavy(ctx, move || {
        search_first_page(&g, &query, kinds.as_deref(), &args, true)
    })
    .await?
}

/// A forward page of search results (`first`, `after`): the candidates scored, the best
/// after the cursor kept. `cursors`: whether to write them (a plan that selects none does
/// not). CPU-heavy: run it on the CPU pool.
pub(crate) fn search_first_page(
    g: &Graph,
    query: &str,
    kinds: Option<&[Kind]>,
    args: &PageArgs,
    cursors: bool,
) -> Result<Page<graph::SearchHit>, ApiError> {
    let c = args.checked()?;
    let size = c.first.unwrap_or(DEFAULT_PAGE);
    let after = c
        .after
        .as_deref()
        .map(|k| parse_rank_key("after", k))
        .transpose()?;
    let mut ranked = g.search_after(query, kinds, after.as_ref(), Some(size + 1));
    let more = ranked.hits.len() > size;
    ranked.hits.truncate(size);
    let items: Vec<(String, graph::SearchHit)> = ranked
        .hits
        .into_iter()
        .map(|h| {
            let cursor = if cursors {
                encode_cursor(&rank_key_text(g, &h))
            } else {
                String::new()
            };
            (cursor, h)
        })
        .collect();
    Ok(Page {
        info: PageInfo {
            has_next_page: more,
            has_previous_page: ranked.skipped > 0,
            start_cursor: items.first().map(|(c, _)| c.clone()),
            end_cursor: items.last().map(|(c, _)| c.clone()),
        },
        items,
        total: ranked.total,
    })
}

/// Which text of an entity a search matched.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MatchedOn {
    /// The entity's name.
    Name,
    /// One of its aliases.
    Alias,
    /// Its name in another language (see `matchedLanguage`).
    Label,
    /// A quote of its evidence (events only).
    Quote,
}

impl From<&graph::MatchedOn> for MatchedOn {
    fn from(m: &graph::MatchedOn) -> Self {
        match m {
            graph::MatchedOn::Name => MatchedOn::Name,
            graph::MatchedOn::Alias => MatchedOn::Alias,
            graph::MatchedOn::Label(_) => MatchedOn::Label,
            graph::MatchedOn::Quote => MatchedOn::Quote,
        }
    }
}

/// A search result.
#[derive(SimpleObject, Clone)]
pub struct SearchEdge {
    /// Opaque position of this result; pass it as `after` or `before`.
    pub cursor: String,
    /// The entity found.
    pub node: Entity,
    /// How well it matched, in (0, 1]; 1 is an exact name.
    pub score: f64,
    /// Which text matched.
    pub matched_on: MatchedOn,
    /// The text that matched, as written in the data.
    pub matched_text: String,
    /// The language of the label that matched, when `matchedOn` is LABEL.
    pub matched_language: Option<String>,
}

/// A page of search results, best first.
#[derive(SimpleObject, Clone)]
pub struct SearchConnection {
    /// The page's results with cursors, scores and what matched.
    pub edges: Vec<SearchEdge>,
    /// The page's entities, without cursors.
    pub nodes: Vec<Entity>,
    /// Where this page sits in the results.
    pub page_info: PageInfo,
    /// The number of results in all pages.
    pub total_count: usize,
}

/// Which way a list is sorted.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum OrderDirection {
    /// Smallest (or oldest) first.
    #[default]
    Asc,
    /// Largest (or newest) first.
    Desc,
}

/// What entities can be sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum EntityOrderField {
    /// The id.
    #[default]
    Id,
    /// The English name (case- and accent-insensitive), then the id.
    Name,
    /// The number of relations, then the id.
    Degree,
    /// PageRank, then the id.
    Centrality,
}

/// How to sort entities.
#[derive(InputObject, Copy, Clone, Debug, Default)]
pub struct EntityOrder {
    /// What to sort by.
    #[graphql(default)]
    pub field: EntityOrderField,
    /// Which way.
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// How to sort events (always by date, then id).
#[derive(InputObject, Copy, Clone, Debug, Default)]
pub struct EventOrder {
    /// Oldest first (ASC) or newest first (DESC).
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// A quote found by `searchEvidence`, with what it supports.
#[derive(Clone)]
pub struct EvidenceMatch {
    g: Arc<Graph>,
    m: graph::EvidenceMatch,
}

#[Object]
impl EvidenceMatch {
    /// The quote, its sentence and its source.
    async fn evidence(&self) -> Evidence {
        Evidence::new(&self.g, &self.m.evidence)
    }

    /// The events this quote is evidence for.
    async fn events(&self) -> Vec<super::types::Event> {
        self.m
            .events
            .iter()
            .map(|&ix| {
                super::types::Event(super::types::NodeRef {
                    g: self.g.clone(),
                    ix,
                })
            })
            .collect()
    }

    /// The relations this quote is evidence for (besides events' participants).
    async fn relations(&self) -> Vec<Relation> {
        self.m
            .relations
            .iter()
            .map(|&edge| Relation {
                g: self.g.clone(),
                edge,
            })
            .collect()
    }
}

/// A quote found by `searchEvidence`.
#[derive(SimpleObject, Clone)]
pub struct EvidenceSearchEdge {
    /// Opaque position of this result.
    pub cursor: String,
    /// The quote and what it supports.
    pub node: EvidenceMatch,
    /// How well it matched: 0.3 for the whole phrase, 0.25 for all its words.
    pub score: f64,
}

/// A page of quotes found by `searchEvidence`.
#[derive(SimpleObject, Clone)]
pub struct EvidenceSearchConnection {
    /// The page's results with cursors and scores.
    pub edges: Vec<EvidenceSearchEdge>,
    /// The page's results.
    pub nodes: Vec<EvidenceMatch>,
    /// Where this page sits in the results.
    pub page_info: PageInfo,
    /// The number of results in all pages.
    pub total_count: usize,
}
