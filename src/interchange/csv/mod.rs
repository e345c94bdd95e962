//! Neo4j's bulk import files (`neo4j-admin database import full --nodes=nodes.csv
//! --relationships=relationships.csv --multiline-fields=true`): one file of nodes, one of
//! relationships, with the typed headers of its documented header format, and the import of
//! such files back into records.
//!
//! The files carry every field of the records, so that [`read`] gives back what
//! [`write_nodes`] and [`write_relationships`] wrote. Fields that are lists of structures
//! (evidence, editorial bases, claims) and free-text lists (aliases, labels by language) are
//! JSON strings: their quotes may hold `;`, the import's array delimiter, and a Neo4j property
//! cannot be a map. A source's text may span lines, hence `--multiline-fields=true`.
//! The column layout is in [`columns`].

pub mod columns;
mod read;
mod write;

pub use read::read;
pub use write::{write_nodes, write_relationships};

/// The nodes file's name.
pub const NODES: &str = "nodes.csv";
/// The relationships file's name.
pub const RELATIONSHIPS: &str = "relationships.csv";

#[cfg(test)]
mod tests;
