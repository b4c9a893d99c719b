//! Projects, the organisations taking part in them, and their impact figures.

use async_graphql::{Context, Error, ID, InputObject, MaybeUndefined, Object};
use chrono::{NaiveDate, Utc};
use panorama_domain as domain;
use panorama_domain::changes::{ImpactIndicatorChanges, ProjectChanges};
use panorama_domain::model::{Participation, RecordMeta};
use panorama_domain::policy::RecordFacts;
use panorama_domain::validation::FieldError;
use panorama_persistence::Store;
use panorama_persistence::history::Action;
use panorama_persistence::loaders::Side;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::records::*;
use crate::error::store_error;
use crate::ids::Kind;
use crate::inputs::GeoPointInput;
use crate::types::{
    ImpactIndicator, ParticipationRole, Project, ProjectStatus, UserError, request, store,
};

/// The fields of a project. In an update, a field left out is unchanged and a field set to
/// null is cleared.
#[derive(InputObject, Clone, Debug, Default)]
pub struct ProjectFieldsInput {
    pub title: MaybeUndefined<String>,
    /// Lower-case letters, digits and hyphens; made from the title when left out.
    pub slug: MaybeUndefined<String>,
    pub short_description: MaybeUndefined<String>,
    pub description: MaybeUndefined<String>,
    pub social_impact: MaybeUndefined<String>,
    pub website: MaybeUndefined<String>,
    pub project_status: MaybeUndefined<ProjectStatus>,
    pub start_date: MaybeUndefined<NaiveDate>,
    pub end_date: MaybeUndefined<NaiveDate>,
    pub address: MaybeUndefined<String>,
    pub city: MaybeUndefined<String>,
    pub region: MaybeUndefined<String>,
    /// ISO 3166-1 alpha-2.
    pub country: MaybeUndefined<String>,
    pub location: MaybeUndefined<GeoPointInput>,
    pub focus: MaybeUndefined<Vec<String>>,
    pub technologies: MaybeUndefined<Vec<String>>,
    pub impact_areas: MaybeUndefined<Vec<String>>,
    pub who_it_helps: MaybeUndefined<Vec<String>>,
}

impl FieldsInput for ProjectFieldsInput {
    type Changes = ProjectChanges;

    fn changes(&self, _ctx: &Context<'_>, _ids: &mut Ids) -> ProjectChanges {
        ProjectChanges {
            title: patch(&self.title, same),
            slug: patch(&self.slug, same),
            short_description: patch(&self.short_description, same),
            description: patch(&self.description, same),
            social_impact: patch(&self.social_impact, same),
            website: patch(&self.website, same),
            project_status: patch(&self.project_status, Into::into),
            start_date: patch(&self.start_date, same),
            end_date: patch(&self.end_date, same),
            address: patch(&self.address, same),
            city: patch(&self.city, same),
            region: patch(&self.region, same),
            country: patch(&self.country, same),
            location: patch(&self.location, |p| (p.latitude, p.longitude)),
            focus: patch(&self.focus, same),
            technologies: patch(&self.technologies, same),
            impact_areas: patch(&self.impact_areas, same),
            who_it_helps: patch(&self.who_it_helps, same),
        }
    }
}

create_input!(CreateProjectInput, ProjectFieldsInput);
update_input!(UpdateProjectInput, ProjectFieldsInput);
record_mutations!(
    ProjectMutation,
    domain::Project,
    CreateProjectInput,
    UpdateProjectInput,
    create_project,
    update_project,
    archive_project,
    restore_project
);

/// The organisations taking part in a project: those who may edit it as members.
async fn participants(store: &Store, project: Uuid) -> Result<Vec<Uuid>, Error> {
    let participations = store
        .participations(Side::Project, &[project])
        .await
        .map_err(|e| store_error(&e))?;
    Ok(participations
        .into_values()
        .flatten()
        .map(|p| p.organisation_id)
        .collect())
}

impl Writable for domain::Project {
    type Object = Project;
    const KIND: Kind = Kind::Project;
    const NAME: &'static str = "project";

    fn object(self) -> Project {
        Project(self)
    }

    async fn facts(&self, store: &Store) -> Result<RecordFacts, Error> {
        Ok(facts(
            &self.meta,
            participants(store, self.meta.id).await?,
            None,
        ))
    }
}

/// The fields of an impact figure. Where it came from (which partner reported it, and when)
/// is recorded by the registry, not sent.
#[derive(InputObject, Clone, Debug, Default)]
pub struct ImpactIndicatorFieldsInput {
    /// The project the figure is about; set when it is added, and then fixed.
    pub project_id: MaybeUndefined<ID>,
    pub name: MaybeUndefined<String>,
    /// An exact decimal, as a string: "1250", "-3.5".
    pub value: MaybeUndefined<Decimal>,
    pub unit: MaybeUndefined<String>,
    pub period_start: MaybeUndefined<NaiveDate>,
    pub period_end: MaybeUndefined<NaiveDate>,
    pub method: MaybeUndefined<String>,
    /// Where the figure is published.
    pub source_url: MaybeUndefined<String>,
}

/// An indicator's changes, with the partner that reports it for a new one.
pub struct IndicatorEdit {
    changes: ImpactIndicatorChanges,
    reported_by: Option<Uuid>,
}

impl RecordChanges for IndicatorEdit {
    type Record = domain::ImpactIndicator;

    fn create(&self, meta: RecordMeta) -> Result<domain::ImpactIndicator, Vec<FieldError>> {
        let mut indicator = self.changes.create(meta)?;
        indicator.reported_by_partner = self.reported_by;
        indicator.reported_at = Some(Utc::now());
        Ok(indicator)
    }

    fn apply(
        &self,
        record: domain::ImpactIndicator,
    ) -> Result<domain::ImpactIndicator, Vec<FieldError>> {
        self.changes.apply(record)
    }
}

impl FieldsInput for ImpactIndicatorFieldsInput {
    type Changes = IndicatorEdit;

    fn changes(&self, ctx: &Context<'_>, ids: &mut Ids) -> IndicatorEdit {
        let reported_by = request(ctx).ok().and_then(|r| match &r.actor {
            domain::policy::Actor::Caller(c) => c.partner.as_ref().map(|p| p.id),
            _ => None,
        });
        IndicatorEdit {
            changes: ImpactIndicatorChanges {
                project_id: ids.patch("projectId", &self.project_id, Kind::Project),
                name: patch(&self.name, same),
                value: patch(&self.value, same),
                unit: patch(&self.unit, same),
                period_start: patch(&self.period_start, same),
                period_end: patch(&self.period_end, same),
                method: patch(&self.method, same),
                source_url: patch(&self.source_url, same),
            },
            reported_by,
        }
    }
}

create_input!(AddImpactIndicatorInput, ImpactIndicatorFieldsInput);
update_input!(UpdateImpactIndicatorInput, ImpactIndicatorFieldsInput);
record_mutations!(
    ImpactIndicatorMutation,
    domain::ImpactIndicator,
    AddImpactIndicatorInput,
    UpdateImpactIndicatorInput,
    add_impact_indicator,
    update_impact_indicator,
    archive_impact_indicator,
    restore_impact_indicator
);

impl Writable for domain::ImpactIndicator {
    type Object = ImpactIndicator;
    const KIND: Kind = Kind::ImpactIndicator;
    const NAME: &'static str = "impact indicator";

    fn object(self) -> ImpactIndicator {
        ImpactIndicator(self)
    }

    /// An indicator belongs to its project's participants.
    async fn facts(&self, store: &Store) -> Result<RecordFacts, Error> {
        Ok(facts(
            &self.meta,
            participants(store, self.project_id).await?,
            None,
        ))
    }
}

/// An organisation's part in a project.
#[derive(InputObject)]
pub struct ParticipationInput {
    pub project_id: ID,
    pub organisation_id: ID,
    pub role: ParticipationRole,
}

#[derive(Default)]
pub struct ParticipationMutation;

#[Object]
impl ParticipationMutation {
    /// Adds an organisation to a project in a role (a change of the project, with its
    /// revision). Adding one that exists changes nothing.
    async fn add_participation(
        &self,
        ctx: &Context<'_>,
        input: ParticipationInput,
    ) -> Result<Payload<Project>, Error> {
        participation(ctx, input, true).await
    }

    /// Removes an organisation's role in a project. Removing one that does not exist changes
    /// nothing.
    async fn remove_participation(
        &self,
        ctx: &Context<'_>,
        input: ParticipationInput,
    ) -> Result<Payload<Project>, Error> {
        participation(ctx, input, false).await
    }

    /// Deletes an impact figure for good; its history keeps what it said.
    async fn remove_impact_indicator(
        &self,
        ctx: &Context<'_>,
        input: RecordVersionInput,
    ) -> Result<Payload<ImpactIndicator>, Error> {
        remove::<domain::ImpactIndicator>(ctx, input).await
    }
}

async fn participation(
    ctx: &Context<'_>,
    input: ParticipationInput,
    add: bool,
) -> Result<Payload<Project>, Error> {
    let actor = &request(ctx)?.actor;
    let mut ids = Ids::default();
    let organisation_id = ids.one("organisationId", &input.organisation_id, Kind::Organisation);
    let Some((project, _)) = writable_directly::<domain::Project>(ctx, &input.project_id).await?
    else {
        return Ok(Payload::failed(vec![UserError::new(
            "projectId",
            "no project with this id",
            "NOT_FOUND",
        )]));
    };
    if !ids.errors.is_empty() {
        return Ok(Payload::failed(ids.errors));
    }
    let participation = Participation {
        project_id: project.meta.id,
        organisation_id,
        role: input.role.into(),
    };
    let author = author(actor);
    let action = Action::new(
        if add {
            "ADD_PARTICIPATION"
        } else {
            "REMOVE_PARTICIPATION"
        },
        &author,
    );
    outcome(
        store(ctx)?
            .change_participation(&participation, add, &action)
            .await,
    )
}
