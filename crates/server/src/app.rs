//! Starting the service: open the store, load the demo data into an empty database, and serve
//! until asked to stop.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use panorama_api::auth::session::AuthState;
use panorama_api::network_cache::NetworkCache;
use panorama_api::rate_limit::RateLimiter;
use panorama_api::{ApiOptions, AppState, Metrics, router};
use panorama_domain::validation::SchemeList;
use panorama_persistence::{Store, StoreOptions};
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::shutdown::{StopSignal, Workers};
use crate::webhooks::WebhookOptions;

/// A server running in the background, as tests and `main` use it.
pub struct RunningApp {
    pub addr: SocketAddr,
    pub store: Store,
    pub metrics: Metrics,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    /// The feed's pruner and any other background work; they end with the app.
    workers: Workers,
    /// How long requests in flight and workers may take to finish once asked to stop.
    grace: Duration,
}

impl RunningApp {
    /// Stops accepting connections, lets requests in flight finish and background workers
    /// end their round (all within the grace period), and waits for them.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        let grace = self.grace;
        let mut task = self.task;
        let (served, ()) = tokio::join!(
            tokio::time::timeout(grace, &mut task),
            self.workers.stop(grace)
        );
        match served {
            Ok(served) => served??,
            Err(_) => {
                tracing::warn!(
                    grace_secs = grace.as_secs(),
                    "requests still in flight after the grace period: stopping anyway"
                );
                task.abort();
            }
        }
        Ok(())
    }
}

/// Opens (creating and migrating if needed) the database, and loads the demo dataset into an
/// empty one when `load_demo` is set.
pub async fn open_store(database_url: &str, load_demo: bool) -> anyhow::Result<Store> {
    open_store_with(database_url, load_demo, &StoreOptions::default()).await
}

/// [`open_store`] with the connection pool behaving as `options` say (the server's timeouts).
pub async fn open_store_with(
    database_url: &str,
    load_demo: bool,
    options: &StoreOptions,
) -> anyhow::Result<Store> {
    let store = Store::open_with(database_url, options).await?;
    if load_demo && let Some(summary) = crate::demo::load_demo_if_empty(&store).await? {
        tracing::info!(%summary, "loaded the demo dataset into the empty database");
    }
    Ok(store)
}

/// The org-id list codes that legal identifiers may use: read from `file` (the org-id.guide
/// table of lists, setting `org_id_lists_file`), or the built-in fallback list when no file is
/// set. A file that cannot be read or parsed is an error naming it, so that a wrong setting
/// stops the start rather than quietly refusing or accepting identifiers.
pub fn org_id_schemes(file: Option<&Path>) -> anyhow::Result<Arc<SchemeList>> {
    let Some(path) = file else {
        let schemes = SchemeList::fallback();
        tracing::info!(
            codes = schemes.len(),
            "no org_id_lists_file set: legal identifiers are checked against the built-in list of common org-id schemes"
        );
        return Ok(Arc::new(schemes));
    };
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read the org-id list file {} (setting org_id_lists_file)",
            path.display()
        )
    })?;
    let schemes = SchemeList::parse_org_id_csv(&text).with_context(|| {
        format!(
            "the org-id list file {} is not an org-id.guide table of lists (setting org_id_lists_file)",
            path.display()
        )
    })?;
    tracing::info!(
        codes = schemes.len(),
        file = %path.display(),
        "loaded the org-id list codes for legal identifiers"
    );
    Ok(Arc::new(schemes))
}

/// Binds `listen` (port 0 for any free port) and serves the API in a background task; legal
/// identifiers are checked against `schemes` (see [`org_id_schemes`]). Webhooks are sent by
/// another background task, as `webhooks` says.
pub async fn start(
    store: Store,
    listen: SocketAddr,
    options: ApiOptions,
    auth: Arc<AuthState>,
    schemes: Arc<SchemeList>,
    webhooks: WebhookOptions,
) -> anyhow::Result<RunningApp> {
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let grace = options.http.shutdown_grace;
    let mut workers = Workers::new();
    let (pruned, retention) = (store.clone(), options.feed_retention);
    workers.spawn("feed pruner", move |stop| {
        prune_feed_hourly(pruned, retention, stop)
    });
    let redis_url = options.redis_url.clone();
    let mut state = AppState::with_schemes(store.clone(), options, auth, schemes);
    if let Some(url) = redis_url {
        let budgets = state.options.rate_limits.clone();
        let limiter = RateLimiter::redis(budgets, url.expose_secret())
            .await
            .context("cannot reach Redis for the rate limits (PANORAMA_REDIS_URL)")?;
        state = state.with_rate_limiter(limiter);
    }
    if let Some(every) = state.options.network.refresh_every {
        let network = Arc::clone(&state.network);
        workers.spawn("network refresher", move |stop| {
            refresh_network(network, every, stop)
        });
    }
    let metrics = state.metrics.clone();
    let (sender, sent_metrics) = (store.clone(), metrics.clone());
    workers.spawn("webhooks", move |stop| {
        crate::webhooks::run(sender, webhooks, retention, sent_metrics, stop)
    });
    let app = router(state);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        })
        .await
    });
    Ok(RunningApp {
        addr,
        store,
        metrics,
        stop,
        task,
        workers,
        grace,
    })
}

/// Keeps the change feed within its retention window: prunes a minute after the start, then
/// every hour, until the app stops. A failure is logged and tried again at the next round.
async fn prune_feed_hourly(store: Store, retention: Duration, mut stop: StopSignal) {
    // The first round waits a minute: a starting server has other work, and a test's
    // statement counts must not see a prune.
    let hour = Duration::from_secs(3600);
    let first = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut every = tokio::time::interval_at(first, hour);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            () = stop.stopped() => return,
        }
        let Ok(retention) = chrono::Duration::from_std(retention) else {
            return;
        };
        let horizon = chrono::Utc::now() - retention;
        match store.prune_changes(horizon).await {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, "change feed pruned"),
            Err(error) => tracing::warn!(%error, "pruning the change feed failed"),
        }
    }
}

/// Reads the published network at the start, so that the first request finds it ready, then
/// again if published data changed, `pause` after the end of each round (a build of a large
/// registry takes seconds of a core: it never runs back to back). A failure is logged and
/// tried again at the next round.
async fn refresh_network(network: Arc<NetworkCache>, pause: Duration, mut stop: StopSignal) {
    loop {
        // Stopping does not wait for a build.
        let refreshed = tokio::select! {
            refreshed = network.refresh() => refreshed,
            () = stop.stopped() => return,
        };
        if let Err(error) = refreshed {
            tracing::warn!(error = %error.message, "refreshing the published network failed");
        }
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = stop.stopped() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_id_schemes_come_from_the_file_or_the_fallback() {
        assert_eq!(*org_id_schemes(None).unwrap(), SchemeList::fallback());

        let dir = std::env::temp_dir().join(format!("panorama-app-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("lists.csv");
        std::fs::write(&good, "code,deprecated\nNZ-CR,False\nFR-INSEE,True\n").unwrap();
        let schemes = org_id_schemes(Some(&good)).unwrap();
        assert_eq!(schemes.codes().collect::<Vec<_>>(), ["NZ-CR"]);

        let bad = dir.join("bad.csv");
        std::fs::write(&bad, "code,name\nNZ-CR,Charities\n").unwrap();
        let error = format!("{:#}", org_id_schemes(Some(&bad)).unwrap_err());
        assert!(error.contains("bad.csv"), "{error}");
        assert!(error.contains("no `deprecated` column"), "{error}");

        let missing = dir.join("missing.csv");
        let error = format!("{:#}", org_id_schemes(Some(&missing)).unwrap_err());
        assert!(error.contains("missing.csv"), "{error}");
        assert!(error.contains("cannot read"), "{error}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
