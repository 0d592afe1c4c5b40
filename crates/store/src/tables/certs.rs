//! `certs`: the table and its queries (certs are few: listed whole, no paging).

use ferrodoor_core::entity::Cert;

crate::tables::table! {
    CertRow for Cert in "certs" {
        key {
            name: String = "name", unlisted;
        }
        columns {
            owner: String = "owner", unlisted;
            created_time: String = "created_time", unlisted;
            display_name: String = "display_name", unlisted;
            scope: String = "scope", unlisted;
            type_: String = "type", unlisted;
            crypto_algorithm: String = "crypto_algorithm", unlisted;
            bit_size: i64 = "bit_size", unlisted;
            expire_in_years: i64 = "expire_in_years", unlisted;
            certificate: String = "certificate", unlisted;
            private_key: String = "private_key", secret;
        }
        conflict = |cert, _| format!("cert {} already exists", cert.name);
    }
}

pub(crate) const LIST: &str = "SELECT * FROM certs ORDER BY created_time, name";

/// Expands the cert queries for the backend in scope; see [`crate::backend`].
macro_rules! cert_queries {
    () => {
        pub(crate) async fn list_certs(c: &mut Conn) -> StoreResult<Vec<Cert>> {
            fetch_all::<CertRow>(c, certs::LIST, Vec::new()).await
        }
    };
}
pub(crate) use cert_queries;

/// Expands the query that tells whether a certificate is in use; see [`crate::backend`].
macro_rules! cert_use_queries {
    () => {
        pub(crate) async fn applications_using_cert(
            c: &mut Conn,
            cert: &str,
        ) -> StoreResult<Vec<String>> {
            let sql = "SELECT * FROM applications WHERE cert = $1 ORDER BY name";
            let apps = fetch_all::<ApplicationRow>(c, sql, vec![cert.into()]).await?;
            Ok(apps.into_iter().map(|a| a.name).collect())
        }
    };
}
pub(crate) use cert_use_queries;
