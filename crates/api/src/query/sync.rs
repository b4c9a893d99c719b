//! Records read back by the ids partners' own systems gave them.

use async_graphql::{Context, Error, ID, Object};
use panorama_domain as domain;
use panorama_domain::policy::{Actor, can_moderate};
use panorama_persistence::record::StoredRecord;
use panorama_persistence::sync::partner_namespace;
use uuid::Uuid;

use crate::error::{OrGqlError, forbidden, unauthenticated};
use crate::ids::{Kind, decode_kind};
use crate::loaders::GrantById;
use crate::types::*;

#[derive(Default)]
pub struct SyncQuery;

/// The partner whose ids to use: the caller's own, or (for moderators and admins) the one named.
fn namespace(ctx: &Context<'_>, partner_id: Option<&ID>) -> Result<Option<String>, Error> {
    let actor = &request(ctx)?.actor;
    let own = match actor {
        Actor::Caller(c) => c.partner.as_ref().map(|p| p.id),
        Actor::Anonymous => return Err(unauthenticated()),
        Actor::System => None,
    };
    let partner = match partner_id {
        Some(id) => {
            let Some(named) = decode_kind(id, Kind::Partner) else {
                return Ok(None);
            };
            if own != Some(named) && !can_moderate(actor) {
                return Err(forbidden());
            }
            named
        }
        None => own.ok_or_else(forbidden)?,
    };
    Ok(Some(partner_namespace(partner)))
}

/// The record id behind a partner's external id, if there is one.
async fn record_id(
    ctx: &Context<'_>,
    table: &str,
    external_id: &str,
    partner_id: Option<&ID>,
) -> Result<Option<Uuid>, Error> {
    let Some(namespace) = namespace(ctx, partner_id)? else {
        return Ok(None);
    };
    store(ctx)?
        .record_by_external_id(&namespace, table, external_id)
        .await
        .gql()
}

#[Object]
impl SyncQuery {
    /// The organisation a partner's system knows by `externalId` (the caller's ids; moderators
    /// and admins may name the partner). Null if there is none the caller may see.
    async fn organisation_by_external_id(
        &self,
        ctx: &Context<'_>,
        external_id: String,
        partner_id: Option<ID>,
    ) -> Result<Option<Organisation>, Error> {
        match record_id(
            ctx,
            domain::Organisation::TABLE,
            &external_id,
            partner_id.as_ref(),
        )
        .await?
        {
            Some(id) => organisation_by_id(ctx, id).await,
            None => Ok(None),
        }
    }

    /// The grant a partner's system knows by `externalId`.
    async fn grant_by_external_id(
        &self,
        ctx: &Context<'_>,
        external_id: String,
        partner_id: Option<ID>,
    ) -> Result<Option<Grant>, Error> {
        match record_id(ctx, domain::Grant::TABLE, &external_id, partner_id.as_ref()).await? {
            Some(id) => Ok(loaders(ctx)?
                .load_one(GrantById(id))
                .await
                .gql()?
                .map(Grant)),
            None => Ok(None),
        }
    }

    /// The project a partner's system knows by `externalId`.
    async fn project_by_external_id(
        &self,
        ctx: &Context<'_>,
        external_id: String,
        partner_id: Option<ID>,
    ) -> Result<Option<Project>, Error> {
        match record_id(
            ctx,
            domain::Project::TABLE,
            &external_id,
            partner_id.as_ref(),
        )
        .await?
        {
            Some(id) => project_by_id(ctx, id).await,
            None => Ok(None),
        }
    }
}
