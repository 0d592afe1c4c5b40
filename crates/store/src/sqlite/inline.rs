//! The reads every sign-in makes (the versions of the objects nodes cache, the user of a
//! WeChat identity), run on the calling thread with connections of the store's own.
//!
//! sqlx runs each SQLite connection on a worker thread: a read is a round trip between
//! threads, and the thread switches cost more than the read, a few indexed pages already
//! in memory. These reads are short by construction (primary keys and indexes, one row),
//! so running them where the request runs blocks that thread for microseconds. Each
//! connection is used by one thread at a time; there are as many as threads that read at
//! once, a handful.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use ferrodoor_core::entity::User;
use ferrodoor_core::store::{StoreResult, Versions, WeChatLookup};
use rusqlite::{Connection, OpenFlags};

use super::direct::{self, bound, fetch_optional};
use crate::error::rusqlite_error;
use crate::tables::users::{self, UserRow};
use crate::tables::versions::BOTH_VERSIONS;

pub(crate) struct InlineReaders {
    file: PathBuf,
    busy_timeout: Duration,
    idle: Mutex<Vec<Connection>>,
}

impl InlineReaders {
    /// Connections on `file` are opened when first needed, read-only.
    pub(crate) fn new(file: &Path, busy_timeout: Duration) -> InlineReaders {
        InlineReaders {
            file: file.to_path_buf(),
            busy_timeout,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `read` on an idle connection (a new one when every other is in use).
    fn with<T>(&self, read: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        let idle = || self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let taken = idle().pop();
        let conn = match taken {
            Some(conn) => conn,
            None => direct::open(
                &self.file,
                OpenFlags::SQLITE_OPEN_READ_ONLY,
                self.busy_timeout,
            )?,
        };
        let answer = read(&conn);
        idle().push(conn);
        answer
    }

    pub(crate) async fn versions(&self, _: &super::Backend) -> StoreResult<Versions> {
        self.with(|conn| {
            let read = || -> rusqlite::Result<Versions> {
                let mut statement = bound(conn, BOTH_VERSIONS, &[])?;
                statement.query_row([], |row| {
                    Ok(Versions {
                        config: row.get(0)?,
                        authz: row.get(1)?,
                    })
                })
            };
            read().map_err(rusqlite_error)
        })
    }

    /// The first user [`users::wechat_lookups`] finds.
    pub(crate) async fn find_user_by_wechat(
        &self,
        _: &super::Backend,
        lookup: WeChatLookup<'_>,
    ) -> StoreResult<Option<User>> {
        self.with(|conn| {
            for (sql, values) in users::wechat_lookups(lookup) {
                if let Some(user) = fetch_optional::<UserRow>(conn, sql, &values)? {
                    return Ok(Some(user));
                }
            }
            Ok(None)
        })
    }
}
