//! The history of a record: one revision per change, newest first.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Error, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use panorama_domain::policy::{Actor, can_moderate};
use panorama_persistence::history::Revision as StoredRevision;
use uuid::Uuid;

use super::*;
use crate::error::{OrGqlError, user_error};
use crate::loaders::HistoryOf;

/// One field's value before and after a change (null where it had none).
#[derive(SimpleObject)]
pub struct FieldChange {
    pub field: String,
    pub before: Json<serde_json::Value>,
    pub after: Json<serde_json::Value>,
}

impl From<&panorama_persistence::history::FieldChange> for FieldChange {
    fn from(change: &panorama_persistence::history::FieldChange) -> Self {
        Self {
            field: change.field.clone(),
            before: Json(change.before.clone()),
            after: Json(change.after.clone()),
        }
    }
}

/// One change of a record.
pub struct Revision {
    revision: StoredRevision,
    show_actor: bool,
}

#[Object]
impl Revision {
    /// The record's version after this change.
    async fn version(&self) -> i32 {
        self.revision.version
    }
    /// CREATE, UPDATE, ARCHIVE, RESTORE, APPROVE, REJECT, REQUEST_CHANGES, REVERT, REMOVE,
    /// ADD_PARTICIPATION, REMOVE_PARTICIPATION.
    async fn action(&self) -> &str {
        &self.revision.action
    }
    /// Who made it (a client id or a user id): shown to moderators and to the partner that
    /// made it.
    async fn actor(&self) -> Option<&str> {
        self.show_actor.then_some(self.revision.actor.as_str())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.revision.created_at
    }
    /// A moderator's reason or request (REJECT, REQUEST_CHANGES).
    async fn comment(&self) -> Option<&str> {
        self.revision.comment.as_deref()
    }
    async fn changes(&self) -> Vec<FieldChange> {
        self.revision
            .changes
            .iter()
            .map(FieldChange::from)
            .collect()
    }
}

pub const MAX_HISTORY_PAGE: usize = 100;

/// A page of a record's history, newest first; the cursor is a version.
pub async fn history(
    ctx: &Context<'_>,
    record_type: &'static str,
    id: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<String, Revision>, Error> {
    let first = first.unwrap_or(20);
    if !(0..=MAX_HISTORY_PAGE as i32).contains(&first) {
        return Err(user_error(format!(
            "first must be between 0 and {MAX_HISTORY_PAGE}"
        )));
    }
    let before_version = match after {
        Some(cursor) => Some(
            cursor
                .parse::<i32>()
                .map_err(|_| user_error("after is not a cursor of this history"))?,
        ),
        None => None,
    };
    let mut revisions = loaders(ctx)?
        .load_one(HistoryOf {
            record_type,
            id,
            before_version,
        })
        .await
        .gql()?
        .unwrap_or_default();
    let more = revisions.len() > first as usize;
    revisions.truncate(first as usize);
    let actor = &request(ctx)?.actor;
    let mut connection = Connection::new(before_version.is_some(), more);
    connection
        .edges
        .extend(revisions.into_iter().map(|revision| {
            let same_partner = matches!(actor, Actor::Caller(c)
            if c.partner.as_ref().is_some_and(|p| Some(p.id) == revision.actor_partner));
            let show_actor = can_moderate(actor) || same_partner;
            Edge::new(
                revision.version.to_string(),
                Revision {
                    revision,
                    show_actor,
                },
            )
        }));
    Ok(connection)
}
