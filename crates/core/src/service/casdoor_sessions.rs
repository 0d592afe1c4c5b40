//! Casdoor's Session objects (`get-sessions`, `get-session`, `add-`, `update-`,
//! `delete-session`, `is-session-duplicated`) and `sso-logout`, which signs a user out
//! everywhere: their Session objects and console sessions deleted and their tokens revoked,
//! in one transaction (every node sees it at once: all of it lives in the database).

use serde_json::{Map, Value};

use super::audit::Event;
use super::{Core, ListParams};
use crate::authz::{Credential, Principal, require_can_manage_sign_ins, sign_in_list_scope};
use crate::clock::Now;
use crate::entity::CasdoorSession;
use crate::error::{Error, Result};
use crate::fields;
use crate::store::{Page, StoreError, StoreTx};
use crate::token::hash_secret;

pub const SESSION_LIST_FIELDS: &[&str] = &["owner", "name", "application", "createdTime"];
/// What Casdoor's SDKs send besides the Session's fields (the Python SDK's class has them).
const IGNORED: &[&str] = &["sessionInfos", "ExclusiveSignin", "exclusiveSignin"];
/// The longest session id accepted (Casdoor's are 32 hex digits).
const MAX_SESSION_ID_LEN: usize = 200;

/// `owner/name/application` (Casdoor's `sessionPkId`).
pub fn split_session_pk(id: &str) -> Result<(&str, &str, &str)> {
    let mut parts = id.splitn(3, '/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(o), Some(n), Some(a)) if !o.is_empty() && !n.is_empty() && !a.is_empty() => {
            Ok((o, n, a))
        }
        _ => Err(Error::invalid(format!(
            "sessionPkId must be owner/name/application, got {id:?}"
        ))),
    }
}

/// The Session in `body`, strictly read; `exclusive`: Casdoor's `ExclusiveSignin`.
fn read_session(body: &Value) -> Result<(Map<String, Value>, bool)> {
    let body = fields::canonical_keys(body, CasdoorSession::FIELDS, IGNORED);
    let map = fields::object(&body, CasdoorSession::FIELDS, IGNORED)?.clone();
    let exclusive = ["ExclusiveSignin", "exclusiveSignin"]
        .iter()
        .any(|k| map.get(*k).and_then(Value::as_bool) == Some(true));
    Ok((map, exclusive))
}

/// Empty ids (the Python SDK's default `[""]`) dropped, duplicates once, each checked.
fn clean_ids(ids: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for id in ids.iter().filter(|id| !id.is_empty()) {
        if id.len() > MAX_SESSION_ID_LEN || id.chars().any(char::is_control) {
            return Err(Error::invalid(format!(
                "a session id is at most {MAX_SESSION_ID_LEN} characters, without control characters"
            )));
        }
        if !out.contains(id) {
            out.push(id.clone());
        }
    }
    Ok(out)
}

/// Casdoor keeps the newest [`CasdoorSession::MAX_SESSION_IDS`].
fn keep_newest(ids: &mut Vec<String>) {
    let extra = ids.len().saturating_sub(CasdoorSession::MAX_SESSION_IDS);
    ids.drain(..extra);
}

fn key_of(map: &Map<String, Value>) -> Result<(String, String, String)> {
    let field = |k: &str| map.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let (owner, name, application) = (field("owner"), field("name"), field("application"));
    if owner.is_empty() || name.is_empty() || application.is_empty() {
        return Err(Error::invalid(
            "a session is named by its owner, name and application",
        ));
    }
    Ok((owner, name, application))
}

fn conflict(e: StoreError) -> Error {
    match e {
        StoreError::Conflict(m) => Error::Conflict(m),
        other => other.into(),
    }
}

impl Core {
    pub async fn list_casdoor_sessions(
        &self,
        who: &Principal,
        owner: Option<&str>,
        params: &ListParams,
    ) -> Result<Page<CasdoorSession>> {
        let query = params.to_query(SESSION_LIST_FIELDS)?;
        let scope = sign_in_list_scope(who, owner)?;
        Ok(self
            .store
            .list_casdoor_sessions(scope.as_deref(), &query)
            .await?)
    }

    /// None (Casdoor's `data: null`) when there is none.
    pub async fn get_casdoor_session(
        &self,
        who: &Principal,
        pk_id: &str,
    ) -> Result<Option<CasdoorSession>> {
        let (owner, name, application) = split_session_pk(pk_id)?;
        require_can_manage_sign_ins(who, Some(owner))?;
        Ok(self
            .store
            .get_casdoor_session(owner, name, application)
            .await?)
    }

    /// Casdoor's `is-session-duplicated`: whether the user's Session for the application
    /// holds a session id other than `session_id`.
    pub async fn is_session_duplicated(
        &self,
        who: &Principal,
        pk_id: &str,
        session_id: &str,
    ) -> Result<bool> {
        Ok(match self.get_casdoor_session(who, pk_id).await? {
            None => false,
            Some(s) => match s.session_id.as_slice() {
                [] => false,
                [only] => only != session_id,
                _ => true,
            },
        })
    }

    /// Casdoor's `add-session`: a new Session, or the ids added to the existing one (the
    /// newest 100 kept; `ExclusiveSignin`: only the first id sent). The user and the
    /// application must exist.
    pub async fn add_casdoor_session(
        &self,
        who: &Principal,
        body: &Value,
        now: Now,
    ) -> Result<bool> {
        let (map, exclusive) = read_session(body)?;
        let (owner, name, application) = key_of(&map)?;
        require_can_manage_sign_ins(who, Some(&owner))?;
        let sent: CasdoorSession = fields::build(&map, CasdoorSession::FIELDS)?;
        let sent_ids = clean_ids(&sent.session_id)?;
        let mut tx = self.store.begin().await?;
        if tx.get_user(&owner, &name).await?.is_none() {
            return Err(Error::invalid(format!(
                "user {owner}/{name} does not exist"
            )));
        }
        if tx.get_application(&application).await?.is_none() {
            return Err(Error::invalid(format!(
                "application {application:?} does not exist"
            )));
        }
        let current = tx
            .get_casdoor_session_for_update(&owner, &name, &application)
            .await?;
        let affected = match current {
            None => {
                let mut ids = sent_ids;
                if exclusive {
                    ids.truncate(1);
                }
                keep_newest(&mut ids);
                let session = CasdoorSession {
                    owner: owner.clone(),
                    name: name.clone(),
                    application: application.clone(),
                    created_time: now.rfc3339(),
                    session_id: ids,
                };
                tx.insert_casdoor_session(&session)
                    .await
                    .map_err(conflict)?;
                true
            }
            Some(mut session) => {
                let before = session.session_id.clone();
                if exclusive {
                    session.session_id = sent_ids.into_iter().take(1).collect();
                } else {
                    for id in sent_ids {
                        if !session.session_id.contains(&id) {
                            session.session_id.push(id);
                        }
                    }
                    keep_newest(&mut session.session_id);
                }
                if session.session_id == before {
                    return Ok(false);
                }
                tx.update_casdoor_session(&session).await?
            }
        };
        let object = format!("{owner}/{name}/{application}");
        self.record(&mut *tx, Event::by(who, "add-session", &owner, object), now)
            .await?;
        tx.commit().await?;
        Ok(affected)
    }

    /// Casdoor's `update-session`: the Session named by the body's owner, name and
    /// application gets the fields sent (its key and `createdTime` cannot change).
    pub async fn update_casdoor_session(
        &self,
        who: &Principal,
        body: &Value,
        now: Now,
    ) -> Result<bool> {
        let (map, _) = read_session(body)?;
        let (owner, name, application) = key_of(&map)?;
        require_can_manage_sign_ins(who, Some(&owner))?;
        let mut tx = self.store.begin().await?;
        let Some(current) = tx
            .get_casdoor_session_for_update(&owner, &name, &application)
            .await?
        else {
            return Ok(false);
        };
        let mut updated: CasdoorSession = fields::merge(&current, &map, CasdoorSession::FIELDS)?;
        if updated.created_time.is_empty() {
            // The SDKs send the empty string for what they did not read.
            updated.created_time = current.created_time.clone();
        }
        if updated.created_time != current.created_time {
            return Err(Error::invalid("a session's createdTime cannot be changed"));
        }
        updated.session_id = clean_ids(&updated.session_id)?;
        keep_newest(&mut updated.session_id);
        if updated == current {
            return Ok(false);
        }
        let affected = tx.update_casdoor_session(&updated).await?;
        let event = Event::by(who, "update-session", &owner, updated.id_string());
        self.record(&mut *tx, event, now).await?;
        tx.commit().await?;
        Ok(affected)
    }

    /// Casdoor's `delete-session`: the whole Session, or (`?sessionId=`) only that id of
    /// it (the Session goes with its last id).
    pub async fn delete_casdoor_session(
        &self,
        who: &Principal,
        body: &Value,
        session_id: Option<&str>,
        now: Now,
    ) -> Result<bool> {
        let (map, _) = read_session(body)?;
        let (owner, name, application) = key_of(&map)?;
        require_can_manage_sign_ins(who, Some(&owner))?;
        let mut tx = self.store.begin().await?;
        let Some(mut current) = tx
            .get_casdoor_session_for_update(&owner, &name, &application)
            .await?
        else {
            return Ok(false);
        };
        let affected = match session_id.filter(|id| !id.is_empty()) {
            Some(id) => {
                if !current.session_id.iter().any(|s| s == id) {
                    return Ok(false);
                }
                current.session_id.retain(|s| s != id);
                if current.session_id.is_empty() {
                    tx.delete_casdoor_session(&owner, &name, &application)
                        .await?
                } else {
                    tx.update_casdoor_session(&current).await?
                }
            }
            None => {
                tx.delete_casdoor_session(&owner, &name, &application)
                    .await?
            }
        };
        let event = Event::by(who, "delete-session", &owner, current.id_string());
        self.record(&mut *tx, event, now).await?;
        tx.commit().await?;
        Ok(affected)
    }

    /// Casdoor's `sso-logout`. `logout_all` (Casdoor's default): the caller's Session
    /// objects and console sessions are deleted and every token of theirs revoked, in one
    /// transaction. Otherwise only what the request was made with ends: its access token or
    /// its console session (`cookie`). An application (client credentials) is no user:
    /// nothing to sign out, as Casdoor answers `ok` without a signed-in user.
    pub async fn sso_logout(
        &self,
        who: &Principal,
        logout_all: bool,
        cookie: Option<&str>,
        now: Now,
    ) -> Result<()> {
        let Principal::User { user, credential } = who else {
            return Ok(());
        };
        let mut tx = self.store.begin().await?;
        if logout_all {
            tx.delete_user_sessions(&user.owner, &user.name).await?;
            tx.revoke_user_tokens(&user.owner, &user.name).await?;
        } else {
            end_current(&mut *tx, credential, cookie).await?;
        }
        self.record(&mut *tx, Event::of_user("sso-logout", user), now)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The access token or console session a request was made with.
async fn end_current(
    tx: &mut dyn StoreTx,
    credential: &Credential,
    cookie: Option<&str>,
) -> Result<()> {
    match credential {
        Credential::Bearer { token_name, .. } => {
            tx.revoke_token(token_name).await?;
        }
        Credential::Session => {
            if let Some(cookie) = cookie {
                tx.delete_session(&hash_secret(cookie.as_bytes())).await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_pk_ids_have_three_parts() {
        assert_eq!(
            split_session_pk("acme/alice/web").ok(),
            Some(("acme", "alice", "web"))
        );
        assert!(split_session_pk("acme/alice").is_err());
        assert!(split_session_pk("acme//web").is_err());
        assert!(split_session_pk("").is_err());
    }

    #[test]
    fn ids_are_cleaned_and_the_newest_hundred_kept() {
        let ids = vec![String::new(), "a".into(), "b".into(), "a".into()];
        assert_eq!(
            clean_ids(&ids).ok(),
            Some(vec!["a".to_string(), "b".to_string()])
        );
        assert!(clean_ids(&["x\n".to_string()]).is_err());
        assert!(clean_ids(&["x".repeat(MAX_SESSION_ID_LEN + 1)]).is_err());
        let mut many: Vec<String> = (0..105).map(|i| i.to_string()).collect();
        keep_newest(&mut many);
        assert_eq!(many.len(), 100);
        assert_eq!(many.first().map(String::as_str), Some("5"));
        assert_eq!(many.last().map(String::as_str), Some("104"));
    }
}
