//! Provenance in the API: the `Write` object, the `WriteConnection` of a record's `history`
//! and of `Query.writes`, and the `createdAt`/`createdBy`/`updatedAt`/`updatedBy` fields every
//! `Node` has (`types.rs` delegates them here). Everything is read from the store's
//! [`History`] as of the graph version the record comes from, so an answer never shows a
//! write newer than the graph it reads.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result, SimpleObject};

use super::error::ApiError;
use super::execute::charge;
use super::pagination::{PageInfo, encode_cursor, forward};
use super::scalars::DateTime;
use super::types::{NodeRef, Relation};
use crate::store::{History, Record, Store, WriteInfo, WritePage};

/// One accepted write: who made it, when, and what it touched.
#[derive(Clone)]
pub struct Write(Arc<WriteInfo>);

#[Object]
impl Write {
    /// The graph version the write produced (the `version` of its mutation's payload and of
    /// its `graphChanges` event).
    async fn version(&self) -> u64 {
        self.0.version
    }

    /// When the write was committed (UTC, to the millisecond); null for writes journaled
    /// before the server recorded it.
    async fn at(&self) -> Option<DateTime> {
        self.0.at.map(|t| DateTime(t.fixed_offset()))
    }

    /// The name of the write token it was made with; null for writes journaled before the
    /// server recorded it.
    async fn by(&self) -> Option<&str> {
        self.0.by.as_deref()
    }

    /// The `clientMutationId` the write was given, if any.
    async fn client_mutation_id(&self) -> Option<&str> {
        self.0.client_mutation_id.as_deref()
    }

    /// Its operations in order, named as in `graphChanges` (`add_entity`, `update_relation`,
    /// `merge_entities`, ...).
    async fn operations(&self) -> Result<Vec<&str>> {
        charge(self.0.ops.len())?;
        Ok(self.0.ops.iter().map(String::as_str).collect())
    }

    /// Ids of the entities and relations it added, changed or removed, or whose relations it
    /// changed (the mutation payload's `touchedIds`).
    async fn touched_ids(&self) -> Result<Vec<ID>> {
        let t = &self.0.touched;
        charge(t.nodes.len() + t.relations.len())?;
        Ok(t.nodes
            .iter()
            .chain(&t.relations)
            .map(|s| ID(s.clone()))
            .collect())
    }
}

/// A write in a list of writes, with its cursor.
#[derive(SimpleObject, Clone)]
pub struct WriteEdge {
    /// Opaque position of this write; pass it as `after`.
    pub cursor: String,
    /// The write.
    pub node: Write,
}

/// A page of writes, newest first.
#[derive(SimpleObject, Clone)]
pub struct WriteConnection {
    /// The page's writes with their cursors.
    pub edges: Vec<WriteEdge>,
    /// The page's writes, without cursors.
    pub nodes: Vec<Write>,
    /// Where this page sits in the list.
    pub page_info: PageInfo,
    /// The number of writes in the whole list (all pages). O(log n).
    pub total_count: usize,
}

impl WriteConnection {
    fn new(page: WritePage, total_count: usize) -> Result<Self, ApiError> {
        charge(page.writes.len())?;
        let edges: Vec<WriteEdge> = page
            .writes
            .into_iter()
            .map(|w| WriteEdge {
                cursor: encode_cursor(&w.version.to_string()),
                node: Write(w),
            })
            .collect();
        Ok(WriteConnection {
            nodes: edges.iter().map(|e| e.node.clone()).collect(),
            page_info: PageInfo {
                has_next_page: page.has_older,
                has_previous_page: page.has_newer,
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            edges,
            total_count,
        })
    }
}

/// `first` and `after` checked as every connection checks them; the cursor's version.
fn page(first: Option<i32>, after: Option<&str>) -> Result<(usize, Option<u64>), ApiError> {
    let (size, after) = forward(first, after)?;
    let after = after
        .map(|k| {
            k.parse::<u64>()
                .map_err(|_| ApiError::bad_input("`after` is not a cursor returned by this API"))
        })
        .transpose()?;
    Ok((size, after))
}

fn history(ctx: &Context<'_>) -> Result<Arc<History>, ApiError> {
    ctx.data::<Arc<Store>>()
        .map(|s| s.history())
        .map_err(|_| ApiError::Internal("no store in the schema data".into()))
}

/// A record whose provenance is asked about, as of the graph version it was read from.
pub(super) struct Subject {
    id: Arc<str>,
    relation: bool,
    version: u64,
}

impl Subject {
    fn record(&self) -> Record<'_> {
        if self.relation {
            Record::Relation(&self.id)
        } else {
            Record::Node(&self.id)
        }
    }
}

impl From<&NodeRef> for Subject {
    fn from(r: &NodeRef) -> Self {
        Subject {
            id: Arc::from(r.g.node(r.ix).id.as_str()),
            relation: false,
            version: r.g.version(),
        }
    }
}

impl From<&Relation> for Subject {
    fn from(r: &Relation) -> Self {
        Subject {
            id: r.g.relation_id(r.edge),
            relation: true,
            version: r.g.version(),
        }
    }
}

/// The write that created the record (the newest, if its id was deleted and created again).
fn created(ctx: &Context<'_>, s: Subject) -> Result<Option<Arc<WriteInfo>>, ApiError> {
    Ok(history(ctx)?.created(s.record(), s.version).cloned())
}

/// The newest write that touched the record.
fn updated(ctx: &Context<'_>, s: Subject) -> Result<Option<Arc<WriteInfo>>, ApiError> {
    Ok(history(ctx)?.updated(s.record(), s.version).cloned())
}

fn at(w: Option<Arc<WriteInfo>>) -> Option<DateTime> {
    w?.at.map(|t| DateTime(t.fixed_offset()))
}

fn by(w: Option<Arc<WriteInfo>>) -> Option<String> {
    w?.by.as_deref().map(str::to_string)
}

/// `createdAt` of a node or relation.
pub(super) fn created_at(ctx: &Context<'_>, s: impl Into<Subject>) -> Result<Option<DateTime>> {
    Ok(at(created(ctx, s.into())?))
}

/// `createdBy` of a node or relation.
pub(super) fn created_by(ctx: &Context<'_>, s: impl Into<Subject>) -> Result<Option<String>> {
    Ok(by(created(ctx, s.into())?))
}

/// `updatedAt` of a node or relation.
pub(super) fn updated_at(ctx: &Context<'_>, s: impl Into<Subject>) -> Result<Option<DateTime>> {
    Ok(at(updated(ctx, s.into())?))
}

/// `updatedBy` of a node or relation.
pub(super) fn updated_by(ctx: &Context<'_>, s: impl Into<Subject>) -> Result<Option<String>> {
    Ok(by(updated(ctx, s.into())?))
}

/// `history` of a node or relation: the writes that touched it, newest first.
pub(super) fn record_history(
    ctx: &Context<'_>,
    s: impl Into<Subject>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<WriteConnection> {
    let s = s.into();
    let (size, after) = page(first, after.as_deref())?;
    let h = history(ctx)?;
    let page = h.touching(s.record(), s.version, after, size);
    Ok(WriteConnection::new(
        page,
        h.count_touching(s.record(), s.version),
    )?)
}

/// The write log's root field.
#[derive(Default)]
pub struct HistoryQuery;

#[Object]
impl HistoryQuery {
    /// Every accepted write, newest first: who made it, when, and what it touched. A page
    /// costs O(page · log writes).
    async fn writes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (at most 100; default 20).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (older writes).")] after: Option<String>,
    ) -> Result<WriteConnection> {
        let version = super::query::graph(ctx)?.version();
        let (size, after) = page(first, after.as_deref())?;
        let h = history(ctx)?;
        Ok(WriteConnection::new(
            h.writes(version, after, size),
            h.count(version),
        )?)
    }
}
