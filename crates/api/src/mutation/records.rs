//! The write path every record type shares: who may write what, turning inputs into domain
//! changes, and turning the store's answer into a payload of `{ record, userErrors }`.

use std::future::Future;

use async_graphql::{Context, Error, ID, InputObject, MaybeUndefined, OutputType, SimpleObject};
use panorama_domain::changes::Patch;
use panorama_domain::model::{RecordMeta, RecordStatus, Source};
use panorama_domain::policy::{
    Actor, RecordFacts, WriteDecision, ecosystem_create, ecosystem_write,
};
use panorama_domain::validation::FieldError;
use panorama_persistence::change::ChangeError;
use panorama_persistence::history::{Action, Author};
use panorama_persistence::record::StoredRecord;
use panorama_persistence::{Store, StoreError};
use uuid::Uuid;

use crate::error::{forbidden, store_error, unauthenticated};
use crate::ids::{Kind, decode_kind};
use crate::types::*;

/// What a mutation returns: the record as it is afterwards (null when nothing was written),
/// and what was wrong with the input.
#[derive(SimpleObject)]
#[graphql(concrete(name = "OrganisationPayload", params(Organisation)))]
#[graphql(concrete(name = "ProjectPayload", params(Project)))]
#[graphql(concrete(name = "GrantPayload", params(Grant)))]
#[graphql(concrete(name = "SupportPayload", params(Support)))]
#[graphql(concrete(name = "OrganisationLinkPayload", params(OrganisationLink)))]
#[graphql(concrete(name = "EventPayload", params(Event)))]
#[graphql(concrete(name = "CaseStudyPayload", params(CaseStudy)))]
#[graphql(concrete(name = "FundingOpportunityPayload", params(FundingOpportunity)))]
#[graphql(concrete(name = "ImpactIndicatorPayload", params(ImpactIndicator)))]
pub struct Payload<T: OutputType> {
    pub record: Option<T>,
    pub user_errors: Vec<UserError>,
    /// When the caller may only propose changes to this published record: the proposal that
    /// now waits for a moderator (the record is unchanged until it is approved).
    pub proposal: Option<Proposal>,
}

impl<T: OutputType> Payload<T> {
    pub fn done(record: T) -> Self {
        Self {
            record: Some(record),
            user_errors: Vec::new(),
            proposal: None,
        }
    }

    pub fn failed(user_errors: Vec<UserError>) -> Self {
        Self {
            record: None,
            user_errors,
            proposal: None,
        }
    }
}

/// A record named by id, with the version a change is based on.
#[derive(InputObject)]
pub struct RecordVersionInput {
    pub id: ID,
    /// The version this change is based on; if the record has moved on, nothing is written
    /// and the error says its current version.
    pub expected_version: Option<i32>,
}

/// A record type as the API writes it.
pub trait Writable: StoredRecord {
    /// Its GraphQL object.
    type Object: OutputType;
    const KIND: Kind;
    /// How messages name it: "organisation", "grant"…
    const NAME: &'static str;

    fn object(self) -> Self::Object;

    /// What the access policy decides on: owner, status, the organisations it belongs to.
    fn facts(&self, store: &Store) -> impl Future<Output = Result<RecordFacts, Error>> + Send;

    /// Whether the actor may add some record of this type at all, before its input is read.
    fn may_try_create(actor: &Actor) -> bool {
        ecosystem_create(actor) != WriteDecision::Deny
    }

    /// Whether the actor may add this record, and whether it is published at once.
    fn create_decision(actor: &Actor, _facts: &RecordFacts) -> WriteDecision {
        ecosystem_create(actor)
    }

    /// Whether the actor may change this record, and whether the change is published at once.
    fn write_decision(actor: &Actor, facts: &RecordFacts) -> WriteDecision {
        ecosystem_write(actor, facts, trusted(actor))
    }
}

pub fn trusted(actor: &Actor) -> bool {
    matches!(actor, Actor::Caller(c) if c.partner.as_ref().is_some_and(|p| p.trusted))
}

/// A field of an input as a domain patch: left out → keep, null → clear.
pub fn patch<T: Clone, U>(value: &MaybeUndefined<T>, map: impl FnOnce(T) -> U) -> Patch<U> {
    match value {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(v) => Patch::Set(map(v.clone())),
    }
}

pub fn same<T>(value: T) -> T {
    value
}

/// Decodes the global ids an input names, collecting a user error for each that is not an id
/// of the kind its field wants.
#[derive(Default)]
pub struct Ids {
    pub errors: Vec<UserError>,
}

impl Ids {
    pub fn one(&mut self, field: &str, id: &ID, kind: Kind) -> Uuid {
        decode_kind(id, kind).unwrap_or_else(|| {
            self.errors.push(UserError::new(
                field,
                format!("not the id of a {}", kind_name(kind)),
                "NOT_FOUND",
            ));
            Uuid::nil()
        })
    }

    pub fn patch(&mut self, field: &str, id: &MaybeUndefined<ID>, kind: Kind) -> Patch<Uuid> {
        match id {
            MaybeUndefined::Undefined => Patch::Keep,
            MaybeUndefined::Null => Patch::Clear,
            MaybeUndefined::Value(id) => Patch::Set(self.one(field, id, kind)),
        }
    }

    pub fn list(
        &mut self,
        field: &str,
        ids: &MaybeUndefined<Vec<ID>>,
        kind: Kind,
    ) -> Patch<Vec<Uuid>> {
        match ids {
            MaybeUndefined::Undefined => Patch::Keep,
            MaybeUndefined::Null => Patch::Clear,
            MaybeUndefined::Value(ids) => Patch::Set(
                ids.iter()
                    .enumerate()
                    .map(|(i, id)| self.one(&format!("{field}.{i}"), id, kind))
                    .collect(),
            ),
        }
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Organisation => "organisation",
        Kind::Project => "project",
        Kind::Grant => "grant",
        Kind::Event => "event",
        Kind::CaseStudy => "case study",
        Kind::FundingOpportunity => "funding opportunity",
        Kind::Support => "support",
        Kind::OrganisationLink => "organisation link",
        Kind::ImpactIndicator => "impact indicator",
        Kind::Partner => "partner",
        Kind::Proposal => "proposal",
        Kind::WebhookEndpoint => "webhook endpoint",
        Kind::WebhookDelivery => "webhook delivery",
    }
}

/// A domain field error as a user error, its path split into segments.
pub fn user_error(error: FieldError) -> UserError {
    let mut field = vec!["input".to_owned()];
    field.extend(
        error
            .field
            .split(['.', '[', ']'])
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
    );
    UserError {
        field,
        message: error.message,
        code: error.code.code().to_owned(),
    }
}

pub fn author(actor: &Actor) -> Author {
    match actor {
        Actor::Caller(caller) => Author {
            subject: caller.subject.clone(),
            partner: caller.partner.as_ref().map(|p| p.id),
        },
        _ => Author {
            subject: "system".to_owned(),
            partner: None,
        },
    }
}

/// The error for a caller who may not do something: sign in first, or not at all.
pub fn refuse(actor: &Actor) -> Error {
    if matches!(actor, Actor::Anonymous) {
        unauthenticated()
    } else {
        forbidden()
    }
}

fn not_found<R: Writable>() -> UserError {
    UserError::new("id", format!("no {} with this id", R::NAME), "NOT_FOUND")
}

/// The store's answer to a write as a payload: input problems become user errors, a stale
/// version says the current one, anything else is a top-level error.
pub fn outcome<R: Writable>(result: Result<R, ChangeError>) -> Result<Payload<R::Object>, Error> {
    match result {
        Ok(record) => Ok(Payload::done(record.object())),
        Err(ChangeError::Invalid(errors)) => Ok(Payload::failed(
            errors.into_iter().map(user_error).collect(),
        )),
        Err(ChangeError::Store(StoreError::StaleVersion { current })) => {
            Ok(Payload::failed(vec![UserError::new(
                "expectedVersion",
                format!(
                    "the {} is at version {current}; read it again and reapply the change",
                    R::NAME
                ),
                "STALE_VERSION",
            )]))
        }
        Err(ChangeError::Store(StoreError::NotFound(_))) => {
            Ok(Payload::failed(vec![not_found::<R>()]))
        }
        Err(ChangeError::Store(e)) => Err(store_error(&e)),
    }
}

/// Adds a record built by `build` from its metadata: published at once for those who publish,
/// otherwise pending review (and visible to its author). Input errors (from the ids, from
/// `build`, from the store) come back as user errors and nothing is written.
pub async fn create<R: Writable>(
    ctx: &Context<'_>,
    id_errors: Vec<UserError>,
    build: impl FnOnce(RecordMeta) -> Result<R, Vec<FieldError>>,
) -> Result<Payload<R::Object>, Error> {
    let actor = &request(ctx)?.actor;
    if !R::may_try_create(actor) {
        return Err(refuse(actor));
    }
    if !id_errors.is_empty() {
        return Ok(Payload::failed(id_errors));
    }
    let mut meta = RecordMeta::new(RecordStatus::Pending, Source::Web);
    if let Actor::Caller(caller) = actor {
        meta.owner_partner = caller.partner.as_ref().map(|p| p.id);
        meta.created_by = Some(caller.subject.clone());
    }
    let record = match build(meta) {
        Ok(record) => record,
        Err(errors) => {
            return Ok(Payload::failed(
                errors.into_iter().map(user_error).collect(),
            ));
        }
    };
    let store = store(ctx)?;
    let facts = record.facts(store).await?;
    let mut record = record;
    record.meta_mut().status = match R::create_decision(actor, &facts) {
        WriteDecision::Publish => RecordStatus::Published,
        WriteDecision::Propose => RecordStatus::Pending,
        WriteDecision::Deny => return Err(refuse(actor)),
    };
    let author = author(actor);
    outcome(
        store
            .create_record(record, &Action::new("CREATE", &author))
            .await,
    )
}

/// The record an input names, if the caller may see it, with whether the caller may change it.
pub(crate) async fn writable<R: Writable>(
    ctx: &Context<'_>,
    id: &ID,
) -> Result<Option<(R, WriteDecision)>, Error> {
    let request = request(ctx)?;
    let Some(id) = decode_kind(id, R::KIND) else {
        return Ok(None);
    };
    let store = store(ctx)?;
    let Some(current) = store
        .record_for_change::<R>(id)
        .await
        .map_err(|e| store_error(&e))?
    else {
        return Ok(None);
    };
    let meta = current.meta();
    let facts = current.facts(store).await?;
    // The read rule: members see their organisations and the projects they take part in.
    let scope = request.scope();
    let through_organisation = matches!(R::KIND, Kind::Organisation | Kind::Project)
        && facts
            .organisations
            .iter()
            .any(|o| scope.allows(meta.status, meta.owner_partner, None, Some(*o)));
    let created_by = meta.created_by.as_deref();
    if !through_organisation && !scope.allows(meta.status, meta.owner_partner, created_by, None) {
        return Ok(None);
    }
    let decision = R::write_decision(&request.actor, &facts);
    Ok(Some((current, decision)))
}

/// The record an input names, if the caller may see it (`None` otherwise, as if it did not
/// exist), refusing callers who may not change it now: proposers may change what is not yet
/// published; changes to published records wait for the review workflow.
pub async fn writable_directly<R: Writable>(
    ctx: &Context<'_>,
    id: &ID,
) -> Result<Option<(R, WriteDecision)>, Error> {
    let Some((current, decision)) = writable::<R>(ctx, id).await? else {
        return Ok(None);
    };
    match decision {
        WriteDecision::Publish => {}
        WriteDecision::Propose if current.meta().status != RecordStatus::Published => {}
        WriteDecision::Propose | WriteDecision::Deny => {
            return Err(refuse(&request(ctx)?.actor));
        }
    }
    Ok(Some((current, decision)))
}

/// Checks that the caller may change the record, then applies `apply` to its current state
/// with its revision. An update by someone who may only propose changes to a published record
/// is kept as a proposal for moderators instead.
pub async fn change<R: Writable>(
    ctx: &Context<'_>,
    id: &ID,
    expected_version: Option<i32>,
    action: &'static str,
    id_errors: Vec<UserError>,
    apply: impl Fn(R) -> Result<R, Vec<FieldError>>,
) -> Result<Payload<R::Object>, Error> {
    let actor = &request(ctx)?.actor;
    let Some((current, decision)) = writable::<R>(ctx, id).await? else {
        return Ok(Payload::failed(vec![not_found::<R>()]));
    };
    let published = current.meta().status == RecordStatus::Published;
    let propose = match decision {
        WriteDecision::Publish => false,
        WriteDecision::Propose if !published => false,
        // Proposers' updates of published records wait for review; other steps are refused.
        WriteDecision::Propose if action == "UPDATE" => true,
        WriteDecision::Propose | WriteDecision::Deny => return Err(refuse(actor)),
    };
    if !id_errors.is_empty() {
        return Ok(Payload::failed(id_errors));
    }
    if propose {
        return proposal(ctx, current, expected_version, apply).await;
    }
    // A proposer's update of a draft sent back for changes submits it for review again.
    let resubmit = action == "UPDATE"
        && decision == WriteDecision::Propose
        && current.meta().status == RecordStatus::Draft;
    let author = author(actor);
    let action = Action::new(action, &author);
    let id = current.meta().id;
    let apply = |record: R| {
        let mut changed = apply(record)?;
        if resubmit {
            changed.meta_mut().status = RecordStatus::Pending;
        }
        Ok(changed)
    };
    outcome(
        store(ctx)?
            .change_record(id, expected_version, &action, apply)
            .await,
    )
}

/// Withdraws a record from view (status ARCHIVED).
pub async fn archive<R: Writable>(
    ctx: &Context<'_>,
    input: RecordVersionInput,
) -> Result<Payload<R::Object>, Error> {
    change(
        ctx,
        &input.id,
        input.expected_version,
        "ARCHIVE",
        Vec::new(),
        |mut r: R| {
            r.meta_mut().status = RecordStatus::Archived;
            Ok(r)
        },
    )
    .await
}

/// Brings an archived record back: published again if the caller publishes, pending review
/// otherwise.
pub async fn restore<R: Writable>(
    ctx: &Context<'_>,
    input: RecordVersionInput,
) -> Result<Payload<R::Object>, Error> {
    let actor = &request(ctx)?.actor;
    let status = match ecosystem_create(actor) {
        WriteDecision::Publish => RecordStatus::Published,
        _ => RecordStatus::Pending,
    };
    change(
        ctx,
        &input.id,
        input.expected_version,
        "RESTORE",
        Vec::new(),
        move |mut r: R| {
            if r.meta().status == RecordStatus::Archived {
                r.meta_mut().status = status;
            }
            Ok(r)
        },
    )
    .await
}

/// Deletes a record for good (a grant, a support, a link, an indicator), keeping what it was
/// in its history. Only those who may change it directly may remove it.
pub async fn remove<R: Writable>(
    ctx: &Context<'_>,
    input: RecordVersionInput,
) -> Result<Payload<R::Object>, Error> {
    let actor = &request(ctx)?.actor;
    let Some((current, _)) = writable_directly::<R>(ctx, &input.id).await? else {
        return Ok(Payload::failed(vec![not_found::<R>()]));
    };
    let author = author(actor);
    let id = current.meta().id;
    outcome(
        store(ctx)?
            .remove_record::<R>(id, input.expected_version, &Action::new("REMOVE", &author))
            .await,
    )
}

/// A domain change-set that can make a new record or change an existing one.
pub trait RecordChanges: Send + Sync {
    type Record: Writable;

    fn create(&self, meta: RecordMeta) -> Result<Self::Record, Vec<FieldError>>;

    fn apply(&self, record: Self::Record) -> Result<Self::Record, Vec<FieldError>>;
}

macro_rules! record_changes {
    ($($changes:ty => $record:ty),+ $(,)?) => {$(
        impl RecordChanges for $changes {
            type Record = $record;

            fn create(&self, meta: RecordMeta) -> Result<$record, Vec<FieldError>> {
                <$changes>::create(self, meta)
            }

            fn apply(&self, record: $record) -> Result<$record, Vec<FieldError>> {
                <$changes>::apply(self, record)
            }
        }
    )+};
}

use panorama_domain::changes as domain_changes;

record_changes! {
    domain_changes::ProjectChanges => panorama_domain::Project,
    domain_changes::GrantChanges => panorama_domain::Grant,
    domain_changes::SupportChanges => panorama_domain::Support,
    domain_changes::OrganisationLinkChanges => panorama_domain::OrganisationLink,
    domain_changes::EventChanges => panorama_domain::Event,
    domain_changes::CaseStudyChanges => panorama_domain::CaseStudy,
    domain_changes::FundingOpportunityChanges => panorama_domain::FundingOpportunity,
    domain_changes::ImpactIndicatorChanges => panorama_domain::ImpactIndicator,
}

/// The fields input of a record type, as a domain change-set.
pub trait FieldsInput {
    type Changes: RecordChanges;

    /// The change-set; ids that are not ids of the right kind are collected in `ids`.
    fn changes(&self, ctx: &Context<'_>, ids: &mut Ids) -> Self::Changes;
}

/// `create…`, `update…`, `archive…` and `restore…` for one record type, from its create and
/// update inputs (the update input has `id`, `expectedVersion` and the flattened fields).
macro_rules! record_mutations {
    ($object:ident, $record:ty, $create_input:ty, $update_input:ty,
     $create:ident, $update:ident, $archive:ident, $restore:ident) => {
        #[derive(Default)]
        pub struct $object;

        #[async_graphql::Object]
        impl $object {
            /// Adds one: published at once for a trusted partner or a moderator, otherwise
            /// pending review (and visible to its author).
            async fn $create(
                &self,
                ctx: &async_graphql::Context<'_>,
                input: $create_input,
            ) -> async_graphql::Result<
                $crate::mutation::records::Payload<
                    <$record as $crate::mutation::records::Writable>::Object,
                >,
            > {
                use $crate::mutation::records::{FieldsInput, RecordChanges};
                let mut ids = $crate::mutation::records::Ids::default();
                let changes = input.fields.changes(ctx, &mut ids);
                $crate::mutation::records::create(ctx, ids.errors, |meta| {
                    RecordChanges::create(&changes, meta)
                })
                .await
            }

            /// Changes the fields the input names: a field left out is unchanged, a field set
            /// to null is cleared. Those who publish change published records; others change
            /// their own submissions while they wait for review.
            async fn $update(
                &self,
                ctx: &async_graphql::Context<'_>,
                input: $update_input,
            ) -> async_graphql::Result<
                $crate::mutation::records::Payload<
                    <$record as $crate::mutation::records::Writable>::Object,
                >,
            > {
                use $crate::mutation::records::{FieldsInput, RecordChanges};
                let mut ids = $crate::mutation::records::Ids::default();
                let changes = input.fields.changes(ctx, &mut ids);
                $crate::mutation::records::change(
                    ctx,
                    &input.id,
                    input.expected_version,
                    "UPDATE",
                    ids.errors,
                    |record: $record| RecordChanges::apply(&changes, record),
                )
                .await
            }

            /// Withdraws it from view (status ARCHIVED); the restore mutation brings it back.
            async fn $archive(
                &self,
                ctx: &async_graphql::Context<'_>,
                input: $crate::mutation::records::RecordVersionInput,
            ) -> async_graphql::Result<
                $crate::mutation::records::Payload<
                    <$record as $crate::mutation::records::Writable>::Object,
                >,
            > {
                $crate::mutation::records::archive::<$record>(ctx, input).await
            }

            /// Brings an archived one back: published if the caller publishes, else pending.
            async fn $restore(
                &self,
                ctx: &async_graphql::Context<'_>,
                input: $crate::mutation::records::RecordVersionInput,
            ) -> async_graphql::Result<
                $crate::mutation::records::Payload<
                    <$record as $crate::mutation::records::Writable>::Object,
                >,
            > {
                $crate::mutation::records::restore::<$record>(ctx, input).await
            }
        }
    };
}

/// The update input of a record type: its id, the version the change is based on, and its
/// fields flattened.
macro_rules! update_input {
    ($name:ident, $fields:ty) => {
        #[derive(async_graphql::InputObject)]
        pub struct $name {
            pub id: async_graphql::ID,
            /// The version this change is based on; if the record has moved on, nothing is
            /// written and the error says its current version.
            pub expected_version: Option<i32>,
            #[graphql(flatten)]
            pub fields: $fields,
        }
    };
}

/// The create input of a record type: its fields flattened.
macro_rules! create_input {
    ($name:ident, $fields:ty) => {
        #[derive(async_graphql::InputObject)]
        pub struct $name {
            #[graphql(flatten)]
            pub fields: $fields,
        }
    };
}

/// The facts of a record for the policy.
pub fn facts(meta: &RecordMeta, organisations: Vec<Uuid>, funder: Option<Uuid>) -> RecordFacts {
    RecordFacts {
        status: Some(meta.status),
        owner_partner: meta.owner_partner,
        organisations,
        funder,
        created_by: meta.created_by.clone(),
    }
}

/// Keeps a proposer's update of a published record as a proposal: checked now, applied when a
/// moderator approves it.
async fn proposal<R: Writable>(
    ctx: &Context<'_>,
    current: R,
    expected_version: Option<i32>,
    apply: impl Fn(R) -> Result<R, Vec<FieldError>>,
) -> Result<Payload<R::Object>, Error> {
    let author = author(&request(ctx)?.actor);
    let id = current.meta().id;
    match store(ctx)?
        .propose_change(id, expected_version, &author, apply)
        .await
    {
        Ok(proposal) => Ok(Payload {
            record: Some(current.object()),
            user_errors: Vec::new(),
            proposal: proposal.map(Proposal),
        }),
        Err(e) => outcome::<R>(Err(e)),
    }
}
