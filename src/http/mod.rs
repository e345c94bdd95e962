//! The HTTP layer: the axum router, GraphiQL, the WebSocket subscriptions endpoint, write
//! authorisation and the health check. It knows how to carry GraphQL over HTTP, nothing about
//! the graph beyond handing the current version to the API.

mod assets;
pub mod auth;
mod export;
mod graphql;
pub mod layers;
pub mod metrics;
mod server;
mod shed;
mod ws;

use std::sync::Arc;

use axum::Router;
use axum::http::HeaderMap;
use axum::response::Redirect;
use axum::routing::get;
use tokio::net::TcpListener;

use crate::api::{self, NewsSchema, WriteAccess};
use crate::store::Store;
pub use auth::{WriteToken, WriteTokens};
pub use metrics::Metrics;

/// The HTTP layer's settings. Every limit has a default an operator can change (see the
/// README's configuration table); `Default` gives the documented defaults.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Largest request body accepted, in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// Longest query text, in bytes.
    pub max_query_bytes: usize,
    /// Deepest nesting of `{`, `[` and `(` in a query's text, checked before parsing.
    pub max_nesting: usize,
    /// Limits enforced on the parsed query by the GraphQL layer.
    pub limits: api::Limits,
    /// Longest a request may run before it is answered with a timeout error.
    pub timeout: std::time::Duration,
    /// Largest response body, in bytes; a larger result is replaced by an error.
    pub max_response_bytes: usize,
    /// Whether GraphiQL is served at `/graphiql`.
    pub graphiql: bool,
    /// Whether the explorer is served at `/`.
    pub explorer: bool,
    /// Whether every request is logged (else only server errors and slow requests).
    pub access_log: bool,
    /// Origins allowed to call the API from a browser (CORS); empty: same origin only.
    pub cors_origins: Vec<String>,
    /// How many persisted queries (Apollo APQ) to remember; 0 turns APQ off.
    pub apq_cache_size: usize,
    /// How many bytes of persisted query text to remember, at most.
    pub apq_cache_bytes: usize,
    /// How long a client has to send a request's headers; between requests on a kept-alive
    /// connection, also how long it may wait before starting the next.
    pub header_timeout: std::time::Duration,
    /// How long a client has to send a request's body (408 beyond).
    pub body_timeout: std::time::Duration,
    /// How long a connection may stay open with nothing read or written.
    pub idle_timeout: std::time::Duration,
    /// Most connections open at once (WebSockets included); beyond it, new ones wait in the
    /// listen backlog until one closes, so idle sockets cannot exhaust file descriptors.
    pub max_connections: usize,
    /// Most requests served at once; beyond it, 503 with `Retry-After` instead of a queue.
    pub max_concurrent_requests: usize,
    /// Most subscriptions one WebSocket connection may hold at once.
    pub max_subscriptions_per_connection: usize,
    /// How long a WebSocket client has to send `connection_init` (then 4408).
    pub ws_init_timeout: std::time::Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_body_bytes: 1024 * 1024,
            max_query_bytes: 32 * 1024,
            max_nesting: 64,
            limits: api::Limits::default(),
            timeout: std::time::Duration::from_secs(10),
            max_response_bytes: 8 * 1024 * 1024,
            graphiql: true,
            explorer: true,
            access_log: false,
            cors_origins: vec![],
            apq_cache_size: 1000,
            apq_cache_bytes: 4 * 1024 * 1024,
            header_timeout: std::time::Duration::from_secs(10),
            body_timeout: std::time::Duration::from_secs(30),
            idle_timeout: std::time::Duration::from_secs(60),
            max_connections: 10_000,
            max_concurrent_requests: 512,
            max_subscriptions_per_connection: 20,
            ws_init_timeout: std::time::Duration::from_secs(10),
        }
    }
}

impl HttpConfig {
    /// The checks every transport's operations pass, from these settings.
    pub fn pipeline(&self) -> api::Pipeline {
        api::Pipeline {
            limits: self.limits.clone(),
            max_query_bytes: self.max_query_bytes,
            max_nesting: self.max_nesting,
            timeout: self.timeout,
            max_response_bytes: self.max_response_bytes,
            apq_cache_size: self.apq_cache_size,
            apq_cache_bytes: self.apq_cache_bytes,
        }
    }
}

/// What every handler shares, behind one `Arc`: axum clones a handler's state for every
/// request, and one count is cheaper than one per part.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The parts of [`AppState`].
pub struct Shared {
    pub schema: NewsSchema,
    /// Plans of the queries seen, answering them without the executor.
    pub fast: api::plan::FastPath,
    pub store: Arc<Store>,
    pub config: Arc<HttpConfig>,
    pub metrics: Metrics,
    /// The bearer tokens writes may use, by name; none makes the server read-only.
    write_tokens: Arc<WriteTokens>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(
        store: Arc<Store>,
        write_tokens: impl Into<WriteTokens>,
        config: HttpConfig,
        metrics: Metrics,
    ) -> Self {
        let (schema, fast) = api::served(store.clone(), &config.pipeline());
        AppState(Arc::new(Shared {
            schema,
            fast,
            store,
            config: Arc::new(config),
            metrics,
            write_tokens: Arc::new(write_tokens.into()),
        }))
    }

    /// Who the request's `Authorization: Bearer` token says is writing, if anyone.
    fn access(&self, headers: &HeaderMap) -> WriteAccess {
        self.write_tokens.access(headers)
    }
}

/// The application's routes, with the layers every response passes through.
pub fn router(state: AppState) -> Router {
    // Load beyond the bound is shed at once (503, Retry-After) rather than queued.
    let slots = Arc::new(tokio::sync::Semaphore::new(
        state.config.max_concurrent_requests,
    ));
    let mut r = Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/graphql/ws", get(ws::handler))
        .route_layer(axum::middleware::from_fn_with_state(slots, shed::shed))
        .route("/export", get(export::export))
        .route("/healthz", get(healthz))
        .route("/readyz", get(layers::readyz))
        .route("/metrics", get(layers::metrics_handler));
    let (graphiql, explorer) = (state.config.graphiql, state.config.explorer);
    if graphiql {
        r = r.route("/graphiql", get(assets::graphiql));
    }
    if explorer {
        r = r.route("/", get(assets::explorer));
    } else if graphiql {
        r = r.route("/", get(|| async { Redirect::temporary("/graphiql") }));
    }
    if graphiql || explorer {
        r = r.route("/assets/{name}", get(assets::asset));
    }
    let config = state.config.clone();
    let metrics = state.metrics.clone();
    layers::apply(r.with_state(state), &config, metrics)
}

/// Serves until the process is stopped.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    serve_until(listener, state, std::future::pending()).await
}

/// Serves until `shutdown` resolves, then finishes the requests in flight and returns.
pub async fn serve_until(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let config = state.config.clone();
    server::serve_until(listener, router(state), &config, shutdown).await
}

/// Liveness: the process serves HTTP.
async fn healthz() -> &'static str {
    "ok"
}
