//! Running one request against one graph version, and the budget of list items that bounds a
//! result while it is built. The checks themselves are the schema's pipeline
//! ([`super::extensions`]), which every transport shares.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_graphql::{Request, Response, Value};

use super::NewsSchema;
use super::error::ApiError;
use crate::graph::Graph;

/// How many list items (entities, relations, events, quotes, hops, ...) one request may return
/// in all, and how many bytes. Items are charged by resolvers as they build lists, bytes by the
/// pipeline as each field's value is made ([`charge_bytes`]); once either is spent, what is
/// still being resolved fails with `RESULT_TOO_LARGE`, so an answer over the response cap
/// stops growing near the cap instead of being built whole and then refused. Static limits
/// bound the query; this bounds what it multiplies to.
#[derive(Debug)]
pub struct Budget {
    left: AtomicUsize,
    max: usize,
    bytes_left: AtomicUsize,
    max_bytes: usize,
    /// Set once either is spent: everything still to resolve then fails at once.
    spent: AtomicBool,
}

impl Budget {
    pub fn new(max: usize, max_bytes: usize) -> Self {
        Budget {
            left: AtomicUsize::new(max),
            max,
            bytes_left: AtomicUsize::new(max_bytes),
            max_bytes,
            spent: AtomicBool::new(false),
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
            b.check()?;
            b.take(&b.left, n).map_err(|_| {
                ApiError::TooLarge(format!(
                    "the result would hold more than {} items; ask for smaller pages or fewer fields",
                    b.max
                ))
            })
        })
        .unwrap_or(Ok(()))
}

impl Budget {
    /// Fails once the budget has been spent, so what is still to resolve stops at once.
    fn check(&self) -> Result<(), ApiError> {
        if self.spent.load(Ordering::Relaxed) {
            return Err(ApiError::TooLarge(format!(
                "the result is too large (at most {} items and {} bytes); ask for less",
                self.max, self.max_bytes
            )));
        }
        Ok(())
    }

    fn take(&self, counter: &AtomicUsize, n: usize) -> Result<(), ()> {
        let ok = counter
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(n)
            })
            .is_ok();
        if !ok {
            self.spent.store(true, Ordering::Relaxed);
        }
        ok.then_some(()).ok_or(())
    }
}

/// Fails if the current request's budget is spent (outside a request: never).
pub fn check_budget() -> Result<(), ApiError> {
    BUDGET.try_with(|b| b.check()).unwrap_or(Ok(()))
}

/// Takes `n` bytes of the current request's answer from its budget (outside a request: no
/// limit). `n` must not exceed what the bytes will take in the JSON answer, so that an answer
/// the response cap would let through is never refused early.
pub fn charge_bytes(n: usize) -> Result<(), ApiError> {
    BUDGET
        .try_with(|b| {
            b.take(&b.bytes_left, n).map_err(|_| {
                ApiError::TooLarge(format!(
                    "the result is larger than {} bytes; ask for less",
                    b.max_bytes
                ))
            })
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
