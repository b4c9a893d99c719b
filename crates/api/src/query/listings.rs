//! The listings: Relay connections with keyset cursors, `totalCount` and, for organisations and
//! projects, facets for a filter sidebar.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Error, Object, ObjectType, OutputType, SimpleObject};
use panorama_domain::filter::{
    CaseStudyFilter, EventFilter, FundingOpportunityFilter, GrantFilter, OrganisationFilter,
    ProjectFilter,
};
use panorama_domain::page::PageRequest;
use panorama_domain::policy::ReadScope;
use panorama_domain::taxonomy::Vocabulary as V;
use panorama_persistence::listing::{FacetCounts, Facets, Page};

use crate::error::OrGqlError;
use crate::inputs::*;
use crate::types::*;

fn page_request(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<PageRequest, Error> {
    PageRequest::new(first.map(i64::from), after, last.map(i64::from), before).gql()
}

fn connection<T, N: OutputType, E: ObjectType>(
    page: Page<T>,
    wrap: impl Fn(T) -> N,
    extra: E,
) -> Connection<String, N, E> {
    let mut connection =
        Connection::with_additional_fields(page.has_previous_page, page.has_next_page, extra);
    connection.edges.extend(
        page.rows
            .into_iter()
            .map(|row| Edge::new(row.cursor, wrap(row.record))),
    );
    connection
}

/// How many records of one facet value match the current filter.
#[derive(SimpleObject)]
pub struct FacetCount {
    /// The code (taxonomy code or ISO country code).
    pub value: String,
    /// Its English label.
    pub label: Option<String>,
    pub count: u64,
}

/// Counts per facet for the current filter: what a filter sidebar shows.
#[derive(SimpleObject)]
pub struct FacetsObject {
    pub focus: Vec<FacetCount>,
    pub technologies: Vec<FacetCount>,
    pub impact_areas: Vec<FacetCount>,
    /// Organisation types (organisations only; empty for projects).
    pub organisation_types: Vec<FacetCount>,
    pub countries: Vec<FacetCount>,
}

pub(crate) async fn term_counts(
    ctx: &Context<'_>,
    vocabulary: V,
    counts: FacetCounts,
) -> Result<Vec<FacetCount>, Error> {
    let codes: Vec<String> = counts.iter().map(|(c, _)| c.clone()).collect();
    let labelled = terms(ctx, vocabulary, &codes).await?;
    Ok(counts
        .into_iter()
        .map(|(value, count)| {
            let label = labelled
                .iter()
                .find(|t| t.code == value)
                .map(|t| t.label.clone());
            FacetCount {
                value,
                label,
                count,
            }
        })
        .collect())
}

pub(crate) async fn facets_object(
    ctx: &Context<'_>,
    facets: Facets,
) -> Result<FacetsObject, Error> {
    Ok(FacetsObject {
        focus: term_counts(ctx, V::Focus, facets.focus).await?,
        technologies: term_counts(ctx, V::Technology, facets.technologies).await?,
        impact_areas: term_counts(ctx, V::ImpactArea, facets.impact_areas).await?,
        organisation_types: term_counts(ctx, V::OrganisationType, facets.organisation_types)
            .await?,
        countries: facets
            .countries
            .into_iter()
            .map(|(value, count)| {
                let label = panorama_domain::country::country(&value).map(|c| c.name.to_owned());
                FacetCount {
                    value,
                    label,
                    count,
                }
            })
            .collect(),
    })
}

/// The connection fields of the organisation listing, computed only when asked for.
pub struct OrganisationListing {
    scope: ReadScope,
    filter: OrganisationFilter,
}

#[Object]
impl OrganisationListing {
    /// How many organisations match the filter, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64, Error> {
        store(ctx)?
            .count_organisations(&self.scope, &self.filter)
            .await
            .gql()
    }
    async fn facets(&self, ctx: &Context<'_>) -> Result<FacetsObject, Error> {
        let facets = store(ctx)?
            .organisation_facets(&self.scope, &self.filter)
            .await
            .gql()?;
        facets_object(ctx, facets).await
    }
}

pub struct ProjectListing {
    scope: ReadScope,
    filter: ProjectFilter,
}

#[Object]
impl ProjectListing {
    /// How many projects match the filter, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64, Error> {
        store(ctx)?
            .count_projects(&self.scope, &self.filter)
            .await
            .gql()
    }
    async fn facets(&self, ctx: &Context<'_>) -> Result<FacetsObject, Error> {
        let facets = store(ctx)?
            .project_facets(&self.scope, &self.filter)
            .await
            .gql()?;
        facets_object(ctx, facets).await
    }
}

/// A listing whose only extra connection field is `totalCount`.
macro_rules! counted_listing {
    ($name:ident, $filter:ty, $count:ident) => {
        pub struct $name {
            scope: ReadScope,
            filter: $filter,
        }

        #[Object]
        impl $name {
            /// How many records match the filter, across all pages.
            async fn total_count(&self, ctx: &Context<'_>) -> Result<u64, Error> {
                store(ctx)?.$count(&self.scope, &self.filter).await.gql()
            }
        }
    };
}

counted_listing!(GrantListing, GrantFilter, count_grants);
counted_listing!(EventListing, EventFilter, count_events);
counted_listing!(CaseStudyListing, CaseStudyFilter, count_case_studies);
counted_listing!(
    FundingOpportunityListing,
    FundingOpportunityFilter,
    count_funding_opportunities
);

#[derive(Default)]
pub struct ListingQuery;

#[Object]
impl ListingQuery {
    /// Organisations, filtered and ordered, a page at a time (`first`/`last` at most 100).
    #[allow(clippy::too_many_arguments)]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<OrganisationFilterInput>,
        order_by: Option<OrderInput>,
    ) -> Result<Connection<String, Organisation, OrganisationListing>, Error> {
        let page = page_request(first, after, last, before)?;
        let filter = filter.unwrap_or_default().to_domain()?;
        let ordering = OrderInput::ordering(order_by, filter.common.near.map(|n| n.center), true)?;
        let scope = request(ctx)?.scope();
        let found = store(ctx)?
            .organisations(&scope, &filter, ordering, &page)
            .await
            .gql()?;
        Ok(connection(
            found,
            Organisation,
            OrganisationListing { scope, filter },
        ))
    }

    /// Projects, filtered and ordered, a page at a time.
    #[allow(clippy::too_many_arguments)]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<ProjectFilterInput>,
        order_by: Option<OrderInput>,
    ) -> Result<Connection<String, Project, ProjectListing>, Error> {
        let page = page_request(first, after, last, before)?;
        let filter = filter.unwrap_or_default().to_domain()?;
        let ordering = OrderInput::ordering(order_by, filter.common.near.map(|n| n.center), true)?;
        let scope = request(ctx)?.scope();
        let found = store(ctx)?
            .projects(&scope, &filter, ordering, &page)
            .await
            .gql()?;
        Ok(connection(found, Project, ProjectListing { scope, filter }))
    }

    /// Grants, a page at a time.
    #[allow(clippy::too_many_arguments)]
    async fn grants(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<GrantFilterInput>,
        order_by: Option<OrderInput>,
    ) -> Result<Connection<String, Grant, GrantListing>, Error> {
        let page = page_request(first, after, last, before)?;
        let filter = filter.unwrap_or_default().to_domain()?;
        let ordering = OrderInput::ordering(order_by, None, false)?;
        let scope = request(ctx)?.scope();
        let found = store(ctx)?
            .grants(&scope, &filter, ordering, &page)
            .await
            .gql()?;
        Ok(connection(found, Grant, GrantListing { scope, filter }))
    }

    /// Events, a page at a time.
    #[allow(clippy::too_many_arguments)]
    async fn events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<EventFilterInput>,
        order_by: Option<OrderInput>,
    ) -> Result<Connection<String, Event, EventListing>, Error> {
        let page = page_request(first, after, last, before)?;
        let filter = filter.unwrap_or_default().to_domain()?;
        let ordering = OrderInput::ordering(order_by, None, true)?;
        let scope = request(ctx)?.scope();
        let found = store(ctx)?
            .events(&scope, &filter, ordering, &page)
            .await
            .gql()?;
        Ok(connection(found, Event, EventListing { scope, filter }))
    }

    /// Case studies, a page at a time.
    #[allow(clippy::too_many_arguments)]
    async fn case_studies(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<CaseStudyFilterInput>,
        order_by: Option<OrderInput>,
    ) -> Result<Connection<String, CaseStudy, CaseStudyListing>, Error> {
        let page = page_request(first, after, last, before)?;
        let filter = filter.unwrap_or_default().to_domain();
        let ordering = OrderInput::ordering(order_by, None, false)?;
        let scope = request(ctx)?.scope();
        let found = store(ctx)?
            .case_studies(&scope, &filter, ordering, &page)
            .await
            .gql()?;
        Ok(connection(
            found,
            CaseStudy,
            CaseStudyListing { scope, filter },
        ))
    }

    /// Funding opportunities, a page at a time.
    #[allow(clippy::too_many_arguments)]
    async fn funding_opportunities(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<FundingOpportunityFilterInput>,
        order_by: Option<OrderInput>,
    ) -> Result<Connection<String, FundingOpportunity, FundingOpportunityListing>, Error> {
        let page = page_request(first, after, last, before)?;
        let filter = filter.unwrap_or_default().to_domain()?;
        let ordering = OrderInput::ordering(order_by, None, false)?;
        let scope = request(ctx)?.scope();
        let found = store(ctx)?
            .funding_opportunities(&scope, &filter, ordering, &page)
            .await
            .gql()?;
        Ok(connection(
            found,
            FundingOpportunity,
            FundingOpportunityListing { scope, filter },
        ))
    }
}
