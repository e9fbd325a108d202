//! # lbos-server: `lbos serve`
//!
//! Owns the local web server and its embedded single-page app: an HTTP API (axum on tokio)
//! that replays schedules, explains steps and runs checks and mutation analyses, and the static
//! front end in `assets/` (plain ES modules, embedded with `include_str!`, so building needs no
//! JavaScript tool chain; served gzipped with entity tags, see `assets.rs`).
//!
//! It must not define semantics or search of its own: every state comes from replaying a list
//! of moves through [`lbos_vm::Machine::apply`] / [`lbos_vm::Machine::spawn`], every word about
//! a state, a move, an ending or a schedule from [`lbos_vm::describe`] and [`lbos_vm::present`]
//! (the words and seeds `lbos run` uses), and every verdict from [`lbos_check::check`], shown as
//! [`lbos_check::present`] words it (the JSON of `lbos check --json`, and of trace files). The API is
//! stateless for stepping (the client sends program, configuration and moves; undo is the same
//! list minus its last move), which keeps shareable URLs and timelines trivial.
//!
//! Safety: it binds 127.0.0.1 unless `--listen` says otherwise (and then answers only to loopback
//! host names, against DNS rebinding), limits request bodies, moves per request, the size of a
//! view, check states/time/memory per request and the number of checks at once, closes idle
//! and slow connections and answers slow requests with a 408 ([`http`]), and reads no files
//! except the embedded catalog and the files named on its command line.

mod api;
mod assets;
mod checks;
pub mod http;
mod replay;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use clap::Args;

pub use api::router;

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one; the actual address is printed).
    #[arg(long, default_value_t = 8321)]
    pub port: u16,
    /// Address to listen on. Only loopback by default: pass e.g. `0.0.0.0` to expose the server.
    #[arg(long, default_value = "127.0.0.1")]
    pub listen: IpAddr,
    /// Open the page in a browser (if one can be started).
    #[arg(long)]
    pub open: bool,
    /// Checks that may run at once (1 to 64); more wait in a queue.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub max_checks: u64,
    /// Longest time one check may run, in seconds (at most a year).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=MAX_SECS))]
    pub check_timeout: u64,
    /// Most states one check may store.
    #[arg(long, default_value_t = 5_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub check_states: u64,
    /// Most memory one check may grow the server by, in MiB (at most 1 TiB).
    #[arg(long, default_value_t = 2048, value_parser = clap::value_parser!(u64).range(1..=1 << 20))]
    pub check_memory: u64,
    /// Most moves (steps and created threads) one request may replay (at most 1,000,000).
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_moves: u64,
    /// Largest request body, in KiB (at most 1 GiB).
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=1 << 20))]
    pub max_body: u64,
    /// Largest answer to a view request, in MiB (at most 1 GiB); longer schedules are cut.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=1 << 10))]
    pub max_view: u64,
    /// Longest time to answer one request (body included), in seconds; slower ones get a 408.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout: u64,
    /// Close a connection that sends no complete request head (kept alive and idle, or slow)
    /// or reads nothing of its answer for this many seconds.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub idle_timeout: u64,
    /// Connections served at once; more wait to be accepted.
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=65536))]
    pub max_connections: u64,
    /// Program files to offer besides the catalog.
    pub files: Vec<String>,
}

/// Server-wide limits and inputs, shared by all handlers.
#[derive(Debug, Clone)]
pub struct Settings {
    pub files: Vec<PathBuf>,
    pub max_checks: usize,
    pub max_queued_checks: usize,
    pub check_timeout: Duration,
    pub check_states: u64,
    pub check_memory_bytes: u64,
    pub max_moves: usize,
    pub max_body_bytes: usize,
    pub max_source_bytes: usize,
    /// The largest answer to `/api/view`: the steps of a longer schedule are cut.
    pub max_view_bytes: usize,
    /// Longest time to answer one request, its body included (408 after it).
    pub request_timeout: Duration,
    /// Longest wait for a request head (on a new or a kept-alive connection) and longest stall
    /// of a client that does not read its answer.
    pub idle_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// Accept requests for any `Host` (when listening beyond loopback). Otherwise only
    /// `localhost`, `127.0.0.1` and `[::1]` are served, which defeats DNS rebinding.
    pub any_host: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            files: Vec::new(),
            max_checks: 2,
            max_queued_checks: 16,
            check_timeout: Duration::from_secs(60),
            check_states: 5_000_000,
            check_memory_bytes: 2048 << 20,
            max_moves: 5000,
            max_body_bytes: 512 << 10,
            max_source_bytes: 200 << 10,
            max_view_bytes: 8 << 20,
            request_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(30),
            max_connections: 512,
            any_host: false,
        }
    }
}

impl Settings {
    pub fn from_args(args: &ServeArgs) -> Settings {
        Settings {
            // The flags' ranges keep these products and conversions exact.
            files: args.files.iter().map(PathBuf::from).collect(),
            max_checks: to_usize(args.max_checks),
            check_timeout: Duration::from_secs(args.check_timeout.clamp(1, MAX_SECS)),
            check_states: args.check_states.max(1),
            check_memory_bytes: args.check_memory.clamp(1, 1 << 20) << 20,
            max_moves: to_usize(args.max_moves),
            max_body_bytes: to_usize(args.max_body.clamp(1, 1 << 20) << 10),
            max_view_bytes: to_usize(args.max_view.clamp(1, 1 << 10) << 20),
            request_timeout: Duration::from_secs(args.request_timeout.max(1)),
            idle_timeout: Duration::from_secs(args.idle_timeout.max(1)),
            max_connections: to_usize(args.max_connections),
            any_host: !args.listen.is_loopback(),
            ..Settings::default()
        }
    }
}

/// The longest time limit a flag takes: a year (a deadline `now + limit` must not overflow).
const MAX_SECS: u64 = 365 * 24 * 3600;

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX).max(1)
}

/// Builds the application for the given settings (used by `main` and the tests).
pub fn app(settings: Settings) -> Router {
    router(Arc::new(api::AppState::new(settings)))
}

/// Runs the server until interrupted; returns the process exit code.
pub fn main(args: ServeArgs) -> u8 {
    for f in &args.files {
        if let Err(e) = std::fs::metadata(f) {
            eprintln!("error: cannot read {f}: {e}");
            return 2;
        }
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return 2;
        }
    };
    rt.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> u8 {
    let addr = SocketAddr::new(args.listen, args.port);
    let listener = match http::bind(addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            return 2;
        }
    };
    let local = listener.local_addr().unwrap_or(addr);
    let host = if local.ip().is_unspecified() {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        local.ip()
    };
    let url = match host {
        IpAddr::V6(h) => format!("http://[{h}]:{}/", local.port()),
        IpAddr::V4(h) => format!("http://{h}:{}/", local.port()),
    };
    println!("lbos serve: listening on {url}");
    if !local.ip().is_loopback() {
        println!(
            "lbos serve: warning: {} is reachable from other machines",
            local.ip()
        );
    }
    println!("lbos serve: press Ctrl-C to stop");
    if args.open {
        open_browser(&url);
    }
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    serve_on(listener, Settings::from_args(&args), shutdown).await;
    0
}

/// Serves the application on `listener` with the connection limits of `settings` until
/// `shutdown` completes (used by `lbos serve` and the tests).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    settings: Settings,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let state = Arc::new(api::AppState::new(settings.clone()));
    http::serve(listener, router(state.clone()), &settings, shutdown).await;
    // Checks run on threads of their own: stop them, or the process would wait for them.
    state.checks.cancel_all();
}

/// Tries the usual openers; a missing browser is not an error.
fn open_browser(url: &str) {
    let candidates: &[&str] = if cfg!(target_os = "macos") {
        &["open"]
    } else if cfg!(windows) {
        &["explorer"]
    } else {
        &["xdg-open", "sensible-browser", "x-www-browser"]
    };
    for cmd in candidates {
        let spawned = std::process::Command::new(cmd)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if spawned.is_ok() {
            return;
        }
    }
    println!("lbos serve: no browser found; open {url} yourself");
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    #[test]
    fn listens_on_loopback_unless_told_otherwise() {
        let cli = Cli::parse_from(["lbos", "a.sync", "--port", "0"]);
        assert!(cli.serve.listen.is_loopback());
        assert_eq!(cli.serve.files, vec!["a.sync".to_string()]);
        let cli = Cli::parse_from(["lbos", "--listen", "0.0.0.0"]);
        assert!(!cli.serve.listen.is_loopback());
        let s = Settings::from_args(&cli.serve);
        assert_eq!(s.check_memory_bytes, 2048 << 20);
        assert_eq!(s.max_body_bytes, 512 << 10);
        let d = Settings::default();
        assert_eq!(s.max_view_bytes, d.max_view_bytes);
        assert_eq!(s.request_timeout, d.request_timeout);
        assert_eq!(s.idle_timeout, d.idle_timeout);
        assert_eq!(s.max_connections, d.max_connections);
    }

    #[test]
    fn limits_out_of_range_are_refused_by_the_flags() {
        for (flag, value) in [
            ("--max-checks", "0"),
            ("--max-checks", "18446744073709551615"),
            ("--check-timeout", "0"),
            ("--check-timeout", "99999999999"),
            ("--check-memory", "18446744073709551615"),
            ("--max-body", "18446744073709551615"),
            ("--max-moves", "0"),
            ("--max-view", "0"),
            ("--request-timeout", "0"),
            ("--idle-timeout", "86400"),
            ("--max-connections", "0"),
            ("--check-states", "-1"),
        ] {
            let e = Cli::try_parse_from(["lbos", flag, value])
                .err()
                .unwrap_or_else(|| panic!("{flag} {value} accepted"));
            // clap names the flag, or (for `-1`, taken for a flag) the value.
            let text = e.to_string();
            assert!(
                text.contains(flag) || text.contains(value),
                "{flag} {value}: {e}"
            );
            assert_eq!(e.exit_code(), 2);
        }
        let cli = Cli::parse_from(["lbos", "--check-memory", "1048576", "--max-body", "1048576"]);
        let s = Settings::from_args(&cli.serve);
        assert_eq!(s.check_memory_bytes, 1 << 40);
        assert_eq!(s.max_body_bytes, 1 << 30);
    }
}
