//! Turtle and N-Triples to triples with the line each was read on, by oxttl. oxttl reports
//! where a syntax error is but not where a triple is, so the text is fed to its parser a line at
//! a time and each triple gets the line that completed it. The parser goes on after an error,
//! so one read reports every error it can find.

use oxrdf::Triple;
use oxttl::{NTriplesParser, TurtleParser, TurtleSyntaxError};

use super::RdfSyntax;
use crate::interchange::Problem;

/// Enough for anyone to see what is wrong; past it a broken file only repeats itself.
pub const MAX_PROBLEMS: usize = 100;

enum LowLevel {
    Turtle(oxttl::turtle::LowLevelTurtleParser),
    NTriples(oxttl::ntriples::LowLevelNTriplesParser),
}

impl LowLevel {
    fn extend(&mut self, bytes: &[u8]) {
        match self {
            LowLevel::Turtle(p) => p.extend_from_slice(bytes),
            LowLevel::NTriples(p) => p.extend_from_slice(bytes),
        }
    }

    fn end(&mut self) {
        match self {
            LowLevel::Turtle(p) => p.end(),
            LowLevel::NTriples(p) => p.end(),
        }
    }

    fn next(&mut self) -> Option<Result<Triple, TurtleSyntaxError>> {
        match self {
            LowLevel::Turtle(p) => p.parse_next(),
            LowLevel::NTriples(p) => p.parse_next(),
        }
    }
}

pub fn syntax_problem(file: &str, e: &TurtleSyntaxError) -> Problem {
    let at = e.location().start;
    Problem {
        file: file.to_string(),
        line: Some(at.line + 1),
        column: Some((at.column + 1).to_string()),
        reason: e.message().to_string(),
    }
}

/// The triples of `input` (relative IRIs resolved against `base`), each with its one-based
/// line, and the syntax errors.
pub fn triples(
    input: &[u8],
    syntax: RdfSyntax,
    file: &str,
    base: &str,
) -> (Vec<(Triple, u64)>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut parser = match syntax {
        RdfSyntax::Turtle => match TurtleParser::new().with_base_iri(base) {
            Ok(p) => LowLevel::Turtle(p.low_level()),
            Err(e) => {
                problems.push(Problem {
                    file: file.to_string(),
                    line: None,
                    column: None,
                    reason: format!("the base IRI `{base}` is not valid: {e}"),
                });
                return (Vec::new(), problems);
            }
        },
        RdfSyntax::NTriples => LowLevel::NTriples(NTriplesParser::new().low_level()),
    };
    let mut out = Vec::new();
    let mut drain = |parser: &mut LowLevel, line: u64, problems: &mut Vec<Problem>| {
        while let Some(next) = parser.next() {
            match next {
                Ok(t) => out.push((t, line)),
                Err(e) if problems.len() < MAX_PROBLEMS => problems.push(syntax_problem(file, &e)),
                Err(_) => {}
            }
        }
    };
    let mut line = 0;
    for chunk in input.split_inclusive(|&b| b == b'\n') {
        line += 1;
        parser.extend(chunk);
        drain(&mut parser, line, &mut problems);
    }
    parser.end();
    drain(&mut parser, line.max(1), &mut problems);
    (out, problems)
}
