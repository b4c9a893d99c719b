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
//! # Pruning
//!
//! Events older than the retention window are deleted, always a prefix of the feed in cursor
//! order, and only among settled events (below `xmin`), so nothing can later appear behind
//! what was deleted. The newest deleted cursor is kept as the *horizon*: a reader whose cursor
//! is older has missed events and gets [`StoreError::CursorExpired`] rather than a page that
//! silently skips them. It starts again from a snapshot taken after reading [`Store::feed_head`].
//!
//! What counts: a record that is published after a change gives `UPSERT`; one that was
//! published and is not any more (archived, rejected, removed) gives `DELETE`; an organisation
//! merged into another gives `MERGE` with the survivor. Changes to records that were never
//! public are not in the feed.

use chrono::{DateTime, Utc};
use panorama_domain::model::{RecordMeta, RecordStatus};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Order, Query, SimpleExpr};
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

/// Where the feed stands: see [`Store::feed_mark`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeedMark {
    pub head: FeedCursor,
    pub newest: i64,
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
    note_inserts(db, record_type, std::iter::once(meta)).await
}

/// Notes new records (published ones only), in few statements.
pub(crate) async fn note_inserts<'a>(
    db: &impl ConnectionTrait,
    record_type: &str,
    metas: impl Iterator<Item = &'a RecordMeta>,
) -> Result<(), StoreError> {
    let events: Vec<NewEvent> = metas
        .filter(|meta| published(Some(meta.status)))
        .map(|meta| NewEvent {
            id: meta.id,
            operation: Operation::Upsert,
            version: meta.version,
            survivor: None,
        })
        .collect();
    insert_events(db, record_type, &events).await
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
    let event = NewEvent {
        id,
        operation,
        version,
        survivor,
    };
    insert_events(db, record_type, &[event]).await
}

/// An event about to be written.
struct NewEvent {
    id: Uuid,
    operation: Operation,
    version: i32,
    survivor: Option<Uuid>,
}

/// Events per statement: seven columns each, well under the databases' parameter limits.
const EVENTS_PER_STATEMENT: usize = 1000;

async fn insert_events(
    db: &impl ConnectionTrait,
    record_type: &str,
    events: &[NewEvent],
) -> Result<(), StoreError> {
    let changed_at = now();
    for chunk in events.chunks(EVENTS_PER_STATEMENT) {
        let mut statement = Query::insert();
        statement.into_table("change_event").columns([
            "txid",
            "record_type",
            "record_id",
            "operation",
            "version",
            "survivor_id",
            "changed_at",
        ]);
        for event in chunk {
            statement
                .values([
                    current_txid(db.get_database_backend()),
                    Expr::val(record_type),
                    Expr::val(event.id),
                    Expr::val(event.operation.code()),
                    Expr::val(event.version),
                    Expr::val(event.survivor),
                    Expr::val(changed_at),
                ])
                .map_err(|e| StoreError::corrupt(format!("change event: {e}")))?;
        }
        db.execute(&statement).await?;
    }
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
        if after != FeedCursor::default()
            && horizon_in(self.connection())
                .await?
                .is_some_and(|horizon| after < horizon)
        {
            return Err(StoreError::CursorExpired);
        }
        changes_in(self.connection(), after, limit, record_types).await
    }

    /// The newest settled event's cursor: a new mirror reads it, then takes its snapshot
    /// (listings or exports), then follows the feed from it; nothing changed after the snapshot
    /// can sort before it. The feed's start when it holds no event.
    pub async fn feed_head(&self) -> Result<FeedCursor, StoreError> {
        head_in(self.connection()).await
    }

    /// A mark that moves whenever published data changes, for caches of published data to
    /// know when to read again: the settled head and the newest event id, settled or not.
    /// The head alone could lag behind a writer's own change while an older transaction
    /// runs elsewhere; the newest id alone could miss an event that commits after a larger
    /// one. A cache that reads the mark before it reads the data misses no change: any later
    /// commit moves the head once it settles.
    pub async fn feed_mark(&self) -> Result<FeedMark, StoreError> {
        let db = self.connection();
        let newest = Query::select()
            .expr(Expr::col("id").max())
            .from("change_event")
            .to_owned();
        let newest: Option<i64> = match db.query_one(&newest).await? {
            Some(row) => row.try_get_by_index(0)?,
            None => None,
        };
        Ok(FeedMark {
            head: head_in(db).await?,
            newest: newest.unwrap_or_default(),
        })
    }

    /// Deletes the events older than `before` (a prefix of the feed: see the module's
    /// comment) and moves the horizon to the newest of them.
    pub async fn prune_changes(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let txn = self.begin_write().await?;
        let Some(horizon) = newest_settled(&txn, Some(before)).await? else {
            return Ok(0);
        };
        let delete = Query::delete()
            .from_table("change_event")
            .and_where(
                Expr::tuple([Expr::col("txid"), Expr::col("id")]).lte(Expr::tuple([
                    Expr::val(horizon.txid),
                    Expr::val(horizon.id),
                ])),
            )
            .to_owned();
        let deleted = txn.execute(&delete).await?.rows_affected();
        let upsert = Query::insert()
            .into_table("change_feed_horizon")
            .columns(["id", "txid", "event_id", "pruned_at"])
            .values_panic([
                Expr::val(1),
                Expr::val(horizon.txid),
                Expr::val(horizon.id),
                Expr::val(now()),
            ])
            .on_conflict(
                OnConflict::column("id")
                    .update_columns(["txid", "event_id", "pruned_at"])
                    .to_owned(),
            )
            .to_owned();
        txn.execute(&upsert).await?;
        txn.commit().await?;
        Ok(deleted)
    }
}

/// On PostgreSQL, the events whose writers have all finished (see the module's comment); on
/// SQLite every committed event is settled.
fn settled(backend: DbBackend) -> Option<SimpleExpr> {
    (backend == DbBackend::Postgres).then(|| {
        Expr::col("txid").lt(Expr::cust(
            "pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
        ))
    })
}

/// The position after the last event a reader can see now: a follower that starts there gets
/// every change that becomes visible later (and, on PostgreSQL, possibly a few that committed
/// just before, never fewer). When pruning has emptied the feed, the horizon.
pub(crate) async fn head_in(db: &impl ConnectionTrait) -> Result<FeedCursor, StoreError> {
    match newest_settled(db, None).await? {
        Some(cursor) => Ok(cursor),
        None => Ok(horizon_in(db).await?.unwrap_or_default()),
    }
}

/// The newest cursor pruning has deleted, if it ever has.
async fn horizon_in(db: &impl ConnectionTrait) -> Result<Option<FeedCursor>, StoreError> {
    let query = Query::select()
        .columns(["txid", "event_id"])
        .from("change_feed_horizon")
        .to_owned();
    let Some(row) = db.query_one(&query).await? else {
        return Ok(None);
    };
    Ok(Some(FeedCursor {
        txid: row.try_get("", "txid")?,
        id: row.try_get("", "event_id")?,
    }))
}

/// The newest settled event, of those older than `before` if given.
async fn newest_settled(
    db: &impl ConnectionTrait,
    before: Option<DateTime<Utc>>,
) -> Result<Option<FeedCursor>, StoreError> {
    let mut query = Query::select();
    query
        .columns(["txid", "id"])
        .from("change_event")
        .order_by("txid", Order::Desc)
        .order_by("id", Order::Desc)
        .limit(1);
    if let Some(settled) = settled(db.get_database_backend()) {
        query.and_where(settled);
    }
    if let Some(before) = before {
        query.and_where(Expr::col("changed_at").lt(before));
    }
    let Some(row) = db.query_one(&query).await? else {
        return Ok(None);
    };
    Ok(Some(FeedCursor {
        txid: row.try_get("", "txid")?,
        id: row.try_get("", "id")?,
    }))
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
