//! A real server on a random port, and small helpers to talk GraphQL to it.

use std::net::SocketAddr;

use serde_json::{Value, json};

/// The id of the one source of the built-in seed (`seed/sources.toml`).
pub const SOURCE_ID: &str = "source/chaspravdy-2025-06-28-ottawa-withdrawal";

/// A server running in this test's runtime, and a client for it.
pub struct TestApp {
    pub addr: SocketAddr,
    /// Does not follow redirects, so tests see them.
    pub client: reqwest::Client,
}

/// Loads the built-in seed and serves it on `127.0.0.1` at a port the OS picks.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(None, None).await
}

/// The write token the writable test servers use.
#[allow(dead_code)] // used by the write tests
pub const TOKEN: &str = "test-write-token-0123456789";

/// A server that accepts writes with [`TOKEN`], journaling them in `data_dir` if given.
#[allow(dead_code)] // used by the write tests
pub async fn spawn_writable_app(data_dir: Option<&std::path::Path>) -> TestApp {
    spawn_app_with(data_dir, Some(TOKEN.to_string())).await
}

pub async fn spawn_app_with(data_dir: Option<&std::path::Path>, token: Option<String>) -> TestApp {
    let store = newsgraph::store::Store::open(&newsgraph::seed::SeedSource::BuiltIn, data_dir)
        .expect("the built-in seed loads");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a random port");
    let addr = listener.local_addr().unwrap();
    tokio::spawn(newsgraph::http::serve(
        listener,
        newsgraph::http::AppState::new(
            std::sync::Arc::new(store),
            token,
            newsgraph::http::HttpConfig::default(),
            newsgraph::http::Metrics::new(),
        ),
    ));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp { addr, client }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("GET request")
    }

    /// POSTs a GraphQL request body to `/graphql`; the whole JSON response.
    pub async fn post_graphql(&self, body: Value) -> Value {
        let resp = self
            .client
            .post(self.url("/graphql"))
            .json(&body)
            .send()
            .await
            .expect("POST /graphql");
        assert!(
            resp.status().is_success(),
            "POST /graphql answered {}",
            resp.status()
        );
        resp.json().await.expect("a JSON response")
    }

    /// The whole response (`data` and `errors`) to a query.
    pub async fn query(&self, q: &str) -> Value {
        self.post_graphql(json!({ "query": q })).await
    }

    /// The whole response to a query with variables.
    pub async fn query_vars(&self, q: &str, vars: Value) -> Value {
        self.post_graphql(json!({ "query": q, "variables": vars }))
            .await
    }

    /// POSTs a request to `/graphql` with `Authorization: Bearer <token>` (no header when
    /// `token` is `None`); the whole JSON response.
    pub async fn mutate_vars(&self, q: &str, vars: Value, token: Option<&str>) -> Value {
        let mut req = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": q, "variables": vars }));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let resp = req.send().await.expect("POST /graphql");
        assert!(
            resp.status().is_success(),
            "POST /graphql answered {}",
            resp.status()
        );
        resp.json().await.expect("a JSON response")
    }

    /// [`mutate_vars`](Self::mutate_vars) without variables.
    pub async fn mutate(&self, q: &str, token: Option<&str>) -> Value {
        self.mutate_vars(q, json!({}), token).await
    }

    /// The `data` of a write with [`TOKEN`] that must succeed without errors.
    pub async fn write(&self, q: &str, vars: Value) -> Value {
        ok_data(self.mutate_vars(q, vars, Some(TOKEN)).await)
    }

    /// The `data` of a query that must succeed without errors.
    pub async fn data(&self, q: &str) -> Value {
        ok_data(self.query(q).await)
    }

    /// The `data` of a query with variables that must succeed without errors.
    pub async fn data_vars(&self, q: &str, vars: Value) -> Value {
        ok_data(self.query_vars(q, vars).await)
    }
}

/// `data`, after checking there are no errors.
pub fn ok_data(resp: Value) -> Value {
    assert!(
        resp.get("errors").is_none(),
        "unexpected errors: {:#}",
        resp["errors"]
    );
    resp["data"].clone()
}

/// The response's only error, after checking its `extensions.code`.
pub fn single_error(resp: &Value, code: &str) -> Value {
    let errors = resp["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("expected an error with code {code}, got {resp:#}"));
    assert_eq!(errors.len(), 1, "expected one error: {resp:#}");
    let err = &errors[0];
    assert_eq!(err["extensions"]["code"], code, "wrong code: {resp:#}");
    assert!(
        err["message"].as_str().is_some_and(|m| !m.is_empty()),
        "an error needs a message: {err:#}"
    );
    err.clone()
}

/// The strings of a JSON array of strings, or of the `field` of each object in it.
pub fn strings(v: &Value, field: Option<&str>) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v:#}"))
        .iter()
        .map(|x| {
            let s = match field {
                Some(f) => &x[f],
                None => x,
            };
            s.as_str()
                .unwrap_or_else(|| panic!("not a string: {s:#}"))
                .to_string()
        })
        .collect()
}

/// The text of a source, fetched through the API.
pub async fn source_text(app: &TestApp, id: &str) -> String {
    let data = app
        .data_vars(
            "query($id: ID!) { entity(id: $id) { ... on Source { text } } }",
            json!({ "id": id }),
        )
        .await;
    data["entity"]["text"]
        .as_str()
        .expect("a source has a text")
        .to_string()
}
