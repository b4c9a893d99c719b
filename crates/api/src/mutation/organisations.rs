//! Organisations: their input and how the access policy sees them.

use std::sync::Arc;

use async_graphql::{Context, Error, InputObject, MaybeUndefined};
use chrono::NaiveDate;
use panorama_domain as domain;
use panorama_domain::changes::OrganisationChanges;
use panorama_domain::model::{LegalIdentifier, RecordMeta};
use panorama_domain::policy::RecordFacts;
use panorama_domain::validation::{FieldError, SchemeList};
use panorama_persistence::Store;

use super::records::*;
use crate::ids::Kind;
use crate::inputs::GeoPointInput;
use crate::types::Organisation;
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

/// An organisation's changes with the org-id list its legal identifiers are checked against.
pub struct OrganisationEdit {
    changes: OrganisationChanges,
    schemes: Arc<SchemeList>,
}

impl RecordChanges for OrganisationEdit {
    type Record = domain::Organisation;

    fn create(&self, meta: RecordMeta) -> Result<domain::Organisation, Vec<FieldError>> {
        self.changes.create(meta, self.schemes.as_ref())
    }

    fn apply(&self, record: domain::Organisation) -> Result<domain::Organisation, Vec<FieldError>> {
        self.changes.apply(record, self.schemes.as_ref())
    }
}

impl FieldsInput for OrganisationFieldsInput {
    type Changes = OrganisationEdit;

    fn changes(&self, ctx: &Context<'_>, _ids: &mut Ids) -> OrganisationEdit {
        let schemes = ctx
            .data_opt::<Arc<SchemeList>>()
            .cloned()
            .unwrap_or_else(|| Arc::new(SchemeList::fallback()));
        OrganisationEdit {
            changes: self.domain_changes(),
            schemes,
        }
    }
}

impl OrganisationFieldsInput {
    fn domain_changes(&self) -> OrganisationChanges {
        OrganisationChanges {
            name: patch(&self.name, same),
            short_description: patch(&self.short_description, same),
            description: patch(&self.description, same),
            website: patch(&self.website, same),
            other_links: patch(&self.other_links, same),
            logo_url: patch(&self.logo_url, same),
            organisation_type: patch(&self.organisation_type, same),
            size: patch(&self.size, same),
            founded_on: patch(&self.founded_on, same),
            legal_identifiers: patch(&self.legal_identifiers, |ids| {
                ids.into_iter()
                    .map(|l| LegalIdentifier {
                        scheme: l.scheme,
                        value: l.value,
                    })
                    .collect()
            }),
            address: patch(&self.address, same),
            city: patch(&self.city, same),
            region: patch(&self.region, same),
            country: patch(&self.country, same),
            location: patch(&self.location, |p| (p.latitude, p.longitude)),
            focus: patch(&self.focus, same),
            technologies: patch(&self.technologies, same),
            impact_areas: patch(&self.impact_areas, same),
            roles: patch(&self.roles, same),
            network_memberships: patch(&self.network_memberships, same),
            tags: patch(&self.tags, same),
        }
    }
}

create_input!(CreateOrganisationInput, OrganisationFieldsInput);
update_input!(UpdateOrganisationInput, OrganisationFieldsInput);

record_mutations!(
    OrganisationMutation,
    domain::Organisation,
    CreateOrganisationInput,
    UpdateOrganisationInput,
    create_organisation,
    update_organisation,
    archive_organisation,
    restore_organisation
);

impl Writable for domain::Organisation {
    type Object = Organisation;
    const KIND: Kind = Kind::Organisation;
    const NAME: &'static str = "organisation";

    fn object(self) -> Organisation {
        Organisation(self)
    }

    async fn facts(&self, _store: &Store) -> Result<RecordFacts, Error> {
        Ok(facts(&self.meta, vec![self.meta.id], None))
    }
}
