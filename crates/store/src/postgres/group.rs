//! PostgreSQL's group commit of token grants: one transaction on the pool, one statement
//! per table and chunk (see [`crate::group_plan`]).

use std::collections::HashSet;
use std::time::Duration;

use ferrodoor_core::entity::WeChatIdentity;
use ferrodoor_core::store::{GroupedWrite, StoreResult};

use super::q::{Row, arguments, execute};
use super::{BEGIN, bounded};
use crate::claims::{ClaimQueue, CodeClaim};
use crate::error::db_error;
use crate::group::{GroupQueue, same_error};
use crate::group_plan::{self, GroupRows};
use crate::tables::identity_events::IdentityEventRow;
use crate::tables::records::RecordRow;
use crate::tables::tokens::TokenRow;
use crate::tables::users::UserRow;
use crate::tables::webhooks::DeliveryRow;
use crate::tables::wechat::{self, IdentityKey, WeChatIdentityRow};
use crate::tables::{chunks, describe_rows, rows_values};

type Conn = sqlx::PgConnection;

/// The task that commits token grants' writes in groups on `pool`.
pub(crate) fn queue(pool: sqlx::PgPool, limit: Option<Duration>) -> GroupQueue<GroupedWrite, bool> {
    GroupQueue::start("token_grants", super::MAX_GROUPED_WRITES, move |writes| {
        let pool = pool.clone();
        async move { commit(&pool, limit, writes).await }
    })
}

/// The task that commits code claims in groups on `pool` (see [`crate::claims`]).
pub(crate) fn claim_queue(pool: sqlx::PgPool, limit: Option<Duration>) -> ClaimQueue {
    ClaimQueue::start(move |batch| {
        let pool = pool.clone();
        async move { bounded(limit, claim(&pool, &batch)).await }
    })
}

/// One statement (its own transaction) for a batch of distinct claims; answers, for each,
/// whether this statement took it.
async fn claim(pool: &sqlx::PgPool, claims: &[CodeClaim]) -> StoreResult<Vec<bool>> {
    crate::pool_metrics::note_acquire("transaction", pool);
    let mut c = pool.acquire().await.map_err(db_error)?;
    let sql = crate::claims::insert_sql(claims.len());
    let inserted: Vec<(String, String)> =
        sqlx::query_as_with(sql, arguments(crate::claims::values(claims))?)
            .fetch_all(&mut *c)
            .await
            .map_err(db_error)?;
    Ok(crate::claims::won(claims, &inserted))
}

/// One group's writes, each answered: applied or not (see `Store::commit_grouped`).
pub(crate) async fn commit(
    pool: &sqlx::PgPool,
    limit: Option<Duration>,
    writes: Vec<GroupedWrite>,
) -> Vec<StoreResult<bool>> {
    let order = group_plan::touch_order(&writes);
    match bounded(limit, write_group(pool, &writes, &order)).await {
        Ok(applied) => applied.into_iter().map(Ok).collect(),
        Err(e) if group_plan::retry_each_alone(&e, writes.len()) => {
            let mut answers = Vec::with_capacity(writes.len());
            for write in writes.chunks(1) {
                let alone = bounded(limit, write_group(pool, write, &[0])).await;
                answers.push(alone.map(|applied| applied.first().copied().unwrap_or(false)));
            }
            answers
        }
        Err(e) => writes.iter().map(|_| Err(same_error(&e))).collect(),
    }
}

/// One transaction: the identities touched (in `order`), then the rows of the writes that
/// still apply.
async fn write_group(
    pool: &sqlx::PgPool,
    writes: &[GroupedWrite],
    order: &[usize],
) -> StoreResult<Vec<bool>> {
    crate::pool_metrics::note_acquire("transaction", pool);
    let mut tx = pool.begin_with(BEGIN).await.map_err(db_error)?;
    let touched = touch_linked(&mut tx, &group_plan::touches(writes, order)).await?;
    let (mut applied, checks) =
        group_plan::after_touches(writes, order, &group_plan::borrowed(&touched));
    for check in checks {
        applied[check.write] = !unionid_linked(&mut tx, check.organization, check.unionid).await?;
    }
    let rows = GroupRows::of(writes, &applied);
    insert_rows::<UserRow>(&mut tx, &rows.users).await?;
    insert_rows::<WeChatIdentityRow>(&mut tx, &rows.identities).await?;
    insert_rows::<IdentityEventRow>(&mut tx, &rows.events).await?;
    insert_rows::<TokenRow>(&mut tx, &rows.tokens).await?;
    insert_rows::<RecordRow>(&mut tx, &rows.records).await?;
    insert_rows::<DeliveryRow>(&mut tx, &rows.deliveries).await?;
    tx.commit().await.map_err(db_error)?;
    Ok(applied)
}

/// Touches each identity (distinct keys) only while it names its `user_name` and that
/// user is active; answers the keys touched.
async fn touch_linked(
    c: &mut Conn,
    identities: &[&WeChatIdentity],
) -> StoreResult<HashSet<IdentityKey>> {
    let mut touched = HashSet::new();
    for chunk in chunks(identities) {
        let values = wechat::touch_linked_values(chunk);
        let rows: Vec<IdentityKey> =
            sqlx::query_as_with(wechat::touch_linked_sql(chunk.len()), arguments(values)?)
                .fetch_all(&mut *c)
                .await
                .map_err(db_error)?;
        touched.extend(rows);
    }
    Ok(touched)
}

async fn unionid_linked(c: &mut Conn, organization: &str, unionid: &str) -> StoreResult<bool> {
    let found: Option<IdentityKey> = sqlx::query_as(wechat::UNIONID_LINKED)
        .bind(organization)
        .bind(unionid)
        .fetch_optional(&mut *c)
        .await
        .map_err(db_error)?;
    Ok(found.is_some())
}

/// Inserts `entities` with one statement per chunk.
async fn insert_rows<T: Row>(c: &mut Conn, entities: &[&T::Entity]) -> StoreResult<()> {
    for chunk in chunks(entities) {
        let sql = T::statements().insert_rows(chunk.len());
        let done = execute(c, sql, rows_values::<T>(chunk)?).await;
        describe_rows::<T, _>(done, chunk)?;
    }
    Ok(())
}
