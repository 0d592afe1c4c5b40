#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ferrodoor_fuzz_harness::manage_json::run(data));
