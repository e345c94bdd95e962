//! The `api` integration test binary: the server over HTTP and the `newsgraph` executable.

mod cli;
mod errors;
mod filters;
mod graph_neighborhood;
mod graph_paths;
mod helpers;
mod labels_and_stats;
mod pagination;
mod reader_questions;
mod search;
mod time_travel;
