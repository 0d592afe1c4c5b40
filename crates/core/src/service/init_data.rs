//! Casdoor's `init_data.json`: organizations, applications, providers, users and certs
//! created at start-up when missing. Loading the same file again changes nothing.

use serde::Deserialize;

use super::Core;
use crate::clock::Now;
use crate::entity::{Application, Cert, GLOBAL_OWNER, Organization, Provider, User, validate_name};
use crate::error::{Error, Result};
use crate::keys::SigningKey;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InitData {
    pub organizations: Vec<Organization>,
    pub applications: Vec<Application>,
    pub providers: Vec<Provider>,
    pub users: Vec<User>,
    pub certs: Vec<Cert>,
}

/// How many objects a load created.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct InitDataReport {
    pub created: usize,
    pub existing: usize,
}

impl InitData {
    pub fn parse(json: &str) -> Result<Self> {
        serde_json::from_str(json)
            .map_err(|e| Error::invalid(format!("init data is not valid: {e}")))
    }
}

impl Core {
    /// Creates every object of `data` that does not exist yet, in one transaction; objects
    /// that exist are left as they are (an admin may have changed them since).
    pub async fn apply_init_data(&self, data: InitData, now: Now) -> Result<InitDataReport> {
        let mut report = InitDataReport::default();
        let store = self.store.clone();
        // Hash passwords before the transaction: hashing is slow and the SQLite writer is one.
        let mut users = Vec::new();
        for mut u in data.users {
            validate_name("user", &u.name)?;
            super::signin_limit::validate_user_fields(&u)?;
            if store.get_user(&u.owner, &u.name).await?.is_some() {
                report.existing += 1;
                continue;
            }
            if !u.password.is_empty() {
                u.password_hash = Some(self.passwords.hash(std::mem::take(&mut u.password)).await?);
            }
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
            if tx.get_cert(&c.name).await?.is_some() {
                report.existing += 1;
                continue;
            }
            SigningKey::from_cert(&c)?;
            c.owner = GLOBAL_OWNER.into();
            fill_time(&mut c.created_time, now);
            tx.insert_cert(&c).await?;
            report.created += 1;
        }
        for mut o in data.organizations {
            validate_name("organization", &o.name)?;
            super::signin_limit::validate_organization_fields(&o)?;
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
            validate_name("provider", &p.name)?;
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
            validate_name("application", &a.name)?;
            if tx.get_application(&a.name).await?.is_some() {
                report.existing += 1;
                continue;
            }
            a.owner = GLOBAL_OWNER.into();
            if a.client_id.is_empty() || a.client_secret.is_empty() {
                return Err(Error::invalid(format!(
                    "application {} needs a clientId and a clientSecret",
                    a.name
                )));
            }
            for item in &mut a.providers {
                item.provider = None;
            }
            fill_time(&mut a.created_time, now);
            tx.insert_application(&a).await?;
            report.created += 1;
        }
        for u in &users {
            tx.insert_user(u).await?;
            report.created += 1;
        }
        tx.commit().await?;
        Ok(report)
    }
}

fn fill_time(field: &mut String, now: Now) {
    if field.is_empty() {
        *field = now.rfc3339();
    }
}
