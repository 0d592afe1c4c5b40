//! The token endpoint's request parsing: query + form or JSON body + HTTP Basic, as the
//! handler runs it, then the core's checks of a mini-program login.

use arbitrary::{Arbitrary, Result, Unstructured};
use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ferrodoor_core::service::{MiniProgramLogin, TokenParams};
use ferrodoor_http::parsing::{basic_credentials, parse_oauth_params, token_params};

const NAMES: &[&str] = &[
    "grant_type",
    "tag",
    "client_id",
    "client_secret",
    "code",
    "username",
    "password",
    "avatar",
    "scope",
    "nonce",
    "refresh_token",
    "redirect_uri",
    "code_verifier",
    "phone_code",
];
const VALUES: &[&str] = &[
    "wechat_miniprogram",
    "authorization_code",
    "refresh_token",
    "password",
    "client_credentials",
    "",
    " ",
];

#[derive(Debug, Arbitrary)]
enum ContentType {
    None,
    Form,
    Json,
    JsonWithCharset,
    Other(String),
}

#[derive(Debug, Arbitrary)]
enum Authorization {
    None,
    Basic { id: String, secret: String },
    Raw(String),
}

#[derive(Debug)]
enum Body {
    Raw(Vec<u8>),
    Pairs(Vec<(String, String)>),
    Json(String),
}

#[derive(Debug)]
struct Input {
    query: Option<Vec<(String, String)>>,
    content_type: ContentType,
    authorization: Authorization,
    body: Body,
}

fn name(u: &mut Unstructured<'_>) -> Result<String> {
    crate::json::key(u, NAMES)
}

fn value(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(1, 4)? {
        Ok(u.choose(VALUES)?.to_string())
    } else {
        u.arbitrary()
    }
}

fn pairs(u: &mut Unstructured<'_>) -> Result<Vec<(String, String)>> {
    (0..u.int_in_range(0..=8)?)
        .map(|_| Ok((name(u)?, value(u)?)))
        .collect()
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let query = if u.arbitrary()? {
            Some(pairs(u)?)
        } else {
            None
        };
        let content_type = u.arbitrary()?;
        let authorization = u.arbitrary()?;
        let body = match u.int_in_range(0..=2)? {
            0 => Body::Raw(u.arbitrary()?),
            1 => Body::Pairs(pairs(u)?),
            // Written by hand so a name may repeat, which a JSON map would merge.
            _ => {
                let mut members = Vec::new();
                for _ in 0..u.int_in_range(0..=8)? {
                    let k = serde_json::to_string(&name(u)?).unwrap_or_default();
                    let v = crate::json::value(u, VALUES, 3)?;
                    members.push(format!("{k}:{v}"));
                }
                Body::Json(format!("{{{}}}", members.join(",")))
            }
        };
        Ok(Input {
            query,
            content_type,
            authorization,
            body,
        })
    }
}

fn form(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

pub fn run(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let mut headers = HeaderMap::new();
    let content_type = match &input.content_type {
        ContentType::None => None,
        ContentType::Form => Some("application/x-www-form-urlencoded".to_string()),
        ContentType::Json => Some("application/json".to_string()),
        ContentType::JsonWithCharset => Some("Application/JSON; charset=utf-8".to_string()),
        ContentType::Other(s) => Some(s.clone()),
    };
    if let Some(v) = content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    let sent_basic = match &input.authorization {
        Authorization::None => None,
        Authorization::Basic { id, secret } => {
            let (i, s) = (form_escape(id), form_escape(secret));
            let v = format!("Basic {}", STANDARD.encode(format!("{i}:{s}")));
            HeaderValue::from_str(&v).ok().map(|v| {
                headers.insert(header::AUTHORIZATION, v);
                (id.clone(), secret.clone())
            })
        }
        Authorization::Raw(raw) => {
            if let Ok(v) = HeaderValue::from_str(raw) {
                headers.insert(header::AUTHORIZATION, v);
            }
            None
        }
    };
    // RFC 6749 §2.3.1: what a client form-encodes into Basic comes back out unchanged.
    if let Some(sent) = &sent_basic {
        let got = basic_credentials(&headers).expect("well-formed Basic credentials refused");
        assert_eq!(
            got.as_ref(),
            Some(sent),
            "Basic credentials changed in transit"
        );
    }
    let query = input.query.as_deref().map(form);
    let body = match &input.body {
        Body::Raw(b) => b.clone(),
        Body::Pairs(p) => form(p).into_bytes(),
        Body::Json(j) => j.clone().into_bytes(),
    };
    let Ok(raw) = parse_oauth_params(query.as_deref(), &headers, &body) else {
        return;
    };
    // Query parameters come first, unchanged, and a form body round-trips.
    let from_query = input.query.clone().unwrap_or_default();
    assert_eq!(
        raw[..from_query.len()],
        from_query[..],
        "query parameters lost"
    );
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/json")
        });
    if let (Body::Pairs(p), false) = (&input.body, is_json)
        && !body.is_empty()
    {
        assert_eq!(
            raw[from_query.len()..],
            p[..],
            "form body changed in parsing"
        );
    }
    let Ok(params) = token_params(&headers, &raw) else {
        return;
    };
    check_first_values(&params, &raw, &headers);
    if params.tag == "wechat_miniprogram"
        && let Ok(login) = MiniProgramLogin::from_params(&params)
    {
        assert!(!login.code.trim().is_empty());
        for (field, sent) in [
            (login.nickname, &params.username),
            (login.avatar, &params.avatar),
        ] {
            if let Some(f) = field {
                assert!(f.len() <= 1024 && !f.is_empty() && f == sent.trim());
            }
        }
        assert!(login.phone_code.len() <= 256);
    }
}

fn form_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Each field holds the first non-empty value sent under its name (client credentials may
/// come from HTTP Basic instead when the parameters name no client).
fn check_first_values(p: &TokenParams, raw: &[(String, String)], headers: &HeaderMap) {
    let first = |n: &str| {
        raw.iter()
            .find(|(k, v)| k == n && !v.is_empty())
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let fields: [(&str, &str); 12] = [
        ("grant_type", &p.grant_type),
        ("tag", &p.tag),
        ("code", &p.code),
        ("username", &p.username),
        ("password", &p.password),
        ("avatar", &p.avatar),
        ("scope", &p.scope),
        ("nonce", &p.nonce),
        ("refresh_token", &p.refresh_token),
        ("redirect_uri", &p.redirect_uri),
        ("code_verifier", &p.code_verifier),
        ("phone_code", &p.phone_code),
    ];
    for (n, got) in fields {
        assert_eq!(got, first(n), "parameter {n}");
    }
    if first("client_id").is_empty() && first("client_secret").is_empty() {
        let basic = basic_credentials(headers)
            .ok()
            .flatten()
            .unwrap_or_default();
        assert_eq!((p.client_id.clone(), p.client_secret.clone()), basic);
    } else {
        assert_eq!(p.client_id, first("client_id"));
        assert_eq!(p.client_secret, first("client_secret"));
    }
}
