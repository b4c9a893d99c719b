//! Partners' sync: records addressed by the partner's own ids, read back one at a time and
//! upserted in batches.

use std::collections::HashSet;

use async_graphql::{Context, Enum, Error, InputObject, Object, OutputType, SimpleObject};
use panorama_domain::model::{RecordMeta, RecordStatus, Source};
use panorama_domain::policy::{Actor, WriteDecision, ecosystem_create};
use panorama_domain::validation::{ErrorCode, FieldError};
use panorama_persistence::history::Action;
use panorama_persistence::record::StoredRecord;
use panorama_persistence::sync::{
    ChangeSet, MAX_BATCH, UpsertItem, UpsertStatus as Status, partner_namespace,
};

use super::organisations::OrganisationFieldsInput;
use super::projects::ProjectFieldsInput;
use super::records::*;
use crate::error::store_error;
use crate::types::{Organisation, Project, UserError, request, store};

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
pub struct UpsertResult<T: OutputType> {
    pub external_id: String,
    pub status: UpsertStatus,
    pub record: Option<T>,
    pub user_errors: Vec<UserError>,
}

pub type OrganisationUpsertResult = UpsertResult<Organisation>;
pub type ProjectUpsertResult = UpsertResult<Project>;

#[derive(SimpleObject)]
#[graphql(concrete(name = "UpsertOrganisationsPayload", params(OrganisationUpsertResult)))]
#[graphql(concrete(name = "UpsertProjectsPayload", params(ProjectUpsertResult)))]
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

/// Upserts a batch of one record type for the calling partner.
async fn upsert<F: FieldsInput>(
    ctx: &Context<'_>,
    records: Vec<(String, &F)>,
    atomic: bool,
) -> Result<
    UpsertPayload<UpsertResult<<<F::Changes as RecordChanges>::Record as Writable>::Object>>,
    Error,
>
where
    UpsertResult<<<F::Changes as RecordChanges>::Record as Writable>::Object>: OutputType,
{
    let actor = &request(ctx)?.actor;
    let decision = ecosystem_create(actor);
    let partner = match actor {
        Actor::Caller(caller) => caller.partner.as_ref().map(|p| p.id),
        _ => None,
    };
    let (Some(partner), true) = (partner, decision != WriteDecision::Deny) else {
        return Err(refuse(actor));
    };
    if records.len() > MAX_BATCH {
        return Ok(UpsertPayload {
            results: Vec::new(),
            user_errors: vec![UserError::new(
                "records",
                format!("at most {MAX_BATCH} records a call; split the batch"),
                "TOO_LONG",
            )],
        });
    }
    let mut ids = Ids::default();
    let prepared: Vec<(String, Item<F::Changes>)> = records
        .into_iter()
        .map(|(external_id, fields)| (external_id, Item(fields.changes(ctx, &mut ids))))
        .collect();
    let mut seen = HashSet::new();
    let problems: Vec<Option<Vec<FieldError>>> = prepared
        .iter()
        .map(|(external_id, _)| check_external_id(external_id, &mut seen))
        .collect();
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
    // A partner that may only propose changes its published records through update mutations,
    // where they wait for review.
    let may_change = move |record: &<F::Changes as RecordChanges>::Record| {
        if publishes || record.meta().status != RecordStatus::Published {
            Ok(())
        } else {
            Err(vec![FieldError {
                field: "externalId".to_owned(),
                message: "this record is published: propose changes with the update mutation"
                    .to_owned(),
                code: ErrorCode::Invalid,
            }])
        }
    };
    let valid: Vec<UpsertItem<'_, _>> = prepared
        .iter()
        .zip(&problems)
        .filter(|(_, problem)| problem.is_none())
        .map(|((external_id, item), _)| UpsertItem {
            external_id: external_id.clone(),
            changes: item as &dyn ChangeSet<_>,
        })
        .collect();
    let author = author(actor);
    let failed_elsewhere = problems.iter().any(Option::is_some) || !ids.errors.is_empty();
    let written = if atomic && failed_elsewhere {
        Vec::new()
    } else {
        store(ctx)?
            .upsert_batch(
                &partner_namespace(partner),
                &valid,
                &meta,
                &Action::new("UPSERT", &author),
                &may_change,
                atomic,
            )
            .await
            .map_err(|e| store_error(&e))?
    };
    let mut outcomes = written.into_iter();
    let results = prepared
        .iter()
        .zip(problems)
        .map(|((external_id, _), problem)| {
            let outcome = match problem {
                Some(errors) => Err(errors),
                None if atomic && failed_elsewhere => Err(vec![FieldError {
                    field: "externalId".to_owned(),
                    message: "not written: another record of this atomic batch failed".to_owned(),
                    code: ErrorCode::Invalid,
                }]),
                None => outcomes.next().unwrap_or(Err(Vec::new())),
            };
            result(external_id.clone(), outcome)
        })
        .collect();
    Ok(UpsertPayload {
        results,
        user_errors: ids.errors,
    })
}

/// An external id must be there, bounded, and once per batch.
fn check_external_id(external_id: &str, seen: &mut HashSet<String>) -> Option<Vec<FieldError>> {
    let problem = |code, message: &str| {
        Some(vec![FieldError {
            field: "externalId".to_owned(),
            message: message.to_owned(),
            code,
        }])
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
        let records = input
            .records
            .iter()
            .map(|r| (r.external_id.clone(), &r.fields))
            .collect();
        upsert::<OrganisationFieldsInput>(ctx, records, input.atomic).await
    }

    /// Creates or updates up to 500 projects by the calling partner's own ids.
    async fn upsert_projects(
        &self,
        ctx: &Context<'_>,
        input: UpsertProjectsInput,
    ) -> Result<UpsertPayload<UpsertResult<Project>>, Error> {
        let records = input
            .records
            .iter()
            .map(|r| (r.external_id.clone(), &r.fields))
            .collect();
        upsert::<ProjectFieldsInput>(ctx, records, input.atomic).await
    }
}
