//! Starting the service: open the store, load the demo data into an empty database, and serve
//! until asked to stop.

use std::net::SocketAddr;
use std::sync::Arc;

use panorama_api::auth::session::AuthState;
use panorama_api::{ApiOptions, AppState, router};
use panorama_persistence::Store;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A server running in the background, as tests and `main` use it.
pub struct RunningApp {
    pub addr: SocketAddr,
    pub store: Store,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningApp {
    /// Stops accepting connections, lets requests in flight finish, and waits for the server.
    pub async fn stop(self) -> anyhow::Result<()> {
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

/// Binds `listen` (port 0 for any free port) and serves the API in a background task.
pub async fn start(
    store: Store,
    listen: SocketAddr,
    options: ApiOptions,
    auth: Arc<AuthState>,
) -> anyhow::Result<RunningApp> {
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let app = router(AppState::new(store.clone(), options, auth));
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
    })
}
