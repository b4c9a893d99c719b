//! Revisions: the history of every record. Each change writes one, in the change's own
//! transaction, naming who made it and each changed field's value before and after.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::entities::revision;
use crate::mapping::json_list;
use crate::time::now;
use crate::{Store, StoreError};

/// One field's value before and after a change (JSON null where it had none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Value,
    pub after: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub id: Uuid,
    pub record_type: String,
    pub record_id: Uuid,
    /// The record's version after the change.
    pub version: i32,
    /// `CREATE`, `UPDATE`, `ARCHIVE`, `RESTORE`…
    pub action: String,
    pub actor: String,
    pub actor_partner: Option<Uuid>,
    pub changes: Vec<FieldChange>,
    pub created_at: DateTime<Utc>,
    /// A moderator's reason or request, for `REJECT` and `REQUEST_CHANGES`.
    pub comment: Option<String>,
}

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// The token's subject, or `system` for the operator's command line.
    pub subject: String,
    pub partner: Option<Uuid>,
}

/// A change as the history names it: what was done, by whom, and why when a moderator said so.
#[derive(Debug, Clone, Copy)]
pub struct Action<'a> {
    /// `CREATE`, `UPDATE`, `ARCHIVE`, `RESTORE`, `APPROVE`, `REJECT`, `REVERT`…
    pub name: &'static str,
    pub author: &'a Author,
    /// A rejection's reason or a request for changes, shown to the author.
    pub comment: Option<&'a str>,
}

impl<'a> Action<'a> {
    pub fn new(name: &'static str, author: &'a Author) -> Self {
        Self {
            name,
            author,
            comment: None,
        }
    }
}

/// Records one change of a record.
pub async fn insert_revision(
    db: &impl ConnectionTrait,
    record_type: &'static str,
    record_id: Uuid,
    version: i32,
    action: &Action<'_>,
    changes: &[FieldChange],
) -> Result<(), StoreError> {
    let changes = serde_json::to_string(changes)
        .map_err(|e| StoreError::corrupt(format!("revision: {e}")))?;
    revision::Entity::insert(revision::ActiveModel {
        id: Set(Uuid::now_v7()),
        record_type: Set(record_type.to_owned()),
        record_id: Set(record_id),
        version: Set(version),
        action: Set(action.name.to_owned()),
        actor: Set(action.author.subject.clone()),
        actor_partner_id: Set(action.author.partner),
        changes: Set(changes),
        created_at: Set(now()),
        comment: Set(action.comment.map(str::to_owned)),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Fields of [`panorama_domain::RecordMeta`] that every change moves by itself; the history
/// shows the status among the record's fields, but not these.
const BOOKKEEPING: [&str; 7] = [
    "id",
    "createdAt",
    "updatedAt",
    "version",
    "ownerPartner",
    "source",
    "createdBy",
];

/// A record's fields as the history shows them: by their API names, bookkeeping left out.
pub fn history_fields<R: Serialize>(record: &R) -> Result<Map<String, Value>, StoreError> {
    match serde_json::to_value(record) {
        Ok(Value::Object(mut fields)) => {
            for key in BOOKKEEPING {
                fields.remove(key);
            }
            Ok(fields)
        }
        Ok(_) => Err(StoreError::corrupt("a record is not a JSON object")),
        Err(e) => Err(StoreError::corrupt(format!("record as JSON: {e}"))),
    }
}

/// The fields that differ between two states of a record (`before` is `None` for a create, and
/// every field that has a value counts as changed). An empty list and null are the same.
pub fn record_changes<R: Serialize>(
    before: Option<&R>,
    after: &R,
) -> Result<Vec<FieldChange>, StoreError> {
    let before = before.map(history_fields).transpose()?.unwrap_or_default();
    let empty = |v: &Value| v.is_null() || v.as_array().is_some_and(Vec::is_empty);
    Ok(history_fields(after)?
        .into_iter()
        .filter_map(|(field, after)| {
            let before = before.get(&field).cloned().unwrap_or(Value::Null);
            (before != after && !(empty(&before) && empty(&after))).then_some(FieldChange {
                field,
                before,
                after,
            })
        })
        .collect())
}

/// The fields of a record that goes away (removed, or merged into another): each value before,
/// and null after.
pub fn removal_changes<R: Serialize>(record: &R) -> Result<Vec<FieldChange>, StoreError> {
    Ok(record_changes(None, record)?
        .into_iter()
        .map(|c| FieldChange {
            field: c.field,
            before: c.after,
            after: Value::Null,
        })
        .collect())
}

/// `record` with some fields set to other values (by their history names): how a revert and an
/// approved proposal are applied. Bookkeeping and status are never set this way.
pub fn with_fields<R: Serialize + DeserializeOwned>(
    record: &R,
    fields: impl IntoIterator<Item = (String, Value)>,
) -> Result<R, StoreError> {
    let mut value = serde_json::to_value(record)
        .map_err(|e| StoreError::corrupt(format!("record as JSON: {e}")))?;
    if let Value::Object(map) = &mut value {
        for (field, after) in fields {
            if !BOOKKEEPING.contains(&field.as_str()) && field != "status" {
                map.insert(field, after);
            }
        }
    }
    serde_json::from_value(value).map_err(|e| StoreError::corrupt(format!("record from JSON: {e}")))
}

/// The values a record's fields had at `version`, for each field that changed after it:
/// the `before` of the oldest later change of that field. `later` is every revision after
/// `version`, in any order.
pub fn fields_at(version: i32, later: &[Revision]) -> Vec<(String, Value)> {
    let mut oldest: BTreeMap<&str, (i32, &Value)> = BTreeMap::new();
    for revision in later.iter().filter(|r| r.version > version) {
        for change in &revision.changes {
            let entry = oldest
                .entry(change.field.as_str())
                .or_insert((revision.version, &change.before));
            if revision.version < entry.0 {
                *entry = (revision.version, &change.before);
            }
        }
    }
    oldest
        .into_iter()
        .map(|(field, (_, before))| (field.to_owned(), before.clone()))
        .collect()
}

impl Store {
    /// A record's revisions, newest first, `limit` at a time, before a version (for paging).
    /// Also says whether older ones remain.
    pub async fn revisions(
        &self,
        record_type: &str,
        record_id: Uuid,
        before_version: Option<i32>,
        limit: u64,
    ) -> Result<(Vec<Revision>, bool), StoreError> {
        let mut select = revision::Entity::find()
            .filter(revision::Column::RecordType.eq(record_type))
            .filter(revision::Column::RecordId.eq(record_id));
        if let Some(version) = before_version {
            select = select.filter(revision::Column::Version.lt(version));
        }
        let mut rows = select
            .order_by_desc(revision::Column::Version)
            .limit(limit + 1)
            .all(self.connection())
            .await?;
        let more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let revisions = rows
            .into_iter()
            .map(revision_of)
            .collect::<Result<_, _>>()?;
        Ok((revisions, more))
    }
}

/// Every revision of a record after `version`, in a transaction (for a revert).
pub(crate) async fn revisions_after(
    db: &impl ConnectionTrait,
    record_type: &str,
    record_id: Uuid,
    version: i32,
) -> Result<Vec<Revision>, StoreError> {
    revision::Entity::find()
        .filter(revision::Column::RecordType.eq(record_type))
        .filter(revision::Column::RecordId.eq(record_id))
        .filter(revision::Column::Version.gt(version))
        .all(db)
        .await?
        .into_iter()
        .map(revision_of)
        .collect()
}

fn revision_of(r: revision::Model) -> Result<Revision, StoreError> {
    Ok(Revision {
        changes: json_list(&r.changes, "revision.changes")?,
        id: r.id,
        record_type: r.record_type,
        record_id: r.record_id,
        version: r.version,
        action: r.action,
        actor: r.actor,
        actor_partner: r.actor_partner_id,
        created_at: r.created_at,
        comment: r.comment,
    })
}

impl Store {
    /// The revisions of several records of one type before a version (all when `None`),
    /// newest first, by record: one statement for a page of records' histories.
    pub async fn revisions_of_many(
        &self,
        record_type: &str,
        record_ids: &[Uuid],
        before_version: Option<i32>,
    ) -> Result<std::collections::HashMap<Uuid, Vec<Revision>>, StoreError> {
        let mut select = revision::Entity::find()
            .filter(revision::Column::RecordType.eq(record_type))
            .filter(revision::Column::RecordId.is_in(record_ids.iter().copied()));
        if let Some(version) = before_version {
            select = select.filter(revision::Column::Version.lt(version));
        }
        let rows = select
            .order_by_desc(revision::Column::Version)
            .all(self.connection())
            .await?;
        let mut by_record: std::collections::HashMap<Uuid, Vec<Revision>> =
            std::collections::HashMap::new();
        for row in rows {
            let revision = revision_of(row)?;
            by_record
                .entry(revision.record_id)
                .or_default()
                .push(revision);
        }
        Ok(by_record)
    }
}
