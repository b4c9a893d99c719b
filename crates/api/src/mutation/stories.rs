//! Events and case studies.

use async_graphql::{Context, Error, ID, InputObject, MaybeUndefined};
use chrono::{DateTime, NaiveDate, Utc};
use panorama_domain as domain;
use panorama_domain::changes::{CaseStudyChanges, EventChanges};
use panorama_domain::policy::RecordFacts;
use panorama_persistence::Store;

use super::records::*;
use crate::ids::Kind;
use crate::inputs::GeoPointInput;
use crate::types::{CaseStudy, Event};

/// The fields of an event. In an update, a field left out is unchanged and a field set to null
/// is cleared.
#[derive(InputObject, Clone, Debug, Default)]
pub struct EventFieldsInput {
    pub title: MaybeUndefined<String>,
    /// Lower-case letters, digits and hyphens; made from the title when left out.
    pub slug: MaybeUndefined<String>,
    pub description: MaybeUndefined<String>,
    pub starts_at: MaybeUndefined<DateTime<Utc>>,
    pub ends_at: MaybeUndefined<DateTime<Utc>>,
    pub online: MaybeUndefined<bool>,
    pub address: MaybeUndefined<String>,
    pub city: MaybeUndefined<String>,
    pub region: MaybeUndefined<String>,
    /// ISO 3166-1 alpha-2.
    pub country: MaybeUndefined<String>,
    pub location: MaybeUndefined<GeoPointInput>,
    pub url: MaybeUndefined<String>,
    pub price: MaybeUndefined<String>,
    pub focus: MaybeUndefined<Vec<String>>,
    pub organiser_ids: MaybeUndefined<Vec<ID>>,
}

impl FieldsInput for EventFieldsInput {
    type Changes = EventChanges;

    fn changes(&self, _ctx: &Context<'_>, ids: &mut Ids) -> EventChanges {
        EventChanges {
            title: patch(&self.title, same),
            slug: patch(&self.slug, same),
            description: patch(&self.description, same),
            starts_at: patch(&self.starts_at, same),
            ends_at: patch(&self.ends_at, same),
            online: patch(&self.online, same),
            address: patch(&self.address, same),
            city: patch(&self.city, same),
            region: patch(&self.region, same),
            country: patch(&self.country, same),
            location: patch(&self.location, |p| (p.latitude, p.longitude)),
            url: patch(&self.url, same),
            price: patch(&self.price, same),
            focus: patch(&self.focus, same),
            organiser_ids: ids.list("organiserIds", &self.organiser_ids, Kind::Organisation),
        }
    }
}

create_input!(CreateEventInput, EventFieldsInput);
update_input!(UpdateEventInput, EventFieldsInput);
record_mutations!(
    EventMutation,
    domain::Event,
    CreateEventInput,
    UpdateEventInput,
    create_event,
    update_event,
    archive_event,
    restore_event
);

impl Writable for domain::Event {
    type Object = Event;
    const KIND: Kind = Kind::Event;
    const NAME: &'static str = "event";

    fn object(self) -> Event {
        Event(self)
    }

    async fn facts(&self, _store: &Store) -> Result<RecordFacts, Error> {
        Ok(facts(&self.meta, self.organiser_ids.clone(), None))
    }
}

/// The fields of a case study. In an update, a field left out is unchanged and a field set to
/// null is cleared.
#[derive(InputObject, Clone, Debug, Default)]
pub struct CaseStudyFieldsInput {
    pub title: MaybeUndefined<String>,
    /// Lower-case letters, digits and hyphens; made from the title when left out.
    pub slug: MaybeUndefined<String>,
    pub summary: MaybeUndefined<String>,
    /// Markdown.
    pub body: MaybeUndefined<String>,
    pub organisation_id: MaybeUndefined<ID>,
    pub project_id: MaybeUndefined<ID>,
    pub period_start: MaybeUndefined<NaiveDate>,
    pub period_end: MaybeUndefined<NaiveDate>,
    pub url: MaybeUndefined<String>,
    pub featured: MaybeUndefined<bool>,
}

impl FieldsInput for CaseStudyFieldsInput {
    type Changes = CaseStudyChanges;

    fn changes(&self, _ctx: &Context<'_>, ids: &mut Ids) -> CaseStudyChanges {
        CaseStudyChanges {
            title: patch(&self.title, same),
            slug: patch(&self.slug, same),
            summary: patch(&self.summary, same),
            body: patch(&self.body, same),
            organisation_id: ids.patch("organisationId", &self.organisation_id, Kind::Organisation),
            project_id: ids.patch("projectId", &self.project_id, Kind::Project),
            period_start: patch(&self.period_start, same),
            period_end: patch(&self.period_end, same),
            url: patch(&self.url, same),
            featured: patch(&self.featured, same),
        }
    }
}

create_input!(CreateCaseStudyInput, CaseStudyFieldsInput);
update_input!(UpdateCaseStudyInput, CaseStudyFieldsInput);
record_mutations!(
    CaseStudyMutation,
    domain::CaseStudy,
    CreateCaseStudyInput,
    UpdateCaseStudyInput,
    create_case_study,
    update_case_study,
    archive_case_study,
    restore_case_study
);

impl Writable for domain::CaseStudy {
    type Object = CaseStudy;
    const KIND: Kind = Kind::CaseStudy;
    const NAME: &'static str = "case study";

    fn object(self) -> CaseStudy {
        CaseStudy(self)
    }

    async fn facts(&self, _store: &Store) -> Result<RecordFacts, Error> {
        Ok(facts(
            &self.meta,
            self.organisation_id.into_iter().collect(),
            None,
        ))
    }
}
