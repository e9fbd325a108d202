//! What the checker's integration tests share: machines built from source, and the catalog's
//! and the benchmarks' programs. Each test binary uses part of it.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use lbos_vm::{Config, Machine, ThreadSpec};

/// A machine for `src` with thread counts such as `"philosopher=4"` (none: the program's own).
pub fn machine_with(src: &str, threads: &[&str]) -> Machine {
    let program = lbos_lang::compile(src).unwrap_or_else(|d| panic!("{d:?}"));
    let config = Config {
        threads: threads
            .iter()
            .map(|t| t.parse::<ThreadSpec>().unwrap())
            .collect(),
        ..Config::default()
    };
    Machine::new(Arc::new(program), config).unwrap()
}

/// A machine for `src` with the program's own thread counts.
pub fn machine(src: &str) -> Machine {
    machine_with(src, &[])
}

/// The source of the catalog program in file `name` (file names are unique in the catalog).
pub fn catalog_source(name: &str) -> String {
    lbos_catalog::entries()
        .iter()
        .flat_map(|e| &e.programs)
        .find(|p| p.file == name)
        .map(|p| p.source.clone())
        .unwrap_or_else(|| panic!("no catalog program {name}"))
}

/// The source of a benchmark program in bench/sync.
pub fn bench_source(name: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/sync");
    std::fs::read_to_string(dir.join(name)).unwrap()
}
