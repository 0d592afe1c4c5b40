//! The OpenAPI document the server serves describes the server that serves it.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::on_both_backends;

on_both_backends!(every_documented_operation_is_served, |kit| {
    let doc = kit.get("/api/openapi.json", &crate::kit::Auth::None).await;
    assert_eq!(doc.status, StatusCode::OK);
    let alias = kit
        .get("/swagger/openapi.json", &crate::kit::Auth::None)
        .await;
    assert_eq!(alias.body, doc.body);
    let doc = doc.body;
    let discovery = kit
        .get("/.well-known/openid-configuration", &crate::kit::Auth::None)
        .await;
    assert_eq!(doc["servers"][0]["url"], discovery.body["issuer"]);
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() > 50, "{} paths", paths.len());
    let mut checked = 0;
    for (path, item) in paths {
        let concrete = path
            .replace("{path}", "index.html")
            .replace("{file}", "MP_verify_none.txt");
        for method in item.as_object().expect("path item").keys() {
            let method: Method = method.to_uppercase().parse().expect("method");
            let res = kit
                .http
                .request(method.clone(), kit.url(&concrete))
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let status = res.status();
            let body: Value = res.json().await.unwrap_or(Value::Null);
            let fallback = body["msg"]
                .as_str()
                .is_some_and(|m| m.starts_with("no such endpoint"));
            assert!(
                status != StatusCode::METHOD_NOT_ALLOWED && !fallback,
                "{method} {path}: {status} {body}"
            );
            assert!(
                !status.is_server_error(),
                "{method} {path}: {status} {body}"
            );
            checked += 1;
        }
    }
    assert!(checked >= paths.len());
});
