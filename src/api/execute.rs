//! Running one request against one graph version, with a stable `extensions.code` on every
//! error, including those async-graphql raises before any resolver runs.

use std::sync::Arc;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, Pos, Request, Response, ServerError, Value, Variables};

use super::NewsSchema;
use super::error::code;
use super::pagination::MAX_PAGE;
use crate::graph::Graph;

/// Executes `req` against graph version `g`.
pub async fn execute(schema: &NewsSchema, g: Arc<Graph>, req: Request) -> Response {
    // A query that does not parse never reaches the resolvers; classify it up front.
    let parsed = async_graphql::parser::parse_query(&req.query);
    let parse_failed = parsed.is_err();
    if let Ok(doc) = &parsed {
        let errors = check_page_sizes(doc, &req.variables);
        if !errors.is_empty() {
            return Response::from_errors(errors);
        }
    }
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

/// Rejects the whole request when any `first` or `last` argument, anywhere in it, is outside
/// `0..=100`, as GitHub's API does. Checking before execution gives one clear error with its
/// location whatever the nesting; a resolver's own check would lose its path when the field is
/// selected through an interface (an async-graphql limitation). Fragments are walked once each,
/// so the work is linear in the query's size.
fn check_page_sizes(doc: &ExecutableDocument, vars: &Variables) -> Vec<ServerError> {
    let mut errors = vec![];
    for (_, op) in doc.operations.iter() {
        walk(&op.node.selection_set.node, vars, &mut errors);
    }
    for frag in doc.fragments.values() {
        walk(&frag.node.selection_set.node, vars, &mut errors);
    }
    errors
}

fn walk(set: &SelectionSet, vars: &Variables, errors: &mut Vec<ServerError>) {
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => {
                // These take `first` as a count with limits of their own, checked by them.
                let own_limits = matches!(f.node.name.node.as_str(), "paths" | "mostCentral");
                for (name, value) in f.node.arguments.iter().filter(|_| !own_limits) {
                    let arg = name.node.as_str();
                    if arg != "first" && arg != "last" {
                        continue;
                    }
                    let n = match &value.node {
                        async_graphql_value::Value::Number(n) => n.as_i64(),
                        async_graphql_value::Value::Variable(v) => match vars.get(v) {
                            Some(Value::Number(n)) => n.as_i64(),
                            _ => None,
                        },
                        _ => None,
                    };
                    if let Some(n) = n.filter(|&n| n < 0 || n > MAX_PAGE as i64) {
                        errors.push(bad_input(
                            format!("`{arg}` must be between 0 and {MAX_PAGE}, got {n}"),
                            value.pos,
                        ));
                    }
                }
                walk(&f.node.selection_set.node, vars, errors);
            }
            Selection::InlineFragment(f) => walk(&f.node.selection_set.node, vars, errors),
            Selection::FragmentSpread(_) => {}
        }
    }
}

fn bad_input(message: String, pos: Pos) -> ServerError {
    let mut err = ServerError::new(message, Some(pos));
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", Value::from(code::BAD_USER_INPUT));
    err.extensions = Some(ext);
    err
}
