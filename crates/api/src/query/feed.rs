//! The change feed: what changed in the published registry, in commit order, for partners
//! that mirror it.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, Error, ErrorExtensions, ID, Object, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use panorama_persistence::StoreError;
use panorama_persistence::feed::{ChangeEvent, FeedCursor, Operation};

use super::moderation::RecordType;
use crate::ApiOptions;
use crate::error::{OrGqlError, user_error};
use crate::ids::encode;
use crate::types::store;

pub const CURSOR_EXPIRED: &str = "CURSOR_EXPIRED";

/// The most events one page of the feed returns.
pub const MAX_FEED_PAGE: i32 = 1000;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "Operation")]
pub enum ChangeOperation {
    /// The record is published as of this version: fetch it (or its fields) by id.
    Upsert,
    /// The record is no longer public (archived, rejected, removed): drop it.
    Delete,
    /// The record was merged into `survivorId`: drop it; the survivor has its own event.
    Merge,
}

/// One change to the published registry.
#[derive(SimpleObject)]
pub struct Change {
    pub record_id: ID,
    pub record_type: RecordType,
    pub operation: ChangeOperation,
    pub version: i32,
    pub survivor_id: Option<ID>,
    pub changed_at: DateTime<Utc>,
}

/// What a reader needs to know of the feed besides its events.
pub struct FeedInfo {
    retention_days: i64,
}

#[Object]
impl FeedInfo {
    /// How many days events are kept: come back within that to resume from a cursor. An older
    /// cursor is refused with `CURSOR_EXPIRED`.
    async fn retention_days(&self) -> i64 {
        self.retention_days
    }

    /// The newest change now. A new mirror reads this first, then copies the registry (the
    /// listings or the open-data exports), then follows the feed from here: whatever changes
    /// meanwhile comes after it.
    async fn head_cursor(&self, ctx: &Context<'_>) -> Result<String, Error> {
        Ok(cursor(store(ctx)?.feed_head().await.gql()?))
    }
}

/// The cursor a reader of the feed resumes from, after `position`.
pub(crate) fn cursor(position: FeedCursor) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}", position.txid, position.id))
}

fn parse_cursor(text: &str) -> Option<FeedCursor> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
    let (txid, id) = text.split_once(':')?;
    Some(FeedCursor {
        txid: txid.parse().ok()?,
        id: id.parse().ok()?,
    })
}

fn change(event: ChangeEvent) -> Option<Change> {
    let (record_type, kind) = RecordType::of_table(&event.record_type)?;
    Some(Change {
        record_id: encode(kind, event.record_id),
        record_type,
        operation: event.operation.into(),
        version: event.version,
        survivor_id: event.survivor_id.map(|id| encode(kind, id)),
        changed_at: event.changed_at,
    })
}

/// The reader's cursor is older than the oldest event kept.
fn cursor_expired() -> Error {
    Error::new(
        "the feed no longer holds the changes after this cursor (older than its retention): \
         copy the registry again, starting from headCursor",
    )
    .extend_with(|_, e| e.set("code", CURSOR_EXPIRED))
}

#[derive(Default)]
pub struct FeedQuery;

#[Object]
impl FeedQuery {
    /// Every change to published data after `after`, in commit order: resume from the last
    /// cursor you read to miss nothing. An empty page means nothing new yet; keep your cursor.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        #[graphql(default = 100)] first: i32,
        types: Option<Vec<RecordType>>,
    ) -> Result<Connection<String, Change, FeedInfo>, Error> {
        if !(1..=MAX_FEED_PAGE).contains(&first) {
            return Err(user_error(format!(
                "first must be between 1 and {MAX_FEED_PAGE}"
            )));
        }
        let position = match after.as_deref() {
            Some(text) => parse_cursor(text)
                .ok_or_else(|| user_error("after is not a cursor of this feed"))?,
            None => FeedCursor::default(),
        };
        let tables: Vec<String> = types
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.table().to_owned())
            .collect();
        let mut events = match store(ctx)?
            .changes(position, first as u64 + 1, &tables)
            .await
        {
            Err(StoreError::CursorExpired) => return Err(cursor_expired()),
            found => found.gql()?,
        };
        let more = events.len() > first as usize;
        events.truncate(first as usize);
        let retention = ctx.data::<ApiOptions>()?.feed_retention;
        let info = FeedInfo {
            retention_days: (retention.as_secs() / 86_400) as i64,
        };
        let mut connection = Connection::with_additional_fields(after.is_some(), more, info);
        connection
            .edges
            .extend(events.into_iter().filter_map(|event| {
                let position = event.cursor;
                change(event).map(|c| Edge::new(cursor(position), c))
            }));
        Ok(connection)
    }
}
