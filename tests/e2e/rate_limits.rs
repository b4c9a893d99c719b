//! Rate limits: each caller spends query-cost points from a budget per window; a query the
//! budget cannot pay for gets 429 with `Retry-After`, and every answer tells what is left. In
//! this process by default, and shared by replicas through Redis (`PANORAMA_TEST_REDIS_URL`).

use panorama_api::rate_limit::RateLimitOptions;
use panorama_domain::policy::PartnerKind;
use panorama_tests::{TestApp, backends};
use serde_json::{Value, json};

/// 1 connection + 10 organisations = 11 points.
const TEN: &str = "{ organisations(first: 10) { nodes { name } } }";

fn budgets() -> RateLimitOptions {
    RateLimitOptions {
        anonymous_points: 30,
        user_points: 1_000,
        partner_points: 50,
        window_secs: 3600,
        ..RateLimitOptions::default()
    }
}

/// Status, `RateLimit-Remaining`, `Retry-After` and body of a query sent with `token`.
async fn send(app: &TestApp, token: Option<&str>) -> (u16, Option<u64>, Option<u64>, Value) {
    let mut request = app
        .client()
        .post(app.url("/graphql"))
        .json(&json!({ "query": TEN }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().parse::<u64>().unwrap())
    };
    let (remaining, retry) = (header("ratelimit-remaining"), header("retry-after"));
    let status = response.status().as_u16();
    (status, remaining, retry, response.json().await.unwrap())
}

/// Spends the anonymous and a partner's budgets down to a refusal, and checks that another
/// caller's budget is untouched. `second` is another app over the same budgets (a replica,
/// for the anonymous caller both serve), or the same app.
async fn spend_to_refusal(app: &TestApp, second: &TestApp, window_secs: u64) {
    // Anonymous: 30 points pay for two queries of 11; the third is refused.
    let (status, remaining, _, body) = send(app, None).await;
    assert_eq!((status, remaining), (200, Some(19)), "{body}");
    assert_eq!(body["extensions"]["cost"]["requested"], 11);
    let (status, remaining, _, _) = send(second, None).await;
    assert_eq!((status, remaining), (200, Some(8)));
    let (status, remaining, retry, body) = send(app, None).await;
    assert_eq!((status, remaining), (429, Some(8)), "{body}");
    assert!(
        retry.is_some_and(|s| (1..=window_secs).contains(&s)),
        "{retry:?}"
    );
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    assert_eq!(body["errors"][0]["extensions"]["cost"], 11);
    assert!(body["data"].is_null());

    // A partner has its own budget, shared by its clients.
    let partner = app
        .partner(PartnerKind::Funder, "ecosystem:read", None, true)
        .await;
    let token = app.partner_token(&partner).await;
    for expected in [39, 28, 17, 6] {
        let (status, remaining, _, _) = send(app, Some(&token)).await;
        assert_eq!((status, remaining), (200, Some(expected)));
    }
    let (status, _, _, _) = send(app, Some(&token)).await;
    assert_eq!(status, 429);
    let refusals = app.get("/metrics").await.text().await.unwrap();
    assert!(
        refusals.contains("kind=\"partner\"") && refusals.contains("kind=\"ip\""),
        "{refusals}"
    );

    // A person is counted apart.
    let person = app.user_token(&["member"], &[]);
    let (status, remaining, _, _) = send(app, Some(&person)).await;
    assert_eq!((status, remaining), (200, Some(989)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn budgets_are_spent_in_cost_points_and_refused_with_429() {
    for backend in backends() {
        let mut options = TestApp::default_options();
        options.rate_limits = budgets();
        let app = TestApp::with_options(&backend, options).await;
        spend_to_refusal(&app, &app, 3600).await;
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_budgets_through_redis() {
    let Ok(redis_url) = std::env::var("PANORAMA_TEST_REDIS_URL") else {
        eprintln!(
            "skipped: set PANORAMA_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379) to test shared rate limits"
        );
        return;
    };
    let backend = backends().remove(0);
    // Anonymous callers here are all 127.0.0.1, in every run on this Redis: a window length
    // of this run's own (keys are per length) starts from whole budgets.
    let window_secs = 3600 + uuid::Uuid::now_v7().as_u128() % 100_000;
    let window_secs = u64::try_from(window_secs).unwrap();
    let mut options = TestApp::default_options();
    options.rate_limits = RateLimitOptions {
        window_secs,
        ..budgets()
    };
    options.redis_url = Some(redis_url.into());
    let first = TestApp::with_options(&backend, options.clone()).await;
    let second = TestApp::with_options(&backend, options).await;
    spend_to_refusal(&first, &second, window_secs).await;
    first.stop().await;
    second.stop().await;
}
