//! `GET /export`: downloads in the interchange formats, whole or a part, with their media
//! types and file names; bad parameters, unknown nodes and exports past the response bound
//! answer stable error codes.

use serde_json::Value;

use crate::helpers::{TestApp, spawn_app, spawn_with};

async fn get(app: &TestApp, query: &str) -> reqwest::Response {
    app.client
        .get(format!("http://{}/export?{query}", app.addr))
        .send()
        .await
        .expect("GET /export")
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} header"))
}

async fn error_code(r: reqwest::Response) -> String {
    let body: Value = r.json().await.expect("a JSON error body");
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no code: {body:#}"))
        .to_string()
}

#[tokio::test]
async fn each_format_downloads_with_its_media_type_and_file_name() {
    let app = spawn_app().await;
    for (format, media, file, marker) in [
        ("turtle", "text/turtle", "newsgraph.ttl", "Estonia"),
        (
            "ntriples",
            "application/n-triples",
            "newsgraph.nt",
            "Estonia",
        ),
        (
            "jsonld",
            "application/ld+json",
            "newsgraph.jsonld",
            "@context",
        ),
        (
            "graphml",
            "application/graphml+xml",
            "newsgraph.graphml",
            "<graphml",
        ),
        ("csv-nodes", "text/csv", "nodes.csv", ":ID"),
        (
            "csv-relationships",
            "text/csv",
            "relationships.csv",
            ":START_ID",
        ),
        (
            "cypher",
            "application/x-cypher-query",
            "newsgraph.cypher",
            "Estonia",
        ),
        ("dot", "text/vnd.graphviz", "newsgraph.dot", "digraph"),
    ] {
        let r = get(&app, &format!("format={format}")).await;
        assert_eq!(r.status(), 200, "{format}");
        assert!(header(&r, "content-type").starts_with(media), "{format}");
        assert_eq!(
            header(&r, "content-disposition"),
            format!("attachment; filename=\"{file}\""),
            "{format}"
        );
        assert!(header(&r, "x-graph-version").parse::<u64>().is_ok());
        let body = r.text().await.unwrap();
        assert!(body.contains(marker), "{format} lacks {marker}");
    }
}

#[tokio::test]
async fn a_turtle_download_reads_back_into_the_same_records() {
    let app = spawn_app().await;
    let body = get(&app, "format=turtle").await.bytes().await.unwrap();
    let imported = newsgraph::interchange::rdf::read(
        &body,
        newsgraph::interchange::rdf::RdfSyntax::Turtle,
        "download.ttl",
        newsgraph::interchange::DEFAULT_BASE,
    )
    .expect("the download reads back");
    let g = newsgraph::seed::load(&newsgraph::seed::SeedSource::BuiltIn).unwrap();
    let original = newsgraph::seed::records_of(&g);
    assert_eq!(imported.records.entities.len(), original.entities.len());
    assert_eq!(imported.records.events.len(), original.events.len());
    assert_eq!(imported.records.relations.len(), original.relations.len());
}

#[tokio::test]
async fn a_part_holds_the_neighbourhood_the_path_or_the_relations_of_a_day() {
    let app = spawn_app().await;
    let whole = get(&app, "format=csv-nodes").await.text().await.unwrap();
    let near = get(&app, "format=csv-nodes&around=person/alar-karis&depth=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(near.contains("person/alar-karis"));
    assert!(
        near.lines().count() < whole.lines().count(),
        "a part is smaller"
    );
    let path = get(&app, "format=dot&from=person/alar-karis&to=org/nato").await;
    assert_eq!(path.status(), 200);
    let dot = path.text().await.unwrap();
    assert!(dot.contains("NATO") && dot.contains("Alar Karis"), "{dot}");
    let all = get(&app, "format=csv-relationships")
        .await
        .text()
        .await
        .unwrap();
    let then = get(&app, "format=csv-relationships&asOf=2026-06-01")
        .await
        .text()
        .await
        .unwrap();
    assert!(then.lines().count() < all.lines().count());
}

#[tokio::test]
async fn bad_parameters_unknown_nodes_and_oversized_exports_answer_stable_codes() {
    let app = spawn_app().await;
    for query in [
        "",
        "format=xlsx",
        "format=turtle&asOf=yesterday",
        "format=turtle&depth=two&around=state/estonia",
        "format=turtle&from=state/estonia",
        "format=turtle&colour=blue",
    ] {
        let r = get(&app, query).await;
        assert_eq!(r.status(), 400, "{query}");
        assert_eq!(error_code(r).await, "BAD_REQUEST", "{query}");
    }
    let r = get(&app, "format=turtle&around=state/atlantis").await;
    assert_eq!(r.status(), 404);
    assert_eq!(error_code(r).await, "NOT_FOUND");

    let small = spawn_with(newsgraph::http::HttpConfig {
        max_response_bytes: 2_000,
        ..Default::default()
    })
    .await;
    let r = get(&small, "format=turtle").await;
    assert_eq!(r.status(), 413);
    assert_eq!(error_code(r).await, "RESULT_TOO_LARGE");
}

#[tokio::test]
async fn the_item_budget_bounds_what_an_export_reads() {
    // 25 nodes and 45 relations: more than 12 items.
    let app = spawn_with(newsgraph::http::HttpConfig {
        limits: newsgraph::api::Limits {
            max_items: 12,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    for query in ["format=turtle", "format=dot&asOf=2026-01-01"] {
        let r = get(&app, query).await;
        assert_eq!(r.status(), 413, "{query}");
        assert_eq!(error_code(r).await, "RESULT_TOO_LARGE", "{query}");
    }
    // A neighbourhood asks for at most that many nodes, whatever its `limit`.
    let r = get(
        &app,
        "format=csv-nodes&around=state/estonia&depth=3&limit=100000",
    )
    .await;
    assert_eq!(r.status(), 200);
    let rows = r.text().await.unwrap().lines().count() - 1;
    let unbounded = spawn_app().await;
    let query = "format=csv-nodes&around=state/estonia&depth=3&limit=100000";
    let all = get(&unbounded, query).await.text().await.unwrap();
    assert!(
        rows < all.lines().count() - 1,
        "{rows} rows: the limit was not applied"
    );
}
