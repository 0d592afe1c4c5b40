//! Secrets kept at rest (WeChat session keys) are sealed with the server's secret key:
//! AES-256-GCM, a random nonce per value, stored as base64(nonce ‖ ciphertext ‖ tag).

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::{Error, Result};

/// A string that must not reach a log or a command's output: `Debug` and `Serialize` show
/// `***`; only `expose` (or the field) gives the value. Deserializes from a plain string.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_string())
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str("***")
    }
}

/// The server's 32-byte secret key; `Debug` shows `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(pub [u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

pub struct Sealer {
    key: LessSafeKey,
}

impl Sealer {
    pub fn new(secret_key: &[u8; 32]) -> Result<Self> {
        let key = UnboundKey::new(&AES_256_GCM, secret_key)
            .map_err(|e| Error::Internal(format!("secret key: {e}")))?;
        Ok(Sealer {
            key: LessSafeKey::new(key),
        })
    }

    pub fn seal(&self, plaintext: &str) -> Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).map_err(|e| Error::Internal(format!("rng: {e}")))?;
        let mut data = plaintext.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut data)
            .map_err(|e| Error::Internal(format!("seal: {e}")))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(STANDARD.encode(out))
    }

    /// None when the value was sealed with another key or tampered with.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let raw = STANDARD.decode(sealed).ok()?;
        if raw.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut data = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::empty(), &mut data)
            .ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key() {
        let sealer = Sealer::new(&[7u8; 32]).unwrap();
        let sealed = sealer.seal("tiihtNczf5v6AKRyjwEUhQ==").unwrap();
        assert!(!sealed.contains("tiihtNczf5v6AKRyjwEUhQ"));
        assert_ne!(
            sealed,
            sealer.seal("tiihtNczf5v6AKRyjwEUhQ==").unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(
            sealer.open(&sealed).as_deref(),
            Some("tiihtNczf5v6AKRyjwEUhQ==")
        );
        let other = Sealer::new(&[8u8; 32]).unwrap();
        assert_eq!(other.open(&sealed), None);
        let mut tampered = STANDARD.decode(&sealed).unwrap();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(sealer.open(&STANDARD.encode(tampered)), None);
        assert_eq!(format!("{:?}", Secret("x".into())), "***");
    }
}
