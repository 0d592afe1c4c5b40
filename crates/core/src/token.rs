//! Access tokens: Casdoor's JWT layout (registered claims plus the user's public fields),
//! signed with the application's certificate; and opaque refresh tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Validation;
use serde::{Deserialize, Serialize};
use sha2_shim::sha256_hex;

use crate::clock::Now;
use crate::entity::{Application, User};
use crate::error::{Error, Result};
use crate::keys::SigningKey;

/// Claims of an access token. Casdoor's SDKs read `owner` and `name` from them, so the
/// user's public fields are flattened in; secrets (password hash, session key) never are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    /// The user's `id` (UUID), or `admin/<app>` for client-credentials tokens.
    pub sub: String,
    pub aud: Vec<String>,
    pub exp: i64,
    pub nbf: i64,
    pub iat: i64,
    /// `admin/<token row name>`: how a signed token is found again to check revocation.
    pub jti: String,
    #[serde(rename = "tokenType")]
    pub token_type: String,
    pub scope: String,
    pub azp: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub nonce: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tag: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "displayName")]
    pub display_name: String,
    #[serde(default)]
    pub avatar: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
    #[serde(default, rename = "isAdmin")]
    pub is_admin: bool,
    #[serde(
        default,
        rename = "signupApplication",
        skip_serializing_if = "String::is_empty"
    )]
    pub signup_application: String,
    /// Casdoor's `JWT` format carries the user's roles and permissions (masked objects,
    /// see `service::user_grants`) and group ids; other formats and application tokens
    /// leave them out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
}

/// Whether an application's token format is Casdoor's full `JWT` (the default).
pub fn carries_grants(token_format: &str) -> bool {
    matches!(token_format, "" | "JWT")
}

pub const ACCESS_TOKEN_TYPE: &str = "access-token";

/// What a grant asks to be issued.
pub struct TokenRequest<'a> {
    pub application: &'a Application,
    pub user: Option<&'a User>,
    pub token_name: &'a str,
    pub scope: &'a str,
    pub nonce: &'a str,
    pub tag: &'a str,
    pub expires_in: i64,
}

/// Signs an access token for `req` at `now`.
pub fn sign_access_token(
    key: &SigningKey,
    issuer: &str,
    req: &TokenRequest<'_>,
    now: Now,
) -> Result<String> {
    sign_access_token_with(key, issuer, req, None, now)
}

/// Signs an access token for `req` at `now`, with the user's roles and permissions when
/// given and the application's format is `JWT`.
pub fn sign_access_token_with(
    key: &SigningKey,
    issuer: &str,
    req: &TokenRequest<'_>,
    grants: Option<&crate::service::user_grants::UserGrants>,
    now: Now,
) -> Result<String> {
    let t = now.unix();
    let mut claims = AccessClaims {
        iss: issuer.to_string(),
        sub: format!("admin/{}", req.application.name),
        aud: vec![req.application.client_id.clone()],
        exp: t + req.expires_in,
        nbf: t,
        iat: t,
        jti: format!("admin/{}", req.token_name),
        token_type: ACCESS_TOKEN_TYPE.to_string(),
        scope: req.scope.to_string(),
        azp: req.application.client_id.clone(),
        nonce: req.nonce.to_string(),
        tag: req.tag.to_string(),
        auth_time: req.user.map(|_| t),
        ..AccessClaims::default()
    };
    if let Some(u) = req.user {
        claims.sub = u.id.clone();
        claims.owner = u.owner.clone();
        claims.name = u.name.clone();
        claims.display_name = u.display_name.clone();
        claims.avatar = u.avatar.clone();
        claims.email = u.email.clone();
        claims.phone = u.phone.clone();
        claims.is_admin = u.is_admin;
        claims.signup_application = u.signup_application.clone();
        if let Some(g) = grants.filter(|_| carries_grants(&req.application.token_format)) {
            claims.roles = Some(g.roles_json());
            claims.permissions = Some(g.permissions_json());
            claims.groups = Some(u.groups.clone());
        }
    }
    key.sign_jwt(&claims)
}

/// Claims of an OpenID Connect ID token (for the authorization-code, password and refresh
/// grants). Profile claims follow the granted scope.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IdClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub auth_time: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub nonce: String,
    pub azp: String,
    /// Same as the access token's: `id_token_hint` at logout finds the session by it.
    pub jti: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

/// Signs the ID token that goes with a token row.
pub fn sign_id_token(
    key: &SigningKey,
    issuer: &str,
    req: &TokenRequest<'_>,
    user: &User,
    auth_time: i64,
    now: Now,
) -> Result<String> {
    let scopes: Vec<&str> = req.scope.split_whitespace().collect();
    let has = |s: &str| scopes.contains(&s);
    let claims = IdClaims {
        iss: issuer.to_string(),
        sub: user.id.clone(),
        aud: req.application.client_id.clone(),
        exp: now.unix().saturating_add(req.expires_in),
        iat: now.unix(),
        auth_time,
        nonce: req.nonce.to_string(),
        azp: req.application.client_id.clone(),
        jti: format!("admin/{}", req.token_name),
        // Empty values are left out rather than sent as "" (OIDC Core §5.3.2).
        name: present(has("profile"), &user.display_name),
        preferred_username: present(has("profile"), &user.name),
        picture: present(has("profile"), &user.avatar),
        email: present(has("email"), &user.email),
        email_verified: (has("email") && !user.email.is_empty()).then_some(user.email_verified),
        phone_number: present(has("phone"), &user.phone),
    };
    key.sign_jwt(&claims)
}

fn present(granted: bool, value: &str) -> Option<String> {
    (granted && !value.is_empty()).then(|| value.to_string())
}

/// Reads an `id_token_hint`: the signature and issuer must hold, expiry does not matter
/// (RP-initiated logout often comes after the ID token expired).
pub fn verify_id_token_hint(key: &SigningKey, issuer: &str, token: &str) -> Result<IdClaims> {
    let mut validation = Validation::new(key.algorithm);
    validation.set_issuer(&[issuer]);
    validation.validate_aud = false;
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["iss", "sub", "aud"]);
    jsonwebtoken::decode::<IdClaims>(token, &key.decoding, &validation)
        .map(|d| d.claims)
        .map_err(|e| Error::invalid(format!("id_token_hint rejected: {e}")))
}

/// The `kid` a token says it was signed with (unverified; only used to pick the key).
pub fn token_kid(token: &str) -> Result<String> {
    let header =
        jsonwebtoken::decode_header(token).map_err(|_| invalid_token("malformed token"))?;
    header.kid.ok_or_else(|| invalid_token("token has no kid"))
}

/// Checks the signature (with the algorithm of the key, never the one the token names),
/// the issuer, `exp` and `nbf`. Revocation is the caller's next step.
pub fn verify_access_token(
    key: &SigningKey,
    issuer: &str,
    token: &str,
    now: Now,
) -> Result<AccessClaims> {
    let mut validation = Validation::new(key.algorithm);
    validation.set_issuer(&[issuer]);
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "iss", "sub", "jti"]);
    // jsonwebtoken reads the system clock with its own leeway; `exp` and `nbf` are checked
    // below against our `now` instead, so an injected clock is honest and a token from a
    // node whose clock runs a little ahead is not refused (found by fuzz/jwt).
    validation.validate_exp = false;
    validation.validate_nbf = false;
    let data = jsonwebtoken::decode::<AccessClaims>(token, &key.decoding, &validation)
        .map_err(|e| invalid_token(&format!("token rejected: {e}")))?;
    let claims = data.claims;
    if claims.exp <= now.unix() {
        return Err(invalid_token("token expired"));
    }
    if claims.nbf > now.unix() + 60 {
        return Err(invalid_token("token not valid yet"));
    }
    if claims.token_type != ACCESS_TOKEN_TYPE {
        return Err(invalid_token("not an access token"));
    }
    Ok(claims)
}

fn invalid_token(msg: &str) -> Error {
    Error::Unauthenticated(format!("invalid access token: {msg}"))
}

/// A new opaque refresh token and the hash under which it is stored.
pub fn new_refresh_token() -> (String, String) {
    let token = random_token(32);
    let hash = sha256_hex(token.as_bytes());
    (token, hash)
}

/// `bytes` random bytes, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    aws_lc_rs::rand::fill(&mut buf).unwrap_or_else(|_| {
        // aws-lc's RNG does not fail on supported platforms; fall back to the thread RNG.
        use rand::RngCore;
        rand::thread_rng().fill_bytes(&mut buf)
    });
    URL_SAFE_NO_PAD.encode(buf)
}

pub use sha2_shim::sha256_hex as hash_secret;

mod sha2_shim {
    /// sha256 of `data` as lowercase hex (token and cookie hashes at rest).
    pub fn sha256_hex(data: &[u8]) -> String {
        hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::generate_rsa_cert;

    fn setup() -> (SigningKey, Application, User) {
        let cert = generate_rsa_cert("k1", Now::from_unix(1_700_000_000)).unwrap();
        let app = Application {
            name: "app".into(),
            client_id: "cid".into(),
            ..Application::default()
        };
        let user = User {
            owner: "acme".into(),
            name: "alice".into(),
            id: "uuid-1".into(),
            ..User::default()
        };
        (SigningKey::from_cert(&cert).unwrap(), app, user)
    }

    fn request<'a>(app: &'a Application, user: &'a User) -> TokenRequest<'a> {
        TokenRequest {
            application: app,
            user: Some(user),
            token_name: "t1",
            scope: "openid profile",
            nonce: "",
            tag: "",
            expires_in: 3600,
        }
    }

    #[test]
    fn signed_tokens_verify_and_carry_the_user() {
        let (key, app, user) = setup();
        let now = Now::from_unix(1_700_000_000);
        let jwt = sign_access_token(&key, "http://iss", &request(&app, &user), now).unwrap();
        assert_eq!(token_kid(&jwt).unwrap(), "k1");
        let claims = verify_access_token(&key, "http://iss", &jwt, now.plus_seconds(10)).unwrap();
        assert_eq!(claims.sub, "uuid-1");
        assert_eq!(
            (claims.owner.as_str(), claims.name.as_str()),
            ("acme", "alice")
        );
        assert_eq!(claims.aud, vec!["cid".to_string()]);
        assert_eq!(claims.jti, "admin/t1");
    }

    #[test]
    fn expired_foreign_and_tampered_tokens_are_refused() {
        let (key, app, user) = setup();
        let now = Now::from_unix(1_700_000_000);
        let jwt = sign_access_token(&key, "http://iss", &request(&app, &user), now).unwrap();
        assert!(verify_access_token(&key, "http://iss", &jwt, now.plus_seconds(3600)).is_err());
        assert!(verify_access_token(&key, "http://other", &jwt, now).is_err());
        let mut parts: Vec<String> = jwt.split('.').map(String::from).collect();
        let forged = serde_json::json!({"iss":"http://iss","sub":"x","jti":"admin/t1","exp":1_900_000_000,"tokenType":"access-token","isAdmin":true});
        parts[1] = URL_SAFE_NO_PAD.encode(forged.to_string());
        assert!(verify_access_token(&key, "http://iss", &parts.join("."), now).is_err());
        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"k1"}"#);
        let unsigned = format!("{none_header}.{}.", parts[1]);
        assert!(verify_access_token(&key, "http://iss", &unsigned, now).is_err());
    }

    /// Another node's clock may run ahead: a token it signed is good here at once (the
    /// 60 s `nbf` allowance), judged by the injected clock, not the system clock.
    #[test]
    fn tokens_signed_slightly_in_the_future_verify() {
        let (key, app, user) = setup();
        let now = Now::wall_clock();
        let jwt = sign_access_token(
            &key,
            "http://iss",
            &request(&app, &user),
            now.plus_seconds(30),
        )
        .unwrap();
        assert!(verify_access_token(&key, "http://iss", &jwt, now).is_ok());
        let far = sign_access_token(
            &key,
            "http://iss",
            &request(&app, &user),
            now.plus_seconds(600),
        )
        .unwrap();
        assert!(verify_access_token(&key, "http://iss", &far, now).is_err());
        // Far from the system clock, the injected one decides.
        let past = Now::from_unix(1_000_000_000);
        let old = sign_access_token(&key, "http://iss", &request(&app, &user), past).unwrap();
        assert!(verify_access_token(&key, "http://iss", &old, past.plus_seconds(1)).is_ok());
        let future = Now::from_unix(4_000_000_000);
        let later = sign_access_token(&key, "http://iss", &request(&app, &user), future).unwrap();
        assert!(verify_access_token(&key, "http://iss", &later, future).is_ok());
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, ha) = new_refresh_token();
        let (b, _) = new_refresh_token();
        assert_ne!(a, b);
        assert_eq!(ha, sha256_hex(a.as_bytes()));
        assert_eq!(ha.len(), 64);
    }
}
