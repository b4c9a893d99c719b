//! Ecosystem insights: figures of the organisations a filter selects (`ecosystemStats`) and the
//! shortest chain between two organisations (`path`). Both read published records only, so
//! they are the same for every caller; each figure is computed when it is asked for.

use std::sync::Arc;

use async_graphql::{Context, Error, ID, Object, SimpleObject};
use panorama_domain::filter::OrganisationFilter;
use panorama_domain::network::{
    self, CentralityRank, Connectivity, MAX_PATH_LENGTH, TieKind, connectivity, ranked, share,
    within,
};
use panorama_domain::page::MAX_PAGE_SIZE;
use panorama_domain::taxonomy::Vocabulary as V;
use panorama_persistence::network::{Breakdown, OrganisationGraph};
use tokio::sync::OnceCell;

use super::listings::{FacetCount, facets_object, term_counts};
use crate::error::{OrGqlError, too_large, user_error};
use crate::ids::{Kind, decode_kind};
use crate::inputs::OrganisationFilterInput;
use crate::loaders::OrganisationById;
use crate::types::network::{OrganisationPath, path};
use crate::types::*;

#[derive(Default)]
pub struct InsightsQuery;

#[Object]
impl InsightsQuery {
    /// Figures of the published organisations that `filter` selects (the filter of the
    /// `organisations` listing): how they and their projects divide, how they are tied, and
    /// which are the most central. Ties count only between two selected organisations.
    async fn ecosystem_stats(
        &self,
        filter: Option<OrganisationFilterInput>,
    ) -> Result<EcosystemStats, Error> {
        let filter = filter.unwrap_or_default().to_domain()?;
        Ok(EcosystemStats::new(filter))
    }

    /// A shortest chain of ties (shared projects, links, grants, support) from one published
    /// organisation to another, of at most `maxLength` ties (up to 6); null when there is none.
    /// The id of a merged organisation stands for the one it was merged into.
    async fn path(
        &self,
        ctx: &Context<'_>,
        from: ID,
        to: ID,
        #[graphql(default_with = "network::DEFAULT_PATH_LENGTH as i32")] max_length: i32,
    ) -> Result<Option<OrganisationPath>, Error> {
        let max_length = within("maxLength", max_length.into(), 1, MAX_PATH_LENGTH).gql()?;
        let organisation = |id: &ID, field: &str| {
            decode_kind(id, Kind::Organisation).ok_or_else(|| {
                user_error(format!(
                    "{field}: `{}` is not an organisation id",
                    id.as_str()
                ))
            })
        };
        path(
            ctx,
            organisation(&from, "from")?,
            organisation(&to, "to")?,
            max_length,
        )
        .await
    }
}

/// A count and what share of the whole it is (0 to 1).
#[derive(SimpleObject)]
pub struct ShareCount {
    /// The code (taxonomy code or ISO country code).
    pub value: String,
    /// Its English label.
    pub label: Option<String>,
    pub count: u64,
    /// `count` over the number of records; a record may have several values, so shares of a
    /// multi-valued facet (focus, technologies, impact areas) can add up to more than 1.
    pub share: f64,
    /// `count` over the sum of the counts of this facet: its part of all the values given,
    /// so that the shares of a facet add up to 1.
    pub share_of_mentions: f64,
}

/// How a set of records divides. Records without a value are in no count.
#[derive(SimpleObject)]
pub struct EcosystemBreakdown {
    /// How many records.
    pub total: u64,
    /// Organisation types (organisations only).
    pub organisation_types: Vec<ShareCount>,
    /// Size bands (organisations only).
    pub sizes: Vec<ShareCount>,
    pub countries: Vec<ShareCount>,
    pub focus: Vec<ShareCount>,
    pub technologies: Vec<ShareCount>,
    pub impact_areas: Vec<ShareCount>,
}

/// Pairs of tied organisations by what ties them. A pair tied in two ways counts under both;
/// `pairs` counts each pair once.
#[derive(SimpleObject)]
pub struct TieCounts {
    pub shared_projects: usize,
    pub links: usize,
    pub grants: usize,
    pub support: usize,
    pub pairs: usize,
}

/// How many organisations, and what share of those selected.
#[derive(SimpleObject)]
pub struct ShareFigure {
    pub count: usize,
    pub share: f64,
}

/// The connected components of the tie graph.
#[derive(SimpleObject)]
pub struct Components {
    /// Components of two organisations or more.
    pub count: usize,
    /// Their sizes, largest first.
    pub sizes: Vec<usize>,
    /// Organisations tied to no other.
    pub isolated: usize,
}

/// The most tied organisations betweenness is computed for on demand. Brandes' algorithm costs
/// O(V·E): on the benchmark's registry (2 cores) 6,000 tied organisations take about a second,
/// 23,000 take 33 s, and all 100,000 would take hours; those need a precomputation instead.
const MAX_BETWEENNESS_NODES: usize = 10_000;

/// An organisation's centrality in the tie graph.
#[derive(SimpleObject)]
pub struct CentralOrganisation {
    pub organisation: Organisation,
    /// How many organisations it is tied to.
    pub degree: usize,
    /// Betweenness (Brandes): how many shortest paths between pairs of other organisations
    /// pass through it, each pair counted once and split among its shortest paths.
    pub betweenness: f64,
}

/// The figures of one selection of organisations, each computed when asked for. Ties are
/// counted between two selected organisations only.
pub struct EcosystemStats {
    filter: OrganisationFilter,
    graph: OnceCell<Arc<OrganisationGraph>>,
    connectivity: OnceCell<Connectivity>,
    betweenness: OnceCell<Arc<Vec<f64>>>,
}

impl EcosystemStats {
    fn new(filter: OrganisationFilter) -> Self {
        Self {
            filter,
            graph: OnceCell::new(),
            connectivity: OnceCell::new(),
            betweenness: OnceCell::new(),
        }
    }

    async fn graph(&self, ctx: &Context<'_>) -> Result<&Arc<OrganisationGraph>, Error> {
        self.graph
            .get_or_try_init(|| async {
                let graph = store(ctx)?.organisation_graph(&self.filter).await.gql()?;
                Ok(Arc::new(graph))
            })
            .await
    }

    async fn connectivity(&self, ctx: &Context<'_>) -> Result<&Connectivity, Error> {
        let graph = self.graph(ctx).await?;
        self.connectivity
            .get_or_try_init(|| async {
                let types = &graph.types;
                Ok(connectivity(&graph.graph, |id| {
                    types.get(&id).map(String::as_str)
                }))
            })
            .await
    }

    /// Brandes is O(V·E): it runs off the async workers.
    async fn betweenness(&self, ctx: &Context<'_>) -> Result<&Arc<Vec<f64>>, Error> {
        let graph = Arc::clone(self.graph(ctx).await?);
        let tied = (0..graph.graph.len())
            .filter(|&n| graph.graph.degree(n) > 0)
            .count();
        if tied > MAX_BETWEENNESS_NODES {
            // A blocking thread cannot be stopped when the request times out: refuse rather
            // than burn a core for hours.
            return Err(too_large(
                format!(
                    "betweenness is computed for at most {MAX_BETWEENNESS_NODES} tied \
                     organisations, this selection has {tied}; narrow the filter"
                ),
                MAX_BETWEENNESS_NODES,
                tied,
            ));
        }
        self.betweenness
            .get_or_try_init(|| async move {
                let computed = tokio::task::spawn_blocking(move || graph.graph.betweenness())
                    .await
                    .map_err(|e| {
                        tracing::error!(error = %e, "betweenness failed");
                        Error::new("internal error")
                    })?;
                Ok(Arc::new(computed))
            })
            .await
    }

    async fn share_of_selected(
        &self,
        ctx: &Context<'_>,
        count: usize,
    ) -> Result<ShareFigure, Error> {
        let total = self.graph(ctx).await?.graph.len();
        Ok(ShareFigure {
            count,
            share: share(count, total),
        })
    }

    async fn central(
        &self,
        ctx: &Context<'_>,
        first: i32,
        rank: CentralityRank,
    ) -> Result<Vec<CentralOrganisation>, Error> {
        let first = within("first", first.into(), 0, MAX_PAGE_SIZE).gql()? as usize;
        let graph = Arc::clone(self.graph(ctx).await?);
        let betweenness = self.betweenness(ctx).await?;
        let top: Vec<_> = ranked(&graph.graph, betweenness, rank)
            .into_iter()
            .take(first)
            .collect();
        let keys = top.iter().map(|c| OrganisationById(graph.graph.id(c.node)));
        let found = loaders(ctx)?.load_many(keys).await.gql()?;
        Ok(top
            .into_iter()
            .filter_map(|c| {
                let organisation = found.get(&OrganisationById(graph.graph.id(c.node)))?;
                Some(CentralOrganisation {
                    organisation: Organisation(organisation.clone()),
                    degree: c.degree,
                    betweenness: c.betweenness,
                })
            })
            .collect())
    }
}

fn with_shares(counts: Vec<FacetCount>, total: u64) -> Vec<ShareCount> {
    let mentions: u64 = counts.iter().map(|c| c.count).sum();
    counts
        .into_iter()
        .map(|c| ShareCount {
            share: share(c.count as usize, total as usize),
            share_of_mentions: share(c.count as usize, mentions as usize),
            value: c.value,
            label: c.label,
            count: c.count,
        })
        .collect()
}

async fn breakdown(ctx: &Context<'_>, found: Breakdown) -> Result<EcosystemBreakdown, Error> {
    let total = found.total;
    let sizes = term_counts(ctx, V::OrganisationSize, found.sizes).await?;
    let facets = facets_object(ctx, found.facets).await?;
    Ok(EcosystemBreakdown {
        total,
        organisation_types: with_shares(facets.organisation_types, total),
        sizes: with_shares(sizes, total),
        countries: with_shares(facets.countries, total),
        focus: with_shares(facets.focus, total),
        technologies: with_shares(facets.technologies, total),
        impact_areas: with_shares(facets.impact_areas, total),
    })
}

/// Figures of a selection of published organisations: how they and their projects divide,
/// how they are tied, and which are the most central.
#[Object]
impl EcosystemStats {
    /// How the selected organisations divide by type, size, country, focus, technology and
    /// area of impact.
    async fn organisations(&self, ctx: &Context<'_>) -> Result<EcosystemBreakdown, Error> {
        let found = store(ctx)?
            .organisation_breakdown(&self.filter)
            .await
            .gql()?;
        breakdown(ctx, found).await
    }
    /// How the published projects of the selected organisations (those in which at least one
    /// of them takes part) divide by country, focus, technology and area of impact.
    async fn projects(&self, ctx: &Context<'_>) -> Result<EcosystemBreakdown, Error> {
        let found = store(ctx)?.project_breakdown(&self.filter).await.gql()?;
        breakdown(ctx, found).await
    }
    /// Pairs of selected organisations tied by shared projects, explicit links, grants and
    /// support, each kind counted apart.
    async fn ties(&self, ctx: &Context<'_>) -> Result<TieCounts, Error> {
        let graph = &self.graph(ctx).await?.graph;
        Ok(TieCounts {
            shared_projects: graph.pair_count_of(TieKind::SharedProject),
            links: graph.pair_count_of(TieKind::Link),
            grants: graph.pair_count_of(TieKind::Grant),
            support: graph.pair_count_of(TieKind::Support),
            pairs: graph.pair_count(),
        })
    }
    /// Organisations tied to at least one other selected organisation.
    async fn linked(&self, ctx: &Context<'_>) -> Result<ShareFigure, Error> {
        let count = self.connectivity(ctx).await?.linked;
        self.share_of_selected(ctx, count).await
    }
    /// Organisations tied to at least one other of their own type (the DSI4EU study's
    /// measure); organisations without a type never are, but count in the whole.
    async fn linked_to_own_type(&self, ctx: &Context<'_>) -> Result<ShareFigure, Error> {
        let count = self.connectivity(ctx).await?.linked_to_own_type;
        self.share_of_selected(ctx, count).await
    }
    async fn components(&self, ctx: &Context<'_>) -> Result<Components, Error> {
        let found = self.connectivity(ctx).await?;
        Ok(Components {
            count: found.component_sizes.len(),
            sizes: found.component_sizes.clone(),
            isolated: found.isolated,
        })
    }
    /// The organisations tied to the most others (up to 100).
    async fn central_by_degree(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 10)] first: i32,
    ) -> Result<Vec<CentralOrganisation>, Error> {
        self.central(ctx, first, CentralityRank::Degree).await
    }
    /// The organisations with the highest betweenness (up to 100): those that bridge the most.
    async fn central_by_betweenness(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 10)] first: i32,
    ) -> Result<Vec<CentralOrganisation>, Error> {
        self.central(ctx, first, CentralityRank::Betweenness).await
    }
}
