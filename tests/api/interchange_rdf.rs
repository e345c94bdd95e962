//! The RDF export read by independent tools: rdflib parses the Turtle and the JSON-LD (the same
//! graph, the same resources per class as the records say), and pyoxigraph answers a SPARQL
//! question over the Turtle.

use std::collections::BTreeMap;
use std::process::Command;

use newsgraph::interchange::rdf::{write_jsonld, write_ntriples, write_turtle};
use newsgraph::seed::{RecordSet, SeedSource, load, records_of};
use serde_json::Value;

const BASE: &str = "https://newsgraph.dev/data/";

fn records() -> RecordSet {
    records_of(&load(&SeedSource::BuiltIn).expect("the default data loads"))
}

/// The resources per class, counted from the records.
fn expected_counts(r: &RecordSet) -> BTreeMap<String, u64> {
    let kind = |k: &str| r.entities.iter().filter(|e| e.kind == k).count();
    let evidence = r.entities.iter().map(|e| {
        e.description_evidence.len()
            + e.notice_period_evidence.len()
            + e.claims.iter().map(|c| c.evidence.len()).sum::<usize>()
    });
    let evidence = evidence.sum::<usize>()
        + r.events
            .iter()
            .map(|e| {
                e.evidence.len()
                    + e.description_evidence.len()
                    + e.claims.iter().map(|c| c.evidence.len()).sum::<usize>()
            })
            .sum::<usize>()
        + r.sources
            .iter()
            .map(|s| s.description_evidence.len())
            .sum::<usize>()
        + r.relations.iter().map(|r| r.evidence.len()).sum::<usize>();
    [
        ("https://schema.org/Country", kind("state")),
        ("https://schema.org/Person", kind("person")),
        (
            "https://schema.org/GovernmentOrganization",
            kind("organization"),
        ),
        ("https://schema.org/Legislation", kind("treaty")),
        ("https://schema.org/Event", r.events.len()),
        ("https://schema.org/NewsArticle", r.sources.len()),
        ("https://newsgraph.dev/vocab#Relation", r.relations.len()),
        ("https://newsgraph.dev/vocab#Evidence", evidence),
    ]
    .into_iter()
    .map(|(c, n)| (c.to_string(), n as u64))
    .collect()
}

fn counts(v: &Value) -> BTreeMap<String, u64> {
    v.as_object()
        .expect("counts by class")
        .iter()
        .map(|(c, n)| (c.clone(), n.as_u64().expect("a count")))
        .collect()
}

#[test]
fn rdflib_and_oxigraph_read_the_rdf_export() {
    let records = records();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ttl = dir.path().join("graph.ttl");
    let jsonld = dir.path().join("graph.jsonld");
    let mut out = Vec::new();
    write_turtle(&records, BASE, &mut out).expect("Turtle");
    std::fs::write(&ttl, &out).expect("write the Turtle");
    out.clear();
    write_jsonld(&records, BASE, &mut out).expect("JSON-LD");
    std::fs::write(&jsonld, &out).expect("write the JSON-LD");
    let mut nt = Vec::new();
    write_ntriples(&records, BASE, &mut nt).expect("N-Triples");
    let triples = nt.iter().filter(|&&b| b == b'\n').count() as u64;

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/rdf_check.py");
    let run = Command::new(crate::interop::python())
        .arg(script)
        .arg(&ttl)
        .arg(&jsonld)
        .arg(BASE)
        .output()
        .expect("run rdf_check.py");
    assert!(
        run.status.success(),
        "rdf_check.py failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: Value = serde_json::from_slice(&run.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&run.stdout));
    });

    // Every triple written is read, by all three, and the JSON-LD is the same graph.
    assert_eq!(report["turtle_triples"], triples, "{report}");
    assert_eq!(report["jsonld_triples"], triples, "{report}");
    assert_eq!(report["oxigraph_triples"], triples, "{report}");
    assert_eq!(report["same_graph"], true, "{report}");

    let expected = expected_counts(&records);
    assert_eq!(counts(&report["turtle"]), expected);
    assert_eq!(counts(&report["jsonld"]), expected);
    // The default data, as its files say: five states, two people, six organisations, one
    // treaty, ten events, one article, ten relations stated (the rest derive from events).
    let n = |class: &str| expected[class];
    assert_eq!(n("https://schema.org/Country"), 5);
    assert_eq!(n("https://schema.org/Person"), 2);
    assert_eq!(n("https://schema.org/GovernmentOrganization"), 6);
    assert_eq!(n("https://schema.org/Legislation"), 1);
    assert_eq!(n("https://schema.org/Event"), 10);
    assert_eq!(n("https://schema.org/NewsArticle"), 1);
    assert_eq!(n("https://newsgraph.dev/vocab#Relation"), 10);

    assert_eq!(
        report["notified_the_un_on_27_june"],
        serde_json::json!(["Estonia", "Lithuania"]),
        "{report}"
    );
}
