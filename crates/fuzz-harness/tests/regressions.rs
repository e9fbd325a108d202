//! Every input the fuzz targets ever found (kept in `fuzz/regressions/`, one file each), and
//! every catalog program (the fuzzers' seeds), through all three targets: each must return.

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.file_name().is_some_and(|n| n != "README.md") {
            out.push(path);
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn all(dir: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    files(&root().join(dir), &mut out);
    out.sort();
    out
}

/// Runs each target on its own thread with a 2 MiB stack (the fuzzer's main thread has 8):
/// what fits there fits anywhere lbos compiles or runs a program.
fn through_every_target(path: &Path) {
    let data = std::fs::read(path).unwrap();
    for (name, target) in [
        ("parse", lbos_fuzz_harness::parse as fn(&[u8])),
        ("run", lbos_fuzz_harness::run),
        ("check", lbos_fuzz_harness::check),
    ] {
        let input = data.clone();
        let result = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || target(&input))
            .unwrap()
            .join();
        assert!(result.is_ok(), "{name} on {}", path.display());
    }
}

#[test]
fn every_kept_finding_returns() {
    let found = all("fuzz/regressions");
    assert!(found.len() >= 5, "only {} regressions", found.len());
    for path in &found {
        through_every_target(path);
    }
}

#[test]
fn every_catalog_program_returns() {
    let programs: Vec<PathBuf> = all("catalog")
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sync"))
        .collect();
    assert!(programs.len() > 50, "{} programs", programs.len());
    for path in &programs {
        through_every_target(path);
    }
}
