//! Hostile input: requests built to exhaust the server. Each must get a clear error with a
//! stable code, over HTTP and over the WebSocket alike, and the server must go on answering
//! everyone else. (`transports.rs` runs the whole list side by side on both.)

use std::sync::Arc;

use newsgraph::http::HttpConfig;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_with};
use crate::websocket::{connect_initialised, operation, ws_code};

/// A server with `config` instead of the defaults.
async fn post_raw(app: &TestApp, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", content_type)
        .header("accept", "application/graphql-response+json")
        .body(body)
        .send()
        .await
        .expect("the server answers");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
}

/// The server still answers an ordinary question correctly.
async fn still_serves(app: &TestApp) {
    let body = app.query("{ entity(id: \"state/norway\") { name } }").await;
    assert_eq!(body["data"]["entity"]["name"], "Norway", "{body:#}");
}

/// Asserts that the same request sent over the WebSocket is refused with the same code.
async fn refused_over_ws(app: &TestApp, payload: Value, expected: &str) {
    let mut ws = connect_initialised(app.addr).await;
    let msg = operation(&mut ws, "1", payload).await;
    assert_eq!(
        (msg["type"].as_str(), ws_code(&msg)),
        (Some("error"), expected),
        "{msg:#}"
    );
}

/// Asserts a refusal with `status` and `code` over HTTP and with `code` over the WebSocket,
/// then that the server still serves.
async fn refused(app: &TestApp, body: Value, status: u16, expected: &str) {
    refused_over_ws(app, body.clone(), expected).await;
    let (s, b) = post_raw(app, "application/json", body.to_string().into_bytes()).await;
    assert_eq!((s, code(&b)), (status, expected), "{b:#}");
    assert!(
        b.get("data").is_none(),
        "a refused request has no data: {b:#}"
    );
    let msg = b["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        !msg.contains("panicked") && !msg.contains("src/") && !msg.contains("Error {"),
        "{msg}"
    );
    still_serves(app).await;
}

#[tokio::test]
async fn deeply_nested_selections_are_refused_before_parsing() {
    let app = spawn_app().await;
    let q = format!(
        "{}{}",
        "{ entities { nodes { relations { entities ".repeat(200),
        "}".repeat(800)
    );
    refused(&app, json!({ "query": q }), 400, "QUERY_TOO_COMPLEX").await;
}

#[tokio::test]
async fn a_selection_deeper_than_the_depth_limit_is_refused() {
    let app = spawn_app().await;
    // 20 levels: under the nesting guard, over the depth limit.
    let q = format!(
        "{{ entity(id: \"state/estonia\") {{ {} id {} }} }}",
        "relations { entities { ".repeat(9),
        "} } ".repeat(9)
    );
    refused(&app, json!({ "query": q }), 400, "QUERY_TOO_COMPLEX").await;
}

#[tokio::test]
async fn deeply_nested_argument_values_are_refused() {
    let app = spawn_app().await;
    let q = format!(
        "{{ search(query: \"x\", kinds: {}STATE{}) {{ totalCount }} }}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    refused(&app, json!({ "query": q }), 400, "QUERY_TOO_COMPLEX").await;
}

#[tokio::test]
async fn deeply_nested_variables_are_a_bad_request() {
    let app = spawn_app().await;
    let vars = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let body = format!(
        r#"{{"query":"query($v: [ID!]) {{ nodes(ids: $v) {{ id }} }}","variables":{{"v":{vars}}}}}"#
    );
    let (s, b) = post_raw(&app, "application/json", body.into_bytes()).await;
    assert_eq!((s, code(&b)), (400, "BAD_REQUEST"), "{b:#}");
    still_serves(&app).await;
}

#[tokio::test]
async fn an_exponential_fragment_expansion_is_refused_without_expanding_it() {
    let app = spawn_app().await;
    // f30 expands to 2^30 fields.
    let mut q = String::from("query { ...f30 } fragment f0 on Query { __typename }\n");
    for i in 1..=30 {
        q.push_str(&format!(
            "fragment f{i} on Query {{ ...f{p} ...f{p} }}\n",
            p = i - 1
        ));
    }
    refused(&app, json!({ "query": q }), 400, "QUERY_TOO_COMPLEX").await;
}

#[tokio::test]
async fn a_chain_of_fragments_ending_in_an_undefined_one_is_refused_without_expanding_it() {
    // f0 is never defined, so the chain selects no field for the field limit to count, and
    // expanding f40 would take 2^40 steps (24 levels took async-graphql's validation a minute).
    let mut q = String::from("query { ...f40 }\n");
    for i in 1..=40 {
        q.push_str(&format!(
            "fragment f{i} on Query {{ ...f{p} ...f{p} }}\n",
            p = i - 1
        ));
    }
    let app = spawn_app().await;
    refused(
        &app,
        json!({ "query": q }),
        400,
        "GRAPHQL_VALIDATION_FAILED",
    )
    .await;
    let body = app.query(&q).await;
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("unknown fragment `f0`"), "{body:#}");
}

#[tokio::test]
async fn thousands_of_aliases_are_refused() {
    let app = spawn_app().await;
    let q = format!(
        "{{ {} }}",
        (0..3000)
            .map(|i| format!("a{i}: __typename"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    refused(&app, json!({ "query": q }), 400, "QUERY_TOO_COMPLEX").await;
}

#[tokio::test]
async fn repeated_directives_are_refused() {
    let app = spawn_app().await;
    let q = format!("{{ __typename {} }}", "@skip(if: false) ".repeat(50));
    let (s, b) = post_raw(
        &app,
        "application/json",
        json!({ "query": q }).to_string().into_bytes(),
    )
    .await;
    assert_eq!(s, 400, "{b:#}");
    assert!(
        ["QUERY_TOO_COMPLEX", "GRAPHQL_VALIDATION_FAILED"].contains(&code(&b)),
        "{b:#}"
    );
    still_serves(&app).await;
}

#[tokio::test]
async fn a_query_longer_than_the_limit_is_refused() {
    let app = spawn_app().await;
    let q = format!("{{ __typename }} # {}", "x".repeat(40 * 1024));
    refused(&app, json!({ "query": q }), 400, "QUERY_TOO_COMPLEX").await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let app = spawn_app().await;
    let body =
        json!({ "query": "{ __typename }", "variables": { "pad": "x".repeat(2 * 1024 * 1024) } });
    let (s, b) = post_raw(&app, "application/json", body.to_string().into_bytes()).await;
    assert_eq!((s, code(&b)), (413, "PAYLOAD_TOO_LARGE"), "{b:#}");
    still_serves(&app).await;
}

#[tokio::test]
async fn huge_numbers_and_strings_in_arguments_are_bad_user_input() {
    let app = spawn_app().await;
    for q in [
        "{ entities(first: 99999999999999999999999) { totalCount } }",
        "{ entities(first: 1e308) { totalCount } }",
        "{ path(from: \"state/estonia\", to: \"org/nato\", maxHops: -2147483649) { found } }",
    ] {
        let (s, b) = post_raw(
            &app,
            "application/json",
            json!({ "query": q }).to_string().into_bytes(),
        )
        .await;
        // 400 when refused before execution; 200 with `data: null` when an argument fails to
        // convert as its field runs. Never a 5xx.
        assert!(
            s == 400 || (s == 200 && b["data"].is_null()),
            "{q}: {s} {b:#}"
        );
        assert!(
            ["BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"].contains(&code(&b)),
            "{q}: {b:#}"
        );
    }
    let long = "ä".repeat(10_000);
    let body = app
        .query_vars(
            "query($q: String!) { search(query: $q) { totalCount } }",
            json!({ "q": long }),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body:#}");
    still_serves(&app).await;
}

#[tokio::test]
async fn malformed_bytes_and_unicode_are_a_bad_request() {
    let app = spawn_app().await;
    let (s, b) = post_raw(
        &app,
        "application/json",
        vec![b'{', b'"', b'q', 0xff, 0xfe, b'"', b'}'],
    )
    .await;
    assert_eq!((s, code(&b)), (400, "BAD_REQUEST"), "{b:#}");
    // Lone surrogates and odd scripts inside a valid query are just text to search for.
    let body = app
        .query_vars(
            "query($q: String!) { search(query: $q) { totalCount } }",
            json!({ "q": "\u{202e}\u{fffd}𝔈𝔰𝔱𝔬𝔫𝔦𝔞" }),
        )
        .await;
    assert!(
        body["errors"].is_null() || code(&body) == "BAD_USER_INPUT",
        "{body:#}"
    );
    still_serves(&app).await;
}

#[tokio::test]
async fn batches_are_refused() {
    let app = spawn_app().await;
    let body = json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }]);
    let (s, b) = post_raw(&app, "application/json", body.to_string().into_bytes()).await;
    assert_eq!((s, code(&b)), (400, "BAD_REQUEST"), "{b:#}");
    still_serves(&app).await;
}

#[tokio::test]
async fn only_json_is_executed_so_forms_and_text_cannot_forge_requests() {
    let app = spawn_app().await;
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin1",
    ] {
        let (s, b) = post_raw(&app, ct, br#"{"query":"{ __typename }"}"#.to_vec()).await;
        assert_eq!(
            (s, code(&b)),
            (415, "UNSUPPORTED_MEDIA_TYPE"),
            "{ct}: {b:#}"
        );
    }
    still_serves(&app).await;
}

#[tokio::test]
async fn a_result_over_the_item_budget_is_refused_while_small_ones_pass() {
    let mut config = HttpConfig::default();
    config.limits.max_items = 30;
    let app = spawn_with(config).await;
    let q = "{ entities(first: 100) { nodes { relations(first: 100) { entities { id } } } } }";
    let body = app.query(q).await;
    assert_eq!(code(&body), "RESULT_TOO_LARGE", "{body:#}");
    let small = app.query("{ entities(first: 5) { nodes { id } } }").await;
    assert_eq!(
        small["data"]["entities"]["nodes"].as_array().unwrap().len(),
        5,
        "{small:#}"
    );
}

#[tokio::test]
async fn a_response_over_the_size_limit_is_replaced_by_an_error() {
    let config = HttpConfig {
        max_response_bytes: 2_000,
        ..HttpConfig::default()
    };
    let app = spawn_with(config).await;
    let body = app
        .query("{ entities(kinds: [SOURCE]) { nodes { ... on Source { text } } } }")
        .await;
    assert_eq!(code(&body), "RESULT_TOO_LARGE", "{body:#}");
    still_serves(&app).await;
}

#[tokio::test]
async fn introspection_can_be_switched_off() {
    let mut config = HttpConfig::default();
    config.limits.introspection = false;
    config.graphiql = false;
    let app = spawn_with(config).await;
    for q in [
        "{ __schema { types { name } } }",
        "{ __type(name: \"Query\") { name } }",
        "query { ...F } fragment F on Query { __schema { queryType { name } } }",
    ] {
        let body = app.query(q).await;
        assert_eq!(code(&body), "INTROSPECTION_DISABLED", "{body:#}");
        assert!(body.get("data").is_none(), "{body:#}");
        refused_over_ws(&app, json!({ "query": q }), "INTROSPECTION_DISABLED").await;
    }
    // Nor do error messages hint at field names.
    let body = app.query("{ entitie { totalCount } }").await;
    let msg = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(!msg.contains("Did you mean"), "{msg}");
    // `__typename` is not introspection and keeps working.
    let body = app.query("{ __typename }").await;
    assert_eq!(body["data"]["__typename"], "Query", "{body:#}");
    assert_eq!(app.get("/graphiql").await.status().as_u16(), 404);
    still_serves(&app).await;
}

#[tokio::test]
async fn many_hostile_requests_at_once_leave_the_server_serving() {
    let app = Arc::new(spawn_app().await);
    let bomb = {
        let mut q = String::from("query { ...f20 } fragment f0 on Query { __typename }\n");
        for i in 1..=20 {
            q.push_str(&format!(
                "fragment f{i} on Query {{ ...f{p} ...f{p} }}\n",
                p = i - 1
            ));
        }
        q
    };
    let mut tasks = vec![];
    for i in 0..40 {
        let app = app.clone();
        let bomb = bomb.clone();
        tasks.push(tokio::spawn(async move {
            let q = if i % 2 == 0 { bomb } else { "{".repeat(20_000) };
            let (s, _) = post_raw(
                &app,
                "application/json",
                json!({ "query": q }).to_string().into_bytes(),
            )
            .await;
            s
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 400);
    }
    still_serves(&app).await;
}
