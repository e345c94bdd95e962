//! Every error a client can cause carries a stable `extensions.code`; plus the plain HTTP routes.

use newsgraph::http::HttpConfig;
use serde_json::{Value, json};

use crate::helpers::{TestApp, ok_data, single_error, spawn_app, spawn_with};

#[tokio::test]
async fn a_page_larger_than_100_or_negative_is_bad_user_input() {
    let app = spawn_app().await;
    for q in [
        "{ entities(first: 101) { totalCount } }",
        "{ entities(first: -1) { totalCount } }",
        "{ entities(last: 101) { totalCount } }",
        "{ events(first: 1000) { totalCount } }",
        "{ search(query: \"estonia\", last: -5) { totalCount } }",
    ] {
        let resp = app.query(q).await;
        let err = single_error(&resp, "BAD_USER_INPUT");
        assert!(resp["data"].is_null(), "{q}: {resp:#}");
        // Refused before execution, as GitHub does: the location says where.
        assert!(
            err["locations"].is_array(),
            "{q}: the error says where: {err:#}"
        );
    }
    // 100 is the limit, not beyond it.
    let data = ok_data(app.query("{ entities(first: 100) { totalCount } }").await);
    assert!(data["entities"]["totalCount"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn a_nested_page_too_large_is_bad_user_input() {
    let app = spawn_app().await;
    // Through a fragment, through the interface, and from a variable: the same refusal.
    for (q, vars) in [
        (
            "{ entity(id: \"state/estonia\") { ... on State { relations(first: 500) { totalCount } } } }",
            json!({}),
        ),
        (
            "{ entity(id: \"state/estonia\") { relations(first: 500) { totalCount } } }",
            json!({}),
        ),
        (
            "query($n: Int) { entities { nodes { events(last: $n) { totalCount } } } }",
            json!({ "n": 101 }),
        ),
    ] {
        let resp = app.query_vars(q, vars).await;
        let err = single_error(&resp, "BAD_USER_INPUT");
        assert!(resp["data"].is_null(), "{q}: {resp:#}");
        assert!(
            err["message"]
                .as_str()
                .unwrap()
                .contains("between 0 and 100"),
            "{err:#}"
        );
        assert!(err["locations"].is_array(), "{err:#}");
    }
}

#[tokio::test]
async fn asking_for_both_first_and_last_is_bad_user_input() {
    let app = spawn_app().await;
    let resp = app
        .query("{ entities(first: 2, last: 2) { totalCount } }")
        .await;
    let err = single_error(&resp, "BAD_USER_INPUT");
    assert_eq!(err["path"], json!(["entities"]));
}

#[tokio::test]
async fn a_cursor_not_made_by_the_api_is_bad_user_input() {
    let app = spawn_app().await;
    // Not base64; base64 of something without the cursor prefix; not UTF-8.
    for cursor in ["not a cursor!", "eA", "_w"] {
        for arg in ["after", "before"] {
            let resp = app
                .query_vars(
                    &format!("query($c: String) {{ entities({arg}: $c) {{ totalCount }} }}"),
                    json!({ "c": cursor }),
                )
                .await;
            let err = single_error(&resp, "BAD_USER_INPUT");
            assert!(err["message"].as_str().unwrap().contains(arg), "{err:#}");
        }
    }
}

#[tokio::test]
async fn an_unknown_id_gives_null_and_not_found_with_a_path() {
    let app = spawn_app().await;
    for (field, id) in [
        ("entity", "state/atlantis"),
        ("entity", "Not An Id"),
        ("node", "person/nobody"),
        ("relation", "state/estonia:PARTY_TO:state/norway"),
    ] {
        let resp = app
            .query_vars(
                &format!("query($id: ID!) {{ {field}(id: $id) {{ id }} }}"),
                json!({ "id": id }),
            )
            .await;
        let err = single_error(&resp, "NOT_FOUND");
        assert_eq!(resp["data"], json!({ field: null }), "{field}({id})");
        assert_eq!(err["path"], json!([field]));
        assert!(err["message"].as_str().unwrap().contains(id), "{err:#}");
    }
}

#[tokio::test]
async fn a_missing_entity_does_not_spoil_the_rest_of_the_query() {
    let app = spawn_app().await;
    let resp = app
        .query(
            "{ a: entity(id: \"state/atlantis\") { id } b: entity(id: \"state/norway\") { name } }",
        )
        .await;
    let err = single_error(&resp, "NOT_FOUND");
    assert_eq!(err["path"], json!(["a"]));
    assert!(resp["data"]["a"].is_null());
    assert_eq!(resp["data"]["b"]["name"], "Norway");
}

#[tokio::test]
async fn nodes_gives_null_in_place_of_an_unknown_id() {
    let app = spawn_app().await;
    let data = ok_data(
        app.query("{ nodes(ids: [\"state/estonia\", \"state/atlantis\", \"org/un\"]) { id } }")
            .await,
    );
    assert_eq!(
        data["nodes"],
        json!([{ "id": "state/estonia" }, null, { "id": "org/un" }])
    );
}

#[tokio::test]
async fn nodes_takes_at_most_100_ids() {
    let app = spawn_app().await;
    let ids: Vec<String> = (0..101).map(|i| format!("state/s{i}")).collect();
    let resp = app
        .query_vars(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ids }),
        )
        .await;
    single_error(&resp, "BAD_USER_INPUT");
    let resp = app
        .query_vars(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ids[..100] }),
        )
        .await;
    let data = ok_data(resp);
    assert_eq!(data["nodes"].as_array().unwrap().len(), 100);
}

#[tokio::test]
async fn an_impossible_or_malformed_date_is_bad_user_input() {
    let app = spawn_app().await;
    for q in [
        "{ events(from: \"2025-13-01\") { totalCount } }",
        "{ events(to: \"2025-02-30\") { totalCount } }",
        "{ events(from: \"2025-6-1\") { totalCount } }",
        "{ events(from: \"2025-06-27T00:00\") { totalCount } }",
        "{ entity(id: \"state/estonia\") { ... on State { relations(asOf: \"June 2025\") { totalCount } } } }",
    ] {
        let resp = app.query(q).await;
        single_error(&resp, "BAD_USER_INPUT");
    }
    let resp = app
        .query_vars(
            "query($d: Date) { events(from: $d) { totalCount } }",
            json!({ "d": "2025-13-01" }),
        )
        .await;
    single_error(&resp, "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_range_that_ends_before_it_starts_is_bad_user_input() {
    let app = spawn_app().await;
    let resp = app
        .query("{ events(from: \"2025-07-01\", to: \"2025-06-01\") { totalCount } }")
        .await;
    let err = single_error(&resp, "BAD_USER_INPUT");
    assert_eq!(err["path"], json!(["events"]));
    // A one-day range is fine.
    ok_data(
        app.query("{ events(from: \"2025-06-27\", to: \"2025-06-27\") { totalCount } }")
            .await,
    );
}

#[tokio::test]
async fn events_involving_an_unknown_entity_is_not_found() {
    let app = spawn_app().await;
    let resp = app
        .query("{ events(involving: \"nope/x\") { totalCount } }")
        .await;
    let err = single_error(&resp, "NOT_FOUND");
    assert_eq!(err["path"], json!(["events"]));
}

#[tokio::test]
async fn a_syntax_error_is_graphql_parse_failed() {
    let app = spawn_app().await;
    for q in ["{ entities(first: 1 { totalCount } }", "{", "query {"] {
        let resp = app.query(q).await;
        single_error(&resp, "GRAPHQL_PARSE_FAILED");
        assert!(resp["data"].is_null());
    }
}

#[tokio::test]
async fn an_unknown_field_is_graphql_validation_failed() {
    let app = spawn_app().await;
    for q in [
        "{ entities { bogus } }",
        "{ entity(id: \"state/estonia\") { id colour } }",
        "{ entities(colour: RED) { totalCount } }",
    ] {
        let resp = app.query(q).await;
        single_error(&resp, "GRAPHQL_VALIDATION_FAILED");
    }
}

#[tokio::test]
async fn a_variable_of_the_wrong_type_is_bad_user_input() {
    let app = spawn_app().await;
    let resp = app
        .query_vars(
            "query($n: Int) { entities(first: $n) { totalCount } }",
            json!({ "n": "three" }),
        )
        .await;
    single_error(&resp, "BAD_USER_INPUT");
}

#[tokio::test]
async fn every_error_response_carries_a_code() {
    let app = spawn_app().await;
    for q in [
        "{ entities(kinds: [PLANET]) { totalCount } }",
        "{ entities(first: \"x\") { totalCount } }",
        "query A { entities { totalCount } } query A { entities { totalCount } }",
        "{ search { totalCount } }",
        "",
    ] {
        let resp = app.query(q).await;
        let errors = resp["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("{q}: {resp:#}"));
        assert!(!errors.is_empty());
        for e in errors {
            assert!(e["extensions"]["code"].is_string(), "{q}: no code in {e:#}");
        }
    }
}

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let resp = app.get("/healthz").await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn the_root_is_the_explorer_whatever_its_query_string() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/?focus=state/estonia&asOf=2025-12-27",
        "/?focus=%00nonsense",
    ] {
        let resp = app.get(path).await;
        assert_eq!(resp.status().as_u16(), 200, "{path}");
        assert_eq!(resp.headers()["cache-control"], "no-cache", "{path}");
        assert!(
            resp.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("script-src 'self'"),
            "{path}"
        );
        let body = resp.text().await.unwrap();
        assert!(body.contains("newsgraph explorer"), "{path}: {body}");
        assert!(!body.contains("://"), "nothing from another host: {body}");
        for asset in body.split("assets/").skip(1) {
            let name = asset.split('"').next().unwrap();
            let got = app.get(&format!("/assets/{name}")).await;
            assert_eq!(got.status().as_u16(), 200, "{name}");
        }
    }
}

#[tokio::test]
async fn without_the_explorer_the_root_leads_to_graphiql() {
    let app = spawn_with(HttpConfig {
        explorer: false,
        ..HttpConfig::default()
    })
    .await;
    let resp = app.get("/").await;
    assert!(resp.status().is_redirection(), "{}", resp.status());
    assert_eq!(resp.headers()["location"], "/graphiql");
    // In production GraphiQL is off and the explorer alone is served, with its assets.
    let app = spawn_with(HttpConfig {
        graphiql: false,
        ..HttpConfig::default()
    })
    .await;
    assert_eq!(app.get("/graphiql").await.status().as_u16(), 404);
    let page = app.get("/").await.text().await.unwrap();
    let script = page
        .split("assets/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert_eq!(
        app.get(&format!("/assets/{script}"))
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn graphiql_is_served_as_html() {
    let app = spawn_app().await;
    let resp = app.get("/graphiql").await;
    assert_eq!(resp.status().as_u16(), 200);
    let ctype = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ctype.starts_with("text/html"), "{ctype}");
    assert_eq!(resp.headers()["cache-control"], "no-cache");
    let csp = resp.headers()["content-security-policy"].to_str().unwrap();
    assert!(!csp.contains("://"), "the CSP names no other host: {csp}");
    let body = resp.text().await.unwrap();
    assert!(body.to_lowercase().contains("graphiql"));
    assert!(
        !body.contains("://"),
        "the page loads nothing from another host: {body}"
    );
}

/// The names of the assets the GraphiQL page loads.
async fn page_assets(app: &TestApp) -> Vec<String> {
    let page = app.get("/graphiql").await.text().await.unwrap();
    let names: Vec<String> = page
        .split("assets/")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect();
    assert!(
        names.iter().any(|n| n.ends_with(".js")) && names.iter().any(|n| n.ends_with(".css")),
        "a script and a style sheet: {page}"
    );
    names
}

#[tokio::test]
async fn graphiql_assets_are_served_in_the_encoding_asked_for_and_cached_for_good() {
    use std::io::Read;
    let app = spawn_app().await;
    for name in page_assets(&app).await {
        let fetch = |encoding: &'static str| {
            let url = app.url(&format!("/assets/{name}"));
            let client = app.client.clone();
            async move {
                let resp = client
                    .get(url)
                    .header("accept-encoding", encoding)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status().as_u16(), 200);
                let h = resp.headers().clone();
                assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
                assert_eq!(h["vary"], "accept-encoding");
                let coding = h
                    .get("content-encoding")
                    .map(|v| v.to_str().unwrap().to_owned());
                let ctype = h["content-type"].to_str().unwrap().to_owned();
                (coding, ctype, resp.bytes().await.unwrap().to_vec())
            }
        };
        let (plain_coding, ctype, plain) = fetch("identity").await;
        assert_eq!(plain_coding, None, "{name}: identity is sent as it is");
        let want = if name.ends_with(".js") {
            "text/javascript"
        } else {
            "text/css"
        };
        assert!(ctype.starts_with(want), "{name}: {ctype}");

        let (coding, _, br) = fetch("gzip, br").await;
        assert_eq!(coding.as_deref(), Some("br"), "{name}");
        assert!(
            br.len() < plain.len() / 2,
            "{name}: {} of {} bytes",
            br.len(),
            plain.len()
        );
        let mut unpacked = Vec::new();
        brotli_decompressor::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut unpacked)
            .unwrap();
        assert!(unpacked == plain, "{name}: the brotli copy is the asset");

        let (coding, _, gz) = fetch("gzip").await;
        assert_eq!(coding.as_deref(), Some("gzip"), "{name}");
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut unpacked)
            .unwrap();
        assert!(unpacked == plain, "{name}: the gzip copy is the asset");

        let (coding, _, _) = fetch("br;q=0, gzip").await;
        assert_eq!(
            coding.as_deref(),
            Some("gzip"),
            "{name}: q=0 refuses brotli"
        );
    }
    let missing = app.get("/assets/graphiql-NOSUCHHASH.js").await;
    assert_eq!(missing.status().as_u16(), 404);
    let escape = app.get("/assets/..%2Fgraphiql").await;
    assert_eq!(
        escape.status().as_u16(),
        404,
        "names are looked up, never paths"
    );
}

#[tokio::test]
async fn graphql_also_answers_get_requests() {
    let app = spawn_app().await;
    let url = reqwest::Url::parse_with_params(
        &app.url("/graphql"),
        [("query", "{ entity(id: \"state/norway\") { name } }")],
    )
    .unwrap();
    let resp = app.client.get(url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(ok_data(body)["entity"]["name"], "Norway");
}

#[tokio::test]
async fn an_unknown_path_is_404() {
    let app = spawn_app().await;
    assert_eq!(app.get("/nope").await.status().as_u16(), 404);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_bad_request_in_either_media_type() {
    let app = spawn_app().await;
    // The GraphQL-over-HTTP draft (and graphql-http's audit): 400 for an unparsable body,
    // whichever media type the client accepts.
    for (accept, status) in [
        ("application/graphql-response+json", 400),
        ("application/json", 400),
    ] {
        let resp = app
            .client
            .post(app.url("/graphql"))
            .header("content-type", "application/json")
            .header("accept", accept)
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status, "{accept}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_REQUEST",
            "{body:#}"
        );
        assert!(body.get("data").is_none(), "{body:#}");
        assert!(
            !body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("InvalidRequest")
        );
    }
}
