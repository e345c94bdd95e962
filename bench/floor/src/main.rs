//! The floor: answers `POST /graphql` with newsgraph's exact response bytes for each request
//! body of the mix, precomputed by bench/run. What it costs per request is what HTTP, the
//! runtime and axum cost, with no GraphQL at all: the least any server could spend.
//!
//! Usage: newsgraph-bench-floor ADDR ANSWERS.json
//! where ANSWERS.json maps each request body (the exact bytes wrk sends, as a string) to the
//! response body (a string).

use std::{collections::HashMap, sync::Arc};

use axum::{
    body::Bytes,
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Router,
};

type Answers = Arc<HashMap<Vec<u8>, Bytes>>;

async fn graphql(State(answers): State<Answers>, body: Bytes) -> Response {
    match answers.get(body.as_ref()) {
        // `Bytes` clones by reference count: no copy of the answer per request.
        Some(answer) => (
            [(header::CONTENT_TYPE, "application/json")],
            answer.clone(),
        )
            .into_response(),
        // A body outside the mix: say so loudly rather than answer something else.
        None => (StatusCode::NOT_FOUND, "not a request of the mix\n").into_response(),
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(addr), Some(file)) = (args.next(), args.next()) else {
        eprintln!("usage: newsgraph-bench-floor ADDR ANSWERS.json");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
    let map: HashMap<String, String> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let answers: Answers = Arc::new(
        map.into_iter()
            .map(|(k, v)| (k.into_bytes(), Bytes::from(v)))
            .collect(),
    );
    let app = Router::new()
        .route("/graphql", post(graphql))
        .with_state(answers);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .unwrap_or_else(|e| panic!("{addr}: {e}"));
    axum::serve(listener, app).await.expect("serve");
}
