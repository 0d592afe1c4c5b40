//! `applications`: rows, list allow-list and queries. Lists are JSON text columns.

use ferrodoor_core::entity::{Application, ProviderItem};
use ferrodoor_core::store::StoreResult;

use super::IntoEntity;
use crate::error::{from_json, to_json};
use crate::list::{Kind, Table};

pub(crate) const TABLE: Table = Table {
    name: "applications",
    fields: &[
        ("owner", "owner", Kind::Text),
        ("name", "name", Kind::Text),
        ("createdTime", "created_time", Kind::Text),
        ("displayName", "display_name", Kind::Text),
        ("logo", "logo", Kind::Text),
        ("homepageUrl", "homepage_url", Kind::Text),
        ("description", "description", Kind::Text),
        ("organization", "organization", Kind::Text),
        ("cert", "cert", Kind::Text),
        ("enablePassword", "enable_password", Kind::Bool),
        ("enableSignUp", "enable_sign_up", Kind::Bool),
        ("clientId", "client_id", Kind::Text),
        ("redirectUris", "redirect_uris", Kind::Text),
        ("grantTypes", "grant_types", Kind::Text),
        ("tokenFormat", "token_format", Kind::Text),
        ("expireInHours", "expire_in_hours", Kind::Number),
        (
            "refreshExpireInHours",
            "refresh_expire_in_hours",
            Kind::Number,
        ),
        ("providers", "providers", Kind::Text),
    ],
    key: "name",
};

#[derive(sqlx::FromRow)]
pub(crate) struct ApplicationRow {
    owner: String,
    name: String,
    created_time: String,
    display_name: String,
    logo: String,
    homepage_url: String,
    description: String,
    organization: String,
    cert: String,
    enable_password: bool,
    enable_sign_up: bool,
    client_id: String,
    client_secret: String,
    redirect_uris: String,
    grant_types: String,
    token_format: String,
    expire_in_hours: f64,
    refresh_expire_in_hours: f64,
    providers: String,
}

impl IntoEntity for ApplicationRow {
    type Entity = Application;

    fn into_entity(self) -> StoreResult<Application> {
        let r = self;
        Ok(Application {
            redirect_uris: from_json(&r.redirect_uris, "applications.redirect_uris")?,
            grant_types: from_json(&r.grant_types, "applications.grant_types")?,
            providers: from_json(&r.providers, "applications.providers")?,
            owner: r.owner,
            name: r.name,
            created_time: r.created_time,
            display_name: r.display_name,
            logo: r.logo,
            homepage_url: r.homepage_url,
            description: r.description,
            organization: r.organization,
            cert: r.cert,
            enable_password: r.enable_password,
            enable_sign_up: r.enable_sign_up,
            client_id: r.client_id,
            client_secret: r.client_secret,
            token_format: r.token_format,
            expire_in_hours: r.expire_in_hours,
            refresh_expire_in_hours: r.refresh_expire_in_hours,
        })
    }
}

/// The JSON columns of an application as written.
pub(crate) struct ApplicationJson {
    pub redirect_uris: String,
    pub grant_types: String,
    pub providers: String,
}

impl ApplicationJson {
    pub(crate) fn of(app: &Application) -> StoreResult<Self> {
        // The resolved provider is filled in when read (as Casdoor does), never stored.
        let items: Vec<ProviderItem> = app
            .providers
            .iter()
            .map(|item| ProviderItem {
                provider: None,
                ..item.clone()
            })
            .collect();
        Ok(ApplicationJson {
            redirect_uris: to_json(&app.redirect_uris)?,
            grant_types: to_json(&app.grant_types)?,
            providers: to_json(&items)?,
        })
    }
}

pub(crate) fn conflict_message(app: &Application, db_message: &str) -> String {
    if db_message.contains("client_id") {
        format!("client_id {} already in use", app.client_id)
    } else {
        format!("application {} already exists", app.name)
    }
}

/// Expands the application queries for the backend in scope; see [`crate::backend`].
macro_rules! application_queries {
    () => {
        pub(crate) async fn get_application(
            c: &mut Conn,
            name: &str,
        ) -> StoreResult<Option<Application>> {
            let sql = "SELECT * FROM applications WHERE name = $1";
            let row: Option<ApplicationRow> = sqlx::query_as(sql)
                .bind(name)
                .fetch_optional(&mut *c)
                .await
                .map_err(db_error)?;
            row.map(IntoEntity::into_entity).transpose()
        }

        pub(crate) async fn get_application_by_client_id(
            c: &mut Conn,
            client_id: &str,
        ) -> StoreResult<Option<Application>> {
            let sql = "SELECT * FROM applications WHERE client_id = $1";
            let row: Option<ApplicationRow> = sqlx::query_as(sql)
                .bind(client_id)
                .fetch_optional(&mut *c)
                .await
                .map_err(db_error)?;
            row.map(IntoEntity::into_entity).transpose()
        }

        pub(crate) async fn list_applications(
            c: &mut Conn,
            organization: Option<&str>,
            query: &ListQuery,
        ) -> StoreResult<Page<Application>> {
            let scope = organization.map(|o| ("organization", o));
            list::<ApplicationRow>(c, &applications::TABLE, scope, query).await
        }

        pub(crate) async fn insert_application(c: &mut Conn, a: &Application) -> StoreResult<()> {
            let json = applications::ApplicationJson::of(a)?;
            sqlx::query(
                "INSERT INTO applications (owner, name, created_time, display_name, logo, \
                 homepage_url, description, organization, cert, enable_password, enable_sign_up, \
                 client_id, client_secret, redirect_uris, grant_types, token_format, \
                 expire_in_hours, refresh_expire_in_hours, providers) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
                 $17, $18, $19)",
            )
            .bind(&a.owner)
            .bind(&a.name)
            .bind(&a.created_time)
            .bind(&a.display_name)
            .bind(&a.logo)
            .bind(&a.homepage_url)
            .bind(&a.description)
            .bind(&a.organization)
            .bind(&a.cert)
            .bind(a.enable_password)
            .bind(a.enable_sign_up)
            .bind(&a.client_id)
            .bind(&a.client_secret)
            .bind(json.redirect_uris)
            .bind(json.grant_types)
            .bind(&a.token_format)
            .bind(a.expire_in_hours)
            .bind(a.refresh_expire_in_hours)
            .bind(json.providers)
            .execute(&mut *c)
            .await
            .map_err(db_error)
            .on_conflict(|m| applications::conflict_message(a, m))
            .on_reference(|| format!("organization {} does not exist", a.organization))?;
            Ok(())
        }

        pub(crate) async fn update_application(c: &mut Conn, a: &Application) -> StoreResult<bool> {
            let json = applications::ApplicationJson::of(a)?;
            let done = sqlx::query(
                "UPDATE applications SET owner = $2, created_time = $3, display_name = $4, \
                 logo = $5, homepage_url = $6, description = $7, organization = $8, cert = $9, \
                 enable_password = $10, enable_sign_up = $11, client_id = $12, \
                 client_secret = $13, redirect_uris = $14, grant_types = $15, \
                 token_format = $16, expire_in_hours = $17, refresh_expire_in_hours = $18, \
                 providers = $19 WHERE name = $1",
            )
            .bind(&a.name)
            .bind(&a.owner)
            .bind(&a.created_time)
            .bind(&a.display_name)
            .bind(&a.logo)
            .bind(&a.homepage_url)
            .bind(&a.description)
            .bind(&a.organization)
            .bind(&a.cert)
            .bind(a.enable_password)
            .bind(a.enable_sign_up)
            .bind(&a.client_id)
            .bind(&a.client_secret)
            .bind(json.redirect_uris)
            .bind(json.grant_types)
            .bind(&a.token_format)
            .bind(a.expire_in_hours)
            .bind(a.refresh_expire_in_hours)
            .bind(json.providers)
            .execute(&mut *c)
            .await
            .map_err(db_error)
            .on_conflict(|m| applications::conflict_message(a, m))
            .on_reference(|| format!("organization {} does not exist", a.organization))?;
            Ok(done.rows_affected() > 0)
        }

        pub(crate) async fn delete_application(c: &mut Conn, name: &str) -> StoreResult<bool> {
            let done = sqlx::query("DELETE FROM applications WHERE name = $1")
                .bind(name)
                .execute(&mut *c)
                .await
                .map_err(db_error)?;
            Ok(done.rows_affected() > 0)
        }
    };
}
pub(crate) use application_queries;
