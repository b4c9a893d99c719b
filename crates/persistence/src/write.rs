//! Inserting and updating domain records. Each function writes one record with its child rows;
//! callers wrap several in one transaction, so a load or a change lands whole or not at all.

use panorama_domain::taxonomy::{TermCode, Vocabulary};
use panorama_domain::text::fold;
use panorama_domain::*;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::StoreError;
use crate::entities::*;
use crate::time::stamp;

fn json<T: serde::Serialize>(value: &T) -> String {
    // Lists of strings and plain structs always serialise.
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_owned())
}

/// The folded text that free-text search looks in.
fn search_text(parts: &[Option<&str>]) -> String {
    let joined: Vec<String> = parts.iter().flatten().map(|p| fold(p)).collect();
    joined.join(" ")
}

/// `base`, or `base-2`, `base-3`… whichever no record of `table` has yet.
pub async fn free_slug(
    db: &impl ConnectionTrait,
    table: &'static str,
    base: &str,
) -> Result<String, StoreError> {
    let query = sea_orm::sea_query::Query::select()
        .column("slug")
        .from(table)
        .and_where(
            Expr::col("slug")
                .eq(base)
                .or(Expr::col("slug").like(format!("{base}-%"))),
        )
        .to_owned();
    let taken: Vec<String> = db
        .query_all(&query)
        .await?
        .into_iter()
        .filter_map(|row| row.try_get_by_index::<String>(0).ok())
        .collect();
    if !taken.iter().any(|s| s == base) {
        return Ok(base.to_owned());
    }
    Ok((2..)
        .map(|n| format!("{base}-{n}"))
        .find(|s| !taken.contains(s))
        .unwrap_or_else(|| base.to_owned()))
}

macro_rules! record_columns {
    ($meta:expr) => {
        (
            Set($meta.id),
            Set($meta.status.code().to_owned()),
            Set($meta.version),
            Set($meta.owner_partner),
            Set($meta.source.code()),
            Set(stamp($meta.created_at)),
            Set(stamp($meta.updated_at)),
            Set($meta.created_by.clone()),
        )
    };
}

/// Term rows of a record, one per (vocabulary, code).
fn term_rows<'a>(
    groups: &'a [(Vocabulary, &'a [TermCode])],
) -> impl Iterator<Item = (&'static str, String)> + 'a {
    groups
        .iter()
        .flat_map(|(v, codes)| codes.iter().map(move |c| (v.code(), c.clone())))
}

/// The row of an organisation, every column set.
fn organisation_row(o: &Organisation) -> organisation::ActiveModel {
    let (id, status, version, owner_partner_id, source, created_at, updated_at, created_by) =
        record_columns!(o.meta);
    let point = o.place.point;
    organisation::ActiveModel {
        id,
        status,
        version,
        owner_partner_id,
        source,
        created_at,
        updated_at,
        created_by,
        name: Set(o.name.clone()),
        slug: Set(o.slug.clone()),
        sort_name: Set(fold(&o.name)),
        search_text: Set(search_text(&[
            Some(&o.name),
            o.short_description.as_deref(),
            o.description.as_deref(),
        ])),
        short_description: Set(o.short_description.clone()),
        description: Set(o.description.clone()),
        website: Set(o.website.clone()),
        other_links: Set(json(&o.other_links)),
        logo_url: Set(o.logo_url.clone()),
        organisation_type: Set(o.organisation_type.clone()),
        size: Set(o.size.clone()),
        founded_on: Set(o.founded_on),
        address: Set(o.place.address.clone()),
        city: Set(o.place.city.clone()),
        region: Set(o.place.region.clone()),
        country: Set(o.place.country.clone()),
        latitude: Set(point.map(|p| p.latitude)),
        longitude: Set(point.map(|p| p.longitude)),
        network_memberships: Set(json(&o.network_memberships)),
        tags: Set(json(&o.tags)),
    }
}

/// Rows a multi-row INSERT carries at most. The widest row (an organisation) has under 30
/// columns, so a statement stays below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
const ROWS_PER_STATEMENT: usize = 1000;

/// Inserts `rows` in as few statements as the parameter limits allow.
async fn insert_rows<A>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), StoreError>
where
    A: sea_orm::ActiveModelTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        A::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// The term and legal-identifier rows of organisations.
async fn insert_organisation_children(
    db: &impl ConnectionTrait,
    organisations: &[Organisation],
) -> Result<(), StoreError> {
    let mut terms = Vec::new();
    let mut identifiers = Vec::new();
    for o in organisations {
        let c = &o.classification;
        let groups = [
            (Vocabulary::Focus, c.focus.as_slice()),
            (Vocabulary::Technology, c.technologies.as_slice()),
            (Vocabulary::ImpactArea, c.impact_areas.as_slice()),
            (Vocabulary::OrganisationRole, o.roles.as_slice()),
        ];
        terms.extend(
            term_rows(&groups).map(|(vocabulary, code)| organisation_term::ActiveModel {
                organisation_id: Set(o.meta.id),
                vocabulary: Set(vocabulary.to_owned()),
                code: Set(code),
            }),
        );
        identifiers.extend(
            o.legal_identifiers
                .iter()
                .map(|l| legal_identifier::ActiveModel {
                    organisation_id: Set(o.meta.id),
                    scheme: Set(l.scheme.clone()),
                    value: Set(l.value.clone()),
                }),
        );
    }
    insert_rows(db, terms).await?;
    insert_rows(db, identifiers).await
}

pub async fn insert_organisation(
    db: &impl ConnectionTrait,
    o: &Organisation,
) -> Result<(), StoreError> {
    insert_organisations(db, std::slice::from_ref(o)).await
}

/// Inserts new organisations with their child rows and feed events, a thousand rows a
/// statement: what a bulk load (the benchmark's synthetic registry) needs to stay fast.
pub async fn insert_organisations(
    db: &impl ConnectionTrait,
    organisations: &[Organisation],
) -> Result<(), StoreError> {
    crate::feed::note_inserts(db, "organisation", organisations.iter().map(|o| &o.meta)).await?;
    insert_rows(db, organisations.iter().map(organisation_row).collect()).await?;
    insert_organisation_children(db, organisations).await
}

/// Writes `$row` over the stored record `$id` of `$module` if that is still at `$expected`; the
/// stored version becomes `$expected + 1`. The check and the write are one statement, so of two
/// writers that read the same version exactly one succeeds.
macro_rules! update_versioned {
    ($db:expr, $module:ident, $row:expr, $id:expr, $expected:expr) => {{
        let mut row = $row;
        row.version = Set($expected + 1);
        row.id = NotSet;
        row.created_at = NotSet;
        let updated = $module::Entity::update_many()
            .set(row)
            .filter($module::Column::Id.eq($id))
            .filter($module::Column::Version.eq($expected))
            .exec($db)
            .await?;
        if updated.rows_affected == 0 {
            let current = $module::Entity::find_by_id($id).one($db).await?;
            return Err(match current {
                Some(row) => StoreError::StaleVersion {
                    current: row.version,
                },
                None => StoreError::NotFound(stringify!($module)),
            });
        }
    }};
}

pub async fn update_organisation(
    db: &impl ConnectionTrait,
    o: &Organisation,
    expected_version: i32,
) -> Result<(), StoreError> {
    update_versioned!(
        db,
        organisation,
        organisation_row(o),
        o.meta.id,
        expected_version
    );
    organisation_term::Entity::delete_many()
        .filter(organisation_term::Column::OrganisationId.eq(o.meta.id))
        .exec(db)
        .await?;
    legal_identifier::Entity::delete_many()
        .filter(legal_identifier::Column::OrganisationId.eq(o.meta.id))
        .exec(db)
        .await?;
    insert_organisation_children(db, std::slice::from_ref(o)).await
}

pub async fn update_project(
    db: &impl ConnectionTrait,
    p: &Project,
    expected_version: i32,
) -> Result<(), StoreError> {
    update_versioned!(db, project, project_row(p), p.meta.id, expected_version);
    project_term::Entity::delete_many()
        .filter(project_term::Column::ProjectId.eq(p.meta.id))
        .exec(db)
        .await?;
    insert_project_children(db, std::slice::from_ref(p)).await
}

pub async fn update_event(
    db: &impl ConnectionTrait,
    e: &Event,
    expected_version: i32,
) -> Result<(), StoreError> {
    update_versioned!(db, event, event_row(e), e.meta.id, expected_version);
    event_term::Entity::delete_many()
        .filter(event_term::Column::EventId.eq(e.meta.id))
        .exec(db)
        .await?;
    event_organiser::Entity::delete_many()
        .filter(event_organiser::Column::EventId.eq(e.meta.id))
        .exec(db)
        .await?;
    insert_event_children(db, e).await
}

/// Versioned updates of records without child rows.
macro_rules! update_plain {
    ($($name:ident($typ:ty) => $module:ident, $row:ident;)+) => {$(
        pub async fn $name(
            db: &impl ConnectionTrait,
            record: &$typ,
            expected_version: i32,
        ) -> Result<(), StoreError> {
            update_versioned!(db, $module, $row(record), record.meta.id, expected_version);
            Ok(())
        }
    )+};
}

update_plain! {
    update_grant(Grant) => grant_award, grant_row;
    update_support(Support) => support, support_row;
    update_link(OrganisationLink) => organisation_link, link_row;
    update_case_study(CaseStudy) => case_study, case_study_row;
    update_funding_opportunity(FundingOpportunity) => funding_opportunity, funding_opportunity_row;
    update_impact_indicator(ImpactIndicator) => impact_indicator, impact_indicator_row;
}

/// The row of a project, every column set.
fn project_row(p: &Project) -> project::ActiveModel {
    let (id, status, version, owner_partner_id, source, created_at, updated_at, created_by) =
        record_columns!(p.meta);
    let point = p.place.point;
    project::ActiveModel {
        id,
        status,
        version,
        owner_partner_id,
        source,
        created_at,
        updated_at,
        created_by,
        title: Set(p.title.clone()),
        slug: Set(p.slug.clone()),
        sort_name: Set(fold(&p.title)),
        search_text: Set(search_text(&[
            Some(&p.title),
            p.short_description.as_deref(),
            p.description.as_deref(),
            p.social_impact.as_deref(),
        ])),
        short_description: Set(p.short_description.clone()),
        description: Set(p.description.clone()),
        social_impact: Set(p.social_impact.clone()),
        website: Set(p.website.clone()),
        project_status: Set(p.project_status.map(|s| s.code().to_owned())),
        start_date: Set(p.start_date),
        end_date: Set(p.end_date),
        address: Set(p.place.address.clone()),
        city: Set(p.place.city.clone()),
        region: Set(p.place.region.clone()),
        country: Set(p.place.country.clone()),
        latitude: Set(point.map(|p| p.latitude)),
        longitude: Set(point.map(|p| p.longitude)),
        who_it_helps: Set(json(&p.who_it_helps)),
    }
}

/// The child rows of a project.
async fn insert_project_children(
    db: &impl ConnectionTrait,
    projects: &[Project],
) -> Result<(), StoreError> {
    let mut terms = Vec::new();
    for p in projects {
        let c = &p.classification;
        let groups = [
            (Vocabulary::Focus, c.focus.as_slice()),
            (Vocabulary::Technology, c.technologies.as_slice()),
            (Vocabulary::ImpactArea, c.impact_areas.as_slice()),
        ];
        terms.extend(
            term_rows(&groups).map(|(vocabulary, code)| project_term::ActiveModel {
                project_id: Set(p.meta.id),
                vocabulary: Set(vocabulary.to_owned()),
                code: Set(code),
            }),
        );
    }
    insert_rows(db, terms).await
}

pub async fn insert_project(db: &impl ConnectionTrait, p: &Project) -> Result<(), StoreError> {
    insert_projects(db, std::slice::from_ref(p)).await
}

/// Inserts new projects with their terms and feed events, in few statements.
pub async fn insert_projects(
    db: &impl ConnectionTrait,
    projects: &[Project],
) -> Result<(), StoreError> {
    crate::feed::note_inserts(db, "project", projects.iter().map(|p| &p.meta)).await?;
    insert_rows(db, projects.iter().map(project_row).collect()).await?;
    insert_project_children(db, projects).await
}

/// Adds participations, skipping those that exist already.
pub async fn insert_participations(
    db: &impl ConnectionTrait,
    rows: &[Participation],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let models: Vec<_> = chunk
            .iter()
            .map(|p| participation::ActiveModel {
                project_id: Set(p.project_id),
                organisation_id: Set(p.organisation_id),
                role: Set(p.role.code().to_owned()),
            })
            .collect();
        participation::Entity::insert_many(models)
            .on_conflict_do_nothing_on([
                participation::Column::ProjectId,
                participation::Column::OrganisationId,
                participation::Column::Role,
            ])
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// The row of a grant, every column set.
fn grant_row(g: &Grant) -> grant_award::ActiveModel {
    let (id, status, version, owner_partner_id, source, created_at, updated_at, created_by) =
        record_columns!(g.meta);
    grant_award::ActiveModel {
        id,
        status,
        version,
        owner_partner_id,
        source,
        created_at,
        updated_at,
        created_by,
        identifier: Set(g.identifier.clone()),
        title: Set(g.title.clone()),
        sort_name: Set(fold(&g.title)),
        search_text: Set(search_text(&[
            Some(&g.title),
            g.description.as_deref(),
            g.programme.as_deref(),
        ])),
        description: Set(g.description.clone()),
        currency: Set(g.amount_awarded.currency.clone()),
        amount_awarded: Set(g.amount_awarded.amount.to_string()),
        amount_applied_for: Set(g.amount_applied_for.map(|a| a.to_string())),
        amount_disbursed: Set(g.amount_disbursed.map(|a| a.to_string())),
        award_date: Set(g.award_date),
        planned_start: Set(g.planned_start),
        planned_end: Set(g.planned_end),
        funder_id: Set(g.funder_id),
        recipient_id: Set(g.recipient_id),
        project_id: Set(g.project_id),
        programme: Set(g.programme.clone()),
        beneficiary_countries: Set(json(&g.beneficiary_countries)),
        classifications: Set(json(&g.classifications)),
    }
}

pub async fn insert_grant(db: &impl ConnectionTrait, g: &Grant) -> Result<(), StoreError> {
    insert_grants(db, std::slice::from_ref(g)).await
}

/// Inserts new grants with their feed events, in few statements.
pub async fn insert_grants(db: &impl ConnectionTrait, grants: &[Grant]) -> Result<(), StoreError> {
    crate::feed::note_inserts(db, "grant_award", grants.iter().map(|g| &g.meta)).await?;
    insert_rows(db, grants.iter().map(grant_row).collect()).await
}

/// The row of a support, every column set.
fn support_row(s: &Support) -> support::ActiveModel {
    let (id, status, version, owner_partner_id, source, created_at, updated_at, created_by) =
        record_columns!(s.meta);
    support::ActiveModel {
        id,
        status,
        version,
        owner_partner_id,
        source,
        created_at,
        updated_at,
        created_by,
        supporter_id: Set(s.supporter_id),
        organisation_id: Set(s.organisation_id),
        project_id: Set(s.project_id),
        kind: Set(s.kind.code().to_owned()),
        start_date: Set(s.start_date),
        end_date: Set(s.end_date),
        description: Set(s.description.clone()),
    }
}

pub async fn insert_support(db: &impl ConnectionTrait, s: &Support) -> Result<(), StoreError> {
    crate::feed::note_insert(db, "support", &s.meta).await?;
    support::Entity::insert(support_row(s))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The row of a link, every column set.
fn link_row(l: &OrganisationLink) -> organisation_link::ActiveModel {
    let (id, status, version, owner_partner_id, source, created_at, updated_at, created_by) =
        record_columns!(l.meta);
    organisation_link::ActiveModel {
        id,
        status,
        version,
        owner_partner_id,
        source,
        created_at,
        updated_at,
        created_by,
        from_id: Set(l.from_id),
        to_id: Set(l.to_id),
        kind: Set(l.kind.code().to_owned()),
    }
}

pub async fn insert_link(
    db: &impl ConnectionTrait,
    l: &OrganisationLink,
) -> Result<(), StoreError> {
    crate::feed::note_insert(db, "organisation_link", &l.meta).await?;
    organisation_link::Entity::insert(link_row(l))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The row of an event, every column set.
fn event_row(e: &Event) -> event::ActiveModel {
    let (id, status, version, owner_partner_id, source, created_at, updated_at, created_by) =
        record_columns!(e.meta);
    let point = e.place.point;
    event::ActiveModel {
        id,
        status,
        version,
        owner_partner_id,
        source,
        created_at,
        updated_at,
        created_by,
        title: Set(e.title.clone()),
        slug: Set(e.slug.clone()),
        sort_name: Set(fold(&e.title)),
        search_text: Set(search_text(&[Some(&e.title), e.description.as_deref()])),
        description: Set(e.description.clone()),
        starts_at: Set(stamp(e.starts_at)),
        ends_at: Set(e.ends_at.map(stamp)),
        online: Set(e.online),
        address: Set(e.place.address.clone()),
        city: Set(e.place.city.clone()),
        region: Set(e.place.region.clone()),
        country: Set(e.place.country.clone()),
        latitude: Set(point.map(|p| p.latitude)),
        longitude: Set(point.map(|p| p.longitude)),
        url: Set(e.url.clone()),
        price: Set(e.price.clone()),
    }
}

/// The child rows of an event.
async fn insert_event_children(db: &impl ConnectionTrait, e: &Event) -> Result<(), StoreError> {
    if !e.focus.is_empty() {
        let rows = e.focus.iter().map(|code| event_term::ActiveModel {
            event_id: Set(e.meta.id),
            vocabulary: Set(Vocabulary::Focus.code().to_owned()),
            code: Set(code.clone()),
        });
        event_term::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    if !e.organiser_ids.is_empty() {
        let rows = e
            .organiser_ids
            .iter()
            .map(|organisation_id| event_organiser::ActiveModel {
                event_id: Set(e.meta.id),
                organisation_id: Set(*organisation_id),
            });
        event_organiser::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

pub async fn insert_event(db: &impl ConnectionTrait, e: &Event) -> Result<(), StoreError> {
    crate::feed::note_insert(db, "event", &e.meta).await?;
    event::Entity::insert(event_row(e))
        .exec_without_returning(db)
        .await?;
    insert_event_children(db, e).await
}

/// The row of a case study, every column set.
fn case_study_row(c: &CaseStudy) -> case_study::ActiveModel {
    let (id, status, version, owner_partner_id, source, created_at, updated_at, created_by) =
        record_columns!(c.meta);
    case_study::ActiveModel {
        id,
        status,
        version,
        owner_partner_id,
        source,
        created_at,
        updated_at,
        created_by,
        title: Set(c.title.clone()),
        slug: Set(c.slug.clone()),
        sort_name: Set(fold(&c.title)),
        search_text: Set(search_text(&[
            Some(&c.title),
            c.summary.as_deref(),
            c.body.as_deref(),
        ])),
        summary: Set(c.summary.clone()),
        body: Set(c.body.clone()),
        organisation_id: Set(c.organisation_id),
        project_id: Set(c.project_id),
        period_start: Set(c.period_start),
        period_end: Set(c.period_end),
        url: Set(c.url.clone()),
        featured: Set(c.featured),
    }
}

pub async fn insert_case_study(db: &impl ConnectionTrait, c: &CaseStudy) -> Result<(), StoreError> {
    crate::feed::note_insert(db, "case_study", &c.meta).await?;
    case_study::Entity::insert(case_study_row(c))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The row of a funding opportunity, every column set.
fn funding_opportunity_row(f: &FundingOpportunity) -> funding_opportunity::ActiveModel {
    let (id, status, version, owner_partner_id, source, created_at, updated_at, created_by) =
        record_columns!(f.meta);
    let targets: Vec<&str> = f.targets.iter().map(|t| t.code()).collect();
    funding_opportunity::ActiveModel {
        id,
        status,
        version,
        owner_partner_id,
        source,
        created_at,
        updated_at,
        created_by,
        title: Set(f.title.clone()),
        slug: Set(f.slug.clone()),
        sort_name: Set(fold(&f.title)),
        search_text: Set(search_text(&[Some(&f.title), f.description.as_deref()])),
        description: Set(f.description.clone()),
        url: Set(f.url.clone()),
        funder_id: Set(f.funder_id),
        closes_on: Set(f.closes_on),
        funding_type: Set(f.funding_type.code().to_owned()),
        targets: Set(json(&targets)),
        countries: Set(json(&f.countries)),
    }
}

pub async fn insert_funding_opportunity(
    db: &impl ConnectionTrait,
    f: &FundingOpportunity,
) -> Result<(), StoreError> {
    crate::feed::note_insert(db, "funding_opportunity", &f.meta).await?;
    funding_opportunity::Entity::insert(funding_opportunity_row(f))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The row of an impact indicator, every column set.
fn impact_indicator_row(i: &ImpactIndicator) -> impact_indicator::ActiveModel {
    let (id, status, version, owner_partner_id, source, created_at, updated_at, created_by) =
        record_columns!(i.meta);
    impact_indicator::ActiveModel {
        id,
        status,
        version,
        owner_partner_id,
        source,
        created_at,
        updated_at,
        created_by,
        project_id: Set(i.project_id),
        name: Set(i.name.clone()),
        value: Set(i.value.to_string()),
        unit: Set(i.unit.clone()),
        period_start: Set(i.period_start),
        period_end: Set(i.period_end),
        method: Set(i.method.clone()),
        source_url: Set(i.source_url.clone()),
        reported_by_partner_id: Set(i.reported_by_partner),
        reported_at: Set(i.reported_at.map(stamp)),
    }
}

pub async fn insert_impact_indicator(
    db: &impl ConnectionTrait,
    i: &ImpactIndicator,
) -> Result<(), StoreError> {
    crate::feed::note_insert(db, "impact_indicator", &i.meta).await?;
    impact_indicator::Entity::insert(impact_indicator_row(i))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The record an external system's id stands for, if it is known.
pub async fn find_external_id(
    db: &impl ConnectionTrait,
    namespace: &str,
    record_type: &str,
    external: &str,
) -> Result<Option<Uuid>, StoreError> {
    let row = external_id::Entity::find_by_id((
        namespace.to_owned(),
        record_type.to_owned(),
        external.to_owned(),
    ))
    .one(db)
    .await?;
    Ok(row.map(|r| r.record_id))
}

/// Those of `externals` known in one namespace and record type, as a map to record ids.
pub async fn find_external_ids(
    db: &impl ConnectionTrait,
    namespace: &str,
    record_type: &str,
    externals: &[String],
) -> Result<std::collections::HashMap<String, Uuid>, StoreError> {
    if externals.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let rows: Vec<(String, Uuid)> = external_id::Entity::find()
        .select_only()
        .column(external_id::Column::ExternalId)
        .column(external_id::Column::RecordId)
        .filter(external_id::Column::Namespace.eq(namespace))
        .filter(external_id::Column::RecordType.eq(record_type))
        .filter(external_id::Column::ExternalId.is_in(externals.iter().cloned()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// All external ids of one namespace and record type, as a map to record ids.
pub async fn external_ids(
    db: &impl ConnectionTrait,
    namespace: &str,
    record_type: &str,
) -> Result<std::collections::HashMap<String, Uuid>, StoreError> {
    let rows: Vec<(String, Uuid)> = external_id::Entity::find()
        .select_only()
        .column(external_id::Column::ExternalId)
        .column(external_id::Column::RecordId)
        .filter(external_id::Column::Namespace.eq(namespace))
        .filter(external_id::Column::RecordType.eq(record_type))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

pub async fn insert_external_id(
    db: &impl ConnectionTrait,
    namespace: &str,
    record_type: &str,
    external: &str,
    record_id: Uuid,
) -> Result<(), StoreError> {
    external_id::Entity::insert(external_id::ActiveModel {
        namespace: Set(namespace.to_owned()),
        record_type: Set(record_type.to_owned()),
        external_id: Set(external.to_owned()),
        record_id: Set(record_id),
        created_at: Set(crate::time::now()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Whether the registry holds no organisation at all (a fresh database).
pub async fn is_empty(db: &impl ConnectionTrait) -> Result<bool, StoreError> {
    let any = organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Id)
        .limit(1)
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    Ok(any.is_none())
}
