use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A user, unique by (`owner`, `name`); `id` is a UUID unique across organizations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct User {
    pub owner: String,
    pub name: String,
    pub created_time: String,
    pub updated_time: String,
    pub id: String,
    #[serde(rename = "type")]
    pub type_: String,
    /// On input: a new plaintext password. On output: `***` when one is set, else empty.
    /// The hash lives in [`User::password_hash`] and never leaves the server.
    pub password: String,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
    pub avatar: String,
    pub email: String,
    pub email_verified: bool,
    pub phone: String,
    pub country_code: String,
    pub region: String,
    pub location: String,
    pub affiliation: String,
    pub title: String,
    pub homepage: String,
    pub bio: String,
    pub tag: String,
    pub language: String,
    pub gender: String,
    pub birthday: String,
    pub is_admin: bool,
    pub is_forbidden: bool,
    pub is_deleted: bool,
    pub signup_application: String,
    /// Casdoor's WeChat column: the openid (or unionid) of the user's WeChat identity.
    pub wechat: String,
    pub properties: BTreeMap<String, String>,
    /// Wrong passwords since the last good one (see `service::signin_limit`); an
    /// administrator may set it to 0 to unfreeze the account.
    pub signin_wrong_times: i64,
    /// When the last wrong password was given, RFC 3339; empty when none.
    pub last_signin_wrong_time: String,
}

impl User {
    pub const FIELDS: &'static [&'static str] = &[
        "owner",
        "name",
        "createdTime",
        "updatedTime",
        "id",
        "type",
        "password",
        "displayName",
        "firstName",
        "lastName",
        "avatar",
        "email",
        "emailVerified",
        "phone",
        "countryCode",
        "region",
        "location",
        "affiliation",
        "title",
        "homepage",
        "bio",
        "tag",
        "language",
        "gender",
        "birthday",
        "isAdmin",
        "isForbidden",
        "isDeleted",
        "signupApplication",
        "wechat",
        "properties",
        "signinWrongTimes",
        "lastSigninWrongTime",
    ];

    /// Fields a user may change on themselves. Everything else (identity, flags, linked
    /// accounts, properties, password) is admin-only or has its own endpoint.
    pub const SELF_EDITABLE: &'static [&'static str] = &[
        "displayName",
        "firstName",
        "lastName",
        "avatar",
        "region",
        "location",
        "affiliation",
        "title",
        "homepage",
        "bio",
        "language",
        "gender",
        "birthday",
    ];

    pub fn id_string(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// Whether the user may still use the server (and their tokens).
    pub fn is_active(&self) -> bool {
        !self.is_forbidden && !self.is_deleted
    }

    /// The user as any API shows it: the password is never shown, only whether one is set.
    pub fn masked(mut self) -> Self {
        self.password = if self.password_hash.is_some() {
            super::MASK.to_string()
        } else {
            String::new()
        };
        self.password_hash = None;
        self
    }
}
