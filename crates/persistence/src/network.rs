//! The organisation graph and the ecosystem's breakdowns, read from published records only:
//! the figures describe the public registry and are the same for every caller (which also lets
//! them be precomputed once, later). Each kind of tie is one statement, whatever the number of
//! organisations; the graph algorithms are the domain's.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use panorama_domain::evaluation::ProjectTerms;
use panorama_domain::filter::OrganisationFilter;
use panorama_domain::model::{FundingOpportunity, GeoPoint, LinkKind, RecordStatus, SupportKind};
use panorama_domain::network::{Graph, Tie, TieReason, shared_project_ties};
use panorama_domain::policy::ReadScope;
use panorama_domain::suggest::{Profile, add_funded_areas};
use panorama_domain::taxonomy::Vocabulary;
use sea_orm::sea_query::SelectStatement;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};
use uuid::Uuid;

use crate::entities::*;
use crate::filter::organisation_condition;
use crate::listing::{FacetCounts, Facets};
use crate::mapping::code;
use crate::{Store, StoreError};

/// The organisations a filter selects, with the ties among them and each one's type and place.
#[derive(Debug, Clone, Default)]
pub struct OrganisationGraph {
    pub graph: Arc<Graph>,
    /// ORGANISATION_TYPE codes of the organisations that have one.
    pub types: HashMap<Uuid, String>,
    /// Countries of the organisations that have one.
    pub countries: HashMap<Uuid, String>,
    /// Coordinates of the organisations that have them.
    pub points: HashMap<Uuid, GeoPoint>,
    /// `(funder, recipient)` of each grant tie: which way the money went, which the graph
    /// forgets.
    pub grants: Vec<(Uuid, Uuid)>,
}

/// One organisation of the graph as read: id, type, country, latitude, longitude.
type NodeRow = (
    Uuid,
    Option<String>,
    Option<String>,
    Option<f64>,
    Option<f64>,
);

/// How a set of records divides: how many, and counts per facet value.
#[derive(Debug, Clone, Default)]
pub struct Breakdown {
    pub total: u64,
    pub facets: Facets,
    /// ORGANISATION_SIZE codes (organisations only).
    pub sizes: FacetCounts,
}

fn published(column: impl ColumnTrait) -> sea_orm::sea_query::SimpleExpr {
    column.eq(RecordStatus::Published.code())
}

/// The ids of the published organisations that `filter` selects, as a subquery.
fn selected_ids(filter: &OrganisationFilter) -> SelectStatement {
    organisation::Entity::find()
        .filter(organisation_condition(&ReadScope::PublishedOnly, filter))
        .select_only()
        .column(organisation::Column::Id)
        .into_query()
}

impl Store {
    /// The graph of the published organisations that `filter` selects: ties through published
    /// projects they share, published links, grants and support between two of them.
    pub async fn organisation_graph(
        &self,
        filter: &OrganisationFilter,
    ) -> Result<OrganisationGraph, StoreError> {
        let db = self.connection();
        let nodes: Vec<NodeRow> = organisation::Entity::find()
            .filter(organisation_condition(&ReadScope::PublishedOnly, filter))
            .select_only()
            .columns([
                organisation::Column::Id,
                organisation::Column::OrganisationType,
                organisation::Column::Country,
            ])
            .columns([
                organisation::Column::Latitude,
                organisation::Column::Longitude,
            ])
            .into_tuple()
            .all(db)
            .await?;
        let grant_ties = self.grant_ties(filter).await?;
        let grants = grant_ties.iter().map(|t| (t.a, t.b)).collect();
        let mut ties = self.project_ties(filter).await?;
        ties.extend(self.link_ties(filter).await?);
        ties.extend(grant_ties);
        ties.extend(self.support_ties(filter).await?);
        let graph = Arc::new(Graph::new(nodes.iter().map(|(id, ..)| *id), ties));
        let mut found = OrganisationGraph {
            graph,
            grants,
            ..OrganisationGraph::default()
        };
        for (id, kind, country, latitude, longitude) in nodes {
            if let Some(kind) = kind {
                found.types.insert(id, kind);
            }
            if let Some(country) = country {
                found.countries.insert(id, country);
            }
            if let Some(point) = latitude
                .zip(longitude)
                .and_then(|(a, o)| GeoPoint::new(a, o))
            {
                found.points.insert(id, point);
            }
        }
        Ok(found)
    }

    /// The profile of every organisation of `graph`, for suggestions: its type and place from
    /// the graph, its terms and roles in one statement, and for funders the areas of their
    /// grants' recipients.
    pub async fn organisation_profiles(
        &self,
        graph: &OrganisationGraph,
    ) -> Result<HashMap<Uuid, Profile>, StoreError> {
        let vocabularies = [
            Vocabulary::Focus,
            Vocabulary::Technology,
            Vocabulary::ImpactArea,
            Vocabulary::OrganisationRole,
        ];
        let rows: Vec<(Uuid, String, String)> = organisation_term::Entity::find()
            .select_only()
            .columns([
                organisation_term::Column::OrganisationId,
                organisation_term::Column::Vocabulary,
                organisation_term::Column::Code,
            ])
            .filter(organisation_term::Column::Vocabulary.is_in(vocabularies.map(|v| v.code())))
            .filter(
                organisation_term::Column::OrganisationId
                    .in_subquery(selected_ids(&OrganisationFilter::default())),
            )
            .into_tuple()
            .all(self.connection())
            .await?;
        let mut profiles: HashMap<Uuid, Profile> = graph
            .graph
            .ids()
            .iter()
            .map(|id| (*id, profile_of(graph, *id)))
            .collect();
        for (id, vocabulary, code) in rows {
            let Some(profile) = profiles.get_mut(&id) else {
                continue;
            };
            let list = match Vocabulary::from_code(&vocabulary) {
                Some(Vocabulary::Focus) => &mut profile.focus,
                Some(Vocabulary::Technology) => &mut profile.technologies,
                Some(Vocabulary::ImpactArea) => &mut profile.impact_areas,
                Some(Vocabulary::OrganisationRole) => &mut profile.roles,
                _ => continue,
            };
            list.insert(code);
        }
        add_funded_areas(&mut profiles, &graph.grants);
        Ok(profiles)
    }

    /// The ids of the published organisations that `filter` selects.
    pub async fn selected_organisations(
        &self,
        filter: &OrganisationFilter,
    ) -> Result<HashSet<Uuid>, StoreError> {
        let ids: Vec<Uuid> = organisation::Entity::find()
            .filter(organisation_condition(&ReadScope::PublishedOnly, filter))
            .select_only()
            .column(organisation::Column::Id)
            .into_tuple()
            .all(self.connection())
            .await?;
        Ok(ids.into_iter().collect())
    }

    /// The published funding opportunities that take applications on `today`: closing then or
    /// later, or never.
    pub async fn open_funding_opportunities(
        &self,
        today: chrono::NaiveDate,
    ) -> Result<Vec<FundingOpportunity>, StoreError> {
        let open = sea_orm::Condition::any()
            .add(funding_opportunity::Column::ClosesOn.is_null())
            .add(funding_opportunity::Column::ClosesOn.gte(today));
        funding_opportunity::Entity::find()
            .filter(published(funding_opportunity::Column::Status))
            .filter(open)
            .all(self.connection())
            .await?
            .into_iter()
            .map(crate::mapping::funding_opportunity)
            .collect()
    }

    async fn project_ties(&self, filter: &OrganisationFilter) -> Result<Vec<Tie>, StoreError> {
        Ok(shared_project_ties(
            self.published_participations(filter).await?,
        ))
    }

    /// `(project, organisation)` of each participation of a selected organisation in a
    /// published project.
    pub async fn published_participations(
        &self,
        filter: &OrganisationFilter,
    ) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
        let published_projects = project::Entity::find()
            .filter(published(project::Column::Status))
            .select_only()
            .column(project::Column::Id)
            .into_query();
        let rows: Vec<(Uuid, Uuid)> = participation::Entity::find()
            .select_only()
            .columns([
                participation::Column::ProjectId,
                participation::Column::OrganisationId,
            ])
            .filter(participation::Column::ProjectId.in_subquery(published_projects))
            .filter(participation::Column::OrganisationId.in_subquery(selected_ids(filter)))
            .into_tuple()
            .all(self.connection())
            .await?;
        Ok(rows)
    }

    /// The focus, technologies and areas of impact of every published project, in one
    /// statement.
    pub async fn project_terms(&self) -> Result<HashMap<Uuid, ProjectTerms>, StoreError> {
        let published_projects = project::Entity::find()
            .filter(published(project::Column::Status))
            .select_only()
            .column(project::Column::Id)
            .into_query();
        let rows: Vec<(Uuid, String, String)> = project_term::Entity::find()
            .select_only()
            .columns([
                project_term::Column::ProjectId,
                project_term::Column::Vocabulary,
                project_term::Column::Code,
            ])
            .filter(project_term::Column::ProjectId.in_subquery(published_projects))
            .into_tuple()
            .all(self.connection())
            .await?;
        let mut found: HashMap<Uuid, ProjectTerms> = HashMap::new();
        for (project, vocabulary, code) in rows {
            let terms = found.entry(project).or_default();
            let list = match Vocabulary::from_code(&vocabulary) {
                Some(Vocabulary::Focus) => &mut terms.focus,
                Some(Vocabulary::Technology) => &mut terms.technologies,
                Some(Vocabulary::ImpactArea) => &mut terms.impact_areas,
                _ => continue,
            };
            list.insert(code);
        }
        Ok(found)
    }

    async fn link_ties(&self, filter: &OrganisationFilter) -> Result<Vec<Tie>, StoreError> {
        let rows: Vec<(Uuid, Uuid, Uuid, String)> = organisation_link::Entity::find()
            .select_only()
            .columns([
                organisation_link::Column::Id,
                organisation_link::Column::FromId,
                organisation_link::Column::ToId,
                organisation_link::Column::Kind,
            ])
            .filter(published(organisation_link::Column::Status))
            .filter(organisation_link::Column::FromId.in_subquery(selected_ids(filter)))
            .filter(organisation_link::Column::ToId.in_subquery(selected_ids(filter)))
            .into_tuple()
            .all(self.connection())
            .await?;
        rows.into_iter()
            .map(|(link, a, b, kind)| {
                let kind = code(LinkKind::from_code, &kind, "link kind")?;
                let reason = TieReason::Link { link, kind };
                Ok(Tie { a, b, reason })
            })
            .collect()
    }

    async fn grant_ties(&self, filter: &OrganisationFilter) -> Result<Vec<Tie>, StoreError> {
        let rows: Vec<(Uuid, Uuid, Uuid)> = grant_award::Entity::find()
            .select_only()
            .columns([
                grant_award::Column::Id,
                grant_award::Column::FunderId,
                grant_award::Column::RecipientId,
            ])
            .filter(published(grant_award::Column::Status))
            .filter(grant_award::Column::FunderId.in_subquery(selected_ids(filter)))
            .filter(grant_award::Column::RecipientId.in_subquery(selected_ids(filter)))
            .into_tuple()
            .all(self.connection())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(grant, a, b)| Tie {
                a,
                b,
                reason: TieReason::Grant { grant },
            })
            .collect())
    }

    /// Support given to an organisation; support given to a project ties the supporter to no
    /// organisation here (the project's members are tied by the project itself).
    async fn support_ties(&self, filter: &OrganisationFilter) -> Result<Vec<Tie>, StoreError> {
        let rows: Vec<(Uuid, Uuid, Option<Uuid>, String)> = support::Entity::find()
            .select_only()
            .columns([
                support::Column::Id,
                support::Column::SupporterId,
                support::Column::OrganisationId,
                support::Column::Kind,
            ])
            .filter(published(support::Column::Status))
            .filter(support::Column::SupporterId.in_subquery(selected_ids(filter)))
            .filter(support::Column::OrganisationId.in_subquery(selected_ids(filter)))
            .into_tuple()
            .all(self.connection())
            .await?;
        rows.into_iter()
            .filter_map(|(support, a, b, kind)| Some((support, a, b?, kind)))
            .map(|(support, a, b, kind)| {
                let kind = code(SupportKind::from_code, &kind, "support kind")?;
                let reason = TieReason::Support { support, kind };
                Ok(Tie { a, b, reason })
            })
            .collect()
    }
}

/// What the graph knows of an organisation: its type and place.
fn profile_of(graph: &OrganisationGraph, id: Uuid) -> Profile {
    Profile {
        organisation_type: graph.types.get(&id).cloned(),
        country: graph.countries.get(&id).cloned(),
        point: graph.points.get(&id).copied(),
        ..Profile::default()
    }
}
