//! Ferrodoor's domain core: entities, authorization rules, login flows and token issuing.
//!
//! This crate knows no HTTP and no SQL. Storage is reached through the [`store::Store`] port,
//! WeChat through the [`service::wechat_login::WeChatGateway`] port, and the current time is
//! always passed in, so every rule can be tested deterministically.

pub mod authz;
pub mod clock;
pub mod enforcement;
pub mod entity;
pub mod error;
pub mod fields;
pub mod keys;
pub mod netguard;
pub mod password;
pub mod password_casdoor;
pub mod seal;
pub mod service;
pub mod store;
pub mod telemetry;
pub mod token;
pub mod versioned;

pub use error::{Error, OAuthError, OAuthErrorCode};
