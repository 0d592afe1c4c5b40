//! `organizations`: the table and its queries.

use ferrodoor_core::entity::Organization;

crate::tables::table! {
    OrganizationRow for Organization in "organizations" {
        key {
            name: String = "name", list("name", Text);
        }
        columns {
            owner: String = "owner", list("owner", Text);
            created_time: String = "created_time", list("createdTime", Text);
            display_name: String = "display_name", list("displayName", Text);
            website_url: String = "website_url", list("websiteUrl", Text);
            favicon: String = "favicon", list("favicon", Text);
            password_type: String = "password_type", list("passwordType", Text);
            default_avatar: String = "default_avatar", list("defaultAvatar", Text);
            default_application: String = "default_application", list("defaultApplication", Text);
            failed_signin_limit: i64 = "failed_signin_limit", list("failedSigninLimit", Number);
            failed_signin_frozen_time: i64 = "failed_signin_frozen_time", list("failedSigninFrozenTime", Number);
        }
        conflict = |org, _| format!("organization {} already exists", org.name);
    }
}

/// Expands the organization queries for the backend in scope (`Db`, `Conn`); see
/// [`crate::backend`].
macro_rules! organization_queries {
    () => {
        /// Refused by the foreign keys of `users` and `applications` while either refers to it.
        pub(crate) async fn delete_organization(c: &mut Conn, name: &str) -> StoreResult<bool> {
            delete::<OrganizationRow>(c, name)
                .await
                .on_reference(|| format!("organization {name} still has users or applications"))
        }
    };
}
pub(crate) use organization_queries;
