//! What the write path needs to know of each kind of record: its table, how to read one inside
//! a transaction, how to insert it and how to write a new version over the stored one.

use std::collections::HashMap;
use std::future::Future;

use panorama_domain::*;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::entities::*;
use crate::loaders::{hydrate_events, hydrate_organisations, hydrate_projects};
use crate::{StoreError, mapping, write};

/// A record another one points to, by the field that names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    /// The input field, e.g. `funderId`.
    pub field: &'static str,
    pub table: &'static str,
    pub id: Uuid,
}

/// A kind of record that can be created, changed and removed with its history.
pub trait StoredRecord: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// The record's table, which is also its type in revisions.
    const TABLE: &'static str;

    fn meta(&self) -> &RecordMeta;

    fn meta_mut(&mut self) -> &mut RecordMeta;

    /// For records with a slug: the slug, and the title a missing one is made from.
    fn slug_mut(&mut self) -> Option<(&mut String, String)> {
        None
    }

    /// The records this one points to. Each must exist (in any status) for a write to go in.
    fn references(&self) -> Vec<Reference> {
        Vec::new()
    }

    /// Values no two records of this kind may share besides the slug: (input field, column,
    /// value), e.g. a grant's 360Giving identifier.
    fn unique_values(&self) -> Vec<(&'static str, &'static str, String)> {
        Vec::new()
    }

    /// The records in any status, with their child rows, by id (one read for them all).
    fn load_many(
        db: &DatabaseTransaction,
        ids: &[Uuid],
    ) -> impl Future<Output = Result<HashMap<Uuid, Self>, StoreError>> + Send;

    /// The record in any status, with its child rows.
    fn load(
        db: &DatabaseTransaction,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<Self>, StoreError>> + Send {
        async move { Ok(Self::load_many(db, &[id]).await?.remove(&id)) }
    }

    fn insert(
        &self,
        db: &DatabaseTransaction,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Writes this record over the stored one if that is still at `expected_version`
    /// ([`StoreError::StaleVersion`] if not).
    fn update(
        &self,
        db: &DatabaseTransaction,
        expected_version: i32,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Deletes a record's row (its child rows go with it, by the schema's cascades).
pub(crate) async fn delete_row(
    db: &DatabaseTransaction,
    table: &'static str,
    id: Uuid,
) -> Result<(), StoreError> {
    let statement = Query::delete()
        .from_table(table)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    db.execute(&statement).await?;
    Ok(())
}

/// The references whose record does not exist.
pub(crate) async fn missing(
    db: &DatabaseTransaction,
    references: &[Reference],
) -> Result<Vec<Reference>, StoreError> {
    let mut missing = Vec::new();
    for reference in references {
        let statement = Query::select()
            .column("id")
            .from(reference.table)
            .and_where(Expr::col("id").eq(reference.id))
            .to_owned();
        if db.query_one(&statement).await?.is_none() {
            missing.push(*reference);
        }
    }
    Ok(missing)
}

/// Implements the parts of [`StoredRecord`] that differ between kinds only by name:
/// `load_many` reads the rows of `$module` and turns them into records with `$map`.
macro_rules! stored_record {
    ($module:ident, |$db:ident, $rows:ident| $map:expr, $insert:path, $update:path) => {
        fn meta(&self) -> &RecordMeta {
            &self.meta
        }

        fn meta_mut(&mut self) -> &mut RecordMeta {
            &mut self.meta
        }

        async fn load_many(
            db: &DatabaseTransaction,
            ids: &[Uuid],
        ) -> Result<HashMap<Uuid, Self>, StoreError> {
            let $rows = $module::Entity::find()
                .filter($module::Column::Id.is_in(ids.iter().copied()))
                .all(db)
                .await?;
            let $db = db;
            $map
        }

        async fn insert(&self, db: &DatabaseTransaction) -> Result<(), StoreError> {
            $insert(db, self).await
        }

        async fn update(
            &self,
            db: &DatabaseTransaction,
            expected_version: i32,
        ) -> Result<(), StoreError> {
            $update(db, self, expected_version).await
        }
    };
}

/// Rows mapped to records, by id.
fn by_id<M, R: StoredRecord>(
    rows: Vec<M>,
    map: impl Fn(M) -> Result<R, StoreError>,
) -> Result<HashMap<Uuid, R>, StoreError> {
    rows.into_iter()
        .map(|row| {
            let record = map(row)?;
            Ok((record.meta().id, record))
        })
        .collect()
}

fn reference(field: &'static str, table: &'static str, id: Option<Uuid>) -> Option<Reference> {
    id.map(|id| Reference { field, table, id })
}

impl StoredRecord for Organisation {
    const TABLE: &'static str = "organisation";
    stored_record!(
        organisation,
        |db, rows| hydrate_organisations(db, rows).await,
        write::insert_organisation,
        write::update_organisation
    );

    fn slug_mut(&mut self) -> Option<(&mut String, String)> {
        Some((&mut self.slug, self.name.clone()))
    }
}

impl StoredRecord for Project {
    const TABLE: &'static str = "project";
    stored_record!(
        project,
        |db, rows| hydrate_projects(db, rows).await,
        write::insert_project,
        write::update_project
    );

    fn slug_mut(&mut self) -> Option<(&mut String, String)> {
        Some((&mut self.slug, self.title.clone()))
    }
}

impl StoredRecord for Event {
    const TABLE: &'static str = "event";
    stored_record!(
        event,
        |db, rows| hydrate_events(db, rows).await,
        write::insert_event,
        write::update_event
    );

    fn slug_mut(&mut self) -> Option<(&mut String, String)> {
        Some((&mut self.slug, self.title.clone()))
    }

    fn references(&self) -> Vec<Reference> {
        self.organiser_ids
            .iter()
            .map(|id| Reference {
                field: "organiserIds",
                table: "organisation",
                id: *id,
            })
            .collect()
    }
}

impl StoredRecord for Grant {
    const TABLE: &'static str = "grant_award";
    stored_record!(
        grant_award,
        |_db, rows| by_id(rows, mapping::grant),
        write::insert_grant,
        write::update_grant
    );

    fn references(&self) -> Vec<Reference> {
        [
            reference("funderId", "organisation", Some(self.funder_id)),
            reference("recipientId", "organisation", Some(self.recipient_id)),
            reference("projectId", "project", self.project_id),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    fn unique_values(&self) -> Vec<(&'static str, &'static str, String)> {
        vec![("identifier", "identifier", self.identifier.clone())]
    }
}

impl StoredRecord for Support {
    const TABLE: &'static str = "support";
    stored_record!(
        support,
        |_db, rows| by_id(rows, mapping::support),
        write::insert_support,
        write::update_support
    );

    fn references(&self) -> Vec<Reference> {
        [
            reference("supporterId", "organisation", Some(self.supporter_id)),
            reference("organisationId", "organisation", self.organisation_id),
            reference("projectId", "project", self.project_id),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

impl StoredRecord for OrganisationLink {
    const TABLE: &'static str = "organisation_link";
    stored_record!(
        organisation_link,
        |_db, rows| by_id(rows, mapping::link),
        write::insert_link,
        write::update_link
    );

    fn references(&self) -> Vec<Reference> {
        [
            reference("fromId", "organisation", Some(self.from_id)),
            reference("toId", "organisation", Some(self.to_id)),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

impl StoredRecord for CaseStudy {
    const TABLE: &'static str = "case_study";
    stored_record!(
        case_study,
        |_db, rows| by_id(rows, mapping::case_study),
        write::insert_case_study,
        write::update_case_study
    );

    fn slug_mut(&mut self) -> Option<(&mut String, String)> {
        Some((&mut self.slug, self.title.clone()))
    }

    fn references(&self) -> Vec<Reference> {
        [
            reference("organisationId", "organisation", self.organisation_id),
            reference("projectId", "project", self.project_id),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

impl StoredRecord for FundingOpportunity {
    const TABLE: &'static str = "funding_opportunity";
    stored_record!(
        funding_opportunity,
        |_db, rows| by_id(rows, mapping::funding_opportunity),
        write::insert_funding_opportunity,
        write::update_funding_opportunity
    );

    fn slug_mut(&mut self) -> Option<(&mut String, String)> {
        Some((&mut self.slug, self.title.clone()))
    }

    fn references(&self) -> Vec<Reference> {
        reference("funderId", "organisation", self.funder_id)
            .into_iter()
            .collect()
    }
}

impl StoredRecord for ImpactIndicator {
    const TABLE: &'static str = "impact_indicator";
    stored_record!(
        impact_indicator,
        |_db, rows| by_id(rows, mapping::impact_indicator),
        write::insert_impact_indicator,
        write::update_impact_indicator
    );

    fn references(&self) -> Vec<Reference> {
        reference("projectId", "project", Some(self.project_id))
            .into_iter()
            .collect()
    }
}
