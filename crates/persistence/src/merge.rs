//! Duplicates: finding likely twins of an organisation, and merging one into another. A merge
//! moves everything that points to the merged organisation onto the survivor, each moved record
//! with a new version and a revision, deletes the merged one and leaves a redirect, so its id
//! keeps resolving, all in one transaction.

use std::collections::{HashMap, HashSet};

use panorama_domain::duplicates::{
    DuplicateReason, SIMILAR_NAME_THRESHOLD, name_similarity, twin_reasons, website_host,
};
use panorama_domain::model::{
    CaseStudy, Event, FundingOpportunity, Grant, Organisation, OrganisationLink, Participation,
    Project, Support,
};
use panorama_domain::validation::{ErrorCode, FieldError};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QuerySelect,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::change::{ChangeError, participations_changed, participations_of};
use crate::entities::{legal_identifier, organisation, participation, record_redirect};
use crate::feed::{note_change, note_merge};
use crate::history::{Action, FieldChange, insert_revision, record_changes, removal_changes};
use crate::loaders::hydrate_organisations;
use crate::record::{StoredRecord, delete_row};
use crate::time::now;
use crate::write::insert_participations;
use crate::{Store, StoreError};

/// A likely twin of an organisation, with why.
#[derive(Debug, Clone)]
pub struct Twin {
    pub organisation: Organisation,
    pub reasons: Vec<DuplicateReason>,
}

/// The most twins one search returns, strongest first.
pub const MAX_TWINS: usize = 50;

impl Store {
    /// Organisations that look like `id`'s twins: a shared legal identifier, the same website
    /// host, or a similar name in the same country (or where one has no country). Names are
    /// compared in memory over the candidates' names only; full records are read for the few
    /// that match.
    pub async fn possible_duplicates(&self, id: Uuid) -> Result<Option<Vec<Twin>>, StoreError> {
        let db = self.connection();
        let Some(row) = organisation::Entity::find_by_id(id).one(db).await? else {
            return Ok(None);
        };
        let target = hydrate_organisations(db, vec![row])
            .await?
            .remove(&id)
            .ok_or(StoreError::NotFound("organisation"))?;
        let mut candidates: HashSet<Uuid> = HashSet::new();
        for identifier in &target.legal_identifiers {
            let rows = legal_identifier::Entity::find()
                .filter(legal_identifier::Column::Scheme.eq(identifier.scheme.clone()))
                .filter(legal_identifier::Column::Value.eq(identifier.value.clone()))
                .all(db)
                .await?;
            candidates.extend(rows.into_iter().map(|r| r.organisation_id));
        }
        let host = target.website.as_deref().and_then(website_host);
        let mut select = organisation::Entity::find()
            .select_only()
            .column(organisation::Column::Id)
            .column(organisation::Column::Name)
            .column(organisation::Column::Website)
            .filter(organisation::Column::Id.ne(id));
        if let Some(country) = &target.place.country {
            select = select.filter(
                organisation::Column::Country
                    .eq(country.clone())
                    .or(organisation::Column::Country.is_null()),
            );
        }
        let rows: Vec<(Uuid, String, Option<String>)> = select.into_tuple().all(db).await?;
        for (other, name, website) in rows {
            let same_host = host.is_some() && website.as_deref().and_then(website_host) == host;
            if same_host || name_similarity(&target.name, &name) >= SIMILAR_NAME_THRESHOLD {
                candidates.insert(other);
            }
        }
        candidates.remove(&id);
        let found = organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(candidates))
            .all(db)
            .await?;
        let mut twins: Vec<Twin> = hydrate_organisations(db, found)
            .await?
            .into_values()
            .filter_map(|organisation| {
                let reasons = twin_reasons(&target, &organisation);
                (!reasons.is_empty()).then_some(Twin {
                    organisation,
                    reasons,
                })
            })
            .collect();
        twins.sort_by(|a, b| {
            strength(b)
                .total_cmp(&strength(a))
                .then(a.organisation.name.cmp(&b.organisation.name))
        });
        twins.truncate(MAX_TWINS);
        Ok(Some(twins))
    }

    /// Merges `merged` into `survivor` in one transaction (see the module's comment). The
    /// survivor keeps its own fields and gains the merged one's legal identifiers.
    pub async fn merge_organisations(
        &self,
        survivor_id: Uuid,
        merged_id: Uuid,
        action: &Action<'_>,
    ) -> Result<Organisation, ChangeError> {
        if survivor_id == merged_id {
            return Err(invalid(
                "mergedId",
                "an organisation cannot be merged into itself",
            ));
        }
        let txn = self.begin_write().await.map_err(StoreError::from)?;
        let load = |id, field: &'static str| {
            let txn = &txn;
            async move {
                Organisation::load(txn, id)
                    .await?
                    .ok_or_else(|| invalid(field, "no organisation with this id"))
            }
        };
        let survivor = load(survivor_id, "survivorId").await?;
        let merged = load(merged_id, "mergedId").await?;
        let (from, to) = (merged_id, survivor_id);
        move_participations(&txn, from, to, action).await?;
        repoint::<Grant>(&txn, &["funder_id", "recipient_id"], from, action, |g| {
            swap(&mut g.funder_id, from, to);
            swap(&mut g.recipient_id, from, to);
        })
        .await?;
        repoint::<Support>(
            &txn,
            &["supporter_id", "organisation_id"],
            from,
            action,
            |s| {
                swap(&mut s.supporter_id, from, to);
                swap_option(&mut s.organisation_id, from, to);
            },
        )
        .await?;
        repoint::<OrganisationLink>(&txn, &["from_id", "to_id"], from, action, |l| {
            swap(&mut l.from_id, from, to);
            swap(&mut l.to_id, from, to);
        })
        .await?;
        repoint::<CaseStudy>(&txn, &["organisation_id"], from, action, |c| {
            swap_option(&mut c.organisation_id, from, to);
        })
        .await?;
        repoint::<FundingOpportunity>(&txn, &["funder_id"], from, action, |f| {
            swap_option(&mut f.funder_id, from, to);
        })
        .await?;
        repoint_events(&txn, from, to, action).await?;
        repoint_accounts(&txn, from, to).await?;

        let mut kept = survivor.clone();
        for identifier in &merged.legal_identifiers {
            if !kept.legal_identifiers.contains(identifier) {
                kept.legal_identifiers.push(identifier.clone());
            }
        }
        kept.meta.version += 1;
        kept.meta.updated_at = now();
        kept.update(&txn, survivor.meta.version).await?;
        let mut changes = record_changes(Some(&survivor), &kept)?;
        changes.push(FieldChange {
            field: "mergedFrom".to_owned(),
            before: Value::Null,
            after: json!(merged_id),
        });
        let merge = Action::new("MERGE", action.author);
        let version = kept.meta.version;
        insert_revision(&txn, Organisation::TABLE, to, version, &merge, &changes).await?;
        let before = Some(survivor.meta.status);
        note_change(
            &txn,
            Organisation::TABLE,
            to,
            before,
            Some(&kept.meta),
            version,
        )
        .await?;
        let mut gone = removal_changes(&merged)?;
        gone.push(FieldChange {
            field: "mergedInto".to_owned(),
            before: Value::Null,
            after: json!(survivor_id),
        });
        let merged_into = Action::new("MERGED_INTO", action.author);
        let last = merged.meta.version + 1;
        insert_revision(&txn, Organisation::TABLE, from, last, &merged_into, &gone).await?;
        delete_row(&txn, Organisation::TABLE, from).await?;
        note_merge(&txn, Organisation::TABLE, &merged.meta, last, to).await?;
        txn.commit().await.map_err(StoreError::from)?;
        Ok(kept)
    }

    /// Where merged records went: each id that was merged, to the record it now is.
    pub async fn redirects(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Uuid>, StoreError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = record_redirect::Entity::find()
            .filter(record_redirect::Column::OldId.is_in(ids.iter().copied()))
            .all(self.connection())
            .await?;
        Ok(rows.into_iter().map(|r| (r.old_id, r.new_id)).collect())
    }
}

/// How strongly a twin's reasons say so, for ordering: identifiers, then hosts, then names.
fn strength(twin: &Twin) -> f64 {
    twin.reasons
        .iter()
        .map(|r| match r {
            DuplicateReason::SharedLegalIdentifier { .. } => 3.0,
            DuplicateReason::SameWebsiteHost { .. } => 2.0,
            DuplicateReason::SimilarName { similarity } => *similarity,
        })
        .sum()
}

fn invalid(field: &str, message: &str) -> ChangeError {
    ChangeError::Invalid(vec![FieldError {
        field: field.to_owned(),
        message: message.to_owned(),
        code: ErrorCode::NotFound,
    }])
}

fn swap(id: &mut Uuid, from: Uuid, to: Uuid) {
    if *id == from {
        *id = to;
    }
}

fn swap_option(id: &mut Option<Uuid>, from: Uuid, to: Uuid) {
    if let Some(id) = id {
        swap(id, from, to);
    }
}

/// The ids of the records of `R` whose `columns` name `organisation`.
async fn pointing_at<R: StoredRecord>(
    txn: &DatabaseTransaction,
    columns: &[&'static str],
    organisation: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    let mut condition = sea_orm::Condition::any();
    for column in columns {
        condition = condition.add(Expr::col(*column).eq(organisation));
    }
    let query = Query::select()
        .column("id")
        .from(R::TABLE)
        .cond_where(condition)
        .to_owned();
    txn.query_all(&query)
        .await?
        .into_iter()
        .map(|row| row.try_get_by_index::<Uuid>(0).map_err(StoreError::from))
        .collect()
}

/// Writes a changed record with a new version and its revision.
async fn write_moved<R: StoredRecord>(
    txn: &DatabaseTransaction,
    before: &R,
    mut after: R,
    action: &Action<'_>,
) -> Result<(), StoreError> {
    let changes = record_changes(Some(before), &after)?;
    if changes.is_empty() {
        return Ok(());
    }
    let meta = after.meta_mut();
    meta.version = before.meta().version + 1;
    meta.updated_at = now();
    after.update(txn, before.meta().version).await?;
    let version = after.meta().version;
    let id = after.meta().id;
    insert_revision(txn, R::TABLE, id, version, action, &changes).await?;
    note_change(
        txn,
        R::TABLE,
        id,
        Some(before.meta().status),
        Some(after.meta()),
        version,
    )
    .await
}

/// Moves the records of `R` that name `from` in `columns` (with `change`). A link that would then
/// join the survivor to itself is deleted instead, with its revision.
async fn repoint<R: StoredRecord>(
    txn: &DatabaseTransaction,
    columns: &[&'static str],
    from: Uuid,
    action: &Action<'_>,
    change: impl Fn(&mut R),
) -> Result<(), StoreError> {
    for id in pointing_at::<R>(txn, columns, from).await? {
        let Some(before) = R::load(txn, id).await? else {
            continue;
        };
        let mut after = before.clone();
        change(&mut after);
        let references = after.references();
        let to_itself = R::TABLE == OrganisationLink::TABLE
            && references.len() == 2
            && references[0].id == references[1].id;
        if to_itself {
            let removed = removal_changes(&before)?;
            delete_row(txn, R::TABLE, id).await?;
            let version = before.meta().version + 1;
            insert_revision(txn, R::TABLE, id, version, action, &removed).await?;
            note_change(txn, R::TABLE, id, Some(before.meta().status), None, version).await?;
        } else {
            write_moved(txn, &before, after, action).await?;
        }
    }
    Ok(())
}

/// Events organised by `from` are organised by `to` instead.
async fn repoint_events(
    txn: &DatabaseTransaction,
    from: Uuid,
    to: Uuid,
    action: &Action<'_>,
) -> Result<(), StoreError> {
    let query = Query::select()
        .column("event_id")
        .from("event_organiser")
        .and_where(Expr::col("organisation_id").eq(from))
        .to_owned();
    for row in txn.query_all(&query).await? {
        let id: Uuid = row.try_get_by_index(0)?;
        let Some(before) = Event::load(txn, id).await? else {
            continue;
        };
        let mut after = before.clone();
        let mut organisers = Vec::new();
        for organiser in after
            .organiser_ids
            .iter()
            .map(|o| if *o == from { to } else { *o })
        {
            if !organisers.contains(&organiser) {
                organisers.push(organiser);
            }
        }
        after.organiser_ids = organisers;
        write_moved(txn, &before, after, action).await?;
    }
    Ok(())
}

/// The merged organisation's participations become the survivor's (where it has not the same
/// role already): a change of each project, with its revision.
async fn move_participations(
    txn: &DatabaseTransaction,
    from: Uuid,
    to: Uuid,
    action: &Action<'_>,
) -> Result<(), StoreError> {
    let rows = participation::Entity::find()
        .filter(participation::Column::OrganisationId.eq(from))
        .all(txn)
        .await?;
    let mut projects: Vec<Uuid> = rows.iter().map(|r| r.project_id).collect();
    projects.sort_unstable();
    projects.dedup();
    for project_id in projects {
        let Some(project) = Project::load(txn, project_id).await? else {
            continue;
        };
        let before = participations_of(txn, project_id).await?;
        let moved: Vec<Participation> = rows
            .iter()
            .filter(|r| r.project_id == project_id)
            .map(|r| crate::mapping::participation(r.clone()))
            .map(|p| {
                p.map(|p| Participation {
                    organisation_id: to,
                    ..p
                })
            })
            .collect::<Result<_, _>>()?;
        insert_participations(txn, &moved).await?;
        participation::Entity::delete_many()
            .filter(participation::Column::ProjectId.eq(project_id))
            .filter(participation::Column::OrganisationId.eq(from))
            .exec(txn)
            .await?;
        let after = participations_of(txn, project_id).await?;
        participations_changed(txn, &project, before, after, action).await?;
    }
    Ok(())
}

/// Partner accounts that stand for the merged organisation, its external ids and the redirects
/// that pointed at it now point at the survivor; the merged id redirects there too.
async fn repoint_accounts(
    txn: &DatabaseTransaction,
    from: Uuid,
    to: Uuid,
) -> Result<(), StoreError> {
    let moves = [
        ("partner", "organisation_id", None),
        (
            "external_id",
            "record_id",
            Some(("record_type", Organisation::TABLE)),
        ),
        ("record_redirect", "new_id", None),
    ];
    for (table, column, only) in moves {
        let mut update = Query::update();
        update
            .table(table)
            .value(column, to)
            .and_where(Expr::col(column).eq(from));
        if let Some((kind_column, kind)) = only {
            update.and_where(Expr::col(kind_column).eq(kind));
        }
        txn.execute(&update).await?;
    }
    record_redirect::Entity::insert(record_redirect::ActiveModel {
        old_id: Set(from),
        record_type: Set(Organisation::TABLE.to_owned()),
        new_id: Set(to),
        created_at: Set(now()),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}
