//! Connection pool metrics: how many connections each pool holds and how many sit idle
//! (read at scrape time), and how often a request found no idle connection and had to wait.

use sqlx::{Database as SqlxDatabase, Pool};

/// Acquisitions that found every connection busy, by `role` (`read`, `transaction`).
pub const WAITS: &str = "ferrodoor_db_pool_waits_total";

/// One pool's numbers at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// `reader` / `writer` on SQLite, `main` on PostgreSQL.
    pub pool: &'static str,
    /// Open connections (in use + idle).
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

impl PoolStats {
    pub fn in_use(&self) -> u32 {
        self.size.saturating_sub(self.idle)
    }
}

pub(crate) fn stats<DB: SqlxDatabase>(pool: &'static str, p: &Pool<DB>) -> PoolStats {
    PoolStats {
        pool,
        size: p.size(),
        idle: u32::try_from(p.num_idle()).unwrap_or(u32::MAX),
        max: p.options().get_max_connections(),
    }
}

/// Counts a wait when `p` has no idle connection at the moment one is asked for (a close
/// approximation: another task may return one in between).
pub(crate) fn note_acquire<DB: SqlxDatabase>(role: &'static str, p: &Pool<DB>) {
    if p.num_idle() == 0 {
        metrics::counter!(WAITS, "role" => role).increment(1);
    }
}
