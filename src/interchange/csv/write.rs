//! Writing the two files, streamed: one reused buffer per JSON cell, nothing else per row.

use std::io::{self, Write};

use serde::Serialize;

use super::columns::{
    DERIVED_PARTICIPANT, DERIVED_PUBLISHER, NODE_COLUMNS, NodeCol, RELATIONSHIP_COLUMNS, RelCol,
    labels_of,
};
use crate::interchange::pg::{self, EdgeOrigin, Node};
use crate::seed::{ParticipantRecord, RecordSet};

fn csv_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// One row's cells, filled column by column, then written at once.
struct Row<const N: usize> {
    cells: [Vec<u8>; N],
}

impl<const N: usize> Row<N> {
    fn new() -> Self {
        Row {
            cells: std::array::from_fn(|_| Vec::new()),
        }
    }

    fn clear(&mut self) {
        for c in &mut self.cells {
            c.clear();
        }
    }

    fn text(&mut self, i: usize, value: &str) {
        self.cells[i].extend_from_slice(value.as_bytes());
    }

    fn opt(&mut self, i: usize, value: Option<&str>) {
        if let Some(v) = value {
            self.text(i, v);
        }
    }

    fn int(&mut self, i: usize, value: Option<u32>) {
        if let Some(v) = value {
            // A u32 has at most ten digits: no allocation for the number.
            let _ = write!(&mut self.cells[i], "{v}");
        }
    }

    /// A JSON cell, left empty for an empty value (the reader takes empty as empty).
    fn json<T: Serialize + ?Sized>(&mut self, i: usize, value: &T, empty: bool) -> io::Result<()> {
        if !empty {
            serde_json::to_writer(&mut self.cells[i], value).map_err(io::Error::other)?;
        }
        Ok(())
    }

    fn write(&self, w: &mut csv::Writer<&mut dyn Write>) -> io::Result<()> {
        w.write_record(&self.cells).map_err(csv_error)
    }
}

fn header(w: &mut csv::Writer<&mut dyn Write>, cols: &[super::columns::Column]) -> io::Result<()> {
    w.write_record(cols.iter().map(|c| c.header))
        .map_err(csv_error)
}

/// Writes `nodes.csv`: every source, entity and event, by id.
pub fn write_nodes(records: &RecordSet, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    header(&mut w, &NODE_COLUMNS)?;
    let mut row: Row<{ NODE_COLUMNS.len() }> = Row::new();
    use NodeCol as C;
    for node in pg::nodes(records) {
        row.clear();
        row.text(C::Id as usize, node.id());
        // An unknown entity kind keeps its word as a label, so an import names the problem.
        row.text(
            C::Label as usize,
            labels_of(node.kind()).unwrap_or(node.kind()),
        );
        row.text(C::Kind as usize, node.kind());
        row.text(C::Name as usize, node.name());
        row.text(C::Description as usize, node.description());
        let c = node.shared();
        let evidence = c.description_evidence;
        row.json(
            C::DescriptionEvidence as usize,
            &evidence,
            evidence.is_empty(),
        )?;
        let editorial = c.description_editorial;
        row.json(
            C::DescriptionEditorial as usize,
            &editorial,
            editorial.is_none(),
        )?;
        row.json(C::Labels as usize, c.labels, c.labels.is_empty())?;
        row.json(C::Aliases as usize, &c.aliases, c.aliases.is_empty())?;
        row.json(C::SameAs as usize, &c.same_as, c.same_as.is_empty())?;
        row.json(C::Claims as usize, &c.claims, c.claims.is_empty())?;
        match node {
            Node::Source(s) => {
                row.text(C::Published as usize, &s.published);
                row.text(C::Language as usize, &s.language);
                row.opt(C::Url as usize, s.url.as_deref());
                row.opt(C::TextFile as usize, s.text_file.as_deref());
                row.opt(C::Text as usize, s.text.as_deref());
            }
            Node::Entity(e) => {
                row.int(C::NoticePeriodMonths as usize, e.notice_period_months);
                row.json(
                    C::NoticePeriodEvidence as usize,
                    &e.notice_period_evidence,
                    e.notice_period_evidence.is_empty(),
                )?;
                row.json(
                    C::NoticePeriodEditorial as usize,
                    &e.notice_period_editorial,
                    e.notice_period_editorial.is_none(),
                )?;
            }
            Node::Event(e) => {
                row.text(C::EventKind as usize, &e.kind);
                row.opt(C::Date as usize, e.date.as_deref());
                if let Some(rule) = &e.date_rule {
                    row.text(C::DateRuleAfter as usize, &rule.after);
                    row.text(C::DateRuleNoticePeriodOf as usize, &rule.notice_period_of);
                }
                if let Some(inferred) = &e.date_inferred {
                    row.text(C::DateInferredReasoning as usize, &inferred.reasoning);
                    row.opt(C::DateInferredFrom as usize, inferred.from.as_deref());
                }
                // Always written: an event's evidence is required, `[]` says it is empty.
                row.json(C::Evidence as usize, &e.evidence, false)?;
            }
        }
        row.write(&mut w)?;
    }
    w.flush()
}

/// Writes `relationships.csv`: the relations by id, the publishers, the participations.
pub fn write_relationships(records: &RecordSet, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    header(&mut w, &RELATIONSHIP_COLUMNS)?;
    let mut row: Row<{ RELATIONSHIP_COLUMNS.len() }> = Row::new();
    use RelCol as C;
    for edge in pg::edges(records) {
        row.clear();
        row.text(C::Start as usize, edge.from);
        row.text(C::End as usize, edge.to);
        row.text(C::Type as usize, edge.rel);
        match edge.origin {
            EdgeOrigin::Relation(r) => {
                row.opt(C::Id as usize, r.id.as_deref());
                row.opt(C::Role as usize, r.role.as_deref());
                row.opt(C::ValidFrom as usize, r.valid_from.as_deref());
                row.opt(C::ValidFromEvent as usize, r.valid_from_event.as_deref());
                row.opt(C::ValidUntil as usize, r.valid_until.as_deref());
                row.opt(C::ValidUntilEvent as usize, r.valid_until_event.as_deref());
                row.json(C::Evidence as usize, &r.evidence, false)?;
            }
            EdgeOrigin::Publisher(s) => {
                row.text(C::Derived as usize, DERIVED_PUBLISHER);
                row.opt(C::Quote as usize, s.byline.as_deref());
            }
            EdgeOrigin::Participant { participant, .. } => {
                row.text(C::Derived as usize, DERIVED_PARTICIPANT);
                if let ParticipantRecord::Quoted(q) = participant {
                    row.text(C::Quote as usize, &q.quote);
                    row.opt(C::Source as usize, q.source.as_deref());
                    row.int(C::StartOffset as usize, q.start);
                }
            }
        }
        row.write(&mut w)?;
    }
    w.flush()
}
