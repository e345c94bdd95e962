//! The query root: thin resolvers that check arguments and delegate to the graph.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};

use super::error::ApiError;
use super::pagination::{EntityConnection, EventConnection, PageArgs, PageInfo};
use super::scalars::Date;
use super::types::{Entity, EntityKind, Node, Relation, entity, event_connection};
use crate::graph::{self, Graph, Kind};

/// Longest search query accepted, in characters.
pub const MAX_SEARCH_LEN: usize = 200;
/// Most ids `nodes(ids:)` takes at once.
pub const MAX_IDS: usize = 100;

/// The graph version this request reads; put in the request data by the HTTP layer.
pub fn graph<'a>(ctx: &Context<'a>) -> Result<&'a Arc<Graph>> {
    ctx.data::<Arc<Graph>>()
}

/// Null for the field plus a NOT_FOUND error, as the GraphQL spec has it for a nullable field.
/// (Returning `Err` would null the whole parent: async-graphql propagates resolver errors.)
fn not_found<T>(ctx: &Context<'_>, id: &str) -> Option<T> {
    let err: async_graphql::Error = ApiError::not_found(id).into();
    ctx.add_error(ctx.set_error_path(err.into_server_error(ctx.item.pos)));
    None
}

fn node_by_id(g: &Arc<Graph>, id: &str) -> Option<Node> {
    if let Some(ix) = g.lookup(id) {
        return Some(entity(g, ix).into());
    }
    g.lookup_relation(id)
        .map(|edge| Node::Relation(Relation { g: g.clone(), edge }))
}

/// The entry points for reading the graph.
pub struct QueryRoot;

#[Object(name = "Query")]
impl QueryRoot {
    /// Fetches any entity or relation by its id. A NOT_FOUND error (and null) if there is none.
    /// O(1).
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An entity or relation id.")] id: ID,
    ) -> Result<Option<Node>> {
        let g = graph(ctx)?;
        Ok(node_by_id(g, &id).or_else(|| not_found(ctx, &id)))
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
        let g = graph(ctx)?;
        Ok(ids.iter().map(|id| node_by_id(g, id)).collect())
    }

    /// Fetches one entity by id (`state/estonia`, `person/margus-tsahkna`, ...). A NOT_FOUND
    /// error (and null) if there is none. O(1).
    async fn entity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entity's id.")] id: ID,
    ) -> Result<Option<Entity>> {
        let g = graph(ctx)?;
        Ok(g.lookup(&id)
            .map(|ix| entity(g, ix))
            .or_else(|| not_found(ctx, &id)))
    }

    /// Fetches one relation by id (`from:TYPE:to` unless the data names it). NOT_FOUND if
    /// there is none. O(1).
    async fn relation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The relation's id.")] id: ID,
    ) -> Result<Option<Relation>> {
        let g = graph(ctx)?;
        Ok(g.lookup_relation(&id)
            .map(|edge| Relation { g: g.clone(), edge })
            .or_else(|| not_found(ctx, &id)))
    }

    /// All entities, or those of one kind, ordered by id. O(page · log n).
    async fn entities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only entities of this kind.")] kind: Option<EntityKind>,
        #[graphql(desc = "Page size from the start (at most 100; default 20).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<EntityConnection> {
        let g = graph(ctx)?;
        let all = g.nodes_sorted(kind.map(Kind::from));
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .apply(all, |&ix| g.node(ix).id.to_string())?;
        Ok(EntityConnection::from_page(page, |ix| entity(g, ix)))
    }

    /// The time line: events oldest first (ties by id), optionally within `[from, to]` (an
    /// event known only to a month or year is included when its period overlaps the range)
    /// and involving one entity. O(events · log events) at most.
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
        #[graphql(desc = "Page size from the start (at most 100; default 20).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Page size from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<EventConnection> {
        let g = graph(ctx)?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(
                ApiError::bad_input(format!("`from` ({}) is after `to` ({})", f.0, t.0)).into(),
            );
        }
        let involving = match involving {
            None => None,
            Some(id) => Some(g.lookup(&id).ok_or_else(|| ApiError::not_found(&id))?),
        };
        let events = g.timeline(from.map(|d| d.0), to.map(|d| d.0), involving);
        event_connection(
            g,
            &events,
            PageArgs {
                first,
                after,
                last,
                before,
            },
        )
    }

    /// Finds entities by name or alias, best match first: exact name, exact alias, prefix,
    /// all words, word prefixes, substring, then typo-tolerant matches. Case-, accent- and
    /// script-insensitive (`tsahkna`, `TSAKHNA`, `Norvège`). Ties are ordered by name, then id.
    /// O(names) per query.
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
        let g = graph(ctx)?;
        let len = query.chars().count();
        if len > MAX_SEARCH_LEN {
            return Err(ApiError::bad_input(format!(
                "`query` is {len} characters long; the limit is {MAX_SEARCH_LEN}"
            ))
            .into());
        }
        if graph::normalize(&query).is_empty() {
            return Err(
                ApiError::bad_input("`query` must contain at least one letter or digit").into(),
            );
        }
        let kinds: Option<Vec<Kind>> = kinds.map(|k| k.into_iter().map(Kind::from).collect());
        let hits: Vec<(usize, graph::SearchHit)> = g
            .search(&query, kinds.as_deref())
            .into_iter()
            .enumerate()
            .collect();
        // Results are deterministic for a graph version, so the rank is a stable key.
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .apply(&hits, |(rank, _)| format!("{rank:010}"))?;
        let edges: Vec<SearchEdge> = page
            .items
            .into_iter()
            .map(|(cursor, (_, hit))| SearchEdge {
                cursor,
                node: entity(g, hit.node),
                score: hit.score,
                matched_on: match hit.matched_on {
                    graph::MatchedOn::Name => MatchedOn::Name,
                    graph::MatchedOn::Alias => MatchedOn::Alias,
                },
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

/// Which text of an entity a search matched.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MatchedOn {
    /// The entity's name.
    Name,
    /// One of its aliases.
    Alias,
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
