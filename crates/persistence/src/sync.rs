//! Partners' sync: their own ids for records, and batches of records upserted by those ids.
//! A batch that is sent twice writes nothing the second time: a record whose fields do not
//! change gets no revision, no version and no feed event.

use std::collections::HashMap;

use panorama_domain::model::RecordMeta;
use panorama_domain::validation::{ErrorCode, FieldError};
use sea_orm::{DatabaseTransaction, TransactionTrait};
use uuid::Uuid;

use crate::change::{ChangeError, change_in, create_in};
use crate::history::Action;
use crate::history::record_changes;
use crate::record::StoredRecord;
use crate::write::{find_external_id, find_external_ids, insert_external_id};
use crate::{Store, StoreError};

/// The most records one batch may hold.
pub const MAX_BATCH: usize = 500;

/// The external-id namespace of a partner.
pub fn partner_namespace(partner: Uuid) -> String {
    format!("partner:{partner}")
}

/// How a record can be made new or changed, for a batch item.
pub trait ChangeSet<R>: Send + Sync {
    fn create(&self, meta: RecordMeta) -> Result<R, Vec<FieldError>>;
    fn apply(&self, record: R) -> Result<R, Vec<FieldError>>;
}

/// What a batch did to one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertStatus {
    Created,
    Updated,
    Unchanged,
}

/// One record of a batch: the partner's id for it and its change-set.
pub struct UpsertItem<'a, R> {
    pub external_id: String,
    pub changes: &'a dyn ChangeSet<R>,
}

/// Whether the batch writer may write a record: `(stored, new)`, where `stored` is `None` for a
/// record the batch creates. `Err` carries the reason as field errors (e.g. a published record
/// the writer may only propose changes to, or a grant it does not fund).
pub type MayWrite<'a, R> =
    &'a (dyn Fn(Option<&R>, &R) -> Result<(), Vec<FieldError>> + Send + Sync);

/// The outcome of one item: what happened and the record, or why it failed.
pub type ItemOutcome<R> = Result<(UpsertStatus, R), Vec<FieldError>>;

impl Store {
    /// The record a partner knows by `external_id`, if any.
    pub async fn record_by_external_id(
        &self,
        namespace: &str,
        record_type: &str,
        external_id: &str,
    ) -> Result<Option<Uuid>, StoreError> {
        find_external_id(self.connection(), namespace, record_type, external_id).await
    }

    /// The records a partner knows by any of `external_ids`, by external id (one query).
    pub async fn records_by_external_ids(
        &self,
        namespace: &str,
        record_type: &str,
        external_ids: &[String],
    ) -> Result<HashMap<String, Uuid>, StoreError> {
        find_external_ids(self.connection(), namespace, record_type, external_ids).await
    }

    /// Upserts `items` by their external ids in `namespace`: a new id creates a record (with
    /// `meta` as its metadata, a fresh id each), a known one changes it. Atomic: one failure
    /// and nothing is written (every item says why it was not); otherwise each item stands
    /// alone (savepoints). The external ids of a batch are distinct (the API refuses twins).
    pub async fn upsert_batch<R: StoredRecord>(
        &self,
        namespace: &str,
        items: &[UpsertItem<'_, R>],
        meta: &RecordMeta,
        action: &Action<'_>,
        may_write: MayWrite<'_, R>,
        atomic: bool,
    ) -> Result<Vec<ItemOutcome<R>>, StoreError> {
        let txn = self.begin_write().await?;
        let external_ids: Vec<String> = items.iter().map(|i| i.external_id.clone()).collect();
        let known = find_external_ids(&txn, namespace, R::TABLE, &external_ids).await?;
        let ids: Vec<Uuid> = known.values().copied().collect();
        let stored = R::load_many(&txn, &ids).await?;
        let mut outcomes = Vec::with_capacity(items.len());
        for item in items {
            let id = known.get(&item.external_id).copied();
            let current = id.and_then(|id| stored.get(&id));
            if let Some(current) = current.filter(|c| unchanged(*c, item.changes, may_write)) {
                outcomes.push(Ok((UpsertStatus::Unchanged, current.clone())));
                continue;
            }
            let savepoint = txn.begin().await?;
            let outcome =
                upsert_one(&savepoint, namespace, item, id, meta, action, may_write).await;
            outcomes.push(settle(savepoint, outcome, "externalId").await?);
        }
        if atomic && outcomes.iter().any(Result::is_err) {
            txn.rollback().await?;
            return Ok(none_written(outcomes, "externalId"));
        }
        txn.commit().await?;
        Ok(outcomes)
    }
}

/// Ends one item's savepoint: kept if the item went in, rolled back if its input was refused
/// (or it changed meanwhile), which the outcome then says at `field`. Other failures end the
/// whole batch.
pub(crate) async fn settle<R>(
    savepoint: DatabaseTransaction,
    outcome: Result<(UpsertStatus, R), ChangeError>,
    field: &str,
) -> Result<ItemOutcome<R>, StoreError> {
    match outcome {
        Ok(done) => {
            savepoint.commit().await?;
            Ok(Ok(done))
        }
        Err(ChangeError::Invalid(errors)) => {
            savepoint.rollback().await?;
            Ok(Err(errors))
        }
        Err(ChangeError::Store(StoreError::StaleVersion { current })) => {
            savepoint.rollback().await?;
            Ok(Err(vec![field_error(
                field,
                ErrorCode::Invalid,
                format!("changed meanwhile (now at version {current}); send it again"),
            )]))
        }
        Err(ChangeError::Store(other)) => Err(other),
    }
}

/// The outcomes of an atomic batch that was rolled back: every item that went in says, at
/// `field`, that it was not written after all.
pub(crate) fn none_written<R>(outcomes: Vec<ItemOutcome<R>>, field: &str) -> Vec<ItemOutcome<R>> {
    let not_written = field_error(
        field,
        ErrorCode::Invalid,
        "not written: another record of this atomic batch failed",
    );
    outcomes
        .into_iter()
        .map(|o| o.and(Err(vec![not_written.clone()])))
        .collect()
}

fn field_error(field: &str, code: ErrorCode, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.into(),
        code,
    }
}

/// Whether the change-set leaves the stored record as it is (and the writer may write it):
/// such an item is `Unchanged` with no savepoint, read or write of its own — the batch read
/// every known record at once. Anything else (a change, a refusal) is left to [`upsert_one`],
/// which says what and why.
fn unchanged<R: StoredRecord>(
    current: &R,
    changes: &dyn ChangeSet<R>,
    may_write: MayWrite<'_, R>,
) -> bool {
    changes.apply(current.clone()).is_ok_and(|next| {
        may_write(Some(current), &next).is_ok()
            && record_changes(Some(current), &next).is_ok_and(|c| c.is_empty())
    })
}

async fn upsert_one<R: StoredRecord>(
    txn: &DatabaseTransaction,
    namespace: &str,
    item: &UpsertItem<'_, R>,
    known: Option<Uuid>,
    meta: &RecordMeta,
    action: &Action<'_>,
    may_write: MayWrite<'_, R>,
) -> Result<(UpsertStatus, R), ChangeError> {
    let done = upsert_known(txn, known, item.changes, meta, action, may_write).await?;
    if done.0 == UpsertStatus::Created {
        let id = done.1.meta().id;
        insert_external_id(txn, namespace, R::TABLE, &item.external_id, id).await?;
    }
    Ok(done)
}

/// Creates the record (`known` is `None`, with `meta` and a fresh id) or changes the known one
/// if `may_write` lets it; a change that changes nothing writes nothing and is `Unchanged`.
pub(crate) async fn upsert_known<R: StoredRecord>(
    txn: &DatabaseTransaction,
    known: Option<Uuid>,
    changes: &dyn ChangeSet<R>,
    meta: &RecordMeta,
    action: &Action<'_>,
    may_write: MayWrite<'_, R>,
) -> Result<(UpsertStatus, R), ChangeError> {
    let Some(id) = known else {
        let mut fresh = meta.clone();
        fresh.id = Uuid::now_v7();
        let record = changes.create(fresh).map_err(ChangeError::Invalid)?;
        may_write(None, &record).map_err(ChangeError::Invalid)?;
        let created = create_in(txn, record, action).await?;
        return Ok((UpsertStatus::Created, created));
    };
    let current = R::load(txn, id)
        .await?
        .ok_or(StoreError::NotFound(R::TABLE))?;
    let before = current.meta().version;
    let apply = |record: R| {
        let next = changes.apply(record)?;
        may_write(Some(&current), &next)?;
        Ok(next)
    };
    let changed = change_in(txn, id, Some(before), action, &apply).await?;
    let status = if changed.meta().version == before {
        UpsertStatus::Unchanged
    } else {
        UpsertStatus::Updated
    };
    Ok((status, changed))
}
