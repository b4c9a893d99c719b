//! Partners' sync: records addressed by the partner's own ids, read back one at a time and
//! upserted in batches.

use std::collections::HashSet;

use async_graphql::{Context, Enum, Error, InputObject, Object, OutputType, SimpleObject};
use panorama_domain as domain;
use panorama_domain::changes::{GrantChanges, Patch};
use panorama_domain::model::{RecordMeta, RecordStatus, Source};
use panorama_domain::policy::{Actor, RecordFacts, WriteDecision, ecosystem_create, grant_write};
use panorama_domain::validation::{ErrorCode, FieldError};
use panorama_persistence::history::Action;
use panorama_persistence::record::StoredRecord;
use panorama_persistence::sync::{
    ChangeSet, MAX_BATCH, UpsertItem, UpsertStatus as Status, partner_namespace,
};

use super::funding::GrantFieldsInput;
use super::organisations::OrganisationFieldsInput;
use super::projects::ProjectFieldsInput;
use super::records::*;
use uuid::Uuid;

use crate::error::store_error;
use crate::types::{Grant, Organisation, Project, UserError, request, store};

/// What a batch did to one record.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum UpsertStatus {
    Created,
    Updated,
    /// Sent as it is stored: nothing was written.
    Unchanged,
    /// Not written; `userErrors` say why.
    Failed,
}

/// One record of a batch and what happened to it.
#[derive(SimpleObject)]
#[graphql(concrete(name = "OrganisationUpsertResult", params(Organisation)))]
#[graphql(concrete(name = "ProjectUpsertResult", params(Project)))]
#[graphql(concrete(name = "GrantUpsertResult", params(Grant)))]
pub struct UpsertResult<T: OutputType> {
    pub external_id: String,
    pub status: UpsertStatus,
    pub record: Option<T>,
    pub user_errors: Vec<UserError>,
}

pub type OrganisationUpsertResult = UpsertResult<Organisation>;
pub type ProjectUpsertResult = UpsertResult<Project>;
pub type GrantUpsertResult = UpsertResult<Grant>;

#[derive(SimpleObject)]
#[graphql(concrete(name = "UpsertOrganisationsPayload", params(OrganisationUpsertResult)))]
#[graphql(concrete(name = "UpsertProjectsPayload", params(ProjectUpsertResult)))]
#[graphql(concrete(name = "UpsertGrantsPayload", params(GrantUpsertResult)))]
pub struct UpsertPayload<T: OutputType> {
    /// One result per record sent, in the same order.
    pub results: Vec<T>,
    /// Problems with the batch as a whole (e.g. too many records); nothing was written.
    pub user_errors: Vec<UserError>,
}

/// An organisation as the partner's system holds it: its id there, and its fields.
#[derive(InputObject)]
pub struct OrganisationUpsertInput {
    pub external_id: String,
    #[graphql(flatten)]
    pub fields: OrganisationFieldsInput,
}

#[derive(InputObject)]
pub struct UpsertOrganisationsInput {
    /// At most 500.
    pub records: Vec<OrganisationUpsertInput>,
    /// All or nothing (the default): one failing record and none is written.
    #[graphql(default = true)]
    pub atomic: bool,
}

/// A project as the partner's system holds it: its id there, and its fields.
#[derive(InputObject)]
pub struct ProjectUpsertInput {
    pub external_id: String,
    #[graphql(flatten)]
    pub fields: ProjectFieldsInput,
}

#[derive(InputObject)]
pub struct UpsertProjectsInput {
    /// At most 500.
    pub records: Vec<ProjectUpsertInput>,
    /// All or nothing (the default): one failing record and none is written.
    #[graphql(default = true)]
    pub atomic: bool,
}

/// A grant as the funder's system holds it: its id there, its fields, and its references by
/// the partner's own ids where the partner has not got Panorama's.
#[derive(InputObject)]
pub struct GrantUpsertInput {
    pub external_id: String,
    #[graphql(flatten)]
    pub fields: GrantFieldsInput,
    /// The funder by the partner's external id for it (instead of `funderId`).
    pub funder_external_id: Option<String>,
    /// The recipient by the partner's external id for it (instead of `recipientId`).
    pub recipient_external_id: Option<String>,
    /// The project by the partner's external id for it (instead of `projectId`).
    pub project_external_id: Option<String>,
}

#[derive(InputObject)]
pub struct UpsertGrantsInput {
    /// At most 500.
    pub records: Vec<GrantUpsertInput>,
    /// All or nothing (the default): one failing record and none is written.
    #[graphql(default = true)]
    pub atomic: bool,
}

/// A record change-set of the API as the store's batch item.
struct Item<C>(C);

impl<C: RecordChanges> ChangeSet<C::Record> for Item<C> {
    fn create(&self, meta: RecordMeta) -> Result<C::Record, Vec<FieldError>> {
        self.0.create(meta)
    }

    fn apply(&self, record: C::Record) -> Result<C::Record, Vec<FieldError>> {
        self.0.apply(record)
    }
}

/// One record of a batch, read from the input: its external id, its changes, and what is
/// already wrong with it (e.g. a reference to an external id the partner never sent).
struct Prepared<C> {
    external_id: String,
    changes: C,
    problems: Vec<FieldError>,
}

/// What a partner may do in a batch of one record type.
trait BatchRules: Writable {
    /// Whether the batch's new records are published or wait for review; `Deny` refuses the
    /// whole batch.
    fn batch_decision(actor: &Actor) -> WriteDecision {
        ecosystem_create(actor)
    }

    /// Why the actor may not write this record as it will be (stored or new), if it may not.
    fn refusal(_actor: &Actor, _record: &Self) -> Option<FieldError> {
        None
    }
}

impl BatchRules for domain::Organisation {}

impl BatchRules for domain::Project {}

impl BatchRules for domain::Grant {
    fn batch_decision(actor: &Actor) -> WriteDecision {
        grant_write(
            actor,
            &funder_facts(own_organisation(actor)),
            trusted(actor),
        )
    }

    fn refusal(actor: &Actor, grant: &Self) -> Option<FieldError> {
        (grant_write(actor, &funder_facts(Some(grant.funder_id)), trusted(actor))
            == WriteDecision::Deny)
            .then(|| FieldError {
                field: "funderId".to_owned(),
                message: "a partner syncs only the grants its own organisation funds".to_owned(),
                code: ErrorCode::Invalid,
            })
    }
}

fn funder_facts(funder: Option<Uuid>) -> RecordFacts {
    RecordFacts {
        funder,
        ..RecordFacts::default()
    }
}

/// The organisation the calling partner acts for, if any.
fn own_organisation(actor: &Actor) -> Option<Uuid> {
    match actor {
        Actor::Caller(caller) => caller.partner.as_ref().and_then(|p| p.organisation),
        _ => None,
    }
}

/// The calling partner, if the actor may send batches of `R` at all.
fn batch_partner<R: BatchRules>(actor: &Actor) -> Result<(Uuid, WriteDecision), Error> {
    let partner = match actor {
        Actor::Caller(caller) => caller.partner.as_ref().map(|p| p.id),
        _ => None,
    };
    let decision = R::batch_decision(actor);
    match partner {
        Some(partner) if decision != WriteDecision::Deny => Ok((partner, decision)),
        _ => Err(refuse(actor)),
    }
}

/// The payload of a batch refused as a whole: too many records.
fn oversized<T: OutputType>(len: usize) -> Option<UpsertPayload<T>> {
    (len > MAX_BATCH).then(|| UpsertPayload {
        results: Vec::new(),
        user_errors: vec![UserError::new(
            "records",
            format!("at most {MAX_BATCH} records a call; split the batch"),
            "TOO_LONG",
        )],
    })
}

/// A record of a batch as the input holds it: the partner's id for it, and its fields.
trait BatchItem {
    type Fields: FieldsInput;

    fn external_id(&self) -> &str;

    fn fields(&self) -> &Self::Fields;
}

macro_rules! batch_items {
    ($($input:ty => $fields:ty),+ $(,)?) => {$(
        impl BatchItem for $input {
            type Fields = $fields;

            fn external_id(&self) -> &str {
                &self.external_id
            }

            fn fields(&self) -> &$fields {
                &self.fields
            }
        }
    )+};
}

batch_items!(
    OrganisationUpsertInput => OrganisationFieldsInput,
    ProjectUpsertInput => ProjectFieldsInput,
    GrantUpsertInput => GrantFieldsInput,
);

/// The change-sets of a batch's records; ids that are no ids are collected in `ids`.
fn prepare<I: BatchItem>(
    ctx: &Context<'_>,
    items: &[I],
    ids: &mut Ids,
) -> Vec<Prepared<<I::Fields as FieldsInput>::Changes>> {
    items
        .iter()
        .map(|item| Prepared {
            external_id: item.external_id().to_owned(),
            changes: item.fields().changes(ctx, ids),
            problems: Vec::new(),
        })
        .collect()
}

/// The record type of a batch of `I`.
type RecordOf<I> = <<<I as BatchItem>::Fields as FieldsInput>::Changes as RecordChanges>::Record;

/// The result of a batch of `I`.
type BatchPayload<I> = UpsertPayload<UpsertResult<<RecordOf<I> as Writable>::Object>>;

/// Upserts a batch whose records need nothing but their own fields.
async fn upsert_items<I: BatchItem>(
    ctx: &Context<'_>,
    items: &[I],
    atomic: bool,
) -> Result<BatchPayload<I>, Error>
where
    RecordOf<I>: BatchRules,
    UpsertResult<<RecordOf<I> as Writable>::Object>: OutputType,
{
    if let Some(refused) = oversized(items.len()) {
        return Ok(refused);
    }
    let mut ids = Ids::default();
    let batch = prepare(ctx, items, &mut ids);
    upsert(ctx, batch, ids.errors, atomic).await
}

/// Upserts a prepared batch of one record type for the calling partner; `batch_errors` are
/// problems of the batch as a whole (ids that are no ids).
async fn upsert<C: RecordChanges>(
    ctx: &Context<'_>,
    mut batch: Vec<Prepared<C>>,
    batch_errors: Vec<UserError>,
    atomic: bool,
) -> Result<UpsertPayload<UpsertResult<<C::Record as Writable>::Object>>, Error>
where
    C::Record: BatchRules,
    UpsertResult<<C::Record as Writable>::Object>: OutputType,
{
    let actor = &request(ctx)?.actor;
    let (partner, decision) = batch_partner::<C::Record>(actor)?;
    let mut seen = HashSet::new();
    for item in &mut batch {
        item.problems
            .extend(check_external_id(&item.external_id, &mut seen));
    }
    let mut meta = RecordMeta::new(
        if decision == WriteDecision::Publish {
            RecordStatus::Published
        } else {
            RecordStatus::Pending
        },
        Source::Web,
    );
    meta.owner_partner = Some(partner);
    if let Actor::Caller(caller) = actor {
        meta.created_by = Some(caller.subject.clone());
    }
    let publishes = decision == WriteDecision::Publish;
    let may_write = move |stored: Option<&C::Record>, next: &C::Record| {
        // A partner that may only propose changes its published records through update
        // mutations, where they wait for review.
        if !publishes && stored.is_some_and(|r| r.meta().status == RecordStatus::Published) {
            return Err(vec![FieldError {
                field: "externalId".to_owned(),
                message: "this record is published: propose changes with the update mutation"
                    .to_owned(),
                code: ErrorCode::Invalid,
            }]);
        }
        let refusals: Vec<FieldError> = stored
            .into_iter()
            .chain([next])
            .filter_map(|record| C::Record::refusal(actor, record))
            .take(1)
            .collect();
        if refusals.is_empty() {
            Ok(())
        } else {
            Err(refusals)
        }
    };
    let items: Vec<(String, Item<C>, Vec<FieldError>)> = batch
        .into_iter()
        .map(|p| (p.external_id, Item(p.changes), p.problems))
        .collect();
    let valid: Vec<UpsertItem<'_, _>> = items
        .iter()
        .filter(|(_, _, problems)| problems.is_empty())
        .map(|(external_id, item, _)| UpsertItem {
            external_id: external_id.clone(),
            changes: item as &dyn ChangeSet<_>,
        })
        .collect();
    let author = author(actor);
    let failed_elsewhere =
        items.iter().any(|(_, _, problems)| !problems.is_empty()) || !batch_errors.is_empty();
    let written = if atomic && failed_elsewhere {
        Vec::new()
    } else {
        store(ctx)?
            .upsert_batch(
                &partner_namespace(partner),
                &valid,
                &meta,
                &Action::new("UPSERT", &author),
                &may_write,
                atomic,
            )
            .await
            .map_err(|e| store_error(&e))?
    };
    let mut outcomes = written.into_iter();
    let results = items
        .into_iter()
        .map(|(external_id, _, problems)| {
            let outcome = if !problems.is_empty() {
                Err(problems)
            } else if atomic && failed_elsewhere {
                Err(vec![FieldError {
                    field: "externalId".to_owned(),
                    message: "not written: another record of this atomic batch failed".to_owned(),
                    code: ErrorCode::Invalid,
                }])
            } else {
                outcomes.next().unwrap_or(Err(Vec::new()))
            };
            result(external_id, outcome)
        })
        .collect();
    Ok(UpsertPayload {
        results,
        user_errors: batch_errors,
    })
}

/// Points a grant's references given as the partner's own ids (`recipientExternalId`, …) at
/// the records they name, and makes a funder partner's organisation the funder when the grant
/// names none. One query per record type for the whole batch.
async fn resolve_grant_references(
    ctx: &Context<'_>,
    partner: Uuid,
    inputs: &[GrantUpsertInput],
    batch: &mut [Prepared<GrantChanges>],
) -> Result<(), Error> {
    let namespace = partner_namespace(partner);
    let external = |pick: fn(&GrantUpsertInput) -> [Option<&String>; 2]| -> Vec<String> {
        inputs.iter().flat_map(pick).flatten().cloned().collect()
    };
    let store = store(ctx)?;
    let organisations = store
        .records_by_external_ids(
            &namespace,
            domain::Organisation::TABLE,
            &external(|i| {
                [
                    i.funder_external_id.as_ref(),
                    i.recipient_external_id.as_ref(),
                ]
            }),
        )
        .await
        .map_err(|e| store_error(&e))?;
    let projects = store
        .records_by_external_ids(
            &namespace,
            domain::Project::TABLE,
            &external(|i| [i.project_external_id.as_ref(), None]),
        )
        .await
        .map_err(|e| store_error(&e))?;
    let own = own_organisation(&request(ctx)?.actor);
    for (input, item) in inputs.iter().zip(batch.iter_mut()) {
        let fields = &input.fields;
        let changes = &mut item.changes;
        let problems = &mut item.problems;
        let references = [
            (
                "funder",
                &input.funder_external_id,
                fields.funder_id.is_undefined(),
                &organisations,
                &mut changes.funder_id,
            ),
            (
                "recipient",
                &input.recipient_external_id,
                fields.recipient_id.is_undefined(),
                &organisations,
                &mut changes.recipient_id,
            ),
            (
                domain::Project::TABLE,
                &input.project_external_id,
                fields.project_id.is_undefined(),
                &projects,
                &mut changes.project_id,
            ),
        ];
        for (name, external_id, id_left_out, known, target) in references {
            let Some(external_id) = external_id else {
                continue;
            };
            let problem = |code, message: String| FieldError {
                field: format!("{name}ExternalId"),
                message,
                code,
            };
            if !id_left_out {
                problems.push(problem(
                    ErrorCode::Invalid,
                    format!("give {name}Id or {name}ExternalId, not both"),
                ));
            } else if let Some(id) = known.get(external_id) {
                *target = Patch::Set(*id);
            } else {
                problems.push(problem(
                    ErrorCode::NotFound,
                    format!("you have sent no {name} with the external id {external_id:?}"),
                ));
            }
        }
        if let (Patch::Keep, Some(own)) = (&changes.funder_id, own) {
            changes.funder_id = Patch::Set(own);
        }
    }
    Ok(())
}

/// An external id must be there, bounded, and once per batch.
fn check_external_id(external_id: &str, seen: &mut HashSet<String>) -> Option<FieldError> {
    let problem = |code, message: &str| {
        Some(FieldError {
            field: "externalId".to_owned(),
            message: message.to_owned(),
            code,
        })
    };
    let trimmed = external_id.trim();
    if trimmed.is_empty() {
        return problem(ErrorCode::Required, "an external id is required");
    }
    if trimmed.chars().count() > 200 {
        return problem(ErrorCode::TooLong, "at most 200 characters");
    }
    if !seen.insert(trimmed.to_owned()) {
        return problem(
            ErrorCode::Duplicate,
            "this external id is twice in the batch",
        );
    }
    None
}

fn result<R: Writable>(
    external_id: String,
    outcome: Result<(Status, R), Vec<FieldError>>,
) -> UpsertResult<R::Object> {
    match outcome {
        Ok((status, record)) => UpsertResult {
            external_id,
            status: match status {
                Status::Created => UpsertStatus::Created,
                Status::Updated => UpsertStatus::Updated,
                Status::Unchanged => UpsertStatus::Unchanged,
            },
            record: Some(record.object()),
            user_errors: Vec::new(),
        },
        Err(errors) => UpsertResult {
            external_id,
            status: UpsertStatus::Failed,
            record: None,
            user_errors: errors.into_iter().map(user_error).collect(),
        },
    }
}

#[derive(Default)]
pub struct SyncMutation;

#[Object]
impl SyncMutation {
    /// Creates or updates up to 500 organisations by the calling partner's own ids. Sending
    /// the same batch again changes nothing (every result `UNCHANGED`).
    async fn upsert_organisations(
        &self,
        ctx: &Context<'_>,
        input: UpsertOrganisationsInput,
    ) -> Result<UpsertPayload<UpsertResult<Organisation>>, Error> {
        upsert_items(ctx, &input.records, input.atomic).await
    }

    /// Creates or updates up to 500 projects by the calling partner's own ids.
    async fn upsert_projects(
        &self,
        ctx: &Context<'_>,
        input: UpsertProjectsInput,
    ) -> Result<UpsertPayload<UpsertResult<Project>>, Error> {
        upsert_items(ctx, &input.records, input.atomic).await
    }

    /// Creates or updates up to 500 grants by the calling funder partner's own ids. Funder,
    /// recipient and project may be named by the partner's own ids for them (sent before with
    /// `upsertOrganisations` / `upsertProjects`); the funder is the partner's organisation
    /// when left out. A partner syncs only the grants its organisation funds.
    async fn upsert_grants(
        &self,
        ctx: &Context<'_>,
        input: UpsertGrantsInput,
    ) -> Result<UpsertPayload<UpsertResult<Grant>>, Error> {
        if let Some(refused) = oversized(input.records.len()) {
            return Ok(refused);
        }
        let (partner, _) = batch_partner::<domain::Grant>(&request(ctx)?.actor)?;
        let mut ids = Ids::default();
        let mut batch = prepare(ctx, &input.records, &mut ids);
        resolve_grant_references(ctx, partner, &input.records, &mut batch).await?;
        upsert(ctx, batch, ids.errors, input.atomic).await
    }
}
