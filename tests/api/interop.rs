//! The independent tools the export and import tests check newsgraph's files with: Python
//! parsers (rdflib, networkx, pyoxigraph, pinned in `tests/interop/requirements.txt`) in a
//! virtual environment under `target/`, and Debian's `graphviz` for `dot`. Each is installed
//! when missing, once per test run, so the README's one test command works on a fresh machine.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use crate::js::describe;

fn run(cmd: &mut Command, what: &str) -> Output {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(out.status.success(), "{}", describe(what, &out));
    out
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The virtual environment's `python`, with the requirements installed: created when missing,
/// reinstalled when the requirements file is newer than the last install.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("interop-venv");
        let python = venv.join("bin/python");
        let requirements = root().join("tests/interop/requirements.txt");
        let stamp = venv.join("installed");
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        if !python.exists() {
            run(
                Command::new("python3").args(["-m", "venv"]).arg(&venv),
                "`python3 -m venv` (the export tests need Python 3 with venv)",
            );
        }
        if modified(&stamp).is_none() || modified(&stamp) < modified(&requirements) {
            run(
                Command::new(&python)
                    .args([
                        "-m",
                        "pip",
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                        "-r",
                    ])
                    .arg(&requirements),
                "`pip install -r tests/interop/requirements.txt`",
            );
            std::fs::write(&stamp, b"").expect("write the install stamp");
        }
        python
    })
}

/// Graphviz's `dot`, installed with apt-get when missing.
pub fn dot() -> &'static Path {
    static DOT: OnceLock<PathBuf> = OnceLock::new();
    DOT.get_or_init(|| {
        let dot = PathBuf::from("/usr/bin/dot");
        if !dot.exists() {
            for args in [
                &["update"][..],
                &["install", "-y", "--no-install-recommends", "graphviz"],
            ] {
                println!(
                    "{} is missing: running `apt-get {}`",
                    dot.display(),
                    args.join(" ")
                );
                run(
                    Command::new("apt-get")
                        .args(args)
                        .env("DEBIAN_FRONTEND", "noninteractive"),
                    &format!(
                        "`apt-get {}` (the DOT export test needs Debian's graphviz)",
                        args.join(" ")
                    ),
                );
            }
        }
        dot
    })
}

#[test]
fn the_independent_parsers_are_installed_and_run() {
    let out = run(
        Command::new(python()).args([
            "-c",
            "import rdflib, networkx, pyoxigraph; print(rdflib.__version__, networkx.__version__)",
        ]),
        "importing rdflib, networkx and pyoxigraph",
    );
    let versions = String::from_utf8_lossy(&out.stdout);
    assert!(versions.starts_with("7.6.0 3.6.1"), "{versions}");
    let file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(file.path(), "digraph { a -> b }").expect("write the DOT file");
    let out = run(
        Command::new(dot()).arg("-Tsvg").arg(file.path()),
        "dot -Tsvg",
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
}
