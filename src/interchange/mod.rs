//! Interchange: the graph's records in the formats other tools read and write — RDF (Turtle,
//! N-Triples, JSON-LD with schema.org terms), GraphML, Neo4j's CSV import files, Cypher and
//! Graphviz DOT. Every format works on a [`RecordSet`] (the seed format in memory), so an export
//! of a whole graph or of a view is the same code, and an import ends in the same validation as
//! a seed ([`build`]).

pub mod csv;
pub mod cypher;
pub mod dot;
pub mod graphml;
pub mod pg;
pub mod rdf;
pub mod view;

/// The IRI node ids are appended to in RDF unless told otherwise: `.example` is reserved for
/// this (RFC 2606); a public deployment gives its own, e.g. `https://news.example.org/id/`.
pub const DEFAULT_BASE: &str = "https://newsgraph.example/id/";

use std::fmt;

use crate::graph::Graph;
use crate::seed::{BuildError, RecordSet, Section};

/// A format an export is written in as one file (the CSV import files are two: nodes and
/// relationships).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    JsonLd,
    Turtle,
    NTriples,
    GraphMl,
    /// `nodes.csv` of the Neo4j import files.
    CsvNodes,
    /// `relationships.csv` of the Neo4j import files.
    CsvRelationships,
    Cypher,
    Dot,
}

impl Format {
    pub const ALL: [Format; 8] = [
        Format::JsonLd,
        Format::Turtle,
        Format::NTriples,
        Format::GraphMl,
        Format::CsvNodes,
        Format::CsvRelationships,
        Format::Cypher,
        Format::Dot,
    ];

    /// The name an HTTP export takes it by (`/export?format=turtle`).
    pub fn name(self) -> &'static str {
        match self {
            Format::JsonLd => "jsonld",
            Format::Turtle => "turtle",
            Format::NTriples => "ntriples",
            Format::GraphMl => "graphml",
            Format::CsvNodes => "csv-nodes",
            Format::CsvRelationships => "csv-relationships",
            Format::Cypher => "cypher",
            Format::Dot => "dot",
        }
    }

    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The media type, as registered where there is one.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::JsonLd => "application/ld+json",
            Format::Turtle => "text/turtle; charset=utf-8",
            Format::NTriples => "application/n-triples",
            Format::GraphMl => "application/graphml+xml",
            Format::CsvNodes | Format::CsvRelationships => "text/csv; charset=utf-8",
            // Neo4j's own tools name none; this is the one its drivers' docs use.
            Format::Cypher => "application/x-cypher-query; charset=utf-8",
            Format::Dot => "text/vnd.graphviz; charset=utf-8",
        }
    }

    /// The download's file name.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::JsonLd => "newsgraph.jsonld",
            Format::Turtle => "newsgraph.ttl",
            Format::NTriples => "newsgraph.nt",
            Format::GraphMl => "newsgraph.graphml",
            Format::CsvNodes => csv::NODES,
            Format::CsvRelationships => csv::RELATIONSHIPS,
            Format::Cypher => "newsgraph.cypher",
            Format::Dot => "newsgraph.dot",
        }
    }
}

/// Writes `records` in `format`; `base` is the IRI RDF node ids are appended to.
pub fn write(
    format: Format,
    records: &RecordSet,
    base: &str,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::JsonLd => rdf::write_jsonld(records, base, out),
        Format::Turtle => rdf::write_turtle(records, base, out),
        Format::NTriples => rdf::write_ntriples(records, base, out),
        Format::GraphMl => graphml::write(records, out),
        Format::CsvNodes => csv::write_nodes(records, out),
        Format::CsvRelationships => csv::write_relationships(records, out),
        Format::Cypher => cypher::write(records, out),
        Format::Dot => dot::write(records, out),
    }
}

/// One problem in an imported file: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// One-based; `None` for a problem of the file as a whole.
    pub line: Option<u64>,
    /// The column's header name or position, where one is to blame.
    pub column: Option<String>,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ": column `{column}`")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Where a record was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: u64,
}

/// Where each record of an import came from, by section and position, so that validation,
/// which speaks of records, can name the file and line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins {
    pub sources: Vec<Origin>,
    pub entities: Vec<Origin>,
    pub events: Vec<Origin>,
    pub relations: Vec<Origin>,
}

impl Origins {
    fn of(&self, section: Section, index: usize) -> Option<&Origin> {
        match section {
            Section::Sources => &self.sources,
            Section::Entities => &self.entities,
            Section::Events => &self.events,
            Section::Relations => &self.relations,
        }
        .get(index)
    }
}

/// Records read from files, with where each came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Imported {
    pub records: RecordSet,
    pub origins: Origins,
}

/// Builds and validates the graph of an import exactly as a seed is, a problem naming the file
/// and line of the record it is about.
pub fn build(imported: &Imported) -> Result<Graph, Problem> {
    crate::seed::build(&imported.records).map_err(|e| located(&imported.origins, e))
}

/// Builds and validates `graph`'s records with the imported ones added after them; a
/// problem in an imported record names its file and line, one in the graph's own records the
/// graph. The merged records come back with the graph, for a snapshot.
pub fn build_onto(graph: RecordSet, imported: Imported) -> Result<(Graph, RecordSet), Problem> {
    let at = [
        graph.sources.len(),
        graph.entities.len(),
        graph.events.len(),
        graph.relations.len(),
    ];
    let mut all = graph;
    let more = imported.records;
    all.sources.extend(more.sources);
    all.entities.extend(more.entities);
    all.events.extend(more.events);
    all.relations.extend(more.relations);
    match crate::seed::build(&all) {
        Ok(g) => Ok((g, all)),
        Err(mut e) => {
            let section = match e.section {
                Section::Sources => 0,
                Section::Entities => 1,
                Section::Events => 2,
                Section::Relations => 3,
            };
            match e.index {
                Some(i) if i >= at[section] => {
                    e.index = Some(i - at[section]);
                    Err(located(&imported.origins, e))
                }
                _ => Err(Problem {
                    file: "the current graph".into(),
                    line: None,
                    column: None,
                    reason: e.to_string(),
                }),
            }
        }
    }
}

fn located(origins: &Origins, e: BuildError) -> Problem {
    let origin = e.index.and_then(|i| origins.of(e.section, i));
    Problem {
        file: origin.map_or_else(|| e.section.file().to_string(), |o| o.file.clone()),
        line: origin.map(|o| o.line),
        column: None,
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::RelationRecord;

    #[test]
    fn a_record_that_fails_validation_is_named_by_its_file_and_line() {
        let mut imported = Imported::default();
        imported.records.relations.push(RelationRecord {
            rel: "MEMBER_OF".into(),
            from: "state/nowhere".into(),
            to: "org/nothing".into(),
            ..Default::default()
        });
        imported.origins.relations.push(Origin {
            file: "relationships.csv".into(),
            line: 7,
        });
        let problem = build(&imported).expect_err("the relation's ends do not exist");
        assert_eq!(problem.file, "relationships.csv");
        assert_eq!(problem.line, Some(7));
        let shown = problem.to_string();
        assert!(
            shown.starts_with("relationships.csv:7: relation "),
            "{shown}"
        );
        assert!(shown.contains("state/nowhere"), "{shown}");
    }
}
