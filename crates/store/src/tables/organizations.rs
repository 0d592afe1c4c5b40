//! `organizations`: rows, list allow-list and queries.

use ferrodoor_core::entity::Organization;
use ferrodoor_core::store::StoreResult;

use super::IntoEntity;
use crate::list::{Kind, Table};

pub(crate) const TABLE: Table = Table {
    name: "organizations",
    fields: &[
        ("owner", "owner", Kind::Text),
        ("name", "name", Kind::Text),
        ("createdTime", "created_time", Kind::Text),
        ("displayName", "display_name", Kind::Text),
        ("websiteUrl", "website_url", Kind::Text),
        ("favicon", "favicon", Kind::Text),
        ("passwordType", "password_type", Kind::Text),
        ("defaultAvatar", "default_avatar", Kind::Text),
        ("defaultApplication", "default_application", Kind::Text),
        ("failedSigninLimit", "failed_signin_limit", Kind::Number),
        (
            "failedSigninFrozenTime",
            "failed_signin_frozen_time",
            Kind::Number,
        ),
    ],
    key: "name",
};

#[derive(sqlx::FromRow)]
pub(crate) struct OrganizationRow {
    owner: String,
    name: String,
    created_time: String,
    display_name: String,
    website_url: String,
    favicon: String,
    password_type: String,
    default_avatar: String,
    default_application: String,
    failed_signin_limit: i64,
    failed_signin_frozen_time: i64,
}

impl IntoEntity for OrganizationRow {
    type Entity = Organization;

    fn into_entity(self) -> StoreResult<Organization> {
        let r = self;
        Ok(Organization {
            owner: r.owner,
            name: r.name,
            created_time: r.created_time,
            display_name: r.display_name,
            website_url: r.website_url,
            favicon: r.favicon,
            password_type: r.password_type,
            default_avatar: r.default_avatar,
            default_application: r.default_application,
            failed_signin_limit: r.failed_signin_limit,
            failed_signin_frozen_time: r.failed_signin_frozen_time,
        })
    }
}

/// Expands the organization queries for the backend in scope (`Db`, `Conn`); see
/// [`crate::backend`].
macro_rules! organization_queries {
    () => {
        pub(crate) async fn get_organization(
            c: &mut Conn,
            name: &str,
        ) -> StoreResult<Option<Organization>> {
            let row: Option<OrganizationRow> =
                sqlx::query_as("SELECT * FROM organizations WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&mut *c)
                    .await
                    .map_err(db_error)?;
            row.map(IntoEntity::into_entity).transpose()
        }

        pub(crate) async fn list_organizations(
            c: &mut Conn,
            query: &ListQuery,
        ) -> StoreResult<Page<Organization>> {
            list::<OrganizationRow>(c, &organizations::TABLE, None, query).await
        }

        pub(crate) async fn insert_organization(c: &mut Conn, o: &Organization) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO organizations (owner, name, created_time, display_name, website_url, \
                 favicon, password_type, default_avatar, default_application, \
                 failed_signin_limit, failed_signin_frozen_time) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&o.owner)
            .bind(&o.name)
            .bind(&o.created_time)
            .bind(&o.display_name)
            .bind(&o.website_url)
            .bind(&o.favicon)
            .bind(&o.password_type)
            .bind(&o.default_avatar)
            .bind(&o.default_application)
            .bind(o.failed_signin_limit)
            .bind(o.failed_signin_frozen_time)
            .execute(&mut *c)
            .await
            .map_err(db_error)
            .on_conflict(|_| format!("organization {} already exists", o.name))?;
            Ok(())
        }

        pub(crate) async fn update_organization(
            c: &mut Conn,
            o: &Organization,
        ) -> StoreResult<bool> {
            let done = sqlx::query(
                "UPDATE organizations SET owner = $2, created_time = $3, display_name = $4, \
                 website_url = $5, favicon = $6, password_type = $7, default_avatar = $8, \
                 default_application = $9, failed_signin_limit = $10, \
                 failed_signin_frozen_time = $11 WHERE name = $1",
            )
            .bind(&o.name)
            .bind(&o.owner)
            .bind(&o.created_time)
            .bind(&o.display_name)
            .bind(&o.website_url)
            .bind(&o.favicon)
            .bind(&o.password_type)
            .bind(&o.default_avatar)
            .bind(&o.default_application)
            .bind(o.failed_signin_limit)
            .bind(o.failed_signin_frozen_time)
            .execute(&mut *c)
            .await
            .map_err(db_error)?;
            Ok(done.rows_affected() > 0)
        }

        /// Refused by the foreign keys of `users` and `applications` while either refers to it.
        pub(crate) async fn delete_organization(c: &mut Conn, name: &str) -> StoreResult<bool> {
            let done = sqlx::query("DELETE FROM organizations WHERE name = $1")
                .bind(name)
                .execute(&mut *c)
                .await
                .map_err(db_error)
                .on_reference(|| format!("organization {name} still has users or applications"))?;
            Ok(done.rows_affected() > 0)
        }
    };
}
pub(crate) use organization_queries;
