//! The README's example queries, run as written: every ```graphql block must answer without
//! errors (mutations on a writable server), so the documentation cannot drift from the API.

use serde_json::Value;

use crate::helpers::{TOKEN, spawn_app, spawn_writable_app};

/// The README's ```graphql blocks, in order.
pub(crate) fn examples() -> Vec<String> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut out = vec![];
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```graphql") => current = Some(String::new()),
            (Some(q), "```") => {
                out.push(std::mem::take(q));
                current = None;
            }
            (Some(q), _) => {
                q.push_str(line);
                q.push('\n');
            }
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn every_example_query_in_the_readme_answers_without_errors() {
    let queries = examples();
    assert!(
        queries.len() >= 10,
        "the README has its examples ({})",
        queries.len()
    );
    let app = spawn_app().await;
    let writable = spawn_writable_app(None).await;
    for q in &queries {
        let body: Value = if q.trim_start().starts_with("mutation") {
            writable.mutate(q, Some(TOKEN)).await
        } else {
            app.query(q).await
        };
        assert!(
            body["errors"].is_null(),
            "README example failed:\n{q}\n{body:#}"
        );
        assert!(body["data"].is_object(), "{q}\n{body:#}");
    }
}
