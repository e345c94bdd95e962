use super::*;
use crate::interchange::{Problem, build};
use crate::seed::{self, RecordSet, SeedSource};

fn default_records() -> RecordSet {
    let g = seed::load(&SeedSource::BuiltIn).expect("the default seed loads");
    seed::records_of(&g)
}

fn files(records: &RecordSet) -> (Vec<u8>, Vec<u8>) {
    let (mut nodes, mut rels) = (Vec::new(), Vec::new());
    write_nodes(records, &mut nodes).expect("write nodes");
    write_relationships(records, &mut rels).expect("write relationships");
    (nodes, rels)
}

/// Records in an order that does not depend on the file's.
fn sorted(mut r: RecordSet) -> RecordSet {
    r.sources.sort_by(|a, b| a.id.cmp(&b.id));
    r.entities.sort_by(|a, b| a.id.cmp(&b.id));
    r.events.sort_by(|a, b| a.id.cmp(&b.id));
    for e in &mut r.events {
        for list in [&mut e.actors, &mut e.addressed_to, &mut e.concerns] {
            list.sort_by(|a, b| a.id().cmp(b.id()));
        }
    }
    r.relations.sort_by_key(|r| r.effective_id());
    r
}

#[test]
fn the_default_data_comes_back_the_same_from_its_csv_files() {
    let records = default_records();
    assert!(records.events.iter().any(|e| !e.actors.is_empty()));
    assert!(records.sources.iter().any(|s| s.publisher.is_some()));
    let (nodes, rels) = files(&records);
    let imported = read((NODES, &nodes), (RELATIONSHIPS, &rels)).unwrap_or_else(|problems| {
        let shown: Vec<String> = problems.iter().map(Problem::to_string).collect();
        panic!("{}", shown.join("\n"))
    });
    assert_eq!(sorted(imported.records.clone()), sorted(records.clone()));
    // The import is a graph again, and the same one.
    let g = build(&imported).expect("the import validates");
    assert_eq!(sorted(seed::records_of(&g)), sorted(records));
    // Each record knows its line: the header is line 1, and a source text spans lines.
    assert_eq!(imported.origins.relations[0].line, 2);
    assert!(imported.origins.entities.iter().all(|o| o.file == NODES));
}

#[test]
fn written_files_are_deterministic_and_sorted_by_id() {
    let records = default_records();
    let mut reversed = records.clone();
    reversed.entities.reverse();
    reversed.relations.reverse();
    assert_eq!(files(&records), files(&reversed));
    let (nodes, _) = files(&records);
    let mut rd = ::csv::Reader::from_reader(&nodes[..]);
    let ids: Vec<String> = rd
        .records()
        .map(|r| r.expect("a row")[0].to_string())
        .collect();
    let mut by_id = ids.clone();
    by_id.sort();
    assert_eq!(ids, by_id);
}

fn problems(nodes: &str, rels: &str) -> Vec<Problem> {
    read(("n.csv", nodes.as_bytes()), ("r.csv", rels.as_bytes()))
        .expect_err("the files have problems")
}

fn has(problems: &[Problem], file: &str, line: u64, column: &str, reason: &str) {
    assert!(
        problems.iter().any(|p| p.file == file
            && p.line == Some(line)
            && p.column.as_deref() == Some(column)
            && p.reason.contains(reason)),
        "no problem {file}:{line}: `{column}`: …{reason}… among\n{}",
        problems
            .iter()
            .map(Problem::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn every_problem_is_reported_with_its_file_line_and_column() {
    let nodes = "\
id:ID,:LABEL,name,date:date,eventKind,evidence,colour
e/1,Event,One,2025-13-40,decision,[],red
e/2,Event,Two,2025,decision,[{\"source\":,
state/x,Entity;Country,X,,,,
";
    let rels = "\
:START_ID,:END_ID,:TYPE,validFrom:date,evidence
e/1,e/2,LEADS_TO,someday,[]
e/1,e/2,LEADS_TO,2025-01-01,{not json
";
    let p = problems(nodes, rels);
    has(&p, "n.csv", 1, "colour", "unknown column");
    has(&p, "n.csv", 2, "date:date", "bad date `2025-13-40`");
    has(&p, "n.csv", 3, "evidence", "bad JSON");
    has(&p, "n.csv", 4, ":LABEL", "unknown label `Entity;Country`");
    has(&p, "r.csv", 2, "validFrom:date", "bad date `someday`");
    has(&p, "r.csv", 3, "evidence", "bad JSON");
    assert_eq!(p.len(), 6, "{p:?}");
    let shown = p[1].to_string();
    assert!(
        shown.starts_with("n.csv:2: column `date:date`: bad date"),
        "{shown}"
    );
}

#[test]
fn header_problems_are_reported_and_rows_still_checked() {
    let nodes = "\
:LABEL,name,name,date:int,noticePeriodMonths:int,x:nonsense
Entity;Treaty,T,T,,twelve,
";
    let rels = ":START_ID,:TYPE\n";
    let p = problems(nodes, rels);
    has(&p, "n.csv", 1, "id:ID", "missing column");
    has(&p, "n.csv", 1, "name", "duplicate column");
    has(
        &p,
        "n.csv",
        1,
        "date:int",
        "wrong type: the column is `date:date`",
    );
    has(
        &p,
        "n.csv",
        1,
        "x:nonsense",
        "not a neo4j-admin header field",
    );
    has(
        &p,
        "n.csv",
        2,
        "noticePeriodMonths:int",
        "not a whole number",
    );
    has(&p, "r.csv", 1, ":END_ID", "missing column");
    assert_eq!(p.len(), 6, "{p:?}");
}

#[test]
fn rows_that_would_lose_data_or_name_no_node_are_refused() {
    let nodes = "\
id:ID,:LABEL,name,published:datetime,language,eventKind
src/a,Source,A,yesterday,en,decision
e/1,Event,One,,,decision
";
    let rels = "\
:START_ID,:END_ID,:TYPE,derived,quote,role
state/ee,e/2,ACTOR_IN,participant,,
e/1,state/ee,LEADS_TO,participant,,
src/a,org/x,PUBLISHED_BY,publisher,By X,chief
e/1,e/1,LEADS_TO,guessed,,
e/1,e/1
";
    let p = problems(nodes, rels);
    has(&p, "n.csv", 2, "published:datetime", "bad date and time");
    has(&p, "n.csv", 2, "eventKind", "not a field of a source");
    has(&p, "r.csv", 2, ":END_ID", "no event `e/2`");
    has(&p, "r.csv", 3, ":TYPE", "a participation is ACTOR_IN");
    has(&p, "r.csv", 4, "role", "not a field of a publisher");
    has(&p, "r.csv", 5, "derived", "unknown `guessed`");
    assert!(
        p.iter()
            .any(|p| p.file == "r.csv" && p.line == Some(6) && p.reason.contains("2 fields")),
        "{p:?}"
    );
}

#[test]
fn a_record_the_graph_refuses_is_named_by_its_line() {
    let mut records = default_records();
    records.relations.push(crate::seed::RelationRecord {
        rel: "MEMBER_OF".into(),
        from: "state/nowhere".into(),
        to: "org/nothing".into(),
        ..Default::default()
    });
    let (nodes, rels) = files(&records);
    let imported = read((NODES, &nodes), (RELATIONSHIPS, &rels)).expect("well-formed files");
    let problem = build(&imported).expect_err("the relation's ends do not exist");
    let text = String::from_utf8(rels).expect("UTF-8");
    let line = text
        .lines()
        .position(|l| l.starts_with("state/nowhere,"))
        .expect("the row")
        + 1;
    assert_eq!(problem.file, RELATIONSHIPS);
    assert_eq!(problem.line, Some(line as u64));
}

#[test]
fn quotes_with_delimiters_quotes_and_newlines_survive() {
    let mut records = default_records();
    let e = &mut records.entities[0];
    e.aliases = vec!["a;b".into(), "say \"hi\"".into()];
    e.description = "line one\nline two, with \"quotes\"; and <&>".into();
    let (nodes, rels) = files(&records);
    let imported = read((NODES, &nodes), (RELATIONSHIPS, &rels)).expect("well-formed files");
    assert_eq!(sorted(imported.records), sorted(records));
}

/// The import's speed on a generated graph. Ignored by default (a timing, best in a release
/// build): `NEWSGRAPH_CSV_NODES=1000000 cargo test --release --lib import_speed -- --ignored
/// --nocapture`.
#[test]
#[ignore]
fn import_speed() {
    let nodes = std::env::var("NEWSGRAPH_CSV_NODES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let (records, _) =
        crate::generate::records(&crate::generate::Options { nodes, seed: 1 }).expect("generate");
    let t = std::time::Instant::now();
    let (nodes_csv, rels_csv) = files(&records);
    let written = t.elapsed();
    let t = std::time::Instant::now();
    let imported =
        read((NODES, &nodes_csv), (RELATIONSHIPS, &rels_csv)).expect("the files read back");
    let read_in = t.elapsed();
    println!(
        "{} node rows, {} relationship rows ({} MB): written in {written:?}, read in {read_in:?}",
        records.sources.len() + records.entities.len() + records.events.len(),
        crate::interchange::pg::edges(&records).len(),
        (nodes_csv.len() + rels_csv.len()) >> 20,
    );
    assert_eq!(imported.records.events.len(), records.events.len());
    assert_eq!(imported.records.relations.len(), records.relations.len());
}
