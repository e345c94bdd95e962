//! Argument values checked against the schema's types on the parsed query, before
//! async-graphql's validation: a literal or a variable of the wrong shape is BAD_USER_INPUT
//! because this check found it. async-graphql's own rule (`ArgumentsOfCorrectType`) reports
//! the same among its other rules' errors, which only their message text would tell apart;
//! it stays as a backstop, and what it alone finds is a validation failure.
//!
//! The rules are async-graphql's (`is_valid_input_value`): the same values pass and fail.
//! Each selection set is checked once, a fragment where it is defined (its type condition
//! gives its type), so the check is linear in the query.

use async_graphql::parser::types::{
    Directive, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use async_graphql::registry::{MetaInputValue, MetaType, MetaTypeName, Registry};
use async_graphql::{Name, Positioned, ServerError, Value, Variables};

use super::coded;
use crate::api::error::code;

type Arguments = [(Positioned<Name>, Positioned<async_graphql_value::Value>)];

/// Every argument (of fields and of directives) whose value does not fit its declared type.
/// Variables count with the values sent for them, in the selected operation and in fragments;
/// an argument naming a variable that was not sent is left to validation and to execution.
pub fn arguments(
    doc: &ExecutableDocument,
    vars: &Variables,
    operation: Option<&str>,
    registry: &Registry,
) -> Vec<ServerError> {
    let mut check = Check {
        registry,
        errors: vec![],
    };
    for (name, op) in doc.operations.iter() {
        // Variables belong to the selected operation only (as async-graphql's rule has it).
        let selected = match (operation, name) {
            (Some(wanted), Some(name)) => wanted == name.as_str(),
            _ => true,
        };
        let root = match op.node.ty {
            OperationType::Query => Some(registry.query_type.as_str()),
            OperationType::Mutation => registry.mutation_type.as_deref(),
            OperationType::Subscription => registry.subscription_type.as_deref(),
        };
        let vars = selected.then_some(vars);
        check.directives(&op.node.directives, vars);
        let root = root.and_then(|r| registry.types.get(r));
        check.set(&op.node.selection_set.node, root, vars);
    }
    for f in doc.fragments.values() {
        let on = registry
            .types
            .get(f.node.type_condition.node.on.node.as_str());
        check.directives(&f.node.directives, Some(vars));
        check.set(&f.node.selection_set.node, on, Some(vars));
    }
    check.errors
}

struct Check<'a> {
    registry: &'a Registry,
    errors: Vec<ServerError>,
}

impl Check<'_> {
    /// `parent`: the type the set selects on, if known (if not, validation reports it).
    fn set(&mut self, set: &SelectionSet, parent: Option<&MetaType>, vars: Option<&Variables>) {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    let name = f.node.name.node.as_str();
                    // async-graphql looks at neither the arguments nor the directives of
                    // `__typename`: its directives are checked here like any field's, and
                    // `checks` refuses arguments on it.
                    self.directives(&f.node.directives, vars);
                    if name == "__typename" {
                        continue;
                    }
                    let field = parent.and_then(|p| p.field_by_name(name));
                    if let Some(field) = field {
                        let what = format!("`{name}`");
                        self.args(&what, &f.node.arguments, |a| field.args.get(a), vars);
                    }
                    let ty = field.and_then(|f| self.registry.concrete_type_by_name(&f.ty));
                    self.set(&f.node.selection_set.node, ty, vars);
                }
                Selection::InlineFragment(f) => {
                    self.directives(&f.node.directives, vars);
                    let ty = match &f.node.type_condition {
                        Some(c) => self.registry.types.get(c.node.on.node.as_str()),
                        None => parent,
                    };
                    self.set(&f.node.selection_set.node, ty, vars);
                }
                Selection::FragmentSpread(s) => self.directives(&s.node.directives, vars),
            }
        }
    }

    fn directives(&mut self, directives: &[Positioned<Directive>], vars: Option<&Variables>) {
        for d in directives {
            let name = d.node.name.node.as_str();
            if let Some(def) = self.registry.directives.get(name) {
                let what = format!("`@{name}`");
                self.args(&what, &d.node.arguments, |a| def.args.get(a), vars);
            }
        }
    }

    /// Checks each argument the definition knows (unknown ones are validation's to report).
    fn args<'d>(
        &mut self,
        what: &str,
        arguments: &Arguments,
        def: impl Fn(&str) -> Option<&'d MetaInputValue>,
        vars: Option<&Variables>,
    ) {
        for (name, value) in arguments {
            let Some(arg) = def(name.node.as_str()) else {
                continue;
            };
            // The value as async-graphql's rule sees it: variables replaced by what was sent.
            let Ok(value) = value
                .node
                .clone()
                .into_const_with(|v| vars.and_then(|vars| vars.get(&v)).cloned().ok_or(()))
            else {
                continue;
            };
            if let Some(reason) = fits(self.registry, &arg.ty, &value, name.node.as_str()) {
                self.errors.push(coded(
                    code::BAD_USER_INPUT,
                    format!(
                        "{what}'s argument `{name}` is invalid: {reason}",
                        name = name.node
                    ),
                    Some(name.pos),
                ));
            }
        }
    }
}

/// Why `value` is not a valid `ty` (at `path`, a dotted path into the argument), if it is not.
fn fits(registry: &Registry, ty: &str, value: &Value, path: &str) -> Option<String> {
    let expected = |ty: &str| Some(format!("`{path}` is not of type `{ty}`"));
    match MetaTypeName::create(ty) {
        MetaTypeName::NonNull(inner) => match value {
            Value::Null => expected(ty),
            _ => fits(registry, inner, value, path),
        },
        MetaTypeName::List(inner) => match value {
            Value::List(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| fits(registry, inner, item, &format!("{path}.{i}"))),
            Value::Null => None,
            // A single value stands for a list of one.
            _ => fits(registry, inner, value, path),
        },
        MetaTypeName::Named(_) if matches!(value, Value::Null) => None,
        MetaTypeName::Named(name) => match registry.types.get(name)? {
            MetaType::Scalar {
                is_valid: Some(is_valid),
                ..
            } => (!is_valid(value)).then(|| expected(name)).flatten(),
            MetaType::Enum { enum_values, .. } => match value {
                Value::Enum(v) if enum_values.contains_key(v.as_str()) => None,
                Value::String(v) if enum_values.contains_key(v.as_str()) => None,
                Value::Enum(v) => Some(format!(
                    "`{path}`: `{v}` is not a value of the enum `{name}`"
                )),
                Value::String(v) => Some(format!(
                    "`{path}`: \"{v}\" is not a value of the enum `{name}`"
                )),
                _ => expected(name),
            },
            MetaType::InputObject {
                input_fields,
                oneof,
                ..
            } => {
                let Value::Object(given) = value else {
                    // async-graphql's rule lets these through; execution refuses them.
                    return None;
                };
                if *oneof && (given.len() != 1 || given.values().any(|v| *v == Value::Null)) {
                    return Some(format!("`{path}` must set exactly one field, not to null"));
                }
                for field in input_fields.values() {
                    match given.get(field.name.as_str()) {
                        Some(v) => {
                            let at = format!("{path}.{}", field.name);
                            if let Some(reason) = fits(registry, &field.ty, v, &at) {
                                return Some(reason);
                            }
                        }
                        None if MetaTypeName::create(&field.ty).is_non_null()
                            && field.default_value.is_none() =>
                        {
                            return Some(format!("`{path}.{}` is required", field.name));
                        }
                        None => {}
                    }
                }
                given
                    .keys()
                    .find(|k| !input_fields.contains_key(k.as_str()))
                    .map(|k| format!("`{name}` has no field `{k}` (in `{path}`)"))
            }
            _ => None,
        },
    }
}
