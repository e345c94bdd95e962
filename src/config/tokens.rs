//! The write tokens: `NAME:TOKEN` lines of a token file, or one in `NEWSGRAPH_WRITE_TOKEN`. A
//! bare token (no `:`) is named [`DEFAULT_WRITER`]. Names are unique and plain
//! ([`WriteToken::new`]), tokens long enough and distinct. Errors name the file and line, or
//! the variable, and never show a token.

use std::path::Path;

use super::{ConfigError, MIN_TOKEN_LEN};
use crate::http::auth::DEFAULT_WRITER;
use crate::http::{WriteToken, WriteTokens};

/// One `NAME:TOKEN` or bare `TOKEN`, trimmed.
fn parse_one(text: &str) -> Result<WriteToken, String> {
    let (name, secret) = match text.split_once(':') {
        Some((name, secret)) => (name.trim(), secret.trim()),
        None => (DEFAULT_WRITER, text.trim()),
    };
    let token = WriteToken::new(name, secret)?;
    if secret.chars().count() < MIN_TOKEN_LEN {
        return Err(format!(
            "the write token of `{name}` must be at least {MIN_TOKEN_LEN} characters long"
        ));
    }
    Ok(token)
}

/// The tokens of a token file: one per line, blank lines and `#` comments skipped.
pub(super) fn from_file(path: &Path, origin: &str) -> Result<WriteTokens, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        setting: origin.to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        invalid(format!(
            "cannot read the write token file {}: {e}",
            path.display()
        ))
    })?;
    from_lines(&text)
        .map_err(|(line, why)| invalid(format!("{}, line {line}: {why}", path.display())))
}

/// The lines' tokens, or the first problem with its line number (from 1).
fn from_lines(text: &str) -> Result<WriteTokens, (usize, String)> {
    let mut tokens: Vec<(usize, WriteToken)> = vec![];
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let t = parse_one(line).map_err(|e| (n, e))?;
        if let Some((m, _)) = tokens.iter().find(|(_, o)| o.name() == t.name()) {
            return Err((
                n,
                format!("the name `{}` is already used on line {m}", t.name()),
            ));
        }
        if let Some((m, _)) = tokens.iter().find(|(_, o)| o.secret() == t.secret()) {
            return Err((
                n,
                format!("the same token as line {m}; each token must differ"),
            ));
        }
        tokens.push((n, t));
    }
    if tokens.is_empty() {
        return Err((1, "the file holds no token".into()));
    }
    Ok(WriteTokens::new(
        tokens.into_iter().map(|(_, t)| t).collect(),
    ))
}

/// The token of `NEWSGRAPH_WRITE_TOKEN` (`NAME:TOKEN` or a bare token).
pub(super) fn from_var(value: &str, origin: &str) -> Result<WriteTokens, ConfigError> {
    parse_one(value)
        .map(|t| WriteTokens::new(vec![t]))
        .map_err(|message| ConfigError::Invalid {
            setting: origin.to_string(),
            message,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(t: &WriteTokens) -> Vec<&str> {
        t.names()
    }

    #[test]
    fn a_token_file_names_each_line_s_token_and_skips_comments_and_blanks() {
        let t = from_lines(
            "# the newsroom\n\nalice: alice-token-0123456789\n  bot.import@ci:bot-token-0123456789ab  \n",
        )
        .unwrap();
        assert_eq!(names(&t), vec!["alice", "bot.import@ci"]);
    }

    #[test]
    fn a_bare_token_is_named_editor() {
        let t = from_lines("0123456789abcdef0123\n").unwrap();
        assert_eq!(names(&t), vec!["editor"]);
        let t = from_var("0123456789abcdef0123", "NEWSGRAPH_WRITE_TOKEN").unwrap();
        assert_eq!(names(&t), vec!["editor"]);
        let t = from_var("carol:0123456789abcdef0123", "NEWSGRAPH_WRITE_TOKEN").unwrap();
        assert_eq!(names(&t), vec!["carol"]);
    }

    #[test]
    fn token_file_problems_name_their_line_and_never_the_token() {
        let check = |text: &str, line: usize, says: &str| {
            let (n, why) = from_lines(text).expect_err(text);
            assert_eq!(n, line, "{text}: {why}");
            assert!(why.contains(says), "{text}: {why}");
            assert!(!why.contains("0123456789abcdef"), "a token in {why}");
        };
        let a = "alice:a-0123456789abcdef";
        check(&format!("{a}\nbob:short\n"), 2, "at least 16 characters");
        check(
            &format!("{a}\n\nalice:b-0123456789abcdef\n"),
            3,
            "`alice` is already used on line 1",
        );
        check(
            &format!("{a}\nbob:a-0123456789abcdef\n"),
            2,
            "the same token as line 1",
        );
        check("bad name:x-0123456789abcdef\n", 1, "not a token name");
        check(":x-0123456789abcdef\n", 1, "not a token name");
        check(
            &format!("{a}\n0123456789abcdef-1\neditor:0123456789abcdef-2\n"),
            3,
            "`editor`",
        );
        check("# only a comment\n\n", 1, "no token");
    }

    #[test]
    fn a_token_file_error_names_the_file() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, b"alice:a-0123456789abcdef\nbob:tiny\n").unwrap();
        let e = from_file(f.path(), "--write-token-file")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("--write-token-file: "), "{e}");
        assert!(
            e.contains(&format!("{}, line 2", f.path().display())),
            "{e}"
        );
    }
}
