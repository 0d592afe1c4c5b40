//! Entities with Casdoor's JSON field names (camelCase), so Casdoor clients keep working.
//!
//! Deserialization is lenient (unknown fields are ignored) because `init_data.json` files
//! exported from Casdoor carry many fields Ferrodoor does not model. The management API is
//! strict instead: it checks field names with [`crate::fields`] before deserializing.

/// `Debug` for an entity that holds a secret: names it by its key fields only, so no
/// `{:?}` in a log or a panic message can show the secret (client secret, AppSecret,
/// webhook key, adapter password).
macro_rules! debug_without_secrets {
    ($ty:ident: $($field:ident),+) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field(stringify!($field), &self.$field))+
                    .finish_non_exhaustive()
            }
        }
    };
}
pub(crate) use debug_without_secrets;

mod application;
mod authorization_code;
mod authz;
mod casdoor_session;
mod cert;
mod identity;
mod identity_event;
mod organization;
mod provider;
mod record;
mod scan_ticket;
mod session;
mod token;
mod user;
mod verification_file;
mod webhook;

pub use application::{Application, MAX_TOKEN_HOURS, ProviderItem, valid_token_hours};
pub use authorization_code::AuthorizationCode;
pub use authz::{Adapter, AuthzObject, Enforcer, Group, Model, Permission, Role};
pub use casdoor_session::CasdoorSession;
pub use cert::Cert;
pub use identity::WeChatIdentity;
pub use identity_event::IdentityEvent;
pub use organization::Organization;
pub use provider::{Provider, ProviderKind};
pub use record::Record;
pub use scan_ticket::{ScanTicket, scan_status};
pub use session::Session;
pub use token::Token;
pub use user::User;
pub use verification_file::{
    MAX_VERIFICATION_FILE_BYTES, VerificationFile, is_verification_file_name,
};
pub use webhook::{Webhook, WebhookDelivery, WebhookHeader};

/// The owner Casdoor gives to global objects (organizations, applications, certs).
pub const GLOBAL_OWNER: &str = "admin";
/// The organization whose admins administer everything.
pub const BUILT_IN_ORG: &str = "built-in";
/// The application of the built-in organization (used by the admin console).
pub const BUILT_IN_APP: &str = "app-built-in";
/// The default signing certificate.
pub const BUILT_IN_CERT: &str = "cert-built-in";
/// What a secret reads as when it is not shown (Casdoor's convention, so clients that
/// send an object back unchanged do not overwrite the secret).
pub const MASK: &str = "***";

/// The name of a row of a table that only grows (tokens, records, webhook deliveries): a
/// UUID v7, ordered by time, so new rows go to the end of the key's index and the rows of
/// one commit share its pages (a random v4 dirtied one index page per row). It carries
/// the creation time, which these rows show anyway, and 74 random bits; it is never a
/// secret (the refresh token is).
pub fn append_only_name() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Casdoor's `owner/name` identifier.
pub fn split_id(id: &str) -> Option<(&str, &str)> {
    let (owner, name) = id.split_once('/')?;
    if owner.is_empty() || name.is_empty() || name.contains('/') {
        return None;
    }
    Some((owner, name))
}

pub(crate) fn default_true() -> bool {
    true
}

/// Names become URL path parts (`owner/name`) and cookie subjects: letters, digits and
/// `-_.@+`, 1 to 100 characters, not starting with a dot.
pub fn validate_name(kind: &str, name: &str) -> crate::error::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | '+'));
    if ok {
        Ok(())
    } else {
        Err(crate::error::Error::invalid(format!(
            "invalid {kind} name {name:?}: use 1-100 letters, digits or -_.@+"
        )))
    }
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_a_secret() {
        let app = Application {
            client_secret: "app-secret-1".into(),
            ..Application::default()
        };
        let provider = Provider {
            client_secret: "wx-appsecret-2".into(),
            client_secret2: "secret-3".into(),
            ..Provider::default()
        };
        let webhook = Webhook {
            secret: "hook-key-4".into(),
            secret_sealed: "sealed-5".into(),
            ..Webhook::default()
        };
        let adapter = Adapter {
            password: "db-password-6".into(),
            ..Adapter::default()
        };
        let printed = format!("{app:?} {provider:?} {webhook:?} {adapter:?} {app:#?}");
        for secret in [
            "app-secret-1",
            "wx-appsecret-2",
            "secret-3",
            "hook-key-4",
            "sealed-5",
            "db-password-6",
        ] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert!(printed.contains("Application") && printed.contains("client_id"));
    }
}
