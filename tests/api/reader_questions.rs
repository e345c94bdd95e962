//! What a reader of the article asks, answered over HTTP from the built-in seed.
//!
//! Expected values come from the article (seed/sources/*.txt): Karis approved on June 13, the
//! notes went to the UN on June 27, withdrawals take effect six months after notification.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Months, NaiveDate};
use serde_json::{Value, json};

use crate::helpers::{SOURCE_ID, TestApp, source_text, spawn_app, strings};

const EVENT_FIELDS: &str = "id name date dateText datePrecision eventKind
    participants { role entity { id kind name } }
    evidence { quote sentence source { id title url } }";

/// The events an entity takes part in, via the top-level time line.
async fn events_involving(app: &TestApp, id: &str) -> Vec<Value> {
    let q = format!(
        "query($id: ID!) {{ events(involving: $id, first: 100) {{ totalCount nodes {{ {EVENT_FIELDS} }} }} }}"
    );
    let data = app.data_vars(&q, json!({ "id": id })).await;
    let conn = &data["events"];
    let nodes = conn["nodes"].as_array().unwrap().clone();
    assert_eq!(conn["totalCount"], nodes.len(), "all events fit one page");
    nodes
}

fn of_kind(events: &[Value], kind: &str) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e["eventKind"] == kind)
        .cloned()
        .collect()
}

/// Ids of the participants of an event in the given role.
fn participants(event: &Value, role: &str) -> BTreeSet<String> {
    event["participants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["role"] == role)
        .map(|p| p["entity"]["id"].as_str().unwrap().to_string())
        .collect()
}

fn quotes(event: &Value) -> Vec<String> {
    strings(&event["evidence"], Some("quote"))
}

fn date(s: &Value) -> NaiveDate {
    NaiveDate::parse_from_str(s.as_str().expect("a date string"), "%Y-%m-%d")
        .unwrap_or_else(|_| panic!("not a YYYY-MM-DD date: {s}"))
}

#[tokio::test]
async fn estonias_withdrawal_was_approved_by_president_karis_on_13_june() {
    let app = spawn_app().await;
    let text = source_text(&app, SOURCE_ID).await;

    let approvals = of_kind(&events_involving(&app, "state/estonia").await, "APPROVAL");
    assert_eq!(
        approvals.len(),
        1,
        "one approval concerns Estonia: {approvals:#?}"
    );
    let approval = &approvals[0];
    assert_eq!(
        participants(approval, "ACTOR"),
        BTreeSet::from(["person/alar-karis".to_string()])
    );
    assert!(participants(approval, "SUBJECT").contains("treaty/ottawa-convention"));
    assert_eq!(approval["date"], "2025-06-13");
    assert_eq!(approval["datePrecision"], "DAY");

    let quotes = quotes(approval);
    assert!(!quotes.is_empty());
    for q in &quotes {
        assert!(text.contains(q.as_str()), "quote not in the article: {q}");
    }
    assert!(
        quotes
            .iter()
            .any(|q| q.contains("Alar Karis") && q.contains("June 13")),
        "the evidence names Karis and the day: {quotes:?}"
    );
}

#[tokio::test]
async fn both_withdrawals_take_effect_six_months_after_the_notes_of_27_june() {
    let app = spawn_app().await;
    let q = "{ events(first: 100) { nodes { id date eventKind
        participants { role entity { id kind } }
        dateRule { months description
                   notification { id date eventKind participants { role entity { id } } }
                   treaty { id noticePeriodMonths } }
        relations(relationTypes: [LEADS_TO], direction: INCOMING) { entities { id } } } } }";
    let data = app.data(q).await;
    let effective = of_kind(
        data["events"]["nodes"].as_array().unwrap(),
        "WITHDRAWAL_EFFECTIVE",
    );

    let mut by_state = BTreeMap::new();
    for e in &effective {
        let states: Vec<String> = e["participants"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["role"] == "SUBJECT" && p["entity"]["kind"] == "STATE")
            .map(|p| p["entity"]["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(states.len(), 1, "one withdrawing state per event: {e:#}");
        by_state.insert(states[0].clone(), e.clone());
    }
    assert_eq!(
        by_state.keys().collect::<Vec<_>>(),
        ["state/estonia", "state/lithuania"]
    );

    for (state, e) in &by_state {
        assert_eq!(e["date"], "2025-12-27", "{state}");
        let rule = &e["dateRule"];
        assert!(
            rule.is_object(),
            "{state}: the date is computed, so it has a rule"
        );
        assert_eq!(rule["treaty"]["id"], "treaty/ottawa-convention");
        assert_eq!(
            rule["months"], 6,
            "the article: six months after the notification"
        );
        assert_eq!(rule["months"], rule["treaty"]["noticePeriodMonths"]);
        let note = &rule["notification"];
        assert_eq!(note["eventKind"], "NOTIFICATION");
        assert_eq!(note["date"], "2025-06-27");
        assert!(participants(note, "ACTOR").contains(state.as_str()));
        // The date is the rule applied, not a typed-in value.
        let months = rule["months"].as_u64().unwrap() as u32;
        assert_eq!(
            date(&e["date"]),
            date(&note["date"])
                .checked_add_months(Months::new(months))
                .unwrap()
        );
        assert!(rule["description"].as_str().unwrap().contains("6 months"));
        // The notification leads to the withdrawal taking effect.
        assert_eq!(
            strings(&e["relations"]["entities"], Some("id")),
            [note["id"].as_str().unwrap()]
        );
    }
}

/// The parties to the Ottawa Convention on a day.
async fn parties_on(app: &TestApp, day: &str) -> Vec<String> {
    let q = "query($day: Date!) { entity(id: \"treaty/ottawa-convention\") {
        relations(relationTypes: [PARTY_TO], asOf: $day) { totalCount entities { id } } } }";
    let data = app.data_vars(q, json!({ "day": day })).await;
    let rels = &data["entity"]["relations"];
    assert_eq!(
        rels["totalCount"],
        rels["entities"].as_array().unwrap().len()
    );
    strings(&rels["entities"], Some("id"))
}

#[tokio::test]
async fn only_norway_remains_a_party_once_the_withdrawals_take_effect() {
    let app = spawn_app().await;
    assert_eq!(
        parties_on(&app, "2025-12-26").await,
        ["state/estonia", "state/lithuania", "state/norway"]
    );
    assert_eq!(parties_on(&app, "2025-12-27").await, ["state/norway"]);
    assert_eq!(parties_on(&app, "2030-01-01").await, ["state/norway"]);

    let q = "{ entity(id: \"treaty/ottawa-convention\") {
        relations(relationTypes: [PARTY_TO], direction: INCOMING) { edges {
            entity { id } validFrom validUntil
            node { id from { id } to { id } holdsOn(asOf: \"2025-12-26\")
                       holdsOnTheDay: holdsOn(asOf: \"2025-12-27\")
                       validUntilEvent { id date eventKind participants { role entity { id } } } } } } } }";
    let data = app.data(q).await;
    let edges = data["entity"]["relations"]["edges"].as_array().unwrap();
    let estonia = edges
        .iter()
        .find(|e| e["entity"]["id"] == "state/estonia")
        .expect("Estonia was a party");
    assert_eq!(estonia["validUntil"], "2025-12-27");
    assert!(
        estonia["validFrom"].is_null(),
        "the article does not say when it joined"
    );
    let rel = &estonia["node"];
    assert_eq!(rel["from"]["id"], "state/estonia");
    assert_eq!(rel["to"]["id"], "treaty/ottawa-convention");
    assert_eq!(rel["holdsOn"], true);
    assert_eq!(rel["holdsOnTheDay"], false, "validity is half-open");
    let until = &rel["validUntilEvent"];
    assert_eq!(until["eventKind"], "WITHDRAWAL_EFFECTIVE");
    assert_eq!(until["date"], estonia["validUntil"]);
    assert!(participants(until, "SUBJECT").contains("state/estonia"));

    let norway = edges
        .iter()
        .find(|e| e["entity"]["id"] == "state/norway")
        .unwrap();
    assert!(norway["validUntil"].is_null());
    assert!(norway["node"]["validUntilEvent"].is_null());
}

#[tokio::test]
async fn lithuanias_ministry_is_quoted_verbatim_with_its_sentence_and_source() {
    let app = spawn_app().await;
    let text = source_text(&app, SOURCE_ID).await;
    let statements = of_kind(
        &events_involving(&app, "org/lithuania-mfa").await,
        "STATEMENT",
    );
    assert_eq!(statements.len(), 1, "{statements:#?}");
    let statement = &statements[0];
    assert!(participants(statement, "ACTOR").contains("org/lithuania-mfa"));

    let evidence = statement["evidence"].as_array().unwrap();
    let ev = evidence
        .iter()
        .find(|e| {
            e["quote"]
                .as_str()
                .unwrap()
                .starts_with("The denunciation of this international agreement")
        })
        .expect("the ministry's words are quoted");
    let quote = ev["quote"].as_str().unwrap();
    let sentence = ev["sentence"].as_str().unwrap();
    assert!(text.contains(quote));
    assert!(
        sentence.contains(quote),
        "{sentence:?} should contain {quote:?}"
    );
    assert!(text.contains(sentence), "the sentence is the article's");
    // The whole sentence attributes the words to the ministry.
    assert!(sentence.ends_with("the Lithuanian Foreign Ministry said in a statement."));

    let source = &ev["source"];
    let title = source["title"].as_str().unwrap();
    assert!(
        text.contains(title),
        "the title is the article's headline: {title}"
    );
    assert!(title.starts_with("Estonia and Lithuania announce withdrawal"));
    let url = source["url"].as_str().unwrap();
    assert!(url.starts_with("https://chaspravdy.com/"), "{url}");
}

#[tokio::test]
async fn tsahkna_holds_office_as_estonias_foreign_minister() {
    let app = spawn_app().await;
    let data = app
        .data(
            "{ entity(id: \"person/margus-tsahkna\") { name aliases
                relations(relationTypes: [HOLDS_OFFICE]) { edges { role direction
                    entity { id name relations(relationTypes: [PART_OF], direction: OUTGOING) { entities { id } } }
                    evidence { quote } } } } }",
        )
        .await;
    let person = &data["entity"];
    assert_eq!(person["name"], "Margus Tsahkna");
    // The article spells him "Tsakhna".
    assert!(strings(&person["aliases"], None).contains(&"Tsakhna".to_string()));
    let offices = person["relations"]["edges"].as_array().unwrap();
    assert_eq!(offices.len(), 1, "{offices:#?}");
    let office = &offices[0];
    assert_eq!(office["role"], "Minister of Foreign Affairs");
    assert_eq!(office["direction"], "OUTGOING");
    assert_eq!(office["entity"]["id"], "org/estonia-mfa");
    assert_eq!(
        strings(&office["entity"]["relations"]["entities"], Some("id")),
        ["state/estonia"],
        "the ministry is Estonia's"
    );
    assert!(
        strings(&office["evidence"], Some("quote"))
            .iter()
            .any(|q| q.contains("Foreign Minister Margus Tsakhna"))
    );
}

#[tokio::test]
async fn karis_is_president_of_estonia() {
    let app = spawn_app().await;
    let data = app
        .data(
            "{ entity(id: \"state/estonia\") { relations(relationTypes: [HOLDS_OFFICE], direction: INCOMING) {
                edges { role entity { id name } evidence { quote } } } } }",
        )
        .await;
    let edges = data["entity"]["relations"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "{edges:#?}");
    assert_eq!(edges[0]["entity"]["id"], "person/alar-karis");
    assert_eq!(edges[0]["entity"]["name"], "Alar Karis");
    assert_eq!(edges[0]["role"], "President");
    assert!(
        strings(&edges[0]["evidence"], Some("quote"))
            .iter()
            .any(|q| q.contains("President Alar Karis"))
    );
}

#[tokio::test]
async fn lithuanias_parliament_decided_to_denounce_the_convention_on_8_may() {
    let app = spawn_app().await;
    let decisions = of_kind(&events_involving(&app, "org/seimas").await, "DECISION");
    assert_eq!(decisions.len(), 1, "{decisions:#?}");
    let d = &decisions[0];
    assert_eq!(d["date"], "2025-05-08");
    assert_eq!(
        participants(d, "ACTOR"),
        BTreeSet::from(["org/seimas".to_string()])
    );
    let subjects = participants(d, "SUBJECT");
    assert!(subjects.contains("state/lithuania") && subjects.contains("treaty/ottawa-convention"));
    assert!(
        quotes(d)
            .iter()
            .any(|q| q.contains("on May 8, the Lithuanian parliament"))
    );

    // The same event on the time line of that day, and nothing else.
    let data = app
        .data("{ events(from: \"2025-05-08\", to: \"2025-05-08\") { nodes { id } } }")
        .await;
    assert_eq!(
        strings(&data["events"]["nodes"], Some("id")),
        [d["id"].as_str().unwrap()]
    );
}

#[tokio::test]
async fn both_notifications_are_addressed_to_the_un_on_27_june() {
    let app = spawn_app().await;
    let events = events_involving(&app, "org/un").await;
    let notes = of_kind(&events, "NOTIFICATION");
    assert_eq!(
        notes.len(),
        events.len(),
        "the UN only receives notes: {events:#?}"
    );
    let mut notifying = BTreeSet::new();
    for n in &notes {
        assert_eq!(n["date"], "2025-06-27");
        assert_eq!(
            participants(n, "ADDRESSEE"),
            BTreeSet::from(["org/un".to_string()])
        );
        assert!(participants(n, "SUBJECT").contains("treaty/ottawa-convention"));
        for actor in participants(n, "ACTOR") {
            if actor.starts_with("state/") {
                notifying.insert(actor);
            }
        }
    }
    assert_eq!(
        notifying,
        BTreeSet::from(["state/estonia".to_string(), "state/lithuania".to_string()])
    );
}

#[tokio::test]
async fn the_article_was_published_by_chas_pravdy_on_28_june() {
    let app = spawn_app().await;
    let data = app
        .data_vars(
            "query($id: ID!) { entity(id: $id) { kind ... on Source {
                title publishedAt language url publisher { id name kind } text } } }",
            json!({ "id": SOURCE_ID }),
        )
        .await;
    let s = &data["entity"];
    assert_eq!(s["kind"], "SOURCE");
    assert_eq!(s["publisher"]["id"], "org/chas-pravdy");
    assert_eq!(s["publisher"]["name"], "Chas Pravdy");
    assert_eq!(s["publisher"]["kind"], "ORGANIZATION");
    assert_eq!(s["publishedAt"], "2025-06-28T12:08:00+03:00");
    assert_eq!(s["language"], "en");
    // The byline the publication time comes from.
    assert!(
        s["text"]
            .as_str()
            .unwrap()
            .contains("Chas Pravdy - 28 June 2025 12:08")
    );
}

#[tokio::test]
async fn an_event_known_only_to_its_month_is_on_the_time_line_of_any_day_in_that_month() {
    let app = spawn_app().await;
    let data = app
        .data(
            "{ events(from: \"2025-06-15\", to: \"2025-06-20\") { nodes {
                id date dateText datePrecision participants { role entity { id } } } } }",
        )
        .await;
    // The three events the article dates only to June: Norway's announcement and the two
    // statements it reports without a day.
    let nodes = data["events"]["nodes"].as_array().unwrap();
    let ids: Vec<&str> = nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "event/2025-06-27-lithuania-mfa-statement",
            "event/2025-06-27-tsahkna-explains-withdrawal",
            "event/2025-06-norway-remains-party",
        ],
        "{nodes:#?}"
    );
    assert!(nodes.iter().all(|n| n["datePrecision"] == "MONTH"));
    let norway = &nodes[2];
    assert!(participants(norway, "ACTOR").contains("state/norway"));
    assert_eq!(norway["datePrecision"], "MONTH");
    assert_eq!(norway["dateText"], "2025-06");
    assert_eq!(norway["date"], "2025-06-01");
}

#[tokio::test]
async fn a_relation_is_a_node_fetched_by_its_id() {
    let app = spawn_app().await;
    let id = "state/lithuania:PARTY_TO:treaty/ottawa-convention";
    let data = app
        .data_vars(
            "query($id: ID!) {
                relation(id: $id) { id type from { id } to { id } validUntil }
                node(id: $id) { id ... on Relation { type validUntil } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["relation"]["id"], id);
    assert_eq!(data["relation"]["type"], "PARTY_TO");
    assert_eq!(data["relation"]["from"]["id"], "state/lithuania");
    assert_eq!(data["relation"]["to"]["id"], "treaty/ottawa-convention");
    assert_eq!(data["relation"]["validUntil"], "2025-12-27");
    assert_eq!(data["node"]["id"], id);
    assert_eq!(data["node"]["type"], "PARTY_TO");
    assert_eq!(data["node"]["validUntil"], "2025-12-27");
}

/// Every entity, paged through with small pages: `(id, kind, event evidence)`.
async fn all_entities(app: &TestApp) -> Vec<Value> {
    let q = "query($after: String) { entities(first: 4, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { id kind ... on Event { evidence { quote sentence source { id } } } } } }";
    let mut out = vec![];
    let mut after = Value::Null;
    loop {
        let data = app.data_vars(q, json!({ "after": after })).await;
        let conn = &data["entities"];
        out.extend(conn["nodes"].as_array().unwrap().iter().cloned());
        if conn["pageInfo"]["hasNextPage"] != true {
            return out;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

/// Every relation at an entity, paged through: the edges with their evidence.
async fn all_relations(app: &TestApp, id: &str) -> Vec<Value> {
    let q = "query($id: ID!, $after: String) { entity(id: $id) {
        relations(first: 3, after: $after) { pageInfo { hasNextPage endCursor }
            edges { node { id } evidence { quote sentence source { id } } } } } }";
    let mut out = vec![];
    let mut after = Value::Null;
    loop {
        let data = app.data_vars(q, json!({ "id": id, "after": after })).await;
        let conn = &data["entity"]["relations"];
        out.extend(conn["edges"].as_array().unwrap().iter().cloned());
        if conn["pageInfo"]["hasNextPage"] != true {
            return out;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test]
async fn every_evidence_quote_occurs_verbatim_in_its_sources_text() {
    let app = spawn_app().await;
    let entities = all_entities(&app).await;
    let mut texts = BTreeMap::new();
    for e in entities.iter().filter(|e| e["kind"] == "SOURCE") {
        let id = e["id"].as_str().unwrap();
        texts.insert(id.to_string(), source_text(&app, id).await);
    }
    assert!(!texts.is_empty());

    let check = |ev: &Value, whose: &str| {
        let quote = ev["quote"].as_str().unwrap();
        let sentence = ev["sentence"].as_str().unwrap();
        let text = texts
            .get(ev["source"]["id"].as_str().unwrap())
            .unwrap_or_else(|| panic!("{whose} cites a source not listed: {ev:#}"));
        assert!(
            text.contains(quote),
            "{whose}: {quote:?} is not in the text"
        );
        assert!(
            sentence.contains(quote),
            "{whose}: {sentence:?} lacks {quote:?}"
        );
        assert!(
            text.contains(sentence),
            "{whose}: {sentence:?} is not in the text"
        );
    };

    let mut checked = 0;
    let mut seen_from: BTreeMap<String, usize> = BTreeMap::new();
    for e in &entities {
        let id = e["id"].as_str().unwrap();
        if let Some(evidence) = e["evidence"].as_array() {
            assert!(!evidence.is_empty(), "event {id} has no evidence");
            for ev in evidence {
                check(ev, id);
                checked += 1;
            }
        }
        for edge in all_relations(&app, id).await {
            let rel = edge["node"]["id"].as_str().unwrap().to_string();
            let evidence = edge["evidence"].as_array().unwrap();
            assert!(!evidence.is_empty(), "relation {rel} has no evidence");
            for ev in evidence {
                check(ev, &rel);
                checked += 1;
            }
            *seen_from.entry(rel).or_default() += 1;
        }
    }
    assert!(checked > 50, "only {checked} pieces of evidence checked");
    // Each relation was reached from both of its ends, so none was skipped.
    for (rel, n) in &seen_from {
        assert_eq!(*n, 2, "relation {rel} seen from {n} ends");
    }
}
