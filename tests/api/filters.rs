//! Filtering, sorting and counting lists: `entities(orderBy:, relatedTo:, asOf:, text:)`,
//! `events(eventKinds:, orderBy:)` and the `facets` of both.
//!
//! From the article: Estonia and Lithuania notified the UN on 27 June 2025; their withdrawals
//! take effect six months later (2025-12-27); Norway remains a party.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, strings};

const TREATY: &str = "treaty/ottawa-convention";

const ENTITIES: &str = "query($kinds: [EntityKind!], $order: EntityOrder, $relatedTo: ID,
        $types: [RelationType!], $asOf: Date, $text: String, $first: Int, $after: String) {
    entities(kinds: $kinds, orderBy: $order, relatedTo: $relatedTo, relationTypes: $types,
             asOf: $asOf, text: $text, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { id kind name description aliases labels { value } degree centrality
                relations(first: 1) { totalCount } } } }";

/// One page of `entities` for `vars`.
async fn entities_page(app: &TestApp, vars: Value) -> Value {
    app.data_vars(ENTITIES, vars).await["entities"].clone()
}

/// The whole list in one page of 100, checked to fit.
async fn entities(app: &TestApp, mut vars: Value) -> Vec<Value> {
    vars["first"] = json!(100);
    let conn = entities_page(app, vars).await;
    let nodes = conn["nodes"].as_array().unwrap().clone();
    assert_eq!(conn["totalCount"], nodes.len(), "the list fits one page");
    nodes
}

fn ids(nodes: &[Value]) -> Vec<String> {
    strings(&Value::Array(nodes.to_vec()), Some("id"))
}

fn non_increasing(xs: &[f64]) -> bool {
    xs.windows(2).all(|w| w[0] >= w[1])
}

#[tokio::test]
async fn states_ordered_by_name_come_in_alphabetical_order() {
    let app = spawn_app().await;
    let states = entities(
        &app,
        json!({ "kinds": ["STATE"], "order": { "field": "NAME" } }),
    )
    .await;
    let names = strings(&Value::Array(states.clone()), Some("name"));
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted);
    for state in ["Estonia", "Lithuania", "Norway"] {
        assert!(names.iter().any(|n| n == state), "{state} in {names:?}");
    }
    assert!(states.iter().all(|s| s["kind"] == "STATE"));

    let desc = entities(
        &app,
        json!({ "kinds": ["STATE"], "order": { "field": "NAME", "direction": "DESC" } }),
    )
    .await;
    let mut reversed = names.clone();
    reversed.reverse();
    assert_eq!(strings(&Value::Array(desc), Some("name")), reversed);
}

#[tokio::test]
async fn ordering_by_degree_descending_never_increases_and_starts_at_the_convention() {
    let app = spawn_app().await;
    let all = entities(
        &app,
        json!({ "order": { "field": "DEGREE", "direction": "DESC" } }),
    )
    .await;
    let degrees: Vec<f64> = all.iter().map(|n| n["degree"].as_f64().unwrap()).collect();
    assert!(non_increasing(&degrees), "{degrees:?}");
    for n in &all {
        assert_eq!(
            n["degree"], n["relations"]["totalCount"],
            "degree counts the relations: {n:#}"
        );
    }
    // Nearly every event of the story concerns the convention.
    assert_eq!(all[0]["id"], TREATY);
}

#[tokio::test]
async fn paging_by_degree_with_after_sees_each_entity_once_in_the_big_pages_order() {
    let app = spawn_app().await;
    let order = json!({ "field": "DEGREE", "direction": "DESC" });
    let big = ids(&entities(&app, json!({ "order": order })).await);
    let mut seen = vec![];
    let mut after = Value::Null;
    loop {
        let conn = entities_page(&app, json!({ "order": order, "first": 2, "after": after })).await;
        assert_eq!(conn["totalCount"], big.len());
        let page = strings(&conn["nodes"], Some("id"));
        assert!(page.len() <= 2);
        seen.extend(page);
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
        assert!(seen.len() <= big.len(), "paging does not end");
    }
    assert_eq!(seen, big);
}

#[tokio::test]
async fn ordering_by_centrality_descending_never_increases() {
    let app = spawn_app().await;
    let all = entities(
        &app,
        json!({ "order": { "field": "CENTRALITY", "direction": "DESC" } }),
    )
    .await;
    let scores: Vec<f64> = all
        .iter()
        .map(|n| n["centrality"].as_f64().unwrap())
        .collect();
    assert!(non_increasing(&scores), "{scores:?}");
    let asc = entities(&app, json!({ "order": { "field": "CENTRALITY" } })).await;
    let scores_asc: Vec<f64> = asc
        .iter()
        .map(|n| n["centrality"].as_f64().unwrap())
        .collect();
    assert!(
        scores_asc.windows(2).all(|w| w[0] <= w[1]),
        "{scores_asc:?}"
    );
}

#[tokio::test]
async fn from_27_december_2025_only_norway_is_party_to_the_convention() {
    let app = spawn_app().await;
    let parties = |as_of: &'static str| {
        let app = &app;
        async move {
            ids(&entities(
                app,
                json!({ "relatedTo": TREATY, "types": ["PARTY_TO"], "asOf": as_of }),
            )
            .await)
        }
    };
    assert_eq!(
        parties("2025-12-26").await,
        ["state/estonia", "state/lithuania", "state/norway"]
    );
    assert_eq!(parties("2025-12-27").await, ["state/norway"]);
    assert_eq!(parties("2026-06-27").await, ["state/norway"]);
}

#[tokio::test]
async fn a_text_filter_finds_both_foreign_ministries() {
    let app = spawn_app().await;
    let found = entities(&app, json!({ "text": "foreign" })).await;
    let found_ids = ids(&found);
    for id in ["org/estonia-mfa", "org/lithuania-mfa"] {
        assert!(found_ids.iter().any(|f| f == id), "{id} in {found_ids:?}");
    }
    for n in &found {
        let mut texts = vec![n["name"].clone(), n["description"].clone()];
        texts.extend(n["aliases"].as_array().unwrap().iter().cloned());
        texts.extend(
            n["labels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["value"].clone()),
        );
        assert!(
            texts
                .iter()
                .any(|t| t.as_str().unwrap().to_lowercase().contains("foreign")),
            "{n:#} does not mention `foreign`"
        );
    }
    // Narrowed to organisations, only the two ministries are left.
    let orgs = entities(
        &app,
        json!({ "text": "foreign", "kinds": ["ORGANIZATION"] }),
    )
    .await;
    assert_eq!(ids(&orgs), ["org/estonia-mfa", "org/lithuania-mfa"]);
}

const FACETS: &str = "query($kinds: [EntityKind!], $first: Int) {
    entities(kinds: $kinds, first: $first) {
        totalCount
        facets { kinds { kind count } relationTypes { type count } } } }";

#[tokio::test]
async fn entity_facets_count_the_whole_filtered_list_not_the_page() {
    let app = spawn_app().await;
    for kinds in [
        None,
        Some(vec!["STATE"]),
        Some(vec!["STATE", "ORGANIZATION"]),
    ] {
        let vars = json!({ "kinds": kinds });
        let conn = app
            .data_vars(FACETS, json!({ "kinds": kinds, "first": 2 }))
            .await["entities"]
            .clone();
        let total = conn["totalCount"].as_u64().unwrap();
        let facets = &conn["facets"];
        let kind_counts: BTreeMap<String, u64> = facets["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k["kind"].as_str().unwrap().to_string(),
                    k["count"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            kind_counts.values().sum::<u64>(),
            total,
            "{kinds:?}: {conn:#}"
        );
        assert!(
            kind_counts.values().all(|&c| c > 0),
            "kinds with none are left out"
        );

        // Against the whole list.
        let all = entities(&app, vars).await;
        let mut expected: BTreeMap<String, u64> = BTreeMap::new();
        for n in &all {
            *expected
                .entry(n["kind"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
        assert_eq!(kind_counts, expected, "{kinds:?}");
        let type_sum: u64 = facets["relationTypes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["count"].as_u64().unwrap())
            .sum();
        let degree_sum: u64 = all.iter().map(|n| n["degree"].as_u64().unwrap()).sum();
        assert_eq!(
            type_sum, degree_sum,
            "{kinds:?}: relations at the listed entities"
        );
    }
    // Among the states, three are parties to the convention.
    let states = app
        .data_vars(FACETS, json!({ "kinds": ["STATE"] }))
        .await["entities"]["facets"]["relationTypes"]
        .clone();
    let party = states
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == "PARTY_TO")
        .expect("PARTY_TO among the states' relations");
    assert_eq!(party["count"], 3);
}

const EVENTS: &str =
    "query($kinds: [EventKind!], $order: EventOrder, $first: Int, $after: String) {
    events(eventKinds: $kinds, orderBy: $order, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { id date eventKind participants { role entity { id } } }
        facets { months { month count } eventKinds { kind count } } } }";

async fn events(app: &TestApp, vars: Value) -> Value {
    app.data_vars(EVENTS, vars).await["events"].clone()
}

#[tokio::test]
async fn filtering_events_by_kind_finds_the_two_notifications_of_27_june() {
    let app = spawn_app().await;
    let conn = events(&app, json!({ "kinds": ["NOTIFICATION"] })).await;
    assert_eq!(conn["totalCount"], 2);
    let nodes = conn["nodes"].as_array().unwrap();
    assert_eq!(
        ids(nodes).into_iter().collect::<BTreeSet<_>>(),
        BTreeSet::from([
            "event/2025-06-27-estonia-notifies-un".to_string(),
            "event/2025-06-27-lithuania-notifies-un".to_string()
        ])
    );
    for n in nodes {
        assert_eq!(n["date"], "2025-06-27");
        assert_eq!(n["eventKind"], "NOTIFICATION");
        // Both notes went to the UN.
        assert!(
            n["participants"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["role"] == "ADDRESSEE" && p["entity"]["id"] == "org/un"),
            "{n:#}"
        );
    }
}

#[tokio::test]
async fn events_newest_first_start_with_the_withdrawals_taking_effect() {
    let app = spawn_app().await;
    let desc = events(
        &app,
        json!({ "order": { "direction": "DESC" }, "first": 100 }),
    )
    .await;
    let nodes = desc["nodes"].as_array().unwrap();
    assert_eq!(desc["totalCount"], nodes.len());
    let dates = strings(&desc["nodes"], Some("date"));
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
    assert_eq!(dates[0], "2025-12-27");
    assert!(
        nodes[..2]
            .iter()
            .all(|n| n["eventKind"] == "WITHDRAWAL_EFFECTIVE")
    );
    // The oldest is the Lithuanian parliament's decision of 8 May.
    assert_eq!(
        nodes.last().unwrap()["id"],
        "event/2025-05-08-seimas-denounces-ottawa"
    );
    let asc = events(&app, json!({ "first": 100 })).await;
    assert_eq!(
        ids(nodes).into_iter().collect::<BTreeSet<_>>(),
        ids(asc["nodes"].as_array().unwrap()).into_iter().collect(),
        "the same events either way"
    );
}

#[tokio::test]
async fn paging_events_newest_first_with_after_keeps_that_order() {
    let app = spawn_app().await;
    let order = json!({ "direction": "DESC" });
    let big = events(&app, json!({ "order": order, "first": 100 })).await;
    let expected = strings(&big["nodes"], Some("id"));
    let mut seen = vec![];
    let mut after = Value::Null;
    loop {
        let conn = events(&app, json!({ "order": order, "first": 3, "after": after })).await;
        seen.extend(strings(&conn["nodes"], Some("id")));
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
        assert!(seen.len() <= expected.len(), "paging does not end");
    }
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn event_facets_agree_with_the_listed_events() {
    let app = spawn_app().await;
    for kinds in [None, Some(vec!["NOTIFICATION", "WITHDRAWAL_EFFECTIVE"])] {
        let conn = events(&app, json!({ "kinds": kinds, "first": 100 })).await;
        let nodes = conn["nodes"].as_array().unwrap();
        let total = conn["totalCount"].as_u64().unwrap();
        assert_eq!(total as usize, nodes.len());

        let mut months: BTreeMap<String, u64> = BTreeMap::new();
        let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
        for n in nodes {
            *months
                .entry(n["date"].as_str().unwrap()[..7].to_string())
                .or_default() += 1;
            *by_kind
                .entry(n["eventKind"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
        let facet = |list: &str, key: &str| -> Vec<(String, u64)> {
            conn["facets"][list]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    (
                        m[key].as_str().unwrap().to_string(),
                        m["count"].as_u64().unwrap(),
                    )
                })
                .collect()
        };
        let month_facet = facet("months", "month");
        assert_eq!(
            month_facet,
            months.into_iter().collect::<Vec<_>>(),
            "oldest first"
        );
        let kind_facet: BTreeMap<String, u64> = facet("eventKinds", "kind").into_iter().collect();
        assert_eq!(kind_facet, by_kind);
        assert_eq!(month_facet.iter().map(|(_, c)| c).sum::<u64>(), total);
    }
    let all = events(&app, json!({ "first": 1 })).await;
    let months = strings(&all["facets"]["months"], Some("month"));
    assert_eq!(
        months,
        ["2025-05", "2025-06", "2025-12"],
        "facets cover all pages"
    );
    let notes = events(&app, json!({ "kinds": ["NOTIFICATION"] })).await;
    assert_eq!(
        notes["facets"]["months"],
        json!([{ "month": "2025-06", "count": 2 }])
    );
}
