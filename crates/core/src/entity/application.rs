use serde::{Deserialize, Serialize};

use super::{Provider, default_true};

/// One provider an application uses, in the order the application lists them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProviderItem {
    pub owner: String,
    pub name: String,
    /// Omitted means allowed: Casdoor's UI always sends both, and an item added by hand
    /// without them should not lock everyone out.
    #[serde(default = "default_true")]
    pub can_sign_up: bool,
    #[serde(default = "default_true")]
    pub can_sign_in: bool,
    pub can_unlink: bool,
    pub prompted: bool,
    pub rule: String,
    /// Filled in when read (Casdoor does the same); never stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<Provider>,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Application {
    pub owner: String,
    pub name: String,
    pub created_time: String,
    pub display_name: String,
    pub logo: String,
    pub homepage_url: String,
    pub description: String,
    pub organization: String,
    /// Name of the signing certificate; empty means the built-in one.
    pub cert: String,
    #[serde(default = "default_true")]
    pub enable_password: bool,
    #[serde(default = "default_true")]
    pub enable_sign_up: bool,
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub token_format: String,
    pub expire_in_hours: f64,
    pub refresh_expire_in_hours: f64,
    pub providers: Vec<ProviderItem>,
}

impl Default for Application {
    fn default() -> Self {
        Application {
            owner: super::GLOBAL_OWNER.to_string(),
            name: String::new(),
            created_time: String::new(),
            display_name: String::new(),
            logo: String::new(),
            homepage_url: String::new(),
            description: String::new(),
            organization: String::new(),
            cert: String::new(),
            enable_password: true,
            enable_sign_up: true,
            client_id: String::new(),
            client_secret: String::new(),
            redirect_uris: Vec::new(),
            grant_types: Vec::new(),
            token_format: "JWT".to_string(),
            expire_in_hours: 168.0,
            refresh_expire_in_hours: 168.0,
            providers: Vec::new(),
        }
    }
}

impl Application {
    pub const FIELDS: &'static [&'static str] = &[
        "owner",
        "name",
        "createdTime",
        "displayName",
        "logo",
        "homepageUrl",
        "description",
        "organization",
        "cert",
        "enablePassword",
        "enableSignUp",
        "clientId",
        "clientSecret",
        "redirectUris",
        "grantTypes",
        "tokenFormat",
        "expireInHours",
        "refreshExpireInHours",
        "providers",
    ];

    /// Access-token lifetime in seconds (Casdoor's `expireInHours`, fractional hours allowed).
    pub fn access_token_seconds(&self) -> i64 {
        hours_to_seconds(self.expire_in_hours, 168.0)
    }

    /// Refresh-token lifetime; Casdoor falls back to the access-token lifetime when 0.
    pub fn refresh_token_seconds(&self) -> i64 {
        if self.refresh_expire_in_hours > 0.0 {
            hours_to_seconds(self.refresh_expire_in_hours, 168.0)
        } else {
            self.access_token_seconds()
        }
    }
}

/// The longest token lifetime an application may set: ten years. Far larger values would
/// overflow expiry times (found by fuzz/manage_json).
pub const MAX_TOKEN_HOURS: f64 = 87_600.0;

/// Whole seconds, at least one and at most [`MAX_TOKEN_HOURS`] (values stored before the
/// update-application check existed are brought into range too).
fn hours_to_seconds(hours: f64, default_hours: f64) -> i64 {
    let h = if hours.is_finite() && hours > 0.0 {
        hours.min(MAX_TOKEN_HOURS)
    } else {
        default_hours
    };
    ((h * 3600.0).round() as i64).max(1)
}

/// Whether `hours` is a lifetime an application may set: at least one second (rounded),
/// at most [`MAX_TOKEN_HOURS`].
pub fn valid_token_hours(hours: f64) -> bool {
    hours.is_finite() && (hours * 3600.0).round() >= 1.0 && hours <= MAX_TOKEN_HOURS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_are_bounded_and_default_when_unusable() {
        assert_eq!(hours_to_seconds(2.0, 168.0), 7200);
        assert_eq!(hours_to_seconds(f64::NAN, 168.0), 168 * 3600);
        assert_eq!(hours_to_seconds(-1.0, 168.0), 168 * 3600);
        let max = (MAX_TOKEN_HOURS * 3600.0) as i64;
        assert_eq!(hours_to_seconds(1e308, 168.0), max);
        assert_eq!(hours_to_seconds(f64::MAX, 168.0), max);
    }
}

super::debug_without_secrets!(Application: name, organization, client_id);
