//! `importGrants360Giving`: a 360Giving package of grants, imported with their organisations
//! (see `panorama_persistence::giving` for how grants and organisations are matched).
//!
//! Moderators and admins import any package; a funder partner with `grants:write` imports the
//! grants its own organisation funds, published at once if it is trusted and pending review
//! otherwise; anyone else is refused. Like the other batches, at most 500 grants a call, all or
//! nothing unless `atomic: false`.

use std::sync::Arc;

use async_graphql::{Context, Error, InputObject, Json, Object, SimpleObject};
use panorama_domain as domain;
use panorama_domain::giving360::{IncomingGrant, SOURCE, read_package};
use panorama_domain::model::{RecordMeta, RecordStatus, Source};
use panorama_domain::policy::{Actor, RecordFacts, Role, WriteDecision, grant_write};
use panorama_domain::validation::{ErrorCode, FieldError, SchemeList};
use panorama_persistence::giving::{GrantImport, GrantImportOutcome};
use panorama_persistence::history::Action;
use panorama_persistence::sync::{ItemOutcome, MAX_BATCH, UpsertStatus as Status};
use serde_json::Value;
use uuid::Uuid;

use super::records::{author, facts, refuse, trusted, user_error};
use super::sync::UpsertStatus;
use crate::error::store_error;
use crate::types::{Grant, UserError, request, store};

#[derive(InputObject)]
pub struct ImportGrants360GivingInput {
    /// A 360Giving package (Data Standard 1.4): a JSON object with a `grants` array of at most
    /// 500 grants. Amounts are exact up to 15 significant digits.
    pub package: Json<Value>,
    /// All or nothing (the default): one failing grant and none is written.
    #[graphql(default = true)]
    pub atomic: bool,
}

/// One grant of the package and what happened to it.
#[derive(SimpleObject)]
pub struct GrantImportResult {
    /// Its position in the package's `grants`, from 0.
    pub index: i32,
    /// Its 360Giving identifier, as the package gives it.
    pub identifier: Option<String>,
    pub status: UpsertStatus,
    pub grant: Option<Grant>,
    /// Why it was not written, each at its path in the input
    /// (`["input", "package", "grants", "3", "currency"]`).
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct ImportGrants360GivingPayload {
    /// One result per grant of the package, in the same order.
    pub results: Vec<GrantImportResult>,
    pub grants_created: i32,
    pub grants_updated: i32,
    /// Sent as they are stored: nothing was written.
    pub grants_unchanged: i32,
    pub grants_failed: i32,
    /// Organisations created for the grants written.
    pub organisations_created: i32,
    /// Organisations the grants written named that were already in the registry.
    pub organisations_matched: i32,
    /// Problems with the package as a whole (not a package, too many grants); nothing was
    /// written.
    pub user_errors: Vec<UserError>,
}

impl ImportGrants360GivingPayload {
    fn refused(error: UserError) -> Self {
        Self {
            results: Vec::new(),
            grants_created: 0,
            grants_updated: 0,
            grants_unchanged: 0,
            grants_failed: 0,
            organisations_created: 0,
            organisations_matched: 0,
            user_errors: vec![error],
        }
    }
}

#[derive(Default)]
pub struct GivingMutation;

#[Object]
impl GivingMutation {
    /// Imports the grants of a 360Giving package: funders and recipients are matched by their
    /// org-id identifier (or the id an earlier import gave them) or created, grants are created
    /// or updated by their 360Giving identifier. Sending the same package again changes
    /// nothing (every result `UNCHANGED`).
    #[graphql(name = "importGrants360Giving")]
    async fn import_grants_360giving(
        &self,
        ctx: &Context<'_>,
        input: ImportGrants360GivingInput,
    ) -> Result<ImportGrants360GivingPayload, Error> {
        let actor = &request(ctx)?.actor;
        let (decision, own_funder) = import_rights(actor)?;
        let schemes = ctx
            .data_opt::<Arc<SchemeList>>()
            .cloned()
            .unwrap_or_else(|| Arc::new(SchemeList::fallback()));
        let package = input.package.0;
        let grants = package.get("grants").and_then(Value::as_array);
        if grants.is_some_and(|grants| grants.len() > MAX_BATCH) {
            return Ok(ImportGrants360GivingPayload::refused(UserError {
                field: ["input", "package", "grants"].map(str::to_owned).into(),
                message: format!("at most {MAX_BATCH} grants a call; split the package"),
                code: "TOO_LONG".to_owned(),
            }));
        }
        let read = match read_package(&package, schemes.as_ref()) {
            Ok(read) => read,
            Err(error) => {
                let error = FieldError {
                    field: format!("package.{}", error.field),
                    ..error
                };
                return Ok(ImportGrants360GivingPayload::refused(user_error(error)));
            }
        };
        let mut meta = RecordMeta::new(
            match decision {
                WriteDecision::Publish => RecordStatus::Published,
                _ => RecordStatus::Pending,
            },
            Source::Import(SOURCE.into()),
        );
        if let Actor::Caller(caller) = actor {
            meta.owner_partner = caller.partner.as_ref().map(|p| p.id);
            meta.created_by = Some(caller.subject.clone());
        }
        // Which grants a funder may import is checked as they are read; here, whether it may
        // change the stored ones.
        let may_write = |stored: Option<&domain::Grant>, _: &domain::Grant| {
            stored.map_or(Ok(()), |grant| may_change(actor, grant))
        };
        let author = author(actor);
        let action = Action::new("IMPORT", &author);
        let valid: Vec<IncomingGrant> = read.iter().filter_map(|r| r.clone().ok()).collect();
        let failed_reading = read.iter().any(Result::is_err);
        let outcome = if input.atomic && failed_reading {
            None
        } else {
            let how = GrantImport {
                meta: &meta,
                action: &action,
                schemes: schemes.as_ref(),
                funder: own_funder,
                may_write: &may_write,
                atomic: input.atomic,
            };
            let outcome = store(ctx)?
                .import_grants(&valid, &how)
                .await
                .map_err(|e| store_error(&e))?;
            Some(outcome)
        };
        Ok(payload(&package, read, outcome))
    }
}

/// Whether the actor may import at all, whether what it imports is published, and the
/// organisation its grants must be funded by (a funder partner's own; none for moderators).
fn import_rights(actor: &Actor) -> Result<(WriteDecision, Option<Uuid>), Error> {
    let partner_organisation = match actor {
        Actor::Caller(caller) if caller.role == Role::Partner => {
            caller.partner.as_ref().and_then(|p| p.organisation)
        }
        _ => None,
    };
    let own = RecordFacts {
        funder: partner_organisation,
        ..RecordFacts::default()
    };
    match grant_write(actor, &own, trusted(actor)) {
        WriteDecision::Deny => Err(refuse(actor)),
        decision => Ok((decision, partner_organisation)),
    }
}

/// Whether an existing grant may be changed by the import: by those the grant policy lets
/// write it, and by a proposer only while it is not published (changes to published grants
/// wait for review through `updateGrant`).
fn may_change(actor: &Actor, grant: &domain::Grant) -> Result<(), Vec<FieldError>> {
    let facts = facts(
        &grant.meta,
        vec![grant.funder_id, grant.recipient_id],
        Some(grant.funder_id),
    );
    let refused = |code, message: &str| {
        Err(vec![FieldError {
            field: "id".to_owned(),
            message: message.to_owned(),
            code,
        }])
    };
    match grant_write(actor, &facts, trusted(actor)) {
        WriteDecision::Publish => Ok(()),
        WriteDecision::Propose if grant.meta.status != RecordStatus::Published => Ok(()),
        WriteDecision::Propose => refused(
            ErrorCode::Invalid,
            "this grant is published: propose changes with updateGrant",
        ),
        WriteDecision::Deny => refused(
            ErrorCode::Forbidden,
            "a grant with this identifier is another funder's",
        ),
    }
}

/// The payload: each grant's problems from reading, or what the store did with it.
fn payload(
    package: &Value,
    read: Vec<Result<IncomingGrant, Vec<FieldError>>>,
    outcome: Option<GrantImportOutcome>,
) -> ImportGrants360GivingPayload {
    let (mut written, organisations) = match outcome {
        Some(o) => (
            o.grants.into_iter(),
            (o.organisations_created, o.organisations_matched),
        ),
        None => (Vec::new().into_iter(), (0, 0)),
    };
    let not_written = FieldError {
        field: "id".to_owned(),
        message: "not written: another grant of this atomic package failed".to_owned(),
        code: ErrorCode::Invalid,
    };
    let results: Vec<GrantImportResult> = read
        .into_iter()
        .enumerate()
        .map(|(index, reading)| {
            let outcome: ItemOutcome<domain::Grant> = match reading {
                Err(problems) => Err(problems),
                Ok(_) => written
                    .next()
                    .unwrap_or_else(|| Err(vec![not_written.clone()])),
            };
            let identifier = package["grants"][index]["id"].as_str().map(str::to_owned);
            result(index, identifier, outcome)
        })
        .collect();
    let count = |status: UpsertStatus| {
        let n = results.iter().filter(|r| r.status == status).count();
        i32::try_from(n).unwrap_or(i32::MAX)
    };
    let to_i32 = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    ImportGrants360GivingPayload {
        grants_created: count(UpsertStatus::Created),
        grants_updated: count(UpsertStatus::Updated),
        grants_unchanged: count(UpsertStatus::Unchanged),
        grants_failed: count(UpsertStatus::Failed),
        organisations_created: to_i32(organisations.0),
        organisations_matched: to_i32(organisations.1),
        results,
        user_errors: Vec::new(),
    }
}

fn result(
    index: usize,
    identifier: Option<String>,
    outcome: ItemOutcome<domain::Grant>,
) -> GrantImportResult {
    let index_i32 = i32::try_from(index).unwrap_or(i32::MAX);
    match outcome {
        Ok((status, grant)) => GrantImportResult {
            index: index_i32,
            identifier,
            status: match status {
                Status::Created => UpsertStatus::Created,
                Status::Updated => UpsertStatus::Updated,
                Status::Unchanged => UpsertStatus::Unchanged,
            },
            grant: Some(Grant(grant)),
            user_errors: Vec::new(),
        },
        Err(problems) => GrantImportResult {
            index: index_i32,
            identifier,
            status: UpsertStatus::Failed,
            grant: None,
            user_errors: problems
                .into_iter()
                .map(|p| {
                    let at = if p.field.is_empty() {
                        String::new()
                    } else {
                        format!(".{}", p.field)
                    };
                    user_error(FieldError {
                        field: format!("package.grants[{index}]{at}"),
                        ..p
                    })
                })
                .collect(),
        },
    }
}
