//! Partners register webhook endpoints for the event types they want, and disable them.

use std::collections::BTreeSet;

use async_graphql::{Context, Error, ID, InputObject, Object, SimpleObject};
use panorama_domain::policy::{Actor, can_moderate};
use panorama_domain::validation::{ErrorCode, Validator};
use panorama_domain::webhook::{MAX_ENDPOINTS_PER_PARTNER, may_manage_endpoint, webhook_partner};
use panorama_persistence::webhook::NewEndpoint;

use super::records::user_error;
use crate::ApiOptions;
use crate::auth::secrets::new_webhook_secret;
use crate::error::{OrGqlError, forbidden};
use crate::guard::require;
use crate::ids::{Kind, decode_kind};
use crate::query::webhooks::event_types;
use crate::types::{UserError, WebhookEndpoint, request, store};

#[derive(InputObject)]
pub struct RegisterWebhookInput {
    /// Where events are POSTed: an `https://` (or `http://`) URL of a public host.
    pub url: String,
    /// The event types to receive (see `webhookEventTypes`), e.g. `organisation.upsert`.
    pub event_types: Vec<String>,
}

#[derive(SimpleObject)]
pub struct RegisterWebhookPayload {
    pub endpoint: Option<WebhookEndpoint>,
    /// The signing secret (`whsec_…`), shown this once: verify every delivery with it.
    pub secret: Option<String>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct DisableWebhookInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct WebhookEndpointPayload {
    pub endpoint: Option<WebhookEndpoint>,
    pub user_errors: Vec<UserError>,
}

/// The event types asked for, each known and once, or the field errors.
fn checked_event_types(v: &mut Validator, asked: &[String]) -> Vec<String> {
    if asked.is_empty() {
        v.push(
            "eventTypes",
            ErrorCode::Required,
            "name at least one event type",
        );
    }
    let known = event_types();
    let mut kept = BTreeSet::new();
    for (i, event_type) in asked.iter().enumerate() {
        let event_type = event_type.trim();
        if known.iter().any(|k| k == event_type) {
            kept.insert(event_type.to_owned());
        } else {
            let shown: String = event_type.chars().take(60).collect();
            let message = format!("`{shown}` is not an event type (see webhookEventTypes)");
            v.push(format!("eventTypes[{i}]"), ErrorCode::UnknownCode, message);
        }
    }
    kept.into_iter().collect()
}

fn failed(errors: Vec<UserError>) -> RegisterWebhookPayload {
    RegisterWebhookPayload {
        endpoint: None,
        secret: None,
        user_errors: errors,
    }
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Registers an endpoint of the caller's partner: from now on, every change to published
    /// data of the chosen types is POSTed to it, signed (Standard Webhooks), retried for more
    /// than a day until it answers 2xx. The payload carries the signing secret, this once.
    async fn register_webhook(
        &self,
        ctx: &Context<'_>,
        input: RegisterWebhookInput,
    ) -> Result<RegisterWebhookPayload, Error> {
        require(ctx, |actor: &Actor| webhook_partner(actor).is_some())?;
        let partner_id = webhook_partner(&request(ctx)?.actor).ok_or_else(forbidden)?;
        let private_hosts = ctx.data::<ApiOptions>()?.webhook_private_hosts;
        let mut v = Validator::new();
        let url = v.endpoint_url("url", &input.url, private_hosts);
        let event_types = checked_event_types(&mut v, &input.event_types);
        let url = match (url, v.finish()) {
            (Some(url), Ok(())) => url,
            (_, result) => {
                let errors = result.err().unwrap_or_default();
                return Ok(failed(errors.into_iter().map(user_error).collect()));
            }
        };
        let secret = new_webhook_secret();
        let new = NewEndpoint {
            partner_id,
            url,
            event_types,
            secret: secret.clone(),
        };
        match store(ctx)?.register_webhook(new).await.gql()? {
            Some(endpoint) => Ok(RegisterWebhookPayload {
                endpoint: Some(WebhookEndpoint(endpoint)),
                secret: Some(secret),
                user_errors: vec![],
            }),
            None => Ok(failed(vec![UserError::new(
                "url",
                format!(
                    "a partner may have at most {MAX_ENDPOINTS_PER_PARTNER} active endpoints; disable one first"
                ),
                "LIMIT_REACHED",
            )])),
        }
    }

    /// Disables an endpoint: nothing more is sent to it, and deliveries still waiting are
    /// cancelled. Its deliveries stay listed. Partners disable their own; moderators and
    /// admins any.
    async fn disable_webhook(
        &self,
        ctx: &Context<'_>,
        input: DisableWebhookInput,
    ) -> Result<WebhookEndpointPayload, Error> {
        require(ctx, |actor: &Actor| {
            webhook_partner(actor).is_some() || can_moderate(actor)
        })?;
        let not_found = || WebhookEndpointPayload {
            endpoint: None,
            user_errors: vec![UserError::new(
                "id",
                "no webhook endpoint with this id",
                "NOT_FOUND",
            )],
        };
        let Some(id) = decode_kind(&input.id, Kind::WebhookEndpoint) else {
            return Ok(not_found());
        };
        let store = store(ctx)?;
        let actor = &request(ctx)?.actor;
        match store.webhook_endpoint(id).await.gql()? {
            Some(found) if may_manage_endpoint(actor, found.partner_id) => {}
            _ => return Ok(not_found()),
        }
        let endpoint = store.disable_webhook(id).await.gql()?;
        Ok(WebhookEndpointPayload {
            endpoint: endpoint.map(WebhookEndpoint),
            user_errors: vec![],
        })
    }
}
