//! The built-in demo dataset (`demo/demo.json`): a small, made-up but plausible ecosystem of
//! funders, support organisations and innovators with their projects, grants and events, so that
//! a fresh install has something to query at once.
//!
//! The file names records by `key` and refers to them by key; loading gives every record a new id
//! and resolves the keys. The file is ours, so a wrong key or code is a bug in it: loading then
//! fails with a [`DemoError`] that names the record, and writes nothing.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use panorama_domain::country::is_country_code;
use panorama_domain::taxonomy::{TermCode, Vocabulary};
use panorama_domain::text::{non_blank, slugify};
use panorama_domain::{
    CaseStudy, Classification, Event, FundingOpportunity, FundingTarget, FundingType, GeoPoint,
    Grant, GrantClassification, ImpactIndicator, LegalIdentifier, LinkKind, Money, Organisation,
    OrganisationLink, Participation, ParticipationRole, Place, Project, ProjectStatus, RecordMeta,
    RecordStatus, Source, Support, SupportKind,
};
use panorama_persistence::{Store, StoreError, write};
use rust_decimal::Decimal;
use sea_orm::ConnectionTrait;
use serde::Deserialize;
use uuid::Uuid;

/// The dataset, compiled into the binary so that it is always there.
const DEMO_JSON: &str = include_str!("../demo/demo.json");

/// Why the demo dataset could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the demo dataset does not match its format: {0}")]
    Parse(#[from] serde_json::Error),
    /// A key, code or value in the file that does not resolve: a bug in `demo.json`.
    #[error("demo dataset, {record}: {problem}")]
    Invalid { record: String, problem: String },
    #[error("could not store the demo dataset: {0}")]
    Store(#[from] StoreError),
}

fn invalid(record: &str, problem: impl fmt::Display) -> DemoError {
    DemoError::Invalid {
        record: record.to_owned(),
        problem: problem.to_string(),
    }
}

/// How many records of each type the demo dataset added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub organisations: usize,
    pub projects: usize,
    pub participations: usize,
    pub grants: usize,
    pub supports: usize,
    pub links: usize,
    pub events: usize,
    pub case_studies: usize,
    pub funding_opportunities: usize,
    pub impact_indicators: usize,
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} organisations, {} projects, {} participations, {} grants, {} supports, \
             {} organisation links, {} events, {} case studies, {} funding opportunities, \
             {} impact indicators",
            self.organisations,
            self.projects,
            self.participations,
            self.grants,
            self.supports,
            self.links,
            self.events,
            self.case_studies,
            self.funding_opportunities,
            self.impact_indicators
        )
    }
}

/// Loads the demo dataset, all of it or nothing (one transaction).
pub async fn load_demo(store: &Store) -> Result<DemoSummary, DemoError> {
    // Everything that can be wrong with the file is found before the database is touched.
    let records = build(&parse()?)?;
    let txn = store.begin_write().await.map_err(StoreError::from)?;
    let summary = insert(&txn, records).await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(summary)
}

/// Loads the demo dataset only into a registry that holds no organisation yet, so that start-up
/// can call it every time. The emptiness check runs in the loading transaction, which narrows
/// the window in which two replicas starting together could both load it; should they race, the
/// unique grant identifiers make the second load fail instead of duplicating the data.
pub async fn load_demo_if_empty(store: &Store) -> Result<Option<DemoSummary>, DemoError> {
    let records = build(&parse()?)?;
    let txn = store.begin_write().await.map_err(StoreError::from)?;
    if !write::is_empty(&txn).await? {
        return Ok(None);
    }
    let summary = insert(&txn, records).await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(Some(summary))
}

fn parse() -> Result<DemoFile, DemoError> {
    Ok(serde_json::from_str(DEMO_JSON)?)
}

// ---------------------------------------------------------------------------------------------
// The file's format.

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoFile {
    #[serde(default)]
    organisations: Vec<DemoOrganisation>,
    #[serde(default)]
    projects: Vec<DemoProject>,
    #[serde(default)]
    grants: Vec<DemoGrant>,
    #[serde(default)]
    support: Vec<DemoSupport>,
    #[serde(default)]
    links: Vec<DemoLink>,
    #[serde(default)]
    events: Vec<DemoEvent>,
    #[serde(default)]
    case_studies: Vec<DemoCaseStudy>,
    #[serde(default)]
    funding_opportunities: Vec<DemoFundingOpportunity>,
    #[serde(default)]
    impact_indicators: Vec<DemoImpactIndicator>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoOrganisation {
    key: String,
    name: String,
    status: Option<String>,
    short_description: Option<String>,
    description: Option<String>,
    website: Option<String>,
    #[serde(default)]
    other_links: Vec<String>,
    logo_url: Option<String>,
    organisation_type: Option<String>,
    size: Option<String>,
    founded_on: Option<NaiveDate>,
    #[serde(default)]
    legal_identifiers: Vec<DemoLegalIdentifier>,
    address: Option<String>,
    city: Option<String>,
    region: Option<String>,
    country: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    #[serde(default)]
    focus: Vec<String>,
    #[serde(default)]
    technologies: Vec<String>,
    #[serde(default)]
    impact_areas: Vec<String>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    network_memberships: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoLegalIdentifier {
    scheme: String,
    value: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoProject {
    key: String,
    title: String,
    status: Option<String>,
    short_description: Option<String>,
    description: Option<String>,
    social_impact: Option<String>,
    website: Option<String>,
    project_status: Option<String>,
    start_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
    address: Option<String>,
    city: Option<String>,
    region: Option<String>,
    country: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    #[serde(default)]
    focus: Vec<String>,
    #[serde(default)]
    technologies: Vec<String>,
    #[serde(default)]
    impact_areas: Vec<String>,
    #[serde(default)]
    who_it_helps: Vec<String>,
    #[serde(default)]
    participants: Vec<DemoParticipant>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoParticipant {
    organisation: String,
    role: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoGrant {
    identifier: String,
    title: String,
    status: Option<String>,
    description: Option<String>,
    currency: String,
    /// Decimal text: amounts are exact, never floats.
    amount_awarded: String,
    amount_applied_for: Option<String>,
    amount_disbursed: Option<String>,
    award_date: NaiveDate,
    planned_start: Option<NaiveDate>,
    planned_end: Option<NaiveDate>,
    funder: String,
    recipient: String,
    project: Option<String>,
    programme: Option<String>,
    #[serde(default)]
    beneficiary_countries: Vec<String>,
    #[serde(default)]
    classifications: Vec<DemoGrantClassification>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoGrantClassification {
    vocabulary: String,
    code: String,
    title: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoSupport {
    supporter: String,
    status: Option<String>,
    organisation: Option<String>,
    project: Option<String>,
    kind: String,
    start_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoLink {
    from: String,
    to: String,
    kind: String,
    status: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoEvent {
    key: String,
    title: String,
    status: Option<String>,
    description: Option<String>,
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
    #[serde(default)]
    online: bool,
    address: Option<String>,
    city: Option<String>,
    region: Option<String>,
    country: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    url: Option<String>,
    price: Option<String>,
    #[serde(default)]
    focus: Vec<String>,
    #[serde(default)]
    organisers: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoCaseStudy {
    key: String,
    title: String,
    status: Option<String>,
    summary: Option<String>,
    body: Option<String>,
    organisation: Option<String>,
    project: Option<String>,
    period_start: Option<NaiveDate>,
    period_end: Option<NaiveDate>,
    url: Option<String>,
    #[serde(default)]
    featured: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoFundingOpportunity {
    key: String,
    title: String,
    status: Option<String>,
    description: Option<String>,
    url: Option<String>,
    funder: Option<String>,
    closes_on: Option<NaiveDate>,
    funding_type: String,
    #[serde(default)]
    targets: Vec<String>,
    #[serde(default)]
    countries: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DemoImpactIndicator {
    project: String,
    name: String,
    status: Option<String>,
    /// Decimal text.
    value: String,
    unit: Option<String>,
    period_start: Option<NaiveDate>,
    period_end: Option<NaiveDate>,
    method: Option<String>,
    source_url: Option<String>,
    reported_at: Option<DateTime<Utc>>,
}

// ---------------------------------------------------------------------------------------------
// From the file to domain records, without a database.

/// The dataset as domain records, with new ids and keys resolved. Slugs are the slugified names;
/// [`insert`] makes them unique against what the database already holds.
#[derive(Debug, Default)]
struct DemoRecords {
    organisations: Vec<Organisation>,
    projects: Vec<Project>,
    participations: Vec<Participation>,
    grants: Vec<Grant>,
    supports: Vec<Support>,
    links: Vec<OrganisationLink>,
    events: Vec<Event>,
    case_studies: Vec<CaseStudy>,
    funding_opportunities: Vec<FundingOpportunity>,
    impact_indicators: Vec<ImpactIndicator>,
}

/// Key → new id, per record type.
#[derive(Debug, Default)]
struct Keys {
    organisations: HashMap<String, Uuid>,
    projects: HashMap<String, Uuid>,
}

impl Keys {
    fn organisation(&self, key: &str, record: &str) -> Result<Uuid, DemoError> {
        self.organisations
            .get(key)
            .copied()
            .ok_or_else(|| invalid(record, format!("unknown organisation key `{key}`")))
    }

    fn project(&self, key: &str, record: &str) -> Result<Uuid, DemoError> {
        self.projects
            .get(key)
            .copied()
            .ok_or_else(|| invalid(record, format!("unknown project key `{key}`")))
    }

    fn optional_organisation(
        &self,
        key: Option<&String>,
        record: &str,
    ) -> Result<Option<Uuid>, DemoError> {
        key.map(|k| self.organisation(k, record)).transpose()
    }

    fn optional_project(
        &self,
        key: Option<&String>,
        record: &str,
    ) -> Result<Option<Uuid>, DemoError> {
        key.map(|k| self.project(k, record)).transpose()
    }
}

/// Registers `key` for a new record, refusing a key used twice.
fn new_key(
    keys: &mut HashMap<String, Uuid>,
    key: &str,
    id: Uuid,
    record: &str,
) -> Result<(), DemoError> {
    if keys.insert(key.to_owned(), id).is_some() {
        return Err(invalid(
            record,
            "the key is used by another record of the same type",
        ));
    }
    Ok(())
}

fn build(file: &DemoFile) -> Result<DemoRecords, DemoError> {
    let mut keys = Keys::default();
    let mut records = DemoRecords::default();
    for o in &file.organisations {
        let organisation = organisation(o)?;
        new_key(
            &mut keys.organisations,
            &o.key,
            organisation.meta.id,
            &organisation_label(o),
        )?;
        records.organisations.push(organisation);
    }
    for p in &file.projects {
        let (project, participations) = project(p, &keys)?;
        new_key(
            &mut keys.projects,
            &p.key,
            project.meta.id,
            &format!("project {}", p.key),
        )?;
        records.projects.push(project);
        records.participations.extend(participations);
    }
    for g in &file.grants {
        records.grants.push(grant(g, &keys)?);
    }
    for (n, s) in file.support.iter().enumerate() {
        records.supports.push(support(s, n + 1, &keys)?);
    }
    for (n, l) in file.links.iter().enumerate() {
        records.links.push(link(l, n + 1, &keys)?);
    }
    for e in &file.events {
        records.events.push(event(e, &keys)?);
    }
    for c in &file.case_studies {
        records.case_studies.push(case_study(c, &keys)?);
    }
    for f in &file.funding_opportunities {
        records
            .funding_opportunities
            .push(funding_opportunity(f, &keys)?);
    }
    for (n, i) in file.impact_indicators.iter().enumerate() {
        records
            .impact_indicators
            .push(impact_indicator(i, n + 1, &keys)?);
    }
    Ok(records)
}

/// The place fields of a located record. Each record struct spells them out, because serde does
/// not combine `flatten` with `deny_unknown_fields`.
struct PlaceFields<'a> {
    address: Option<&'a str>,
    city: Option<&'a str>,
    region: Option<&'a str>,
    country: Option<&'a str>,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

macro_rules! place_fields {
    ($record:expr) => {
        PlaceFields {
            address: $record.address.as_deref(),
            city: $record.city.as_deref(),
            region: $record.region.as_deref(),
            country: $record.country.as_deref(),
            latitude: $record.latitude,
            longitude: $record.longitude,
        }
    };
}
fn organisation_label(o: &DemoOrganisation) -> String {
    format!("organisation {}", o.key)
}

fn organisation(o: &DemoOrganisation) -> Result<Organisation, DemoError> {
    let record = organisation_label(o);
    Ok(Organisation {
        meta: meta(o.status.as_deref(), &record)?,
        name: required(&o.name, &record, "name")?,
        slug: slugify(&o.name),
        short_description: non_blank(o.short_description.as_deref()),
        description: non_blank(o.description.as_deref()),
        website: non_blank(o.website.as_deref()),
        other_links: o.other_links.clone(),
        logo_url: non_blank(o.logo_url.as_deref()),
        organisation_type: optional_term(
            Vocabulary::OrganisationType,
            o.organisation_type.as_deref(),
            &record,
        )?,
        size: optional_term(Vocabulary::OrganisationSize, o.size.as_deref(), &record)?,
        founded_on: o.founded_on,
        legal_identifiers: o
            .legal_identifiers
            .iter()
            .map(|l| LegalIdentifier {
                scheme: l.scheme.clone(),
                value: l.value.clone(),
            })
            .collect(),
        place: place(place_fields!(o), &record)?,
        classification: classification(&o.focus, &o.technologies, &o.impact_areas, &record)?,
        roles: terms(Vocabulary::OrganisationRole, &o.roles, &record)?,
        network_memberships: o.network_memberships.clone(),
        tags: o.tags.clone(),
    })
}

fn project(p: &DemoProject, keys: &Keys) -> Result<(Project, Vec<Participation>), DemoError> {
    let record = format!("project {}", p.key);
    let project = Project {
        meta: meta(p.status.as_deref(), &record)?,
        title: required(&p.title, &record, "title")?,
        slug: slugify(&p.title),
        short_description: non_blank(p.short_description.as_deref()),
        description: non_blank(p.description.as_deref()),
        social_impact: non_blank(p.social_impact.as_deref()),
        website: non_blank(p.website.as_deref()),
        project_status: p
            .project_status
            .as_deref()
            .map(|c| coded(ProjectStatus::from_code, c, &record, "project status"))
            .transpose()?,
        start_date: p.start_date,
        end_date: p.end_date,
        place: place(place_fields!(p), &record)?,
        classification: classification(&p.focus, &p.technologies, &p.impact_areas, &record)?,
        who_it_helps: p.who_it_helps.clone(),
    };
    let participations = p
        .participants
        .iter()
        .map(|participant| {
            Ok(Participation {
                project_id: project.meta.id,
                organisation_id: keys.organisation(&participant.organisation, &record)?,
                role: coded(
                    ParticipationRole::from_code,
                    &participant.role,
                    &record,
                    "participation role",
                )?,
            })
        })
        .collect::<Result<Vec<_>, DemoError>>()?;
    Ok((project, participations))
}

fn grant(g: &DemoGrant, keys: &Keys) -> Result<Grant, DemoError> {
    let record = format!("grant {}", g.identifier);
    Ok(Grant {
        meta: meta(g.status.as_deref(), &record)?,
        identifier: required(&g.identifier, &record, "identifier")?,
        title: required(&g.title, &record, "title")?,
        description: non_blank(g.description.as_deref()),
        amount_awarded: Money {
            amount: decimal(&g.amount_awarded, &record, "amountAwarded")?,
            currency: currency(&g.currency, &record)?,
        },
        amount_applied_for: optional_decimal(
            g.amount_applied_for.as_deref(),
            &record,
            "amountAppliedFor",
        )?,
        amount_disbursed: optional_decimal(
            g.amount_disbursed.as_deref(),
            &record,
            "amountDisbursed",
        )?,
        award_date: g.award_date,
        planned_start: g.planned_start,
        planned_end: g.planned_end,
        funder_id: keys.organisation(&g.funder, &record)?,
        recipient_id: keys.organisation(&g.recipient, &record)?,
        project_id: keys.optional_project(g.project.as_ref(), &record)?,
        programme: non_blank(g.programme.as_deref()),
        beneficiary_countries: countries(&g.beneficiary_countries, &record)?,
        classifications: g
            .classifications
            .iter()
            .map(|c| grant_classification(c, &record))
            .collect::<Result<_, _>>()?,
    })
}

/// 360Giving classifications are open-ended; only the SDG codes, which Panorama seeds, are checked.
fn grant_classification(
    c: &DemoGrantClassification,
    record: &str,
) -> Result<GrantClassification, DemoError> {
    if c.vocabulary == Vocabulary::Sdg.code() && Vocabulary::Sdg.term(&c.code).is_none() {
        return Err(invalid(record, format!("unknown SDG code `{}`", c.code)));
    }
    Ok(GrantClassification {
        vocabulary: c.vocabulary.clone(),
        code: c.code.clone(),
        title: c.title.clone(),
    })
}

fn support(s: &DemoSupport, n: usize, keys: &Keys) -> Result<Support, DemoError> {
    let record = format!("support #{n} (by {})", s.supporter);
    let organisation_id = keys.optional_organisation(s.organisation.as_ref(), &record)?;
    let project_id = keys.optional_project(s.project.as_ref(), &record)?;
    if organisation_id.is_none() && project_id.is_none() {
        return Err(invalid(
            &record,
            "supports neither an organisation nor a project",
        ));
    }
    Ok(Support {
        meta: meta(s.status.as_deref(), &record)?,
        supporter_id: keys.organisation(&s.supporter, &record)?,
        organisation_id,
        project_id,
        kind: coded(SupportKind::from_code, &s.kind, &record, "support kind")?,
        start_date: s.start_date,
        end_date: s.end_date,
        description: non_blank(s.description.as_deref()),
    })
}

fn link(l: &DemoLink, n: usize, keys: &Keys) -> Result<OrganisationLink, DemoError> {
    let record = format!("link #{n} ({} -> {})", l.from, l.to);
    Ok(OrganisationLink {
        meta: meta(l.status.as_deref(), &record)?,
        from_id: keys.organisation(&l.from, &record)?,
        to_id: keys.organisation(&l.to, &record)?,
        kind: coded(LinkKind::from_code, &l.kind, &record, "link kind")?,
    })
}

fn event(e: &DemoEvent, keys: &Keys) -> Result<Event, DemoError> {
    let record = format!("event {}", e.key);
    Ok(Event {
        meta: meta(e.status.as_deref(), &record)?,
        title: required(&e.title, &record, "title")?,
        slug: slugify(&e.title),
        description: non_blank(e.description.as_deref()),
        starts_at: e.starts_at,
        ends_at: e.ends_at,
        online: e.online,
        place: place(place_fields!(e), &record)?,
        url: non_blank(e.url.as_deref()),
        price: non_blank(e.price.as_deref()),
        focus: terms(Vocabulary::Focus, &e.focus, &record)?,
        organiser_ids: e
            .organisers
            .iter()
            .map(|key| keys.organisation(key, &record))
            .collect::<Result<_, _>>()?,
    })
}

fn case_study(c: &DemoCaseStudy, keys: &Keys) -> Result<CaseStudy, DemoError> {
    let record = format!("case study {}", c.key);
    Ok(CaseStudy {
        meta: meta(c.status.as_deref(), &record)?,
        title: required(&c.title, &record, "title")?,
        slug: slugify(&c.title),
        summary: non_blank(c.summary.as_deref()),
        body: non_blank(c.body.as_deref()),
        organisation_id: keys.optional_organisation(c.organisation.as_ref(), &record)?,
        project_id: keys.optional_project(c.project.as_ref(), &record)?,
        period_start: c.period_start,
        period_end: c.period_end,
        url: non_blank(c.url.as_deref()),
        featured: c.featured,
    })
}

fn funding_opportunity(
    f: &DemoFundingOpportunity,
    keys: &Keys,
) -> Result<FundingOpportunity, DemoError> {
    let record = format!("funding opportunity {}", f.key);
    Ok(FundingOpportunity {
        meta: meta(f.status.as_deref(), &record)?,
        title: required(&f.title, &record, "title")?,
        slug: slugify(&f.title),
        description: non_blank(f.description.as_deref()),
        url: non_blank(f.url.as_deref()),
        funder_id: keys.optional_organisation(f.funder.as_ref(), &record)?,
        closes_on: f.closes_on,
        funding_type: coded(
            FundingType::from_code,
            &f.funding_type,
            &record,
            "funding type",
        )?,
        targets: f
            .targets
            .iter()
            .map(|t| coded(FundingTarget::from_code, t, &record, "funding target"))
            .collect::<Result<_, _>>()?,
        countries: countries(&f.countries, &record)?,
    })
}

fn impact_indicator(
    i: &DemoImpactIndicator,
    n: usize,
    keys: &Keys,
) -> Result<ImpactIndicator, DemoError> {
    let record = format!("impact indicator #{n} ({})", i.name);
    Ok(ImpactIndicator {
        meta: meta(i.status.as_deref(), &record)?,
        project_id: keys.project(&i.project, &record)?,
        name: required(&i.name, &record, "name")?,
        value: decimal(&i.value, &record, "value")?,
        unit: non_blank(i.unit.as_deref()),
        period_start: i.period_start,
        period_end: i.period_end,
        method: non_blank(i.method.as_deref()),
        source_url: non_blank(i.source_url.as_deref()),
        reported_by_partner: None,
        reported_at: i.reported_at,
    })
}

/// New metadata: published unless the file says otherwise, from the demo source.
fn meta(status: Option<&str>, record: &str) -> Result<RecordMeta, DemoError> {
    let status = match status {
        None => RecordStatus::Published,
        Some(code) => coded(RecordStatus::from_code, code, record, "status")?,
    };
    Ok(RecordMeta::new(status, Source::Demo))
}

fn required(text: &str, record: &str, field: &str) -> Result<String, DemoError> {
    non_blank(Some(text)).ok_or_else(|| invalid(record, format!("`{field}` is empty")))
}

/// One of the coded enums (`ProjectStatus`, `SupportKind`…), from its code.
fn coded<T>(
    from_code: fn(&str) -> Option<T>,
    code: &str,
    record: &str,
    what: &str,
) -> Result<T, DemoError> {
    from_code(code).ok_or_else(|| invalid(record, format!("unknown {what} `{code}`")))
}

fn term(vocabulary: Vocabulary, code: &str, record: &str) -> Result<TermCode, DemoError> {
    vocabulary
        .term(code)
        .map(|t| t.code.to_owned())
        .ok_or_else(|| {
            invalid(
                record,
                format!("unknown {} code `{code}`", vocabulary.code()),
            )
        })
}

fn optional_term(
    vocabulary: Vocabulary,
    code: Option<&str>,
    record: &str,
) -> Result<Option<TermCode>, DemoError> {
    code.map(|c| term(vocabulary, c, record)).transpose()
}

fn terms(
    vocabulary: Vocabulary,
    codes: &[String],
    record: &str,
) -> Result<Vec<TermCode>, DemoError> {
    codes.iter().map(|c| term(vocabulary, c, record)).collect()
}

fn classification(
    focus: &[String],
    technologies: &[String],
    impact_areas: &[String],
    record: &str,
) -> Result<Classification, DemoError> {
    Ok(Classification {
        focus: terms(Vocabulary::Focus, focus, record)?,
        technologies: terms(Vocabulary::Technology, technologies, record)?,
        impact_areas: terms(Vocabulary::ImpactArea, impact_areas, record)?,
    })
}

fn country(code: &str, record: &str) -> Result<String, DemoError> {
    if is_country_code(code) {
        Ok(code.to_ascii_uppercase())
    } else {
        Err(invalid(record, format!("unknown country code `{code}`")))
    }
}

fn countries(codes: &[String], record: &str) -> Result<Vec<String>, DemoError> {
    codes.iter().map(|c| country(c, record)).collect()
}

fn place(p: PlaceFields<'_>, record: &str) -> Result<Place, DemoError> {
    let point = match (p.latitude, p.longitude) {
        (None, None) => None,
        (Some(latitude), Some(longitude)) => {
            Some(GeoPoint::new(latitude, longitude).ok_or_else(|| {
                invalid(
                    record,
                    format!("coordinates out of range: {latitude}, {longitude}"),
                )
            })?)
        }
        _ => return Err(invalid(record, "latitude and longitude go together")),
    };
    Ok(Place {
        address: non_blank(p.address),
        city: non_blank(p.city),
        region: non_blank(p.region),
        country: p.country.map(|c| country(c, record)).transpose()?,
        point,
    })
}

fn currency(code: &str, record: &str) -> Result<String, DemoError> {
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code.to_owned())
    } else {
        Err(invalid(
            record,
            format!("`{code}` is not an ISO 4217 currency code"),
        ))
    }
}

fn decimal(text: &str, record: &str, field: &str) -> Result<Decimal, DemoError> {
    Decimal::from_str(text.trim())
        .map_err(|e| invalid(record, format!("`{field}` {text:?} is not a decimal: {e}")))
}

fn optional_decimal(
    text: Option<&str>,
    record: &str,
    field: &str,
) -> Result<Option<Decimal>, DemoError> {
    text.map(|t| decimal(t, record, field)).transpose()
}

// ---------------------------------------------------------------------------------------------
// Into the database.

/// Inserts every record in dependency order, giving each slugged record a slug no other record
/// of its table has.
async fn insert(
    db: &impl ConnectionTrait,
    records: DemoRecords,
) -> Result<DemoSummary, StoreError> {
    let summary = DemoSummary {
        organisations: records.organisations.len(),
        projects: records.projects.len(),
        participations: records.participations.len(),
        grants: records.grants.len(),
        supports: records.supports.len(),
        links: records.links.len(),
        events: records.events.len(),
        case_studies: records.case_studies.len(),
        funding_opportunities: records.funding_opportunities.len(),
        impact_indicators: records.impact_indicators.len(),
    };
    for mut o in records.organisations {
        o.slug = write::free_slug(db, "organisation", &o.slug).await?;
        write::insert_organisation(db, &o).await?;
    }
    for mut p in records.projects {
        p.slug = write::free_slug(db, "project", &p.slug).await?;
        write::insert_project(db, &p).await?;
    }
    write::insert_participations(db, &records.participations).await?;
    for g in &records.grants {
        write::insert_grant(db, g).await?;
    }
    for s in &records.supports {
        write::insert_support(db, s).await?;
    }
    for l in &records.links {
        write::insert_link(db, l).await?;
    }
    for mut e in records.events {
        e.slug = write::free_slug(db, "event", &e.slug).await?;
        write::insert_event(db, &e).await?;
    }
    for mut c in records.case_studies {
        c.slug = write::free_slug(db, "case_study", &c.slug).await?;
        write::insert_case_study(db, &c).await?;
    }
    for mut f in records.funding_opportunities {
        f.slug = write::free_slug(db, "funding_opportunity", &f.slug).await?;
        write::insert_funding_opportunity(db, &f).await?;
    }
    for i in &records.impact_indicators {
        write::insert_impact_indicator(db, i).await?;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_dataset_resolves_every_key_and_code() {
        let records = build(&parse().unwrap()).unwrap();
        assert_eq!(records.organisations.len(), 24);
        assert_eq!(records.projects.len(), 14);
        assert_eq!(records.participations.len(), 37);
        assert_eq!(records.grants.len(), 10);
        assert_eq!(records.supports.len(), 6);
        assert_eq!(records.links.len(), 6);
        assert_eq!(records.events.len(), 5);
        assert_eq!(records.case_studies.len(), 4);
        assert_eq!(records.funding_opportunities.len(), 5);
        assert_eq!(records.impact_indicators.len(), 8);

        let pending: Vec<&str> = records
            .organisations
            .iter()
            .filter(|o| o.meta.status != RecordStatus::Published)
            .map(|o| o.slug.as_str())
            .collect();
        assert_eq!(pending, ["spomin-vr"]);
        assert!(
            records
                .organisations
                .iter()
                .all(|o| o.meta.source == Source::Demo)
        );
        let taller = records
            .organisations
            .iter()
            .find(|o| o.slug == "taller-obert-network")
            .unwrap();
        assert_eq!(taller.place.country.as_deref(), Some("ES"));
        assert!(
            taller
                .classification
                .focus
                .contains(&"OPEN_HARDWARE".to_owned())
        );
        // Every participation points at an organisation and a project of the dataset.
        let organisation_ids: Vec<Uuid> = records.organisations.iter().map(|o| o.meta.id).collect();
        let project_ids: Vec<Uuid> = records.projects.iter().map(|p| p.meta.id).collect();
        assert!(records.participations.iter().all(|p| {
            organisation_ids.contains(&p.organisation_id) && project_ids.contains(&p.project_id)
        }));
    }

    #[test]
    fn an_unknown_code_or_key_names_the_record() {
        let mut file = parse().unwrap();
        file.organisations[0].focus.push("OPEN_CHEESE".into());
        let error = build(&file).unwrap_err().to_string();
        assert!(
            error.contains("organisation fondation-ardoise") && error.contains("OPEN_CHEESE"),
            "{error}"
        );

        let mut file = parse().unwrap();
        file.grants[0].funder = "nobody".into();
        let error = build(&file).unwrap_err().to_string();
        assert!(
            error.contains("grant 360G-ardoise-2301") && error.contains("`nobody`"),
            "{error}"
        );

        let mut file = parse().unwrap();
        file.projects[0].participants[0].role = "BOSS".into();
        let error = build(&file).unwrap_err().to_string();
        assert!(
            error.contains("project eindhoven-neighbourhood-budget") && error.contains("BOSS"),
            "{error}"
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let error = serde_json::from_str::<DemoFile>(
            r#"{ "links": [{ "from": "a", "to": "b", "kind": "PARTNER", "weight": 3 }] }"#,
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("weight"), "{error}");
    }

    #[test]
    fn summary_is_one_line() {
        let summary = DemoSummary {
            organisations: 2,
            projects: 1,
            ..DemoSummary::default()
        };
        let line = summary.to_string();
        assert!(line.starts_with("2 organisations, 1 projects"), "{line}");
        assert!(!line.contains('\n'));
    }

    /// A directory under the system's temp dir that is removed when the test ends, even on failure.
    struct TempDir(std::path::PathBuf);

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[tokio::test]
    async fn loads_into_an_empty_database_once() {
        let dir = TempDir(std::env::temp_dir().join(format!("panorama-demo-{}", Uuid::now_v7())));
        std::fs::create_dir_all(&dir.0).unwrap();
        let path = dir.0.join("panorama.db");
        let store = Store::open(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();

        let summary = load_demo_if_empty(&store)
            .await
            .unwrap()
            .expect("loaded into the empty database");
        assert_eq!(
            summary,
            DemoSummary {
                organisations: 24,
                projects: 14,
                participations: 37,
                grants: 10,
                supports: 6,
                links: 6,
                events: 5,
                case_studies: 4,
                funding_opportunities: 5,
                impact_indicators: 8,
            }
        );
        assert!(!write::is_empty(store.connection()).await.unwrap());
        assert_eq!(load_demo_if_empty(&store).await.unwrap(), None);
        store.close().await.unwrap();
    }
}
