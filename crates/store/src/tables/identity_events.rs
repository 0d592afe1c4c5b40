//! `identity_events`: the audit trail of WeChat identities linked to and unlinked from
//! users. Append only, read per user; no foreign key, so it outlives the user.

use ferrodoor_core::entity::IdentityEvent;

crate::tables::table! {
    /// `id` (autoincrement, the primary key) is left to the database.
    IdentityEventRow for IdentityEvent in "identity_events" {
        key {}
        columns {
            organization: String = "organization", unlisted;
            appid: String = "appid", unlisted;
            openid: String = "openid", unlisted;
            user_name: String = "user_name", unlisted;
            action: String = "action", unlisted;
            actor: String = "actor", unlisted;
            method: String = "method", unlisted;
            created_time: String = "created_time", unlisted;
        }
    }
}

/// A user's events, oldest first; `id` (autoincrement) breaks ties in insertion order.
pub(crate) const LIST: &str = "SELECT * FROM identity_events \
     WHERE organization = $1 AND user_name = $2 ORDER BY created_time, id";

/// Expands the identity event queries for the backend in scope; see [`crate::backend`].
macro_rules! identity_event_queries {
    () => {
        pub(crate) async fn list_identity_events(
            c: &mut Conn,
            owner: &str,
            name: &str,
        ) -> StoreResult<Vec<IdentityEvent>> {
            let args = vec![owner.into(), name.into()];
            fetch_all::<IdentityEventRow>(c, identity_events::LIST, args).await
        }
    };
}
pub(crate) use identity_event_queries;
