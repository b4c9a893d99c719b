//! Webhooks: what an event of the change feed looks like to a receiver, and a partner's view
//! of its endpoints and of the deliveries to them.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Error, ID, Object, SimpleObject};
use chrono::SecondsFormat;
use panorama_domain::policy::{Actor, can_moderate};
use panorama_domain::webhook::{may_manage_endpoint, webhook_partner};
use panorama_persistence::feed::{ChangeEvent, Operation};
use panorama_persistence::webhook::EventMessage;
use serde_json::json;

use super::feed::cursor;
use super::moderation::RecordType;
use crate::error::{OrGqlError, forbidden, unauthenticated, user_error};
use crate::guard::require;
use crate::ids::{Kind, decode_kind, encode};
use crate::types::{WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint, request, store};

/// The most deliveries one page lists.
const MAX_PAGE: i32 = 100;

/// The name of a record type in event types: `organisation`, `organisation_link` …
fn type_name(record_type: RecordType) -> &'static str {
    match record_type {
        RecordType::Organisation => "organisation",
        RecordType::Project => "project",
        RecordType::Grant => "grant",
        RecordType::Support => "support",
        RecordType::OrganisationLink => "organisation_link",
        RecordType::Event => "event",
        RecordType::CaseStudy => "case_study",
        RecordType::FundingOpportunity => "funding_opportunity",
        RecordType::ImpactIndicator => "impact_indicator",
    }
}

/// The operations records of a type can go through: only organisations are merged.
fn operations(record_type: RecordType) -> &'static [Operation] {
    match record_type {
        RecordType::Organisation => &[Operation::Upsert, Operation::Delete, Operation::Merge],
        _ => &[Operation::Upsert, Operation::Delete],
    }
}

fn event_type(record_type: RecordType, operation: Operation) -> String {
    let operation = operation.code().to_ascii_lowercase();
    format!("{}.{operation}", type_name(record_type))
}

/// Every event type an endpoint may ask for: `<record type>.<upsert|delete|merge>`.
pub fn event_types() -> Vec<String> {
    RecordType::all()
        .flat_map(|t| operations(t).iter().map(move |op| event_type(t, *op)))
        .collect()
}

/// What receivers get for a feed event: its type and the Standard Webhooks body
/// `{type, timestamp, data}`, where `data` is the feed's own view of the change (the record's
/// global id, its type, the operation, version, survivor and the feed cursor after it).
pub fn describe_event(event: &ChangeEvent) -> Option<EventMessage> {
    let (record_type, kind) = RecordType::of_table(&event.record_type)?;
    let event_type = event_type(record_type, event.operation);
    let changed_at = event
        .changed_at
        .to_rfc3339_opts(SecondsFormat::Micros, true);
    let body = json!({
        "type": event_type,
        "timestamp": changed_at,
        "data": {
            "id": encode(kind, event.record_id).0,
            "recordType": type_name(record_type).to_ascii_uppercase(),
            "operation": event.operation.code(),
            "version": event.version,
            "survivorId": event.survivor_id.map(|id| encode(kind, id).0),
            "changedAt": changed_at,
            "cursor": cursor(event.cursor),
        },
    });
    Some(EventMessage {
        event_type,
        body: body.to_string(),
    })
}

/// Whether a caller may look at webhooks at all: a partner's system, or those who oversee.
fn has_webhooks(actor: &Actor) -> bool {
    webhook_partner(actor).is_some() || can_moderate(actor)
}

#[derive(SimpleObject)]
pub struct DeliveryCount {
    /// How many deliveries there are in all (of the status asked for).
    pub total_count: i64,
}

#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// The event types an endpoint may receive.
    async fn webhook_event_types(&self) -> Vec<String> {
        event_types()
    }

    /// The caller's webhook endpoints, oldest first. Moderators and admins see every
    /// partner's, or those of the partner they name.
    async fn webhook_endpoints(
        &self,
        ctx: &Context<'_>,
        partner_id: Option<ID>,
    ) -> Result<Vec<WebhookEndpoint>, Error> {
        let actor = &request(ctx)?.actor;
        if matches!(actor, Actor::Anonymous) {
            return Err(unauthenticated());
        }
        let own = webhook_partner(actor);
        let partner = match partner_id {
            Some(id) => {
                let Some(named) = decode_kind(&id, Kind::Partner) else {
                    return Ok(Vec::new());
                };
                if own != Some(named) && !can_moderate(actor) {
                    return Err(forbidden());
                }
                Some(named)
            }
            None if own.is_some() => own,
            None if can_moderate(actor) => None,
            None => return Err(forbidden()),
        };
        let endpoints = store(ctx)?.webhook_endpoints(partner).await.gql()?;
        Ok(endpoints.into_iter().map(WebhookEndpoint).collect())
    }

    /// The deliveries to one of the caller's endpoints, newest first, each with its attempts;
    /// null for an endpoint the caller may not see.
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        endpoint_id: ID,
        #[graphql(default = 20)] first: i32,
        after: Option<String>,
        status: Option<WebhookDeliveryStatus>,
    ) -> Result<Option<Connection<String, WebhookDelivery, DeliveryCount>>, Error> {
        require(ctx, has_webhooks)?;
        if !(1..=MAX_PAGE).contains(&first) {
            return Err(user_error(format!(
                "first must be between 1 and {MAX_PAGE}"
            )));
        }
        let after = match after.as_deref() {
            Some(text) => Some(
                decode_kind(text, Kind::WebhookDelivery)
                    .ok_or_else(|| user_error("after is not a cursor of this list"))?,
            ),
            None => None,
        };
        let Some(endpoint) = decode_kind(&endpoint_id, Kind::WebhookEndpoint) else {
            return Ok(None);
        };
        let store = store(ctx)?;
        let actor = &request(ctx)?.actor;
        match store.webhook_endpoint(endpoint).await.gql()? {
            Some(found) if may_manage_endpoint(actor, found.partner_id) => {}
            _ => return Ok(None),
        }
        let status = status.map(Into::into);
        let mut deliveries = store
            .webhook_deliveries(endpoint, status, after, first as u64 + 1)
            .await
            .gql()?;
        let more = deliveries.len() > first as usize;
        deliveries.truncate(first as usize);
        let total_count = store.webhook_delivery_count(endpoint, status).await.gql()?;
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            more,
            DeliveryCount { total_count },
        );
        connection.edges.extend(
            deliveries
                .into_iter()
                .map(|d| Edge::new(encode(Kind::WebhookDelivery, d.id).0, WebhookDelivery(d))),
        );
        Ok(Some(connection))
    }
}
