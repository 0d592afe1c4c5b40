//! `applications`: rows, list allow-list and queries. Lists are JSON text columns.

use ferrodoor_core::entity::{Application, ProviderItem};
use ferrodoor_core::store::StoreResult;

use crate::error::to_json;

crate::tables::table! {
    /// The client secret is never listed or matched.
    ApplicationRow for Application in "applications" {
        key {
            name: String = "name", list("name", Text);
        }
        columns {
            owner: String = "owner", list("owner", Text);
            created_time: String = "created_time", list("createdTime", Text);
            display_name: String = "display_name", list("displayName", Text);
            logo: String = "logo", list("logo", Text);
            homepage_url: String = "homepage_url", list("homepageUrl", Text);
            description: String = "description", list("description", Text);
            organization: String = "organization", list("organization", Text);
            cert: String = "cert", list("cert", Text);
            enable_password: bool = "enable_password", list("enablePassword", Bool);
            enable_sign_up: bool = "enable_sign_up", list("enableSignUp", Bool);
            client_id: String = "client_id", list("clientId", Text);
            client_secret: String = "client_secret", secret;
            redirect_uris: String = "redirect_uris", list("redirectUris", Text), json;
            grant_types: String = "grant_types", list("grantTypes", Text), json;
            token_format: String = "token_format", list("tokenFormat", Text);
            expire_in_hours: f64 = "expire_in_hours", list("expireInHours", Number);
            refresh_expire_in_hours: f64 = "refresh_expire_in_hours",
                list("refreshExpireInHours", Number);
            providers: String = "providers", list("providers", Text),
                json(providers_json);
        }
        conflict = |app, db_message| conflict_message(app, db_message);
        reference = |app| format!("organization {} does not exist", app.organization);
    }
}

/// The resolved provider is filled in when read (as Casdoor does), never stored.
pub(crate) fn providers_json(items: &[ProviderItem]) -> StoreResult<String> {
    let items: Vec<ProviderItem> = items
        .iter()
        .map(|item| ProviderItem {
            provider: None,
            ..item.clone()
        })
        .collect();
    to_json(&items)
}

pub(crate) const FIND_BY_CLIENT_ID: &str = "SELECT * FROM applications WHERE client_id = $1";

pub(crate) fn conflict_message(app: &Application, db_message: &str) -> String {
    if db_message.contains("client_id") {
        format!("client_id {} already in use", app.client_id)
    } else {
        format!("application {} already exists", app.name)
    }
}

/// Expands the application queries for the backend in scope; see [`crate::backend`].
macro_rules! application_queries {
    () => {
        pub(crate) async fn get_application_by_client_id(
            c: &mut Conn,
            client_id: &str,
        ) -> StoreResult<Option<Application>> {
            let sql = applications::FIND_BY_CLIENT_ID;
            fetch_optional::<ApplicationRow>(c, sql, vec![client_id.into()]).await
        }
    };
}
pub(crate) use application_queries;
