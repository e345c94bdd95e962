//! The server's Prometheus metrics: HTTP requests, GraphQL operations and their errors, the
//! served graph's size and version, open WebSocket connections. One [`Metrics`] is shared by
//! every handler (cloning it is cheap); `GET /metrics` renders it in the text format.
//!
//! Every label value is bounded, because each distinct value is a time series kept forever:
//! paths are route patterns (never raw URIs), methods and operation types come from fixed
//! lists, and the names clients give their operations are admitted only up to a cap, beyond
//! which they are counted as `other`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use prometheus::{
    HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
};

/// Most distinct operation names kept as label values; later names are counted as `other`.
pub const MAX_OPERATION_NAMES: usize = 200;
/// Most distinct error codes kept as label values (the API has a handful).
const MAX_ERROR_CODES: usize = 50;
/// The label value standing for everything past a cap, or not fit to be a label.
pub const OTHER: &str = "other";
/// The operation label of a request that names no operation.
pub const ANONYMOUS: &str = "anonymous";

/// Request latencies in seconds: from a cached lookup to a request that hits a long timeout.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The metrics registry and the handles the server updates. Clones share one registry.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    requests: IntCounterVec,
    request_seconds: HistogramVec,
    operations: IntCounterVec,
    operation_seconds: HistogramVec,
    errors: IntCounterVec,
    planned: IntCounter,
    graph_nodes: IntGauge,
    graph_relations: IntGauge,
    graph_version: IntGauge,
    ws_connections: IntGauge,
    operation_names: CappedLabels,
    error_codes: CappedLabels,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// A fresh registry with every metric registered at zero.
    pub fn new() -> Metrics {
        let registry = Registry::new();
        // The definitions below are constants; registering them can only fail on a programming
        // error (a duplicate or malformed name), which the unit tests would catch.
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name, help), labels).expect("valid counter");
            registry
                .register(Box::new(c.clone()))
                .expect("unique counter");
            c
        };
        let histogram = |name: &str, help: &str, labels: &[&str]| {
            let opts = HistogramOpts::new(name, help).buckets(BUCKETS.to_vec());
            let h = HistogramVec::new(opts, labels).expect("valid histogram");
            registry
                .register(Box::new(h.clone()))
                .expect("unique histogram");
            h
        };
        let gauge = |name: &str, help: &str| {
            let g = IntGauge::new(name, help).expect("valid gauge");
            registry
                .register(Box::new(g.clone()))
                .expect("unique gauge");
            g
        };
        let inner = Inner {
            requests: counter(
                "http_requests_total",
                "HTTP requests answered, by method, route and status.",
                &["method", "path", "status"],
            ),
            request_seconds: histogram(
                "http_request_duration_seconds",
                "Time to answer an HTTP request (until the response headers), by method and route.",
                &["method", "path"],
            ),
            operations: counter(
                "graphql_operations_total",
                "GraphQL operations executed, by operation name and type.",
                &["operation", "type"],
            ),
            operation_seconds: histogram(
                "graphql_operation_duration_seconds",
                "Time to execute a GraphQL operation, by operation name.",
                &["operation"],
            ),
            errors: counter(
                "graphql_errors_total",
                "GraphQL errors returned, by extensions.code.",
                &["code"],
            ),
            planned: {
                let c = IntCounter::new(
                    "graphql_planned_total",
                    "GraphQL queries answered from their plan, without the executor (also counted in graphql_operations_total).",
                )
                .expect("valid counter");
                registry
                    .register(Box::new(c.clone()))
                    .expect("unique counter");
                c
            },
            graph_nodes: gauge(
                "graph_nodes",
                "Nodes (entities and events) in the served graph.",
            ),
            graph_relations: gauge("graph_relations", "Relations in the served graph."),
            graph_version: gauge(
                "graph_version",
                "Version of the served graph (writes applied).",
            ),
            ws_connections: gauge("ws_connections", "Open GraphQL WebSocket connections."),
            operation_names: CappedLabels::new(MAX_OPERATION_NAMES),
            error_codes: CappedLabels::new(MAX_ERROR_CODES),
            registry,
        };
        Metrics {
            inner: Arc::new(inner),
        }
    }

    /// Counts one answered HTTP request. `path` must be a route pattern (axum's `MatchedPath`)
    /// or [`OTHER`], never the request's URI.
    pub fn observe_request(&self, method: &str, path: &str, status: u16, seconds: f64) {
        let method = method_label(method);
        let status = status.to_string();
        self.inner
            .requests
            .with_label_values(&[method, path, &status])
            .inc();
        self.inner
            .request_seconds
            .with_label_values(&[method, path])
            .observe(seconds);
    }

    /// Counts one query answered from its plan (counted by [`Metrics::observe_graphql`] too).
    pub fn observe_planned(&self) {
        self.inner.planned.inc();
    }

    /// Counts one executed GraphQL operation and the codes of the errors it returned.
    /// `operation` is the operation's name (`None`: [`ANONYMOUS`]); `op_type` is `query`,
    /// `mutation` or `subscription`.
    pub fn observe_graphql(
        &self,
        operation: Option<&str>,
        op_type: &str,
        seconds: f64,
        error_codes: &[&str],
    ) {
        let operation = match operation {
            None => ANONYMOUS,
            Some(name) if is_graphql_name(name) => self.inner.operation_names.admit(name),
            Some(_) => OTHER,
        };
        let op_type = op_type_label(op_type);
        self.inner
            .operations
            .with_label_values(&[operation, op_type])
            .inc();
        self.inner
            .operation_seconds
            .with_label_values(&[operation])
            .observe(seconds);
        for code in error_codes {
            let code = if is_error_code(code) {
                self.inner.error_codes.admit(code)
            } else {
                OTHER
            };
            self.inner.errors.with_label_values(&[code]).inc();
        }
    }

    /// Records the size and version of the graph now served.
    pub fn set_graph(&self, nodes: usize, relations: usize, version: u64) {
        let int = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        self.inner.graph_nodes.set(int(nodes as u64));
        self.inner.graph_relations.set(int(relations as u64));
        self.inner.graph_version.set(int(version));
    }

    /// A GraphQL WebSocket connection was opened.
    pub fn ws_opened(&self) {
        self.inner.ws_connections.inc();
    }

    /// A GraphQL WebSocket connection was closed.
    pub fn ws_closed(&self) {
        self.inner.ws_connections.dec();
    }

    /// Every metric in the Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let families = self.inner.registry.gather();
        prometheus::TextEncoder::new()
            .encode_to_string(&families)
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "cannot encode the metrics");
                String::new()
            })
    }
}

/// A set of label values that admits new values only up to a cap: a client choosing its
/// operation names must not be able to grow the registry without bound.
struct CappedLabels {
    cap: usize,
    seen: Mutex<HashSet<String>>,
}

impl CappedLabels {
    fn new(cap: usize) -> Self {
        CappedLabels {
            cap,
            seen: Mutex::new(HashSet::new()),
        }
    }

    /// `value` if it is already admitted or there is room for it, else [`OTHER`].
    fn admit<'a>(&self, value: &'a str) -> &'a str {
        // A panic while holding the lock leaves the set intact: keep using it.
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.contains(value) {
            return value;
        }
        if seen.len() >= self.cap {
            return OTHER;
        }
        seen.insert(value.to_string());
        value
    }
}

fn method_label(method: &str) -> &str {
    const KNOWN: &[&str] = &[
        "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE",
    ];
    KNOWN
        .iter()
        .find(|m| **m == method)
        .copied()
        .unwrap_or(OTHER)
}

fn op_type_label(op_type: &str) -> &'static str {
    match op_type.to_ascii_lowercase().as_str() {
        "query" => "query",
        "mutation" => "mutation",
        "subscription" => "subscription",
        _ => OTHER,
    }
}

/// A GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`) of sane length: anything else did not come from
/// a parsed document and is not worth a time series.
fn is_graphql_name(s: &str) -> bool {
    let mut chars = s.chars();
    s.len() <= 128
        && chars
            .next()
            .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// An error code as the API writes them (`BAD_USER_INPUT`).
fn is_error_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c == '_' || c.is_ascii_uppercase() || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the sample line that starts with `series` (name and labels), if any.
    fn sample(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    #[test]
    fn render_lists_every_metric_with_help_and_type() {
        let m = Metrics::new();
        // Vectors appear only once they have a series.
        m.observe_request("GET", "/healthz", 200, 0.001);
        m.observe_graphql(Some("Q"), "query", 0.01, &["NOT_FOUND"]);
        let text = m.render();
        for name in [
            "http_requests_total",
            "http_request_duration_seconds",
            "graphql_operations_total",
            "graphql_operation_duration_seconds",
            "graphql_errors_total",
            "graph_nodes",
            "graph_relations",
            "graph_version",
            "ws_connections",
        ] {
            assert!(text.contains(&format!("# TYPE {name} ")), "{name}:\n{text}");
            assert!(text.contains(&format!("# HELP {name} ")), "{name}:\n{text}");
        }
    }

    #[test]
    fn requests_are_counted_by_method_route_and_status() {
        let m = Metrics::new();
        m.observe_request("POST", "/graphql", 200, 0.002);
        m.observe_request("POST", "/graphql", 200, 0.003);
        m.observe_request("GET", "/graphql", 405, 0.001);
        m.observe_request("BREW", "other", 404, 0.001);
        let text = m.render();
        let count = |s| sample(&text, s);
        assert_eq!(
            count(r#"http_requests_total{method="POST",path="/graphql",status="200"}"#),
            Some(2.0),
            "{text}"
        );
        assert_eq!(
            count(r#"http_requests_total{method="GET",path="/graphql",status="405"}"#),
            Some(1.0)
        );
        assert_eq!(
            count(r#"http_requests_total{method="other",path="other",status="404"}"#),
            Some(1.0)
        );
        assert_eq!(
            count(r#"http_request_duration_seconds_count{method="POST",path="/graphql"}"#),
            Some(2.0)
        );
    }

    #[test]
    fn operations_and_their_errors_are_counted() {
        let m = Metrics::new();
        m.observe_graphql(Some("Parties"), "query", 0.01, &[]);
        m.observe_graphql(None, "query", 0.01, &["BAD_USER_INPUT", "BAD_USER_INPUT"]);
        m.observe_graphql(Some("Edit"), "mutation", 0.02, &["FORBIDDEN"]);
        let text = m.render();
        let count = |s| sample(&text, s);
        assert_eq!(
            count(r#"graphql_operations_total{operation="Parties",type="query"}"#),
            Some(1.0),
            "{text}"
        );
        assert_eq!(
            count(r#"graphql_operations_total{operation="anonymous",type="query"}"#),
            Some(1.0)
        );
        assert_eq!(
            count(r#"graphql_operations_total{operation="Edit",type="mutation"}"#),
            Some(1.0)
        );
        assert_eq!(
            count(r#"graphql_errors_total{code="BAD_USER_INPUT"}"#),
            Some(2.0)
        );
        assert_eq!(
            count(r#"graphql_errors_total{code="FORBIDDEN"}"#),
            Some(1.0)
        );
        assert_eq!(
            count(r#"graphql_operation_duration_seconds_count{operation="Edit"}"#),
            Some(1.0)
        );
    }

    #[test]
    fn operation_names_past_the_cap_are_counted_as_other() {
        let m = Metrics::new();
        for i in 0..MAX_OPERATION_NAMES + 50 {
            m.observe_graphql(Some(&format!("Op{i}")), "query", 0.001, &[]);
        }
        // A name admitted before the cap keeps its own series.
        m.observe_graphql(Some("Op0"), "query", 0.001, &[]);
        let text = m.render();
        let series = text
            .lines()
            .filter(|l| l.starts_with("graphql_operations_total{"))
            .count();
        assert_eq!(series, MAX_OPERATION_NAMES + 1, "{text}");
        assert_eq!(
            sample(
                &text,
                r#"graphql_operations_total{operation="other",type="query"}"#
            ),
            Some(50.0)
        );
        assert_eq!(
            sample(
                &text,
                r#"graphql_operations_total{operation="Op0",type="query"}"#
            ),
            Some(2.0)
        );
    }

    #[test]
    fn labels_that_are_not_names_or_codes_become_other() {
        let m = Metrics::new();
        m.observe_graphql(Some("not a name"), "QUERY", 0.001, &["<script>"]);
        m.observe_graphql(Some("X"), "bogus", 0.001, &[]);
        let text = m.render();
        assert_eq!(
            sample(
                &text,
                r#"graphql_operations_total{operation="other",type="query"}"#
            ),
            Some(1.0),
            "{text}"
        );
        assert_eq!(
            sample(
                &text,
                r#"graphql_operations_total{operation="X",type="other"}"#
            ),
            Some(1.0)
        );
        assert_eq!(
            sample(&text, r#"graphql_errors_total{code="other"}"#),
            Some(1.0)
        );
    }

    #[test]
    fn graph_and_websocket_gauges_follow_their_setters() {
        let m = Metrics::new();
        m.set_graph(42, 99, 7);
        m.ws_opened();
        m.ws_opened();
        m.ws_closed();
        let text = m.clone().render();
        assert_eq!(sample(&text, "graph_nodes"), Some(42.0), "{text}");
        assert_eq!(sample(&text, "graph_relations"), Some(99.0));
        assert_eq!(sample(&text, "graph_version"), Some(7.0));
        assert_eq!(sample(&text, "ws_connections"), Some(1.0));
    }
}
