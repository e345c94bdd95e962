//! The server's configuration: command-line flags, `NEWSGRAPH_*` environment variables and an
//! optional TOML file (`--config FILE` or `NEWSGRAPH_CONFIG`) with the same keys in snake_case.
//! A setting is taken from the first of flag, environment, file and default that gives it.
//!
//! Each setting is declared once, as a field of [`Layer`]: its clap attributes give the flag,
//! the variable (`env`) and the default (`default_value_t`, taken from [`HttpConfig::default`]),
//! and its name is the file's key. clap reads flags and variables; figment then merges three
//! layers — clap's defaults, the file, and what clap got from a flag or a variable — and
//! extracts one `Layer`. The field types refuse what is invalid (`NonZero` limits, socket
//! addresses, [`CorsOrigin`]s, log formats), whichever layer a value came from, and every
//! error names the setting as it was given: the flag, the variable, or the key and the file.
//! What leaves this module is a [`Settings`] holding only valid values.

mod tokens;

use std::fmt;
use std::net::SocketAddr;
use std::num::{NonZeroU64, NonZeroUsize};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::error::{ContextKind, ContextValue};
use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches, CommandFactory, FromArgMatches, Parser, ValueEnum};
use figment::value::{Dict, Map};
use figment::{Figment, Metadata, Profile, Provider, Source};
use serde::{Deserialize, Serialize};

use crate::http::{HttpConfig, WriteTokens};

/// Where the server listens unless told otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8000";
/// The shortest write token accepted: anything shorter is guessable.
pub const MIN_TOKEN_LEN: usize = 16;
/// The variable naming the configuration file.
pub const CONFIG_ENV: &str = "NEWSGRAPH_CONFIG";
/// The variable holding a write token itself, `NAME:TOKEN` or bare (never a flag: `ps` would
/// show it).
pub const WRITE_TOKEN_ENV: &str = "NEWSGRAPH_WRITE_TOKEN";

/// A GraphQL knowledge-graph server for the news.
///
/// Every setting can also come from an environment variable or the configuration file (same
/// name in snake_case); a flag wins over the environment, which wins over the file.
#[derive(Debug, Parser)]
#[command(name = "newsgraph", version, about, long_about)]
pub struct Args {
    /// A TOML configuration file with any of the settings below, in snake_case.
    #[arg(long, env = CONFIG_ENV, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub settings: Layer,

    /// Load and validate the seed (and the data directory), report, and exit without serving.
    #[arg(long, hide = true)]
    pub check: bool,

    /// Write the current graph (seed + journal) in the seed format to this directory and exit.
    /// (`newsgraph export --format seed --out DIR` says it better.)
    #[arg(long, value_name = "DIR", hide = true)]
    pub export: Option<PathBuf>,

    /// Fold the journal of the data directory into a snapshot and exit (`newsgraph compact`).
    #[arg(long, hide = true)]
    pub compact: bool,

    /// Print the GraphQL schema (SDL) and exit (`newsgraph schema`).
    #[arg(long, hide = true)]
    pub print_schema: bool,

    #[command(subcommand)]
    pub subcommand: Option<Subcommand>,
}

/// The defaults, from the one place they live.
fn d() -> HttpConfig {
    HttpConfig::default()
}

fn nz(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).expect("defaults are positive")
}

fn nz_secs(t: Duration) -> NonZeroU64 {
    NonZeroU64::new(t.as_secs()).expect("default timeouts are whole seconds")
}

/// Every setting that flag, environment and file can all give. A field's name is its file key
/// and its clap id; its type is what a valid value is.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    /// Address to listen on.
    #[arg(long, env = "NEWSGRAPH_ADDR", value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
    pub addr: SocketAddr,

    /// A seed directory to serve instead of the built-in default data.
    #[arg(long, env = "NEWSGRAPH_SEED", value_name = "DIR")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<PathBuf>,

    /// Where writes are journaled (and snapshots kept); without it the server is read-only.
    #[arg(long, env = "NEWSGRAPH_DATA_DIR", value_name = "DIR")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,

    /// A file of write tokens, one `NAME:TOKEN` (or a bare token, named `editor`) per line; or put one in NEWSGRAPH_WRITE_TOKEN.
    #[arg(long, env = "NEWSGRAPH_WRITE_TOKEN_FILE", value_name = "FILE")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_token_file: Option<PathBuf>,

    /// Largest request body (and WebSocket message) accepted, in bytes (413 beyond).
    #[arg(long, env = "NEWSGRAPH_MAX_BODY_BYTES", value_name = "BYTES",
          value_parser = at_least_one::<NonZeroUsize>, default_value_t = nz(d().max_body_bytes))]
    pub max_body_bytes: NonZeroUsize,

    /// Longest query text, in bytes.
    #[arg(long, env = "NEWSGRAPH_MAX_QUERY_BYTES", value_name = "BYTES",
          value_parser = at_least_one::<NonZeroUsize>, default_value_t = nz(d().max_query_bytes))]
    pub max_query_bytes: NonZeroUsize,

    /// Deepest nesting of brackets in a query's text, checked before parsing.
    #[arg(long, env = "NEWSGRAPH_MAX_NESTING", value_name = "N",
          value_parser = at_least_one::<NonZeroUsize>, default_value_t = nz(d().max_nesting))]
    pub max_nesting: NonZeroUsize,

    /// Deepest selection nesting of a query.
    #[arg(long, env = "NEWSGRAPH_MAX_DEPTH", value_name = "N",
          value_parser = at_least_one::<NonZeroUsize>, default_value_t = nz(d().limits.max_depth))]
    pub max_depth: NonZeroUsize,

    /// Highest total cost of a query.
    #[arg(long, env = "NEWSGRAPH_MAX_COMPLEXITY", value_name = "N",
          value_parser = at_least_one::<NonZeroUsize>, default_value_t = nz(d().limits.max_complexity))]
    pub max_complexity: NonZeroUsize,

    /// Most fields in a query after expanding fragments.
    #[arg(long, env = "NEWSGRAPH_MAX_FIELDS", value_name = "N",
          value_parser = at_least_one::<NonZeroUsize>, default_value_t = nz(d().limits.max_fields))]
    pub max_fields: NonZeroUsize,

    /// Most directives on one field.
    #[arg(long, env = "NEWSGRAPH_MAX_DIRECTIVES", value_name = "N",
          value_parser = at_least_one::<NonZeroUsize>, default_value_t = nz(d().limits.max_directives))]
    pub max_directives: NonZeroUsize,

    /// Most list items in one response.
    #[arg(long, env = "NEWSGRAPH_MAX_ITEMS", value_name = "N",
          value_parser = at_least_one::<NonZeroUsize>, default_value_t = nz(d().limits.max_items))]
    pub max_items: NonZeroUsize,

    /// Longest a request may run, in seconds (then it answers TIMEOUT and its work stops).
    #[arg(long, env = "NEWSGRAPH_TIMEOUT_SECS", value_name = "SECONDS",
          value_parser = at_least_one::<NonZeroU64>, default_value_t = nz_secs(d().timeout))]
    pub timeout_secs: NonZeroU64,

    /// Largest response body, in bytes; an answer stops being built once it passes it.
    #[arg(long, env = "NEWSGRAPH_MAX_RESPONSE_BYTES", value_name = "BYTES",
          value_parser = at_least_one::<NonZeroUsize>, default_value_t = nz(d().max_response_bytes))]
    pub max_response_bytes: NonZeroUsize,

    /// An origin allowed to call the API from a browser (CORS), e.g. https://app.example; repeat for more (the variable takes a comma-separated list).
    #[arg(long = "cors-origin", env = "NEWSGRAPH_CORS_ORIGINS", value_name = "ORIGIN",
          value_delimiter = ',', value_parser = CorsOrigin::from_str)]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cors_origins: Vec<CorsOrigin>,

    /// How many persisted queries (APQ) to remember; 0 turns APQ off.
    #[arg(long, env = "NEWSGRAPH_APQ_CACHE_SIZE", value_name = "N", default_value_t = d().apq_cache_size)]
    pub apq_cache_size: usize,

    /// Most bytes of persisted query text (APQ) to remember.
    #[arg(long, env = "NEWSGRAPH_APQ_CACHE_BYTES", value_name = "BYTES",
          value_parser = at_least_one::<NonZeroUsize>, default_value_t = nz(d().apq_cache_bytes))]
    pub apq_cache_bytes: NonZeroUsize,

    /// Seconds a client has to send a request's headers (and, between requests, to start the next).
    #[arg(long, env = "NEWSGRAPH_HEADER_TIMEOUT_SECS", value_name = "SECONDS",
          value_parser = at_least_one::<NonZeroU64>, default_value_t = nz_secs(d().header_timeout))]
    pub header_timeout_secs: NonZeroU64,

    /// Seconds a client has to send a request's body.
    #[arg(long, env = "NEWSGRAPH_BODY_TIMEOUT_SECS", value_name = "SECONDS",
          value_parser = at_least_one::<NonZeroU64>, default_value_t = nz_secs(d().body_timeout))]
    pub body_timeout_secs: NonZeroU64,

    /// Seconds a connection may stay open with nothing sent either way.
    #[arg(long, env = "NEWSGRAPH_IDLE_TIMEOUT_SECS", value_name = "SECONDS",
          value_parser = at_least_one::<NonZeroU64>, default_value_t = nz_secs(d().idle_timeout))]
    pub idle_timeout_secs: NonZeroU64,

    /// Most connections open at once; beyond it new ones wait to be accepted.
    #[arg(long, env = "NEWSGRAPH_MAX_CONNECTIONS", value_name = "N",
          value_parser = at_least_one::<NonZeroUsize>, default_value_t = nz(d().max_connections))]
    pub max_connections: NonZeroUsize,

    /// Most requests served at once; beyond it requests are shed with 503 and Retry-After.
    #[arg(long, env = "NEWSGRAPH_MAX_CONCURRENT_REQUESTS", value_name = "N",
          value_parser = at_least_one::<NonZeroUsize>, default_value_t = nz(d().max_concurrent_requests))]
    pub max_concurrent_requests: NonZeroUsize,

    /// Most subscriptions one WebSocket connection may hold.
    #[arg(long, env = "NEWSGRAPH_MAX_SUBSCRIPTIONS_PER_CONNECTION", value_name = "N",
          value_parser = at_least_one::<NonZeroUsize>,
          default_value_t = nz(d().max_subscriptions_per_connection))]
    pub max_subscriptions_per_connection: NonZeroUsize,

    /// Seconds a WebSocket client has from opening the socket to send `connection_init` (then 4408).
    #[arg(long, env = "NEWSGRAPH_WS_INIT_TIMEOUT_SECS", value_name = "SECONDS",
          value_parser = at_least_one::<NonZeroU64>, default_value_t = nz_secs(d().ws_init_timeout))]
    pub ws_init_timeout_secs: NonZeroU64,

    /// Production mode: no introspection and no GraphiQL (the explorer at / stays: it needs neither).
    #[arg(long, env = "NEWSGRAPH_PRODUCTION", action = ArgAction::SetTrue,
          value_parser = BoolishValueParser::new())]
    pub production: bool,

    /// Do not serve the explorer at / (then / leads to GraphiQL, when that is served).
    #[arg(long, env = "NEWSGRAPH_NO_EXPLORER", action = ArgAction::SetTrue,
          value_parser = BoolishValueParser::new())]
    pub no_explorer: bool,

    /// Log one line per HTTP request (method, route, status, latency, request id); without it,
    /// only server errors (5xx) and requests slower than a second are logged.
    #[arg(long, env = "NEWSGRAPH_ACCESS_LOG", action = ArgAction::SetTrue,
          value_parser = BoolishValueParser::new())]
    pub access_log: bool,

    /// Log format on stderr.
    #[arg(long, env = "NEWSGRAPH_LOG_FORMAT", value_enum, value_name = "FORMAT",
          ignore_case = true, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// Commands beside serving (which needs none).
#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum Subcommand {
    /// Serve the graph over HTTP (the default when no command is given).
    ///
    /// Takes the flags above, before or after `serve`: `newsgraph serve --addr 0.0.0.0:8000`
    /// is `newsgraph --addr 0.0.0.0:8000`.
    Serve,
    /// Check a seed directory and report every problem in it, not only the first.
    ///
    /// Exit code 0 when the seed is valid, 1 when it is not (each problem on a line of stderr:
    /// file, record, reason).
    Validate(ValidateArgs),
    /// Import nodes and relations from CSV files (neo4j-admin's shape) or RDF into a data
    /// directory, validated exactly like a seed.
    ///
    /// The imported records join the graph the data directory holds (or the seed, when it
    /// holds none); with --replace they become the whole graph. Nothing is written unless
    /// everything validates. The result is the data directory's new snapshot.
    Import(ImportArgs),
    /// Write the graph (the seed and the data directory's writes), or a part of it, in
    /// another format: JSON-LD, Turtle, N-Triples, GraphML, Neo4j CSV, Cypher, DOT, or the seed
    /// format.
    Export(ExportArgs),
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Write a synthetic news graph as a seed directory, for load tests and benchmarks.
    ///
    /// The same --nodes and --seed always give byte-identical files. Serve the result with
    /// `newsgraph --seed DIR`.
    Generate(GenerateArgs),
    /// Fold the journal of a data directory into a snapshot.
    Compact(GraphArgs),
    /// Print a completion script for a shell, e.g.
    /// `newsgraph completions bash > ~/.local/share/bash-completion/completions/newsgraph`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Where a command finds the graph: the seed, and the data directory whose snapshot and
/// journal come on top (the same flags and variables as the server's).
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct GraphArgs {
    /// The seed directory (the built-in default data without it).
    #[arg(long, env = "NEWSGRAPH_SEED", value_name = "DIR")]
    pub seed: Option<PathBuf>,
    /// The data directory (journal and snapshots).
    #[arg(long, env = "NEWSGRAPH_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// What `newsgraph validate` checks.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct ValidateArgs {
    /// The seed directory (TOML files, or the JSON Lines bulk format).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// The formats `newsgraph export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// JSON-LD with schema.org terms (one file).
    Jsonld,
    /// RDF Turtle (one file).
    Turtle,
    /// RDF N-Triples (one file).
    Ntriples,
    /// GraphML, for Gephi and yEd (one file).
    Graphml,
    /// nodes.csv and relationships.csv for `neo4j-admin database import` (a directory).
    Csv,
    /// A Cypher script that recreates the graph in Neo4j (one file).
    Cypher,
    /// Graphviz DOT (one file).
    Dot,
    /// newsgraph's own seed format, TOML files (a directory).
    Seed,
}

/// What `newsgraph export` writes.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct ExportArgs {
    /// The format.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: ExportFormat,
    /// The file to write (standard output without it), or the directory for csv and seed.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Only the relations that hold on this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<chrono::NaiveDate>,
    /// Only the neighbourhood of this node (with --depth and --limit).
    #[arg(long, value_name = "ID", conflicts_with = "path")]
    pub around: Option<String>,
    /// Hops from --around.
    #[arg(long, value_name = "N", default_value_t = 2, requires = "around")]
    pub depth: usize,
    /// The most nodes of the neighbourhood.
    #[arg(long, value_name = "N", default_value_t = crate::interchange::view::DEFAULT_LIMIT, requires = "around")]
    pub limit: usize,
    /// Only the shortest path between two nodes (within 6 hops).
    #[arg(long, value_names = ["FROM", "TO"], num_args = 2)]
    pub path: Option<Vec<String>>,
    /// The IRI node ids are appended to in RDF (ending in / or #).
    #[arg(long, value_name = "IRI", default_value = crate::interchange::DEFAULT_BASE)]
    pub base_iri: String,
    #[command(flatten)]
    pub graph: GraphArgs,
}

impl ExportArgs {
    /// The whole graph in the seed format to `dir` (what the older `--export DIR` does).
    pub fn seed_to(dir: PathBuf) -> ExportArgs {
        ExportArgs {
            format: ExportFormat::Seed,
            out: Some(dir),
            as_of: None,
            around: None,
            depth: 2,
            limit: crate::interchange::view::DEFAULT_LIMIT,
            path: None,
            base_iri: crate::interchange::DEFAULT_BASE.into(),
            graph: GraphArgs::default(),
        }
    }
}

/// The formats `newsgraph import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// nodes.csv and relationships.csv in the shape `newsgraph export --format csv` writes.
    Csv,
    /// RDF Turtle in the vocabulary of `newsgraph export --format turtle`.
    Turtle,
    /// RDF N-Triples, likewise.
    Ntriples,
}

/// What `newsgraph import` reads, and where it writes.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct ImportArgs {
    /// The format.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: ImportFormat,
    /// The files: for csv the nodes file, then the relationships file (either may be a
    /// directory holding nodes.csv and relationships.csv); for RDF one file.
    #[arg(value_name = "FILE", required = true, num_args = 1..=2)]
    pub files: Vec<PathBuf>,
    /// The IRI node ids were appended to in RDF.
    #[arg(long, value_name = "IRI", default_value = crate::interchange::DEFAULT_BASE)]
    pub base_iri: String,
    /// Make the imported records the whole graph, instead of adding them to it.
    #[arg(long)]
    pub replace: bool,
    /// No progress bar (it is drawn only on a terminal anyway).
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub graph: GraphArgs,
}

/// What `newsgraph generate` writes.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct GenerateArgs {
    /// Nodes in all (sources and events included), at least 100; 10^6 takes seconds.
    #[arg(long, value_name = "N")]
    pub nodes: usize,
    /// The directory to write (created if missing; files of the same format are replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The seed of the pseudo-random generator.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// jsonl: the bulk format, for any size; toml: the hand-edited format, for small graphs.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = crate::generate::Format::Jsonl)]
    pub format: crate::generate::Format,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// `key=value` text, coloured only on a terminal.
    #[default]
    Text,
    /// One JSON object per line, with the request span's fields.
    Json,
}

/// An origin allowed by CORS, written as the CORS layer compares it: `scheme://host[:port]`,
/// as browsers send it ([`parse_origin`]); a file's value is checked like a flag's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CorsOrigin(String);

impl FromStr for CorsOrigin {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        parse_origin(s).map(CorsOrigin)
    }
}

impl TryFrom<String> for CorsOrigin {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<CorsOrigin> for String {
    fn from(o: CorsOrigin) -> String {
        o.0
    }
}

/// A positive number, refused as "must be at least 1" otherwise (clap's own range message
/// names the type's whole range, which reads worse).
fn at_least_one<T>(s: &str) -> Result<T, String>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    match s.trim().parse::<u64>() {
        Ok(0) => Err("must be at least 1, not 0".into()),
        Ok(_) => s.trim().parse::<T>().map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// What the process is to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Serve HTTP until stopped.
    Serve,
    /// Load and validate, report, exit.
    Check,
    /// Write the current graph in the seed format to a directory, exit.
    Export(PathBuf),
    /// Fold the journal into a snapshot, exit.
    Compact,
    /// Print the SDL, exit.
    PrintSchema,
    /// Write a synthetic graph as a seed directory, exit.
    Generate(GenerateArgs),
    /// Report every problem of a seed directory, exit 0 or 1.
    Validate(ValidateArgs),
    /// Import records into a data directory, exit.
    Import(ImportArgs),
    /// Write the graph or a part of it in a format, exit.
    ExportAs(ExportArgs),
    /// Print a shell's completion script, exit.
    Completions(clap_complete::Shell),
}

/// The whole, valid configuration.
#[derive(Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    pub seed: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    /// The bearer tokens writes may use, by name; none: the server is read-only.
    pub write_tokens: WriteTokens,
    pub http: HttpConfig,
    pub log_format: LogFormat,
    pub command: Command,
    /// The configuration file read, if any.
    pub config_file: Option<PathBuf>,
    /// Things worth a warning once logging is up (an unknown `NEWSGRAPH_*` variable).
    pub warnings: Vec<String>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A token must never reach a log line (`WriteTokens`' Debug shows only names).
        f.debug_struct("Settings")
            .field("addr", &self.addr)
            .field("seed", &self.seed)
            .field("data_dir", &self.data_dir)
            .field("write_tokens", &self.write_tokens.names())
            .field("http", &self.http)
            .field("log_format", &self.log_format)
            .field("command", &self.command)
            .field("config_file", &self.config_file)
            .finish_non_exhaustive()
    }
}

/// Why the configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A command-line problem, or `--help`/`--version`: clap prints it and picks the exit code
    /// (`clap::Error::exit`).
    #[error(transparent)]
    Usage(#[from] clap::Error),
    #[error("cannot read the config file {}: {source}", path.display())]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the config file {} is invalid: {message}", path.display())]
    ParseFile { path: PathBuf, message: String },
    /// A setting's value is wrong; `setting` names the flag, variable or file key it came from.
    #[error("{setting}: {message}")]
    Invalid { setting: String, message: String },
}

/// The configuration of this process: its arguments and its `NEWSGRAPH_*` environment.
pub fn load() -> Result<Settings, ConfigError> {
    load_from(std::env::args_os())
}

/// The configuration given by `argv` (program name first) and this process's environment.
pub fn load_from<I, T>(argv: I) -> Result<Settings, ConfigError>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let mut argv: Vec<std::ffi::OsString> = argv.into_iter().map(Into::into).collect();
    // `serve` takes the server's flags, which clap knows only before a subcommand: moved to
    // the end, `newsgraph serve --addr A` parses as `newsgraph --addr A serve`.
    if argv.get(1).is_some_and(|a| a == "serve") {
        let serve = argv.remove(1);
        argv.push(serve);
    }
    let matches = command()
        .try_get_matches_from(&argv)
        .map_err(|e| name_the_variable(e, &argv))?;
    let args = Args::from_arg_matches(&matches)?;
    Settings::resolve(args, &matches)
}

/// The command-line interface; its help names each setting's variable and default.
pub fn command() -> clap::Command {
    Args::command()
}

/// clap's error about a bad value names the flag even when the value came from the
/// flag's variable; this names the variable then, as the other errors do.
fn name_the_variable(e: clap::Error, argv: &[std::ffi::OsString]) -> ConfigError {
    let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) else {
        return e.into();
    };
    let flag = arg.split_whitespace().next().unwrap_or_default();
    let cmd = command();
    let Some(var) = cmd
        .get_arguments()
        .find(|a| a.get_long().is_some_and(|l| flag == format!("--{l}")))
        .and_then(|a| a.get_env())
        .and_then(|v| v.to_str())
    else {
        return e.into();
    };
    let on_the_command_line = argv.iter().skip(1).any(|a| {
        a.to_str()
            .is_some_and(|a| a == flag || a.starts_with(&format!("{flag}=")))
    });
    if on_the_command_line || std::env::var_os(var).is_none() {
        return e.into();
    }
    let rendered = e.render().to_string();
    let first = rendered.lines().next().unwrap_or_default();
    ConfigError::Invalid {
        setting: var.to_string(),
        message: first.trim_start_matches("error: ").to_string(),
    }
}

/// A figment layer: a dictionary of settings under a name, and the file it was read from.
struct Layered {
    metadata: Metadata,
    dict: Dict,
}

impl Provider for Layered {
    fn metadata(&self) -> Metadata {
        self.metadata.clone()
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.dict.clone()))
    }
}

/// The settings' file keys: the ids of [`Layer`]'s arguments.
fn file_keys() -> Vec<String> {
    let cmd = <Layer as clap::Args>::augment_args(clap::Command::new("keys"));
    cmd.get_arguments()
        .map(|a| a.get_id().to_string())
        .collect()
}

/// The configuration file as a layer; unknown keys are refused by name.
fn read_file(path: &Path) -> Result<Layered, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::ReadFile {
        path: path.to_path_buf(),
        source,
    })?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::ParseFile {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let keys = file_keys();
    if let Some(unknown) = table.keys().find(|k| !keys.contains(k)) {
        return Err(ConfigError::ParseFile {
            path: path.to_path_buf(),
            message: format!("unknown key `{unknown}`"),
        });
    }
    let dict = figment::providers::Serialized::defaults(table)
        .data()
        .map_err(|e| ConfigError::ParseFile {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?
        .remove(&Profile::Default)
        .unwrap_or_default();
    Ok(Layered {
        metadata: Metadata::from("the config file", Source::File(path.to_path_buf())),
        dict,
    })
}

/// `layer`'s values split by where clap took them from: its defaults, or a flag or variable.
fn split_by_source(layer: &Layer, matches: &ArgMatches) -> (Layered, Layered) {
    let all = figment::providers::Serialized::defaults(layer)
        .data()
        .expect("settings serialise")
        .remove(&Profile::Default)
        .unwrap_or_default();
    let (mut defaults, mut given) = (Dict::new(), Dict::new());
    for (key, value) in all {
        match matches.value_source(&key) {
            Some(ValueSource::DefaultValue) => defaults.insert(key, value),
            Some(_) => given.insert(key, value),
            None => None,
        };
    }
    (
        Layered {
            metadata: Metadata::named("the defaults"),
            dict: defaults,
        },
        Layered {
            metadata: Metadata::named("the command line and environment"),
            dict: given,
        },
    )
}

/// Where each setting's value came from, to name it in an error.
struct Origins<'a> {
    matches: &'a ArgMatches,
    figment: &'a Figment,
}

impl Origins<'_> {
    /// The flag, the variable, or the key and file that gave `key`.
    fn of(&self, key: &str) -> String {
        match self.matches.value_source(key) {
            Some(ValueSource::CommandLine) => names(key).0,
            Some(ValueSource::EnvVariable) => names(key).1,
            _ => in_file(
                key,
                self.figment
                    .find_metadata(key)
                    .and_then(|m| m.source.as_ref()),
            ),
        }
    }

    /// How a setting is given, for messages that ask for one: flag, variable and key.
    fn ways(key: &str) -> String {
        let (flag, var) = names(key);
        format!("{flag}, {var} or `{key}` in the config file")
    }
}

/// A setting's flag and variable, by its key.
fn names(key: &str) -> (String, String) {
    let cmd = command();
    let arg = cmd.get_arguments().find(|a| a.get_id() == key);
    let flag = format!("--{}", arg.and_then(|a| a.get_long()).unwrap_or(key));
    let var = arg
        .and_then(|a| a.get_env())
        .map(|v| v.to_string_lossy().into_owned())
        .unwrap_or_default();
    (flag, var)
}

/// A file's key as errors name it: with the file when the value came from one.
fn in_file(key: &str, source: Option<&Source>) -> String {
    match source {
        Some(Source::File(path)) => format!("`{key}` in {}", path.display()),
        _ => format!("`{key}`"),
    }
}

/// Figment's errors, each naming its key and the file it came from.
fn extraction_error(e: figment::Error) -> ConfigError {
    let messages: Vec<String> = e
        .into_iter()
        .map(|e| {
            let at = in_file(
                &e.path.join("."),
                e.metadata.as_ref().and_then(|m| m.source.as_ref()),
            );
            match &e.kind {
                // A `NonZero` limit given 0: say it as the flags' parser does.
                figment::error::Kind::InvalidValue(_, expected) if expected.contains("nonzero") => {
                    format!("{at}: must be at least 1")
                }
                kind => format!("{at}: {kind}"),
            }
        })
        .collect();
    let (setting, message) = match messages.split_first() {
        Some((first, rest)) => {
            let (setting, message) = first.split_once(": ").unwrap_or((first, ""));
            let mut message = message.to_string();
            for more in rest {
                message.push_str("; ");
                message.push_str(more);
            }
            (setting.to_string(), message)
        }
        None => ("configuration".into(), "invalid".into()),
    };
    ConfigError::Invalid { setting, message }
}

/// Checks and normalises one origin: `http` or `https`, a host, maybe a port, nothing else
/// (no path, no trailing slash, no wildcard). Lowercased and without the scheme's default port,
/// because that is how a browser writes the `Origin` header it is compared with.
fn parse_origin(origin: &str) -> Result<String, String> {
    let bad = |why: &str| {
        Err(format!(
            "`{origin}` is not an origin ({why}); write scheme://host[:port], e.g. https://app.example"
        ))
    };
    let lower = origin.trim().to_ascii_lowercase();
    let (scheme, rest) = match lower.split_once("://") {
        Some((s @ ("http" | "https"), rest)) => (s, rest),
        Some(_) => return bad("the scheme must be http or https"),
        None => return bad("no scheme"),
    };
    if rest.contains(['/', '?', '#']) {
        return bad("an origin has no path, query or trailing slash");
    }
    if rest.contains('@') {
        return bad("an origin has no user name");
    }
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let Some((addr, after)) = v6.split_once(']') else {
            return bad("unclosed `[`");
        };
        if addr.is_empty()
            || !addr
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return bad("invalid IPv6 address");
        }
        let port = match after {
            "" => None,
            p => match p.strip_prefix(':') {
                Some(p) => Some(p),
                None => return bad("unexpected text after the address"),
            },
        };
        (format!("[{addr}]"), port)
    } else {
        let (host, port) = match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        };
        if host.is_empty()
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return bad("invalid host");
        }
        (host.to_string(), port)
    };
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(0) | Err(_) => return bad("invalid port"),
            Ok(n) => Some(n),
        },
    };
    Ok(match (scheme, port) {
        (_, None) | ("http", Some(80)) | ("https", Some(443)) => format!("{scheme}://{host}"),
        (_, Some(p)) => format!("{scheme}://{host}:{p}"),
    })
}

/// A non-empty variable of this process (an empty one counts as unset, as clap does).
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    /// Merges clap's defaults, the configuration file and what clap read from flags and
    /// variables (flag > env > file > default), and checks the result.
    pub fn resolve(args: Args, matches: &ArgMatches) -> Result<Settings, ConfigError> {
        let (defaults, given) = split_by_source(&args.settings, matches);
        let mut figment = Figment::from(defaults);
        if let Some(path) = &args.config {
            figment = figment.merge(read_file(path)?);
        }
        let figment = figment.merge(given);
        let s: Layer = figment.extract().map_err(extraction_error)?;
        let origins = Origins {
            matches,
            figment: &figment,
        };

        let production = s.production;
        let limits = crate::api::Limits {
            max_depth: s.max_depth.get(),
            max_complexity: s.max_complexity.get(),
            max_fields: s.max_fields.get(),
            max_directives: s.max_directives.get(),
            max_items: s.max_items.get(),
            introspection: !production,
        };
        // A full literal, no `..default`: a field added to `HttpConfig` must be given a
        // setting here before the crate compiles again.
        let http = HttpConfig {
            max_body_bytes: s.max_body_bytes.get(),
            max_query_bytes: s.max_query_bytes.get(),
            max_nesting: s.max_nesting.get(),
            limits,
            timeout: Duration::from_secs(s.timeout_secs.get()),
            max_response_bytes: s.max_response_bytes.get(),
            graphiql: !production,
            explorer: !s.no_explorer,
            access_log: s.access_log,
            cors_origins: s.cors_origins.into_iter().map(String::from).collect(),
            apq_cache_size: s.apq_cache_size,
            apq_cache_bytes: s.apq_cache_bytes.get(),
            header_timeout: Duration::from_secs(s.header_timeout_secs.get()),
            body_timeout: Duration::from_secs(s.body_timeout_secs.get()),
            idle_timeout: Duration::from_secs(s.idle_timeout_secs.get()),
            max_connections: s.max_connections.get(),
            max_concurrent_requests: s.max_concurrent_requests.get(),
            max_subscriptions_per_connection: s.max_subscriptions_per_connection.get(),
            ws_init_timeout: Duration::from_secs(s.ws_init_timeout_secs.get()),
        };

        let write_tokens = write_tokens(s.write_token_file.as_deref(), &origins)?;

        // A command's own --seed and --data-dir win over the server's.
        let (mut seed, mut data_dir) = (s.seed, s.data_dir);
        let mut take = |g: &GraphArgs| {
            if g.seed.is_some() {
                seed = g.seed.clone();
            }
            if g.data_dir.is_some() {
                data_dir = g.data_dir.clone();
            }
        };
        let command = match args.subcommand {
            Some(Subcommand::Generate(g)) => {
                if g.nodes < crate::generate::MIN_NODES {
                    return Err(ConfigError::Invalid {
                        setting: "--nodes".into(),
                        message: format!("must be at least {}", crate::generate::MIN_NODES),
                    });
                }
                Some(Command::Generate(g))
            }
            Some(Subcommand::Serve) => Some(Command::Serve),
            Some(Subcommand::Validate(v)) => Some(Command::Validate(v)),
            Some(Subcommand::Schema) => Some(Command::PrintSchema),
            Some(Subcommand::Completions { shell }) => Some(Command::Completions(shell)),
            Some(Subcommand::Export(e)) => {
                take(&e.graph);
                Some(Command::ExportAs(e))
            }
            Some(Subcommand::Import(i)) => {
                take(&i.graph);
                Some(Command::Import(i))
            }
            Some(Subcommand::Compact(g)) => {
                take(&g);
                Some(Command::Compact)
            }
            None => None,
        };
        let needs_data_dir = |what: &str| ConfigError::Invalid {
            setting: what.into(),
            message: format!("needs a data directory ({})", Origins::ways("data_dir")),
        };
        if data_dir.is_none() {
            match &command {
                Some(Command::Compact) => return Err(needs_data_dir("compact")),
                Some(Command::Import(_)) => return Err(needs_data_dir("import")),
                _ => {}
            }
        }
        let command = if let Some(command) = command {
            command
        } else if args.print_schema {
            Command::PrintSchema
        } else if args.check {
            Command::Check
        } else if let Some(dir) = args.export {
            Command::Export(dir)
        } else if args.compact {
            if data_dir.is_none() {
                return Err(ConfigError::Invalid {
                    setting: "--compact".into(),
                    message: format!("needs a data directory ({})", Origins::ways("data_dir")),
                });
            }
            Command::Compact
        } else {
            Command::Serve
        };

        Ok(Settings {
            addr: s.addr,
            seed,
            data_dir,
            write_tokens,
            http,
            log_format: s.log_format,
            command,
            config_file: args.config,
            warnings: unknown_variables(),
        })
    }
}

/// Warnings for `NEWSGRAPH_*` variables that name no setting (a typo would be silently unused).
fn unknown_variables() -> Vec<String> {
    let cmd = command();
    let known: Vec<String> = cmd
        .get_arguments()
        .filter_map(|a| a.get_env())
        .map(|v| v.to_string_lossy().into_owned())
        .chain([WRITE_TOKEN_ENV.to_string()])
        .collect();
    let mut warnings: Vec<String> = std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .filter(|k| k.starts_with("NEWSGRAPH_") && !known.contains(k))
        .map(|k| format!("ignoring the unknown environment variable {k}"))
        .collect();
    warnings.sort();
    warnings
}

/// The write tokens: from NEWSGRAPH_WRITE_TOKEN or from a token file (flag, variable or file
/// key), never both; see `tokens.rs` for the syntax and the checks.
fn write_tokens(file: Option<&Path>, origins: &Origins<'_>) -> Result<WriteTokens, ConfigError> {
    match (file, var(WRITE_TOKEN_ENV)) {
        (Some(_), Some(_)) => Err(ConfigError::Invalid {
            setting: origins.of("write_token_file"),
            message: format!(
                "give the write tokens in {WRITE_TOKEN_ENV} or a token file, not both"
            ),
        }),
        (Some(path), None) => tokens::from_file(path, &origins.of("write_token_file")),
        (None, Some(token)) => tokens::from_var(&token, WRITE_TOKEN_ENV),
        (None, None) => Ok(WriteTokens::default()),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// Serialises the tests that set this process's `NEWSGRAPH_*` variables: clap reads the
    /// real environment, so each test's variables are set for the duration of its call.
    static ENV: std::sync::Mutex<()> = std::sync::Mutex::new(());

    /// Runs `f` with exactly `vars` as this process's `NEWSGRAPH_*` variables, then restores
    /// what was there.
    fn with_env<R>(vars: &[(&str, &str)], f: impl FnOnce() -> R) -> R {
        let _guard = ENV.lock().unwrap_or_else(|p| p.into_inner());
        let saved: Vec<(String, String)> = std::env::vars()
            .filter(|(k, _)| k.starts_with("NEWSGRAPH_"))
            .collect();
        // SAFETY: the variables are changed only while `ENV` is held, and nothing else in the
        // test binary reads `NEWSGRAPH_*` variables.
        unsafe {
            for (k, _) in &saved {
                std::env::remove_var(k);
            }
            for (k, v) in vars {
                std::env::set_var(k, v);
            }
        }
        let result = f();
        // SAFETY: as above.
        unsafe {
            for (k, _) in vars {
                std::env::remove_var(k);
            }
            for (k, v) in &saved {
                std::env::set_var(k, v);
            }
        }
        result
    }

    /// A config file with `text`, kept alive as long as the returned handle.
    fn config_file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new()
            .suffix(".toml")
            .tempfile()
            .expect("temp file");
        f.write_all(text.as_bytes()).expect("write config");
        f
    }

    fn resolve(argv: &[&str], vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        with_env(vars, || {
            load_from(std::iter::once("newsgraph").chain(argv.iter().copied()))
        })
    }

    fn error(argv: &[&str], vars: &[(&str, &str)]) -> String {
        resolve(argv, vars)
            .expect_err("the configuration must be refused")
            .to_string()
    }

    #[test]
    fn the_command_line_interface_is_well_formed() {
        command().debug_assert();
    }

    #[test]
    fn nothing_given_gives_the_documented_defaults() {
        let s = resolve(&[], &[]).unwrap();
        let d = HttpConfig::default();
        assert_eq!(s.addr, DEFAULT_ADDR.parse().unwrap());
        assert_eq!(s.seed, None);
        assert_eq!(s.data_dir, None);
        assert!(s.write_tokens.is_empty());
        assert_eq!(s.log_format, LogFormat::Text);
        assert_eq!(s.command, Command::Serve);
        assert_eq!(s.http.max_body_bytes, d.max_body_bytes);
        assert_eq!(s.http.limits.max_depth, d.limits.max_depth);
        assert_eq!(s.http.timeout, d.timeout);
        assert_eq!(s.http.apq_cache_size, d.apq_cache_size);
        assert!(s.http.cors_origins.is_empty());
        assert!(s.http.graphiql && s.http.limits.introspection);
    }

    #[test]
    fn a_flag_beats_the_environment_which_beats_the_file_which_beats_the_default() {
        let file = config_file(
            "max_depth = 3\nmax_fields = 30\nmax_complexity = 300\naddr = \"0.0.0.0:9003\"\n",
        );
        let path = file.path().to_str().unwrap();
        let vars = [
            ("NEWSGRAPH_MAX_DEPTH", "2"),
            ("NEWSGRAPH_MAX_FIELDS", "20"),
            ("NEWSGRAPH_ADDR", "0.0.0.0:9002"),
        ];
        let s = resolve(
            &[
                "--config",
                path,
                "--max-depth",
                "1",
                "--addr",
                "0.0.0.0:9001",
            ],
            &vars,
        )
        .unwrap();
        assert_eq!(s.http.limits.max_depth, 1, "flag over env and file");
        assert_eq!(
            s.addr,
            "0.0.0.0:9001".parse().unwrap(),
            "flag over env and file"
        );
        assert_eq!(s.http.limits.max_fields, 20, "env over file");
        assert_eq!(s.http.limits.max_complexity, 300, "file over default");
        assert_eq!(
            s.http.limits.max_directives,
            HttpConfig::default().limits.max_directives,
            "default when nothing gives it"
        );
        assert_eq!(s.config_file.as_deref(), Some(file.path()));

        let s = resolve(&["--config", path], &[]).unwrap();
        assert_eq!(s.addr, "0.0.0.0:9003".parse().unwrap(), "file over default");
    }

    #[test]
    fn connection_limits_and_the_apq_byte_bound_come_from_flag_environment_and_file() {
        let d = HttpConfig::default();
        let s = resolve(&[], &[]).unwrap();
        assert_eq!(
            (
                s.http.apq_cache_bytes,
                s.http.header_timeout,
                s.http.body_timeout,
                s.http.idle_timeout,
                s.http.max_connections,
                s.http.max_concurrent_requests
            ),
            (
                d.apq_cache_bytes,
                d.header_timeout,
                d.body_timeout,
                d.idle_timeout,
                d.max_connections,
                d.max_concurrent_requests
            )
        );
        let file = config_file(
            "apq_cache_bytes = 5000\nheader_timeout_secs = 3\nbody_timeout_secs = 4\n\
             idle_timeout_secs = 5\nmax_connections = 6\nmax_concurrent_requests = 7\n",
        );
        let path = file.path().to_str().unwrap();
        let h = resolve(&["--config", path], &[]).unwrap().http;
        assert_eq!(
            (
                h.apq_cache_bytes,
                h.header_timeout.as_secs(),
                h.body_timeout.as_secs(),
                h.idle_timeout.as_secs(),
                h.max_connections,
                h.max_concurrent_requests
            ),
            (5000, 3, 4, 5, 6, 7)
        );
        let h = resolve(
            &[
                "--config",
                path,
                "--max-connections",
                "60",
                "--idle-timeout-secs",
                "50",
            ],
            &[
                ("NEWSGRAPH_MAX_CONNECTIONS", "600"),
                ("NEWSGRAPH_HEADER_TIMEOUT_SECS", "30"),
                ("NEWSGRAPH_APQ_CACHE_BYTES", "9000"),
                ("NEWSGRAPH_MAX_CONCURRENT_REQUESTS", "70"),
                ("NEWSGRAPH_BODY_TIMEOUT_SECS", "40"),
            ],
        )
        .unwrap()
        .http;
        assert_eq!(
            (
                h.max_connections,
                h.idle_timeout.as_secs(),
                h.header_timeout.as_secs(),
                h.apq_cache_bytes,
                h.max_concurrent_requests,
                h.body_timeout.as_secs()
            ),
            (60, 50, 30, 9000, 70, 40)
        );
        for flag in [
            "--apq-cache-bytes",
            "--header-timeout-secs",
            "--body-timeout-secs",
            "--idle-timeout-secs",
            "--max-connections",
            "--max-concurrent-requests",
        ] {
            let e = error(&[flag, "0"], &[]);
            assert!(e.contains(flag), "{flag}: {e}");
        }
    }

    #[test]
    fn the_config_file_can_be_named_in_the_environment() {
        let file = config_file("max_nesting = 7\ncors_origins = [\"https://app.example\"]\n");
        let s = resolve(&[], &[("NEWSGRAPH_CONFIG", file.path().to_str().unwrap())]).unwrap();
        assert_eq!(s.http.max_nesting, 7);
        assert_eq!(s.http.cors_origins, vec!["https://app.example".to_string()]);
    }

    #[test]
    fn every_setting_has_a_flag_a_variable_and_a_file_key() {
        let file = config_file(
            r#"
            addr = "127.0.0.1:9100"
            seed = "seed"
            data_dir = "data"
            max_body_bytes = 11
            max_query_bytes = 12
            max_nesting = 13
            max_depth = 14
            max_complexity = 15
            max_fields = 16
            max_directives = 17
            max_items = 18
            timeout_secs = 19
            max_response_bytes = 20
            cors_origins = ["https://a.example", "http://localhost:3000"]
            apq_cache_size = 0
            max_subscriptions_per_connection = 21
            production = true
            log_format = "json"
            "#,
        );
        let s = resolve(&["--config", file.path().to_str().unwrap()], &[]).unwrap();
        let h = &s.http;
        assert_eq!(s.addr, "127.0.0.1:9100".parse().unwrap());
        assert_eq!(s.seed, Some(PathBuf::from("seed")));
        assert_eq!(s.data_dir, Some(PathBuf::from("data")));
        assert_eq!(
            (h.max_body_bytes, h.max_query_bytes, h.max_nesting),
            (11, 12, 13)
        );
        let l = &h.limits;
        assert_eq!(
            (
                l.max_depth,
                l.max_complexity,
                l.max_fields,
                l.max_directives,
                l.max_items
            ),
            (14, 15, 16, 17, 18)
        );
        assert_eq!(h.timeout, Duration::from_secs(19));
        assert_eq!(h.max_response_bytes, 20);
        assert_eq!(
            h.cors_origins,
            vec![
                "https://a.example".to_string(),
                "http://localhost:3000".into()
            ]
        );
        assert_eq!(h.apq_cache_size, 0, "zero turns APQ off and is allowed");
        assert_eq!(h.max_subscriptions_per_connection, 21);
        assert!(!h.graphiql && !l.introspection);
        assert_eq!(s.log_format, LogFormat::Json);

        let s = resolve(
            &[],
            &[
                ("NEWSGRAPH_MAX_BODY_BYTES", "31"),
                ("NEWSGRAPH_MAX_QUERY_BYTES", "32"),
                ("NEWSGRAPH_MAX_NESTING", "33"),
                ("NEWSGRAPH_MAX_DEPTH", "34"),
                ("NEWSGRAPH_MAX_COMPLEXITY", "35"),
                ("NEWSGRAPH_MAX_FIELDS", "36"),
                ("NEWSGRAPH_MAX_DIRECTIVES", "37"),
                ("NEWSGRAPH_MAX_ITEMS", "38"),
                ("NEWSGRAPH_TIMEOUT_SECS", "39"),
                ("NEWSGRAPH_MAX_RESPONSE_BYTES", "40"),
                (
                    "NEWSGRAPH_CORS_ORIGINS",
                    "https://a.example, https://b.example",
                ),
                ("NEWSGRAPH_APQ_CACHE_SIZE", "41"),
                ("NEWSGRAPH_MAX_SUBSCRIPTIONS_PER_CONNECTION", "42"),
                ("NEWSGRAPH_LOG_FORMAT", "json"),
            ],
        )
        .unwrap();
        let h = &s.http;
        assert_eq!(
            (h.max_body_bytes, h.max_query_bytes, h.max_nesting),
            (31, 32, 33)
        );
        let l = &h.limits;
        assert_eq!(
            (
                l.max_depth,
                l.max_complexity,
                l.max_fields,
                l.max_directives,
                l.max_items
            ),
            (34, 35, 36, 37, 38)
        );
        assert_eq!(h.timeout, Duration::from_secs(39));
        assert_eq!(h.max_response_bytes, 40);
        assert_eq!(h.cors_origins.len(), 2);
        assert_eq!(
            (h.apq_cache_size, h.max_subscriptions_per_connection),
            (41, 42)
        );
        assert_eq!(s.log_format, LogFormat::Json);

        let s = resolve(
            &[
                "--max-body-bytes=51",
                "--max-query-bytes=52",
                "--max-nesting=53",
                "--max-depth=54",
                "--max-complexity=55",
                "--max-fields=56",
                "--max-directives=57",
                "--max-items=58",
                "--timeout-secs=59",
                "--max-response-bytes=60",
                "--cors-origin=https://a.example",
                "--cors-origin=https://b.example:8443",
                "--apq-cache-size=61",
                "--max-subscriptions-per-connection=62",
                "--log-format=json",
            ],
            &[],
        )
        .unwrap();
        let h = &s.http;
        assert_eq!(
            (h.max_body_bytes, h.max_query_bytes, h.max_nesting),
            (51, 52, 53)
        );
        let l = &h.limits;
        assert_eq!(
            (
                l.max_depth,
                l.max_complexity,
                l.max_fields,
                l.max_directives,
                l.max_items
            ),
            (54, 55, 56, 57, 58)
        );
        assert_eq!(h.timeout, Duration::from_secs(59));
        assert_eq!(h.max_response_bytes, 60);
        assert_eq!(
            h.cors_origins,
            vec![
                "https://a.example".to_string(),
                "https://b.example:8443".into()
            ]
        );
        assert_eq!(
            (h.apq_cache_size, h.max_subscriptions_per_connection),
            (61, 62)
        );
    }

    #[test]
    fn production_turns_off_introspection_and_graphiql() {
        for s in [
            resolve(&["--production"], &[]).unwrap(),
            resolve(&[], &[("NEWSGRAPH_PRODUCTION", "true")]).unwrap(),
        ] {
            assert!(!s.http.graphiql);
            assert!(!s.http.limits.introspection);
        }
        // The environment can turn off what the file turned on.
        let file = config_file("production = true\n");
        let s = resolve(
            &["--config", file.path().to_str().unwrap()],
            &[("NEWSGRAPH_PRODUCTION", "false")],
        )
        .unwrap();
        assert!(s.http.graphiql && s.http.limits.introspection);
    }

    #[test]
    fn an_unknown_key_in_the_file_is_refused_by_name() {
        let file = config_file("max_depth = 3\nmax_dept = 4\n");
        let e = error(&["--config", file.path().to_str().unwrap()], &[]);
        assert!(e.contains("max_dept"), "{e}");
        assert!(e.contains(&file.path().display().to_string()), "{e}");
    }

    #[test]
    fn a_zero_limit_is_refused_naming_where_it_came_from() {
        let e = error(&["--max-depth", "0"], &[]);
        assert!(e.contains("--max-depth") && e.contains("at least 1"), "{e}");
        let e = error(&[], &[("NEWSGRAPH_TIMEOUT_SECS", "0")]);
        assert!(e.contains("NEWSGRAPH_TIMEOUT_SECS"), "{e}");
        let file = config_file("max_body_bytes = 0\n");
        let e = error(&["--config", file.path().to_str().unwrap()], &[]);
        assert!(
            e.contains("`max_body_bytes` in ") && e.contains("at least 1"),
            "{e}"
        );
    }

    #[test]
    fn bad_values_are_refused_naming_the_setting() {
        let e = error(&[], &[("NEWSGRAPH_MAX_FIELDS", "many")]);
        assert!(
            e.contains("NEWSGRAPH_MAX_FIELDS") && e.contains("many"),
            "{e}"
        );
        let e = error(&[], &[("NEWSGRAPH_ADDR", "localhost")]);
        assert!(e.contains("NEWSGRAPH_ADDR"), "{e}");
        let e = error(&[], &[("NEWSGRAPH_LOG_FORMAT", "xml")]);
        assert!(e.contains("NEWSGRAPH_LOG_FORMAT"), "{e}");
        let e = error(&[], &[("NEWSGRAPH_PRODUCTION", "maybe")]);
        assert!(e.contains("NEWSGRAPH_PRODUCTION"), "{e}");
        let file = config_file("max_depth = -1\n");
        let e = error(&["--config", file.path().to_str().unwrap()], &[]);
        assert!(e.contains("max_depth"), "{e}");
        let file = config_file("log_format = \"yaml\"\n");
        let e = error(&["--config", file.path().to_str().unwrap()], &[]);
        assert!(e.contains("`log_format` in "), "{e}");
        // clap refuses a malformed flag itself.
        let parsed = Args::try_parse_from(["newsgraph", "--max-depth", "deep"]);
        assert!(parsed.is_err());
    }

    #[test]
    fn malformed_cors_origins_are_refused() {
        for bad in [
            "app.example",
            "https://app.example/",
            "https://app.example/path",
            "ftp://app.example",
            "*",
            "https://*.example",
            "https://app.example:99999",
            "https://user@app.example",
        ] {
            let e = error(&["--cors-origin", bad], &[]);
            assert!(
                e.contains("--cors-origin") && e.contains("not an origin"),
                "{bad}: {e}"
            );
        }
        let e = error(
            &[],
            &[("NEWSGRAPH_CORS_ORIGINS", "https://ok.example,nope")],
        );
        assert!(
            e.contains("NEWSGRAPH_CORS_ORIGINS") && e.contains("nope"),
            "{e}"
        );
    }

    #[test]
    fn origins_are_written_as_browsers_send_them() {
        let s = resolve(
            &[
                "--cors-origin=HTTPS://App.Example:443",
                "--cors-origin=http://localhost:3000",
                "--cors-origin=http://[::1]:8080",
            ],
            &[],
        )
        .unwrap();
        assert_eq!(
            s.http.cors_origins,
            vec![
                "https://app.example".to_string(),
                "http://localhost:3000".into(),
                "http://[::1]:8080".into()
            ]
        );
    }

    #[test]
    fn an_unreadable_config_file_is_refused() {
        let e = error(&["--config", "/nonexistent/newsgraph.toml"], &[]);
        assert!(
            e.contains("cannot read the config file /nonexistent/newsgraph.toml"),
            "{e}"
        );
        let file = config_file("this is not toml");
        let e = error(&["--config", file.path().to_str().unwrap()], &[]);
        assert!(e.contains("is invalid"), "{e}");
    }

    #[test]
    fn the_write_token_comes_from_the_environment_or_a_file_never_both() {
        let token = "0123456789abcdef0123";
        let s = resolve(&[], &[("NEWSGRAPH_WRITE_TOKEN", token)]).unwrap();
        assert_eq!(s.write_tokens.names(), vec!["editor"]);
        assert!(
            !format!("{s:?}").contains(token),
            "Debug never shows the token"
        );
        let s = resolve(&[], &[("NEWSGRAPH_WRITE_TOKEN", &format!("desk:{token}"))]).unwrap();
        assert_eq!(s.write_tokens.names(), vec!["desk"]);

        let mut file = tempfile::NamedTempFile::new().unwrap();
        writeln!(file, "# editors\n{token}\nbot:another-token-0123456789").unwrap();
        let path = file.path().to_str().unwrap();
        let s = resolve(&["--write-token-file", path], &[]).unwrap();
        assert_eq!(s.write_tokens.names(), vec!["editor", "bot"]);
        assert!(!format!("{s:?}").contains("another-token"));

        let e = error(
            &["--write-token-file", path],
            &[("NEWSGRAPH_WRITE_TOKEN", token)],
        );
        assert!(e.contains("not both"), "{e}");
        let e = error(&[], &[("NEWSGRAPH_WRITE_TOKEN", "short")]);
        assert!(e.contains("at least 16 characters"), "{e}");
        assert!(e.starts_with("NEWSGRAPH_WRITE_TOKEN: "), "{e}");
        let e = error(
            &[],
            &[("NEWSGRAPH_WRITE_TOKEN", "no spaces:0123456789abcdef0123")],
        );
        assert!(e.contains("not a token name"), "{e}");

        let mut bad = tempfile::NamedTempFile::new().unwrap();
        writeln!(bad, "a:{token}\nb:{token}").unwrap();
        let bad_path = bad.path().to_str().unwrap();
        let e = error(&["--write-token-file", bad_path], &[]);
        assert!(e.contains(&format!("{bad_path}, line 2")), "{e}");
        assert!(!e.contains(token), "{e}");
        let e = error(&["--write-token-file", "/nonexistent/token"], &[]);
        assert!(
            e.contains("--write-token-file") && e.contains("/nonexistent/token"),
            "{e}"
        );
        // An empty variable is no token at all.
        let s = resolve(&[], &[("NEWSGRAPH_WRITE_TOKEN", "")]).unwrap();
        assert!(s.write_tokens.is_empty());
    }

    #[test]
    fn commands_are_chosen_by_flag_and_compact_needs_a_data_dir() {
        assert_eq!(
            resolve(&["--print-schema"], &[]).unwrap().command,
            Command::PrintSchema
        );
        assert_eq!(resolve(&["--check"], &[]).unwrap().command, Command::Check);
        assert_eq!(
            resolve(&["--export", "out"], &[]).unwrap().command,
            Command::Export("out".into())
        );
        let e = error(&["--compact"], &[]);
        assert!(
            e.contains("--compact") && e.contains("data directory"),
            "{e}"
        );
        let s = resolve(&["--compact"], &[("NEWSGRAPH_DATA_DIR", "data")]).unwrap();
        assert_eq!(s.command, Command::Compact);
    }

    #[test]
    fn generate_is_a_subcommand_with_its_own_seed() {
        let s = resolve(&["generate", "--nodes", "1000", "--out", "data/g"], &[]).unwrap();
        assert_eq!(
            s.command,
            Command::Generate(GenerateArgs {
                nodes: 1000,
                out: "data/g".into(),
                seed: 1,
                format: crate::generate::Format::Jsonl,
            })
        );
        // `--seed` after `generate` is the generator's number, not the seed directory.
        let s = resolve(
            &[
                "generate", "--nodes", "200", "--out", "g", "--seed", "9", "--format", "toml",
            ],
            &[],
        )
        .unwrap();
        assert!(matches!(
            s.command,
            Command::Generate(GenerateArgs {
                seed: 9,
                format: crate::generate::Format::Toml,
                ..
            })
        ));
        assert_eq!(s.seed, None);
        let e = error(&["generate", "--nodes", "10", "--out", "g"], &[]);
        assert!(e.contains("--nodes") && e.contains("at least 100"), "{e}");
        assert!(Args::try_parse_from(["newsgraph", "generate", "--nodes", "500"]).is_err());
        let help = command()
            .find_subcommand_mut("generate")
            .unwrap()
            .render_long_help()
            .to_string();
        assert!(
            help.contains("--nodes") && help.contains("byte-identical"),
            "{help}"
        );
    }

    #[test]
    fn unknown_newsgraph_variables_are_warned_about() {
        let s = resolve(
            &[],
            &[("NEWSGRAPH_MAX_DEPHT", "3"), ("NEWSGRAPH_MAX_DEPTH", "3")],
        )
        .unwrap();
        assert_eq!(
            s.warnings,
            vec!["ignoring the unknown environment variable NEWSGRAPH_MAX_DEPHT".to_string()]
        );
    }

    #[test]
    fn every_setting_is_named_alike_everywhere_and_in_the_readme_table() {
        let readme = include_str!("../README.md");
        let table: Vec<&str> = readme
            .lines()
            .skip_while(|l| !l.starts_with("| flag | environment | config file key |"))
            .take_while(|l| l.starts_with('|'))
            .collect();
        let cmd = <Layer as clap::Args>::augment_args(clap::Command::new("keys"));
        let mut count = 0;
        for arg in cmd.get_arguments() {
            let key = arg.get_id().as_str();
            let long = arg.get_long().expect("every setting has a flag");
            let var = arg.get_env().expect("every setting has a variable");
            let var = var.to_str().unwrap();
            assert!(var.starts_with("NEWSGRAPH_"), "{key}: {var}");
            let row = table
                .iter()
                .find(|row| row.contains(&format!("`{key}")))
                .unwrap_or_else(|| panic!("no row for `{key}` in the README's table"));
            assert!(row.contains(&format!("`--{long}")), "{key}: {row}");
            assert!(row.contains(&format!("`{var}")), "{key}: {row}");
            count += 1;
        }
        assert_eq!(count, file_keys().len());
        assert!(count >= 26, "{count} settings");
    }

    #[test]
    fn help_names_each_settings_variable_and_default() {
        let help = with_env(&[], || command().render_help().to_string());
        assert!(help.contains("[env: NEWSGRAPH_MAX_BODY_BYTES="), "{help}");
        assert!(help.contains("[default: 1048576]"), "{help}");
        assert!(help.contains("[env: NEWSGRAPH_CORS_ORIGINS="), "{help}");
        assert!(help.contains("[default: 127.0.0.1:8000]"), "{help}");
    }

    #[test]
    fn load_from_parses_arguments_and_passes_help_to_clap() {
        let s = with_env(&[], || load_from(["newsgraph", "--max-depth", "9"])).unwrap();
        assert_eq!(s.http.limits.max_depth, 9);
        let e = with_env(&[], || load_from(["newsgraph", "--help"])).unwrap_err();
        assert!(
            matches!(&e, ConfigError::Usage(c) if c.kind() == clap::error::ErrorKind::DisplayHelp)
        );
    }
}
