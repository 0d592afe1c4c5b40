//! Group commit of `wx.login` code claims.
//!
//! Every mini-program login first claims its code (so that the code reaches WeChat at most
//! once, on any node) and only then calls WeChat: the claim must be committed before the
//! call. Alone, each claim is a write transaction of its own, and on SQLite one more turn
//! at the single writer. Here one task takes every claim waiting at that moment and
//! inserts them with one multi-row statement (one implicit transaction), then answers each
//! caller after that commit. A claim is answered `true` only once it is durable exactly as
//! before; under no load a batch is one claim and costs what it did.

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, OnceLock};

use ferrodoor_core::store::{StoreError, StoreResult};

use crate::group::{GroupQueue, same_error};
use crate::tables::Value;

/// The most claims one statement carries (3 bound values each).
pub(crate) const MAX_BATCH: usize = 64;

/// One code to claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CodeClaim {
    pub appid: String,
    pub code_hash: String,
    pub expires_at: i64,
}

/// The handle the backend keeps; the task ends when it is dropped.
pub(crate) struct ClaimQueue(GroupQueue<CodeClaim, bool>);

impl ClaimQueue {
    /// Starts the task that runs `insert` on each batch; `insert` answers, for each claim
    /// of the batch (all distinct), whether this insert took it.
    pub(crate) fn start<F, Fut>(insert: F) -> Self
    where
        F: Fn(Vec<CodeClaim>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = StoreResult<Vec<bool>>> + Send + 'static,
    {
        let insert = Arc::new(insert);
        ClaimQueue(GroupQueue::start("code_claims", MAX_BATCH, move |batch| {
            let insert = insert.clone();
            async move { run_batch(&*insert, batch).await }
        }))
    }

    /// Claims `claim`'s code: true when this call took it, false when it was taken before.
    pub(crate) async fn claim(&self, claim: CodeClaim) -> StoreResult<bool> {
        self.0.submit(claim).await
    }
}

async fn run_batch<F, Fut>(insert: &F, batch: Vec<CodeClaim>) -> Vec<StoreResult<bool>>
where
    F: Fn(Vec<CodeClaim>) -> Fut,
    Fut: Future<Output = StoreResult<Vec<bool>>>,
{
    // The same code twice in one batch: the first in the queue is the one that may win.
    let mut seen = HashSet::with_capacity(batch.len());
    let first: Vec<bool> = batch
        .iter()
        .map(|c| seen.insert((c.appid.clone(), c.code_hash.clone())))
        .collect();
    let distinct: Vec<CodeClaim> = batch
        .into_iter()
        .zip(&first)
        .filter_map(|(c, &f)| f.then_some(c))
        .collect();
    let inserted = if distinct.is_empty() {
        Ok(Vec::new())
    } else {
        insert(distinct).await
    };
    let mut won = match &inserted {
        Ok(won) if won.len() == seen.len() => won.iter(),
        _ => [].iter(),
    };
    first
        .iter()
        .map(|&f| match (&inserted, f) {
            (_, false) => Ok(false),
            (Err(e), true) => Err(same_error(e)),
            (Ok(_), true) => won.next().copied().ok_or_else(|| {
                StoreError::Other("a code claim batch answered the wrong number of rows".into())
            }),
        })
        .collect()
}

/// `INSERT … VALUES ($1, $2, $3), … ON CONFLICT DO NOTHING RETURNING code_hash, appid` for
/// `n` claims (1 ≤ n ≤ [`MAX_BATCH`]); the same text for both backends. Built once per size,
/// so each is a cached prepared statement on every connection.
pub(crate) fn insert_sql(n: usize) -> &'static str {
    static TEXTS: OnceLock<Vec<String>> = OnceLock::new();
    let texts = TEXTS.get_or_init(|| {
        (1..=MAX_BATCH)
            .map(|n| {
                format!(
                    "INSERT INTO wechat_code_claims (appid, code_hash, expires_at) VALUES {} \
                     ON CONFLICT (appid, code_hash) DO NOTHING RETURNING appid, code_hash",
                    crate::tables::value_lists(n, 3)
                )
            })
            .collect()
    });
    &texts[n.clamp(1, MAX_BATCH) - 1]
}

/// The values [`insert_sql`] binds for `claims`, in its order.
pub(crate) fn values(claims: &[CodeClaim]) -> Vec<Value<'_>> {
    claims
        .iter()
        .flat_map(|c| {
            [
                Value::Str(&c.appid),
                Value::Str(&c.code_hash),
                Value::Int(c.expires_at),
            ]
        })
        .collect()
}

/// For each claim, whether `(appid, code_hash)` is among the inserted rows.
pub(crate) fn won(claims: &[CodeClaim], inserted: &[(String, String)]) -> Vec<bool> {
    let inserted: HashSet<(&str, &str)> = inserted
        .iter()
        .map(|(a, h)| (a.as_str(), h.as_str()))
        .collect();
    claims
        .iter()
        .map(|c| inserted.contains(&(c.appid.as_str(), c.code_hash.as_str())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    fn claim(code: &str) -> CodeClaim {
        CodeClaim {
            appid: "wx".into(),
            code_hash: code.into(),
            expires_at: 10,
        }
    }

    #[test]
    fn one_statement_text_per_batch_size() {
        assert_eq!(
            insert_sql(2),
            "INSERT INTO wechat_code_claims (appid, code_hash, expires_at) VALUES ($1, $2, $3), \
             ($4, $5, $6) ON CONFLICT (appid, code_hash) DO NOTHING RETURNING appid, code_hash"
        );
        assert!(insert_sql(MAX_BATCH).ends_with("($190, $191, $192) ON CONFLICT (appid, code_hash) DO NOTHING RETURNING appid, code_hash"));
    }

    #[test]
    fn a_claim_wins_only_when_its_row_was_inserted() {
        let claims = [claim("a"), claim("b")];
        let inserted = [("wx".to_string(), "b".to_string())];
        assert_eq!(won(&claims, &inserted), [false, true]);
    }

    #[tokio::test]
    async fn concurrent_claims_share_batches_and_duplicates_lose() {
        let taken = Arc::new(Mutex::new(HashSet::<String>::new()));
        let sizes = Arc::new(Mutex::new(Vec::new()));
        let (t, s) = (taken.clone(), sizes.clone());
        let queue = std::sync::Arc::new(ClaimQueue::start(move |batch: Vec<CodeClaim>| {
            let (t, s) = (t.clone(), s.clone());
            async move {
                s.lock().unwrap().push(batch.len());
                tokio::task::yield_now().await;
                let mut t = t.lock().unwrap();
                Ok(batch
                    .iter()
                    .map(|c| t.insert(c.code_hash.clone()))
                    .collect())
            }
        }));
        let mut calls = Vec::new();
        for i in 0..40 {
            let q = queue.clone();
            // Every code twice: exactly one of the two may win.
            calls.push(tokio::spawn(async move {
                q.claim(claim(&format!("c{}", i / 2))).await
            }));
        }
        let mut wins = 0;
        for c in calls {
            wins += usize::from(c.await.unwrap().unwrap());
        }
        assert_eq!(wins, 20);
        assert_eq!(taken.lock().unwrap().len(), 20);
        let sizes = sizes.lock().unwrap();
        assert!(sizes.iter().sum::<usize>() <= 40);
        assert!(
            sizes.len() < 40,
            "claims waiting together were batched: {sizes:?}"
        );
    }

    #[tokio::test]
    async fn a_failed_batch_fails_every_claim_in_it() {
        let queue = ClaimQueue::start(|_batch: Vec<CodeClaim>| async {
            Err(StoreError::Unavailable("down".into()))
        });
        let err = queue.claim(claim("x")).await.unwrap_err();
        assert!(matches!(err, StoreError::Unavailable(m) if m == "down"));
    }
}
