//! A proposed change to a published record, waiting for a moderator.

use async_graphql::{Context, Enum, Error, ID, Object};
use chrono::{DateTime, Utc};
use panorama_domain::policy::{Actor, can_moderate};
use panorama_persistence::proposal::{Proposal as StoredProposal, ProposalStatus as Status};

use super::history::FieldChange;
use super::request;
use crate::ids::{Kind, encode};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "Status")]
pub enum ProposalStatus {
    Pending,
    Approved,
    Rejected,
}

pub struct Proposal(pub StoredProposal);

impl Proposal {
    /// Whether `actor` may see it: its author (the same token subject, or the same partner)
    /// and moderators.
    pub fn visible_to(proposal: &StoredProposal, actor: &Actor) -> bool {
        can_moderate(actor)
            || matches!(actor, Actor::Caller(c) if c.subject == proposal.author
                || c.partner.as_ref().is_some_and(|p| Some(p.id) == proposal.author_partner))
    }
}

#[Object]
impl Proposal {
    async fn id(&self) -> ID {
        encode(Kind::Proposal, self.0.id)
    }
    /// The global id of the record it would change.
    async fn record_id(&self) -> Option<ID> {
        Kind::of_table(&self.0.record_type).map(|kind| encode(kind, self.0.record_id))
    }
    /// The record's version when it was proposed.
    async fn base_version(&self) -> i32 {
        self.0.base_version
    }
    async fn status(&self) -> ProposalStatus {
        self.0.status.into()
    }
    /// Each proposed field: its value then, and the value proposed.
    async fn changes(&self) -> Vec<FieldChange> {
        self.0.changes.iter().map(FieldChange::from).collect()
    }
    /// A moderator's reason, for a rejection.
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
    /// Who proposed it: shown to moderators and to its author.
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<&str>, Error> {
        let actor = &request(ctx)?.actor;
        Ok(Self::visible_to(&self.0, actor).then_some(self.0.author.as_str()))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
}
