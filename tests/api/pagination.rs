//! Relay cursor pagination: every list pages forwards and backwards, seeing each item once.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, strings};

/// A list to page through: a query taking `$first $after $last $before` (plus `vars`), and
/// where its connection sits in `data`. The connection must select
/// `totalCount pageInfo {..all four..} nodes { id } edges { cursor node { id } }`.
struct List {
    query: String,
    vars: Value,
    path: &'static [&'static str],
}

const CONN: &str = "totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { id } edges { cursor node { id } }";

impl List {
    fn entities() -> List {
        List {
            query: format!(
                "query($first: Int, $after: String, $last: Int, $before: String) {{
                    entities(first: $first, after: $after, last: $last, before: $before) {{ {CONN} }} }}"
            ),
            vars: json!({}),
            path: &["entities"],
        }
    }

    fn events() -> List {
        List {
            query: format!(
                "query($first: Int, $after: String, $last: Int, $before: String) {{
                    events(first: $first, after: $after, last: $last, before: $before) {{ {CONN} }} }}"
            ),
            vars: json!({}),
            path: &["events"],
        }
    }

    fn relations_of(id: &str) -> List {
        List {
            query: format!(
                "query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {{
                    entity(id: $id) {{
                        relations(first: $first, after: $after, last: $last, before: $before) {{ {CONN} }} }} }}"
            ),
            vars: json!({ "id": id }),
            path: &["entity", "relations"],
        }
    }

    /// One page, checked: `nodes` equals `edges { node }` and the cursors match the edges.
    async fn page(&self, app: &TestApp, args: Value) -> Value {
        let mut vars = self.vars.clone();
        vars.as_object_mut()
            .unwrap()
            .extend(args.as_object().unwrap().clone());
        let mut conn = app.data_vars(&self.query, vars).await;
        for key in self.path {
            conn = conn[*key].take();
        }
        let edges = conn["edges"].as_array().unwrap();
        let edge_ids: Vec<&str> = edges
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            strings(&conn["nodes"], Some("id")),
            edge_ids,
            "nodes == edges.node"
        );
        let info = &conn["pageInfo"];
        match (edges.first(), edges.last()) {
            (Some(f), Some(l)) => {
                assert_eq!(info["startCursor"], f["cursor"]);
                assert_eq!(info["endCursor"], l["cursor"]);
            }
            _ => assert!(info["startCursor"].is_null() && info["endCursor"].is_null()),
        }
        conn
    }

    /// The whole list in one page (it is small).
    async fn all(&self, app: &TestApp) -> Vec<String> {
        let conn = self.page(app, json!({ "first": 100 })).await;
        assert_eq!(conn["pageInfo"]["hasNextPage"], false);
        let ids = strings(&conn["nodes"], Some("id"));
        assert_eq!(conn["totalCount"], ids.len());
        ids
    }

    /// Pages forwards with `first: n` from the start; each id once, pages of n.
    async fn forwards(&self, app: &TestApp, n: usize) -> Vec<String> {
        let mut seen = vec![];
        let mut after = Value::Null;
        loop {
            let conn = self.page(app, json!({ "first": n, "after": after })).await;
            let ids = strings(&conn["nodes"], Some("id"));
            let info = &conn["pageInfo"];
            assert_eq!(info["hasPreviousPage"], !seen.is_empty());
            seen.extend(ids.iter().cloned());
            assert!(seen.len() <= conn["totalCount"].as_u64().unwrap() as usize);
            if info["hasNextPage"] != true {
                assert_eq!(seen.len() as u64, conn["totalCount"].as_u64().unwrap());
                return seen;
            }
            assert_eq!(ids.len(), n, "a page before the last is full");
            after = info["endCursor"].clone();
        }
    }

    /// Pages backwards with `last: n` from the end; returned in list order.
    async fn backwards(&self, app: &TestApp, n: usize) -> Vec<String> {
        let mut pages: Vec<Vec<String>> = vec![];
        let mut before = Value::Null;
        loop {
            let conn = self.page(app, json!({ "last": n, "before": before })).await;
            let ids = strings(&conn["nodes"], Some("id"));
            let info = &conn["pageInfo"];
            assert_eq!(info["hasNextPage"], !pages.is_empty());
            pages.push(ids.clone());
            if info["hasPreviousPage"] != true {
                break;
            }
            assert_eq!(ids.len(), n, "a page after the first is full");
            before = info["startCursor"].clone();
        }
        pages.into_iter().rev().flatten().collect()
    }
}

fn assert_each_once(ids: &[String]) {
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "an id was seen twice: {ids:?}");
}

#[tokio::test]
async fn paging_forward_through_entities_sees_each_once_in_id_order() {
    let app = spawn_app().await;
    let list = List::entities();
    let seen = list.forwards(&app, 3).await;
    assert_each_once(&seen);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "entities are ordered by id");
    assert_eq!(seen, list.all(&app).await);
    // The seed's states, people, organisations, treaty, events and source are all there.
    for id in [
        "state/estonia",
        "person/alar-karis",
        "org/un",
        "treaty/ottawa-convention",
    ] {
        assert!(seen.iter().any(|s| s == id), "{id} missing");
    }
}

#[tokio::test]
async fn paging_backward_through_entities_gives_the_same_list() {
    let app = spawn_app().await;
    let list = List::entities();
    let back = list.backwards(&app, 3).await;
    assert_each_once(&back);
    assert_eq!(back, list.forwards(&app, 5).await);
}

#[tokio::test]
async fn the_time_line_is_oldest_first_and_pages_the_same_way() {
    let app = spawn_app().await;
    let data = app
        .data("{ events(first: 100) { totalCount nodes { id date } } }")
        .await;
    let nodes = data["events"]["nodes"].as_array().unwrap();
    assert!(nodes.len() > 3);
    let keys: Vec<(&str, &str)> = nodes
        .iter()
        .map(|n| (n["date"].as_str().unwrap(), n["id"].as_str().unwrap()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "oldest first, ties by id");
    assert_eq!(
        keys.first().unwrap().0,
        "2025-05-08",
        "the Seimas decision comes first"
    );
    assert_eq!(
        keys.last().unwrap().0,
        "2025-12-27",
        "the withdrawals take effect last"
    );

    let list = List::events();
    let all = list.all(&app).await;
    assert_eq!(
        all,
        keys.iter().map(|k| k.1.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(list.forwards(&app, 4).await, all);
    assert_eq!(list.backwards(&app, 4).await, all);
}

#[tokio::test]
async fn an_entitys_events_are_its_slice_of_the_time_line() {
    let app = spawn_app().await;
    let data = app
        .data(
            "{ entity(id: \"state/estonia\") { events(first: 2) { totalCount nodes { id } } }
               events(involving: \"state/estonia\", first: 100) { totalCount nodes { id } } }",
        )
        .await;
    let whole = strings(&data["events"]["nodes"], Some("id"));
    assert!(whole.len() > 2);
    assert_eq!(data["entity"]["events"]["totalCount"], whole.len());
    assert_eq!(
        strings(&data["entity"]["events"]["nodes"], Some("id")),
        whole[..2]
    );
}

#[tokio::test]
async fn relations_of_estonia_page_in_type_then_other_end_order() {
    let app = spawn_app().await;
    let list = List::relations_of("state/estonia");
    let all = list.all(&app).await;
    assert!(all.len() > 3, "{all:?}");
    assert_eq!(list.forwards(&app, 2).await, all);
    assert_eq!(list.backwards(&app, 2).await, all);

    // The order: by type, then by the other end's id.
    let data = app
        .data("{ entity(id: \"state/estonia\") { relations(first: 100) { edges { type entity { id } } } } }")
        .await;
    let edges = data["entity"]["relations"]["edges"].as_array().unwrap();
    let types: Vec<&str> = edges.iter().map(|e| e["type"].as_str().unwrap()).collect();
    for w in edges.windows(2) {
        if w[0]["type"] == w[1]["type"] {
            assert!(
                w[0]["entity"]["id"].as_str() <= w[1]["entity"]["id"].as_str(),
                "{w:#?}"
            );
        }
    }
    // Each type forms one run.
    let mut runs = types.clone();
    runs.dedup();
    let distinct: BTreeSet<&&str> = runs.iter().collect();
    assert_eq!(runs.len(), distinct.len(), "types are grouped: {types:?}");
}

#[tokio::test]
async fn a_page_of_zero_is_empty_but_counts_the_list() {
    let app = spawn_app().await;
    let list = List::entities();
    let conn = list.page(&app, json!({ "first": 0 })).await;
    assert!(conn["edges"].as_array().unwrap().is_empty());
    assert_eq!(conn["pageInfo"]["hasNextPage"], true);
    assert!(conn["totalCount"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn a_cursor_marks_a_place_in_id_order_across_filters() {
    let app = spawn_app().await;
    // The cursor of Estonia in the list of states...
    let data = app
        .data("{ entities(kinds: [STATE], first: 1) { nodes { id } pageInfo { endCursor } } }")
        .await;
    assert_eq!(data["entities"]["nodes"][0]["id"], "state/estonia");
    let cursor = data["entities"]["pageInfo"]["endCursor"].clone();
    // ...continues the list of all entities right after Estonia.
    let all = List::entities().all(&app).await;
    let after_estonia = all.iter().position(|id| id == "state/estonia").unwrap() + 1;
    let data = app
        .data_vars(
            "query($after: String) { entities(first: 2, after: $after) { nodes { id } } }",
            json!({ "after": cursor }),
        )
        .await;
    assert_eq!(
        strings(&data["entities"]["nodes"], Some("id")),
        all[after_estonia..after_estonia + 2]
    );
}

#[tokio::test]
async fn filtering_by_kind_lists_only_that_kind() {
    let app = spawn_app().await;
    let data = app
        .data("{ entities(kinds: [PERSON], first: 100) { totalCount nodes { id kind } } }")
        .await;
    let nodes = data["entities"]["nodes"].as_array().unwrap();
    assert!(nodes.iter().all(|n| n["kind"] == "PERSON"));
    assert_eq!(
        strings(&data["entities"]["nodes"], Some("id")),
        ["person/alar-karis", "person/margus-tsahkna"]
    );
    assert_eq!(data["entities"]["totalCount"], 2);
}
