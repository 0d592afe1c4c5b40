#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ferrodoor_fuzz_harness::token_form::run(data));
