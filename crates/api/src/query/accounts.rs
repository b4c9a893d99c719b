//! The caller itself, and (for admins) the partner accounts.

use async_graphql::{Context, Error, ID, Object};
use panorama_domain::policy::can_manage_partners;

use crate::error::OrGqlError;
use crate::guard::require;
use crate::ids::{Kind, decode_kind};
use crate::types::*;

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// Who the caller is: role, partner, scopes, organisations. Anonymous without a token.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Viewer, Error> {
        Ok(Viewer(request(ctx)?.actor.clone()))
    }

    /// All partner accounts (admins only).
    async fn partners(&self, ctx: &Context<'_>) -> Result<Vec<Partner>, Error> {
        require(ctx, can_manage_partners)?;
        let partners = store(ctx)?.partners().await.gql()?;
        Ok(partners
            .into_iter()
            .map(|partner| Partner {
                partner,
                show_clients: true,
            })
            .collect())
    }

    /// One partner account: admins see any, a partner sees its own; others get null.
    async fn partner(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Partner>, Error> {
        let Some(id) = decode_kind(&id, Kind::Partner) else {
            return Ok(None);
        };
        let actor = &request(ctx)?.actor;
        let own = matches!(actor, panorama_domain::policy::Actor::Caller(c) if c.partner.as_ref().is_some_and(|p| p.id == id));
        if !own && !can_manage_partners(actor) {
            return Ok(None);
        }
        let found = store(ctx)?.partner(id).await.gql()?;
        Ok(found.map(|partner| Partner {
            partner,
            show_clients: true,
        }))
    }
}
