use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Organization {
    pub owner: String,
    pub name: String,
    pub created_time: String,
    pub display_name: String,
    pub website_url: String,
    pub favicon: String,
    /// How new passwords are hashed. Ferrodoor always uses argon2id; the field is kept
    /// because Casdoor clients send and expect it.
    pub password_type: String,
    pub default_avatar: String,
    pub default_application: String,
    /// Wrong passwords in a row before an account is frozen; 0: Casdoor's default (5).
    pub failed_signin_limit: i64,
    /// Minutes a frozen account refuses password sign-ins; 0: Casdoor's default (15).
    pub failed_signin_frozen_time: i64,
}

impl Organization {
    pub const FIELDS: &'static [&'static str] = &[
        "owner",
        "name",
        "createdTime",
        "displayName",
        "websiteUrl",
        "favicon",
        "passwordType",
        "defaultAvatar",
        "defaultApplication",
        "failedSigninLimit",
        "failedSigninFrozenTime",
    ];
}
