//! The GraphQL layer: the schema, its types and resolvers. Resolvers are thin: they check
//! arguments, call the graph core and wrap what it returns. The graph version a request reads
//! is an `Arc<Graph>` in the request data, so one query always sees one version.

mod analysis;
mod error;
mod execute;
pub mod extensions;
mod facets;
mod listing;
mod mutation;
mod offload;
mod pagination;
mod query;
mod scalars;
mod subscription;
mod types;

use std::sync::Arc;

use async_graphql::{Schema, SchemaBuilder};

use crate::store::Store;

pub use error::{ApiError, code};
pub use execute::{execute, is_request_error};
pub use extensions::{Outcome, Pipeline, RequestInfo};
pub use mutation::{MutationRoot, WriteAccess};
pub use pagination::{DEFAULT_PAGE, MAX_PAGE};
pub use query::QueryRoot;
pub use subscription::SubscriptionRoot;

/// Limits on a parsed query, enforced before it runs.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Deepest selection nesting.
    pub max_depth: usize,
    /// Highest total cost (each field costs 1; a list field's children count once per page
    /// item, see `complexity` in the schema).
    pub max_complexity: usize,
    /// Most fields in a query after expanding fragments (aliases included).
    pub max_fields: usize,
    /// Most directives on one field.
    pub max_directives: usize,
    /// Most list items (entities, relations, events, quotes, ...) in one response.
    pub max_items: usize,
    /// Whether clients may introspect the schema (GraphiQL needs it).
    pub introspection: bool,
}

impl Limits {
    /// Deepest nesting of selection sets, fragments included: it bounds the recursion of
    /// async-graphql's own validators, whatever the query.
    pub fn max_recursion(&self) -> usize {
        self.max_depth.saturating_mul(2).max(32)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 16,
            max_complexity: 20_000,
            max_fields: 2_000,
            max_directives: 8,
            max_items: 10_000,
            introspection: true,
        }
    }
}

/// The served schema's type.
pub type NewsSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema builder the server and the tests share.
pub fn schema_builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(QueryRoot::default(), MutationRoot, SubscriptionRoot)
        // Interfaces' implementers are reached only through the interface; register them all.
        .register_output_type::<types::Node>()
        .register_output_type::<types::Entity>()
}

/// The schema as served, writing to `store`, with every transport's operations going through
/// the one pipeline of checks (`pipeline`). Queries over HTTP read the graph version the HTTP
/// layer puts in each request; other operations get one version each from the pipeline;
/// mutations and subscriptions use the store.
pub fn schema(store: Arc<Store>, pipeline: &Pipeline) -> NewsSchema {
    let limits = &pipeline.limits;
    let mut b = schema_builder()
        .data(store)
        .data(Arc::new(offload::CpuPool::new(pipeline.timeout)))
        .extension(extensions::Guard::new(pipeline.clone()))
        // Depth and complexity are not given to async-graphql: the pipeline applies them (its
        // own depth check, and async-graphql's counts once validation has computed them), so
        // that every error of the validation stage is a rule's and the codes never depend on
        // message text. The two limits below are backstops to the pipeline's own checks of the
        // same (it runs them first); async-graphql applies them while taking the document.
        .limit_directives(limits.max_directives)
        .limit_recursive_depth(limits.max_recursion());
    if !limits.introspection {
        // Production: no schema for strangers, not even through "Did you mean ...?" hints.
        b = b.disable_introspection().disable_suggestions();
    }
    b.finish()
}

/// The SDL of the served schema: what `schema/schema.graphql` must contain.
pub fn sdl() -> String {
    schema_builder().finish().sdl()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::extensions::Pipeline;
    use crate::seed::SeedSource;
    use crate::store::Store;

    /// Regression: a write answered TIMEOUT (504) had committed, and its retry was refused.
    /// The read timeout cuts off queries, never a mutation that is applying.
    #[tokio::test]
    async fn a_mutation_slower_than_the_timeout_still_commits_and_says_so() {
        let store = Arc::new(Store::open(&SeedSource::BuiltIn, None).unwrap());
        let pipeline = Pipeline {
            timeout: Duration::from_micros(1),
            ..Pipeline::default()
        };
        let schema = super::schema(store.clone(), &pipeline);
        // A batch that takes far longer than the timeout to apply (and waits on a blocking
        // task, so a timeout would fire while it applies).
        let changes: Vec<serde_json::Value> = (0..1000)
            .map(|i| {
                serde_json::json!({ "addEntity": {
                    "id": format!("state/s-{i}"), "kind": "STATE", "name": format!("S {i}") } })
            })
            .collect();
        let write = async_graphql::Request::new(
            "mutation($c: [ChangeInput!]!) { applyChanges(changes: $c) { applied } }",
        )
        .variables(async_graphql::Variables::from_json(
            serde_json::json!({ "c": changes }),
        ))
        .data(super::WriteAccess::Granted);
        let resp = schema.execute(write).await;
        assert!(resp.errors.is_empty(), "{:?}", resp.errors);
        assert!(store.graph().lookup("state/s-999").is_some());
    }

    /// Counts the fields resolved inside the pipeline's guard (registered after it).
    struct Counting(Arc<std::sync::atomic::AtomicUsize>);

    impl async_graphql::extensions::ExtensionFactory for Counting {
        fn create(&self) -> Arc<dyn async_graphql::extensions::Extension> {
            Arc::new(Counting(self.0.clone()))
        }
    }

    #[async_graphql::async_trait::async_trait]
    impl async_graphql::extensions::Extension for Counting {
        async fn resolve(
            &self,
            ctx: &async_graphql::extensions::ExtensionContext<'_>,
            info: async_graphql::extensions::ResolveInfo<'_>,
            next: async_graphql::extensions::NextResolve<'_>,
        ) -> async_graphql::ServerResult<Option<async_graphql::Value>> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            next.run(ctx, info).await
        }
    }

    /// Ten aliases of every entity's id, name and description, under a response cap of
    /// `max_response_bytes`: the answer, and how many fields were resolved.
    async fn capped_query(max_response_bytes: usize) -> (async_graphql::Response, usize) {
        let store = Arc::new(Store::open(&SeedSource::BuiltIn, None).unwrap());
        let pipeline = Pipeline {
            max_response_bytes,
            ..Pipeline::default()
        };
        let resolved = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let schema = super::schema_builder()
            .data(store.clone())
            .data(Arc::new(super::offload::CpuPool::new(pipeline.timeout)))
            .extension(super::extensions::Guard::new(pipeline))
            .extension(Counting(resolved.clone()))
            .finish();
        let aliases: String = (0..10)
            .map(|i| format!("a{i}: entities(first: 100) {{ nodes {{ id name description }} }} "))
            .collect();
        let resp = schema
            .execute(async_graphql::Request::new(format!("{{ {aliases} }}")).data(store.graph()))
            .await;
        (resp, resolved.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Regression: an answer over the response cap was built whole and only then refused
    /// (1.67 GB of peak memory for a 14.5 KB query). Each field now charges its bytes as it is
    /// made, and once the cap is passed nothing more is resolved; an answer that fits the cap
    /// exactly is not refused early (what is charged is at most what the JSON holds).
    #[tokio::test]
    async fn an_answer_over_the_cap_stops_being_resolved_near_the_cap() {
        let (whole, all) = capped_query(8 << 20).await;
        assert!(whole.errors.is_empty(), "{:?}", whole.errors);
        let size = serde_json::to_vec(&whole).unwrap().len();
        assert!(size > 10_000, "a big enough answer: {size} bytes");
        let (fits, _) = capped_query(size).await;
        assert!(fits.errors.is_empty(), "{:?}", fits.errors);
        let (refused, resolved) = capped_query(size / 10).await;
        let codes: Vec<String> = refused
            .errors
            .iter()
            .filter_map(|e| e.extensions.as_ref()?.get("code").map(|c| c.to_string()))
            .collect();
        assert_eq!(codes, ["\"RESULT_TOO_LARGE\""], "{:?}", refused.errors);
        assert!(
            resolved < all / 4,
            "{resolved} of {all} fields resolved for a tenth of the answer"
        );
    }

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
