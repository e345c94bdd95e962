//! Load shedding: beyond `max_concurrent_requests` GraphQL requests at once, a request is
//! answered 503 with `Retry-After` at once, so a burst costs the server a refusal each rather
//! than a queue that grows without bound (and answers nobody in time).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::Semaphore;

use crate::api::code;

pub async fn shed(State(slots): State<Arc<Semaphore>>, req: Request, next: Next) -> Response {
    match slots.try_acquire() {
        Ok(_slot) => next.run(req).await,
        Err(_) => {
            let body = serde_json::json!({ "errors": [{
                "message": "the server is busy; retry in a moment",
                "extensions": { "code": code::OVERLOADED }
            }] });
            let mut res = Response::new(Body::from(body.to_string()));
            *res.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            h.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            res
        }
    }
}
