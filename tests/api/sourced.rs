//! Every statement is sourced or marked: a walk over the whole default graph, through the API,
//! checking that each claim, date, participation and relation rests on quotes that occur where
//! their offsets say (and contain what they support) or on an editorial mark; and the writes
//! and seeds that would break this are refused.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::helpers::*;

const EVIDENCE: &str = "quote start end byteStart byteEnd sentence source { id }";

/// Every node of the default graph with what it states and what supports it.
fn walk_query() -> String {
    format!(
        "{{
        stats {{ nodeCount unsourced }}
        unsourced {{ id }}
        entities(first: 100) {{ totalCount nodes {{
            id kind name aliases description
            claims {{ property value origin evidence {{ {EVIDENCE} }} editorial {{ by at note }} }}
            support {{ origin evidence {{ {EVIDENCE} }} editorial {{ by at }} }}
            relations(first: 100) {{ nodes {{
                id type from {{ id }} to {{ id }} evidenceInherited
                evidence {{ {EVIDENCE} }}
                support {{ origin inherited evidence {{ quote }} }}
                validFrom validUntil
                validFromBasis {{ kind maxPrecision event {{ id }} evidence {{ quote }} }}
                validUntilBasis {{ kind maxPrecision event {{ id }} evidence {{ quote }} }}
            }} }}
            ... on Event {{
                date datePrecision evidence {{ {EVIDENCE} }}
                dateBasis {{
                    kind reasoning maxPrecision
                    evidence {{ {EVIDENCE} }}
                    inferredFrom {{ id date datePrecision }}
                    rule {{ months notification {{ id }} }}
                }}
                participants {{ role entity {{ id }} evidenceInherited evidence {{ {EVIDENCE} }} }}
            }}
            ... on Source {{ text }}
        }} }}
    }}"
    )
}

fn rank(p: &Value) -> u8 {
    match p.as_str() {
        Some("DAY") => 0,
        Some("MONTH") => 1,
        Some("YEAR") => 2,
        other => panic!("not a precision: {other:?}"),
    }
}

/// Checks that a piece of evidence's offsets locate its quote in its source's text, both as
/// JavaScript counts (UTF-16) and as bytes, and that the sentence contains it.
fn located(ev: &Value, texts: &BTreeMap<String, String>, what: &str) {
    let quote = ev["quote"].as_str().unwrap();
    assert!(!quote.trim().is_empty(), "{what}: an empty quote");
    let text = &texts[ev["source"]["id"].as_str().unwrap()];
    let utf16: Vec<u16> = text.encode_utf16().collect();
    let (start, end) = (
        ev["start"].as_u64().unwrap() as usize,
        ev["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(
        String::from_utf16(&utf16[start..end]).unwrap(),
        quote,
        "{what}: text.slice(start, end) is the quote"
    );
    let (b0, b1) = (
        ev["byteStart"].as_u64().unwrap() as usize,
        ev["byteEnd"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[b0..b1], quote, "{what}: the byte offsets too");
    assert!(
        ev["sentence"].as_str().unwrap().contains(quote),
        "{what}: the sentence holds the quote"
    );
}

/// The words of a claim's value that its quotes must contain: every word of four letters or
/// more, lowercased, with numbers written out as the article writes them.
fn content_words(value: &str) -> Vec<String> {
    value
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| w.chars().count() >= 4 || w.chars().all(|c| c.is_ascii_digit()))
        .map(|w| match w {
            "6" => "six".to_string(),
            w => w.to_lowercase(),
        })
        .collect()
}

#[tokio::test]
async fn every_statement_of_the_default_graph_is_sourced_or_marked_and_every_date_says_how_it_is_known()
 {
    let app = spawn_app().await;
    let data = app.data(&walk_query()).await;
    let nodes = data["entities"]["nodes"].as_array().unwrap();
    assert_eq!(
        nodes.len() as u64,
        data["stats"]["nodeCount"].as_u64().unwrap(),
        "one page walks the whole graph"
    );
    assert_eq!(
        data["stats"]["unsourced"], 0,
        "nothing on the seed is unsourced"
    );
    assert_eq!(data["unsourced"], json!([]));
    let texts: BTreeMap<String, String> = nodes
        .iter()
        .filter(|n| n["kind"] == "SOURCE")
        .map(|n| {
            (
                n["id"].as_str().unwrap().to_string(),
                n["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let (mut claims, mut editorial, mut dates, mut parts, mut relations) = (0, 0, 0, 0, 0);
    for n in nodes {
        let id = n["id"].as_str().unwrap();
        // Claims: sourced by quotes that contain them, or editorial with who and when.
        for c in n["claims"].as_array().unwrap() {
            claims += 1;
            let what = format!("{id}: claim {}", c["property"]);
            match c["origin"].as_str().unwrap() {
                "SOURCED" => {
                    let evs = c["evidence"].as_array().unwrap();
                    assert!(!evs.is_empty(), "{what}: sourced without quotes");
                    for ev in evs {
                        located(ev, &texts, &what);
                    }
                    assert!(c["editorial"].is_null(), "{what}");
                    if c["property"] != "description" {
                        let quotes = evs
                            .iter()
                            .map(|e| e["quote"].as_str().unwrap().to_lowercase())
                            .collect::<Vec<_>>()
                            .join(" ");
                        for w in content_words(c["value"].as_str().unwrap()) {
                            assert!(
                                quotes.contains(&w),
                                "{what}: {w:?} of {} is not in its quotes {quotes:?}",
                                c["value"]
                            );
                        }
                    }
                }
                "EDITORIAL" => {
                    editorial += 1;
                    assert_eq!(c["evidence"], json!([]), "{what}");
                    let e = &c["editorial"];
                    assert!(!e["by"].as_str().unwrap().is_empty(), "{what}: by whom");
                    assert!(e["at"].is_string(), "{what}: when");
                    assert!(e["note"].is_string(), "{what}: the seed says why");
                }
                other => panic!("{what}: origin {other}"),
            }
        }
        let desc = n["claims"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["property"] == "description");
        assert_eq!(
            desc,
            n["description"] != "",
            "{id}: a description, and only a description, has a `description` claim"
        );
        assert_ne!(n["support"]["origin"], "UNSOURCED", "{id}");
        for ev in n["support"]["evidence"].as_array().unwrap() {
            located(ev, &texts, &format!("{id}: support"));
        }

        // Relations: quotes of their own, located; bounds that say how they are known.
        for r in n["relations"]["nodes"].as_array().unwrap() {
            relations += 1;
            let what = format!("relation {}", r["id"]);
            // Every seed participant has words of its own; a notice period's LEADS_TO is the
            // computed event's, by construction.
            let derived = r["type"] == "LEADS_TO";
            assert_eq!(r["evidenceInherited"], derived, "{what}");
            assert_eq!(r["support"]["origin"], "SOURCED", "{what}");
            assert_eq!(r["support"]["inherited"], derived, "{what}");
            for ev in r["evidence"].as_array().unwrap() {
                located(ev, &texts, &what);
            }
            for (bound, basis) in [
                ("validFrom", "validFromBasis"),
                ("validUntil", "validUntilBasis"),
            ] {
                assert_eq!(r[bound].is_null(), r[basis].is_null(), "{what}: {bound}");
                if !r[basis].is_null() {
                    assert!(
                        r[basis]["event"].is_object() || r[basis]["evidence"].is_object(),
                        "{what}: {basis} names the event or the words"
                    );
                }
            }
        }

        let Some(basis) = n.get("dateBasis") else {
            continue;
        };
        // Dates: how each is known, never more precise than that allows.
        dates += 1;
        let what = format!("{id}: date {}", n["date"]);
        assert!(
            rank(&n["datePrecision"]) >= rank(&basis["maxPrecision"]),
            "{what}: given as {} but its basis supports only {}",
            n["datePrecision"],
            basis["maxPrecision"]
        );
        assert!(!basis["reasoning"].as_str().unwrap().is_empty(), "{what}");
        match basis["kind"].as_str().unwrap() {
            "STATED" => {
                let words = &basis["evidence"];
                located(words, &texts, &what);
                let in_evidence = n["evidence"].as_array().unwrap().iter().any(|e| {
                    e["sentence"]
                        .as_str()
                        .unwrap()
                        .contains(words["quote"].as_str().unwrap())
                });
                assert!(
                    in_evidence,
                    "{what}: the words are in a sentence of its evidence"
                );
            }
            "COMPUTED" => assert!(basis["rule"].is_object(), "{what}"),
            "INFERRED" => {
                assert!(basis["evidence"].is_null(), "{what}");
                let from = &basis["inferredFrom"];
                assert!(
                    from.is_object(),
                    "{what}: every seed inference names its event"
                );
                assert!(
                    rank(&n["datePrecision"]) >= rank(&from["datePrecision"]),
                    "{what}: no more precise than {}",
                    from["id"]
                );
            }
            other => panic!("{what}: basis {other}"),
        }
        // Participants: the words that name each one's part.
        for p in n["participants"].as_array().unwrap() {
            parts += 1;
            let what = format!("{id}: participant {}", p["entity"]["id"]);
            assert_eq!(p["evidenceInherited"], false, "{what}");
            let evs = p["evidence"].as_array().unwrap();
            assert_eq!(evs.len(), 1, "{what}: one quote of its own");
            located(&evs[0], &texts, &what);
        }
    }
    // The walk saw everything there is to see.
    assert_eq!(nodes.len(), 25);
    assert_eq!(dates, 10, "every event");
    assert_eq!((claims, editorial), (25, 8), "claims, of which editorial");
    assert_eq!(parts, 32, "every participation");
    assert!(relations >= 2 * 45 - 10, "{relations} relation ends walked");
}

#[tokio::test]
async fn what_the_convention_bans_and_its_notice_period_are_claims_with_the_articles_words() {
    let app = spawn_app().await;
    let t = &app
        .data(
            "{ entity(id: \"treaty/ottawa-convention\") {
                bans: claims(property: \"bans\") { value origin evidence { quote } }
                period: claims(property: \"notice_period_months\") { value origin evidence { quote } }
                background: claims(property: \"adopted\") { value origin editorial { by at note } }
                ... on Treaty { noticePeriodMonths }
            } }",
        )
        .await["entity"];
    assert_eq!(t["bans"][0]["value"], "the use of anti-personnel mines");
    assert_eq!(t["bans"][0]["origin"], "SOURCED");
    assert_eq!(
        t["bans"][0]["evidence"][0]["quote"],
        "the Ottawa Convention, which bans the use of anti-personnel mines"
    );
    assert_eq!(t["noticePeriodMonths"], 6);
    assert_eq!(t["period"][0]["value"], "6");
    assert_eq!(
        t["period"][0]["evidence"][0]["quote"],
        "will come into force six months after the official notification to the UN"
    );
    // The adoption in 1997 is not in the article: it is background, and says so.
    let adopted = &t["background"][0];
    assert_eq!(adopted["origin"], "EDITORIAL");
    assert_eq!(adopted["editorial"]["by"], "newsgraph editors");
    assert!(
        adopted["editorial"]["note"]
            .as_str()
            .unwrap()
            .contains("not")
    );
}

#[tokio::test]
async fn the_statements_the_article_does_not_date_are_known_to_the_month_and_say_why() {
    let app = spawn_app().await;
    let d = app
        .data(
            "{ tsahkna: entity(id: \"event/2025-06-27-tsahkna-explains-withdrawal\") { ...d }
               ministry: entity(id: \"event/2025-06-27-lithuania-mfa-statement\") { ...d }
               note: entity(id: \"event/2025-06-27-estonia-notifies-un\") { ...d }
               effect: entity(id: \"event/estonia-withdrawal-takes-effect\") { ...d } }
             fragment d on Event { dateText datePrecision dateBasis {
                kind reasoning maxPrecision evidence { quote start end } inferredFrom { id } } }",
        )
        .await;
    for who in ["tsahkna", "ministry"] {
        let e = &d[who];
        assert_eq!(e["dateText"], "2025-06", "{who}");
        assert_eq!(e["dateBasis"]["kind"], "INFERRED", "{who}");
        assert_eq!(
            e["dateBasis"]["inferredFrom"]["id"],
            "event/2025-06-27-estonia-notifies-un"
        );
        assert!(
            e["dateBasis"]["reasoning"]
                .as_str()
                .unwrap()
                .contains("does not say when"),
            "{who}: {}",
            e["dateBasis"]["reasoning"]
        );
    }
    assert_eq!(d["note"]["dateBasis"]["kind"], "STATED");
    assert_eq!(d["note"]["dateBasis"]["evidence"]["quote"], "June 27");
    assert_eq!(d["note"]["dateBasis"]["maxPrecision"], "DAY");
    assert_eq!(d["effect"]["dateBasis"]["kind"], "COMPUTED");
    assert!(
        d["effect"]["dateBasis"]["reasoning"]
            .as_str()
            .unwrap()
            .starts_with("Computed: 6 months")
    );
}

#[tokio::test]
async fn a_path_hop_through_a_participation_shows_only_the_words_naming_that_participant() {
    let app = spawn_app().await;
    let p = &app
        .data(
            "{ path(from: \"event/2025-06-27-lithuania-mfa-statement\", to: \"org/nato\") {
                path { hops { type evidence { quote } relation { evidenceInherited } } } } }",
        )
        .await["path"]["path"];
    let hops = p["hops"].as_array().unwrap();
    assert_eq!(hops.len(), 1, "{p:#}");
    assert_eq!(hops[0]["type"], "CONCERNS");
    assert_eq!(
        hops[0]["evidence"],
        json!([{ "quote": "demonstrate unconditional support for NATO" }]),
        "one quote, the one naming NATO, not the statement's three"
    );
    assert_eq!(hops[0]["relation"]["evidenceInherited"], false);
}

/// An event whose participant has no words of its own shows the event's, marked.
#[tokio::test]
async fn a_participant_without_its_own_quote_shows_the_events_marked_as_inherited() {
    let app = spawn_writable_app(None).await;
    let p = app
        .write(
            "mutation { createEvent(input: {
                id: \"event/2025-06-norway-speaks\", eventKind: STATEMENT, title: \"Norway speaks\",
                date: \"2025-06\", dateInferred: { reasoning: \"reported in June\" },
                actors: [\"state/norway\"], concerns: [\"treaty/ottawa-convention\"],
                participantQuotes: [{ entity: \"treaty/ottawa-convention\", quote: \"remain a party to the Ottawa Convention\" }],
                evidence: [{ source: \"source/chaspravdy-2025-06-28-ottawa-withdrawal\",
                             quote: \"Norway announced its decision to remain a party to the Ottawa Convention\" }]
            }) { event { participants { entity { id } evidenceInherited evidence { quote } }
                         support { origin }
                         dateBasis { kind maxPrecision } }
                 userErrors { field message code } } }",
            json!({}),
        )
        .await;
    let p = &p["createEvent"];
    assert_eq!(p["userErrors"], json!([]), "{p:#}");
    let parts = p["event"]["participants"].as_array().unwrap();
    let by_id = |id: &str| parts.iter().find(|x| x["entity"]["id"] == id).unwrap();
    assert_eq!(by_id("state/norway")["evidenceInherited"], true);
    assert_eq!(
        by_id("state/norway")["evidence"][0]["quote"],
        "Norway announced its decision to remain a party to the Ottawa Convention"
    );
    assert_eq!(
        by_id("treaty/ottawa-convention")["evidenceInherited"],
        false
    );
    assert_eq!(p["event"]["dateBasis"]["kind"], "INFERRED");
    assert_eq!(p["event"]["dateBasis"]["maxPrecision"], "MONTH");
    let r = app
        .data(
            "{ relation(id: \"state/norway:ACTOR_IN:event/2025-06-norway-speaks\") {
                support { origin inherited inheritedFrom { id } } } }",
        )
        .await;
    let s = &r["relation"]["support"];
    assert_eq!(s["origin"], "SOURCED");
    assert_eq!(s["inherited"], true);
    assert_eq!(s["inheritedFrom"]["id"], "event/2025-06-norway-speaks");
}

#[tokio::test]
async fn writes_that_would_state_more_than_their_basis_are_refused_and_change_nothing() {
    let app = spawn_writable_app(None).await;
    let create = "mutation($input: CreateEventInput!) { createEvent(input: $input) {
        event { id } userErrors { field message code } } }";
    let event = |date: &str, inferred: Value| {
        json!({ "input": {
            "id": "event/x", "eventKind": "STATEMENT", "title": "X", "date": date,
            "dateInferred": inferred, "actors": ["state/norway"],
            "evidence": [{ "source": "source/chaspravdy-2025-06-28-ottawa-withdrawal",
                           "quote": "Norway announced its decision to remain a party to the Ottawa Convention" }],
        }})
    };
    let refused = |resp: &Value, words: &[&str]| {
        let p = &resp["createEvent"];
        assert!(p["event"].is_null(), "{p:#}");
        let e = &p["userErrors"][0];
        assert_eq!(e["code"], "INVALID", "{e:#}");
        assert_eq!(e["field"], json!(["date"]), "{e:#}");
        for w in words {
            assert!(e["message"].as_str().unwrap().contains(w), "{w}: {e:#}");
        }
    };
    // A day the evidence does not give.
    let r = app.write(create, event("2025-06-27", Value::Null)).await;
    refused(&r, &["2025-06-27", "no sentence of its evidence states it"]);
    // A day inferred from context alone.
    let r = app
        .write(
            create,
            event("2025-06-27", json!({ "reasoning": "about then" })),
        )
        .await;
    refused(&r, &["at most a month"]);
    // More precise than the event it is inferred from.
    let r = app
        .write(
            create,
            event(
                "2025-06-27",
                json!({ "reasoning": "same time", "from": "event/2025-06-norway-remains-party" }),
            ),
        )
        .await;
    refused(&r, &["known only to the month"]);
    let gone = app.query("{ entity(id: \"event/x\") { id } }").await;
    single_error(&gone, "NOT_FOUND");

    // A claim without quotes is the writer's editorial background, marked with who and when.
    let p = app
        .write(
            "mutation { updateEntity(input: { id: \"state/norway\",
                claims: [{ property: \"capital\", value: \"Oslo\", note: \"background\" },
                         { property: \"stays_in\", value: \"the Ottawa Convention\",
                           evidence: [{ source: \"source/chaspravdy-2025-06-28-ottawa-withdrawal\",
                                        quote: \"Norway announced its decision to remain a party to the Ottawa Convention\" }] }]
            }) { entity { claims { property value origin editorial { by at note } } }
                 userErrors { message } } }",
            json!({}),
        )
        .await;
    let claims = &p["updateEntity"]["entity"]["claims"];
    let by = |prop: &str| {
        claims
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["property"] == prop)
            .unwrap_or_else(|| panic!("{prop}: {p:#}"))
            .clone()
    };
    assert_eq!(by("capital")["origin"], "EDITORIAL");
    assert!(by("capital")["editorial"]["by"].is_string());
    assert_eq!(by("capital")["editorial"]["note"], "background");
    assert_eq!(by("stays_in")["origin"], "SOURCED");
    assert_eq!(
        by("description")["origin"],
        "SOURCED",
        "the description kept its basis"
    );
}

#[tokio::test]
async fn an_entity_nothing_cites_is_listed_as_unsourced_until_a_relation_cites_it() {
    let app = spawn_writable_app(None).await;
    let p = app
        .write(
            "mutation { createEntity(input: { id: \"state/latvia\", kind: STATE, name: \"Latvia\",
                description: \"Baltic state.\" }) {
                entity { support { origin editorial { by } } claims { property origin } }
                userErrors { message } } }",
            json!({}),
        )
        .await;
    let e = &p["createEntity"]["entity"];
    assert_eq!(e["claims"][0]["property"], "description");
    assert_eq!(
        e["claims"][0]["origin"], "EDITORIAL",
        "a description without quotes is the writer's"
    );
    assert_eq!(e["support"]["origin"], "EDITORIAL");
    let list = app.data("{ stats { unsourced } unsourced { id } }").await;
    assert_eq!(list["stats"]["unsourced"], 1);
    assert_eq!(list["unsourced"], json!([{ "id": "state/latvia" }]));

    let r = app
        .write(
            "mutation { createRelation(input: { type: SUPPORTS, from: \"state/latvia\", to: \"org/nato\",
                evidence: [{ source: \"source/chaspravdy-2025-06-28-ottawa-withdrawal\",
                             quote: \"demonstrate unconditional support for NATO\" }] }) {
                relation { id } userErrors { message } } }",
            json!({}),
        )
        .await;
    assert_eq!(r["createRelation"]["userErrors"], json!([]), "{r:#}");
    let list = app.data("{ stats { unsourced } unsourced { id } }").await;
    assert_eq!(list["stats"]["unsourced"], 0);
    assert_eq!(list["unsourced"], json!([]));
    let r = app.query("{ unsourced(limit: 1001) { id } }").await;
    single_error(&r, "BAD_USER_INPUT");
}

#[tokio::test]
async fn moving_a_date_an_inference_rests_on_is_refused_until_the_inference_moves_too() {
    let app = spawn_writable_app(None).await;
    let move_note = |also: &str| {
        format!(
            "mutation {{ applyChanges(input: {{ changes: [
                {{ updateEvent: {{ id: \"event/2025-06-27-estonia-notifies-un\", date: \"2025-06-13\",
                   evidence: [{{ source: \"source/chaspravdy-2025-06-28-ottawa-withdrawal\",
                                 quote: \"On June 13, Estonian President Alar Karis officially approved\" }}] }} }}
                {also}
            ] }}) {{ version userErrors {{ field message code }} }} }}"
        )
    };
    let r = app.write(&move_note(""), json!({})).await;
    let e = &r["applyChanges"]["userErrors"][0];
    assert_eq!(e["code"], "INVALID", "{r:#}");
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains("event/2025-06-27-lithuania-notifies-un")
            && msg.contains("inferred from `event/2025-06-27-estonia-notifies-un` (2025-06-13)"),
        "the refusal names the inference that would no longer hold: {msg}"
    );
    let note = app
        .data("{ entity(id: \"event/2025-06-27-estonia-notifies-un\") { ... on Event { dateText } } }")
        .await;
    assert_eq!(note["entity"]["dateText"], "2025-06-27", "nothing changed");

    // Moved together, in one batch, both land; the computed withdrawal follows.
    let r = app
        .write(
            &move_note(
                "{ updateEvent: { id: \"event/2025-06-27-lithuania-notifies-un\", date: \"2025-06-13\",
                   dateInferred: { from: \"event/2025-06-27-estonia-notifies-un\", reasoning: \"with Estonia's\" } } }",
            ),
            json!({}),
        )
        .await;
    assert_eq!(r["applyChanges"]["userErrors"], json!([]), "{r:#}");
    let effect = app
        .data("{ entity(id: \"event/lithuania-withdrawal-takes-effect\") { ... on Event { dateText } } }")
        .await;
    assert_eq!(effect["entity"]["dateText"], "2025-12-13");
}
