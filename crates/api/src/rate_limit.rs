//! Rate limits in query-cost points: each caller has a budget per window (a partner, a person,
//! or for anonymous callers their IP address), and each query spends its cost (see
//! [`crate::cost`]) before it runs. A query the budget cannot pay for is refused with
//! `RATE_LIMITED` (HTTP 429, `Retry-After`); every answer says what is left in `RateLimit-*`
//! headers.
//!
//! Windows are fixed (they start on multiples of their length): simple to share across
//! replicas, at the price of allowing up to two budgets across a window's edge. The count lives
//! in this process by default, or in Redis when `PANORAMA_REDIS_URL` is set, so that every
//! replica spends from the same budget. If Redis cannot be reached, queries are let through
//! (and logged): a rate limiter must not take the API down with it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use panorama_domain::policy::Actor;

/// Budgets per window, in cost points. Settings: `PANORAMA_RATE_LIMITS__…`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct RateLimitOptions {
    /// Off: no budgets, no headers.
    pub enabled: bool,
    pub window_secs: u64,
    /// Per IP address, for callers without a token.
    pub anonymous_points: u64,
    /// Per person (token subject).
    pub user_points: u64,
    /// Per partner, shared by all its API clients.
    pub partner_points: u64,
    /// Behind a reverse proxy: take an anonymous caller's address from `X-Forwarded-For`.
    pub trust_forwarded_for: bool,
}

impl Default for RateLimitOptions {
    fn default() -> Self {
        Self {
            enabled: true,
            window_secs: 60,
            // At least the largest query allowed (100,000 objects) several times over, so that
            // every accepted query can run; a directory page costs about a thousand.
            anonymous_points: 1_000_000,
            user_points: 2_000_000,
            partner_points: 10_000_000,
            trust_forwarded_for: false,
        }
    }
}

/// Whose budget a request spends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Bucket {
    Partner(uuid::Uuid),
    User(String),
    Ip(IpAddr),
}

impl Bucket {
    pub fn of(actor: &Actor, ip: Option<IpAddr>) -> Option<Self> {
        match actor {
            Actor::Caller(caller) => Some(match &caller.partner {
                Some(partner) => Self::Partner(partner.id),
                None => Self::User(caller.subject.clone()),
            }),
            Actor::Anonymous => ip.map(Self::Ip),
            Actor::System => None,
        }
    }

    /// `partner`, `user` or `ip`: the label of the refusals metric.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Partner(_) => "partner",
            Self::User(_) => "user",
            Self::Ip(_) => "ip",
        }
    }

    fn key(&self) -> String {
        match self {
            Self::Partner(id) => format!("partner:{id}"),
            Self::User(subject) => format!("user:{subject}"),
            Self::Ip(ip) => format!("ip:{ip}"),
        }
    }

    fn budget(&self, options: &RateLimitOptions) -> u64 {
        match self {
            Self::Partner(_) => options.partner_points,
            Self::User(_) => options.user_points,
            Self::Ip(_) => options.anonymous_points,
        }
    }
}

/// What a charge did: whether the query may run, and the budget after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charge {
    pub allowed: bool,
    pub limit: u64,
    pub remaining: u64,
    /// Seconds until the window ends and the budget is whole again.
    pub reset_secs: u64,
}

/// The budgets of all callers, here or in Redis.
#[derive(Clone)]
pub struct RateLimiter {
    options: RateLimitOptions,
    counts: Counts,
}

#[derive(Clone)]
enum Counts {
    Local(Arc<Mutex<HashMap<String, (u64, u64)>>>),
    Redis(redis::aio::ConnectionManager),
}

/// Spends `ARGV[1]` points of a window whose budget is `ARGV[2]`, unless that would overspend;
/// the key expires with its window (`ARGV[3]` seconds). Returns {allowed, used}.
const SPEND: &str = r"
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local cost = tonumber(ARGV[1])
if used + cost > tonumber(ARGV[2]) then return {0, used} end
used = redis.call('INCRBY', KEYS[1], cost)
if used == cost then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3])) end
return {1, used}
";

impl RateLimiter {
    /// Budgets counted in this process.
    pub fn local(options: RateLimitOptions) -> Self {
        Self {
            options,
            counts: Counts::Local(Arc::default()),
        }
    }

    /// Budgets shared through the Redis server at `url`.
    pub async fn redis(options: RateLimitOptions, url: &str) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let manager = redis::aio::ConnectionManager::new(client).await?;
        Ok(Self {
            options,
            counts: Counts::Redis(manager),
        })
    }

    pub fn enabled(&self) -> bool {
        self.options.enabled
    }

    /// Spends `cost` points of `bucket`'s budget if it has them.
    pub async fn charge(&self, bucket: &Bucket, cost: u64) -> Charge {
        let window = self.options.window_secs.max(1);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs();
        let index = now / window;
        let reset_secs = window - now % window;
        let limit = bucket.budget(&self.options);
        let (allowed, used) = match &self.counts {
            Counts::Local(counts) => spend_here(counts, &bucket.key(), index, cost, limit),
            Counts::Redis(manager) => {
                // Keyed by the window's length too: settings that differ count apart.
                let key = format!("panorama:rate:{window}:{}:{index}", bucket.key());
                match spend_in_redis(manager.clone(), &key, cost, limit, window).await {
                    Ok(spent) => spent,
                    Err(error) => {
                        tracing::warn!(%error, "rate limits: Redis cannot be reached; letting the query through");
                        (true, cost)
                    }
                }
            }
        };
        Charge {
            allowed,
            limit,
            remaining: limit.saturating_sub(used),
            reset_secs,
        }
    }
}

fn spend_here(
    counts: &Mutex<HashMap<String, (u64, u64)>>,
    key: &str,
    window: u64,
    cost: u64,
    limit: u64,
) -> (bool, u64) {
    let mut counts = counts
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Callers of past windows are forgotten now and then, so the map stays small.
    if counts.len() > 10_000 {
        counts.retain(|_, (w, _)| *w == window);
    }
    let entry = counts.entry(key.to_owned()).or_insert((window, 0));
    if entry.0 != window {
        *entry = (window, 0);
    }
    if entry.1.saturating_add(cost) > limit {
        return (false, entry.1);
    }
    entry.1 += cost;
    (true, entry.1)
}

async fn spend_in_redis(
    mut manager: redis::aio::ConnectionManager,
    key: &str,
    cost: u64,
    limit: u64,
    window: u64,
) -> Result<(bool, u64), redis::RedisError> {
    let (allowed, used): (u8, u64) = redis::Script::new(SPEND)
        .key(key)
        .arg(cost)
        .arg(limit)
        .arg(window)
        .invoke_async(&mut manager)
        .await?;
    Ok((allowed == 1, used))
}

/// One request's part in the rate limits: whose budget, and (once the query is measured) the
/// charge. The router puts it in the request's data; the limits extension charges it.
pub struct RateSlot {
    pub limiter: RateLimiter,
    pub bucket: Bucket,
    charge: Mutex<Option<Charge>>,
}

impl RateSlot {
    pub fn new(limiter: RateLimiter, bucket: Bucket) -> Self {
        Self {
            limiter,
            bucket,
            charge: Mutex::new(None),
        }
    }

    pub fn record(&self, charge: Charge) {
        *self
            .charge
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(charge);
    }

    pub fn charge(&self) -> Option<Charge> {
        *self
            .charge
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_budget_is_spent_then_refused_until_the_window_ends() {
        let limiter = RateLimiter::local(RateLimitOptions {
            anonymous_points: 100,
            window_secs: 3600,
            ..RateLimitOptions::default()
        });
        let ip = Bucket::Ip("192.0.2.1".parse().expect("ip"));
        let other = Bucket::Ip("192.0.2.2".parse().expect("ip"));
        let first = limiter.charge(&ip, 60).await;
        assert!(first.allowed);
        assert_eq!((first.limit, first.remaining), (100, 40));
        // Too dear for what is left: refused, and nothing spent.
        let refused = limiter.charge(&ip, 50).await;
        assert!(!refused.allowed);
        assert_eq!(refused.remaining, 40);
        assert!(limiter.charge(&ip, 40).await.allowed);
        assert!(limiter.charge(&other, 100).await.allowed);
        assert!(refused.reset_secs <= 3600);
    }
}
