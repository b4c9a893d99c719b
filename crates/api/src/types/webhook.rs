//! Partners' webhook endpoints and the deliveries queued for them.

use async_graphql::{Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use panorama_domain::webhook as domain;

use crate::ids::{Kind, encode};

pub struct WebhookEndpoint(pub domain::WebhookEndpoint);

/// A partner's URL that receives the events it chose, signed with its secret.
#[Object]
impl WebhookEndpoint {
    async fn id(&self) -> ID {
        encode(Kind::WebhookEndpoint, self.0.id)
    }
    /// The partner it belongs to.
    async fn partner_id(&self) -> ID {
        encode(Kind::Partner, self.0.partner_id)
    }
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// The event types it receives, e.g. `organisation.upsert`.
    async fn event_types(&self) -> &[String] {
        &self.0.event_types
    }
    /// False once disabled: nothing more is sent to it.
    async fn active(&self) -> bool {
        self.0.active
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn disabled_at(&self) -> Option<DateTime<Utc>> {
        self.0.disabled_at
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::DeliveryStatus")]
pub enum WebhookDeliveryStatus {
    /// Waiting for its first attempt or for a retry (`nextAttemptAt`).
    Pending,
    /// The endpoint answered with a 2xx status.
    Delivered,
    /// Every attempt of the retry schedule failed.
    Failed,
    /// Its endpoint was disabled before it was delivered.
    Cancelled,
}

/// One try at delivering an event.
#[derive(SimpleObject)]
pub struct WebhookAttempt {
    pub attempted_at: DateTime<Utc>,
    /// The endpoint's HTTP status, if it answered.
    pub status_code: Option<i32>,
    /// Why there was no answer (timeout, refused connection …).
    pub error: Option<String>,
    pub duration_ms: i32,
}

pub struct WebhookDelivery(pub domain::WebhookDelivery);

/// One event queued for one endpoint, with its attempts.
#[Object]
impl WebhookDelivery {
    async fn id(&self) -> ID {
        encode(Kind::WebhookDelivery, self.0.id)
    }
    /// The `webhook-id` header: the same on every attempt, so a receiver can drop repeats.
    async fn message_id(&self) -> &str {
        &self.0.message_id
    }
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    /// The JSON body sent, the same on every attempt.
    async fn payload(&self) -> &str {
        &self.0.payload
    }
    async fn status(&self) -> WebhookDeliveryStatus {
        self.0.status.into()
    }
    async fn attempt_count(&self) -> i32 {
        self.0.attempt_count
    }
    /// When a pending delivery is tried next.
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.next_attempt_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
    /// Every attempt, oldest first.
    async fn attempts(&self) -> Vec<WebhookAttempt> {
        self.0
            .attempts
            .iter()
            .map(|a| WebhookAttempt {
                attempted_at: a.attempted_at,
                status_code: a.status_code,
                error: a.error.clone(),
                duration_ms: i32::try_from(a.duration_ms).unwrap_or(i32::MAX),
            })
            .collect()
    }
}
