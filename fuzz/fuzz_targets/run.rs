//! Fuzz target `run`: see `lbos_fuzz_harness::run`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lbos_fuzz_harness::run(data));
