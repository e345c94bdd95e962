//! The HTTP layer: the axum router, GraphiQL, the WebSocket subscriptions endpoint, write
//! authorisation and the health check. It knows how to carry GraphQL over HTTP, nothing about
//! the graph beyond handing the current version to the API.

use std::sync::Arc;

use async_graphql::ParseRequestError;
use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::OperationType;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse, GraphQLSubscription};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::{HeaderMap, Method, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::api::{self, NewsSchema, WriteAccess};
use crate::store::Store;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub schema: NewsSchema,
    pub store: Arc<Store>,
    /// The bearer token writes need; `None` makes the server read-only.
    write_token: Option<Arc<str>>,
}

impl AppState {
    pub fn new(store: Arc<Store>, write_token: Option<String>) -> Self {
        AppState {
            schema: api::schema(store.clone()),
            store,
            write_token: write_token.map(Arc::from),
        }
    }

    /// Whether the request's `Authorization: Bearer` token is the write token, compared in
    /// constant time so response timing reveals nothing about it.
    fn access(&self, headers: &HeaderMap) -> WriteAccess {
        let Some(expected) = &self.write_token else {
            return WriteAccess::Disabled;
        };
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
            WriteAccess::Granted
        } else {
            WriteAccess::Denied
        }
    }
}

/// The application's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphql).post(graphql))
        .route_service(
            "/graphql/ws",
            GraphQLSubscription::new(state.schema.clone()),
        )
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
    method: Method,
    headers: HeaderMap,
    req: GraphQLRequest<BadRequest>,
) -> Response {
    let req = req.into_inner();
    // GET must never change anything (a link or an <img> could trigger it).
    if method == Method::GET && is_mutation(&req) {
        let body = serde_json::json!({
            "errors": [{ "message": "mutations must be sent with POST", "extensions": { "code": api::code::BAD_REQUEST } }]
        });
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "POST")],
            Json(body),
        )
            .into_response();
    }
    let req = req.data(state.access(&headers));
    GraphQLResponse::from(api::execute(&state.schema, state.store.graph(), req).await)
        .into_response()
}

/// Whether the operation the request selects is a mutation.
fn is_mutation(req: &async_graphql::Request) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(&req.query) else {
        return false;
    };
    doc.operations.iter().any(|(name, op)| {
        let selected = match (&req.operation_name, name) {
            (Some(wanted), Some(name)) => wanted.as_str() == name.as_str(),
            (Some(_), None) => false,
            (None, _) => true,
        };
        selected && op.node.ty == OperationType::Mutation
    })
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
