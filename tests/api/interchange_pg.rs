//! The property-graph exports read by independent tools: networkx reads the GraphML, Graphviz
//! renders the DOT.

use std::path::Path;
use std::process::{Command, Stdio};

use newsgraph::interchange::{dot, graphml, pg};
use newsgraph::seed::{self, RecordSet, SeedSource};

use crate::interop;

fn default_records() -> RecordSet {
    let g = seed::load(&SeedSource::BuiltIn).expect("the default seed loads");
    seed::records_of(&g)
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({})\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn networkx_reads_the_graphml_export() {
    let mut records = default_records();
    // The default data bounds its relations by events; one given date shows dates come through.
    let party_to = records
        .relations
        .iter_mut()
        .find(|r| r.rel == "PARTY_TO" && r.from == "state/estonia")
        .expect("Estonia is a party to the Ottawa Convention");
    party_to.valid_from = Some("2004-12-01".into());
    let file = tempfile::Builder::new()
        .suffix(".graphml")
        .tempfile()
        .expect("a temporary file");
    let mut out = Vec::new();
    graphml::write(&records, &mut out).expect("write GraphML");
    std::fs::write(file.path(), &out).expect("write the file");

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/pg_check.py");
    let printed = run(
        Command::new(interop::python()).arg(script).arg(file.path()),
        "pg_check.py",
    );
    let v: serde_json::Value = serde_json::from_str(&printed).expect("the script prints JSON");

    let nodes = records.sources.len() + records.entities.len() + records.events.len();
    let participations: usize = records
        .events
        .iter()
        .map(|e| e.actors.len() + e.addressed_to.len() + e.concerns.len())
        .sum();
    let publishers = records
        .sources
        .iter()
        .filter(|s| s.publisher.is_some())
        .count();
    assert!(participations > 0 && publishers > 0);
    assert_eq!(v["directed"], true, "{v}");
    assert_eq!(v["nodes"], nodes, "{v}");
    assert_eq!(
        v["edges"],
        records.relations.len() + participations + publishers,
        "{v}"
    );
    assert_eq!(pg::edges(&records).len(), v["edges"], "{v}");
    assert_eq!(v["estonia"]["kind"], "state", "{v}");
    assert_eq!(v["estonia"]["label"], "Estonia", "{v}");
    assert_eq!(v["kinds"]["event"], records.events.len(), "{v}");
    assert_eq!(v["party_to"]["validFrom"], "2004-12-01", "{v}");
    assert_eq!(
        v["party_to"]["validUntilEvent"], "event/estonia-withdrawal-takes-effect",
        "{v}"
    );
    for t in ["ACTOR_IN", "PUBLISHED_BY", "PARTY_TO"] {
        assert!(
            v["edge_types"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == t)),
            "{t}: {v}"
        );
    }
}

#[test]
fn graphviz_renders_the_dot_export() {
    let records = default_records();
    let file = tempfile::Builder::new()
        .suffix(".dot")
        .tempfile()
        .expect("a temporary file");
    let mut out = Vec::new();
    dot::write(&records, &mut out).expect("write DOT");
    std::fs::write(file.path(), &out).expect("write the file");
    let svg = run(
        Command::new(interop::dot()).arg("-Tsvg").arg(file.path()),
        "dot -Tsvg",
    );
    assert!(svg.contains("<svg"), "{svg}");
    assert!(svg.contains(">Estonia</text>"), "{svg}");
    assert!(svg.contains("PARTY_TO"), "{svg}");
}
