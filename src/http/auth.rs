//! Write authorisation: the named write tokens and the bearer check that tells a request's
//! writer by the token it sends. Tokens are secrets: they are compared in constant time and
//! never printed (their `Debug` shows only the name).

use std::fmt;
use std::sync::Arc;

use axum::http::{HeaderMap, header};
use subtle::{ConditionallySelectable, ConstantTimeEq};

use crate::api::{WriteAccess, Writer};

/// The name a token gets when none is given (a bare token in a file or the variable).
pub const DEFAULT_WRITER: &str = "editor";
/// The longest name a token may have.
pub const MAX_NAME_LEN: usize = 64;

/// A write token and the name writes made with it are recorded under.
#[derive(Clone)]
pub struct WriteToken {
    name: Arc<str>,
    secret: String,
}

impl WriteToken {
    /// A token named `name`: 1 to 64 characters of `A-Z a-z 0-9 . _ @ -` (so a name is safe in
    /// logs, journals and answers as it is). The secret's length is the configuration's
    /// concern.
    pub fn new(name: &str, secret: &str) -> Result<WriteToken, String> {
        let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-');
        if name.is_empty() || name.len() > MAX_NAME_LEN || !name.chars().all(valid) {
            return Err(format!(
                "`{name}` is not a token name: 1 to {MAX_NAME_LEN} of the characters A-Z a-z 0-9 . _ @ -"
            ));
        }
        Ok(WriteToken {
            name: Arc::from(name),
            secret: secret.to_string(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The secret itself, for the configuration's checks (length, duplicates).
    pub fn secret(&self) -> &str {
        &self.secret
    }
}

impl fmt::Debug for WriteToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteToken")
            .field("name", &self.name)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// The tokens writes may use; none makes the server read-only.
#[derive(Debug, Clone, Default)]
pub struct WriteTokens(Vec<WriteToken>);

impl WriteTokens {
    pub fn new(tokens: Vec<WriteToken>) -> Self {
        WriteTokens(tokens)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The tokens' names, in order (for the start-up log).
    pub fn names(&self) -> Vec<&str> {
        self.0.iter().map(WriteToken::name).collect()
    }

    /// Who the request's `Authorization: Bearer` token names. Every token is compared, in
    /// constant time, whichever matches: the answer's timing tells nothing about any of them.
    pub fn access(&self, headers: &HeaderMap) -> WriteAccess {
        if self.0.is_empty() {
            return WriteAccess::Disabled;
        }
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            // The scheme name is case-insensitive (RFC 7235).
            .and_then(|v| {
                v.split_once(' ')
                    .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            })
            .map(|(_, token)| token.trim())
            .unwrap_or("");
        // 1 + the index of the matching token; 0 for none.
        let mut found = 0u32;
        for (i, t) in self.0.iter().enumerate() {
            let hit = given.as_bytes().ct_eq(t.secret.as_bytes());
            found.conditional_assign(&(i as u32 + 1), hit);
        }
        match found.checked_sub(1).and_then(|i| self.0.get(i as usize)) {
            Some(t) => WriteAccess::Granted(Writer::new(t.name.clone())),
            None => WriteAccess::Denied,
        }
    }
}

/// A bare token (as test servers and older callers give it) is named [`DEFAULT_WRITER`].
impl From<Option<String>> for WriteTokens {
    fn from(token: Option<String>) -> Self {
        WriteTokens(
            token
                .into_iter()
                .map(|secret| WriteToken {
                    name: Arc::from(DEFAULT_WRITER),
                    secret,
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer(token: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        h
    }

    #[test]
    fn each_token_grants_access_under_its_own_name() {
        let tokens = WriteTokens::new(vec![
            WriteToken::new("alice", "alice-token-0123456789").unwrap(),
            WriteToken::new("bot.importer@example", "bot-token-0123456789ab").unwrap(),
        ]);
        let name = |h: &HeaderMap| match tokens.access(h) {
            WriteAccess::Granted(w) => Some(w.name().to_string()),
            _ => None,
        };
        assert_eq!(
            name(&bearer("alice-token-0123456789")).as_deref(),
            Some("alice")
        );
        assert_eq!(
            name(&bearer("bot-token-0123456789ab")).as_deref(),
            Some("bot.importer@example")
        );
        assert_eq!(
            tokens.access(&bearer("alice-token-012345678")),
            WriteAccess::Denied
        );
        assert_eq!(tokens.access(&HeaderMap::new()), WriteAccess::Denied);
        assert_eq!(
            WriteTokens::default().access(&bearer("alice-token-0123456789")),
            WriteAccess::Disabled
        );
    }

    #[test]
    fn a_token_name_is_short_and_plain() {
        assert!(WriteToken::new("ed-1_x.y@z", "s").is_ok());
        assert!(WriteToken::new("", "s").is_err());
        assert!(WriteToken::new("two words", "s").is_err());
        assert!(WriteToken::new("ünï", "s").is_err());
        assert!(WriteToken::new(&"a".repeat(65), "s").is_err());
        assert!(WriteToken::new(&"a".repeat(64), "s").is_ok());
    }

    #[test]
    fn a_token_s_debug_form_hides_the_secret() {
        let t = WriteToken::new("alice", "very-secret-token-123").unwrap();
        let shown = format!("{t:?} {:?}", WriteTokens::new(vec![t.clone()]));
        assert!(
            shown.contains("alice") && !shown.contains("very-secret"),
            "{shown}"
        );
    }
}
