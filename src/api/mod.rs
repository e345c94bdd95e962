//! The GraphQL layer: the schema, its types and resolvers. Resolvers are thin: they check
//! arguments, call the graph core and wrap what it returns. The graph version a request reads
//! is an `Arc<Graph>` in the request data, so one query always sees one version.

mod analysis;
mod error;
mod execute;
pub mod extensions;
mod facets;
mod history;
mod listing;
mod mutation;
mod offload;
mod pagination;
pub mod plan;
mod query;
mod scalars;
mod subscription;
mod support;
mod types;

use std::sync::Arc;

use async_graphql::{Schema, SchemaBuilder};

use crate::store::Store;

pub use error::{ApiError, code};
pub use execute::{execute, is_request_error};
pub use extensions::{Outcome, Pipeline, RequestInfo};
pub use mutation::{MutationRoot, WriteAccess, Writer};
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
    served(store, pipeline).0
}

/// [`schema`], with the fast path for its queries (the two share the persisted queries).
pub fn served(store: Arc<Store>, pipeline: &Pipeline) -> (NewsSchema, plan::FastPath) {
    let apq = pipeline.apq_cache();
    let pool = Arc::new(offload::CpuPool::new(pipeline.timeout));
    let fast = plan::FastPath::new(pipeline, apq.clone(), pool.clone());
    let limits = &pipeline.limits;
    let mut b = schema_builder()
        .data(store)
        .data(pool)
        .extension(extensions::Guard::with_apq(pipeline.clone(), apq))
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
    (b.finish(), fast)
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
                serde_json::json!({ "createEntity": {
                    "id": format!("state/s-{i}"), "kind": "STATE", "name": format!("S {i}") } })
            })
            .collect();
        let write = async_graphql::Request::new(
            "mutation($c: [ChangeInput!]!) { applyChanges(input: { changes: $c }) { applied } }",
        )
        .variables(async_graphql::Variables::from_json(
            serde_json::json!({ "c": changes }),
        ))
        .data(super::WriteAccess::Granted(super::Writer::new("editor")));
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

    /// The codes of the errors `request` gets from the schema as served, under `limits`.
    async fn codes(limits: super::Limits, request: async_graphql::Request) -> Vec<String> {
        let store = Arc::new(Store::open(&SeedSource::BuiltIn, None).unwrap());
        let pipeline = Pipeline {
            limits,
            ..Pipeline::default()
        };
        let resp = super::schema(store, &pipeline).execute(request).await;
        resp.errors
            .iter()
            .map(
                |e| match e.extensions.as_ref().and_then(|x| x.get("code")) {
                    Some(async_graphql::Value::String(c)) => c.clone(),
                    _ => panic!("an error without a code: {e:?}"),
                },
            )
            .collect()
    }

    /// The one code `query` gets, under the default limits with `vars`.
    async fn code_of(query: &str, vars: serde_json::Value) -> String {
        let request =
            async_graphql::Request::new(query).variables(async_graphql::Variables::from_json(vars));
        let mut codes = codes(super::Limits::default(), request).await;
        assert_eq!(codes.len(), 1, "{query}: {codes:?}");
        codes.remove(0)
    }

    /// async-graphql's own errors get their codes from the stage or the check that found them.
    /// Each query below words its message so that matching the text would give another code
    /// (a message mentioning "directives" or "too complex" was once taken for a limit).
    #[tokio::test]
    async fn async_graphqls_errors_get_the_code_of_their_kind_not_of_their_wording() {
        let none = serde_json::json!({});
        for (query, vars, expected) in [
            // The parser's message quotes the line: "too complex", "directives".
            (
                "{ entity(id: \"too complex directives\" }",
                none.clone(),
                "GRAPHQL_PARSE_FAILED",
            ),
            ("{ directives }", none.clone(), "GRAPHQL_VALIDATION_FAILED"),
            (
                "{ entities(directives: 1) { totalCount } }",
                none.clone(),
                "GRAPHQL_VALIDATION_FAILED",
            ),
            (
                "{ __typename } fragment directives on Query { __typename }",
                none.clone(),
                "GRAPHQL_VALIDATION_FAILED",
            ),
            (
                "{ ...a } fragment a on Query { ...b } fragment b on Query { ...a }",
                none.clone(),
                "GRAPHQL_VALIDATION_FAILED",
            ),
            (
                "query A { __typename } query B { __typename }",
                none.clone(),
                "GRAPHQL_VALIDATION_FAILED",
            ),
            // A literal and a variable of the wrong type, checked before validation.
            (
                "{ entities(first: \"too complex\") { totalCount } }",
                none.clone(),
                "BAD_USER_INPUT",
            ),
            (
                "query($n: Int) { entities(first: $n) { totalCount } }",
                serde_json::json!({ "n": "directives" }),
                "BAD_USER_INPUT",
            ),
            (
                "query($k: [EntityKind!]) { entities(kinds: $k) { totalCount } }",
                serde_json::json!({ "k": ["PLANET"] }),
                "BAD_USER_INPUT",
            ),
            (
                "{ entities @skip(if: \"yes\") { totalCount } }",
                none.clone(),
                "BAD_USER_INPUT",
            ),
            (
                "{ __typename @skip(if: \"yes\") }",
                none.clone(),
                "BAD_USER_INPUT",
            ),
            // Values of the right shape that fail to convert as their field runs.
            (
                "{ events(from: \"2025-13-01\") { totalCount } }",
                none.clone(),
                "BAD_USER_INPUT",
            ),
            (
                "query($d: Date) { events(to: $d) { totalCount } }",
                serde_json::json!({ "d": "too complex" }),
                "BAD_USER_INPUT",
            ),
        ] {
            assert_eq!(code_of(query, vars).await, expected, "{query}");
        }
        // What async-graphql refuses outside any stage: a subscription that is not streamed.
        assert_eq!(
            code_of("subscription { graphChanges { version } }", none.clone()).await,
            "GRAPHQL_VALIDATION_FAILED"
        );
        // An operation name is free text in the message of its refusal.
        let request = async_graphql::Request::new("query A { __typename }")
            .operation_name("nested too deep, too complex, recursion depth");
        assert_eq!(
            codes(super::Limits::default(), request).await,
            ["GRAPHQL_VALIDATION_FAILED"]
        );
    }

    /// The check of argument values before validation lets through what async-graphql's own
    /// rule does: a null list, one value for a list, an enum value sent as a string.
    #[tokio::test]
    async fn argument_values_async_graphql_accepts_pass_the_check_before_validation() {
        for (query, vars) in [
            (
                "{ entities(kinds: null) { totalCount } }",
                serde_json::json!({}),
            ),
            (
                "{ entities(kinds: STATE) { totalCount } }",
                serde_json::json!({}),
            ),
            (
                "query($k: [EntityKind!]) { entities(kinds: $k) { totalCount } }",
                serde_json::json!({ "k": ["STATE", "PERSON"] }),
            ),
            (
                "query($k: [EntityKind!]) { entities(kinds: $k) { totalCount } }",
                serde_json::json!({ "k": null }),
            ),
        ] {
            let request = async_graphql::Request::new(query)
                .variables(async_graphql::Variables::from_json(vars));
            let codes = codes(super::Limits::default(), request).await;
            assert!(codes.is_empty(), "{query}: {codes:?}");
        }
    }

    /// Every limit async-graphql also enforces is QUERY_TOO_COMPLEX because the pipeline's own
    /// check found it: each passes at the limit and fails just over it.
    #[tokio::test]
    async fn each_query_limit_is_query_too_complex_just_over_it() {
        let limits = || super::Limits {
            max_depth: 3,
            max_complexity: 50,
            max_directives: 2,
            ..super::Limits::default()
        };
        let run = |q: String| codes(limits(), async_graphql::Request::new(q));
        // Depth: fields nested, through fragments too; `__typename` does not count.
        let deep = |n: usize| {
            format!(
                "{{ {} __typename {} }}",
                "entities(first: 1) { nodes { ".repeat(n),
                "} } ".repeat(n)
            )
        };
        assert_eq!(run(deep(1)).await, Vec::<String>::new());
        assert_eq!(run(deep(2)).await, ["QUERY_TOO_COMPLEX"]);
        let via_fragment = "{ entities(first: 1) { ...n } } \
            fragment n on EntityConnection { nodes { relations(first: 1) { totalCount } } }";
        assert_eq!(run(via_fragment.into()).await, ["QUERY_TOO_COMPLEX"]);
        // Complexity, as async-graphql counts it (each field costs 1 unless the schema says
        // otherwise): 25 aliases of 2 fields are 50.
        let aliases = |n: usize| {
            let a: String = (0..n)
                .map(|i| format!("a{i}: entities(first: 1) {{ totalCount }} "))
                .collect();
            format!("{{ {a} }}")
        };
        assert_eq!(run(aliases(25)).await, Vec::<String>::new());
        assert_eq!(run(aliases(26)).await, ["QUERY_TOO_COMPLEX"]);
        // Directives on one field.
        let directed = |n: usize| format!("{{ __typename {} }}", "@include(if: true) ".repeat(n));
        assert_eq!(run(directed(2)).await, Vec::<String>::new());
        assert_eq!(run(directed(3)).await, ["QUERY_TOO_COMPLEX"]);
        // Nesting (async-graphql's recursion depth): inline fragments, no field deeper than 1.
        let max = limits().max_recursion();
        let nested = |n: usize| {
            format!(
                "{{ {} __typename {} }}",
                "... on Query { ".repeat(n),
                "} ".repeat(n)
            )
        };
        assert_eq!(run(nested(max)).await, Vec::<String>::new());
        assert_eq!(run(nested(max + 1)).await, ["QUERY_TOO_COMPLEX"]);
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
