use serde::{Deserialize, Serialize};

/// A signing key with its self-signed X.509 certificate (Casdoor SDKs verify tokens with
/// the certificate PEM).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Cert {
    pub owner: String,
    pub name: String,
    pub created_time: String,
    pub display_name: String,
    pub scope: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub crypto_algorithm: String,
    pub bit_size: i64,
    pub expire_in_years: i64,
    pub certificate: String,
    /// PEM (PKCS#8). Never shown over the API.
    pub private_key: String,
}

impl Cert {
    /// The certificate as the API shows it.
    pub fn masked(mut self) -> Self {
        if !self.private_key.is_empty() {
            self.private_key = super::MASK.to_string();
        }
        self
    }
}
