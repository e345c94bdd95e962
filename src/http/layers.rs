//! The middleware every response passes through, and the two operator endpoints that go with
//! it (`/metrics`, `/readyz`). From the outside in, a request meets:
//!
//! 1. one step (`edge`) for request ids (a client's `x-request-id` is kept if it is a sane
//!    token, else one is made; the response carries it back), metrics
//!    (`http_requests_total` and `http_request_duration_seconds` by route) and security
//!    headers (`nosniff` and `no-referrer` everywhere, framing and a content security policy
//!    on HTML);
//! 2. tracing: one span per request (method, route, request id); a log line per response
//!    (status, latency) with `--access-log`, else for server errors and slow requests;
//! 3. CORS, only when origins are configured, for exactly those origins;
//! 4. compression (gzip, brotli) of bodies worth compressing;
//! 5. a panic guard: a handler that panics answers a JSON 500 with no panic text.
//!
//! Everything is applied with `Router::layer`, so it runs after routing: the route pattern
//! (`MatchedPath`) is known, and labels and logs never carry the raw URI (which holds GET
//! queries and is unbounded).

use std::any::Any;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, Response, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;
use tracing::Span;

use super::metrics::{Metrics, OTHER};
use super::{AppState, HttpConfig};

/// The header carrying the request id, both ways.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Longest client-chosen request id kept.
const MAX_REQUEST_ID_LEN: usize = 64;

/// The content security policy of HTML pages, written for the bundled GraphiQL: scripts,
/// styles, fonts, images and workers come from this server only, and it talks to this origin
/// only (`'self'` covers same-origin `ws:`/`wss:` in CSP Level 3 browsers). No other host is
/// named. Styles allow `'unsafe-inline'` because the editor (Monaco) and React set styles from
/// script; scripts stay strict: no inline script, no `eval`. Nothing else loads: no plugins, no
/// `<base>` rewriting, no framing, no form posts.
pub const HTML_CSP: &str = "default-src 'none'; \
     script-src 'self'; \
     style-src 'self' 'unsafe-inline'; \
     font-src 'self' data:; \
     img-src 'self' data:; \
     worker-src 'self'; \
     connect-src 'self'; \
     base-uri 'none'; \
     form-action 'none'; \
     frame-ancestors 'none'";

/// The body of the 500 a panicking handler answers: the API's error shape, no panic text.
const PANIC_BODY: &str = r#"{"errors":[{"message":"internal server error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}"#;

/// How long a browser may cache a CORS preflight answer.
const CORS_MAX_AGE: Duration = Duration::from_secs(600);

/// Wraps `router` in the layers above. `router` must already have its state: the layers only
/// need `metrics` and the CORS origins of `cfg` (assumed valid: `config` checked them).
pub fn apply(router: Router, cfg: &HttpConfig, metrics: Metrics) -> Router {
    // `Router::layer` makes the last layer the outermost: this reads from the inside out.
    let router = router
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(CompressionLayer::new().compress_when(DefaultPredicate::new().and(not_an_upgrade)));
    let router = match cors(&cfg.cors_origins) {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router
        .layer({
            let every = cfg.access_log;
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(move |res: &Response<Body>, latency: Duration, _: &Span| {
                    log_response(res, latency, every)
                })
        })
        .layer(middleware::from_fn_with_state(metrics, edge))
}

/// Request ids, metrics and the security headers, in one step: as seven layers they cost
/// seven services cloned, called and dropped per request, a tenth of a small query's time.
async fn edge(State(metrics): State<Metrics>, mut req: Request, next: Next) -> Response<Body> {
    let id = request_id(&mut req);
    let method = req.method().clone();
    let path = req.extensions().get::<MatchedPath>().cloned();
    let started = Instant::now();
    let mut res = next.run(req).await;
    // The time is until the response's head: streamed bodies (subscriptions) are not the
    // server's latency.
    metrics.observe_request(
        method.as_str(),
        path.as_ref().map_or(OTHER, MatchedPath::as_str),
        res.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    let html = is_html(&res);
    let h = res.headers_mut();
    h.entry(REQUEST_ID).or_insert(id);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if html {
        h.entry(header::CONTENT_SECURITY_POLICY)
            .or_insert(HeaderValue::from_static(HTML_CSP));
        h.entry(header::X_FRAME_OPTIONS)
            .or_insert(HeaderValue::from_static("DENY"));
    }
    res
}

/// The request's id: the client's `x-request-id` if there is exactly one and it is sane, else
/// a fresh UUID; set on the request for the layers and handlers inside.
fn request_id(req: &mut Request) -> HeaderValue {
    let kept = {
        let mut it = req.headers().get_all(&REQUEST_ID).iter();
        match (it.next(), it.next()) {
            (Some(v), None) if is_sane_request_id(v) => Some(v.clone()),
            _ => None,
        }
    };
    let id = kept.unwrap_or_else(|| {
        let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let text = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buf);
        HeaderValue::from_str(text).expect("a UUID is a header value")
    });
    req.headers_mut().insert(REQUEST_ID, id.clone());
    id
}

/// `GET /metrics`: 200, every metric in the Prometheus text format
/// (`text/plain; version=0.0.4`). The graph gauges are read from the store at each scrape, so
/// they are current whoever wrote last.
pub async fn metrics_handler(State(state): State<AppState>) -> impl IntoResponse {
    let graph = state.store.graph();
    state.metrics.set_graph(
        graph.node_count(),
        graph.relation_count(),
        state.store.version(),
    );
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        state.metrics.render(),
    )
}

/// `GET /readyz`: readiness. The server binds its port only after the graph has loaded and
/// validated, so a server that answers is ready: 200 with
/// `{"status":"ready","version":N,"nodes":N,"relations":N}` for the graph now served.
/// (`/healthz` is liveness: `ok` while the process serves.)
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let graph = state.store.graph();
    axum::Json(serde_json::json!({
        "status": "ready",
        "version": state.store.version(),
        "nodes": graph.node_count(),
        "relations": graph.relation_count(),
    }))
}

/// Whether a client's request id is worth keeping: a short token of letters, digits and
/// `-_.:` (UUIDs, ULIDs, hex trace ids). Anything else could forge log lines or bloat them.
fn is_sane_request_id(v: &HeaderValue) -> bool {
    let b = v.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_REQUEST_ID_LEN
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':'))
}

/// The route pattern of a request (`/graphql`), or `other` when no route matched.
fn route(req: &Request) -> &str {
    req.extensions()
        .get::<MatchedPath>()
        .map_or(OTHER, MatchedPath::as_str)
}

fn request_span(req: &Request) -> Span {
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!(
        "request",
        method = %req.method(),
        path = route(req),
        request_id,
    )
}

/// A request slower than this is logged even without the access log.
const SLOW: Duration = Duration::from_secs(1);

/// Logs a response: every one with the access log on, else only server errors and slow ones.
/// (A line per request is a good part of a small request's cost: formatting it and writing it
/// to stderr took a tenth of `{ __typename }`'s CPU time.)
fn log_response(res: &Response<Body>, latency: Duration, every: bool) {
    if every || res.status().is_server_error() || latency >= SLOW {
        tracing::info!(
            status = res.status().as_u16(),
            latency_ms = latency.as_secs_f64() * 1000.0,
            "response"
        );
    }
}

/// Whether a response is HTML (GraphiQL, the explorer): only pages get framing and a CSP.
fn is_html(res: &Response<Body>) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("text/html")
        })
}

/// A WebSocket upgrade (101) has no body to compress.
fn not_an_upgrade(
    status: StatusCode,
    _: axum::http::Version,
    _: &axum::http::HeaderMap,
    _: &axum::http::Extensions,
) -> bool {
    status != StatusCode::SWITCHING_PROTOCOLS
}

/// CORS for exactly `origins`; `None` when there are none, so no CORS header is ever sent.
fn cors(origins: &[String]) -> Option<CorsLayer> {
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| match HeaderValue::from_str(o) {
            Ok(v) => Some(v),
            Err(_) => {
                tracing::warn!(origin = %o, "ignoring a CORS origin that is not a header value");
                None
            }
        })
        .collect();
    if allowed.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(allowed))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
            .max_age(CORS_MAX_AGE),
    )
}

/// The answer to a panicking handler: logged in full (inside the request's span, so with its
/// id), answered with the API's error shape and nothing of the panic.
fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(a panic without a message)");
    tracing::error!(panic = message, "a handler panicked");
    let mut res = Response::new(Body::from(PANIC_BODY));
    *res.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::response::Html;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;
    use crate::seed::SeedSource;
    use crate::store::Store;

    const BIG: usize = 20_000;

    fn app(cors_origins: &[&str], metrics: Metrics) -> Router {
        let cfg = HttpConfig {
            cors_origins: cors_origins.iter().map(|s| s.to_string()).collect(),
            ..HttpConfig::default()
        };
        let router = Router::new()
            .route(
                "/json",
                get(|| async { axum::Json(serde_json::json!({ "data": "x".repeat(BIG) })) }),
            )
            .route("/html", get(|| async { Html("<!doctype html><p>hi</p>") }))
            .route("/items/{id}", get(|| async { "item" }))
            .route(
                "/panic",
                get(|| async {
                    if true {
                        panic!("secret detail: the token is hunter2");
                    }
                    "unreachable"
                }),
            );
        apply(router, &cfg, metrics)
    }

    async fn call(app: Router, req: axum::http::Request<Body>) -> Response<Body> {
        app.oneshot(req).await.expect("infallible")
    }

    fn get_req(uri: &str) -> axum::http::request::Builder {
        axum::http::Request::get(uri)
    }

    async fn body_bytes(res: Response<Body>) -> Vec<u8> {
        axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body")
            .to_vec()
    }

    fn header<'a>(res: &'a Response<Body>, name: &str) -> Option<&'a str> {
        res.headers().get(name).and_then(|v| v.to_str().ok())
    }

    #[tokio::test]
    async fn a_request_without_an_id_gets_a_fresh_one_echoed() {
        let app = app(&[], Metrics::new());
        let a = call(app.clone(), get_req("/json").body(Body::empty()).unwrap()).await;
        let b = call(app, get_req("/json").body(Body::empty()).unwrap()).await;
        let (a, b) = (header(&a, "x-request-id"), header(&b, "x-request-id"));
        let a = a.expect("an id is made");
        assert_eq!(a.len(), 36, "a UUID: {a}");
        assert_ne!(Some(a), b, "each request its own id");
    }

    #[tokio::test]
    async fn a_clients_sane_request_id_is_kept() {
        let res = call(
            app(&[], Metrics::new()),
            get_req("/json")
                .header("x-request-id", "trace-01HZX3:abc_def.9")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(header(&res, "x-request-id"), Some("trace-01HZX3:abc_def.9"));
    }

    #[tokio::test]
    async fn an_unfit_request_id_is_replaced() {
        for bad in [
            "a".repeat(65),
            "has space".into(),
            "x\"y".into(),
            String::new(),
        ] {
            let res = call(
                app(&[], Metrics::new()),
                get_req("/json")
                    .header("x-request-id", bad.as_str())
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
            let id = header(&res, "x-request-id").expect("an id");
            assert_ne!(id, bad);
            assert_eq!(id.len(), 36, "a fresh UUID for {bad:?}: {id}");
        }
    }

    #[tokio::test]
    async fn every_response_is_nosniff_and_no_referrer() {
        for uri in ["/json", "/html", "/nowhere", "/panic"] {
            let res = call(
                app(&[], Metrics::new()),
                get_req(uri).body(Body::empty()).unwrap(),
            )
            .await;
            assert_eq!(
                header(&res, "x-content-type-options"),
                Some("nosniff"),
                "{uri}"
            );
            assert_eq!(
                header(&res, "referrer-policy"),
                Some("no-referrer"),
                "{uri}"
            );
        }
    }

    #[tokio::test]
    async fn only_html_gets_a_csp_and_frame_denial() {
        let html = call(
            app(&[], Metrics::new()),
            get_req("/html").body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(header(&html, "content-security-policy"), Some(HTML_CSP));
        assert_eq!(header(&html, "x-frame-options"), Some("DENY"));
        let json = call(
            app(&[], Metrics::new()),
            get_req("/json").body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(header(&json, "content-security-policy"), None);
        assert_eq!(header(&json, "x-frame-options"), None);
    }

    #[test]
    fn the_csp_names_this_origin_only() {
        let directives: Vec<&str> = HTML_CSP.split(';').map(str::trim).collect();
        for d in [
            "default-src 'none'",
            "script-src 'self'",
            "worker-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(directives.contains(&d), "{d} in {HTML_CSP}");
        }
        assert!(!HTML_CSP.contains('*'), "no wildcard: {HTML_CSP}");
        assert!(!HTML_CSP.contains("://"), "no other host: {HTML_CSP}");
        assert!(!HTML_CSP.contains("unsafe-eval"));
    }

    #[tokio::test]
    async fn cors_headers_go_only_to_an_allowed_origin() {
        let app = app(&["https://app.example"], Metrics::new());
        let allowed = call(
            app.clone(),
            get_req("/json")
                .header("origin", "https://app.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(
            header(&allowed, "access-control-allow-origin"),
            Some("https://app.example")
        );
        let other = call(
            app.clone(),
            get_req("/json")
                .header("origin", "https://evil.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(header(&other, "access-control-allow-origin"), None);

        let preflight = call(
            app,
            axum::http::Request::options("/json")
                .header("origin", "https://app.example")
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "content-type,authorization",
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert!(preflight.status().is_success(), "{}", preflight.status());
        assert_eq!(header(&preflight, "access-control-max-age"), Some("600"));
        let methods = header(&preflight, "access-control-allow-methods").unwrap_or("");
        assert!(
            methods.contains("GET") && methods.contains("POST"),
            "{methods}"
        );
        assert!(
            !methods.contains("PUT") && !methods.contains("DELETE"),
            "{methods}"
        );
        let headers = header(&preflight, "access-control-allow-headers").unwrap_or("");
        assert!(
            headers.contains("content-type") && headers.contains("authorization"),
            "{headers}"
        );
    }

    #[tokio::test]
    async fn without_configured_origins_no_cors_header_is_sent() {
        let res = call(
            app(&[], Metrics::new()),
            get_req("/json")
                .header("origin", "https://app.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        let cors: Vec<_> = res
            .headers()
            .keys()
            .filter(|k| k.as_str().starts_with("access-control-"))
            .collect();
        assert!(cors.is_empty(), "{cors:?}");
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_a_json_500_without_the_panic_text() {
        let res = call(
            app(&[], Metrics::new()),
            get_req("/panic")
                .header("x-request-id", "panic-1")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(header(&res, "content-type"), Some("application/json"));
        assert_eq!(header(&res, "x-request-id"), Some("panic-1"));
        let body = String::from_utf8(body_bytes(res).await).unwrap();
        assert!(
            !body.contains("hunter2") && !body.contains("secret"),
            "{body}"
        );
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"errors":[{"message":"internal server error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]})
        );
    }

    #[tokio::test]
    async fn a_large_body_is_gzipped_when_the_client_accepts_it() {
        let app = app(&[], Metrics::new());
        let gz = call(
            app.clone(),
            get_req("/json")
                .header("accept-encoding", "gzip")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(header(&gz, "content-encoding"), Some("gzip"));
        assert!(body_bytes(gz).await.len() < BIG / 10, "compressed");

        let br = call(
            app.clone(),
            get_req("/json")
                .header("accept-encoding", "br")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(header(&br, "content-encoding"), Some("br"));

        let plain = call(app, get_req("/json").body(Body::empty()).unwrap()).await;
        assert_eq!(header(&plain, "content-encoding"), None);
        assert!(body_bytes(plain).await.len() > BIG);
    }

    #[tokio::test]
    async fn requests_are_counted_by_route_pattern_not_uri() {
        let metrics = Metrics::new();
        let app = app(&[], metrics.clone());
        for uri in ["/items/1", "/items/2", "/nowhere/at/all"] {
            call(app.clone(), get_req(uri).body(Body::empty()).unwrap()).await;
        }
        let text = metrics.render();
        assert!(
            text.contains(r#"http_requests_total{method="GET",path="/items/{id}",status="200"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(r#"http_requests_total{method="GET",path="other",status="404"} 1"#),
            "{text}"
        );
        assert!(!text.contains("/items/1"), "{text}");
    }

    fn state() -> AppState {
        let store = Store::open(&SeedSource::BuiltIn, None).expect("the built-in seed loads");
        AppState::new(Arc::new(store), None, HttpConfig::default(), Metrics::new())
    }

    #[tokio::test]
    async fn metrics_endpoint_renders_the_text_format_with_current_graph_gauges() {
        let state = state();
        let nodes = state.store.graph().node_count();
        let res = metrics_handler(State(state)).await.into_response();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            header(&res, "content-type"),
            Some("text/plain; version=0.0.4; charset=utf-8")
        );
        let text = String::from_utf8(body_bytes(res).await).unwrap();
        assert!(text.contains(&format!("\ngraph_nodes {nodes}\n")), "{text}");
    }

    #[tokio::test]
    async fn readyz_answers_ready_with_the_graph_served() {
        let state = state();
        let nodes = state.store.graph().node_count();
        let res = readyz(State(state)).await.into_response();
        assert_eq!(res.status(), StatusCode::OK);
        let json: serde_json::Value = serde_json::from_slice(&body_bytes(res).await).unwrap();
        assert_eq!(json["status"], "ready");
        assert_eq!(json["nodes"], nodes);
        assert!(json["version"].is_u64(), "{json}");
    }
}
