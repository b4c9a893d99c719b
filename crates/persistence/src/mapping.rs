//! Rows to domain values. Storage codes that do not parse are reported as corrupt data, never
//! silently dropped.

use std::collections::HashMap;

use panorama_domain::taxonomy::{TermCode, Vocabulary};
use panorama_domain::*;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::StoreError;
use crate::entities::*;

/// Builds the [`RecordMeta`] of any record row (they all have the same columns).
macro_rules! meta {
    ($m:expr) => {
        RecordMeta {
            id: $m.id,
            created_at: $m.created_at,
            updated_at: $m.updated_at,
            version: $m.version,
            status: code(RecordStatus::from_code, &$m.status, "record status")?,
            owner_partner: $m.owner_partner_id,
            source: Source::from_code(&$m.source),
            created_by: $m.created_by.clone(),
        }
    };
}

/// Builds the [`Place`] of any row with address, city, region, country and coordinates.
macro_rules! place {
    ($m:expr, $address:expr) => {
        Place {
            address: $address,
            city: $m.city.clone(),
            region: $m.region.clone(),
            country: $m.country.clone(),
            point: match ($m.latitude, $m.longitude) {
                (Some(lat), Some(lon)) => GeoPoint::new(lat, lon),
                _ => None,
            },
        }
    };
}

pub(crate) fn code<T>(
    parse: fn(&str) -> Option<T>,
    value: &str,
    what: &str,
) -> Result<T, StoreError> {
    parse(value).ok_or_else(|| StoreError::corrupt(format!("unknown {what} `{value}`")))
}

pub(crate) fn json_list<T: DeserializeOwned>(text: &str, what: &str) -> Result<Vec<T>, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt(format!("{what}: {e}")))
}

pub(crate) fn decimal(text: &str, what: &str) -> Result<Decimal, StoreError> {
    text.parse()
        .map_err(|e| StoreError::corrupt(format!("{what} `{text}`: {e}")))
}

fn optional_decimal(text: Option<&str>, what: &str) -> Result<Option<Decimal>, StoreError> {
    text.map(|t| decimal(t, what)).transpose()
}

/// Taxonomy terms of records, by record id: `(vocabulary, code)` pairs as stored.
pub(crate) type TermsById = HashMap<Uuid, Vec<(String, String)>>;

fn terms_of(terms: &TermsById, id: Uuid, vocabulary: Vocabulary) -> Vec<TermCode> {
    let mut codes: Vec<TermCode> = terms
        .get(&id)
        .into_iter()
        .flatten()
        .filter(|(v, _)| v == vocabulary.code())
        .map(|(_, c)| c.clone())
        .collect();
    codes.sort_unstable();
    codes
}

fn classification(terms: &TermsById, id: Uuid) -> Classification {
    Classification {
        focus: terms_of(terms, id, Vocabulary::Focus),
        technologies: terms_of(terms, id, Vocabulary::Technology),
        impact_areas: terms_of(terms, id, Vocabulary::ImpactArea),
    }
}

pub(crate) fn organisation(
    m: organisation::Model,
    terms: &TermsById,
    identifiers: &HashMap<Uuid, Vec<LegalIdentifier>>,
) -> Result<Organisation, StoreError> {
    Ok(Organisation {
        meta: meta!(m),
        place: place!(m, m.address.clone()),
        classification: classification(terms, m.id),
        roles: terms_of(terms, m.id, Vocabulary::OrganisationRole),
        legal_identifiers: identifiers.get(&m.id).cloned().unwrap_or_default(),
        other_links: json_list(&m.other_links, "organisation.other_links")?,
        network_memberships: json_list(&m.network_memberships, "organisation.network_memberships")?,
        tags: json_list(&m.tags, "organisation.tags")?,
        name: m.name,
        slug: m.slug,
        short_description: m.short_description,
        description: m.description,
        website: m.website,
        logo_url: m.logo_url,
        organisation_type: m.organisation_type,
        size: m.size,
        founded_on: m.founded_on,
    })
}

pub(crate) fn project(m: project::Model, terms: &TermsById) -> Result<Project, StoreError> {
    Ok(Project {
        meta: meta!(m),
        place: place!(m, m.address.clone()),
        classification: classification(terms, m.id),
        who_it_helps: json_list(&m.who_it_helps, "project.who_it_helps")?,
        project_status: m
            .project_status
            .as_deref()
            .map(|s| code(ProjectStatus::from_code, s, "project status"))
            .transpose()?,
        title: m.title,
        slug: m.slug,
        short_description: m.short_description,
        description: m.description,
        social_impact: m.social_impact,
        website: m.website,
        start_date: m.start_date,
        end_date: m.end_date,
    })
}

pub(crate) fn participation(m: participation::Model) -> Result<Participation, StoreError> {
    Ok(Participation {
        project_id: m.project_id,
        organisation_id: m.organisation_id,
        role: code(ParticipationRole::from_code, &m.role, "participation role")?,
    })
}

pub(crate) fn grant(m: grant_award::Model) -> Result<Grant, StoreError> {
    Ok(Grant {
        meta: meta!(m),
        amount_awarded: Money {
            amount: decimal(&m.amount_awarded, "grant.amount_awarded")?,
            currency: m.currency.clone(),
        },
        amount_applied_for: optional_decimal(
            m.amount_applied_for.as_deref(),
            "grant.amount_applied_for",
        )?,
        amount_disbursed: optional_decimal(
            m.amount_disbursed.as_deref(),
            "grant.amount_disbursed",
        )?,
        beneficiary_countries: json_list(&m.beneficiary_countries, "grant.beneficiary_countries")?,
        classifications: json_list(&m.classifications, "grant.classifications")?,
        identifier: m.identifier,
        title: m.title,
        description: m.description,
        award_date: m.award_date,
        planned_start: m.planned_start,
        planned_end: m.planned_end,
        funder_id: m.funder_id,
        recipient_id: m.recipient_id,
        project_id: m.project_id,
        programme: m.programme,
    })
}

pub(crate) fn support(m: support::Model) -> Result<Support, StoreError> {
    Ok(Support {
        meta: meta!(m),
        kind: code(SupportKind::from_code, &m.kind, "support kind")?,
        supporter_id: m.supporter_id,
        organisation_id: m.organisation_id,
        project_id: m.project_id,
        start_date: m.start_date,
        end_date: m.end_date,
        description: m.description,
    })
}

pub(crate) fn link(m: organisation_link::Model) -> Result<OrganisationLink, StoreError> {
    Ok(OrganisationLink {
        meta: meta!(m),
        kind: code(LinkKind::from_code, &m.kind, "link kind")?,
        from_id: m.from_id,
        to_id: m.to_id,
    })
}

pub(crate) fn event(
    m: event::Model,
    terms: &TermsById,
    organisers: &HashMap<Uuid, Vec<Uuid>>,
) -> Result<Event, StoreError> {
    Ok(Event {
        meta: meta!(m),
        place: place!(m, m.address.clone()),
        focus: terms_of(terms, m.id, Vocabulary::Focus),
        organiser_ids: organisers.get(&m.id).cloned().unwrap_or_default(),
        title: m.title,
        slug: m.slug,
        description: m.description,
        starts_at: m.starts_at,
        ends_at: m.ends_at,
        online: m.online,
        url: m.url,
        price: m.price,
    })
}

pub(crate) fn case_study(m: case_study::Model) -> Result<CaseStudy, StoreError> {
    Ok(CaseStudy {
        meta: meta!(m),
        title: m.title,
        slug: m.slug,
        summary: m.summary,
        body: m.body,
        organisation_id: m.organisation_id,
        project_id: m.project_id,
        period_start: m.period_start,
        period_end: m.period_end,
        url: m.url,
        featured: m.featured,
    })
}

pub(crate) fn funding_opportunity(
    m: funding_opportunity::Model,
) -> Result<FundingOpportunity, StoreError> {
    let targets: Vec<String> = json_list(&m.targets, "funding_opportunity.targets")?;
    Ok(FundingOpportunity {
        meta: meta!(m),
        funding_type: code(FundingType::from_code, &m.funding_type, "funding type")?,
        targets: targets
            .iter()
            .map(|t| code(FundingTarget::from_code, t, "funding target"))
            .collect::<Result<_, _>>()?,
        countries: json_list(&m.countries, "funding_opportunity.countries")?,
        title: m.title,
        slug: m.slug,
        description: m.description,
        url: m.url,
        funder_id: m.funder_id,
        closes_on: m.closes_on,
    })
}

pub(crate) fn impact_indicator(m: impact_indicator::Model) -> Result<ImpactIndicator, StoreError> {
    Ok(ImpactIndicator {
        meta: meta!(m),
        value: decimal(&m.value, "impact_indicator.value")?,
        project_id: m.project_id,
        name: m.name,
        unit: m.unit,
        period_start: m.period_start,
        period_end: m.period_end,
        method: m.method,
        source_url: m.source_url,
        reported_by_partner: m.reported_by_partner_id,
        reported_at: m.reported_at,
    })
}
