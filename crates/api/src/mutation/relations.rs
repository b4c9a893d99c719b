//! Support between organisations and projects, and direct links between organisations.

use async_graphql::{Context, Error, ID, InputObject, MaybeUndefined, Object};
use chrono::NaiveDate;
use panorama_domain as domain;
use panorama_domain::changes::{OrganisationLinkChanges, SupportChanges};
use panorama_domain::policy::RecordFacts;
use panorama_persistence::Store;

use super::records::*;
use crate::ids::Kind;
use crate::types::{LinkKind, OrganisationLink, Support, SupportKind};

/// The fields of a support: a support organisation helping an organisation or a project. In an
/// update, a field left out is unchanged and a field set to null is cleared.
#[derive(InputObject, Clone, Debug, Default)]
pub struct SupportFieldsInput {
    pub supporter_id: MaybeUndefined<ID>,
    /// The organisation supported (or give `projectId`).
    pub organisation_id: MaybeUndefined<ID>,
    /// The project supported (or give `organisationId`).
    pub project_id: MaybeUndefined<ID>,
    pub kind: MaybeUndefined<SupportKind>,
    pub start_date: MaybeUndefined<NaiveDate>,
    pub end_date: MaybeUndefined<NaiveDate>,
    pub description: MaybeUndefined<String>,
}

impl FieldsInput for SupportFieldsInput {
    type Changes = SupportChanges;

    fn changes(&self, _ctx: &Context<'_>, ids: &mut Ids) -> SupportChanges {
        SupportChanges {
            supporter_id: ids.patch("supporterId", &self.supporter_id, Kind::Organisation),
            organisation_id: ids.patch("organisationId", &self.organisation_id, Kind::Organisation),
            project_id: ids.patch("projectId", &self.project_id, Kind::Project),
            kind: patch(&self.kind, Into::into),
            start_date: patch(&self.start_date, same),
            end_date: patch(&self.end_date, same),
            description: patch(&self.description, same),
        }
    }
}

create_input!(AddSupportInput, SupportFieldsInput);
update_input!(UpdateSupportInput, SupportFieldsInput);
record_mutations!(
    SupportMutation,
    domain::Support,
    AddSupportInput,
    UpdateSupportInput,
    add_support,
    update_support,
    archive_support,
    restore_support
);

impl Writable for domain::Support {
    type Object = Support;
    const KIND: Kind = Kind::Support;
    const NAME: &'static str = "support";

    fn object(self) -> Support {
        Support(self)
    }

    async fn facts(&self, _store: &Store) -> Result<RecordFacts, Error> {
        let organisations = [Some(self.supporter_id), self.organisation_id];
        Ok(facts(
            &self.meta,
            organisations.into_iter().flatten().collect(),
            None,
        ))
    }
}

/// The fields of a direct link from one organisation to another. In an update, a field left
/// out is unchanged.
#[derive(InputObject, Clone, Debug, Default)]
pub struct OrganisationLinkFieldsInput {
    pub from_id: MaybeUndefined<ID>,
    pub to_id: MaybeUndefined<ID>,
    pub kind: MaybeUndefined<LinkKind>,
}

impl FieldsInput for OrganisationLinkFieldsInput {
    type Changes = OrganisationLinkChanges;

    fn changes(&self, _ctx: &Context<'_>, ids: &mut Ids) -> OrganisationLinkChanges {
        OrganisationLinkChanges {
            from_id: ids.patch("fromId", &self.from_id, Kind::Organisation),
            to_id: ids.patch("toId", &self.to_id, Kind::Organisation),
            kind: patch(&self.kind, Into::into),
        }
    }
}

create_input!(AddOrganisationLinkInput, OrganisationLinkFieldsInput);
update_input!(UpdateOrganisationLinkInput, OrganisationLinkFieldsInput);
record_mutations!(
    OrganisationLinkMutation,
    domain::OrganisationLink,
    AddOrganisationLinkInput,
    UpdateOrganisationLinkInput,
    add_organisation_link,
    update_organisation_link,
    archive_organisation_link,
    restore_organisation_link
);

impl Writable for domain::OrganisationLink {
    type Object = OrganisationLink;
    const KIND: Kind = Kind::OrganisationLink;
    const NAME: &'static str = "organisation link";

    fn object(self) -> OrganisationLink {
        OrganisationLink::outgoing(self)
    }

    async fn facts(&self, _store: &Store) -> Result<RecordFacts, Error> {
        Ok(facts(&self.meta, vec![self.from_id, self.to_id], None))
    }
}

#[derive(Default)]
pub struct RelationRemoval;

#[Object]
impl RelationRemoval {
    /// Deletes a support for good; its history keeps what it said.
    async fn remove_support(
        &self,
        ctx: &Context<'_>,
        input: RecordVersionInput,
    ) -> Result<Payload<Support>, Error> {
        remove::<domain::Support>(ctx, input).await
    }

    /// Deletes a link for good; its history keeps what it said.
    async fn remove_organisation_link(
        &self,
        ctx: &Context<'_>,
        input: RecordVersionInput,
    ) -> Result<Payload<OrganisationLink>, Error> {
        remove::<domain::OrganisationLink>(ctx, input).await
    }
}
