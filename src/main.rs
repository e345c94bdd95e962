//! The `newsgraph` binary: reads configuration, loads the seed, serves.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use newsgraph::{http, seed};
use tracing_subscriber::EnvFilter;

/// A GraphQL knowledge-graph server for the news.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "NEWSGRAPH_ADDR", default_value = "127.0.0.1:8000")]
    addr: SocketAddr,

    /// A seed directory to serve instead of the built-in default data.
    #[arg(long, env = "NEWSGRAPH_SEED")]
    seed: Option<PathBuf>,

    /// Load and validate the seed, report, and exit without serving.
    #[arg(long)]
    check: bool,

    /// Print the GraphQL schema (SDL) and exit.
    #[arg(long)]
    print_schema: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for people: a log file or pipe gets plain `key=value` text.
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    if args.print_schema {
        print!("{}", newsgraph::api::sdl());
        return Ok(());
    }

    let source = match args.seed {
        Some(dir) => seed::SeedSource::Dir(dir),
        None => seed::SeedSource::BuiltIn,
    };
    let started = std::time::Instant::now();
    let graph = seed::load(&source)
        .with_context(|| format!("cannot load the seed ({})", source.describe()))?;
    tracing::info!(
        seed = %source.describe(),
        nodes = graph.node_count(),
        relations = graph.relation_count(),
        ms = started.elapsed().as_millis() as u64,
        "seed loaded"
    );
    if args.check {
        println!(
            "{}: ok, {} nodes, {} relations",
            source.describe(),
            graph.node_count(),
            graph.relation_count()
        );
        return Ok(());
    }

    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let local = listener.local_addr()?;
    tracing::info!(addr = %local, "listening; GraphiQL at http://{local}/graphiql");
    http::serve(listener, http::AppState::new(graph)).await?;
    Ok(())
}
