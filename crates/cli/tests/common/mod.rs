//! What the CLI's integration tests share: running the `lbos` binary, reading its output, and
//! files for it to read. Each test binary uses part of it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs the `lbos` binary this test build made.
pub fn lbos(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lbos"))
        .args(args)
        .output()
        .expect("lbos runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard output then standard error.
pub fn text(o: &Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

/// The last line of standard output, read as JSON (`--json` prints progress lines before it).
pub fn last_json(o: &Output) -> serde_json::Value {
    let out = stdout(o);
    serde_json::from_str(out.lines().last().expect("a JSON line")).expect("the last line is JSON")
}

/// A path in the repository, from its root.
pub fn repo_file(name: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.join(name).display().to_string()
}

/// A fresh directory under the system's temp directory, unique to this process and call.
pub fn temp_dir(label: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "lbos-{label}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `text` to a file `name` in a fresh temp directory and returns its path.
pub fn write_temp(name: &str, text: impl AsRef<[u8]>) -> String {
    let path = temp_dir("test").join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}
