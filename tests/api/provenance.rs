//! Provenance of writes: named write tokens, who and when in the journal, and every record's
//! `createdAt`/`createdBy`/`updatedAt`/`updatedBy`/`history`, through a restart and a
//! compaction, with the real binary on a temporary data directory.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{
    Binary, SOURCE_ID, TOKEN, newsgraph_command, ok_data, run_to_exit, single_error,
    spawn_writable_app,
};

const ALICE: &str = "alice-token-0123456789abcdef";
const BOB: &str = "bob-token-0123456789abcdef";

/// The binary on `dir` with a token file naming two writers, `alice` and `bob.desk@example`.
fn on_data_dir(dir: &Path, tokens: &Path) -> Command {
    let mut cmd = newsgraph_command();
    cmd.arg("--data-dir")
        .arg(dir)
        .arg("--write-token-file")
        .arg(tokens);
    cmd
}

fn token_file(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("tokens");
    std::fs::write(
        &path,
        format!("# the newsroom's writers\nalice:{ALICE}\n\nbob.desk@example: {BOB}\n"),
    )
    .unwrap();
    path
}

async fn post(bin: &Binary, q: &str, vars: Value, token: Option<&str>) -> Value {
    let mut req = reqwest::Client::new()
        .post(bin.url("/graphql"))
        .json(&json!({ "query": q, "variables": vars }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap().json().await.unwrap()
}

/// The payload of a write that must be applied.
async fn write(bin: &Binary, q: &str, vars: Value, token: &str) -> Value {
    let data = ok_data(post(bin, q, vars, Some(token)).await);
    let payload = data.as_object().unwrap().values().next().unwrap().clone();
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    payload
}

const CREATE: &str = "mutation($input: CreateEntityInput!) {
    createEntity(input: $input) { version userErrors { message } }
}";
const UPDATE: &str = "mutation($input: UpdateEntityInput!) {
    updateEntity(input: $input) { version userErrors { message } }
}";
const RELATE: &str = "mutation($input: CreateRelationInput!) {
    createRelation(input: $input) { version userErrors { message } }
}";

/// What the tests compare before and after a restart or a compaction.
const PROVENANCE: &str = "{
    x: entity(id: \"state/provenance-x\") {
        createdAt createdBy updatedAt updatedBy
        history { totalCount nodes { version at by clientMutationId operations touchedIds } }
    }
    seed: entity(id: \"state/estonia\") {
        createdAt createdBy updatedAt updatedBy
        history { totalCount nodes { version by } }
    }
    seedRelation: relation(id: \"person/alar-karis:HOLDS_OFFICE:state/estonia\") {
        createdAt history { totalCount }
    }
    relation(id: \"state/provenance-x:SUPPORTS:state/estonia\") {
        createdAt createdBy history { nodes { version by } }
    }
    writes { totalCount nodes { version at by operations } }
}";

fn time(v: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("a time: {v}")))
        .unwrap()
}

/// Alice creates `state/provenance-x`, Bob updates it, Alice relates it to Estonia (which
/// came from the seed) and updates it again: four writes.
async fn four_writes(bin: &Binary) {
    let x = "state/provenance-x";
    write(
        bin,
        CREATE,
        json!({ "input": { "id": x, "kind": "STATE", "name": "X",
        "clientMutationId": "alice-1" } }),
        ALICE,
    )
    .await;
    write(
        bin,
        UPDATE,
        json!({ "input": { "id": x, "description": "by Bob" } }),
        BOB,
    )
    .await;
    write(
        bin,
        RELATE,
        json!({ "input": { "type": "SUPPORTS", "from": x, "to": "state/estonia",
        "evidence": [{ "source": SOURCE_ID, "quote": "Estonia" }] } }),
        ALICE,
    )
    .await;
    write(
        bin,
        UPDATE,
        json!({ "input": { "id": x, "description": "by Alice" } }),
        ALICE,
    )
    .await;
}

#[tokio::test]
async fn writes_by_two_named_tokens_show_who_made_them_and_when_through_a_restart_and_a_compaction()
{
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let tokens = token_file(dir.path());
    let started = chrono::Utc::now() - chrono::Duration::seconds(1);
    let mut bin = Binary::start(on_data_dir(&data, &tokens));
    four_writes(&bin).await;
    let after = chrono::Utc::now() + chrono::Duration::seconds(1);

    let wrong = post(
        &bin,
        UPDATE,
        json!({ "input": { "id": "state/provenance-x",
        "description": "by Mallory" } }),
        Some("not-a-token-0123456789abcdef"),
    )
    .await;
    single_error(&wrong, "UNAUTHENTICATED");

    let got = ok_data(post(&bin, PROVENANCE, json!({}), None).await);
    let x = &got["x"];
    assert_eq!(x["createdBy"], "alice");
    assert_eq!(x["updatedBy"], "alice");
    let (created, updated) = (time(&x["createdAt"]), time(&x["updatedAt"]));
    assert!(
        started <= created && created <= updated && updated <= after,
        "{x:#}"
    );
    let history = &x["history"]["nodes"];
    let versions: Vec<u64> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["version"].as_u64().unwrap())
        .collect();
    assert_eq!(versions, vec![4, 3, 2, 1], "newest first");
    let by: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["by"].as_str().unwrap())
        .collect();
    assert_eq!(by, vec!["alice", "alice", "bob.desk@example", "alice"]);
    assert_eq!(history[3]["clientMutationId"], "alice-1");
    assert_eq!(history[3]["operations"], json!(["add_entity"]));
    assert_eq!(history[2]["operations"], json!(["update_entity"]));
    assert_eq!(time(&history[0]["at"]), updated);
    assert_eq!(time(&history[3]["at"]), created);
    assert!(
        history[1]["touchedIds"]
            .as_array()
            .unwrap()
            .contains(&json!("state/provenance-x:SUPPORTS:state/estonia"))
    );

    // Estonia came from the seed: a relation added to it is in its history, its creation is not.
    let seed = &got["seed"];
    assert_eq!(seed["createdAt"], Value::Null);
    assert_eq!(seed["createdBy"], Value::Null);
    assert_eq!(seed["updatedBy"], "alice");
    assert_eq!(
        seed["history"]["nodes"],
        json!([{ "version": 3, "by": "alice" }])
    );
    assert_eq!(got["seedRelation"]["createdAt"], Value::Null);
    assert_eq!(got["seedRelation"]["history"]["totalCount"], 0);
    assert_eq!(got["relation"]["createdBy"], "alice");
    assert_eq!(
        got["relation"]["history"]["nodes"],
        json!([{ "version": 3, "by": "alice" }])
    );
    assert_eq!(got["writes"]["totalCount"], 4);
    assert_eq!(got["writes"]["nodes"][2]["by"], "bob.desk@example");

    let journal = std::fs::read_to_string(data.join("journal.log")).unwrap();
    let lines: Vec<&str> = journal.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(
        lines[1].contains(r#""by":"bob.desk@example""#),
        "{}",
        lines[1]
    );
    assert!(lines.iter().all(|l| l.contains(r#""at":""#)), "{journal}");
    assert!(
        !journal.contains(ALICE) && !journal.contains(BOB),
        "no token in the journal"
    );
    assert!(!bin.log_text().contains(ALICE), "no token in the log");

    bin.sigterm();
    assert!(
        bin.wait_exit(Duration::from_secs(10))
            .await
            .is_some_and(|s| s.success())
    );
    let bin = Binary::start(on_data_dir(&data, &tokens));
    assert_eq!(
        ok_data(post(&bin, PROVENANCE, json!({}), None).await),
        got,
        "rebuilt from the journal"
    );
    drop(bin);

    let mut compact = newsgraph_command();
    compact.arg("--data-dir").arg(&data).arg("--compact");
    let out = run_to_exit(compact);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(data.join("journal.log")).unwrap(),
        ""
    );
    assert!(data.join("history.jsonl").is_file());
    let bin = Binary::start(on_data_dir(&data, &tokens));
    assert_eq!(
        ok_data(post(&bin, PROVENANCE, json!({}), None).await),
        got,
        "kept through the compaction"
    );
    write(
        &bin,
        UPDATE,
        json!({ "input": { "id": "state/provenance-x",
        "description": "after" } }),
        BOB,
    )
    .await;
    let x = ok_data(
        post(
            &bin,
            "{ entity(id: \"state/provenance-x\") {
        updatedBy history(first: 1) { nodes { version by } } } }",
            json!({}),
            None,
        )
        .await,
    );
    assert_eq!(x["entity"]["updatedBy"], "bob.desk@example");
    assert_eq!(
        x["entity"]["history"]["nodes"],
        json!([{ "version": 5, "by": "bob.desk@example" }])
    );
}

#[tokio::test]
async fn a_record_s_history_pages_newest_first_with_first_and_after() {
    let app = spawn_writable_app(None).await;
    let x = "state/paged";
    app.write(
        CREATE,
        json!({ "input": { "id": x, "kind": "STATE", "name": "P" } }),
    )
    .await;
    for i in 0..4 {
        app.write(
            UPDATE,
            json!({ "input": { "id": x, "description": format!("v{i}") } }),
        )
        .await;
    }
    let q = "query($after: String) { entity(id: \"state/paged\") {
        history(first: 2, after: $after) {
            totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
            edges { cursor node { version by } }
        } } }";
    let mut versions = vec![];
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let page = app.data_vars(q, json!({ "after": after })).await["entity"]["history"].clone();
        assert_eq!(page["totalCount"], 5);
        assert_eq!(page["pageInfo"]["hasPreviousPage"], pages > 0);
        for e in page["edges"].as_array().unwrap() {
            versions.push(e["node"]["version"].as_u64().unwrap());
            assert_eq!(e["node"]["by"], "editor", "a bare token is named editor");
        }
        pages += 1;
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(versions, vec![5, 4, 3, 2, 1]);
    assert_eq!(pages, 3);

    let all = app
        .data("{ writes(first: 2) { totalCount nodes { version } } }")
        .await;
    assert_eq!(
        all["writes"],
        json!({ "totalCount": 5, "nodes": [{ "version": 5 }, { "version": 4 }] })
    );
}

#[tokio::test]
async fn bad_history_page_arguments_are_bad_user_input() {
    let app = spawn_writable_app(None).await;
    for q in [
        "{ entity(id: \"state/estonia\") { history(first: 101) { totalCount } } }",
        "{ entity(id: \"state/estonia\") { history(first: -1) { totalCount } } }",
        "{ entity(id: \"state/estonia\") { history(after: \"bogus\") { totalCount } } }",
        "{ writes(after: \"azpub3QtYS1udW1iZXI\") { totalCount } }",
    ] {
        single_error(&app.query(q).await, "BAD_USER_INPUT");
    }
    let empty = app
        .data("{ entity(id: \"state/estonia\") { history { totalCount nodes { version } pageInfo { hasNextPage } } } writes { totalCount } }")
        .await;
    assert_eq!(
        empty,
        json!({ "entity": { "history": { "totalCount": 0, "nodes": [], "pageInfo": { "hasNextPage": false } } },
                "writes": { "totalCount": 0 } })
    );
}

#[tokio::test]
async fn a_write_s_payload_shows_its_own_provenance() {
    let app = spawn_writable_app(None).await;
    let resp = app
        .mutate_vars(
            "mutation { createEntity(input: { id: \"state/fresh\", kind: STATE, name: \"Fresh\",
                clientMutationId: \"c-1\" }) {
                version entity { createdBy updatedBy history { nodes { version by clientMutationId } } }
            } }",
            json!({}),
            Some(TOKEN),
        )
        .await;
    let p = &ok_data(resp)["createEntity"];
    assert_eq!(p["entity"]["createdBy"], "editor");
    assert_eq!(
        p["entity"]["history"]["nodes"],
        json!([{ "version": p["version"], "by": "editor", "clientMutationId": "c-1" }])
    );
}

#[tokio::test]
async fn history_pages_count_against_the_item_budget() {
    let store = newsgraph::store::Store::open(&newsgraph::seed::SeedSource::BuiltIn, None).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut config = newsgraph::http::HttpConfig::default();
    config.limits.max_items = 5;
    tokio::spawn(newsgraph::http::serve(
        listener,
        newsgraph::http::AppState::new(
            std::sync::Arc::new(store),
            Some(TOKEN.to_string()),
            config,
            newsgraph::http::Metrics::new(),
        ),
    ));
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/graphql");
    for i in 0..6 {
        let r: Value = client
            .post(&url)
            .bearer_auth(TOKEN)
            .json(&json!({ "query": format!(
                "mutation {{ createEntity(input: {{ id: \"state/b{i}\", kind: STATE, name: \"B\" }}) {{ version }} }}") }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ok_data(r);
    }
    let r: Value = client
        .post(&url)
        .json(&json!({ "query": "{ writes(first: 6) { nodes { version } } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    single_error(&r, "RESULT_TOO_LARGE");
}
