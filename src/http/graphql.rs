//! GraphQL over HTTP, as the GraphQL-over-HTTP specification has it: `POST` with
//! `application/json` (and only that, so an HTML form or `text/plain` fetch can never execute
//! anything: CSRF), `GET` for queries only, answers in `application/graphql-response+json` or
//! `application/json` as the client accepts, with the status codes the specification asks for
//! each. Bodies are bounded before anything is parsed; every check on the query itself is the
//! schema's pipeline (`api::extensions`), shared with the WebSocket.

use std::sync::Arc;
use std::time::Instant;

use async_graphql::parser::types::OperationType;
use async_graphql::{Request, Response as GqlResponse, Variables};
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value};

use super::AppState;
use crate::api::plan::{Asked, Late};
use crate::api::{self, RequestInfo, code};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";

/// The media type of the answer, from the request's `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Media {
    /// `application/graphql-response+json`: request errors get 4xx and no `data`.
    GraphqlResponse,
    /// `application/json` (legacy): everything GraphQL answers is 200.
    Json,
}

/// Picks the answer's media type; `None` when the client accepts neither (406).
fn negotiate(headers: &HeaderMap) -> Option<Media> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(Media::Json);
    };
    if accept.trim().is_empty() {
        return Some(Media::Json);
    }
    let mut best: Option<(f32, Media)> = None;
    for part in accept.split(',') {
        let mut bits = part.split(';');
        let mime = bits.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = bits
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let media = match mime.as_str() {
            "application/graphql-response+json" => Media::GraphqlResponse,
            "application/json" | "application/*" | "*/*" => Media::Json,
            _ => continue,
        };
        // On equal q the specification's own type wins.
        let better = match best {
            None => q > 0.0,
            Some((bq, bm)) => q > bq || (q == bq && media == Media::GraphqlResponse && bm != media),
        };
        if better && q > 0.0 {
            best = Some((q, media));
        }
    }
    best.map(|(_, m)| m)
}

/// A JSON answer with errors only; `status` applies to `application/graphql-response+json`,
/// `application/json` gets 200 unless `always` is set (for HTTP-level refusals).
fn error_response(
    media: Media,
    status: StatusCode,
    always: bool,
    code: &str,
    message: String,
) -> Response {
    let body =
        serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    let status = if always || media == Media::GraphqlResponse {
        status
    } else {
        StatusCode::OK
    };
    respond(media, status, body.to_string().into())
}

fn respond(media: Media, status: StatusCode, body: Bytes) -> Response {
    let ct = match media {
        Media::GraphqlResponse => GRAPHQL_RESPONSE_JSON,
        Media::Json => JSON,
    };
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    res
}

/// The request's parameters, checked for the types the specification requires.
#[derive(Clone)]
struct Params {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<Map<String, Value>>,
    extensions: Option<Map<String, Value>>,
}

fn params(obj: Map<String, Value>) -> Result<Params, String> {
    let mut p = Params {
        query: None,
        operation_name: None,
        variables: None,
        extensions: None,
    };
    for (k, v) in obj {
        match (k.as_str(), v) {
            (_, Value::Null) => {}
            ("query", Value::String(s)) => p.query = Some(s),
            ("query", _) => return Err("`query` must be a string".into()),
            ("operationName", Value::String(s)) => p.operation_name = Some(s),
            ("operationName", _) => return Err("`operationName` must be a string or null".into()),
            ("variables", Value::Object(m)) => p.variables = Some(m),
            ("variables", _) => return Err("`variables` must be an object or null".into()),
            ("extensions", Value::Object(m)) => p.extensions = Some(m),
            ("extensions", _) => return Err("`extensions` must be an object or null".into()),
            // Unknown keys are ignored, as the specification allows.
            _ => {}
        }
    }
    let persisted = p
        .extensions
        .as_ref()
        .is_some_and(|e| e.contains_key("persistedQuery"));
    if p.query.is_none() && !persisted {
        return Err("the request has no `query`".into());
    }
    Ok(p)
}

/// `POST /graphql`.
pub async fn post(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let Some(media) = negotiate(&headers) else {
        return error_response(
            Media::Json,
            StatusCode::NOT_ACCEPTABLE,
            true,
            code::NOT_ACCEPTABLE,
            "this server answers in application/graphql-response+json or application/json".into(),
        );
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut ct = content_type.split(';');
    let mime = ct.next().unwrap_or("").trim();
    let charset_ok = ct
        .filter_map(|p| p.trim().strip_prefix("charset="))
        .all(|c| c.trim_matches('"').eq_ignore_ascii_case("utf-8"));
    if mime != "application/json" || !charset_ok {
        // Only JSON is executed: a form or text/plain POST (which browsers send cross-site
        // without a preflight) never reaches GraphQL.
        return error_response(
            media,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            true,
            code::UNSUPPORTED_MEDIA_TYPE,
            "send the request as application/json (UTF-8)".into(),
        );
    }
    let read = axum::body::to_bytes(body, state.config.max_body_bytes);
    let Ok(read) = tokio::time::timeout(state.config.body_timeout, read).await else {
        // A client trickling its body holds a connection and a request slot: not for long.
        return error_response(
            media,
            StatusCode::REQUEST_TIMEOUT,
            true,
            code::TIMEOUT,
            format!(
                "the request body took longer than {} s to arrive",
                state.config.body_timeout.as_secs_f64()
            ),
        );
    };
    let bytes = match read {
        Ok(b) => b,
        Err(_) => {
            return error_response(
                media,
                StatusCode::PAYLOAD_TOO_LARGE,
                true,
                code::PAYLOAD_TOO_LARGE,
                format!(
                    "the request body is larger than {} bytes",
                    state.config.max_body_bytes
                ),
            );
        }
    };
    // 400 whatever the media type: the GraphQL-over-HTTP draft (and graphql-http's audit)
    // asks it for unparsable bodies and allows it for invalid parameters.
    let bad =
        |msg: String| error_response(media, StatusCode::BAD_REQUEST, true, code::BAD_REQUEST, msg);
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) if bytes.is_empty() => return bad(format!("the request body is empty: {e}")),
        Err(e) => return bad(format!("the request body is not valid JSON: {e}")),
    };
    let obj = match value {
        Value::Object(o) => o,
        Value::Array(_) => {
            return bad("batched requests are not supported; send one request per POST".into());
        }
        _ => return bad("the request body must be a JSON object".into()),
    };
    match params(obj) {
        Ok(p) => run(state, headers, media, p, false).await,
        Err(msg) => bad(msg),
    }
}

/// `GET /graphql?query=...`: queries only.
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return error_response(
            Media::Json,
            StatusCode::NOT_ACCEPTABLE,
            true,
            code::NOT_ACCEPTABLE,
            "this server answers in application/graphql-response+json or application/json".into(),
        );
    };
    // 400 whatever the media type: the GraphQL-over-HTTP draft (and graphql-http's audit)
    // asks it for unparsable bodies and allows it for invalid parameters.
    let bad =
        |msg: String| error_response(media, StatusCode::BAD_REQUEST, true, code::BAD_REQUEST, msg);
    if raw
        .as_ref()
        .is_some_and(|r| r.len() > state.config.max_body_bytes)
    {
        return error_response(
            media,
            StatusCode::URI_TOO_LONG,
            true,
            code::PAYLOAD_TOO_LARGE,
            "the query string is too long; use POST".into(),
        );
    }
    let mut obj = Map::new();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let value = match k.as_ref() {
            "query" | "operationName" => Value::String(v.into_owned()),
            "variables" | "extensions" => match serde_json::from_str(&v) {
                Ok(x) => x,
                Err(e) => return bad(format!("`{k}` is not valid JSON: {e}")),
            },
            _ => continue,
        };
        obj.insert(k.into_owned(), value);
    }
    match params(obj) {
        Ok(p) => run(state, headers, media, p, true).await,
        Err(msg) => bad(msg),
    }
}

/// Answers from the query's plan when it has one (see `api::plan`); otherwise builds the
/// GraphQL request, runs it through the schema's pipeline (which makes every check, on the
/// document as resolved, persisted queries included), writes the answer and, for a query
/// answered without any error, plans it for the next time.
async fn run(
    state: AppState,
    headers: HeaderMap,
    media: Media,
    p: Params,
    is_get: bool,
) -> Response {
    let started = Instant::now();
    let g = state.store.graph();
    let fast = state
        .fast
        .answer(
            &g,
            Asked {
                query: p.query.as_deref().unwrap_or_default(),
                operation: p.operation_name.as_deref(),
                variables: p.variables.as_ref(),
                extensions: p.extensions.as_ref(),
            },
        )
        .await;
    if let Some(answer) = fast {
        state.metrics.observe_planned();
        let (codes, res): (&[&str], _) = match answer.body {
            Ok(body) => {
                #[cfg(debug_assertions)]
                same_as_executor(&state, &headers, &p, is_get, g, &body, answer.heavy).await;
                (
                    &[],
                    write_body(&state, &headers, media, body, StatusCode::OK, true, is_get),
                )
            }
            // As the executor answers a request past its deadline.
            Err(Late(message)) => (
                &[code::TIMEOUT],
                error_response(
                    media,
                    StatusCode::GATEWAY_TIMEOUT,
                    true,
                    code::TIMEOUT,
                    message,
                ),
            ),
        };
        state.metrics.observe_graphql(
            answer.operation_name.as_deref(),
            "query",
            started.elapsed().as_secs_f64(),
            codes,
        );
        return res;
    }
    let info = Arc::new(RequestInfo::new(is_get));
    let learn = (
        p.query.clone().unwrap_or_default(),
        p.operation_name.clone(),
        p.extensions
            .as_ref()
            .filter(|e| e.contains_key("persistedQuery"))
            .cloned(),
    );
    let req = request(&state, &headers, p, &info);
    let resp = api::execute(&state.schema, g, req).await;
    let outcome = info.outcome();
    let codes: Vec<&str> = resp
        .errors
        .iter()
        .filter_map(|e| e.extensions.as_ref().and_then(|x| x.get("code")))
        .filter_map(|v| match v {
            async_graphql::Value::String(s) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    let kind = match outcome.kind {
        Some(OperationType::Mutation) => "mutation",
        Some(OperationType::Subscription) => "subscription",
        _ => "query",
    };
    // Labelled only by a name the document defines, so made-up names cannot fill the labels:
    // a name that defines nothing is refused and counted as `other` (not a GraphQL name).
    let label = match (&learn.1, outcome.operation_name) {
        (Some(_), None) => Some(String::new()),
        (_, defined) => defined,
    };
    state.metrics.observe_graphql(
        label.as_deref(),
        kind,
        started.elapsed().as_secs_f64(),
        &codes,
    );
    if outcome.mutation_over_get {
        let mut res = error_response(
            media,
            StatusCode::METHOD_NOT_ALLOWED,
            true,
            code::BAD_REQUEST,
            "mutations must be sent with POST".into(),
        );
        res.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return res;
    }
    if api::is_request_error(&resp) {
        // Limits met while running keep their own statuses.
        let message = || resp.errors[0].message.clone();
        if has_code(&resp, code::TIMEOUT) {
            return error_response(
                media,
                StatusCode::GATEWAY_TIMEOUT,
                true,
                code::TIMEOUT,
                message(),
            );
        }
        if has_code(&resp, code::RESULT_TOO_LARGE) {
            return error_response(
                media,
                StatusCode::OK,
                false,
                code::RESULT_TOO_LARGE,
                message(),
            );
        }
    }
    if resp.errors.is_empty() && outcome.kind == Some(OperationType::Query) {
        let (query, operation, extensions) = learn;
        state
            .fast
            .learn(&query, operation.as_deref(), extensions.as_ref());
    }
    write(&state, &headers, media, resp, is_get)
}

/// The GraphQL request for the executor.
fn request(state: &AppState, headers: &HeaderMap, p: Params, info: &Arc<RequestInfo>) -> Request {
    let mut req = Request::new(p.query.unwrap_or_default())
        .data(state.access(headers))
        .data(info.clone());
    if let Some(name) = p.operation_name {
        req = req.operation_name(name);
    }
    if let Some(vars) = p.variables {
        req = req.variables(Variables::from_json(Value::Object(vars)));
    }
    if let Some(ext) = p.extensions {
        for (k, v) in ext {
            if let Ok(v) = async_graphql::Value::from_json(v) {
                req.extensions.insert(k, v);
            }
        }
    }
    req
}

/// Debug builds check every answer of a plan against the executor's, on the same graph
/// version: the test suites then compare the two on every query they send.
#[cfg(debug_assertions)]
async fn same_as_executor(
    state: &AppState,
    headers: &HeaderMap,
    p: &Params,
    is_get: bool,
    g: Arc<crate::graph::Graph>,
    planned: &[u8],
    heavy: bool,
) {
    let info = Arc::new(RequestInfo::new(is_get));
    let resp = api::execute(&state.schema, g, request(state, headers, p.clone(), &info)).await;
    if has_code(&resp, code::TIMEOUT) {
        // Run again on a busy pool, the executor's copy can be the one past the deadline.
        return;
    }
    let executed = serde_json::to_string(&resp).unwrap_or_default();
    // async-graphql orders an object's fields by completion, and a graph question completes
    // on the CPU pool: with one, the top-level keys may come in another order.
    if heavy
        && serde_json::from_slice::<Value>(planned).ok()
            == serde_json::from_str::<Value>(&executed).ok()
    {
        return;
    }
    assert_eq!(
        String::from_utf8_lossy(planned),
        executed,
        "the plan and the executor disagree on {:?}",
        p.query
    );
}

/// Serialises the answer, bounded in size, with caching headers for GET.
fn write(
    state: &AppState,
    headers: &HeaderMap,
    media: Media,
    resp: GqlResponse,
    is_get: bool,
) -> Response {
    let request_error = api::is_request_error(&resp);
    // Serialised straight to text; only a request error, which must have no `data` entry at
    // all, goes through a JSON value to drop it.
    let body = if request_error {
        serde_json::to_value(&resp).map(|mut v| {
            if let Value::Object(o) = &mut v {
                o.remove("data");
            }
            v.to_string()
        })
    } else {
        serde_json::to_string(&resp)
    };
    let body = match body {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise a response");
            return error_response(
                media,
                StatusCode::INTERNAL_SERVER_ERROR,
                true,
                code::INTERNAL,
                "internal error".into(),
            );
        }
    };
    let status = if media != Media::GraphqlResponse {
        StatusCode::OK
    } else if request_error {
        StatusCode::BAD_REQUEST
    } else if resp.data == async_graphql::Value::Null && has_code(&resp, code::UNAUTHENTICATED) {
        // A refused write: the specification's "SHOULD use 401 or 403".
        StatusCode::UNAUTHORIZED
    } else if resp.data == async_graphql::Value::Null && has_code(&resp, code::FORBIDDEN) {
        StatusCode::FORBIDDEN
    } else {
        StatusCode::OK
    };
    write_body(
        state,
        headers,
        media,
        body.into_bytes(),
        status,
        resp.errors.is_empty(),
        is_get,
    )
}

/// Writes a serialised answer, bounded in size; a successful GET gets an ETag and can be
/// revalidated.
fn write_body(
    state: &AppState,
    headers: &HeaderMap,
    media: Media,
    body: Vec<u8>,
    status: StatusCode,
    ok: bool,
    is_get: bool,
) -> Response {
    if body.len() > state.config.max_response_bytes {
        return error_response(
            media,
            StatusCode::OK,
            false,
            code::RESULT_TOO_LARGE,
            format!(
                "the result is larger than {} bytes; ask for less",
                state.config.max_response_bytes
            ),
        );
    }
    if !is_get || !ok {
        let mut res = respond(media, status, body.into());
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return res;
    }
    // A successful GET can be revalidated cheaply: the ETag is a hash of the answer, which
    // changes whenever a write changes what the query returns.
    let etag = format!("\"{:08x}{:08x}\"", crc32fast::hash(&body), body.len());
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut res = if fresh {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        respond(media, status, body.into())
    };
    if let Ok(v) = HeaderValue::from_str(&etag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("accept, authorization"),
    );
    res
}

/// Whether any error of the response has this code.
fn has_code(resp: &GqlResponse, wanted: &str) -> bool {
    resp.errors.iter().any(|e| {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .is_some_and(|c| matches!(c, async_graphql::Value::String(s) if s == wanted))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn the_answer_type_follows_accept() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(Media::Json));
        assert_eq!(negotiate(&accept("*/*")), Some(Media::Json));
        assert_eq!(negotiate(&accept("application/json")), Some(Media::Json));
        assert_eq!(
            negotiate(&accept("application/graphql-response+json")),
            Some(Media::GraphqlResponse)
        );
        assert_eq!(
            negotiate(&accept(
                "application/json, application/graphql-response+json"
            )),
            Some(Media::GraphqlResponse)
        );
        assert_eq!(
            negotiate(&accept(
                "application/json;q=1, application/graphql-response+json;q=0.5"
            )),
            Some(Media::Json)
        );
        assert_eq!(negotiate(&accept("text/html")), None);
        assert_eq!(
            negotiate(&accept("application/graphql-response+json;q=0")),
            None
        );
    }
}
