//! The one error type of the domain. The HTTP layer maps it to a status code in one place.

use std::fmt;

use crate::store::StoreError;

/// OAuth 2.0 error codes (RFC 6749 §5.2 and the ones Casdoor adds), as they appear on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    AccessDenied,
    UnsupportedResponseType,
    /// Upstream (WeChat) or storage trouble: the client may retry later.
    TemporarilyUnavailable,
}

impl OAuthErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            OAuthErrorCode::InvalidRequest => "invalid_request",
            OAuthErrorCode::InvalidClient => "invalid_client",
            OAuthErrorCode::InvalidGrant => "invalid_grant",
            OAuthErrorCode::UnauthorizedClient => "unauthorized_client",
            OAuthErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            OAuthErrorCode::InvalidScope => "invalid_scope",
            OAuthErrorCode::AccessDenied => "access_denied",
            OAuthErrorCode::UnsupportedResponseType => "unsupported_response_type",
            OAuthErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }
}

impl fmt::Display for OAuthErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An OAuth error as the token endpoint answers it: `{"error", "error_description"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub code: OAuthErrorCode,
    pub description: String,
}

/// Why an upstream (WeChat) call failed, as far as the caller of Ferrodoor is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamFailure {
    /// No answer in time: 504.
    Timeout,
    /// Unreachable, dropped the connection, answered nonsense, or refused our credentials: 502.
    BadGateway,
    /// Told us to slow down: 429.
    RateLimited,
    /// Said it is busy: 503.
    Busy,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that does not make sense: 400.
    #[error("{0}")]
    Invalid(String),
    /// No (valid) credentials: 401.
    #[error("{0}")]
    Unauthenticated(String),
    /// Valid credentials, but not allowed: 403.
    #[error("{0}")]
    Forbidden(String),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// Would break a uniqueness rule: 409.
    #[error("{0}")]
    Conflict(String),
    /// A token-endpoint style error.
    #[error("{}: {}", .0.code, .0.description)]
    OAuth(OAuthError),
    /// WeChat failed us; nothing was written.
    #[error("{message}")]
    Upstream {
        failure: UpstreamFailure,
        message: String,
    },
    /// Too many attempts: refused without looking at them; retry after that many seconds (429).
    #[error("{message}")]
    TooManyAttempts {
        message: String,
        retry_after_seconds: u64,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A bug or a broken invariant: 500. The message is logged, not shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn oauth(code: OAuthErrorCode, description: impl Into<String>) -> Self {
        Error::OAuth(OAuthError {
            code,
            description: description.into(),
        })
    }

    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }

    pub fn forbidden(msg: impl Into<String>) -> Self {
        Error::Forbidden(msg.into())
    }

    pub fn not_found(msg: impl Into<String>) -> Self {
        Error::NotFound(msg.into())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
