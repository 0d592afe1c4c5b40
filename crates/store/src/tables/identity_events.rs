//! `identity_events`: the audit trail of WeChat identities linked to and unlinked from
//! users. Append only, read per user; no foreign key, so it outlives the user.

use ferrodoor_core::entity::IdentityEvent;
use ferrodoor_core::store::StoreResult;

use super::IntoEntity;

#[derive(sqlx::FromRow)]
pub(crate) struct IdentityEventRow {
    organization: String,
    appid: String,
    openid: String,
    user_name: String,
    action: String,
    actor: String,
    method: String,
    created_time: String,
}

impl IntoEntity for IdentityEventRow {
    type Entity = IdentityEvent;

    fn into_entity(self) -> StoreResult<IdentityEvent> {
        let r = self;
        Ok(IdentityEvent {
            organization: r.organization,
            appid: r.appid,
            openid: r.openid,
            user_name: r.user_name,
            action: r.action,
            actor: r.actor,
            method: r.method,
            created_time: r.created_time,
        })
    }
}

/// A user's events, oldest first; `id` (autoincrement) breaks ties in insertion order.
pub(crate) const LIST: &str = "SELECT organization, appid, openid, user_name, action, actor, \
     method, created_time FROM identity_events WHERE organization = $1 AND user_name = $2 \
     ORDER BY created_time, id";

/// Expands the identity event queries for the backend in scope; see [`crate::backend`].
macro_rules! identity_event_queries {
    () => {
        pub(crate) async fn list_identity_events(
            c: &mut Conn,
            owner: &str,
            name: &str,
        ) -> StoreResult<Vec<IdentityEvent>> {
            let rows: Vec<IdentityEventRow> = sqlx::query_as(identity_events::LIST)
                .bind(owner)
                .bind(name)
                .fetch_all(&mut *c)
                .await
                .map_err(db_error)?;
            rows.into_iter().map(IntoEntity::into_entity).collect()
        }

        /// `id` is left to the database.
        pub(crate) async fn insert_identity_event(
            c: &mut Conn,
            e: &IdentityEvent,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO identity_events (organization, appid, openid, user_name, action, \
                 actor, method, created_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&e.organization)
            .bind(&e.appid)
            .bind(&e.openid)
            .bind(&e.user_name)
            .bind(&e.action)
            .bind(&e.actor)
            .bind(&e.method)
            .bind(&e.created_time)
            .execute(&mut *c)
            .await
            .map_err(db_error)?;
            Ok(())
        }
    };
}
pub(crate) use identity_event_queries;
