//! The moderation queue: what waits for review and what readers reported, oldest first.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{ComplexObject, Context, Enum, Error, ID, InputObject, Object, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use panorama_domain::policy::can_moderate;
use panorama_persistence::moderation::{QueueFilter, QueueItem};
use uuid::Uuid;

use crate::error::{OrGqlError, user_error};
use crate::guard::require;
use crate::ids::decode_kind;
use crate::ids::{Kind, encode};
use crate::types::{Node, Proposal, nodes, request, store};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum RecordType {
    Organisation,
    Project,
    Grant,
    Support,
    OrganisationLink,
    Event,
    CaseStudy,
    FundingOpportunity,
    ImpactIndicator,
}

impl RecordType {
    const ALL: [(RecordType, &'static str, Kind); 9] = [
        (Self::Organisation, "organisation", Kind::Organisation),
        (Self::Project, "project", Kind::Project),
        (Self::Grant, "grant_award", Kind::Grant),
        (Self::Support, "support", Kind::Support),
        (
            Self::OrganisationLink,
            "organisation_link",
            Kind::OrganisationLink,
        ),
        (Self::Event, "event", Kind::Event),
        (Self::CaseStudy, "case_study", Kind::CaseStudy),
        (
            Self::FundingOpportunity,
            "funding_opportunity",
            Kind::FundingOpportunity,
        ),
        (
            Self::ImpactIndicator,
            "impact_indicator",
            Kind::ImpactIndicator,
        ),
    ];

    pub(crate) fn all() -> impl Iterator<Item = RecordType> {
        Self::ALL.into_iter().map(|(record_type, ..)| record_type)
    }

    pub(crate) fn table(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(t, ..)| *t == self)
            .map_or("organisation", |(_, table, _)| table)
    }

    pub(crate) fn of_table(table: &str) -> Option<(RecordType, Kind)> {
        Self::ALL
            .iter()
            .find(|(_, t, _)| *t == table)
            .map(|(record_type, _, kind)| (*record_type, *kind))
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ModerationItemKind {
    /// A record waiting for review (status PENDING).
    PendingRecord,
    /// An open report of a record.
    Report,
    /// A change proposed to a published record.
    ProposedChange,
}

#[derive(InputObject, Default)]
pub struct ModerationQueueFilter {
    /// Only records of these types.
    pub record_types: Option<Vec<RecordType>>,
    /// Only these kinds of item (both when left out).
    pub kinds: Option<Vec<ModerationItemKind>>,
}

/// A reader's report of a record.
#[derive(SimpleObject)]
pub struct RecordReport {
    pub reason: crate::mutation::ReportReason,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// One thing for a moderator to look at.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ModerationItem {
    pub kind: ModerationItemKind,
    pub record_type: RecordType,
    /// The record's global id (its `node`).
    pub record_id: ID,
    /// Since when it has waited.
    pub since: DateTime<Utc>,
    /// For a report: what was said.
    pub report: Option<RecordReport>,
    /// For a proposed change: the proposal (approve or reject it by its id).
    pub proposal: Option<Proposal>,
}

#[ComplexObject]
impl ModerationItem {
    /// The record itself, where it is a `Node` (organisations, projects, grants, events, case
    /// studies, funding opportunities); null for the others (use `recordId`).
    async fn record(&self, ctx: &Context<'_>) -> Result<Option<Node>, Error> {
        Ok(nodes(ctx, std::slice::from_ref(&self.record_id))
            .await?
            .into_iter()
            .next()
            .flatten())
    }
}

type Key = (DateTime<Utc>, Uuid, Uuid);

fn cursor(key: Key) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{}|{}", key.0.to_rfc3339(), key.1, key.2))
}

fn parse_cursor(cursor: &str) -> Option<Key> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let mut parts = text.split('|');
    let since = DateTime::parse_from_rfc3339(parts.next()?)
        .ok()?
        .with_timezone(&Utc);
    Some((
        since,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    ))
}

fn item(queued: QueueItem) -> Option<ModerationItem> {
    let (record_type, kind) = RecordType::of_table(&queued.record_type)?;
    Some(ModerationItem {
        kind: match (&queued.report, &queued.proposal) {
            (Some(_), _) => ModerationItemKind::Report,
            (None, Some(_)) => ModerationItemKind::ProposedChange,
            (None, None) => ModerationItemKind::PendingRecord,
        },
        record_type,
        record_id: encode(kind, queued.record_id),
        since: queued.since,
        report: queued.report.map(|r| RecordReport {
            reason: r.reason.into(),
            comment: r.comment,
            created_at: r.created_at,
        }),
        proposal: queued.proposal.map(Proposal),
    })
}

#[derive(Default)]
pub struct ModerationQuery;

#[Object]
impl ModerationQuery {
    /// A proposed change, for its author and moderators; null for anyone else.
    async fn proposal(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Proposal>, Error> {
        let Some(id) = decode_kind(&id, Kind::Proposal) else {
            return Ok(None);
        };
        let actor = &request(ctx)?.actor;
        let found = store(ctx)?.proposal(id).await.gql()?;
        Ok(found
            .filter(|p| Proposal::visible_to(p, actor))
            .map(Proposal))
    }

    /// Records waiting for review, open reports and proposed changes, oldest first
    /// (moderators and admins).
    async fn moderation_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
        after: Option<String>,
        filter: Option<ModerationQueueFilter>,
    ) -> Result<Connection<String, ModerationItem>, Error> {
        require(ctx, can_moderate)?;
        if !(0..=100).contains(&first) {
            return Err(user_error("first must be between 0 and 100"));
        }
        let after_key = match after.as_deref() {
            Some(text) => Some(
                parse_cursor(text)
                    .ok_or_else(|| user_error("after is not a cursor of this queue"))?,
            ),
            None => None,
        };
        let filter = filter.unwrap_or_default();
        let kinds = filter.kinds.unwrap_or_default();
        let wants = |kind| kinds.is_empty() || kinds.contains(&kind);
        let queue_filter = QueueFilter {
            record_types: filter
                .record_types
                .unwrap_or_default()
                .into_iter()
                .map(|t| t.table().to_owned())
                .collect(),
            pending: wants(ModerationItemKind::PendingRecord),
            reported: wants(ModerationItemKind::Report),
            proposed: wants(ModerationItemKind::ProposedChange),
        };
        let mut items = store(ctx)?
            .moderation_queue(&queue_filter, after_key, first as u64)
            .await
            .gql()?;
        let more = items.len() > first as usize;
        items.truncate(first as usize);
        let mut connection = Connection::new(after_key.is_some(), more);
        connection
            .edges
            .extend(items.into_iter().filter_map(|queued| {
                let key = queued.key();
                item(queued).map(|item| Edge::new(cursor(key), item))
            }));
        Ok(connection)
    }
}
