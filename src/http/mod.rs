//! The HTTP layer: the axum router, GraphiQL and the health check. It knows how to carry
//! GraphQL over HTTP, nothing about the graph beyond handing the current version to the API.

use std::sync::Arc;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Router;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect};
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

async fn graphql(State(state): State<AppState>, req: GraphQLRequest) -> GraphQLResponse {
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
