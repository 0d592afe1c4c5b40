//! OAuth 2.0 / OpenID Connect: the code flow with PKCE, and the security rules around it.

use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::kit::{Auth, Kit};
use crate::on_both_backends;

pub(crate) const REDIRECT: &str = "https://app.example/cb";
const TOKEN: &str = "/api/login/oauth/access_token";
pub(crate) const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-verifier";

pub(crate) fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()))
}

fn claims(jwt: &str) -> Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(jwt.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap()
}

struct Client {
    id: String,
    secret: String,
}

/// An organization with user `alice` (password `alice-password`) and an application
/// redirecting to `REDIRECT`.
async fn setup(kit: &Kit) -> Client {
    kit.post("/api/add-organization", json!({"name": "acme"}), &kit.admin)
        .await
        .ok();
    kit.post("/api/add-user", json!({"owner": "acme", "name": "alice", "password": "alice-password", "displayName": "Alice", "email": "alice@acme.example"}), &kit.admin).await.ok();
    let app = kit
        .post("/api/add-application", json!({"name": "web", "organization": "acme", "redirectUris": [REDIRECT, "https://app.example/logged-out"], "grantTypes": ["authorization_code", "refresh_token"]}), &kit.admin)
        .await;
    Client {
        id: app.body["data2"]["clientId"].as_str().unwrap().into(),
        secret: app.body["data2"]["clientSecret"].as_str().unwrap().into(),
    }
}

/// The token request of a public client that used PKCE with `VERIFIER`.
async fn exchange(kit: &Kit, client: &Client, code: &str) -> crate::kit::Answer {
    kit.post_form(
        TOKEN,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client.id),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await
}

pub(crate) fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

/// Signs in on the hosted page; answers the redirect Location.
async fn authorize(
    kit: &Kit,
    params: &[(&str, &str)],
    password: &str,
) -> (StatusCode, Option<String>, String) {
    let mut form: Vec<(&str, &str)> = params.to_vec();
    form.push(("username", "alice"));
    form.push(("password", password));
    let res = no_redirects()
        .post(kit.url("/login/oauth/authorize"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    (status, location, res.text().await.unwrap())
}

pub(crate) fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

async fn code_for(kit: &Kit, client: &Client, pkce: bool) -> String {
    let ch = challenge(VERIFIER);
    let mut params = vec![
        ("client_id", client.id.as_str()),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", "openid profile email"),
        ("state", "st-1"),
        ("nonce", "n-0S6"),
    ];
    if pkce {
        params.push(("code_challenge", &ch));
        params.push(("code_challenge_method", "S256"));
    }
    let (status, location, body) = authorize(kit, &params, "alice-password").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let location = location.unwrap();
    assert!(location.starts_with(REDIRECT));
    assert_eq!(query_param(&location, "state").as_deref(), Some("st-1"));
    query_param(&location, "code").unwrap()
}

on_both_backends!(code_flow_with_pkce_gives_verified_oidc_tokens, |kit| {
    let client = setup(kit).await;
    let page = kit.get(&format!("/login/oauth/authorize?client_id={}&response_type=code&redirect_uri={REDIRECT}&scope=openid&state=s", client.id), &Auth::None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("<form method=\"post\""));
    let code = code_for(kit, &client, true).await;
    // A public client: no secret, the verifier proves it started the flow.
    let res = exchange(kit, &client, &code).await;
    res.ok_status();
    let id = claims(res.body["id_token"].as_str().unwrap());
    assert_eq!(id["iss"], kit.base);
    assert_eq!(id["aud"], client.id);
    assert_eq!(id["nonce"], "n-0S6");
    assert_eq!(id["preferred_username"], "alice");
    assert_eq!(id["email"], "alice@acme.example");
    assert!(id["auth_time"].as_i64().unwrap() > 0 && id["exp"].as_i64() > id["iat"].as_i64());
    let access = Auth::Bearer(res.body["access_token"].as_str().unwrap().into());
    let info = kit.get("/api/userinfo", &access).await;
    assert_eq!(info.body["sub"], id["sub"]);
    assert_eq!(info.body["email"], "alice@acme.example");
    assert!(
        info.body.get("phone_number").is_none(),
        "phone was not in the scope"
    );

    // The code works once; a replay revokes what it bought.
    let replay = exchange(kit, &client, &code).await;
    assert_eq!(replay.body["error"], "invalid_grant", "{}", replay.text);
    kit.get("/api/get-account", &access).await.error(401);
});

on_both_backends!(pkce_and_client_authentication_are_enforced, |kit| {
    let client = setup(kit).await;
    let code = code_for(kit, &client, true).await;
    let res = kit
        .post_form(
            TOKEN,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &client.id),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                (
                    "code_verifier",
                    "wrong-verifier-wrong-verifier-wrong-verifier-x",
                ),
            ],
        )
        .await;
    assert_eq!(res.body["error"], "invalid_grant", "{}", res.text);
    // The code is spent by the failed attempt: no guessing the verifier.
    let res = exchange(kit, &client, &code).await;
    assert_eq!(res.body["error"], "invalid_grant");

    // Without PKCE only a confidential client (with its secret) may exchange the code.
    let code = code_for(kit, &client, false).await;
    let res = kit
        .post_form(
            TOKEN,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &client.id),
                ("code", &code),
                ("redirect_uri", REDIRECT),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.text);
    let code = code_for(kit, &client, false).await;
    let res = kit
        .post_form(
            TOKEN,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &client.id),
                ("client_secret", &client.secret),
                ("code", &code),
                ("redirect_uri", REDIRECT),
            ],
        )
        .await;
    res.ok_status();
    // A redirect_uri other than the authorization request's.
    let code = code_for(kit, &client, true).await;
    let res = kit
        .post_form(
            TOKEN,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &client.id),
                ("code", &code),
                ("redirect_uri", "https://app.example/logged-out"),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(res.body["error"], "invalid_grant");
    // PKCE plain is refused at the authorization endpoint.
    let (status, location, _) = authorize(
        kit,
        &[
            ("client_id", &client.id),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("code_challenge", VERIFIER),
            ("code_challenge_method", "plain"),
            ("state", "s"),
        ],
        "alice-password",
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        query_param(&location.unwrap(), "error").as_deref(),
        Some("invalid_request")
    );
});

on_both_backends!(redirect_uri_tricks_never_redirect, |kit| {
    let client = setup(kit).await;
    for uri in [
        "https://app.example/cb/evil",
        "https://app.example/cb?next=https://evil.example",
        "https://app.example.evil.example/cb",
        "https://app.example@evil.example/cb",
        "https://evil.example@app.example/cb",
        "http://app.example/cb",
        "https://app.example:8443/cb",
        "https://app.example/cb#frag",
        "https://APP.example/cb",
        "https://app.example/CB",
        "",
    ] {
        let path = format!(
            "/login/oauth/authorize?client_id={}&response_type=code&redirect_uri={}&state=s",
            client.id,
            urlencode(uri)
        );
        let res = no_redirects().get(kit.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{uri}");
        assert!(
            res.headers().get("location").is_none(),
            "{uri} must not redirect"
        );
        let (status, location, _) = authorize(
            kit,
            &[
                ("client_id", &client.id),
                ("response_type", "code"),
                ("redirect_uri", uri),
            ],
            "alice-password",
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(location.is_none(), "{uri} must not redirect");
    }
    // An unsupported response type goes back to the (registered) client with an error.
    let res = no_redirects().get(kit.url(&format!("/login/oauth/authorize?client_id={}&response_type=token&redirect_uri={REDIRECT}&state=s", client.id))).send().await.unwrap();
    let location = res
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("unsupported_response_type")
    );
    // Unknown client: an error page, never a redirect.
    let res = no_redirects()
        .get(kit.url(&format!(
            "/login/oauth/authorize?client_id=nope&response_type=code&redirect_uri={REDIRECT}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.headers().get("location").is_none());
    assert!(res.text().await.unwrap().contains("unknown client_id"));
});

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

on_both_backends!(
    the_sign_in_page_escapes_what_it_echoes_and_refuses_wrong_passwords,
    |kit| {
        let client = setup(kit).await;
        let state = "\"><script>alert(1)</script>";
        let (status, location, body) = authorize(
            kit,
            &[
                ("client_id", &client.id),
                ("response_type", "code"),
                ("redirect_uri", REDIRECT),
                ("state", state),
            ],
            "wrong",
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(location.is_none());
        assert!(body.contains("wrong username or password"));
        assert!(!body.contains("<script>alert(1)</script>"));
        assert!(body.contains("&lt;script&gt;"));
    }
);

on_both_backends!(refresh_token_reuse_revokes_the_whole_chain, |kit| {
    let client = setup(kit).await;
    let code = code_for(kit, &client, true).await;
    let first = exchange(kit, &client, &code).await;
    let r1 = first.body["refresh_token"].as_str().unwrap().to_string();
    let second = kit.refresh(&client.id, &r1).await;
    second.ok_status();
    assert!(
        second.body["id_token"].is_string(),
        "a refreshed openid session gets a new ID token"
    );
    let a2 = Auth::Bearer(second.body["access_token"].as_str().unwrap().into());
    kit.get("/api/get-account", &a2).await.ok();
    // The spent refresh token comes back: someone copied it. Everything in the chain dies.
    let stolen = kit.refresh(&client.id, &r1).await;
    assert_eq!(stolen.body["error"], "invalid_grant");
    kit.get("/api/get-account", &a2).await.error(401);
    let r2 = second.body["refresh_token"].as_str().unwrap();
    let res = kit.refresh(&client.id, r2).await;
    assert_eq!(res.body["error"], "invalid_grant");
});

on_both_backends!(
    introspection_and_revocation_follow_rfc_7662_and_7009,
    |kit| {
        let client = setup(kit).await;
        let code = code_for(kit, &client, true).await;
        let tokens = exchange(kit, &client, &code).await;
        let access = tokens.body["access_token"].as_str().unwrap().to_string();
        let refresh = tokens.body["refresh_token"].as_str().unwrap().to_string();
        let introspect = |token: String, secret: String| {
            let id = client.id.clone();
            async move {
                Kit::answer(
                    kit.http
                        .post(kit.url("/api/login/oauth/introspect"))
                        .basic_auth(id, Some(secret))
                        .form(&[("token", token)])
                        .send()
                        .await
                        .unwrap(),
                )
                .await
            }
        };
        let live = introspect(access.clone(), client.secret.clone()).await;
        assert_eq!(live.body["active"], true, "{}", live.text);
        assert_eq!(live.body["client_id"], client.id);
        assert_eq!(live.body["username"], "alice");
        assert_eq!(
            introspect(refresh.clone(), client.secret.clone())
                .await
                .body["active"],
            true
        );
        assert_eq!(
            introspect("garbage".into(), client.secret.clone())
                .await
                .body["active"],
            false
        );
        assert_eq!(
            introspect(access.clone(), "wrong".into()).await.status,
            StatusCode::UNAUTHORIZED
        );
        // A client of another organization learns nothing.
        kit.post(
            "/api/add-organization",
            json!({"name": "other"}),
            &kit.admin,
        )
        .await
        .ok();
        let other = kit
            .post(
                "/api/add-application",
                json!({"name": "spy", "organization": "other"}),
                &kit.admin,
            )
            .await;
        let (oid, osecret) = (
            other.body["data2"]["clientId"].as_str().unwrap(),
            other.body["data2"]["clientSecret"].as_str().unwrap(),
        );
        let spy = Kit::answer(
            kit.http
                .post(kit.url("/api/login/oauth/introspect"))
                .form(&[
                    ("token", access.as_str()),
                    ("client_id", oid),
                    ("client_secret", osecret),
                ])
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(spy.body["active"], false);
        // Revocation by the owning client; the access token dies with it.
        let res = kit
            .http
            .post(kit.url("/api/login/oauth/revoke"))
            .basic_auth(&client.id, Some(&client.secret))
            .form(&[("token", refresh.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            introspect(access.clone(), client.secret.clone()).await.body["active"],
            false
        );
        kit.get("/api/get-account", &Auth::Bearer(access))
            .await
            .error(401);
    }
);

on_both_backends!(
    rp_initiated_logout_revokes_and_redirects_only_to_registered_uris,
    |kit| {
        let client = setup(kit).await;
        let code = code_for(kit, &client, true).await;
        let tokens = exchange(kit, &client, &code).await;
        let id_token = tokens.body["id_token"].as_str().unwrap();
        let access = Auth::Bearer(tokens.body["access_token"].as_str().unwrap().into());
        let evil = no_redirects()
            .get(kit.url(&format!(
                "/api/logout?id_token_hint={id_token}&post_logout_redirect_uri={}",
                urlencode("https://evil.example/")
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(evil.status(), StatusCode::BAD_REQUEST);
        let res = no_redirects()
            .get(kit.url(&format!(
                "/api/logout?id_token_hint={id_token}&post_logout_redirect_uri={}&state=bye",
                urlencode("https://app.example/logged-out")
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            res.headers()["location"],
            "https://app.example/logged-out?state=bye"
        );
        kit.get("/api/get-account", &access).await.error(401);
    }
);

on_both_backends!(
    rotated_keys_keep_old_tokens_valid_and_sign_new_ones,
    |kit| {
        let client = setup(kit).await;
        let code = code_for(kit, &client, true).await;
        let before = exchange(kit, &client, &code).await;
        let old_token = before.body["access_token"].as_str().unwrap().to_string();
        let rotated = kit
            .post(
                "/api/rotate-cert?id=admin/cert-built-in",
                json!({}),
                &kit.admin,
            )
            .await;
        let new_kid = rotated.ok()["name"].as_str().unwrap().to_string();
        assert_eq!(rotated.body["data"]["privateKey"], "***");
        kit.get("/api/get-account", &Auth::Bearer(old_token.clone()))
            .await
            .ok();
        let code = code_for(kit, &client, true).await;
        let after = exchange(kit, &client, &code).await;
        let header: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(
                    after.body["access_token"]
                        .as_str()
                        .unwrap()
                        .split('.')
                        .next()
                        .unwrap(),
                )
                .unwrap(),
        )
        .unwrap();
        assert_eq!(header["kid"], new_kid);
        let jwks = kit.get("/.well-known/jwks", &Auth::None).await;
        let kids: Vec<&str> = jwks.body["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap())
            .collect();
        assert!(
            kids.contains(&"cert-built-in") && kids.contains(&new_kid.as_str()),
            "{kids:?}"
        );
    }
);

on_both_backends!(forged_expired_and_foreign_tokens_are_refused, |kit| {
    let client = setup(kit).await;
    // 2 s (`exp` counts from the issuing second, so the token lives 1–2 s): long enough for
    // the checks below under a loaded test run, over before the sleep ends. (1 s lived
    // 0–1 s and flaked when the machine was busy.)
    kit.post(
        "/api/update-application?id=admin/web",
        json!({"expireInHours": 0.0006}),
        &kit.admin,
    )
    .await
    .ok();
    let code = code_for(kit, &client, true).await;
    let tokens = exchange(kit, &client, &code).await;
    let access = tokens.body["access_token"].as_str().unwrap().to_string();
    let c = claims(&access);
    // HS256 with the public certificate as the HMAC key (algorithm confusion).
    let jwks = kit.get("/.well-known/jwks", &Auth::None).await;
    let x5c = jwks.body["keys"][0]["x5c"][0].as_str().unwrap();
    let pem = format!("-----BEGIN CERTIFICATE-----\n{x5c}\n-----END CERTIFICATE-----\n");
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some("cert-built-in".into());
    let mut forged_claims = c.clone();
    forged_claims["exp"] = json!(4_000_000_000i64);
    for secret in [pem.as_bytes(), x5c.as_bytes()] {
        let forged = jsonwebtoken::encode(
            &header,
            &forged_claims,
            &jsonwebtoken::EncodingKey::from_secret(secret),
        )
        .unwrap();
        kit.get("/api/get-account", &Auth::Bearer(forged))
            .await
            .error(401);
    }
    kit.get("/api/get-account", &Auth::Bearer(access.clone()))
        .await
        .ok();
    tokio::time::sleep(std::time::Duration::from_millis(2_200)).await;
    let msg = kit
        .get("/api/get-account", &Auth::Bearer(access))
        .await
        .error(401);
    assert!(msg.contains("expired"), "{msg}");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tokens_of_another_issuer_are_refused() {
    let mut kit = Kit::start(crate::kit::Backend::Sqlite).await.unwrap();
    let client = setup(&kit).await;
    let code = code_for(&kit, &client, true).await;
    let tokens = exchange(&kit, &client, &code).await;
    let access = Auth::Bearer(tokens.body["access_token"].as_str().unwrap().into());
    kit.get("/api/get-account", &access).await.ok();
    // Same keys and database, another issuer: the token is not this server's.
    kit.settings.origin = Some("https://login.other.example".into());
    kit.restart().await;
    kit.get("/api/get-account", &access).await.error(401);
    kit.stop().await;
}

/// `FERRODOOR_SIGNING_ALGORITHM=ES256`: the built-in key is P-256, published as an EC JWK,
/// mini-program tokens are ES256 and verify against it; a rotation keeps the algorithm.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn es256_keys_sign_and_verify() {
    use crate::kit::{APP1, Backend};
    let kit = Kit::start_with(Backend::Sqlite, |s| s.signing_algorithm = "ES256".into())
        .await
        .unwrap();
    let client_id = kit.setup_miniprogram("es", "es-app", APP1).await;
    let code = kit.wx_login(APP1.0, "ec-user");
    let login = kit
        .miniprogram_login(TOKEN, &client_id, &code, "", "")
        .await;
    let token = login.body["access_token"].as_str().unwrap().to_string();
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::ES256);
    let jwks = kit.get("/.well-known/jwks", &Auth::None).await;
    let key = &jwks.body["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["crv"].as_str()),
        (Some("EC"), Some("P-256"))
    );
    assert_eq!(key["alg"], "ES256");
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(key.clone()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.validate_aud = false;
    jsonwebtoken::decode::<Value>(
        &token,
        &jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap(),
        &validation,
    )
    .unwrap();
    let account = kit.get("/api/get-account", &Auth::Bearer(token)).await;
    let openid = ferrodoor_wechat::emulator::openid_for(APP1.0, "ec-user");
    assert_eq!(account.ok()["name"], format!("wechat-{openid}"));
    let discovery = kit
        .get("/.well-known/openid-configuration", &Auth::None)
        .await;
    assert!(
        discovery.body["id_token_signing_alg_values_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("ES256")),
        "{}",
        discovery.text
    );
    let rotated = kit
        .post(
            "/api/rotate-cert?id=admin/cert-built-in",
            json!({}),
            &kit.admin,
        )
        .await;
    rotated.ok();
    let jwks = kit.get("/.well-known/jwks", &Auth::None).await;
    let keys = jwks.body["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "{}", jwks.text);
    assert!(keys.iter().all(|k| k["alg"] == "ES256"), "{}", jwks.text);
    kit.stop().await;
}
