//! Graphviz DOT: a `digraph` with a node per source, entity and event (its name as the label,
//! its kind as shape and colour) and an edge per relation, publisher and participation,
//! labelled with its type.

use std::io::{self, Write};

use crate::interchange::pg::{self, EdgeOrigin, Node};
use crate::seed::RecordSet;

/// A DOT quoted string. Backslashes are doubled: in a label `\n`, `\l` and friends are
/// escapes, so a literal one must not start one; a newline becomes the centred-line `\n`.
pub(crate) fn quoted(out: &mut dyn Write, s: &str) -> io::Result<()> {
    out.write_all(b"\"")?;
    let mut last = 0;
    for (i, c) in s.char_indices() {
        let rep: &[u8] = match c {
            '"' => b"\\\"",
            '\\' => b"\\\\",
            '\n' => b"\\n",
            '\r' => b"",
            _ => continue,
        };
        out.write_all(&s.as_bytes()[last..i])?;
        out.write_all(rep)?;
        last = i + c.len_utf8();
    }
    out.write_all(&s.as_bytes()[last..])?;
    out.write_all(b"\"")
}

fn style(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "state" => ("box", "#1f77b4"),
        "person" => ("ellipse", "#2ca02c"),
        "organization" => ("hexagon", "#9467bd"),
        "treaty" => ("note", "#8c564b"),
        "event" => ("diamond", "#ff7f0e"),
        "source" => ("folder", "#7f7f7f"),
        _ => ("plaintext", "#000000"),
    }
}

fn attr(out: &mut dyn Write, name: &str, value: &str) -> io::Result<()> {
    write!(out, ", {name}=")?;
    quoted(out, value)
}

/// Writes the records as one `digraph`, nodes and edges by id.
pub fn write(records: &RecordSet, out: &mut dyn Write) -> io::Result<()> {
    let mut out = io::BufWriter::new(out);
    let out: &mut dyn Write = &mut out;
    out.write_all(
        b"digraph newsgraph {\n  rankdir=LR;\n  node [style=filled, fillcolor=white];\n",
    )?;
    for node in pg::nodes(records) {
        let (shape, colour) = style(node.kind());
        out.write_all(b"  ")?;
        quoted(out, node.id())?;
        out.write_all(b" [label=")?;
        quoted(out, node.name())?;
        attr(out, "kind", node.kind())?;
        write!(out, ", shape={shape}, color=\"{colour}\"")?;
        match node {
            Node::Event(e) => {
                if let Some(date) = &e.date {
                    attr(out, "date", date)?;
                }
            }
            Node::Source(s) => attr(out, "published", &s.published)?,
            Node::Entity(_) => {}
        }
        out.write_all(b"];\n")?;
    }
    for edge in pg::edges(records) {
        out.write_all(b"  ")?;
        quoted(out, edge.from)?;
        out.write_all(b" -> ")?;
        quoted(out, edge.to)?;
        out.write_all(b" [label=")?;
        quoted(out, edge.rel)?;
        match edge.origin {
            EdgeOrigin::Relation(r) => {
                for (name, value) in [
                    ("role", &r.role),
                    ("validFrom", &r.valid_from),
                    ("validUntil", &r.valid_until),
                ] {
                    if let Some(v) = value {
                        attr(out, name, v)?;
                    }
                }
            }
            // Derived edges are drawn dashed: they come from a node's record, not a relation.
            _ => out.write_all(b", style=dashed")?,
        }
        out.write_all(b"];\n")?;
    }
    out.write_all(b"}\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::EntityRecord;

    #[test]
    fn quotes_backslashes_and_newlines_are_escaped() {
        let records = RecordSet {
            entities: vec![EntityRecord {
                id: "state/\"x\"".into(),
                kind: "state".into(),
                name: "Say \"hi\"\\n <&>\nnext".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let mut out = Vec::new();
        write(&records, &mut out).expect("write");
        let dot = String::from_utf8(out).expect("UTF-8");
        assert!(
            dot.contains(
                r#""state/\"x\"" [label="Say \"hi\"\\n <&>\nnext", kind="state", shape=box"#
            ),
            "{dot}"
        );
        assert_eq!(dot.lines().count(), 5, "one line per node: {dot}");
    }
}
