//! The server's configuration: command-line flags, `NEWSGRAPH_*` environment variables and an
//! optional TOML file (`--config FILE` or `NEWSGRAPH_CONFIG`) with the same keys in snake_case.
//! A setting is taken from the first of flag, environment, file and default that gives it.
//!
//! Everything is parsed and checked here, once, before anything starts: a bad value, a zero
//! limit, a malformed CORS origin, an unknown key in the file or an unreadable file stops the
//! process with a message naming the flag, variable or key at fault. What leaves this module is
//! a [`Settings`] holding only valid values.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches, Parser, ValueEnum};
use serde::Deserialize;

use crate::http::HttpConfig;

/// The environment as the configuration sees it: variable name to value.
pub type Env = HashMap<String, String>;

/// Where the server listens unless told otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8000";
/// The shortest write token accepted: anything shorter is guessable.
pub const MIN_TOKEN_LEN: usize = 16;
/// The variable naming the configuration file.
pub const CONFIG_ENV: &str = "NEWSGRAPH_CONFIG";
/// The variable holding the write token itself (never a flag: `ps` would show it).
pub const WRITE_TOKEN_ENV: &str = "NEWSGRAPH_WRITE_TOKEN";

/// A GraphQL knowledge-graph server for the news.
///
/// Every setting can also come from an environment variable or the configuration file (same
/// name in snake_case); a flag wins over the environment, which wins over the file.
#[derive(Debug, Default, Parser)]
#[command(name = "newsgraph", version, about, long_about)]
pub struct Args {
    /// A TOML configuration file with any of the settings below, in snake_case [env: NEWSGRAPH_CONFIG].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Address to listen on.
    #[arg(long, value_name = "HOST:PORT")]
    pub addr: Option<SocketAddr>,

    /// A seed directory to serve instead of the built-in default data.
    #[arg(long, value_name = "DIR")]
    pub seed: Option<PathBuf>,

    /// Where writes are journaled (and snapshots kept); without it the server is read-only.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// A file holding the write token (its first line); or put the token itself in NEWSGRAPH_WRITE_TOKEN.
    #[arg(long, value_name = "FILE")]
    pub write_token_file: Option<PathBuf>,

    /// Largest request body accepted, in bytes (413 beyond).
    #[arg(long, value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,

    /// Longest query text, in bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_query_bytes: Option<usize>,

    /// Deepest nesting of brackets in a query's text, checked before parsing.
    #[arg(long, value_name = "N")]
    pub max_nesting: Option<usize>,

    /// Deepest selection nesting of a query.
    #[arg(long, value_name = "N")]
    pub max_depth: Option<usize>,

    /// Highest total cost of a query.
    #[arg(long, value_name = "N")]
    pub max_complexity: Option<usize>,

    /// Most fields in a query after expanding fragments.
    #[arg(long, value_name = "N")]
    pub max_fields: Option<usize>,

    /// Most directives on one field.
    #[arg(long, value_name = "N")]
    pub max_directives: Option<usize>,

    /// Most list items in one response.
    #[arg(long, value_name = "N")]
    pub max_items: Option<usize>,

    /// Longest a request may run, in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub timeout_secs: Option<u64>,

    /// Largest response body, in bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_response_bytes: Option<usize>,

    /// An origin allowed to call the API from a browser (CORS), e.g. https://app.example; repeat for more (the variable takes a comma-separated list).
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub cors_origins: Vec<String>,

    /// How many persisted queries (APQ) to remember; 0 turns APQ off.
    #[arg(long, value_name = "N")]
    pub apq_cache_size: Option<usize>,

    /// Most bytes of persisted query text (APQ) to remember.
    #[arg(long, value_name = "BYTES")]
    pub apq_cache_bytes: Option<usize>,

    /// Seconds a client has to send a request's headers (and, between requests, to start the next).
    #[arg(long, value_name = "SECONDS")]
    pub header_timeout_secs: Option<u64>,

    /// Seconds a client has to send a request's body.
    #[arg(long, value_name = "SECONDS")]
    pub body_timeout_secs: Option<u64>,

    /// Seconds a connection may stay open with nothing sent either way.
    #[arg(long, value_name = "SECONDS")]
    pub idle_timeout_secs: Option<u64>,

    /// Most connections open at once; beyond it new ones wait to be accepted.
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,

    /// Most requests served at once; beyond it requests are shed with 503 and Retry-After.
    #[arg(long, value_name = "N")]
    pub max_concurrent_requests: Option<usize>,

    /// Most subscriptions one WebSocket connection may hold.
    #[arg(long, value_name = "N")]
    pub max_subscriptions_per_connection: Option<usize>,

    /// Seconds a WebSocket client has to send `connection_init` before it is closed (4408).
    #[arg(long, value_name = "SECONDS")]
    pub ws_init_timeout_secs: Option<u64>,

    /// Production mode: no introspection and no GraphiQL.
    #[arg(long)]
    pub production: bool,

    /// Log format on stderr.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,

    /// Load and validate the seed (and the data directory), report, and exit without serving.
    #[arg(long)]
    pub check: bool,

    /// Write the current graph (seed + journal) in the seed format to this directory and exit.
    #[arg(long, value_name = "DIR")]
    pub export: Option<PathBuf>,

    /// Fold the journal of the data directory into a snapshot and exit.
    #[arg(long)]
    pub compact: bool,

    /// Print the GraphQL schema (SDL) and exit.
    #[arg(long)]
    pub print_schema: bool,

    #[command(subcommand)]
    pub subcommand: Option<Subcommand>,
}

/// Commands beside serving (which needs none).
#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum Subcommand {
    /// Write a synthetic news graph as a seed directory, for load tests and benchmarks.
    ///
    /// The same --nodes and --seed always give byte-identical files. Serve the result with
    /// `newsgraph --seed DIR`.
    Generate(GenerateArgs),
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// `key=value` text, coloured only on a terminal.
    #[default]
    Text,
    /// One JSON object per line, with the request span's fields.
    Json,
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err("expected `text` or `json`".into()),
        }
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
}

/// The whole, valid configuration.
#[derive(Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    pub seed: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    /// The bearer token writes need; `None`: the server is read-only.
    pub write_token: Option<String>,
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
        // The token must never reach a log line.
        f.debug_struct("Settings")
            .field("addr", &self.addr)
            .field("seed", &self.seed)
            .field("data_dir", &self.data_dir)
            .field(
                "write_token",
                &self.write_token.as_ref().map(|_| "<redacted>"),
            )
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
    let mut env = Env::new();
    for (key, value) in std::env::vars_os() {
        let Some(key) = key.to_str().filter(|k| k.starts_with("NEWSGRAPH_")) else {
            continue;
        };
        let value = value.into_string().map_err(|_| ConfigError::Invalid {
            setting: key.to_string(),
            message: "not valid UTF-8".into(),
        })?;
        env.insert(key.to_string(), value);
    }
    load_from(std::env::args_os(), &env)
}

/// The configuration given by `argv` (program name first) and `env`.
pub fn load_from<I, T>(argv: I, env: &Env) -> Result<Settings, ConfigError>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = command().try_get_matches_from(argv)?;
    let args = Args::from_arg_matches(&matches)?;
    Settings::resolve(args, env)
}

/// The command-line interface, its help naming each setting's variable and default.
pub fn command() -> clap::Command {
    Args::command().mut_args(|arg| {
        let Some(key) = KEYS.iter().find(|k| arg.get_id() == k.file) else {
            return arg;
        };
        let mut extra = format!(" [env: {}]", key.env);
        if let Some(default) = default_text(key.file) {
            extra.push_str(&format!(" [default: {default}]"));
        }
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        arg.help(format!("{help}{extra}"))
    })
}

/// One setting's three names.
struct Key {
    flag: &'static str,
    env: &'static str,
    /// The file key, which is also the clap argument's id.
    file: &'static str,
}

macro_rules! keys {
    ($($name:ident = $flag:literal, $env:literal, $file:literal;)*) => {
        $(const $name: Key = Key { flag: $flag, env: $env, file: $file };)*
        /// Every setting that flag, environment and file can all give.
        const KEYS: &[Key] = &[$($name),*];
    };
}

keys! {
    ADDR = "--addr", "NEWSGRAPH_ADDR", "addr";
    SEED = "--seed", "NEWSGRAPH_SEED", "seed";
    DATA_DIR = "--data-dir", "NEWSGRAPH_DATA_DIR", "data_dir";
    WRITE_TOKEN_FILE = "--write-token-file", "NEWSGRAPH_WRITE_TOKEN_FILE", "write_token_file";
    MAX_BODY_BYTES = "--max-body-bytes", "NEWSGRAPH_MAX_BODY_BYTES", "max_body_bytes";
    MAX_QUERY_BYTES = "--max-query-bytes", "NEWSGRAPH_MAX_QUERY_BYTES", "max_query_bytes";
    MAX_NESTING = "--max-nesting", "NEWSGRAPH_MAX_NESTING", "max_nesting";
    MAX_DEPTH = "--max-depth", "NEWSGRAPH_MAX_DEPTH", "max_depth";
    MAX_COMPLEXITY = "--max-complexity", "NEWSGRAPH_MAX_COMPLEXITY", "max_complexity";
    MAX_FIELDS = "--max-fields", "NEWSGRAPH_MAX_FIELDS", "max_fields";
    MAX_DIRECTIVES = "--max-directives", "NEWSGRAPH_MAX_DIRECTIVES", "max_directives";
    MAX_ITEMS = "--max-items", "NEWSGRAPH_MAX_ITEMS", "max_items";
    TIMEOUT_SECS = "--timeout-secs", "NEWSGRAPH_TIMEOUT_SECS", "timeout_secs";
    MAX_RESPONSE_BYTES = "--max-response-bytes", "NEWSGRAPH_MAX_RESPONSE_BYTES", "max_response_bytes";
    CORS_ORIGINS = "--cors-origin", "NEWSGRAPH_CORS_ORIGINS", "cors_origins";
    APQ_CACHE_SIZE = "--apq-cache-size", "NEWSGRAPH_APQ_CACHE_SIZE", "apq_cache_size";
    APQ_CACHE_BYTES = "--apq-cache-bytes", "NEWSGRAPH_APQ_CACHE_BYTES", "apq_cache_bytes";
    HEADER_TIMEOUT_SECS = "--header-timeout-secs", "NEWSGRAPH_HEADER_TIMEOUT_SECS", "header_timeout_secs";
    BODY_TIMEOUT_SECS = "--body-timeout-secs", "NEWSGRAPH_BODY_TIMEOUT_SECS", "body_timeout_secs";
    IDLE_TIMEOUT_SECS = "--idle-timeout-secs", "NEWSGRAPH_IDLE_TIMEOUT_SECS", "idle_timeout_secs";
    MAX_CONNECTIONS = "--max-connections", "NEWSGRAPH_MAX_CONNECTIONS", "max_connections";
    MAX_CONCURRENT_REQUESTS = "--max-concurrent-requests", "NEWSGRAPH_MAX_CONCURRENT_REQUESTS", "max_concurrent_requests";
    MAX_SUBSCRIPTIONS = "--max-subscriptions-per-connection", "NEWSGRAPH_MAX_SUBSCRIPTIONS_PER_CONNECTION", "max_subscriptions_per_connection";
    WS_INIT_TIMEOUT_SECS = "--ws-init-timeout-secs", "NEWSGRAPH_WS_INIT_TIMEOUT_SECS", "ws_init_timeout_secs";
    PRODUCTION = "--production", "NEWSGRAPH_PRODUCTION", "production";
    LOG_FORMAT = "--log-format", "NEWSGRAPH_LOG_FORMAT", "log_format";
}

/// A setting's default as `--help` shows it, from the one place defaults live
/// ([`HttpConfig::default`]).
fn default_text(file_key: &str) -> Option<String> {
    let d = HttpConfig::default();
    let v = match file_key {
        "addr" => DEFAULT_ADDR.to_string(),
        "max_body_bytes" => d.max_body_bytes.to_string(),
        "max_query_bytes" => d.max_query_bytes.to_string(),
        "max_nesting" => d.max_nesting.to_string(),
        "max_depth" => d.limits.max_depth.to_string(),
        "max_complexity" => d.limits.max_complexity.to_string(),
        "max_fields" => d.limits.max_fields.to_string(),
        "max_directives" => d.limits.max_directives.to_string(),
        "max_items" => d.limits.max_items.to_string(),
        "timeout_secs" => d.timeout.as_secs().to_string(),
        "max_response_bytes" => d.max_response_bytes.to_string(),
        "apq_cache_size" => d.apq_cache_size.to_string(),
        "apq_cache_bytes" => d.apq_cache_bytes.to_string(),
        "header_timeout_secs" => d.header_timeout.as_secs().to_string(),
        "body_timeout_secs" => d.body_timeout.as_secs().to_string(),
        "idle_timeout_secs" => d.idle_timeout.as_secs().to_string(),
        "max_connections" => d.max_connections.to_string(),
        "max_concurrent_requests" => d.max_concurrent_requests.to_string(),
        "max_subscriptions_per_connection" => d.max_subscriptions_per_connection.to_string(),
        "ws_init_timeout_secs" => d.ws_init_timeout.as_secs().to_string(),
        "log_format" => "text".to_string(),
        _ => return None,
    };
    Some(v)
}

/// The configuration file: the settings' keys, nothing else.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    addr: Option<String>,
    seed: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    write_token_file: Option<PathBuf>,
    max_body_bytes: Option<usize>,
    max_query_bytes: Option<usize>,
    max_nesting: Option<usize>,
    max_depth: Option<usize>,
    max_complexity: Option<usize>,
    max_fields: Option<usize>,
    max_directives: Option<usize>,
    max_items: Option<usize>,
    timeout_secs: Option<u64>,
    max_response_bytes: Option<usize>,
    cors_origins: Option<Vec<String>>,
    apq_cache_size: Option<usize>,
    apq_cache_bytes: Option<usize>,
    header_timeout_secs: Option<u64>,
    body_timeout_secs: Option<u64>,
    idle_timeout_secs: Option<u64>,
    max_connections: Option<usize>,
    max_concurrent_requests: Option<usize>,
    max_subscriptions_per_connection: Option<usize>,
    ws_init_timeout_secs: Option<u64>,
    production: Option<bool>,
    log_format: Option<String>,
}

/// Where a value came from, to name it in an error.
enum Origin<'a> {
    Flag(&'static str),
    Env(&'static str),
    File(&'static str, &'a Path),
}

impl fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(flag) => f.write_str(flag),
            Origin::Env(var) => f.write_str(var),
            Origin::File(key, path) => write!(f, "`{key}` in {}", path.display()),
        }
    }
}

fn invalid(origin: &Origin<'_>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        setting: origin.to_string(),
        message: message.into(),
    }
}

/// The three sources, consulted in order.
struct Sources<'a> {
    env: &'a Env,
    file: FileConfig,
    file_path: Option<PathBuf>,
}

impl Sources<'_> {
    /// A non-empty variable (an empty one counts as unset, as clap and most tools do).
    fn env(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    fn file_origin(&self, key: &'static Key) -> Origin<'_> {
        Origin::File(
            key.file,
            self.file_path.as_deref().unwrap_or(Path::new("?")),
        )
    }

    /// The first of flag, environment (parsed with `FromStr`) and file that gives `key`.
    fn pick<T>(
        &self,
        key: &'static Key,
        flag: Option<T>,
        file: Option<T>,
    ) -> Result<Option<(T, Origin<'_>)>, ConfigError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        if let Some(v) = flag {
            return Ok(Some((v, Origin::Flag(key.flag))));
        }
        if let Some(raw) = self.env(key.env) {
            let origin = Origin::Env(key.env);
            return match raw.trim().parse() {
                Ok(v) => Ok(Some((v, origin))),
                Err(e) => Err(invalid(&origin, format!("invalid value `{raw}`: {e}"))),
            };
        }
        Ok(file.map(|v| (v, self.file_origin(key))))
    }

    /// A limit: a positive number, `default` when nothing gives it.
    fn limit<T>(
        &self,
        key: &'static Key,
        flag: Option<T>,
        file: Option<T>,
        default: T,
    ) -> Result<T, ConfigError>
    where
        T: FromStr + PartialEq + Default + fmt::Display,
        T::Err: fmt::Display,
    {
        match self.pick(key, flag, file)? {
            Some((v, origin)) if v == T::default() => {
                Err(invalid(&origin, format!("must be at least 1, not {v}")))
            }
            Some((v, _)) => Ok(v),
            None => Ok(default),
        }
    }
}

/// A boolean as people write it in a variable.
#[derive(Debug, Clone, Copy)]
struct Switch(bool);

impl FromStr for Switch {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Switch(true)),
            "false" | "0" | "no" | "off" => Ok(Switch(false)),
            _ => Err("expected true or false"),
        }
    }
}

/// Origins as the CORS layer compares them: `scheme://host[:port]`, as browsers send them.
#[derive(Debug, Clone)]
struct Origins(Vec<String>);

impl FromStr for Origins {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        s.split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(parse_origin)
            .collect::<Result<_, _>>()
            .map(Origins)
    }
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

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::ReadFile {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::ParseFile {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// The first line of a token file, trimmed.
fn read_token_file(path: &Path, origin: &Origin<'_>) -> Result<String, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        invalid(
            origin,
            format!("cannot read the write token file {}: {e}", path.display()),
        )
    })?;
    Ok(text.lines().next().unwrap_or_default().trim().to_string())
}

impl Settings {
    /// Merges parsed flags, `env` and the configuration file they name (flag > env > file >
    /// default), and checks the result.
    pub fn resolve(args: Args, env: &Env) -> Result<Settings, ConfigError> {
        let file_path = match (&args.config, env.get(CONFIG_ENV).filter(|v| !v.is_empty())) {
            (Some(p), _) => Some(p.clone()),
            (None, Some(p)) => Some(PathBuf::from(p)),
            (None, None) => None,
        };
        let file = match &file_path {
            Some(p) => read_file(p)?,
            None => FileConfig::default(),
        };
        let src = Sources {
            env,
            file,
            file_path,
        };
        let f = &src.file;
        let file_addr = match &f.addr {
            Some(a) => Some(
                a.parse::<SocketAddr>()
                    .map_err(|e| invalid(&src.file_origin(&ADDR), format!("`{a}`: {e}")))?,
            ),
            None => None,
        };
        let file_log_format = match &f.log_format {
            Some(s) => Some(
                s.parse::<LogFormat>()
                    .map_err(|e| invalid(&src.file_origin(&LOG_FORMAT), format!("`{s}`: {e}")))?,
            ),
            None => None,
        };
        let file_origins = match &f.cors_origins {
            Some(list) => Some(Origins(
                list.iter()
                    .map(|o| parse_origin(o))
                    .collect::<Result<_, _>>()
                    .map_err(|e| invalid(&src.file_origin(&CORS_ORIGINS), e))?,
            )),
            None => None,
        };
        let flag_origins = if args.cors_origins.is_empty() {
            None
        } else {
            Some(Origins(
                args.cors_origins
                    .iter()
                    .map(|o| parse_origin(o))
                    .collect::<Result<_, _>>()
                    .map_err(|e| invalid(&Origin::Flag(CORS_ORIGINS.flag), e))?,
            ))
        };

        let addr = src
            .pick(&ADDR, args.addr, file_addr)?
            .map_or_else(|| DEFAULT_ADDR.parse().expect("valid default"), |(a, _)| a);
        let seed = src.pick(&SEED, args.seed, f.seed.clone())?.map(|(p, _)| p);
        let data_dir = src
            .pick(&DATA_DIR, args.data_dir, f.data_dir.clone())?
            .map(|(p, _)| p);
        let log_format = src
            .pick(&LOG_FORMAT, args.log_format, file_log_format)?
            .map_or(LogFormat::default(), |(l, _)| l);
        let production = src
            .pick(
                &PRODUCTION,
                args.production.then_some(Switch(true)),
                f.production.map(Switch),
            )?
            .is_some_and(|(Switch(on), _)| on);

        // Full literals, no `..default`: a field added to either struct must be given a
        // flag, a variable and a file key here before the crate compiles again.
        let d = HttpConfig::default();
        let limits = crate::api::Limits {
            max_depth: src.limit(&MAX_DEPTH, args.max_depth, f.max_depth, d.limits.max_depth)?,
            max_complexity: src.limit(
                &MAX_COMPLEXITY,
                args.max_complexity,
                f.max_complexity,
                d.limits.max_complexity,
            )?,
            max_fields: src.limit(
                &MAX_FIELDS,
                args.max_fields,
                f.max_fields,
                d.limits.max_fields,
            )?,
            max_directives: src.limit(
                &MAX_DIRECTIVES,
                args.max_directives,
                f.max_directives,
                d.limits.max_directives,
            )?,
            max_items: src.limit(&MAX_ITEMS, args.max_items, f.max_items, d.limits.max_items)?,
            introspection: !production,
        };
        let http = HttpConfig {
            max_body_bytes: src.limit(
                &MAX_BODY_BYTES,
                args.max_body_bytes,
                f.max_body_bytes,
                d.max_body_bytes,
            )?,
            max_query_bytes: src.limit(
                &MAX_QUERY_BYTES,
                args.max_query_bytes,
                f.max_query_bytes,
                d.max_query_bytes,
            )?,
            max_nesting: src.limit(&MAX_NESTING, args.max_nesting, f.max_nesting, d.max_nesting)?,
            limits,
            timeout: Duration::from_secs(src.limit(
                &TIMEOUT_SECS,
                args.timeout_secs,
                f.timeout_secs,
                d.timeout.as_secs(),
            )?),
            max_response_bytes: src.limit(
                &MAX_RESPONSE_BYTES,
                args.max_response_bytes,
                f.max_response_bytes,
                d.max_response_bytes,
            )?,
            graphiql: !production,
            cors_origins: src
                .pick(&CORS_ORIGINS, flag_origins, file_origins)?
                .map_or_else(Vec::new, |(Origins(list), _)| list),
            // Zero is meaningful here: no persisted queries.
            apq_cache_size: src
                .pick(&APQ_CACHE_SIZE, args.apq_cache_size, f.apq_cache_size)?
                .map_or(d.apq_cache_size, |(n, _)| n),
            apq_cache_bytes: src.limit(
                &APQ_CACHE_BYTES,
                args.apq_cache_bytes,
                f.apq_cache_bytes,
                d.apq_cache_bytes,
            )?,
            header_timeout: Duration::from_secs(src.limit(
                &HEADER_TIMEOUT_SECS,
                args.header_timeout_secs,
                f.header_timeout_secs,
                d.header_timeout.as_secs(),
            )?),
            body_timeout: Duration::from_secs(src.limit(
                &BODY_TIMEOUT_SECS,
                args.body_timeout_secs,
                f.body_timeout_secs,
                d.body_timeout.as_secs(),
            )?),
            idle_timeout: Duration::from_secs(src.limit(
                &IDLE_TIMEOUT_SECS,
                args.idle_timeout_secs,
                f.idle_timeout_secs,
                d.idle_timeout.as_secs(),
            )?),
            max_connections: src.limit(
                &MAX_CONNECTIONS,
                args.max_connections,
                f.max_connections,
                d.max_connections,
            )?,
            max_concurrent_requests: src.limit(
                &MAX_CONCURRENT_REQUESTS,
                args.max_concurrent_requests,
                f.max_concurrent_requests,
                d.max_concurrent_requests,
            )?,
            max_subscriptions_per_connection: src.limit(
                &MAX_SUBSCRIPTIONS,
                args.max_subscriptions_per_connection,
                f.max_subscriptions_per_connection,
                d.max_subscriptions_per_connection,
            )?,
            ws_init_timeout: Duration::from_secs(src.limit(
                &WS_INIT_TIMEOUT_SECS,
                args.ws_init_timeout_secs,
                f.ws_init_timeout_secs,
                d.ws_init_timeout.as_secs(),
            )?),
        };

        let write_token = write_token(&src, args.write_token_file)?;

        let command = if let Some(Subcommand::Generate(g)) = args.subcommand {
            if g.nodes < crate::generate::MIN_NODES {
                return Err(ConfigError::Invalid {
                    setting: "--nodes".into(),
                    message: format!("must be at least {}", crate::generate::MIN_NODES),
                });
            }
            Command::Generate(g)
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
                    message: format!(
                        "needs a data directory ({}, {} or `{}` in the config file)",
                        DATA_DIR.flag, DATA_DIR.env, DATA_DIR.file
                    ),
                });
            }
            Command::Compact
        } else {
            Command::Serve
        };

        let mut warnings: Vec<String> = env
            .keys()
            .filter(|k| k.starts_with("NEWSGRAPH_"))
            .filter(|k| {
                ![CONFIG_ENV, WRITE_TOKEN_ENV].contains(&k.as_str())
                    && !KEYS.iter().any(|key| key.env == k.as_str())
            })
            .map(|k| format!("ignoring the unknown environment variable {k}"))
            .collect();
        warnings.sort();

        Ok(Settings {
            addr,
            seed,
            data_dir,
            write_token,
            http,
            log_format,
            command,
            config_file: src.file_path.clone(),
            warnings,
        })
    }
}

/// The write token: from NEWSGRAPH_WRITE_TOKEN or from a token file (flag, variable or file
/// key), never both, and long enough.
fn write_token(src: &Sources<'_>, flag: Option<PathBuf>) -> Result<Option<String>, ConfigError> {
    let from_env = src.env(WRITE_TOKEN_ENV).map(str::to_string);
    let file = src.pick(&WRITE_TOKEN_FILE, flag, src.file.write_token_file.clone())?;
    let (token, origin) = match (file, from_env) {
        (Some((_, origin)), Some(_)) => {
            return Err(invalid(
                &origin,
                format!("give the write token in {WRITE_TOKEN_ENV} or a token file, not both"),
            ));
        }
        (Some((path, origin)), None) => (Some(read_token_file(&path, &origin)?), origin),
        (None, token) => (token, Origin::Env(WRITE_TOKEN_ENV)),
    };
    if let Some(t) = &token
        && t.chars().count() < MIN_TOKEN_LEN
    {
        return Err(invalid(
            &origin,
            format!("the write token must be at least {MIN_TOKEN_LEN} characters long"),
        ));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn args(argv: &[&str]) -> Args {
        Args::try_parse_from(std::iter::once("newsgraph").chain(argv.iter().copied()))
            .expect("valid arguments")
    }

    fn env(vars: &[(&str, &str)]) -> Env {
        vars.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
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
        Settings::resolve(args(argv), &env(vars))
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
        assert_eq!(s.write_token, None);
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
        assert!(e.contains("`max_body_bytes` in "), "{e}");
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
        assert_eq!(s.write_token.as_deref(), Some(token));
        assert!(
            !format!("{s:?}").contains(token),
            "Debug never shows the token"
        );

        let mut file = tempfile::NamedTempFile::new().unwrap();
        writeln!(file, "{token}\nignored").unwrap();
        let path = file.path().to_str().unwrap();
        let s = resolve(&["--write-token-file", path], &[]).unwrap();
        assert_eq!(s.write_token.as_deref(), Some(token));

        let e = error(
            &["--write-token-file", path],
            &[("NEWSGRAPH_WRITE_TOKEN", token)],
        );
        assert!(e.contains("not both"), "{e}");
        let e = error(&[], &[("NEWSGRAPH_WRITE_TOKEN", "short")]);
        assert!(e.contains("at least 16 characters"), "{e}");
        let e = error(&["--write-token-file", "/nonexistent/token"], &[]);
        assert!(
            e.contains("--write-token-file") && e.contains("/nonexistent/token"),
            "{e}"
        );
        // An empty variable is no token at all.
        let s = resolve(&[], &[("NEWSGRAPH_WRITE_TOKEN", "")]).unwrap();
        assert_eq!(s.write_token, None);
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
    fn help_names_each_settings_variable_and_default() {
        let help = command().render_help().to_string();
        assert!(help.contains("[env: NEWSGRAPH_MAX_BODY_BYTES]"), "{help}");
        assert!(help.contains("[default: 1048576]"), "{help}");
        assert!(help.contains("[env: NEWSGRAPH_CORS_ORIGINS]"), "{help}");
        assert!(help.contains("[default: 127.0.0.1:8000]"), "{help}");
    }

    #[test]
    fn load_from_parses_arguments_and_passes_help_to_clap() {
        let s = load_from(["newsgraph", "--max-depth", "9"], &Env::new()).unwrap();
        assert_eq!(s.http.limits.max_depth, 9);
        let e = load_from(["newsgraph", "--help"], &Env::new()).unwrap_err();
        assert!(
            matches!(&e, ConfigError::Usage(c) if c.kind() == clap::error::ErrorKind::DisplayHelp)
        );
    }
}
