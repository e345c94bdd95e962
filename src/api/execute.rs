//! Running one request against one graph version, and the budget of list items that bounds a
//! result while it is built. The checks themselves are the schema's pipeline
//! ([`super::extensions`]), which every transport shares.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::{Request, Response, Value};

use super::NewsSchema;
use super::error::ApiError;
use crate::graph::Graph;

/// How many list items (entities, relations, events, quotes, hops, ...) one request may return
/// in all. Charged by resolvers as they build lists; once spent, further lists fail with
/// `RESULT_TOO_LARGE`. Static limits bound the query; this bounds what it multiplies to.
#[derive(Debug)]
pub struct Budget {
    left: AtomicUsize,
    max: usize,
}

impl Budget {
    pub fn new(max: usize) -> Self {
        Budget {
            left: AtomicUsize::new(max),
            max,
        }
    }
}

tokio::task_local! {
    /// The budget of the request being executed. Task-local, because async-graphql runs all
    /// of a request's resolvers in the task that calls `execute`, and so every list builder
    /// can charge it without threading a context through.
    pub(super) static BUDGET: Arc<Budget>;
}

/// Takes `n` items from the current request's budget (outside a request: no limit).
pub fn charge(n: usize) -> Result<(), ApiError> {
    BUDGET
        .try_with(|b| {
            let ok = b
                .left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| left.checked_sub(n))
                .is_ok();
            if ok {
                Ok(())
            } else {
                Err(ApiError::TooLarge(format!(
                    "the result would hold more than {} items; ask for smaller pages or fewer fields",
                    b.max
                )))
            }
        })
        .unwrap_or(Ok(()))
}

/// Executes `req` against graph version `g`, through the schema's pipeline
/// ([`super::extensions`]).
pub async fn execute(schema: &NewsSchema, g: Arc<Graph>, req: Request) -> Response {
    schema.execute(req.data(g)).await
}

/// Whether a response is a request error: nothing was executed (parse, validation or limit
/// errors, all without a `path`), so it has no data.
pub fn is_request_error(resp: &Response) -> bool {
    resp.data == Value::Null
        && !resp.errors.is_empty()
        && resp.errors.iter().all(|e| e.path.is_empty())
}
