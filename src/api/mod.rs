//! The GraphQL layer: the schema, its types and resolvers. Resolvers are thin: they check
//! arguments, call the graph core and wrap what it returns. The graph version a request reads
//! is an `Arc<Graph>` in the request data, so one query always sees one version.

mod analysis;
mod error;
mod execute;
mod facets;
mod mutation;
mod pagination;
mod query;
mod scalars;
mod subscription;
mod types;

use std::sync::Arc;

use async_graphql::{Schema, SchemaBuilder};

use crate::store::Store;

pub use error::{ApiError, code};
pub use execute::execute;
pub use mutation::{MutationRoot, WriteAccess};
pub use pagination::{DEFAULT_PAGE, MAX_PAGE};
pub use query::QueryRoot;
pub use subscription::SubscriptionRoot;

/// The served schema's type.
pub type NewsSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema builder the server and the tests share.
pub fn schema_builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(QueryRoot::default(), MutationRoot, SubscriptionRoot)
        // Interfaces' implementers are reached only through the interface; register them all.
        .register_output_type::<types::Node>()
        .register_output_type::<types::Entity>()
}

/// The schema as served, writing to `store`. Queries read the graph version the HTTP layer
/// puts in each request; mutations and subscriptions use the store.
pub fn schema(store: Arc<Store>) -> NewsSchema {
    schema_builder().data(store).finish()
}

/// The SDL of the served schema: what `schema/schema.graphql` must contain.
pub fn sdl() -> String {
    schema_builder().finish().sdl()
}

#[cfg(test)]
mod tests {
    /// The checked-in SDL is what frontends build against; it must match the code. When it is
    /// stale this test rewrites it (review and commit the diff) and fails.
    #[test]
    fn checked_in_schema_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/schema.graphql");
        let current = super::sdl();
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        if on_disk != current {
            std::fs::write(path, &current).expect("can write schema/schema.graphql");
            panic!(
                "schema/schema.graphql was stale and has been regenerated; review and commit it \
                 (or run `cargo run -- --print-schema > schema/schema.graphql`)"
            );
        }
    }
}
