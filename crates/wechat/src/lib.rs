//! WeChat Mini Program server APIs for Ferrodoor: a lenient [`WeChatClient`],
//! the open-data [`crypto`], and an [`emulator`] of WeChat's servers for tests
//! and offline development. Knows nothing about users or tokens of the IAM.

pub mod client;
pub mod crypto;
pub mod emulator;
pub mod error;
pub mod response;
pub mod shared_tokens;
pub mod telemetry;
pub mod token_cache;

pub use client::{DEFAULT_API_BASE, DEFAULT_OPEN_BASE, WeChatClient, WxaCodeRequest};
pub use crypto::CryptoError;
pub use error::{ErrorKind, WeChatError};
pub use response::{
    AccessToken, CodeSession, PhoneInfo, SessionKey, Watermark, WebGrant, WebUserInfo,
};
pub use shared_tokens::{SharedToken, SharedTokens};
pub use token_cache::AccessTokenCache;
