//! Batch reads by key, one statement per batch (plus one per kind of child row a record type
//! carries). The API's DataLoaders call these, so the statements of a request depend on the
//! shape of the query, never on the number of rows.

use std::collections::HashMap;

use panorama_domain::policy::ReadScope;
use panorama_domain::*;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::entities::*;
use crate::filter::scope_condition;
use crate::mapping::{self, TermsById};
use crate::{Store, StoreError};

/// Groups values under a key, keeping their order.
fn group<K: std::hash::Hash + Eq, V>(
    items: impl IntoIterator<Item = (K, V)>,
) -> HashMap<K, Vec<V>> {
    let mut map: HashMap<K, Vec<V>> = HashMap::new();
    for (k, v) in items {
        map.entry(k).or_default().push(v);
    }
    map
}

async fn organisation_terms(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<TermsById, StoreError> {
    let rows = organisation_term::Entity::find()
        .filter(organisation_term::Column::OrganisationId.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(group(
        rows.into_iter()
            .map(|r| (r.organisation_id, (r.vocabulary, r.code))),
    ))
}

pub(crate) async fn hydrate_organisations(
    db: &impl ConnectionTrait,
    models: Vec<organisation::Model>,
) -> Result<HashMap<Uuid, Organisation>, StoreError> {
    if models.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<Uuid> = models.iter().map(|m| m.id).collect();
    let terms = organisation_terms(db, &ids).await?;
    let identifiers = legal_identifier::Entity::find()
        .filter(legal_identifier::Column::OrganisationId.is_in(ids))
        .order_by_asc(legal_identifier::Column::Scheme)
        .all(db)
        .await?;
    let identifiers = group(identifiers.into_iter().map(|r| {
        (
            r.organisation_id,
            LegalIdentifier {
                scheme: r.scheme,
                value: r.value,
            },
        )
    }));
    models
        .into_iter()
        .map(|m| Ok((m.id, mapping::organisation(m, &terms, &identifiers)?)))
        .collect()
}

pub(crate) async fn hydrate_projects(
    db: &impl ConnectionTrait,
    models: Vec<project::Model>,
) -> Result<HashMap<Uuid, Project>, StoreError> {
    if models.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = project_term::Entity::find()
        .filter(project_term::Column::ProjectId.is_in(models.iter().map(|m| m.id)))
        .all(db)
        .await?;
    let terms = group(
        rows.into_iter()
            .map(|r| (r.project_id, (r.vocabulary, r.code))),
    );
    models
        .into_iter()
        .map(|m| Ok((m.id, mapping::project(m, &terms)?)))
        .collect()
}

pub(crate) async fn hydrate_events(
    db: &impl ConnectionTrait,
    models: Vec<event::Model>,
) -> Result<HashMap<Uuid, Event>, StoreError> {
    if models.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<Uuid> = models.iter().map(|m| m.id).collect();
    let terms = event_term::Entity::find()
        .filter(event_term::Column::EventId.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    let terms = group(
        terms
            .into_iter()
            .map(|r| (r.event_id, (r.vocabulary, r.code))),
    );
    let organisers = event_organiser::Entity::find()
        .filter(event_organiser::Column::EventId.is_in(ids))
        .all(db)
        .await?;
    let organisers = group(
        organisers
            .into_iter()
            .map(|r| (r.event_id, r.organisation_id)),
    );
    models
        .into_iter()
        .map(|m| Ok((m.id, mapping::event(m, &terms, &organisers)?)))
        .collect()
}

/// Maps rows one by one and groups them under a key.
fn grouped<M, T>(
    rows: Vec<M>,
    key: impl Fn(&M) -> Option<Uuid>,
    map: impl Fn(M) -> Result<T, StoreError>,
) -> Result<HashMap<Uuid, Vec<T>>, StoreError> {
    let mut out: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        if let Some(k) = key(&row) {
            out.entry(k).or_default().push(map(row)?);
        }
    }
    Ok(out)
}

impl Store {
    pub async fn organisations_by_id(
        &self,
        scope: &ReadScope,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Organisation>, StoreError> {
        let models = organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(ids.iter().copied()))
            .filter(scope_condition("organisation", scope))
            .all(self.connection())
            .await?;
        hydrate_organisations(self.connection(), models).await
    }

    pub async fn organisations_by_slug(
        &self,
        scope: &ReadScope,
        slugs: &[String],
    ) -> Result<HashMap<String, Organisation>, StoreError> {
        let models = organisation::Entity::find()
            .filter(organisation::Column::Slug.is_in(slugs.iter().cloned()))
            .filter(scope_condition("organisation", scope))
            .all(self.connection())
            .await?;
        let records = hydrate_organisations(self.connection(), models).await?;
        Ok(records.into_values().map(|o| (o.slug.clone(), o)).collect())
    }

    pub async fn projects_by_id(
        &self,
        scope: &ReadScope,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Project>, StoreError> {
        let models = project::Entity::find()
            .filter(project::Column::Id.is_in(ids.iter().copied()))
            .filter(scope_condition("project", scope))
            .all(self.connection())
            .await?;
        hydrate_projects(self.connection(), models).await
    }

    pub async fn projects_by_slug(
        &self,
        scope: &ReadScope,
        slugs: &[String],
    ) -> Result<HashMap<String, Project>, StoreError> {
        let models = project::Entity::find()
            .filter(project::Column::Slug.is_in(slugs.iter().cloned()))
            .filter(scope_condition("project", scope))
            .all(self.connection())
            .await?;
        let records = hydrate_projects(self.connection(), models).await?;
        Ok(records.into_values().map(|p| (p.slug.clone(), p)).collect())
    }

    pub async fn grants_by_id(
        &self,
        scope: &ReadScope,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Grant>, StoreError> {
        let rows = grant_award::Entity::find()
            .filter(grant_award::Column::Id.is_in(ids.iter().copied()))
            .filter(scope_condition("grant_award", scope))
            .all(self.connection())
            .await?;
        rows.into_iter()
            .map(|m| Ok((m.id, mapping::grant(m)?)))
            .collect()
    }

    pub async fn events_by_id(
        &self,
        scope: &ReadScope,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Event>, StoreError> {
        let models = event::Entity::find()
            .filter(event::Column::Id.is_in(ids.iter().copied()))
            .filter(scope_condition("event", scope))
            .all(self.connection())
            .await?;
        hydrate_events(self.connection(), models).await
    }

    pub async fn case_studies_by_id(
        &self,
        scope: &ReadScope,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, CaseStudy>, StoreError> {
        let rows = case_study::Entity::find()
            .filter(case_study::Column::Id.is_in(ids.iter().copied()))
            .filter(scope_condition("case_study", scope))
            .all(self.connection())
            .await?;
        rows.into_iter()
            .map(|m| Ok((m.id, mapping::case_study(m)?)))
            .collect()
    }

    pub async fn funding_opportunities_by_id(
        &self,
        scope: &ReadScope,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, FundingOpportunity>, StoreError> {
        let rows = funding_opportunity::Entity::find()
            .filter(funding_opportunity::Column::Id.is_in(ids.iter().copied()))
            .filter(scope_condition("funding_opportunity", scope))
            .all(self.connection())
            .await?;
        rows.into_iter()
            .map(|m| Ok((m.id, mapping::funding_opportunity(m)?)))
            .collect()
    }

    /// Participations of organisations or of projects (`side`). The records on the
    /// other side are loaded through their own scoped loaders, which hide what the caller may
    /// not see.
    pub async fn participations(
        &self,
        side: Side,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<Participation>>, StoreError> {
        let column = if side == Side::Project {
            participation::Column::ProjectId
        } else {
            participation::Column::OrganisationId
        };
        let rows = participation::Entity::find()
            .filter(column.is_in(ids.iter().copied()))
            .order_by_asc(participation::Column::Role)
            .all(self.connection())
            .await?;
        grouped(
            rows,
            |r| {
                Some(if side == Side::Project {
                    r.project_id
                } else {
                    r.organisation_id
                })
            },
            mapping::participation,
        )
    }

    /// Grants whose funder, recipient or project (`party`) is one of `ids`, newest award first.
    pub async fn grants_by(
        &self,
        scope: &ReadScope,
        party: GrantParty,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<Grant>>, StoreError> {
        let column = match party {
            GrantParty::Funder => grant_award::Column::FunderId,
            GrantParty::Recipient => grant_award::Column::RecipientId,
            GrantParty::Project => grant_award::Column::ProjectId,
        };
        let rows = grant_award::Entity::find()
            .filter(column.is_in(ids.iter().copied()))
            .filter(scope_condition("grant_award", scope))
            .order_by_desc(grant_award::Column::AwardDate)
            .all(self.connection())
            .await?;
        grouped(
            rows,
            |r| match party {
                GrantParty::Funder => Some(r.funder_id),
                GrantParty::Recipient => Some(r.recipient_id),
                GrantParty::Project => r.project_id,
            },
            mapping::grant,
        )
    }

    /// Support records by supporter, supported organisation or supported project.
    pub async fn support_by(
        &self,
        scope: &ReadScope,
        party: SupportParty,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<Support>>, StoreError> {
        let column = match party {
            SupportParty::Supporter => support::Column::SupporterId,
            SupportParty::Organisation => support::Column::OrganisationId,
            SupportParty::Project => support::Column::ProjectId,
        };
        let rows = support::Entity::find()
            .filter(column.is_in(ids.iter().copied()))
            .filter(scope_condition("support", scope))
            .all(self.connection())
            .await?;
        grouped(
            rows,
            |r| match party {
                SupportParty::Supporter => Some(r.supporter_id),
                SupportParty::Organisation => r.organisation_id,
                SupportParty::Project => r.project_id,
            },
            mapping::support,
        )
    }

    /// Links from or to each organisation, grouped under that organisation.
    pub async fn links_of(
        &self,
        scope: &ReadScope,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<OrganisationLink>>, StoreError> {
        let rows = organisation_link::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(organisation_link::Column::FromId.is_in(ids.iter().copied()))
                    .add(organisation_link::Column::ToId.is_in(ids.iter().copied())),
            )
            .filter(scope_condition("organisation_link", scope))
            .all(self.connection())
            .await?;
        let mut out: HashMap<Uuid, Vec<OrganisationLink>> = HashMap::new();
        for row in rows {
            let link = mapping::link(row)?;
            for end in [link.from_id, link.to_id] {
                if ids.contains(&end) {
                    out.entry(end).or_default().push(link.clone());
                }
            }
        }
        Ok(out)
    }

    /// Ids of the events each organisation organises.
    pub async fn events_organised_by(
        &self,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<Uuid>>, StoreError> {
        let rows = event_organiser::Entity::find()
            .filter(event_organiser::Column::OrganisationId.is_in(ids.iter().copied()))
            .all(self.connection())
            .await?;
        Ok(group(
            rows.into_iter().map(|r| (r.organisation_id, r.event_id)),
        ))
    }

    pub async fn case_studies_of(
        &self,
        scope: &ReadScope,
        side: Side,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<CaseStudy>>, StoreError> {
        let column = if side == Side::Project {
            case_study::Column::ProjectId
        } else {
            case_study::Column::OrganisationId
        };
        let rows = case_study::Entity::find()
            .filter(column.is_in(ids.iter().copied()))
            .filter(scope_condition("case_study", scope))
            .all(self.connection())
            .await?;
        grouped(
            rows,
            |r| {
                if side == Side::Project {
                    r.project_id
                } else {
                    r.organisation_id
                }
            },
            mapping::case_study,
        )
    }

    pub async fn funding_opportunities_of(
        &self,
        scope: &ReadScope,
        funder_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<FundingOpportunity>>, StoreError> {
        let rows = funding_opportunity::Entity::find()
            .filter(funding_opportunity::Column::FunderId.is_in(funder_ids.iter().copied()))
            .filter(scope_condition("funding_opportunity", scope))
            .all(self.connection())
            .await?;
        grouped(rows, |r| r.funder_id, mapping::funding_opportunity)
    }

    pub async fn impact_indicators_of(
        &self,
        scope: &ReadScope,
        project_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<ImpactIndicator>>, StoreError> {
        let rows = impact_indicator::Entity::find()
            .filter(impact_indicator::Column::ProjectId.is_in(project_ids.iter().copied()))
            .filter(scope_condition("impact_indicator", scope))
            .all(self.connection())
            .await?;
        grouped(rows, |r| Some(r.project_id), mapping::impact_indicator)
    }

    /// The terms of some vocabularies as stored (labels may have been edited), in display order.
    pub async fn taxonomies(
        &self,
        vocabularies: &[taxonomy::Vocabulary],
    ) -> Result<HashMap<taxonomy::Vocabulary, Vec<TaxonomyTerm>>, StoreError> {
        let rows = taxonomy_term::Entity::find()
            .filter(taxonomy_term::Column::Vocabulary.is_in(vocabularies.iter().map(|v| v.code())))
            .order_by_asc(taxonomy_term::Column::Vocabulary)
            .order_by_asc(taxonomy_term::Column::Position)
            .all(self.connection())
            .await?;
        let terms = rows.into_iter().filter_map(|r| {
            let vocabulary = taxonomy::Vocabulary::from_code(&r.vocabulary)?;
            Some((
                vocabulary,
                TaxonomyTerm {
                    vocabulary,
                    code: r.code,
                    label_en: r.label_en,
                    label_fr: r.label_fr,
                },
            ))
        });
        Ok(group(terms))
    }
}

/// Whether a look-up is by organisation or by project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Organisation,
    Project,
}

/// Which side of a grant a look-up is by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrantParty {
    Funder,
    Recipient,
    Project,
}

/// Which side of a support record a look-up is by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SupportParty {
    Supporter,
    Organisation,
    Project,
}

/// A stored taxonomy term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxonomyTerm {
    pub vocabulary: taxonomy::Vocabulary,
    pub code: String,
    pub label_en: String,
    pub label_fr: String,
}
