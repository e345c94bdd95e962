//! The request pipeline: every check, budget and cap a GraphQL operation passes, as one
//! async-graphql extension registered once on the schema. HTTP (`Schema::execute`), the
//! WebSocket (`Schema::execute_stream`, queries and each event of a subscription) and
//! persisted queries resolved by hash all run through it, so they share the limits and the
//! error codes. In the order async-graphql calls it:
//!
//! - `prepare_request`: resolves a persisted query's hash; bounds the text's length and its
//!   bracket nesting before anything parses it; parses it once (a failure is
//!   GRAPHQL_PARSE_FAILED), selects the operation and decides its kind from the document (GET
//!   never runs a mutation, whichever way the text arrived); page sizes, `__typename`
//!   arguments, introspection, directives per field, fragment cycles and the query's size after
//!   fragment expansion (fields, depth, nesting; measured without expanding), then argument
//!   values against their types (`inputs`), all before async-graphql's own checks walk the
//!   document;
//! - `parse_query`: async-graphql's backstops for directives and nesting;
//! - `validation`: async-graphql's rules, then the complexity limit on async-graphql's count
//!   (and the depth limit, as a backstop); a persisted query is remembered only once it has
//!   passed all of the above;
//! - `execute`: one graph version, the item budget, the timeout and the response cap;
//! - `resolve`: the answer's bytes; an argument that fails to convert as its field runs;
//! - `request` / `subscribe`: every error leaves with an `extensions.code`; each event of a
//!   subscription gets its own budget, cap and timeout, and one over them ends the
//!   subscription with an error.
//!
//! An error's code comes from the check or the stage that raised it, never from its message:
//! async-graphql's wording may change with any upgrade, and clients branch on the codes.

mod apq;
mod checks;
mod inputs;

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextRequest, NextResolve, NextSubscribe, NextValidation, ResolveInfo,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{
    Data, ErrorExtensionValues, Pos, Request, Response, ServerError, ServerResult,
    ValidationResult, Value, Variables,
};
use futures_util::stream::{BoxStream, Stream, StreamExt};

use super::Limits;
use super::error::code;
use super::execute::{BUDGET, Budget};
use crate::graph::Graph;
use crate::store::Store;
pub use apq::{ApqCache, sha256_hex};
pub use checks::nesting;

/// Everything the pipeline enforces; one per schema.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// Limits on the parsed query and the result's items.
    pub limits: Limits,
    /// Longest query text, in bytes (after a persisted query's hash is resolved).
    pub max_query_bytes: usize,
    /// Deepest `{ [ (` nesting in the text, checked before parsing.
    pub max_nesting: usize,
    /// Longest an operation (or one subscription event) may execute.
    pub timeout: Duration,
    /// Largest serialised answer (of an operation or one subscription event).
    pub max_response_bytes: usize,
    /// Persisted queries remembered; 0 turns APQ off.
    pub apq_cache_size: usize,
    /// Bytes of persisted query text remembered, at most.
    pub apq_cache_bytes: usize,
}

impl Default for Pipeline {
    fn default() -> Self {
        Pipeline {
            limits: Limits::default(),
            max_query_bytes: 32 * 1024,
            max_nesting: 64,
            timeout: Duration::from_secs(10),
            max_response_bytes: 8 * 1024 * 1024,
            apq_cache_size: 1000,
            apq_cache_bytes: 4 * 1024 * 1024,
        }
    }
}

/// What a transport tells the pipeline about one request, and learns back from it. HTTP puts
/// one in each request's data; the WebSocket needs none.
#[derive(Debug, Default)]
pub struct RequestInfo {
    /// The request came as `GET`: mutations are refused.
    pub is_get: bool,
    outcome: Mutex<Outcome>,
}

/// What the pipeline found out about a request.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    /// The operation's name, only if the document defines an operation of that name.
    pub operation_name: Option<String>,
    /// The kind of the selected operation, once the document parsed.
    pub kind: Option<OperationType>,
    /// A mutation was refused because the request came by GET.
    pub mutation_over_get: bool,
}

impl RequestInfo {
    pub fn new(is_get: bool) -> Self {
        RequestInfo {
            is_get,
            outcome: Mutex::default(),
        }
    }

    pub fn outcome(&self) -> Outcome {
        self.outcome
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn update(&self, f: impl FnOnce(&mut Outcome)) {
        f(&mut self.outcome.lock().unwrap_or_else(|p| p.into_inner()));
    }
}

/// Registers the pipeline: `ExtensionFactory` for the schema builder.
pub struct Guard {
    config: Arc<Pipeline>,
    apq: Option<Arc<ApqCache>>,
}

impl Guard {
    pub fn new(config: Pipeline) -> Self {
        let apq = config.apq_cache();
        Guard::with_apq(config, apq)
    }

    /// The pipeline remembering persisted queries in `apq` (shared with the fast path).
    pub fn with_apq(config: Pipeline, apq: Option<Arc<ApqCache>>) -> Self {
        Guard {
            config: Arc::new(config),
            apq,
        }
    }
}

impl Pipeline {
    /// The persisted-query cache these settings ask for; none when APQ is off.
    pub fn apq_cache(&self) -> Option<Arc<ApqCache>> {
        (self.apq_cache_size > 0)
            .then(|| Arc::new(ApqCache::new(self.apq_cache_size, self.apq_cache_bytes)))
    }
}

impl ExtensionFactory for Guard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(GuardExtension {
            config: self.config.clone(),
            apq: self.apq.clone(),
            state: Arc::default(),
        })
    }
}

/// One request's pass through the pipeline.
struct GuardExtension {
    config: Arc<Pipeline>,
    apq: Option<Arc<ApqCache>>,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    /// A persisted query to remember once it has passed validation.
    register: Option<(String, String)>,
    /// Errors of the checks on the document, all of them (async-graphql keeps only one).
    refused: Vec<ServerError>,
    /// The operation is a mutation: the read timeout does not cut it off once it runs.
    mutation: bool,
}

impl GuardExtension {
    /// Records the selected operation's defined name and kind for the transport, and refuses a
    /// mutation that came by GET: decided on the document as resolved, however it arrived.
    fn kind_allowed(
        &self,
        doc: &ExecutableDocument,
        wanted: Option<&str>,
        info: Option<&RequestInfo>,
    ) -> ServerResult<()> {
        let selected = doc
            .operations
            .iter()
            .find(|(name, _)| match (wanted, name) {
                (Some(w), Some(n)) => w == n.as_str(),
                (Some(_), None) => false,
                (None, _) => true,
            })
            .map(|(name, op)| (name.map(|n| n.to_string()), op.node.ty));
        // async-graphql would refuse these after validation, as errors of no stage; refused
        // here, they are validation failures because this check found them.
        let unselected = match (wanted, &selected) {
            (Some(w), None) => Some(format!("the document has no operation named `{w}`")),
            (None, _) if doc.operations.iter().nth(1).is_some() => {
                Some("the document has several operations: name one in `operationName`".into())
            }
            _ => None,
        };
        if let Some(message) = unselected {
            return Err(coded(code::VALIDATION_FAILED, message, None));
        }
        let is_mutation = matches!(selected, Some((_, OperationType::Mutation)));
        self.state().mutation = is_mutation;
        let Some(info) = info else { return Ok(()) };
        info.update(|o| {
            o.operation_name = selected.as_ref().and_then(|(n, _)| n.clone());
            o.kind = selected.as_ref().map(|(_, k)| *k);
            o.mutation_over_get = info.is_get && is_mutation;
        });
        if info.is_get && is_mutation {
            // GET must never change anything (a link or an <img> could trigger it).
            return Err(coded(
                code::BAD_REQUEST,
                "mutations must be sent with POST".into(),
                None,
            ));
        }
        Ok(())
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Resolves Apollo's `extensions.persistedQuery`: a hash alone is looked up; a hash with
    /// its text is checked and remembered later, if the text passes.
    fn persisted(&self, request: &mut Request) -> ServerResult<()> {
        let Some(pq) = request.extensions.get("persistedQuery") else {
            return Ok(());
        };
        let Some(cache) = &self.apq else {
            // APQ off: answered as Apollo's servers do, so clients fall back to plain queries.
            return Err(coded(
                code::PERSISTED_QUERY_NOT_FOUND,
                "PersistedQueryNotFound".into(),
                None,
            ));
        };
        let hash = match pq {
            Value::Object(o) => match (o.get("version"), o.get("sha256Hash")) {
                (Some(Value::Number(v)), Some(Value::String(h))) if v.as_i64() == Some(1) => {
                    h.to_ascii_lowercase()
                }
                _ => {
                    return Err(coded(
                        code::BAD_REQUEST,
                        "`persistedQuery` needs `version: 1` and a `sha256Hash`".into(),
                        None,
                    ));
                }
            },
            _ => {
                return Err(coded(
                    code::BAD_REQUEST,
                    "`persistedQuery` must be an object".into(),
                    None,
                ));
            }
        };
        if request.query.is_empty() {
            match cache.get(&hash) {
                Some(q) => request.query = q.to_string(),
                None => {
                    return Err(coded(
                        code::PERSISTED_QUERY_NOT_FOUND,
                        "PersistedQueryNotFound".into(),
                        None,
                    ));
                }
            }
        } else if request.query.len() <= self.config.max_query_bytes {
            if sha256_hex(&request.query) != hash {
                return Err(coded(
                    code::BAD_REQUEST,
                    "the query's SHA-256 is not `sha256Hash`".into(),
                    None,
                ));
            }
            self.state().register = Some((hash, request.query.clone()));
        }
        Ok(())
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for GuardExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let resp = next.run(ctx).await;
        finish(resp, &self.state)
    }

    /// Charges each field's share of the answer to the request's byte budget as it is made:
    /// its key and, for a scalar or a list of scalars, the value (objects' fields are charged
    /// as they resolve). What is charged is at most what the JSON will hold.
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let refuse = |e| async_graphql::Error::from(e).into_server_error(Pos::default());
        // Once the answer is over its budget, nothing more is resolved.
        super::execute::check_budget().map_err(refuse)?;
        // A list's items come through here one by one, unnamed; a field is `"key":`.
        let key = match info.path_node.segment {
            async_graphql::QueryPathSegment::Index(_) => 0,
            async_graphql::QueryPathSegment::Name(_) => info.alias.unwrap_or(info.name).len() + 3,
        };
        let arguments = &info.field.arguments;
        let value = next.run(ctx, info).await.map_err(|mut e| {
            // An argument that passed validation and still fails to convert (a `Date` that is
            // no date) is refused where async-graphql converts it: at the argument's value.
            let at_argument =
                |e: &ServerError| arguments.iter().any(|(_, v)| e.locations == [v.pos]);
            if !has_any_code(&e) && at_argument(&e) {
                set_code(&mut e, code::BAD_USER_INPUT);
            }
            e
        })?;
        let n = key + value.as_ref().map_or(0, value_bytes);
        super::execute::charge_bytes(n).map_err(refuse)?;
        Ok(value)
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        Events {
            inner: next.run(ctx, stream),
            budget: Arc::new(Budget::new(
                self.config.limits.max_items,
                self.config.max_response_bytes,
            )),
            config: self.config.clone(),
            state: self.state.clone(),
            busy: Duration::ZERO,
            done: false,
        }
        .boxed()
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        self.persisted(&mut request)?;
        let c = &self.config;
        if request.query.len() > c.max_query_bytes {
            return Err(coded(
                code::QUERY_TOO_COMPLEX,
                format!("the query is longer than {} bytes", c.max_query_bytes),
                None,
            ));
        }
        if checks::nesting(&request.query) > c.max_nesting {
            return Err(coded(
                code::QUERY_TOO_COMPLEX,
                format!("the query nests deeper than {} levels", c.max_nesting),
                None,
            ));
        }
        // Parsed here, once, and checked before async-graphql's own checks (which expand
        // fragments) ever see it; the document then travels in the request.
        let doc = async_graphql::parser::parse_query(&request.query).map_err(|e| {
            let mut err = ServerError::from(e);
            set_code(&mut err, code::PARSE_FAILED);
            err
        })?;
        let info = request
            .data
            .get(&std::any::TypeId::of::<Arc<RequestInfo>>())
            .and_then(|d| d.downcast_ref::<Arc<RequestInfo>>())
            .cloned();
        self.kind_allowed(&doc, request.operation_name.as_deref(), info.as_deref())?;
        let mut errors = checks::document(&doc, &request.variables, &self.config.limits);
        if errors.is_empty() {
            let registry = &ctx.schema_env.registry;
            let operation = request.operation_name.as_deref();
            errors = inputs::arguments(&doc, &request.variables, operation, registry);
        }
        if let Some(first) = errors.first().cloned() {
            self.state().refused = errors;
            return Err(first);
        }
        request.set_parsed_query(doc);
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|mut e| {
            // `prepare_request` parsed the document already: all this stage does is apply
            // async-graphql's limits on directives and nesting (backstops to `checks`).
            set_code(&mut e, code::QUERY_TOO_COMPLEX);
            e
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        // The schema gives async-graphql no depth or complexity limit, so all it refuses here
        // is its rules' (argument values were checked before, by `inputs`).
        let result = next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|mut e| {
                    set_code(&mut e, code::VALIDATION_FAILED);
                    e
                })
                .collect::<Vec<_>>()
        })?;
        // Complexity is counted by async-graphql, as it walks the document for its rules: a
        // field's cost is the schema's to say (its `complexity` attribute, 1 by default),
        // which a count of our own would have to repeat and could silently part from. The
        // limit is applied here, to that count, so the code comes from this check. Depth is
        // `checks`' limit; async-graphql's count of it is a backstop, should the two
        // definitions ever part.
        let limits = &self.config.limits;
        if result.complexity > limits.max_complexity {
            return Err(vec![coded(
                code::QUERY_TOO_COMPLEX,
                format!(
                    "the query's complexity is {}, over the limit of {}",
                    result.complexity, limits.max_complexity
                ),
                None,
            )]);
        }
        if result.depth > limits.max_depth {
            return Err(vec![coded(
                code::QUERY_TOO_COMPLEX,
                format!("the query nests fields deeper than {}", limits.max_depth),
                None,
            )]);
        }
        let register = self.state().register.take();
        if let (Some(cache), Some((hash, query))) = (&self.apq, register) {
            cache.insert(hash, &query);
        }
        Ok(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let c = &self.config;
        let budget = Arc::new(Budget::new(c.limits.max_items, c.max_response_bytes));
        // One graph version per operation: a transport that put none in (the WebSocket) gets
        // the current one, for the whole operation.
        let run = async {
            match (ctx.data_opt::<Arc<Graph>>(), ctx.data_opt::<Arc<Store>>()) {
                (None, Some(store)) => {
                    let mut data = Data::default();
                    data.insert(store.graph());
                    next.run_with_data(ctx, operation_name, data).await
                }
                _ => next.run(ctx, operation_name).await,
            }
        };
        // A write that started applying finishes and answers what it did: cutting it off
        // would report as failed a write that commits anyway. Writes are bounded before they
        // start instead (batch size; each change costs what it touches).
        // Nor is its answer replaced by an error: past the budget, the fields still to resolve
        // fail (the byte budget keeps it near the cap) and the rest reports what committed.
        if self.state().mutation {
            return BUDGET.scope(budget, run).await;
        }
        let resp = match tokio::time::timeout(c.timeout, BUDGET.scope(budget, run)).await {
            Ok(r) => r,
            Err(_) => {
                return Response::from_errors(vec![coded(
                    code::TIMEOUT,
                    format!("the request took longer than {} s", c.timeout.as_secs_f64()),
                    None,
                )]);
            }
        };
        capped(resp, c.max_response_bytes)
    }
}

/// Replaces an answer larger than `max` bytes, serialised, with an error.
///
/// An answer whose making ran out of its budget (items or bytes) is replaced the same way, by
/// its first such error: a part of an answer is not one the client should take for the whole.
fn capped(resp: Response, max: usize) -> Response {
    if let Some(e) = resp
        .errors
        .iter()
        .find(|e| has_code(e, code::RESULT_TOO_LARGE))
    {
        let mut e = e.clone();
        e.path.clear();
        e.locations.clear();
        return Response::from_errors(vec![e]);
    }
    if serialised_len(&resp, max) > max {
        return Response::from_errors(vec![coded(
            code::RESULT_TOO_LARGE,
            format!("the result is larger than {max} bytes; ask for less"),
            None,
        )]);
    }
    resp
}

/// The fewest bytes `v` takes as JSON, not counting the fields of objects or the items of
/// lists (each is charged as it resolves), nor separators.
fn value_bytes(v: &Value) -> usize {
    match v {
        Value::Null | Value::Boolean(true) => 4,
        Value::Boolean(false) => 5,
        Value::Number(_) => 1,
        Value::String(s) => s.len() + 2,
        Value::Enum(e) => e.len() + 2,
        Value::Binary(b) => b.len(),
        // Its items are charged one by one as they resolve.
        Value::List(_) => 2,
        Value::Object(_) => 2,
    }
}

/// The length of `resp` as JSON, counting without keeping the text and stopping soon after
/// `max`.
fn serialised_len(resp: &Response, max: usize) -> usize {
    struct Count {
        n: usize,
        max: usize,
    }
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.n += buf.len();
            if self.n > self.max {
                return Err(std::io::Error::other("over the cap"));
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count { n: 0, max };
    let _ = serde_json::to_writer(&mut c, resp);
    c.n
}

/// Each event of one subscription (or the one answer of a query sent over the WebSocket),
/// each resolved within its own item budget and size cap, with a code on every error.
struct Events<'s> {
    inner: BoxStream<'s, Response>,
    budget: Arc<Budget>,
    config: Arc<Pipeline>,
    state: Arc<Mutex<State>>,
    /// Time spent inside `poll_next` since the last event: the work of resolving the next one
    /// (waiting for a write returns at once, so it is not counted).
    busy: Duration,
    done: bool,
}

impl Stream for Events<'_> {
    type Item = Response;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Response>> {
        if self.done {
            return Poll::Ready(None);
        }
        let this = &mut *self;
        // An event's fields resolve while the stream is polled: the budget is in scope then.
        let started = std::time::Instant::now();
        let polled = BUDGET.sync_scope(this.budget.clone(), || this.inner.poll_next_unpin(cx));
        this.busy += started.elapsed();
        let Poll::Ready(Some(resp)) = polled else {
            return polled;
        };
        this.budget = Arc::new(Budget::new(
            this.config.limits.max_items,
            this.config.max_response_bytes,
        ));
        let timeout = this.config.timeout;
        if std::mem::take(&mut this.busy) > timeout {
            // Resolvers run synchronously, so this cannot stop the event's work; it stops the
            // subscription, so that the next write does not pay for it again.
            this.done = true;
            return Poll::Ready(Some(Response::from_errors(vec![coded(
                code::TIMEOUT,
                format!("the event took longer than {} s", timeout.as_secs_f64()),
                None,
            )])));
        }
        // An event too large for the limits ends its subscription with an error (see `capped`),
        // rather than a partial push the client might take for the whole.
        let resp = capped(finish(resp, &this.state), this.config.max_response_bytes);
        if super::is_request_error(&resp) {
            this.done = true;
        }
        Poll::Ready(Some(resp))
    }
}

/// The last step for every answer: the document checks' errors all reported, and a code on
/// every error.
fn finish(mut resp: Response, state: &Mutex<State>) -> Response {
    let refused = std::mem::take(&mut state.lock().unwrap_or_else(|p| p.into_inner()).refused);
    if !refused.is_empty() {
        resp = Response::from_errors(refused);
    }
    for err in &mut resp.errors {
        // Still without a code: an error async-graphql raised outside the stages above, where
        // the operation does not fit the request (a subscription sent over HTTP).
        if !has_any_code(err) {
            set_code(err, code::VALIDATION_FAILED);
        }
    }
    resp
}

fn has_any_code(err: &ServerError) -> bool {
    err.extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some())
}

fn has_code(err: &ServerError, wanted: &str) -> bool {
    err.extensions
        .as_ref()
        .and_then(|e| e.get("code"))
        .is_some_and(|c| matches!(c, Value::String(s) if s == wanted))
}

fn set_code(err: &mut ServerError, c: &str) {
    err.extensions
        .get_or_insert_with(ErrorExtensionValues::default)
        .set("code", Value::from(c));
}

/// An error with a code, at `pos` if given.
pub(crate) fn coded(c: &str, message: String, pos: Option<Pos>) -> ServerError {
    let mut err = ServerError::new(message, pos);
    set_code(&mut err, c);
    err
}
