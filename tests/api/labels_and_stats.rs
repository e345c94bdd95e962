//! Names in other languages (the publisher's editions: es, de, fr, it, uk), searching by them
//! and by the article's own words, and the graph's statistics.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::{SOURCE_ID, TestApp, single_error, source_text, spawn_app, strings};

const SEARCH: &str = "query($q: String!) {
    search(query: $q, first: 100) {
        totalCount
        edges { score matchedOn matchedText matchedLanguage node { id kind } } } }";

async fn search(app: &TestApp, q: &str) -> Vec<Value> {
    let data = app.data_vars(SEARCH, json!({ "q": q })).await;
    let edges = data["search"]["edges"].as_array().unwrap().clone();
    assert_eq!(
        data["search"]["totalCount"],
        edges.len(),
        "{q:?} fits one page"
    );
    edges
}

#[tokio::test]
async fn estonia_is_called_estland_in_german() {
    let app = spawn_app().await;
    let data = app
        .data(
            "{ entity(id: \"state/estonia\") {
                name de: name(lang: \"de\") uk: name(lang: \"uk\") fr: name(lang: \"fr\")
                labels { lang value } } }",
        )
        .await;
    let e = &data["entity"];
    assert_eq!(e["name"], "Estonia");
    assert_eq!(e["de"], "Estland");
    assert_eq!(e["fr"], "Estonie");
    assert_eq!(e["uk"], "Естонія");
    let langs: BTreeSet<String> = strings(&e["labels"], Some("lang")).into_iter().collect();
    for lang in ["es", "de", "fr", "it", "uk"] {
        assert!(langs.contains(lang), "a {lang} label: {langs:?}");
    }
    let de = e["labels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["lang"] == "de")
        .unwrap();
    assert_eq!(de["value"], "Estland", "labels agree with name(lang:)");
}

#[tokio::test]
async fn a_language_without_a_label_falls_back_to_the_english_name() {
    let app = spawn_app().await;
    let data = app
        .data(
            "{ estonia: entity(id: \"state/estonia\") { name(lang: \"pt\") }
               karis: entity(id: \"person/alar-karis\") { name(lang: \"de\") labels { lang } } }",
        )
        .await;
    assert_eq!(data["estonia"]["name"], "Estonia");
    // A person without labels keeps the one name in every language.
    assert_eq!(data["karis"]["name"], "Alar Karis");
    assert_eq!(data["karis"]["labels"], json!([]));
}

#[tokio::test]
async fn the_french_name_typed_without_its_accent_finds_norway() {
    let app = spawn_app().await;
    let hits = search(&app, "Norvege").await;
    let first = &hits[0];
    assert_eq!(first["node"]["id"], "state/norway", "{hits:#?}");
    assert_eq!(first["matchedOn"], "LABEL");
    assert_eq!(first["matchedLanguage"], "fr");
    assert_eq!(first["matchedText"], "Norvège");
    // Other kinds of match say no language.
    for h in &hits {
        if h["matchedOn"] != "LABEL" {
            assert!(h["matchedLanguage"].is_null(), "{h:#}");
        }
    }
}

#[tokio::test]
async fn a_latin_transliteration_of_the_ukrainian_name_finds_estonia_first() {
    let app = spawn_app().await;
    let hits = search(&app, "Estoniya").await;
    assert_eq!(hits[0]["node"]["id"], "state/estonia", "{hits:#?}");
    assert!(
        hits[0]["score"].as_f64().unwrap() < 1.0,
        "not an exact name"
    );
}

#[tokio::test]
async fn the_ukrainian_name_finds_estonia_first() {
    let app = spawn_app().await;
    let hits = search(&app, "Естонія").await;
    let first = &hits[0];
    assert_eq!(first["node"]["id"], "state/estonia", "{hits:#?}");
    assert_eq!(first["matchedOn"], "LABEL");
    assert_eq!(first["matchedLanguage"], "uk");
    assert_eq!(first["matchedText"], "Естонія");
}

#[tokio::test]
async fn a_phrase_of_the_article_finds_the_withdrawals_by_their_quote() {
    let app = spawn_app().await;
    let text = source_text(&app, SOURCE_ID).await;
    let hits = search(&app, "come into force six months").await;
    let ids: BTreeSet<&str> = hits
        .iter()
        .map(|h| h["node"]["id"].as_str().unwrap())
        .collect();
    for id in [
        "event/estonia-withdrawal-takes-effect",
        "event/lithuania-withdrawal-takes-effect",
    ] {
        assert!(ids.contains(id), "{id} in {ids:?}");
    }
    for h in hits.iter().filter(|h| {
        h["node"]["id"]
            .as_str()
            .unwrap()
            .contains("withdrawal-takes-effect")
    }) {
        assert_eq!(h["matchedOn"], "QUOTE", "{h:#}");
        let quote = h["matchedText"].as_str().unwrap();
        assert!(quote.contains("come into force six months"), "{quote:?}");
        assert!(
            text.contains(quote),
            "the quote is the article's: {quote:?}"
        );
        assert_eq!(h["node"]["kind"], "EVENT");
    }
}

#[tokio::test]
async fn searching_the_evidence_links_the_six_months_quote_to_both_withdrawals() {
    let app = spawn_app().await;
    let text = source_text(&app, SOURCE_ID).await;
    let data = app
        .data(
            "{ searchEvidence(query: \"six months after\") {
                totalCount
                edges { score node {
                    evidence { quote sentence source { id } }
                    events { id date }
                    relations { id type from { id } to { id } } } } } }",
        )
        .await;
    let edges = data["searchEvidence"]["edges"].as_array().unwrap();
    assert_eq!(data["searchEvidence"]["totalCount"], edges.len());
    let m = edges
        .iter()
        .map(|e| &e["node"])
        .find(|m| {
            m["evidence"]["quote"]
                .as_str()
                .unwrap()
                .contains("six months after the official notification")
        })
        .unwrap_or_else(|| panic!("the six-months quote: {edges:#?}"));
    let quote = m["evidence"]["quote"].as_str().unwrap();
    let sentence = m["evidence"]["sentence"].as_str().unwrap();
    assert!(text.contains(quote) && sentence.contains(quote) && text.contains(sentence));
    assert_eq!(m["evidence"]["source"]["id"], SOURCE_ID);

    let events: BTreeSet<String> = strings(&m["events"], Some("id")).into_iter().collect();
    assert_eq!(
        events,
        BTreeSet::from([
            "event/estonia-withdrawal-takes-effect".to_string(),
            "event/lithuania-withdrawal-takes-effect".to_string()
        ])
    );
    // Six months after the notes of 27 June.
    assert!(
        m["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["date"] == "2025-12-27")
    );

    let relations: Vec<&Value> = m["relations"].as_array().unwrap().iter().collect();
    let parties: BTreeSet<&str> = relations
        .iter()
        .map(|r| {
            assert_eq!(r["type"], "PARTY_TO", "{r:#}");
            assert_eq!(r["to"]["id"], "treaty/ottawa-convention");
            r["from"]["id"].as_str().unwrap()
        })
        .collect();
    // Norway stays a party: the quote is not evidence for its membership.
    assert_eq!(
        parties,
        BTreeSet::from(["state/estonia", "state/lithuania"])
    );
}

const STATS: &str = "{ stats {
    nodeCount relationCount maxDegree meanDegree
    nodesByKind { kind count } relationsByType { type count }
    mostCentral(limit: 5) { rank entity { id centrality degree } score degree } }
  entities(first: 1) { totalCount facets { relationTypes { type count } } } }";

fn counts(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn the_statistics_add_up() {
    let app = spawn_app().await;
    let data = app.data(STATS).await;
    let s = &data["stats"];
    let nodes = s["nodeCount"].as_u64().unwrap();
    let relations = s["relationCount"].as_u64().unwrap();
    assert_eq!(counts(&s["nodesByKind"]).iter().sum::<u64>(), nodes);
    assert_eq!(counts(&s["relationsByType"]).iter().sum::<u64>(), relations);
    assert_eq!(
        data["entities"]["totalCount"], nodes,
        "nodeCount counts every entity"
    );
    let mean = s["meanDegree"].as_f64().unwrap();
    assert!(
        (mean - 2.0 * relations as f64 / nodes as f64).abs() < 1e-9,
        "{mean}"
    );
    // Every relation has two ends among the entities.
    let facets = &data["entities"]["facets"]["relationTypes"];
    for t in s["relationsByType"].as_array().unwrap() {
        let at_ends = facets
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["type"] == t["type"])
            .unwrap_or_else(|| panic!("{} in the facets", t["type"]));
        assert_eq!(
            at_ends["count"].as_u64(),
            t["count"].as_u64().map(|c| 2 * c),
            "{t:#}"
        );
    }
    // Three parties to the convention: Estonia, Lithuania, Norway.
    let party = s["relationsByType"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == "PARTY_TO")
        .unwrap();
    assert_eq!(party["count"], 3);
}

#[tokio::test]
async fn the_most_central_entities_are_ranked_one_to_five_by_score() {
    let app = spawn_app().await;
    let data = app.data(STATS).await;
    let top = data["stats"]["mostCentral"].as_array().unwrap();
    let ranks: Vec<u64> = top.iter().map(|r| r["rank"].as_u64().unwrap()).collect();
    assert_eq!(ranks, [1, 2, 3, 4, 5]);
    let scores: Vec<f64> = top.iter().map(|r| r["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    for r in top {
        assert_eq!(r["score"], r["entity"]["centrality"], "{r:#}");
        assert_eq!(r["degree"], r["entity"]["degree"], "{r:#}");
    }
    let max_degree = data["stats"]["maxDegree"].as_u64().unwrap();
    assert!(
        top.iter()
            .all(|r| r["degree"].as_u64().unwrap() <= max_degree)
    );
    // Every event of the story but the publication concerns the convention: it is the hub.
    assert_eq!(top[0]["entity"]["id"], "treaty/ottawa-convention");
    let by_centrality = app
        .data("{ entities(orderBy: {field: CENTRALITY, direction: DESC}, first: 5) { nodes { id } } }")
        .await;
    assert_eq!(
        strings(&by_centrality["entities"]["nodes"], Some("id")),
        top.iter()
            .map(|r| r["entity"]["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>(),
        "the same ranking as sorting entities by centrality"
    );
}

#[tokio::test]
async fn most_central_outside_one_to_a_hundred_is_bad_user_input() {
    let app = spawn_app().await;
    for n in [0, 101] {
        let resp = app
            .query_vars(
                "query($n: Int!) { stats { mostCentral(limit: $n) { rank } } }",
                json!({ "n": n }),
            )
            .await;
        let err = single_error(&resp, "BAD_USER_INPUT");
        let message = err["message"].as_str().unwrap();
        assert!(
            message.contains("limit") && message.contains(&n.to_string()),
            "{err:#}"
        );
    }
}

#[tokio::test]
async fn the_centralities_of_all_entities_sum_to_one() {
    let app = spawn_app().await;
    let q = "query($after: String) {
        entities(first: 100, after: $after) {
            totalCount pageInfo { hasNextPage endCursor } nodes { id centrality } } }";
    let (mut sum, mut count, mut after) = (0.0, 0u64, Value::Null);
    let total = loop {
        let data = app.data_vars(q, json!({ "after": after })).await;
        let conn = &data["entities"];
        for n in conn["nodes"].as_array().unwrap() {
            let c = n["centrality"].as_f64().unwrap();
            assert!(c > 0.0 && c < 1.0, "{n:#}");
            sum += c;
            count += 1;
        }
        if conn["pageInfo"]["hasNextPage"] != true {
            break conn["totalCount"].as_u64().unwrap();
        }
        after = conn["pageInfo"]["endCursor"].clone();
    };
    assert_eq!(count, total, "every entity was seen");
    assert!((sum - 1.0).abs() < 1e-6, "PageRank sums to 1, got {sum}");
}
