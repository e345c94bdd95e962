//! The `newsgraph` executable, run as a child process: serving, `--check`, `--print-schema`,
//! and seed directories given by `--seed` or `NEWSGRAPH_SEED`, good and broken.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use crate::helpers::{Binary, newsgraph_command, run_to_exit, strip_ansi};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    strip_ansi(&String::from_utf8_lossy(&o.stderr))
}

/// A `newsgraph` server process (see [`Binary`]) and a way to talk to it.
struct Server(Binary);

/// Starts the server and waits for its "listening" log line (see [`Binary::start`]).
fn start_server(cmd: Command) -> Server {
    Server(Binary::start(cmd))
}

impl Server {
    async fn get(&self, path: &str) -> reqwest::Response {
        reqwest::get(self.0.url(path))
            .await
            .expect("GET the server")
    }

    async fn query(&self, q: &str, vars: Value) -> Value {
        let resp = reqwest::Client::new()
            .post(self.0.url("/graphql"))
            .json(&json!({ "query": q, "variables": vars }))
            .send()
            .await
            .expect("POST /graphql");
        let body: Value = resp.json().await.unwrap();
        assert!(body.get("errors").is_none(), "{body:#}");
        body["data"].clone()
    }
}

/// A copy of the repository's seed in a fresh temporary directory, removed when dropped.
struct TempSeed {
    dir: PathBuf,
}

impl TempSeed {
    fn copy(label: &str) -> TempSeed {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "newsgraph-api-test-{}-{}-{label}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("seed"), &dir);
        TempSeed { dir }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Replaces the first occurrence of `from` in a seed file; returns the record number
    /// (1-based) of the `[[table]]` it was in, as the loader counts them.
    fn replace(&self, name: &str, table: &str, from: &str, to: &str) -> usize {
        let path = self.file(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let at = text
            .find(from)
            .unwrap_or_else(|| panic!("{from:?} is not in {name}; has the seed changed?"));
        let record = text[..at].matches(&format!("[[{table}]]")).count();
        assert!(record > 0, "{from:?} is not inside a [[{table}]]");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        record
    }

    /// `--check` on this seed given with `--seed`.
    fn check(&self) -> Output {
        let mut cmd = newsgraph_command();
        cmd.arg("--seed").arg(&self.dir).arg("--check");
        run_to_exit(cmd)
    }
}

impl Drop for TempSeed {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Checks that `--check` failed and that stderr names the file, the record and each of
/// `problem`'s parts.
fn assert_rejected(out: &Output, seed: &TempSeed, file: &str, record: &str, problem: &[&str]) {
    let err = stderr(out);
    assert!(
        !out.status.success(),
        "the broken seed was accepted; stderr:\n{err}"
    );
    assert!(!stdout(out).contains("ok"), "no ok for a broken seed");
    let path = seed.file(file).display().to_string();
    assert!(err.contains(&path), "stderr should name {path}:\n{err}");
    assert!(
        err.contains(record),
        "stderr should name {record:?}:\n{err}"
    );
    for p in problem {
        assert!(err.contains(p), "stderr should say {p:?}:\n{err}");
    }
}

/// `"(node count, relation count)"` of the built-in seed, as `--check` reports them.
fn built_in_counts() -> String {
    let g = newsgraph::seed::load(&newsgraph::seed::SeedSource::BuiltIn).unwrap();
    format!("{} nodes, {} relations", g.node_count(), g.relation_count())
}

#[tokio::test]
async fn the_server_logs_where_it_listens_and_answers_there() {
    let server = start_server(newsgraph_command());
    assert!(server.0.addr().ip().is_loopback());
    assert_ne!(server.0.addr().port(), 0, "the logged port is the real one");
    let health = server.get("/healthz").await;
    assert_eq!(health.status().as_u16(), 200);
    assert_eq!(health.text().await.unwrap(), "ok");
    // It serves the built-in seed.
    let data = server
        .query("{ entity(id: \"state/estonia\") { name } }", json!({}))
        .await;
    assert_eq!(data["entity"]["name"], "Estonia");
}

#[test]
fn check_accepts_the_built_in_seed_and_prints_ok() {
    let mut cmd = newsgraph_command();
    cmd.arg("--check");
    let out = run_to_exit(cmd);
    assert!(out.status.success(), "stderr:\n{}", stderr(&out));
    let printed = stdout(&out);
    assert!(printed.contains("built-in seed: ok"), "{printed}");
    assert!(printed.contains(&built_in_counts()), "{printed}");
}

#[test]
fn check_accepts_a_copy_of_the_seed_given_with_seed() {
    let seed = TempSeed::copy("good");
    let out = seed.check();
    assert!(out.status.success(), "stderr:\n{}", stderr(&out));
    let printed = stdout(&out);
    assert!(
        printed.contains(&format!("{}: ok", seed.dir.display())),
        "{printed}"
    );
    assert!(
        printed.contains(&built_in_counts()),
        "the copy has the same graph: {printed}"
    );
}

#[test]
fn print_schema_prints_the_served_sdl() {
    let mut cmd = newsgraph_command();
    cmd.arg("--print-schema");
    let out = run_to_exit(cmd);
    assert!(out.status.success());
    let sdl = stdout(&out);
    assert!(sdl.contains("interface Entity"), "{sdl}");
    assert!(sdl.contains("interface Node"));
    assert_eq!(sdl, newsgraph::api::sdl());
}

#[test]
fn a_quote_that_is_not_in_the_article_is_rejected() {
    let seed = TempSeed::copy("quote");
    let n = seed.replace(
        "relations.toml",
        "relation",
        "quote = \"Estonian President Alar Karis\"",
        "quote = \"Estonian President Alar Kariss\"",
    );
    assert_rejected(
        &seed.check(),
        &seed,
        "relations.toml",
        &format!("relation #{n} (`person/alar-karis:HOLDS_OFFICE:state/estonia`)"),
        &[
            "\"Estonian President Alar Kariss\"",
            "does not occur in the text",
        ],
    );
}

#[test]
fn an_event_with_an_unknown_actor_is_rejected() {
    let seed = TempSeed::copy("actor");
    let n = seed.replace(
        "events.toml",
        "event",
        "{ id = \"org/seimas\"",
        "{ id = \"org/seimass\"",
    );
    assert_rejected(
        &seed.check(),
        &seed,
        "events.toml",
        &format!("event #{n} (`event/2025-05-08-seimas-denounces-ottawa`)"),
        &["`org/seimass` does not exist"],
    );
}

#[test]
fn a_duplicate_entity_id_is_rejected() {
    let seed = TempSeed::copy("duplicate");
    let n = seed.replace(
        "entities.toml",
        "entity",
        "id = \"state/norway\"",
        "id = \"state/lithuania\"",
    );
    assert_rejected(
        &seed.check(),
        &seed,
        "entities.toml",
        &format!("entity #{n} (`state/lithuania`)"),
        &["`state/lithuania` is already used"],
    );
}

#[test]
fn an_impossible_date_is_rejected() {
    let seed = TempSeed::copy("date");
    let n = seed.replace(
        "events.toml",
        "event",
        "date = \"2025-06-13\"",
        "date = \"2025-02-30\"",
    );
    assert_rejected(
        &seed.check(),
        &seed,
        "events.toml",
        &format!("event #{n} (`event/2025-06-13-karis-approves-withdrawal`)"),
        &["invalid date `2025-02-30`"],
    );
}

#[test]
fn a_relation_to_a_missing_node_is_rejected() {
    let seed = TempSeed::copy("edge");
    let n = seed.replace(
        "relations.toml",
        "relation",
        "to = \"state/ukraine\"",
        "to = \"state/atlantis\"",
    );
    assert_rejected(
        &seed.check(),
        &seed,
        "relations.toml",
        &format!("relation #{n} (`state/russia:AGGRESSION_AGAINST:state/atlantis`)"),
        &["`state/atlantis` does not exist"],
    );
}

#[test]
fn a_validity_bound_naming_a_missing_event_is_rejected() {
    let seed = TempSeed::copy("bound");
    let n = seed.replace(
        "relations.toml",
        "relation",
        "valid_until_event = \"event/estonia-withdrawal-takes-effect\"",
        "valid_until_event = \"event/estonia-withdrawal\"",
    );
    assert_rejected(
        &seed.check(),
        &seed,
        "relations.toml",
        &format!("relation #{n} (`state/estonia:PARTY_TO:treaty/ottawa-convention`)"),
        &["`event/estonia-withdrawal` does not exist"],
    );
}

#[test]
fn a_notice_period_of_something_that_is_not_a_treaty_is_rejected() {
    let seed = TempSeed::copy("rule");
    let n = seed.replace(
        "events.toml",
        "event",
        "notice_period_of = \"treaty/ottawa-convention\"",
        "notice_period_of = \"state/norway\"",
    );
    assert_rejected(
        &seed.check(),
        &seed,
        "events.toml",
        &format!("event #{n} (`event/estonia-withdrawal-takes-effect`)"),
        &["cannot be computed", "`state/norway` is not a treaty"],
    );
}

#[test]
fn an_unknown_field_is_rejected_by_name_and_line() {
    let seed = TempSeed::copy("field");
    let original = std::fs::read_to_string(seed.file("relations.toml")).unwrap();
    seed.replace(
        "relations.toml",
        "relation",
        "role = \"President\"\n",
        "role = \"President\"\ncolour = \"blue\"\n",
    );
    let edited = std::fs::read_to_string(seed.file("relations.toml")).unwrap();
    assert_ne!(original, edited);
    let line = edited
        .lines()
        .position(|l| l.starts_with("colour"))
        .unwrap()
        + 1;
    assert_rejected(
        &seed.check(),
        &seed,
        "relations.toml",
        &format!("line {line}"),
        &["unknown field `colour`"],
    );
}

#[test]
fn a_directory_without_sources_toml_is_rejected() {
    let seed = TempSeed::copy("empty");
    std::fs::remove_file(seed.file("sources.toml")).unwrap();
    let out = seed.check();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&seed.file("sources.toml").display().to_string()),
        "{err}"
    );
    assert!(err.contains("missing"), "{err}");
}

#[test]
fn the_server_does_not_start_on_a_broken_seed() {
    let seed = TempSeed::copy("nostart");
    seed.replace(
        "events.toml",
        "event",
        "date = \"2025-05-08\"",
        "date = \"2025-05-32\"",
    );
    let mut cmd = newsgraph_command();
    cmd.arg("--seed")
        .arg(&seed.dir)
        .arg("--addr")
        .arg("127.0.0.1:0");
    let out = run_to_exit(cmd);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(!err.contains("listening"), "{err}");
    assert!(err.contains("invalid date `2025-05-32`"), "{err}");
}

#[tokio::test]
async fn newsgraph_seed_in_the_environment_serves_other_data() {
    let seed = TempSeed::copy("env");
    seed.replace(
        "entities.toml",
        "entity",
        "name = \"Norway\"",
        "name = \"Norge\"",
    );
    let mut cmd = newsgraph_command();
    cmd.env("NEWSGRAPH_SEED", &seed.dir);
    let server = start_server(cmd);
    let data = server
        .query(
            "{ entity(id: \"state/norway\") { name }
               search(query: \"norge\", first: 1) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["entity"]["name"], "Norge");
    assert_eq!(data["search"]["nodes"][0]["id"], "state/norway");
}

#[test]
fn newsgraph_seed_in_the_environment_is_what_check_checks() {
    let seed = TempSeed::copy("envcheck");
    let mut cmd = newsgraph_command();
    cmd.env("NEWSGRAPH_SEED", &seed.dir).arg("--check");
    let out = run_to_exit(cmd);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&format!("{}: ok", seed.dir.display())));

    seed.replace(
        "entities.toml",
        "entity",
        "id = \"person/alar-karis\"",
        "id = \"person/Alar-Karis\"",
    );
    let mut cmd = newsgraph_command();
    cmd.env("NEWSGRAPH_SEED", &seed.dir).arg("--check");
    let out = run_to_exit(cmd);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&seed.file("entities.toml").display().to_string()),
        "{err}"
    );
    assert!(err.contains("invalid id `person/Alar-Karis`"), "{err}");
}

#[test]
fn the_seed_flag_wins_over_the_environment() {
    let broken = TempSeed::copy("broken");
    broken.replace(
        "events.toml",
        "event",
        "date = \"2025-06-13\"",
        "date = \"2025-02-30\"",
    );
    let good = TempSeed::copy("flag");
    let mut cmd = newsgraph_command();
    cmd.env("NEWSGRAPH_SEED", &broken.dir)
        .arg("--seed")
        .arg(&good.dir)
        .arg("--check");
    let out = run_to_exit(cmd);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&format!("{}: ok", good.dir.display())));
}

// ---------------------------------------------------------------------------------------------
// Subcommands: validate, schema, completions, export, import, serve.

fn run(args: &[&std::ffi::OsStr]) -> Output {
    let mut cmd = newsgraph_command();
    cmd.args(args);
    run_to_exit(cmd)
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

#[test]
fn validate_accepts_the_seed_and_exits_0() {
    let seed = TempSeed::copy("validate-ok");
    let out = run(&[os("validate"), seed.dir.as_os_str()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("valid, {}", built_in_counts())),
        "{}",
        stdout(&out)
    );
}

#[test]
fn validate_reports_every_problem_at_once_and_exits_1() {
    let seed = TempSeed::copy("validate-all");
    let first = seed.replace(
        "entities.toml",
        "entity",
        "kind = \"state\"",
        "kind = \"planet\"",
    );
    seed.replace(
        "relations.toml",
        "relation",
        "from = \"state/estonia\"",
        "from = \"state/atlantis\"",
    );
    let out = run(&[os("validate"), seed.dir.as_os_str()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    let entities = seed.file("entities.toml").display().to_string();
    let relations = seed.file("relations.toml").display().to_string();
    assert!(
        err.contains(&entities) && err.contains(&format!("entity #{first}")),
        "{err}"
    );
    assert!(err.contains("planet"), "{err}");
    assert!(
        err.contains(&relations) && err.contains("state/atlantis"),
        "{err}"
    );
    assert!(err.contains("problems"), "a count closes the report: {err}");
    // A file that does not parse is reported with the others that do not.
    std::fs::write(seed.file("events.toml"), "[[event]\n").unwrap();
    std::fs::write(seed.file("relations.toml"), "not toml at all = = \n").unwrap();
    let out = run(&[os("validate"), seed.dir.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("events.toml") && err.contains("relations.toml"),
        "{err}"
    );
}

#[test]
fn schema_prints_the_sdl_and_completions_know_the_commands() {
    let out = run(&[os("schema")]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), newsgraph::api::sdl());
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&[os("completions"), os(shell)]);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        for word in ["export", "import", "validate", "--format"] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    let out = run(&[os("completions"), os("tcsh-or-so")]);
    assert_eq!(out.status.code(), Some(2), "clap refuses an unknown shell");
}

#[test]
fn every_command_and_flag_has_a_help_text() {
    let mut cmd = newsgraph::config::command();
    cmd.build();
    let mut missing = vec![];
    for sub in cmd.get_subcommands() {
        if sub.get_about().is_none() {
            missing.push(sub.get_name().to_string());
        }
        for arg in sub.get_arguments() {
            if arg.get_help().is_none() && !["help", "version"].contains(&arg.get_id().as_str()) {
                missing.push(format!("{} {}", sub.get_name(), arg.get_id()));
            }
        }
    }
    for arg in cmd.get_arguments() {
        if arg.get_help().is_none() && !arg.is_hide_set() {
            missing.push(arg.get_id().to_string());
        }
    }
    assert!(missing.is_empty(), "no help text: {missing:?}");
}

/// Exports the default data as `format` into `out` (a file or a directory).
fn export_to(format: &str, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        os("export"),
        os("--format"),
        os(format),
        os("--out"),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(|a| os(a)));
    run(&args)
}

#[tokio::test]
async fn an_export_imported_into_a_fresh_data_directory_serves_the_same_graph() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("csv");
    let out = export_to("csv", &csv, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(csv.join("nodes.csv").exists() && csv.join("relationships.csv").exists());
    let ttl = tmp.path().join("graph.ttl");
    assert!(export_to("turtle", &ttl, &[]).status.success());

    for (label, format, files) in [
        ("csv", "csv", vec![csv.as_os_str()]),
        ("turtle", "turtle", vec![ttl.as_os_str()]),
    ] {
        let data = tmp.path().join(format!("data-{label}"));
        let mut args = vec![os("import"), os("--format"), os(format), os("--replace")];
        args.extend(files);
        args.extend([os("--data-dir"), data.as_os_str()]);
        let out = run(&args);
        assert!(out.status.success(), "{label}: {}", stderr(&out));
        assert!(stdout(&out).contains("imported"), "{}", stdout(&out));
        let mut check = newsgraph_command();
        check.arg("--data-dir").arg(&data).arg("--check");
        let out = run_to_exit(check);
        assert!(out.status.success(), "{label}: {}", stderr(&out));
        assert!(
            stdout(&out).contains(&built_in_counts()),
            "{label}: {}",
            stdout(&out)
        );

        let mut serve = newsgraph_command();
        serve.args(["serve", "--data-dir"]).arg(&data);
        let server = start_server(serve);
        let q = "query { entity(id: \"state/estonia\") { name sameAs relations(first: 50) { edges { type entity { id } evidence { quote } } } } }";
        let imported = server.query(q, json!({})).await;
        let app = crate::helpers::spawn_app().await;
        let original = app.data_vars(q, json!({})).await;
        assert_eq!(
            imported, original,
            "{label}: the imported graph answers as the original"
        );
    }
}

#[test]
fn an_import_with_problems_reports_them_by_file_line_and_column_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("csv");
    assert!(export_to("csv", &csv, &[]).status.success());
    let nodes = csv.join("nodes.csv");
    let text = std::fs::read_to_string(&nodes).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    // A row that names a relation end nobody has, and a row of the wrong width.
    let rels = csv.join("relationships.csv");
    let rel_text = std::fs::read_to_string(&rels).unwrap();
    let broken = rel_text.replacen("state/estonia", "state/atlantis", 1);
    std::fs::write(&rels, &broken).unwrap();
    let data = tmp.path().join("data");
    let import = |replace: bool| {
        let mut args = vec![os("import"), os("--format"), os("csv"), csv.as_os_str()];
        if replace {
            args.push(os("--replace"));
        }
        args.extend([os("--data-dir"), data.as_os_str()]);
        run(&args)
    };
    let out = import(true);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("relationships.csv:") && err.contains("state/atlantis"),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(!data.join("snapshot.json").exists(), "nothing written");

    // Added to the default data, which holds the same records already: each import line
    // that repeats an id is named.
    std::fs::write(&rels, &rel_text).unwrap();
    let out = import(false);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("nodes.csv:") && err.contains("already used"),
        "{err}"
    );
    assert!(!data.join("snapshot.json").exists(), "nothing written");

    lines[1].push_str(",one-too-many");
    std::fs::write(&nodes, lines.join("\n") + "\n").unwrap();
    let out = import(true);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("nodes.csv:2"), "the line is named: {err}");
    assert!(!data.join("snapshot.json").exists(), "nothing written");
}

#[test]
fn a_neighbourhood_export_is_a_part_that_loads_on_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    let part = tmp.path().join("part");
    let out = export_to(
        "seed",
        &part,
        &["--around", "person/alar-karis", "--depth", "1"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&[os("validate"), part.as_os_str()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let entities = std::fs::read_to_string(part.join("entities.toml")).unwrap();
    assert!(entities.contains("person/alar-karis"));
    assert!(
        !entities.contains("state/norway"),
        "not in Karis's neighbourhood"
    );
    let out = export_to(
        "dot",
        &tmp.path().join("x.dot"),
        &["--around", "state/atlantis"],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("state/atlantis"), "{}", stderr(&out));
}
