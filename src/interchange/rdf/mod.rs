//! RDF: the records as Turtle, N-Triples and JSON-LD in schema.org terms, and Turtle or
//! N-Triples in the same vocabulary read back into records.
//!
//! Each node is a resource at `base + id` (`https://…/state/estonia`) typed with its schema.org
//! class; each relation is both a plain triple (`<from> ng:MEMBER_OF <to>`, for simple
//! queries) and an `ng:Relation` resource with its role, validity and evidence. Statements'
//! bases (evidence, editorial notes), claims, participants' quotes and date rules are resources
//! of their own, under the IRI of what they belong to. Everything a record holds is written, so
//! [`read`] of a written file gives back the same records (sorted by id; participants by id,
//! as [`crate::seed::records_of`] gives them; language tags of labels in lowercase, since RDF
//! compares them without case).

mod jsonld;
mod parse;
mod read;
mod vocab;
mod write;

#[cfg(test)]
mod tests;

pub use jsonld::write_jsonld;
pub use read::read;
pub use vocab::{NG, SCHEMA};
pub use write::{write_ntriples, write_turtle};

/// The RDF syntaxes [`read`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RdfSyntax {
    Turtle,
    NTriples,
}
