//! SQLite's group commits (token grants, code claims): each group in one hand-off to a
//! thread of its own, which writes it on a connection of its own.
//!
//! sqlx runs each SQLite connection on a worker thread and sends it every statement over a
//! channel, and the rows back over another. A group is 6–8 statements from BEGIN to
//! COMMIT: as many round trips between threads, all while holding the single writer that
//! every other grant, code claim and transaction waits for. Here the group's task takes the
//! writer from the pool (the turn: while it holds it, no other connection of this process
//! writes, so the two connections never contend) and hands the whole group to this thread,
//! which runs it with rusqlite on a connection opened on the same file and answers once
//! it is committed. The statements' texts, the rows' values and what applies are the
//! same as PostgreSQL's ([`crate::group_plan`], [`crate::tables`]). Code claims' batches
//! ([`crate::claims`]) take the same path.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use ferrodoor_core::entity::WeChatIdentity;
use ferrodoor_core::store::{GroupedWrite, StoreError, StoreResult};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use tokio::sync::oneshot;

use super::checkpoint::Checkpointer;
use super::direct::{self, bound};
use super::worker::Worker;
use crate::claims::{ClaimQueue, CodeClaim};
use crate::error::{db_error, rusqlite_error};
use crate::group::{GroupQueue, same_error};
use crate::group_plan::{self, GroupRows};
use crate::tables::identity_events::IdentityEventRow;
use crate::tables::records::RecordRow;
use crate::tables::tokens::TokenRow;
use crate::tables::users::UserRow;
use crate::tables::webhooks::DeliveryRow;
use crate::tables::wechat::{self, IdentityKey, WeChatIdentityRow};
use crate::tables::{Table, Value, chunks, describe_rows, rows_values};

/// Work for the thread: runs on its connection.
type Job = Box<dyn FnOnce(&Connection) + Send>;

/// The thread and its connection; both end when this is closed or dropped.
pub(crate) struct GroupWriter {
    jobs: Worker<Job>,
    /// Copies the log back while this thread writes (so that it does not have to).
    checkpointer: Checkpointer,
}

impl GroupWriter {
    /// Opens the connection on `file` and starts the thread.
    pub(crate) fn open(file: &Path, busy_timeout: Duration) -> StoreResult<GroupWriter> {
        let conn = direct::open(file, OpenFlags::SQLITE_OPEN_READ_WRITE, busy_timeout)?;
        let checkpointer = Checkpointer::start(file, busy_timeout)?;
        let jobs = Worker::spawn("sqlite-group-writer", move |queue: Receiver<Job>| {
            for job in queue {
                // A job that panics fails alone (its caller gets Unavailable; its
                // transaction rolls back as it unwinds), not every later one.
                let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(&conn)));
            }
        })?;
        Ok(GroupWriter { jobs, checkpointer })
    }

    /// Writes the jobs already handed over, then closes the connection and ends the thread,
    /// and the checkpointer's; later jobs answer Unavailable. Blocks until both have ended.
    pub(crate) fn close(&self) {
        self.jobs.close();
        self.checkpointer.close();
    }

    /// Runs `work` on the thread and answers what it answers.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> T + Send + 'static,
    ) -> StoreResult<T> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let _ = reply.send(work(conn));
        });
        let stopped = || StoreError::Unavailable("the group writer did not run this write".into());
        if !self.jobs.send(job) {
            return Err(stopped());
        }
        answer.await.map_err(|_| stopped())
    }

    /// Runs `work` on the thread during a turn at `writer`: while the turn is held, no
    /// other connection of this process writes, so the two connections never contend.
    async fn run_in_turn<T: Send + 'static>(
        &self,
        writer: &sqlx::SqlitePool,
        work: impl FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        crate::pool_metrics::note_acquire("transaction", writer);
        let _turn = writer.acquire().await.map_err(db_error)?;
        self.run(work).await?
    }
}

/// The task that commits token grants' writes in groups: each group waits for its turn at
/// `writer`, then goes to `group_writer`.
pub(crate) fn queue(
    writer: sqlx::SqlitePool,
    group_writer: Arc<GroupWriter>,
) -> GroupQueue<GroupedWrite, bool> {
    GroupQueue::start("token_grants", super::MAX_GROUPED_WRITES, move |writes| {
        let (writer, group_writer) = (writer.clone(), group_writer.clone());
        async move { commit(&writer, &group_writer, writes).await }
    })
}

/// The task that commits code claims in groups (see [`crate::claims`]), on the same thread
/// and connection as the grants: its pages stay in that connection's cache (another
/// connection's commit would empty it) and a batch is one hand-off.
pub(crate) fn claim_queue(writer: sqlx::SqlitePool, group_writer: Arc<GroupWriter>) -> ClaimQueue {
    ClaimQueue::start(move |batch| {
        let (writer, group_writer) = (writer.clone(), group_writer.clone());
        async move {
            group_writer
                .run_in_turn(&writer, move |conn| claim_on(conn, &batch))
                .await
        }
    })
}

/// One statement (its own transaction) for a batch of distinct claims; answers, for each,
/// whether this statement took it.
fn claim_on(conn: &Connection, claims: &[CodeClaim]) -> StoreResult<Vec<bool>> {
    let values = crate::claims::values(claims);
    let run = || -> rusqlite::Result<Vec<(String, String)>> {
        let mut statement = bound(conn, crate::claims::insert_sql(claims.len()), &values)?;
        let mut rows = statement.raw_query();
        let mut inserted = Vec::with_capacity(claims.len());
        while let Some(row) = rows.next()? {
            inserted.push((row.get(0)?, row.get(1)?));
        }
        Ok(inserted)
    };
    let inserted = run().map_err(rusqlite_error)?;
    Ok(crate::claims::won(claims, &inserted))
}

/// One group's writes, each answered: applied or not (see `Store::commit_grouped`).
pub(crate) async fn commit(
    writer: &sqlx::SqlitePool,
    group_writer: &GroupWriter,
    writes: Vec<GroupedWrite>,
) -> Vec<StoreResult<bool>> {
    let n = writes.len();
    match group_writer
        .run_in_turn(writer, move |conn| Ok(commit_on(conn, writes)))
        .await
    {
        Ok(answers) => answers,
        Err(e) => (0..n).map(|_| Err(same_error(&e))).collect(),
    }
}

/// On the thread: the group in one transaction, or each write alone when the database
/// refused one of them.
fn commit_on(conn: &Connection, writes: Vec<GroupedWrite>) -> Vec<StoreResult<bool>> {
    let order = group_plan::touch_order(&writes);
    match write_group(conn, &writes, &order) {
        Ok(applied) => applied.into_iter().map(Ok).collect(),
        Err(e) if group_plan::retry_each_alone(&e, writes.len()) => writes
            .chunks(1)
            .map(|write| {
                let applied = write_group(conn, write, &[0])?;
                Ok(applied.first().copied().unwrap_or(false))
            })
            .collect(),
        Err(e) => writes.iter().map(|_| Err(same_error(&e))).collect(),
    }
}

/// One transaction: the identities touched (in `order`), then the rows of the writes that
/// still apply. Rolled back when dropped on an error.
fn write_group(
    conn: &Connection,
    writes: &[GroupedWrite],
    order: &[usize],
) -> StoreResult<Vec<bool>> {
    let tx =
        Transaction::new_unchecked(conn, TransactionBehavior::Immediate).map_err(rusqlite_error)?;
    let touched = touch_linked(&tx, &group_plan::touches(writes, order))?;
    let (mut applied, checks) =
        group_plan::after_touches(writes, order, &group_plan::borrowed(&touched));
    for check in checks {
        applied[check.write] = !unionid_linked(&tx, check.organization, check.unionid)?;
    }
    let rows = GroupRows::of(writes, &applied);
    insert_rows::<UserRow>(&tx, &rows.users)?;
    insert_rows::<WeChatIdentityRow>(&tx, &rows.identities)?;
    insert_rows::<IdentityEventRow>(&tx, &rows.events)?;
    insert_rows::<TokenRow>(&tx, &rows.tokens)?;
    insert_rows::<RecordRow>(&tx, &rows.records)?;
    insert_rows::<DeliveryRow>(&tx, &rows.deliveries)?;
    tx.commit().map_err(rusqlite_error)?;
    Ok(applied)
}

fn touch_linked(
    conn: &Connection,
    identities: &[&WeChatIdentity],
) -> StoreResult<HashSet<IdentityKey>> {
    let run = || -> rusqlite::Result<HashSet<IdentityKey>> {
        let mut touched = HashSet::new();
        for chunk in chunks(identities) {
            let values = wechat::touch_linked_values(chunk);
            let mut statement = bound(conn, wechat::touch_linked_sql(chunk.len()), &values)?;
            let mut rows = statement.raw_query();
            while let Some(row) = rows.next()? {
                touched.insert((row.get(0)?, row.get(1)?, row.get(2)?));
            }
        }
        Ok(touched)
    };
    run().map_err(rusqlite_error)
}

fn unionid_linked(conn: &Connection, organization: &str, unionid: &str) -> StoreResult<bool> {
    let values = [Value::Str(organization), Value::Str(unionid)];
    let run = || -> rusqlite::Result<bool> {
        let mut statement = bound(conn, wechat::UNIONID_LINKED, &values)?;
        let found = statement.raw_query().next()?.is_some();
        Ok(found)
    };
    run().map_err(rusqlite_error)
}

fn insert_rows<T: Table>(conn: &Connection, entities: &[&T::Entity]) -> StoreResult<()> {
    for chunk in chunks(entities) {
        let values = rows_values::<T>(chunk)?;
        let sql = T::statements().insert_rows(chunk.len());
        let done = bound(conn, sql, &values).and_then(|mut s| s.raw_execute());
        describe_rows::<T, _>(done.map_err(rusqlite_error), chunk)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::MAX_ROWS;
    use crate::testdb::TestDb;

    /// [`bound`] binds by position: every text the group writer runs must number its
    /// parameters `$1`, `$2` … in the order SQLite indexes them (as sqlx binds them by name).
    #[tokio::test]
    async fn every_statement_numbers_its_parameters_in_order() {
        let db = TestDb::sqlite().await;
        let conn = Connection::open(db.sqlite_file()).expect("open");
        let mut texts = vec![wechat::UNIONID_LINKED.to_string()];
        let mut rows = 1;
        while rows <= MAX_ROWS {
            texts.push(wechat::touch_linked_sql(rows).to_string());
            texts.push(UserRow::statements().insert_rows(rows).to_string());
            texts.push(
                WeChatIdentityRow::statements()
                    .insert_rows(rows)
                    .to_string(),
            );
            texts.push(IdentityEventRow::statements().insert_rows(rows).to_string());
            texts.push(TokenRow::statements().insert_rows(rows).to_string());
            texts.push(RecordRow::statements().insert_rows(rows).to_string());
            texts.push(DeliveryRow::statements().insert_rows(rows).to_string());
            rows *= 2;
        }
        for text in &texts {
            let statement = conn.prepare(text).expect("prepares");
            let count = statement.parameter_count();
            assert!(count > 0, "{text}");
            for i in 1..=count {
                let name = format!("${i}");
                assert_eq!(statement.parameter_name(i), Some(name.as_str()), "{text}");
            }
        }
    }

    #[tokio::test]
    async fn a_job_that_panics_fails_alone() {
        let db = TestDb::sqlite().await;
        let writer = &db.sqlite_backend().own.group_writer;
        let failed = writer.run(|_| -> i64 { panic!("a bug in one job") }).await;
        assert!(
            matches!(failed, Err(StoreError::Unavailable(_))),
            "{failed:?}"
        );
        let next = writer
            .run(|conn| conn.query_row("SELECT 41 + 1", [], |row| row.get::<_, i64>(0)))
            .await;
        assert_eq!(next.expect("the thread goes on").expect("query"), 42);
    }

    /// A closed store answers 503 to a sign-in's write and read; it does not hang or reopen
    /// a connection (which would keep the log from being removed).
    #[tokio::test]
    async fn a_closed_store_answers_unavailable() {
        let db = TestDb::sqlite().await;
        let backend = db.sqlite_backend();
        db.database().close().await;
        let write = backend
            .own
            .group_writer
            .run(|conn| conn.query_row("SELECT 1", [], |row| row.get::<_, i64>(0)))
            .await;
        assert!(
            matches!(write, Err(StoreError::Unavailable(_))),
            "{write:?}"
        );
        let read = backend.own.readers.versions();
        assert!(matches!(read, Err(StoreError::Unavailable(_))), "{read:?}");
    }

    #[test]
    fn constraint_failures_are_classified_as_the_pool_classifies_them() {
        let conn = Connection::open_in_memory().expect("open");
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; CREATE TABLE p (k TEXT PRIMARY KEY); \
             CREATE TABLE c (k TEXT UNIQUE, p TEXT REFERENCES p(k)); INSERT INTO p VALUES ('a');",
        )
        .expect("schema");
        let insert = |sql: &str| conn.execute(sql, []).map_err(rusqlite_error);
        insert("INSERT INTO c VALUES ('x', 'a')").expect("first row");
        let conflict = insert("INSERT INTO c VALUES ('x', 'a')");
        assert!(
            matches!(conflict, Err(StoreError::Conflict(_))),
            "{conflict:?}"
        );
        let conflict = insert("INSERT INTO p VALUES ('a')");
        assert!(
            matches!(conflict, Err(StoreError::Conflict(_))),
            "{conflict:?}"
        );
        let reference = insert("INSERT INTO c VALUES ('y', 'nobody')");
        assert!(
            matches!(reference, Err(StoreError::Reference(_))),
            "{reference:?}"
        );
    }
}
