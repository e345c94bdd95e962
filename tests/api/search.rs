//! `search(query:)`: finding entities by the names a reader would type.

use serde_json::{Value, json};

use crate::helpers::{TestApp, single_error, spawn_app, strings};

const SEARCH: &str = "query($q: String!, $kinds: [EntityKind!], $first: Int, $after: String) {
    search(query: $q, kinds: $kinds, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { id }
        edges { cursor score matchedOn matchedText node { id kind name aliases } } } }";

/// The first page (up to 100) of results for `q`, checked for internal consistency.
async fn search(app: &TestApp, q: &str, kinds: Option<&[&str]>) -> Vec<Value> {
    let data = app
        .data_vars(SEARCH, json!({ "q": q, "kinds": kinds, "first": 100 }))
        .await;
    let conn = &data["search"];
    let edges = conn["edges"].as_array().unwrap().clone();
    assert_eq!(
        conn["totalCount"],
        edges.len(),
        "{q:?}: all results fit one page"
    );
    assert_eq!(
        strings(&conn["nodes"], Some("id")),
        edges
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        "nodes are the edges' nodes"
    );
    for e in &edges {
        let score = e["score"].as_f64().expect("a score");
        assert!(
            score > 0.0 && score <= 1.0,
            "{q:?}: score {score} out of (0, 1]"
        );
        let text = e["matchedText"].as_str().unwrap();
        let node = &e["node"];
        match e["matchedOn"].as_str().unwrap() {
            "NAME" => assert_eq!(node["name"], text, "{q:?}"),
            "ALIAS" => assert!(
                strings(&node["aliases"], None).iter().any(|a| a == text),
                "{q:?}: {text:?} is not an alias of {node:#}"
            ),
            // Other kinds of match (if the API grows them) at least say what matched.
            _ => assert!(!text.trim().is_empty(), "{q:?}: empty matchedText in {e:#}"),
        }
    }
    let scores: Vec<f64> = edges.iter().map(|e| e["score"].as_f64().unwrap()).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "{q:?}: scores must not increase: {scores:?}"
    );
    edges
}

fn ids(edges: &[Value]) -> Vec<&str> {
    edges
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn search_finds_the_foreign_minister_by_either_spelling() {
    let app = spawn_app().await;
    // The seed's name is "Tsahkna"; the article writes "Tsakhna".
    for q in ["tsahkna", "TSAKHNA", "Tsakhna", "Margus Tsakhna", "margus"] {
        let hits = search(&app, q, None).await;
        assert_eq!(
            ids(&hits).first(),
            Some(&"person/margus-tsahkna"),
            "{q:?}: {hits:#?}"
        );
    }
}

#[tokio::test]
async fn an_exact_name_scores_one_and_matches_on_the_name() {
    let app = spawn_app().await;
    let hits = search(&app, "Margus Tsahkna", None).await;
    assert_eq!(hits[0]["node"]["id"], "person/margus-tsahkna");
    assert_eq!(hits[0]["score"], 1.0);
    assert_eq!(hits[0]["matchedOn"], "NAME");
    assert_eq!(hits[0]["matchedText"], "Margus Tsahkna");
    // The explanation event mentions him too, but ranks below.
    assert!(ids(&hits).contains(&"event/2025-06-27-tsahkna-explains-withdrawal"));
    assert!(hits[1]["score"].as_f64().unwrap() < 1.0);
}

#[tokio::test]
async fn search_finds_the_president_by_his_surname_alone() {
    let app = spawn_app().await;
    let hits = search(&app, "Karis", None).await;
    assert_eq!(hits[0]["node"]["id"], "person/alar-karis");
    assert_eq!(hits[0]["matchedOn"], "ALIAS");
    assert_eq!(hits[0]["matchedText"], "Karis");
}

#[tokio::test]
async fn search_finds_the_convention_by_its_city() {
    let app = spawn_app().await;
    let hits = search(&app, "ottawa", None).await;
    assert_eq!(hits[0]["node"]["id"], "treaty/ottawa-convention");
    assert_eq!(hits[0]["node"]["kind"], "TREATY");
    // Events whose titles mention the convention are found too.
    assert!(hits.len() > 1);
    assert!(hits[1..].iter().all(|h| h["node"]["kind"] == "EVENT"));
}

#[tokio::test]
async fn search_ignores_case_and_accents() {
    let app = spawn_app().await;
    for q in ["Éstonia", "ESTONIA", "estonia", "  Estonia! "] {
        let hits = search(&app, q, None).await;
        assert_eq!(hits[0]["node"]["id"], "state/estonia", "{q:?}");
        assert_eq!(
            hits[0]["score"], 1.0,
            "{q:?} is the name exactly, once folded"
        );
    }
}

#[tokio::test]
async fn a_curly_apostrophe_matches_a_straight_one() {
    let app = spawn_app().await;
    // The article writes "Lithuania’s"; the event title has "Lithuania's".
    let hits = search(&app, "Lithuania’s Foreign Ministry", None).await;
    assert_eq!(
        hits[0]["node"]["id"],
        "event/2025-06-27-lithuania-mfa-statement"
    );
    assert!(
        hits[0]["matchedText"]
            .as_str()
            .unwrap()
            .starts_with("Lithuania's Foreign Ministry")
    );
}

#[tokio::test]
async fn a_latin_query_finds_a_cyrillic_alias() {
    let app = spawn_app().await;
    let hits = search(&app, "chas pravdi", None).await;
    assert_eq!(hits[0]["node"]["id"], "org/chas-pravdy");
    assert_eq!(hits[0]["matchedOn"], "ALIAS");
    assert_eq!(hits[0]["matchedText"], "Час правди");
}

#[tokio::test]
async fn kinds_restricts_results_to_those_kinds() {
    let app = spawn_app().await;
    let all = search(&app, "Estonia", None).await;
    assert!(all.iter().any(|h| h["node"]["kind"] != "STATE"), "{all:#?}");
    let states = search(&app, "Estonia", Some(&["STATE"])).await;
    assert_eq!(ids(&states), ["state/estonia"]);
    let both = search(&app, "Estonia", Some(&["STATE", "ORGANIZATION"])).await;
    assert!(
        both.iter()
            .all(|h| ["STATE", "ORGANIZATION"].contains(&h.node_kind()))
    );
    assert!(ids(&both).contains(&"org/estonia-mfa"));
    // The filter keeps the order of the unfiltered results.
    let expected: Vec<&str> = all
        .iter()
        .filter(|h| ["STATE", "ORGANIZATION"].contains(&h.node_kind()))
        .map(|h| h["node"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids(&both), expected);
}

trait NodeKind {
    fn node_kind(&self) -> &str;
}

impl NodeKind for Value {
    fn node_kind(&self) -> &str {
        self["node"]["kind"].as_str().unwrap()
    }
}

#[tokio::test]
async fn a_typo_still_finds_lithuania() {
    let app = spawn_app().await;
    let hits = search(&app, "Lithunia", None).await;
    let lithuania = hits
        .iter()
        .find(|h| h["node"]["id"] == "state/lithuania")
        .expect("the misspelt state is found");
    assert_eq!(lithuania["matchedOn"], "NAME");
    assert!(
        lithuania["score"].as_f64().unwrap() < 1.0,
        "a typo is not an exact match"
    );
    let states = search(&app, "Lithunia", Some(&["STATE"])).await;
    assert_eq!(ids(&states), ["state/lithuania"]);
}

#[tokio::test]
async fn a_query_matching_nothing_returns_an_empty_page() {
    let app = spawn_app().await;
    let hits = search(&app, "zzzzzz", None).await;
    assert!(hits.is_empty());
}

#[tokio::test]
async fn search_results_page_with_cursors() {
    let app = spawn_app().await;
    let all = ids(&search(&app, "ottawa", None).await)
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    assert!(all.len() > 2);
    let mut seen = vec![];
    let mut after = Value::Null;
    loop {
        let data = app
            .data_vars(SEARCH, json!({ "q": "ottawa", "first": 2, "after": after }))
            .await;
        let conn = &data["search"];
        assert_eq!(conn["totalCount"], all.len());
        seen.extend(strings(&conn["nodes"], Some("id")));
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, all);
}

/// One page of `ottawa` results: ids, `hasPreviousPage`, `endCursor`.
async fn ottawa_page(app: &TestApp, first: usize, after: &Value) -> (Vec<String>, Value, Value) {
    let q = "query($first: Int, $after: String) { search(query: \"ottawa\", first: $first, after: $after) {
        pageInfo { hasPreviousPage endCursor } nodes { id } } }";
    let data = app
        .data_vars(q, json!({ "first": first, "after": after }))
        .await;
    let conn = &data["search"];
    (
        strings(&conn["nodes"], Some("id")),
        conn["pageInfo"]["hasPreviousPage"].clone(),
        conn["pageInfo"]["endCursor"].clone(),
    )
}

#[tokio::test]
async fn a_search_cursor_keeps_its_place_across_a_write_between_pages() {
    let app = crate::helpers::spawn_writable_app(None).await;
    let (before_write, _, _) = ottawa_page(&app, 100, &Value::Null).await;
    assert!(before_write.len() >= 4, "{before_write:?}");
    let (first_page, _, cursor) = ottawa_page(&app, 2, &Value::Null).await;
    assert_eq!(first_page, before_write[..2]);
    // A better match than anything listed lands at the top of the ranking...
    let data = app
        .write(
            "mutation { createEntity(input: { id: \"org/ottawa\", kind: ORGANIZATION, name: \"Ottawa\" }) {
                entity { id } userErrors { message } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["createEntity"]["userErrors"], json!([]), "{data:#}");
    let (after_write, _, _) = ottawa_page(&app, 100, &Value::Null).await;
    assert_eq!(after_write[0], "org/ottawa", "{after_write:?}");
    // ...and the next page still starts right after the cursor's item: nothing is repeated
    // (a rank-position cursor would list the old second result again) and nothing skipped.
    let (second_page, has_previous, _) = ottawa_page(&app, 2, &cursor).await;
    assert_eq!(second_page, before_write[2..4], "after {first_page:?}");
    assert_eq!(has_previous, true);
}

#[tokio::test]
async fn an_empty_or_punctuation_only_query_is_bad_user_input() {
    let app = spawn_app().await;
    for q in ["", "   ", "!!! ...", "’—"] {
        let resp = app
            .query_vars(
                "query($q: String!) { search(query: $q) { totalCount } }",
                json!({ "q": q }),
            )
            .await;
        let err = single_error(&resp, "BAD_USER_INPUT");
        assert_eq!(err["path"], json!(["search"]), "{q:?}");
    }
}

#[tokio::test]
async fn a_query_longer_than_200_characters_is_bad_user_input() {
    let app = spawn_app().await;
    let q = |n: usize| {
        let app = &app;
        async move {
            app.query_vars(
                "query($q: String!) { search(query: $q) { totalCount } }",
                json!({ "q": "é".repeat(n) }),
            )
            .await
        }
    };
    // Characters, not bytes: 200 two-byte characters are accepted.
    let ok = q(200).await;
    assert!(ok.get("errors").is_none(), "{ok:#}");
    let resp = q(201).await;
    single_error(&resp, "BAD_USER_INPUT");
}
