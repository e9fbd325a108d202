//! Reading a program file and reporting bad input (exit code 2).

use std::sync::Arc;

use lbos_lang::Program;
use lbos_vm::{Config, Machine};

pub const EXIT_BAD_INPUT: u8 = 2;

pub fn read_source(path: &str) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("error: cannot read {path}: {e}"))?;
    String::from_utf8(bytes).map_err(|e| {
        format!("error: {path} is not UTF-8 text (invalid byte at offset {})\n  = hint: save the file as UTF-8", e.utf8_error().valid_up_to())
    })
}

/// Compiles a source, rendering diagnostics with the file name.
pub fn compile(path: &str, source: &str) -> Result<Arc<Program>, String> {
    lbos_lang::compile(source)
        .map(Arc::new)
        .map_err(|d| d.render(path, source))
}

pub fn machine(path: &str, program: Arc<Program>, config: Config) -> Result<Machine, String> {
    Machine::new(program, config).map_err(|e| format!("error: {path}: {e}"))
}
