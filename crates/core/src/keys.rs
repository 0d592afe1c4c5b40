//! Signing keys: generated certificates (RSA-2048 by default, as Casdoor's 4096-bit default
//! caps logins at a few hundred per second) and the loaded form used to sign and verify.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, RsaEncoding, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{CommonParameters, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use serde::Serialize;

use crate::clock::Now;
use crate::entity::{Cert, GLOBAL_OWNER};
use crate::error::{Error, Result};

/// A certificate loaded for signing and verifying.
pub struct SigningKey {
    /// The certificate's name, put in every token's `kid` header.
    pub kid: String,
    pub algorithm: Algorithm,
    signer: Signer,
    /// `base64url({"typ":"JWT","alg":…,"kid":…})`: the same for every token of this key.
    header_b64: String,
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
        let signer = Signer::new(algorithm, &encoding).map_err(|e| key_error(cert, e))?;
        let header = serde_json::to_vec(&JwsHeader {
            typ: "JWT",
            alg: algorithm,
            kid: &cert.name,
        })
        .map_err(|e| key_error(cert, e))?;
        Ok(SigningKey {
            kid: cert.name.clone(),
            algorithm,
            signer,
            header_b64: URL_SAFE_NO_PAD.encode(header),
            decoding,
            jwk,
        })
    }

    /// `claims` as a compact JWS signed with this key, its `kid` in the header.
    pub fn sign_jwt<T: Serialize>(&self, claims: &T) -> Result<String> {
        let payload = serde_json::to_vec(claims)
            .map_err(|e| Error::Internal(format!("encoding claims: {e}")))?;
        let mut jwt = String::with_capacity(self.header_b64.len() + payload.len() * 4 / 3 + 700);
        jwt.push_str(&self.header_b64);
        jwt.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload, &mut jwt);
        let signature = self.signer.sign(jwt.as_bytes())?;
        jwt.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut jwt);
        Ok(jwt)
    }
}

#[derive(Serialize)]
struct JwsHeader<'a> {
    typ: &'static str,
    alg: Algorithm,
    kid: &'a str,
}

/// The private key parsed once. jsonwebtoken's `encode` parses (and checks) the DER key on
/// every call, which cost more than the RSA signature itself (see BENCHMARKS.md).
enum Signer {
    Rsa(RsaKeyPair, &'static dyn RsaEncoding),
    Ecdsa(EcdsaKeyPair),
}

impl Signer {
    fn new(algorithm: Algorithm, key: &EncodingKey) -> std::result::Result<Self, String> {
        let der = key.as_bytes();
        let rsa = |padding: &'static dyn RsaEncoding| {
            RsaKeyPair::from_der(der)
                .map(|pair| Signer::Rsa(pair, padding))
                .map_err(|e| e.to_string())
        };
        let ecdsa = |alg: &'static signature::EcdsaSigningAlgorithm| {
            EcdsaKeyPair::from_pkcs8(alg, der)
                .map(Signer::Ecdsa)
                .map_err(|e| e.to_string())
        };
        match algorithm {
            Algorithm::RS256 => rsa(&signature::RSA_PKCS1_SHA256),
            Algorithm::RS384 => rsa(&signature::RSA_PKCS1_SHA384),
            Algorithm::RS512 => rsa(&signature::RSA_PKCS1_SHA512),
            Algorithm::ES256 => ecdsa(&signature::ECDSA_P256_SHA256_FIXED_SIGNING),
            Algorithm::ES384 => ecdsa(&signature::ECDSA_P384_SHA384_FIXED_SIGNING),
            other => Err(format!("no signer for {other:?}")),
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let failed = |e: aws_lc_rs::error::Unspecified| Error::Internal(format!("signing: {e}"));
        let rng = SystemRandom::new();
        match self {
            Signer::Rsa(pair, padding) => {
                let mut signature = vec![0u8; pair.public_modulus_len()];
                pair.sign(*padding, &rng, message, &mut signature)
                    .map_err(failed)?;
                Ok(signature)
            }
            Signer::Ecdsa(pair) => Ok(pair.sign(&rng, message).map_err(failed)?.as_ref().to_vec()),
        }
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

/// The algorithm of the keys Ferrodoor generates (the built-in certificate, rotations).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyAlgorithmChoice {
    /// RSA-2048: what every Casdoor SDK and OIDC client verifies. The default.
    #[default]
    Rs256,
    /// ECDSA P-256: about fifteen times cheaper to sign (see BENCHMARKS.md); every OIDC
    /// library verifies it, but check the relying parties before switching.
    Es256,
}

impl std::str::FromStr for KeyAlgorithmChoice {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_uppercase().as_str() {
            "RS256" => Ok(KeyAlgorithmChoice::Rs256),
            "ES256" => Ok(KeyAlgorithmChoice::Es256),
            other => Err(format!("signing algorithm {other:?}: RS256 or ES256")),
        }
    }
}

/// Generates a new RSA-2048 key and its self-signed certificate, valid for 20 years.
pub fn generate_rsa_cert(name: &str, now: Now) -> Result<Cert> {
    generate_cert(name, KeyAlgorithmChoice::Rs256, now)
}

/// Generates a new key of `algorithm` and its self-signed certificate, valid for 20 years.
pub fn generate_cert(name: &str, algorithm: KeyAlgorithmChoice, now: Now) -> Result<Cert> {
    let internal = |e: &dyn std::fmt::Display| Error::Internal(format!("key generation: {e}"));
    let (key, crypto_algorithm, bit_size) = match algorithm {
        KeyAlgorithmChoice::Rs256 => (
            rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048),
            "RS256",
            2048,
        ),
        KeyAlgorithmChoice::Es256 => (
            rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
            "ES256",
            256,
        ),
    };
    let key = key.map_err(|e| internal(&e))?;
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
        crypto_algorithm: crypto_algorithm.to_string(),
        bit_size,
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

    /// What `sign_jwt` makes is a JWT any verifier accepts, with the key's `alg` and `kid`.
    fn assert_signs_verifiable_tokens(key: &SigningKey, alg: &str) {
        let claims = serde_json::json!({"sub": "u1", "exp": 4_000_000_000_i64, "name": "微信用户"});
        let jwt = key.sign_jwt(&claims).unwrap();
        let header = jsonwebtoken::decode_header(&jwt).unwrap();
        assert_eq!(format!("{:?}", header.alg), alg);
        assert_eq!(header.kid.as_deref(), Some(key.kid.as_str()));
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        let mut validation = jsonwebtoken::Validation::new(key.algorithm);
        validation.validate_aud = false;
        let decoded =
            jsonwebtoken::decode::<serde_json::Value>(&jwt, &key.decoding, &validation).unwrap();
        assert_eq!(decoded.claims, claims);
        // One flipped bit in the payload and the signature no longer matches.
        let mut parts: Vec<String> = jwt.split('.').map(str::to_string).collect();
        parts[1] = URL_SAFE_NO_PAD.encode(br#"{"sub":"u2","exp":4000000000,"name":"x"}"#);
        assert!(
            jsonwebtoken::decode::<serde_json::Value>(&parts.join("."), &key.decoding, &validation)
                .is_err()
        );
    }

    #[test]
    fn rsa_keys_sign_verifiable_tokens() {
        let cert = generate_rsa_cert("rsa-test", Now::from_unix(1_700_000_000)).unwrap();
        assert_signs_verifiable_tokens(&SigningKey::from_cert(&cert).unwrap(), "RS256");
    }

    #[test]
    fn ecdsa_keys_sign_verifiable_tokens() {
        let cert = generate_cert(
            "ec-test",
            KeyAlgorithmChoice::Es256,
            Now::from_unix(1_700_000_000),
        )
        .unwrap();
        assert_eq!(
            (cert.crypto_algorithm.as_str(), cert.bit_size),
            ("ES256", 256)
        );
        let key = SigningKey::from_cert(&cert).unwrap();
        let jwk = serde_json::to_value(&key.jwk).unwrap();
        assert_eq!(
            (jwk["kty"].as_str(), jwk["crv"].as_str()),
            (Some("EC"), Some("P-256"))
        );
        assert!(
            jwk.get("d").is_none(),
            "the private key must never be published"
        );
        assert_signs_verifiable_tokens(&key, "ES256");
    }

    #[test]
    fn algorithm_choice_parses() {
        assert_eq!("es256".parse(), Ok(KeyAlgorithmChoice::Es256));
        assert_eq!("RS256".parse(), Ok(KeyAlgorithmChoice::Rs256));
        assert!("HS256".parse::<KeyAlgorithmChoice>().is_err());
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
