//! GraphML (as Gephi, yEd, networkx and igraph read it): one `<node>` per source, entity and
//! event, one `<edge>` per relation, publisher and participation, with typed `<key>`s. The
//! `label` key is what Gephi and yEd show as a node's or an edge's name.

use std::io::{self, Write};

use crate::interchange::pg::{self, EdgeOrigin, Node};
use crate::seed::RecordSet;

/// The keys: id, what they describe, name, type.
const KEYS: [(&str, &str, &str, &str); 17] = [
    ("label", "node", "label", "string"),
    ("kind", "node", "kind", "string"),
    ("name", "node", "name", "string"),
    ("description", "node", "description", "string"),
    ("eventKind", "node", "eventKind", "string"),
    ("date", "node", "date", "string"),
    ("published", "node", "published", "string"),
    ("aliases", "node", "aliases", "string"),
    ("sameAs", "node", "sameAs", "string"),
    ("elabel", "edge", "label", "string"),
    ("type", "edge", "type", "string"),
    ("validFrom", "edge", "validFrom", "string"),
    ("validUntil", "edge", "validUntil", "string"),
    ("validFromEvent", "edge", "validFromEvent", "string"),
    ("validUntilEvent", "edge", "validUntilEvent", "string"),
    ("role", "edge", "role", "string"),
    ("evidence", "edge", "evidence", "string"),
];

/// Text for XML character data and attribute values. Control characters XML 1.0 cannot carry
/// at all become U+FFFD; a newline is written as a reference so attributes keep it too.
pub(crate) fn escape(out: &mut dyn Write, s: &str) -> io::Result<()> {
    let mut last = 0;
    for (i, c) in s.char_indices() {
        let rep: &str = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&apos;",
            '\n' => "&#10;",
            '\r' => "&#13;",
            '\t' => "&#9;",
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => "\u{FFFD}",
            _ => continue,
        };
        out.write_all(&s.as_bytes()[last..i])?;
        out.write_all(rep.as_bytes())?;
        last = i + c.len_utf8();
    }
    out.write_all(&s.as_bytes()[last..])
}

fn data(out: &mut dyn Write, key: &str, value: &str) -> io::Result<()> {
    if value.is_empty() {
        return Ok(());
    }
    write!(out, "      <data key=\"{key}\">")?;
    escape(out, value)?;
    out.write_all(b"</data>\n")
}

fn opt(out: &mut dyn Write, key: &str, value: Option<&str>) -> io::Result<()> {
    value.map_or(Ok(()), |v| data(out, key, v))
}

/// Writes the records as one directed GraphML graph, nodes and edges by id.
pub fn write(records: &RecordSet, out: &mut dyn Write) -> io::Result<()> {
    let mut out = io::BufWriter::new(out);
    let out: &mut dyn Write = &mut out;
    out.write_all(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" \
xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns \
http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n",
    )?;
    for (id, on, name, ty) in KEYS {
        writeln!(
            out,
            "  <key id=\"{id}\" for=\"{on}\" attr.name=\"{name}\" attr.type=\"{ty}\"/>"
        )?;
    }
    out.write_all(b"  <graph id=\"newsgraph\" edgedefault=\"directed\">\n")?;
    for node in pg::nodes(records) {
        out.write_all(b"    <node id=\"")?;
        escape(out, node.id())?;
        out.write_all(b"\">\n")?;
        data(out, "label", node.name())?;
        data(out, "kind", node.kind())?;
        data(out, "name", node.name())?;
        data(out, "description", node.description())?;
        let (aliases, same_as) = match node {
            Node::Source(s) => {
                data(out, "published", &s.published)?;
                (&[][..], &[][..])
            }
            Node::Entity(e) => (&e.aliases[..], &e.same_as[..]),
            Node::Event(e) => {
                data(out, "eventKind", &e.kind)?;
                opt(out, "date", e.date.as_deref())?;
                (&e.aliases[..], &e.same_as[..])
            }
        };
        if !aliases.is_empty() {
            data(out, "aliases", &serde_json::to_string(aliases)?)?;
        }
        if !same_as.is_empty() {
            data(out, "sameAs", &serde_json::to_string(same_as)?)?;
        }
        out.write_all(b"    </node>\n")?;
    }
    for (i, edge) in pg::edges(records).into_iter().enumerate() {
        // Edge ids are positions: relation ids are optional, and a derived edge has none.
        write!(out, "    <edge id=\"e{i}\" source=\"")?;
        escape(out, edge.from)?;
        out.write_all(b"\" target=\"")?;
        escape(out, edge.to)?;
        out.write_all(b"\">\n")?;
        data(out, "elabel", edge.rel)?;
        data(out, "type", edge.rel)?;
        match edge.origin {
            EdgeOrigin::Relation(r) => {
                opt(out, "validFrom", r.valid_from.as_deref())?;
                opt(out, "validUntil", r.valid_until.as_deref())?;
                opt(out, "validFromEvent", r.valid_from_event.as_deref())?;
                opt(out, "validUntilEvent", r.valid_until_event.as_deref())?;
                opt(out, "role", r.role.as_deref())?;
                let quotes: Vec<&str> = r.evidence.iter().map(|e| e.quote.as_str()).collect();
                if !quotes.is_empty() {
                    data(out, "evidence", &serde_json::to_string(&quotes)?)?;
                }
            }
            EdgeOrigin::Publisher(_) | EdgeOrigin::Participant { .. } => {
                if let Some(q) = edge.quote() {
                    data(out, "evidence", &serde_json::to_string(&[q])?)?;
                }
            }
        }
        out.write_all(b"    </edge>\n")?;
    }
    out.write_all(b"  </graph>\n</graphml>\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{EntityRecord, RelationRecord};

    #[test]
    fn markup_in_names_and_ids_is_escaped() {
        let records = RecordSet {
            entities: vec![EntityRecord {
                id: "state/<a&b>".into(),
                kind: "state".into(),
                name: "\"Quoted\" <&> 'x'\nnext\u{1}".into(),
                ..Default::default()
            }],
            relations: vec![RelationRecord {
                rel: "SUPPORTS".into(),
                from: "state/<a&b>".into(),
                to: "state/<a&b>".into(),
                valid_from: Some("2025-06".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        let mut out = Vec::new();
        write(&records, &mut out).expect("write");
        let xml = String::from_utf8(out).expect("UTF-8");
        assert!(xml.contains("<node id=\"state/&lt;a&amp;b&gt;\">"), "{xml}");
        assert!(
            xml.contains("&quot;Quoted&quot; &lt;&amp;&gt; &apos;x&apos;&#10;next\u{FFFD}"),
            "{xml}"
        );
        assert!(xml.contains("source=\"state/&lt;a&amp;b&gt;\""), "{xml}");
        assert!(
            xml.contains("<data key=\"validFrom\">2025-06</data>"),
            "{xml}"
        );
        assert!(!xml.contains("<a&b>"), "{xml}");
    }
}
