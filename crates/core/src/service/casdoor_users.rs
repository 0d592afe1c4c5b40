//! The user calls of Casdoor's SDKs beyond plain CRUD: get-user by id, email or phone,
//! set-password, check-user-password and password sign-up.

use serde::Deserialize;

use super::Core;
use crate::authz::{
    Principal, can_read_user, require_admin_of, require_can_read_user, require_can_set_password,
    user_lookup_scope,
};
use crate::clock::Now;
use crate::entity::{User, validate_name};
use crate::error::{Error, Result};
use crate::store::{Contact, StoreError};

/// How Casdoor's get-user names a user (`id=owner/name`, `userId`, `email`, `phone`; the
/// last three with an optional `owner`).
#[derive(Debug, Clone, Copy)]
pub enum UserKey<'a> {
    Name {
        owner: &'a str,
        name: &'a str,
    },
    Id {
        owner: Option<&'a str>,
        id: &'a str,
    },
    Email {
        owner: Option<&'a str>,
        email: &'a str,
    },
    Phone {
        owner: Option<&'a str>,
        phone: &'a str,
    },
}

/// Casdoor's `/api/signup` body (its `AuthForm`); fields it has and Ferrodoor does not
/// use (captcha, invitation codes, plans) are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SignupForm {
    pub application: String,
    pub organization: String,
    pub username: String,
    pub name: String,
    pub password: String,
    pub email: String,
    pub phone: String,
    pub country_code: String,
}

impl Core {
    /// The user `key` names, masked, or None when there is none the caller may see
    /// (Casdoor answers `data: null`; the Go SDK's find-or-create relies on it). By name,
    /// a caller who may not read that user is refused; by id, email or phone the search
    /// stays in what the caller may read. Pending (self-set, unverified) emails and
    /// phones are never matched.
    pub async fn find_user(&self, who: &Principal, key: UserKey<'_>) -> Result<Option<User>> {
        let found = match key {
            UserKey::Name { owner, name } => {
                require_can_read_user(who, owner, name)?;
                return Ok(self.store.get_user(owner, name).await?.map(User::masked));
            }
            UserKey::Id { owner, id } => {
                let scope = user_lookup_scope(who, owner);
                self.store
                    .get_user_by_id(id)
                    .await?
                    .filter(|u| scope.as_deref().is_none_or(|o| u.owner == o))
            }
            UserKey::Email { owner, email } => {
                let scope = user_lookup_scope(who, owner);
                self.store
                    .find_user_by_contact(scope.as_deref(), Contact::Email(email))
                    .await?
            }
            UserKey::Phone { owner, phone } => {
                let scope = user_lookup_scope(who, owner);
                self.store
                    .find_user_by_contact(scope.as_deref(), Contact::Phone(phone))
                    .await?
            }
        };
        Ok(found
            .filter(|u| can_read_user(who, &u.owner, &u.name))
            .map(User::masked))
    }

    /// `owner/name` of the user with id `id` in `owner`, for update-user's `userId`.
    pub async fn user_name_by_id(
        &self,
        who: &Principal,
        owner: &str,
        id: &str,
    ) -> Result<(String, String)> {
        self.find_user(
            who,
            UserKey::Id {
                owner: Some(owner),
                id,
            },
        )
        .await?
        .map(|u| (u.owner, u.name))
        .ok_or_else(|| Error::not_found(format!("no user with id {id:?} in {owner}")))
    }

    /// Casdoor's `set-password`. An administrator of the user's organization (an
    /// application's credentials included) may reset it without the old one; anyone else
    /// only for themselves, with the old one. An old password given is always checked.
    pub async fn set_password(
        &self,
        who: &Principal,
        owner: &str,
        name: &str,
        old_password: &str,
        new_password: &str,
        now: Now,
    ) -> Result<()> {
        require_can_set_password(who, owner, name, !old_password.is_empty())?;
        if new_password.is_empty() {
            return Err(Error::invalid("the new password may not be empty"));
        }
        if !old_password.is_empty()
            && self
                .user_by_password(owner, name, old_password, now)
                .await?
                .is_none()
        {
            return Err(Error::invalid("the old password is wrong"));
        }
        let hash = self
            .new_password_hash(new_password)
            .await?
            .ok_or_else(|| Error::invalid("the new password may not be \"***\""))?;
        let mut tx = self.store.begin().await?;
        let mut user = tx
            .get_user_for_update(owner, name)
            .await?
            .ok_or_else(|| Error::not_found(format!("user {owner}/{name} not found")))?;
        user.password_hash = Some(hash);
        user.updated_time = now.rfc3339();
        tx.update_user(&user).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Casdoor's `check-user-password`: whether `password` is user `owner/name`'s. Only
    /// for administrators of the organization (it is a password oracle).
    pub async fn check_user_password(
        &self,
        who: &Principal,
        owner: &str,
        name: &str,
        password: &str,
        now: Now,
    ) -> Result<()> {
        require_admin_of(who, owner)?;
        match self.user_by_password(owner, name, password, now).await? {
            Some(u) if u.is_active() => Ok(()),
            Some(_) => Err(Error::forbidden("the user is forbidden")),
            None => Err(Error::Unauthenticated("wrong username or password".into())),
        }
    }

    /// Casdoor's `/api/signup` for an application with sign-up and password sign-in
    /// enabled. The email and phone are unverified (pending): Ferrodoor sends no codes.
    /// Answers `owner/name` of the new user.
    pub async fn sign_up(&self, form: &SignupForm, now: Now) -> Result<String> {
        let app = self
            .store
            .get_application(&form.application)
            .await?
            .ok_or_else(|| {
                Error::invalid(format!("application {:?} does not exist", form.application))
            })?;
        if !app.enable_sign_up || !app.enable_password {
            return Err(Error::forbidden(
                "the application does not allow signing up with a password",
            ));
        }
        if !form.organization.is_empty() && form.organization != app.organization {
            return Err(Error::invalid(format!(
                "application {} belongs to organization {}",
                app.name, app.organization
            )));
        }
        validate_name("user", &form.username)?;
        let hash = self
            .new_password_hash(&form.password)
            .await?
            .ok_or_else(|| Error::invalid("a password is required"))?;
        let user = User {
            owner: app.organization.clone(),
            name: form.username.clone(),
            created_time: now.rfc3339(),
            updated_time: now.rfc3339(),
            id: uuid::Uuid::new_v4().to_string(),
            type_: "normal-user".into(),
            password_hash: Some(hash),
            display_name: form.name.clone(),
            email: form.email.clone(),
            email_pending: !form.email.is_empty(),
            phone: form.phone.clone(),
            phone_pending: !form.phone.is_empty(),
            country_code: form.country_code.clone(),
            signup_application: app.name.clone(),
            ..User::default()
        };
        let mut tx = self.store.begin().await?;
        tx.insert_user(&user).await.map_err(|e| match e {
            StoreError::Conflict(_) => {
                Error::Conflict(format!("the username {} is taken", user.name))
            }
            other => other.into(),
        })?;
        tx.commit().await?;
        Ok(user.id_string())
    }
}
