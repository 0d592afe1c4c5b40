//! Route table. Paths and JSON shapes are Casdoor's.
//!
//! Every route is listed once, in [`table!`], which builds both the router and [`ROUTES`]
//! (path and methods): the OpenAPI document (`crates/http/openapi.json`) is checked against
//! that list, so a route cannot be added without documenting it.

mod account;
mod authorize;
mod authz;
mod authz_policies;
mod casdoor_reads;
mod certs;
mod dashboard;
mod management;
mod oauth;
mod ops;
mod sign_ins;
pub(crate) mod token;
mod users;
mod verification_files;
mod wechat;
mod wechat_scan;
mod wechat_web;
mod wellknown;

use axum::Router;

pub(crate) use authorize::failure_page;

use crate::AppState;
use crate::console;
use authz as z;
use ferrodoor_core::entity::{Adapter, Enforcer, Group, Model, Permission, Role};
use management as m;

/// `path => method(handler).method(handler)…;` → the router and the (path, methods) list.
macro_rules! table {
    ($($path:literal => $m1:ident($h1:path) $(. $m:ident($h:path))*;)*) => {
        /// Every route served: (path in axum syntax, lowercase methods).
        pub const ROUTES: &[(&str, &[&str])] = &[$(($path, &[stringify!($m1) $(, stringify!($m))*])),*];

        pub fn routes() -> Router<AppState> {
            Router::new()
                $(.route($path, axum::routing::$m1($h1) $(.$m($h))*))*
                .fallback(wellknown::not_found)
        }
    };
}

table! {
    // OAuth 2.0 / OpenID Connect
    "/api/login/oauth/access_token" => post(token::token_endpoint);
    "/oauth/token" => post(token::token_endpoint);
    "/api/login/oauth/refresh_token" => post(token::token_endpoint);
    "/login/oauth/authorize" => get(authorize::authorize_page).post(authorize::authorize_submit);
    "/api/login/oauth/introspect" => post(oauth::introspect);
    "/api/login/oauth/revoke" => post(oauth::revoke);
    "/.well-known/openid-configuration" => get(wellknown::discovery);
    "/.well-known/jwks" => get(wellknown::jwks);
    // WeChat
    "/api/bind-wechat" => post(wechat::bind);
    "/api/unbind-wechat" => post(wechat::unbind);
    "/api/get-identity-events" => get(wechat::events);
    "/api/wechat/decrypt" => post(wechat::decrypt);
    "/api/wechat/verify-signature" => post(wechat::verify_signature);
    "/login/wechat" => get(wechat_web::start);
    "/login/wechat/callback" => get(wechat_web::callback);
    "/login/wechat/scan" => get(wechat_scan::page);
    "/login/wechat/scan/status" => get(wechat_scan::status);
    "/api/wechat/scan-login" => post(wechat_scan::answer);
    // Account
    "/api/login" => post(account::login);
    "/api/logout" => get(account::logout).post(account::logout);
    "/api/get-account" => get(account::get_account);
    "/api/userinfo" => get(account::userinfo).post(account::userinfo);
    // Server
    "/api/health" => get(wellknown::health);
    "/api/openapi.json" => get(wellknown::openapi);
    // Casdoor serves its API description under /swagger.
    "/swagger/openapi.json" => get(wellknown::openapi);
    "/api/get-server-info" => get(m::get_server_info);
    "/api/metrics" => get(crate::telemetry::metrics_endpoint);
    // Management
    "/api/get-organizations" => get(m::get_organizations);
    "/api/get-organization" => get(m::get_organization);
    "/api/add-organization" => post(m::add_organization);
    "/api/update-organization" => post(m::update_organization);
    "/api/delete-organization" => post(m::delete_organization);
    "/api/get-applications" => get(m::get_applications);
    "/api/get-organization-applications" => get(m::get_applications);
    "/api/get-application" => get(m::get_application);
    "/api/add-application" => post(m::add_application);
    "/api/update-application" => post(m::update_application);
    "/api/delete-application" => post(m::delete_application);
    "/api/regenerate-client-secret" => post(m::regenerate_client_secret);
    "/api/rotate-cert" => post(m::rotate_cert);
    "/api/get-providers" => get(m::get_providers);
    "/api/get-global-providers" => get(m::get_providers);
    "/api/get-provider" => get(m::get_provider);
    "/api/add-provider" => post(m::add_provider);
    "/api/update-provider" => post(m::update_provider);
    "/api/delete-provider" => post(m::delete_provider);
    "/api/get-users" => get(m::get_users);
    "/api/get-global-users" => get(m::get_users);
    "/api/get-user-count" => get(m::get_user_count);
    "/api/get-user" => get(users::get_user);
    "/api/add-user" => post(m::add_user);
    "/api/update-user" => post(users::update_user);
    "/api/delete-user" => post(m::delete_user);
    "/api/get-user-identities" => get(m::get_user_identities);
    "/api/revoke-user-tokens" => post(m::revoke_user_tokens);
    // Authorization (Casbin)
    "/api/get-models" => get(z::list::<Model>);
    "/api/get-model" => get(z::get::<Model>);
    "/api/add-model" => post(z::add::<Model>);
    "/api/update-model" => post(z::update::<Model>);
    "/api/delete-model" => post(z::delete::<Model>);
    "/api/get-permissions" => get(z::list::<Permission>);
    "/api/get-permission" => get(z::get::<Permission>);
    "/api/add-permission" => post(z::add::<Permission>);
    "/api/update-permission" => post(z::update::<Permission>);
    "/api/delete-permission" => post(z::delete::<Permission>);
    "/api/get-permissions-by-role" => get(z::permissions_by_role);
    "/api/get-roles" => get(z::list::<Role>);
    "/api/get-role" => get(z::get::<Role>);
    "/api/add-role" => post(z::add::<Role>);
    "/api/update-role" => post(z::update::<Role>);
    "/api/delete-role" => post(z::delete::<Role>);
    "/api/get-groups" => get(authz_policies::get_groups);
    "/api/get-group" => get(z::get::<Group>);
    "/api/add-group" => post(z::add::<Group>);
    "/api/update-group" => post(z::update::<Group>);
    "/api/delete-group" => post(z::delete::<Group>);
    "/api/get-adapters" => get(z::list::<Adapter>);
    "/api/get-adapter" => get(z::get::<Adapter>);
    "/api/add-adapter" => post(z::add::<Adapter>);
    "/api/update-adapter" => post(z::update::<Adapter>);
    "/api/delete-adapter" => post(z::delete::<Adapter>);
    "/api/get-enforcers" => get(z::list::<Enforcer>);
    "/api/get-enforcer" => get(z::get::<Enforcer>);
    "/api/add-enforcer" => post(z::add::<Enforcer>);
    "/api/update-enforcer" => post(z::update::<Enforcer>);
    "/api/delete-enforcer" => post(z::delete::<Enforcer>);
    "/api/enforce" => post(z::enforce);
    "/api/batch-enforce" => post(z::batch_enforce);
    "/api/explain-enforce" => post(z::explain_enforce);
    // Policy endpoints and Casbin helper reads (issue 12)
    "/api/get-policies" => get(authz_policies::get_policies);
    "/api/get-filtered-policies" => post(authz_policies::get_filtered_policies);
    "/api/add-policy" => post(authz_policies::add_policy);
    "/api/update-policy" => post(authz_policies::update_policy);
    "/api/remove-policy" => post(authz_policies::remove_policy);
    "/api/get-all-objects" => get(authz_policies::get_all_objects);
    "/api/get-all-actions" => get(authz_policies::get_all_actions);
    "/api/get-all-roles" => get(authz_policies::get_all_roles);
    "/api/get-permissions-by-submitter" => get(authz_policies::get_permissions_by_submitter);
    // Casdoor's SDKs (issue 13)
    "/api/get-sorted-users" => get(users::get_sorted_users);
    "/api/set-password" => post(users::set_password);
    "/api/check-user-password" => post(users::check_user_password);
    "/api/signup" => post(users::signup);
    "/api/get-certs" => get(casdoor_reads::get_certs);
    "/api/get-global-certs" => get(casdoor_reads::get_certs);
    "/api/get-cert" => get(casdoor_reads::get_cert);
    "/api/get-organization-names" => get(casdoor_reads::get_organization_names);
    // Records and webhooks
    "/api/get-records" => get(ops::get_records);
    "/api/get-record" => get(ops::get_record);
    "/api/get-webhooks" => get(ops::get_webhooks);
    "/api/get-webhook" => get(ops::get_webhook);
    "/api/get-webhook-deliveries" => get(ops::get_webhook_deliveries);
    "/api/add-webhook" => post(ops::add_webhook);
    "/api/update-webhook" => post(ops::update_webhook);
    "/api/delete-webhook" => post(ops::delete_webhook);
    // WeChat business-domain verification files (served at the origin's root)
    "/api/get-verification-file" => get(verification_files::get);
    "/api/upload-verification-file" => post(verification_files::upload);
    "/api/delete-verification-file" => post(verification_files::delete);
    "/{file}" => get(verification_files::serve);
    // The console's dashboard (issue 16)
    "/api/get-record-stats" => get(dashboard::get_record_stats);
    // Casdoor's sessions, sso-logout, tokens and certificate changes (issue 13)
    "/api/sso-logout" => get(sign_ins::sso_logout).post(sign_ins::sso_logout);
    "/api/get-sessions" => get(sign_ins::get_sessions);
    "/api/get-session" => get(sign_ins::get_session);
    "/api/add-session" => post(sign_ins::add_session);
    "/api/update-session" => post(sign_ins::update_session);
    "/api/delete-session" => post(sign_ins::delete_session);
    "/api/is-session-duplicated" => get(sign_ins::is_session_duplicated);
    "/api/get-tokens" => get(sign_ins::get_tokens);
    "/api/get-token" => get(sign_ins::get_token);
    "/api/add-token" => post(sign_ins::add_token);
    "/api/update-token" => post(sign_ins::update_token);
    "/api/delete-token" => post(sign_ins::delete_token);
    "/api/add-cert" => post(certs::add_cert);
    "/api/update-cert" => post(certs::update_cert);
    "/api/delete-cert" => post(certs::delete_cert);
    // Admin console
    "/" => get(console::to_console);
    "/console" => get(console::to_console);
    "/console/" => get(console::index);
    "/console/{*path}" => get(console::asset);
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::ROUTES;
    use super::wellknown::OPENAPI;

    const METHODS: &[&str] = &[
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];

    /// (OpenAPI path, method) of every route the router serves.
    fn served() -> BTreeSet<(String, String)> {
        ROUTES
            .iter()
            .flat_map(|(path, methods)| {
                let path = path.replace("{*", "{");
                methods.iter().map(move |m| (path.clone(), m.to_string()))
            })
            .collect()
    }

    fn documented() -> BTreeSet<(String, String)> {
        let doc: Value = serde_json::from_str(OPENAPI).expect("openapi.json is JSON");
        let paths = doc["paths"].as_object().expect("paths");
        paths
            .iter()
            .flat_map(|(path, item)| {
                let item = item.as_object().expect("path item");
                item.keys()
                    .filter(|k| METHODS.contains(&k.as_str()))
                    .map(move |m| (path.clone(), m.clone()))
            })
            .collect()
    }

    #[test]
    fn every_route_is_documented_and_every_documented_route_served() {
        let (served, documented) = (served(), documented());
        let undocumented: Vec<_> = served.difference(&documented).collect();
        let unserved: Vec<_> = documented.difference(&served).collect();
        assert!(
            undocumented.is_empty() && unserved.is_empty(),
            "served but not in crates/http/openapi.json: {undocumented:?}; \
             documented but not served: {unserved:?}"
        );
        assert!(served.len() > 50, "the route table lost routes");
    }

    #[test]
    fn every_reference_resolves() {
        let doc: Value = serde_json::from_str(OPENAPI).expect("openapi.json is JSON");
        fn walk(v: &Value, doc: &Value, bad: &mut Vec<String>) {
            match v {
                Value::Object(map) => {
                    if let Some(Value::String(r)) = map.get("$ref") {
                        let pointer = r.trim_start_matches('#');
                        if doc.pointer(pointer).is_none() {
                            bad.push(r.clone());
                        }
                    }
                    map.values().for_each(|v| walk(v, doc, bad));
                }
                Value::Array(items) => items.iter().for_each(|v| walk(v, doc, bad)),
                _ => {}
            }
        }
        let mut bad = Vec::new();
        walk(&doc, &doc, &mut bad);
        assert!(bad.is_empty(), "dangling $ref: {bad:?}");
        assert_eq!(doc["openapi"], "3.1.0");
    }
}
