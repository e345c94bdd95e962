use super::*;
use crate::interchange::{Problem, build};
use crate::seed::{
    ClaimRecord, EditorialRecord, EntityRecord, EventRecord, EvidenceRecord, InferredRecord,
    ParticipantRecord, QuotedParticipant, RecordSet, RelationRecord, SeedSource, SourceRecord,
    load, records_of,
};

const BASE: &str = "https://newsgraph.dev/data/";

fn default_records() -> RecordSet {
    records_of(&load(&SeedSource::BuiltIn).expect("the default data loads"))
}

/// The order `read` gives records in.
fn sorted(mut r: RecordSet) -> RecordSet {
    r.sources.sort_by(|a, b| a.id.cmp(&b.id));
    r.entities.sort_by(|a, b| a.id.cmp(&b.id));
    r.events.sort_by(|a, b| a.id.cmp(&b.id));
    r.relations.sort_by_cached_key(|r| r.effective_id());
    r
}

fn turtle(records: &RecordSet, base: &str) -> String {
    let mut out = Vec::new();
    write_turtle(records, base, &mut out).expect("the records are written");
    String::from_utf8(out).expect("Turtle is UTF-8")
}

fn problems(text: &str) -> Vec<Problem> {
    match read(text.as_bytes(), RdfSyntax::Turtle, "in.ttl", BASE) {
        Ok(imported) => panic!("read without problems: {:?}", imported.records),
        Err(problems) => problems,
    }
}

#[test]
fn the_default_data_comes_back_the_same_from_turtle() {
    let records = default_records();
    let text = turtle(&records, BASE);
    assert!(
        text.contains("@prefix schema: <https://schema.org/>"),
        "{text}"
    );
    let imported = read(text.as_bytes(), RdfSyntax::Turtle, "graph.ttl", BASE)
        .unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(imported.records, sorted(records));
    assert_eq!(
        imported.origins.entities.len(),
        imported.records.entities.len()
    );
    assert_eq!(
        imported.origins.relations.len(),
        imported.records.relations.len()
    );
    // The origin of a record is the line its resource starts on.
    let lines: Vec<&str> = text.lines().collect();
    for (e, o) in imported
        .records
        .entities
        .iter()
        .zip(&imported.origins.entities)
    {
        assert_eq!(o.file, "graph.ttl");
        let line = lines[o.line as usize - 1];
        assert!(
            line.starts_with(&format!("<{BASE}{}> a ", e.id)),
            "{} at line {}: {line}",
            e.id,
            o.line
        );
    }
    build(&imported).expect("the import validates as a seed");
}

#[test]
fn the_default_data_comes_back_the_same_from_ntriples() {
    let records = default_records();
    let mut out = Vec::new();
    write_ntriples(&records, BASE, &mut out).expect("the records are written");
    let imported =
        read(&out, RdfSyntax::NTriples, "graph.nt", BASE).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(imported.records, sorted(records));
    // One triple a line: the origin is the line of the subject's first triple.
    let text = String::from_utf8(out).expect("UTF-8");
    let first = imported.origins.sources[0].line as usize;
    let line = text.lines().nth(first - 1).expect("the line exists");
    assert!(
        line.starts_with(&format!("<{BASE}{}>", imported.records.sources[0].id))
            && line.contains("NewsArticle"),
        "{line}"
    );
}

#[test]
fn a_relation_is_a_plain_triple_and_a_resource_with_its_evidence() {
    let text = turtle(&default_records(), BASE);
    assert!(
        text.contains(&format!("<{BASE}state/estonia> a schema:Country")),
        "{text}"
    );
    assert!(
        text.contains(&format!("ng:PARTY_TO <{BASE}treaty/ottawa-convention>")),
        "{text}"
    );
    let relation = format!("<{BASE}_relation/state%2Festonia:PARTY_TO:treaty%2Fottawa-convention");
    assert!(
        text.contains(&format!("{relation}> a ng:Relation")),
        "{text}"
    );
    // The relation's own statements stay together, its evidence resources follow.
    assert!(
        text.contains(&format!("ng:evidence {relation}/_evidence/1> , {relation}/_evidence/2> .\n{relation}/_evidence/1> a ng:Evidence")),
        "{text}"
    );
    assert!(
        text.contains("schema:startDate \"2025-06-27\"^^xsd:date"),
        "{text}"
    );
    assert!(
        text.contains("schema:startDate \"2025-06\"^^xsd:gYearMonth"),
        "{text}"
    );
    assert!(
        text.contains("schema:name \"Estonia\" , \"Estland\"@de , "),
        "{text}"
    );
}

#[test]
fn syntax_errors_are_reported_with_file_line_and_column_all_of_them() {
    let text = "@prefix schema: <https://schema.org/> .\n\
                <state/a> a schema:Country ;\n\
                \x20   schema:name \"A\" ,, .\n\
                <state/b> a schema:Country .\n\
                <state/c> schema:name \"unterminated .\n";
    let problems = problems(text);
    assert!(problems.len() >= 2, "{problems:#?}");
    let first = &problems[0];
    assert_eq!(first.file, "in.ttl");
    assert_eq!(first.line, Some(3), "{first:?}");
    assert_eq!(first.column.as_deref(), Some("22"), "{first:?}");
    assert!(problems.iter().any(|p| p.line == Some(5)), "{problems:#?}");
    assert!(
        first.to_string().starts_with("in.ttl:3: column `22`: "),
        "{first}"
    );
}

#[test]
fn bad_resources_are_reported_at_their_lines() {
    let text = "@prefix schema: <https://schema.org/> .\n\
                @prefix ng: <https://newsgraph.dev/vocab#> .\n\
                <state/a> a schema:Country ;\n\
                \x20   schema:alternateName \"A\" .\n\
                <film/b> a schema:Movie ;\n\
                \x20   schema:name \"B\" .\n\
                <_relation/x> a ng:Relation ;\n\
                \x20   ng:predicate ng:MEMBER_OF .\n\
                <state/c> a schema:Country ; schema:name \"C\" ; ng:MEMBER_OF <org/d> .\n";
    let problems = problems(text);
    let at = |line: u64, part: &str| {
        assert!(
            problems
                .iter()
                .any(|p| p.line == Some(line) && p.reason.contains(part)),
            "no problem at line {line} with {part:?}: {problems:#?}"
        )
    };
    at(3, "missing schema:name");
    at(5, "unknown class schema:Movie");
    at(7, "missing ng:subject");
    at(7, "missing ng:object");
    at(9, "ng:Relation resource");
    assert!(problems.iter().all(|p| p.file == "in.ttl"));
}

#[test]
fn ids_with_odd_characters_have_valid_iris_and_come_back() {
    let source = "source/a.b";
    let odd = "state/ö ?#%<>\"{}|\\^`";
    let evidence = vec![EvidenceRecord {
        source: source.into(),
        quote: "a \"quoted\"\nline\ttab".into(),
        start: Some(0),
    }];
    let records = RecordSet {
        sources: vec![SourceRecord {
            id: source.into(),
            title: "T".into(),
            url: Some("not a url".into()),
            published: "2025-06-28T12:08:00+03:00".into(),
            language: "en".into(),
            text: Some("a \"quoted\"\nline\ttab".into()),
            ..Default::default()
        }],
        entities: vec![
            EntityRecord {
                id: odd.into(),
                kind: "state".into(),
                name: "Ö".into(),
                ..Default::default()
            },
            EntityRecord {
                id: "org/x".into(),
                kind: "organization".into(),
                name: "X".into(),
                aliases: vec!["Zed".into(), "Alpha".into()],
                ..Default::default()
            },
        ],
        events: vec![EventRecord {
            id: "event/e".into(),
            kind: "statement".into(),
            title: "E".into(),
            date: Some("2025".into()),
            date_inferred: Some(InferredRecord {
                reasoning: "only the year".into(),
                from: None,
            }),
            // Sorted by id, as `records_of` gives them and `read` returns them.
            actors: vec![
                ParticipantRecord::Quoted(QuotedParticipant {
                    id: "org/x".into(),
                    quote: "X".into(),
                    source: None,
                    start: None,
                }),
                ParticipantRecord::Id(odd.into()),
            ],
            addressed_to: vec![ParticipantRecord::Id("org/x".into())],
            evidence: vec![EvidenceRecord {
                source: source.into(),
                quote: "line".into(),
                start: None,
            }],
            description: "D".into(),
            description_editorial: Some(EditorialRecord {
                by: "editors".into(),
                at: "2026-12-01".into(),
                note: None,
            }),
            claims: vec![
                ClaimRecord {
                    property: "b".into(),
                    value: "second in the file, first in the record".into(),
                    evidence: vec![],
                    editorial: None,
                },
                ClaimRecord {
                    property: "a".into(),
                    value: "v".into(),
                    evidence: vec![],
                    editorial: None,
                },
            ],
            ..Default::default()
        }],
        relations: vec![RelationRecord {
            id: Some("my/odd id#1".into()),
            rel: "MEMBER_OF".into(),
            from: odd.into(),
            to: "org/x".into(),
            valid_from: Some("2025-01-01".into()),
            evidence,
            ..Default::default()
        }],
    };
    for base in [BASE, "urn:x-test:graph#"] {
        let text = turtle(&records, base);
        for iri in text.split('<').skip(1).filter_map(|s| s.split('>').next()) {
            let absolute = format!("{base}{iri}");
            let iri = if iri.contains(':') { iri } else { &absolute };
            oxrdf::NamedNode::new(iri).unwrap_or_else(|e| panic!("{iri}: {e}\n{text}"));
        }
        let imported = read(text.as_bytes(), RdfSyntax::Turtle, "odd.ttl", base)
            .unwrap_or_else(|p| panic!("{p:#?}\n{text}"));
        assert_eq!(imported.records, sorted(records.clone()), "{text}");
        let mut nt = Vec::new();
        write_ntriples(&records, base, &mut nt).expect("written");
        let imported =
            read(&nt, RdfSyntax::NTriples, "odd.nt", base).unwrap_or_else(|p| panic!("{p:#?}"));
        assert_eq!(imported.records, sorted(records.clone()));
    }
}

#[test]
fn a_base_that_ids_cannot_be_appended_to_is_refused() {
    let mut out = Vec::new();
    let err = write_turtle(&RecordSet::default(), "https://example.org/x", &mut out)
        .expect_err("no `/` or `#` at the end");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let problems =
        read(b"", RdfSyntax::Turtle, "in.ttl", "not an iri/").expect_err("not an absolute IRI");
    assert_eq!(problems[0].line, None);
}

#[test]
fn the_json_ld_has_a_context_and_a_node_per_resource() {
    let records = default_records();
    let mut out = Vec::new();
    write_jsonld(&records, BASE, &mut out).expect("written");
    let doc: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(doc["@context"]["schema"], "https://schema.org/");
    let graph = doc["@graph"].as_array().expect("@graph");
    let typed = |class: &str| {
        graph
            .iter()
            .filter(|n| {
                n["@type"]
                    .as_array()
                    .is_some_and(|t| t.contains(&class.into()))
            })
            .count()
    };
    assert_eq!(typed("schema:Country"), 5);
    assert_eq!(typed("schema:Event"), records.events.len());
    assert_eq!(typed("ng:Relation"), records.relations.len());
    let estonia = graph
        .iter()
        .find(|n| n["@id"] == format!("{BASE}state/estonia"))
        .expect("Estonia");
    assert!(
        estonia["schema:name"]
            .as_array()
            .is_some_and(|names| names
                .contains(&serde_json::json!({"@value": "Estland", "@language": "de"}))),
        "{estonia}"
    );
}

#[test]
fn hand_written_turtle_with_blank_nodes_and_relative_iris_is_read() {
    let text = r#"@prefix schema: <https://schema.org/> .
@prefix ng: <https://newsgraph.dev/vocab#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<source/s> a schema:NewsArticle ;
    schema:name "S" ;
    schema:datePublished "2025-06-28T12:08:00+03:00"^^xsd:dateTime ;
    schema:inLanguage "en" ;
    schema:text """Line one.
Line two, in which A joins B.""" .

<state/a> a schema:Country ; schema:name "A" , "Ah"@de ; ng:MEMBER_OF <org/b> .
<org/b> a schema:GovernmentOrganization ; schema:name "B" .

[] a ng:Relation ;
    ng:subject <state/a> ; ng:predicate ng:MEMBER_OF ; ng:object <org/b> ;
    ng:evidence [ ng:source <source/s> ; ng:quote "A joins B" ] ,
        [ ng:source <source/s> ; ng:quote "Line one" ; ng:position 1 ] .
"#;
    let imported = read(text.as_bytes(), RdfSyntax::Turtle, "hand.ttl", BASE)
        .unwrap_or_else(|p| panic!("{p:#?}"));
    let r = &imported.records;
    assert_eq!(r.entities.len(), 2);
    assert_eq!(r.entities[1].id, "state/a");
    assert_eq!(r.entities[1].kind, "state");
    assert_eq!(
        r.entities[1].labels.get("de").map(String::as_str),
        Some("Ah")
    );
    assert_eq!(imported.origins.entities[1].line, 12);
    assert_eq!(imported.origins.sources[0].line, 5);
    let rel = &r.relations[0];
    assert_eq!(
        (rel.from.as_str(), rel.rel.as_str(), rel.to.as_str()),
        ("state/a", "MEMBER_OF", "org/b")
    );
    assert_eq!(rel.id, None);
    // The one with a position first, the other after it.
    let quotes: Vec<&str> = rel.evidence.iter().map(|e| e.quote.as_str()).collect();
    assert_eq!(quotes, ["Line one", "A joins B"]);
    assert_eq!(imported.origins.relations[0].line, 15);
    build(&imported).expect("the hand-written graph validates");
}

#[test]
fn a_long_literal_over_many_lines_is_read_and_later_lines_keep_their_numbers() {
    let text_lines: Vec<String> = (0..5000).map(|i| format!("line {i}")).collect();
    let text = format!(
        "@prefix schema: <https://schema.org/> .\n\
         <source/s> a schema:NewsArticle ;\n\
         schema:name \"S\" ; schema:inLanguage \"en\" ;\n\
         schema:datePublished \"2025-06-28T12:08:00+03:00\" ;\n\
         schema:text \"\"\"{}\"\"\" .\n\
         <state/a> a schema:Country ; schema:name \"A\" .\n",
        text_lines.join("\n")
    );
    let imported = read(text.as_bytes(), RdfSyntax::Turtle, "long.ttl", BASE)
        .unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(
        imported.records.sources[0].text.as_deref(),
        Some(text_lines.join("\n").as_str())
    );
    assert_eq!(imported.origins.sources[0].line, 2);
    // Batched lines end before the next statement is fed: it may be late, never early.
    let a = imported.origins.entities[0].line;
    assert!(a >= 5005, "{a}");
}

/// The JSON-LD, read by a JSON-LD processor (oxjsonld, which shares no code with the writer),
/// is the same graph as the N-Triples: every triple, no more. No blank nodes are written, so
/// the sets compare as they are.
#[test]
fn a_json_ld_processor_reads_the_same_triples_as_the_ntriples() {
    use std::collections::HashSet;
    let records = default_records();
    let base = crate::interchange::DEFAULT_BASE;
    let mut jsonld = Vec::new();
    write_jsonld(&records, base, &mut jsonld).unwrap();
    let mut nt = Vec::new();
    write_ntriples(&records, base, &mut nt).unwrap();
    let from_jsonld: HashSet<oxrdf::Triple> = oxjsonld::JsonLdParser::new()
        .for_slice(&jsonld)
        .map(|q| {
            let q = q.expect("the JSON-LD is valid");
            oxrdf::Triple::new(q.subject, q.predicate, q.object)
        })
        .collect();
    let from_nt: HashSet<oxrdf::Triple> = oxttl::NTriplesParser::new()
        .for_slice(&nt)
        .map(|t| t.expect("the N-Triples are valid"))
        .collect();
    assert!(from_nt.len() > 500, "{} triples", from_nt.len());
    let only_jsonld: Vec<_> = from_jsonld.difference(&from_nt).take(3).collect();
    let only_nt: Vec<_> = from_nt.difference(&from_jsonld).take(3).collect();
    assert!(
        only_jsonld.is_empty() && only_nt.is_empty(),
        "only in JSON-LD: {only_jsonld:?}\nonly in N-Triples: {only_nt:?}"
    );
}
