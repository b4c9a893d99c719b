//! What moderators work through: records waiting for review and reports of published ones,
//! oldest first.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::entities::report;
use crate::history::Author;
use crate::proposal::Proposal;
use crate::time::{now, stamp};
use crate::{Store, StoreError};

/// The tables of the records moderators review, which are also their types in revisions.
pub const RECORD_TABLES: [&str; 9] = [
    "organisation",
    "project",
    "grant_award",
    "support",
    "organisation_link",
    "event",
    "case_study",
    "funding_opportunity",
    "impact_indicator",
];

/// Why someone reported a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportReason {
    Spam,
    Wrong,
    Duplicate,
}

impl ReportReason {
    pub fn code(self) -> &'static str {
        match self {
            Self::Spam => "SPAM",
            Self::Wrong => "WRONG",
            Self::Duplicate => "DUPLICATE",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Spam, Self::Wrong, Self::Duplicate]
            .into_iter()
            .find(|r| r.code() == code)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub id: Uuid,
    pub record_type: String,
    pub record_id: Uuid,
    pub reason: ReportReason,
    pub comment: Option<String>,
    pub reporter: String,
    pub created_at: DateTime<Utc>,
}

/// One thing in the moderation queue: a pending record, an open report of a record, or a
/// proposed change to a published record.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueItem {
    pub record_type: String,
    pub record_id: Uuid,
    /// Since when it has waited: the record's last change, or the report's time.
    pub since: DateTime<Utc>,
    /// For a report.
    pub report: Option<Report>,
    /// For a proposed change.
    pub proposal: Option<Proposal>,
}

impl QueueItem {
    /// The item's place in the queue: oldest first, then by record id, then by the report's
    /// or the proposal's id (a pending record itself comes first).
    pub fn key(&self) -> (DateTime<Utc>, Uuid, Uuid) {
        let own = self
            .report
            .as_ref()
            .map(|r| r.id)
            .or(self.proposal.as_ref().map(|p| p.id));
        (self.since, self.record_id, own.unwrap_or(Uuid::nil()))
    }
}

/// Which items a moderator wants to see.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// Only these record types (tables); all when empty.
    pub record_types: Vec<String>,
    pub pending: bool,
    pub reported: bool,
    pub proposed: bool,
}

fn report_of(row: report::Model) -> Result<Report, StoreError> {
    Ok(Report {
        reason: ReportReason::from_code(&row.reason)
            .ok_or_else(|| StoreError::corrupt(format!("report reason {}", row.reason)))?,
        id: row.id,
        record_type: row.record_type,
        record_id: row.record_id,
        comment: row.comment,
        reporter: row.reporter,
        created_at: row.created_at,
    })
}

impl Store {
    /// Records a report of a record.
    pub async fn report(
        &self,
        record_type: &'static str,
        record_id: Uuid,
        reason: ReportReason,
        comment: Option<String>,
        author: &Author,
    ) -> Result<Report, StoreError> {
        let row = report::Model {
            id: Uuid::now_v7(),
            record_type: record_type.to_owned(),
            record_id,
            reason: reason.code().to_owned(),
            comment,
            reporter: author.subject.clone(),
            reporter_partner_id: author.partner,
            created_at: now(),
            resolved_at: None,
            resolved_by: None,
            resolution: None,
        };
        report::Entity::insert(report::ActiveModel {
            id: Set(row.id),
            record_type: Set(row.record_type.clone()),
            record_id: Set(row.record_id),
            reason: Set(row.reason.clone()),
            comment: Set(row.comment.clone()),
            reporter: Set(row.reporter.clone()),
            reporter_partner_id: Set(row.reporter_partner_id),
            created_at: Set(row.created_at),
            resolved_at: Set(None),
            resolved_by: Set(None),
            resolution: Set(None),
        })
        .exec_without_returning(self.connection())
        .await?;
        report_of(row)
    }

    /// Closes the open reports of a record, saying how (`APPROVED`, `REJECTED`…).
    pub async fn resolve_reports(
        &self,
        record_id: Uuid,
        resolution: &str,
        author: &Author,
    ) -> Result<u64, StoreError> {
        let result = report::Entity::update_many()
            .col_expr(report::Column::ResolvedAt, Expr::value(stamp(now())))
            .col_expr(
                report::Column::ResolvedBy,
                Expr::value(author.subject.clone()),
            )
            .col_expr(
                report::Column::Resolution,
                Expr::value(resolution.to_owned()),
            )
            .filter(report::Column::RecordId.eq(record_id))
            .filter(report::Column::ResolvedAt.is_null())
            .exec(self.connection())
            .await?;
        Ok(result.rows_affected)
    }

    /// Up to `limit` queue items after `after` (a [`QueueItem::key`]), oldest first. Each
    /// source is read in the queue's order up to `limit` past the cursor, so the merge is exact.
    pub async fn moderation_queue(
        &self,
        filter: &QueueFilter,
        after: Option<(DateTime<Utc>, Uuid, Uuid)>,
        limit: u64,
    ) -> Result<Vec<QueueItem>, StoreError> {
        let wanted = |table: &str| {
            filter.record_types.is_empty() || filter.record_types.iter().any(|t| t == table)
        };
        let mut items = Vec::new();
        if filter.pending {
            for table in RECORD_TABLES.into_iter().filter(|t| wanted(t)) {
                items.extend(self.pending_of(table, after, limit).await?);
            }
        }
        if filter.reported {
            let mut select = report::Entity::find().filter(report::Column::ResolvedAt.is_null());
            if let Some((since, _, _)) = after {
                select = select.filter(report::Column::CreatedAt.gte(since));
            }
            if !filter.record_types.is_empty() {
                select =
                    select.filter(report::Column::RecordType.is_in(filter.record_types.clone()));
            }
            let rows = select
                .order_by_asc(report::Column::CreatedAt)
                .order_by_asc(report::Column::Id)
                .limit(limit + 1)
                .all(self.connection())
                .await?;
            for row in rows {
                let report = report_of(row)?;
                items.push(QueueItem {
                    record_type: report.record_type.clone(),
                    record_id: report.record_id,
                    since: report.created_at,
                    report: Some(report),
                    proposal: None,
                });
            }
        }
        if filter.proposed {
            let since = after.map(|(since, _, _)| since);
            for proposal in self
                .pending_proposals(&filter.record_types, since, limit)
                .await?
            {
                items.push(QueueItem {
                    record_type: proposal.record_type.clone(),
                    record_id: proposal.record_id,
                    since: proposal.created_at,
                    report: None,
                    proposal: Some(proposal),
                });
            }
        }
        items.retain(|item| after.is_none_or(|cursor| item.key() > cursor));
        items.sort_by_key(QueueItem::key);
        items.truncate(limit as usize + 1);
        Ok(items)
    }

    /// The pending records of one table in queue order, from the cursor's time on.
    async fn pending_of(
        &self,
        table: &'static str,
        after: Option<(DateTime<Utc>, Uuid, Uuid)>,
        limit: u64,
    ) -> Result<Vec<QueueItem>, StoreError> {
        let mut query = Query::select();
        query
            .columns(["id", "updated_at"])
            .from(table)
            .and_where(Expr::col("status").eq("PENDING"))
            .order_by("updated_at", Order::Asc)
            .order_by("id", Order::Asc)
            .limit(limit + 1);
        if let Some((since, _, _)) = after {
            query.and_where(Expr::col("updated_at").gte(stamp(since)));
        }
        let rows = self.connection().query_all(&query).await?;
        rows.into_iter()
            .map(|row| {
                Ok(QueueItem {
                    record_type: table.to_owned(),
                    record_id: row.try_get("", "id")?,
                    since: row.try_get("", "updated_at")?,
                    report: None,
                    proposal: None,
                })
            })
            .collect()
    }
}
