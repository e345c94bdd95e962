//! newsgraph: a GraphQL knowledge-graph server for the news.
//!
//! Three layers, each ignorant of the one above it: [`graph`] (the domain and its store),
//! [`api`] (the GraphQL schema), [`http`] (the axum server). [`seed`] loads a graph from files.

pub mod api;
pub mod graph;
pub mod http;
pub mod seed;
