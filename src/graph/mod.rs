//! The graph core: domain types, the persistent store, its validation and its queries.
//!
//! This layer knows nothing of GraphQL, HTTP or files. Everything that enters a [`Graph`] goes
//! through its write operations (directly, or many at once through [`GraphBuilder`]), which
//! enforce the invariants the rest of the program relies on:
//! unique valid ids, no dangling edges, edge ends of the right kinds, evidence quotes that occur
//! in their source's text, and computed dates that are consistent.

mod basis;
mod build;
mod dates;
pub mod deadline;
mod model;
mod neighborhood;
mod paths;
mod rank;
mod search;
mod terms;
pub use terms::Compacted as SearchCompaction;
mod store;
mod write;

pub use basis::Support;
pub use build::{
    EventDate, GraphBuilder, NewEvent, NewEvidence, NewNode, NewRelation, NewSource, Preparer,
    ValiditySpec,
};
pub use build::{NewBasis, NewClaim, NewInferred, NewStatements};
pub use model::*;
pub use neighborhood::Subgraph;
pub use paths::{Hop, Path, TraversalFilter};
pub use rank::{RANK_WHILE_LOADING, compute as compute_rank, compute_if_small as rank_if_small};
pub use search::{EvidenceMatch, MatchedOn, RankKey, Ranked, SearchHit, normalize};
pub use store::{
    DateKey, DegreeKey, Direction, Graph, KindOrders, NameKey, PARTICIPATION, Rank, RelationView,
    Status, generated_id, merge_sorted,
};
pub use write::{
    NewParticipant, Participants, PreparedEntity, PreparedEvent, PreparedParticipants,
    PreparedRelation, Referrer,
};

/// Why a change to the graph was refused. Messages name the offending id or value, so that
/// the seed loader (and later the mutation API) can pass them on unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("invalid id `{id}`: {why}")]
    BadId { id: String, why: String },
    #[error("id `{id}` is already used")]
    DuplicateId { id: String },
    #[error("relation id `{id}` is already used; give one of the relations an explicit `id`")]
    DuplicateRelation { id: String },
    #[error("`{id}` does not exist")]
    UnknownNode { id: String },
    #[error("`{id}` is a {actual}, but {what} must be one of: {expected}")]
    WrongKind {
        id: String,
        actual: &'static str,
        what: String,
        expected: String,
    },
    #[error("invalid language tag `{tag}`: {why}")]
    BadLanguage { tag: String, why: String },
    #[error("invalid date `{value}`: use YYYY-MM-DD, YYYY-MM or YYYY")]
    BadDate { value: String },
    #[error("the quote {quote:?} does not occur in the text of source `{source_id}`")]
    QuoteNotFound { source_id: String, quote: String },
    #[error("at least one piece of evidence (a source and a quote) is needed")]
    NoEvidence { what: String },
    #[error("{what} must not be empty")]
    Empty { what: String },
    #[error("the validity of relation `{id}` ends ({until}) before or when it starts ({from})")]
    EmptyInterval {
        id: String,
        from: chrono::NaiveDate,
        until: chrono::NaiveDate,
    },
    #[error("the date of event `{id}` cannot be computed: {why}")]
    DateRule { id: String, why: String },
    /// A statement without a basis: nothing the graph says is unmarked.
    #[error(
        "{what} has no basis: give the quotes that state it, or mark it as editorial \
         background (who added it, and when)"
    )]
    Unmarked { what: String },
    #[error("invalid sameAs link `{value}` of `{id}`: {why}")]
    BadSameAs {
        id: String,
        value: String,
        why: String,
    },
    #[error("invalid claim of `{id}`: {why}")]
    BadClaim { id: String, why: String },
    /// A date given more precisely than what it rests on says, or inferred without reason.
    #[error("the date {date} of {what} is not known as given: {why}")]
    DateNotStated {
        /// The event or relation whose date it is.
        id: String,
        what: String,
        date: String,
        why: String,
    },
}
