//! What WeChat's APIs answer, and lenient parsing of those answers.
//!
//! WeChat's wire format is looser than its documentation:
//! - bodies are JSON but often labelled `text/plain`, so the Content-Type is ignored;
//! - success is signalled by `errcode: 0` *or* by no `errcode` at all;
//! - numbers sometimes arrive as strings (`"errcode":"40029"`, `"expires_in":"7200"`),
//!   and `countryCode` is documented as a string but sent as the number `86`;
//! - `unionid` may be present but empty when the app is not bound to an Open Platform.
//!
//! Parsing never copies body text into an error message, because a success
//! body holds a `session_key` or an `access_token`.

use std::fmt;

use serde_json::{Map, Value};

use crate::error::WeChatError;

/// A user's `session_key`: the AES key of their encrypted data and the HMAC key
/// of `checksession`. It must never reach a log or a client, so `Debug` and
/// `Display` print `SessionKey(***)`; use [`SessionKey::expose`] deliberately.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionKey(String);

impl SessionKey {
    /// Wraps a base64 session key, e.g. one read back from storage.
    pub fn new(value: impl Into<String>) -> Self {
        SessionKey(value.into())
    }

    /// The base64 text of the key, as WeChat sent it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey(***)")
    }
}

impl fmt::Display for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey(***)")
    }
}

/// The answer of `sns/jscode2session` (code2Session).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSession {
    /// The user's id within this mini program (differs per app).
    pub openid: String,
    /// The user's id across all apps of the same Open Platform account; `None`
    /// when the mini program is not bound to one.
    pub unionid: Option<String>,
    pub session_key: SessionKey,
}

/// An access token from `cgi-bin/stable_token`.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// Secret: redacted from `Debug`.
    pub access_token: String,
    /// Seconds the token has left (WeChat: at most 7200, at least 300 unless forced).
    pub expires_in: u64,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("access_token", &"***")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// The `phone_info` of `wxa/business/getuserphonenumber`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneInfo {
    /// With the country code for foreign numbers, without it for Chinese ones.
    pub phone_number: String,
    /// Never with a country code.
    pub pure_phone_number: String,
    /// Digits only, e.g. `"86"`, whether WeChat sent a number or a string.
    pub country_code: String,
    pub watermark: Watermark,
}

/// Which app the data was issued to, and when (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watermark {
    pub appid: String,
    pub timestamp: i64,
}

/// The answer of `sns/oauth2/access_token` and `sns/oauth2/refresh_token`.
#[derive(Clone, PartialEq, Eq)]
pub struct WebGrant {
    /// Secret: redacted from `Debug`. Only for `sns/userinfo`.
    pub access_token: String,
    /// Secret: redacted from `Debug`.
    pub refresh_token: String,
    pub openid: String,
    /// Only for bound apps, and (Official Account) only with `snsapi_userinfo`.
    pub unionid: Option<String>,
    /// `snsapi_login`, `snsapi_base`, `snsapi_userinfo` (comma-separated when several).
    pub scope: String,
    /// `is_snapshotuser: 1`: a "snapshot page" virtual user whose ids are not a person's.
    pub is_snapshot_user: bool,
}

impl fmt::Debug for WebGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebGrant")
            .field("access_token", &"***")
            .field("refresh_token", &"***")
            .field("openid", &self.openid)
            .field("unionid", &self.unionid)
            .field("scope", &self.scope)
            .field("is_snapshot_user", &self.is_snapshot_user)
            .finish()
    }
}

/// The answer of `sns/userinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUserInfo {
    pub openid: String,
    pub nickname: String,
    pub headimgurl: String,
    pub unionid: Option<String>,
}

/// Reads a `sns/oauth2/access_token` or `sns/oauth2/refresh_token` answer.
pub fn parse_web_grant(body: &[u8]) -> Result<WebGrant, WeChatError> {
    let object = parse_success_object(body)?;
    Ok(WebGrant {
        access_token: required_string(&object, "access_token")?,
        refresh_token: optional_string(&object, "refresh_token")?.unwrap_or_default(),
        openid: required_string(&object, "openid")?,
        unionid: optional_string(&object, "unionid")?,
        scope: optional_string(&object, "scope")?.unwrap_or_default(),
        is_snapshot_user: lenient_integer(&object, "is_snapshotuser")?.unwrap_or(0) == 1,
    })
}

/// Reads a `sns/userinfo` answer.
pub fn parse_web_user_info(body: &[u8]) -> Result<WebUserInfo, WeChatError> {
    let object = parse_success_object(body)?;
    Ok(WebUserInfo {
        openid: required_string(&object, "openid")?,
        nickname: optional_string(&object, "nickname")?.unwrap_or_default(),
        headimgurl: optional_string(&object, "headimgurl")?.unwrap_or_default(),
        unionid: optional_string(&object, "unionid")?,
    })
}

/// A JSON answer where only an error was expected (an image API refusing): the error, or
/// [`WeChatError::Malformed`].
pub(crate) fn parse_error_only(body: &[u8]) -> Result<Vec<u8>, WeChatError> {
    parse_success_object(body)?;
    Err(WeChatError::Malformed(
        "expected an image, got JSON without errcode".into(),
    ))
}

/// Reads a `jscode2session` answer (also the fuzz harness's entry point).
pub fn parse_code_session(body: &[u8]) -> Result<CodeSession, WeChatError> {
    let object = parse_success_object(body)?;
    Ok(CodeSession {
        openid: required_string(&object, "openid")?,
        unionid: optional_string(&object, "unionid")?,
        session_key: SessionKey(required_string(&object, "session_key")?),
    })
}

/// Reads a `stable_token` answer.
pub fn parse_access_token(body: &[u8]) -> Result<AccessToken, WeChatError> {
    let object = parse_success_object(body)?;
    Ok(AccessToken {
        access_token: required_string(&object, "access_token")?,
        expires_in: lenient_integer(&object, "expires_in")?
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| malformed_field("expires_in"))?,
    })
}

/// Reads a `getuserphonenumber` answer.
pub fn parse_phone_info(body: &[u8]) -> Result<PhoneInfo, WeChatError> {
    let object = parse_success_object(body)?;
    let phone = required_object(&object, "phone_info")?;
    let watermark = required_object(phone, "watermark")?;
    Ok(PhoneInfo {
        phone_number: required_string(phone, "phoneNumber")?,
        pure_phone_number: required_string(phone, "purePhoneNumber")?,
        country_code: string_or_number(phone, "countryCode")?,
        watermark: Watermark {
            appid: required_string(watermark, "appid")?,
            timestamp: lenient_integer(watermark, "timestamp")?
                .ok_or_else(|| malformed_field("watermark.timestamp"))?,
        },
    })
}

/// Parses the body as a JSON object and turns a non-zero `errcode` into
/// [`WeChatError::Api`]. A missing or null `errcode` means success.
fn parse_success_object(body: &[u8]) -> Result<Map<String, Value>, WeChatError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        WeChatError::Malformed(format!("body is not JSON ({} bytes): {e}", body.len()))
    })?;
    let Value::Object(object) = value else {
        return Err(WeChatError::Malformed("body is not a JSON object".into()));
    };
    let errcode = lenient_integer(&object, "errcode")?.unwrap_or(0);
    if errcode != 0 {
        let errmsg = match object.get("errmsg") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        return Err(WeChatError::Api { errcode, errmsg });
    }
    Ok(object)
}

/// An integer sent as a JSON number or as a decimal string; `None` if absent or null.
fn lenient_integer(object: &Map<String, Value>, field: &str) -> Result<Option<i64>, WeChatError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| malformed_field(field)),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| malformed_field(field)),
        Some(_) => Err(malformed_field(field)),
    }
}

fn required_string(object: &Map<String, Value>, field: &str) -> Result<String, WeChatError> {
    optional_string(object, field)?.ok_or_else(|| WeChatError::Malformed(format!("no {field}")))
}

/// A string field where absent, null and `""` all mean "not given".
fn optional_string(
    object: &Map<String, Value>,
    field: &str,
) -> Result<Option<String>, WeChatError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(malformed_field(field)),
    }
}

fn string_or_number(object: &Map<String, Value>, field: &str) -> Result<String, WeChatError> {
    match object.get(field) {
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        _ => Err(malformed_field(field)),
    }
}

fn required_object<'a>(
    object: &'a Map<String, Value>,
    field: &str,
) -> Result<&'a Map<String, Value>, WeChatError> {
    match object.get(field) {
        Some(Value::Object(inner)) => Ok(inner),
        _ => Err(malformed_field(field)),
    }
}

fn malformed_field(field: &str) -> WeChatError {
    WeChatError::Malformed(format!("missing or invalid {field}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn code_session_without_errcode_is_success() {
        let s =
            parse_code_session(br#"{"session_key":"c2Vzc2lvbmtleTEyMzQ1Ng==","openid":"oABC"}"#)
                .unwrap();
        assert_eq!(s.openid, "oABC");
        assert_eq!(s.unionid, None);
        assert_eq!(s.session_key.expose(), "c2Vzc2lvbmtleTEyMzQ1Ng==");
    }

    #[test]
    fn code_session_with_errcode_zero_and_unionid() {
        let s = parse_code_session(
            br#"{"errcode":0,"errmsg":"ok","session_key":"k","openid":"o1","unionid":"u1"}"#,
        )
        .unwrap();
        assert_eq!(s.unionid.as_deref(), Some("u1"));
    }

    #[test]
    fn errcode_zero_as_string_is_success() {
        let s = parse_code_session(br#"{"errcode":"0","session_key":"k","openid":"o1"}"#).unwrap();
        assert_eq!(s.openid, "o1");
    }

    #[test]
    fn empty_unionid_is_none() {
        let s = parse_code_session(br#"{"session_key":"k","openid":"o1","unionid":""}"#).unwrap();
        assert_eq!(s.unionid, None);
    }

    #[test]
    fn errcode_as_number_becomes_api_error() {
        let e = parse_code_session(br#"{"errcode":40029,"errmsg":"invalid code, rid: 1-2-3"}"#)
            .unwrap_err();
        assert_eq!(
            e,
            WeChatError::Api {
                errcode: 40029,
                errmsg: "invalid code, rid: 1-2-3".into()
            }
        );
        assert_eq!(e.kind(), ErrorKind::InvalidCode);
    }

    #[test]
    fn errcode_as_string_becomes_api_error() {
        let e =
            parse_code_session(br#"{"errcode":"40163","errmsg":"code been used"}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CodeUsed);
        let e = parse_code_session(br#"{"errcode":" -1 ","errmsg":"system error"}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Busy);
    }

    #[test]
    fn api_error_without_errmsg() {
        let e = parse_code_session(br#"{"errcode":45011}"#).unwrap_err();
        assert_eq!(
            e,
            WeChatError::Api {
                errcode: 45011,
                errmsg: String::new()
            }
        );
    }

    #[test]
    fn success_without_openid_is_malformed() {
        let e = parse_code_session(br#"{"errcode":0,"session_key":"k"}"#).unwrap_err();
        assert!(matches!(e, WeChatError::Malformed(_)), "{e:?}");
        let e = parse_code_session(br#"{"openid":"","session_key":"k"}"#).unwrap_err();
        assert!(matches!(e, WeChatError::Malformed(_)), "{e:?}");
    }

    #[test]
    fn success_without_session_key_is_malformed() {
        let e = parse_code_session(br#"{"openid":"o1"}"#).unwrap_err();
        assert!(matches!(e, WeChatError::Malformed(_)), "{e:?}");
    }

    #[test]
    fn non_json_and_non_object_bodies_are_malformed() {
        for body in [
            &b"<html>502 Bad Gateway</html>"[..],
            b"",
            b"[1,2]",
            b"\"ok\"",
        ] {
            let e = parse_code_session(body).unwrap_err();
            assert!(
                matches!(e, WeChatError::Malformed(_)),
                "{body:?} gave {e:?}"
            );
        }
    }

    #[test]
    fn garbage_errcode_is_malformed_not_success() {
        let e = parse_code_session(br#"{"errcode":"oops","openid":"o","session_key":"k"}"#)
            .unwrap_err();
        assert!(matches!(e, WeChatError::Malformed(_)), "{e:?}");
    }

    #[test]
    fn malformed_message_never_echoes_the_body() {
        let e = parse_code_session(br#"{"openid":7,"session_key":"SECRETKEY"}"#).unwrap_err();
        assert!(!format!("{e} {e:?}").contains("SECRETKEY"));
    }

    #[test]
    fn access_token_expires_in_as_number_or_string() {
        let t = parse_access_token(br#"{"access_token":"AT","expires_in":7200}"#).unwrap();
        assert_eq!((t.access_token.as_str(), t.expires_in), ("AT", 7200));
        let t = parse_access_token(br#"{"access_token":"AT","expires_in":"7200"}"#).unwrap();
        assert_eq!(t.expires_in, 7200);
    }

    #[test]
    fn access_token_negative_or_missing_expiry_is_malformed() {
        for body in [
            &br#"{"access_token":"AT","expires_in":-5}"#[..],
            br#"{"access_token":"AT"}"#,
            br#"{"expires_in":7200}"#,
        ] {
            let e = parse_access_token(body).unwrap_err();
            assert!(matches!(e, WeChatError::Malformed(_)), "{e:?}");
        }
    }

    #[test]
    fn access_token_debug_is_redacted() {
        let t = parse_access_token(br#"{"access_token":"TOPSECRET","expires_in":7200}"#).unwrap();
        let shown = format!("{t:?}");
        assert!(!shown.contains("TOPSECRET"), "{shown}");
        assert!(shown.contains("7200"), "{shown}");
    }

    #[test]
    fn session_key_never_printed() {
        let key = SessionKey::new("tiihtNczf5v6AKRyjwEUhQ==");
        let session = CodeSession {
            openid: "o".into(),
            unionid: None,
            session_key: key.clone(),
        };
        for shown in [format!("{key}"), format!("{key:?}"), format!("{session:?}")] {
            assert!(!shown.contains("tiihtNczf5v6AKRyjwEUhQ=="), "{shown}");
        }
        assert_eq!(format!("{key:?}"), "SessionKey(***)");
        assert_eq!(format!("{key}"), "SessionKey(***)");
    }

    const PHONE_OK: &str = r#"{"errcode":0,"errmsg":"ok","phone_info":{"phoneNumber":"13800138000","purePhoneNumber":"13800138000","countryCode":86,"watermark":{"timestamp":1637744274,"appid":"wxapp"}}}"#;

    #[test]
    fn phone_info_with_numeric_country_code() {
        let p = parse_phone_info(PHONE_OK.as_bytes()).unwrap();
        assert_eq!(
            p,
            PhoneInfo {
                phone_number: "13800138000".into(),
                pure_phone_number: "13800138000".into(),
                country_code: "86".into(),
                watermark: Watermark {
                    appid: "wxapp".into(),
                    timestamp: 1637744274
                },
            }
        );
    }

    #[test]
    fn phone_info_with_string_country_code_and_timestamp() {
        let body = PHONE_OK
            .replace(r#""countryCode":86"#, r#""countryCode":"86""#)
            .replace("1637744274", "\"1637744274\"");
        let p = parse_phone_info(body.as_bytes()).unwrap();
        assert_eq!(p.country_code, "86");
        assert_eq!(p.watermark.timestamp, 1637744274);
    }

    #[test]
    fn phone_info_missing_is_malformed() {
        let e = parse_phone_info(br#"{"errcode":0,"errmsg":"ok"}"#).unwrap_err();
        assert!(matches!(e, WeChatError::Malformed(_)), "{e:?}");
        let e =
            parse_phone_info(PHONE_OK.replace(r#""countryCode":86,"#, "").as_bytes()).unwrap_err();
        assert!(matches!(e, WeChatError::Malformed(_)), "{e:?}");
    }
}
