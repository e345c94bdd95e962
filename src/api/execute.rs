//! Running one request against one graph version, with a stable `extensions.code` on every
//! error, including those async-graphql raises before any resolver runs.

use std::sync::Arc;

use async_graphql::{Request, Response, Value};

use super::NewsSchema;
use super::error::code;
use crate::graph::Graph;

/// Executes `req` against graph version `g`.
pub async fn execute(schema: &NewsSchema, g: Arc<Graph>, req: Request) -> Response {
    // A query that does not parse never reaches the resolvers; classify it up front.
    let parse_failed = async_graphql::parser::parse_query(&req.query).is_err();
    let mut resp = schema.execute(req.data(g)).await;
    for err in &mut resp.errors {
        let has_code = err
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if has_code {
            continue;
        }
        let code = if parse_failed {
            code::PARSE_FAILED
        } else if err.message.starts_with("Invalid value for argument")
            || err.message.starts_with("Failed to parse")
        {
            // Argument and variable values of the wrong shape: the client's data, not its query.
            code::BAD_USER_INPUT
        } else {
            code::VALIDATION_FAILED
        };
        err.extensions
            .get_or_insert_with(Default::default)
            .set("code", Value::from(code));
    }
    resp
}
