//! Runs the JavaScript client suite in `tests/js/` (graphql-ws subscriptions, fetch writes,
//! GraphiQL and the explorer in headless Chromium, their accessibility audit) and the
//! `graphql-http` compliance audit against the binary:
//! Debian's `chromium` is installed first when missing, `npm ci` when `node_modules` is
//! missing or stale, then `node --test` on the suite's files.

use std::path::Path;
use std::process::{Command, Output, Stdio};

pub(crate) fn describe(what: &str, out: &Output) -> String {
    format!(
        "{what} failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `program` with `args` in `dir`, failing clearly when it is not installed.
fn run(program: &str, args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(dir).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    match cmd.output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "`{program}` is not installed or not on PATH: the JavaScript client tests in \
             tests/js need Node.js 20+ with npm"
        ),
        Err(e) => panic!("cannot run `{program} {}`: {e}", args.join(" ")),
    }
}

/// The browser `tests/js/browser.test.mjs` drives (through `playwright-core`, which never
/// downloads one of its own).
const CHROMIUM: &str = "/usr/bin/chromium";

/// Installs Debian's `chromium` package when [`CHROMIUM`] is missing, printing what apt does.
fn ensure_chromium(dir: &Path) {
    if Path::new(CHROMIUM).exists() {
        return;
    }
    let needs = "the browser test (tests/js/browser.test.mjs) needs Debian's `chromium` package \
                 at /usr/bin/chromium: install it with \
                 `apt-get update && apt-get install -y --no-install-recommends chromium` (as root)";
    let noninteractive = [("DEBIAN_FRONTEND", "noninteractive")];
    for args in [
        &["update"][..],
        &["install", "-y", "--no-install-recommends", "chromium"][..],
    ] {
        println!(
            "{CHROMIUM} is missing: running `apt-get {}`",
            args.join(" ")
        );
        let out = match Command::new("apt-get")
            .args(args)
            .envs(noninteractive)
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
        {
            Ok(out) => out,
            Err(e) => panic!("cannot run `apt-get {}` ({e}); {needs}", args.join(" ")),
        };
        print!("{}", String::from_utf8_lossy(&out.stdout));
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        assert!(
            out.status.success(),
            "{needs}\n{}",
            describe(&format!("apt-get {}", args.join(" ")), &out)
        );
    }
    assert!(
        Path::new(CHROMIUM).exists(),
        "`apt-get install chromium` succeeded but {CHROMIUM} is still missing; {needs}"
    );
}

#[test]
fn the_javascript_client_suite_passes_against_the_binary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let js = root.join("tests/js");
    ensure_chromium(root);
    // Install when node_modules is missing or older than the lock file (a dependency was added).
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let installed = modified(&js.join("node_modules/.package-lock.json"));
    let locked = modified(&js.join("package-lock.json"));
    if installed.is_none() || installed < locked {
        let out = run("npm", &["ci", "--no-audit", "--no-fund"], &js, &[]);
        assert!(
            out.status.success(),
            "{}",
            describe("npm ci in tests/js", &out)
        );
    }
    // The test files by name: since Node 21 the arguments of `--test` are glob patterns, and
    // naming the files works the same on every version.
    let mut files: Vec<String> = std::fs::read_dir(&js)
        .expect("read tests/js")
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".test.mjs"))
        .map(|name| format!("tests/js/{name}"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *.test.mjs files in tests/js");
    let mut args = vec!["--test"];
    args.extend(files.iter().map(String::as_str));
    // The browser suites save their screenshots here, under target/, one set per run.
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    let shots = shots.to_str().expect("a UTF-8 target directory");
    let out = run(
        "node",
        &args,
        root,
        &[
            ("NEWSGRAPH_BIN", env!("CARGO_BIN_EXE_newsgraph")),
            ("NEWSGRAPH_SCREENSHOTS", shots),
            ("NO_COLOR", "1"),
        ],
    );
    println!("screenshots: {shots}");
    assert!(
        out.status.success(),
        "{}",
        describe(&format!("node {}", args.join(" ")), &out)
    );
}
