use serde::{Deserialize, Serialize};

#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Provider {
    pub owner: String,
    /// Globally unique, as in Casdoor (applications refer to providers by name).
    pub name: String,
    pub created_time: String,
    pub display_name: String,
    pub category: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub sub_type: String,
    /// For WeChat providers: the AppID.
    pub client_id: String,
    /// For WeChat providers: the AppSecret. Write-only over the API.
    pub client_secret: String,
    pub client_id2: String,
    pub client_secret2: String,
    pub provider_url: String,
}

/// What a provider is for Ferrodoor's flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    WeChatMiniProgram,
    /// Casdoor's `WeChat`: a website application of the Open Platform (`clientId`,
    /// `clientSecret`, QR sign-in) and, optionally, an Official Account (`clientId2`,
    /// `clientSecret2`, sign-in inside WeChat's browser).
    WeChatWeb,
    Other,
}

impl Provider {
    pub const FIELDS: &'static [&'static str] = &[
        "owner",
        "name",
        "createdTime",
        "displayName",
        "category",
        "type",
        "subType",
        "clientId",
        "clientSecret",
        "clientId2",
        "clientSecret2",
        "providerUrl",
    ];

    /// Casdoor's type is `WeChatMiniProgram`; the seed documents speak of "the first WeChat
    /// type provider", so a `WeChat` provider whose sub-type says mini program counts too.
    pub fn kind(&self) -> ProviderKind {
        let sub = self
            .sub_type
            .to_ascii_lowercase()
            .replace([' ', '-', '_'], "");
        match self.type_.as_str() {
            "WeChatMiniProgram" => ProviderKind::WeChatMiniProgram,
            "WeChat" if sub == "miniprogram" || sub == "wechatminiprogram" => {
                ProviderKind::WeChatMiniProgram
            }
            "WeChat" => ProviderKind::WeChatWeb,
            _ => ProviderKind::Other,
        }
    }

    /// The button label on the hosted sign-in page.
    pub fn label(&self) -> &str {
        if self.display_name.is_empty() {
            &self.name
        } else {
            &self.display_name
        }
    }
}

super::debug_without_secrets!(Provider: owner, name, category);
