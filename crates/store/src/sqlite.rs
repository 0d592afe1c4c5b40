//! SQLite: one writer connection for every transaction, a few reader connections for reads.
//!
//! SQLite allows one writer at a time. With several writer connections, concurrent
//! transactions fail with SQLITE_BUSY; with exactly one, they queue in the pool instead.
//! WAL lets the readers go on while a transaction is open.
//!
//! sqlx runs every connection on a thread of its own, a round trip between threads per
//! statement. The paths every sign-in takes avoid it on connections the store opens
//! itself (`direct.rs`): a group of token grants or code claims is written in one hand-off
//! (`group.rs`, while the group holds the pool's writer), the sign-in's reads run on the
//! calling thread (`inline.rs`), and the log is checkpointed by a thread that no writer
//! waits for (`checkpoint.rs`).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use ferrodoor_core::entity::{
    Application, AuthorizationCode, Cert, IdentityEvent, Organization, Provider, ScanTicket,
    Session, Token, User, WeChatIdentity,
};
use ferrodoor_core::store::{
    Contact, ListQuery, Page, SigninClaim, StoreError, StoreResult, StoreTx, WeChatLookup,
};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::error::{db_error, migrate_error};

type Db = sqlx::Sqlite;
type Conn = sqlx::SqliteConnection;

const NAME: &str = "sqlite";
/// Takes the write lock up front, so another process holding it (`ferrodoor migrate`) is
/// waited for by `busy_timeout`, rather than failing when a reading transaction upgrades.
const BEGIN: &str = "BEGIN IMMEDIATE";
/// Writers are serialized by the single writer connection: nothing to lock.
const LOCK_ROWS: bool = false;

crate::backend::define_backend!();

pub(crate) mod checkpoint;
pub(crate) mod direct;
pub(crate) mod group;
pub(crate) mod inline;
pub(crate) mod worker;

/// The store's own rusqlite connections (`sqlite/direct.rs`): the reads every sign-in makes,
/// on the calling thread, and the thread that writes the groups (and its checkpointer).
pub(crate) struct Own {
    pub(crate) readers: inline::InlineReaders,
    pub(crate) group_writer: Arc<group::GroupWriter>,
}

impl Own {
    async fn versions(&self, _: &Backend) -> StoreResult<Versions> {
        self.readers.versions()
    }

    async fn find_user_by_wechat(
        &self,
        _: &Backend,
        lookup: WeChatLookup<'_>,
    ) -> StoreResult<Option<User>> {
        self.readers.find_user_by_wechat(lookup)
    }

    /// Closes these connections once the groups in hand are written.
    async fn close(&self) {
        self.readers.close();
        let group_writer = self.group_writer.clone();
        let _ = tokio::task::spawn_blocking(move || group_writer.close()).await;
    }
}

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

const READERS: u32 = 4;
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a transaction waits for its turn at the writer before answering 503.
const WRITER_QUEUE_TIMEOUT: Duration = Duration::from_secs(10);
const READER_TIMEOUT: Duration = Duration::from_secs(5);
/// sqlx pings a connection each time it is taken from the pool; for SQLite that is one
/// more hop to the connection's worker thread (for the writer, one more turn while every
/// other transaction waits), and it can find nothing: the "connection" is this process's
/// own handle on a file, it cannot have been dropped by a peer. See BENCHMARKS.md.
const TEST_BEFORE_ACQUIRE: bool = false;

pub(crate) async fn connect(url: &str) -> StoreResult<Backend> {
    if url.contains(":memory:") || url.contains("mode=memory") {
        // The reader and writer pools would each see their own empty database.
        return Err(StoreError::Other(
            "in-memory SQLite is not supported; use a file".into(),
        ));
    }
    let options = SqliteConnectOptions::from_str(url)
        .map_err(db_error)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        // A statement that changes many rows keeps its undo journal in memory instead of
        // creating, writing and deleting a file in /tmp for it (each group's inserts did).
        .pragma("temp_store", "MEMORY")
        // Checkpoints run on a thread of their own (see `sqlite/checkpoint.rs`).
        .pragma("wal_autocheckpoint", "0")
        .busy_timeout(BUSY_TIMEOUT);
    // The writer connects first: it creates the file and switches it to WAL.
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_timeout(WRITER_QUEUE_TIMEOUT)
        .test_before_acquire(TEST_BEFORE_ACQUIRE)
        .connect_with(options.clone())
        .await
        .map_err(db_error)?;
    let group_writer = Arc::new(group::GroupWriter::open(
        options.get_filename(),
        BUSY_TIMEOUT,
    )?);
    let readers = inline::InlineReaders::new(options.get_filename(), BUSY_TIMEOUT);
    let reader = SqlitePoolOptions::new()
        .max_connections(READERS)
        .acquire_timeout(READER_TIMEOUT)
        .test_before_acquire(TEST_BEFORE_ACQUIRE)
        // A write through a reader would bypass the writer queue: make it an error.
        .connect_with(options.pragma("query_only", "ON"))
        .await
        .map_err(db_error)?;
    Ok(Backend {
        reader,
        claims: group::claim_queue(writer.clone(), group_writer.clone()),
        grouped: group::queue(writer.clone(), group_writer.clone()),
        writer,
        statement_timeout: None,
        own: Own {
            readers,
            group_writer,
        },
    })
}

impl Backend {
    pub(crate) async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.writer).await.map_err(migrate_error)
    }

    /// Closes every connection. The last one to close copies the log back into the
    /// database file and removes it (and the `-shm` file): a stopped server leaves one file.
    pub(crate) async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
        self.own.close().await;
    }
}
