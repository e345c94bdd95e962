//! A Cypher script that recreates the graph in Neo4j: uniqueness constraints on the ids, then
//! `UNWIND` batches of literal maps that `CREATE` the nodes (labels as in the CSV files:
//! `Entity:State`, `Event`, `Source`) and the relationships, matched by label and id. The
//! script has no parameters; every string is a escaped literal. Properties are those of the
//! CSV files; dates stay strings because a record's `2025-06` says its precision, which a
//! Neo4j `date` would lose; structures (evidence, claims, editorial bases) are JSON strings,
//! as a Neo4j property cannot be a map.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::interchange::csv::columns::{DERIVED_PARTICIPANT, DERIVED_PUBLISHER};
use crate::interchange::pg::{self, Edge, EdgeOrigin, Node};
use crate::seed::{ParticipantRecord, RecordSet};

/// Rows per `UNWIND`: big enough to be quick, small enough for Neo4j's statement size.
const BATCH: usize = 500;

/// A Cypher string literal.
pub(crate) fn string(out: &mut dyn Write, s: &str) -> io::Result<()> {
    out.write_all(b"'")?;
    let mut last = 0;
    for (i, c) in s.char_indices() {
        let mut buf = [0u8; 6];
        let rep: &[u8] = match c {
            '\'' => b"\\'",
            '\\' => b"\\\\",
            '\n' => b"\\n",
            '\r' => b"\\r",
            '\t' => b"\\t",
            c if (c as u32) < 0x20 => {
                let _ = write!(&mut buf[..], "\\u{:04X}", c as u32);
                &buf
            }
            _ => continue,
        };
        out.write_all(&s.as_bytes()[last..i])?;
        out.write_all(rep)?;
        last = i + c.len_utf8();
    }
    out.write_all(&s.as_bytes()[last..])?;
    out.write_all(b"'")
}

/// A name as a Cypher identifier, backquoted (a backquote in it doubled).
pub(crate) fn name(out: &mut dyn Write, s: &str) -> io::Result<()> {
    write!(out, "`{}`", s.replace('`', "``"))
}

/// A property value: strings, numbers and lists of them; nulls are left out by [`map`].
fn value(out: &mut dyn Write, v: &Value) -> io::Result<()> {
    match v {
        Value::String(s) => string(out, s),
        Value::Number(n) => write!(out, "{n}"),
        Value::Bool(b) => write!(out, "{b}"),
        Value::Array(items) => {
            out.write_all(b"[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.write_all(b", ")?;
                }
                value(out, item)?;
            }
            out.write_all(b"]")
        }
        // Not made by this module: a map or a null inside a list is written as JSON text.
        other => string(out, &other.to_string()),
    }
}

fn map(out: &mut dyn Write, props: &Map<String, Value>) -> io::Result<()> {
    out.write_all(b"{")?;
    let mut first = true;
    for (k, v) in props {
        if v.is_null() {
            continue;
        }
        if !first {
            out.write_all(b", ")?;
        }
        first = false;
        name(out, k)?;
        out.write_all(b": ")?;
        value(out, v)?;
    }
    out.write_all(b"}")
}

/// Properties being gathered: empty strings and empty structures are left out.
#[derive(Default)]
struct Props(Map<String, Value>);

impl Props {
    fn text(&mut self, k: &str, v: &str) {
        if !v.is_empty() {
            self.0.insert(k.into(), Value::String(v.into()));
        }
    }

    fn opt(&mut self, k: &str, v: Option<&str>) {
        if let Some(v) = v {
            self.text(k, v);
        }
    }

    fn int(&mut self, k: &str, v: Option<u32>) {
        if let Some(v) = v {
            self.0.insert(k.into(), Value::from(v));
        }
    }

    fn list(&mut self, k: &str, v: &[String]) {
        if !v.is_empty() {
            self.0.insert(k.into(), Value::from(v.to_vec()));
        }
    }

    fn json<T: Serialize + ?Sized>(&mut self, k: &str, v: &T, empty: bool) -> io::Result<()> {
        if !empty {
            self.text(k, &serde_json::to_string(v)?);
        }
        Ok(())
    }
}

fn node_props(node: Node) -> io::Result<Props> {
    let mut p = Props::default();
    p.text("id", node.id());
    p.text("kind", node.kind());
    p.text("name", node.name());
    p.text("description", node.description());
    let c = node.shared();
    let evidence = c.description_evidence;
    p.json("descriptionEvidence", &evidence, evidence.is_empty())?;
    let editorial = c.description_editorial;
    p.json("descriptionEditorial", &editorial, editorial.is_none())?;
    p.json("labels", c.labels, c.labels.is_empty())?;
    p.list("aliases", c.aliases);
    p.list("sameAs", c.same_as);
    p.json("claims", &c.claims, c.claims.is_empty())?;
    match node {
        Node::Source(s) => {
            p.text("published", &s.published);
            p.text("language", &s.language);
            p.opt("url", s.url.as_deref());
            p.opt("textFile", s.text_file.as_deref());
            p.opt("text", s.text.as_deref());
        }
        Node::Entity(e) => {
            p.int("noticePeriodMonths", e.notice_period_months);
            p.json(
                "noticePeriodEvidence",
                &e.notice_period_evidence,
                e.notice_period_evidence.is_empty(),
            )?;
            p.json(
                "noticePeriodEditorial",
                &e.notice_period_editorial,
                e.notice_period_editorial.is_none(),
            )?;
        }
        Node::Event(e) => {
            p.text("eventKind", &e.kind);
            p.opt("date", e.date.as_deref());
            if let Some(rule) = &e.date_rule {
                p.text("dateRuleAfter", &rule.after);
                p.text("dateRuleNoticePeriodOf", &rule.notice_period_of);
            }
            if let Some(i) = &e.date_inferred {
                p.text("dateInferredReasoning", &i.reasoning);
                p.opt("dateInferredFrom", i.from.as_deref());
            }
            p.json("evidence", &e.evidence, e.evidence.is_empty())?;
        }
    }
    Ok(p)
}

fn edge_props(edge: &Edge) -> io::Result<Props> {
    let mut p = Props::default();
    match edge.origin {
        EdgeOrigin::Relation(r) => {
            p.opt("id", r.id.as_deref());
            p.opt("role", r.role.as_deref());
            p.opt("validFrom", r.valid_from.as_deref());
            p.opt("validFromEvent", r.valid_from_event.as_deref());
            p.opt("validUntil", r.valid_until.as_deref());
            p.opt("validUntilEvent", r.valid_until_event.as_deref());
            p.json("evidence", &r.evidence, r.evidence.is_empty())?;
        }
        EdgeOrigin::Publisher(s) => {
            p.text("derived", DERIVED_PUBLISHER);
            p.opt("quote", s.byline.as_deref());
        }
        EdgeOrigin::Participant { participant, .. } => {
            p.text("derived", DERIVED_PARTICIPANT);
            if let ParticipantRecord::Quoted(q) = participant {
                p.text("quote", &q.quote);
                p.opt("source", q.source.as_deref());
                p.int("start", q.start);
            }
        }
    }
    Ok(p)
}

/// The labels of a node in Cypher (`:Entity:State`); an unknown kind is its own label.
fn labels(kind: &str) -> Vec<&str> {
    match crate::interchange::csv::columns::labels_of(kind) {
        Some(l) => l.split(';').collect(),
        None => vec![kind],
    }
}

fn write_labels(out: &mut dyn Write, labels: &[&str]) -> io::Result<()> {
    for l in labels {
        out.write_all(b":")?;
        name(out, l)?;
    }
    Ok(())
}

/// Relationships written by one statement: their type and the first label of each end
/// (`None` when the end is no node of the records).
type EdgeGroup<'a> = (&'a str, Option<&'a str>, Option<&'a str>);

/// Writes the script.
pub fn write(records: &RecordSet, out: &mut dyn Write) -> io::Result<()> {
    let mut out = io::BufWriter::new(out);
    let out: &mut dyn Write = &mut out;
    out.write_all(b"// newsgraph: the graph's nodes and relationships (run with cypher-shell).\n")?;
    for label in ["Entity", "Event", "Source"] {
        writeln!(
            out,
            "CREATE CONSTRAINT {lower}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE;",
            lower = label.to_lowercase()
        )?;
    }
    let nodes = pg::nodes(records);
    // Nodes by label set, each group in id order.
    let mut groups: BTreeMap<Vec<&str>, Vec<Node>> = BTreeMap::new();
    for n in &nodes {
        groups.entry(labels(n.kind())).or_default().push(*n);
    }
    for (labels, group) in &groups {
        for batch in group.chunks(BATCH) {
            out.write_all(b"UNWIND [\n")?;
            for (i, n) in batch.iter().enumerate() {
                out.write_all(if i > 0 { b",\n  " } else { b"  " })?;
                map(out, &node_props(*n)?.0)?;
            }
            out.write_all(b"\n] AS row\nCREATE (n")?;
            write_labels(out, labels)?;
            out.write_all(b") SET n = row;\n")?;
        }
    }
    // Relationships by type and the first label of each end (what the constraints index).
    let first: HashMap<&str, &str> = nodes
        .iter()
        .map(|n| (n.id(), labels(n.kind())[0]))
        .collect();
    let mut groups: BTreeMap<EdgeGroup, Vec<Edge>> = BTreeMap::new();
    for e in pg::edges(records) {
        let key = (e.rel, first.get(e.from).copied(), first.get(e.to).copied());
        groups.entry(key).or_default().push(e);
    }
    for ((rel, from, to), group) in &groups {
        for batch in group.chunks(BATCH) {
            out.write_all(b"UNWIND [\n")?;
            for (i, e) in batch.iter().enumerate() {
                out.write_all(if i > 0 { b",\n  " } else { b"  " })?;
                out.write_all(b"{from: ")?;
                string(out, e.from)?;
                out.write_all(b", to: ")?;
                string(out, e.to)?;
                out.write_all(b", props: ")?;
                map(out, &edge_props(e)?.0)?;
                out.write_all(b"}")?;
            }
            out.write_all(b"\n] AS row\nMATCH (a")?;
            write_labels(out, from.as_slice())?;
            out.write_all(b" {id: row.from})\nMATCH (b")?;
            write_labels(out, to.as_slice())?;
            out.write_all(b" {id: row.to})\nCREATE (a)-[r:")?;
            name(out, rel)?;
            out.write_all(b"]->(b) SET r = row.props;\n")?;
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{EntityRecord, RelationRecord, SeedSource};

    #[test]
    fn strings_and_names_are_escaped() {
        let records = RecordSet {
            entities: vec![EntityRecord {
                id: "state/x".into(),
                kind: "state".into(),
                name: "O'Neil \\ \"q\"\nnext <&>\u{1}".into(),
                aliases: vec!["a;b".into()],
                ..Default::default()
            }],
            relations: vec![RelationRecord {
                rel: "ODD`TYPE".into(),
                from: "state/x".into(),
                to: "state/x".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let mut out = Vec::new();
        write(&records, &mut out).expect("write");
        let script = String::from_utf8(out).expect("UTF-8");
        assert!(
            script.contains(r#"`name`: 'O\'Neil \\ "q"\nnext <&>\u0001'"#),
            "{script}"
        );
        assert!(script.contains("`aliases`: ['a;b']"), "{script}");
        assert!(
            script.contains("CREATE (n:`Entity`:`State`) SET n = row;"),
            "{script}"
        );
        assert!(script.contains("-[r:`ODD``TYPE`]->"), "{script}");
        assert!(!script.contains('\u{1}'));
    }

    #[test]
    fn the_default_data_makes_one_create_per_node_and_relationship() {
        let g = crate::seed::load(&SeedSource::BuiltIn).expect("the default seed");
        let records = crate::seed::records_of(&g);
        let mut out = Vec::new();
        write(&records, &mut out).expect("write");
        let script = String::from_utf8(out).expect("UTF-8");
        let rows = |marker: &str| {
            script
                .split(";\n")
                .filter(|s| s.contains(marker))
                .map(|s| s.lines().filter(|l| l.starts_with("  {")).count())
                .sum::<usize>()
        };
        let nodes = records.sources.len() + records.entities.len() + records.events.len();
        assert_eq!(rows("SET n = row"), nodes);
        assert_eq!(rows("SET r = row.props"), pg::edges(&records).len());
        assert!(
            script.contains("MATCH (a:`Entity` {id: row.from})"),
            "{script}"
        );
        // Every statement ends; none is left open.
        assert!(script.trim_end().ends_with(';'));
    }
}
