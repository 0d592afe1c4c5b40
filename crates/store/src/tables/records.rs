//! `records`: Casdoor's audit records, append only, pruned after the retention period.

use ferrodoor_core::entity::Record;

crate::tables::table! {
    /// Lists filter by the names in `Record::LIST_FIELDS`.
    RecordRow for Record in "records" {
        key {
            name: String = "name", list("name", Text);
        }
        columns {
            owner: String = "owner", list("owner", Text);
            created_time: String = "created_time", list("createdTime", Text);
            organization: String = "organization", list("organization", Text);
            client_ip: String = "client_ip", list("clientIp", Text);
            user: String = "user_name", list("user", Text);
            method: String = "method", list("method", Text);
            request_uri: String = "request_uri", unlisted;
            action: String = "action", list("action", Text);
            language: String = "language", unlisted;
            object: String = "object", list("object", Text);
            response: String = "response", unlisted;
            status_code: i64 = "status_code", list("statusCode", Number);
            is_triggered: bool = "is_triggered", unlisted;
            login_method: String = "login_method", list("loginMethod", Text);
        }
        conflict = |r, _db_message| format!("record {} already exists", r.name);
    }
}

/// Expands the record queries for the backend in scope; see [`crate::backend`].
macro_rules! record_queries {
    () => {
        /// Deletes records created before `before` (RFC 3339, UTC: text order is time
        /// order); answers how many.
        pub(crate) async fn purge_records(c: &mut Conn, before: &str) -> StoreResult<u64> {
            let sql = "DELETE FROM records WHERE created_time < $1";
            execute(c, sql, vec![before.into()]).await
        }

        /// The sign-in records (signup, login, login-failed) created at or after `since`
        /// (RFC 3339, UTC), counted by day, action and sign-in method; `organization`
        /// empty: every organization's.
        pub(crate) async fn count_signins(
            c: &mut Conn,
            organization: &str,
            since: &str,
        ) -> StoreResult<Vec<ferrodoor_core::store::SigninCount>> {
            let sql = "SELECT substr(created_time, 1, 10), action, login_method, COUNT(*) \
                 FROM records WHERE action IN ('signup', 'login', 'login-failed') \
                 AND created_time >= $1 AND ($2 = '' OR organization = $3) \
                 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";
            let rows: Vec<(String, String, String, i64)> = sqlx::query_as_with(
                sql,
                arguments(vec![since.into(), organization.into(), organization.into()])?,
            )
            .fetch_all(&mut *c)
            .await
            .map_err(db_error)?;
            Ok(rows
                .into_iter()
                .map(
                    |(day, action, login_method, n)| ferrodoor_core::store::SigninCount {
                        day,
                        action,
                        login_method,
                        count: u64::try_from(n).unwrap_or(0),
                    },
                )
                .collect())
        }

        /// Per day from `since`: how many distinct users signed up or in (applications
        /// signing in for themselves, `app/<name>`, are not users).
        pub(crate) async fn count_active_users(
            c: &mut Conn,
            organization: &str,
            since: &str,
        ) -> StoreResult<Vec<(String, u64)>> {
            let sql = "SELECT substr(created_time, 1, 10), COUNT(DISTINCT object) \
                 FROM records WHERE action IN ('signup', 'login') \
                 AND created_time >= $1 AND ($2 = '' OR organization = $3) \
                 AND user_name NOT LIKE 'app/%' GROUP BY 1 ORDER BY 1";
            let rows: Vec<(String, i64)> = sqlx::query_as_with(
                sql,
                arguments(vec![since.into(), organization.into(), organization.into()])?,
            )
            .fetch_all(&mut *c)
            .await
            .map_err(db_error)?;
            Ok(rows
                .into_iter()
                .map(|(day, n)| (day, u64::try_from(n).unwrap_or(0)))
                .collect())
        }
    };
}
pub(crate) use record_queries;
