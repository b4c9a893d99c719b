//! The review workflow: moderators approve, reject or send back what waits for review, and
//! revert records to earlier versions; anyone signed in reports a record.

use async_graphql::{Context, Enum, Error, ID, InputObject, Object, SimpleObject};
use panorama_domain as domain;
use panorama_domain::model::RecordStatus as DomainStatus;
use panorama_domain::policy::{Actor, can_moderate};
use panorama_domain::validation::Validator;
use panorama_persistence::history::Action;
use panorama_persistence::moderation::ReportReason as DomainReason;
use panorama_persistence::proposal::{Proposal as StoredProposal, ProposalStatus};

use super::records::*;
use crate::error::store_error;
use crate::guard::require;
use crate::ids::{Kind, decode, decode_kind, encode};
use crate::types::{Proposal, RecordStatus, UserError, request, store};

/// The longest reason, request or report comment.
pub const MAX_COMMENT_CHARS: usize = 2_000;

/// A record after a moderation step.
#[derive(SimpleObject)]
pub struct ModeratedRecord {
    pub id: ID,
    pub status: RecordStatus,
    pub version: i32,
}

#[derive(SimpleObject)]
pub struct ModerationPayload {
    pub record: Option<ModeratedRecord>,
    pub user_errors: Vec<UserError>,
    /// When a proposal was decided: the proposal as it is now.
    pub proposal: Option<Proposal>,
}

impl ModerationPayload {
    fn failed(user_errors: Vec<UserError>) -> Self {
        Self {
            record: None,
            user_errors,
            proposal: None,
        }
    }

    fn done(record: ModeratedRecord) -> Self {
        Self {
            record: Some(record),
            user_errors: Vec::new(),
            proposal: None,
        }
    }
}

#[derive(InputObject)]
pub struct ApproveInput {
    pub id: ID,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct RejectInput {
    pub id: ID,
    /// Why, shown to the author in the record's history.
    pub reason: String,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct RequestChangesInput {
    pub id: ID,
    /// What to change, shown to the author in the record's history.
    pub comment: String,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct RevertInput {
    pub id: ID,
    /// The version whose field values to bring back.
    pub version: i32,
    pub expected_version: Option<i32>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "DomainReason")]
pub enum ReportReason {
    Spam,
    Wrong,
    Duplicate,
}

#[derive(InputObject)]
pub struct ReportInput {
    pub id: ID,
    pub reason: ReportReason,
    pub comment: Option<String>,
}

#[derive(SimpleObject)]
pub struct ReportPayload {
    /// Whether the report was recorded.
    pub reported: bool,
    pub user_errors: Vec<UserError>,
}

/// A moderation step: the action's name, and the status it moves a record from and to (`None`
/// when the record's status does not allow it).
#[derive(Clone, Copy)]
struct Step {
    action: &'static str,
    next: fn(DomainStatus) -> Option<DomainStatus>,
    /// How it closes the record's open reports.
    resolution: &'static str,
}

const APPROVE: Step = Step {
    action: "APPROVE",
    next: approve_next,
    resolution: "APPROVED",
};

const REJECT: Step = Step {
    action: "REJECT",
    next: reject_next,
    resolution: "REJECTED",
};

const REQUEST_CHANGES: Step = Step {
    action: "REQUEST_CHANGES",
    next: request_changes_next,
    resolution: "CHANGES_REQUESTED",
};

fn approve_next(status: DomainStatus) -> Option<DomainStatus> {
    match status {
        DomainStatus::Pending | DomainStatus::Draft | DomainStatus::Published => {
            Some(DomainStatus::Published)
        }
        _ => None,
    }
}

fn reject_next(status: DomainStatus) -> Option<DomainStatus> {
    match status {
        DomainStatus::Pending | DomainStatus::Draft | DomainStatus::Published => {
            Some(DomainStatus::Rejected)
        }
        _ => None,
    }
}

fn request_changes_next(status: DomainStatus) -> Option<DomainStatus> {
    (status == DomainStatus::Pending).then_some(DomainStatus::Draft)
}

/// Runs `$call::<R>(…)` for the record type of a global id's kind.
macro_rules! by_kind {
    ($kind:expr, $call:ident($($arg:expr),*), $otherwise:expr) => {
        match $kind {
            Kind::Organisation => $call::<domain::Organisation>($($arg),*).await,
            Kind::Project => $call::<domain::Project>($($arg),*).await,
            Kind::Grant => $call::<domain::Grant>($($arg),*).await,
            Kind::Event => $call::<domain::Event>($($arg),*).await,
            Kind::CaseStudy => $call::<domain::CaseStudy>($($arg),*).await,
            Kind::FundingOpportunity => $call::<domain::FundingOpportunity>($($arg),*).await,
            Kind::Support => $call::<domain::Support>($($arg),*).await,
            Kind::OrganisationLink => $call::<domain::OrganisationLink>($($arg),*).await,
            Kind::ImpactIndicator => $call::<domain::ImpactIndicator>($($arg),*).await,
            Kind::Partner | Kind::Proposal | Kind::WebhookEndpoint | Kind::WebhookDelivery => {
                $otherwise
            }
        }
    };
}

fn not_found() -> UserError {
    UserError::new("id", "no record with this id", "NOT_FOUND")
}

/// A moderator's comment: required, bounded.
fn comment(field: &str, text: &str) -> Result<String, Vec<UserError>> {
    let mut v = Validator::new();
    let checked = v.required_text(field, text, MAX_COMMENT_CHARS);
    match (checked, v.finish()) {
        (Some(text), Ok(())) => Ok(text),
        (_, Err(errors)) => Err(errors.into_iter().map(user_error).collect()),
        (None, Ok(())) => Err(vec![UserError::new(field, "required", "REQUIRED")]),
    }
}

fn moderated<R: Writable>(record: &R) -> ModeratedRecord {
    let meta = record.meta();
    ModeratedRecord {
        id: encode(R::KIND, meta.id),
        status: meta.status.into(),
        version: meta.version,
    }
}

/// The store's answer as a moderation payload.
fn answer<R: Writable>(
    result: Result<R, panorama_persistence::change::ChangeError>,
) -> Result<ModerationPayload, Error> {
    let payload = outcome(result)?;
    Ok(ModerationPayload::failed(payload.user_errors))
}

async fn moderate<R: Writable>(
    ctx: &Context<'_>,
    id: &ID,
    expected_version: Option<i32>,
    step: Step,
    comment: Option<String>,
) -> Result<ModerationPayload, Error> {
    let actor = &request(ctx)?.actor;
    let Some((current, _)) = writable::<R>(ctx, id).await? else {
        return Ok(ModerationPayload::failed(vec![not_found()]));
    };
    let status = current.meta().status;
    let Some(next) = (step.next)(status) else {
        return Ok(ModerationPayload::failed(vec![UserError::new(
            "id",
            format!("a {} record cannot take this step", status.code()),
            "INVALID",
        )]));
    };
    let author = author(actor);
    let action = Action {
        comment: comment.as_deref(),
        ..Action::new(step.action, &author)
    };
    let store = store(ctx)?;
    let result = store
        .change_record(current.meta().id, expected_version, &action, |mut r: R| {
            r.meta_mut().status = next;
            Ok(r)
        })
        .await;
    let record = match result {
        Ok(record) => record,
        Err(e) => return answer::<R>(Err(e)),
    };
    store
        .resolve_reports(record.meta().id, step.resolution, &author)
        .await
        .map_err(|e| store_error(&e))?;
    Ok(ModerationPayload::done(moderated(&record)))
}

async fn revert<R: Writable>(
    ctx: &Context<'_>,
    input: &RevertInput,
) -> Result<ModerationPayload, Error> {
    let actor = &request(ctx)?.actor;
    let Some((current, _)) = writable::<R>(ctx, &input.id).await? else {
        return Ok(ModerationPayload::failed(vec![not_found()]));
    };
    let author = author(actor);
    let result = store(ctx)?
        .revert_record::<R>(
            current.meta().id,
            input.version,
            input.expected_version,
            &Action::new("REVERT", &author),
        )
        .await;
    match result {
        Ok(record) => Ok(ModerationPayload::done(moderated(&record))),
        Err(e) => answer::<R>(Err(e)),
    }
}

async fn report<R: Writable>(
    ctx: &Context<'_>,
    input: &ReportInput,
    comment: Option<String>,
) -> Result<ReportPayload, Error> {
    let actor = &request(ctx)?.actor;
    let Some((current, _)) = writable::<R>(ctx, &input.id).await? else {
        return Ok(ReportPayload {
            reported: false,
            user_errors: vec![not_found()],
        });
    };
    store(ctx)?
        .report(
            R::TABLE,
            current.meta().id,
            input.reason.into(),
            comment,
            &author(actor),
        )
        .await
        .map_err(|e| store_error(&e))?;
    Ok(ReportPayload {
        reported: true,
        user_errors: Vec::new(),
    })
}

fn kind_of(id: &ID) -> Option<Kind> {
    decode(id).map(|(kind, _)| kind)
}

async fn moderate_any(
    ctx: &Context<'_>,
    id: &ID,
    expected_version: Option<i32>,
    step: Step,
    comment: Option<String>,
) -> Result<ModerationPayload, Error> {
    require(ctx, can_moderate)?;
    let Some(kind) = kind_of(id) else {
        return Ok(ModerationPayload::failed(vec![not_found()]));
    };
    if kind == Kind::Proposal {
        return decide_proposal(ctx, id, step, comment).await;
    }
    by_kind!(
        kind,
        moderate(ctx, id, expected_version, step, comment.clone()),
        Ok(ModerationPayload::failed(vec![not_found()]))
    )
}

/// A moderation step that needs the moderator's words (`field`, `text`): checked first.
async fn moderate_commented(
    ctx: &Context<'_>,
    id: &ID,
    expected_version: Option<i32>,
    step: Step,
    (field, text): (&str, &str),
) -> Result<ModerationPayload, Error> {
    require(ctx, can_moderate)?;
    match comment(field, text) {
        Ok(text) => moderate_any(ctx, id, expected_version, step, Some(text)).await,
        Err(errors) => Ok(ModerationPayload::failed(errors)),
    }
}

/// Approves or rejects a proposed change (a proposal is not sent back for changes: its author
/// proposes again).
async fn decide_proposal(
    ctx: &Context<'_>,
    id: &ID,
    step: Step,
    reason: Option<String>,
) -> Result<ModerationPayload, Error> {
    let store = store(ctx)?;
    let found = match decode_kind(id, Kind::Proposal) {
        Some(id) => store.proposal(id).await.map_err(|e| store_error(&e))?,
        None => None,
    };
    let Some(proposal) = found else {
        return Ok(ModerationPayload::failed(vec![not_found()]));
    };
    let undecidable = |message: &str| {
        Ok(ModerationPayload::failed(vec![UserError::new(
            "id", message, "INVALID",
        )]))
    };
    if proposal.status != ProposalStatus::Pending {
        return undecidable("this proposal has been decided already");
    }
    let Some(kind) = Kind::of_table(&proposal.record_type) else {
        return Ok(ModerationPayload::failed(vec![not_found()]));
    };
    let author = author(&request(ctx)?.actor);
    let mut payload = match step.action {
        "APPROVE" => by_kind!(
            kind,
            approve_proposal(ctx, &proposal, &author),
            Ok(ModerationPayload::failed(vec![not_found()]))
        )?,
        "REJECT" => {
            let reason = reason.unwrap_or_default();
            store
                .reject_proposal(&proposal, &author, &reason)
                .await
                .map_err(|e| store_error(&e))?;
            ModerationPayload::failed(Vec::new())
        }
        _ => return undecidable("a proposal is approved or rejected"),
    };
    if payload.user_errors.is_empty() {
        payload.proposal = store
            .proposal(proposal.id)
            .await
            .map_err(|e| store_error(&e))?
            .map(Proposal);
    }
    Ok(payload)
}

async fn approve_proposal<R: Writable>(
    ctx: &Context<'_>,
    proposal: &StoredProposal,
    moderator: &panorama_persistence::history::Author,
) -> Result<ModerationPayload, Error> {
    match store(ctx)?.approve_proposal::<R>(proposal, moderator).await {
        Ok(record) => Ok(ModerationPayload::done(moderated(&record))),
        Err(e) => answer::<R>(Err(e)),
    }
}

#[derive(Default)]
pub struct ModerationMutation;

#[Object]
impl ModerationMutation {
    /// Publishes a record that waits for review (moderators). On a published record, dismisses
    /// its reports. Given a proposal's id, applies the proposed change.
    async fn approve(
        &self,
        ctx: &Context<'_>,
        input: ApproveInput,
    ) -> Result<ModerationPayload, Error> {
        moderate_any(ctx, &input.id, input.expected_version, APPROVE, None).await
    }

    /// Rejects a record (moderators): it leaves public view; the reason is in its history.
    /// Given a proposal's id, rejects the proposed change and leaves the record alone.
    async fn reject(
        &self,
        ctx: &Context<'_>,
        input: RejectInput,
    ) -> Result<ModerationPayload, Error> {
        let reason = ("reason", input.reason.as_str());
        moderate_commented(ctx, &input.id, input.expected_version, REJECT, reason).await
    }

    /// Sends a pending record back to its author as a DRAFT with what to change (moderators);
    /// the author's next update submits it again.
    async fn request_changes(
        &self,
        ctx: &Context<'_>,
        input: RequestChangesInput,
    ) -> Result<ModerationPayload, Error> {
        let text = ("comment", input.comment.as_str());
        moderate_commented(
            ctx,
            &input.id,
            input.expected_version,
            REQUEST_CHANGES,
            text,
        )
        .await
    }

    /// Sets a record's fields back to their values at an earlier version, as a new change
    /// (moderators). Its status stays as it is.
    async fn revert(
        &self,
        ctx: &Context<'_>,
        input: RevertInput,
    ) -> Result<ModerationPayload, Error> {
        require(ctx, can_moderate)?;
        let Some(kind) = kind_of(&input.id) else {
            return Ok(ModerationPayload::failed(vec![not_found()]));
        };
        by_kind!(
            kind,
            revert(ctx, &input),
            Ok(ModerationPayload::failed(vec![not_found()]))
        )
    }

    /// Reports a record as spam, wrong or a duplicate, for moderators to look at (anyone
    /// signed in).
    async fn report(&self, ctx: &Context<'_>, input: ReportInput) -> Result<ReportPayload, Error> {
        require(ctx, |actor| !matches!(actor, Actor::Anonymous))?;
        let mut v = Validator::new();
        let comment = v.optional_text("comment", input.comment.as_deref(), MAX_COMMENT_CHARS);
        if let Err(errors) = v.finish() {
            return Ok(ReportPayload {
                reported: false,
                user_errors: errors.into_iter().map(user_error).collect(),
            });
        }
        let Some(kind) = kind_of(&input.id) else {
            return Ok(ReportPayload {
                reported: false,
                user_errors: vec![not_found()],
            });
        };
        by_kind!(
            kind,
            report(ctx, &input, comment.clone()),
            Ok(ReportPayload {
                reported: false,
                user_errors: vec![not_found()],
            })
        )
    }
}
