//! newsgraph: a GraphQL knowledge-graph server for the news.
//!
//! Layers, each ignorant of the ones above it: [`graph`] (the domain, its indexes and
//! algorithms), [`seed`] (records and the files they come from), [`store`] (graph versions,
//! writes, and the [`journal`] that makes them durable), [`api`] (the GraphQL schema),
//! [`http`] (the axum server). [`generate`] makes synthetic seeds of any size.

pub mod api;
pub mod config;
pub mod generate;
pub mod graph;
pub mod http;
pub mod interchange;
pub mod journal;
pub mod seed;
pub mod store;
