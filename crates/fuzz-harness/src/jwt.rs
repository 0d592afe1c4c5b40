//! Access-token verification with a fixed key: arbitrary text, mutations of a valid token
//! and forgeries that get everything right but the signature. Nothing but the one token
//! the key signed may ever be accepted.

use std::sync::LazyLock;

use arbitrary::{Arbitrary, Unstructured};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ferrodoor_core::clock::Now;
use ferrodoor_core::entity::{Application, User};
use ferrodoor_core::keys::{SigningKey, generate_rsa_cert};
use ferrodoor_core::token::{
    AccessClaims, TokenRequest, sign_access_token, token_kid, verify_access_token,
    verify_id_token_hint,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};

const ISSUER: &str = "https://id.example.com";
const SIGNED_AT: i64 = 1_800_000_000;
const LIFETIME: i64 = 3600;

fn key(name: &str) -> SigningKey {
    let cert = generate_rsa_cert(name, Now::from_unix(SIGNED_AT)).expect("key generation");
    SigningKey::from_cert(&cert).expect("generated key loads")
}

/// The server's key, and a stranger's key with the same `kid`.
static KEY: LazyLock<SigningKey> = LazyLock::new(|| key("cert-built-in"));
static OTHER_KEY: LazyLock<SigningKey> = LazyLock::new(|| key("cert-built-in"));

/// The one token [`KEY`] signed, and its claims.
static VALID: LazyLock<(String, AccessClaims)> = LazyLock::new(|| {
    let app = Application {
        name: "app".into(),
        client_id: "client-1".into(),
        ..Application::default()
    };
    let user = User {
        owner: "acme".into(),
        name: "alice".into(),
        id: "uuid-alice".into(),
        ..User::default()
    };
    let jwt = sign(&KEY, &app, &user);
    let claims = verify_access_token(&KEY, ISSUER, &jwt, Now::from_unix(SIGNED_AT))
        .expect("a freshly signed token verifies");
    (jwt, claims)
});

fn sign(key: &SigningKey, app: &Application, user: &User) -> String {
    let req = TokenRequest {
        application: app,
        user: Some(user),
        token_name: "t1",
        scope: "openid",
        nonce: "",
        tag: "",
        expires_in: LIFETIME,
    };
    sign_access_token(key, ISSUER, &req, Now::from_unix(SIGNED_AT)).expect("signing")
}

#[derive(Debug, Arbitrary)]
enum Mutation {
    SetByte {
        at: u16,
        to: u8,
    },
    Insert {
        at: u16,
        byte: u8,
    },
    Remove {
        at: u16,
        len: u8,
    },
    Truncate {
        at: u16,
    },
    /// Replace segment `index` (header, payload, signature) with other text.
    Segment {
        index: u8,
        text: String,
    },
    Append(String),
}

#[derive(Debug, Arbitrary)]
enum Forgery {
    AlgNone,
    /// HS256 keyed with the public key: the classic algorithm confusion.
    HmacWithPublicKey,
    OtherRsaKey,
    /// The valid token's signature on other claims.
    Transplant,
}

#[derive(Debug, Arbitrary)]
enum Input {
    Raw(String),
    Mutated(Vec<Mutation>),
    Forged {
        how: Forgery,
        sub: String,
        is_admin: bool,
        owner: String,
    },
}

pub fn run(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let (valid, claims) = &*VALID;
    let now = Now::from_unix(SIGNED_AT + 1);
    let token = match input {
        Input::Raw(text) => text,
        Input::Mutated(mutations) => mutate(valid, &mutations),
        Input::Forged {
            how,
            sub,
            is_admin,
            owner,
        } => {
            let forged = AccessClaims {
                sub,
                is_admin,
                owner,
                ..claims.clone()
            };
            forge(&how, &forged)
        }
    };
    let _ = token_kid(&token);
    let _ = verify_id_token_hint(&KEY, ISSUER, &token);
    if let Ok(accepted) = verify_access_token(&KEY, ISSUER, &token, now) {
        // Only the signed header and payload can pass, and they say what was signed.
        let signed: Vec<&str> = valid.split('.').collect();
        let got: Vec<&str> = token.split('.').collect();
        assert_eq!(
            got.get(..2),
            signed.get(..2),
            "accepted a token the key did not sign"
        );
        assert_eq!(&accepted, claims, "accepted claims that were not signed");
    }
}

fn mutate(valid: &str, mutations: &[Mutation]) -> String {
    let mut bytes = valid.as_bytes().to_vec();
    for m in mutations {
        let at = |i: u16, len: usize| usize::from(i) % (len + 1);
        match m {
            Mutation::SetByte { at: i, to } if !bytes.is_empty() => {
                let i = usize::from(*i) % bytes.len();
                bytes[i] = *to;
            }
            Mutation::SetByte { .. } => {}
            Mutation::Insert { at: i, byte } => bytes.insert(at(*i, bytes.len()), *byte),
            Mutation::Remove { at: i, len } => {
                let start = at(*i, bytes.len());
                let end = (start + usize::from(*len)).min(bytes.len());
                bytes.drain(start..end);
            }
            Mutation::Truncate { at: i } => bytes.truncate(at(*i, bytes.len())),
            Mutation::Segment { index, text } => {
                let s = String::from_utf8_lossy(&bytes).into_owned();
                let mut parts: Vec<String> = s.split('.').map(String::from).collect();
                if let Some(p) = parts.get_mut(usize::from(*index) % 3) {
                    *p = text.clone();
                }
                bytes = parts.join(".").into_bytes();
            }
            Mutation::Append(text) => bytes.extend_from_slice(text.as_bytes()),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn forge(how: &Forgery, claims: &AccessClaims) -> String {
    let b64 = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let payload = serde_json::to_value(claims).unwrap_or_default();
    match how {
        Forgery::AlgNone => {
            let header = serde_json::json!({"alg": "none", "typ": "JWT", "kid": KEY.kid});
            format!("{}.{}.", b64(&header), b64(&payload))
        }
        Forgery::HmacWithPublicKey => {
            let mut header = Header::new(Algorithm::HS256);
            header.kid = Some(KEY.kid.clone());
            let public = serde_json::to_vec(&KEY.jwk).unwrap_or_default();
            jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(&public))
                .unwrap_or_default()
        }
        // Same name, so the same `kid`: only the signature can tell them apart.
        Forgery::OtherRsaKey => OTHER_KEY.sign_jwt(claims).unwrap_or_default(),
        Forgery::Transplant => {
            let parts: Vec<&str> = VALID.0.split('.').collect();
            format!("{}.{}.{}", parts[0], b64(&payload), parts[2])
        }
    }
}
