//! Organisations, projects, and how they are tied together.

use async_graphql::{Context, Error, ID, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use panorama_domain as domain;
use panorama_domain::Participation;
use panorama_domain::network::{self, NetworkBounds};
use panorama_domain::taxonomy::Vocabulary as V;
use panorama_persistence::loaders::{GrantParty, Side, SupportParty};

use super::common::*;
use super::funding::*;
use crate::error::OrGqlError;
use crate::ids::{Kind, encode};
use crate::loaders::*;
use async_graphql::dataloader::Loader;

/// Loads records through a by-id loader, in the order of `keys`, dropping those the caller
/// may not see.
pub async fn load_visible<K, V, N>(
    ctx: &Context<'_>,
    keys: Vec<K>,
    wrap: impl Fn(V) -> N,
) -> Result<Vec<N>, Error>
where
    RecordLoader: Loader<K, Value = V, Error = std::sync::Arc<panorama_persistence::StoreError>>,
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
{
    let mut found = loaders(ctx)?.load_many(keys.iter().cloned()).await.gql()?;
    Ok(keys
        .iter()
        .filter_map(|k| found.remove(k))
        .map(wrap)
        .collect())
}

/// The records on the other side of a record's participations, each with its role, in order;
/// those the caller may not see are left out. One batch for the participations, one for the
/// records.
async fn across<K, V>(
    ctx: &Context<'_>,
    participations_of: Related<Side>,
    other_side: impl Fn(&Participation) -> K,
) -> Result<Vec<(panorama_domain::ParticipationRole, V)>, Error>
where
    RecordLoader: Loader<K, Value = V, Error = std::sync::Arc<panorama_persistence::StoreError>>,
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
{
    let participations: Vec<Participation> = loaders(ctx)?
        .load_one::<Related<Side>>(participations_of)
        .await
        .gql()?
        .unwrap_or_default();
    let found = loaders(ctx)?
        .load_many(participations.iter().map(&other_side))
        .await
        .gql()?;
    Ok(participations
        .iter()
        .filter_map(|p| found.get(&other_side(p)).map(|v| (p.role, v.clone())))
        .collect())
}

pub async fn organisation_by_id(
    ctx: &Context<'_>,
    id: uuid::Uuid,
) -> Result<Option<Organisation>, Error> {
    Ok(loaders(ctx)?
        .load_one(OrganisationById(id))
        .await
        .gql()?
        .map(Organisation))
}

pub async fn project_by_id(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Option<Project>, Error> {
    Ok(loaders(ctx)?
        .load_one(ProjectById(id))
        .await
        .gql()?
        .map(Project))
}

/// An organisation of the digital social innovation ecosystem.
pub struct Organisation(pub domain::Organisation);

#[Object]
impl Organisation {
    /// Every change of this record, newest first: who, when, which fields, before and after.
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
        after: Option<String>,
    ) -> Result<async_graphql::connection::Connection<String, super::history::Revision>, Error>
    {
        super::history::history(ctx, "organisation", self.0.meta.id, Some(first), after).await
    }
    pub async fn id(&self) -> ID {
        encode(Kind::Organisation, self.0.meta.id)
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn short_description(&self) -> Option<&str> {
        self.0.short_description.as_deref()
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    async fn other_links(&self) -> &[String] {
        &self.0.other_links
    }
    async fn logo_url(&self) -> Option<&str> {
        self.0.logo_url.as_deref()
    }
    async fn organisation_type(&self, ctx: &Context<'_>) -> Result<Option<TaxonomyTerm>, Error> {
        term(ctx, V::OrganisationType, self.0.organisation_type.as_ref()).await
    }
    async fn size(&self, ctx: &Context<'_>) -> Result<Option<TaxonomyTerm>, Error> {
        term(ctx, V::OrganisationSize, self.0.size.as_ref()).await
    }
    async fn founded_on(&self) -> Option<NaiveDate> {
        self.0.founded_on
    }
    async fn legal_identifiers(&self) -> Vec<LegalIdentifier> {
        self.0
            .legal_identifiers
            .iter()
            .map(LegalIdentifier::from)
            .collect()
    }
    async fn place(&self) -> Place {
        Place(self.0.place.clone())
    }
    async fn focus(&self, ctx: &Context<'_>) -> Result<Vec<TaxonomyTerm>, Error> {
        terms(ctx, V::Focus, &self.0.classification.focus).await
    }
    async fn technologies(&self, ctx: &Context<'_>) -> Result<Vec<TaxonomyTerm>, Error> {
        terms(ctx, V::Technology, &self.0.classification.technologies).await
    }
    async fn impact_areas(&self, ctx: &Context<'_>) -> Result<Vec<TaxonomyTerm>, Error> {
        terms(ctx, V::ImpactArea, &self.0.classification.impact_areas).await
    }
    /// Roles the organisation plays in the ecosystem (innovator, funder, support organisation…).
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<TaxonomyTerm>, Error> {
        terms(ctx, V::OrganisationRole, &self.0.roles).await
    }
    async fn network_memberships(&self) -> &[String] {
        &self.0.network_memberships
    }
    async fn tags(&self) -> &[String] {
        &self.0.tags
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
    /// The organisations around this one, at most `depth` ties away (1 to 3), with the ties
    /// among them and the records behind each (shared projects, links, grants, support).
    /// Published records only. At most `maxNodes` organisations (up to 500, this one included)
    /// and `maxEdges` ties (up to 2,000); `truncated` says when they cut it short. The query
    /// cost counts `maxNodes` nodes and `maxEdges` edges.
    async fn network(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 1)] depth: i32,
        #[graphql(default_with = "network::DEFAULT_NODES as i32")] max_nodes: i32,
        #[graphql(default_with = "network::DEFAULT_EDGES as i32")] max_edges: i32,
    ) -> Result<super::network::OrganisationNetwork, Error> {
        let bounds = NetworkBounds::new(depth.into(), max_nodes.into(), max_edges.into()).gql()?;
        super::network::network(ctx, self.0.meta.id, bounds).await
    }
    /// The projects this organisation takes part in, with its role in each.
    async fn projects(&self, ctx: &Context<'_>) -> Result<Vec<ProjectParticipation>, Error> {
        let key = Related {
            side: Side::Organisation,
            id: self.0.meta.id,
        };
        let found = across(ctx, key, |p| ProjectById(p.project_id)).await?;
        Ok(found
            .into_iter()
            .map(|(role, p)| ProjectParticipation {
                role: role.into(),
                project: Project(p),
            })
            .collect())
    }
    async fn grants_received(&self, ctx: &Context<'_>) -> Result<Vec<Grant>, Error> {
        grants_of(ctx, GrantParty::Recipient, self.0.meta.id).await
    }
    async fn grants_awarded(&self, ctx: &Context<'_>) -> Result<Vec<Grant>, Error> {
        grants_of(ctx, GrantParty::Funder, self.0.meta.id).await
    }
    async fn support_received(&self, ctx: &Context<'_>) -> Result<Vec<Support>, Error> {
        support_of(ctx, SupportParty::Organisation, self.0.meta.id).await
    }
    async fn support_given(&self, ctx: &Context<'_>) -> Result<Vec<Support>, Error> {
        support_of(ctx, SupportParty::Supporter, self.0.meta.id).await
    }
    /// Direct links to and from other organisations.
    async fn links(&self, ctx: &Context<'_>) -> Result<Vec<OrganisationLink>, Error> {
        let me = self.0.meta.id;
        let links = loaders(ctx)?
            .load_one(LinksOfOrganisation(me))
            .await
            .gql()?
            .unwrap_or_default();
        // A link to an organisation the caller may not see is hidden with it.
        let others: Vec<_> = links
            .iter()
            .map(|l| if l.from_id == me { l.to_id } else { l.from_id })
            .collect();
        let visible = loaders(ctx)?
            .load_many(others.into_iter().map(OrganisationById))
            .await
            .gql()?;
        Ok(links
            .into_iter()
            .filter(|l| {
                visible.contains_key(&OrganisationById(if l.from_id == me {
                    l.to_id
                } else {
                    l.from_id
                }))
            })
            .map(|link| OrganisationLink { link, from: me })
            .collect())
    }
    async fn events(&self, ctx: &Context<'_>) -> Result<Vec<Event>, Error> {
        let ids = loaders(ctx)?
            .load_one(EventsOrganisedBy(self.0.meta.id))
            .await
            .gql()?
            .unwrap_or_default();
        load_visible(ctx, ids.into_iter().map(EventById).collect(), Event).await
    }
    async fn case_studies(&self, ctx: &Context<'_>) -> Result<Vec<CaseStudy>, Error> {
        let key = CaseStudiesOf(Related {
            side: Side::Organisation,
            id: self.0.meta.id,
        });
        let found = loaders(ctx)?.load_one(key).await.gql()?.unwrap_or_default();
        Ok(found.into_iter().map(CaseStudy).collect())
    }
    async fn funding_opportunities(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<FundingOpportunity>, Error> {
        let key = FundingOpportunitiesOfFunder(self.0.meta.id);
        let found = loaders(ctx)?.load_one(key).await.gql()?.unwrap_or_default();
        Ok(found.into_iter().map(FundingOpportunity).collect())
    }
}

/// A project, seen from one of its organisations.
#[derive(SimpleObject)]
pub struct ProjectParticipation {
    pub role: ParticipationRole,
    pub project: Project,
}

/// An organisation, seen from one of its projects.
#[derive(SimpleObject)]
pub struct Participant {
    pub role: ParticipationRole,
    pub organisation: Organisation,
}

/// A project of the ecosystem.
pub struct Project(pub domain::Project);

#[Object]
impl Project {
    /// Every change of this record, newest first: who, when, which fields, before and after.
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
        after: Option<String>,
    ) -> Result<async_graphql::connection::Connection<String, super::history::Revision>, Error>
    {
        super::history::history(ctx, "project", self.0.meta.id, Some(first), after).await
    }
    pub async fn id(&self) -> ID {
        encode(Kind::Project, self.0.meta.id)
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn short_description(&self) -> Option<&str> {
        self.0.short_description.as_deref()
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn social_impact(&self) -> Option<&str> {
        self.0.social_impact.as_deref()
    }
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    async fn project_status(&self) -> Option<ProjectStatus> {
        self.0.project_status.map(Into::into)
    }
    async fn start_date(&self) -> Option<NaiveDate> {
        self.0.start_date
    }
    async fn end_date(&self) -> Option<NaiveDate> {
        self.0.end_date
    }
    async fn place(&self) -> Place {
        Place(self.0.place.clone())
    }
    async fn focus(&self, ctx: &Context<'_>) -> Result<Vec<TaxonomyTerm>, Error> {
        terms(ctx, V::Focus, &self.0.classification.focus).await
    }
    async fn technologies(&self, ctx: &Context<'_>) -> Result<Vec<TaxonomyTerm>, Error> {
        terms(ctx, V::Technology, &self.0.classification.technologies).await
    }
    async fn impact_areas(&self, ctx: &Context<'_>) -> Result<Vec<TaxonomyTerm>, Error> {
        terms(ctx, V::ImpactArea, &self.0.classification.impact_areas).await
    }
    /// Who the project helps, in free words.
    async fn who_it_helps(&self) -> &[String] {
        &self.0.who_it_helps
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
    /// The organisations taking part, with their roles.
    async fn participants(&self, ctx: &Context<'_>) -> Result<Vec<Participant>, Error> {
        let key = Related {
            side: Side::Project,
            id: self.0.meta.id,
        };
        let found = across(ctx, key, |p| OrganisationById(p.organisation_id)).await?;
        Ok(found
            .into_iter()
            .map(|(role, o)| Participant {
                role: role.into(),
                organisation: Organisation(o),
            })
            .collect())
    }
    async fn grants(&self, ctx: &Context<'_>) -> Result<Vec<Grant>, Error> {
        grants_of(ctx, GrantParty::Project, self.0.meta.id).await
    }
    async fn support_received(&self, ctx: &Context<'_>) -> Result<Vec<Support>, Error> {
        support_of(ctx, SupportParty::Project, self.0.meta.id).await
    }
    async fn case_studies(&self, ctx: &Context<'_>) -> Result<Vec<CaseStudy>, Error> {
        let key = CaseStudiesOf(Related {
            side: Side::Project,
            id: self.0.meta.id,
        });
        let found = loaders(ctx)?.load_one(key).await.gql()?.unwrap_or_default();
        Ok(found.into_iter().map(CaseStudy).collect())
    }
    async fn impact_indicators(&self, ctx: &Context<'_>) -> Result<Vec<ImpactIndicator>, Error> {
        let found = loaders(ctx)?
            .load_one(ImpactIndicatorsOfProject(self.0.meta.id))
            .await
            .gql()?
            .unwrap_or_default();
        Ok(found.into_iter().map(ImpactIndicator).collect())
    }
}

async fn support_of(
    ctx: &Context<'_>,
    party: SupportParty,
    id: uuid::Uuid,
) -> Result<Vec<Support>, Error> {
    let found = loaders(ctx)?
        .load_one(Related { side: party, id })
        .await
        .gql()?
        .unwrap_or_default();
    Ok(found.into_iter().map(Support).collect())
}

/// Help that a support organisation gives an organisation or a project.
pub struct Support(pub domain::Support);

#[Object]
impl Support {
    /// Every change of this record, newest first: who, when, which fields, before and after.
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
        after: Option<String>,
    ) -> Result<async_graphql::connection::Connection<String, super::history::Revision>, Error>
    {
        super::history::history(ctx, "support", self.0.meta.id, Some(first), after).await
    }
    pub async fn id(&self) -> ID {
        encode(Kind::Support, self.0.meta.id)
    }
    async fn kind(&self) -> SupportKind {
        self.0.kind.into()
    }
    async fn supporter(&self, ctx: &Context<'_>) -> Result<Option<Organisation>, Error> {
        organisation_by_id(ctx, self.0.supporter_id).await
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
    async fn start_date(&self) -> Option<NaiveDate> {
        self.0.start_date
    }
    async fn end_date(&self) -> Option<NaiveDate> {
        self.0.end_date
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
}

#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum LinkDirection {
    /// From the organisation being viewed to the other.
    Outgoing,
    /// From the other organisation to the one being viewed.
    Incoming,
}

/// A direct, typed link between two organisations, seen from one of them.
pub struct OrganisationLink {
    link: domain::OrganisationLink,
    /// The organisation the link is seen from.
    from: uuid::Uuid,
}

impl OrganisationLink {
    /// The link seen from the organisation it starts at.
    pub fn outgoing(link: domain::OrganisationLink) -> Self {
        let from = link.from_id;
        Self { link, from }
    }
}

#[Object]
impl OrganisationLink {
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
            "organisation_link",
            self.link.meta.id,
            Some(first),
            after,
        )
        .await
    }
    pub async fn id(&self) -> ID {
        encode(Kind::OrganisationLink, self.link.meta.id)
    }
    async fn kind(&self) -> LinkKind {
        self.link.kind.into()
    }
    async fn direction(&self) -> LinkDirection {
        if self.link.from_id == self.from {
            LinkDirection::Outgoing
        } else {
            LinkDirection::Incoming
        }
    }
    /// The organisation at the other end.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>, Error> {
        let other = if self.link.from_id == self.from {
            self.link.to_id
        } else {
            self.link.from_id
        };
        organisation_by_id(ctx, other).await
    }
}
