//! The command line, as clap types.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// HTTP requests through courier: an RFC 9111 cache on disk, retries, and tools around them.
#[derive(Debug, Parser)]
#[command(name = "courier", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Send a GET request (served from the cache when it may be).
    Get(RequestArgs),
    /// Send a POST request.
    Post(RequestArgs),
    /// Send a PUT request.
    Put(RequestArgs),
    /// Send a DELETE request.
    Delete(RequestArgs),
    /// Download a URL to a file: progress bar, resume, atomic rename.
    Download(DownloadArgs),
    /// Inspect and clean the cache.
    Cache(CacheArgs),
    /// Run a caching reverse proxy in front of an origin.
    Proxy(ProxyArgs),
    /// Walk through the features against a server the demo starts itself (no network).
    Demo,
}

/// Where the cache lives.
#[derive(Debug, Clone, Args)]
pub(crate) struct StoreArgs {
    /// The cache store: sqlite:PATH, redb:PATH, redis://HOST:PORT/DB, file:DIR or memory.
    /// Default: an SQLite database in your cache directory.
    #[arg(long, env = "COURIER_STORE", value_name = "LOCATION", global = true)]
    pub(crate) store: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct RequestArgs {
    /// The URL.
    pub(crate) url: String,
    /// A request header, `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub(crate) headers: Vec<String>,
    /// A query parameter, `name=value` (repeatable; added to the URL's own).
    #[arg(short = 'q', long = "query", value_name = "NAME=VALUE")]
    pub(crate) query: Vec<String>,
    /// A JSON request body (sent with `Content-Type: application/json`).
    #[arg(short = 'd', long = "data", value_name = "JSON")]
    pub(crate) data: Option<String>,
    /// How the cache is used for this request.
    #[arg(long, value_enum, default_value_t = PolicyArg::Request)]
    pub(crate) policy: PolicyArg,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// Print the request and response headers, the timing and the cache status (on stderr).
    #[arg(short, long)]
    pub(crate) verbose: bool,
    /// Pretty-print a JSON response body.
    #[arg(long)]
    pub(crate) json: bool,
    /// Give up after this many seconds (default 30).
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub(crate) timeout: f64,
}

/// `courier_cache::CachePolicy`, as command-line values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PolicyArg {
    /// HTTP's rules (RFC 9111).
    Request,
    /// Any stored response, fresh or not; store every success.
    ForceCache,
    /// Always ask the server; store when allowed.
    Refresh,
    /// Always ask the server; always store.
    RefreshForceCache,
    /// Never read or store; remove the stored response.
    NoCache,
    /// Only the cache: fail when nothing is stored (offline).
    OnlyIfCached,
}

#[derive(Debug, Args)]
pub(crate) struct DownloadArgs {
    /// The URL.
    pub(crate) url: String,
    /// The file to write (written beside it first, renamed when complete).
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: PathBuf,
    /// A request header, `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub(crate) headers: Vec<String>,
    /// Start over instead of resuming a partial download.
    #[arg(long)]
    pub(crate) no_resume: bool,
    /// No progress bar.
    #[arg(long)]
    pub(crate) quiet: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CacheArgs {
    #[command(subcommand)]
    pub(crate) command: CacheCommand,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CacheCommand {
    /// Entries and bytes stored, by priority.
    Stats,
    /// List the stored entries.
    Ls {
        /// Only URLs whose path matches this glob (`/users/*`).
        #[arg(long, value_name = "GLOB")]
        path: Option<String>,
    },
    /// Remove one entry by its key (as `ls` prints it).
    Rm {
        /// The entry's key.
        key: String,
    },
    /// Remove entries: all of them, or only expired ones, or up to a priority.
    Clean {
        /// Only entries past their deletion deadline.
        #[arg(long)]
        expired: bool,
        /// Only entries of this priority or lower.
        #[arg(long, value_enum)]
        priority: Option<PriorityArg>,
    },
}

/// `courier_cache::Priority`, as command-line values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PriorityArg {
    Low,
    Normal,
    High,
}

#[derive(Debug, Args)]
pub(crate) struct ProxyArgs {
    /// The address to listen on.
    #[arg(long, value_name = "ADDRESS", default_value = "127.0.0.1:8080")]
    pub(crate) listen: SocketAddr,
    /// The origin every request is forwarded to (its path is a prefix).
    #[arg(long, value_name = "URL")]
    pub(crate) origin: String,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// Cache as a shared cache (RFC 9111 §3.5): honour `s-maxage`, never store `private`
    /// responses or, unless allowed, responses to requests with `Authorization`. Use it when
    /// several people go through this proxy.
    #[arg(long)]
    pub(crate) shared: bool,
    /// When the origin is down or answers 5xx, serve stored responses up to 7 days stale.
    #[arg(long)]
    pub(crate) offline_fallback: bool,
}
