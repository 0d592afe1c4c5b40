//! Signing keys: generated certificates (RSA-2048 by default, as Casdoor's 4096-bit default
//! caps logins at a few hundred per second) and the loaded form used to sign and verify.

use jsonwebtoken::jwk::{CommonParameters, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};

use crate::clock::Now;
use crate::entity::{Cert, GLOBAL_OWNER};
use crate::error::{Error, Result};

/// A certificate loaded for signing and verifying.
pub struct SigningKey {
    /// The certificate's name, put in every token's `kid` header.
    pub kid: String,
    pub algorithm: Algorithm,
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    /// Public JWK, as published at `/.well-known/jwks`.
    pub jwk: Jwk,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

fn key_error(cert: &Cert, e: impl std::fmt::Display) -> Error {
    Error::invalid(format!(
        "certificate {} has an unusable key: {e}",
        cert.name
    ))
}

impl SigningKey {
    pub fn from_cert(cert: &Cert) -> Result<Self> {
        let algorithm = match cert.crypto_algorithm.as_str() {
            "" | "RS256" => Algorithm::RS256,
            "RS384" => Algorithm::RS384,
            "RS512" => Algorithm::RS512,
            "ES256" => Algorithm::ES256,
            "ES384" => Algorithm::ES384,
            other => {
                return Err(Error::invalid(format!(
                    "unsupported signing algorithm {other}"
                )));
            }
        };
        let pem = cert.private_key.as_bytes();
        let encoding = match algorithm {
            Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(pem),
            _ => EncodingKey::from_rsa_pem(pem),
        }
        .map_err(|e| key_error(cert, e))?;
        let mut jwk =
            Jwk::from_encoding_key(&encoding, algorithm).map_err(|e| key_error(cert, e))?;
        let decoding = DecodingKey::from_jwk(&jwk).map_err(|e| key_error(cert, e))?;
        jwk.common = CommonParameters {
            public_key_use: Some(PublicKeyUse::Signature),
            key_algorithm: Some(key_algorithm(algorithm)),
            key_id: Some(cert.name.clone()),
            x509_chain: pem_body(&cert.certificate).map(|der| vec![der]),
            ..CommonParameters::default()
        };
        Ok(SigningKey {
            kid: cert.name.clone(),
            algorithm,
            encoding,
            decoding,
            jwk,
        })
    }
}

fn key_algorithm(algorithm: Algorithm) -> KeyAlgorithm {
    match algorithm {
        Algorithm::RS384 => KeyAlgorithm::RS384,
        Algorithm::RS512 => KeyAlgorithm::RS512,
        Algorithm::ES256 => KeyAlgorithm::ES256,
        Algorithm::ES384 => KeyAlgorithm::ES384,
        _ => KeyAlgorithm::RS256,
    }
}

/// The base64 body of the first PEM block (what `x5c` carries).
fn pem_body(pem: &str) -> Option<String> {
    let body: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .map(str::trim)
        .collect();
    (!body.is_empty()).then_some(body)
}

/// Generates a new RSA-2048 key and its self-signed certificate, valid for 20 years.
pub fn generate_rsa_cert(name: &str, now: Now) -> Result<Cert> {
    let internal = |e: &dyn std::fmt::Display| Error::Internal(format!("key generation: {e}"));
    let key = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        .map_err(|e| internal(&e))?;
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "Ferrodoor");
    params.not_before = now.0;
    params.not_after = now.plus_seconds(20 * 365 * 24 * 3600).0;
    let certificate = params.self_signed(&key).map_err(|e| internal(&e))?;
    let private_key = key.serialize_pem();
    Ok(Cert {
        owner: GLOBAL_OWNER.to_string(),
        name: name.to_string(),
        created_time: now.rfc3339(),
        display_name: "Built-in certificate".to_string(),
        scope: "JWT".to_string(),
        type_: "x509".to_string(),
        crypto_algorithm: "RS256".to_string(),
        bit_size: 2048,
        expire_in_years: 20,
        certificate: certificate.pem(),
        private_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_certificates_load_and_publish_their_public_key() {
        let cert = generate_rsa_cert("cert-test", Now::from_unix(1_700_000_000)).unwrap();
        assert!(cert.certificate.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(cert.private_key.starts_with("-----BEGIN PRIVATE KEY-----"));
        let key = SigningKey::from_cert(&cert).unwrap();
        assert_eq!(key.jwk.common.key_id.as_deref(), Some("cert-test"));
        let json = serde_json::to_value(&key.jwk).unwrap();
        assert_eq!(json["kty"], "RSA");
        assert_eq!(json["alg"], "RS256");
        assert_eq!(json["use"], "sig");
        assert!(json["x5c"][0].as_str().unwrap().len() > 100);
        assert!(
            json.get("d").is_none(),
            "the private exponent must never be published"
        );
    }

    #[test]
    fn broken_keys_are_refused() {
        let cert = Cert {
            name: "bad".into(),
            private_key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".into(),
            ..Cert::default()
        };
        assert!(SigningKey::from_cert(&cert).is_err());
    }
}
