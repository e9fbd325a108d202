//! Fuzz target `check`: see `lbos_fuzz_harness::check`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lbos_fuzz_harness::check(data));
