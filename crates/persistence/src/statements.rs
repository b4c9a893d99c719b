//! Counting the SQL statements of one request. The store's metric callback runs on the task
//! that executes the statement, so a task-local counter attributes each statement to the
//! request that caused it, at the cost of one atomic add, without passing anything through
//! the repositories. Tasks that a request spawns (DataLoader batches) carry the counter along
//! with [`carry`].

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

tokio::task_local! {
    static TALLY: Arc<AtomicU64>;
}

/// Runs `work`, counting the statements it executes (in its own task and the tasks it
/// spawns through [`carry`]); returns its output and the count.
pub async fn tally<F: Future>(work: F) -> (F::Output, u64) {
    let counter = Arc::new(AtomicU64::new(0));
    let output = TALLY.scope(Arc::clone(&counter), work).await;
    (output, counter.load(Ordering::Relaxed))
}

/// `work`, counting into the tally of the task that calls this, if it has one: for futures
/// that are spawned on behalf of a request.
pub fn carry<F: Future>(work: F) -> impl Future<Output = F::Output> {
    let counter = TALLY.try_with(Arc::clone).ok();
    async move {
        match counter {
            Some(counter) => TALLY.scope(counter, work).await,
            None => work.await,
        }
    }
}

/// Called by the store for every statement it executes.
pub(crate) fn count_one() {
    let _ = TALLY.try_with(|counter| counter.fetch_add(1, Ordering::Relaxed));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn statements_count_in_the_task_and_in_what_it_carries() {
        let ((), count) = tally(async {
            count_one();
            let spawned = tokio::spawn(carry(async { count_one() }));
            let _ = spawned.await;
            // Spawned without carrying: not this request's statement.
            let _ = tokio::spawn(async { count_one() }).await;
        })
        .await;
        assert_eq!(count, 2);
        // Outside any tally, counting is a no-op.
        count_one();
    }
}
