//! Casdoor's `init_data.json`, as people write it and as Casdoor dumps its whole state
//! (`object/init_data_dump.go`): organizations, applications, providers, users, certs and
//! tokens are created when missing; the other families are counted as skipped, with why.
//! Loading the same file again changes nothing.
//!
//! Users keep their password in every Casdoor `passwordType` (see
//! [`crate::password_casdoor`]; upgraded to argon2id at their next sign-in), their
//! `wechat` column and properties (so their next mini-program login finds them); certs
//! keep their keys and tokens their names, so tokens Casdoor issued keep verifying.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::Core;
use crate::clock::Now;
use crate::entity::{
    Application, Cert, GLOBAL_OWNER, Organization, Provider, Token, User, validate_name,
};
use crate::error::{Error, Result};
use crate::keys::SigningKey;
use crate::password_casdoor::{CasdoorPasswordType, seal};

/// A Casdoor user with the password columns the entity does not model.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CasdoorUser {
    #[serde(flatten)]
    pub user: User,
    pub password_type: String,
    pub password_salt: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CasdoorOrganization {
    #[serde(flatten)]
    pub organization: Organization,
    pub password_salt: String,
}

/// A Casdoor token row (the JWTs themselves are not kept, only what verifies them).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CasdoorToken {
    #[serde(flatten)]
    pub token: Token,
    pub refresh_token_hash: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InitData {
    pub organizations: Vec<CasdoorOrganization>,
    pub applications: Vec<Application>,
    pub providers: Vec<Provider>,
    pub users: Vec<CasdoorUser>,
    pub certs: Vec<Cert>,
    pub tokens: Vec<CasdoorToken>,
    /// Casdoor's authorization objects, read leniently (fields Ferrodoor does not keep,
    /// such as a group's `children`, are dropped); see [`super::init_authz`].
    pub models: Vec<Value>,
    pub adapters: Vec<Value>,
    pub roles: Vec<Value>,
    pub groups: Vec<Value>,
    pub permissions: Vec<Value>,
    pub enforcers: Vec<Value>,
    /// Every other family of the file and how many objects it has.
    #[serde(skip)]
    pub other: BTreeMap<String, usize>,
}

/// Families Ferrodoor does not import, and why (shown in the report).
fn why_not_imported(family: &str) -> &'static str {
    match family {
        "sessions" => "console sessions do not carry over: users sign in again",
        "enforcerPolicies" => {
            "an enforcer's adapter rules are not imported (permissions make their own rules)"
        }
        "payments" | "products" | "plans" | "pricings" | "subscriptions" | "transactions" => {
            "commerce is not supported"
        }
        "ldaps" | "syncers" => "LDAP and syncers are not supported",
        "invitations" => "invitations are not supported",
        "records" => "Casdoor's audit records stay with Casdoor",
        _ => "not supported",
    }
}

/// What a load did: how many objects it created, found existing, and skipped (with why).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct InitDataReport {
    pub created: usize,
    pub existing: usize,
    /// (`family/name`, why), one per object or family not imported.
    pub skipped: Vec<(String, String)>,
}

impl InitDataReport {
    pub(super) fn skip(&mut self, what: impl Into<String>, why: impl Into<String>) {
        self.skipped.push((what.into(), why.into()));
    }
}

impl InitData {
    pub fn parse(json: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| Error::invalid(format!("init data is not valid JSON: {e}")))?;
        let mut data: InitData = serde_json::from_value(value.clone())
            .map_err(|e| Error::invalid(format!("init data is not valid: {e}")))?;
        const READ: &[&str] = &[
            "organizations",
            "applications",
            "providers",
            "users",
            "certs",
            "tokens",
            "models",
            "adapters",
            "roles",
            "groups",
            "permissions",
            "enforcers",
        ];
        if let Value::Object(map) = value {
            for (family, items) in map {
                let n = match &items {
                    Value::Array(a) => a.len(),
                    Value::Object(o) => o.len(),
                    _ => 0,
                };
                if !READ.contains(&family.as_str()) && n > 0 {
                    data.other.insert(family, n);
                }
            }
        }
        Ok(data)
    }
}

/// The stored password hash of a Casdoor user, or None with no password. `plain` (or
/// no type, as Casdoor's own loader reads it) is a plaintext to hash with argon2id.
enum Password {
    None,
    Plain(String),
    Hash(String),
}

fn casdoor_password(u: &CasdoorUser, org_salt: &str) -> Result<Password> {
    let password = &u.user.password;
    if password.is_empty() {
        return Ok(Password::None);
    }
    let kind = if u.password_type.is_empty() {
        None
    } else {
        CasdoorPasswordType::parse(&u.password_type)?
    };
    Ok(match kind {
        None => Password::Plain(password.clone()),
        // Casdoor's own argon2id hashes without a pepper are standard PHC strings.
        Some(CasdoorPasswordType::Argon2id)
            if org_salt.is_empty() && u.password_salt.is_empty() =>
        {
            Password::Hash(password.clone())
        }
        Some(kind) => Password::Hash(seal(kind, org_salt, &u.password_salt, password)),
    })
}

impl Core {
    /// Creates every object of `data` that does not exist yet, in one transaction; objects
    /// that exist are left as they are (an admin may have changed them since). Objects
    /// that cannot be imported are skipped and reported, never half-written.
    pub async fn apply_init_data(&self, data: InitData, now: Now) -> Result<InitDataReport> {
        let mut report = InitDataReport::default();
        let store = self.store.clone();
        for (family, n) in &data.other {
            report.skip(
                format!("{family} ({n})"),
                why_not_imported(family).to_string(),
            );
        }
        let org_salts: BTreeMap<String, String> = data
            .organizations
            .iter()
            .map(|o| (o.organization.name.clone(), o.password_salt.clone()))
            .collect();
        // Hash passwords before the transaction: hashing is slow and the SQLite writer is one.
        let mut users = Vec::new();
        for cu in data.users {
            let what = format!("users/{}", cu.user.id_string());
            if let Err(e) = validate_name("user", &cu.user.name) {
                report.skip(what, e.to_string());
                continue;
            }
            if let Err(e) = super::signin_limit::validate_user_fields(&cu.user) {
                report.skip(what, e.to_string());
                continue;
            }
            if store
                .get_user(&cu.user.owner, &cu.user.name)
                .await?
                .is_some()
            {
                report.existing += 1;
                continue;
            }
            let org_salt = org_salts.get(&cu.user.owner).map_or("", String::as_str);
            let password = match casdoor_password(&cu, org_salt) {
                Ok(p) => p,
                Err(e) => {
                    report.skip(what, e.to_string());
                    continue;
                }
            };
            let mut u = cu.user;
            u.password_hash = match password {
                Password::None => None,
                Password::Plain(p) => Some(self.passwords.hash(p).await?),
                Password::Hash(h) => Some(h),
            };
            u.password.clear();
            if u.id.is_empty() {
                u.id = uuid::Uuid::new_v4().to_string();
            }
            if u.type_.is_empty() {
                u.type_ = "normal-user".into();
            }
            fill_time(&mut u.created_time, now);
            fill_time(&mut u.updated_time, now);
            users.push(u);
        }
        let mut tx = store.begin().await?;
        for mut c in data.certs {
            if let Some(existing) = tx.get_cert(&c.name).await? {
                if existing.certificate.trim() == c.certificate.trim() {
                    report.existing += 1;
                } else {
                    // Tokens Casdoor signed with it will not verify: import into a new
                    // database (before the first `serve`) to keep them.
                    report.skip(
                        format!("certs/{}", c.name),
                        "a certificate of that name with another key exists already",
                    );
                }
                continue;
            }
            if let Err(e) = SigningKey::from_cert(&c) {
                report.skip(format!("certs/{}", c.name), e.to_string());
                continue;
            }
            c.owner = GLOBAL_OWNER.into();
            fill_time(&mut c.created_time, now);
            tx.insert_cert(&c).await?;
            report.created += 1;
        }
        for co in data.organizations {
            let mut o = co.organization;
            if let Err(e) = validate_name("organization", &o.name) {
                report.skip(format!("organizations/{}", o.name), e.to_string());
                continue;
            }
            if let Err(e) = super::signin_limit::validate_organization_fields(&o) {
                report.skip(format!("organizations/{}", o.name), e.to_string());
                continue;
            }
            if tx.get_organization(&o.name).await?.is_some() {
                report.existing += 1;
                continue;
            }
            o.owner = GLOBAL_OWNER.into();
            fill_time(&mut o.created_time, now);
            tx.insert_organization(&o).await?;
            report.created += 1;
        }
        for mut p in data.providers {
            if let Err(e) = validate_name("provider", &p.name) {
                report.skip(format!("providers/{}", p.name), e.to_string());
                continue;
            }
            if tx.get_provider(&p.name).await?.is_some() {
                report.existing += 1;
                continue;
            }
            if p.owner.is_empty() {
                p.owner = GLOBAL_OWNER.into();
            }
            fill_time(&mut p.created_time, now);
            tx.insert_provider(&p).await?;
            report.created += 1;
        }
        for mut a in data.applications {
            let what = format!("applications/{}", a.name);
            if let Err(e) = validate_name("application", &a.name) {
                report.skip(what, e.to_string());
                continue;
            }
            if tx.get_application(&a.name).await?.is_some() {
                report.existing += 1;
                continue;
            }
            a.owner = GLOBAL_OWNER.into();
            if a.client_id.is_empty() || a.client_secret.is_empty() {
                report.skip(what, "an application needs a clientId and a clientSecret");
                continue;
            }
            for item in &mut a.providers {
                item.provider = None;
            }
            fill_time(&mut a.created_time, now);
            tx.insert_application(&a).await?;
            report.created += 1;
        }
        for u in &users {
            // Checked before hashing too; again here, where it counts.
            if tx.get_user(&u.owner, &u.name).await?.is_some() {
                report.existing += 1;
                continue;
            }
            tx.insert_user(u).await?;
            report.created += 1;
        }
        for ct in data.tokens {
            let what = format!("tokens/{}", ct.token.name);
            let mut t = ct.token;
            if tx.get_token(&t.name).await?.is_some() {
                report.existing += 1;
                continue;
            }
            let created = time::OffsetDateTime::parse(
                &t.created_time,
                &time::format_description::well_known::Rfc3339,
            );
            let Ok(created) = created else {
                report.skip(what, "createdTime is not an RFC 3339 time");
                continue;
            };
            t.expires_at = created.unix_timestamp().saturating_add(t.expires_in);
            if t.expires_at <= now.unix() {
                report.skip(what, "expired");
                continue;
            }
            t.owner = GLOBAL_OWNER.into();
            t.refresh_token_hash = Some(ct.refresh_token_hash).filter(|h| !h.is_empty());
            t.refresh_expires_at = t.expires_at;
            t.family = t.name.clone();
            t.auth_time = created.unix_timestamp();
            tx.insert_token(&t).await?;
            report.created += 1;
        }
        let authz = super::init_authz::Sections {
            models: data.models,
            adapters: data.adapters,
            roles: data.roles,
            groups: data.groups,
            permissions: data.permissions,
            enforcers: data.enforcers,
        };
        self.import_authz(&mut *tx, authz, now, &mut report).await?;
        tx.commit().await?;
        Ok(report)
    }
}

fn fill_time(field: &mut String, now: Now) {
    if field.is_empty() {
        *field = now.rfc3339();
    }
}
