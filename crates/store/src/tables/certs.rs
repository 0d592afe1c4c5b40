//! `certs`: rows and queries (certs are few: listed whole, no paging).

use ferrodoor_core::entity::Cert;
use ferrodoor_core::store::StoreResult;

use super::IntoEntity;

#[derive(sqlx::FromRow)]
pub(crate) struct CertRow {
    owner: String,
    name: String,
    created_time: String,
    display_name: String,
    scope: String,
    #[sqlx(rename = "type")]
    type_: String,
    crypto_algorithm: String,
    bit_size: i64,
    expire_in_years: i64,
    certificate: String,
    private_key: String,
}

impl IntoEntity for CertRow {
    type Entity = Cert;

    fn into_entity(self) -> StoreResult<Cert> {
        let r = self;
        Ok(Cert {
            owner: r.owner,
            name: r.name,
            created_time: r.created_time,
            display_name: r.display_name,
            scope: r.scope,
            type_: r.type_,
            crypto_algorithm: r.crypto_algorithm,
            bit_size: r.bit_size,
            expire_in_years: r.expire_in_years,
            certificate: r.certificate,
            private_key: r.private_key,
        })
    }
}

/// Expands the cert queries for the backend in scope; see [`crate::backend`].
macro_rules! cert_queries {
    () => {
        pub(crate) async fn get_cert(c: &mut Conn, name: &str) -> StoreResult<Option<Cert>> {
            let row: Option<CertRow> = sqlx::query_as("SELECT * FROM certs WHERE name = $1")
                .bind(name)
                .fetch_optional(&mut *c)
                .await
                .map_err(db_error)?;
            row.map(IntoEntity::into_entity).transpose()
        }

        pub(crate) async fn list_certs(c: &mut Conn) -> StoreResult<Vec<Cert>> {
            let rows: Vec<CertRow> =
                sqlx::query_as("SELECT * FROM certs ORDER BY created_time, name")
                    .fetch_all(&mut *c)
                    .await
                    .map_err(db_error)?;
            rows.into_iter().map(IntoEntity::into_entity).collect()
        }

        pub(crate) async fn insert_cert(c: &mut Conn, k: &Cert) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO certs (owner, name, created_time, display_name, scope, type, \
                 crypto_algorithm, bit_size, expire_in_years, certificate, private_key) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&k.owner)
            .bind(&k.name)
            .bind(&k.created_time)
            .bind(&k.display_name)
            .bind(&k.scope)
            .bind(&k.type_)
            .bind(&k.crypto_algorithm)
            .bind(k.bit_size)
            .bind(k.expire_in_years)
            .bind(&k.certificate)
            .bind(&k.private_key)
            .execute(&mut *c)
            .await
            .map_err(db_error)
            .on_conflict(|_| format!("cert {} already exists", k.name))?;
            Ok(())
        }

        pub(crate) async fn update_cert(c: &mut Conn, k: &Cert) -> StoreResult<bool> {
            let done = sqlx::query(
                "UPDATE certs SET owner = $2, created_time = $3, display_name = $4, scope = $5, \
                 type = $6, crypto_algorithm = $7, bit_size = $8, expire_in_years = $9, \
                 certificate = $10, private_key = $11 WHERE name = $1",
            )
            .bind(&k.name)
            .bind(&k.owner)
            .bind(&k.created_time)
            .bind(&k.display_name)
            .bind(&k.scope)
            .bind(&k.type_)
            .bind(&k.crypto_algorithm)
            .bind(k.bit_size)
            .bind(k.expire_in_years)
            .bind(&k.certificate)
            .bind(&k.private_key)
            .execute(&mut *c)
            .await
            .map_err(db_error)?;
            Ok(done.rows_affected() > 0)
        }
    };
}
pub(crate) use cert_queries;
