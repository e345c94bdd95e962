//! `neighborhood`: the entities around one entity and the relations among them, as a drawing
//! library takes them (`nodes`, `edges { source target }`).
//!
//! Norway, per the article, announced it remains a party to the Ottawa Convention; Estonia and
//! Lithuania are parties until their withdrawals take effect on 2025-12-27.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::{TestApp, single_error, spawn_app, strings};

const NORWAY: &str = "state/norway";
const TREATY: &str = "treaty/ottawa-convention";

const NEIGHBORHOOD: &str = "query($id: ID!, $depth: Int! = 1, $types: [RelationType!],
        $kinds: [EntityKind!], $asOf: Date, $limit: Int! = 100) {
    neighborhood(id: $id, depth: $depth, relationTypes: $types, kinds: $kinds, asOf: $asOf,
                 limit: $limit) {
        center { id }
        nodes { id kind }
        edges { id source target type label relation { id type from { id } to { id } } }
        truncated depthReached } }";

/// The neighbourhood for `args`, checked for internal consistency.
async fn neighborhood(app: &TestApp, args: Value) -> Value {
    let n = app.data_vars(NEIGHBORHOOD, args.clone()).await["neighborhood"].clone();
    let ids = node_ids(&n);
    assert_eq!(n["center"]["id"], args["id"], "{n:#}");
    assert_eq!(
        ids.first(),
        args["id"].as_str().map(String::from).as_ref(),
        "the centre first"
    );
    assert_eq!(
        ids.iter().collect::<BTreeSet<_>>().len(),
        ids.len(),
        "no node twice: {ids:?}"
    );
    let mut edge_ids = BTreeSet::new();
    for e in n["edges"].as_array().unwrap() {
        for end in ["source", "target"] {
            let id = e[end].as_str().unwrap();
            assert!(
                ids.iter().any(|n| n == id),
                "edge {end} {id} is not a node: {e:#}"
            );
        }
        // The drawing shape agrees with the relation it stands for.
        assert_eq!(e["source"], e["relation"]["from"]["id"], "{e:#}");
        assert_eq!(e["target"], e["relation"]["to"]["id"], "{e:#}");
        assert_eq!(e["id"], e["relation"]["id"], "{e:#}");
        assert_eq!(e["type"], e["relation"]["type"], "{e:#}");
        assert!(
            edge_ids.insert(e["id"].as_str().unwrap().to_string()),
            "edge twice: {e:#}"
        );
    }
    let depth = n["depthReached"].as_u64().unwrap();
    let asked = args["depth"].as_u64().unwrap_or(1);
    assert!(depth <= asked, "reached {depth} of {asked}");
    n
}

fn node_ids(n: &Value) -> Vec<String> {
    strings(&n["nodes"], Some("id"))
}

fn node_set(n: &Value) -> BTreeSet<String> {
    node_ids(n).into_iter().collect()
}

/// `(source, type, target)` of every edge.
fn edge_set(n: &Value) -> BTreeSet<(String, String, String)> {
    n["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |f: &str| e[f].as_str().unwrap().to_string();
            (s("source"), s("type"), s("target"))
        })
        .collect()
}

fn party_to(state: &str) -> (String, String, String) {
    (state.into(), "PARTY_TO".into(), TREATY.into())
}

#[tokio::test]
async fn norways_neighbourhood_starts_at_norway_and_links_it_to_the_convention() {
    let app = spawn_app().await;
    let n = neighborhood(&app, json!({ "id": NORWAY })).await;
    assert_eq!(n["nodes"][0]["kind"], "STATE");
    let ids = node_set(&n);
    // Norway remains a party to the convention, and announced so.
    assert!(ids.contains(TREATY), "{ids:?}");
    assert!(
        ids.contains("event/2025-06-norway-remains-party"),
        "{ids:?}"
    );
    assert!(edge_set(&n).contains(&party_to(NORWAY)), "{n:#}");
    let party = n["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "PARTY_TO")
        .unwrap();
    assert_eq!(
        party["label"], "PARTY_TO",
        "no role, so the type is the label"
    );
    assert_eq!(n["truncated"], false);
    assert_eq!(n["depthReached"], 1);
    // One hop out: neither of the withdrawing states is a direct neighbour of Norway.
    assert!(!ids.contains("state/estonia") && !ids.contains("state/lithuania"));
}

#[tokio::test]
async fn depth_two_contains_everything_depth_one_does_and_the_other_parties() {
    let app = spawn_app().await;
    let one = neighborhood(&app, json!({ "id": NORWAY, "depth": 1 })).await;
    let two = neighborhood(&app, json!({ "id": NORWAY, "depth": 2 })).await;
    assert!(
        node_set(&one).is_subset(&node_set(&two)),
        "{one:#}\n{two:#}"
    );
    assert!(edge_set(&one).is_subset(&edge_set(&two)));
    assert!(node_set(&two).len() > node_set(&one).len());
    // Through the treaty, Norway is two hops from the other parties.
    for state in ["state/estonia", "state/lithuania"] {
        assert!(
            node_set(&two).contains(state),
            "{state} in {:?}",
            node_ids(&two)
        );
        assert!(edge_set(&two).contains(&party_to(state)));
    }
    assert_eq!(two["depthReached"], 2);
    let three = neighborhood(&app, json!({ "id": NORWAY, "depth": 3 })).await;
    assert!(node_set(&two).is_subset(&node_set(&three)));
}

#[tokio::test]
async fn kinds_keeps_only_states_and_treaties_and_always_the_centre() {
    let app = spawn_app().await;
    let n = neighborhood(
        &app,
        json!({ "id": NORWAY, "depth": 2, "kinds": ["STATE", "TREATY"] }),
    )
    .await;
    for node in n["nodes"].as_array().unwrap() {
        assert!(
            ["STATE", "TREATY"].contains(&node["kind"].as_str().unwrap()),
            "{node:#}"
        );
    }
    assert_eq!(
        node_set(&n),
        BTreeSet::from([NORWAY, TREATY, "state/estonia", "state/lithuania"].map(String::from)),
        "the parties, through the treaty"
    );
    assert!(
        edge_set(&n).iter().all(|(_, t, _)| t == "PARTY_TO"),
        "{n:#}"
    );

    // The centre stays even when its own kind is not asked for.
    let treaties_only = neighborhood(
        &app,
        json!({ "id": NORWAY, "depth": 2, "kinds": ["TREATY"] }),
    )
    .await;
    assert_eq!(node_ids(&treaties_only), [NORWAY, TREATY]);
    assert_eq!(edge_set(&treaties_only), BTreeSet::from([party_to(NORWAY)]));
}

#[tokio::test]
async fn a_limit_of_two_keeps_two_nodes_and_says_the_neighbourhood_is_truncated() {
    let app = spawn_app().await;
    let n = neighborhood(&app, json!({ "id": NORWAY, "limit": 2 })).await;
    assert_eq!(n["nodes"].as_array().unwrap().len(), 2, "{n:#}");
    assert_eq!(n["nodes"][0]["id"], NORWAY);
    assert_eq!(n["truncated"], true);

    // A limit that fits everything truncates nothing.
    let full = neighborhood(&app, json!({ "id": NORWAY })).await;
    let size = full["nodes"].as_array().unwrap().len();
    assert!(size > 2);
    let exact = neighborhood(&app, json!({ "id": NORWAY, "limit": size })).await;
    assert_eq!(exact["truncated"], false, "{exact:#}");
    assert_eq!(node_ids(&exact), node_ids(&full));
}

#[tokio::test]
async fn estonia_leaves_the_conventions_parties_when_its_withdrawal_takes_effect() {
    let app = spawn_app().await;
    let parties = |as_of: &str| json!({ "id": TREATY, "types": ["PARTY_TO"], "asOf": as_of });
    let before = neighborhood(&app, parties("2025-12-26")).await;
    assert_eq!(
        node_set(&before),
        BTreeSet::from([TREATY, "state/estonia", "state/lithuania", NORWAY].map(String::from))
    );
    assert_eq!(
        edge_set(&before),
        BTreeSet::from([
            party_to("state/estonia"),
            party_to("state/lithuania"),
            party_to(NORWAY)
        ])
    );

    for day in ["2025-12-27", "2025-12-28"] {
        let after = neighborhood(&app, parties(day)).await;
        let ids = node_set(&after);
        assert!(!ids.contains("state/estonia"), "{day}: {ids:?}");
        assert!(!ids.contains("state/lithuania"), "{day}: {ids:?}");
        assert!(ids.contains(NORWAY), "Norway remains a party on {day}");
        assert_eq!(
            edge_set(&after),
            BTreeSet::from([party_to(NORWAY)]),
            "{day}"
        );
    }
}

#[tokio::test]
async fn depth_outside_one_to_three_is_bad_user_input() {
    let app = spawn_app().await;
    for depth in [0, 4] {
        let resp = app
            .query_vars(NEIGHBORHOOD, json!({ "id": NORWAY, "depth": depth }))
            .await;
        let err = single_error(&resp, "BAD_USER_INPUT");
        assert_eq!(err["path"], json!(["neighborhood"]));
        assert!(
            err["message"].as_str().unwrap().contains("depth"),
            "{err:#}"
        );
    }
    for limit in [0, 1001] {
        let resp = app
            .query_vars(NEIGHBORHOOD, json!({ "id": NORWAY, "limit": limit }))
            .await;
        single_error(&resp, "BAD_USER_INPUT");
    }
    let resp = app
        .query_vars(NEIGHBORHOOD, json!({ "id": "state/atlantis" }))
        .await;
    single_error(&resp, "NOT_FOUND");
}
