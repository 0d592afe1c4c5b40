//! Applications: managed by the admins of the organization they belong to.

use serde_json::Value;

use super::bootstrap::{new_client_id, new_client_secret};
use super::manage_providers::mask_provider;
use super::{Core, ListParams};
use crate::authz::{AdminScope, Principal, require_admin_of};
use crate::clock::Now;
use crate::entity::{
    Application, BUILT_IN_APP, BUILT_IN_CERT, GLOBAL_OWNER, MASK, MAX_TOKEN_HOURS,
    valid_token_hours, validate_name,
};
use crate::error::{Error, Result};
use crate::fields::{self, CASDOOR_IGNORED_APPLICATION_FIELDS as IGNORED};
use crate::store::{Page, StoreError, StoreTx};

pub const APPLICATION_LIST_FIELDS: &[&str] = &[
    "name",
    "displayName",
    "createdTime",
    "organization",
    "clientId",
];

impl Core {
    pub async fn list_applications(
        &self,
        who: &Principal,
        organization: Option<&str>,
        params: &ListParams,
    ) -> Result<Page<Application>> {
        let query = params.to_query(APPLICATION_LIST_FIELDS)?;
        let org = match (who.admin_scope(), organization) {
            (AdminScope::Everything, org) => org.map(str::to_string),
            (AdminScope::Organization(own), None) => Some(own),
            (AdminScope::Organization(own), Some(org)) if own == org => Some(own),
            _ => {
                return Err(Error::forbidden(format!(
                    "{} may not list these applications",
                    who.subject()
                )));
            }
        };
        let mut page = self.store.list_applications(org.as_deref(), &query).await?;
        for app in &mut page.items {
            self.fill_providers(app).await?;
        }
        Ok(page)
    }

    pub async fn get_application(&self, who: &Principal, name: &str) -> Result<Application> {
        let mut app = self
            .store
            .get_application(name)
            .await?
            .ok_or_else(|| Error::not_found(format!("application {name} not found")))?;
        require_admin_of(who, &app.organization)?;
        self.fill_providers(&mut app).await?;
        Ok(app)
    }

    /// Casdoor fills each provider item with its provider when reading (secrets masked).
    async fn fill_providers(&self, app: &mut Application) -> Result<()> {
        for item in &mut app.providers {
            item.provider = self
                .store
                .get_provider(&item.name)
                .await?
                .map(mask_provider);
        }
        Ok(())
    }

    pub async fn add_application(
        &self,
        who: &Principal,
        body: &Value,
        now: Now,
    ) -> Result<Application> {
        let map = fields::object(body, Application::FIELDS, IGNORED)?;
        let mut app: Application = fields::build(map, Application::FIELDS)?;
        validate_name("application", &app.name)?;
        require_admin_of(who, &app.organization)?;
        app.owner = GLOBAL_OWNER.into();
        app.created_time = now.rfc3339();
        if app.client_id.is_empty() {
            app.client_id = new_client_id();
        }
        if app.client_secret.is_empty() || app.client_secret == MASK {
            app.client_secret = new_client_secret();
        }
        if app.cert.is_empty() {
            app.cert = BUILT_IN_CERT.into();
        }
        let mut tx = self.store.begin().await?;
        check_application(&mut *tx, &app).await?;
        tx.insert_application(&app)
            .await
            .map_err(|e| write_error(e, &app))?;
        tx.commit().await?;
        Ok(app)
    }

    pub async fn update_application(
        &self,
        who: &Principal,
        name: &str,
        body: &Value,
    ) -> Result<bool> {
        let map = fields::object(body, Application::FIELDS, IGNORED)?;
        // Read, merge and write in one transaction with the row locked: a concurrent
        // update of other fields is waited for, never overwritten with what was read before.
        let mut tx = self.store.begin().await?;
        let current = tx
            .get_application_for_update(name)
            .await?
            .ok_or_else(|| Error::not_found(format!("application {name} not found")))?;
        require_admin_of(who, &current.organization)?;
        let mut updated: Application = fields::merge(&current, map, Application::FIELDS)?;
        if updated.name != current.name || updated.created_time != current.created_time {
            return Err(Error::invalid(
                "the fields `name` and `createdTime` cannot be changed",
            ));
        }
        if updated.organization != current.organization {
            require_admin_of(who, &updated.organization)?;
        }
        if updated.client_secret == MASK || updated.client_secret.is_empty() {
            updated.client_secret = current.client_secret.clone();
        }
        for item in &mut updated.providers {
            item.provider = None;
        }
        if updated == current {
            return Ok(false);
        }
        check_application(&mut *tx, &updated).await?;
        let affected = tx
            .update_application(&updated)
            .await
            .map_err(|e| write_error(e, &updated))?;
        tx.commit().await?;
        Ok(affected)
    }

    /// Replaces the client secret (the old one stops working at once); answers the
    /// application with its new secret.
    pub async fn regenerate_client_secret(
        &self,
        who: &Principal,
        name: &str,
    ) -> Result<Application> {
        let mut tx = self.store.begin().await?;
        let mut app = tx
            .get_application_for_update(name)
            .await?
            .ok_or_else(|| Error::not_found(format!("application {name} not found")))?;
        require_admin_of(who, &app.organization)?;
        app.client_secret = new_client_secret();
        tx.update_application(&app).await?;
        tx.commit().await?;
        self.fill_providers(&mut app).await?;
        Ok(app)
    }

    pub async fn delete_application(&self, who: &Principal, name: &str) -> Result<bool> {
        if name == BUILT_IN_APP {
            return Err(Error::forbidden(
                "the built-in application cannot be deleted",
            ));
        }
        let mut tx = self.store.begin().await?;
        let Some(current) = tx.get_application_for_update(name).await? else {
            return Ok(false);
        };
        require_admin_of(who, &current.organization)?;
        let affected = tx.delete_application(name).await?;
        tx.commit().await?;
        Ok(affected)
    }
}

/// Rules the database cannot check: references by name (read in the transaction that
/// writes the application) and URL syntax.
async fn check_application(tx: &mut dyn StoreTx, app: &Application) -> Result<()> {
    if tx.get_organization(&app.organization).await?.is_none() {
        return Err(Error::invalid(format!(
            "organization {:?} does not exist",
            app.organization
        )));
    }
    if tx.get_cert(&app.cert).await?.is_none() {
        return Err(Error::invalid(format!(
            "certificate {:?} does not exist",
            app.cert
        )));
    }
    for item in &app.providers {
        if tx.get_provider(&item.name).await?.is_none() {
            return Err(Error::invalid(format!(
                "provider {:?} does not exist",
                item.name
            )));
        }
    }
    check_application_values(app)
}

/// The checks of an application that need no database: redirect URIs and token lifetimes.
pub fn check_application_values(app: &Application) -> Result<()> {
    for uri in &app.redirect_uris {
        let parsed = url::Url::parse(uri)
            .map_err(|_| Error::invalid(format!("redirect URI {uri:?} is not an absolute URL")))?;
        if parsed.fragment().is_some() {
            return Err(Error::invalid(format!(
                "redirect URI {uri:?} must not have a fragment"
            )));
        }
    }
    if !valid_token_hours(app.expire_in_hours) {
        return Err(Error::invalid(format!(
            "expireInHours must be at least one second and at most {MAX_TOKEN_HOURS} hours"
        )));
    }
    // 0: the same as the access token.
    if app.refresh_expire_in_hours != 0.0 && !valid_token_hours(app.refresh_expire_in_hours) {
        return Err(Error::invalid(format!(
            "refreshExpireInHours must be 0 (as expireInHours), or at least one second and at most {MAX_TOKEN_HOURS} hours"
        )));
    }
    Ok(())
}

fn write_error(e: StoreError, app: &Application) -> Error {
    match e {
        StoreError::Conflict(msg) => Error::Conflict(format!("application {}: {msg}", app.name)),
        StoreError::Reference(_) => Error::invalid(format!(
            "organization {:?} does not exist",
            app.organization
        )),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(expire: f64, refresh: f64) -> Application {
        Application {
            expire_in_hours: expire,
            refresh_expire_in_hours: refresh,
            ..Application::default()
        }
    }

    /// Found by fuzz/manage_json: a tiny `expireInHours` gave 0-second tokens (expired when
    /// issued) and a huge one overflowed every expiry time.
    #[test]
    fn token_lifetimes_are_usable_or_refused() {
        for (expire, refresh) in [
            (1e-9, 0.0),
            (1e300, 0.0),
            (87_601.0, 0.0),
            (1.0, 1e300),
            (1.0, 1e-9),
            (1.0, -1.0),
        ] {
            assert!(
                matches!(
                    check_application_values(&app(expire, refresh)),
                    Err(Error::Invalid(_))
                ),
                "{expire} {refresh}"
            );
        }
        for (expire, refresh) in [
            (0.0003, 0.0),
            (168.0, 0.0),
            (MAX_TOKEN_HOURS, MAX_TOKEN_HOURS),
        ] {
            assert!(check_application_values(&app(expire, refresh)).is_ok());
        }
        // Rows stored before the check still give lifetimes a login can use.
        let now = 1_800_000_000i64;
        for a in [app(1e-9, 1e-9), app(1e300, 1e300)] {
            for seconds in [a.access_token_seconds(), a.refresh_token_seconds()] {
                assert!(
                    seconds >= 1 && now.checked_add(seconds).is_some(),
                    "{seconds}"
                );
            }
        }
    }
}
