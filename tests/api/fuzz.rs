//! Property-based fuzzing of the GraphQL endpoint: random bodies, random query texts built
//! from GraphQL's tokens, and random variables. Whatever comes in, the server answers with a
//! status below 500 and a JSON body, and keeps serving. The budget is bounded for CI
//! (`PROPTEST_CASES` raises it).

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;

use crate::helpers::spawn_app;

/// Pieces of GraphQL, valid and not, to build query texts from.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("...".to_string()),
        Just("fragment f on Query".to_string()),
        Just("...f".to_string()),
        Just("query".to_string()),
        Just("mutation".to_string()),
        Just("subscription".to_string()),
        Just("@skip(if: true)".to_string()),
        Just("$v".to_string()),
        Just(":".to_string()),
        Just("entities".to_string()),
        Just("entity(id: \"state/estonia\")".to_string()),
        Just("relations(first: 3)".to_string()),
        Just("nodes".to_string()),
        Just("id".to_string()),
        Just("name".to_string()),
        Just("__typename".to_string()),
        Just("search(query: \"tsa\")".to_string()),
        Just("path(from: \"person/alar-karis\", to: \"org/nato\")".to_string()),
        Just("... on State".to_string()),
        "[a-zA-Z_][a-zA-Z0-9_]{0,8}",
        "-?[0-9]{1,25}",
        "\"[^\"\\\\]{0,12}\"",
        any::<char>().prop_map(|c| c.to_string()),
    ]
}

fn query_text() -> impl Strategy<Value = String> {
    prop::collection::vec(token(), 0..60).prop_map(|t| t.join(" "))
}

#[test]
fn random_requests_never_get_a_5xx_and_never_stop_the_server() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(spawn_app());
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(400);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let body = prop_oneof![
        query_text().prop_map(|q| json!({ "query": q }).to_string().into_bytes()),
        (query_text(), any::<i64>(), ".{0,20}").prop_map(|(q, n, s)| {
            json!({ "query": q, "variables": { "v": n, "s": s }, "operationName": null })
                .to_string()
                .into_bytes()
        }),
        prop::collection::vec(any::<u8>(), 0..200),
    ];
    runner
        .run(&body, |bytes| {
            let status = rt.block_on(async {
                let resp = app
                    .client
                    .post(app.url("/graphql"))
                    .header("content-type", "application/json")
                    .body(bytes.clone())
                    .send()
                    .await
                    .expect("the server answers");
                let status = resp.status().as_u16();
                let text = resp.text().await.unwrap_or_default();
                assert!(
                    serde_json::from_str::<serde_json::Value>(&text).is_ok(),
                    "not JSON: {text}"
                );
                status
            });
            prop_assert!(
                status < 500,
                "status {} for {:?}",
                status,
                String::from_utf8_lossy(&bytes)
            );
            Ok(())
        })
        .unwrap();
    let ok = rt.block_on(app.query("{ entity(id: \"state/norway\") { name } }"));
    assert_eq!(ok["data"]["entity"]["name"], "Norway");
}
