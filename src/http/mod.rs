//! The HTTP layer: the axum router, GraphiQL and the health check. It knows how to carry
//! GraphQL over HTTP, nothing about the graph beyond handing the current version to the API.

use std::sync::Arc;

use async_graphql::ParseRequestError;
use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::api::{self, NewsSchema};
use crate::graph::Graph;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub schema: NewsSchema,
    /// The graph version new requests read.
    pub graph: Arc<Graph>,
}

impl AppState {
    pub fn new(graph: Graph) -> Self {
        AppState {
            schema: api::schema(),
            graph: Arc::new(graph),
        }
    }
}

/// The application's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphql).post(graphql))
        .route("/graphiql", get(graphiql))
        .route("/", get(|| async { Redirect::temporary("/graphiql") }))
        .route("/healthz", get(healthz))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until the process is stopped.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state)).await
}

/// A request that is not GraphQL over HTTP at all (malformed JSON, a missing `query`, ...):
/// answered like any GraphQL error, with a code and no Rust debug output.
pub struct BadRequest(ParseRequestError);

impl From<ParseRequestError> for BadRequest {
    fn from(e: ParseRequestError) -> Self {
        BadRequest(e)
    }
}

impl IntoResponse for BadRequest {
    fn into_response(self) -> Response {
        let (status, message) = match &self.0 {
            ParseRequestError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request body is too large".to_string(),
            ),
            ParseRequestError::Io(_) => (
                StatusCode::BAD_REQUEST,
                "the request body could not be read".to_string(),
            ),
            ParseRequestError::UnsupportedBatch => (
                StatusCode::BAD_REQUEST,
                "batched requests are not supported".to_string(),
            ),
            ParseRequestError::InvalidRequest(e) => (
                StatusCode::BAD_REQUEST,
                format!("the request is not a valid GraphQL request: {e}"),
            ),
            other => (
                StatusCode::BAD_REQUEST,
                format!("the request is not a valid GraphQL request: {other}"),
            ),
        };
        let body = serde_json::json!({
            "errors": [{ "message": message, "extensions": { "code": api::code::BAD_REQUEST } }]
        });
        (status, Json(body)).into_response()
    }
}

async fn graphql(
    State(state): State<AppState>,
    req: GraphQLRequest<BadRequest>,
) -> GraphQLResponse {
    api::execute(&state.schema, state.graph.clone(), req.into_inner())
        .await
        .into()
}

async fn graphiql() -> impl IntoResponse {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .title("newsgraph")
            .finish(),
    )
}

async fn healthz() -> &'static str {
    "ok"
}
