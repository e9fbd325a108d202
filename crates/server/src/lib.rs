//! # lbos-server: `lbos serve`
//!
//! (Being built: HTTP API and embedded web UI.)

use clap::Args;

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8321)]
    pub port: u16,
    /// Program files to offer besides the catalog.
    pub files: Vec<String>,
}

/// Runs the server until interrupted; returns the process exit code.
pub fn main(args: ServeArgs) -> u8 {
    eprintln!("lbos serve is not built yet ({args:?})");
    2
}
