//! Webhooks: partners' endpoints, the deliveries queued for them, how a delivery is signed
//! (the Standard Webhooks scheme) and when a failed one is tried again.
//!
//! A delivery is signed with HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`, keyed
//! with the endpoint's secret (`whsec_` and base64 bytes), and sent as
//! `webhook-signature: v1,<base64 of the MAC>`. Receivers' Standard Webhooks libraries verify
//! it as it is.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::policy::{Actor, Role, can_moderate};

/// The prefix of a signing secret, as Standard Webhooks writes them.
pub const SECRET_PREFIX: &str = "whsec_";

/// How many active endpoints one partner may have.
pub const MAX_ENDPOINTS_PER_PARTNER: usize = 20;

/// The Standard Webhooks retry schedule: the waits after the first, second … failed attempt.
/// Eight attempts over about 28 hours, then the delivery has failed.
pub const DEFAULT_RETRY_SCHEDULE: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

/// A partner's URL that receives the events it chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub id: Uuid,
    pub partner_id: Uuid,
    pub url: String,
    /// Event types such as `organisation.upsert` (see the API for the list).
    pub event_types: Vec<String>,
    /// False once disabled: nothing more is queued or sent.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its first attempt or for a retry.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Every attempt of the schedule failed.
    Failed,
    /// Its endpoint was disabled before it was delivered.
    Cancelled,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 4] = [
        Self::Pending,
        Self::Delivered,
        Self::Failed,
        Self::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Delivered => "DELIVERED",
            Self::Failed => "FAILED",
            Self::Cancelled => "CANCELLED",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// One event queued for one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    /// The `webhook-id` header: the same on every attempt, so receivers can drop repeats.
    pub message_id: String,
    pub event_type: String,
    /// The JSON body, sent byte for byte the same on every attempt.
    pub payload: String,
    pub status: DeliveryStatus,
    pub attempt_count: i32,
    /// When it is tried next (pending deliveries only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// Its attempts, oldest first.
    pub attempts: Vec<WebhookAttempt>,
}

/// One try at delivering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAttempt {
    pub attempted_at: DateTime<Utc>,
    /// The endpoint's HTTP status, if it answered.
    pub status_code: Option<i32>,
    /// Why it failed without an answer (timeout, refused connection …).
    pub error: Option<String>,
    pub duration_ms: i64,
}

impl WebhookAttempt {
    pub fn succeeded(&self) -> bool {
        self.status_code
            .is_some_and(|code| (200..300).contains(&code))
    }
}

/// The `webhook-id` of a delivery.
pub fn message_id(delivery: Uuid) -> String {
    format!("msg_{}", delivery.simple())
}

/// A signing secret made of `bytes` (random ones, from the caller).
pub fn secret_from_bytes(bytes: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a webhook secret is `whsec_` followed by base64")]
pub struct BadSecret;

/// The `webhook-signature` of a message: `v1,` and the base64 HMAC-SHA256 of
/// `{msg_id}.{timestamp}.{body}` keyed with the secret's bytes.
pub fn sign(secret: &str, msg_id: &str, timestamp: i64, body: &str) -> Result<String, BadSecret> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    let key = STANDARD.decode(encoded).map_err(|_| BadSecret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| BadSecret)?;
    mac.update(format!("{msg_id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// How long to wait after the `failed`-th failed attempt (1 for the first), or `None` when the
/// schedule is spent and the delivery has failed.
pub fn retry_delay(failed: u32, schedule: &[Duration]) -> Option<Duration> {
    let index = usize::try_from(failed).ok()?.checked_sub(1)?;
    schedule.get(index).copied()
}

/// The partner whose endpoints a caller registers and manages: a partner's system acts for
/// its own partner; nobody else has endpoints.
pub fn webhook_partner(actor: &Actor) -> Option<Uuid> {
    match actor {
        Actor::Caller(caller) if caller.role == Role::Partner => {
            caller.partner.as_ref().map(|p| p.id)
        }
        _ => None,
    }
}

/// Whether a caller may see and disable an endpoint of `partner`: its own partner, or those
/// who oversee the registry (to stop an endpoint that misbehaves).
pub fn may_manage_endpoint(actor: &Actor, partner: Uuid) -> bool {
    webhook_partner(actor) == Some(partner) || can_moderate(actor)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::policy::{Caller, PartnerKind, PartnerRef, Scope};

    #[test]
    fn signatures_match_the_standard_webhooks_test_vector() {
        // The vector the Standard Webhooks reference libraries test against.
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(
            signature.as_deref(),
            Ok("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        // The prefix is optional, as in the reference libraries; anything else is refused.
        assert_eq!(
            sign(
                "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                r#"{"test": 2432232314}"#,
            ),
            signature
        );
        assert_eq!(sign("whsec_not base64!", "m", 1, ""), Err(BadSecret));
    }

    #[test]
    fn secrets_are_prefixed_base64_that_signing_accepts() {
        let secret = secret_from_bytes(&[7; 32]);
        assert!(secret.starts_with("whsec_"));
        assert_eq!(STANDARD.decode(&secret[6..]).ok(), Some(vec![7; 32]));
        assert!(sign(&secret, "msg_x", 1, "{}").is_ok());
    }

    #[test]
    fn the_default_schedule_retries_for_more_than_a_day_then_gives_up() {
        let schedule = DEFAULT_RETRY_SCHEDULE;
        assert_eq!(retry_delay(1, &schedule), Some(Duration::from_secs(5)));
        assert_eq!(retry_delay(7, &schedule), Some(Duration::from_secs(36_000)));
        assert_eq!(retry_delay(8, &schedule), None);
        assert_eq!(retry_delay(0, &schedule), None);
        let total: Duration = schedule.iter().sum();
        assert!(total > Duration::from_secs(24 * 3600), "{total:?}");
    }

    #[test]
    fn only_a_partner_has_endpoints_and_overseers_may_manage_any() {
        let partner = Uuid::now_v7();
        let caller = |role: Role, scopes: &[Scope], partner: Option<Uuid>| {
            Actor::Caller(Caller {
                role,
                subject: "s".into(),
                partner: partner.map(|id| PartnerRef {
                    id,
                    kind: PartnerKind::Funder,
                    organisation: None,
                    trusted: false,
                }),
                organisations: vec![],
                scopes: scopes.iter().copied().collect::<BTreeSet<_>>(),
            })
        };
        let own = caller(Role::Partner, &[], Some(partner));
        assert_eq!(webhook_partner(&own), Some(partner));
        assert!(may_manage_endpoint(&own, partner));
        assert!(!may_manage_endpoint(&own, Uuid::now_v7()));
        let member = caller(Role::Member, &[Scope::EcosystemRead], None);
        assert_eq!(webhook_partner(&member), None);
        assert!(!may_manage_endpoint(&member, partner));
        let moderator = caller(Role::Moderator, &[Scope::Moderate], None);
        assert_eq!(webhook_partner(&moderator), None);
        assert!(may_manage_endpoint(&moderator, partner));
        assert_eq!(webhook_partner(&Actor::Anonymous), None);
        assert!(!may_manage_endpoint(&Actor::Anonymous, partner));
    }
}
