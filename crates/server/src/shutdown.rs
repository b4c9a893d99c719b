//! Stopping cleanly. Background workers are told to stop, finish the round they are in, and
//! are waited for (within a grace period, after which they are aborted); the HTTP server
//! meanwhile stops accepting connections and drains the requests in flight.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Tells a worker when to stop. A worker waits on [`StopSignal::stopped`] between rounds
/// (in a `tokio::select!` beside its timer), never in the middle of one.
#[derive(Clone)]
pub struct StopSignal(watch::Receiver<bool>);

impl StopSignal {
    /// Returns once the app is stopping (at once if it already is).
    pub async fn stopped(&mut self) {
        // An error means the sender is gone, which also means stop.
        let _ = self.0.wait_for(|stopping| *stopping).await;
    }
}

/// The app's background workers.
pub struct Workers {
    stop: watch::Sender<bool>,
    tasks: Vec<(&'static str, JoinHandle<()>)>,
}

impl Default for Workers {
    fn default() -> Self {
        Self::new()
    }
}

impl Workers {
    pub fn new() -> Self {
        Self {
            stop: watch::Sender::new(false),
            tasks: Vec::new(),
        }
    }

    /// Starts a worker; `work` gets the signal it must watch to stop.
    pub fn spawn<F>(&mut self, name: &'static str, work: impl FnOnce(StopSignal) -> F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let signal = StopSignal(self.stop.subscribe());
        self.tasks.push((name, tokio::spawn(work(signal))));
    }

    /// Tells every worker to stop and waits for them, aborting those still running after
    /// `grace`.
    pub async fn stop(mut self, grace: Duration) {
        self.stop.send_replace(true);
        let deadline = Instant::now() + grace;
        for (name, mut task) in std::mem::take(&mut self.tasks) {
            match tokio::time::timeout_at(deadline, &mut task).await {
                Ok(Ok(())) => tracing::info!(worker = name, "background worker stopped"),
                Ok(Err(error)) => {
                    tracing::error!(worker = name, %error, "background worker failed")
                }
                Err(_) => {
                    tracing::warn!(
                        worker = name,
                        "background worker still busy after the grace period: aborted"
                    );
                    task.abort();
                    let _ = task.await;
                }
            }
        }
    }
}

/// Workers of an app that is dropped without being stopped (a failing test) do not outlive it.
impl Drop for Workers {
    fn drop(&mut self) {
        for (_, task) in &self.tasks {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn workers_finish_their_round_then_stop() {
        let rounds = Arc::new(AtomicU32::new(0));
        let mut workers = Workers::new();
        let counted = Arc::clone(&rounds);
        let (started, in_round) = tokio::sync::oneshot::channel::<()>();
        workers.spawn("counter", move |mut stop| async move {
            let mut started = Some(started);
            loop {
                tokio::select! {
                    () = stop.stopped() => return,
                    () = tokio::time::sleep(Duration::from_millis(1)) => {}
                }
                if let Some(started) = started.take() {
                    let _ = started.send(());
                }
                // A round that outlasts the stop signal is finished, not cut.
                tokio::time::sleep(Duration::from_millis(50)).await;
                counted.fetch_add(1, Ordering::SeqCst);
            }
        });
        in_round.await.unwrap();
        workers.stop(Duration::from_secs(5)).await;
        assert_eq!(rounds.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_worker_that_ignores_the_signal_is_aborted_after_the_grace() {
        let mut workers = Workers::new();
        workers.spawn("stubborn", |_| std::future::pending::<()>());
        let started = Instant::now();
        workers.stop(Duration::from_millis(50)).await;
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
