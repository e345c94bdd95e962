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

use std::fmt;

use crate::graph::Graph;
use crate::seed::{BuildError, RecordSet, Section};

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
