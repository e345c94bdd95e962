//! The `api` integration test binary: the server over HTTP and the `newsgraph` executable.

mod cli;
mod connections;
mod durability;
mod errors;
mod filters;
mod fuzz;
mod generated;
mod graph_neighborhood;
mod graph_paths;
mod helpers;
mod hostile;
mod js;
mod labels_and_stats;
mod load;
mod pagination;
mod plan;
mod protocol;
mod provenance;
mod reader_questions;
mod readme;
mod search;
mod sourced;
mod time_travel;
mod transports;
mod websocket;
mod writes;
