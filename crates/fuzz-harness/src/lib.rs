//! One function per fuzz target, each taking the fuzzer's raw bytes. They drive Ferrodoor's
//! real parsing code and assert what must hold for every input (panics are the findings).
//! `fuzz/fuzz_targets/*` call them; `tests/seeds.rs` replays `fuzz/seeds/` through them.

mod json;
pub mod jwt;
pub mod manage_json;
pub mod token_form;
pub mod wechat_crypto;
pub mod wechat_response;

/// A harness: the fuzzer's bytes in, a panic when a property fails.
pub type Harness = fn(&[u8]);

/// Target name → harness, as `fuzz/fuzz_targets/<name>.rs` and `fuzz/seeds/<name>/` use.
pub const TARGETS: &[(&str, Harness)] = &[
    ("token_form", token_form::run),
    ("manage_json", manage_json::run),
    ("jwt", jwt::run),
    ("wechat_response", wechat_response::run),
    ("wechat_crypto", wechat_crypto::run),
];
