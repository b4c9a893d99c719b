//! Webhooks: partners' endpoints, and the queue of deliveries to them.
//!
//! The queue is fed from the change feed (which holds changes to published data only, so any
//! partner may receive them). [`Store::dispatch_webhooks`] follows the feed from a position
//! kept in `webhook_dispatch` and, in one transaction, queues one delivery per event and
//! matching endpoint and moves the position on: an event is queued once, or not at all if the
//! transaction fails and is tried again. Workers [claim](Store::claim_webhook_deliveries) due
//! deliveries for a while, send them, and [record](Store::record_webhook_attempt) each attempt;
//! a worker that dies mid-attempt lets its claim lapse and another sends the delivery again.
//! Hence at least once: receivers drop repeats by the `webhook-id`.
//!
//! SQLite transactions here begin with a write, so that they take the single writer's lock
//! first (waiting for it) instead of failing when a read snapshot turns out to be stale.

use std::time::Duration;

use chrono::{DateTime, Utc};
use panorama_domain::partner::PartnerStatus;
use panorama_domain::webhook::{
    DeliveryStatus, MAX_ENDPOINTS_PER_PARTNER, WebhookAttempt, WebhookDelivery, WebhookEndpoint,
    message_id,
};
use sea_orm::sea_query::{
    Expr, ExprTrait, LockBehavior, LockType, OnConflict, Order, Query, SelectStatement,
};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use crate::feed::{ChangeEvent, FeedCursor, changes_in, head_in};
use crate::time::{now, stamp};
use crate::{Store, StoreError};

/// The row of `webhook_dispatch` that the webhook dispatcher keeps its feed position in.
const DISPATCHER: &str = "webhooks";

/// How many rows one insert statement carries (well below both databases' parameter limits).
const INSERT_CHUNK: usize = 500;

/// What an event becomes for receivers: its type (`organisation.upsert`) and the JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventMessage {
    pub event_type: String,
    pub body: String,
}

/// Turns a feed event into a message (the API layer decides what receivers see); `None`
/// skips the event.
pub type Describe<'a> = &'a (dyn Fn(&ChangeEvent) -> Option<EventMessage> + Send + Sync);

/// An endpoint to register.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    pub partner_id: Uuid,
    pub url: String,
    pub event_types: Vec<String>,
    pub secret: String,
}

/// A claimed delivery, with what sending it needs.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: Uuid,
    pub message_id: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempt_count: i32,
    pub url: String,
    pub secret: String,
}

/// What becomes of a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    Delivered,
    RetryAt(DateTime<Utc>),
    Failed,
}

const ENDPOINT_COLUMNS: [&str; 7] = [
    "id",
    "partner_id",
    "url",
    "event_types",
    "active",
    "created_at",
    "disabled_at",
];

const DELIVERY_COLUMNS: [&str; 10] = [
    "id",
    "endpoint_id",
    "message_id",
    "event_type",
    "payload",
    "status",
    "attempt_count",
    "next_attempt_at",
    "created_at",
    "delivered_at",
];

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::corrupt(format!("webhooks: {what}"))
}

fn endpoint_from(row: &QueryResult) -> Result<WebhookEndpoint, StoreError> {
    let event_types: String = row.try_get("", "event_types")?;
    Ok(WebhookEndpoint {
        id: row.try_get("", "id")?,
        partner_id: row.try_get("", "partner_id")?,
        url: row.try_get("", "url")?,
        event_types: serde_json::from_str(&event_types).map_err(corrupt)?,
        active: row.try_get("", "active")?,
        created_at: row.try_get("", "created_at")?,
        disabled_at: row.try_get("", "disabled_at")?,
    })
}

fn delivery_from(row: &QueryResult) -> Result<WebhookDelivery, StoreError> {
    let status: String = row.try_get("", "status")?;
    Ok(WebhookDelivery {
        id: row.try_get("", "id")?,
        endpoint_id: row.try_get("", "endpoint_id")?,
        message_id: row.try_get("", "message_id")?,
        event_type: row.try_get("", "event_type")?,
        payload: row.try_get("", "payload")?,
        status: DeliveryStatus::from_code(&status).ok_or_else(|| corrupt(&status))?,
        attempt_count: row.try_get("", "attempt_count")?,
        next_attempt_at: row.try_get("", "next_attempt_at")?,
        created_at: row.try_get("", "created_at")?,
        delivered_at: row.try_get("", "delivered_at")?,
        attempts: Vec::new(),
    })
}

fn endpoints_query() -> SelectStatement {
    Query::select()
        .columns(ENDPOINT_COLUMNS)
        .from("webhook_endpoint")
        .order_by("created_at", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned()
}

fn active_count_query(partner: Option<Uuid>) -> SelectStatement {
    let mut query = Query::select();
    query
        .expr_as(Expr::col("id").count(), "n")
        .from("webhook_endpoint")
        .and_where(Expr::col("active").eq(true));
    if let Some(partner) = partner {
        query.and_where(Expr::col("partner_id").eq(partner));
    }
    query
}

async fn count(db: &impl ConnectionTrait, query: &SelectStatement) -> Result<i64, StoreError> {
    let row = db
        .query_one(query)
        .await?
        .ok_or_else(|| corrupt("a count returned no row"))?;
    Ok(row.try_get("", "n")?)
}

/// An active endpoint as the dispatcher matches events against it.
struct Subscriber {
    id: Uuid,
    event_types: Vec<String>,
    start: FeedCursor,
}

impl Subscriber {
    fn wants(&self, event: &ChangeEvent, event_type: &str) -> bool {
        event.cursor > self.start && self.event_types.iter().any(|t| t == event_type)
    }
}

/// The active endpoints of partners that are not suspended: a suspended partner's endpoints
/// are not sent what changes meanwhile.
async fn subscribers(db: &impl ConnectionTrait) -> Result<Vec<Subscriber>, StoreError> {
    let active_partners = Query::select()
        .column("id")
        .from("partner")
        .and_where(Expr::col("status").eq(PartnerStatus::Active.code()))
        .to_owned();
    let query = Query::select()
        .columns(["id", "event_types", "start_txid", "start_id"])
        .from("webhook_endpoint")
        .and_where(Expr::col("active").eq(true))
        .and_where(Expr::col("partner_id").in_subquery(active_partners))
        .to_owned();
    db.query_all(&query)
        .await?
        .iter()
        .map(|row| {
            let event_types: String = row.try_get("", "event_types")?;
            Ok(Subscriber {
                id: row.try_get("", "id")?,
                event_types: serde_json::from_str(&event_types).map_err(corrupt)?,
                start: FeedCursor {
                    txid: row.try_get("", "start_txid")?,
                    id: row.try_get("", "start_id")?,
                },
            })
        })
        .collect()
}

async fn dispatch_position(db: &impl ConnectionTrait) -> Result<FeedCursor, StoreError> {
    let query = Query::select()
        .columns(["txid", "id"])
        .from("webhook_dispatch")
        .and_where(Expr::col("name").eq(DISPATCHER))
        .to_owned();
    let row = db
        .query_one(&query)
        .await?
        .ok_or_else(|| corrupt("no dispatcher position"))?;
    Ok(FeedCursor {
        txid: row.try_get("", "txid")?,
        id: row.try_get("", "id")?,
    })
}

/// Moves the dispatcher to `position`, if that is ahead of it.
async fn advance_dispatcher(
    db: &impl ConnectionTrait,
    position: FeedCursor,
) -> Result<(), StoreError> {
    let update = Query::update()
        .table("webhook_dispatch")
        .values([("txid", position.txid.into()), ("id", position.id.into())])
        .and_where(Expr::col("name").eq(DISPATCHER))
        .and_where(
            Expr::tuple([Expr::col("txid"), Expr::col("id")]).lt(Expr::tuple([
                Expr::val(position.txid),
                Expr::val(position.id),
            ])),
        )
        .to_owned();
    db.execute(&update).await?;
    Ok(())
}

/// One delivery row to queue.
struct Queued<'a> {
    endpoint: Uuid,
    event: &'a ChangeEvent,
    message: &'a EventMessage,
}

async fn queue(db: &impl ConnectionTrait, rows: &[Queued<'_>]) -> Result<(), StoreError> {
    let created_at = now();
    for chunk in rows.chunks(INSERT_CHUNK) {
        let mut insert = Query::insert();
        insert.into_table("webhook_delivery").columns([
            "id",
            "endpoint_id",
            "message_id",
            "event_type",
            "payload",
            "event_txid",
            "event_id",
            "status",
            "attempt_count",
            "next_attempt_at",
            "created_at",
        ]);
        for row in chunk {
            let id = Uuid::now_v7();
            insert
                .values([
                    id.into(),
                    row.endpoint.into(),
                    message_id(id).into(),
                    row.message.event_type.clone().into(),
                    row.message.body.clone().into(),
                    row.event.cursor.txid.into(),
                    row.event.cursor.id.into(),
                    DeliveryStatus::Pending.code().into(),
                    0i32.into(),
                    created_at.into(),
                    created_at.into(),
                ])
                .map_err(corrupt)?;
        }
        insert.on_conflict(
            OnConflict::columns(["endpoint_id", "event_txid", "event_id"])
                .do_nothing()
                .to_owned(),
        );
        db.execute(&insert).await?;
    }
    Ok(())
}

impl Store {
    /// Registers an endpoint that receives the events after this moment. `None` when the
    /// partner already has [`MAX_ENDPOINTS_PER_PARTNER`] active ones.
    pub async fn register_webhook(
        &self,
        new: NewEndpoint,
    ) -> Result<Option<WebhookEndpoint>, StoreError> {
        let start = head_in(self.connection()).await?;
        let endpoint = WebhookEndpoint {
            id: Uuid::now_v7(),
            partner_id: new.partner_id,
            url: new.url,
            event_types: new.event_types,
            active: true,
            created_at: now(),
            disabled_at: None,
        };
        let event_types = serde_json::to_string(&endpoint.event_types).map_err(corrupt)?;
        let insert = Query::insert()
            .into_table("webhook_endpoint")
            .columns([
                "id",
                "partner_id",
                "url",
                "event_types",
                "secret",
                "active",
                "start_txid",
                "start_id",
                "created_at",
            ])
            .values([
                endpoint.id.into(),
                endpoint.partner_id.into(),
                endpoint.url.clone().into(),
                event_types.into(),
                new.secret.into(),
                true.into(),
                start.txid.into(),
                start.id.into(),
                endpoint.created_at.into(),
            ])
            .map_err(corrupt)?
            .to_owned();
        let txn = self.begin_write().await?;
        txn.execute(&insert).await?;
        let own = count(&txn, &active_count_query(Some(endpoint.partner_id))).await?;
        if own > MAX_ENDPOINTS_PER_PARTNER as i64 {
            txn.rollback().await?;
            return Ok(None);
        }
        // Alone, the new endpoint need not wait for the dispatcher to walk past older events
        // that nobody wants.
        if count(&txn, &active_count_query(None)).await? == 1 {
            advance_dispatcher(&txn, start).await?;
        }
        txn.commit().await?;
        Ok(Some(endpoint))
    }

    pub async fn webhook_endpoint(&self, id: Uuid) -> Result<Option<WebhookEndpoint>, StoreError> {
        let query = endpoints_query()
            .and_where(Expr::col("id").eq(id))
            .to_owned();
        let row = self.connection().query_one(&query).await?;
        row.as_ref().map(endpoint_from).transpose()
    }

    /// The endpoints of `partner`, or of every partner; oldest first.
    pub async fn webhook_endpoints(
        &self,
        partner: Option<Uuid>,
    ) -> Result<Vec<WebhookEndpoint>, StoreError> {
        let mut query = endpoints_query();
        if let Some(partner) = partner {
            query.and_where(Expr::col("partner_id").eq(partner));
        }
        let rows = self.connection().query_all(&query).await?;
        rows.iter().map(endpoint_from).collect()
    }

    /// Disables an endpoint: nothing more is queued for it, and what waits is cancelled.
    /// Disabling it again changes nothing. `None` if there is no such endpoint.
    pub async fn disable_webhook(&self, id: Uuid) -> Result<Option<WebhookEndpoint>, StoreError> {
        let at = now();
        let txn = self.begin_write().await?;
        let disable = Query::update()
            .table("webhook_endpoint")
            .values([("active", false.into()), ("disabled_at", at.into())])
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("active").eq(true))
            .to_owned();
        txn.execute(&disable).await?;
        let cancel = Query::update()
            .table("webhook_delivery")
            .values([
                ("status", DeliveryStatus::Cancelled.code().into()),
                ("next_attempt_at", Option::<DateTime<Utc>>::None.into()),
            ])
            .and_where(Expr::col("endpoint_id").eq(id))
            .and_where(Expr::col("status").eq(DeliveryStatus::Pending.code()))
            .to_owned();
        txn.execute(&cancel).await?;
        txn.commit().await?;
        self.webhook_endpoint(id).await
    }

    /// Turns up to `limit` feed events after the dispatcher's position into deliveries for
    /// the active endpoints that want them, and moves the position past them. Returns how
    /// many events it consumed (0: nothing new, or no endpoint to send anything to).
    pub async fn dispatch_webhooks(
        &self,
        limit: u64,
        describe: Describe<'_>,
    ) -> Result<usize, StoreError> {
        let db = self.connection();
        // Look before writing: on PostgreSQL a writing transaction, however short, holds
        // back every feed reader (see `feed`), so an idle dispatcher must only read.
        if count(db, &active_count_query(None)).await? == 0 {
            return Ok(0);
        }
        let position = dispatch_position(db).await?;
        if changes_in(db, position, 1, &[]).await?.is_empty() {
            return Ok(0);
        }
        let txn = self.begin_write().await?;
        // Locks the position (PostgreSQL: this row; SQLite: the database), so that two
        // dispatchers never queue the same events; the second one waits, then reads on.
        let lock = Query::update()
            .table("webhook_dispatch")
            .value("txid", Expr::col("txid"))
            .and_where(Expr::col("name").eq(DISPATCHER))
            .to_owned();
        txn.execute(&lock).await?;
        let position = dispatch_position(&txn).await?;
        let events = changes_in(&txn, position, limit, &[]).await?;
        let subscribers = subscribers(&txn).await?;
        let messages: Vec<Option<EventMessage>> = events.iter().map(describe).collect();
        let rows: Vec<Queued<'_>> = events
            .iter()
            .zip(&messages)
            .filter_map(|(event, message)| Some((event, message.as_ref()?)))
            .flat_map(|(event, message)| {
                subscribers
                    .iter()
                    .filter(|s| s.wants(event, &message.event_type))
                    .map(move |s| Queued {
                        endpoint: s.id,
                        event,
                        message,
                    })
            })
            .collect();
        queue(&txn, &rows).await?;
        if let Some(last) = events.last() {
            advance_dispatcher(&txn, last.cursor).await?;
        }
        txn.commit().await?;
        Ok(events.len())
    }

    /// Claims up to `limit` due deliveries for `lease`: no other worker takes them until it
    /// lapses, by when this one must have recorded its attempt. On PostgreSQL, rows another
    /// worker is claiming are skipped rather than waited for.
    pub async fn claim_webhook_deliveries(
        &self,
        limit: u64,
        lease: Duration,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let at = now();
        let lease = chrono::Duration::from_std(lease).map_err(corrupt)?;
        let due = Query::select()
            .column("id")
            .from("webhook_delivery")
            .and_where(Expr::col("status").eq(DeliveryStatus::Pending.code()))
            .and_where(Expr::col("next_attempt_at").lte(at))
            .order_by("next_attempt_at", Order::Asc)
            .limit(limit)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .to_owned();
        let claim = Query::update()
            .table("webhook_delivery")
            .value("next_attempt_at", stamp(at + lease))
            .and_where(Expr::col("id").in_subquery(due))
            .returning(Query::returning().columns([
                "id",
                "endpoint_id",
                "message_id",
                "payload",
                "attempt_count",
            ]))
            .to_owned();
        let claimed = self.connection().query_all(&claim).await?;
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        let mut endpoint_ids = Vec::new();
        for row in &claimed {
            endpoint_ids.push(row.try_get::<Uuid>("", "endpoint_id")?);
        }
        let endpoints = Query::select()
            .columns(["id", "url", "secret"])
            .from("webhook_endpoint")
            .and_where(Expr::col("id").is_in(endpoint_ids))
            .to_owned();
        let endpoints = self.connection().query_all(&endpoints).await?;
        let mut targets = std::collections::HashMap::new();
        for row in &endpoints {
            let id: Uuid = row.try_get("", "id")?;
            let url: String = row.try_get("", "url")?;
            let secret: String = row.try_get("", "secret")?;
            targets.insert(id, (url, secret));
        }
        claimed
            .iter()
            .map(|row| {
                let endpoint: Uuid = row.try_get("", "endpoint_id")?;
                let (url, secret) = targets
                    .get(&endpoint)
                    .cloned()
                    .ok_or_else(|| corrupt("a delivery without its endpoint"))?;
                Ok(DueDelivery {
                    id: row.try_get("", "id")?,
                    message_id: row.try_get("", "message_id")?,
                    payload: row.try_get("", "payload")?,
                    attempt_count: row.try_get("", "attempt_count")?,
                    url,
                    secret,
                })
            })
            .collect()
    }

    /// Records an attempt and what follows it. A delivery that was cancelled meanwhile (its
    /// endpoint disabled) keeps the attempt and stays cancelled.
    pub async fn record_webhook_attempt(
        &self,
        delivery: Uuid,
        attempt: &WebhookAttempt,
        after: AfterAttempt,
    ) -> Result<(), StoreError> {
        let insert = Query::insert()
            .into_table("webhook_attempt")
            .columns([
                "delivery_id",
                "attempted_at",
                "status_code",
                "error",
                "duration_ms",
            ])
            .values([
                delivery.into(),
                stamp(attempt.attempted_at).into(),
                attempt.status_code.into(),
                attempt.error.clone().into(),
                attempt.duration_ms.into(),
            ])
            .map_err(corrupt)?
            .to_owned();
        let none = Option::<DateTime<Utc>>::None;
        let (status, next, delivered) = match after {
            AfterAttempt::Delivered => (DeliveryStatus::Delivered, none, Some(now())),
            AfterAttempt::RetryAt(at) => (DeliveryStatus::Pending, Some(stamp(at)), none),
            AfterAttempt::Failed => (DeliveryStatus::Failed, none, none),
        };
        let update = Query::update()
            .table("webhook_delivery")
            .values([
                ("status", status.code().into()),
                ("next_attempt_at", next.into()),
                ("delivered_at", delivered.into()),
                ("attempt_count", Expr::col("attempt_count").add(1)),
            ])
            .and_where(Expr::col("id").eq(delivery))
            .and_where(Expr::col("status").eq(DeliveryStatus::Pending.code()))
            .to_owned();
        let txn = self.begin_write().await?;
        txn.execute(&insert).await?;
        txn.execute(&update).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Up to `limit` deliveries of an endpoint, newest first, after the delivery `after`
    /// (keyset), only those of `status` if given; each with its attempts.
    pub async fn webhook_deliveries(
        &self,
        endpoint: Uuid,
        status: Option<DeliveryStatus>,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<WebhookDelivery>, StoreError> {
        let mut query = Query::select();
        query
            .columns(DELIVERY_COLUMNS)
            .from("webhook_delivery")
            .and_where(Expr::col("endpoint_id").eq(endpoint))
            .order_by("id", Order::Desc)
            .limit(limit);
        if let Some(status) = status {
            query.and_where(Expr::col("status").eq(status.code()));
        }
        if let Some(after) = after {
            query.and_where(Expr::col("id").lt(after));
        }
        let rows = self.connection().query_all(&query).await?;
        let mut deliveries = rows
            .iter()
            .map(delivery_from)
            .collect::<Result<Vec<_>, _>>()?;
        if deliveries.is_empty() {
            return Ok(deliveries);
        }
        let attempts = Query::select()
            .columns([
                "delivery_id",
                "attempted_at",
                "status_code",
                "error",
                "duration_ms",
            ])
            .from("webhook_attempt")
            .and_where(Expr::col("delivery_id").is_in(deliveries.iter().map(|d| d.id)))
            .order_by("id", Order::Asc)
            .to_owned();
        for row in self.connection().query_all(&attempts).await? {
            let delivery: Uuid = row.try_get("", "delivery_id")?;
            let attempt = WebhookAttempt {
                attempted_at: row.try_get("", "attempted_at")?,
                status_code: row.try_get("", "status_code")?,
                error: row.try_get("", "error")?,
                duration_ms: row.try_get("", "duration_ms")?,
            };
            if let Some(d) = deliveries.iter_mut().find(|d| d.id == delivery) {
                d.attempts.push(attempt);
            }
        }
        Ok(deliveries)
    }

    /// How many deliveries of an endpoint there are (of `status`, if given).
    pub async fn webhook_delivery_count(
        &self,
        endpoint: Uuid,
        status: Option<DeliveryStatus>,
    ) -> Result<i64, StoreError> {
        let mut query = Query::select();
        query
            .expr_as(Expr::col("id").count(), "n")
            .from("webhook_delivery")
            .and_where(Expr::col("endpoint_id").eq(endpoint));
        if let Some(status) = status {
            query.and_where(Expr::col("status").eq(status.code()));
        }
        count(self.connection(), &query).await
    }

    /// How many deliveries wait to be sent, across all endpoints.
    pub async fn webhook_backlog(&self) -> Result<i64, StoreError> {
        let query = Query::select()
            .expr_as(Expr::col("id").count(), "n")
            .from("webhook_delivery")
            .and_where(Expr::col("status").eq(DeliveryStatus::Pending.code()))
            .to_owned();
        count(self.connection(), &query).await
    }

    /// Deletes finished deliveries (and their attempts) created before `before`.
    pub async fn prune_webhook_deliveries(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let delete = Query::delete()
            .from_table("webhook_delivery")
            .and_where(Expr::col("status").ne(DeliveryStatus::Pending.code()))
            .and_where(Expr::col("created_at").lt(stamp(before)))
            .to_owned();
        Ok(self.connection().execute(&delete).await?.rows_affected())
    }
}
