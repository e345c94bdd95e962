//! The `api` integration test binary: the server over HTTP and the `newsgraph` executable.

mod cli;
mod errors;
mod helpers;
mod pagination;
mod reader_questions;
mod search;
