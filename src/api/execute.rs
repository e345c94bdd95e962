//! Running one request against one graph version: checks that bound the work before anything
//! runs, a budget that bounds the result while it runs, and a stable `extensions.code` on every
//! error, including those async-graphql raises before any resolver runs.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{
    ErrorExtensionValues, Name, Pos, Request, Response, ServerError, Value, Variables,
};

use super::error::{ApiError, code};
use super::pagination::MAX_PAGE;
use super::{Limits, NewsSchema};
use crate::graph::Graph;

/// How many list items (entities, relations, events, quotes, hops, ...) one request may return
/// in all. Charged by resolvers as they build lists; once spent, further lists fail with
/// `RESULT_TOO_LARGE`. Static limits bound the query; this bounds what it multiplies to.
#[derive(Debug)]
pub struct Budget {
    left: AtomicUsize,
    max: usize,
}

impl Budget {
    pub fn new(max: usize) -> Self {
        Budget {
            left: AtomicUsize::new(max),
            max,
        }
    }
}

tokio::task_local! {
    /// The budget of the request being executed. Task-local, because async-graphql runs all
    /// of a request's resolvers in the task that calls `execute`, and so every list builder
    /// can charge it without threading a context through.
    static BUDGET: Arc<Budget>;
}

/// Takes `n` items from the current request's budget (outside a request: no limit).
pub fn charge(n: usize) -> Result<(), ApiError> {
    BUDGET
        .try_with(|b| {
            let ok = b
                .left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| left.checked_sub(n))
                .is_ok();
            if ok {
                Ok(())
            } else {
                Err(ApiError::TooLarge(format!(
                    "the result would hold more than {} items; ask for smaller pages or fewer fields",
                    b.max
                )))
            }
        })
        .unwrap_or(Ok(()))
}

/// Executes `req` against graph version `g` within `limits`.
pub async fn execute(
    schema: &NewsSchema,
    g: Arc<Graph>,
    mut req: Request,
    limits: &Limits,
) -> Response {
    // `parsed_query` parses once and keeps the document in the request (the HTTP layer may
    // have put it there already), so async-graphql does not parse it again. A query that does
    // not parse never reaches the resolvers; classify it up front.
    let vars = req.variables.clone();
    let parse_failed = match req.parsed_query() {
        Ok(doc) => {
            let errors = precheck(doc, &vars, limits);
            if !errors.is_empty() {
                return Response::from_errors(errors);
            }
            false
        }
        Err(_) => true,
    };
    let budget = Arc::new(Budget::new(limits.max_items));
    let mut resp = BUDGET.scope(budget, schema.execute(req.data(g))).await;
    for err in &mut resp.errors {
        let has_code = err
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if has_code {
            continue;
        }
        let code = if err.message == "PersistedQueryNotFound" {
            // Apollo's protocol: the client resends the query with its hash.
            code::PERSISTED_QUERY_NOT_FOUND
        } else if parse_failed {
            code::PARSE_FAILED
        } else if err.message.starts_with("Invalid value for argument")
            || err.message.starts_with("Failed to parse")
        {
            // Argument and variable values of the wrong shape: the client's data, not its query.
            code::BAD_USER_INPUT
        } else if err.message.contains("nested too deep")
            || err.message.contains("too complex")
            || err.message.contains("directives")
        {
            code::QUERY_TOO_COMPLEX
        } else {
            code::VALIDATION_FAILED
        };
        err.extensions
            .get_or_insert_with(Default::default)
            .set("code", Value::from(code));
    }
    resp
}

/// Whether a response is a request error: nothing was executed (parse, validation or limit
/// errors, all without a `path`), so it has no data.
pub fn is_request_error(resp: &Response) -> bool {
    resp.data == Value::Null
        && !resp.errors.is_empty()
        && resp.errors.iter().all(|e| e.path.is_empty())
}

/// Checks made on the parsed query before async-graphql's own validation, all linear in the
/// query's size: page sizes anywhere in it, and the number of fields once fragments are
/// expanded (which catches alias floods and fragment bombs before anything expands them).
fn precheck(doc: &ExecutableDocument, vars: &Variables, limits: &Limits) -> Vec<ServerError> {
    let mut errors = vec![];
    for (_, op) in doc.operations.iter() {
        check_pages(&op.node.selection_set.node, vars, &mut errors);
    }
    for frag in doc.fragments.values() {
        check_pages(&frag.node.selection_set.node, vars, &mut errors);
    }
    if !limits.introspection {
        for (_, op) in doc.operations.iter() {
            find_introspection(&op.node.selection_set.node, &mut errors);
        }
        for frag in doc.fragments.values() {
            find_introspection(&frag.node.selection_set.node, &mut errors);
        }
    }
    if !errors.is_empty() {
        return errors;
    }
    let mut counter = FieldCounter {
        doc,
        memo: HashMap::new(),
        visiting: vec![],
        cap: limits.max_fields.saturating_add(1),
    };
    for (_, op) in doc.operations.iter() {
        let n = counter.count(&op.node.selection_set.node);
        if n > limits.max_fields {
            errors.push(error(
                code::QUERY_TOO_COMPLEX,
                format!(
                    "the query selects more than {} fields once its fragments are expanded (aliases count)",
                    limits.max_fields
                ),
                op.pos,
            ));
        }
    }
    errors
}

/// With introspection off, a request for `__schema` or `__type` is refused outright (rather
/// than answered with a silent null), so a client or an auditor sees why.
fn find_introspection(set: &SelectionSet, errors: &mut Vec<ServerError>) {
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => {
                let name = f.node.name.node.as_str();
                if name == "__schema" || name == "__type" {
                    errors.push(error(
                        code::INTROSPECTION_DISABLED,
                        "introspection is disabled on this server".into(),
                        f.pos,
                    ));
                }
                find_introspection(&f.node.selection_set.node, errors);
            }
            Selection::InlineFragment(f) => find_introspection(&f.node.selection_set.node, errors),
            Selection::FragmentSpread(_) => {}
        }
    }
}

/// Counts fields with fragments expanded, each fragment counted once and reused, saturating at
/// `cap`, so a query whose expansion is exponential costs linear time to measure.
struct FieldCounter<'a> {
    doc: &'a ExecutableDocument,
    memo: HashMap<&'a Name, usize>,
    visiting: Vec<&'a Name>,
    cap: usize,
}

impl<'a> FieldCounter<'a> {
    fn count(&mut self, set: &'a SelectionSet) -> usize {
        let mut total: usize = 0;
        for item in &set.items {
            let n = match &item.node {
                Selection::Field(f) => {
                    1usize.saturating_add(self.count(&f.node.selection_set.node))
                }
                Selection::InlineFragment(f) => self.count(&f.node.selection_set.node),
                Selection::FragmentSpread(s) => self.fragment(&s.node.fragment_name.node),
            };
            total = total.saturating_add(n).min(self.cap);
        }
        total
    }

    fn fragment(&mut self, name: &'a Name) -> usize {
        if let Some(&n) = self.memo.get(name) {
            return n;
        }
        // A fragment that spreads itself is invalid; validation reports it, here it counts 0.
        if self.visiting.contains(&name) {
            return 0;
        }
        let Some(frag) = self.doc.fragments.get(name) else {
            return 0;
        };
        self.visiting.push(name);
        let n = self.count(&frag.node.selection_set.node);
        self.visiting.pop();
        self.memo.insert(name, n);
        n
    }
}

/// Rejects the whole request when any `first` or `last` argument, anywhere in it, is outside
/// `0..=100`, as GitHub's API does. Checking before execution gives one clear error with its
/// location whatever the nesting; a resolver's own check would lose its path when the field is
/// selected through an interface (an async-graphql limitation).
fn check_pages(set: &SelectionSet, vars: &Variables, errors: &mut Vec<ServerError>) {
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
                        errors.push(error(
                            code::BAD_USER_INPUT,
                            format!("`{arg}` must be between 0 and {MAX_PAGE}, got {n}"),
                            value.pos,
                        ));
                    }
                }
                check_pages(&f.node.selection_set.node, vars, errors);
            }
            Selection::InlineFragment(f) => check_pages(&f.node.selection_set.node, vars, errors),
            Selection::FragmentSpread(_) => {}
        }
    }
}

fn error(code: &str, message: String, pos: Pos) -> ServerError {
    let mut err = ServerError::new(message, Some(pos));
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", Value::from(code));
    err.extensions = Some(ext);
    err
}
