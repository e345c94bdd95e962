//! The real binary on a generated graph of 10^4 nodes (`newsgraph generate`), its answers
//! checked against an oracle worked out here by brute force from the generated JSON Lines:
//! relations of entities, the time line of a date range, names, search, relation status on a
//! date, shortest paths (a plain BFS) and counts. The graph loads in about two seconds in a
//! debug build, so the whole test stays well under 30 s.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::Path;

use chrono::{Days, Months, NaiveDate};
use newsgraph::seed::{EntityRecord, EventRecord, RelationRecord, SourceRecord};
use serde_json::json;

use crate::helpers::{Binary, TestApp, newsgraph_command, run_to_exit};

const NODES: usize = 10_000;

/// One relation of the graph as the oracle sees it.
#[derive(Debug, Clone)]
struct Rel {
    rel: String,
    from: String,
    to: String,
    valid_from: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
}

/// Every answer, worked out from the records alone.
struct Oracle {
    entities: Vec<EntityRecord>,
    /// Event id → first and last day of its date.
    dates: BTreeMap<String, (NaiveDate, NaiveDate)>,
    rels: Vec<Rel>,
    /// Undirected adjacency (relations walked both ways).
    adj: HashMap<String, Vec<String>>,
}

fn lines<T: serde::de::DeserializeOwned>(dir: &Path, file: &str) -> Vec<T> {
    std::fs::read_to_string(dir.join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{file}: {e}: {l}")))
        .collect()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// `YYYY-MM-DD` or `YYYY-MM`: the first and last day it covers.
fn period(s: &str) -> (NaiveDate, NaiveDate) {
    if s.len() == 7 {
        let first = day(&format!("{s}-01"));
        let last = first.checked_add_months(Months::new(1)).unwrap() - Days::new(1);
        (first, last)
    } else {
        (day(s), day(s))
    }
}

impl Oracle {
    fn new(dir: &Path) -> Oracle {
        let sources: Vec<SourceRecord> = lines(dir, "sources.jsonl");
        let entities: Vec<EntityRecord> = lines(dir, "entities.jsonl");
        let events: Vec<EventRecord> = lines(dir, "events.jsonl");
        let relations: Vec<RelationRecord> = lines(dir, "relations.jsonl");
        let notice: HashMap<&str, u32> = entities
            .iter()
            .filter_map(|e| Some((e.id.as_str(), e.notice_period_months?)))
            .collect();

        let mut dates = BTreeMap::new();
        for e in &events {
            if let Some(d) = &e.date {
                dates.insert(e.id.clone(), period(d));
            }
        }
        let mut rels = vec![];
        let plain = |rel: &str, from: &str, to: &str| Rel {
            rel: rel.into(),
            from: from.into(),
            to: to.into(),
            valid_from: None,
            valid_until: None,
        };
        for e in &events {
            if let Some(rule) = &e.date_rule {
                // The generator's notifications are known to the day.
                let (n, _) = dates[&rule.after];
                let d = n
                    .checked_add_months(Months::new(notice[rule.notice_period_of.as_str()]))
                    .unwrap();
                dates.insert(e.id.clone(), (d, d));
                rels.push(plain("LEADS_TO", &rule.after, &e.id));
            }
            for a in &e.actors {
                rels.push(plain("ACTOR_IN", a.id(), &e.id));
            }
            for a in &e.addressed_to {
                rels.push(plain("ADDRESSED_TO", &e.id, a.id()));
            }
            for c in &e.concerns {
                rels.push(plain("CONCERNS", &e.id, c.id()));
            }
        }
        for s in &sources {
            rels.push(plain("PUBLISHED_BY", &s.id, s.publisher.as_ref().unwrap()));
        }
        for r in &relations {
            let mut x = plain(&r.rel, &r.from, &r.to);
            x.valid_from = r.valid_from.as_deref().map(day);
            x.valid_until = match (&r.valid_until, &r.valid_until_event) {
                (Some(d), _) => Some(day(d)),
                (None, Some(e)) => Some(dates[e].0),
                (None, None) => None,
            };
            rels.push(x);
        }
        let mut adj: HashMap<String, Vec<String>> = HashMap::new();
        for r in &rels {
            adj.entry(r.from.clone()).or_default().push(r.to.clone());
            adj.entry(r.to.clone()).or_default().push(r.from.clone());
        }
        Oracle {
            entities,
            dates,
            rels,
            adj,
        }
    }

    /// The relations at `id`: (type, direction, other end), sorted.
    fn relations_of(&self, id: &str) -> Vec<(String, &'static str, String)> {
        let mut out: Vec<_> = self
            .rels
            .iter()
            .flat_map(|r| {
                let mut v = vec![];
                if r.from == id {
                    v.push((r.rel.clone(), "OUTGOING", r.to.clone()));
                }
                if r.to == id {
                    v.push((r.rel.clone(), "INCOMING", r.from.clone()));
                }
                v
            })
            .collect();
        out.sort();
        out
    }

    /// The events whose period overlaps `[from, to]`, oldest first, ties by id.
    fn events_between(&self, from: NaiveDate, to: NaiveDate) -> Vec<String> {
        let mut v: Vec<(NaiveDate, &String)> = self
            .dates
            .iter()
            .filter(|(_, (first, last))| *last >= from && *first <= to)
            .map(|(id, (first, _))| (*first, id))
            .collect();
        v.sort();
        v.into_iter().map(|(_, id)| id.clone()).collect()
    }

    /// The number of hops of a shortest connection, if there is one within `max`.
    fn distance(&self, from: &str, to: &str, max: usize) -> Option<usize> {
        let mut seen = HashSet::from([from.to_string()]);
        let mut queue = VecDeque::from([(from.to_string(), 0)]);
        while let Some((at, d)) = queue.pop_front() {
            if at == to {
                return Some(d);
            }
            if d == max {
                continue;
            }
            for next in self.adj.get(&at).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    queue.push_back((next.clone(), d + 1));
                }
            }
        }
        None
    }

    fn degree(&self, id: &str) -> usize {
        self.adj.get(id).map_or(0, Vec::len)
    }
}

fn generate(dir: &Path) {
    let mut cmd = newsgraph_command();
    cmd.args([
        "generate",
        "--nodes",
        &NODES.to_string(),
        "--seed",
        "2025",
        "--out",
    ])
    .arg(dir);
    let out = run_to_exit(cmd);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains(&format!("{NODES} nodes")),
        "generate failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn client(bin: &Binary) -> TestApp {
    TestApp {
        addr: bin.addr(),
        client: reqwest::Client::new(),
    }
}

#[tokio::test]
async fn a_generated_graph_answers_like_a_brute_force_oracle() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path());
    let oracle = Oracle::new(dir.path());
    let mut cmd = newsgraph_command();
    cmd.arg("--seed").arg(dir.path());
    let bin = Binary::start(cmd);
    let app = client(&bin);

    // Counts.
    let states = oracle.entities.iter().filter(|e| e.kind == "state").count();
    let data = app
        .data("{ entities(kinds: [STATE]) { totalCount } stats { nodeCount relationCount } }")
        .await;
    assert_eq!(data["entities"]["totalCount"], states);
    assert_eq!(data["stats"]["nodeCount"], NODES);
    assert_eq!(data["stats"]["relationCount"], oracle.rels.len());

    check_relations(&app, &oracle).await;
    check_hub_counts(&app, &oracle).await;
    check_names_and_search(&app, &oracle).await;
    check_time_line(&app, &oracle).await;
    check_status(&app, &oracle).await;
    check_paths(&app, &oracle).await;
}

/// The best-connected entity of each kind with at most 100 relations (one page): every
/// relation, its type, direction and other end.
async fn check_relations(app: &TestApp, oracle: &Oracle) {
    let mut picked: Vec<String> = vec![];
    for prefix in [
        "state/", "person/", "treaty/", "org/m-", "org/io-", "event/", "source/",
    ] {
        let id = oracle
            .entities
            .iter()
            .map(|e| e.id.as_str())
            .chain(oracle.dates.keys().map(String::as_str))
            .chain(
                oracle
                    .adj
                    .keys()
                    .map(String::as_str)
                    .filter(|k| k.starts_with("source/")),
            )
            .filter(|id| id.starts_with(prefix))
            .filter(|id| oracle.degree(id) <= 100)
            .max_by_key(|id| (oracle.degree(id), std::cmp::Reverse(*id)))
            .unwrap_or_else(|| panic!("no {prefix} entity of small degree"))
            .to_string();
        picked.push(id);
    }
    for id in picked {
        let data = app
            .data_vars(
                "query($id: ID!) { entity(id: $id) { relations(first: 100) {
                    totalCount edges { type direction entity { id } } } } }",
                json!({ "id": id }),
            )
            .await;
        let conn = &data["entity"]["relations"];
        let mut got: Vec<(String, &'static str, String)> = conn["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let dir = if e["direction"] == "OUTGOING" {
                    "OUTGOING"
                } else {
                    "INCOMING"
                };
                (
                    e["type"].as_str().unwrap().to_string(),
                    dir,
                    e["entity"]["id"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        got.sort();
        let expected = oracle.relations_of(&id);
        assert_eq!(conn["totalCount"], expected.len(), "{id}");
        assert_eq!(got, expected, "relations of {id}");
    }
}

/// Hubs: the count of their relations of each type.
async fn check_hub_counts(app: &TestApp, oracle: &Oracle) {
    const TYPES: [&str; 11] = [
        "HOLDS_OFFICE",
        "PART_OF",
        "MEMBER_OF",
        "PARTY_TO",
        "SUPPORTS",
        "AGGRESSION_AGAINST",
        "PUBLISHED_BY",
        "ACTOR_IN",
        "ADDRESSED_TO",
        "CONCERNS",
        "LEADS_TO",
    ];
    let fields: Vec<String> = TYPES
        .iter()
        .map(|t| format!("{t}: relations(relationTypes: [{t}]) {{ totalCount }}"))
        .collect();
    let q = format!(
        "query($id: ID!) {{ entity(id: $id) {{ degree all: relations {{ totalCount }} {} }} }}",
        fields.join(" ")
    );
    for hub in ["org/un", "state/s-00000", "treaty/t-00000"] {
        let expected = oracle.relations_of(hub);
        assert!(expected.len() > 200, "{hub} is a hub: {}", expected.len());
        let data = app.data_vars(&q, json!({ "id": hub })).await;
        let e = &data["entity"];
        assert_eq!(e["all"]["totalCount"], expected.len(), "{hub}");
        assert_eq!(e["degree"], expected.len(), "{hub}");
        for t in TYPES {
            let n = expected.iter().filter(|r| r.0 == t).count();
            assert_eq!(e[t]["totalCount"], n, "{hub} {t}");
        }
    }
}

/// Names, aliases and labels as generated; an exact name finds its entity first.
async fn check_names_and_search(app: &TestApp, oracle: &Oracle) {
    let mut uses: HashMap<String, usize> = HashMap::new();
    for e in &oracle.entities {
        for n in std::iter::once(&e.name)
            .chain(&e.aliases)
            .chain(e.labels.values())
        {
            *uses.entry(n.to_lowercase()).or_default() += 1;
        }
    }
    let with_alias = oracle
        .entities
        .iter()
        .filter(|e| e.kind == "person" && !e.aliases.is_empty())
        .take(3);
    let with_labels = oracle
        .entities
        .iter()
        .filter(|e| e.kind == "state" && e.labels.len() == 2)
        .take(2);
    let treaty = oracle
        .entities
        .iter()
        .filter(|e| e.kind == "treaty")
        .take(1);
    let mut searched = 0;
    for e in with_alias.chain(with_labels).chain(treaty) {
        let data = app
            .data_vars(
                "query($id: ID!, $q: String!) {
                   entity(id: $id) { name aliases labels { lang value } }
                   search(query: $q, first: 3) { nodes { id } }
                 }",
                json!({ "id": e.id, "q": e.name }),
            )
            .await;
        let got = &data["entity"];
        assert_eq!(got["name"], e.name.as_str());
        assert_eq!(got["aliases"], json!(e.aliases));
        let labels: BTreeMap<String, String> = got["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["lang"].as_str().unwrap().to_string(),
                    l["value"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(labels, e.labels, "{}", e.id);
        if uses[&e.name.to_lowercase()] == 1 {
            assert_eq!(
                data["search"]["nodes"][0]["id"],
                e.id.as_str(),
                "{}",
                e.name
            );
            searched += 1;
        }
    }
    assert!(searched >= 3, "too few unique names searched");
}

/// `events(from:, to:)`: ids and order, month-precision events included when they overlap.
async fn check_time_line(app: &TestApp, oracle: &Oracle) {
    let ranges = [("2014-03-10", "2014-04-02"), ("2019-12-20", "2020-01-05")];
    let mut month_seen = false;
    for (from, to) in ranges {
        let expected = oracle.events_between(day(from), day(to));
        assert!(
            !expected.is_empty() && expected.len() <= 100,
            "{}",
            expected.len()
        );
        month_seen |= expected.iter().any(|id| {
            let (a, b) = oracle.dates[id];
            a != b
        });
        let data = app
            .data_vars(
                "query($from: Date!, $to: Date!) { events(from: $from, to: $to, first: 100) {
                    totalCount nodes { id } } }",
                json!({ "from": from, "to": to }),
            )
            .await;
        let got: Vec<String> = data["events"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(data["events"]["totalCount"], expected.len());
        assert_eq!(got, expected, "events from {from} to {to}");
    }
    assert!(month_seen, "no month-precision event in the ranges checked");
}

/// `relationStatus` the day before, on and after bounds, for relations ended by an event
/// (a withdrawal taking effect) and offices with dates.
async fn check_status(app: &TestApp, oracle: &Oracle) {
    let bounded = |rel: &'static str| {
        oracle
            .rels
            .iter()
            .filter(move |r| r.rel == rel && r.valid_from.is_some() && r.valid_until.is_some())
            .take(3)
    };
    let ended: Vec<&Rel> = bounded("PARTY_TO").chain(bounded("HOLDS_OFFICE")).collect();
    assert_eq!(ended.len(), 6);
    for r in ended {
        let (since, until) = (r.valid_from.unwrap(), r.valid_until.unwrap());
        for (on, holds) in [
            (since - Days::new(1), false),
            (since, true),
            (until - Days::new(1), true),
            (until, false),
        ] {
            let data = app
                .data_vars(
                    "query($from: ID!, $type: RelationType!, $to: ID!, $on: Date!) {
                       relationStatus(from: $from, type: $type, to: $to, asOf: $on) { holds } }",
                    json!({ "from": r.from, "type": r.rel, "to": r.to, "on": on.to_string() }),
                )
                .await;
            assert_eq!(
                data["relationStatus"]["holds"], holds,
                "{} {} {} on {on}",
                r.from, r.rel, r.to
            );
        }
    }
}

/// `path`: found, and as short as a BFS says, within `maxHops`; not found beyond it.
async fn check_paths(app: &TestApp, oracle: &Oracle) {
    let persons: Vec<&str> = oracle
        .entities
        .iter()
        .filter(|e| e.kind == "person")
        .map(|e| e.id.as_str())
        .collect();
    let treaties: Vec<&str> = oracle
        .entities
        .iter()
        .filter(|e| e.kind == "treaty")
        .map(|e| e.id.as_str())
        .collect();
    let mut pairs: Vec<(&str, &str, usize)> = (0..8)
        .map(|i| {
            (
                persons[i * 97 % persons.len()],
                treaties[i * 7 % treaties.len()],
                4,
            )
        })
        .collect();
    pairs.extend((0..4).map(|i| (persons[i * 13], persons[i * 13 + 500], 4)));
    pairs.extend((0..4).map(|i| (persons[i * 31 + 1], "org/nato", 1)));
    let (mut found, mut missing) = (0, 0);
    for (from, to, max) in pairs {
        let expected = oracle.distance(from, to, max);
        let data = app
            .data_vars(
                "query($from: ID!, $to: ID!, $max: Int!) {
                   path(from: $from, to: $to, maxHops: $max) { found path { length } } }",
                json!({ "from": from, "to": to, "max": max }),
            )
            .await;
        let p = &data["path"];
        match expected {
            Some(d) => {
                found += 1;
                assert_eq!(p["found"], true, "{from} -> {to}");
                assert_eq!(p["path"]["length"], d, "{from} -> {to}");
            }
            None => {
                missing += 1;
                assert_eq!(p["found"], false, "{from} -> {to} within {max}");
            }
        }
    }
    assert!(
        found >= 4 && missing >= 1,
        "found {found}, missing {missing}"
    );
}

#[test]
fn generate_writes_seeds_that_check_accepts_and_refuses_tiny_graphs() {
    for format in ["jsonl", "toml"] {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = newsgraph_command();
        cmd.args(["generate", "--nodes", "300", "--format", format, "--out"])
            .arg(dir.path());
        let out = run_to_exit(cmd);
        assert!(out.status.success(), "{format}: {out:?}");
        let summary = String::from_utf8_lossy(&out.stdout);
        assert!(
            summary.contains("300 nodes")
                && summary.contains("relations")
                && summary.contains("bytes"),
            "{summary}"
        );
        let mut cmd = newsgraph_command();
        cmd.arg("--seed").arg(dir.path()).arg("--check");
        let out = run_to_exit(cmd);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("ok, 300 nodes"),
            "{format}: {out:?}"
        );
    }
    let mut cmd = newsgraph_command();
    cmd.args(["generate", "--nodes", "10", "--out", "/nonexistent/never"]);
    let out = run_to_exit(cmd);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--nodes") && stderr.contains("at least 100"),
        "{stderr}"
    );
}

/// CPU seconds (user + system) the process has used so far, from `/proc/<pid>/stat`.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc/<pid>/stat");
    // The fields after the command name (which may hold spaces) start after its `)`.
    let after = &stat[stat.rfind(')').expect("a stat line") + 2..];
    let fields: Vec<&str> = after.split(' ').collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

/// A server on a generated graph with a 1 s request timeout (and the graph's directory).
fn one_second_server() -> (tempfile::TempDir, Binary) {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path());
    let mut cmd = newsgraph_command();
    cmd.arg("--seed")
        .arg(dir.path())
        .args(["--timeout-secs", "1"]);
    (dir, Binary::start(cmd))
}

/// Regression: resolvers ran on the async workers, so the timeout could not fire until they
/// were done (an aliased search ran for tens of seconds and answered 200). Search now runs off
/// the workers under the request's deadline: the request answers TIMEOUT at its limit and the
/// server stops spending CPU on it.
#[tokio::test]
async fn an_expensive_search_past_the_timeout_answers_timeout_and_stops_using_the_cpu() {
    let (_dir, bin) = one_second_server();
    // A one-letter search is found inside nearly every word, so it scores nearly every node
    // (about 0.2 s in a debug build here); 24 of them are several times the 1 s limit.
    let aliases: Vec<String> = (0..24)
        .map(|i| format!("s{i}: search(query: \"a\", first: 1) {{ totalCount }}"))
        .collect();
    let started = std::time::Instant::now();
    let resp = reqwest::Client::new()
        .post(bin.url("/graphql"))
        .json(&json!({ "query": format!("{{ {} }}", aliases.join(" ")) }))
        .send()
        .await
        .expect("POST /graphql");
    let status = resp.status();
    let body: serde_json::Value = resp.json().await.expect("a JSON answer");
    let waited = started.elapsed();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "TIMEOUT",
        "{status} {body:#}"
    );
    assert!(
        waited < std::time::Duration::from_secs(4),
        "the answer came {waited:?} after the request, not at the 1 s limit"
    );
    // The work stops at its next deadline check, not when the searches would have finished.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let before = cpu_seconds(bin.pid());
    std::thread::sleep(std::time::Duration::from_millis(800));
    let spent = cpu_seconds(bin.pid()) - before;
    assert!(
        spent < 0.3,
        "the server used {spent} s of CPU after answering"
    );
}

/// A planned graph question runs on the CPU pool under the request's deadline, as the
/// executor runs it: requests queued past the limit answer the executor's TIMEOUT (504, the
/// same body) from the plan, instead of being handed to the executor to start again.
#[tokio::test]
async fn a_planned_search_past_the_timeout_answers_timeout_as_the_executor_does() {
    let (_dir, bin) = one_second_server();
    let client = reqwest::Client::new();
    let body = json!({ "query": "{ search(query: \"a\", first: 1) { totalCount } }" });
    let post = || {
        client
            .post(bin.url("/graphql"))
            .header("accept", "application/graphql-response+json")
            .json(&body)
            .send()
    };
    let base = bin.url("");
    let planned = || crate::helpers::planned_total(&base);
    // The executor answers it once (about 0.2 s in a debug build here), and plans it.
    let first = post().await.expect("POST /graphql");
    assert_eq!(first.status(), 200);
    let before = planned().await;
    // 24 at once on a pool of two cores: several times the limit, so the last ones wait
    // past it for the pool.
    let answers = futures_util::future::join_all((0..24).map(|_| async {
        let resp = post().await.expect("POST /graphql");
        (resp.status().as_u16(), resp.text().await.unwrap())
    }))
    .await;
    assert_eq!(planned().await - before, 24, "all answered by the plan");
    let late: Vec<&(u16, String)> = answers.iter().filter(|(s, _)| *s != 200).collect();
    assert!(!late.is_empty(), "none waited past the limit: {answers:?}");
    for (status, text) in late {
        assert_eq!(*status, 504, "{text}");
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            v,
            json!({ "errors": [{
                "message": "the request took longer than 1 s",
                "extensions": { "code": "TIMEOUT" }
            }] }),
        );
    }
}
