//! The write path over HTTP, in-process: who may write, every mutation and what a following
//! query sees, validation that leaves the graph as it was (user errors in the payload, each
//! pointing at the input field at fault), all-or-nothing batches, mutations over GET, and
//! readers running while a writer writes.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::helpers::{
    SOURCE_ID, TOKEN, TestApp, ok_data, single_error, spawn_app, spawn_writable_app, strings,
};

// ---------------------------------------------------------------------------------------------
// Fixtures.

/// A source added by the tests: its text holds the quotes the new facts cite.
const NEW_SOURCE: &str = "source/test-baltic-brief-2025-06-30";
const NEW_SOURCE_TEXT: &str = "Baltic brief, 30 June 2025. \
    Latvia also notified the United Nations of its withdrawal from the Ottawa Convention on June 30. \
    Latvia has been a member of NATO since 29 March 2004. \
    The Latvian foreign minister said the step answers the threat from Russia.";
const LATVIA_NOTIFIES: &str =
    "Latvia also notified the United Nations of its withdrawal from the Ottawa Convention";
const LATVIA_IN_NATO: &str = "Latvia has been a member of NATO since 29 March 2004";

const CREATE_SOURCE: &str = "mutation($input: CreateSourceInput!) {
    createSource(input: $input) {
        clientMutationId version
        source { id kind name title text language publishedAt url }
        userErrors { field message code }
    }
}";
const CREATE_ENTITY: &str = "mutation($input: CreateEntityInput!) {
    createEntity(input: $input) {
        clientMutationId version
        entity { id kind name aliases description labels { lang value } }
        userErrors { field message code }
    }
}";
const CREATE_EVENT: &str = "mutation($input: CreateEventInput!) {
    createEvent(input: $input) {
        clientMutationId version
        event { id date datePrecision eventKind }
        userErrors { field message code }
    }
}";
const CREATE_RELATION: &str = "mutation($input: CreateRelationInput!) {
    createRelation(input: $input) {
        clientMutationId version
        relation { id type from { id } to { id } role validFrom validUntil }
        userErrors { field message code }
    }
}";
const BATCH: &str = "mutation($input: ApplyChangesInput!) {
    applyChanges(input: $input) {
        clientMutationId version applied touchedIds
        userErrors { field message code }
    }
}";

fn new_source_input() -> Value {
    json!({
        "id": NEW_SOURCE,
        "title": "Baltic brief: Latvia follows",
        "text": NEW_SOURCE_TEXT,
        "publishedAt": "2025-06-30T09:00:00Z",
        "language": "en",
        "url": "https://example.org/baltic-brief",
    })
}

fn latvia_input() -> Value {
    json!({
        "id": "state/latvia",
        "kind": "STATE",
        "name": "Latvia",
        "labels": [{ "lang": "de", "value": "Lettland" }, { "lang": "fr", "value": "Lettonie" }],
        "aliases": ["Republic of Latvia"],
        "description": "Baltic state.",
    })
}

fn evidence(source: &str, quote: &str) -> Value {
    json!([{ "source": source, "quote": quote }])
}

/// The payload of a response to one mutation: the only field of its `data`.
fn payload(data: &Value) -> Value {
    let fields = data
        .as_object()
        .unwrap_or_else(|| panic!("no data: {data:#}"));
    assert_eq!(fields.len(), 1, "one mutation, one payload: {data:#}");
    fields.values().next().unwrap().clone()
}

/// The payload of a write with [`TOKEN`] that must be applied: no top-level errors, no user
/// errors, and a version (a write that was applied made one).
async fn applied(app: &TestApp, mutation: &str, vars: Value) -> Value {
    let p = payload(&app.write(mutation, vars).await);
    assert_eq!(p["userErrors"], json!([]), "the write was refused: {p:#}");
    assert!(
        p["version"].as_u64().is_some(),
        "an applied write has a version: {p:#}"
    );
    p
}

/// Adds [`NEW_SOURCE`] and `state/latvia`, the ground most write tests build on.
async fn add_source_and_latvia(app: &TestApp) {
    applied(app, CREATE_SOURCE, json!({ "input": new_source_input() })).await;
    applied(app, CREATE_ENTITY, json!({ "input": latvia_input() })).await;
}

/// Adds a state with just an id and a name; the whole response.
async fn add_state(app: &TestApp, id: &str, name: &str, token: Option<&str>) -> Value {
    app.mutate_vars(
        CREATE_ENTITY,
        json!({ "input": { "id": id, "kind": "STATE", "name": name } }),
        token,
    )
    .await
}

/// Everything a refused write could have changed: the counts, every entity id, and one
/// entity in full (or the error saying it does not exist).
async fn snapshot(app: &TestApp, id: &str) -> Value {
    app.query_vars(
        "query($id: ID!) {
            stats { nodeCount relationCount }
            entities(first: 100) { totalCount nodes { id } }
            entity(id: $id) {
                id kind name aliases description labels { lang value } degree
                relations(first: 100) {
                    edges {
                        type role validFrom validUntil node { id } entity { id } evidence { quote }
                    }
                }
                ... on Event { date eventKind participants { role entity { id } } }
            }
        }",
        json!({ "id": id }),
    )
    .await
}

/// What a refused write must answer: the one user error's `code`, its `field` (a JSON array
/// of path segments, or `null` when the error is about the input as a whole), and parts its
/// message must contain.
struct Refusal<'a> {
    code: &'a str,
    field: Value,
    message: &'a [&'a str],
}

/// Checks that `payload` refused its write with exactly the user error `expected`, and that
/// it carries nothing of a write: no version, no object, no deleted id, nothing touched or
/// applied. A refusal is data, not a top-level error, so a client reads it from the payload.
fn assert_refusal(payload: &Value, expected: &Refusal<'_>) {
    let errors = payload["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("no userErrors: {payload:#}"));
    assert_eq!(errors.len(), 1, "expected one user error: {payload:#}");
    let err = &errors[0];
    assert_eq!(err["code"], expected.code, "wrong code: {payload:#}");
    assert_eq!(err["field"], expected.field, "wrong field: {payload:#}");
    let message = err["message"].as_str().unwrap();
    for part in expected.message {
        assert!(
            message.contains(part),
            "the message should say {part:?}: {message}"
        );
    }
    let object = payload.as_object().unwrap();
    for (name, value) in object {
        match name.as_str() {
            "userErrors" | "clientMutationId" => {}
            "touchedIds" => assert_eq!(value, &json!([]), "{payload:#}"),
            "applied" => assert_eq!(value, 0, "{payload:#}"),
            _ => assert!(
                value.is_null(),
                "a refused write has no {name}: {payload:#}"
            ),
        }
    }
    assert!(
        object.contains_key("version"),
        "ask for the version: {payload:#}"
    );
}

/// Sends a write that must be refused with the user error `expected` (see
/// [`assert_refusal`]), and checks that neither the counts nor the entity `affected` changed.
async fn assert_refused_and_unchanged(
    app: &TestApp,
    mutation: &str,
    vars: Value,
    affected: &str,
    expected: Refusal<'_>,
) {
    let before = snapshot(app, affected).await;
    let resp = app.mutate_vars(mutation, vars, Some(TOKEN)).await;
    assert_refusal(&payload(&ok_data(resp)), &expected);
    assert_eq!(
        snapshot(app, affected).await,
        before,
        "a refused write changed the graph"
    );
}

/// Sends a request that GraphQL itself refuses (a value its type does not take), so it never
/// reaches the write: one top-level error with `code` whose message names every part of
/// `expected`, no data, and neither the counts nor the entity `affected` changed.
async fn assert_malformed_and_unchanged(
    app: &TestApp,
    mutation: &str,
    vars: Value,
    affected: &str,
    code: &str,
    expected: &[&str],
) {
    let before = snapshot(app, affected).await;
    let resp = app.mutate_vars(mutation, vars, Some(TOKEN)).await;
    let err = single_error(&resp, code);
    let message = err["message"].as_str().unwrap();
    for part in expected {
        assert!(
            message.contains(part),
            "the message should say {part:?}: {message}"
        );
    }
    assert!(resp["data"].is_null(), "{resp:#}");
    assert_eq!(
        snapshot(app, affected).await,
        before,
        "a refused write changed the graph"
    );
}

async fn entity_exists(app: &TestApp, id: &str) -> bool {
    let data = app
        .data_vars(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": [id] }),
        )
        .await;
    !data["nodes"][0].is_null()
}

// ---------------------------------------------------------------------------------------------
// Who may write.

#[tokio::test]
async fn a_write_without_an_authorization_header_is_unauthenticated_and_changes_nothing() {
    let app = spawn_writable_app(None).await;
    let resp = add_state(&app, "state/latvia", "Latvia", None).await;
    let err = single_error(&resp, "UNAUTHENTICATED");
    assert!(
        err["message"].as_str().unwrap().contains("Bearer"),
        "the message says how to authenticate: {err:#}"
    );
    assert!(resp["data"].is_null(), "{resp:#}");
    assert!(!entity_exists(&app, "state/latvia").await);
}

#[tokio::test]
async fn a_write_with_a_wrong_token_is_unauthenticated_and_changes_nothing() {
    let app = spawn_writable_app(None).await;
    let prefix = &TOKEN[..TOKEN.len() - 1];
    let longer = format!("{TOKEN}x");
    let headers = [
        "Bearer not-the-write-token-at-all".to_string(),
        format!("Bearer {prefix}"),
        format!("Bearer {longer}"),
        // The right token, but not as a bearer token.
        TOKEN.to_string(),
        format!("Basic {TOKEN}"),
        "Bearer ".to_string(),
    ];
    for header in headers {
        let resp: Value = app
            .client
            .post(app.url("/graphql"))
            .header("Authorization", &header)
            .json(&json!({
                "query": "mutation { createEntity(input: { id: \"state/latvia\", kind: STATE, name: \"Latvia\" }) { entity { id } } }"
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        single_error(&resp, "UNAUTHENTICATED");
        assert!(resp["data"].is_null(), "{header:?}: {resp:#}");
    }
    assert!(!entity_exists(&app, "state/latvia").await);
}

#[tokio::test]
async fn a_server_started_without_a_write_token_refuses_writes_as_forbidden() {
    let app = spawn_app().await;
    for token in [Some(TOKEN), None] {
        let resp = add_state(&app, "state/latvia", "Latvia", token).await;
        let err = single_error(&resp, "FORBIDDEN");
        assert!(
            err["message"]
                .as_str()
                .unwrap()
                .contains("NEWSGRAPH_WRITE_TOKEN"),
            "the message says how to enable writes: {err:#}"
        );
    }
    assert!(!entity_exists(&app, "state/latvia").await);
}

#[tokio::test]
async fn the_right_token_writes_and_reads_need_no_token() {
    let app = spawn_writable_app(None).await;
    let data = ok_data(add_state(&app, "state/latvia", "Latvia", Some(TOKEN)).await);
    assert_eq!(data["createEntity"]["entity"]["id"], "state/latvia");
    assert_eq!(data["createEntity"]["userErrors"], json!([]));
    // A reader without a token sees the write, and so does one with a wrong token: reads are
    // open to everyone.
    let q = "{ entity(id: \"state/latvia\") { name } }";
    assert_eq!(app.data(q).await["entity"]["name"], "Latvia");
    let resp = app.mutate(q, Some("wrong-token-wrong-token")).await;
    assert_eq!(ok_data(resp)["entity"]["name"], "Latvia");
}

// ---------------------------------------------------------------------------------------------
// Each mutation, and what a following query sees.

#[tokio::test]
async fn create_source_stores_the_text_and_a_following_query_reads_it() {
    let app = spawn_writable_app(None).await;
    let before = app.data("{ stats { nodeCount } }").await;
    let mut input = new_source_input();
    input["clientMutationId"] = json!("add-the-baltic-brief");
    let p = applied(&app, CREATE_SOURCE, json!({ "input": input })).await;
    assert_eq!(
        p["clientMutationId"], "add-the-baltic-brief",
        "the payload echoes the input's name"
    );
    assert_eq!(p["version"], 1, "the first write makes version 1");
    let added = &p["source"];
    assert_eq!(added["id"], NEW_SOURCE);
    assert_eq!(added["kind"], "SOURCE");
    assert_eq!(added["text"], NEW_SOURCE_TEXT);

    let read = app
        .data_vars(
            "query($id: ID!) {
                stats { nodeCount }
                entity(id: $id) { ... on Source { title text language publishedAt url } }
            }",
            json!({ "id": NEW_SOURCE }),
        )
        .await;
    let s = &read["entity"];
    assert_eq!(s["title"], "Baltic brief: Latvia follows");
    assert_eq!(s["text"], NEW_SOURCE_TEXT);
    assert!(s["text"].as_str().unwrap().contains(LATVIA_NOTIFIES));
    assert_eq!(s["language"], "en");
    assert_eq!(s["url"], "https://example.org/baltic-brief");
    assert!(
        s["publishedAt"].as_str().unwrap().starts_with("2025-06-30"),
        "{s:#}"
    );
    assert_eq!(
        read["stats"]["nodeCount"].as_u64().unwrap(),
        before["stats"]["nodeCount"].as_u64().unwrap() + 1
    );
}

#[tokio::test]
async fn create_entity_is_found_by_id_by_label_and_by_search() {
    let app = spawn_writable_app(None).await;
    let p = applied(&app, CREATE_ENTITY, json!({ "input": latvia_input() })).await;
    assert!(
        p["clientMutationId"].is_null(),
        "none given, none echoed: {p:#}"
    );
    let added = &p["entity"];
    assert_eq!(added["kind"], "STATE");
    assert_eq!(strings(&added["aliases"], None), ["Republic of Latvia"]);

    let read = app
        .data(
            "{
                entity(id: \"state/latvia\") { name de: name(lang: \"de\") fr: name(lang: \"fr\") description }
                states: entities(kinds: [STATE], first: 100) { nodes { id } }
                search(query: \"Lettland\") { nodes { id } }
            }",
        )
        .await;
    assert_eq!(read["entity"]["name"], "Latvia");
    assert_eq!(read["entity"]["de"], "Lettland");
    assert_eq!(read["entity"]["fr"], "Lettonie");
    assert_eq!(read["entity"]["description"], "Baltic state.");
    assert!(strings(&read["states"]["nodes"], Some("id")).contains(&"state/latvia".to_string()));
    assert_eq!(
        strings(&read["search"]["nodes"], Some("id")).first(),
        Some(&"state/latvia".to_string()),
        "the search index is rebuilt with the new label"
    );
}

#[tokio::test]
async fn create_event_links_its_actors_and_cites_a_quote_of_the_new_source() {
    let app = spawn_writable_app(None).await;
    add_source_and_latvia(&app).await;
    let p = applied(
        &app,
        CREATE_EVENT,
        json!({ "input": {
            "id": "event/2025-06-30-latvia-notifies-un",
            "eventKind": "NOTIFICATION",
            "title": "Latvia notifies the UN of its withdrawal from the Ottawa Convention",
            "date": "2025-06-30",
            "actors": ["state/latvia"],
            "addressedTo": ["org/un"],
            "concerns": ["treaty/ottawa-convention"],
            "evidence": evidence(NEW_SOURCE, LATVIA_NOTIFIES),
        }}),
    )
    .await;
    assert_eq!(p["event"]["date"], "2025-06-30");
    assert_eq!(p["event"]["datePrecision"], "DAY");
    assert_eq!(p["event"]["eventKind"], "NOTIFICATION");

    let read = app
        .data(
            "{
                entity(id: \"event/2025-06-30-latvia-notifies-un\") {
                    ... on Event {
                        participants { role entity { id } }
                        evidence { quote sentence source { id } }
                    }
                }
                events(involving: \"state/latvia\") { nodes { id } }
                latvia: entity(id: \"state/latvia\") {
                    relations(relationTypes: [ACTOR_IN]) { entities { id } }
                }
            }",
        )
        .await;
    let event = &read["entity"];
    let participants: Vec<(String, String)> = event["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["role"].as_str().unwrap().to_string(),
                p["entity"]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for expected in [
        ("ACTOR", "state/latvia"),
        ("ADDRESSEE", "org/un"),
        ("SUBJECT", "treaty/ottawa-convention"),
    ] {
        assert!(
            participants.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} missing from {participants:?}"
        );
    }
    let ev = &event["evidence"][0];
    assert_eq!(ev["quote"], LATVIA_NOTIFIES);
    assert_eq!(ev["source"]["id"], NEW_SOURCE);
    assert_eq!(
        ev["sentence"],
        format!("{LATVIA_NOTIFIES} on June 30."),
        "the sentence is found in the new source's text"
    );
    assert_eq!(
        strings(&read["events"]["nodes"], Some("id")),
        ["event/2025-06-30-latvia-notifies-un"]
    );
    assert_eq!(
        strings(&read["latvia"]["relations"]["entities"], Some("id")),
        ["event/2025-06-30-latvia-notifies-un"]
    );
}

#[tokio::test]
async fn create_relation_is_seen_from_both_ends_with_its_evidence_and_counted() {
    let app = spawn_writable_app(None).await;
    add_source_and_latvia(&app).await;
    let before = app.data("{ stats { relationCount } }").await["stats"]["relationCount"]
        .as_u64()
        .unwrap();
    let p = applied(
        &app,
        CREATE_RELATION,
        json!({ "input": {
            "type": "MEMBER_OF",
            "from": "state/latvia",
            "to": "org/nato",
            "validFrom": "2004-03-29",
            "evidence": evidence(NEW_SOURCE, LATVIA_IN_NATO),
        }}),
    )
    .await;
    let rel = &p["relation"];
    assert_eq!(
        rel["id"], "state/latvia:MEMBER_OF:org/nato",
        "the default id is from:TYPE:to"
    );
    assert_eq!(rel["validFrom"], "2004-03-29");
    assert!(rel["validUntil"].is_null());

    let read = app
        .data(
            "{
                stats { relationCount }
                relation(id: \"state/latvia:MEMBER_OF:org/nato\") {
                    from { id } to { id } evidence { quote source { id } }
                    before: holdsOn(asOf: \"2004-03-28\") after: holdsOn(asOf: \"2004-03-29\")
                }
                nato: entity(id: \"org/nato\") {
                    relations(relationTypes: [MEMBER_OF], direction: INCOMING) { entities { id } }
                }
            }",
        )
        .await;
    assert_eq!(read["stats"]["relationCount"].as_u64().unwrap(), before + 1);
    let r = &read["relation"];
    assert_eq!(r["from"]["id"], "state/latvia");
    assert_eq!(r["to"]["id"], "org/nato");
    assert_eq!(r["evidence"][0]["quote"], LATVIA_IN_NATO);
    assert_eq!(r["evidence"][0]["source"]["id"], NEW_SOURCE);
    assert_eq!(r["before"], false);
    assert_eq!(r["after"], true);
    assert!(
        strings(&read["nato"]["relations"]["entities"], Some("id"))
            .contains(&"state/latvia".to_string())
    );
}

#[tokio::test]
async fn update_entity_changes_the_given_fields_and_keeps_the_others() {
    let app = spawn_writable_app(None).await;
    let p = applied(
        &app,
        "mutation {
            updateEntity(input: {
                id: \"state/estonia\",
                description: \"Baltic state; left the Ottawa Convention.\",
                aliases: [\"Eesti\"]
            }) {
                version entity { id name description aliases } userErrors { field message code }
            }
        }",
        json!({}),
    )
    .await;
    let e = &p["entity"];
    assert_eq!(
        e["description"],
        "Baltic state; left the Ottawa Convention."
    );
    assert_eq!(
        strings(&e["aliases"], None),
        ["Eesti"],
        "lists are replaced"
    );
    assert_eq!(e["name"], "Estonia");

    let read = app
        .data(
            "{
                entity(id: \"state/estonia\") {
                    name description aliases de: name(lang: \"de\")
                    relations(relationTypes: [PARTY_TO]) { totalCount }
                }
                search(query: \"Eesti\") { nodes { id } }
            }",
        )
        .await;
    let e = &read["entity"];
    assert_eq!(
        e["description"],
        "Baltic state; left the Ottawa Convention."
    );
    assert_eq!(strings(&e["aliases"], None), ["Eesti"]);
    assert_eq!(e["de"], "Estland", "labels not in the input stay");
    assert_eq!(e["relations"]["totalCount"], 1, "relations stay");
    assert_eq!(
        strings(&read["search"]["nodes"], Some("id")).first(),
        Some(&"state/estonia".to_string())
    );
}

#[tokio::test]
async fn moving_a_notification_date_moves_the_computed_withdrawal_and_the_party_to_end() {
    let app = spawn_writable_app(None).await;
    let q = "{
        effect: entity(id: \"event/lithuania-withdrawal-takes-effect\") { ... on Event { date } }
        lithuania: entity(id: \"state/lithuania\") {
            relations(relationTypes: [PARTY_TO]) { edges { validUntil entity { id } } }
        }
        estonia: entity(id: \"event/estonia-withdrawal-takes-effect\") { ... on Event { date } }
        status: relationStatus(from: \"state/lithuania\", type: PARTY_TO,
                               to: \"treaty/ottawa-convention\", asOf: \"2025-12-31\") { holds }
    }";
    let before = app.data(q).await;
    assert_eq!(before["effect"]["date"], "2025-12-27");
    assert_eq!(before["status"]["holds"], false);

    applied(
        &app,
        "mutation {
            createSource(input: { id: \"source/correction\", title: \"Correction\", language: \"en\",
                publishedAt: \"2025-07-02T09:00:00Z\",
                text: \"Correction: Lithuania's note to the UN is dated 1 July 2025.\" }) {
                version userErrors { field message code }
            }
        }",
        json!({}),
    )
    .await;
    let p = applied(
        &app,
        "mutation {
            updateEvent(input: { id: \"event/2025-06-27-lithuania-notifies-un\", date: \"2025-07-01\",
                evidence: [{ source: \"source/correction\", quote: \"Lithuania's note to the UN is dated 1 July 2025\" }] }) {
                version event { date datePrecision dateBasis { kind evidence { quote } } }
                userErrors { field message code }
            }
        }",
        json!({}),
    )
    .await;
    assert_eq!(p["event"]["date"], "2025-07-01");
    assert_eq!(p["event"]["dateBasis"]["kind"], "STATED");
    assert_eq!(p["event"]["dateBasis"]["evidence"]["quote"], "1 July 2025");
    assert_eq!(p["event"]["datePrecision"], "DAY");

    let after = app.data(q).await;
    assert_eq!(
        after["effect"]["date"], "2026-01-01",
        "six months after the new notification date"
    );
    let edge = &after["lithuania"]["relations"]["edges"][0];
    assert_eq!(edge["entity"]["id"], "treaty/ottawa-convention");
    assert_eq!(edge["validUntil"], "2026-01-01");
    assert_eq!(
        after["status"]["holds"], true,
        "still a party on 31 December"
    );
    assert_eq!(
        after["estonia"], before["estonia"],
        "Estonia's date does not depend on Lithuania's notification"
    );
}

#[tokio::test]
async fn update_relation_keeps_its_id_and_changes_role_and_validity() {
    let app = spawn_writable_app(None).await;
    let id = "person/alar-karis:HOLDS_OFFICE:state/estonia";
    let p = applied(
        &app,
        "mutation($id: ID!) {
            updateRelation(input: { id: $id, role: \"Head of State\", validFrom: \"2025-06-13\" }) {
                version relation { id role validFrom validUntil } userErrors { field message code }
            }
        }",
        json!({ "id": id }),
    )
    .await;
    let r = &p["relation"];
    assert_eq!(r["id"], id);
    assert_eq!(r["role"], "Head of State");
    assert_eq!(r["validFrom"], "2025-06-13");

    let q = "query($id: ID!) {
        relation(id: $id) {
            id role validFrom evidence { quote }
            before: holdsOn(asOf: \"2025-06-12\") after: holdsOn(asOf: \"2025-06-13\")
        }
    }";
    let read = app.data_vars(q, json!({ "id": id })).await;
    let r = &read["relation"];
    assert_eq!(r["role"], "Head of State");
    assert_eq!(r["before"], false);
    assert_eq!(r["after"], true);
    assert!(
        !r["evidence"].as_array().unwrap().is_empty(),
        "evidence not in the input stays"
    );

    // `validFrom: null` opens the bound again.
    applied(
        &app,
        "mutation($id: ID!) {
            updateRelation(input: { id: $id, validFrom: null }) {
                version relation { validFrom } userErrors { field message code }
            }
        }",
        json!({ "id": id }),
    )
    .await;
    let read = app.data_vars(q, json!({ "id": id })).await;
    assert!(read["relation"]["validFrom"].is_null(), "{read:#}");
    assert_eq!(read["relation"]["before"], true);
}

#[tokio::test]
async fn delete_relation_takes_it_out_of_both_ends_and_the_counts() {
    let app = spawn_writable_app(None).await;
    let id = "state/russia:AGGRESSION_AGAINST:state/ukraine";
    let before = app.data("{ stats { relationCount } }").await["stats"]["relationCount"]
        .as_u64()
        .unwrap();
    let p = applied(
        &app,
        "mutation($id: ID!) {
            deleteRelation(input: { id: $id }) {
                deletedId version touchedIds userErrors { field message code }
            }
        }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(p["deletedId"], id);
    assert_eq!(p["version"], 1, "the first write makes version 1");
    let touched = strings(&p["touchedIds"], None);
    for t in [id, "state/russia", "state/ukraine"] {
        assert!(touched.contains(&t.to_string()), "{t} not in {touched:?}");
    }

    let resp = app
        .query_vars(
            "query($id: ID!) {
                stats { relationCount }
                relation(id: $id) { id }
            }",
            json!({ "id": id }),
        )
        .await;
    single_error(&resp, "NOT_FOUND");
    assert_eq!(resp["data"]["stats"]["relationCount"], before - 1);
    let read = app
        .data(
            "{
                russia: entity(id: \"state/russia\") { relations(relationTypes: [AGGRESSION_AGAINST]) { totalCount } }
                ukraine: entity(id: \"state/ukraine\") { relations(relationTypes: [AGGRESSION_AGAINST]) { totalCount } }
            }",
        )
        .await;
    assert_eq!(read["russia"]["relations"]["totalCount"], 0);
    assert_eq!(read["ukraine"]["relations"]["totalCount"], 0);
}

#[tokio::test]
async fn delete_entity_is_refused_while_referenced_and_cascades_when_asked() {
    let app = spawn_writable_app(None).await;
    let delete = "mutation($id: ID!, $cascade: Boolean!) {
        deleteEntity(input: { id: $id, cascade: $cascade }) {
            version deletedId touchedIds userErrors { field message code }
        }
    }";
    assert_refused_and_unchanged(
        &app,
        delete,
        json!({ "id": "state/norway", "cascade": false }),
        "state/norway",
        Refusal {
            code: "IN_USE",
            field: json!(["id"]),
            message: &["state/norway", "is referenced by", "cascade: true"],
        },
    )
    .await;

    let p = applied(
        &app,
        delete,
        json!({ "id": "state/norway", "cascade": true }),
    )
    .await;
    assert_eq!(p["deletedId"], "state/norway");
    let touched = strings(&p["touchedIds"], None);
    for t in [
        "state/norway",
        "state/norway:PARTY_TO:treaty/ottawa-convention",
        "event/2025-06-norway-remains-party",
    ] {
        assert!(touched.contains(&t.to_string()), "{t} not in {touched:?}");
    }
    assert!(!entity_exists(&app, "state/norway").await);
    let read = app
        .data(
            "{
                treaty: entity(id: \"treaty/ottawa-convention\") {
                    relations(relationTypes: [PARTY_TO]) { entities { id } }
                }
                event: entity(id: \"event/2025-06-norway-remains-party\") {
                    ... on Event { participants { entity { id } } }
                }
                search(query: \"Norway\") { nodes { id } }
            }",
        )
        .await;
    assert!(
        !strings(&read["treaty"]["relations"]["entities"], Some("id"))
            .contains(&"state/norway".to_string())
    );
    let participants: Vec<&str> = read["event"]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["entity"]["id"].as_str().unwrap())
        .collect();
    assert!(
        !participants.contains(&"state/norway"),
        "the event stays, without Norway: {participants:?}"
    );
    assert!(!strings(&read["search"]["nodes"], Some("id")).contains(&"state/norway".to_string()));
}

#[tokio::test]
async fn an_unreferenced_entity_is_deleted_without_cascade() {
    let app = spawn_writable_app(None).await;
    ok_data(add_state(&app, "state/latvia", "Latvia", Some(TOKEN)).await);
    // `cascade` left out is `false`.
    let p = applied(
        &app,
        "mutation {
            deleteEntity(input: { id: \"state/latvia\" }) {
                version deletedId touchedIds userErrors { field message code }
            }
        }",
        json!({}),
    )
    .await;
    assert_eq!(p["deletedId"], "state/latvia");
    assert_eq!(strings(&p["touchedIds"], None), ["state/latvia"]);
    assert!(!entity_exists(&app, "state/latvia").await);
}

#[tokio::test]
async fn delete_source_is_refused_while_cited_and_succeeds_once_nothing_cites_it() {
    let app = spawn_writable_app(None).await;
    let delete = "mutation($id: ID!) {
        deleteSource(input: { id: $id }) {
            version deletedId touchedIds userErrors { field message code }
        }
    }";
    assert_refused_and_unchanged(
        &app,
        delete,
        json!({ "id": SOURCE_ID }),
        SOURCE_ID,
        Refusal {
            code: "IN_USE",
            field: json!(["id"]),
            message: &[SOURCE_ID, "is cited as evidence by"],
        },
    )
    .await;

    // A new source, cited by one relation: refused until that relation goes.
    add_source_and_latvia(&app).await;
    applied(
        &app,
        CREATE_RELATION,
        json!({ "input": {
            "type": "MEMBER_OF", "from": "state/latvia", "to": "org/nato",
            "evidence": evidence(NEW_SOURCE, LATVIA_IN_NATO),
        }}),
    )
    .await;
    assert_refused_and_unchanged(
        &app,
        delete,
        json!({ "id": NEW_SOURCE }),
        NEW_SOURCE,
        Refusal {
            code: "IN_USE",
            field: json!(["id"]),
            message: &["relation `state/latvia:MEMBER_OF:org/nato`"],
        },
    )
    .await;
    applied(
        &app,
        "mutation {
            deleteRelation(input: { id: \"state/latvia:MEMBER_OF:org/nato\" }) {
                version deletedId userErrors { field message code }
            }
        }",
        json!({}),
    )
    .await;
    let p = applied(&app, delete, json!({ "id": NEW_SOURCE })).await;
    assert_eq!(p["deletedId"], NEW_SOURCE);
    assert!(!entity_exists(&app, NEW_SOURCE).await);
    assert!(entity_exists(&app, SOURCE_ID).await);
}

#[tokio::test]
async fn merge_entities_moves_names_and_relations_and_the_merged_id_is_gone() {
    let app = spawn_writable_app(None).await;
    // A duplicate of the foreign minister, as a second article might have introduced him.
    applied(
        &app,
        CREATE_ENTITY,
        json!({ "input": {
            "id": "person/m-tsahkna", "kind": "PERSON", "name": "M. Tsahkna",
            "aliases": ["Tsahkna, Margus"],
            "labels": [{ "lang": "uk", "value": "Маргус Цахкна" }],
        }}),
    )
    .await;
    applied(
        &app,
        CREATE_RELATION,
        json!({ "input": {
            "type": "SUPPORTS", "from": "person/m-tsahkna", "to": "org/nato",
            "evidence": evidence(SOURCE_ID, "demonstrate unconditional support for NATO"),
        }}),
    )
    .await;

    let p = applied(
        &app,
        "mutation {
            mergeEntities(input: { survivor: \"person/margus-tsahkna\", merged: \"person/m-tsahkna\" }) {
                version
                entity { id name aliases uk: name(lang: \"uk\") }
                userErrors { field message code }
            }
        }",
        json!({}),
    )
    .await;
    let m = &p["entity"];
    assert_eq!(m["id"], "person/margus-tsahkna");
    assert_eq!(m["name"], "Margus Tsahkna", "the survivor keeps its name");
    let aliases = strings(&m["aliases"], None);
    for a in ["M. Tsahkna", "Tsahkna, Margus", "Tsakhna"] {
        assert!(aliases.contains(&a.to_string()), "{a} not in {aliases:?}");
    }
    assert_eq!(m["uk"], "Маргус Цахкна", "labels fill gaps");

    let resp = app
        .query(
            "{
                survivor: entity(id: \"person/margus-tsahkna\") {
                    relations(relationTypes: [SUPPORTS, HOLDS_OFFICE]) { edges { type entity { id } } }
                }
                moved: relation(id: \"person/margus-tsahkna:SUPPORTS:org/nato\") { from { id } }
                gone: entity(id: \"person/m-tsahkna\") { id }
            }",
        )
        .await;
    let err = single_error(&resp, "NOT_FOUND");
    assert_eq!(err["path"], json!(["gone"]));
    let data = &resp["data"];
    assert_eq!(data["moved"]["from"]["id"], "person/margus-tsahkna");
    let edges: Vec<(String, String)> = data["survivor"]["relations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_string(),
                e["entity"]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        edges.contains(&("SUPPORTS".into(), "org/nato".into())),
        "{edges:?}"
    );
    assert!(
        edges.contains(&("HOLDS_OFFICE".into(), "org/estonia-mfa".into())),
        "{edges:?}"
    );
    // The old relation id went with the merged entity.
    let resp = app
        .query("{ relation(id: \"person/m-tsahkna:SUPPORTS:org/nato\") { id } }")
        .await;
    single_error(&resp, "NOT_FOUND");
    // The merged name finds the survivor.
    let found = app
        .data("{ search(query: \"M. Tsahkna\") { nodes { id } } }")
        .await;
    assert_eq!(
        strings(&found["search"]["nodes"], Some("id")).first(),
        Some(&"person/margus-tsahkna".to_string())
    );
}

// ---------------------------------------------------------------------------------------------
// Validation: refused with a user error pointing at the input field at fault, and the graph
// stays as it was.

#[tokio::test]
async fn creating_an_entity_with_a_used_id_is_refused_and_changes_nothing() {
    let app = spawn_writable_app(None).await;
    assert_refused_and_unchanged(
        &app,
        CREATE_ENTITY,
        json!({ "input": { "id": "state/estonia", "kind": "STATE", "name": "Another Estonia" } }),
        "state/estonia",
        Refusal {
            code: "ALREADY_EXISTS",
            field: json!(["id"]),
            message: &["id `state/estonia` is already used"],
        },
    )
    .await;
}

#[tokio::test]
async fn a_relation_to_an_unknown_id_is_refused_and_changes_nothing() {
    let app = spawn_writable_app(None).await;
    assert_refused_and_unchanged(
        &app,
        CREATE_RELATION,
        json!({ "input": {
            "type": "SUPPORTS", "from": "state/atlantis", "to": "org/nato",
            "evidence": evidence(SOURCE_ID, "demonstrate unconditional support for NATO"),
        }}),
        "org/nato",
        Refusal {
            code: "NOT_FOUND",
            field: json!(["from"]),
            message: &["`state/atlantis` does not exist"],
        },
    )
    .await;
    // The other end, too.
    assert_refused_and_unchanged(
        &app,
        CREATE_RELATION,
        json!({ "input": {
            "type": "SUPPORTS", "from": "state/estonia", "to": "org/atlantic-pact",
            "evidence": evidence(SOURCE_ID, "demonstrate unconditional support for NATO"),
        }}),
        "state/estonia",
        Refusal {
            code: "NOT_FOUND",
            field: json!(["to"]),
            message: &["`org/atlantic-pact` does not exist"],
        },
    )
    .await;
}

#[tokio::test]
async fn a_quote_that_is_not_in_the_source_text_is_refused_and_changes_nothing() {
    let app = spawn_writable_app(None).await;
    assert_refused_and_unchanged(
        &app,
        CREATE_RELATION,
        json!({ "input": {
            "type": "SUPPORTS", "from": "state/norway", "to": "org/nato",
            "evidence": evidence(SOURCE_ID, "Norway demands more mines"),
        }}),
        "state/norway",
        Refusal {
            code: "QUOTE_NOT_FOUND",
            field: json!(["evidence", "0", "quote"]),
            message: &[
                "the quote \"Norway demands more mines\" does not occur in the text",
                SOURCE_ID,
            ],
        },
    )
    .await;
}

#[tokio::test]
async fn an_impossible_date_is_refused_by_its_scalar_and_changes_nothing() {
    let app = spawn_writable_app(None).await;
    // An event's `FuzzyDate`, as a variable: the variable does not coerce, so the request is
    // refused before the write.
    assert_malformed_and_unchanged(
        &app,
        CREATE_EVENT,
        json!({ "input": {
            "id": "event/norway-on-february-30", "eventKind": "STATEMENT",
            "title": "Norway speaks on a day that does not exist", "date": "2025-02-30",
            "actors": ["state/norway"],
            "evidence": evidence(SOURCE_ID, "Norway announced its decision"),
        }}),
        "state/norway",
        "BAD_USER_INPUT",
        &["`2025-02-30` is not a date"],
    )
    .await;
    assert!(!entity_exists(&app, "event/norway-on-february-30").await);
    // The same date as a relation's `Date`.
    assert_malformed_and_unchanged(
        &app,
        CREATE_RELATION,
        json!({ "input": {
            "type": "SUPPORTS", "from": "state/norway", "to": "org/nato", "validFrom": "2025-02-30",
            "evidence": evidence(SOURCE_ID, "Norway announced its decision"),
        }}),
        "state/norway",
        "BAD_USER_INPUT",
        &["`2025-02-30` is not a date"],
    )
    .await;
    // Changing an existing event's date to it, written in the query.
    assert_malformed_and_unchanged(
        &app,
        "mutation {
            updateEvent(input: { id: \"event/2025-06-27-estonia-notifies-un\", date: \"2025-02-30\" }) {
                version event { date } userErrors { field message code }
            }
        }",
        json!({}),
        "event/2025-06-27-estonia-notifies-un",
        "BAD_USER_INPUT",
        &["`2025-02-30` is not a date"],
    )
    .await;
}

#[tokio::test]
async fn a_party_to_relation_ending_at_a_person_is_refused_and_changes_nothing() {
    let app = spawn_writable_app(None).await;
    assert_refused_and_unchanged(
        &app,
        CREATE_RELATION,
        json!({ "input": {
            "type": "PARTY_TO", "from": "state/estonia", "to": "person/alar-karis",
            "evidence": evidence(SOURCE_ID, "Estonian President Alar Karis"),
        }}),
        "person/alar-karis",
        Refusal {
            code: "WRONG_KIND",
            field: json!(["to"]),
            message: &["`person/alar-karis` is a person", "PARTY_TO", "treaty"],
        },
    )
    .await;
}

#[tokio::test]
async fn creating_an_entity_of_kind_event_is_refused_by_the_schema_and_changes_nothing() {
    let app = spawn_writable_app(None).await;
    // `CreatableEntityKind` has no `EVENT`: the value is refused before the write, as a
    // variable and written in the query alike (the argument does not coerce).
    assert_malformed_and_unchanged(
        &app,
        CREATE_ENTITY,
        json!({ "input": { "id": "event/a-plain-entity", "kind": "EVENT", "name": "Not an event" } }),
        "event/a-plain-entity",
        "BAD_USER_INPUT",
        &["CreatableEntityKind", "EVENT"],
    )
    .await;
    assert_malformed_and_unchanged(
        &app,
        "mutation {
            createEntity(input: { id: \"event/a-plain-entity\", kind: EVENT, name: \"Not an event\" }) {
                version entity { id } userErrors { field message code }
            }
        }",
        json!({}),
        "event/a-plain-entity",
        "BAD_USER_INPUT",
        &["CreatableEntityKind", "EVENT"],
    )
    .await;
    assert!(!entity_exists(&app, "event/a-plain-entity").await);
}

#[tokio::test]
async fn a_relation_or_event_without_evidence_is_refused_and_changes_nothing() {
    let app = spawn_writable_app(None).await;
    // No piece of evidence is wrong: the list is empty, so the error points at the list.
    assert_refused_and_unchanged(
        &app,
        CREATE_RELATION,
        json!({ "input": { "type": "SUPPORTS", "from": "state/norway", "to": "org/nato", "evidence": [] } }),
        "state/norway",
        Refusal {
            code: "EVIDENCE_REQUIRED",
            field: json!(["evidence"]),
            message: &[
                "state/norway:SUPPORTS:org/nato",
                "at least one piece of evidence",
            ],
        },
    )
    .await;
    assert_refused_and_unchanged(
        &app,
        CREATE_EVENT,
        json!({ "input": {
            "id": "event/2025-07-01-norway-says-nothing", "eventKind": "STATEMENT",
            "title": "Norway says nothing", "date": "2025-07-01", "actors": ["state/norway"],
            "evidence": [],
        }}),
        "state/norway",
        Refusal {
            code: "EVIDENCE_REQUIRED",
            field: json!(["evidence"]),
            message: &[
                "event `event/2025-07-01-norway-says-nothing`",
                "at least one piece of evidence",
            ],
        },
    )
    .await;
}

#[tokio::test]
async fn updating_an_unknown_entity_is_not_found_and_changes_nothing() {
    let app = spawn_writable_app(None).await;
    assert_refused_and_unchanged(
        &app,
        "mutation {
            updateEntity(input: { id: \"state/atlantis\", name: \"Atlantis\" }) {
                version entity { id } userErrors { field message code }
            }
        }",
        json!({}),
        "state/atlantis",
        Refusal {
            code: "NOT_FOUND",
            field: json!(["id"]),
            message: &["state/atlantis"],
        },
    )
    .await;
}

/// In an update a field left out keeps its value and `null` clears it; `null` for a field
/// that cannot be empty is a user error at that field.
#[tokio::test]
async fn null_clears_and_absent_keeps_in_an_update() {
    let app = spawn_writable_app(None).await;
    let read_estonia = "{ entity(id: \"state/estonia\") { name description aliases } }";
    let before = app.data(read_estonia).await["entity"].clone();
    assert_ne!(
        before["description"], "",
        "the seed describes Estonia: {before:#}"
    );
    let p = applied(
        &app,
        "mutation {
            updateEntity(input: { id: \"state/estonia\", description: null }) {
                version entity { name description aliases } userErrors { field message code }
            }
        }",
        json!({}),
    )
    .await;
    assert_eq!(p["entity"]["description"], "", "null empties it");
    assert_eq!(p["entity"]["name"], "Estonia", "absent keeps it");
    assert_eq!(p["entity"]["aliases"], before["aliases"], "absent keeps it");
    let after = app.data(read_estonia).await["entity"].clone();
    assert_eq!(after, p["entity"], "a following query reads the same");

    // A relation's bound and role: set, then cleared with null; the rest stays.
    let id = "person/alar-karis:HOLDS_OFFICE:state/estonia";
    let update = "mutation($input: UpdateRelationInput!) {
        updateRelation(input: $input) {
            version
            relation { id type role validFrom from { id } to { id } evidence { quote } }
            userErrors { field message code }
        }
    }";
    let set = applied(
        &app,
        update,
        json!({ "input": { "id": id, "validFrom": "2025-06-13" } }),
    )
    .await;
    assert_eq!(set["relation"]["validFrom"], "2025-06-13");
    assert_eq!(
        set["relation"]["role"], "President",
        "absent keeps the role"
    );
    let cleared = applied(
        &app,
        update,
        json!({ "input": { "id": id, "validFrom": null } }),
    )
    .await;
    let r = &cleared["relation"];
    assert!(r["validFrom"].is_null(), "null clears the bound: {r:#}");
    assert_eq!(r["role"], "President");
    assert_eq!(r["evidence"], set["relation"]["evidence"]);
    let cleared = applied(&app, update, json!({ "input": { "id": id, "role": null } })).await;
    assert!(
        cleared["relation"]["role"].is_null(),
        "null clears the role: {cleared:#}"
    );
    let read = app
        .data_vars(
            "query($id: ID!) { relation(id: $id) { role validFrom holdsOn(asOf: \"2000-01-01\") } }",
            json!({ "id": id }),
        )
        .await;
    assert!(read["relation"]["role"].is_null(), "{read:#}");
    assert!(read["relation"]["validFrom"].is_null(), "{read:#}");
    assert_eq!(read["relation"]["holdsOn"], true, "no lower bound any more");

    // A name cannot be emptied: `null` is refused at the field, and nothing changes.
    assert_refused_and_unchanged(
        &app,
        "mutation {
            updateEntity(input: { id: \"state/estonia\", name: null, description: \"not written\" }) {
                version entity { id } userErrors { field message code }
            }
        }",
        json!({}),
        "state/estonia",
        Refusal {
            code: "INVALID",
            field: json!(["name"]),
            message: &["`name` cannot be cleared"],
        },
    )
    .await;
    assert_eq!(app.data(read_estonia).await["entity"], after);
}

// ---------------------------------------------------------------------------------------------
// Batches.

/// The variables of [`BATCH`]: two good changes, then `third`.
fn batch_with_third(third: Value) -> Value {
    json!({ "input": { "changes": [
        { "createEntity": { "id": "state/latvia", "kind": "STATE", "name": "Latvia" } },
        { "updateEntity": { "id": "state/estonia", "description": "changed by a batch" } },
        third,
    ]}})
}

#[tokio::test]
async fn a_batch_whose_third_change_is_invalid_applies_nothing_and_names_change_3() {
    let app = spawn_writable_app(None).await;
    for (third, code, field, expected) in [
        (
            json!({ "createEntity": { "id": "state/latvia", "kind": "STATE", "name": "Latvia again" } }),
            "ALREADY_EXISTS",
            json!(["changes", "2", "createEntity", "id"]),
            "id `state/latvia` is already used",
        ),
        (
            json!({ "deleteRelation": { "id": "state/latvia:MEMBER_OF:org/nato" } }),
            "NOT_FOUND",
            json!(["changes", "2", "deleteRelation", "id"]),
            "no relation with id `state/latvia:MEMBER_OF:org/nato`",
        ),
        (
            json!({ "updateEntity": { "id": "state/atlantis", "name": "Atlantis" } }),
            "NOT_FOUND",
            json!(["changes", "2", "updateEntity", "id"]),
            "state/atlantis",
        ),
        (
            json!({ "deleteEntity": { "id": "state/norway" } }),
            "IN_USE",
            json!(["changes", "2", "deleteEntity", "id"]),
            "cascade: true",
        ),
    ] {
        let before = snapshot(&app, "state/estonia").await;
        let resp = app
            .mutate_vars(BATCH, batch_with_third(third.clone()), Some(TOKEN))
            .await;
        let p = payload(&ok_data(resp));
        assert_refusal(
            &p,
            &Refusal {
                code,
                field,
                message: &["change #3: ", expected],
            },
        );
        let message = p["userErrors"][0]["message"].as_str().unwrap();
        assert!(
            message.starts_with("change #3: "),
            "{third}: the message names the position: {message}"
        );
        assert_eq!(
            snapshot(&app, "state/estonia").await,
            before,
            "{third}: nothing of the batch was applied"
        );
        assert!(!entity_exists(&app, "state/latvia").await);
    }
}

#[tokio::test]
async fn a_batch_whose_third_change_fails_graph_validation_names_change_3() {
    let app = spawn_writable_app(None).await;
    let third = json!({ "createRelation": {
        "type": "SUPPORTS", "from": "state/latvia", "to": "org/nato",
        "evidence": evidence(SOURCE_ID, "Latvia demands more mines"),
    }});
    let before = snapshot(&app, "state/estonia").await;
    let resp = app
        .mutate_vars(BATCH, batch_with_third(third), Some(TOKEN))
        .await;
    let p = payload(&ok_data(resp));
    assert_refusal(
        &p,
        &Refusal {
            code: "QUOTE_NOT_FOUND",
            field: json!(["changes", "2", "createRelation", "evidence", "0", "quote"]),
            message: &["\"Latvia demands more mines\" does not occur"],
        },
    );
    let message = p["userErrors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("change #3: "),
        "the message names the position: {message}"
    );
    assert_eq!(snapshot(&app, "state/estonia").await, before);
}

/// A refused change's user error is found by its path: `changes`, the change's position, its
/// kind, then the field inside it; a `clientMutationId` belongs to the batch, not a change.
#[tokio::test]
async fn a_batch_names_the_failing_change_in_the_field_path() {
    let app = spawn_writable_app(None).await;
    // The third change relates the state the first one creates to one that does not exist.
    let third = json!({ "createRelation": {
        "type": "SUPPORTS", "from": "state/latvia", "to": "org/atlantic-pact",
        "evidence": evidence(SOURCE_ID, "demonstrate unconditional support for NATO"),
    }});
    let before = snapshot(&app, "state/estonia").await;
    let resp = app
        .mutate_vars(BATCH, batch_with_third(third), Some(TOKEN))
        .await;
    let p = payload(&ok_data(resp));
    let field = strings(&p["userErrors"][0]["field"], None);
    assert_eq!(
        field[..3],
        ["changes", "2", "createRelation"],
        "the path starts at the change: {p:#}"
    );
    assert_refusal(
        &p,
        &Refusal {
            code: "NOT_FOUND",
            field: json!(["changes", "2", "createRelation", "to"]),
            message: &["change #3: ", "`org/atlantic-pact` does not exist"],
        },
    );
    assert!(p["version"].is_null());
    assert_eq!(p["applied"], 0, "nothing applied");
    assert_eq!(snapshot(&app, "state/estonia").await, before);
    assert!(!entity_exists(&app, "state/latvia").await);

    // A name given to a change instead of the batch.
    let named_change = json!({ "input": { "changes": [
        { "createEntity": {
            "clientMutationId": "inside", "id": "state/latvia", "kind": "STATE", "name": "Latvia",
        }},
    ]}});
    let resp = app.mutate_vars(BATCH, named_change, Some(TOKEN)).await;
    assert_refusal(
        &payload(&ok_data(resp)),
        &Refusal {
            code: "INVALID",
            field: json!(["changes", "0", "createEntity", "clientMutationId"]),
            message: &["clientMutationId", "applyChanges"],
        },
    );
    assert!(!entity_exists(&app, "state/latvia").await);
    // Given to the batch, it is taken and echoed.
    let p = applied(
        &app,
        BATCH,
        json!({ "input": { "clientMutationId": "the-batch", "changes": [
            { "createEntity": { "id": "state/latvia", "kind": "STATE", "name": "Latvia" } },
        ]}}),
    )
    .await;
    assert_eq!(p["clientMutationId"], "the-batch");
    assert_eq!(p["version"], 1, "the refused batches used no version");
    assert!(entity_exists(&app, "state/latvia").await);
}

#[tokio::test]
async fn a_valid_batch_applies_every_change_as_exactly_one_new_version() {
    let app = spawn_writable_app(None).await;
    let first = applied(
        &app,
        BATCH,
        json!({ "input": { "changes": [{ "createSource": new_source_input() }] } }),
    )
    .await;
    assert_eq!(first["version"], 1);
    assert_eq!(first["applied"], 1);

    // A refused batch in between uses no version.
    let resp = app
        .mutate_vars(
            BATCH,
            batch_with_third(json!({ "deleteSource": { "id": SOURCE_ID } })),
            Some(TOKEN),
        )
        .await;
    assert_refusal(
        &payload(&ok_data(resp)),
        &Refusal {
            code: "IN_USE",
            field: json!(["changes", "2", "deleteSource", "id"]),
            message: &["change #3: ", SOURCE_ID],
        },
    );

    let p = applied(
        &app,
        BATCH,
        json!({ "input": { "changes": [
            { "createEntity": latvia_input() },
            { "createRelation": {
                "type": "MEMBER_OF", "from": "state/latvia", "to": "org/nato",
                "evidence": evidence(NEW_SOURCE, LATVIA_IN_NATO),
            }},
            { "createEvent": {
                "id": "event/2025-06-30-latvia-notifies-un", "eventKind": "NOTIFICATION",
                "title": "Latvia notifies the UN", "date": "2025-06-30",
                "actors": ["state/latvia"], "evidence": evidence(NEW_SOURCE, LATVIA_NOTIFIES),
            }},
            { "updateEntity": { "id": "state/estonia", "description": "changed by a batch" } },
            { "deleteRelation": { "id": "state/russia:AGGRESSION_AGAINST:state/ukraine" } },
        ]}}),
    )
    .await;
    assert_eq!(p["version"], 2, "one batch, one version: {p:#}");
    assert_eq!(p["applied"], 5);
    let touched = strings(&p["touchedIds"], None);
    for t in [
        "state/latvia",
        "state/latvia:MEMBER_OF:org/nato",
        "event/2025-06-30-latvia-notifies-un",
        "state/estonia",
        "state/russia:AGGRESSION_AGAINST:state/ukraine",
    ] {
        assert!(touched.contains(&t.to_string()), "{t} not in {touched:?}");
    }

    let resp = app
        .query(
            "{
                latvia: entity(id: \"state/latvia\") { name relations(relationTypes: [MEMBER_OF, ACTOR_IN]) { totalCount } }
                estonia: entity(id: \"state/estonia\") { description }
                removed: relation(id: \"state/russia:AGGRESSION_AGAINST:state/ukraine\") { id }
            }",
        )
        .await;
    single_error(&resp, "NOT_FOUND");
    assert_eq!(resp["data"]["latvia"]["name"], "Latvia");
    assert_eq!(resp["data"]["latvia"]["relations"]["totalCount"], 2);
    assert_eq!(resp["data"]["estonia"]["description"], "changed by a batch");

    // The next write is the next version.
    let next = applied(
        &app,
        BATCH,
        json!({ "input": { "changes": [
            { "deleteEntity": { "id": "state/latvia", "cascade": true } },
        ]}}),
    )
    .await;
    assert_eq!(next["version"], 3);
}

// ---------------------------------------------------------------------------------------------
// Transport.

#[tokio::test]
async fn a_mutation_sent_with_get_is_refused_with_405_and_allow_post() {
    let app = spawn_writable_app(None).await;
    let mutation = "mutation { createEntity(input: { id: \"state/latvia\", kind: STATE, name: \"Latvia\" }) { entity { id } } }";
    let resp = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", mutation)])
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    assert_eq!(
        resp.headers().get("allow").and_then(|v| v.to_str().ok()),
        Some("POST")
    );
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("POST")),
        "{body:#}"
    );
    assert!(!entity_exists(&app, "state/latvia").await);

    // A document with a query and a mutation may be sent with GET when the query is selected.
    let doc = format!(
        "query Read {{ entity(id: \"state/estonia\") {{ name }} }} mutation Write {{ {} }}",
        "createEntity(input: { id: \"state/latvia\", kind: STATE, name: \"Latvia\" }) { entity { id } }"
    );
    let read = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", doc.as_str()), ("operationName", "Read")])
        .send()
        .await
        .unwrap();
    assert_eq!(read.status().as_u16(), 200);
    let body: Value = read.json().await.unwrap();
    assert_eq!(ok_data(body)["entity"]["name"], "Estonia");
    let write = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", doc.as_str()), ("operationName", "Write")])
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(write.status().as_u16(), 405);
    assert!(!entity_exists(&app, "state/latvia").await);
}

// ---------------------------------------------------------------------------------------------
// Readers during writes.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn readers_see_one_consistent_version_per_request_while_a_writer_adds_entities() {
    const READERS: usize = 8;
    const WRITES: u64 = 30;
    let app = Arc::new(spawn_writable_app(None).await);
    let start = app.data("{ stats { nodeCount } }").await["stats"]["nodeCount"]
        .as_u64()
        .unwrap();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));

    let readers: Vec<_> = (0..READERS)
        .map(|_| {
            let app = app.clone();
            let done = done.clone();
            tokio::spawn(async move {
                let mut seen = vec![];
                // At least a few reads each, and on until a read that started after the
                // writer was done.
                loop {
                    let finished = done.load(std::sync::atomic::Ordering::Acquire);
                    let resp = app
                        .query("{ entities { totalCount } stats { nodeCount } }")
                        .await;
                    let data = ok_data(resp);
                    let total = data["entities"]["totalCount"].as_u64().unwrap();
                    let nodes = data["stats"]["nodeCount"].as_u64().unwrap();
                    assert_eq!(
                        total, nodes,
                        "one request reads one version: totalCount and nodeCount differ"
                    );
                    seen.push(nodes);
                    if finished && seen.len() >= 3 {
                        break seen;
                    }
                }
            })
        })
        .collect();

    for i in 0..WRITES {
        let data = ok_data(
            add_state(
                &app,
                &format!("state/concurrent-{i}"),
                &format!("Concurrent {i}"),
                Some(TOKEN),
            )
            .await,
        );
        assert_eq!(
            data["createEntity"]["entity"]["id"],
            format!("state/concurrent-{i}")
        );
    }
    done.store(true, std::sync::atomic::Ordering::Release);

    let mut reads = 0;
    for r in readers {
        let seen = r.await.expect("a reader failed");
        assert!(
            seen.windows(2).all(|w| w[0] <= w[1]),
            "a reader saw the count go down: {seen:?}"
        );
        assert!(
            seen.iter().all(|&n| (start..=start + WRITES).contains(&n)),
            "counts out of range: {seen:?}"
        );
        assert_eq!(
            seen.last(),
            Some(&(start + WRITES)),
            "a read after the last acknowledged write sees every write"
        );
        reads += seen.len();
    }
    assert!(reads >= READERS * 3);
    let end = app.data("{ entities { totalCount } }").await;
    assert_eq!(end["entities"]["totalCount"], start + WRITES);
}
