//! The webhook worker: follows the change feed into the delivery queue, POSTs what is due to
//! partners' endpoints, signed as Standard Webhooks says, and records every attempt. The queue
//! is in the database, so a restarted server (or another replica) carries on where this one
//! stopped.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use panorama_api::Metrics;
use panorama_domain::webhook::{DEFAULT_RETRY_SCHEDULE, WebhookAttempt, retry_delay, sign};
use panorama_persistence::webhook::{AfterAttempt, DueDelivery};
use panorama_persistence::{Store, StoreError};

use crate::shutdown::StopSignal;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use tokio::task::JoinSet;

/// How many feed events one dispatch round turns into deliveries.
const DISPATCH_BATCH: u64 = 500;
/// How many due deliveries one round claims and sends at once.
const CLAIM_BATCH: u64 = 32;
/// The longest error text kept for an attempt.
const MAX_ERROR_CHARS: usize = 500;

/// How the worker sends and retries.
#[derive(Debug, Clone)]
pub struct WebhookOptions {
    /// How often it looks for new events and due deliveries when idle.
    pub poll_interval: Duration,
    /// The waits after each failed attempt; once spent, the delivery has failed.
    pub retry_schedule: Vec<Duration>,
    /// How long one attempt may take.
    pub attempt_timeout: Duration,
    /// Whether endpoints may be on private addresses (loopback, private networks). Without
    /// it, a host name that resolves to one is not connected to.
    pub private_hosts: bool,
}

impl Default for WebhookOptions {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(1),
            retry_schedule: DEFAULT_RETRY_SCHEDULE.to_vec(),
            attempt_timeout: Duration::from_secs(10),
            private_hosts: false,
        }
    }
}

impl WebhookOptions {
    /// How long a claimed delivery is this worker's: its attempt and the recording of it must
    /// fit, else another worker sends it again (which at-least-once allows).
    fn lease(&self) -> Duration {
        self.attempt_timeout * 2 + Duration::from_secs(5)
    }
}

/// The worker: queues and sends deliveries on `store`'s pool (its statements counted apart
/// from requests'), reports the backlog to `metrics`, keeps finished deliveries for
/// `retention`, and returns once `stop` says so (after the round in hand).
pub async fn run(
    store: Store,
    options: WebhookOptions,
    retention: Duration,
    metrics: Metrics,
    mut stop: StopSignal,
) {
    let store = store.background();
    let client = match http_client(&options) {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "webhooks cannot be sent: no HTTP client");
            return;
        }
    };
    let hour = Duration::from_secs(3600);
    let mut next_prune = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let busy = match round(&store, &client, &options).await {
            Ok(busy) => busy,
            Err(error) => {
                tracing::warn!(%error, "webhook round failed; trying again");
                false
            }
        };
        if let Ok(pending) = store.webhook_backlog().await {
            metrics.set_webhook_backlog(u64::try_from(pending).unwrap_or_default());
        }
        if tokio::time::Instant::now() >= next_prune {
            next_prune += hour;
            prune(&store, retention).await;
        }
        let pause = if busy {
            Duration::ZERO
        } else {
            options.poll_interval
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = stop.stopped() => return,
        }
    }
}

async fn prune(store: &Store, retention: Duration) {
    let Ok(retention) = chrono::Duration::from_std(retention) else {
        return;
    };
    match store.prune_webhook_deliveries(Utc::now() - retention).await {
        Ok(0) => {}
        Ok(pruned) => tracing::info!(pruned, "old webhook deliveries pruned"),
        Err(error) => tracing::warn!(%error, "pruning webhook deliveries failed"),
    }
}

/// Queues new events, then sends what is due. True when there was work (so look again at
/// once rather than after the poll interval).
async fn round(
    store: &Store,
    client: &reqwest::Client,
    options: &WebhookOptions,
) -> Result<bool, StoreError> {
    let dispatched = store
        .dispatch_webhooks(DISPATCH_BATCH, &panorama_api::describe_event)
        .await?;
    let due = store
        .claim_webhook_deliveries(CLAIM_BATCH, options.lease())
        .await?;
    let claimed = due.len();
    // The sends run side by side and hold no store: only this task writes, so stopping it
    // (abort) leaves nothing behind that holds the database.
    let mut sends = JoinSet::new();
    for delivery in due {
        let client = client.clone();
        let timeout = options.attempt_timeout;
        let private_hosts = options.private_hosts;
        sends.spawn(async move {
            let attempt = send(&client, &delivery, timeout, private_hosts).await;
            (delivery, attempt)
        });
    }
    while let Some(sent) = sends.join_next().await {
        let Ok((delivery, attempt)) = sent else {
            continue;
        };
        let after = after_attempt(&attempt, delivery.attempt_count, &options.retry_schedule);
        if let AfterAttempt::Failed = after {
            tracing::warn!(message_id = %delivery.message_id, "webhook delivery failed for good");
        }
        store
            .record_webhook_attempt(delivery.id, &attempt, after)
            .await?;
    }
    Ok(dispatched > 0 || claimed > 0)
}

/// What follows an attempt, the `earlier`-th having been the last before it.
fn after_attempt(attempt: &WebhookAttempt, earlier: i32, schedule: &[Duration]) -> AfterAttempt {
    if attempt.succeeded() {
        return AfterAttempt::Delivered;
    }
    let failed = u32::try_from(earlier).unwrap_or(0).saturating_add(1);
    let next = retry_delay(failed, schedule).and_then(|d| chrono::Duration::from_std(d).ok());
    match next {
        Some(delay) => AfterAttempt::RetryAt(attempt.attempted_at + delay),
        None => AfterAttempt::Failed,
    }
}

/// Why a URL written with an IP address may not be connected to (the resolver checks names).
fn refused_address(url: &str, private_hosts: bool) -> Option<String> {
    let url = reqwest::Url::parse(url).ok()?;
    let host = url.host_str()?;
    let ip: IpAddr = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()?;
    (!private_hosts && !is_public(ip)).then(|| format!("{ip} is not a public address"))
}

/// POSTs one delivery with its Standard Webhooks headers.
async fn send(
    client: &reqwest::Client,
    delivery: &DueDelivery,
    timeout: Duration,
    private_hosts: bool,
) -> WebhookAttempt {
    let attempted_at = Utc::now();
    let started = std::time::Instant::now();
    let timestamp = attempted_at.timestamp();
    let signed = sign(
        &delivery.secret,
        &delivery.message_id,
        timestamp,
        &delivery.payload,
    );
    let outcome = match (refused_address(&delivery.url, private_hosts), signed) {
        (Some(refused), _) => Err(refused),
        (None, Err(error)) => Err(error.to_string()),
        (None, Ok(signature)) => client
            .post(&delivery.url)
            .timeout(timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &delivery.message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(delivery.payload.clone())
            .send()
            .await
            .map(|response| i32::from(response.status().as_u16()))
            .map_err(|error| describe(&error)),
    };
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let (status_code, error) = match outcome {
        Ok(status) => (Some(status), None),
        Err(error) => (None, Some(error)),
    };
    WebhookAttempt {
        attempted_at,
        status_code,
        error,
        duration_ms,
    }
}

/// A failed request in a few words and its causes, without the URL (the partner knows it).
fn describe(error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut text = what.to_owned();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(MAX_ERROR_CHARS).collect()
}

fn http_client(options: &WebhookOptions) -> reqwest::Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .user_agent(concat!("Panorama-Webhooks/", env!("CARGO_PKG_VERSION")))
        // A redirect is an answer that is not 2xx, so a failed attempt, never followed.
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(options.attempt_timeout);
    if options.private_hosts {
        builder.build()
    } else {
        builder.dns_resolver(Arc::new(PublicOnly)).build()
    }
}

/// Resolves host names to their public addresses only, so that an endpoint's name cannot
/// lead the server to its own network (loopback, private ranges, link-local, cloud metadata).
/// Endpoints written as IP addresses are refused at registration.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                // Shared address space (carrier-grade NAT), 100.64.0.0/10.
                || (a == 100 && (64..128).contains(&b))
                // Benchmarking, 198.18.0.0/15.
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // Unique local, fc00::/7, and link-local, fe80::/10.
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_connected_to() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            let ip: IpAddr = private.parse().expect("address");
            assert!(!is_public(ip), "{private}");
        }
        for public in ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"] {
            let ip: IpAddr = public.parse().expect("address");
            assert!(is_public(ip), "{public}");
        }
    }

    #[test]
    fn failures_follow_the_schedule_then_give_up() {
        let schedule = [Duration::from_secs(5), Duration::from_secs(300)];
        let attempt = |status: Option<i32>| WebhookAttempt {
            attempted_at: Utc::now(),
            status_code: status,
            error: None,
            duration_ms: 3,
        };
        let failed = attempt(Some(500));
        let at = failed.attempted_at;
        assert_eq!(
            after_attempt(&failed, 0, &schedule),
            AfterAttempt::RetryAt(at + chrono::Duration::seconds(5))
        );
        assert_eq!(
            after_attempt(&failed, 1, &schedule),
            AfterAttempt::RetryAt(at + chrono::Duration::seconds(300))
        );
        assert_eq!(after_attempt(&failed, 2, &schedule), AfterAttempt::Failed);
        assert_eq!(
            after_attempt(&attempt(None), 2, &schedule),
            AfterAttempt::Failed
        );
        assert_eq!(
            after_attempt(&attempt(Some(204)), 5, &schedule),
            AfterAttempt::Delivered
        );
    }
}
