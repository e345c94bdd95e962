//! `path` and `paths`: how two entities are connected, hop by hop, each hop with its relation,
//! direction and the article's words for it.
//!
//! Dates come from the article: the notes went to the UN on 27 June 2025 and a withdrawal
//! takes effect six months later, so Estonia is a party until 2025-12-27 (exclusive); Norway
//! remains a party.

use std::collections::BTreeSet;

use chrono::{Days, Months, NaiveDate};
use serde_json::{Value, json};

use crate::helpers::{SOURCE_ID, TestApp, single_error, source_text, spawn_app, strings};

const KARIS: &str = "person/alar-karis";
const NATO: &str = "org/nato";
const TREATY: &str = "treaty/ottawa-convention";

const PATH_FIELDS: &str = "length nodes { id }
    hops { from { id } to { id } direction type
           relation { id type from { id } to { id } }
           evidence { quote source { id } } }";

/// The first day Estonia is no longer a party: six months after its note of 27 June 2025.
fn withdrawal_effective() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 27).unwrap() + Months::new(6)
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

async fn path(app: &TestApp, args: Value) -> Value {
    let q = format!(
        "query($from: ID!, $to: ID!, $maxHops: Int! = 4, $types: [RelationType!], $asOf: Date) {{
            path(from: $from, to: $to, maxHops: $maxHops, relationTypes: $types, asOf: $asOf) {{
                found reason path {{ {PATH_FIELDS} }} }} }}"
    );
    app.data_vars(&q, args).await["path"].clone()
}

async fn paths(app: &TestApp, args: Value) -> Value {
    let q = format!(
        "query($from: ID!, $to: ID!, $maxHops: Int! = 4, $types: [RelationType!], $asOf: Date,
               $first: Int! = 3) {{
            paths(from: $from, to: $to, maxHops: $maxHops, relationTypes: $types, asOf: $asOf,
                  limit: $first) {{
                found reason paths {{ {PATH_FIELDS} }} }} }}"
    );
    app.data_vars(&q, args).await["paths"].clone()
}

fn hops(p: &Value) -> &Vec<Value> {
    p["hops"].as_array().expect("hops")
}

fn node_ids(p: &Value) -> Vec<String> {
    strings(&p["nodes"], Some("id"))
}

fn relation_ids(p: &Value) -> Vec<String> {
    hops(p)
        .iter()
        .map(|h| h["relation"]["id"].as_str().unwrap().to_string())
        .collect()
}

/// A path from `from` to `to` whose hops chain up and agree with `length` and `nodes`.
fn assert_chain(p: &Value, from: &str, to: &str) {
    let hops = hops(p);
    assert!(
        !hops.is_empty(),
        "a path between two entities has hops: {p:#}"
    );
    assert_eq!(
        p["length"],
        hops.len(),
        "length is the number of hops: {p:#}"
    );
    assert_eq!(
        hops[0]["from"]["id"], from,
        "the first hop leaves {from}: {p:#}"
    );
    assert_eq!(
        hops.last().unwrap()["to"]["id"],
        to,
        "the last hop reaches {to}: {p:#}"
    );
    for w in hops.windows(2) {
        assert_eq!(
            w[0]["to"]["id"], w[1]["from"]["id"],
            "each hop starts where the previous one ended: {p:#}"
        );
    }
    let mut expected_nodes = vec![from.to_string()];
    expected_nodes.extend(
        hops.iter()
            .map(|h| h["to"]["id"].as_str().unwrap().to_string()),
    );
    assert_eq!(
        node_ids(p),
        expected_nodes,
        "nodes are the hops' ends, in order"
    );
}

#[tokio::test]
async fn president_karis_is_connected_to_nato_by_a_continuous_chain_of_hops() {
    let app = spawn_app().await;
    let res = path(&app, json!({ "from": KARIS, "to": NATO })).await;
    assert_eq!(res["found"], true, "{res:#}");
    assert!(res["reason"].is_null(), "no reason when found: {res:#}");
    let p = &res["path"];
    assert_chain(p, KARIS, NATO);
    let len = p["length"].as_u64().unwrap();
    // Karis and NATO are not directly related, and the default maxHops is 4.
    assert!((2..=4).contains(&len), "{len} hops: {p:#}");
}

#[tokio::test]
async fn every_hop_cites_the_article_and_walks_its_relation_in_the_stated_direction() {
    let app = spawn_app().await;
    let text = source_text(&app, SOURCE_ID).await;
    let res = path(&app, json!({ "from": KARIS, "to": NATO })).await;
    for hop in hops(&res["path"]) {
        let rel = &hop["relation"];
        let (hf, ht) = (&hop["from"]["id"], &hop["to"]["id"]);
        let (rf, rt) = (&rel["from"]["id"], &rel["to"]["id"]);
        // The hop walks its relation, one way or the other.
        assert_eq!(
            BTreeSet::from([hf.to_string(), ht.to_string()]),
            BTreeSet::from([rf.to_string(), rt.to_string()]),
            "the hop's ends are the relation's ends: {hop:#}"
        );
        let expected = if hf == rf { "OUTGOING" } else { "INCOMING" };
        assert_eq!(hop["direction"], expected, "{hop:#}");
        assert_eq!(hop["type"], rel["type"], "{hop:#}");

        let evidence = hop["evidence"].as_array().unwrap();
        assert!(!evidence.is_empty(), "every hop has evidence: {hop:#}");
        for ev in evidence {
            let quote = ev["quote"].as_str().unwrap();
            assert!(text.contains(quote), "quote not in the article: {quote:?}");
            assert_eq!(ev["source"]["id"], SOURCE_ID);
        }
    }
}

#[tokio::test]
async fn karis_and_nato_are_not_related_directly_so_one_hop_finds_nothing() {
    let app = spawn_app().await;
    let res = path(&app, json!({ "from": KARIS, "to": NATO, "maxHops": 1 })).await;
    assert_eq!(res["found"], false, "{res:#}");
    assert!(res["path"].is_null(), "{res:#}");
    let reason = res["reason"]
        .as_str()
        .expect("a reason when nothing is found");
    assert!(
        reason.contains("no connection") && reason.contains("within 1 hop"),
        "the reason names the limit: {reason:?}"
    );
}

#[tokio::test]
async fn estonia_and_norway_share_the_treaty_only_until_estonias_withdrawal_takes_effect() {
    let app = spawn_app().await;
    let effective = withdrawal_effective();
    assert_eq!(ymd(effective), "2025-12-27");
    let last_day = ymd(effective - Days::new(1));
    let args = |as_of: &str| json!({ "from": "state/estonia", "to": "state/norway", "types": ["PARTY_TO"], "asOf": as_of });

    let before = path(&app, args(&last_day)).await;
    assert_eq!(before["found"], true, "on {last_day}: {before:#}");
    let p = &before["path"];
    assert_chain(p, "state/estonia", "state/norway");
    assert_eq!(p["length"], 2);
    assert_eq!(node_ids(p), ["state/estonia", TREATY, "state/norway"]);
    assert!(hops(p).iter().all(|h| h["type"] == "PARTY_TO"), "{p:#}");
    // Estonia is the relation's `from` on the way in, Norway on the way out.
    let dirs: Vec<&Value> = hops(p).iter().map(|h| &h["direction"]).collect();
    assert_eq!(dirs, [&json!("OUTGOING"), &json!("INCOMING")]);

    for day in [ymd(effective), ymd(effective + Days::new(1))] {
        let after = path(&app, args(&day)).await;
        assert_eq!(
            after["found"], false,
            "Estonia is no party on {day}: {after:#}"
        );
        assert!(after["path"].is_null());
        let reason = after["reason"].as_str().expect("a reason");
        assert!(
            reason.contains('4'),
            "the default limit of 4 hops: {reason:?}"
        );
    }
    // Without a date, the relation is walked whatever its validity.
    let any_day = path(
        &app,
        json!({ "from": "state/estonia", "to": "state/norway", "types": ["PARTY_TO"] }),
    )
    .await;
    assert_eq!(any_day["found"], true);
}

#[tokio::test]
async fn paths_are_distinct_loop_free_and_sorted_shortest_first() {
    let app = spawn_app().await;
    let shortest = path(&app, json!({ "from": KARIS, "to": NATO })).await["path"]["length"].clone();
    for (first, max_hops) in [(3usize, 4i64), (10, 8)] {
        let res = paths(
            &app,
            json!({ "from": KARIS, "to": NATO, "first": first, "maxHops": max_hops }),
        )
        .await;
        assert_eq!(res["found"], true, "{res:#}");
        assert!(res["reason"].is_null());
        let ps = res["paths"].as_array().unwrap();
        // Karis reaches NATO through Estonia or his approval, then the treaty, then
        // Lithuania or its ministry's statement: four ways in four hops, more in eight.
        assert_eq!(ps.len(), first, "{res:#}");
        let mut seen = BTreeSet::new();
        for p in ps {
            assert_chain(p, KARIS, NATO);
            assert!(p["length"].as_i64().unwrap() <= max_hops);
            let nodes = node_ids(p);
            let distinct: BTreeSet<&String> = nodes.iter().collect();
            assert_eq!(distinct.len(), nodes.len(), "a node repeats: {nodes:?}");
            assert!(seen.insert(relation_ids(p)), "a path repeats: {p:#}");
        }
        let lengths: Vec<u64> = ps.iter().map(|p| p["length"].as_u64().unwrap()).collect();
        assert!(
            lengths.windows(2).all(|w| w[0] <= w[1]),
            "shortest first: {lengths:?}"
        );
        assert_eq!(
            ps[0]["length"], shortest,
            "the first is as short as `path`'s"
        );
    }
}

#[tokio::test]
async fn paths_apply_the_date_filter_like_path() {
    let app = spawn_app().await;
    let args = |as_of: &str| {
        json!({ "from": "state/estonia", "to": "state/norway", "types": ["PARTY_TO"],
                "asOf": as_of, "first": 10 })
    };
    let before = paths(&app, args("2025-12-26")).await;
    // Over PARTY_TO alone the only loop-free way is through the treaty.
    let ps = before["paths"].as_array().unwrap();
    assert_eq!(ps.len(), 1, "{before:#}");
    assert_eq!(node_ids(&ps[0]), ["state/estonia", TREATY, "state/norway"]);

    let after = paths(&app, args("2025-12-27")).await;
    assert_eq!(after["found"], false, "{after:#}");
    assert_eq!(after["paths"], json!([]));
    assert!(after["reason"].as_str().is_some_and(|r| r.contains('4')));
}

#[tokio::test]
async fn an_unknown_entity_at_either_end_is_not_found() {
    let app = spawn_app().await;
    for field in ["path", "paths"] {
        for (from, to) in [("person/nobody", NATO), (KARIS, "org/nobody")] {
            let resp = app
                .query_vars(
                    &format!("query($f: ID!, $t: ID!) {{ {field}(from: $f, to: $t) {{ found }} }}"),
                    json!({ "f": from, "t": to }),
                )
                .await;
            let err = single_error(&resp, "NOT_FOUND");
            assert_eq!(err["path"], json!([field]));
            let missing = if from.contains("nobody") { from } else { to };
            assert!(
                err["message"].as_str().unwrap().contains(missing),
                "the message names the id: {err:#}"
            );
        }
    }
}

#[tokio::test]
async fn max_hops_outside_one_to_eight_is_bad_user_input() {
    let app = spawn_app().await;
    for field in ["path", "paths"] {
        let q = format!(
            "query($h: Int!) {{ {field}(from: \"{KARIS}\", to: \"{NATO}\", maxHops: $h) {{ found }} }}"
        );
        for bad in [0, -1, 9] {
            let resp = app.query_vars(&q, json!({ "h": bad })).await;
            let err = single_error(&resp, "BAD_USER_INPUT");
            assert!(
                err["message"].as_str().unwrap().contains("maxHops"),
                "{err:#}"
            );
        }
        for ok in [1, 8] {
            let resp = app.query_vars(&q, json!({ "h": ok })).await;
            assert!(resp.get("errors").is_none(), "maxHops {ok}: {resp:#}");
        }
    }
}

#[tokio::test]
async fn asking_paths_for_more_than_ten_is_bad_user_input() {
    let app = spawn_app().await;
    let q = format!(
        "query($n: Int!) {{ paths(from: \"{KARIS}\", to: \"{NATO}\", limit: $n) {{ found }} }}"
    );
    for bad in [0, 11] {
        let resp = app.query_vars(&q, json!({ "n": bad })).await;
        let err = single_error(&resp, "BAD_USER_INPUT");
        assert_eq!(err["path"], json!(["paths"]));
    }
    let ok = app.query_vars(&q, json!({ "n": 10 })).await;
    assert!(ok.get("errors").is_none(), "{ok:#}");
}
