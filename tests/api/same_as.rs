//! `sameAs`: links from a node to the same thing elsewhere (Wikidata, the UN's member list),
//! as they come from the seed, are written, checked, replaced, cleared and merged.

use serde_json::{Value, json};

use crate::helpers::{TOKEN, TestApp, ok_data, spawn_app, spawn_writable_app, strings};

const ESTONIA: &str = "http://www.wikidata.org/entity/Q191";

async fn same_as(app: &TestApp, id: &str) -> Vec<String> {
    let data = app
        .data_vars(
            "query($id: ID!) { entity(id: $id) { sameAs } }",
            json!({ "id": id }),
        )
        .await;
    strings(&data["entity"]["sameAs"], None)
}

/// The payload of one mutation.
async fn write(app: &TestApp, mutation: &str, input: Value) -> Value {
    let data = ok_data(
        app.mutate_vars(mutation, json!({ "input": input }), Some(TOKEN))
            .await,
    );
    data.as_object().unwrap().values().next().unwrap().clone()
}

const CREATE: &str = "mutation($input: CreateEntityInput!) {
    createEntity(input: $input) { entity { id sameAs } userErrors { field message code } }
}";
const UPDATE: &str = "mutation($input: UpdateEntityInput!) {
    updateEntity(input: $input) { entity { id sameAs } userErrors { field message code } }
}";

#[tokio::test]
async fn the_default_data_links_states_and_organisations_to_wikidata() {
    let app = spawn_app().await;
    assert_eq!(same_as(&app, "state/estonia").await, [ESTONIA]);
    assert_eq!(
        same_as(&app, "org/un").await,
        ["http://www.wikidata.org/entity/Q1065"]
    );
    assert_eq!(
        same_as(&app, "person/alar-karis").await,
        Vec::<String>::new(),
        "a node without links has an empty list"
    );
}

#[tokio::test]
async fn links_are_trimmed_and_deduplicated_on_create_replaced_on_update_and_cleared_by_null() {
    let app = spawn_writable_app(None).await;
    let p = write(
        &app,
        CREATE,
        json!({
            "id": "state/latvia", "kind": "STATE", "name": "Latvia",
            "sameAs": [
                " http://www.wikidata.org/entity/Q211 ",
                "http://www.wikidata.org/entity/Q211",
                "urn:un:member:lva",
            ],
        }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p:#}");
    let expected = ["http://www.wikidata.org/entity/Q211", "urn:un:member:lva"];
    assert_eq!(strings(&p["entity"]["sameAs"], None), expected);
    assert_eq!(same_as(&app, "state/latvia").await, expected);

    let p = write(
        &app,
        UPDATE,
        json!({ "id": "state/latvia", "sameAs": ["https://www.wikidata.org/wiki/Q211"] }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p:#}");
    assert_eq!(
        same_as(&app, "state/latvia").await,
        ["https://www.wikidata.org/wiki/Q211"]
    );
    // Absent keeps them; null clears them.
    write(
        &app,
        UPDATE,
        json!({ "id": "state/latvia", "name": "Latvija" }),
    )
    .await;
    assert_eq!(same_as(&app, "state/latvia").await.len(), 1);
    let p = write(
        &app,
        UPDATE,
        json!({ "id": "state/latvia", "sameAs": null }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p:#}");
    assert!(same_as(&app, "state/latvia").await.is_empty());
}

#[tokio::test]
async fn a_link_that_is_not_an_absolute_iri_is_refused_and_changes_nothing() {
    let app = spawn_writable_app(None).await;
    for bad in [
        "Q191",
        "wikidata.org/entity/Q191",
        "https://example.org/a b",
        "https://x/<y>",
    ] {
        let p = write(
            &app,
            UPDATE,
            json!({ "id": "state/estonia", "sameAs": [ESTONIA, bad] }),
        )
        .await;
        let errors = p["userErrors"].as_array().expect("userErrors");
        assert_eq!(errors.len(), 1, "{bad}: {p:#}");
        assert_eq!(errors[0]["code"], "INVALID", "{bad}: {p:#}");
        let message = errors[0]["message"].as_str().unwrap();
        assert!(
            message.contains("sameAs") && message.contains(bad.trim()),
            "{message}"
        );
        assert!(p["entity"].is_null(), "{p:#}");
        assert_eq!(same_as(&app, "state/estonia").await, [ESTONIA], "{bad}");
    }
}

#[tokio::test]
async fn a_merge_keeps_the_links_of_both_entities() {
    let app = spawn_writable_app(None).await;
    let p = write(
        &app,
        CREATE,
        json!({
            "id": "state/eesti", "kind": "STATE", "name": "Eesti",
            "sameAs": ["https://www.geonames.org/453733", ESTONIA],
        }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "{p:#}");
    let data = ok_data(
        app.mutate_vars(
            "mutation { mergeEntities(input: { survivor: \"state/estonia\", merged: \"state/eesti\" }) {
                entity { sameAs } userErrors { message }
            } }",
            json!({}),
            Some(TOKEN),
        )
        .await,
    );
    assert_eq!(
        strings(&data["mergeEntities"]["entity"]["sameAs"], None),
        [ESTONIA, "https://www.geonames.org/453733"]
    );
}
