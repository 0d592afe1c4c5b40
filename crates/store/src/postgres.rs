//! PostgreSQL: one pool for reads and transactions.

use std::str::FromStr;

use ferrodoor_core::entity::{
    Application, AuthorizationCode, Cert, IdentityEvent, Organization, Provider, ScanTicket,
    Session, Token, User, WeChatIdentity,
};
use ferrodoor_core::store::{
    Contact, ListQuery, Page, SigninClaim, StoreResult, StoreTx, WeChatLookup,
};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::PoolSettings;
use crate::error::{db_error, migrate_error};
use crate::tables::versions::BOTH_VERSIONS;

type Db = sqlx::Postgres;
type Conn = sqlx::PgConnection;

const NAME: &str = "postgres";
const BEGIN: &str = "BEGIN";
const LOCK_ROWS: bool = true;

crate::backend::define_backend!();

pub(crate) mod group;

/// No connections of its own: the reads every sign-in makes go through the pool as every
/// other read.
pub(crate) struct Own;

impl Own {
    async fn versions(&self, b: &Backend) -> StoreResult<Versions> {
        let read = async {
            let (config, authz): (i64, i64) = sqlx::query_as(BOTH_VERSIONS)
                .fetch_one(&mut *b.read().await?)
                .await
                .map_err(db_error)?;
            Ok(Versions { config, authz })
        };
        bounded(b.statement_timeout, read).await
    }

    async fn find_user_by_wechat(
        &self,
        b: &Backend,
        lookup: WeChatLookup<'_>,
    ) -> StoreResult<Option<User>> {
        let read = async { q::find_user_by_wechat(&mut *b.read().await?, lookup).await };
        bounded(b.statement_timeout, read).await
    }

    async fn close(&self) {}
}

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

const MAX_CONNECTIONS: u32 = 16;

/// The acquire timeout also bounds connecting: an unreachable database answers 503 after
/// it, not a minute later.
pub(crate) async fn connect(url: &str, settings: PoolSettings) -> StoreResult<Backend> {
    // Plan every statement with its real parameters and the tables' current size. With
    // cached generic plans, a plan made while a table was empty (a fresh deployment) kept
    // being used after a burst of sign-ups filled it: logins looked their user up through
    // the wrong index, 17–25 ms instead of 0.2 ms (see BENCHMARKS.md). On empty tables
    // every index looks as cheap as any other, so any statement's generic plan may search
    // by a key's first column only. The planning is ~40% of PostgreSQL's CPU per login
    // (BENCHMARKS.md, "Levers tried"); sending the lookups unprepared instead costs a
    // second round trip each and was slower.
    let options = PgConnectOptions::from_str(url).map_err(db_error)?.options([
        ("plan_cache_mode", "force_custom_plan".to_string()),
        (
            "statement_timeout",
            settings.statement_timeout.as_millis().to_string(),
        ),
    ]);
    let pool = PgPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .acquire_timeout(settings.acquire_timeout)
        .connect_with(options)
        .await
        .map_err(db_error)?;
    Ok(Backend {
        reader: pool.clone(),
        claims: group::claim_queue(pool.clone(), Some(settings.statement_timeout)),
        grouped: group::queue(pool.clone(), Some(settings.statement_timeout)),
        writer: pool,
        statement_timeout: Some(settings.statement_timeout),
        own: Own,
    })
}

impl Backend {
    /// Safe to run from several servers at once: sqlx takes an advisory lock.
    pub(crate) async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.writer).await.map_err(migrate_error)
    }

    pub(crate) async fn close(&self) {
        self.writer.close().await;
        self.own.close().await;
    }
}
