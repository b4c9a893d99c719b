//! Ecosystem insights: figures of the organisations a filter selects (`ecosystemStats`) and the
//! shortest chain between two organisations (`path`). Both read published records only, so
//! they are the same for every caller, and answer from the snapshot of the published network
//! ([`crate::network_cache`]), which holds the whole registry's figures ready.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::{Context, Error, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use panorama_domain::filter::OrganisationFilter;
use panorama_domain::network::{
    self, BetweennessScores, CentralityRank, Connectivity, Graph, MAX_PATH_LENGTH, TieKind, ranked,
    share, within,
};
use panorama_domain::page::MAX_PAGE_SIZE;
use panorama_domain::taxonomy::Vocabulary as V;
use panorama_persistence::network::Breakdown;
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::listings::{FacetCount, facets_object, term_counts};
use crate::error::{OrGqlError, user_error};
use crate::ids::{Kind, decode_kind};
use crate::inputs::OrganisationFilterInput;
use crate::loaders::OrganisationById;
use crate::network_cache::{
    NetworkSnapshot, ON_DEMAND_BETWEENNESS_WORK, connectivity_of, off_the_workers,
};
use crate::types::network::{OrganisationPath, path, published_network};
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

/// An organisation's centrality in the tie graph.
#[derive(SimpleObject)]
pub struct CentralOrganisation {
    pub organisation: Organisation,
    /// How many organisations it is tied to.
    pub degree: usize,
    /// Betweenness (Brandes): how many shortest paths between pairs of other organisations
    /// pass through it, each pair counted once and split among its shortest paths. Estimated
    /// on large selections: see `EcosystemStats.betweennessMethod`.
    pub betweenness: f64,
}

/// How betweenness was computed: from every tied organisation (exact), or, when that would
/// take too long, estimated from a fixed sample of them and scaled up (Brandes & Pich).
#[derive(SimpleObject)]
pub struct BetweennessMethod {
    pub exact: bool,
    /// The organisations shortest paths were counted from.
    pub sources: usize,
    /// Organisations tied to at least one other: all possible sources.
    pub tied_organisations: usize,
}

/// The figures of one selection of organisations. Ties are counted between two selected
/// organisations only. The whole registry's figures come ready from the snapshot of the
/// published network; a filtered selection's are computed from it when first asked for.
pub struct EcosystemStats {
    filter: OrganisationFilter,
    selection: OnceCell<Selection>,
}

/// The tie graph of the selected organisations and its figures.
struct Selection {
    snapshot: Arc<NetworkSnapshot>,
    /// The organisations a filter selects; none for the whole registry.
    selected: Option<Arc<HashSet<Uuid>>>,
    graph: Arc<Graph>,
    breakdowns: OnceCell<Arc<(Breakdown, Breakdown)>>,
    connectivity: OnceCell<Arc<Connectivity>>,
    betweenness: OnceCell<Arc<BetweennessScores>>,
}

impl EcosystemStats {
    fn new(filter: OrganisationFilter) -> Self {
        Self {
            filter,
            selection: OnceCell::new(),
        }
    }

    async fn selection(&self, ctx: &Context<'_>) -> Result<&Selection, Error> {
        self.selection
            .get_or_try_init(|| async {
                let snapshot = published_network(ctx).await?;
                if self.filter == OrganisationFilter::default() {
                    return Ok(Selection {
                        selected: None,
                        breakdowns: OnceCell::new(),
                        graph: Arc::clone(&snapshot.graph.graph),
                        connectivity: OnceCell::new_with(Some(Arc::clone(&snapshot.connectivity))),
                        betweenness: OnceCell::new_with(Some(Arc::clone(&snapshot.betweenness))),
                        snapshot,
                    });
                }
                let selected = store(ctx)?
                    .selected_organisations(&self.filter)
                    .await
                    .gql()?;
                let (published, selected) = (Arc::clone(&snapshot.graph), Arc::new(selected));
                let kept = Arc::clone(&selected);
                let graph =
                    off_the_workers(move || published.graph.subgraph(|id| kept.contains(&id)))
                        .await?;
                Ok(Selection {
                    snapshot,
                    selected: Some(selected),
                    breakdowns: OnceCell::new(),
                    graph: Arc::new(graph),
                    connectivity: OnceCell::new(),
                    betweenness: OnceCell::new(),
                })
            })
            .await
    }

    /// How the selected organisations and their projects divide: the snapshot's for the whole
    /// registry, else counted from its classifications.
    async fn breakdowns(&self, ctx: &Context<'_>) -> Result<&Arc<(Breakdown, Breakdown)>, Error> {
        let selection = self.selection(ctx).await?;
        selection
            .breakdowns
            .get_or_try_init(|| async {
                let snapshot = &selection.snapshot;
                let Some(selected) = selection.selected.clone() else {
                    let whole = (*snapshot.organisations).clone();
                    return Ok(Arc::new((whole, (*snapshot.projects).clone())));
                };
                let classifications = Arc::clone(&snapshot.classifications);
                off_the_workers(move || Arc::new(classifications.breakdowns(Some(&selected)))).await
            })
            .await
    }

    async fn graph(&self, ctx: &Context<'_>) -> Result<&Arc<Graph>, Error> {
        Ok(&self.selection(ctx).await?.graph)
    }

    async fn connectivity(&self, ctx: &Context<'_>) -> Result<&Connectivity, Error> {
        let selection = self.selection(ctx).await?;
        let computed = selection
            .connectivity
            .get_or_try_init(|| {
                let (graph, published) = (
                    Arc::clone(&selection.graph),
                    Arc::clone(&selection.snapshot.graph),
                );
                off_the_workers(move || Arc::new(connectivity_of(&graph, &published)))
            })
            .await?;
        Ok(computed)
    }

    /// Within [`ON_DEMAND_BETWEENNESS_WORK`]: a blocking thread cannot be stopped when the
    /// request times out, so the work is bounded before it starts.
    async fn betweenness(&self, ctx: &Context<'_>) -> Result<&Arc<BetweennessScores>, Error> {
        let selection = self.selection(ctx).await?;
        selection
            .betweenness
            .get_or_try_init(|| {
                let graph = Arc::clone(&selection.graph);
                off_the_workers(move || {
                    Arc::new(graph.betweenness_within(ON_DEMAND_BETWEENNESS_WORK))
                })
            })
            .await
    }

    async fn share_of_selected(
        &self,
        ctx: &Context<'_>,
        count: usize,
    ) -> Result<ShareFigure, Error> {
        let total = self.graph(ctx).await?.len();
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
        let top: Vec<_> = ranked(&graph, &betweenness.values, rank)
            .into_iter()
            .take(first)
            .collect();
        let keys = top.iter().map(|c| OrganisationById(graph.id(c.node)));
        let found = loaders(ctx)?.load_many(keys).await.gql()?;
        Ok(top
            .into_iter()
            .filter_map(|c| {
                let organisation = found.get(&OrganisationById(graph.id(c.node)))?;
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
        let found = &self.breakdowns(ctx).await?.0;
        breakdown(ctx, Breakdown::clone(found)).await
    }
    /// How the published projects of the selected organisations (those in which at least one
    /// of them takes part) divide by country, focus, technology and area of impact.
    async fn projects(&self, ctx: &Context<'_>) -> Result<EcosystemBreakdown, Error> {
        let found = &self.breakdowns(ctx).await?.1;
        breakdown(ctx, Breakdown::clone(found)).await
    }
    /// When the published records these figures come from were read. They are read
    /// again after every change; on a registry large enough for that to take a while, a
    /// request answers from the last reading while the next is made, so the figures may lag a
    /// change by that long.
    async fn as_of(&self, ctx: &Context<'_>) -> Result<DateTime<Utc>, Error> {
        Ok(self.selection(ctx).await?.snapshot.as_of)
    }
    /// Pairs of selected organisations tied by shared projects, explicit links, grants and
    /// support, each kind counted apart.
    async fn ties(&self, ctx: &Context<'_>) -> Result<TieCounts, Error> {
        let graph = self.graph(ctx).await?;
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
    /// How the betweenness of `centralByDegree` and `centralByBetweenness` was computed.
    async fn betweenness_method(&self, ctx: &Context<'_>) -> Result<BetweennessMethod, Error> {
        let method = self.betweenness(ctx).await?.method;
        Ok(BetweennessMethod {
            exact: method.exact(),
            sources: method.sources,
            tied_organisations: method.tied,
        })
    }
}
