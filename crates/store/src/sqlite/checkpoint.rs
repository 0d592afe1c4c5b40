//! SQLite's checkpoints on a thread of their own.
//!
//! In WAL mode a commit appends pages to the log; a checkpoint copies them back into the
//! database file and syncs both files. SQLite runs one from the commit that crosses 1,000
//! pages, on the committing connection: the group writer's, so every thousand pages a group
//! of sign-ins waited for the copy and two `fsync`s. The writers' automatic checkpoints are
//! off (`wal_autocheckpoint = 0`) and this thread runs a PASSIVE checkpoint (it never waits
//! for a writer or a reader, and none waits for it) every [`BUSY_PERIOD`] while the log
//! grows, backing off to [`IDLE_PERIOD`] while it does not.

use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use ferrodoor_core::store::StoreResult;
use rusqlite::{Connection, OpenFlags};

use super::direct;
use super::worker::Worker;

/// How often the log is copied back while sign-ins write to it.
const BUSY_PERIOD: Duration = Duration::from_millis(100);
/// The longest pause between two checkpoints when nothing was written.
const IDLE_PERIOD: Duration = Duration::from_secs(2);

/// The thread; it stops when this is closed or dropped.
pub(crate) struct Checkpointer {
    /// Nothing is ever sent: closing the channel stops the thread.
    thread: Worker<()>,
}

impl Checkpointer {
    /// Opens a connection on `file` and starts the thread.
    pub(crate) fn start(file: &Path, busy_timeout: Duration) -> StoreResult<Checkpointer> {
        let conn = direct::open(file, OpenFlags::SQLITE_OPEN_READ_WRITE, busy_timeout)?;
        let thread = Worker::spawn("sqlite-checkpointer", move |stopped: Receiver<()>| {
            let (mut pause, mut log) = (BUSY_PERIOD, None);
            loop {
                match stopped.recv_timeout(pause) {
                    Err(RecvTimeoutError::Timeout) => {}
                    _ => return,
                }
                let now = checkpoint(&conn);
                pause = next_pause(pause, log, now);
                log = now;
            }
        })?;
        Ok(Checkpointer { thread })
    }

    /// Stops the thread and closes its connection; blocks until it has ended.
    pub(crate) fn close(&self) {
        self.thread.close();
    }
}

/// What a checkpoint found: the frames in the log, and how many of them are in the
/// database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LogState {
    frames: i64,
    copied: i64,
}

/// One PASSIVE checkpoint; None when it failed (the next one retries).
fn checkpoint(conn: &Connection) -> Option<LogState> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        Ok(LogState {
            frames: row.get(1)?,
            copied: row.get(2)?,
        })
    })
    .ok()
}

/// Short while the log changed since the last checkpoint; doubling up to [`IDLE_PERIOD`]
/// while it did not. Once copied, a log keeps its frames until the next write starts it
/// again, so "frames copied" alone would keep an idle server checking ten times a second.
fn next_pause(pause: Duration, before: Option<LogState>, now: Option<LogState>) -> Duration {
    if now.is_some() && now != before {
        BUSY_PERIOD
    } else {
        (pause * 2).min(IDLE_PERIOD)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::{BUSY_PERIOD, IDLE_PERIOD, LogState, next_pause};
    use crate::testdb::TestDb;

    #[test]
    fn the_pause_is_short_while_the_log_changes_and_backs_off_while_it_does_not() {
        let log = |frames, copied| Some(LogState { frames, copied });
        let long = Duration::from_secs(1);
        assert_eq!(next_pause(long, log(10, 10), log(30, 30)), BUSY_PERIOD);
        assert_eq!(
            next_pause(long, log(30, 30), log(4, 4)),
            BUSY_PERIOD,
            "a new log"
        );
        assert_eq!(next_pause(long, None, log(4, 4)), BUSY_PERIOD);
        // Everything copied and nothing written since: the same answer, a longer pause.
        assert_eq!(
            next_pause(BUSY_PERIOD, log(30, 30), log(30, 30)),
            BUSY_PERIOD * 2
        );
        assert_eq!(next_pause(long, log(30, 30), log(30, 30)), IDLE_PERIOD);
        assert_eq!(
            next_pause(IDLE_PERIOD, log(30, 30), log(30, 30)),
            IDLE_PERIOD
        );
        assert_eq!(
            next_pause(BUSY_PERIOD, log(30, 30), None),
            BUSY_PERIOD * 2,
            "failed"
        );
    }

    /// The store's writers never checkpoint (their commits only append to the log), and the
    /// log is copied into the database file within a period or two, long before SQLite's own
    /// threshold of 1,000 pages would have made a writer do it.
    #[tokio::test]
    async fn the_log_is_copied_back_by_the_checkpointer_alone() {
        let db = TestDb::sqlite().await;
        let backend = db.sqlite_backend();
        let auto: (i64,) = sqlx::query_as("PRAGMA wal_autocheckpoint")
            .fetch_one(&backend.writer)
            .await
            .expect("pragma");
        assert_eq!(
            auto.0, 0,
            "the pool's writer leaves checkpoints to the thread"
        );

        let file = db.sqlite_file();
        let size = || std::fs::metadata(&file).expect("database file").len();
        let before = size();
        // About 200 pages appended to the log by another connection, as the writers do.
        let conn = rusqlite::Connection::open(&file).expect("open");
        conn.execute_batch(
            "PRAGMA wal_autocheckpoint = 0; CREATE TABLE filler (b BLOB); \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) \
             INSERT INTO filler SELECT zeroblob(8000) FROM n;",
        )
        .expect("filler");
        assert_eq!(size(), before, "a commit only appends to the log");

        let deadline = Instant::now() + Duration::from_secs(10);
        while size() < before + 100 * 8000 {
            assert!(
                Instant::now() < deadline,
                "the checkpointer did not copy the log back"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
