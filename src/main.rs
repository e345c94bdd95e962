//! The `newsgraph` binary: reads configuration, opens the store (seed, snapshot, journal),
//! serves; or runs one of the maintenance commands (`--check`, `--export`, `--compact`,
//! `--print-schema`).

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Parser;
use newsgraph::store::Store;
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

    /// Where writes are journaled (and snapshots kept). Without it the server is read-only.
    #[arg(long, env = "NEWSGRAPH_DATA_DIR")]
    data_dir: Option<PathBuf>,

    /// A file holding the write token (its first line). The token can also be given in the
    /// environment variable NEWSGRAPH_WRITE_TOKEN; never on the command line, where `ps`
    /// would show it.
    #[arg(long)]
    write_token_file: Option<PathBuf>,

    /// Load and validate the seed (and the data directory), report, and exit without serving.
    #[arg(long)]
    check: bool,

    /// Write the current graph (seed + journal) in the seed format to this directory and exit.
    #[arg(long, value_name = "DIR")]
    export: Option<PathBuf>,

    /// Fold the journal of the data directory into a snapshot and exit.
    #[arg(long, requires = "data_dir")]
    compact: bool,

    /// Print the GraphQL schema (SDL) and exit.
    #[arg(long)]
    print_schema: bool,
}

/// The shortest write token accepted: anything shorter is guessable.
const MIN_TOKEN_LEN: usize = 16;

fn write_token(args: &Args) -> anyhow::Result<Option<String>> {
    let from_env = std::env::var("NEWSGRAPH_WRITE_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    let token = match (&args.write_token_file, from_env) {
        (Some(_), Some(_)) => {
            bail!("give the write token in NEWSGRAPH_WRITE_TOKEN or --write-token-file, not both")
        }
        (Some(path), None) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the write token file {}", path.display()))?;
            Some(text.lines().next().unwrap_or_default().trim().to_string())
        }
        (None, env) => env,
    };
    if let Some(t) = &token
        && t.len() < MIN_TOKEN_LEN
    {
        bail!("the write token must be at least {MIN_TOKEN_LEN} characters long");
    }
    Ok(token)
}

fn write_export(store: &Store, dir: &Path) -> anyhow::Result<()> {
    let files = seed::export(&store.records())?;
    for (rel, content) in files {
        let path = dir.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, content)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Resolves when the process is asked to stop (SIGINT or SIGTERM).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
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
    let token = write_token(&args)?;

    let source = match &args.seed {
        Some(dir) => seed::SeedSource::Dir(dir.clone()),
        None => seed::SeedSource::BuiltIn,
    };
    let started = std::time::Instant::now();
    let store = Store::open(&source, args.data_dir.as_deref())
        .with_context(|| format!("cannot load the seed ({})", source.describe()))?;
    let graph = store.graph();
    tracing::info!(
        seed = %source.describe(),
        data_dir = ?args.data_dir,
        version = store.version(),
        nodes = graph.node_count(),
        relations = graph.relation_count(),
        ms = started.elapsed().as_millis() as u64,
        "graph loaded"
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
    if let Some(dir) = &args.export {
        write_export(&store, dir)?;
        println!("exported version {} to {}", store.version(), dir.display());
        return Ok(());
    }
    if args.compact {
        store.compact()?;
        println!("compacted: version {} is now the snapshot", store.version());
        return Ok(());
    }

    if token.is_some() && args.data_dir.is_none() {
        tracing::warn!(
            "a write token without --data-dir: writes are kept in memory only and lost at restart"
        );
    }
    if token.is_none() {
        tracing::info!("no write token: the server is read-only");
    }
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let local = listener.local_addr()?;
    tracing::info!(addr = %local, "listening; GraphiQL at http://{local}/graphiql");
    let state = http::AppState::new(Arc::new(store), token);
    axum::serve(listener, http::router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    // Every acknowledged write was fsynced before it was answered: nothing is left to flush.
    tracing::info!("stopped");
    Ok(())
}
