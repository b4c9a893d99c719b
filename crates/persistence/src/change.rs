//! Writing records: create, change and remove them, each in one transaction with its revision.
//! A write whose input is wrong, or names a record that does not exist, or takes a slug that is
//! taken, writes nothing and says which field is wrong.

use panorama_domain::model::{Participation, Project};
use panorama_domain::text::slugify;
use panorama_domain::validation::{ErrorCode, FieldError};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use crate::entities::participation;
use crate::feed::note_change;
use crate::history::{
    Action, FieldChange, fields_at, insert_revision, record_changes, removal_changes,
    revisions_after, with_fields,
};
use crate::record::{StoredRecord, delete_row, missing};
use crate::write::{free_slug, insert_participations};
use crate::{Store, StoreError, mapping};

/// How often a change without an expected version is tried again when another writer got in
/// between its read and its write.
const RETRIES: usize = 3;

/// Why a write was not made.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// The input is wrong (field errors from the domain's checks or the store's): nothing was
    /// written.
    #[error("the change is invalid")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn field_error(field: &str, code: ErrorCode, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.into(),
        code,
    }
}

/// Refuses references to records that do not exist, each at its field.
async fn check_references<R: StoredRecord>(
    txn: &DatabaseTransaction,
    record: &R,
) -> Result<(), ChangeError> {
    let missing = missing(txn, &record.references()).await?;
    if missing.is_empty() {
        return Ok(());
    }
    Err(ChangeError::Invalid(
        missing
            .into_iter()
            .map(|r| {
                field_error(
                    r.field,
                    ErrorCode::NotFound,
                    format!("no {} with this id", r.table.replace('_', " ")),
                )
            })
            .collect(),
    ))
}

/// Refuses values another record of the kind already has (a grant's identifier): a clear
/// `DUPLICATE` for the field rather than the unique index's database error.
async fn check_unique<R: StoredRecord>(
    txn: &DatabaseTransaction,
    record: &R,
) -> Result<(), ChangeError> {
    let mut taken = Vec::new();
    for (field, column, value) in record.unique_values() {
        let statement = Query::select()
            .column("id")
            .from(R::TABLE)
            .and_where(Expr::col(column).eq(value))
            .and_where(Expr::col("id").ne(record.meta().id))
            .limit(1)
            .to_owned();
        if txn
            .query_one(&statement)
            .await
            .map_err(StoreError::from)?
            .is_some()
        {
            let what = R::TABLE.replace('_', " ");
            let message = format!("another {what} has this {field}");
            taken.push(field_error(field, ErrorCode::Duplicate, message));
        }
    }
    if taken.is_empty() {
        Ok(())
    } else {
        Err(ChangeError::Invalid(taken))
    }
}

/// Gives a new record without a slug a free one made from its title, and refuses a slug that
/// another record of its kind has.
async fn settle_slug<R: StoredRecord>(
    txn: &DatabaseTransaction,
    previous: Option<&R>,
    record: &mut R,
) -> Result<(), ChangeError> {
    let previous_slug = previous
        .and_then(|p| p.clone().slug_mut().map(|(slug, _)| slug.clone()))
        .unwrap_or_default();
    let Some((slug, title)) = record.slug_mut() else {
        return Ok(());
    };
    if slug.is_empty() {
        *slug = free_slug(txn, R::TABLE, &slugify(&title)).await?;
    } else if *slug != previous_slug && free_slug(txn, R::TABLE, slug).await? != *slug {
        return Err(ChangeError::Invalid(vec![field_error(
            "slug",
            ErrorCode::Duplicate,
            format!("the slug {slug} is taken by another record"),
        )]));
    }
    Ok(())
}

impl Store {
    /// Creates a record (built and checked by the caller) with its first revision.
    pub async fn create_record<R: StoredRecord>(
        &self,
        record: R,
        action: &Action<'_>,
    ) -> Result<R, ChangeError> {
        let txn = self.begin_write().await.map_err(StoreError::from)?;
        let record = create_in(&txn, record, action).await?;
        txn.commit().await.map_err(StoreError::from)?;
        Ok(record)
    }

    /// Changes a record with `change` (applied to its current state) and records the revision,
    /// in one transaction. With `expected_version`, a record at another version is left alone
    /// ([`StoreError::StaleVersion`]); without, a concurrent change is retried on the new
    /// state. A change that changes nothing writes nothing: no revision, no new version.
    pub async fn change_record<R: StoredRecord>(
        &self,
        id: Uuid,
        expected_version: Option<i32>,
        action: &Action<'_>,
        change: impl Fn(R) -> Result<R, Vec<FieldError>>,
    ) -> Result<R, ChangeError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self
                .change_once(id, expected_version, action, &change)
                .await
            {
                Err(ChangeError::Store(StoreError::StaleVersion { .. }))
                    if expected_version.is_none() && attempt < RETRIES => {}
                outcome => return outcome,
            }
        }
    }

    async fn change_once<R: StoredRecord>(
        &self,
        id: Uuid,
        expected_version: Option<i32>,
        action: &Action<'_>,
        change: &impl Fn(R) -> Result<R, Vec<FieldError>>,
    ) -> Result<R, ChangeError> {
        let txn = self.begin_write().await.map_err(StoreError::from)?;
        let changed = change_in(&txn, id, expected_version, action, change).await?;
        txn.commit().await.map_err(StoreError::from)?;
        Ok(changed)
    }

    /// Deletes a record for good, with a last revision holding what it was. Returns the
    /// record as it was.
    pub async fn remove_record<R: StoredRecord>(
        &self,
        id: Uuid,
        expected_version: Option<i32>,
        action: &Action<'_>,
    ) -> Result<R, ChangeError> {
        let txn = self.begin_write().await.map_err(StoreError::from)?;
        let current = current::<R>(&txn, id, expected_version).await?;
        let changes = removal_changes(&current)?;
        delete_row(&txn, R::TABLE, id).await?;
        let version = current.meta().version + 1;
        insert_revision(&txn, R::TABLE, id, version, action, &changes).await?;
        note_change(
            &txn,
            R::TABLE,
            id,
            Some(current.meta().status),
            None,
            version,
        )
        .await?;
        txn.commit().await.map_err(StoreError::from)?;
        Ok(current)
    }

    /// Sets a record's fields back to what they were at `version`, as a new change (whose
    /// revision says so). Fields changed since by nobody stay as they are.
    pub async fn revert_record<R: StoredRecord>(
        &self,
        id: Uuid,
        version: i32,
        expected_version: Option<i32>,
        action: &Action<'_>,
    ) -> Result<R, ChangeError> {
        let txn = self.begin_write().await.map_err(StoreError::from)?;
        let current = current::<R>(&txn, id, expected_version).await?;
        if version < 1 || version >= current.meta().version {
            return Err(ChangeError::Invalid(vec![field_error(
                "version",
                ErrorCode::OutOfRange,
                format!(
                    "the record has versions 1 to {}; revert to an earlier one",
                    current.meta().version
                ),
            )]));
        }
        let fields = fields_at(
            version,
            &revisions_after(&txn, R::TABLE, id, version).await?,
        );
        drop(txn);
        let base = current.meta().version;
        self.change_record(id, Some(base), action, |record: R| {
            with_fields(&record, fields.clone())
                .map_err(|e| vec![field_error("version", ErrorCode::Invalid, e.to_string())])
        })
        .await
    }

    /// One record in any status, as the write path reads it.
    pub async fn record_for_change<R: StoredRecord>(
        &self,
        id: Uuid,
    ) -> Result<Option<R>, StoreError> {
        let txn = self.begin_write().await?;
        let record = R::load(&txn, id).await?;
        txn.commit().await?;
        Ok(record)
    }

    /// Adds or removes an organisation's participation in a project: a change of the project,
    /// with a new version and a revision of its `participations`. Adding one that exists, or
    /// removing one that does not, changes nothing.
    pub async fn change_participation(
        &self,
        participation: &Participation,
        add: bool,
        action: &Action<'_>,
    ) -> Result<Project, ChangeError> {
        let txn = self.begin_write().await.map_err(StoreError::from)?;
        let project_id = participation.project_id;
        let project = current::<Project>(&txn, project_id, None).await?;
        let organisation = crate::record::Reference {
            field: "organisationId",
            table: "organisation",
            id: participation.organisation_id,
        };
        if add && !missing(&txn, &[organisation]).await?.is_empty() {
            return Err(ChangeError::Invalid(vec![field_error(
                "organisationId",
                ErrorCode::NotFound,
                "no organisation with this id",
            )]));
        }
        let before = participations_of(&txn, project_id).await?;
        if add {
            insert_participations(&txn, std::slice::from_ref(participation)).await?;
        } else {
            participation::Entity::delete_many()
                .filter(participation::Column::ProjectId.eq(project_id))
                .filter(participation::Column::OrganisationId.eq(participation.organisation_id))
                .filter(participation::Column::Role.eq(participation.role.code()))
                .exec(&txn)
                .await
                .map_err(StoreError::from)?;
        }
        let after = participations_of(&txn, project_id).await?;
        if before == after {
            return Ok(project);
        }
        let changed = participations_changed(&txn, &project, before, after, action).await?;
        txn.commit().await.map_err(StoreError::from)?;
        Ok(changed)
    }
}

/// Records a change of a project's participations: a new version of the project, and a revision
/// of its `participations` from `before` to `after`.
pub(crate) async fn participations_changed(
    txn: &DatabaseTransaction,
    project: &Project,
    before: serde_json::Value,
    after: serde_json::Value,
    action: &Action<'_>,
) -> Result<Project, StoreError> {
    let mut changed = project.clone();
    changed.meta.version += 1;
    changed.meta.updated_at = crate::time::now();
    changed.update(txn, project.meta.version).await?;
    let changes = [FieldChange {
        field: "participations".to_owned(),
        before,
        after,
    }];
    let version = changed.meta.version;
    let id = project.meta.id;
    insert_revision(txn, Project::TABLE, id, version, action, &changes).await?;
    let before = Some(project.meta.status);
    note_change(
        txn,
        Project::TABLE,
        id,
        before,
        Some(&changed.meta),
        version,
    )
    .await?;
    Ok(changed)
}

/// The record as it is now, at `expected_version` if one is given.
pub(crate) async fn current<R: StoredRecord>(
    txn: &DatabaseTransaction,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<R, StoreError> {
    let current = R::load(txn, id)
        .await?
        .ok_or(StoreError::NotFound(R::TABLE))?;
    if let Some(expected) = expected_version
        && expected != current.meta().version
    {
        return Err(StoreError::StaleVersion {
            current: current.meta().version,
        });
    }
    Ok(current)
}

/// A project's participations as its history shows them.
pub(crate) async fn participations_of(
    txn: &DatabaseTransaction,
    project_id: Uuid,
) -> Result<serde_json::Value, StoreError> {
    let rows = participation::Entity::find()
        .filter(participation::Column::ProjectId.eq(project_id))
        .order_by_asc(participation::Column::OrganisationId)
        .order_by_asc(participation::Column::Role)
        .all(txn)
        .await?;
    let list: Vec<serde_json::Value> = rows
        .into_iter()
        .map(mapping::participation)
        .map(|p| p.map(|p| json!({"organisationId": p.organisation_id, "role": p.role.code()})))
        .collect::<Result<_, _>>()?;
    Ok(serde_json::Value::Array(list))
}

/// [`Store::change_record`]'s work inside a transaction the caller commits: reads the record,
/// applies `change`, and writes it with its revision unless nothing changed.
pub(crate) async fn change_in<R: StoredRecord>(
    txn: &DatabaseTransaction,
    id: Uuid,
    expected_version: Option<i32>,
    action: &Action<'_>,
    change: &impl Fn(R) -> Result<R, Vec<FieldError>>,
) -> Result<R, ChangeError> {
    let current = current::<R>(txn, id, expected_version).await?;
    let mut changed = change(current.clone()).map_err(ChangeError::Invalid)?;
    let changes = record_changes(Some(&current), &changed)?;
    if changes.is_empty() {
        return Ok(current);
    }
    check_references(txn, &changed).await?;
    check_unique(txn, &changed).await?;
    settle_slug(txn, Some(&current), &mut changed).await?;
    let meta = changed.meta_mut();
    meta.version = current.meta().version + 1;
    meta.updated_at = crate::time::now();
    changed.update(txn, current.meta().version).await?;
    insert_revision(txn, R::TABLE, id, changed.meta().version, action, &changes).await?;
    let (before, after) = (Some(current.meta().status), Some(changed.meta()));
    note_change(txn, R::TABLE, id, before, after, changed.meta().version).await?;
    Ok(changed)
}

/// [`Store::create_record`]'s work inside a transaction the caller commits.
pub(crate) async fn create_in<R: StoredRecord>(
    txn: &DatabaseTransaction,
    mut record: R,
    action: &Action<'_>,
) -> Result<R, ChangeError> {
    check_references(txn, &record).await?;
    check_unique(txn, &record).await?;
    settle_slug(txn, None, &mut record).await?;
    record.insert(txn).await?;
    let changes = record_changes(None, &record)?;
    let meta = record.meta();
    insert_revision(txn, R::TABLE, meta.id, meta.version, action, &changes).await?;
    Ok(record)
}
