//! Grants, funding opportunities, events, case studies and impact figures.

use async_graphql::{Context, Error, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use panorama_domain as domain;
use panorama_domain::taxonomy::Vocabulary as V;
use panorama_persistence::loaders::GrantParty;
use rust_decimal::Decimal;

use super::common::*;
use super::ecosystem::*;
use crate::error::OrGqlError;
use crate::ids::{Kind, encode};
use crate::loaders::*;

pub async fn grants_of(
    ctx: &Context<'_>,
    party: GrantParty,
    id: uuid::Uuid,
) -> Result<Vec<Grant>, Error> {
    let found = loaders(ctx)?
        .load_one(Related { side: party, id })
        .await
        .gql()?
        .unwrap_or_default();
    Ok(found.into_iter().map(Grant).collect())
}

fn money(amount: Decimal, currency: &str) -> Money {
    Money {
        amount,
        currency: currency.to_owned(),
    }
}

/// A grant, as in the 360Giving Data Standard.
pub struct Grant(pub domain::Grant);

#[Object]
impl Grant {
    /// Every change of this record, newest first: who, when, which fields, before and after.
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
        after: Option<String>,
    ) -> Result<async_graphql::connection::Connection<String, super::history::Revision>, Error>
    {
        super::history::history(ctx, "grant_award", self.0.meta.id, Some(first), after).await
    }
    pub async fn id(&self) -> ID {
        encode(Kind::Grant, self.0.meta.id)
    }
    /// The 360Giving identifier (`360G-…`).
    async fn identifier(&self) -> &str {
        &self.0.identifier
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn amount_awarded(&self) -> Money {
        money(
            self.0.amount_awarded.amount,
            &self.0.amount_awarded.currency,
        )
    }
    async fn amount_applied_for(&self) -> Option<Money> {
        self.0
            .amount_applied_for
            .map(|a| money(a, &self.0.amount_awarded.currency))
    }
    async fn amount_disbursed(&self) -> Option<Money> {
        self.0
            .amount_disbursed
            .map(|a| money(a, &self.0.amount_awarded.currency))
    }
    async fn award_date(&self) -> NaiveDate {
        self.0.award_date
    }
    async fn planned_start_date(&self) -> Option<NaiveDate> {
        self.0.planned_start
    }
    async fn planned_end_date(&self) -> Option<NaiveDate> {
        self.0.planned_end
    }
    async fn funding_organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>, Error> {
        organisation_by_id(ctx, self.0.funder_id).await
    }
    async fn recipient_organisation(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<Organisation>, Error> {
        organisation_by_id(ctx, self.0.recipient_id).await
    }
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<Project>, Error> {
        match self.0.project_id {
            Some(id) => project_by_id(ctx, id).await,
            None => Ok(None),
        }
    }
    async fn grant_programme(&self) -> Option<&str> {
        self.0.programme.as_deref()
    }
    /// ISO 3166-1 alpha-2 codes of the places that benefit.
    async fn beneficiary_countries(&self) -> &[String] {
        &self.0.beneficiary_countries
    }
    async fn classifications(&self) -> Vec<GrantClassification> {
        self.0
            .classifications
            .iter()
            .cloned()
            .map(GrantClassification)
            .collect()
    }
    async fn status(&self) -> RecordStatus {
        self.0.meta.status.into()
    }
    async fn version(&self) -> i32 {
        self.0.meta.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.meta.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.meta.updated_at
    }
}

/// A classification of a grant, e.g. an UN SDG goal.
pub struct GrantClassification(domain::GrantClassification);

#[Object]
impl GrantClassification {
    async fn vocabulary(&self) -> &str {
        &self.0.vocabulary
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn title(&self) -> Option<&str> {
        self.0.title.as_deref()
    }
}

/// An open call: a grant, an investment, an incubator place, a working space…
pub struct FundingOpportunity(pub domain::FundingOpportunity);

#[Object]
impl FundingOpportunity {
    /// Every change of this record, newest first: who, when, which fields, before and after.
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
        after: Option<String>,
    ) -> Result<async_graphql::connection::Connection<String, super::history::Revision>, Error>
    {
        super::history::history(
            ctx,
            "funding_opportunity",
            self.0.meta.id,
            Some(first),
            after,
        )
        .await
    }
    pub async fn id(&self) -> ID {
        encode(Kind::FundingOpportunity, self.0.meta.id)
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    async fn funder(&self, ctx: &Context<'_>) -> Result<Option<Organisation>, Error> {
        match self.0.funder_id {
            Some(id) => organisation_by_id(ctx, id).await,
            None => Ok(None),
        }
    }
    async fn closes_on(&self) -> Option<NaiveDate> {
        self.0.closes_on
    }
    async fn funding_type(&self) -> FundingType {
        self.0.funding_type.into()
    }
    async fn targets(&self) -> Vec<FundingTarget> {
        self.0.targets.iter().map(|t| (*t).into()).collect()
    }
    /// Where applicants may be (ISO 3166-1 alpha-2); empty means anywhere.
    async fn countries(&self) -> &[String] {
        &self.0.countries
    }
    async fn status(&self) -> RecordStatus {
        self.0.meta.status.into()
    }
    async fn version(&self) -> i32 {
        self.0.meta.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.meta.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.meta.updated_at
    }
}

/// An event of the ecosystem.
pub struct Event(pub domain::Event);

#[Object]
impl Event {
    /// Every change of this record, newest first: who, when, which fields, before and after.
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
        after: Option<String>,
    ) -> Result<async_graphql::connection::Connection<String, super::history::Revision>, Error>
    {
        super::history::history(ctx, "event", self.0.meta.id, Some(first), after).await
    }
    pub async fn id(&self) -> ID {
        encode(Kind::Event, self.0.meta.id)
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    async fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.0.ends_at
    }
    async fn online(&self) -> bool {
        self.0.online
    }
    async fn place(&self) -> Place {
        Place(self.0.place.clone())
    }
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    async fn price(&self) -> Option<&str> {
        self.0.price.as_deref()
    }
    async fn focus(&self, ctx: &Context<'_>) -> Result<Vec<TaxonomyTerm>, Error> {
        terms(ctx, V::Focus, &self.0.focus).await
    }
    async fn organisers(&self, ctx: &Context<'_>) -> Result<Vec<Organisation>, Error> {
        load_visible(
            ctx,
            self.0
                .organiser_ids
                .iter()
                .copied()
                .map(OrganisationById)
                .collect(),
            Organisation,
        )
        .await
    }
    async fn status(&self) -> RecordStatus {
        self.0.meta.status.into()
    }
    async fn version(&self) -> i32 {
        self.0.meta.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.meta.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.meta.updated_at
    }
}

/// The story of an organisation or a project, in Markdown.
pub struct CaseStudy(pub domain::CaseStudy);

#[Object]
impl CaseStudy {
    /// Every change of this record, newest first: who, when, which fields, before and after.
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
        after: Option<String>,
    ) -> Result<async_graphql::connection::Connection<String, super::history::Revision>, Error>
    {
        super::history::history(ctx, "case_study", self.0.meta.id, Some(first), after).await
    }
    pub async fn id(&self) -> ID {
        encode(Kind::CaseStudy, self.0.meta.id)
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }
    /// Markdown.
    async fn body(&self) -> Option<&str> {
        self.0.body.as_deref()
    }
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>, Error> {
        match self.0.organisation_id {
            Some(id) => organisation_by_id(ctx, id).await,
            None => Ok(None),
        }
    }
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<Project>, Error> {
        match self.0.project_id {
            Some(id) => project_by_id(ctx, id).await,
            None => Ok(None),
        }
    }
    async fn period_start(&self) -> Option<NaiveDate> {
        self.0.period_start
    }
    async fn period_end(&self) -> Option<NaiveDate> {
        self.0.period_end
    }
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    async fn featured(&self) -> bool {
        self.0.featured
    }
    async fn status(&self) -> RecordStatus {
        self.0.meta.status.into()
    }
    async fn version(&self) -> i32 {
        self.0.meta.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.meta.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.meta.updated_at
    }
}

/// A figure about a project's impact, with where it came from.
pub struct ImpactIndicator(pub domain::ImpactIndicator);

#[Object]
impl ImpactIndicator {
    /// Every change of this record, newest first: who, when, which fields, before and after.
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
        after: Option<String>,
    ) -> Result<async_graphql::connection::Connection<String, super::history::Revision>, Error>
    {
        super::history::history(ctx, "impact_indicator", self.0.meta.id, Some(first), after).await
    }
    pub async fn id(&self) -> ID {
        encode(Kind::ImpactIndicator, self.0.meta.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn value(&self) -> Decimal {
        self.0.value
    }
    async fn unit(&self) -> Option<&str> {
        self.0.unit.as_deref()
    }
    async fn period_start(&self) -> Option<NaiveDate> {
        self.0.period_start
    }
    async fn period_end(&self) -> Option<NaiveDate> {
        self.0.period_end
    }
    /// How the figure was measured.
    async fn method(&self) -> Option<&str> {
        self.0.method.as_deref()
    }
    /// Where the figure was published.
    async fn source_url(&self) -> Option<&str> {
        self.0.source_url.as_deref()
    }
    async fn reported_at(&self) -> Option<DateTime<Utc>> {
        self.0.reported_at
    }
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<Project>, Error> {
        project_by_id(ctx, self.0.project_id).await
    }
}
