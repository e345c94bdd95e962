//! Durability of the write path, with the real binary as a child process on a temporary data
//! directory: acknowledged writes survive a graceful stop, a SIGKILL in the middle of a stream
//! of writes, a torn last journal record, compaction and an export round trip; a corrupt
//! record in the middle of the journal stops the server with a message naming it.

use std::path::Path;
use std::process::{Command, ExitStatus};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Binary, SOURCE_ID, newsgraph_command, run_to_exit};

/// The write token the child servers get in `NEWSGRAPH_WRITE_TOKEN`.
const WRITE_TOKEN: &str = "durability-test-token-0123456789";

/// The binary on `data_dir` with the write token (see [`newsgraph_command`]).
fn on_data_dir(data_dir: &Path) -> Command {
    let mut cmd = newsgraph_command();
    cmd.arg("--data-dir")
        .arg(data_dir)
        .env("NEWSGRAPH_WRITE_TOKEN", WRITE_TOKEN);
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A `newsgraph` server process serving a data directory (see [`Binary`]), and a client.
struct Server {
    bin: Binary,
    client: reqwest::Client,
}

impl Server {
    /// Starts the binary on `data_dir` with the write token and waits for it to listen.
    fn start(data_dir: &Path) -> Server {
        Server {
            bin: Binary::start(on_data_dir(data_dir)),
            client: reqwest::Client::new(),
        }
    }

    fn url(&self) -> String {
        self.bin.url("/graphql")
    }

    fn log_text(&self) -> String {
        self.bin.log_text()
    }

    /// The `data` of a request that must succeed; writes carry the token.
    async fn data(&self, q: &str, vars: Value) -> Value {
        let body = post(&self.client, &self.url(), q, vars)
            .await
            .expect("the server answers");
        assert!(body.get("errors").is_none(), "{body:#}");
        body["data"].clone()
    }

    /// The payload of a write that must be applied: `data` holds one mutation's payload, and
    /// it has no user errors (a refused write would be data, not an error).
    async fn write(&self, q: &str, vars: Value) -> Value {
        let data = self.data(q, vars).await;
        let fields = data.as_object().expect("a write answers data");
        assert_eq!(fields.len(), 1, "one mutation, one payload: {data:#}");
        let payload = fields.values().next().unwrap().clone();
        assert_eq!(
            payload["userErrors"],
            json!([]),
            "the write was refused: {payload:#}"
        );
        payload
    }

    /// Which of `ids` exist.
    async fn existing(&self, ids: &[String]) -> Vec<String> {
        let data = self
            .data(
                "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                json!({ "ids": ids }),
            )
            .await;
        data["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|n| n["id"].as_str().map(str::to_string))
            .collect()
    }

    async fn node_count(&self) -> u64 {
        self.data("{ stats { nodeCount } }", json!({})).await["stats"]["nodeCount"]
            .as_u64()
            .unwrap()
    }

    /// SIGKILL, as a crash or the OOM killer would, and reap.
    fn kill(&mut self) {
        self.bin.kill();
    }

    /// SIGTERM and wait (up to 10 s) for a graceful exit; its status and whole log.
    async fn terminate(mut self) -> (ExitStatus, String) {
        self.bin.sigterm();
        let Some(status) = self.bin.wait_exit(Duration::from_secs(10)).await else {
            panic!(
                "the server did not stop on SIGTERM; stderr:\n{}",
                self.log_text()
            );
        };
        // Every line the process wrote is in the log once its stderr is drained to the end.
        (status, self.bin.final_log())
    }

    /// Graceful stop that must succeed.
    async fn stop(self) {
        let (status, log) = self.terminate().await;
        assert!(
            status.success(),
            "exit {status} after SIGTERM; stderr:\n{log}"
        );
        assert!(log.contains("stopped"), "no \"stopped\" line:\n{log}");
    }
}

/// POSTs with the write token; the JSON body, or the transport error (e.g. the server died).
async fn post(
    client: &reqwest::Client,
    url: &str,
    q: &str,
    vars: Value,
) -> Result<Value, reqwest::Error> {
    client
        .post(url)
        .bearer_auth(WRITE_TOKEN)
        .json(&json!({ "query": q, "variables": vars }))
        .send()
        .await?
        .json()
        .await
}

const ADD_STATE: &str = "mutation($id: ID!, $name: String!) {
    createEntity(input: { id: $id, kind: STATE, name: $name }) {
        version entity { id } userErrors { field message code }
    }
}";

/// Adds `state/<slug>` and checks the acknowledgement.
async fn add_state(server: &Server, slug: &str) -> String {
    let id = format!("state/{slug}");
    let payload = server
        .write(ADD_STATE, json!({ "id": id, "name": slug }))
        .await;
    assert_eq!(payload["entity"]["id"], id.as_str());
    id
}

fn journal_lines(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("journal.log"))
        .expect("read journal.log")
        .lines()
        .map(str::to_string)
        .collect()
}

const BASE_NODES: u64 = 25;

#[tokio::test]
async fn a_write_acknowledged_before_a_graceful_restart_is_there_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    assert_eq!(server.node_count().await, BASE_NODES);
    let id = add_state(&server, "durable").await;
    server
        .write(
            "mutation {
                updateEntity(input: { id: \"state/estonia\", description: \"written before the restart\" }) {
                    version userErrors { field message code }
                }
            }",
            json!({}),
        )
        .await;
    server.stop().await;

    let server = Server::start(dir.path());
    assert_eq!(server.existing(std::slice::from_ref(&id)).await, [id]);
    let data = server
        .data(
            "{ entity(id: \"state/estonia\") { description } }",
            json!({}),
        )
        .await;
    assert_eq!(data["entity"]["description"], "written before the restart");
    assert_eq!(server.node_count().await, BASE_NODES + 1);
    // Versions carry on from the journal: two writes before, so this is the third.
    let payload = server
        .write(
            "mutation {
                applyChanges(input: { changes: [
                    { createEntity: { id: \"state/after-restart\", kind: STATE, name: \"After\" } }
                ] }) { version userErrors { field message code } }
            }",
            json!({}),
        )
        .await;
    assert_eq!(payload["version"], 3);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_write_survives_sigkill_in_the_middle_of_a_stream_of_writes() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path());
    let mut acked: Vec<String> = vec![];
    // Every id that some server might have taken but never acknowledged (one per kill).
    let mut in_flight: Vec<String> = vec![];
    let mut next = 0usize;
    for kill_after in [5usize, 17, 40, 3] {
        let (tx, mut rx) = tokio::sync::watch::channel(0usize);
        let client = server.client.clone();
        let url = server.url();
        let first = next;
        // The writer sends createEntity after createEntity until the server stops answering.
        let writer = tokio::spawn(async move {
            let mut round_acked = vec![];
            for n in first.. {
                assert!(n - first < 10_000, "the server was never killed");
                let id = format!("state/crash-{n}");
                let vars = json!({ "id": id, "name": format!("Crash {n}") });
                match post(&client, &url, ADD_STATE, vars).await {
                    Ok(body) => {
                        assert_eq!(
                            body["data"]["createEntity"]["entity"]["id"],
                            id.as_str(),
                            "a write failed before the kill: {body:#}"
                        );
                        round_acked.push(id);
                        tx.send_replace(round_acked.len());
                    }
                    // The server is gone; this write was never acknowledged.
                    Err(_) => return (round_acked, id),
                }
            }
            unreachable!()
        });
        rx.wait_for(|&n| n >= kill_after)
            .await
            .expect("the writer keeps writing until the kill");
        // The writer keeps sending; a delay that differs per round makes the kill land at
        // different points of the write in flight (parsing, rebuilding, fsync, answering).
        tokio::time::sleep(Duration::from_micros(150 * kill_after as u64)).await;
        server.kill();
        let (round_acked, unacked) = writer.await.expect("the writer task");
        assert!(round_acked.len() >= kill_after);
        next = first + round_acked.len() + 1;
        acked.extend(round_acked);
        in_flight.push(unacked);

        server = Server::start(dir.path());
        let mut asked = acked.clone();
        asked.extend(in_flight.iter().cloned());
        let existing = server.existing(&asked).await;
        for id in &acked {
            assert!(
                existing.contains(id),
                "acknowledged {id} is lost after the kill at {kill_after}; log:\n{}",
                server.log_text()
            );
        }
        // Nothing but acknowledged writes and the ones in flight at a kill is there.
        let extra: Vec<_> = existing.iter().filter(|id| !acked.contains(id)).collect();
        assert!(extra.iter().all(|id| in_flight.contains(id)), "{extra:?}");
        assert_eq!(
            server.node_count().await,
            BASE_NODES + existing.len() as u64
        );
    }
    // The journal is still appendable after all the kills, and survives one more restart.
    let last = add_state(&server, "after-the-crashes").await;
    acked.push(last);
    server.stop().await;
    let server = Server::start(dir.path());
    let existing = server.existing(&acked).await;
    assert_eq!(
        existing.len(),
        acked.len(),
        "all acknowledged writes are there"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_torn_last_journal_record_is_dropped_with_a_warning_and_acknowledged_writes_stay() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let mut acked = vec![];
    for slug in ["torn-1", "torn-2", "torn-3"] {
        acked.push(add_state(&server, slug).await);
    }
    server.stop().await;
    let journal = dir.path().join("journal.log");
    let intact = std::fs::read(&journal).unwrap();
    assert_eq!(journal_lines(dir.path()).len(), 3);
    // What a crash in the middle of an append leaves: half a record, no newline.
    let mut torn = intact.clone();
    torn.extend_from_slice(b"999 deadbeef {\"op\":");
    std::fs::write(&journal, &torn).unwrap();

    let server = Server::start(dir.path());
    let log = server.log_text();
    assert!(
        log.contains("WARN") && log.contains("dropped a torn last record"),
        "a warning about the torn record:\n{log}"
    );
    assert!(
        log.contains("journal.log"),
        "the warning names the file:\n{log}"
    );
    assert_eq!(server.existing(&acked).await, acked);
    assert_eq!(server.node_count().await, BASE_NODES + 3);
    assert_eq!(
        std::fs::read(&journal).unwrap(),
        intact,
        "the torn tail is cut off, the intact records kept"
    );
    // New writes append cleanly after the cut.
    acked.push(add_state(&server, "torn-4").await);
    server.stop().await;
    let lines = journal_lines(dir.path());
    assert_eq!(lines.len(), 4);
    assert!(lines[3].starts_with("4 "), "{}", lines[3]);
    let server = Server::start(dir.path());
    assert!(
        !server.log_text().contains("torn"),
        "nothing to drop the second time"
    );
    assert_eq!(server.existing(&acked).await, acked);
    server.stop().await;
}

#[tokio::test]
async fn a_corrupt_record_in_the_middle_of_the_journal_stops_the_server_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    for slug in ["corrupt-1", "corrupt-2", "corrupt-3"] {
        add_state(&server, slug).await;
    }
    server.stop().await;
    let journal = dir.path().join("journal.log");
    let lines = journal_lines(dir.path());
    assert_eq!(lines.len(), 3);
    // Flip characters of the first record's JSON: its checksum no longer matches.
    assert!(lines[0].contains("corrupt-1"), "{}", lines[0]);
    let damaged = std::fs::read_to_string(&journal)
        .unwrap()
        .replacen("corrupt-1", "cXrrupt-1", 1);
    std::fs::write(&journal, &damaged).unwrap();

    let mut cmd = on_data_dir(dir.path());
    cmd.args(["--addr", "127.0.0.1:0"]);
    let out = run_to_exit(cmd);
    let err = text(&out.stderr);
    assert!(
        !out.status.success(),
        "started on a corrupt journal:\n{err}"
    );
    assert!(!err.contains("listening"), "{err}");
    assert!(
        err.contains(&journal.display().to_string()),
        "stderr names the journal file:\n{err}"
    );
    assert!(err.contains("line 1"), "stderr names the line:\n{err}");
    assert!(err.contains("checksum mismatch"), "and the reason:\n{err}");
    assert_eq!(
        std::fs::read_to_string(&journal).unwrap(),
        damaged,
        "the journal is left as it was for a person to look at"
    );
}

/// Writes of every kind the export and the snapshot must carry: a new source with its text,
/// an entity, a relation citing the new source, and a moved notification date.
async fn write_a_bit_of_everything(server: &Server) {
    server
        .write(
            "mutation($text: String!) {
                createSource(input: {
                    id: \"source/durability-note\", title: \"A note\", text: $text,
                    publishedAt: \"2025-07-02T10:00:00Z\", language: \"en\"
                }) { version userErrors { field message code } }
            }",
            json!({ "text": "A short note. Latvia joined the withdrawal. Lithuania's note is dated 1 July 2025. Nothing else." }),
        )
        .await;
    add_state(server, "latvia").await;
    server
        .write(
            "mutation {
                createRelation(input: {
                    type: SUPPORTS, from: \"state/latvia\", to: \"state/estonia\",
                    evidence: [{ source: \"source/durability-note\", quote: \"Latvia joined the withdrawal\" }]
                }) { version userErrors { field message code } }
            }",
            json!({}),
        )
        .await;
    server
        .write(
            "mutation {
                updateEvent(input: { id: \"event/2025-06-27-lithuania-notifies-un\", date: \"2025-07-01\",
                    evidence: [{ source: \"source/durability-note\", quote: \"Lithuania's note is dated 1 July 2025\" }] }) {
                    version userErrors { field message code }
                }
            }",
            json!({}),
        )
        .await;
}

const EVERYTHING: &str = "{
    stats { nodeCount relationCount }
    source: entity(id: \"source/durability-note\") { ... on Source { text } }
    relation(id: \"state/latvia:SUPPORTS:state/estonia\") { evidence { quote } }
    effect: entity(id: \"event/lithuania-withdrawal-takes-effect\") { ... on Event { date } }
}";

#[tokio::test]
async fn compact_folds_the_journal_into_a_snapshot_and_a_restart_keeps_every_write() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    write_a_bit_of_everything(&server).await;
    let before = server.data(EVERYTHING, json!({})).await;
    assert_eq!(before["effect"]["date"], "2026-01-01");
    server.stop().await;
    assert_eq!(journal_lines(dir.path()).len(), 4);

    let mut cmd = newsgraph_command();
    cmd.arg("--data-dir").arg(dir.path()).arg("--compact");
    let out = run_to_exit(cmd);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("compacted: version 4"),
        "{}",
        text(&out.stdout)
    );
    assert!(dir.path().join("snapshot.json").is_file());
    assert!(
        journal_lines(dir.path()).is_empty(),
        "the journal is emptied"
    );

    let server = Server::start(dir.path());
    assert_eq!(server.data(EVERYTHING, json!({})).await, before);
    server.stop().await;
}

#[tokio::test]
async fn writes_after_a_compaction_and_a_restart_continue_the_version_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    for slug in ["before-1", "before-2", "before-3"] {
        add_state(&server, slug).await;
    }
    server.stop().await;
    let mut cmd = newsgraph_command();
    cmd.arg("--data-dir").arg(dir.path()).arg("--compact");
    assert!(run_to_exit(cmd).status.success());

    let server = Server::start(dir.path());
    let resp = post(
        &server.client,
        &server.url(),
        "mutation {
            applyChanges(input: { changes: [
                { createEntity: { id: \"state/after\", kind: STATE, name: \"After\" } }
            ] }) { version userErrors { field message code } }
        }",
        json!({}),
    )
    .await
    .unwrap();
    assert!(resp.get("errors").is_none(), "{resp:#}");
    assert_eq!(
        resp["data"]["applyChanges"]["userErrors"],
        json!([]),
        "{resp:#}"
    );
    assert_eq!(resp["data"]["applyChanges"]["version"], 4);
    assert_eq!(server.node_count().await, BASE_NODES + 4);
    server.stop().await;
    let server = Server::start(dir.path());
    assert_eq!(server.node_count().await, BASE_NODES + 4);
    server.stop().await;
}

#[tokio::test]
async fn an_export_loads_as_a_seed_with_the_same_counts_as_the_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    write_a_bit_of_everything(&server).await;
    let served = server.data(EVERYTHING, json!({})).await;
    let nodes = served["stats"]["nodeCount"].as_u64().unwrap();
    let relations = served["stats"]["relationCount"].as_u64().unwrap();
    assert_eq!(nodes, BASE_NODES + 2);
    // One server per data directory: the export reads it after the server stops.
    server.stop().await;

    let export = tempfile::tempdir().unwrap();
    let mut cmd = newsgraph_command();
    cmd.arg("--data-dir")
        .arg(dir.path())
        .arg("--export")
        .arg(export.path());
    let out = run_to_exit(cmd);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("exported version 4"),
        "{}",
        text(&out.stdout)
    );
    for file in [
        "sources.toml",
        "entities.toml",
        "events.toml",
        "relations.toml",
    ] {
        assert!(export.path().join(file).is_file(), "{file} is missing");
    }

    // The export is a seed: --check loads it, without the data directory, to the same graph.
    let mut cmd = newsgraph_command();
    cmd.arg("--seed").arg(export.path()).arg("--check");
    let out = run_to_exit(cmd);
    let printed = text(&out.stdout);
    assert!(out.status.success(), "{}\n{}", printed, text(&out.stderr));
    assert!(
        printed.contains(&format!("ok, {nodes} nodes, {relations} relations")),
        "{printed}"
    );
    let entities = std::fs::read_to_string(export.path().join("entities.toml")).unwrap();
    assert!(entities.contains("state/latvia"), "{entities}");
    let sources = std::fs::read_to_string(export.path().join("sources.toml")).unwrap();
    assert!(sources.contains(SOURCE_ID) && sources.contains("source/durability-note"));
}

/// A client that lost an answer retries with the same `clientMutationId`: the write is not
/// applied twice and the retry gets the original outcome, also after a restart (the journal
/// keeps the names); the name reused for a different write is refused.
#[tokio::test]
async fn a_retry_with_the_same_client_mutation_id_is_answered_not_applied_again() {
    const ADD: &str = "mutation($id: ID!, $c: String) {
        createEntity(input: { clientMutationId: $c, id: $id, kind: STATE, name: \"Retria\" }) {
            clientMutationId version entity { id name } userErrors { field message code }
        }
    }";
    const DELETE: &str = "mutation($c: String) {
        deleteEntity(input: { clientMutationId: $c, id: \"state/retria\" }) {
            clientMutationId version deletedId userErrors { field message code }
        }
    }";
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let first = server
        .write(ADD, json!({ "id": "state/retria", "c": "op-1" }))
        .await;
    let again = server
        .write(ADD, json!({ "id": "state/retria", "c": "op-1" }))
        .await;
    assert_eq!(first, again);
    assert_eq!(first["entity"]["id"], "state/retria");
    assert_eq!(first["clientMutationId"], "op-1");
    assert_eq!(first["version"], 1);
    assert_eq!(
        journal_lines(dir.path()).len(),
        1,
        "the retry wrote nothing"
    );
    let deleted = server.write(DELETE, json!({ "c": "op-2" })).await;
    assert_eq!(deleted["version"], 2);
    assert_eq!(deleted["deletedId"], "state/retria");
    assert_eq!(server.write(DELETE, json!({ "c": "op-2" })).await, deleted);
    // Without a name the same deletion is a new write, and the entity is gone.
    let unnamed = server.data(DELETE, json!({})).await;
    let unnamed = &unnamed["deleteEntity"];
    assert_eq!(unnamed["userErrors"][0]["code"], "NOT_FOUND", "{unnamed:#}");
    assert_eq!(
        unnamed["userErrors"][0]["field"],
        json!(["id"]),
        "{unnamed:#}"
    );
    assert!(unnamed["version"].is_null(), "{unnamed:#}");
    // The name of the first write, for another one: a user error about the input as a whole.
    let reused = server
        .data(ADD, json!({ "id": "state/other", "c": "op-1" }))
        .await;
    let reused = &reused["createEntity"];
    let errors = reused["userErrors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{reused:#}");
    assert_eq!(errors[0]["code"], "INVALID", "{reused:#}");
    assert!(errors[0]["field"].is_null(), "{reused:#}");
    let message = errors[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("already used"), "{message}");
    assert!(
        reused["version"].is_null() && reused["entity"].is_null(),
        "{reused:#}"
    );
    assert_eq!(
        reused["clientMutationId"], "op-1",
        "the name is echoed all the same"
    );
    assert_eq!(
        server.existing(&["state/other".into()]).await,
        Vec::<String>::new()
    );
    assert_eq!(journal_lines(dir.path()).len(), 2, "refusals write nothing");
    server.stop().await;

    let server = Server::start(dir.path());
    assert_eq!(server.write(DELETE, json!({ "c": "op-2" })).await, deleted);
    assert_eq!(journal_lines(dir.path()).len(), 2);
    server.stop().await;
}
