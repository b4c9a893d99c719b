//! Webhooks end to end: a partner registers an endpoint, a real receiver on loopback fails the
//! first attempts, and every event still arrives, signed (checked here with an HMAC computed
//! independently of the server's code), with the same id on every retry; the deliveries and
//! their attempts are listed; and the queue survives a restart of the server.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use panorama_domain::policy::PartnerKind;
use panorama_server::webhooks::WebhookOptions;
use panorama_tests::{TestApp, TestPartner, backends, global_id, user_errors};
use serde_json::{Value, json};
use sha2::Sha256;

/// One request the receiver got, and what it answered.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
    answered: u16,
}

/// An HTTP receiver on 127.0.0.1 that answers 500 to the first `failures` requests of each
/// message (and to every request while it is not `healthy`), 200 afterwards.
#[derive(Clone)]
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
    failures: usize,
    healthy: Arc<AtomicBool>,
}

impl Receiver {
    async fn start(failures: usize, healthy: bool) -> (Self, String, tokio::task::JoinHandle<()>) {
        let receiver = Self {
            received: Arc::default(),
            failures,
            healthy: Arc::new(AtomicBool::new(healthy)),
        };
        let app = axum::Router::new()
            .route("/hooks/panorama", axum::routing::post(hook))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/panorama", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        (receiver, url, task)
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The requests of each message id, in the order they came.
    fn by_message(&self) -> BTreeMap<String, Vec<Received>> {
        let mut messages: BTreeMap<String, Vec<Received>> = BTreeMap::new();
        for request in self.received() {
            messages
                .entry(request.id.clone())
                .or_default()
                .push(request);
        }
        messages
    }

    /// Waits (up to a minute) until `count` messages have been answered 200.
    async fn wait_for_delivered(&self, count: usize) -> BTreeMap<String, Vec<Received>> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let messages = self.by_message();
            let delivered = messages
                .values()
                .filter(|requests| requests.iter().any(|r| r.answered == 200))
                .count();
            if delivered >= count {
                return messages;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {delivered} of {count} messages delivered: {messages:#?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn hook(State(receiver): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let id = header("webhook-id");
    let mut received = receiver.received.lock().unwrap();
    let earlier = received.iter().filter(|r| r.id == id).count();
    let ok = receiver.healthy.load(Ordering::SeqCst) && earlier >= receiver.failures;
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    received.push(Received {
        id,
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body,
        answered: status.as_u16(),
    });
    status
}

/// Verifies a request as a receiver would, from the Standard Webhooks specification alone:
/// HMAC-SHA256 keyed with the base64-decoded secret over `id.timestamp.body`, base64, `v1,`.
fn verify(secret: &str, request: &Received) {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64 secret");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    let signed = format!("{}.{}.{}", request.id, request.timestamp, request.body);
    mac.update(signed.as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    let signatures: Vec<&str> = request.signature.split(' ').collect();
    assert!(
        signatures.contains(&expected.as_str()),
        "bad signature on {request:?}"
    );
    let sent: i64 = request.timestamp.parse().expect("timestamp in seconds");
    let age = chrono::Utc::now().timestamp() - sent;
    assert!((0..300).contains(&age), "timestamp {age} s old");
}

/// Short retries, so that failing attempts pass quickly.
fn fast() -> WebhookOptions {
    WebhookOptions {
        poll_interval: Duration::from_millis(100),
        retry_schedule: vec![Duration::from_secs(1); 30],
        attempt_timeout: Duration::from_secs(2),
        ..WebhookOptions::default()
    }
}

const REGISTER: &str = r#"mutation($input: RegisterWebhookInput!) {
    registerWebhook(input: $input) {
        endpoint { id url eventTypes active }
        secret
        userErrors { field message code } } }"#;

const DELIVERIES: &str = r#"query($id: ID!, $after: String) {
    webhookDeliveries(endpointId: $id, first: 2, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node {
            messageId eventType payload status attemptCount deliveredAt
            attempts { attemptedAt statusCode error durationMs } } } } }"#;

async fn trusted_partner(app: &TestApp) -> (TestPartner, String) {
    let partner = app
        .partner(
            PartnerKind::Funder,
            "ecosystem:read ecosystem:write",
            None,
            true,
        )
        .await;
    let token = app.partner_token(&partner).await;
    (partner, token)
}

/// Registers an endpoint for `url`; returns its id and secret.
async fn register(app: &TestApp, token: &str, url: &str, event_types: &[&str]) -> (String, String) {
    let input = json!({ "url": url, "eventTypes": event_types });
    let data = app
        .data_as(Some(token), REGISTER, json!({ "input": input }))
        .await;
    let payload = &data["registerWebhook"];
    assert_eq!(user_errors(payload), [], "{payload}");
    assert_eq!(payload["endpoint"]["active"], true);
    (
        payload["endpoint"]["id"].as_str().unwrap().to_owned(),
        payload["secret"].as_str().unwrap().to_owned(),
    )
}

/// Every delivery of an endpoint, following the pages.
async fn deliveries(app: &TestApp, token: &str, endpoint: &str) -> (i64, Vec<Value>) {
    let mut after = Value::Null;
    let mut all = Vec::new();
    loop {
        let data = app
            .data_as(
                Some(token),
                DELIVERIES,
                json!({ "id": endpoint, "after": after }),
            )
            .await;
        let page = &data["webhookDeliveries"];
        all.extend(
            page["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"].clone()),
        );
        if page["pageInfo"]["hasNextPage"] != true {
            return (page["totalCount"].as_i64().unwrap(), all);
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

/// Waits until the server has recorded every outcome (a receiver answers before the server
/// writes down what it answered).
async fn wait_for_empty_queue(app: &TestApp) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while app.store().webhook_backlog().await.unwrap() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "deliveries stay pending"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the change feed shows `count` events.
async fn wait_for_feed(app: &TestApp, count: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let data = app
            .data("{ changes(first: 100) { edges { cursor } } }", json!({}))
            .await;
        if data["changes"]["edges"].as_array().unwrap().len() >= count {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the feed stays short"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn create_organisation(app: &TestApp, token: &str, name: &str) -> String {
    let data = app
        .data_as(
            Some(token),
            r#"mutation($name: String!) { createOrganisation(input: { name: $name, country: "SE" }) { record { id status } userErrors { code } } }"#,
            json!({ "name": name }),
        )
        .await;
    let record = &data["createOrganisation"]["record"];
    assert_eq!(record["status"], "PUBLISHED", "{data}");
    record["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_arrives_signed_despite_failing_attempts() {
    for backend in backends() {
        let app = TestApp::with_webhooks(&backend, fast()).await;
        let (receiver, url, server) = Receiver::start(2, true).await;
        let (partner, token) = trusted_partner(&app).await;
        let (_, other_token) = trusted_partner(&app).await;

        // Bad input registers nothing.
        let bad = app
            .data_as(
                Some(&token),
                REGISTER,
                json!({ "input": { "url": "ftp://127.0.0.1/x", "eventTypes": ["organisation.upsert", "organisation.created"] } }),
            )
            .await;
        assert_eq!(
            user_errors(&bad["registerWebhook"]),
            [
                ("input.url".to_owned(), "INVALID_URL".to_owned()),
                ("input.eventTypes.1".to_owned(), "UNKNOWN_CODE".to_owned()),
            ]
        );
        assert_eq!(bad["registerWebhook"]["secret"], Value::Null);

        // Changes made before the endpoint exists are not sent to it. (It starts where a feed
        // reader would be now: on PostgreSQL, wait until the change shows in the feed.)
        create_organisation(&app, &token, "Before Hooks").await;
        wait_for_feed(&app, 1).await;
        let (endpoint, secret) = register(
            &app,
            &token,
            &url,
            &["organisation.upsert", "organisation.delete"],
        )
        .await;
        assert!(secret.starts_with("whsec_"));
        let endpoints = app
            .data_as(
                Some(&token),
                "{ webhookEndpoints { id partnerId eventTypes } }",
                json!({}),
            )
            .await;
        assert_eq!(endpoints["webhookEndpoints"][0]["id"], endpoint.as_str());
        assert_eq!(
            endpoints["webhookEndpoints"][0]["partnerId"],
            global_id("Partner", partner.id)
        );

        // Create, update, archive an organisation; a project is not subscribed to.
        let organisation = create_organisation(&app, &token, "Hooked Makers").await;
        app.data_as(
            Some(&token),
            r#"mutation($id: ID!) { updateOrganisation(input: { id: $id, shortDescription: "Now with hooks" }) { record { version } } }"#,
            json!({ "id": organisation }),
        )
        .await;
        app.data_as(
            Some(&token),
            r#"mutation($id: ID!) { archiveOrganisation(input: { id: $id }) { record { status } } }"#,
            json!({ "id": organisation }),
        )
        .await;
        app.data_as(
            Some(&token),
            r#"mutation { createProject(input: { title: "Unhooked project", country: "SE" }) { record { status } } }"#,
            json!({}),
        )
        .await;

        let messages = receiver.wait_for_delivered(3).await;
        let mut events = Vec::new();
        for (id, requests) in &messages {
            assert!(id.starts_with("msg_"), "{id}");
            // Two failures, then the success; the same body every time.
            let answers: Vec<u16> = requests.iter().map(|r| r.answered).collect();
            assert_eq!(answers, [500, 500, 200], "[{backend:?}] {id}");
            for request in requests {
                verify(&secret, request);
                assert_eq!(request.body, requests[0].body);
            }
            let body: Value = serde_json::from_str(&requests[0].body).unwrap();
            let data = &body["data"];
            assert_eq!(data["id"], organisation.as_str(), "{body}");
            assert_eq!(data["recordType"], "ORGANISATION");
            assert!(data["cursor"].is_string());
            assert_eq!(body["timestamp"], data["changedAt"]);
            events.push((
                data["version"].as_i64().unwrap(),
                body["type"].as_str().unwrap().to_owned(),
                data["operation"].as_str().unwrap().to_owned(),
            ));
        }
        events.sort();
        assert_eq!(
            events,
            [
                (1, "organisation.upsert".to_owned(), "UPSERT".to_owned()),
                (2, "organisation.upsert".to_owned(), "UPSERT".to_owned()),
                (3, "organisation.delete".to_owned(), "DELETE".to_owned()),
            ],
            "[{backend:?}]"
        );

        // The partner sees each delivery with its three attempts, page by page.
        wait_for_empty_queue(&app).await;
        let (total, listed) = deliveries(&app, &token, &endpoint).await;
        assert_eq!(total, 3);
        assert_eq!(listed.len(), 3);
        for delivery in &listed {
            let id = delivery["messageId"].as_str().unwrap();
            assert!(messages.contains_key(id), "{delivery}");
            assert_eq!(delivery["status"], "DELIVERED");
            assert_eq!(delivery["attemptCount"], 3);
            assert_eq!(
                delivery["payload"].as_str(),
                Some(messages[id][0].body.as_str())
            );
            let codes: Vec<&Value> = delivery["attempts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| &a["statusCode"])
                .collect();
            assert_eq!(codes, [&json!(500), &json!(500), &json!(200)]);
        }

        // Another partner sees neither the endpoint nor its deliveries.
        let theirs = app
            .data_as(Some(&other_token), "{ webhookEndpoints { id } }", json!({}))
            .await;
        assert_eq!(theirs["webhookEndpoints"], json!([]));
        let hidden = app
            .data_as(Some(&other_token), DELIVERIES, json!({ "id": endpoint }))
            .await;
        assert_eq!(hidden["webhookDeliveries"], Value::Null);
        let refused = app
            .data_as(
                Some(&other_token),
                "mutation($id: ID!) { disableWebhook(input: { id: $id }) { endpoint { id } userErrors { code } } }",
                json!({ "id": endpoint }),
            )
            .await;
        assert_eq!(
            refused["disableWebhook"]["userErrors"][0]["code"],
            "NOT_FOUND"
        );

        // Disabled by its partner, it stays listed, inactive.
        let disabled = app
            .data_as(
                Some(&token),
                "mutation($id: ID!) { disableWebhook(input: { id: $id }) { endpoint { active disabledAt } userErrors { code } } }",
                json!({ "id": endpoint }),
            )
            .await;
        assert_eq!(disabled["disableWebhook"]["endpoint"]["active"], false);
        assert!(disabled["disableWebhook"]["endpoint"]["disabledAt"].is_string());

        server.abort();
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_survives_a_restart() {
    for backend in backends() {
        let app = TestApp::with_webhooks(&backend, fast()).await;
        let (receiver, url, server) = Receiver::start(0, false).await;
        let (_, token) = trusted_partner(&app).await;
        let (endpoint, secret) = register(&app, &token, &url, &["organisation.upsert"]).await;
        create_organisation(&app, &token, "Restarted Makers").await;

        // The receiver is down: the delivery waits for its next attempt when the server stops.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while receiver.received().is_empty() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "[{backend:?}] no attempt"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let app = app.restart().await;
        assert_eq!(app.store().webhook_backlog().await.unwrap(), 1);

        // The new server sends it once the receiver is back, and sends what changes next.
        receiver.healthy.store(true, Ordering::SeqCst);
        create_organisation(&app, &token, "After The Restart").await;
        let messages = receiver.wait_for_delivered(2).await;
        assert_eq!(messages.len(), 2, "[{backend:?}] {messages:#?}");
        let first = messages
            .values()
            .find(|requests| requests[0].answered == 500)
            .expect("the message that failed before the restart");
        assert_eq!(first.last().map(|r| r.answered), Some(200));
        for request in messages.values().flatten() {
            verify(&secret, request);
        }
        wait_for_empty_queue(&app).await;
        let (total, listed) = deliveries(&app, &token, &endpoint).await;
        assert_eq!(total, 2);
        assert!(
            listed.iter().all(|d| d["status"] == "DELIVERED"),
            "{listed:#?}"
        );

        server.abort();
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_on_one_database_send_each_event_once() {
    for backend in backends() {
        let app = TestApp::with_webhooks(&backend, fast()).await;
        // A second worker on its own connections, as another replica would run it.
        let replica = panorama_persistence::Store::connect(&app.database_url)
            .await
            .unwrap();
        let options = WebhookOptions {
            private_hosts: true,
            ..fast()
        };
        let mut worker = panorama_server::shutdown::Workers::new();
        let (store, metrics) = (replica.clone(), app.metrics().clone());
        worker.spawn("replica webhooks", move |stop| {
            panorama_server::webhooks::run(store, options, Duration::from_secs(3600), metrics, stop)
        });
        let (receiver, url, server) = Receiver::start(0, true).await;
        let (_, token) = trusted_partner(&app).await;
        register(&app, &token, &url, &["organisation.upsert"]).await;

        let records: Vec<Value> = (0..20)
            .map(|i| json!({ "externalId": format!("crm-{i}"), "name": format!("Replicated {i}"), "country": "SE" }))
            .collect();
        app.data_as(
            Some(&token),
            "mutation($r: [OrganisationUpsertInput!]!) { upsertOrganisations(input: { records: $r }) { results { status } } }",
            json!({ "r": records }),
        )
        .await;
        receiver.wait_for_delivered(20).await;
        wait_for_empty_queue(&app).await;
        worker.stop(Duration::from_secs(5)).await;
        replica.close().await.unwrap();
        app.stop().await;
        server.abort();

        let messages = receiver.by_message();
        assert_eq!(messages.len(), 20, "[{backend:?}]");
        let repeated: Vec<_> = messages.iter().filter(|(_, r)| r.len() > 1).collect();
        assert!(
            repeated.is_empty(),
            "[{backend:?}] sent twice: {repeated:#?}"
        );
    }
}

/// Suspends or activates a partner, as an admin.
async fn set_status(app: &TestApp, mutation: &str, partner: &TestPartner) {
    let admin = app.user_token(&["admin"], &[]);
    let query = format!(
        "mutation($id: ID!) {{ {mutation}(input: {{ partnerId: $id }}) {{ partner {{ status }} }} }}"
    );
    let variables = json!({ "id": global_id("Partner", partner.id) });
    app.data_as(Some(&admin), &query, variables).await;
}

/// Runs the dispatcher once the feed shows `events`, so that it has seen them all (whether
/// this run or the worker's took them); returns how many deliveries wait.
async fn backlog_after(app: &TestApp, events: usize) -> i64 {
    wait_for_feed(app, events).await;
    app.store()
        .dispatch_webhooks(100, &panorama_api::describe_event)
        .await
        .unwrap();
    app.store().webhook_backlog().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_queued_for_a_suspended_partner() {
    for backend in backends() {
        let app = TestApp::with_webhooks(&backend, fast()).await;
        let (partner, token) = trusted_partner(&app).await;
        let (_, writer) = trusted_partner(&app).await;
        // Nothing listens there: whatever is queued stays pending.
        register(
            &app,
            &token,
            "http://127.0.0.1:9/",
            &["organisation.upsert"],
        )
        .await;

        set_status(&app, "suspendPartner", &partner).await;
        create_organisation(&app, &writer, "While Suspended").await;
        assert_eq!(backlog_after(&app, 1).await, 0, "[{backend:?}]");
        set_status(&app, "activatePartner", &partner).await;
        create_organisation(&app, &writer, "Once Active Again").await;
        assert_eq!(backlog_after(&app, 2).await, 1, "[{backend:?}]");
        app.stop().await;
    }
}
