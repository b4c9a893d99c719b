//! The Relay `Node` interface: any record by its global id.

use async_graphql::{Context, Error, ID, Interface};

use super::*;
use crate::error::OrGqlError;
use crate::ids::{Kind, decode};
use crate::loaders::*;

#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Organisation(Organisation),
    Project(Project),
    Grant(Grant),
    Event(Event),
    CaseStudy(CaseStudy),
    FundingOpportunity(FundingOpportunity),
}

/// Resolves global ids, in order; an id that is unknown, malformed, or of a record the caller
/// may not see gives `None`.
pub async fn nodes(ctx: &Context<'_>, ids: &[ID]) -> Result<Vec<Option<Node>>, Error> {
    let loaders = loaders(ctx)?;
    let decoded: Vec<_> = ids.iter().map(|id| decode(id)).collect();
    let of = |kind: Kind| {
        decoded
            .iter()
            .flatten()
            .filter(move |(k, _)| *k == kind)
            .map(|(_, id)| *id)
    };
    let mut organisations = loaders
        .load_many(of(Kind::Organisation).map(OrganisationById))
        .await
        .gql()?;
    let missing: Vec<_> = of(Kind::Organisation)
        .filter(|id| !organisations.contains_key(&OrganisationById(*id)))
        .collect();
    for (old, survivor) in merged_into(ctx, &missing).await? {
        organisations.insert(OrganisationById(old), survivor.0);
    }
    let projects = loaders
        .load_many(of(Kind::Project).map(ProjectById))
        .await
        .gql()?;
    let grants = loaders
        .load_many(of(Kind::Grant).map(GrantById))
        .await
        .gql()?;
    let events = loaders
        .load_many(of(Kind::Event).map(EventById))
        .await
        .gql()?;
    let case_studies = loaders
        .load_many(of(Kind::CaseStudy).map(CaseStudyById))
        .await
        .gql()?;
    let opportunities = loaders
        .load_many(of(Kind::FundingOpportunity).map(FundingOpportunityById))
        .await
        .gql()?;
    Ok(decoded
        .into_iter()
        .map(|d| {
            let (kind, id) = d?;
            match kind {
                Kind::Organisation => organisations
                    .get(&OrganisationById(id))
                    .cloned()
                    .map(|o| Node::Organisation(Organisation(o))),
                Kind::Project => projects
                    .get(&ProjectById(id))
                    .cloned()
                    .map(|p| Node::Project(Project(p))),
                Kind::Grant => grants
                    .get(&GrantById(id))
                    .cloned()
                    .map(|g| Node::Grant(Grant(g))),
                Kind::Event => events
                    .get(&EventById(id))
                    .cloned()
                    .map(|e| Node::Event(Event(e))),
                Kind::CaseStudy => case_studies
                    .get(&CaseStudyById(id))
                    .cloned()
                    .map(|c| Node::CaseStudy(CaseStudy(c))),
                Kind::FundingOpportunity => opportunities
                    .get(&FundingOpportunityById(id))
                    .cloned()
                    .map(|f| Node::FundingOpportunity(FundingOpportunity(f))),
                Kind::Support
                | Kind::OrganisationLink
                | Kind::ImpactIndicator
                | Kind::Partner
                | Kind::Proposal
                | Kind::WebhookEndpoint
                | Kind::WebhookDelivery => None,
            }
        })
        .collect())
}

/// Organisations that were merged into others, by their old id: the survivor each now is (if
/// the caller may see it). Only ids that resolved to nothing are looked up.
pub async fn merged_into(
    ctx: &Context<'_>,
    ids: &[uuid::Uuid],
) -> Result<Vec<(uuid::Uuid, Organisation)>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let redirects = store(ctx)?.redirects(ids).await.gql()?;
    let mut found = Vec::new();
    for (old, new) in redirects {
        if let Some(survivor) = organisation_by_id(ctx, new).await? {
            found.push((old, survivor));
        }
    }
    Ok(found)
}
