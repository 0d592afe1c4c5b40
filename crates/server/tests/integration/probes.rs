//! Hostile input in every parameter that reaches the store or the filesystem: SQL
//! injection, path traversal, NUL bytes, huge and negative numbers, odd encodings. Each
//! answer must be a 4xx (or a 200 that shows only what the caller may see), never a 5xx;
//! nothing of another organization may leak; the database must be intact afterwards.

use reqwest::{Method, StatusCode, Url};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::kit::{APP1, Answer, Auth, Kit};
use crate::on_both_backends;

/// A marker only the other organization's rows contain.
const VICTIM_MARK: &str = "victim-only-4f2a";

fn payloads() -> Vec<String> {
    let mut p: Vec<String> = [
        "'",
        "\"",
        "' OR '1'='1",
        "' OR 1=1 --",
        "admin' --",
        "x'); DROP TABLE users; --",
        ";DROP TABLE organizations",
        "1 UNION SELECT * FROM users",
        "/* comment */",
        "-- ",
        "#",
        "\\",
        "%",
        "_",
        "\0",
        "a\0b",
        "名字 ünïcödé \u{202e}\u{1F600}",
        "../",
        "../../../../etc/passwd",
        "%2e%2e%2f",
        "..%2F..%2F",
        "/etc/passwd",
        "C:\\Windows\\win.ini",
        "a/b/c",
        "/",
        "victim",
        "admin/victim",
        "-1",
        "99999999999999999999",
        "NaN",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    p.push("x".repeat(20_000));
    p
}

/// Asserts the answer is not a server error.
fn sane(what: &str, a: &Answer) {
    assert!(
        !a.status.is_server_error(),
        "{what}: {} {}",
        a.status,
        a.text.chars().take(300).collect::<String>()
    );
}

/// Asserts a 4xx or a 200 showing nothing of the victim's (for callers outside it).
fn no_leak(what: &str, a: &Answer) {
    sane(what, a);
    assert!(
        !a.text.contains(VICTIM_MARK),
        "{what}: leaked the other organization's data: {}",
        a.text.chars().take(300).collect::<String>()
    );
}

fn url(kit: &Kit, path: &str, query: &[(&str, &str)]) -> Url {
    let mut url = Url::parse(&kit.url(path)).expect("url");
    if !query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in query {
            pairs.append_pair(k, v);
        }
    }
    url
}

/// One connection per probe: a hostile request the server answers before reading its body
/// ends its connection, and a pooled client could send the next probe on it as it closes
/// (`IncompleteMessage`, seen once when the whole suite ran in one process).
async fn send(kit: &Kit, method: Method, url: Url, body: Option<Value>, auth: &Auth) -> Answer {
    let mut req = kit
        .http
        .request(method, url)
        .header(reqwest::header::CONNECTION, "close");
    req = match auth {
        Auth::None => req,
        Auth::Cookie(c) => req.header("cookie", c),
        Auth::Bearer(t) => req.bearer_auth(t),
        Auth::Basic(id, secret) => req.basic_auth(id, Some(secret)),
    };
    if let Some(body) = body {
        req = req.json(&body);
    }
    Kit::answer(req.send().await.expect("request")).await
}

/// A request with the path sent byte for byte (HTTP clients normalize `..` away).
async fn raw_get(kit: &Kit, path: &str) -> (u16, String) {
    let addr = kit.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

/// Totals the global administrator sees: organizations, applications, providers, users.
async fn totals(kit: &Kit) -> Vec<u64> {
    let mut out = Vec::new();
    for list in [
        "/api/get-organizations",
        "/api/get-applications",
        "/api/get-providers",
        "/api/get-global-users",
    ] {
        let a = kit.get(&format!("{list}?p=1&pageSize=1"), &kit.admin).await;
        a.ok();
        out.push(a.body["data2"].as_u64().expect("total"));
    }
    out
}

/// An organization `victim` (with a user and application carrying [`VICTIM_MARK`]) and an
/// organization `acme` with its own administrator, who does the probing.
async fn two_organizations(kit: &Kit) -> (Auth, String) {
    let admin = &kit.admin;
    for org in ["victim", "acme"] {
        kit.post(
            "/api/add-organization",
            json!({"owner": "admin", "name": org, "displayName": if org == "victim" { VICTIM_MARK } else { "Acme" }}),
            admin,
        )
        .await
        .ok();
    }
    kit.post("/api/add-user", json!({"owner": "victim", "name": "vic", "displayName": VICTIM_MARK, "email": format!("{VICTIM_MARK}@example.com"), "password": "victim-pass-1"}), admin).await.ok();
    kit.post(
        "/api/add-user",
        json!({"owner": "acme", "name": "boss", "isAdmin": true, "password": "boss-pass-123"}),
        admin,
    )
    .await
    .ok();
    kit.post(
        "/api/add-user",
        json!({"owner": "acme", "name": "alice", "password": "alice-pass-1"}),
        admin,
    )
    .await
    .ok();
    let client_id = kit.setup_miniprogram("victim", "victim-mini", APP1).await;
    kit.post(
        "/api/update-application?id=admin/victim-mini",
        json!({"description": VICTIM_MARK}),
        admin,
    )
    .await
    .ok();
    let boss = kit.sign_in("acme", "boss", "boss-pass-123").await;
    (boss, client_id)
}

const LISTS: &[&str] = &[
    "/api/get-organizations",
    "/api/get-applications",
    "/api/get-organization-applications",
    "/api/get-providers",
    "/api/get-global-providers",
    "/api/get-users",
    "/api/get-global-users",
    "/api/get-user-count",
];

const LOOKUPS: &[&str] = &[
    "/api/get-organization",
    "/api/get-application",
    "/api/get-provider",
    "/api/get-user",
    "/api/get-user-identities",
    "/api/get-identity-events",
];

const CHANGES: &[&str] = &[
    "/api/update-organization",
    "/api/delete-organization",
    "/api/update-application",
    "/api/delete-application",
    "/api/update-provider",
    "/api/delete-provider",
    "/api/update-user",
    "/api/delete-user",
    "/api/revoke-user-tokens",
    "/api/regenerate-client-secret",
    "/api/rotate-cert",
    "/api/unbind-wechat",
];

on_both_backends!(hostile_input_in_store_parameters, |kit| {
    let (boss, victim_client) = two_organizations(kit).await;
    let before = totals(kit).await;
    let admin = kit.admin.clone();
    // The organization's administrator must see nothing of the victim's.
    let check = |who: &Auth, what: &str, a: &Answer| {
        if std::ptr::eq(who, &boss) {
            no_leak(what, a)
        } else {
            sane(what, a)
        }
    };
    let list_params = [
        "owner",
        "organization",
        "p",
        "pageSize",
        "field",
        "value",
        "sortField",
        "sortOrder",
        "id",
    ];

    for payload in payloads() {
        let p = payload.as_str();
        for list in LISTS {
            for param in list_params {
                for who in [&boss, &admin] {
                    let a = send(kit, Method::GET, url(kit, list, &[(param, p)]), None, who).await;
                    check(who, &format!("{list}?{param}=…{:.40}", p), &a);
                }
            }
            // A real field with a hostile value is a substring search: only matches.
            for field in ["name", "displayName"] {
                let q = [
                    ("owner", "acme"),
                    ("field", field),
                    ("value", p),
                    ("pageSize", "10"),
                ];
                let a = send(kit, Method::GET, url(kit, list, &q), None, &boss).await;
                no_leak(&format!("{list} filter {field}={:.40}", p), &a);
                if a.status == StatusCode::OK && list.contains("users") {
                    for u in a.body["data"].as_array().into_iter().flatten() {
                        let v = u[field].as_str().unwrap_or("").to_lowercase();
                        assert!(v.contains(&p.to_lowercase()), "{p:?} matched {u}");
                    }
                }
            }
        }
        for id in [
            p.to_string(),
            format!("admin/{p}"),
            format!("{p}/vic"),
            format!("victim/{p}"),
        ] {
            for lookup in LOOKUPS {
                for who in [&boss, &admin] {
                    let a = send(
                        kit,
                        Method::GET,
                        url(kit, lookup, &[("id", &id)]),
                        None,
                        who,
                    )
                    .await;
                    check(who, &format!("{lookup}?id={:.40}", id), &a);
                }
            }
            // Writes as the organization's administrator only: the global one could really
            // delete what a payload happens to name.
            for change in CHANGES {
                let body = json!({"owner": p, "name": p, "displayName": p, "client_id": p});
                let a = send(
                    kit,
                    Method::POST,
                    url(kit, change, &[("id", &id)]),
                    Some(body),
                    &boss,
                )
                .await;
                no_leak(&format!("{change}?id={:.40}", id), &a);
            }
        }
        for change in CHANGES {
            let body = json!({"owner": p, "name": p, "client_id": p});
            let a = send(kit, Method::POST, url(kit, change, &[]), Some(body), &boss).await;
            no_leak(&format!("{change} body {:.40}", p), &a);
        }
        // JSON body fields of creations.
        for (add, body) in [
            (
                "/api/add-organization",
                json!({"owner": "admin", "name": p, "displayName": p}),
            ),
            (
                "/api/add-application",
                json!({"owner": "admin", "name": p, "organization": p, "redirectUris": [p]}),
            ),
            (
                "/api/add-provider",
                json!({"owner": "admin", "name": p, "category": p, "type": p}),
            ),
            ("/api/add-user", json!({"owner": p, "name": p, "email": p})),
            ("/api/add-user", json!({"owner": "victim", "name": p})),
        ] {
            let a = send(kit, Method::POST, url(kit, add, &[]), Some(body), &boss).await;
            no_leak(&format!("{add} {:.40}", p), &a);
            assert_ne!(
                a.status,
                StatusCode::OK,
                "{add} {p:?} by an organization admin"
            );
        }
        let a = kit
            .post(
                "/api/login",
                json!({"organization": p, "username": p, "password": p}),
                &Auth::None,
            )
            .await;
        no_leak("login", &a);
        assert!(a.status.is_client_error());
        // Token, introspection and revocation: every form field.
        for field in [
            "grant_type",
            "client_id",
            "client_secret",
            "code",
            "username",
            "password",
            "refresh_token",
            "redirect_uri",
            "scope",
            "code_verifier",
            "nonce",
            "avatar",
            "phone_code",
        ] {
            for base in [
                vec![
                    ("grant_type", "password"),
                    ("client_id", victim_client.as_str()),
                ],
                vec![
                    ("tag", "wechat_miniprogram"),
                    ("client_id", victim_client.as_str()),
                ],
                vec![("grant_type", "authorization_code")],
                vec![
                    ("grant_type", "refresh_token"),
                    ("client_id", victim_client.as_str()),
                ],
            ] {
                let mut form = base.clone();
                form.retain(|(k, _)| *k != field);
                form.push((field, p));
                let a = kit.post_form("/api/login/oauth/access_token", &form).await;
                no_leak(&format!("token {field}={:.40}", p), &a);
                assert!(
                    a.status.is_client_error(),
                    "token {field}={p:?}: {}",
                    a.text
                );
            }
        }
        for path in ["/api/login/oauth/introspect", "/api/login/oauth/revoke"] {
            for form in [
                vec![("token", p), ("client_id", victim_client.as_str())],
                vec![("token", "x"), ("client_id", p), ("client_secret", p)],
            ] {
                let a = kit.post_form(path, &form).await;
                no_leak(&format!("{path} {:.40}", p), &a);
            }
        }
        // Credentials: Bearer token, Basic, query client credentials, session cookie.
        for auth in [
            Auth::Bearer(p.to_string()),
            Auth::Basic(p.to_string(), p.to_string()),
            Auth::Cookie(format!("ferrodoor_session={}", p.replace([';', '\0'], ""))),
        ] {
            if matches!(&auth, Auth::Bearer(t) if t.contains('\0')) {
                continue; // not a valid header value: never reaches the server
            }
            let a = send(
                kit,
                Method::GET,
                url(kit, "/api/get-account", &[]),
                None,
                &auth,
            )
            .await;
            no_leak("get-account", &a);
            assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{p:?}: {}", a.text);
        }
        let q = [("clientId", p), ("clientSecret", p)];
        let a = send(
            kit,
            Method::GET,
            url(kit, "/api/get-users", &q),
            None,
            &Auth::None,
        )
        .await;
        no_leak("query client credentials", &a);
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    }

    // The database is intact: nothing added, changed or dropped; the victim is untouched.
    assert_eq!(totals(kit).await, before, "row counts changed");
    let vic = kit.get("/api/get-user?id=victim/vic", &kit.admin).await;
    assert_eq!(vic.ok()["displayName"], VICTIM_MARK);
    let app = kit
        .get("/api/get-application?id=admin/victim-mini", &kit.admin)
        .await;
    assert_eq!(app.ok()["clientId"], victim_client);
    kit.sign_in("victim", "vic", "victim-pass-1").await;
    kit.sign_in("acme", "alice", "alice-pass-1").await;
});

on_both_backends!(odd_numbers_encodings_and_duplicates, |kit| {
    let admin = kit.admin.clone();
    for q in [
        "p=-1",
        "p=0",
        "pageSize=0",
        "pageSize=-5",
        "pageSize=1001",
        "pageSize=4294967295",
        "pageSize=4294967296",
        "pageSize=99999999999999999999999",
        "p=4294967295&pageSize=1000",
        "p=1.5",
        "p=1e3",
        "p=&pageSize=",
        "p=%00",
        "p=%FF%FE",
        "owner=%FF%FE",
        "id=%FF/%FE",
        "id=%C0%AF",
        "p=1&p=2",
        "owner=a&owner=b",
        "sortField=name&sortOrder=sideways",
        "field=password&value=a",
        "field=clientSecret&value=a",
        "sortField=passwordHash",
    ] {
        for list in LISTS {
            let a = kit.get(&format!("{list}?{q}"), &admin).await;
            sane(&format!("{list}?{q}"), &a);
            if q == "p=4294967295&pageSize=1000" && !list.ends_with("count") {
                assert_eq!(
                    a.ok(),
                    &json!([]),
                    "{list}?{q}: a page past the end is empty"
                );
            }
        }
    }
    // Secrets cannot be filtered on (a substring filter would let one guess them).
    let a = kit
        .get("/api/get-applications?field=clientSecret&value=a", &admin)
        .await;
    a.error(400);

    // Form bodies: invalid UTF-8, duplicate keys (different values refused), no body.
    for body in [
        &b"grant_type=password&client_id=\xff\xfe&username=\xc0\xaf"[..],
        b"grant_type=client_credentials&client_id=a&client_id=b",
        b"grant_type=%FF%FE%00",
        b"=&&&==",
        b"",
    ] {
        for path in [
            "/api/login/oauth/access_token",
            "/api/login/oauth/introspect",
            "/login/oauth/authorize",
        ] {
            let a = kit
                .post_raw(
                    path,
                    "application/x-www-form-urlencoded",
                    body.to_vec(),
                    &Auth::None,
                )
                .await;
            sane(&format!("{path} {body:?}"), &a);
            assert!(
                a.status.is_client_error() || a.status.is_redirection(),
                "{path}: {}",
                a.status
            );
        }
    }
    // JSON bodies: nesting past the parser's limit, numbers out of range, wrong types.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    for body in [
        format!("{{\"name\": {deep}}}"),
        r#"{"owner":"admin","name":"n1","organization":"built-in","expireInHours":1e400}"#
            .to_string(),
        r#"{"owner":"admin","name":"n2","organization":"built-in","expireInHours":-1e308}"#
            .to_string(),
        r#"{"owner":"admin","name":"n3","organization":"built-in","expireInHours":1e308}"#
            .to_string(),
        r#"{"owner":"admin","name":"n4","organization":"built-in","refreshExpireInHours":-1}"#
            .to_string(),
        r#"{"owner":"admin","name":["x"],"organization":{"a":1}}"#.to_string(),
        r#"{"owner":"admin","name":"dup","name":"dup2"}"#.to_string(),
        "\u{feff}{}".to_string(),
        "{\"name\": \"\\ud800\"}".to_string(),
    ] {
        for path in [
            "/api/add-application",
            "/api/update-application?id=admin/app-built-in",
            "/api/add-user",
            "/api/login",
        ] {
            let a = kit
                .post_raw(path, "application/json", body.clone(), &admin)
                .await;
            sane(&format!("{path} {:.60}", body), &a);
        }
    }
    // Clean up what a valid-but-odd body may have created.
    for name in ["n1", "n2", "n3", "n4"] {
        kit.post(
            &format!("/api/delete-application?id=admin/{name}"),
            json!({}),
            &admin,
        )
        .await;
    }
    let a = kit
        .get("/api/get-application?id=admin/app-built-in", &admin)
        .await;
    a.ok();
});

on_both_backends!(console_paths_stay_inside_the_embedded_files, |kit| {
    for path in [
        "/console/../Cargo.toml",
        "/console/../../../../etc/passwd",
        "/console/%2e%2e/%2e%2e/Cargo.toml",
        "/console/%2e%2e%2f%2e%2e%2fCargo.toml",
        "/console/..%2f..%2f..%2fetc%2fpasswd",
        "/console/js/../../../crates/http/src/lib.rs",
        "/console//etc/passwd",
        "/console/%2fetc%2fpasswd",
        "/console/..\\..\\Cargo.toml",
        "/console/..%5c..%5cCargo.toml",
        "/console/C:%5cWindows%5cwin.ini",
        "/console/index.html%00.js",
        "/console/%00",
        "/console/%ff%fe",
        "/console/js/%2e%2e/index.html",
        "/console/.%2e/.%2e/Cargo.toml",
        "/console/js/main.js/../../../Cargo.toml",
    ] {
        let (status, answer) = raw_get(kit, path).await;
        assert!(
            (400..500).contains(&status),
            "{path}: {status} {:.200}",
            answer
        );
        for secret in ["[package]", "root:", "ferrodoor_core", "[extensions]"] {
            assert!(
                !answer.contains(secret),
                "{path} served a file: {:.200}",
                answer
            );
        }
    }
    // What is embedded is still served.
    let (status, answer) = raw_get(kit, "/console/js/main.js").await;
    assert_eq!(status, 200, "{answer:.200}");
});

// Regression: a NUL made PostgreSQL fail the query (500) and SQLite's LIKE match every row.
on_both_backends!(nul_characters_are_refused_everywhere, |kit| {
    let (boss, victim_client) = two_organizations(kit).await;
    let a = kit
        .get("/api/get-users?owner=acme&field=name&value=%00", &boss)
        .await;
    assert!(a.error(400).contains("NUL"), "{}", a.text);
    for path in [
        "/api/get-user?id=acme/%00",
        "/api/get-applications?organization=a%00b",
        "/api/get-organization?id=admin/%00",
        "/api/get-users?sortField=%00",
    ] {
        kit.get(path, &kit.admin).await.error(400);
    }
    let a = kit
        .post(
            "/api/add-organization",
            json!({"owner": "admin", "name": "nul", "displayName": "a\u{0}b"}),
            &kit.admin,
        )
        .await;
    a.error(400);
    let a = kit
        .post(
            "/api/update-user?id=acme/boss",
            json!({"tags\u{0}": "x"}),
            &kit.admin,
        )
        .await;
    a.error(400);
    let a = kit
        .post_form(
            "/api/login/oauth/access_token",
            &[
                ("grant_type", "password"),
                ("client_id", &victim_client),
                ("username", "vic\0"),
                ("password", "x"),
            ],
        )
        .await;
    a.error(400);
    assert_eq!(a.body["error"], "invalid_request");
    let a = send(
        kit,
        Method::GET,
        url(
            kit,
            "/api/get-users",
            &[("clientId", "a\0"), ("clientSecret", "b")],
        ),
        None,
        &Auth::None,
    )
    .await;
    a.error(401);
    let a = send(
        kit,
        Method::GET,
        url(kit, "/api/get-account", &[]),
        None,
        &Auth::Basic(victim_client.clone(), "x\0".into()),
    )
    .await;
    a.error(401);
    let a = kit
        .post_raw(
            "/login/oauth/authorize",
            "application/x-www-form-urlencoded",
            "client_id=a%00",
            &Auth::None,
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    // The hosted sign-in page answers a bad query string in HTML, as its other errors.
    for q in ["client_id=a%00", "state=a&state=b"] {
        let res = kit
            .http
            .get(kit.url(&format!("/login/oauth/authorize?{q}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{q}");
        let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
        assert!(content_type.starts_with("text/html"), "{q}: {content_type}");
    }
    // Every list still answers: no table was harmed.
    assert_eq!(totals(kit).await.len(), 4);
});

// Every field the core lets a caller filter or sort on is a column the store knows (a field
// missing from the store's allow-list would be a 500).
on_both_backends!(every_allowed_list_field_filters_and_sorts, |kit| {
    use ferrodoor_core::service::{
        APPLICATION_LIST_FIELDS, ORGANIZATION_LIST_FIELDS, PROVIDER_LIST_FIELDS, USER_LIST_FIELDS,
    };
    for (list, fields) in [
        ("/api/get-organizations", ORGANIZATION_LIST_FIELDS),
        ("/api/get-applications", APPLICATION_LIST_FIELDS),
        ("/api/get-providers", PROVIDER_LIST_FIELDS),
        ("/api/get-global-users", USER_LIST_FIELDS),
    ] {
        for field in fields {
            for order in ["ascend", "descend"] {
                let q = [
                    ("sortField", *field),
                    ("sortOrder", order),
                    ("pageSize", "5"),
                ];
                let a = send(kit, Method::GET, url(kit, list, &q), None, &kit.admin).await;
                a.ok();
            }
            let q = [("field", *field), ("value", "' OR '1'='1")];
            let a = send(kit, Method::GET, url(kit, list, &q), None, &kit.admin).await;
            assert_eq!(a.ok(), &json!([]), "{list} field {field}");
        }
    }
});

// Regression: `expireInHours: 1e308` was accepted and the next token request panicked on
// the expiry arithmetic.
on_both_backends!(token_lifetimes_are_bounded, |kit| {
    for (field, value) in [
        ("expireInHours", json!(1e308)),
        ("expireInHours", json!(87_601)),
        ("refreshExpireInHours", json!(1e300)),
    ] {
        let a = kit
            .post(
                "/api/add-application",
                json!({"owner": "admin", "name": "huge", "organization": "built-in", field: value}),
                &kit.admin,
            )
            .await;
        assert!(a.error(400).contains(field), "{}", a.text);
    }
    let a = kit
        .post(
            "/api/add-application",
            json!({"owner": "admin", "name": "decade", "organization": "built-in",
                   "expireInHours": 87_600, "grantTypes": ["password"]}),
            &kit.admin,
        )
        .await;
    let client_id = a.body["data2"]["clientId"].as_str().unwrap().to_string();
    let a = kit
        .post_form(
            "/api/login/oauth/access_token",
            &[
                ("grant_type", "password"),
                ("client_id", &client_id),
                ("username", "admin"),
                ("password", crate::kit::ADMIN_PASSWORD),
            ],
        )
        .await;
    a.ok_status();
    assert_eq!(a.body["expires_in"], 87_600_i64 * 3600);
});
