//! # lbos-server: `lbos serve`
//!
//! Owns the local web server and its embedded single-page app: an HTTP API (axum on tokio)
//! that replays schedules, explains steps and runs checks, and the static front end in
//! `assets/` (plain ES modules, embedded with `include_str!`, so building needs no JavaScript
//! tool chain).
//!
//! It must not define semantics or search of its own: every state comes from replaying a list
//! of moves through [`lbos_vm::Machine::apply`] / [`lbos_vm::Machine::spawn`], every word about
//! a state from [`lbos_vm::describe`], and every verdict from [`lbos_check::check`]. The API is
//! stateless for stepping (the client sends program, configuration and moves; undo is the same
//! list minus its last move), which keeps shareable URLs and timelines trivial.
//!
//! Safety: it binds 127.0.0.1 unless `--listen` says otherwise (and then answers only to loopback
//! host names, against DNS rebinding), limits request bodies, moves per
//! request, check states/time/memory per request and the number of checks at once, and reads no
//! files except the embedded catalog and the files named on its command line.

mod api;
mod assets;
mod checks;
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
    /// Checks that may run at once; more wait in a queue.
    #[arg(long, default_value_t = 2)]
    pub max_checks: usize,
    /// Longest time one check may run, in seconds.
    #[arg(long, default_value_t = 60)]
    pub check_timeout: u64,
    /// Most states one check may store.
    #[arg(long, default_value_t = 5_000_000)]
    pub check_states: u64,
    /// Most memory one check may grow the server by, in MiB.
    #[arg(long, default_value_t = 2048)]
    pub check_memory: u64,
    /// Most moves (steps and created threads) one request may replay.
    #[arg(long, default_value_t = 5000)]
    pub max_moves: usize,
    /// Largest request body, in KiB.
    #[arg(long, default_value_t = 512)]
    pub max_body: usize,
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
            any_host: false,
        }
    }
}

impl Settings {
    pub fn from_args(args: &ServeArgs) -> Settings {
        Settings {
            files: args.files.iter().map(PathBuf::from).collect(),
            max_checks: args.max_checks.max(1),
            check_timeout: Duration::from_secs(args.check_timeout.max(1)),
            check_states: args.check_states.max(1),
            check_memory_bytes: args.check_memory.max(1) << 20,
            max_moves: args.max_moves.max(1),
            max_body_bytes: args.max_body.max(1) << 10,
            any_host: !args.listen.is_loopback(),
            ..Settings::default()
        }
    }
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
    let listener = match tokio::net::TcpListener::bind(addr).await {
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
    let app = app(Settings::from_args(&args));
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
    {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
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
    }
}
