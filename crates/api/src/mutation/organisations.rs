//! Creating and changing organisations. Every mutation takes one `input` and returns the record
//! with `userErrors`; a mutation with user errors writes nothing.

use async_graphql::{Context, Error, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::NaiveDate;
use panorama_domain::changes::{OrganisationChanges, Patch};
use panorama_domain::model::{LegalIdentifier, RecordStatus};
use panorama_domain::policy::{
    Actor, RecordFacts, WriteDecision, ecosystem_create, ecosystem_write,
};
use panorama_domain::validation::{FieldError, SchemeList};
use panorama_persistence::StoreError;
use panorama_persistence::history::Author;
use panorama_persistence::organisations::ChangeError;

use crate::error::{forbidden, store_error, unauthenticated};
use crate::ids::{Kind, decode_kind};
use crate::inputs::GeoPointInput;
use crate::types::*;

#[derive(InputObject, Clone, Debug)]
pub struct LegalIdentifierInput {
    /// An org-id.guide list code, e.g. `GB-CHC`, `FR-RCS`, `XI-WIKIDATA`.
    pub scheme: String,
    pub value: String,
}

/// The fields of an organisation. In an update, a field left out is unchanged and a field set
/// to null is cleared.
#[derive(InputObject, Clone, Debug, Default)]
pub struct OrganisationFieldsInput {
    pub name: MaybeUndefined<String>,
    pub short_description: MaybeUndefined<String>,
    pub description: MaybeUndefined<String>,
    pub website: MaybeUndefined<String>,
    pub other_links: MaybeUndefined<Vec<String>>,
    pub logo_url: MaybeUndefined<String>,
    /// An ORGANISATION_TYPE code.
    pub organisation_type: MaybeUndefined<String>,
    /// An ORGANISATION_SIZE code.
    pub size: MaybeUndefined<String>,
    pub founded_on: MaybeUndefined<NaiveDate>,
    pub legal_identifiers: MaybeUndefined<Vec<LegalIdentifierInput>>,
    pub address: MaybeUndefined<String>,
    pub city: MaybeUndefined<String>,
    pub region: MaybeUndefined<String>,
    /// ISO 3166-1 alpha-2.
    pub country: MaybeUndefined<String>,
    pub location: MaybeUndefined<GeoPointInput>,
    pub focus: MaybeUndefined<Vec<String>>,
    pub technologies: MaybeUndefined<Vec<String>>,
    pub impact_areas: MaybeUndefined<Vec<String>>,
    pub roles: MaybeUndefined<Vec<String>>,
    pub network_memberships: MaybeUndefined<Vec<String>>,
    pub tags: MaybeUndefined<Vec<String>>,
}

fn patch<T: Clone, U>(value: &MaybeUndefined<T>, map: impl FnOnce(T) -> U) -> Patch<U> {
    match value {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(v) => Patch::Set(map(v.clone())),
    }
}

fn identity<T>(value: T) -> T {
    value
}

impl OrganisationFieldsInput {
    fn changes(&self) -> OrganisationChanges {
        OrganisationChanges {
            name: patch(&self.name, identity),
            short_description: patch(&self.short_description, identity),
            description: patch(&self.description, identity),
            website: patch(&self.website, identity),
            other_links: patch(&self.other_links, identity),
            logo_url: patch(&self.logo_url, identity),
            organisation_type: patch(&self.organisation_type, identity),
            size: patch(&self.size, identity),
            founded_on: patch(&self.founded_on, identity),
            legal_identifiers: patch(&self.legal_identifiers, |ids| {
                ids.into_iter()
                    .map(|l| LegalIdentifier {
                        scheme: l.scheme,
                        value: l.value,
                    })
                    .collect()
            }),
            address: patch(&self.address, identity),
            city: patch(&self.city, identity),
            region: patch(&self.region, identity),
            country: patch(&self.country, identity),
            location: patch(&self.location, |p| (p.latitude, p.longitude)),
            focus: patch(&self.focus, identity),
            technologies: patch(&self.technologies, identity),
            impact_areas: patch(&self.impact_areas, identity),
            roles: patch(&self.roles, identity),
            network_memberships: patch(&self.network_memberships, identity),
            tags: patch(&self.tags, identity),
        }
    }
}

#[derive(InputObject)]
pub struct CreateOrganisationInput {
    #[graphql(flatten)]
    pub fields: OrganisationFieldsInput,
}

#[derive(InputObject)]
pub struct UpdateOrganisationInput {
    pub id: ID,
    /// The version this change is based on; if the record has moved on, nothing is written and
    /// the error says its current version.
    pub expected_version: Option<i32>,
    #[graphql(flatten)]
    pub fields: OrganisationFieldsInput,
}

#[derive(SimpleObject)]
pub struct OrganisationPayload {
    pub organisation: Option<Organisation>,
    pub user_errors: Vec<UserError>,
}

impl OrganisationPayload {
    fn done(organisation: panorama_domain::Organisation) -> Self {
        Self {
            organisation: Some(Organisation(organisation)),
            user_errors: Vec::new(),
        }
    }

    fn failed(user_errors: Vec<UserError>) -> Self {
        Self {
            organisation: None,
            user_errors,
        }
    }
}

/// A domain field error as a user error, its path split into segments.
fn user_error(error: FieldError) -> UserError {
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

fn author(actor: &Actor) -> Author {
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

fn refuse(actor: &Actor) -> Error {
    if matches!(actor, Actor::Anonymous) {
        unauthenticated()
    } else {
        forbidden()
    }
}

#[derive(Default)]
pub struct OrganisationMutation;

#[Object]
impl OrganisationMutation {
    /// Adds an organisation: published at once for a trusted partner or a moderator, otherwise
    /// pending review (and visible to its author).
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganisationInput,
    ) -> Result<OrganisationPayload, Error> {
        let actor = &request(ctx)?.actor;
        let status = match ecosystem_create(actor) {
            WriteDecision::Publish => RecordStatus::Published,
            WriteDecision::Propose => RecordStatus::Pending,
            WriteDecision::Deny => return Err(refuse(actor)),
        };
        let owner = match actor {
            Actor::Caller(caller) => caller.partner.as_ref().map(|p| p.id),
            _ => None,
        };
        let changes = input.fields.changes();
        let schemes = SchemeList::fallback();
        let created = store(ctx)?
            .create_organisation(status, owner, &author(actor), |blank| {
                changes.apply(blank, &schemes)
            })
            .await;
        match created {
            Ok(organisation) => Ok(OrganisationPayload::done(organisation)),
            Err(ChangeError::Invalid(errors)) => Ok(OrganisationPayload::failed(
                errors.into_iter().map(user_error).collect(),
            )),
            Err(ChangeError::Store(e)) => Err(store_error(&e)),
        }
    }

    /// Changes the fields the input names. Owners that publish directly (trusted partners),
    /// moderators and admins change published records; others may change their own pending
    /// submissions (review of proposed changes to published records comes with moderation).
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganisationInput,
    ) -> Result<OrganisationPayload, Error> {
        let changes = input.fields.changes();
        let schemes = SchemeList::fallback();
        change(ctx, &input.id, input.expected_version, "UPDATE", |o| {
            changes.apply(o, &schemes)
        })
        .await
    }

    /// Withdraws an organisation from view (status ARCHIVED); `restoreOrganisation` brings it
    /// back.
    async fn archive_organisation(
        &self,
        ctx: &Context<'_>,
        input: RecordVersionInput,
    ) -> Result<OrganisationPayload, Error> {
        change(
            ctx,
            &input.id,
            input.expected_version,
            "ARCHIVE",
            |mut o| {
                o.meta.status = RecordStatus::Archived;
                Ok(o)
            },
        )
        .await
    }

    /// Brings an archived organisation back: published again if the caller publishes, pending
    /// review otherwise.
    async fn restore_organisation(
        &self,
        ctx: &Context<'_>,
        input: RecordVersionInput,
    ) -> Result<OrganisationPayload, Error> {
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
            move |mut o| {
                if o.meta.status == RecordStatus::Archived {
                    o.meta.status = status;
                }
                Ok(o)
            },
        )
        .await
    }
}

/// A record named by id, with the version a change is based on.
#[derive(InputObject)]
pub struct RecordVersionInput {
    pub id: ID,
    pub expected_version: Option<i32>,
}

/// Checks that the caller may change the organisation (as absent as a missing one if it may
/// not see it), then applies `apply` to its current state with its revision.
async fn change(
    ctx: &Context<'_>,
    id: &ID,
    expected_version: Option<i32>,
    action: &'static str,
    apply: impl Fn(
        panorama_domain::Organisation,
    ) -> Result<panorama_domain::Organisation, Vec<FieldError>>,
) -> Result<OrganisationPayload, Error> {
    let actor = &request(ctx)?.actor;
    let not_found = || {
        OrganisationPayload::failed(vec![UserError::new(
            "id",
            "no organisation with this id",
            "NOT_FOUND",
        )])
    };
    let Some(id) = decode_kind(id, Kind::Organisation) else {
        return Ok(not_found());
    };
    let store = store(ctx)?;
    let Some(current) = store
        .organisation_for_change(id)
        .await
        .map_err(|e| store_error(&e))?
    else {
        return Ok(not_found());
    };
    if !request(ctx)?
        .scope()
        .allows(current.meta.status, current.meta.owner_partner, Some(id))
    {
        return Ok(not_found());
    }
    let facts = RecordFacts {
        status: Some(current.meta.status),
        owner_partner: current.meta.owner_partner,
        organisations: vec![id],
        funder: None,
    };
    let trusted =
        matches!(actor, Actor::Caller(c) if c.partner.as_ref().is_some_and(|p| p.trusted));
    match ecosystem_write(actor, &facts, trusted) {
        WriteDecision::Publish => {}
        WriteDecision::Propose if current.meta.status != RecordStatus::Published => {}
        WriteDecision::Propose | WriteDecision::Deny => return Err(refuse(actor)),
    }
    match store
        .change_organisation(id, expected_version, action, &author(actor), apply)
        .await
    {
        Ok(organisation) => Ok(OrganisationPayload::done(organisation)),
        Err(ChangeError::Invalid(errors)) => Ok(OrganisationPayload::failed(
            errors.into_iter().map(user_error).collect(),
        )),
        Err(ChangeError::Store(StoreError::StaleVersion { current })) => {
            Ok(OrganisationPayload::failed(vec![UserError::new(
                "expectedVersion",
                format!(
                    "the organisation is at version {current}; read it again and reapply the change"
                ),
                "STALE_VERSION",
            )]))
        }
        Err(ChangeError::Store(StoreError::NotFound(_))) => Ok(not_found()),
        Err(ChangeError::Store(e)) => Err(store_error(&e)),
    }
}
