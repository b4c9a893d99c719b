//! The published organisation graph, read once and kept until published data changes, with
//! the whole registry's figures computed beside it.
//!
//! On 100,000 organisations reading the graph takes seconds (800,000 ties) and exact
//! betweenness hours, so neither can happen per request. A [`NetworkSnapshot`] holds the graph
//! and the figures of the whole registry, with every record's classes to count the breakdowns
//! of any selection (SQL took seconds to count the terms of 200,000 projects);
//! `ecosystemStats`, `network`, `path` and the
//! suggestions answer from it. Each request first reads the feed's mark (one small statement,
//! [`Store::feed_mark`]): while nothing published changed, the snapshot stands. After a
//! change, a new one is built, one build at a time:
//!
//! - when the last build was quick (under [`NetworkOptions::wait_for_builds_under`]) the
//!   request waits for it, so a small registry always answers with its latest writes;
//! - otherwise the request answers from the previous snapshot at once; `asOf` tells the
//!   caller how old its figures are. The server's refresher builds the next one: it looks at
//!   the mark every [`NetworkOptions::refresh_every`] after its last round, so that however
//!   often the data changes, builds take at most part of one core. Without a refresher, the
//!   request starts the build in the background.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use async_graphql::Error;
use chrono::{DateTime, Utc};
use panorama_domain::network::{BetweennessScores, Connectivity, Graph, connectivity};
use panorama_persistence::Store;
use panorama_persistence::classified::Classifications;
use panorama_persistence::feed::FeedMark;
use panorama_persistence::network::{Breakdown, OrganisationGraph};

use crate::error::OrGqlError;
use crate::metrics::Metrics;

/// The work exact betweenness may take beside a build (in nodes and neighbour entries
/// visited; see `Graph::betweenness_within`): a few seconds of one core, off the requests.
pub const PRECOMPUTED_BETWEENNESS_WORK: u64 = 200_000_000;
/// The work betweenness may take during a request, for a filtered selection: well under a
/// second. Larger selections get an estimate.
pub const ON_DEMAND_BETWEENNESS_WORK: u64 = 10_000_000;

/// How the snapshot is kept fresh.
#[derive(Debug, Clone, Copy)]
pub struct NetworkOptions {
    /// A request after a change waits for the new snapshot when the last build took less than
    /// this; otherwise it answers from the previous one.
    pub wait_for_builds_under: Duration,
    /// The pause between the rounds of the server's refresher, which rebuilds the snapshot
    /// when the mark moved (none: no refresher; a request that finds the snapshot out of date
    /// starts the build).
    pub refresh_every: Option<Duration>,
}

impl Default for NetworkOptions {
    fn default() -> Self {
        Self {
            wait_for_builds_under: Duration::from_millis(250),
            refresh_every: None,
        }
    }
}

/// The published graph as of one point of the feed, with the whole registry's figures.
#[derive(Debug)]
pub struct NetworkSnapshot {
    /// The feed's mark read before the graph: a later change moves it.
    mark: FeedMark,
    /// When the graph was read.
    pub as_of: DateTime<Utc>,
    /// How long reading and computing took.
    pub build_time: Duration,
    pub graph: Arc<OrganisationGraph>,
    pub connectivity: Arc<Connectivity>,
    pub betweenness: Arc<BetweennessScores>,
    /// How every published organisation and project is classified, to count any selection.
    pub classifications: Arc<Classifications>,
    /// How all published organisations divide (by type, size, country, terms).
    pub organisations: Arc<Breakdown>,
    /// How the published projects with at least one published organisation divide.
    pub projects: Arc<Breakdown>,
}

/// The current snapshot and the one build that may be running.
pub struct NetworkCache {
    store: Store,
    options: NetworkOptions,
    metrics: Metrics,
    current: RwLock<Option<Arc<NetworkSnapshot>>>,
    building: tokio::sync::Mutex<()>,
}

impl NetworkCache {
    pub fn new(store: Store, options: NetworkOptions, metrics: Metrics) -> Arc<Self> {
        Arc::new(Self {
            store,
            options,
            metrics,
            current: RwLock::new(None),
            building: tokio::sync::Mutex::new(()),
        })
    }

    /// The snapshot to answer from (see the module's comment).
    pub async fn snapshot(self: &Arc<Self>) -> Result<Arc<NetworkSnapshot>, Error> {
        let mark = self.store.feed_mark().await.gql()?;
        match self.current() {
            Some(current) if current.mark == mark => Ok(current),
            Some(current) if current.build_time >= self.options.wait_for_builds_under => {
                // With a refresher, builds come at its pace: at most one each round, however
                // often the data changes.
                if self.options.refresh_every.is_none() {
                    self.refresh_in_background();
                }
                Ok(current)
            }
            _ => self.refresh().await,
        }
    }

    /// Builds a new snapshot if published data changed since the current one was read (or
    /// there is none), waiting for a build already running rather than starting a second.
    pub async fn refresh(&self) -> Result<Arc<NetworkSnapshot>, Error> {
        let _one_build_at_a_time = self.building.lock().await;
        let mark = self.store.feed_mark().await.gql()?;
        if let Some(current) = self.current().filter(|c| c.mark == mark) {
            return Ok(current);
        }
        let started = Instant::now();
        let as_of = Utc::now();
        let (graph, classifications) =
            tokio::try_join!(self.store.published_graph(), self.store.classifications(),).gql()?;
        let (graph, classifications) = (Arc::new(graph), Arc::new(classifications));
        let figures = figures(Arc::clone(&graph), Arc::clone(&classifications)).await?;
        let (connectivity, betweenness, (organisations, projects)) = figures;
        let build_time = started.elapsed();
        self.metrics.network_snapshot_built(build_time, as_of);
        tracing::info!(
            organisations = graph.graph.len(),
            pairs = graph.graph.pair_count(),
            betweenness_sources = betweenness.method.sources,
            ms = build_time.as_millis() as u64,
            "published network read"
        );
        let snapshot = Arc::new(NetworkSnapshot {
            mark,
            as_of,
            build_time,
            graph,
            connectivity: Arc::new(connectivity),
            betweenness: Arc::new(betweenness),
            classifications,
            organisations: Arc::new(organisations),
            projects: Arc::new(projects),
        });
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::clone(&snapshot));
        Ok(snapshot)
    }

    fn current(&self) -> Option<Arc<NetworkSnapshot>> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Starts a build unless one is running; a failure is logged, and the next request or
    /// round tries again.
    fn refresh_in_background(self: &Arc<Self>) {
        if self.building.try_lock().is_err() {
            return;
        }
        let cache = Arc::clone(self);
        tokio::spawn(async move {
            if let Err(error) = cache.refresh().await {
                tracing::warn!(error = %error.message, "refreshing the published network failed");
            }
        });
    }
}

/// The snapshot one request answers from: read on first use, so that every field of the
/// request sees the same graph, for one look at the feed's mark.
pub struct RequestNetwork {
    cache: Arc<NetworkCache>,
    snapshot: tokio::sync::OnceCell<Arc<NetworkSnapshot>>,
}

impl RequestNetwork {
    pub fn new(cache: Arc<NetworkCache>) -> Self {
        Self {
            cache,
            snapshot: tokio::sync::OnceCell::new(),
        }
    }

    pub async fn snapshot(&self) -> Result<Arc<NetworkSnapshot>, Error> {
        let snapshot = self
            .snapshot
            .get_or_try_init(|| self.cache.snapshot())
            .await?;
        Ok(Arc::clone(snapshot))
    }
}

/// The whole registry's connectivity and betweenness, off the async workers.
async fn figures(
    graph: Arc<OrganisationGraph>,
    classifications: Arc<Classifications>,
) -> Result<(Connectivity, BetweennessScores, (Breakdown, Breakdown)), Error> {
    off_the_workers(move || {
        let connected = connectivity_of(&graph.graph, &graph);
        let betweenness = graph.graph.betweenness_within(PRECOMPUTED_BETWEENNESS_WORK);
        (connected, betweenness, classifications.breakdowns(None))
    })
    .await
}

/// The connectivity of `graph` (the whole published graph or part of it), with the types that
/// `published` knows.
pub fn connectivity_of(graph: &Graph, published: &OrganisationGraph) -> Connectivity {
    connectivity(graph, |id| published.type_of(id))
}

/// Runs a graph computation on a blocking thread: the async workers keep serving meanwhile.
pub async fn off_the_workers<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        tracing::error!(error = %e, "a network computation failed");
        Error::new("internal error")
    })
}
