//! The `newsgraph` binary: reads the configuration ([`newsgraph::config`]), sets up logging,
//! opens the store (seed, snapshot, journal) and serves; or runs one of the maintenance
//! commands (`--check`, `--export`, `--compact`, `--print-schema`, `generate`).

use std::io::IsTerminal;
use std::sync::Arc;

use anyhow::Context;
use newsgraph::config::{self, Command, ConfigError, LogFormat, Settings};
use newsgraph::store::Store;
use newsgraph::{http, seed};
use tracing_subscriber::EnvFilter;

mod commands;

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        // Colour codes only for people: a log file or pipe gets plain `key=value` text.
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => logs.json().init(),
    }
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

/// mimalloc instead of the system allocator: a request allocates and frees thousands of small
/// values (the response tree, strings, futures), and glibc's malloc is slower at that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<std::process::ExitCode> {
    let settings = match config::load() {
        Ok(s) => s,
        // `--help`, `--version` and malformed flags: clap prints and picks the exit code.
        Err(ConfigError::Usage(e)) => e.exit(),
        Err(e) => {
            eprintln!("error: invalid configuration: {e}");
            std::process::exit(2);
        }
    };
    init_logging(settings.log_format);
    for warning in &settings.warnings {
        tracing::warn!("{warning}");
    }
    run(settings).await
}

async fn run(settings: Settings) -> anyhow::Result<std::process::ExitCode> {
    use std::process::ExitCode;
    match &settings.command {
        Command::PrintSchema => {
            print!("{}", newsgraph::api::sdl());
            return Ok(ExitCode::SUCCESS);
        }
        Command::Validate(v) => return Ok(commands::validate(v)),
        Command::Completions(shell) => {
            commands::completions(*shell);
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    if let Command::Generate(g) = &settings.command {
        let started = std::time::Instant::now();
        let opts = newsgraph::generate::Options {
            nodes: g.nodes,
            seed: g.seed,
        };
        let s = newsgraph::generate::write_dir(&opts, &g.out, g.format)?;
        println!(
            "generated {}: {} nodes ({} events, {} sources), {} relations ({} event participations), {} bytes in {:.1} s",
            g.out.display(),
            s.nodes,
            s.events,
            s.sources,
            s.relations,
            s.participations,
            s.bytes,
            started.elapsed().as_secs_f64()
        );
        return Ok(ExitCode::SUCCESS);
    }

    let source = match &settings.seed {
        Some(dir) => seed::SeedSource::Dir(dir.clone()),
        None => seed::SeedSource::BuiltIn,
    };
    if let Command::Import(args) = &settings.command {
        let dir = settings
            .data_dir
            .as_deref()
            .context("import needs a data directory")?;
        return commands::import(&source, dir, args);
    }
    let started = std::time::Instant::now();
    let store = Store::open(&source, settings.data_dir.as_deref())
        .with_context(|| format!("cannot load the seed ({})", source.describe()))?;
    let graph = store.graph();
    tracing::info!(
        seed = %source.describe(),
        data_dir = ?settings.data_dir,
        config = ?settings.config_file,
        version = store.version(),
        nodes = graph.node_count(),
        relations = graph.relation_count(),
        ms = started.elapsed().as_millis() as u64,
        "graph loaded"
    );
    match &settings.command {
        Command::Check => {
            println!(
                "{}: ok, {} nodes, {} relations",
                source.describe(),
                graph.node_count(),
                graph.relation_count()
            );
            // Freeing a graph of 10⁶ nodes piece by piece takes seconds; the process is
            // ending, so let the kernel take the memory back at once.
            std::mem::forget(graph);
            std::mem::forget(store);
            return Ok(ExitCode::SUCCESS);
        }
        Command::Export(dir) => {
            // The older `--export DIR`: the seed format, the whole graph.
            commands::export(&store, &newsgraph::config::ExportArgs::seed_to(dir.clone()))?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::ExportAs(args) => {
            commands::export(&store, args)?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Compact => {
            store.compact()?;
            println!("compacted: version {} is now the snapshot", store.version());
            return Ok(ExitCode::SUCCESS);
        }
        Command::Serve
        | Command::PrintSchema
        | Command::Generate(_)
        | Command::Validate(_)
        | Command::Import(_)
        | Command::Completions(_) => {}
    }

    let tokens = settings.write_tokens;
    if !tokens.is_empty() && settings.data_dir.is_none() {
        tracing::warn!(
            "a write token without --data-dir: writes are kept in memory only and lost at restart"
        );
    }
    if tokens.is_empty() {
        tracing::info!("no write token: the server is read-only");
    } else {
        tracing::info!(writers = ?tokens.names(), "writes accepted with the named tokens");
    }
    if !settings.http.graphiql {
        tracing::info!("production mode: no GraphiQL, no introspection");
    }
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .with_context(|| format!("cannot listen on {}", settings.addr))?;
    let local = listener.local_addr()?;
    if settings.http.graphiql {
        tracing::info!(addr = %local, "listening; GraphiQL at http://{local}/graphiql");
    } else {
        tracing::info!(addr = %local, "listening");
    }
    let metrics = http::Metrics::new();
    metrics.set_graph(graph.node_count(), graph.relation_count(), store.version());
    drop(graph);
    let state = http::AppState::new(Arc::new(store), tokens, settings.http, metrics);
    http::serve_until(listener, state, shutdown_signal()).await?;
    // Every acknowledged write was fsynced before it was answered: nothing is left to flush.
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}
