//! User errors: what is wrong with a mutation's input, in its payload rather than as a
//! top-level error, each with the path of the input field at fault (for a form to show the
//! message next to it) and a code from the kind of rule broken. Authorization, malformed
//! requests and failures of the server stay top-level errors.

use async_graphql::{Enum, SimpleObject, Value};

use crate::store::{ChangeError, Problem};

/// What kind of rule the input breaks.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum UserErrorCode {
    /// A value is malformed or breaks a rule of the model (an empty name, a bad id or
    /// language tag, an interval that ends before it starts, a field that cannot be cleared).
    Invalid,
    /// The record to change, or one the input names, does not exist.
    NotFound,
    /// The id is already used.
    AlreadyExists,
    /// A referenced record is of the wrong kind.
    WrongKind,
    /// A quote does not occur in its source's text.
    QuoteNotFound,
    /// A fact needs evidence and got none.
    EvidenceRequired,
    /// The record is still referred to, so it cannot be deleted (or merged away).
    InUse,
}

impl From<Problem> for UserErrorCode {
    fn from(p: Problem) -> Self {
        match p {
            Problem::Invalid => UserErrorCode::Invalid,
            Problem::NotFound => UserErrorCode::NotFound,
            Problem::AlreadyExists => UserErrorCode::AlreadyExists,
            Problem::WrongKind => UserErrorCode::WrongKind,
            Problem::QuoteNotFound => UserErrorCode::QuoteNotFound,
            Problem::EvidenceRequired => UserErrorCode::EvidenceRequired,
            Problem::InUse => UserErrorCode::InUse,
        }
    }
}

/// One thing wrong with a mutation's input.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct UserError {
    /// The path of the input field at fault, from the mutation's `input` (e.g. `["evidence",
    /// "0", "quote"]`, or `["changes", "2", "createRelation", "to"]` in a batch); null when the
    /// error is about the input as a whole.
    pub field: Option<Vec<String>>,
    /// What is wrong, for a person.
    pub message: String,
    /// What kind of rule is broken, for a program.
    pub code: UserErrorCode,
}

impl UserError {
    pub fn new(field: &[&str], code: UserErrorCode, message: impl Into<String>) -> Self {
        UserError {
            field: Some(field.iter().map(|f| f.to_string()).collect()),
            message: message.into(),
            code,
        }
    }

    /// A refused change of the input `input` (as GraphQL values), pointed at the field that
    /// holds the value at fault; `prefix` is where `input` sits in the mutation's input.
    pub fn from_change(
        error: &ChangeError,
        message: String,
        input: &Value,
        prefix: &[String],
    ) -> Self {
        let located = match (&error.subject, error.problem) {
            (Some(subject), _) => locate(input, subject),
            // Evidence missing altogether: the form's evidence field, when the input has one.
            (None, Problem::EvidenceRequired) => {
                has_field(input, "evidence").then(|| vec!["evidence".into()])
            }
            (None, _) => None,
        };
        let field = located.map(|path| prefix.iter().cloned().chain(path).collect());
        UserError {
            field,
            message,
            code: error.problem.into(),
        }
    }

    /// This error as it applies to a part of a larger input: `prefix` before its field.
    pub fn within(mut self, prefix: &[String]) -> Self {
        if let Some(field) = &mut self.field {
            field.splice(0..0, prefix.iter().cloned());
        }
        self
    }
}

/// Whether `input` is an object with a field `name`.
fn has_field(input: &Value, name: &str) -> bool {
    matches!(input, Value::Object(fields) if fields.keys().any(|k| k.as_str() == name))
}

/// The path of the first field (depth first, in input order) whose value is the text
/// `needle`: the id, quote, date or tag a change was refused for, as the input gave it.
fn locate(value: &Value, needle: &str) -> Option<Vec<String>> {
    match value {
        Value::String(s) if s == needle => Some(vec![]),
        Value::Enum(e) if e.as_str() == needle => Some(vec![]),
        Value::Object(fields) => fields.iter().find_map(|(name, v)| {
            locate(v, needle).map(|mut path| {
                path.insert(0, name.to_string());
                path
            })
        }),
        Value::List(items) => items.iter().enumerate().find_map(|(i, v)| {
            locate(v, needle).map(|mut path| {
                path.insert(0, i.to_string());
                path
            })
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::value;

    #[test]
    fn the_field_holding_the_value_at_fault_is_found_in_input_order() {
        let input = value!({
            "id": "event/x",
            "actors": ["state/a", "state/b"],
            "evidence": [{ "source": "source/s", "quote": "q1" }, { "source": "source/s", "quote": "q2" }],
        });
        assert_eq!(
            locate(&input, "state/b"),
            Some(vec!["actors".into(), "1".into()])
        );
        assert_eq!(
            locate(&input, "q2"),
            Some(vec!["evidence".into(), "1".into(), "quote".into()])
        );
        assert_eq!(locate(&input, "event/x"), Some(vec!["id".into()]));
        assert_eq!(locate(&input, "nowhere"), None);
    }

    #[test]
    fn a_change_error_points_into_the_batch_and_keeps_its_kind() {
        let error = ChangeError::new(
            Problem::NotFound,
            Some("org/nobody"),
            "`org/nobody` does not exist",
        );
        let input = value!({ "from": "state/a", "to": "org/nobody" });
        let prefix = vec!["changes".to_string(), "3".into(), "createRelation".into()];
        let e = UserError::from_change(&error, error.message.clone(), &input, &prefix);
        assert_eq!(
            e.field,
            Some(vec![
                "changes".into(),
                "3".into(),
                "createRelation".into(),
                "to".into()
            ])
        );
        assert_eq!(e.code, UserErrorCode::NotFound);
        let whole = ChangeError::new(Problem::EvidenceRequired, None, "no evidence");
        assert_eq!(
            UserError::from_change(&whole, "x".into(), &input, &prefix).field,
            None
        );
    }
}
