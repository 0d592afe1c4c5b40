//! Errors of the WeChat client, and the coarse [`ErrorKind`] callers branch on.
//!
//! WeChat reports most failures as HTTP 200 with a numeric `errcode`; callers
//! should not have to remember the numbers, so [`WeChatError::kind`] folds the
//! ones that call for different handling into a few kinds.
//!
//! No variant ever carries the app secret, an access token or a session key:
//! the request URL (which holds `secret=` or `access_token=`) is stripped from
//! transport errors before they become a [`WeChatError`].

/// A failed call to one of WeChat's server APIs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeChatError {
    /// WeChat answered with a non-zero `errcode`. `errmsg` is WeChat's own text,
    /// usually ending in `, rid: …` (a request id WeChat support can look up).
    #[error("WeChat API error {errcode}: {errmsg}")]
    Api { errcode: i64, errmsg: String },
    /// No complete answer within the client's timeout.
    #[error("WeChat API timed out")]
    Timeout,
    /// The connection failed or was dropped before an answer arrived.
    #[error("WeChat API unreachable: {0}")]
    Unreachable(String),
    /// WeChat (or a proxy in front of it) answered with a non-2xx HTTP status.
    #[error("WeChat API answered HTTP {0}")]
    HttpStatus(u16),
    /// A 2xx answer whose body is not what the API documents.
    #[error("malformed WeChat API response: {0}")]
    Malformed(String),
    /// The client could not be built (bad base URL, TLS setup failure).
    #[error("invalid WeChat client configuration: {0}")]
    Config(String),
}

/// What a caller should do about a [`WeChatError`], independent of the exact errcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// 40029: the login/phone code is unknown, expired or for another app. Get a new code.
    InvalidCode,
    /// 40163: the code was already exchanged once. Get a new code.
    CodeUsed,
    /// 40226: WeChat flagged the user as high-risk and blocks the login.
    Blocked,
    /// 45011: API minute quota reached. Retry after a backoff.
    RateLimited,
    /// -1: WeChat is busy. Retry after a backoff.
    Busy,
    /// 40001, 40013, 40125, 41002, 41004: wrong or missing appid, secret or
    /// access token. A configuration problem, or a stale access token.
    InvalidCredential,
    /// 42001: the access token expired. Fetch a new one and retry once.
    TokenExpired,
    /// No usable answer from WeChat at all: timeout, connection failure,
    /// HTTP error status or an unparseable body.
    Upstream,
    /// Anything else, including [`WeChatError::Config`].
    Other,
}

impl WeChatError {
    /// Classifies the error so callers can branch without knowing errcodes.
    pub fn kind(&self) -> ErrorKind {
        match self {
            WeChatError::Api { errcode, .. } => kind_of_errcode(*errcode),
            WeChatError::Timeout
            | WeChatError::Unreachable(_)
            | WeChatError::HttpStatus(_)
            | WeChatError::Malformed(_) => ErrorKind::Upstream,
            WeChatError::Config(_) => ErrorKind::Other,
        }
    }

    /// The WeChat errcode, when WeChat gave one.
    pub fn errcode(&self) -> Option<i64> {
        match self {
            WeChatError::Api { errcode, .. } => Some(*errcode),
            _ => None,
        }
    }
}

fn kind_of_errcode(errcode: i64) -> ErrorKind {
    match errcode {
        40029 => ErrorKind::InvalidCode,
        40163 => ErrorKind::CodeUsed,
        40226 => ErrorKind::Blocked,
        45011 => ErrorKind::RateLimited,
        -1 => ErrorKind::Busy,
        40001 | 40013 | 40125 | 41002 | 41004 => ErrorKind::InvalidCredential,
        42001 => ErrorKind::TokenExpired,
        _ => ErrorKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(errcode: i64) -> WeChatError {
        WeChatError::Api {
            errcode,
            errmsg: "x".into(),
        }
    }

    #[test]
    fn errcodes_map_to_kinds() {
        let cases = [
            (40029, ErrorKind::InvalidCode),
            (40163, ErrorKind::CodeUsed),
            (40226, ErrorKind::Blocked),
            (45011, ErrorKind::RateLimited),
            (-1, ErrorKind::Busy),
            (40001, ErrorKind::InvalidCredential),
            (40013, ErrorKind::InvalidCredential),
            (40125, ErrorKind::InvalidCredential),
            (41002, ErrorKind::InvalidCredential),
            (41004, ErrorKind::InvalidCredential),
            (42001, ErrorKind::TokenExpired),
            (40003, ErrorKind::Other),
            (47001, ErrorKind::Other),
        ];
        for (errcode, kind) in cases {
            assert_eq!(api(errcode).kind(), kind, "errcode {errcode}");
        }
    }

    #[test]
    fn transport_failures_are_upstream() {
        for e in [
            WeChatError::Timeout,
            WeChatError::Unreachable("reset".into()),
            WeChatError::HttpStatus(502),
            WeChatError::Malformed("not json".into()),
        ] {
            assert_eq!(e.kind(), ErrorKind::Upstream, "{e}");
        }
        assert_eq!(WeChatError::Config("bad".into()).kind(), ErrorKind::Other);
    }

    #[test]
    fn display_shows_wechat_errmsg() {
        let e = WeChatError::Api {
            errcode: 40163,
            errmsg: "code been used, rid: 6475f0b8-2bd9a7f2-5e8d5d54".into(),
        };
        assert_eq!(
            e.to_string(),
            "WeChat API error 40163: code been used, rid: 6475f0b8-2bd9a7f2-5e8d5d54"
        );
        assert_eq!(e.errcode(), Some(40163));
        assert_eq!(WeChatError::Timeout.errcode(), None);
    }
}
