//! Asking the graph about a date: `relationStatus`, `relations(asOf:)` and the grouped
//! `timeline`.
//!
//! From the article: both notes went to the UN on 27 June 2025 and a withdrawal comes into
//! force six months after the notification, so Estonia and Lithuania are parties up to
//! 2025-12-26 and no longer from 2025-12-27. Norway remains a party. The Lithuanian parliament
//! decided on 8 May 2025; Karis approved on 13 June 2025.

use std::collections::BTreeSet;

use chrono::{Days, Months, NaiveDate};
use serde_json::{Value, json};

use crate::helpers::{SOURCE_ID, TestApp, source_text, spawn_app, strings};

const TREATY: &str = "treaty/ottawa-convention";
const ESTONIA_WITHDRAWAL: &str = "event/estonia-withdrawal-takes-effect";

const STATUS: &str = "query($from: ID!, $type: RelationType!, $to: ID!, $on: Date!) {
    relationStatus(from: $from, type: $type, to: $to, asOf: $on) {
        holds asOf explanation
        relation { id type from { id } to { id } validUntil }
        decidedBy { id date eventKind }
        evidence { quote sentence source { id } } } }";

fn notified() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 27).unwrap()
}

/// Six months after the notification.
fn effective() -> NaiveDate {
    notified() + Months::new(6)
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn date(v: &Value) -> NaiveDate {
    NaiveDate::parse_from_str(v.as_str().expect("a date"), "%Y-%m-%d")
        .unwrap_or_else(|_| panic!("not a date: {v}"))
}

async fn status(app: &TestApp, from: &str, to: &str, on: NaiveDate) -> Value {
    let data = app
        .data_vars(
            STATUS,
            json!({ "from": from, "type": "PARTY_TO", "to": to, "on": ymd(on) }),
        )
        .await;
    let s = data["relationStatus"].clone();
    assert_eq!(s["asOf"], ymd(on), "the date asked about is echoed");
    s
}

#[tokio::test]
async fn estonia_is_a_party_on_the_last_day_before_its_withdrawal_takes_effect() {
    let app = spawn_app().await;
    let last_day = effective() - Days::new(1);
    assert_eq!(ymd(last_day), "2025-12-26");
    let s = status(&app, "state/estonia", TREATY, last_day).await;
    assert_eq!(s["holds"], true, "{s:#}");
    assert_eq!(s["relation"]["from"]["id"], "state/estonia");
    assert_eq!(s["relation"]["to"]["id"], TREATY);
    assert_eq!(s["relation"]["type"], "PARTY_TO");
    assert_eq!(s["relation"]["validUntil"], ymd(effective()));
}

#[tokio::test]
async fn estonia_is_no_longer_a_party_once_six_months_have_passed_since_its_note() {
    let app = spawn_app().await;
    for day in [effective(), effective() + Days::new(1)] {
        let s = status(&app, "state/estonia", TREATY, day).await;
        assert_eq!(s["holds"], false, "{}: {s:#}", ymd(day));
        // The ended relation is still the one that decided.
        assert_eq!(s["relation"]["from"]["id"], "state/estonia", "{s:#}");
    }
}

#[tokio::test]
async fn the_explanation_names_the_notice_period_and_the_notification() {
    let app = spawn_app().await;
    for day in [effective() - Days::new(1), effective()] {
        let s = status(&app, "state/estonia", TREATY, day).await;
        let text = s["explanation"].as_str().unwrap();
        let lower = text.to_lowercase();
        assert!(lower.contains("notice period"), "{text}");
        assert!(
            lower.contains("6-month") || lower.contains("6 months") || lower.contains("six months"),
            "the period's length: {text}"
        );
        assert!(lower.contains("notif"), "the notification: {text}");
        assert!(
            text.contains(&ymd(notified())),
            "the notification's date: {text}"
        );
        assert!(
            text.contains(&ymd(effective())),
            "the date it takes effect: {text}"
        );
        assert!(text.contains(&ymd(day)), "the date asked about: {text}");
    }
}

#[tokio::test]
async fn estonias_withdrawal_taking_effect_decides_the_status() {
    let app = spawn_app().await;
    for day in [
        effective() - Days::new(1),
        effective(),
        effective() + Days::new(1),
    ] {
        let s = status(&app, "state/estonia", TREATY, day).await;
        let by = &s["decidedBy"];
        assert_eq!(by["id"], ESTONIA_WITHDRAWAL, "{}: {s:#}", ymd(day));
        assert_eq!(date(&by["date"]), effective());
        assert_eq!(by["eventKind"], "WITHDRAWAL_EFFECTIVE");
    }
}

#[tokio::test]
async fn the_status_cites_the_six_months_after_notification_quote() {
    let app = spawn_app().await;
    let text = source_text(&app, SOURCE_ID).await;
    let s = status(&app, "state/estonia", TREATY, effective()).await;
    let quotes = strings(&s["evidence"], Some("quote"));
    assert!(
        quotes
            .iter()
            .any(|q| q.contains("six months after the official notification")),
        "{quotes:#?}"
    );
    for ev in s["evidence"].as_array().unwrap() {
        let quote = ev["quote"].as_str().unwrap();
        let sentence = ev["sentence"].as_str().unwrap();
        assert!(text.contains(quote), "{quote:?}");
        assert!(
            sentence.contains(quote) && text.contains(sentence),
            "{ev:#}"
        );
    }
    let distinct: BTreeSet<&String> = quotes.iter().collect();
    assert_eq!(distinct.len(), quotes.len(), "no quote twice: {quotes:#?}");
}

#[tokio::test]
async fn norway_remains_a_party_on_both_sides_of_the_withdrawal_date() {
    let app = spawn_app().await;
    for day in [effective() - Days::new(1), effective()] {
        let s = status(&app, "state/norway", TREATY, day).await;
        assert_eq!(s["holds"], true, "{}: {s:#}", ymd(day));
        assert!(
            s["explanation"]
                .as_str()
                .unwrap()
                .contains("no recorded end"),
            "{s:#}"
        );
        assert!(
            s["decidedBy"].is_null(),
            "nothing ends Norway's membership: {s:#}"
        );
        assert!(s["relation"]["validUntil"].is_null());
        let quotes = strings(&s["evidence"], Some("quote"));
        assert!(
            quotes.iter().any(|q| q.contains("remain a party")),
            "{quotes:?}"
        );
    }
}

#[tokio::test]
async fn a_pair_with_no_relation_does_not_hold_and_has_no_relation() {
    let app = spawn_app().await;
    for (from, to) in [("state/russia", TREATY), (TREATY, "state/estonia")] {
        let s = status(&app, from, to, effective() - Days::new(1)).await;
        assert_eq!(s["holds"], false, "{s:#}");
        assert!(s["relation"].is_null(), "{s:#}");
        assert!(s["decidedBy"].is_null(), "{s:#}");
        assert_eq!(s["evidence"], json!([]));
        assert!(!s["explanation"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn lithuanias_relations_as_of_a_date_drop_the_convention_on_27_december() {
    let app = spawn_app().await;
    let q = "query($asOf: Date, $types: [RelationType!]) {
        entity(id: \"state/lithuania\") {
            relations(asOf: $asOf, relationTypes: $types, first: 100) {
                totalCount edges { type direction entity { id } } } } }";
    let rels = |as_of: Option<NaiveDate>, types: Option<Vec<&'static str>>| {
        let app = &app;
        async move {
            let data = app
                .data_vars(q, json!({ "asOf": as_of.map(ymd), "types": types }))
                .await;
            let conn = data["entity"]["relations"].clone();
            assert_eq!(conn["totalCount"], conn["edges"].as_array().unwrap().len());
            conn["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    let s = |v: &Value| v.as_str().unwrap().to_string();
                    (s(&e["type"]), s(&e["direction"]), s(&e["entity"]["id"]))
                })
                .collect::<BTreeSet<_>>()
        }
    };
    let party = (
        "PARTY_TO".to_string(),
        "OUTGOING".to_string(),
        TREATY.to_string(),
    );
    let last_day = effective() - Days::new(1);
    assert_eq!(
        rels(Some(last_day), Some(vec!["PARTY_TO"])).await,
        BTreeSet::from([party.clone()])
    );
    assert_eq!(
        rels(Some(effective()), Some(vec!["PARTY_TO"])).await,
        BTreeSet::new()
    );
    assert_eq!(
        rels(None, Some(vec!["PARTY_TO"])).await,
        BTreeSet::from([party.clone()]),
        "without a date every relation is listed"
    );
    // Only the membership ends: everything else is the same on both days.
    let mut before = rels(Some(last_day), None).await;
    let after = rels(Some(effective()), None).await;
    assert!(before.remove(&party));
    assert_eq!(before, after);
}

const TIMELINE: &str = "query($by: Granularity!) {
    timeline(groupBy: $by, first: 100) { pageInfo { hasNextPage } nodes {
        period start end count events { id date dateText datePrecision eventKind } } }
    events(first: 100) { totalCount nodes { id } } }";

/// The groups and the total number of events, checked for consistency.
async fn timeline(app: &TestApp, by: &str) -> Vec<Value> {
    let data = app.data_vars(TIMELINE, json!({ "by": by })).await;
    assert_eq!(data["timeline"]["pageInfo"]["hasNextPage"], false);
    let groups = data["timeline"]["nodes"].as_array().unwrap().clone();
    let total = data["events"]["totalCount"].as_u64().unwrap();
    assert!(total > 0);
    let counts: Vec<u64> = groups
        .iter()
        .map(|g| g["count"].as_u64().unwrap())
        .collect();
    assert_eq!(
        counts.iter().sum::<u64>(),
        total,
        "{by}: every event in one group"
    );
    let mut listed = vec![];
    for g in &groups {
        let events = g["events"].as_array().unwrap();
        assert_eq!(g["count"], events.len(), "{g:#}");
        assert!(!events.is_empty(), "empty periods are left out: {g:#}");
        let (start, end) = (date(&g["start"]), date(&g["end"]));
        assert!(start <= end, "{g:#}");
        for e in events {
            let d = date(&e["date"]);
            assert!(
                start <= d && d <= end,
                "{} outside {}: {g:#}",
                e["id"],
                g["period"]
            );
        }
        let dates: Vec<NaiveDate> = events.iter().map(|e| date(&e["date"])).collect();
        assert!(
            dates.windows(2).all(|w| w[0] <= w[1]),
            "oldest first: {g:#}"
        );
        listed.extend(strings(&g["events"], Some("id")));
    }
    let starts: Vec<NaiveDate> = groups.iter().map(|g| date(&g["start"])).collect();
    assert!(
        starts.windows(2).all(|w| w[0] < w[1]),
        "{by}: groups oldest first"
    );
    assert_eq!(
        listed,
        strings(&data["events"]["nodes"], Some("id")),
        "{by}: the groups, in order, are the time line"
    );
    groups
}

fn group<'a>(groups: &'a [Value], period: &str) -> &'a Value {
    groups
        .iter()
        .find(|g| g["period"] == period)
        .unwrap_or_else(|| panic!("no group {period}"))
}

fn ids_of(g: &Value) -> BTreeSet<String> {
    strings(&g["events"], Some("id")).into_iter().collect()
}

#[tokio::test]
async fn the_time_line_by_month_has_may_june_and_december() {
    let app = spawn_app().await;
    let groups = timeline(&app, "MONTH").await;
    let periods = strings(&Value::Array(groups.clone()), Some("period"));
    // The parliament's decision in May, the approval and the notes in June, the withdrawals
    // taking effect six months after the notes.
    assert_eq!(periods, ["2025-05", "2025-06", "2025-12"]);
    let bounds: Vec<(&str, &str)> = groups
        .iter()
        .map(|g| (g["start"].as_str().unwrap(), g["end"].as_str().unwrap()))
        .collect();
    assert_eq!(
        bounds,
        [
            ("2025-05-01", "2025-05-31"),
            ("2025-06-01", "2025-06-30"),
            ("2025-12-01", "2025-12-31")
        ]
    );
    assert!(ids_of(group(&groups, "2025-05")).contains("event/2025-05-08-seimas-denounces-ottawa"));
    let june = ids_of(group(&groups, "2025-06"));
    for id in [
        "event/2025-06-13-karis-approves-withdrawal",
        "event/2025-06-27-estonia-notifies-un",
        "event/2025-06-27-lithuania-notifies-un",
    ] {
        assert!(june.contains(id), "{id} in June: {june:?}");
    }
    assert_eq!(
        ids_of(group(&groups, "2025-12")),
        BTreeSet::from([
            ESTONIA_WITHDRAWAL.to_string(),
            "event/lithuania-withdrawal-takes-effect".to_string()
        ])
    );
}

#[tokio::test]
async fn norways_month_precision_announcement_falls_in_the_june_group() {
    let app = spawn_app().await;
    let groups = timeline(&app, "MONTH").await;
    let june = group(&groups, "2025-06");
    let norway = june["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "event/2025-06-norway-remains-party")
        .unwrap_or_else(|| panic!("Norway's announcement in June: {june:#}"));
    assert_eq!(norway["dateText"], "2025-06");
    assert_eq!(norway["datePrecision"], "MONTH");
    assert_eq!(norway["eventKind"], "ANNOUNCEMENT");
}

#[tokio::test]
async fn the_time_line_by_day_has_one_group_per_date() {
    let app = spawn_app().await;
    let groups = timeline(&app, "DAY").await;
    for g in groups
        .iter()
        .filter(|g| g["period"].as_str().unwrap().len() == 10)
    {
        assert_eq!(g["start"], g["end"], "a day group is one day: {g:#}");
        assert_eq!(g["period"], g["start"], "{g:#}");
        for e in g["events"].as_array().unwrap() {
            assert_eq!(e["date"], g["start"], "{g:#}");
        }
    }
    // Norway's announcement and the two statements are known only to their month: they are
    // not given a made-up day.
    let june = group(&groups, "2025-06");
    assert_eq!(
        (june["start"].as_str(), june["end"].as_str()),
        (Some("2025-06-01"), Some("2025-06-30"))
    );
    assert_eq!(
        ids_of(june),
        BTreeSet::from(
            [
                "event/2025-06-27-lithuania-mfa-statement",
                "event/2025-06-27-tsahkna-explains-withdrawal",
                "event/2025-06-norway-remains-party"
            ]
            .map(String::from)
        )
    );
    assert_eq!(
        ids_of(group(&groups, "2025-05-08")),
        BTreeSet::from(["event/2025-05-08-seimas-denounces-ottawa".to_string()])
    );
    assert_eq!(
        ids_of(group(&groups, "2025-06-13")),
        BTreeSet::from(["event/2025-06-13-karis-approves-withdrawal".to_string()])
    );
    let notes = ids_of(group(&groups, &ymd(notified())));
    assert!(
        notes.contains("event/2025-06-27-estonia-notifies-un"),
        "{notes:?}"
    );
    assert!(
        notes.contains("event/2025-06-27-lithuania-notifies-un"),
        "{notes:?}"
    );
    assert_eq!(group(&groups, &ymd(effective()))["count"], 2);
}

#[tokio::test]
async fn the_time_line_by_year_is_one_group_for_2025() {
    let app = spawn_app().await;
    let groups = timeline(&app, "YEAR").await;
    assert_eq!(groups.len(), 1, "{groups:#?}");
    let y = &groups[0];
    assert_eq!(y["period"], "2025");
    assert_eq!(y["start"], "2025-01-01");
    assert_eq!(y["end"], "2025-12-31");
}

/// The time line is paginated by groups: pages of one group, each after the previous page's
/// cursor, are the whole time line in order, and the last says there is no next page.
#[tokio::test]
async fn the_timeline_pages_through_its_groups_in_order() {
    let app = spawn_app().await;
    const PAGE: &str = "query($by: Granularity!, $after: String) {
        timeline(groupBy: $by, first: 1, after: $after) {
            edges { cursor node { period count } } pageInfo { hasNextPage endCursor } } }";
    for by in ["DAY", "MONTH", "YEAR"] {
        let whole: Vec<(String, u64)> = timeline(&app, by)
            .await
            .iter()
            .map(|g| {
                (
                    g["period"].as_str().unwrap().to_string(),
                    g["count"].as_u64().unwrap(),
                )
            })
            .collect();
        let mut paged = vec![];
        let mut after = Value::Null;
        loop {
            let data = app
                .data_vars(PAGE, json!({ "by": by, "after": after }))
                .await;
            let t = &data["timeline"];
            let edges = t["edges"].as_array().unwrap();
            assert!(edges.len() <= 1, "{t:#}");
            for e in edges {
                paged.push((
                    e["node"]["period"].as_str().unwrap().to_string(),
                    e["node"]["count"].as_u64().unwrap(),
                ));
                assert_eq!(e["cursor"], t["pageInfo"]["endCursor"]);
            }
            if t["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = t["pageInfo"]["endCursor"].clone();
            assert!(paged.len() <= whole.len(), "{by}: paging does not end");
        }
        assert_eq!(paged, whole, "{by}");
    }
    let bad = app
        .query("{ timeline(groupBy: DAY, first: 101) { nodes { period } } }")
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{bad:#}"
    );
}
