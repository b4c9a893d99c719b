//! Starting the service: open the store, load the demo data into an empty database, and serve
//! until asked to stop.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use panorama_api::auth::session::AuthState;
use panorama_api::{ApiOptions, AppState, router};
use panorama_domain::validation::SchemeList;
use panorama_persistence::Store;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::webhooks::WebhookOptions;

/// A server running in the background, as tests and `main` use it.
pub struct RunningApp {
    pub addr: SocketAddr,
    pub store: Store,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    /// The feed's pruning task; it ends with the app (it holds the store's connections).
    pruner: AbortOnDrop,
    /// The webhook worker; it ends with the app too.
    webhooks: AbortOnDrop,
}

/// A background task that is stopped when this is dropped.
struct AbortOnDrop(Option<JoinHandle<()>>);

impl AbortOnDrop {
    /// Stops the task and waits until it is gone (with what it held).
    async fn stop(mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }
}

impl RunningApp {
    /// Stops accepting connections, lets requests in flight finish, and waits for the server.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.pruner.stop().await;
        self.webhooks.stop().await;
        let _ = self.stop.send(());
        self.task.await??;
        Ok(())
    }
}

/// Opens (creating and migrating if needed) the database, and loads the demo dataset into an
/// empty one when `load_demo` is set.
pub async fn open_store(database_url: &str, load_demo: bool) -> anyhow::Result<Store> {
    let store = Store::open(database_url).await?;
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
    let pruner = AbortOnDrop(Some(prune_feed_hourly(
        store.clone(),
        options.feed_retention,
    )));
    let webhooks = AbortOnDrop(Some(crate::webhooks::spawn(
        &store,
        webhooks,
        options.feed_retention,
    )));
    let app = router(AppState::with_schemes(
        store.clone(),
        options,
        auth,
        schemes,
    ));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    Ok(RunningApp {
        addr,
        store,
        stop,
        task,
        pruner,
        webhooks,
    })
}

/// Keeps the change feed within its retention window: prunes a minute after the start, then
/// every hour. A failure is logged and tried again at the next round.
fn prune_feed_hourly(store: Store, retention: std::time::Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        // The first round waits a minute: a starting server has other work, and a test's
        // statement counts must not see a prune.
        let hour = std::time::Duration::from_secs(3600);
        let first = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
        let mut every = tokio::time::interval_at(first, hour);
        loop {
            every.tick().await;
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
    })
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
