//! `providers`: rows, list allow-list and queries.

use ferrodoor_core::entity::Provider;
use ferrodoor_core::store::StoreResult;

use super::IntoEntity;
use crate::list::{Kind, Table};

pub(crate) const TABLE: Table = Table {
    name: "providers",
    fields: &[
        ("owner", "owner", Kind::Text),
        ("name", "name", Kind::Text),
        ("createdTime", "created_time", Kind::Text),
        ("displayName", "display_name", Kind::Text),
        ("category", "category", Kind::Text),
        ("type", "type", Kind::Text),
        ("subType", "sub_type", Kind::Text),
        ("clientId", "client_id", Kind::Text),
        ("clientId2", "client_id2", Kind::Text),
        ("providerUrl", "provider_url", Kind::Text),
    ],
    key: "name",
};

#[derive(sqlx::FromRow)]
pub(crate) struct ProviderRow {
    owner: String,
    name: String,
    created_time: String,
    display_name: String,
    category: String,
    #[sqlx(rename = "type")]
    type_: String,
    sub_type: String,
    client_id: String,
    client_secret: String,
    client_id2: String,
    client_secret2: String,
    provider_url: String,
}

impl IntoEntity for ProviderRow {
    type Entity = Provider;

    fn into_entity(self) -> StoreResult<Provider> {
        let r = self;
        Ok(Provider {
            owner: r.owner,
            name: r.name,
            created_time: r.created_time,
            display_name: r.display_name,
            category: r.category,
            type_: r.type_,
            sub_type: r.sub_type,
            client_id: r.client_id,
            client_secret: r.client_secret,
            client_id2: r.client_id2,
            client_secret2: r.client_secret2,
            provider_url: r.provider_url,
        })
    }
}

/// Expands the provider queries for the backend in scope; see [`crate::backend`].
macro_rules! provider_queries {
    () => {
        pub(crate) async fn get_provider(
            c: &mut Conn,
            name: &str,
        ) -> StoreResult<Option<Provider>> {
            let row: Option<ProviderRow> = sqlx::query_as("SELECT * FROM providers WHERE name = $1")
                .bind(name)
                .fetch_optional(&mut *c)
                .await
                .map_err(db_error)?;
            row.map(IntoEntity::into_entity).transpose()
        }

        pub(crate) async fn list_providers(
            c: &mut Conn,
            owner: Option<&str>,
            query: &ListQuery,
        ) -> StoreResult<Page<Provider>> {
            let scope = owner.map(|o| ("owner", o));
            list::<ProviderRow>(c, &providers::TABLE, scope, query).await
        }

        pub(crate) async fn insert_provider(c: &mut Conn, p: &Provider) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO providers (owner, name, created_time, display_name, category, type, \
                 sub_type, client_id, client_secret, client_id2, client_secret2, provider_url) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(&p.owner)
            .bind(&p.name)
            .bind(&p.created_time)
            .bind(&p.display_name)
            .bind(&p.category)
            .bind(&p.type_)
            .bind(&p.sub_type)
            .bind(&p.client_id)
            .bind(&p.client_secret)
            .bind(&p.client_id2)
            .bind(&p.client_secret2)
            .bind(&p.provider_url)
            .execute(&mut *c)
            .await
            .map_err(db_error)
            .on_conflict(|_| format!("provider {} already exists", p.name))?;
            Ok(())
        }

        pub(crate) async fn update_provider(c: &mut Conn, p: &Provider) -> StoreResult<bool> {
            let done = sqlx::query(
                "UPDATE providers SET owner = $2, created_time = $3, display_name = $4, \
                 category = $5, type = $6, sub_type = $7, client_id = $8, client_secret = $9, \
                 client_id2 = $10, client_secret2 = $11, provider_url = $12 WHERE name = $1",
            )
            .bind(&p.name)
            .bind(&p.owner)
            .bind(&p.created_time)
            .bind(&p.display_name)
            .bind(&p.category)
            .bind(&p.type_)
            .bind(&p.sub_type)
            .bind(&p.client_id)
            .bind(&p.client_secret)
            .bind(&p.client_id2)
            .bind(&p.client_secret2)
            .bind(&p.provider_url)
            .execute(&mut *c)
            .await
            .map_err(db_error)?;
            Ok(done.rows_affected() > 0)
        }

        pub(crate) async fn delete_provider(c: &mut Conn, name: &str) -> StoreResult<bool> {
            let done = sqlx::query("DELETE FROM providers WHERE name = $1")
                .bind(name)
                .execute(&mut *c)
                .await
                .map_err(db_error)?;
            Ok(done.rows_affected() > 0)
        }
    };
}
pub(crate) use provider_queries;
