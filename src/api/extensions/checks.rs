//! The checks on a query's text (before parsing) and on its parsed document (before
//! validation), all linear in the query's size.

use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Pos, ServerError, Value, Variables};

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
/// anywhere in it, `__typename` without arguments, introspection when it is off, directives per
/// field, and the query's size once fragments are expanded: fields (which catches alias floods
/// and fragment bombs before anything expands them), depth and nesting, and fragment cycles.
///
/// Depth, directives and nesting are the limits async-graphql also applies (`schema` sets them
/// as backstops or applies its counts): measured here first, on the same definitions, so that
/// breaking one is QUERY_TOO_COMPLEX because this check found it, never because of the wording
/// of async-graphql's message.
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
    // A spread of a fragment the document does not define selects nothing, so no field limit
    // bounds a chain of them; async-graphql's validation expands such chains without memo,
    // in time exponential in their length (24 levels took a minute). Refused first, in one
    // pass over the text's selections.
    if let Some((name, pos)) = unknown_spread(doc) {
        return vec![coded(
            code::VALIDATION_FAILED,
            format!("unknown fragment `{name}`"),
            Some(pos),
        )];
    }
    let mut measure = Measure {
        doc,
        memo: HashMap::new(),
        visiting: vec![],
        cycle: None,
        cap: limits.max_fields.saturating_add(1),
    };
    let too_complex = |message: String, pos| coded(code::QUERY_TOO_COMPLEX, message, Some(pos));
    for (_, op) in doc.operations.iter() {
        let size = measure.set(&op.node.selection_set.node);
        if size.fields > limits.max_fields {
            errors.push(too_complex(
                format!(
                    "the query selects more than {} fields once its fragments are expanded (aliases count)",
                    limits.max_fields
                ),
                op.pos,
            ));
        }
        if size.depth > limits.max_depth {
            errors.push(too_complex(
                format!("the query nests fields deeper than {}", limits.max_depth),
                op.pos,
            ));
        }
        if size.nesting > limits.max_recursion() {
            errors.push(too_complex(
                format!(
                    "the query nests selections (fragments included) deeper than {}",
                    limits.max_recursion()
                ),
                op.pos,
            ));
        }
    }
    // async-graphql's depth also counts fragments that no operation uses.
    let ops_fit = errors.is_empty();
    for (name, f) in doc.fragments.iter().filter(|_| ops_fit) {
        if measure.fragment(name).depth > limits.max_depth {
            errors.push(too_complex(
                format!(
                    "fragment `{name}` nests fields deeper than {}",
                    limits.max_depth
                ),
                f.pos,
            ));
        }
    }
    if let Some(name) = measure.cycle {
        // Refused here: async-graphql's nesting backstop would otherwise meet the cycle first
        // and call it too complex.
        errors.push(coded(
            code::VALIDATION_FAILED,
            format!("fragment `{name}` spreads itself"),
            doc.fragments.get(name).map(|f| f.pos),
        ));
    }
    errors
}

/// The first spread of a fragment the document does not define, in any operation or fragment
/// (each selection visited once: spreads are not followed).
fn unknown_spread(doc: &ExecutableDocument) -> Option<(&Name, Pos)> {
    fn first<'a>(set: &'a SelectionSet, doc: &ExecutableDocument) -> Option<(&'a Name, Pos)> {
        set.items.iter().find_map(|item| match &item.node {
            Selection::Field(f) => first(&f.node.selection_set.node, doc),
            Selection::InlineFragment(f) => first(&f.node.selection_set.node, doc),
            Selection::FragmentSpread(s) => {
                let name = &s.node.fragment_name.node;
                (!doc.fragments.contains_key(name)).then_some((name, s.pos))
            }
        })
    }
    doc.operations
        .iter()
        .map(|(_, op)| &op.node.selection_set.node)
        .chain(doc.fragments.values().map(|f| &f.node.selection_set.node))
        .find_map(|set| first(set, doc))
}

/// One pass over a selection set for the checks that look at single fields.
fn walk(set: &SelectionSet, vars: &Variables, limits: &Limits, errors: &mut Vec<ServerError>) {
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => {
                let name = f.node.name.node.as_str();
                if f.node.directives.len() > limits.max_directives {
                    errors.push(coded(
                        code::QUERY_TOO_COMPLEX,
                        format!(
                            "`{name}` has more than {} directives",
                            limits.max_directives
                        ),
                        Some(f.pos),
                    ));
                }
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

/// A selection set's size once its fragments are expanded.
#[derive(Clone, Copy, Default)]
struct Size {
    /// Fields, aliases included, saturating at the measure's cap.
    fields: usize,
    /// Deepest nesting of fields, `__typename` not counted (as async-graphql's depth).
    depth: usize,
    /// Deepest nesting of selection sets, fragments and inline fragments each counting a
    /// level (as async-graphql's recursion depth).
    nesting: usize,
}

/// Measures selection sets with fragments expanded, each fragment measured once and reused, so
/// a query whose expansion is exponential costs linear time to measure.
struct Measure<'a> {
    doc: &'a ExecutableDocument,
    memo: HashMap<&'a Name, Size>,
    visiting: Vec<&'a Name>,
    /// A fragment found spreading itself (directly or not).
    cycle: Option<&'a Name>,
    cap: usize,
}

impl<'a> Measure<'a> {
    fn set(&mut self, set: &'a SelectionSet) -> Size {
        let mut total = Size::default();
        for item in &set.items {
            let (fields, depth, nesting) = match &item.node {
                Selection::Field(f) => {
                    let inner = self.set(&f.node.selection_set.node);
                    let typename = f.node.name.node == "__typename";
                    let nested = !f.node.selection_set.node.items.is_empty();
                    (
                        1usize.saturating_add(inner.fields),
                        if typename { 0 } else { inner.depth + 1 },
                        if nested { inner.nesting + 1 } else { 0 },
                    )
                }
                Selection::InlineFragment(f) => {
                    let inner = self.set(&f.node.selection_set.node);
                    (inner.fields, inner.depth, inner.nesting + 1)
                }
                Selection::FragmentSpread(s) => {
                    let name = &s.node.fragment_name.node;
                    let inner = self.fragment(name);
                    // async-graphql's nesting counts only fragments the document defines.
                    let known = self.doc.fragments.contains_key(name);
                    (
                        inner.fields,
                        inner.depth,
                        inner.nesting + usize::from(known),
                    )
                }
            };
            total.fields = total.fields.saturating_add(fields).min(self.cap);
            total.depth = total.depth.max(depth);
            total.nesting = total.nesting.max(nesting);
        }
        total
    }

    fn fragment(&mut self, name: &'a Name) -> Size {
        if let Some(&n) = self.memo.get(name) {
            return n;
        }
        // A fragment that spreads itself counts nothing more; it is reported as a cycle.
        if self.visiting.contains(&name) {
            self.cycle.get_or_insert(name);
            return Size::default();
        }
        let Some(frag) = self.doc.fragments.get(name) else {
            return Size::default();
        };
        self.visiting.push(name);
        let n = self.set(&frag.node.selection_set.node);
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
