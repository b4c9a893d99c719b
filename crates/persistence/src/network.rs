//! The organisation graph and the ecosystem's breakdowns, read from published records only:
//! the figures describe the public registry and are the same for every caller (which also lets
//! them be precomputed once, later). Each kind of tie is one statement, whatever the number of
//! organisations; the graph algorithms are the domain's.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use futures_util::{Stream, TryStreamExt};
use panorama_domain::evaluation::ProjectTerms;
use panorama_domain::filter::OrganisationFilter;
use panorama_domain::model::{FundingOpportunity, GeoPoint, LinkKind, RecordStatus, SupportKind};
use panorama_domain::network::{Graph, GraphBuilder, TieReason};
use panorama_domain::policy::ReadScope;
use panorama_domain::suggest::{Profile, add_funded_areas};
use panorama_domain::taxonomy::Vocabulary;
use sea_orm::sea_query::SelectStatement;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};
use uuid::Uuid;

use crate::entities::*;
use crate::filter::organisation_condition;
use crate::listing::{FacetCounts, Facets};
use crate::mapping::code;
use crate::{Store, StoreError};

/// The published organisations, with the ties among them and each one's type and place.
#[derive(Debug, Clone, Default)]
pub struct OrganisationGraph {
    pub graph: Arc<Graph>,
    /// The type and place of each organisation, by its node.
    facts: Vec<NodeFacts>,
    /// The type and country codes that `facts` name, each once.
    codes: Vec<String>,
    /// The `(funder, recipient)` nodes of each grant tie: which way the money went, which the
    /// graph forgets.
    grants: Vec<(u32, u32)>,
}

/// What the graph knows of an organisation besides its ties.
#[derive(Debug, Clone, Copy, Default)]
struct NodeFacts {
    /// Its ORGANISATION_TYPE code and its country, as places in `codes`.
    kind: Option<u32>,
    country: Option<u32>,
    point: Option<GeoPoint>,
}

impl OrganisationGraph {
    /// The ORGANISATION_TYPE code of organisation `id`, if it has one.
    pub fn type_of(&self, id: Uuid) -> Option<&str> {
        self.code(self.facts_of(id)?.kind)
    }

    pub fn country_of(&self, id: Uuid) -> Option<&str> {
        self.code(self.facts_of(id)?.country)
    }

    pub fn point_of(&self, id: Uuid) -> Option<GeoPoint> {
        self.facts_of(id)?.point
    }

    /// `(funder, recipient)` of each grant between two published organisations.
    pub fn grants(&self) -> impl Iterator<Item = (Uuid, Uuid)> + '_ {
        let id = |node: u32| self.graph.id(node as usize);
        self.grants.iter().map(move |&(a, b)| (id(a), id(b)))
    }

    fn facts_of(&self, id: Uuid) -> Option<&NodeFacts> {
        self.facts.get(self.graph.node(id)?)
    }

    fn code(&self, place: Option<u32>) -> Option<&str> {
        place.map(|p| self.codes[p as usize].as_str())
    }
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

/// The ids of the published projects, as a subquery.
fn published_project_ids() -> SelectStatement {
    project::Entity::find()
        .filter(published(project::Column::Status))
        .select_only()
        .column(project::Column::Id)
        .into_query()
}

impl Store {
    /// The graph of the published organisations: ties through published projects they share,
    /// published links, grants and support between two of them. Rows are streamed into the
    /// graph as they come: on the benchmark's registry, a million ties are never all in memory
    /// as rows.
    pub async fn published_graph(&self) -> Result<OrganisationGraph, StoreError> {
        let (read, codes) = self.graph_nodes().await?;
        let mut graph = GraphBuilder::new(read.iter().map(|(id, _)| *id));
        self.add_project_ties(&mut graph).await?;
        self.add_link_ties(&mut graph).await?;
        let grants = self.add_grant_ties(&mut graph).await?;
        self.add_support_ties(&mut graph).await?;
        let graph = graph.build();
        let mut facts = vec![NodeFacts::default(); graph.len()];
        for (id, read) in read {
            if let Some(node) = graph.node(id) {
                facts[node] = read;
            }
        }
        // Only grants between two published organisations tie them, or lend areas.
        let node = |id| graph.node(id).map(|n| n as u32);
        let grants = grants
            .into_iter()
            .filter_map(|(a, b)| node(a).zip(node(b)))
            .collect();
        Ok(OrganisationGraph {
            graph: Arc::new(graph),
            facts,
            codes,
            grants,
        })
    }

    /// Every published organisation with its type, country and coordinates, and the type and
    /// country codes that their facts name, each once.
    async fn graph_nodes(&self) -> Result<(Vec<(Uuid, NodeFacts)>, Vec<String>), StoreError> {
        let mut codes: Vec<String> = Vec::new();
        let mut places: HashMap<String, u32> = HashMap::new();
        let mut code_place = |code: Option<String>| {
            let code = code?;
            let next = codes.len() as u32;
            Some(*places.entry(code).or_insert_with_key(|code| {
                codes.push(code.clone());
                next
            }))
        };
        let mut read = Vec::new();
        let mut nodes = organisation::Entity::find()
            .filter(published(organisation::Column::Status))
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
            .into_tuple::<NodeRow>()
            .stream(self.connection())
            .await?;
        while let Some((id, kind, country, latitude, longitude)) = nodes.try_next().await? {
            let facts = NodeFacts {
                kind: code_place(kind),
                country: code_place(country),
                point: latitude
                    .zip(longitude)
                    .and_then(|(a, o)| GeoPoint::new(a, o)),
            };
            read.push((id, facts));
        }
        drop(nodes);
        Ok((read, codes))
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
        add_funded_areas(&mut profiles, graph.grants());
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

    /// Every pair of organisations taking part in the same published project. Participations
    /// come in project order, so each project's members are gathered one project at a time.
    async fn add_project_ties(&self, graph: &mut GraphBuilder) -> Result<(), StoreError> {
        let mut rows = self.published_participations_streamed().await?;
        let mut project = None;
        let mut members = Vec::new();
        while let Some((of, organisation)) = rows.try_next().await? {
            if project != Some(of) {
                if let Some(project) = project {
                    graph.shared_project(project, &members);
                }
                (project, members) = (Some(of), Vec::new());
            }
            members.push(organisation);
        }
        if let Some(project) = project {
            graph.shared_project(project, &members);
        }
        Ok(())
    }

    /// `(project, organisation)` of each participation of a published organisation in a
    /// published project.
    pub async fn published_participations(&self) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
        let rows = self.published_participations_streamed().await?;
        Ok(rows.try_collect().await?)
    }

    /// The same as a stream, in project order.
    pub(crate) async fn published_participations_streamed(
        &self,
    ) -> Result<impl Stream<Item = Result<(Uuid, Uuid), DbErr>> + '_, DbErr> {
        let published_organisations = selected_ids(&OrganisationFilter::default());
        participation::Entity::find()
            .select_only()
            .columns([
                participation::Column::ProjectId,
                participation::Column::OrganisationId,
            ])
            .filter(participation::Column::ProjectId.in_subquery(published_project_ids()))
            .filter(participation::Column::OrganisationId.in_subquery(published_organisations))
            .order_by_asc(participation::Column::ProjectId)
            .into_tuple::<(Uuid, Uuid)>()
            .stream(self.connection())
            .await
    }

    /// The focus, technologies and areas of impact of every published project, in one
    /// statement.
    pub async fn project_terms(&self) -> Result<HashMap<Uuid, ProjectTerms>, StoreError> {
        let rows: Vec<(Uuid, String, String)> = project_term::Entity::find()
            .select_only()
            .columns([
                project_term::Column::ProjectId,
                project_term::Column::Vocabulary,
                project_term::Column::Code,
            ])
            .filter(project_term::Column::ProjectId.in_subquery(published_project_ids()))
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

    async fn add_link_ties(&self, graph: &mut GraphBuilder) -> Result<(), StoreError> {
        let mut rows = organisation_link::Entity::find()
            .select_only()
            .columns([
                organisation_link::Column::Id,
                organisation_link::Column::FromId,
                organisation_link::Column::ToId,
                organisation_link::Column::Kind,
            ])
            .filter(published(organisation_link::Column::Status))
            .into_tuple::<(Uuid, Uuid, Uuid, String)>()
            .stream(self.connection())
            .await?;
        while let Some((link, a, b, kind)) = rows.try_next().await? {
            let kind = code(LinkKind::from_code, &kind, "link kind")?;
            graph.tie(a, b, TieReason::Link { link, kind });
        }
        Ok(())
    }

    /// Ties funders to recipients; returns `(funder, recipient)` of each grant.
    async fn add_grant_ties(
        &self,
        graph: &mut GraphBuilder,
    ) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
        let mut rows = grant_award::Entity::find()
            .select_only()
            .columns([
                grant_award::Column::Id,
                grant_award::Column::FunderId,
                grant_award::Column::RecipientId,
            ])
            .filter(published(grant_award::Column::Status))
            .into_tuple::<(Uuid, Uuid, Uuid)>()
            .stream(self.connection())
            .await?;
        let mut grants = Vec::new();
        while let Some((grant, funder, recipient)) = rows.try_next().await? {
            graph.tie(funder, recipient, TieReason::Grant { grant });
            grants.push((funder, recipient));
        }
        Ok(grants)
    }

    /// Support given to an organisation; support given to a project ties the supporter to no
    /// organisation here (the project's members are tied by the project itself).
    async fn add_support_ties(&self, graph: &mut GraphBuilder) -> Result<(), StoreError> {
        let mut rows = support::Entity::find()
            .select_only()
            .columns([
                support::Column::Id,
                support::Column::SupporterId,
                support::Column::OrganisationId,
                support::Column::Kind,
            ])
            .filter(published(support::Column::Status))
            .filter(support::Column::OrganisationId.is_not_null())
            .into_tuple::<(Uuid, Uuid, Option<Uuid>, String)>()
            .stream(self.connection())
            .await?;
        while let Some((support, supporter, supported, kind)) = rows.try_next().await? {
            let kind = code(SupportKind::from_code, &kind, "support kind")?;
            if let Some(supported) = supported {
                graph.tie(supporter, supported, TieReason::Support { support, kind });
            }
        }
        Ok(())
    }
}

/// What the graph knows of an organisation: its type and place.
fn profile_of(graph: &OrganisationGraph, id: Uuid) -> Profile {
    Profile {
        organisation_type: graph.type_of(id).map(str::to_owned),
        country: graph.country_of(id).map(str::to_owned),
        point: graph.point_of(id),
        ..Profile::default()
    }
}
