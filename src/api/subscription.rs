//! The subscription root: the change feed over WebSocket (`graphql-transport-ws`). Each event
//! is one published write, answered from the graph version that write produced.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result, Subscription};
use futures_util::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

use super::analysis::MAX_DEPTH;
use super::error::ApiError;
use super::types::{Entity, entity};
use crate::graph::{Graph, TraversalFilter};
use crate::store::{ChangeEvent, Store};

/// One write to the graph, as published.
#[derive(Clone)]
pub struct GraphChange {
    g: Arc<Graph>,
    event: ChangeEvent,
}

#[Object]
impl GraphChange {
    /// The graph version the write produced; versions increase by one per write.
    async fn version(&self) -> u64 {
        self.event.version
    }

    /// The write's operations in order (`add_entity`, `update_relation`, `merge_entities`, ...).
    async fn operations(&self) -> Vec<&'static str> {
        self.event.ops.clone()
    }

    /// Ids of the entities (and events, sources) the write added, changed or removed, or whose
    /// relations it changed.
    async fn entity_ids(&self) -> Vec<ID> {
        self.event
            .touched
            .nodes
            .iter()
            .map(|s| ID(s.clone()))
            .collect()
    }

    /// Ids of the relations it added, changed or removed.
    async fn relation_ids(&self) -> Vec<ID> {
        self.event
            .touched
            .relations
            .iter()
            .map(|s| ID(s.clone()))
            .collect()
    }

    /// The touched entities as they are after the write (removed ones are left out).
    async fn entities(&self) -> Vec<Entity> {
        self.event
            .touched
            .nodes
            .iter()
            .filter_map(|id| self.g.lookup(id))
            .map(|ix| entity(&self.g, ix))
            .collect()
    }
}

/// The live feeds.
#[derive(Default)]
pub struct SubscriptionRoot;

fn feed(ctx: &Context<'_>) -> Result<(Arc<Store>, BroadcastStream<ChangeEvent>), ApiError> {
    let store = ctx
        .data::<Arc<Store>>()
        .map_err(|_| ApiError::Internal("no store in the schema data".into()))?
        .clone();
    let rx = store.subscribe();
    Ok((store, BroadcastStream::new(rx)))
}

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Every write to the graph, as it is published.
    async fn graph_changes(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = GraphChange>> {
        let (_, rx) = feed(ctx)?;
        Ok(rx.filter_map(move |item| {
            async move {
                match item {
                    Ok(event) => Some(GraphChange {
                        g: event.graph.clone(),
                        event,
                    }),
                    Err(e) => {
                        // A subscriber too slow to keep up misses events rather than stall writes.
                        tracing::warn!(error = %e, "a change-feed subscriber fell behind");
                        None
                    }
                }
            }
        }))
    }

    /// Writes that concern one entity: it or, with `depth`, anything within that many hops of
    /// it (after the write) was added, changed or removed.
    async fn entity_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entity to watch.")] id: ID,
        #[graphql(
            desc = "Also watch entities this many hops away (0 to 3; default 0).",
            default = 0
        )]
        depth: i32,
    ) -> Result<impl Stream<Item = GraphChange>> {
        if !(0..=MAX_DEPTH).contains(&depth) {
            return Err(ApiError::bad_input(format!(
                "`depth` must be between 0 and {MAX_DEPTH}, got {depth}"
            ))
            .into());
        }
        let (store, rx) = feed(ctx)?;
        if store.graph().lookup(&id).is_none() {
            return Err(ApiError::not_found("entity", &id).into());
        }
        let watched = id.0;
        Ok(rx.filter_map(move |item| {
            let watched = watched.clone();
            async move {
                let event = item.ok()?;
                let g = event.graph.clone();
                let near = event.touched.nodes.contains(&watched)
                    || (depth > 0
                        && g.lookup(&watched).is_some_and(|c| {
                            g.neighborhood(
                                c,
                                depth as usize,
                                &TraversalFilter::default(),
                                None,
                                10_000,
                            )
                            .nodes
                            .iter()
                            .any(|&ix| event.touched.nodes.contains(g.node(ix).id.as_str()))
                        }));
                near.then_some(GraphChange { g, event })
            }
        }))
    }
}
