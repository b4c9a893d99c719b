//! Proposed changes: what someone who may only propose sends for a published record. The
//! record stays as it is until a moderator approves the proposal, which then applies the
//! proposed fields as a change of its own; a rejection leaves the record alone.

use chrono::{DateTime, Utc};
use panorama_domain::validation::FieldError;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::change::{ChangeError, change_in, current};
use crate::entities::proposal;
use crate::history::{Action, Author, FieldChange, record_changes, with_fields};
use crate::mapping::json_list;
use crate::record::StoredRecord;
use crate::time::{now, stamp};
use crate::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalStatus {
    Pending,
    Approved,
    Rejected,
}

impl ProposalStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Approved => "APPROVED",
            Self::Rejected => "REJECTED",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        [Self::Pending, Self::Approved, Self::Rejected]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub id: Uuid,
    pub record_type: String,
    pub record_id: Uuid,
    /// The record's version the proposal was made on.
    pub base_version: i32,
    /// Each proposed field, with its value then and the value proposed.
    pub changes: Vec<FieldChange>,
    pub author: String,
    pub author_partner: Option<Uuid>,
    pub status: ProposalStatus,
    /// A moderator's reason, for a rejection.
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

pub(crate) fn proposal_of(row: proposal::Model) -> Result<Proposal, StoreError> {
    Ok(Proposal {
        changes: json_list(&row.changes, "proposal.changes")?,
        status: ProposalStatus::from_code(&row.status)
            .ok_or_else(|| StoreError::corrupt(format!("proposal status {}", row.status)))?,
        id: row.id,
        record_type: row.record_type,
        record_id: row.record_id,
        base_version: row.base_version,
        author: row.author,
        author_partner: row.author_partner_id,
        comment: row.comment,
        created_at: row.created_at,
        decided_at: row.decided_at,
    })
}

impl Store {
    /// Checks `change` against the record as it is and keeps what it would change as a
    /// pending proposal. Nothing to change gives `None`; invalid input is refused as for a
    /// change, and nothing is kept.
    pub async fn propose_change<R: StoredRecord>(
        &self,
        id: Uuid,
        expected_version: Option<i32>,
        author: &Author,
        change: impl Fn(R) -> Result<R, Vec<FieldError>>,
    ) -> Result<Option<Proposal>, ChangeError> {
        let txn = self.begin_write().await.map_err(StoreError::from)?;
        let record = current::<R>(&txn, id, expected_version).await?;
        let changed = change(record.clone()).map_err(ChangeError::Invalid)?;
        let changes: Vec<FieldChange> = record_changes(Some(&record), &changed)?
            .into_iter()
            .filter(|c| c.field != "status")
            .collect();
        if changes.is_empty() {
            return Ok(None);
        }
        let text = serde_json::to_string(&changes)
            .map_err(|e| StoreError::corrupt(format!("proposal: {e}")))?;
        let row = proposal::Model {
            id: Uuid::now_v7(),
            record_type: R::TABLE.to_owned(),
            record_id: id,
            base_version: record.meta().version,
            changes: text,
            author: author.subject.clone(),
            author_partner_id: author.partner,
            status: ProposalStatus::Pending.code().to_owned(),
            comment: None,
            created_at: now(),
            decided_at: None,
            decided_by: None,
        };
        proposal::Entity::insert(proposal::ActiveModel {
            id: Set(row.id),
            record_type: Set(row.record_type.clone()),
            record_id: Set(row.record_id),
            base_version: Set(row.base_version),
            changes: Set(row.changes.clone()),
            author: Set(row.author.clone()),
            author_partner_id: Set(row.author_partner_id),
            status: Set(row.status.clone()),
            comment: Set(None),
            created_at: Set(row.created_at),
            decided_at: Set(None),
            decided_by: Set(None),
        })
        .exec_without_returning(&txn)
        .await
        .map_err(StoreError::from)?;
        txn.commit().await.map_err(StoreError::from)?;
        proposal_of(row).map(Some).map_err(ChangeError::from)
    }

    pub async fn proposal(&self, id: Uuid) -> Result<Option<Proposal>, StoreError> {
        proposal::Entity::find_by_id(id)
            .one(self.connection())
            .await?
            .map(proposal_of)
            .transpose()
    }

    /// Pending proposals in queue order (oldest first, then by id), from `since` on.
    pub(crate) async fn pending_proposals(
        &self,
        record_types: &[String],
        since: Option<DateTime<Utc>>,
        limit: u64,
    ) -> Result<Vec<Proposal>, StoreError> {
        let mut select = proposal::Entity::find()
            .filter(proposal::Column::Status.eq(ProposalStatus::Pending.code()));
        if let Some(since) = since {
            select = select.filter(proposal::Column::CreatedAt.gte(since));
        }
        if !record_types.is_empty() {
            select = select.filter(proposal::Column::RecordType.is_in(record_types.to_vec()));
        }
        select
            .order_by_asc(proposal::Column::CreatedAt)
            .order_by_asc(proposal::Column::Id)
            .limit(limit + 1)
            .all(self.connection())
            .await?
            .into_iter()
            .map(proposal_of)
            .collect()
    }

    /// Approves a pending proposal: its fields are applied to the record as it is now (other
    /// fields changed since stay as they are), as a change by its author, and the proposal is
    /// closed, in one transaction. Returns the record.
    pub async fn approve_proposal<R: StoredRecord>(
        &self,
        proposal: &Proposal,
        moderator: &Author,
    ) -> Result<R, ChangeError> {
        let txn = self.begin_write().await.map_err(StoreError::from)?;
        decide(&txn, proposal.id, ProposalStatus::Approved, moderator, None).await?;
        let author = Author {
            subject: proposal.author.clone(),
            partner: proposal.author_partner,
        };
        let action = Action {
            comment: Some(&format!("proposal approved by {}", moderator.subject)),
            ..Action::new("UPDATE", &author)
        };
        let fields: Vec<_> = proposal
            .changes
            .iter()
            .map(|c| (c.field.clone(), c.after.clone()))
            .collect();
        let apply = |record: R| {
            with_fields(&record, fields.clone()).map_err(|e| {
                vec![FieldError {
                    field: "id".to_owned(),
                    message: e.to_string(),
                    code: panorama_domain::validation::ErrorCode::Invalid,
                }]
            })
        };
        let record = change_in(&txn, proposal.record_id, None, &action, &apply).await?;
        txn.commit().await.map_err(StoreError::from)?;
        Ok(record)
    }

    /// Rejects a pending proposal with a reason; the record is left alone.
    pub async fn reject_proposal(
        &self,
        proposal: &Proposal,
        moderator: &Author,
        reason: &str,
    ) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        decide(
            &txn,
            proposal.id,
            ProposalStatus::Rejected,
            moderator,
            Some(reason),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

/// Closes a proposal that is still pending; one that another moderator decided meanwhile is
/// not found as pending (so nothing is applied twice).
async fn decide(
    txn: &DatabaseTransaction,
    id: Uuid,
    status: ProposalStatus,
    moderator: &Author,
    comment: Option<&str>,
) -> Result<(), StoreError> {
    let updated = proposal::Entity::update_many()
        .col_expr(proposal::Column::Status, Expr::value(status.code()))
        .col_expr(proposal::Column::DecidedAt, Expr::value(stamp(now())))
        .col_expr(
            proposal::Column::DecidedBy,
            Expr::value(moderator.subject.clone()),
        )
        .col_expr(
            proposal::Column::Comment,
            Expr::value(comment.map(str::to_owned)),
        )
        .filter(proposal::Column::Id.eq(id))
        .filter(proposal::Column::Status.eq(ProposalStatus::Pending.code()))
        .exec(txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(StoreError::NotFound("pending proposal"));
    }
    Ok(())
}
