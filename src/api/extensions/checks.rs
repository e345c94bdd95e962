//! The checks on a query's text (before parsing) and on its parsed document (before
//! validation), all linear in the query's size.

use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, ServerError, Value, Variables};

use super::coded;
use crate::api::Limits;
use crate::api::error::code;
use crate::api::pagination::MAX_PAGE;

/// The deepest nesting of `{`, `[` and `(` outside strings and comments: checked before
/// parsing so that no input can drive the recursive parser deep. Linear, no allocation.
pub fn nesting(q: &str) -> usize {
    let b = q.as_bytes();
    let (mut depth, mut max, mut i) = (0usize, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    max
}

/// Checks made on the parsed query before async-graphql's own validation: page sizes
/// anywhere in it, `__typename` without arguments, introspection when it is off, and the
/// number of fields once fragments are expanded (which catches alias floods and fragment bombs
/// before anything expands them).
pub fn document(doc: &ExecutableDocument, vars: &Variables, limits: &Limits) -> Vec<ServerError> {
    let mut errors = vec![];
    let sets = doc
        .operations
        .iter()
        .map(|(_, op)| &op.node.selection_set.node)
        .chain(doc.fragments.values().map(|f| &f.node.selection_set.node));
    for set in sets {
        walk(set, vars, limits, &mut errors);
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
            errors.push(coded(
                code::QUERY_TOO_COMPLEX,
                format!(
                    "the query selects more than {} fields once its fragments are expanded (aliases count)",
                    limits.max_fields
                ),
                Some(op.pos),
            ));
        }
    }
    errors
}

/// One pass over a selection set for the checks that look at single fields.
fn walk(set: &SelectionSet, vars: &Variables, limits: &Limits, errors: &mut Vec<ServerError>) {
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => {
                let name = f.node.name.node.as_str();
                if name == "__typename" && !f.node.arguments.is_empty() {
                    errors.push(coded(
                        code::VALIDATION_FAILED,
                        "`__typename` takes no arguments".into(),
                        Some(f.pos),
                    ));
                }
                if !limits.introspection && (name == "__schema" || name == "__type") {
                    // Refused outright rather than answered with a silent null, so a client
                    // or an auditor sees why.
                    errors.push(coded(
                        code::INTROSPECTION_DISABLED,
                        "introspection is disabled on this server".into(),
                        Some(f.pos),
                    ));
                }
                check_pages(name, &f.node.arguments, vars, errors);
                walk(&f.node.selection_set.node, vars, limits, errors);
            }
            Selection::InlineFragment(f) => walk(&f.node.selection_set.node, vars, limits, errors),
            Selection::FragmentSpread(_) => {}
        }
    }
}

/// Rejects the whole request when any `first` or `last` argument, anywhere in it, is outside
/// `0..=100`, as GitHub's API does. Checking before execution gives one clear error with its
/// location whatever the nesting; a resolver's own check would lose its path when the field is
/// selected through an interface (an async-graphql limitation).
fn check_pages(
    field: &str,
    arguments: &[(
        async_graphql::Positioned<Name>,
        async_graphql::Positioned<async_graphql_value::Value>,
    )],
    vars: &Variables,
    errors: &mut Vec<ServerError>,
) {
    // These take `first` as a count with limits of their own, checked by them.
    if matches!(field, "paths" | "mostCentral") {
        return;
    }
    for (name, value) in arguments {
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
            errors.push(coded(
                code::BAD_USER_INPUT,
                format!("`{arg}` must be between 0 and {MAX_PAGE}, got {n}"),
                Some(value.pos),
            ));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_counts_brackets_outside_strings_and_comments() {
        assert_eq!(nesting("{ a { b } }"), 2);
        assert_eq!(nesting("{ a(x: [[1]]) }"), 4);
        assert_eq!(nesting(r#"{ a(s: "{{{{{{") }"#), 2);
        assert_eq!(nesting("{ a # {{{{{{\n }"), 1);
        assert_eq!(nesting(r#"{ a(s: """ {{{{ \""" """) }"#), 2);
        assert_eq!(nesting(&"{".repeat(10_000)), 10_000);
        assert_eq!(nesting("}}}}{"), 1);
    }
}
