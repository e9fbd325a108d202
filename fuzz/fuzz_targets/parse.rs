//! Fuzz target `parse`: see `lbos_fuzz_harness::parse`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lbos_fuzz_harness::parse(data));
