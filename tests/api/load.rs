//! The real binary (a debug build) as a child process under sustained load: a bounded run
//! of mixed, realistic queries ends with no errors and no runaway memory, and SIGTERM in the
//! middle of a stream of requests lets the ones in flight finish and exits with code 0.
//!
//! Nothing here asserts a timing (the project forbids it); latencies are only printed, so
//! `cargo test --test api load -- --nocapture` shows them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{Binary, newsgraph_command};

/// Warnings only, except the binary's own start and stop lines (target `newsgraph`, info):
/// plain `warn` would hide the `listening ... addr=` line the port is read from, and the
/// `shutting down` and `stopped` lines. The per-request lines (`newsgraph::http`) stay off,
/// so a load of thousands of requests does not turn into thousands of log lines.
const QUIET_LOG: &str = "warn,newsgraph=info,newsgraph::http=warn";
/// [`QUIET_LOG`] plus one `response status=...` line per request the server answered.
const REQUEST_LOG: &str = "warn,newsgraph=info";

/// How long the measured phase of the load test runs: `NEWSGRAPH_LOAD_SECS`, 5 to 30 s.
fn load_duration() -> Duration {
    let secs = std::env::var("NEWSGRAPH_LOAD_SECS")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(20);
    Duration::from_secs(secs.clamp(5, 30))
}

/// Starts the binary with `RUST_LOG=log_filter` and waits for its `listening` line; with
/// `REQUEST_LOG`, with the access log (a line per request) too.
fn start_server(log_filter: &str) -> Binary {
    let mut cmd = newsgraph_command();
    cmd.env("RUST_LOG", log_filter);
    if log_filter == REQUEST_LOG {
        cmd.arg("--access-log");
    }
    Binary::start(cmd)
}

/// What a request of the mix must get back.
enum Expect {
    /// 200, no `errors`, and the value at a JSON pointer into `data`.
    Data(&'static str, Value),
    /// 200 and exactly one error with this `extensions.code`: refused by design.
    Refused(&'static str),
}

/// One request of the mix: a POST with variables, or a GET `?query=`.
struct Request {
    name: &'static str,
    get: bool,
    query: &'static str,
    variables: fn() -> Value,
    expect: fn() -> Expect,
}

/// What readers and the front end ask, roughly in the proportions they ask it.
const MIX: &[Request] = &[
    Request {
        name: "search",
        get: false,
        query: "query($q: String!) { search(query: $q, first: 10) { totalCount
            edges { score matchedOn matchedText node { id name kind } } } }",
        variables: || json!({ "q": "tsakhna" }),
        expect: || {
            Expect::Data(
                "/search/edges/0/node/id",
                json!("person/margus-tsahkna"),
            )
        },
    },
    Request {
        name: "entity",
        get: false,
        query: "query($id: ID!) { entity(id: $id) { id name aliases description degree centrality
            relations(first: 20) { totalCount pageInfo { hasNextPage endCursor }
                edges { cursor direction type role validFrom validUntil entity { id name kind }
                    node { id validFromEvent { id } validUntilEvent { id } }
                    evidence { quote sentence source { id name } } } }
            events(first: 10) { totalCount nodes { id name } } } }",
        variables: || json!({ "id": "person/margus-tsahkna" }),
        expect: || Expect::Data("/entity/id", json!("person/margus-tsahkna")),
    },
    Request {
        name: "timeline",
        get: false,
        query: "{ events(from: \"2025-01-01\", to: \"2025-12-31\", first: 20) { totalCount
            pageInfo { hasNextPage endCursor } nodes { id name ... on Event { date } }
            facets { months { month count } eventKinds { kind count } } } }",
        variables: || json!({}),
        expect: || Expect::Data("/events/facets/months/0/month", json!("2025-05")),
    },
    Request {
        name: "path",
        get: false,
        query: "{ path(from: \"person/alar-karis\", to: \"org/nato\", maxHops: 6) { found reason
            path { length nodes { id name }
                hops { direction type from { id } to { id } evidence { quote source { id } } } } } }",
        variables: || json!({}),
        expect: || Expect::Data("/path/found", json!(true)),
    },
    Request {
        name: "neighborhood",
        get: false,
        query: "{ neighborhood(id: \"state/norway\", depth: 2) { center { id }
            nodes { id name kind } edges { id source target type label } truncated depthReached } }",
        variables: || json!({}),
        expect: || Expect::Data("/neighborhood/center/id", json!("state/norway")),
    },
    Request {
        name: "relationStatus",
        get: false,
        query: "{ relationStatus(from: \"state/estonia\", type: PARTY_TO,
                to: \"treaty/ottawa-convention\", asOf: \"2025-12-27\") {
            holds asOf explanation relation { id validUntil } decidedBy { id name } evidence { quote } } }",
        variables: || json!({}),
        expect: || Expect::Data("/relationStatus/holds", json!(false)),
    },
    Request {
        name: "stats",
        get: false,
        query: "{ stats { nodeCount relationCount maxDegree meanDegree nodesByKind { kind count }
            mostCentral(limit: 5) { rank score entity { id name } } } }",
        variables: || json!({}),
        expect: || {
            Expect::Data(
                "/stats/mostCentral/0/entity/id",
                json!("treaty/ottawa-convention"),
            )
        },
    },
    Request {
        name: "get",
        get: true,
        query: "{ entity(id: \"state/estonia\") { id name degree } }",
        variables: || json!({}),
        expect: || Expect::Data("/entity/name", json!("Estonia")),
    },
    Request {
        name: "search",
        get: false,
        query: "query($q: String!) { search(query: $q, first: 10) { totalCount
            edges { score matchedOn matchedText node { id name kind } } } }",
        variables: || json!({ "q": "tsakhna" }),
        expect: || {
            Expect::Data(
                "/search/edges/0/node/id",
                json!("person/margus-tsahkna"),
            )
        },
    },
    Request {
        name: "first-500",
        get: false,
        query: "{ entities(first: 500) { totalCount nodes { id } } }",
        variables: || json!({}),
        expect: || Expect::Refused("BAD_USER_INPUT"),
    },
];

/// Counts of one phase of the load (one task's, or all tasks' merged).
#[derive(Default)]
struct Tally {
    requests: u64,
    /// Answers refused by design, as expected (`first: 500`).
    refusals: u64,
    /// A status other than 200.
    bad_status: u64,
    /// GraphQL `errors` (or wrong data) where there should be none, or an unreadable body.
    graphql_errors: u64,
    /// No answer at all: connect, send or receive failed, or the client's timeout.
    transport_errors: u64,
    latencies: Vec<Duration>,
    /// The first few failures, for the assertion message.
    samples: Vec<String>,
}

impl Tally {
    fn errors(&self) -> u64 {
        self.bad_status + self.graphql_errors + self.transport_errors
    }

    fn sample(&mut self, what: String) {
        if self.samples.len() < 8 {
            self.samples.push(what);
        }
    }

    fn merge(&mut self, other: Tally) {
        self.requests += other.requests;
        self.refusals += other.refusals;
        self.bad_status += other.bad_status;
        self.graphql_errors += other.graphql_errors;
        self.transport_errors += other.transport_errors;
        self.latencies.extend(other.latencies);
        for s in other.samples {
            self.sample(s);
        }
    }

    /// The latency at percentile `p` (0 to 100), in ms.
    fn percentile_ms(&mut self, p: usize) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        self.latencies.sort_unstable();
        let i = (self.latencies.len() * p / 100).min(self.latencies.len() - 1);
        self.latencies[i].as_secs_f64() * 1000.0
    }
}

/// Sends one request of the mix and checks its answer against what it must get.
async fn send(client: &reqwest::Client, url: &str, req: &Request, tally: &mut Tally) {
    let started = Instant::now();
    let sent = if req.get {
        client.get(url).query(&[("query", req.query)]).send().await
    } else {
        client
            .post(url)
            .json(&json!({ "query": req.query, "variables": (req.variables)() }))
            .send()
            .await
    };
    let resp = match sent {
        Ok(resp) => resp,
        Err(e) => {
            tally.requests += 1;
            tally.transport_errors += 1;
            tally.sample(format!("{}: no answer: {e}", req.name));
            return;
        }
    };
    let status = resp.status();
    let body = resp.bytes().await;
    tally.requests += 1;
    tally.latencies.push(started.elapsed());
    if status != reqwest::StatusCode::OK {
        tally.bad_status += 1;
        tally.sample(format!("{}: status {status}", req.name));
        return;
    }
    let body: Value = match body.map(|b| serde_json::from_slice(&b)) {
        Ok(Ok(body)) => body,
        Ok(Err(e)) => {
            tally.graphql_errors += 1;
            tally.sample(format!("{}: not JSON: {e}", req.name));
            return;
        }
        Err(e) => {
            tally.transport_errors += 1;
            tally.sample(format!("{}: body cut short: {e}", req.name));
            return;
        }
    };
    match (req.expect)() {
        Expect::Data(pointer, want) => {
            let got = body["data"].pointer(pointer);
            if body.get("errors").is_some() || got != Some(&want) {
                tally.graphql_errors += 1;
                tally.sample(format!(
                    "{}: expected data{pointer} = {want}, got {body}",
                    req.name
                ));
            }
        }
        Expect::Refused(code) => {
            let errors = body["errors"].as_array();
            if errors.is_some_and(|e| e.len() == 1 && e[0]["extensions"]["code"] == code) {
                tally.refusals += 1;
            } else {
                tally.graphql_errors += 1;
                tally.sample(format!(
                    "{}: expected a {code} refusal, got {body}",
                    req.name
                ));
            }
        }
    }
}

/// `tasks` concurrent loops through the mix on one shared client until `duration` is up
/// (the request in progress at the deadline finishes); everything they counted.
async fn run_load(client: &reqwest::Client, url: &str, tasks: usize, duration: Duration) -> Tally {
    let deadline = Instant::now() + duration;
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let client = client.clone();
            let url = url.to_string();
            tokio::spawn(async move {
                let mut tally = Tally::default();
                // Each task starts at a different place in the mix, so all kinds overlap.
                let mut i = t;
                while Instant::now() < deadline {
                    send(&client, &url, &MIX[i % MIX.len()], &mut tally).await;
                    i += 1;
                }
                tally
            })
        })
        .collect();
    let mut total = Tally::default();
    for h in handles {
        total.merge(h.await.expect("a load task panicked"));
    }
    total
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        // Generous: a debug build on 2 busy cores, with other tests running, is slow.
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounded_load_of_mixed_queries_ends_with_zero_errors_and_stable_memory() {
    const TASKS: usize = 16;
    let server = start_server(QUIET_LOG);
    let url = server.url("/graphql");
    let client = client();

    // Warm-up: the same load for a short while, so the allocator's arenas, the connection
    // pool and any lazily built caches (PageRank, ...) reach their working size.
    let warm_up = run_load(&client, &url, TASKS, Duration::from_secs(2)).await;
    let rss_warm = server.status_kb("VmRSS");

    let duration = load_duration();
    let started = Instant::now();
    let mut load = run_load(&client, &url, TASKS, duration).await;
    let elapsed = started.elapsed().as_secs_f64();
    let rss_after = server.status_kb("VmRSS");
    let (p50, p99) = (load.percentile_ms(50), load.percentile_ms(99));

    println!(
        "load: {} requests in {elapsed:.1} s ({:.0} req/s, {TASKS} tasks, {} expected refusals), \
         latency p50 {p50:.1} ms, p99 {p99:.1} ms; RSS {rss_warm} kB after warm-up, {rss_after} kB after",
        load.requests,
        load.requests as f64 / elapsed,
        load.refusals,
    );

    for (phase, tally) in [("warm-up", &warm_up), ("load", &load)] {
        assert_eq!(
            tally.errors(),
            0,
            "{phase}: {} bad statuses, {} GraphQL errors, {} transport errors; first ones:\n{}\nserver log:\n{}",
            tally.bad_status,
            tally.graphql_errors,
            tally.transport_errors,
            tally.samples.join("\n"),
            server.log_text()
        );
    }
    assert!(
        load.requests > 500,
        "only {} requests in {elapsed:.1} s",
        load.requests
    );
    assert!(load.refusals > 0, "the refused-by-design query was sent");
    // RSS is a high-water mark more than a live size: glibc malloc keeps freed memory in
    // per-thread arenas instead of returning it, and the peak number of requests (and
    // response buffers) in flight at once varies from run to run. So some growth past the
    // warm-up figure is normal; a leak, though, grows with the number of requests (thousands
    // here) and blows through half again the warm size plus 20 MB.
    let limit = rss_warm * 3 / 2 + 20 * 1024;
    assert!(
        rss_after < limit,
        "resident memory grew from {rss_warm} kB to {rss_after} kB (limit {limit} kB) over {} requests",
        load.requests
    );
}

/// A deliberately heavy but valid query: the whole 3-hop neighbourhood of Estonia with
/// evidence, and the ten shortest connections from Karis to NATO.
const SLOW_QUERY: &str = "{
    neighborhood(id: \"state/estonia\", depth: 3, limit: 1000) {
        nodes { id name kind degree }
        edges { id source target type label
            relation { validFrom validUntil evidence { quote sentence source { id } } } }
        truncated depthReached }
    paths(from: \"person/alar-karis\", to: \"org/nato\", maxHops: 8, limit: 10) {
        found paths { length nodes { id name }
            hops { type direction relation { id } evidence { quote sentence source { id } } } } } }";

/// Checks a complete answer to [`SLOW_QUERY`]; the problem, if any.
fn check_slow_answer(body: &[u8]) -> Result<(), String> {
    let body: Value = serde_json::from_slice(body)
        .map_err(|e| format!("not complete JSON ({e}), {} bytes", body.len()))?;
    if body.get("errors").is_some() {
        return Err(format!("errors: {:#}", body["errors"]));
    }
    let data = &body["data"];
    if data["neighborhood"]["nodes"][0]["id"] != "state/estonia" || data["paths"]["found"] != true {
        return Err(format!("unexpected data: {data}"));
    }
    Ok(())
}

/// What the loops of the SIGTERM test saw.
#[derive(Default)]
struct ShutdownTally {
    /// Complete, valid 200 answers.
    answered: u64,
    /// Of those, sent before SIGTERM and answered after it: requests in flight at the signal.
    answered_across_signal: u64,
    /// Connection refused after SIGTERM: the server no longer accepts. Expected.
    refused_after_signal: u64,
    /// Sent on a kept-alive connection the server closed at the signal, before any answer:
    /// the inherent race of HTTP/1.1 keep-alive (the connection was idle, or its last answer
    /// went out without `Connection: close`; the request crossed the close on the wire and
    /// the server never started it). The server's request log proves it never answered them.
    closed_before_answer: u64,
    /// Anything else: a bad status, a cut-short or invalid body, a failure before SIGTERM.
    failures: Vec<String>,
}

/// One loop of the SIGTERM test: the slow query until the server stops accepting.
async fn shutdown_loop(
    client: reqwest::Client,
    url: String,
    signalled: Arc<AtomicBool>,
) -> ShutdownTally {
    let mut tally = ShutdownTally::default();
    // A backstop: the loop ends at the first refused connection after the signal.
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let before_signal = !signalled.load(Ordering::SeqCst);
        let sent = client
            .post(&url)
            .json(&json!({ "query": SLOW_QUERY }))
            .send()
            .await;
        let resp = match sent {
            Ok(resp) => resp,
            Err(e) if !signalled.load(Ordering::SeqCst) => {
                tally.failures.push(format!("before SIGTERM: {e}"));
                return tally;
            }
            Err(e) if e.is_connect() => {
                tally.refused_after_signal += 1;
                return tally;
            }
            Err(e) if e.is_timeout() => {
                tally.failures.push(format!("timed out: {e}"));
                return tally;
            }
            Err(_) => {
                tally.closed_before_answer += 1;
                continue;
            }
        };
        let status = resp.status();
        // Once the head is here the request was in the server's hands: the body must be
        // complete.
        let outcome = match resp.bytes().await {
            Ok(body) if status == reqwest::StatusCode::OK => check_slow_answer(&body),
            Ok(body) => Err(format!(
                "status {status}: {}",
                String::from_utf8_lossy(&body)
            )),
            Err(e) => Err(format!("status {status}, body cut short: {e}")),
        };
        match outcome {
            Ok(()) => {
                tally.answered += 1;
                if before_signal && signalled.load(Ordering::SeqCst) {
                    tally.answered_across_signal += 1;
                }
            }
            Err(e) => tally.failures.push(e),
        }
    }
    tally
        .failures
        .push("still answering 60 s after SIGTERM".to_string());
    tally
}

/// Writes a POST of [`SLOW_QUERY`] whose body stops halfway: the server has the request
/// and is waiting for the rest of it, so the request is in flight for sure.
async fn start_half_sent_request(addr: SocketAddr) -> (tokio::net::TcpStream, Vec<u8>) {
    let body = serde_json::to_vec(&json!({ "query": SLOW_QUERY })).unwrap();
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect to the server");
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Accept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let half = body.len() / 2;
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..half]).await.unwrap();
    stream.flush().await.unwrap();
    (stream, body[half..].to_vec())
}

/// Sends the rest of the body and reads the whole answer (the server closes after it);
/// the status line, the headers and the body, checked for completeness.
async fn finish_half_sent_request(
    mut stream: tokio::net::TcpStream,
    rest: Vec<u8>,
) -> Result<(), String> {
    stream
        .write_all(&rest)
        .await
        .map_err(|e| format!("the server stopped reading the request: {e}"))?;
    let mut answer = vec![];
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer))
        .await
        .map_err(|_| "no complete answer within 30 s".to_string())?
        .map_err(|e| format!("reading the answer: {e}"))?;
    let text = String::from_utf8_lossy(&answer);
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no complete response head: {text:?}"))?;
    let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
    let body = &answer[split + 4..];
    if !head.starts_with("http/1.1 200") {
        return Err(format!("not a 200: {text}"));
    }
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("no content-length in {head:?}"))?;
    if body.len() != length {
        return Err(format!(
            "body of {} bytes, content-length {length}",
            body.len()
        ));
    }
    check_slow_answer(body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_lets_requests_in_flight_finish_and_exits_cleanly() {
    const TASKS: usize = 8;
    let mut server = start_server(REQUEST_LOG);
    let client = client();
    let signalled = Arc::new(AtomicBool::new(false));
    let loops: Vec<_> = (0..TASKS)
        .map(|_| {
            tokio::spawn(shutdown_loop(
                client.clone(),
                server.url("/graphql"),
                signalled.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;

    // One request certainly in flight across the signal: its body is only half sent.
    let (stream, rest) = start_half_sent_request(server.addr()).await;
    // Time for the server to read the head and start the handler, which awaits the body.
    tokio::time::sleep(Duration::from_millis(500)).await;

    signalled.store(true, Ordering::SeqCst);
    server.sigterm();
    let signalled_at = Instant::now();
    // The server must keep this request's connection open while the rest is on its way.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let half_sent = finish_half_sent_request(stream, rest).await;

    let status = server
        .wait_exit(Duration::from_secs(10).saturating_sub(signalled_at.elapsed()))
        .await;
    let mut total = ShutdownTally::default();
    for l in loops {
        let t = l.await.expect("a request loop panicked");
        total.answered += t.answered;
        total.answered_across_signal += t.answered_across_signal;
        total.refused_after_signal += t.refused_after_signal;
        total.closed_before_answer += t.closed_before_answer;
        total.failures.extend(t.failures);
    }
    let Some(status) = status else {
        panic!(
            "the server did not exit within 10 s of SIGTERM; stderr:\n{}",
            server.log_text()
        );
    };
    let log = server.final_log();
    println!(
        "sigterm: {} complete answers ({} of them across the signal), then {} connections \
         refused and {} requests crossing an idle close; exit {status}",
        total.answered,
        total.answered_across_signal,
        total.refused_after_signal,
        total.closed_before_answer,
    );

    assert_eq!(
        half_sent,
        Ok(()),
        "the request in flight at SIGTERM was not answered in full; stderr:\n{log}"
    );
    assert!(
        total.failures.is_empty(),
        "{} bad answers, first ones:\n{}\nstderr:\n{log}",
        total.failures.len(),
        total.failures[..total.failures.len().min(8)].join("\n")
    );
    assert!(total.answered > 0, "the loops got answers before SIGTERM");
    // No answer was lost on the way: every request the server answered (one log line each)
    // is one the client received whole, the half-sent request included. So the requests
    // cut off by the close were never started, rather than dropped while in flight.
    let served = log
        .lines()
        .filter(|l| l.contains("path=\"/graphql\"") && l.contains(" response status="))
        .count() as u64;
    assert_eq!(
        served,
        total.answered + 1,
        "answers the server logged vs. complete ones the clients got (+1 half-sent); stderr:\n{log}"
    );
    assert!(
        total.refused_after_signal > 0,
        "after SIGTERM new connections are refused"
    );
    assert!(
        status.success(),
        "exit {status} after SIGTERM; stderr:\n{log}"
    );
    assert!(
        log.contains("shutting down"),
        "no \"shutting down\" line:\n{log}"
    );
    assert!(log.contains("stopped"), "no \"stopped\" line:\n{log}");
}

/// A line per request only with `--access-log`; without it, a plain answer logs nothing.
#[tokio::test]
async fn requests_are_logged_one_line_each_only_with_the_access_log() {
    for access_log in [false, true] {
        let mut cmd = newsgraph_command();
        cmd.env("RUST_LOG", REQUEST_LOG);
        if access_log {
            cmd.arg("--access-log");
        }
        let mut server = Binary::start(cmd);
        let client = client();
        for _ in 0..3 {
            let resp = client
                .post(server.url("/graphql"))
                .json(&serde_json::json!({ "query": "{ __typename }" }))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            resp.text().await.unwrap();
        }
        // A response's line is written as its head goes out: give the last one a moment.
        let expected = if access_log { 3 } else { 0 };
        let count = |log: &str| {
            log.lines()
                .filter(|l| l.contains("path=\"/graphql\"") && l.contains(" response status="))
                .count()
        };
        let mut log = server.log_text();
        for _ in 0..40 {
            if count(&log) >= 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            log = server.log_text();
        }
        server.kill();
        assert_eq!(count(&log), expected, "{log}");
    }
}
