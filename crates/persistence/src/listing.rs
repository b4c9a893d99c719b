//! Listings: keyset pagination (never OFFSET), counts and facets over one filter condition.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use panorama_domain::filter::*;
use panorama_domain::model::GeoPoint;
use panorama_domain::page::{PageDirection, PageRequest};
use panorama_domain::policy::ReadScope;
use panorama_domain::taxonomy::Vocabulary;
use panorama_domain::*;
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select,
};
use uuid::Uuid;

use crate::cursor::{Cursor, SortValue};
use crate::entities::*;
use crate::filter::*;
use crate::time::stamp;
use crate::{Store, StoreError, loaders};

/// One page of a listing, in the requested order.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub rows: Vec<PageRow<T>>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
}

#[derive(Debug, Clone)]
pub struct PageRow<T> {
    pub cursor: String,
    pub record: T,
}

/// Counts per value of one facet, most frequent first.
pub type FacetCounts = Vec<(String, u64)>;

/// The filter sidebar of a listing: counts for the current filter.
#[derive(Debug, Clone, Default)]
pub struct Facets {
    pub focus: FacetCounts,
    pub technologies: FacetCounts,
    pub impact_areas: FacetCounts,
    pub organisation_types: FacetCounts,
    pub countries: FacetCounts,
}

/// What keyset pagination needs to know of a row: its id and the value of a sort key.
pub(crate) trait Keyed {
    const TABLE: &'static str;
    fn id(&self) -> Uuid;
    fn sort_name(&self) -> &str;
    fn created_at(&self) -> DateTime<Utc>;
    fn updated_at(&self) -> DateTime<Utc>;
    fn point(&self) -> Option<GeoPoint>;

    fn sort_value(&self, key: SortKey) -> Option<SortValue> {
        Some(match key {
            SortKey::Name => SortValue::Text(self.sort_name().to_owned()),
            SortKey::Created => SortValue::Time(stamp(self.created_at()).timestamp_micros()),
            SortKey::Updated => SortValue::Time(stamp(self.updated_at()).timestamp_micros()),
            SortKey::Distance(center) => SortValue::Number(squared_distance(self.point()?, center)),
        })
    }
}

macro_rules! keyed {
    ($module:ident, $table:literal, point: $has_point:tt) => {
        impl Keyed for $module::Model {
            const TABLE: &'static str = $table;
            fn id(&self) -> Uuid {
                self.id
            }
            fn sort_name(&self) -> &str {
                &self.sort_name
            }
            fn created_at(&self) -> DateTime<Utc> {
                self.created_at
            }
            fn updated_at(&self) -> DateTime<Utc> {
                self.updated_at
            }
            fn point(&self) -> Option<GeoPoint> {
                keyed!(@point self, $has_point)
            }
        }
    };
    (@point $self:ident, true) => {
        GeoPoint::new($self.latitude?, $self.longitude?)
    };
    (@point $self:ident, false) => {
        None
    };
}

keyed!(organisation, "organisation", point: true);
keyed!(project, "project", point: true);
keyed!(grant_award, "grant_award", point: false);
keyed!(event, "event", point: true);
keyed!(case_study, "case_study", point: false);
keyed!(funding_opportunity, "funding_opportunity", point: false);

fn key_expr(table: &'static str, key: SortKey) -> SimpleExpr {
    match key {
        SortKey::Name => col(table, "sort_name"),
        SortKey::Created => col(table, "created_at"),
        SortKey::Updated => col(table, "updated_at"),
        SortKey::Distance(center) => squared_distance_expr(table, center),
    }
}

fn value_expr(key: SortKey, value: &SortValue) -> Result<SimpleExpr, DomainError> {
    match (key, value) {
        (SortKey::Name, SortValue::Text(text)) => Ok(Expr::val(text.clone())),
        (SortKey::Created | SortKey::Updated, SortValue::Time(micros)) => {
            let time =
                DateTime::<Utc>::from_timestamp_micros(*micros).ok_or(DomainError::BadCursor)?;
            Ok(Expr::val(stamp(time)))
        }
        (SortKey::Distance(_), SortValue::Number(n)) if n.is_finite() => Ok(Expr::val(*n)),
        _ => Err(DomainError::BadCursor),
    }
}

/// Rows strictly after (`forward`) or before the cursor, in the order `ascending`.
fn beyond(
    table: &'static str,
    key: SortKey,
    cursor: &str,
    ascending: bool,
    forward: bool,
) -> Result<Condition, DomainError> {
    let cursor = Cursor::decode(cursor)?;
    let value = value_expr(key, &cursor.value)?;
    let greater = ascending == forward;
    let (key, id) = (key_expr(table, key), col(table, "id"));
    let (bound, past_key, past_id) = if greater {
        let bound = key.clone().gte(value.clone());
        (bound, key.clone().gt(value.clone()), id.gt(cursor.id))
    } else {
        let bound = key.clone().lte(value.clone());
        (bound, key.clone().lt(value.clone()), id.lt(cursor.id))
    };
    // `bound` is implied by the disjunction, but a planner sees only the disjunction as a filter
    // and reads the index from its start: page 1,000 would scan 50,000 rows. With the bound it
    // seeks straight to the cursor.
    Ok(Condition::all().add(bound).add(
        Condition::any()
            .add(past_key)
            .add(Condition::all().add(key.eq(value)).add(past_id)),
    ))
}

/// Fetches one page of `select` in `ordering`, by keyset.
pub(crate) async fn keyset_page<E, C>(
    db: &C,
    select: Select<E>,
    ordering: Ordering,
    page: &PageRequest,
) -> Result<(Vec<(String, E::Model)>, bool, bool), StoreError>
where
    E: EntityTrait,
    E::Model: Keyed + Sync,
    C: ConnectionTrait,
{
    let table = <E::Model as Keyed>::TABLE;
    let ascending = ordering.direction == SortDirection::Asc;
    let forward = page.direction == PageDirection::Forward;
    let mut select = select;
    if matches!(ordering.key, SortKey::Distance(_)) {
        select = select
            .filter(col(table, "latitude").is_not_null())
            .filter(col(table, "longitude").is_not_null());
    }
    if let Some(cursor) = &page.cursor {
        select = select.filter(beyond(table, ordering.key, cursor, ascending, forward)?);
    }
    if let Some(limit) = &page.limit_cursor {
        select = select.filter(beyond(table, ordering.key, limit, ascending, !forward)?);
    }
    let fetch_ascending = ascending == forward;
    let order = if fetch_ascending {
        Order::Asc
    } else {
        Order::Desc
    };
    let mut rows = select
        .order_by(key_expr(table, ordering.key), order.clone())
        .order_by(col(table, "id"), order)
        .limit(u64::from(page.size) + 1)
        .all(db)
        .await?;
    let has_more = rows.len() > page.size as usize;
    rows.truncate(page.size as usize);
    if !forward {
        rows.reverse();
    }
    let rows = rows
        .into_iter()
        .map(|row| {
            let value = row
                .sort_value(ordering.key)
                .ok_or_else(|| StoreError::corrupt("row without sort key"))?;
            Ok((
                Cursor {
                    value,
                    id: row.id(),
                }
                .encode(),
                row,
            ))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    // Relay: the side we came from has rows if a cursor was given there.
    let (has_previous, has_next) = if forward {
        (page.cursor.is_some(), has_more)
    } else {
        (has_more, page.cursor.is_some())
    };
    Ok((rows, has_previous, has_next))
}

fn into_page<M, T>(
    (rows, has_previous_page, has_next_page): (Vec<(String, M)>, bool, bool),
    mut records: HashMap<Uuid, T>,
) -> Page<T>
where
    M: Keyed,
{
    let rows = rows
        .into_iter()
        .filter_map(|(cursor, row)| {
            records
                .remove(&row.id())
                .map(|record| PageRow { cursor, record })
        })
        .collect();
    Page {
        rows,
        has_previous_page,
        has_next_page,
    }
}

impl Store {
    pub async fn organisations(
        &self,
        scope: &ReadScope,
        filter: &OrganisationFilter,
        ordering: Ordering,
        page: &PageRequest,
    ) -> Result<Page<Organisation>, StoreError> {
        let select = organisation::Entity::find().filter(organisation_condition(scope, filter));
        let rows = keyset_page(self.connection(), select, ordering, page).await?;
        let models = rows.0.iter().map(|(_, m)| m.clone()).collect();
        let records = loaders::hydrate_organisations(self.connection(), models).await?;
        Ok(into_page(rows, records))
    }

    pub async fn count_organisations(
        &self,
        scope: &ReadScope,
        filter: &OrganisationFilter,
    ) -> Result<u64, StoreError> {
        let select = organisation::Entity::find().filter(organisation_condition(scope, filter));
        Ok(select.count(self.connection()).await?)
    }

    pub async fn organisation_facets(
        &self,
        scope: &ReadScope,
        filter: &OrganisationFilter,
    ) -> Result<Facets, StoreError> {
        let condition = organisation_condition(scope, filter);
        let db = self.connection();
        let mut facets = term_facets(
            db,
            "organisation_term",
            "organisation_id",
            organisation::Entity::find().filter(condition.clone()),
        )
        .await?;
        facets.organisation_types = column_facet(
            db,
            organisation::Entity::find().filter(condition.clone()),
            organisation::Column::OrganisationType,
        )
        .await?;
        facets.countries = column_facet(
            db,
            organisation::Entity::find().filter(condition),
            organisation::Column::Country,
        )
        .await?;
        Ok(facets)
    }

    pub async fn projects(
        &self,
        scope: &ReadScope,
        filter: &ProjectFilter,
        ordering: Ordering,
        page: &PageRequest,
    ) -> Result<Page<Project>, StoreError> {
        let select = project::Entity::find().filter(project_condition(scope, filter));
        let rows = keyset_page(self.connection(), select, ordering, page).await?;
        let models = rows.0.iter().map(|(_, m)| m.clone()).collect();
        let records = loaders::hydrate_projects(self.connection(), models).await?;
        Ok(into_page(rows, records))
    }

    pub async fn count_projects(
        &self,
        scope: &ReadScope,
        filter: &ProjectFilter,
    ) -> Result<u64, StoreError> {
        Ok(project::Entity::find()
            .filter(project_condition(scope, filter))
            .count(self.connection())
            .await?)
    }

    /// Facets of projects; `organisation_types` counts the types of the participating organisations.
    pub async fn project_facets(
        &self,
        scope: &ReadScope,
        filter: &ProjectFilter,
    ) -> Result<Facets, StoreError> {
        let condition = project_condition(scope, filter);
        let db = self.connection();
        let mut facets = term_facets(
            db,
            "project_term",
            "project_id",
            project::Entity::find().filter(condition.clone()),
        )
        .await?;
        facets.countries = column_facet(
            db,
            project::Entity::find().filter(condition),
            project::Column::Country,
        )
        .await?;
        Ok(facets)
    }

    pub async fn grants(
        &self,
        scope: &ReadScope,
        filter: &GrantFilter,
        ordering: Ordering,
        page: &PageRequest,
    ) -> Result<Page<Grant>, StoreError> {
        let select = grant_award::Entity::find().filter(grant_condition(scope, filter));
        let rows = keyset_page(self.connection(), select, ordering, page).await?;
        let records = rows
            .0
            .iter()
            .map(|(_, m)| Ok((m.id, crate::mapping::grant(m.clone())?)))
            .collect::<Result<_, StoreError>>()?;
        Ok(into_page(rows, records))
    }

    pub async fn count_grants(
        &self,
        scope: &ReadScope,
        filter: &GrantFilter,
    ) -> Result<u64, StoreError> {
        Ok(grant_award::Entity::find()
            .filter(grant_condition(scope, filter))
            .count(self.connection())
            .await?)
    }

    pub async fn events(
        &self,
        scope: &ReadScope,
        filter: &EventFilter,
        ordering: Ordering,
        page: &PageRequest,
    ) -> Result<Page<Event>, StoreError> {
        let select = event::Entity::find().filter(event_condition(scope, filter));
        let rows = keyset_page(self.connection(), select, ordering, page).await?;
        let models = rows.0.iter().map(|(_, m)| m.clone()).collect();
        let records = loaders::hydrate_events(self.connection(), models).await?;
        Ok(into_page(rows, records))
    }

    pub async fn count_events(
        &self,
        scope: &ReadScope,
        filter: &EventFilter,
    ) -> Result<u64, StoreError> {
        Ok(event::Entity::find()
            .filter(event_condition(scope, filter))
            .count(self.connection())
            .await?)
    }

    pub async fn case_studies(
        &self,
        scope: &ReadScope,
        filter: &CaseStudyFilter,
        ordering: Ordering,
        page: &PageRequest,
    ) -> Result<Page<CaseStudy>, StoreError> {
        let select = case_study::Entity::find().filter(case_study_condition(scope, filter));
        let rows = keyset_page(self.connection(), select, ordering, page).await?;
        let records = rows
            .0
            .iter()
            .map(|(_, m)| Ok((m.id, crate::mapping::case_study(m.clone())?)))
            .collect::<Result<_, StoreError>>()?;
        Ok(into_page(rows, records))
    }

    pub async fn count_case_studies(
        &self,
        scope: &ReadScope,
        filter: &CaseStudyFilter,
    ) -> Result<u64, StoreError> {
        Ok(case_study::Entity::find()
            .filter(case_study_condition(scope, filter))
            .count(self.connection())
            .await?)
    }

    pub async fn funding_opportunities(
        &self,
        scope: &ReadScope,
        filter: &FundingOpportunityFilter,
        ordering: Ordering,
        page: &PageRequest,
    ) -> Result<Page<FundingOpportunity>, StoreError> {
        let select = funding_opportunity::Entity::find()
            .filter(funding_opportunity_condition(scope, filter));
        let rows = keyset_page(self.connection(), select, ordering, page).await?;
        let records = rows
            .0
            .iter()
            .map(|(_, m)| Ok((m.id, crate::mapping::funding_opportunity(m.clone())?)))
            .collect::<Result<_, StoreError>>()?;
        Ok(into_page(rows, records))
    }

    pub async fn count_funding_opportunities(
        &self,
        scope: &ReadScope,
        filter: &FundingOpportunityFilter,
    ) -> Result<u64, StoreError> {
        Ok(funding_opportunity::Entity::find()
            .filter(funding_opportunity_condition(scope, filter))
            .count(self.connection())
            .await?)
    }
}

/// Counts of focus, technology and impact-area terms among the records that `records` selects.
pub(crate) async fn term_facets<E: EntityTrait>(
    db: &impl ConnectionTrait,
    term_table: &'static str,
    owner: &'static str,
    records: Select<E>,
) -> Result<Facets, StoreError> {
    let ids = records
        .select_only()
        .column_as(Expr::col("id"), "id")
        .into_query();
    let vocabularies = [
        Vocabulary::Focus,
        Vocabulary::Technology,
        Vocabulary::ImpactArea,
    ];
    let statement = sea_orm::sea_query::Query::select()
        .column("vocabulary")
        .column("code")
        .expr(Expr::col("code").count())
        .from(term_table)
        .and_where(Expr::col(owner).in_subquery(ids))
        .and_where(Expr::col("vocabulary").is_in(vocabularies.map(Vocabulary::code)))
        .group_by_columns(["vocabulary", "code"])
        .to_owned();
    let rows = db.query_all(&statement).await?;
    let mut facets = Facets::default();
    for row in rows {
        let vocabulary: String = row.try_get_by_index(0)?;
        let code: String = row.try_get_by_index(1)?;
        let count: i64 = row.try_get_by_index(2)?;
        let list = match Vocabulary::from_code(&vocabulary) {
            Some(Vocabulary::Focus) => &mut facets.focus,
            Some(Vocabulary::Technology) => &mut facets.technologies,
            _ => &mut facets.impact_areas,
        };
        list.push((code, u64::try_from(count).unwrap_or(0)));
    }
    for list in [
        &mut facets.focus,
        &mut facets.technologies,
        &mut facets.impact_areas,
    ] {
        sort_counts(list);
    }
    Ok(facets)
}

/// Counts per value of `column` among the selected records (records without a value left out).
pub(crate) async fn column_facet<E: EntityTrait>(
    db: &impl ConnectionTrait,
    records: Select<E>,
    column: E::Column,
) -> Result<FacetCounts, StoreError> {
    let rows: Vec<(Option<String>, i64)> = records
        .select_only()
        .column(column)
        .column_as(Expr::col(column).count(), "count")
        .group_by(column)
        .into_tuple()
        .all(db)
        .await?;
    let mut counts: FacetCounts = rows
        .into_iter()
        .filter_map(|(value, count)| Some((value?, u64::try_from(count).unwrap_or(0))))
        .collect();
    sort_counts(&mut counts);
    Ok(counts)
}

pub(crate) fn sort_counts(counts: &mut FacetCounts) {
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
}
