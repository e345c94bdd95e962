//! The fast path for queries: a document seen before, and answered then without any error, has
//! a plan (its fields, resolved against the schema once), and a plan writes the JSON answer
//! straight from the graph into one buffer. No parsing, validation, value tree or future per
//! field; async-graphql's executor stays the reference and answers everything else.
//!
//! - A document is planned only after the executor has answered it without any error, so it
//!   has passed the whole pipeline (length, nesting, parsing, validation, every limit on the
//!   document): all of that depends on the text alone and holds for every later request with
//!   the same text. What depends on the request (variables, page sizes, cursors, ids, the
//!   graph version) the plan checks each time, and anything it is not sure of goes to the
//!   executor, which answers it as it always has.
//! - A plan answers only what succeeds whole: a missing entity, a bad cursor, a page size out
//!   of range, more list items than the budget or more bytes than the cap are the executor's,
//!   with its errors and codes. So limits, error codes and metrics are the executor's on every
//!   request the plan does not answer, and a request the plan answers is one the executor
//!   would have answered with the same bytes.
//! - A plan holding a graph question (search, path, neighbourhood) runs on the CPU pool, under
//!   the request's deadline, as the executor runs that field: past the deadline it answers
//!   TIMEOUT as the executor does, instead of handing the request over to start again.
//! - What a plan covers is decided in one place, [`compile`]; in debug builds every answer of a
//!   plan is checked against the executor's (the HTTP layer does it), so the whole test suite
//!   is a differential test of the two.

mod compile;
mod run;

use std::borrow::Cow;
use std::sync::Arc;

use quick_cache::Equivalent;
use quick_cache::sync::Cache;
use serde_json::Map;

use super::error::ApiError;
use super::extensions::{ApqCache, Pipeline};
use super::offload::CpuPool;
use crate::graph::Graph;
pub use compile::{Plan, compile};
pub use run::run;

/// How many documents the plan cache expects to hold, and the bytes it may hold at most.
const PLANS: usize = 2_000;
const PLAN_BYTES: u64 = 16 << 20;

/// The plans of documents seen, by their text and operation name.
pub struct FastPath {
    plans: Cache<Key, Arc<Option<Plan>>, Weight>,
    apq: Option<Arc<ApqCache>>,
    pool: Arc<CpuPool>,
    max_items: usize,
    max_bytes: usize,
}

/// An answer written by a plan.
pub struct Answer {
    /// The whole response body: `{"data":...}`, or the request's timeout.
    pub body: Result<Vec<u8>, Late>,
    /// The operation's name, if the document defines one (for metrics).
    pub operation_name: Option<String>,
    /// Whether it ran a graph question: the executor may order the top-level fields by
    /// completion then (see `tests/api/plan.rs`).
    pub heavy: bool,
}

/// What a request asks, as sent: its text (empty with a persisted query's hash), operation
/// name, variables and extensions.
#[derive(Clone, Copy)]
pub struct Asked<'a> {
    pub query: &'a str,
    pub operation: Option<&'a str>,
    pub variables: Option<&'a Map<String, serde_json::Value>>,
    pub extensions: Option<&'a Map<String, serde_json::Value>>,
}

/// A plan past the request's deadline: the executor's TIMEOUT, with its message.
#[derive(Debug)]
pub struct Late(pub String);

#[derive(Hash, PartialEq, Eq)]
struct Key {
    query: Box<str>,
    operation: Option<Box<str>>,
}

/// A [`Key`] borrowed from a request, to look it up without copying it (hashes like `Key`).
#[derive(Hash)]
struct KeyRef<'a> {
    query: &'a str,
    operation: Option<&'a str>,
}

impl Equivalent<Key> for KeyRef<'_> {
    fn equivalent(&self, k: &Key) -> bool {
        *k.query == *self.query && k.operation.as_deref() == self.operation
    }
}

#[derive(Clone)]
struct Weight;

impl quick_cache::Weighter<Key, Arc<Option<Plan>>> for Weight {
    fn weight(&self, k: &Key, plan: &Arc<Option<Plan>>) -> u64 {
        let plan = plan.as_ref().as_ref().map_or(0, |p| p.weight);
        (k.query.len() + plan + 64) as u64
    }
}

impl FastPath {
    /// The fast path of a schema with this pipeline, sharing its persisted queries.
    /// The CPU pool the plans' graph questions run on, shared with the resolvers' (and with
    /// other heavy requests, such as exports).
    pub fn pool(&self) -> &Arc<CpuPool> {
        &self.pool
    }

    pub fn new(pipeline: &Pipeline, apq: Option<Arc<ApqCache>>, pool: Arc<CpuPool>) -> Self {
        FastPath {
            plans: Cache::with_weighter(PLANS, PLAN_BYTES, Weight),
            apq,
            pool,
            max_items: pipeline.limits.max_items,
            max_bytes: pipeline.max_response_bytes,
        }
    }

    /// The request's document: its text, or the persisted query its hash names. `None` when
    /// only the pipeline can tell (a hash sent with its text, to register; a malformed one).
    fn text<'q>(
        &self,
        query: &'q str,
        extensions: Option<&Map<String, serde_json::Value>>,
    ) -> Option<Cow<'q, str>> {
        let Some(pq) = extensions.and_then(|e| e.get("persistedQuery")) else {
            return Some(Cow::Borrowed(query));
        };
        let pq = pq.as_object()?;
        if !query.is_empty() || pq.get("version")?.as_i64()? != 1 {
            return None;
        }
        let hash = pq.get("sha256Hash")?.as_str()?.to_ascii_lowercase();
        Some(Cow::Owned(self.apq.as_ref()?.get(&hash)?.to_string()))
    }

    /// The plan learned for a request's document, if it has one.
    fn find(
        &self,
        query: &str,
        operation: Option<&str>,
        extensions: Option<&Map<String, serde_json::Value>>,
    ) -> Option<Arc<Option<Plan>>> {
        let query = self.text(query, extensions)?;
        let learned = self.plans.get(&KeyRef {
            query: &query,
            operation,
        })?;
        learned.is_some().then_some(learned)
    }

    /// The answer to a query from its plan, or `None`: the executor answers then.
    pub async fn answer(&self, g: &Arc<Graph>, asked: Asked<'_>) -> Option<Answer> {
        let learned = self.find(asked.query, asked.operation, asked.extensions)?;
        let plan = learned.as_ref().as_ref()?;
        if !plan.heavy {
            return self.write(plan, g, asked.variables);
        }
        let (max_items, max_bytes) = (self.max_items, self.max_bytes);
        let (learned, graph, variables) = (learned.clone(), g.clone(), asked.variables.cloned());
        let ran = self
            .pool
            .run(g, move || {
                let g = graph;
                let plan = learned.as_ref().as_ref()?;
                run(plan, &g, variables.as_ref(), max_items, max_bytes)
            })
            .await;
        let body = match ran {
            Ok(body) => Ok(body?),
            Err(ApiError::Timeout(message)) => Err(Late(message)),
            // A pool that cannot run it: the executor will say so.
            Err(_) => return None,
        };
        Some(Answer {
            body,
            operation_name: plan.operation_name.clone(),
            heavy: true,
        })
    }

    /// [`FastPath::answer`] for a caller that cannot wait: `None` also for a plan holding a
    /// graph question (it would wait for the CPU pool).
    pub fn answer_now(&self, g: &Arc<Graph>, asked: Asked<'_>) -> Option<Answer> {
        let learned = self.find(asked.query, asked.operation, asked.extensions)?;
        let plan = learned.as_ref().as_ref()?;
        if plan.heavy {
            return None;
        }
        self.write(plan, g, asked.variables)
    }

    /// A plan without a graph question, run here.
    fn write(
        &self,
        plan: &Plan,
        g: &Arc<Graph>,
        variables: Option<&Map<String, serde_json::Value>>,
    ) -> Option<Answer> {
        let body = run(plan, g, variables, self.max_items, self.max_bytes)?;
        Some(Answer {
            body: Ok(body),
            operation_name: plan.operation_name.clone(),
            heavy: false,
        })
    }

    /// Remembers the plan of a query the executor has just answered without any error (or
    /// that it has none, so that it is not parsed again).
    pub fn learn(
        &self,
        query: &str,
        operation: Option<&str>,
        extensions: Option<&Map<String, serde_json::Value>>,
    ) {
        let Some(query) = self.text(query, extensions) else {
            return;
        };
        let key = KeyRef {
            query: &query,
            operation,
        };
        if self.plans.peek(&key).is_some() {
            return;
        }
        let plan = async_graphql::parser::parse_query(&*query)
            .ok()
            .and_then(|doc| compile(&doc, operation));
        self.plans.insert(
            Key {
                query: query.into(),
                operation: operation.map(Into::into),
            },
            Arc::new(plan),
        );
    }
}
