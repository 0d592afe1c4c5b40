//! WeChat's answers to jscode2session, stable_token and getuserphonenumber, parsed by the
//! client's lenient parser: arbitrary bytes, or JSON shaped like WeChat's (numbers as
//! strings, text where numbers belong). A parse error never repeats a secret.

use arbitrary::{Arbitrary, Result, Unstructured};
use ferrodoor_wechat::WeChatError;
use ferrodoor_wechat::response::{parse_access_token, parse_code_session, parse_phone_info};
use serde_json::Value;

const KEYS: &[&str] = &[
    "errcode",
    "errmsg",
    "openid",
    "unionid",
    "session_key",
    "access_token",
    "expires_in",
    "phone_info",
    "phoneNumber",
    "purePhoneNumber",
    "countryCode",
    "watermark",
    "appid",
    "timestamp",
];

struct Body(Vec<u8>);

impl<'a> Arbitrary<'a> for Body {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        if u.ratio(1, 4)? {
            return Ok(Body(u.arbitrary()?));
        }
        let object = crate::json::object(u, KEYS, 0)?;
        Ok(Body(Value::Object(object).to_string().into_bytes()))
    }
}

pub fn run(data: &[u8]) {
    let Ok(Body(body)) = Body::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let secret = |field: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(field))
            .and_then(Value::as_str)
            .filter(|s| s.len() >= 8 && s.contains(['=', '+', '/']))
            .map(str::to_owned)
    };
    let secrets: Vec<String> = ["session_key", "access_token"]
        .into_iter()
        .filter_map(secret)
        .collect();
    let never_echoed = |e: &WeChatError| {
        if let WeChatError::Malformed(msg) = e {
            for s in &secrets {
                assert!(!msg.contains(s.as_str()), "a parse error repeats a secret");
            }
        }
    };
    match parse_code_session(&body) {
        Ok(s) => {
            assert!(!s.openid.is_empty() && !s.session_key.expose().is_empty());
            assert!(s.unionid.as_deref() != Some(""));
        }
        Err(e) => never_echoed(&e),
    }
    match parse_access_token(&body) {
        Ok(t) => assert!(!t.access_token.is_empty()),
        Err(e) => never_echoed(&e),
    }
    match parse_phone_info(&body) {
        Ok(p) => {
            assert!(!p.phone_number.is_empty() && !p.pure_phone_number.is_empty());
            assert!(!p.country_code.is_empty() && !p.watermark.appid.is_empty());
        }
        Err(e) => never_echoed(&e),
    }
    // An errcode, however sent, that is not 0 is never a success.
    if let Some(code) = parsed.as_ref().and_then(|v| v.get("errcode")) {
        let nonzero = match code {
            Value::Number(n) => n.as_i64() != Some(0),
            Value::String(s) => s.trim().parse::<i64>().ok() != Some(0),
            Value::Null => false,
            _ => true,
        };
        if nonzero {
            assert!(
                parse_code_session(&body).is_err(),
                "errcode {code} taken as success"
            );
            assert!(parse_access_token(&body).is_err());
            assert!(parse_phone_info(&body).is_err());
        }
    }
}
