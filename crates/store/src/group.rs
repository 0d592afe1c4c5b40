//! Group commit: one task takes every job waiting at that moment, runs them together (one
//! statement or one transaction for all), and answers each caller after that commit.
//!
//! Under no load a group is one job and costs what it did alone; under load the writer's
//! turns (SQLite's single writer, PostgreSQL's round trips and WAL flushes) are shared by
//! the jobs of a group. A caller is answered only once its work is durable.

use std::future::Future;

use ferrodoor_core::store::{StoreError, StoreResult};
use tokio::sync::{mpsc, oneshot};

type Job<J, A> = (J, oneshot::Sender<StoreResult<A>>);

/// Groups committed, by `queue` (`code_claims`, `token_grants`).
pub const COMMITS: &str = "ferrodoor_db_group_commits_total";
/// Jobs in those groups, by `queue`: divided by [`COMMITS`], the mean group size.
pub const JOBS: &str = "ferrodoor_db_grouped_jobs_total";

/// The handle a backend keeps; the task ends when it is dropped.
pub(crate) struct GroupQueue<J, A> {
    jobs: mpsc::UnboundedSender<Job<J, A>>,
}

impl<J: Send + 'static, A: Send + 'static> GroupQueue<J, A> {
    /// Starts the task that runs `run` on each group of at most `max` jobs; `run` answers
    /// one result per job, in the jobs' order. `name` labels the queue's metrics.
    pub(crate) fn start<F, Fut>(name: &'static str, max: usize, run: F) -> Self
    where
        F: Fn(Vec<J>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<StoreResult<A>>> + Send + 'static,
    {
        let (jobs, mut queue) = mpsc::unbounded_channel::<Job<J, A>>();
        tokio::spawn(async move {
            let mut group = Vec::with_capacity(max);
            while queue.recv_many(&mut group, max).await > 0 {
                let (jobs, replies): (Vec<J>, Vec<_>) = group.drain(..).unzip();
                metrics::counter!(COMMITS, "queue" => name).increment(1);
                metrics::counter!(JOBS, "queue" => name).increment(jobs.len() as u64);
                let answers = run(jobs).await;
                if answers.len() != replies.len() {
                    for reply in replies {
                        let _ = reply.send(Err(StoreError::Other(
                            "a group commit answered the wrong number of jobs".into(),
                        )));
                    }
                    continue;
                }
                for (reply, answer) in replies.into_iter().zip(answers) {
                    let _ = reply.send(answer);
                }
            }
        });
        GroupQueue { jobs }
    }

    /// Runs `job` with the others waiting now; answers once the group is committed.
    pub(crate) async fn submit(&self, job: J) -> StoreResult<A> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send((job, reply))
            .map_err(|_| StoreError::Unavailable("the store is closed".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Unavailable("a group commit did not answer".into()))?
    }
}

/// The same error again, for every job of a group that failed as a whole.
pub(crate) fn same_error(e: &StoreError) -> StoreError {
    match e {
        StoreError::Conflict(m) => StoreError::Conflict(m.clone()),
        StoreError::Reference(m) => StoreError::Reference(m.clone()),
        StoreError::Invalid(m) => StoreError::Invalid(m.clone()),
        StoreError::Unavailable(m) => StoreError::Unavailable(m.clone()),
        StoreError::Other(m) => StoreError::Other(m.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[tokio::test]
    async fn concurrent_jobs_share_groups_and_each_gets_its_own_answer() {
        let sizes = Arc::new(Mutex::new(Vec::new()));
        let s = sizes.clone();
        let queue = Arc::new(GroupQueue::start("test", 8, move |jobs: Vec<u32>| {
            let s = s.clone();
            async move {
                s.lock().unwrap().push(jobs.len());
                tokio::task::yield_now().await;
                jobs.into_iter().map(|j| Ok(j * 2)).collect()
            }
        }));
        let calls: Vec<_> = (0..40u32)
            .map(|i| {
                let q = queue.clone();
                tokio::spawn(async move { (i, q.submit(i).await) })
            })
            .collect();
        for call in calls {
            let (i, answer) = call.await.unwrap();
            assert_eq!(answer.unwrap(), i * 2);
        }
        let sizes = sizes.lock().unwrap();
        assert_eq!(sizes.iter().sum::<usize>(), 40);
        assert!(sizes.iter().all(|&n| (1..=8).contains(&n)));
        assert!(sizes.len() < 40, "some jobs shared a group: {sizes:?}");
    }

    #[tokio::test]
    async fn a_group_answering_the_wrong_count_fails_its_jobs() {
        let queue = GroupQueue::start("test", 8, |_jobs: Vec<u32>| async {
            Vec::<StoreResult<u32>>::new()
        });
        let answer = queue.submit(1).await;
        assert!(matches!(answer, Err(StoreError::Other(_))), "{answer:?}");
    }
}
