//! sqlx errors as the port's [`StoreError`], the same way on both backends.

use ferrodoor_core::store::{StoreError, StoreResult};

/// Classifies a sqlx error. Callers that know what they were writing sharpen the message of
/// a `Conflict` or `Reference` with [`Describe`].
pub(crate) fn db_error(err: sqlx::Error) -> StoreError {
    match err {
        sqlx::Error::Database(db) => {
            if db.is_unique_violation() {
                StoreError::Conflict(db.message().to_string())
            } else if db.is_foreign_key_violation() {
                StoreError::Reference(db.message().to_string())
            } else if is_unavailable_code(db.code().as_deref()) {
                StoreError::Unavailable(db.message().to_string())
            } else if is_invalid_value_code(db.code().as_deref()) {
                StoreError::Invalid(db.message().to_string())
            } else {
                StoreError::Other(db.to_string())
            }
        }
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(err.to_string()),
        other => StoreError::Other(other.to_string()),
    }
}

/// Classifies an error of the SQLite group writer's own connection (rusqlite) as
/// [`db_error`] classifies sqlx's.
pub(crate) fn rusqlite_error(err: rusqlite::Error) -> StoreError {
    use rusqlite::ffi;
    let rusqlite::Error::SqliteFailure(failure, message) = &err else {
        return StoreError::Other(err.to_string());
    };
    let message = message.clone().unwrap_or_else(|| failure.to_string());
    let code = failure.extended_code.to_string();
    match failure.extended_code {
        ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
            StoreError::Conflict(message)
        }
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => StoreError::Reference(message),
        _ if is_unavailable_code(Some(&code)) => StoreError::Unavailable(message),
        _ if is_invalid_value_code(Some(&code)) => StoreError::Invalid(message),
        _ => StoreError::Other(err.to_string()),
    }
}

/// A failed migration; a database that cannot be reached stays [`StoreError::Unavailable`].
pub(crate) fn migrate_error(err: sqlx::migrate::MigrateError) -> StoreError {
    match err {
        sqlx::migrate::MigrateError::Execute(e) => match db_error(e) {
            StoreError::Unavailable(m) => StoreError::Unavailable(m),
            other => StoreError::Other(format!("migration failed: {other}")),
        },
        other => StoreError::Other(format!("migration failed: {other}")),
    }
}

/// Database error codes that mean "not now" rather than "never". PostgreSQL (SQLSTATE, always
/// five characters): connection exceptions (class 08), shutting down / not accepting
/// connections (57P01..57P03), too many connections (53300), a statement cancelled by
/// `statement_timeout` (57014). SQLite (a number, the primary
/// code in the low byte of the extended one): BUSY, LOCKED, IOERR, FULL, CANTOPEN.
fn is_unavailable_code(code: Option<&str>) -> bool {
    let Some(code) = code else { return false };
    if code.len() == 5 {
        return code.starts_with("08")
            || matches!(code, "57P01" | "57P02" | "57P03" | "53300" | "57014");
    }
    match code.parse::<u32>() {
        Ok(n) => matches!(n & 0xff, 5 | 6 | 10 | 13 | 14),
        Err(_) => false,
    }
}

/// Database error codes that mean "this value cannot be stored": PostgreSQL's data
/// exceptions (SQLSTATE class 22: a NUL in text, a number out of range, bad encoding);
/// SQLite's TOOBIG (18) and MISMATCH (20).
fn is_invalid_value_code(code: Option<&str>) -> bool {
    let Some(code) = code else { return false };
    if code.len() == 5 {
        return code.starts_with("22");
    }
    matches!(code.parse::<u32>().map(|n| n & 0xff), Ok(18 | 20))
}

/// Gives a foreign-key violation a message that names the thing, not the constraint
/// (inserts and updates get theirs from the table's declaration, see `tables::describe`).
pub(crate) trait Describe: Sized {
    fn on_reference(self, f: impl FnOnce() -> String) -> Self;
}

impl<T> Describe for StoreResult<T> {
    fn on_reference(self, f: impl FnOnce() -> String) -> Self {
        match self {
            Err(StoreError::Reference(_)) => Err(StoreError::Reference(f())),
            other => other,
        }
    }
}

/// Lists and maps are stored as JSON text, as Casdoor does.
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Other(format!("cannot encode JSON: {e}")))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    text: &str,
    column: &str,
) -> StoreResult<T> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Other(format!("corrupt JSON in {column}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_codes() {
        assert!(is_unavailable_code(Some("08006")));
        assert!(is_unavailable_code(Some("57P01")));
        assert!(is_unavailable_code(Some("5"))); // SQLITE_BUSY
        assert!(is_unavailable_code(Some("517"))); // SQLITE_BUSY_SNAPSHOT
        assert!(!is_unavailable_code(Some("23505")));
        assert!(!is_unavailable_code(Some("40001")));
        assert!(!is_unavailable_code(Some("2067"))); // SQLITE_CONSTRAINT_UNIQUE
        assert!(!is_unavailable_code(None));
    }

    #[test]
    fn invalid_value_codes() {
        for code in ["22021", "22P05", "22003", "22001", "18", "20"] {
            assert!(is_invalid_value_code(Some(code)), "{code}");
        }
        for code in ["23505", "08006", "5", "2067", "42P01"] {
            assert!(!is_invalid_value_code(Some(code)), "{code}");
        }
        assert!(!is_invalid_value_code(None));
    }

    #[test]
    fn describe_only_touches_its_kind() {
        let r: StoreResult<()> = Err(StoreError::Conflict("raw".into()));
        let r = r.on_reference(|| "ref".into());
        assert!(matches!(r, Err(StoreError::Conflict(m)) if m == "raw"));
        let r: StoreResult<()> = Err(StoreError::Reference("fk".into()));
        assert!(
            matches!(r.on_reference(|| "named".into()), Err(StoreError::Reference(m)) if m == "named")
        );
    }
}
