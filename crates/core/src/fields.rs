//! Strict reading of management-API bodies and partial updates.
//!
//! Casdoor replaces a whole object on update and silently wipes what the client left out.
//! Ferrodoor merges instead: only the fields present in the body change.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Fields Casdoor's own clients send that Ferrodoor accepts but does not model (so that
/// Casdoor SDKs keep working). Anything outside these lists and an entity's `FIELDS` is a
/// typo or a misunderstanding and is refused.
#[rustfmt::skip]
pub const CASDOOR_IGNORED_USER_FIELDS: &[&str] = &[
    "accessKey", "accessSecret", "accessToken", "address", "addresses", "adfs", "alipay",
    "amazon", "apple", "applicationScopes", "auth0", "avatarType", "azureAd", "azuread",
    "azureadb2c", "baidu", "balance", "balanceCredit", "balanceCurrency", "battleNet",
    "battlenet", "bilibili", "bitbucket", "box", "cart", "casdoor", "cloudFoundry",
    "cloudfoundry", "createdIp", "currency", "custom", "custom10", "custom2", "custom3",
    "custom4", "custom5", "custom6", "custom7", "custom8", "custom9", "customs", "dailymotion",
    "deezer", "deletedTime", "digitalOcean", "digitalocean", "dingtalk", "discord", "douyin",
    "dropbox", "education", "eveOnline", "eveonline", "externalId", "faceIds", "facebook",
    "fitbit", "gitea", "gitee", "github", "gitlab", "google", "groups", "hash", "heroku",
    "idCard", "idCardType", "influxCloud", "influxcloud", "infoflow", "instagram", "intercom",
    "invitation", "invitationCode", "ipWhitelist", "isDefaultAvatar", "isGlobalAdmin",
    "isOnline", "isVerified", "kakao", "karma", "kwai", "lark", "lastChangePasswordTime",
    "lastSigninIp", "lastSigninTime", "lastfm", "ldap", "line",
    "linkedin", "mailru", "managedAccounts", "meetup", "metaMask", "metamask", "mfaAccounts",
    "mfaEmailEnabled", "mfaItems", "mfaPhoneEnabled", "mfaPushEnabled", "mfaPushProvider",
    "mfaPushReceiver", "mfaRadiusEnabled", "mfaRadiusProvider", "mfaRadiusUsername",
    "mfaRememberDeadline", "microsoftOnline", "microsoftonline", "multiFactorAuths", "naver",
    "needUpdatePassword", "nextcloud", "oidc", "okta", "onedrive", "originalRefreshToken",
    "originalToken", "oura", "passwordChangeRequired", "passwordSalt", "passwordType",
    "patreon", "paypal", "permanentAvatar", "permissions", "preHash", "preferredMfaType", "qq",
    "ranking", "realName", "recoveryCodes", "registerSource", "registerType", "roles",
    "salesForce", "salesforce", "score", "shopify", "slack", "soundcloud",
    "spotify", "steam", "strava", "stripe", "telegram", "thirdPartyLinks", "tiktok",
    "totpSecret", "tumblr", "twitch", "twitter", "typetalk", "uber", "uidNumber", "vk",
    "web3Onboard", "web3onboard", "webauthnCredentials", "wecom", "weibo", "wepay", "xero",
    "yahoo", "yammer", "yandex", "zoom",
];
#[rustfmt::skip]
pub const CASDOOR_IGNORED_ORGANIZATION_FIELDS: &[&str] = &[
    "accountItems",
    "countryCodes",
    "languages",
    "masterPassword",
    "tags",
    "initScore",
    "enableSoftDeletion",
    "isProfilePublic",
    "mfaItems",
    "themeData",
    "passwordOptions",
    "logo",
    "logoDark",
    "userTypes",
    "defaultPassword",
    "masterVerificationCode",
    "ipWhitelist",
    "hasPrivilegeConsent",
    "useEmailAsUsername",
    "enableTour",
    "navItems",
    "widgetItems",
    "ipRestriction",
    "passwordObfuscatorType",
    "passwordObfuscatorKey",
    "passwordExpireDays",
    "disableSignin",
    "balancePrecision",
    "passwordSalt",
    "mfaRememberInHours",
    "orgBalance",
];
pub const CASDOOR_IGNORED_APPLICATION_FIELDS: &[&str] = &[
    "title",
    "favicon",
    "enableAutoSignin",
    "enableCodeSignin",
    "enableSamlCompress",
    "enableSamlC14n10",
    "enableSamlPostBinding",
    "useEmailAsSamlNameId",
    "enableWebAuthn",
    "enableLinkWithEmail",
    "orgChoiceMode",
    "samlReplyUrl",
    "signinMethods",
    "signupItems",
    "signinItems",
    "grantTypes2",
    "tags",
    "samlAttributes",
    "isShared",
    "ipRestriction",
    "tokenSigningMethod",
    "tokenFields",
    "tokenAttributes",
    "formOffset",
    "formCss",
    "formCssMobile",
    "formSideHtml",
    "formBackgroundUrl",
    "formBackgroundUrlMobile",
    "signupUrl",
    "signinUrl",
    "forgetUrl",
    "affiliationUrl",
    "termsOfUse",
    "signupHtml",
    "signinHtml",
    "themeData",
    "footerHtml",
    "failedSigninLimit",
    "failedSigninFrozenTime",
    "certPublicKey",
    "organizationObj",
    "invitationCodes",
    "defaultGroup",
    "headerHtml",
    "cookieExpireInHours",
    "disableSignin",
    "enableGuestSignin",
    "enableExclusiveSignin",
    "enableSigninSession",
    "enableSamlC14n11",
    "order",
];
pub const CASDOOR_IGNORED_PROVIDER_FIELDS: &[&str] = &[
    "method",
    "userMapping",
    "httpHeaders",
    "host",
    "port",
    "disableSsl",
    "title",
    "content",
    "receiver",
    "regionId",
    "signName",
    "templateCode",
    "appId",
    "endpoint",
    "intranetEndpoint",
    "domain",
    "bucket",
    "pathPrefix",
    "metadata",
    "idP",
    "issuerUrl",
    "enableSignAuthnRequest",
    "emailRegex",
    "enableProxy",
    "enablePkce",
    "scopes",
    "customAuthUrl",
    "customTokenUrl",
    "customUserInfoUrl",
    "customLogo",
    "codePrefix",
    "state",
    "cert",
];

/// Reads a JSON object, refusing fields outside `known` and `ignored`.
pub fn object<'a>(
    body: &'a Value,
    known: &[&str],
    ignored: &[&str],
) -> Result<&'a Map<String, Value>> {
    let Value::Object(map) = body else {
        return Err(Error::invalid("the body must be a JSON object"));
    };
    if let Some(unknown) = map
        .keys()
        .find(|k| !known.contains(&k.as_str()) && !ignored.contains(&k.as_str()))
    {
        return Err(Error::invalid(format!("unknown field `{unknown}`")));
    }
    Ok(map)
}

/// Reads a whole new entity from `fields` (missing fields take their defaults).
pub fn build<T: DeserializeOwned>(fields: &Map<String, Value>, known: &[&str]) -> Result<T> {
    let only_known: Map<String, Value> = fields
        .iter()
        .filter(|(k, _)| known.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    serde_json::from_value(Value::Object(only_known)).map_err(type_error)
}

/// Overlays the `known` fields present in `patch` onto `current`; everything else is kept.
pub fn merge<T: Serialize + DeserializeOwned>(
    current: &T,
    patch: &Map<String, Value>,
    known: &[&str],
) -> Result<T> {
    let mut value = serde_json::to_value(current).map_err(|e| Error::Internal(e.to_string()))?;
    if let Value::Object(map) = &mut value {
        for (k, v) in patch {
            if known.contains(&k.as_str()) {
                map.insert(k.clone(), v.clone());
            }
        }
    }
    serde_json::from_value(value).map_err(type_error)
}

fn type_error(e: serde_json::Error) -> Error {
    Error::invalid(format!("invalid field value: {e}"))
}

/// Names of the fields present in `patch` whose value differs from `current`'s.
pub fn changed_fields<T: Serialize>(current: &T, patch: &Map<String, Value>) -> Vec<String> {
    let current = serde_json::to_value(current).unwrap_or(Value::Null);
    patch
        .iter()
        .filter(|(k, v)| current.get(k.as_str()) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::User;
    use serde_json::json;

    #[test]
    fn unknown_fields_are_refused_and_casdoor_ones_accepted() {
        let body = json!({"name": "a", "github": "x"});
        assert!(object(&body, User::FIELDS, CASDOOR_IGNORED_USER_FIELDS).is_ok());
        let body = json!({"name": "a", "isAdminn": true});
        let err = object(&body, User::FIELDS, CASDOOR_IGNORED_USER_FIELDS).unwrap_err();
        assert_eq!(err.to_string(), "unknown field `isAdminn`");
        assert!(object(&json!([1]), User::FIELDS, &[]).is_err());
    }

    #[test]
    fn merge_keeps_what_the_patch_omits() {
        let user = User {
            name: "a".into(),
            email: "a@example.com".into(),
            display_name: "Old".into(),
            ..User::default()
        };
        let patch = json!({"displayName": "New", "github": "ignored"});
        let merged: User = merge(&user, patch.as_object().unwrap(), User::FIELDS).unwrap();
        assert_eq!(merged.display_name, "New");
        assert_eq!(merged.email, "a@example.com");
    }

    #[test]
    fn merge_reports_wrong_types() {
        let user = User::default();
        let patch = json!({"isAdmin": "yes"});
        assert!(matches!(
            merge::<User>(&user, patch.as_object().unwrap(), User::FIELDS),
            Err(Error::Invalid(_))
        ));
    }

    #[test]
    fn changed_fields_lists_only_differences() {
        let user = User {
            name: "a".into(),
            ..User::default()
        };
        let patch = json!({"name": "a", "isAdmin": true});
        assert_eq!(
            changed_fields(&user, patch.as_object().unwrap()),
            vec!["isAdmin".to_string()]
        );
    }
}
