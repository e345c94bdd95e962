//! GraphQL over HTTP details a client relies on: media types, caching of GET queries, and
//! Automatic Persisted Queries.

use serde_json::{Value, json};

use crate::helpers::spawn_app;

fn sha256_hex(s: &str) -> String {
    // Computed by the system's sha256sum so the test does not share code with the server.
    let out = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(s.as_bytes())?;
            c.wait_with_output()
        })
        .expect("sha256sum runs");
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn persisted_queries_follow_apollos_protocol() {
    let app = spawn_app().await;
    let q = "{ entity(id: \"state/norway\") { name } }";
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256_hex(q) } });
    let post = |body: Value| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/graphql"))
                .header("content-type", "application/json")
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    // Unknown hash: the client is told to send the query.
    let first = post(json!({ "extensions": ext })).await;
    assert_eq!(
        first["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND",
        "{first:#}"
    );
    // Query with hash: answered and remembered.
    let second = post(json!({ "query": q, "extensions": ext })).await;
    assert_eq!(second["data"]["entity"]["name"], "Norway", "{second:#}");
    // Hash alone now works.
    let third = post(json!({ "extensions": ext })).await;
    assert_eq!(third["data"]["entity"]["name"], "Norway", "{third:#}");
}

#[tokio::test]
async fn a_get_query_can_be_revalidated_with_its_etag() {
    let app = spawn_app().await;
    let url =
        app.url("/graphql?query=%7B%20entity(id%3A%22state%2Fnorway%22)%20%7B%20name%20%7D%20%7D");
    let first = app.client.get(&url).send().await.unwrap();
    assert_eq!(first.status().as_u16(), 200);
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(first.headers()["cache-control"], "no-cache");
    let again = app
        .client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    let other = app
        .client
        .get(&url)
        .header("if-none-match", "\"stale\"")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status().as_u16(), 200);
    // POSTs are never cached.
    let post = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(r#"{"query":"{ __typename }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(post.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn the_answer_type_follows_the_accept_header() {
    let app = spawn_app().await;
    let ask = |accept: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/graphql"))
                .header("content-type", "application/json")
                .header("accept", accept)
                .body(r#"{"query":"{ nope }"}"#)
                .send()
                .await
                .unwrap()
        }
    };
    let modern = ask("application/graphql-response+json").await;
    assert_eq!(modern.status().as_u16(), 400);
    assert!(
        modern.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/graphql-response+json")
    );
    let body: Value = modern.json().await.unwrap();
    assert!(body.get("data").is_none(), "{body:#}");
    let legacy = ask("application/json").await;
    assert_eq!(legacy.status().as_u16(), 200);
    assert!(
        legacy.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let refused = ask("text/html").await;
    assert_eq!(refused.status().as_u16(), 406);
}

#[tokio::test]
async fn a_mutation_over_get_is_405_with_allow_post() {
    let app = spawn_app().await;
    let resp = app
        .client
        .get(app.url(
            "/graphql?query=mutation%7BdeleteRelation(input%3A%7Bid%3A%22x%22%7D)%7Bversion%7D%7D",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    assert_eq!(resp.headers()["allow"], "POST");
}

#[tokio::test]
async fn a_refused_write_is_403_or_401_for_clients_of_the_modern_media_type() {
    let read_only = spawn_app().await;
    let writable = crate::helpers::spawn_writable_app(None).await;
    let mutation = r#"{"query":"mutation { deleteRelation(input: { id: \"x\" }) { version } }"}"#;
    for (app, status, code) in [
        (&read_only, 403, "FORBIDDEN"),
        (&writable, 401, "UNAUTHENTICATED"),
    ] {
        let resp = app
            .client
            .post(app.url("/graphql"))
            .header("content-type", "application/json")
            .header("accept", "application/graphql-response+json")
            .body(mutation)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body:#}");
    }
}
