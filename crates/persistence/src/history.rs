//! Revisions: the history of every record. Each change writes one, in the change's own
//! transaction, naming who made it and each changed field's value before and after.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use panorama_domain::Organisation;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
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
}

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// The token's subject, or `system` for the operator's command line.
    pub subject: String,
    pub partner: Option<Uuid>,
}

/// Records one change of a record.
pub async fn insert_revision(
    db: &impl ConnectionTrait,
    record_type: &'static str,
    record_id: Uuid,
    version: i32,
    action: &'static str,
    author: &Author,
    changes: &[FieldChange],
) -> Result<(), StoreError> {
    let changes = serde_json::to_string(changes)
        .map_err(|e| StoreError::corrupt(format!("revision: {e}")))?;
    revision::Entity::insert(revision::ActiveModel {
        id: Set(Uuid::now_v7()),
        record_type: Set(record_type.to_owned()),
        record_id: Set(record_id),
        version: Set(version),
        action: Set(action.to_owned()),
        actor: Set(author.subject.clone()),
        actor_partner_id: Set(author.partner),
        changes: Set(changes),
        created_at: Set(now()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// An organisation's fields as the history shows them, by their API names.
fn organisation_fields(o: &Organisation) -> BTreeMap<&'static str, Value> {
    let c = &o.classification;
    BTreeMap::from([
        ("status", json!(o.meta.status.code())),
        ("name", json!(o.name)),
        ("slug", json!(o.slug)),
        ("shortDescription", json!(o.short_description)),
        ("description", json!(o.description)),
        ("website", json!(o.website)),
        ("otherLinks", json!(o.other_links)),
        ("logoUrl", json!(o.logo_url)),
        ("organisationType", json!(o.organisation_type)),
        ("size", json!(o.size)),
        ("foundedOn", json!(o.founded_on)),
        ("legalIdentifiers", json!(o.legal_identifiers)),
        ("address", json!(o.place.address)),
        ("city", json!(o.place.city)),
        ("region", json!(o.place.region)),
        ("country", json!(o.place.country)),
        ("location", json!(o.place.point)),
        ("focus", json!(c.focus)),
        ("technologies", json!(c.technologies)),
        ("impactAreas", json!(c.impact_areas)),
        ("roles", json!(o.roles)),
        ("networkMemberships", json!(o.network_memberships)),
        ("tags", json!(o.tags)),
    ])
}

/// The fields that differ between two states of an organisation (`before` is `None` for a
/// create, and every field that has a value counts as changed).
pub fn organisation_changes(
    before: Option<&Organisation>,
    after: &Organisation,
) -> Vec<FieldChange> {
    let before = before.map(organisation_fields).unwrap_or_default();
    organisation_fields(after)
        .into_iter()
        .filter_map(|(field, after)| {
            let before = before.get(field).cloned().unwrap_or(Value::Null);
            let empty = |v: &Value| v.is_null() || v.as_array().is_some_and(Vec::is_empty);
            (before != after && !(empty(&before) && empty(&after))).then(|| FieldChange {
                field: field.to_owned(),
                before,
                after,
            })
        })
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
            .map(|r| {
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
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok((revisions, more))
    }
}
