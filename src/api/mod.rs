//! The GraphQL layer: the schema, its types and resolvers. Resolvers are thin: they check
//! arguments, call the graph core and wrap what it returns. The graph version a request reads
//! is an `Arc<Graph>` in the request data, so one query always sees one version.

mod error;
mod execute;
mod pagination;
mod query;
mod scalars;
mod types;

use async_graphql::{EmptyMutation, EmptySubscription, Schema, SchemaBuilder};

pub use error::{ApiError, code};
pub use execute::execute;
pub use pagination::{DEFAULT_PAGE, MAX_PAGE};
pub use query::QueryRoot;

/// The served schema's type.
pub type NewsSchema = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

/// The schema builder the server and the tests share.
pub fn schema_builder() -> SchemaBuilder<QueryRoot, EmptyMutation, EmptySubscription> {
    Schema::build(QueryRoot, EmptyMutation, EmptySubscription)
        // Interfaces' implementers are reached only through the interface; register them all.
        .register_output_type::<types::Node>()
        .register_output_type::<types::Entity>()
}

/// The schema as served.
pub fn schema() -> NewsSchema {
    schema_builder().finish()
}

/// The SDL of the served schema: what `schema/schema.graphql` must contain.
pub fn sdl() -> String {
    schema().sdl()
}
