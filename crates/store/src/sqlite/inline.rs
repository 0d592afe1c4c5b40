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
use std::sync::Mutex;
use std::time::Duration;

use ferrodoor_core::entity::User;
use ferrodoor_core::store::{StoreError, StoreResult, Versions, WeChatLookup};
use rusqlite::{Connection, OpenFlags};

use super::direct::{self, bound, fetch_optional};
use super::worker::locked;
use crate::error::rusqlite_error;
use crate::tables::users::{self, UserRow};
use crate::tables::versions::BOTH_VERSIONS;

pub(crate) struct InlineReaders {
    file: PathBuf,
    busy_timeout: Duration,
    /// None once closed.
    idle: Mutex<Option<Vec<Connection>>>,
}

impl InlineReaders {
    /// Connections on `file` are opened when first needed, read-only.
    pub(crate) fn new(file: &Path, busy_timeout: Duration) -> InlineReaders {
        InlineReaders {
            file: file.to_path_buf(),
            busy_timeout,
            idle: Mutex::new(Some(Vec::new())),
        }
    }

    /// Runs `read` on an idle connection (a new one when every other is in use).
    fn with<T>(&self, read: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        let idle = || locked(&self.idle);
        let taken = match idle().as_mut() {
            Some(idle) => idle.pop(),
            None => return Err(StoreError::Unavailable("the store is closed".into())),
        };
        let conn = match taken {
            Some(conn) => conn,
            None => direct::open(
                &self.file,
                OpenFlags::SQLITE_OPEN_READ_ONLY,
                self.busy_timeout,
            )?,
        };
        let answer = read(&conn);
        // Closed meanwhile: the connection closes here.
        if let Some(idle) = idle().as_mut() {
            idle.push(conn);
        }
        answer
    }

    /// Closes the idle connections; a read after this answers Unavailable.
    pub(crate) fn close(&self) {
        drop(locked(&self.idle).take());
    }

    pub(crate) fn versions(&self) -> StoreResult<Versions> {
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
    pub(crate) fn find_user_by_wechat(
        &self,
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
