//! Casdoor's `add-cert`, `update-cert` and `delete-cert` (global admins). A private key
//! never leaves the server (answers show `***`); one is generated when none is sent. A
//! certificate's keys never change once it exists (`rotate-cert` makes a new one), so
//! every node's key cache stays right; one that an application signs with is not deleted.

use serde_json::Value;

use super::Core;
use super::audit::Event;
use crate::authz::{Principal, require_can_manage_certs};
use crate::clock::Now;
use crate::entity::{BUILT_IN_CERT, BUILT_IN_ORG, Cert, GLOBAL_OWNER, MASK, validate_name};
use crate::error::{Error, Result};
use crate::fields;
use crate::keys::{KeyAlgorithmChoice, SigningKey, generate_cert};
use crate::store::StoreError;

pub const CERT_FIELDS: &[&str] = &[
    "owner",
    "name",
    "createdTime",
    "displayName",
    "scope",
    "type",
    "cryptoAlgorithm",
    "bitSize",
    "expireInYears",
    "certificate",
    "privateKey",
];
/// Casdoor's Cert fields for ACME/CA certificates, which Ferrodoor does not model (the
/// SDKs send them empty).
const IGNORED: &[&str] = &[
    "authorityPublicKey",
    "authorityRootPublicKey",
    "expireTime",
    "domainExpireTime",
    "provider",
    "account",
    "accessKey",
    "accessSecret",
];
/// What an update may change: the rest is the key and what describes it.
const EDITABLE: &[&str] = &["displayName", "scope"];

fn cert_body(body: &Value) -> Result<serde_json::Map<String, Value>> {
    let body = fields::canonical_keys(body, CERT_FIELDS, IGNORED);
    let map = fields::object(&body, CERT_FIELDS, IGNORED)?;
    if IGNORED.iter().any(|k| {
        map.get(*k)
            .and_then(Value::as_str)
            .is_some_and(|v| !v.is_empty())
    }) {
        return Err(Error::invalid(
            "ACME/CA certificates (provider, account, accessKey…) are not supported",
        ));
    }
    Ok(map.clone())
}

/// The sent key pair, checked to load; none sent: a new one of the asked algorithm.
fn key_pair(sent: &Cert, now: Now) -> Result<Cert> {
    if sent.private_key.is_empty() || sent.private_key == MASK {
        if !sent.certificate.is_empty() {
            return Err(Error::invalid(
                "a certificate needs its private key; send both, or neither to generate them",
            ));
        }
        let algorithm = match sent.crypto_algorithm.as_str() {
            "" | "RS256" => KeyAlgorithmChoice::Rs256,
            "ES256" => KeyAlgorithmChoice::Es256,
            other => {
                return Err(Error::invalid(format!(
                    "cannot generate a {other} key: cryptoAlgorithm RS256 or ES256 (or send the key pair)"
                )));
            }
        };
        return generate_cert(&sent.name, algorithm, now);
    }
    if sent.certificate.is_empty() {
        return Err(Error::invalid("a private key needs its certificate (PEM)"));
    }
    SigningKey::from_cert(sent)?;
    let mut cert = sent.clone();
    if cert.crypto_algorithm.is_empty() {
        cert.crypto_algorithm = "RS256".into();
    }
    Ok(cert)
}

impl Core {
    /// Answers the new certificate, its private key masked.
    pub async fn add_cert(&self, who: &Principal, body: &Value, now: Now) -> Result<Cert> {
        require_can_manage_certs(who)?;
        let map = cert_body(body)?;
        let sent: Cert = fields::build(&map, CERT_FIELDS)?;
        validate_name("cert", &sent.name)?;
        // Key generation takes a moment: before the transaction.
        let keys = key_pair(&sent, now)?;
        let cert = Cert {
            owner: GLOBAL_OWNER.into(),
            name: sent.name.clone(),
            created_time: now.rfc3339(),
            display_name: if sent.display_name.is_empty() {
                sent.name.clone()
            } else {
                sent.display_name.clone()
            },
            scope: if sent.scope.is_empty() {
                "JWT".into()
            } else {
                sent.scope.clone()
            },
            type_: if sent.type_.is_empty() {
                "x509".into()
            } else {
                sent.type_.clone()
            },
            ..keys
        };
        let mut tx = self.store.begin().await?;
        tx.insert_cert(&cert).await.map_err(|e| match e {
            StoreError::Conflict(m) => Error::Conflict(m),
            other => other.into(),
        })?;
        let object = format!("{GLOBAL_OWNER}/{}", cert.name);
        self.record(
            &mut *tx,
            Event::by(who, "add-cert", BUILT_IN_ORG, object),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(cert.masked())
    }

    /// Changes `displayName` and `scope`; what the SDKs send back unchanged (the masked
    /// key, the same certificate, empty strings) is accepted and kept.
    pub async fn update_cert(
        &self,
        who: &Principal,
        name: &str,
        body: &Value,
        now: Now,
    ) -> Result<bool> {
        require_can_manage_certs(who)?;
        let mut patch = cert_body(body)?;
        // Every certificate is global: the owner the SDKs put in (their organization) is
        // not a change.
        patch.retain(|k, v| {
            !(k == "owner"
                || v.as_str() == Some("")
                || (k == "privateKey" && v.as_str() == Some(MASK)))
        });
        let mut tx = self.store.begin().await?;
        let current = tx
            .get_cert_for_update(name)
            .await?
            .ok_or_else(|| Error::not_found(format!("certificate {name} not found")))?;
        let masked = current.clone().masked();
        let fixed = fields::changed_fields(&masked, &patch)
            .into_iter()
            .find(|f| !EDITABLE.contains(&f.as_str()));
        if let Some(field) = fixed {
            return Err(Error::invalid(format!(
                "a certificate's `{field}` cannot be changed; add a new certificate or rotate-cert"
            )));
        }
        let mut updated = current.clone();
        if let Some(v) = patch.get("displayName").and_then(Value::as_str) {
            updated.display_name = v.to_string();
        }
        if let Some(v) = patch.get("scope").and_then(Value::as_str) {
            updated.scope = v.to_string();
        }
        if updated == current {
            return Ok(false);
        }
        let affected = tx.update_cert(&updated).await?;
        let object = format!("{GLOBAL_OWNER}/{name}");
        self.record(
            &mut *tx,
            Event::by(who, "update-cert", BUILT_IN_ORG, object),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(affected)
    }

    /// Refused while an application signs with it (the built-in certificate: always, as
    /// applications without one use it).
    pub async fn delete_cert(&self, who: &Principal, name: &str, now: Now) -> Result<bool> {
        require_can_manage_certs(who)?;
        let mut tx = self.store.begin().await?;
        if tx.get_cert_for_update(name).await?.is_none() {
            return Ok(false);
        }
        let users = tx.applications_using_cert(name).await?;
        if name == BUILT_IN_CERT || !users.is_empty() {
            let by = if users.is_empty() {
                "every application without a certificate of its own".to_string()
            } else {
                format!("application(s) {}", users.join(", "))
            };
            return Err(Error::Conflict(format!(
                "certificate {name} is in use by {by}; give them another one first"
            )));
        }
        let affected = tx.delete_cert(name).await?;
        let object = format!("{GLOBAL_OWNER}/{name}");
        self.record(
            &mut *tx,
            Event::by(who, "delete-cert", BUILT_IN_ORG, object),
            now,
        )
        .await?;
        tx.commit().await?;
        // The deletion moved the config version: read it now, so this node drops the key at
        // once rather than within the version's age. The deletion is committed whatever
        // this read does: on failure the key goes within that age anyway.
        if let Err(e) = self.objects().await {
            tracing::warn!(error = %e, "could not read the config version after delete-cert");
        }
        Ok(affected)
    }
}
