//! The change feed: every change to published data, in commit order, with a cursor a reader
//! can resume from.
//!
//! # Why a reader never misses a change
//!
//! Events are written in the same transaction as the change they describe. Their `id` comes
//! from a sequence, but sequence values are handed out when a transaction *writes*, not when it
//! *commits*: transaction A may take id 7, transaction B id 8, and B commit first. A reader that
//! saw 8 and moved its cursor past it would never see 7. So the cursor must not pass an event
//! that may still become visible.
//!
//! - **PostgreSQL.** Each event also stores its writing transaction's id (`txid`, from
//!   `pg_current_xact_id()`). A read returns only events whose `txid` is below the `xmin` of the
//!   reader's snapshot: every transaction older than `xmin` has finished, so no event with such a
//!   `txid` can appear later. Events are ordered by `(txid, id)`, and the cursor is that pair.
//!   Any transaction still running has `txid >= xmin`, hence sorts after every event handed
//!   out; when it commits, its events come after the cursor. A long-running writer delays the
//!   feed (its later neighbours wait behind it) but never makes it skip.
//! - **SQLite.** There is one writer at a time, so ids are allocated and committed in the same
//!   order; `txid` is 0 and the cursor is the id.
//!
//! What counts: a record that is published after a change gives `UPSERT`; one that was
//! published and is not any more (archived, rejected, removed) gives `DELETE`; an organisation
//! merged into another gives `MERGE` with the survivor. Changes to records that were never
//! public are not in the feed.

use chrono::{DateTime, Utc};
use panorama_domain::model::{RecordMeta, RecordStatus};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DbBackend};
use uuid::Uuid;

use crate::time::now;
use crate::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Upsert,
    Delete,
    Merge,
}

impl Operation {
    pub fn code(self) -> &'static str {
        match self {
            Self::Upsert => "UPSERT",
            Self::Delete => "DELETE",
            Self::Merge => "MERGE",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        [Self::Upsert, Self::Delete, Self::Merge]
            .into_iter()
            .find(|o| o.code() == code)
    }
}

/// A place in the feed: after this event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct FeedCursor {
    pub txid: i64,
    pub id: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChangeEvent {
    pub cursor: FeedCursor,
    pub record_type: String,
    pub record_id: Uuid,
    pub operation: Operation,
    /// The record's version after the change (for a DELETE or MERGE, its last one).
    pub version: i32,
    /// For a MERGE: the record it now is.
    pub survivor_id: Option<Uuid>,
    pub changed_at: DateTime<Utc>,
}

fn published(status: Option<RecordStatus>) -> bool {
    status == Some(RecordStatus::Published)
}

/// Notes a change of a record from `before` (its status then; `None` for a new record) to
/// `after` (its state now; `None` once it is deleted).
pub(crate) async fn note_change(
    db: &impl ConnectionTrait,
    record_type: &str,
    id: Uuid,
    before: Option<RecordStatus>,
    after: Option<&RecordMeta>,
    last_version: i32,
) -> Result<(), StoreError> {
    match after {
        Some(meta) if published(Some(meta.status)) => {
            insert(db, record_type, id, Operation::Upsert, meta.version, None).await
        }
        Some(meta) if published(before) => {
            insert(db, record_type, id, Operation::Delete, meta.version, None).await
        }
        None if published(before) => {
            insert(db, record_type, id, Operation::Delete, last_version, None).await
        }
        _ => Ok(()),
    }
}

/// Notes a new record (published ones only).
pub(crate) async fn note_insert(
    db: &impl ConnectionTrait,
    record_type: &str,
    meta: &RecordMeta,
) -> Result<(), StoreError> {
    note_change(db, record_type, meta.id, None, Some(meta), meta.version).await
}

/// Notes that a record was merged into `survivor` (if it was public).
pub(crate) async fn note_merge(
    db: &impl ConnectionTrait,
    record_type: &str,
    merged: &RecordMeta,
    version: i32,
    survivor: Uuid,
) -> Result<(), StoreError> {
    if !published(Some(merged.status)) {
        return Ok(());
    }
    let op = Operation::Merge;
    insert(db, record_type, merged.id, op, version, Some(survivor)).await
}

/// The writing transaction's id on PostgreSQL (0 on SQLite, which has one writer at a time).
fn current_txid(backend: DbBackend) -> SimpleExpr {
    match backend {
        DbBackend::Postgres => Expr::cust("pg_current_xact_id()::text::bigint"),
        _ => Expr::val(0i64),
    }
}

async fn insert(
    db: &impl ConnectionTrait,
    record_type: &str,
    id: Uuid,
    operation: Operation,
    version: i32,
    survivor: Option<Uuid>,
) -> Result<(), StoreError> {
    let statement = Query::insert()
        .into_table("change_event")
        .columns([
            "txid",
            "record_type",
            "record_id",
            "operation",
            "version",
            "survivor_id",
            "changed_at",
        ])
        .values([
            current_txid(db.get_database_backend()),
            Expr::val(record_type),
            Expr::val(id),
            Expr::val(operation.code()),
            Expr::val(version),
            Expr::val(survivor),
            Expr::val(now()),
        ])
        .map_err(|e| StoreError::corrupt(format!("change event: {e}")))?
        .to_owned();
    db.execute(&statement).await?;
    Ok(())
}

impl Store {
    /// Up to `limit` events after `after`, in commit order, of the given record types (all
    /// when empty). Only events that can no longer be preceded by an uncommitted one are
    /// returned (see the module's comment).
    pub async fn changes(
        &self,
        after: FeedCursor,
        limit: u64,
        record_types: &[String],
    ) -> Result<Vec<ChangeEvent>, StoreError> {
        changes_in(self.connection(), after, limit, record_types).await
    }

    /// Deletes events older than `before`, keeping the feed within its retention window.
    pub async fn prune_changes(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let statement = Query::delete()
            .from_table("change_event")
            .and_where(Expr::col("changed_at").lt(before))
            .to_owned();
        Ok(self.connection().execute(&statement).await?.rows_affected())
    }
}

/// Only events that no transaction still running can precede (see the module's comment).
fn settled(backend: DbBackend) -> Option<SimpleExpr> {
    (backend == DbBackend::Postgres).then(|| {
        Expr::col("txid").lt(Expr::cust(
            "pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
        ))
    })
}

/// The position after the last event a reader can see now: a follower that starts there gets
/// every change that becomes visible later (and, on PostgreSQL, possibly a few that committed
/// just before, never fewer).
pub(crate) async fn head_in(db: &impl ConnectionTrait) -> Result<FeedCursor, StoreError> {
    let mut query = Query::select();
    query
        .columns(["txid", "id"])
        .from("change_event")
        .order_by("txid", Order::Desc)
        .order_by("id", Order::Desc)
        .limit(1);
    if let Some(condition) = settled(db.get_database_backend()) {
        query.and_where(condition);
    }
    match db.query_one(&query).await? {
        Some(row) => Ok(FeedCursor {
            txid: row.try_get("", "txid")?,
            id: row.try_get("", "id")?,
        }),
        None => Ok(FeedCursor::default()),
    }
}

/// [`Store::changes`] on a connection or in a transaction.
pub(crate) async fn changes_in(
    db: &impl ConnectionTrait,
    after: FeedCursor,
    limit: u64,
    record_types: &[String],
) -> Result<Vec<ChangeEvent>, StoreError> {
    let mut query = Query::select();
    query
        .columns([
            "id",
            "txid",
            "record_type",
            "record_id",
            "operation",
            "version",
            "survivor_id",
            "changed_at",
        ])
        .from("change_event")
        .and_where(
            Expr::tuple([Expr::col("txid"), Expr::col("id")])
                .gt(Expr::tuple([Expr::val(after.txid), Expr::val(after.id)])),
        )
        .order_by("txid", Order::Asc)
        .order_by("id", Order::Asc)
        .limit(limit);
    if let Some(condition) = settled(db.get_database_backend()) {
        query.and_where(condition);
    }
    if !record_types.is_empty() {
        query.and_where(Expr::col("record_type").is_in(record_types.iter().cloned()));
    }
    let rows = db.query_all(&query).await?;
    rows.into_iter()
        .map(|row| {
            let operation: String = row.try_get("", "operation")?;
            Ok(ChangeEvent {
                cursor: FeedCursor {
                    txid: row.try_get("", "txid")?,
                    id: row.try_get("", "id")?,
                },
                record_type: row.try_get("", "record_type")?,
                record_id: row.try_get("", "record_id")?,
                operation: Operation::from_code(&operation)
                    .ok_or_else(|| StoreError::corrupt(format!("operation {operation}")))?,
                version: row.try_get("", "version")?,
                survivor_id: row.try_get("", "survivor_id")?,
                changed_at: row.try_get("", "changed_at")?,
            })
        })
        .collect()
}
