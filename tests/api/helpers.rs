//! A real server on a random port, and small helpers to talk GraphQL to it; the real
//! `newsgraph` binary as a child process ([`newsgraph_command`], [`run_to_exit`], [`Binary`]).

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The id of the one source of the built-in seed (`seed/sources.toml`).
pub const SOURCE_ID: &str = "source/chaspravdy-2025-06-28-ottawa-withdrawal";

/// A server running in this test's runtime, and a client for it.
pub struct TestApp {
    pub addr: SocketAddr,
    /// Does not follow redirects, so tests see them.
    pub client: reqwest::Client,
}

/// Loads the built-in seed and serves it on `127.0.0.1` at a port the OS picks.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(None, None).await
}

/// The write token the writable test servers use.
#[allow(dead_code)] // used by the write tests
pub const TOKEN: &str = "test-write-token-0123456789";

/// A server that accepts writes with [`TOKEN`], journaling them in `data_dir` if given.
#[allow(dead_code)] // used by the write tests
pub async fn spawn_writable_app(data_dir: Option<&std::path::Path>) -> TestApp {
    spawn_app_with(data_dir, Some(TOKEN.to_string())).await
}

pub async fn spawn_app_with(data_dir: Option<&std::path::Path>, token: Option<String>) -> TestApp {
    spawn(data_dir, token, newsgraph::http::HttpConfig::default()).await
}

/// The built-in seed in memory, read-only, served with `config`.
pub async fn spawn_with(config: newsgraph::http::HttpConfig) -> TestApp {
    spawn(None, None, config).await
}

async fn spawn(
    data_dir: Option<&std::path::Path>,
    token: Option<String>,
    config: newsgraph::http::HttpConfig,
) -> TestApp {
    let store = newsgraph::store::Store::open(&newsgraph::seed::SeedSource::BuiltIn, data_dir)
        .expect("the built-in seed loads");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a random port");
    let addr = listener.local_addr().unwrap();
    tokio::spawn(newsgraph::http::serve(
        listener,
        newsgraph::http::AppState::new(
            std::sync::Arc::new(store),
            token,
            config,
            newsgraph::http::Metrics::new(),
        ),
    ));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp { addr, client }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("GET request")
    }

    /// POSTs a GraphQL request body to `/graphql`; the whole JSON response.
    pub async fn post_graphql(&self, body: Value) -> Value {
        let resp = self
            .client
            .post(self.url("/graphql"))
            .json(&body)
            .send()
            .await
            .expect("POST /graphql");
        assert!(
            resp.status().is_success(),
            "POST /graphql answered {}",
            resp.status()
        );
        resp.json().await.expect("a JSON response")
    }

    /// The whole response (`data` and `errors`) to a query.
    pub async fn query(&self, q: &str) -> Value {
        self.post_graphql(json!({ "query": q })).await
    }

    /// The whole response to a query with variables.
    pub async fn query_vars(&self, q: &str, vars: Value) -> Value {
        self.post_graphql(json!({ "query": q, "variables": vars }))
            .await
    }

    /// POSTs a request to `/graphql` with `Authorization: Bearer <token>` (no header when
    /// `token` is `None`); the whole JSON response.
    pub async fn mutate_vars(&self, q: &str, vars: Value, token: Option<&str>) -> Value {
        let mut req = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": q, "variables": vars }));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let resp = req.send().await.expect("POST /graphql");
        assert!(
            resp.status().is_success(),
            "POST /graphql answered {}",
            resp.status()
        );
        resp.json().await.expect("a JSON response")
    }

    /// [`mutate_vars`](Self::mutate_vars) without variables.
    pub async fn mutate(&self, q: &str, token: Option<&str>) -> Value {
        self.mutate_vars(q, json!({}), token).await
    }

    /// The `data` of a write with [`TOKEN`] that must succeed without errors.
    pub async fn write(&self, q: &str, vars: Value) -> Value {
        ok_data(self.mutate_vars(q, vars, Some(TOKEN)).await)
    }

    /// The `data` of a query that must succeed without errors.
    pub async fn data(&self, q: &str) -> Value {
        ok_data(self.query(q).await)
    }

    /// The `data` of a query with variables that must succeed without errors.
    pub async fn data_vars(&self, q: &str, vars: Value) -> Value {
        ok_data(self.query_vars(q, vars).await)
    }
}

/// `data`, after checking there are no errors.
/// How many queries the server at `base` (`http://host:port`) has answered from their plan
/// (`graphql_planned_total` in `/metrics`).
pub async fn planned_total(base: &str) -> u64 {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("GET /metrics")
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("graphql_planned_total "))
        .expect("the planned counter")
        .trim()
        .parse()
        .unwrap()
}

pub fn ok_data(resp: Value) -> Value {
    assert!(
        resp.get("errors").is_none(),
        "unexpected errors: {:#}",
        resp["errors"]
    );
    resp["data"].clone()
}

/// The response's only error, after checking its `extensions.code`.
pub fn single_error(resp: &Value, code: &str) -> Value {
    let errors = resp["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("expected an error with code {code}, got {resp:#}"));
    assert_eq!(errors.len(), 1, "expected one error: {resp:#}");
    let err = &errors[0];
    assert_eq!(err["extensions"]["code"], code, "wrong code: {resp:#}");
    assert!(
        err["message"].as_str().is_some_and(|m| !m.is_empty()),
        "an error needs a message: {err:#}"
    );
    err.clone()
}

/// The strings of a JSON array of strings, or of the `field` of each object in it.
pub fn strings(v: &Value, field: Option<&str>) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v:#}"))
        .iter()
        .map(|x| {
            let s = match field {
                Some(f) => &x[f],
                None => x,
            };
            s.as_str()
                .unwrap_or_else(|| panic!("not a string: {s:#}"))
                .to_string()
        })
        .collect()
}

/// The text of a source, fetched through the API.
pub async fn source_text(app: &TestApp, id: &str) -> String {
    let data = app
        .data_vars(
            "query($id: ID!) { entity(id: $id) { ... on Source { text } } }",
            json!({ "id": id }),
        )
        .await;
    data["entity"]["text"]
        .as_str()
        .expect("a source has a text")
        .to_string()
}

/// The `newsgraph` executable Cargo built for these tests.
const BIN: &str = env!("CARGO_BIN_EXE_newsgraph");

/// The binary with a clean, predictable environment: no inherited configuration (seed,
/// address, data directory, write token, log format), `RUST_LOG=info`, plain logs, no
/// backtraces, stdin from `/dev/null`. Callers add their own arguments and variables.
pub fn newsgraph_command() -> Command {
    let mut cmd = Command::new(BIN);
    for var in [
        "NEWSGRAPH_CONFIG",
        "NEWSGRAPH_SEED",
        "NEWSGRAPH_ADDR",
        "NEWSGRAPH_DATA_DIR",
        "NEWSGRAPH_WRITE_TOKEN",
        "NEWSGRAPH_WRITE_TOKEN_FILE",
        "NEWSGRAPH_LOG_FORMAT",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .env("RUST_LIB_BACKTRACE", "0")
        .stdin(Stdio::null());
    cmd
}

/// Runs a command that must exit by itself within 30 s (it is killed, and the test fails,
/// if it does not), collecting its output.
pub fn run_to_exit(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start newsgraph");
    let read_all = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = vec![];
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = read_all(Box::new(child.stdout.take().unwrap()));
    let err = read_all(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for newsgraph") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("newsgraph did not exit: {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// Removes terminal colour codes (`ESC [ ... letter`) that a logger may add.
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The real binary as a server process on a port the OS picked, with its stderr log;
/// killed (SIGKILL) and reaped when dropped, so no test leaves a server behind.
pub struct Binary {
    child: Child,
    addr: SocketAddr,
    /// Every stderr line so far, without colour codes (drained by a thread for the
    /// process's whole life, so logging never blocks it).
    log: Arc<Mutex<Vec<String>>>,
    /// The draining thread; it ends when the process has exited and its stderr is read.
    drain: Option<std::thread::JoinHandle<()>>,
}

impl Binary {
    /// Starts `cmd` (usually [`newsgraph_command`] plus the test's own arguments and
    /// variables) with `--addr 127.0.0.1:0`, and waits up to 30 s for its
    /// `listening ... addr=...` log line.
    pub fn start(mut cmd: Command) -> Binary {
        let mut child = cmd
            .args(["--addr", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start newsgraph");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(vec![]));
        let (tx, rx) = mpsc::channel();
        let drain = {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    let line = strip_ansi(&line);
                    log.lock().unwrap().push(line.clone());
                    let _ = tx.send(line);
                }
            })
        };
        // From here on a panic kills and reaps the process.
        let mut binary = Binary {
            child,
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            log,
            drain: Some(drain),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        binary.addr = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match rx.recv_timeout(left) {
                Ok(line) => line,
                Err(e) => panic!(
                    "no \"listening\" line ({e}); stderr:\n{}",
                    binary.log_text()
                ),
            };
            if line.contains("listening")
                && let Some(addr) = line
                    .split_whitespace()
                    .find_map(|w| w.strip_prefix("addr="))
            {
                break addr
                    .parse()
                    .unwrap_or_else(|_| panic!("bad addr in {line:?}"));
            }
        };
        binary
    }

    /// The address the server logged it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A memory figure of the process in kB from `/proc/<pid>/status`: `VmRSS` (resident now)
    /// or `VmHWM` (the peak of resident memory).
    pub fn status_kb(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("read /proc/<pid>/status of the server");
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in:\n{status}"))
    }

    /// Resets the process's `VmHWM` to its current resident memory (`clear_refs` 5), so a
    /// later `VmHWM` is the peak of what happened since.
    pub fn reset_peak_memory(&self) {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5")
            .expect("write 5 to /proc/<pid>/clear_refs of the server");
    }

    /// Every stderr line so far.
    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// SIGKILL, as a crash or the OOM killer would, and reap.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("reap the server");
    }

    /// Sends SIGTERM (a graceful stop); does not wait.
    pub fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("run kill -TERM");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits (polling, without blocking the runtime) up to `limit` for the process to exit;
    /// `None` if it is still running.
    pub async fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for newsgraph") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The whole log once the process has exited (its stderr drained to the end).
    pub fn final_log(&mut self) -> String {
        if let Some(drain) = self.drain.take() {
            drain.join().expect("the stderr drain thread");
        }
        self.log_text()
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
