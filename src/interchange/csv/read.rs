//! Reading the two files back into records: every problem of shape (header, cell, JSON, type,
//! label) is collected with its file, line and column; the graph's own rules are left to
//! [`crate::interchange::build`], which names a record's line through the origins kept here.
//!
//! Rows are streamed as `ByteRecord`s (one buffer for the whole file); the cells are borrowed
//! until they become the records' strings.

use std::collections::HashMap;

use csv::ByteRecord;
use serde::de::DeserializeOwned;

use super::columns::{
    Column, DERIVED_PARTICIPANT, DERIVED_PUBLISHER, ENTITY, EVENT, NODE_COLUMNS, NodeCol,
    PARTICIPANT, PUBLISHER, RELATION, RELATIONSHIP_COLUMNS, RelCol, SOURCE, check_header_field,
    kind_of_labels, split,
};
use crate::graph::FuzzyDate;
use crate::interchange::pg::Part;
use crate::interchange::{Imported, Origin, Problem};
use crate::seed::{
    DateRuleRecord, EntityRecord, EventRecord, InferredRecord, ParticipantRecord,
    QuotedParticipant, RelationRecord, SourceRecord,
};

/// Reads `nodes.csv` and `relationships.csv` (each given as its name, for the messages, and its
/// bytes) into records, or every problem found in them.
pub fn read(nodes: (&str, &[u8]), relationships: (&str, &[u8])) -> Result<Imported, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut imported = Imported::default();
    let nodes_whole = read_nodes(nodes.0, nodes.1, &mut imported, &mut problems);
    read_relationships(
        relationships.0,
        relationships.1,
        &mut imported,
        nodes_whole,
        &mut problems,
    );
    if problems.is_empty() {
        Ok(imported)
    } else {
        Err(problems)
    }
}

/// Reads the next row into `rec`: `Some(false)` at the end of the file, `None` when the file
/// cannot be read further (the problem is kept: the csv crate cannot resynchronise).
fn next_row(
    rd: &mut csv::Reader<&[u8]>,
    rec: &mut ByteRecord,
    file: &str,
    problems: &mut Vec<Problem>,
) -> Option<bool> {
    match rd.read_byte_record(rec) {
        Ok(more) => Some(more),
        Err(e) => {
            problems.push(Problem {
                file: file.to_string(),
                line: e.position().map(|p| p.line()),
                column: None,
                reason: e.to_string(),
            });
            None
        }
    }
}

fn reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        // Rows of the wrong length are reported by line, not as a parse error that ends the read.
        .flexible(true)
        .from_reader(bytes)
}

/// Where each known column is in a file, and whether the required ones are all there.
struct Header {
    /// By column (index into the file's column table): its position in the row.
    at: Vec<Option<usize>>,
    width: usize,
    complete: bool,
}

fn read_header(
    file: &str,
    rd: &mut csv::Reader<&[u8]>,
    columns: &'static [Column],
    required: &[usize],
    problems: &mut Vec<Problem>,
) -> Option<Header> {
    let mut rec = ByteRecord::new();
    let problem = |line, column: Option<&str>, reason: String| Problem {
        file: file.to_string(),
        line,
        column: column.map(str::to_string),
        reason,
    };
    match rd.read_byte_record(&mut rec) {
        Ok(true) => {}
        Ok(false) => {
            problems.push(problem(None, None, "empty: no header line".into()));
            return None;
        }
        Err(e) => {
            problems.push(problem(Some(1), None, e.to_string()));
            return None;
        }
    }
    let line = Some(rec.position().map_or(1, |p| p.line()));
    let mut at = vec![None; columns.len()];
    for (pos, raw) in rec.iter().enumerate() {
        let Ok(field) = std::str::from_utf8(raw) else {
            problems.push(problem(
                line,
                Some(&format!("#{}", pos + 1)),
                "not UTF-8".into(),
            ));
            continue;
        };
        if let Err(e) = check_header_field(field) {
            problems.push(problem(line, Some(field), e));
            continue;
        }
        if let Some(i) = columns.iter().position(|c| c.header == field) {
            if at[i].is_some() {
                problems.push(problem(line, Some(field), "duplicate column".into()));
            } else {
                at[i] = Some(pos);
            }
            continue;
        }
        let name = split(field).0;
        let reason = match columns
            .iter()
            .find(|c| !name.is_empty() && c.name() == name)
        {
            Some(c) => format!("wrong type: the column is `{}`", c.header),
            None => {
                let known: Vec<&str> = columns.iter().map(|c| c.header).collect();
                format!("unknown column: the columns are {}", known.join(", "))
            }
        };
        problems.push(problem(line, Some(field), reason));
    }
    let mut complete = true;
    for &i in required {
        if at[i].is_none() {
            complete = false;
            problems.push(problem(
                line,
                Some(columns[i].header),
                "missing column".into(),
            ));
        }
    }
    Some(Header {
        at,
        width: rec.len(),
        complete,
    })
}

/// One row being read: its cells by column, and where problems go.
struct Row<'a> {
    file: &'a str,
    line: u64,
    rec: &'a ByteRecord,
    header: &'a Header,
    columns: &'static [Column],
    problems: &'a mut Vec<Problem>,
}

impl<'a> Row<'a> {
    fn problem(&mut self, c: usize, reason: String) {
        self.problems.push(Problem {
            file: self.file.to_string(),
            line: Some(self.line),
            column: Some(self.columns[c].header.to_string()),
            reason,
        });
    }

    fn raw(&self, c: usize) -> &'a [u8] {
        self.header.at[c]
            .and_then(|pos| self.rec.get(pos))
            .unwrap_or_default()
    }

    fn text(&mut self, c: usize) -> &'a str {
        let raw = self.raw(c);
        match std::str::from_utf8(raw) {
            Ok(s) => s,
            Err(_) => {
                self.problem(c, "not UTF-8".into());
                ""
            }
        }
    }

    fn string(&mut self, c: usize) -> String {
        self.text(c).to_string()
    }

    /// An empty cell is no value (as neo4j-admin takes it).
    fn opt(&mut self, c: usize) -> Option<String> {
        Some(self.text(c))
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    fn json<T: DeserializeOwned + Default>(&mut self, c: usize) -> T {
        self.json_opt(c).unwrap_or_default()
    }

    fn json_opt<T: DeserializeOwned>(&mut self, c: usize) -> Option<T> {
        let raw = self.raw(c);
        if raw.is_empty() {
            return None;
        }
        match serde_json::from_slice(raw) {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(c, format!("bad JSON: {e}"));
                None
            }
        }
    }

    fn int(&mut self, c: usize) -> Option<u32> {
        let s = self.text(c);
        if s.is_empty() {
            return None;
        }
        match s.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                self.problem(
                    c,
                    format!("`{s}` is not a whole number from 0 to 4294967295"),
                );
                None
            }
        }
    }

    /// A date as the graph takes it (`YYYY-MM-DD`, `YYYY-MM`, `YYYY`; all three are dates to
    /// neo4j-admin too), kept as written so its precision survives.
    fn date(&mut self, c: usize) -> Option<String> {
        let s = self.opt(c)?;
        if let Err(e) = FuzzyDate::parse(&s) {
            self.problem(c, format!("bad date `{s}`: {e}"));
        }
        Some(s)
    }

    fn datetime(&mut self, c: usize) -> String {
        let s = self.string(c);
        if s.is_empty() {
            self.problem(c, "a source needs its publication time".into());
        } else if chrono::DateTime::parse_from_rfc3339(&s).is_err() {
            self.problem(
                c,
                format!("bad date and time `{s}`: use RFC 3339, `2025-06-28T12:08:00+03:00`"),
            );
        }
        s
    }

    fn required(&mut self, c: usize, what: &str) -> String {
        let s = self.string(c);
        if s.is_empty() && self.header.at[c].is_some() {
            self.problem(c, format!("{what} needs a value here"));
        }
        s
    }

    /// Cells that are not for this kind of row would be lost: each is a problem.
    fn only(&mut self, rows: u8, what: &str) {
        for c in 0..self.columns.len() {
            if self.columns[c].rows & rows == 0 && !self.raw(c).is_empty() {
                self.problem(c, format!("not a field of {what}: leave it empty"));
            }
        }
    }

    fn check_width(&mut self) {
        if self.rec.len() != self.header.width {
            self.problems.push(Problem {
                file: self.file.to_string(),
                line: Some(self.line),
                column: None,
                reason: format!(
                    "{} fields where the header has {}",
                    self.rec.len(),
                    self.header.width
                ),
            });
        }
    }
}

/// Reads the nodes; whether the file's header was complete (so that relationships can be
/// checked against its nodes).
fn read_nodes(
    file: &str,
    bytes: &[u8],
    imported: &mut Imported,
    problems: &mut Vec<Problem>,
) -> bool {
    let mut rd = reader(bytes);
    let Some(header) = read_header(
        file,
        &mut rd,
        &NODE_COLUMNS,
        &[NodeCol::Id as usize, NodeCol::Label as usize],
        problems,
    ) else {
        return false;
    };
    let mut rec = ByteRecord::new();
    let records = &mut imported.records;
    let origins = &mut imported.origins;
    use NodeCol as C;
    loop {
        match next_row(&mut rd, &mut rec, file, problems) {
            Some(true) => {}
            Some(false) => break,
            None => return false,
        }
        let line = rec.position().map_or(0, |p| p.line());
        let mut r = Row {
            file,
            line,
            rec: &rec,
            header: &header,
            columns: &NODE_COLUMNS,
            problems,
        };
        r.check_width();
        let id = r.required(C::Id as usize, "a node");
        let label = r.text(C::Label as usize);
        let Some(kind) = kind_of_labels(label) else {
            if header.at[C::Label as usize].is_some() {
                r.problem(
                    C::Label as usize,
                    format!(
                        "unknown label `{label}`: use Entity;State, Entity;Person, \
                         Entity;Organization, Entity;Treaty, Event or Source"
                    ),
                );
            }
            continue;
        };
        let given = r.text(C::Kind as usize);
        if !given.is_empty() && given != kind {
            r.problem(
                C::Kind as usize,
                format!("kind `{given}` where the label says `{kind}`"),
            );
        }
        let origin = Origin {
            file: file.to_string(),
            line,
        };
        match kind {
            "source" => {
                r.only(SOURCE, "a source");
                let s = SourceRecord {
                    id,
                    title: r.string(C::Name as usize),
                    description: r.string(C::Description as usize),
                    publisher: None,
                    byline: None,
                    url: r.opt(C::Url as usize),
                    published: r.datetime(C::Published as usize),
                    language: r.required(C::Language as usize, "a source"),
                    text_file: r.opt(C::TextFile as usize),
                    text: r.opt(C::Text as usize),
                    description_evidence: r.json(C::DescriptionEvidence as usize),
                    description_editorial: r.json_opt(C::DescriptionEditorial as usize),
                };
                if header.complete {
                    records.sources.push(s);
                    origins.sources.push(origin);
                }
            }
            "event" => {
                r.only(EVENT, "an event");
                let after = r.opt(C::DateRuleAfter as usize);
                let of = r.opt(C::DateRuleNoticePeriodOf as usize);
                let date_rule = match (after, of) {
                    (None, None) => None,
                    (Some(after), Some(notice_period_of)) => Some(DateRuleRecord {
                        after,
                        notice_period_of,
                    }),
                    (None, Some(_)) => {
                        r.problem(
                            C::DateRuleAfter as usize,
                            "a date rule needs the event it runs from".into(),
                        );
                        None
                    }
                    (Some(_), None) => {
                        r.problem(
                            C::DateRuleNoticePeriodOf as usize,
                            "a date rule needs the treaty whose notice period applies".into(),
                        );
                        None
                    }
                };
                let reasoning = r.opt(C::DateInferredReasoning as usize);
                let from = r.opt(C::DateInferredFrom as usize);
                let date_inferred = match (reasoning, from) {
                    (Some(reasoning), from) => Some(InferredRecord { reasoning, from }),
                    (None, None) => None,
                    (None, Some(_)) => {
                        r.problem(
                            C::DateInferredReasoning as usize,
                            "an inferred date needs its reasoning".into(),
                        );
                        None
                    }
                };
                let e = EventRecord {
                    id,
                    kind: r.required(C::EventKind as usize, "an event"),
                    title: r.string(C::Name as usize),
                    labels: r.json(C::Labels as usize),
                    aliases: r.json(C::Aliases as usize),
                    same_as: r.json(C::SameAs as usize),
                    description: r.string(C::Description as usize),
                    date: r.date(C::Date as usize),
                    date_rule,
                    date_inferred,
                    actors: Vec::new(),
                    addressed_to: Vec::new(),
                    concerns: Vec::new(),
                    evidence: r.json(C::Evidence as usize),
                    description_evidence: r.json(C::DescriptionEvidence as usize),
                    description_editorial: r.json_opt(C::DescriptionEditorial as usize),
                    claims: r.json(C::Claims as usize),
                };
                if header.complete {
                    records.events.push(e);
                    origins.events.push(origin);
                }
            }
            kind => {
                r.only(ENTITY, "an entity");
                let e = EntityRecord {
                    id,
                    kind: kind.to_string(),
                    name: r.string(C::Name as usize),
                    labels: r.json(C::Labels as usize),
                    aliases: r.json(C::Aliases as usize),
                    same_as: r.json(C::SameAs as usize),
                    description: r.string(C::Description as usize),
                    notice_period_months: r.int(C::NoticePeriodMonths as usize),
                    description_evidence: r.json(C::DescriptionEvidence as usize),
                    description_editorial: r.json_opt(C::DescriptionEditorial as usize),
                    notice_period_evidence: r.json(C::NoticePeriodEvidence as usize),
                    notice_period_editorial: r.json_opt(C::NoticePeriodEditorial as usize),
                    claims: r.json(C::Claims as usize),
                };
                if header.complete {
                    records.entities.push(e);
                    origins.entities.push(origin);
                }
            }
        }
    }
    header.complete
}

/// What a relationship row adds to the records.
enum Edge {
    Relation(RelationRecord),
    Participant(usize, Part, ParticipantRecord),
    Publisher(usize, String, Option<String>),
}

fn read_relationships(
    file: &str,
    bytes: &[u8],
    imported: &mut Imported,
    nodes_whole: bool,
    problems: &mut Vec<Problem>,
) {
    let mut rd = reader(bytes);
    let Some(header) = read_header(
        file,
        &mut rd,
        &RELATIONSHIP_COLUMNS,
        &[
            RelCol::Start as usize,
            RelCol::End as usize,
            RelCol::Type as usize,
        ],
        problems,
    ) else {
        return;
    };
    // Participations and publishers belong to their event's or source's record: found by id.
    let events: HashMap<&str, usize, foldhash::fast::RandomState> = imported
        .records
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.as_str(), i))
        .collect();
    let sources: HashMap<&str, usize, foldhash::fast::RandomState> = imported
        .records
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut edges: Vec<(Edge, u64)> = Vec::new();
    let mut rec = ByteRecord::new();
    use RelCol as C;
    loop {
        if next_row(&mut rd, &mut rec, file, problems) != Some(true) {
            break;
        }
        let line = rec.position().map_or(0, |p| p.line());
        let mut r = Row {
            file,
            line,
            rec: &rec,
            header: &header,
            columns: &RELATIONSHIP_COLUMNS,
            problems,
        };
        r.check_width();
        let from = r.required(C::Start as usize, "a relationship");
        let to = r.required(C::End as usize, "a relationship");
        let rel = r.required(C::Type as usize, "a relationship");
        let derived = r.text(C::Derived as usize);
        let edge = match derived {
            "" => {
                r.only(RELATION, "a relation");
                Some(Edge::Relation(RelationRecord {
                    id: r.opt(C::Id as usize),
                    rel,
                    from,
                    to,
                    role: r.opt(C::Role as usize),
                    valid_from: r.date(C::ValidFrom as usize),
                    valid_from_event: r.opt(C::ValidFromEvent as usize),
                    valid_until: r.date(C::ValidUntil as usize),
                    valid_until_event: r.opt(C::ValidUntilEvent as usize),
                    evidence: r.json(C::Evidence as usize),
                }))
            }
            DERIVED_PARTICIPANT => {
                r.only(PARTICIPANT, "a participation");
                let quote = r.opt(C::Quote as usize);
                let source = r.opt(C::Source as usize);
                let start = r.int(C::StartOffset as usize);
                match Part::of_rel(&rel) {
                    None => {
                        r.problem(
                            C::Type as usize,
                            format!(
                                "`{rel}`: a participation is ACTOR_IN, ADDRESSED_TO or CONCERNS"
                            ),
                        );
                        None
                    }
                    Some(part) => {
                        let (event, other, event_col) = match part {
                            Part::Actor => (to, from, C::End),
                            _ => (from, to, C::Start),
                        };
                        let participant = match quote {
                            Some(quote) => ParticipantRecord::Quoted(QuotedParticipant {
                                id: other,
                                quote,
                                source,
                                start,
                            }),
                            None => {
                                if source.is_some() || start.is_some() {
                                    r.problem(
                                        C::Quote as usize,
                                        "a participant's source and start need its quote".into(),
                                    );
                                }
                                ParticipantRecord::Id(other)
                            }
                        };
                        match events.get(event.as_str()) {
                            Some(&i) => Some(Edge::Participant(i, part, participant)),
                            None => {
                                if nodes_whole {
                                    r.problem(
                                        event_col as usize,
                                        format!("no event `{event}` among the nodes"),
                                    );
                                }
                                None
                            }
                        }
                    }
                }
            }
            DERIVED_PUBLISHER => {
                r.only(PUBLISHER, "a publisher");
                let byline = r.opt(C::Quote as usize);
                if rel != "PUBLISHED_BY" {
                    r.problem(
                        C::Type as usize,
                        format!("`{rel}`: a publisher's relationship is PUBLISHED_BY"),
                    );
                }
                match sources.get(from.as_str()) {
                    Some(&i) => Some(Edge::Publisher(i, to, byline)),
                    None => {
                        if nodes_whole {
                            r.problem(
                                C::Start as usize,
                                format!("no source `{from}` among the nodes"),
                            );
                        }
                        None
                    }
                }
            }
            other => {
                r.problem(
                    C::Derived as usize,
                    format!(
                        "unknown `{other}`: leave it empty for a relation, or write \
                         `{DERIVED_PARTICIPANT}` or `{DERIVED_PUBLISHER}`"
                    ),
                );
                None
            }
        };
        if header.complete
            && let Some(edge) = edge
        {
            edges.push((edge, line));
        }
    }
    drop((events, sources));
    let records = &mut imported.records;
    for (edge, line) in edges {
        match edge {
            Edge::Relation(rel) => {
                records.relations.push(rel);
                imported.origins.relations.push(Origin {
                    file: file.to_string(),
                    line,
                });
            }
            Edge::Participant(i, part, p) => part.list_mut(&mut records.events[i]).push(p),
            Edge::Publisher(i, publisher, byline) => {
                let s = &mut records.sources[i];
                if s.publisher.is_some() {
                    problems.push(Problem {
                        file: file.to_string(),
                        line: Some(line),
                        column: Some(RELATIONSHIP_COLUMNS[C::Start as usize].header.into()),
                        reason: format!("a second publisher of `{}`", s.id),
                    });
                } else {
                    s.publisher = Some(publisher);
                    s.byline = byline;
                }
            }
        }
    }
}
