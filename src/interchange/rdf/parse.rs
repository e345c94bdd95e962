//! Turtle and N-Triples to triples with the line each was read on, by oxttl. oxttl reports
//! where a syntax error is but not where a triple is, so the text is fed to its parser a line at
//! a time and each triple gets the line that completed it. The parser goes on after an error,
//! so one read reports every error it can find.
//!
//! A token over many lines (a source's text in `"""`) is lexed again from its start each time
//! a line is added; so after a long run of lines that bring no triple, lines are fed in ever
//! larger batches, which keeps the work linear at the price of a later line for the triple
//! that such a token ends.

use oxrdf::Triple;
use oxttl::{NTriplesParser, TurtleParser, TurtleSyntaxError};

use super::RdfSyntax;
use crate::interchange::Problem;

/// Enough for anyone to see what is wrong; past it a broken file only repeats itself.
pub const MAX_PROBLEMS: usize = 100;

/// Lines without a triple before they are fed in batches.
const IDLE_LINES: u32 = 64;

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
    // Returns whether anything came out: a triple or an error.
    let mut drain = |parser: &mut LowLevel, line: u64, problems: &mut Vec<Problem>| {
        let mut any = false;
        while let Some(next) = parser.next() {
            any = true;
            match next {
                Ok(t) => out.push((t, line)),
                Err(e) if problems.len() < MAX_PROBLEMS => problems.push(syntax_problem(file, &e)),
                Err(_) => {}
            }
        }
        any
    };
    let mut line = 0;
    let mut rest = input;
    let mut batch = 1usize;
    let mut idle = 0;
    while !rest.is_empty() {
        let mut end = 0;
        for _ in 0..batch {
            line += 1;
            match rest[end..].iter().position(|&b| b == b'\n') {
                Some(i) => end += i + 1,
                None => end = rest.len(),
            }
            if end == rest.len() {
                break;
            }
        }
        let (chunk, tail) = rest.split_at(end);
        rest = tail;
        parser.extend(chunk);
        if drain(&mut parser, line, &mut problems) {
            (batch, idle) = (1, 0);
        } else {
            idle += 1;
            // Comments and prefixes bring no triple either: only a long run of lines that
            // bring none is taken for one token.
            if idle > IDLE_LINES {
                batch = (batch * 2).min(1 << 16);
            }
        }
    }
    parser.end();
    drain(&mut parser, line.max(1), &mut problems);
    (out, problems)
}
