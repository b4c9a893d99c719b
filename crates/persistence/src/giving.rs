//! 360Giving in and out: published grants read page by page for an export, and packages of
//! grants imported with their organisations in one transaction.
//!
//! An import goes through the same write path as partners' batch upserts ([`upsert_known`]):
//! a grant whose fields do not change gets no revision, no version and no feed event, so
//! importing a package twice writes nothing the second time. Grants are matched by their
//! 360Giving identifier, which the registry keeps unique (a column with a unique index), not
//! through external ids: the identifier is already the grant's global id, and a grant added by
//! `addGrant` under the same identifier is the same grant.
//!
//! Organisations are matched, in this order, by the 360Giving id an earlier import made them
//! for (external ids, namespace `360giving`), by the uuid of a `360G-panorama-<uuid>` id (or the
//! organisation it was merged into), by an org-id identifier among their legal identifiers. An
//! organisation that matches none is created with the name (and website, city and legal
//! identifier) the package gives, keeping the uuid of a Panorama id, and its 360Giving id is
//! remembered. A matched organisation is left as it is: the registry's record stands.

use std::collections::{HashMap, HashSet};

use panorama_domain::giving360::{IncomingGrant, OrgIdKind, OrgRef, Role, SOURCE};
use panorama_domain::model::{Grant, Organisation, RecordMeta, RecordStatus};
use panorama_domain::policy::ReadScope;
use panorama_domain::validation::{ErrorCode, FieldError, OrgIdSchemes};
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use uuid::Uuid;

use crate::change::{ChangeError, create_in};
use crate::entities::{external_id, grant_award, legal_identifier, organisation, record_redirect};
use crate::history::Action;
use crate::record::StoredRecord;
use crate::sync::{
    ChangeSet, ItemOutcome, MayWrite, UpsertStatus, none_written, settle, upsert_known,
};
use crate::write::{find_external_id, insert_external_id};
use crate::{Store, StoreError};

/// How an import writes: as whom, with which metadata, under which restrictions.
pub struct GrantImport<'a> {
    /// The metadata of new grants and organisations (status, owner, source, author); each
    /// gets its own id.
    pub meta: &'a RecordMeta,
    pub action: &'a Action<'a>,
    /// The org-id list codes that legal identifiers of new organisations may use.
    pub schemes: &'a (dyn OrgIdSchemes + Sync),
    /// The only organisation the grants may be funded by (a funder partner's own), if any.
    pub funder: Option<Uuid>,
    /// Whether a grant may be written (see [`MayWrite`]).
    pub may_write: MayWrite<'a, Grant>,
    /// All or nothing: one grant failing and none is written.
    pub atomic: bool,
}

/// What an import did.
#[derive(Debug)]
pub struct GrantImportOutcome {
    /// One per grant, in order; field errors are at paths in the grant.
    pub grants: Vec<ItemOutcome<Grant>>,
    /// Organisations created for the grants that went in.
    pub organisations_created: usize,
    /// Organisations that were already there, named by the grants that went in.
    pub organisations_matched: usize,
}

/// The organisations one grant named, created or found.
#[derive(Default)]
struct Parties {
    created: HashSet<Uuid>,
    matched: HashSet<Uuid>,
}

impl Store {
    /// Imports checked 360Giving grants: organisations matched or created, grants created or
    /// updated by identifier, each grant in a savepoint of one transaction.
    pub async fn import_grants(
        &self,
        grants: &[IncomingGrant],
        how: &GrantImport<'_>,
    ) -> Result<GrantImportOutcome, StoreError> {
        let txn = self.begin_write().await?;
        let mut outcomes = Vec::with_capacity(grants.len());
        let mut all = Parties::default();
        for grant in grants {
            let savepoint = txn.begin().await?;
            let mut parties = Parties::default();
            let outcome = import_one(&savepoint, grant, how, &mut parties).await;
            let outcome = settle(savepoint, outcome, "id").await?;
            if outcome.is_ok() {
                all.created.extend(parties.created);
                all.matched.extend(parties.matched);
            }
            outcomes.push(outcome);
        }
        if how.atomic && outcomes.iter().any(Result::is_err) {
            txn.rollback().await?;
            return Ok(GrantImportOutcome {
                grants: none_written(outcomes, "id"),
                organisations_created: 0,
                organisations_matched: 0,
            });
        }
        txn.commit().await?;
        Ok(GrantImportOutcome {
            grants: outcomes,
            organisations_created: all.created.len(),
            organisations_matched: all.matched.difference(&all.created).count(),
        })
    }
}

/// The grant's fields with its organisations, as a batch item.
struct Resolved<'a> {
    grant: &'a IncomingGrant,
    funder: Uuid,
    recipient: Uuid,
}

impl ChangeSet<Grant> for Resolved<'_> {
    fn create(&self, meta: RecordMeta) -> Result<Grant, Vec<FieldError>> {
        self.grant
            .changes_for(self.funder, self.recipient, None)
            .create(meta)
    }

    fn apply(&self, record: Grant) -> Result<Grant, Vec<FieldError>> {
        self.grant
            .changes_for(self.funder, self.recipient, Some(&record))
            .apply(record)
    }
}

async fn import_one(
    txn: &DatabaseTransaction,
    grant: &IncomingGrant,
    how: &GrantImport<'_>,
    parties: &mut Parties,
) -> Result<(UpsertStatus, Grant), ChangeError> {
    let funder = match how.funder {
        Some(own) => own_funder(txn, &grant.funder, own, parties).await?,
        None => organisation_for(txn, &grant.funder, Role::Funding, how, parties).await?,
    };
    let recipient = organisation_for(txn, &grant.recipient, Role::Recipient, how, parties).await?;
    let known = grant_award::Entity::find()
        .select_only()
        .column(grant_award::Column::Id)
        .filter(grant_award::Column::Identifier.eq(grant.identifier.as_str()))
        .into_tuple::<Uuid>()
        .one(txn)
        .await
        .map_err(StoreError::from)?;
    let resolved = Resolved {
        grant,
        funder,
        recipient,
    };
    upsert_known(txn, known, &resolved, how.meta, how.action, how.may_write)
        .await
        .map_err(|e| relocate(e, |field| grant.path(field)))
}

/// Field errors of a grant's or an organisation's checks, moved to their paths in the grant.
fn relocate(error: ChangeError, path: impl Fn(&str) -> String) -> ChangeError {
    match error {
        ChangeError::Invalid(errors) => ChangeError::Invalid(
            errors
                .into_iter()
                .map(|e| FieldError {
                    field: path(&e.field),
                    ..e
                })
                .collect(),
        ),
        other => other,
    }
}

/// The funder of a grant imported by a funder partner: its own organisation, which must exist.
async fn own_funder(
    txn: &DatabaseTransaction,
    funder: &OrgRef,
    own: Uuid,
    parties: &mut Parties,
) -> Result<Uuid, ChangeError> {
    if find_organisation(txn, funder).await? == Some(own) {
        parties.matched.insert(own);
        return Ok(own);
    }
    Err(ChangeError::Invalid(vec![FieldError {
        field: format!("{}[0].id", Role::Funding.key()),
        message: format!(
            "{} is not your organisation: you may import only the grants it funds",
            funder.id
        ),
        code: ErrorCode::Forbidden,
    }]))
}

/// The organisation a grant names: found, or created.
async fn organisation_for(
    txn: &DatabaseTransaction,
    org: &OrgRef,
    role: Role,
    how: &GrantImport<'_>,
    parties: &mut Parties,
) -> Result<Uuid, ChangeError> {
    if let Some(id) = find_organisation(txn, org).await? {
        parties.matched.insert(id);
        return Ok(id);
    }
    let mut meta = how.meta.clone();
    meta.id = org.new_id();
    let created = org
        .changes()
        .create(meta, how.schemes)
        .map_err(ChangeError::Invalid);
    let created = match created {
        Ok(record) => create_in(txn, record, how.action).await,
        Err(e) => Err(e),
    }
    .map_err(|e| relocate(e, |field| role.path(field)))?;
    let id = created.meta.id;
    insert_external_id(txn, SOURCE, Organisation::TABLE, &org.id, id).await?;
    parties.created.insert(id);
    Ok(id)
}

/// The organisation an id names, if the registry has it (see the module's order).
async fn find_organisation(
    txn: &DatabaseTransaction,
    org: &OrgRef,
) -> Result<Option<Uuid>, StoreError> {
    if let Some(id) = find_external_id(txn, SOURCE, Organisation::TABLE, &org.id).await? {
        return Ok(Some(id));
    }
    match &org.kind {
        OrgIdKind::Panorama(uuid) => {
            let exists = organisation::Entity::find_by_id(*uuid)
                .select_only()
                .column(organisation::Column::Id)
                .into_tuple::<Uuid>()
                .one(txn)
                .await?;
            if exists.is_some() {
                return Ok(exists);
            }
            let merged = record_redirect::Entity::find_by_id(*uuid).one(txn).await?;
            Ok(merged.map(|r| r.new_id))
        }
        OrgIdKind::Registered(identifier) => Ok(legal_identifier::Entity::find()
            .select_only()
            .column(legal_identifier::Column::OrganisationId)
            .filter(legal_identifier::Column::Scheme.eq(identifier.scheme.as_str()))
            .filter(legal_identifier::Column::Value.eq(identifier.value.as_str()))
            .order_by_asc(legal_identifier::Column::OrganisationId)
            .into_tuple::<Uuid>()
            .one(txn)
            .await?),
        OrgIdKind::Other => Ok(None),
    }
}

/// A published grant with its published organisations, and the 360Giving ids they were
/// imported under.
#[derive(Debug, Clone)]
pub struct PublishedGrant {
    pub grant: Grant,
    pub funder: Organisation,
    pub recipient: Organisation,
    pub funder_imported_id: Option<String>,
    pub recipient_imported_id: Option<String>,
}

/// One page of the published grants, in the order of their ids.
#[derive(Debug, Clone, Default)]
pub struct GrantsPage {
    pub grants: Vec<PublishedGrant>,
    /// Published grants of this page left out because their funder or recipient is not
    /// published: the public may not see who they are.
    pub left_out: usize,
    /// Where the next page starts; `None` after the last page.
    pub next: Option<Uuid>,
}

impl Store {
    /// Up to `size` published grants whose id is after `after`, with their organisations.
    pub async fn published_grants(
        &self,
        after: Option<Uuid>,
        size: u64,
    ) -> Result<GrantsPage, StoreError> {
        let db = self.connection();
        let mut select = grant_award::Entity::find()
            .filter(grant_award::Column::Status.eq(RecordStatus::Published.code()))
            .order_by_asc(grant_award::Column::Id)
            .limit(size);
        if let Some(after) = after {
            select = select.filter(grant_award::Column::Id.gt(after));
        }
        let rows = select.all(db).await?;
        let next = (rows.len() as u64 == size)
            .then(|| rows.last().map(|r| r.id))
            .flatten();
        let grants = rows
            .into_iter()
            .map(crate::mapping::grant)
            .collect::<Result<Vec<_>, _>>()?;
        let mut ids: Vec<Uuid> = grants
            .iter()
            .flat_map(|g| [g.funder_id, g.recipient_id])
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let organisations = self
            .organisations_by_id(&ReadScope::PublishedOnly, &ids)
            .await?;
        let imported = imported_ids(self, &ids).await?;
        let mut page = GrantsPage {
            next,
            ..GrantsPage::default()
        };
        for grant in grants {
            let funder = organisations.get(&grant.funder_id);
            let recipient = organisations.get(&grant.recipient_id);
            let (Some(funder), Some(recipient)) = (funder, recipient) else {
                page.left_out += 1;
                continue;
            };
            page.grants.push(PublishedGrant {
                funder: funder.clone(),
                recipient: recipient.clone(),
                funder_imported_id: imported.get(&grant.funder_id).cloned(),
                recipient_imported_id: imported.get(&grant.recipient_id).cloned(),
                grant,
            });
        }
        Ok(page)
    }
}

/// The 360Giving id each organisation was imported under (the least, if several).
async fn imported_ids(
    store: &Store,
    organisations: &[Uuid],
) -> Result<HashMap<Uuid, String>, StoreError> {
    let rows: Vec<(Uuid, String)> = external_id::Entity::find()
        .select_only()
        .column(external_id::Column::RecordId)
        .column(external_id::Column::ExternalId)
        .filter(external_id::Column::Namespace.eq(SOURCE))
        .filter(external_id::Column::RecordType.eq(Organisation::TABLE))
        .filter(external_id::Column::RecordId.is_in(organisations.iter().copied()))
        .order_by_desc(external_id::Column::ExternalId)
        .into_tuple()
        .all(store.connection())
        .await?;
    // Descending, so that the least id of each organisation is inserted last and stays.
    Ok(rows.into_iter().collect())
}
