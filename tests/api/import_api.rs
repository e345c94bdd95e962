//! `importCsv`: Neo4j-shaped CSV text through the API as one all-or-nothing write, its
//! problems named by file, line and column, nothing applied when anything is refused.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::helpers::{TOKEN, TestApp, ok_data, single_error, spawn_writable_app};

const IMPORT: &str = "mutation($input: ImportCsvInput!) {
    importCsv(input: $input) { version imported touchedIds userErrors { field message code } }
}";

const SOURCE: &str = "source/test-riga-brief";
const TEXT: &str = "Riga brief. Latvia has been a member of NATO since 29 March 2004.";

/// A CSV row for `header`: the given cells by column name, the others empty.
fn row(header: &str, cells: &[(&str, &str)]) -> String {
    let cells: HashMap<&str, &str> = cells.iter().copied().collect();
    header
        .split(',')
        .map(|column| {
            let v = cells.get(column).copied().unwrap_or("");
            format!("\"{}\"", v.replace('"', "\"\""))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The headers of the files `GET /export` writes.
async fn headers(app: &TestApp) -> (String, String) {
    let get = |format: &str| {
        let url = format!("http://{}/export?format={format}", app.addr);
        async move {
            app.client
                .get(url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let first = |text: String| text.lines().next().unwrap().to_string();
    (
        first(get("csv-nodes").await),
        first(get("csv-relationships").await),
    )
}

/// A source, Latvia, and Latvia's membership of NATO quoting the source.
async fn latvia(app: &TestApp, membership_to: &str, published: &str) -> (String, String) {
    let (nodes_header, relationships_header) = headers(app).await;
    let nodes = [
        nodes_header.clone(),
        row(
            &nodes_header,
            &[
                ("id:ID", SOURCE),
                (":LABEL", "Source"),
                ("kind", "source"),
                ("name", "Riga brief"),
                ("published:datetime", published),
                ("language", "en"),
                ("text", TEXT),
            ],
        ),
        row(
            &nodes_header,
            &[
                ("id:ID", "state/latvia"),
                (":LABEL", "Entity;State"),
                ("kind", "state"),
                ("name", "Latvia"),
                ("sameAs", "[\"http://www.wikidata.org/entity/Q211\"]"),
            ],
        ),
    ]
    .join("\n");
    let evidence = json!([{ "source": SOURCE, "quote": "Latvia has been a member of NATO" }]);
    let relationships = [
        relationships_header.clone(),
        row(
            &relationships_header,
            &[
                (":START_ID", "state/latvia"),
                (":END_ID", membership_to),
                (":TYPE", "MEMBER_OF"),
                ("evidence", &evidence.to_string()),
            ],
        ),
    ]
    .join("\n");
    (nodes, relationships)
}

async fn import(app: &TestApp, nodes: &str, relationships: &str, token: Option<&str>) -> Value {
    app.mutate_vars(
        IMPORT,
        json!({ "input": { "nodes": nodes, "relationships": relationships } }),
        token,
    )
    .await
}

async fn count(app: &TestApp) -> Value {
    app.data_vars("{ stats { nodeCount relationCount } }", json!({}))
        .await
}

#[tokio::test]
async fn csv_rows_are_imported_as_one_write() {
    let app = spawn_writable_app(None).await;
    let (nodes, relationships) = latvia(&app, "org/nato", "2025-06-30T09:00:00Z").await;
    let data = ok_data(import(&app, &nodes, &relationships, Some(TOKEN)).await);
    let p = &data["importCsv"];
    assert_eq!(p["userErrors"], json!([]), "{p:#}");
    assert_eq!(p["imported"], 3);
    assert!(p["version"].as_u64().is_some());
    let touched: Vec<&str> = p["touchedIds"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(touched.contains(&"state/latvia"), "{touched:?}");
    let latvia = app
        .data_vars(
            "{ entity(id: \"state/latvia\") { sameAs relations { edges { type entity { id } evidence { quote } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        latvia["entity"]["sameAs"],
        json!(["http://www.wikidata.org/entity/Q211"])
    );
    let edge = &latvia["entity"]["relations"]["edges"][0];
    assert_eq!(edge["type"], "MEMBER_OF");
    assert_eq!(edge["entity"]["id"], "org/nato");
    assert_eq!(
        edge["evidence"][0]["quote"],
        "Latvia has been a member of NATO"
    );
}

#[tokio::test]
async fn a_bad_row_or_a_refused_record_names_its_line_and_nothing_is_applied() {
    let app = spawn_writable_app(None).await;
    let before = count(&app).await;

    // A cell of the wrong type: the reader's problem, by file, line and column.
    let (nodes, relationships) = latvia(&app, "org/nato", "the day before yesterday").await;
    let data = ok_data(import(&app, &nodes, &relationships, Some(TOKEN)).await);
    let errors = data["importCsv"]["userErrors"].as_array().unwrap().clone();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["field"], json!(["nodes"]));
    assert_eq!(errors[0]["code"], "INVALID");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("nodes.csv:2: column `published:datetime`"),
        "{message}"
    );
    assert!(data["importCsv"]["version"].is_null());

    // A relation to a node nobody has: the graph's refusal, by the relation's line.
    let (nodes, relationships) = latvia(&app, "org/atlantis", "2025-06-30T09:00:00Z").await;
    let data = ok_data(import(&app, &nodes, &relationships, Some(TOKEN)).await);
    let errors = &data["importCsv"]["userErrors"];
    assert_eq!(errors[0]["field"], json!(["relationships"]), "{errors:#}");
    assert_eq!(errors[0]["code"], "NOT_FOUND", "{errors:#}");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(message.starts_with("relationships.csv:2: "), "{message}");
    assert!(message.contains("org/atlantis"), "{message}");
    assert_eq!(data["importCsv"]["imported"], 0);
    assert_eq!(
        count(&app).await,
        before,
        "the source and Latvia were not added either"
    );

    // Without a token, a top-level error, as for every write.
    let (nodes, relationships) = latvia(&app, "org/nato", "2025-06-30T09:00:00Z").await;
    let resp = import(&app, &nodes, &relationships, None).await;
    single_error(&resp, "UNAUTHENTICATED");
    assert_eq!(count(&app).await, before);
}
