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
    };
}
pub(crate) use record_queries;
