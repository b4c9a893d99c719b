//! Value objects, enums and helpers that every record type uses.

use async_graphql::{Context, Enum, Error, Object, SimpleObject};
use panorama_domain as domain;
use panorama_domain::taxonomy::Vocabulary as DomainVocabulary;
use rust_decimal::Decimal;

use crate::context::RequestContext;
use crate::error::OrGqlError;
use crate::loaders::Loaders;

/// The request's DataLoaders; present on every request the router builds.
pub fn loaders<'a>(ctx: &Context<'a>) -> Result<&'a Loaders, Error> {
    ctx.data::<Loaders>()
}

pub fn request<'a>(ctx: &Context<'a>) -> Result<&'a RequestContext, Error> {
    ctx.data::<RequestContext>()
}

pub fn store<'a>(ctx: &Context<'a>) -> Result<&'a panorama_persistence::Store, Error> {
    ctx.data::<panorama_persistence::Store>()
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::RecordStatus")]
pub enum RecordStatus {
    Draft,
    Pending,
    Published,
    Rejected,
    Archived,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::ProjectStatus")]
pub enum ProjectStatus {
    Planned,
    Live,
    Closed,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::ParticipationRole")]
pub enum ParticipationRole {
    Lead,
    Partner,
    Funder,
    CoFunder,
    Supporter,
    Evaluator,
    Adviser,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::SupportKind")]
pub enum SupportKind {
    Incubation,
    Acceleration,
    Mentoring,
    Hosting,
    Training,
    InKind,
    Network,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::LinkKind")]
pub enum LinkKind {
    Partner,
    MemberOf,
    SpinOff,
    Subsidiary,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::FundingType")]
pub enum FundingType {
    Grant,
    Investment,
    IncubatorOrAccelerator,
    NonFinancial,
    WorkingSpace,
    Networking,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::FundingTarget")]
pub enum FundingTarget {
    Government,
    Research,
    Startup,
    NonProfit,
    Individual,
}

/// A controlled vocabulary of the registry.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "DomainVocabulary")]
pub enum Vocabulary {
    OrganisationType,
    OrganisationSize,
    Focus,
    Technology,
    ImpactArea,
    OrganisationRole,
    Sdg,
}

/// A term of a controlled vocabulary: a stable code and its labels.
#[derive(SimpleObject, Clone, Debug)]
pub struct TaxonomyTerm {
    pub vocabulary: Vocabulary,
    pub code: String,
    /// English label.
    pub label: String,
    /// French label.
    pub label_fr: String,
}

impl From<panorama_persistence::loaders::TaxonomyTerm> for TaxonomyTerm {
    fn from(t: panorama_persistence::loaders::TaxonomyTerm) -> Self {
        Self {
            vocabulary: t.vocabulary.into(),
            code: t.code,
            label: t.label_en,
            label_fr: t.label_fr,
        }
    }
}

/// The stored terms of `vocabulary` for `codes`, in the vocabulary's order.
pub async fn terms(
    ctx: &Context<'_>,
    vocabulary: DomainVocabulary,
    codes: &[String],
) -> Result<Vec<TaxonomyTerm>, Error> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let all = loaders(ctx)?
        .load_one(vocabulary)
        .await
        .gql()?
        .unwrap_or_default();
    Ok(all
        .into_iter()
        .filter(|t| codes.contains(&t.code))
        .map(TaxonomyTerm::from)
        .collect())
}

pub async fn term(
    ctx: &Context<'_>,
    vocabulary: DomainVocabulary,
    code: Option<&String>,
) -> Result<Option<TaxonomyTerm>, Error> {
    let Some(code) = code else { return Ok(None) };
    Ok(terms(ctx, vocabulary, std::slice::from_ref(code))
        .await?
        .into_iter()
        .next())
}

/// A point on the earth (WGS 84).
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct GeoPoint {
    pub latitude: f64,
    pub longitude: f64,
}

/// Where something is.
pub struct Place(pub domain::Place);

#[Object]
impl Place {
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }
    async fn region(&self) -> Option<&str> {
        self.0.region.as_deref()
    }
    /// ISO 3166-1 alpha-2 code.
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }
    /// English name of the country.
    async fn country_name(&self) -> Option<&str> {
        self.0
            .country
            .as_deref()
            .and_then(domain::country::country)
            .map(|c| c.name)
    }
    async fn location(&self) -> Option<GeoPoint> {
        self.0.point.map(|p| GeoPoint {
            latitude: p.latitude,
            longitude: p.longitude,
        })
    }
}

/// An exact amount of money: a decimal string and its ISO 4217 currency.
#[derive(SimpleObject, Clone, Debug)]
pub struct Money {
    pub amount: Decimal,
    pub currency: String,
}

/// An identifier in an official register; `scheme` is an org-id.guide list code.
#[derive(SimpleObject, Clone, Debug)]
pub struct LegalIdentifier {
    pub scheme: String,
    pub value: String,
    /// The org-id form, `SCHEME-VALUE`.
    pub org_id: String,
}

impl From<&domain::LegalIdentifier> for LegalIdentifier {
    fn from(l: &domain::LegalIdentifier) -> Self {
        Self {
            scheme: l.scheme.clone(),
            value: l.value.clone(),
            org_id: l.org_id(),
        }
    }
}
