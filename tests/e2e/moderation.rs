//! The review workflow over HTTP: a submission waits as PENDING, a moderator sends it back,
//! its author resubmits, a moderator approves it; readers report it and a moderator rejects
//! it; every step is in its history, and a moderator reverts a change.

use panorama_domain::policy::PartnerKind;
use panorama_tests::{TestApp, backends, error_code};
use serde_json::{Value, json};

const CREATE: &str = r#"mutation($input: CreateOrganisationInput!) {
    createOrganisation(input: $input) { record { id status version } userErrors { field code } } }"#;
const UPDATE: &str = r#"mutation($input: UpdateOrganisationInput!) {
    updateOrganisation(input: $input) { record { status version name } userErrors { field code } } }"#;
const LOOKUP: &str =
    r#"query($id: ID!) { node(id: $id) { ... on Organisation { name status version } } }"#;
const QUEUE: &str = r#"query($filter: ModerationQueueFilter) {
    moderationQueue(first: 50, filter: $filter) {
        edges { node { kind recordType recordId report { reason comment } record { id } } } } }"#;
const HISTORY: &str = r#"query($id: ID!) { node(id: $id) { ... on Organisation {
    history(first: 10) { edges { node { version action actor comment changes { field before after } } } } } } }"#;

fn queue_ids(data: &Value, kind: &str) -> Vec<String> {
    data["moderationQueue"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["kind"] == kind)
        .map(|e| e["node"]["recordId"].as_str().unwrap().to_owned())
        .collect()
}

fn actions(data: &Value) -> Vec<String> {
    data["node"]["history"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submissions_are_reviewed_reported_and_recorded() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let partner = app
            .partner(
                PartnerKind::SupportOrganisation,
                "ecosystem:read ecosystem:write",
                None,
                false,
            )
            .await;
        let author = app.partner_token(&partner).await;
        let moderator = app.user_token(&["moderator"], &[]);
        let member = app.user_token(&["member"], &[]);
        let moderate = |query: &'static str, variables: Value| {
            let moderator = moderator.clone();
            let app = &app;
            async move { app.data_as(Some(&moderator), query, variables).await }
        };

        // Two submissions wait as PENDING, oldest first in the queue, hidden from the public.
        let mut ids = Vec::new();
        for name in ["First Submission", "Second Submission"] {
            let data = app
                .data_as(
                    Some(&author),
                    CREATE,
                    json!({ "input": { "name": name, "country": "PT" } }),
                )
                .await;
            assert_eq!(data["createOrganisation"]["record"]["status"], "PENDING");
            ids.push(
                data["createOrganisation"]["record"]["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        let id = ids[0].clone();
        assert!(app.data(LOOKUP, json!({ "id": id })).await["node"].is_null());
        let queue = moderate(
            QUEUE,
            json!({ "filter": { "recordTypes": ["ORGANISATION"] } }),
        )
        .await;
        assert_eq!(queue_ids(&queue, "PENDING_RECORD"), ids);
        assert_eq!(
            queue["moderationQueue"]["edges"][0]["node"]["record"]["id"],
            id.as_str()
        );
        let (_, refused) = app.graphql_as(Some(&author), QUEUE, json!({})).await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"));

        // Sent back with a comment; the author's update submits it again.
        let blank = r#"mutation($id: ID!) { requestChanges(input: { id: $id, comment: "  " }) { record { status } userErrors { field code } } }"#;
        let data = moderate(blank, json!({ "id": id })).await;
        assert_eq!(data["requestChanges"]["userErrors"][0]["code"], "REQUIRED");
        let send_back = r#"mutation($id: ID!) { requestChanges(input: { id: $id, comment: "Add a website, please" }) { record { status version } userErrors { code } } }"#;
        let data = moderate(send_back, json!({ "id": id })).await;
        assert_eq!(data["requestChanges"]["record"]["status"], "DRAFT");
        let data = app
            .data_as(
                Some(&author),
                UPDATE,
                json!({ "input": { "id": id, "website": "https://first.example.org" } }),
            )
            .await;
        assert_eq!(data["updateOrganisation"]["record"]["status"], "PENDING");

        // Approved: published, out of the queue, visible to all.
        let approve = r#"mutation($id: ID!) { approve(input: { id: $id }) { record { status version } userErrors { code } } }"#;
        let data = moderate(approve, json!({ "id": id })).await;
        assert_eq!(data["approve"]["record"]["status"], "PUBLISHED");
        assert_eq!(
            app.data(LOOKUP, json!({ "id": id })).await["node"]["status"],
            "PUBLISHED"
        );
        let queue = moderate(QUEUE, json!({})).await;
        assert_eq!(queue_ids(&queue, "PENDING_RECORD"), [ids[1].clone()]);
        let (_, denied) = app
            .graphql_as(Some(&author), approve, json!({ "id": ids[1] }))
            .await;
        assert_eq!(error_code(&denied), Some("FORBIDDEN"));

        // The history says who did what, with the moderator's comment; the public sees no actor.
        let history = app
            .data_as(Some(&author), HISTORY, json!({ "id": id }))
            .await;
        assert_eq!(
            actions(&history),
            ["APPROVE", "UPDATE", "REQUEST_CHANGES", "CREATE"]
        );
        let edges = &history["node"]["history"]["edges"];
        let by_action = |action: &str| {
            edges
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["node"]["action"] == action)
                .unwrap()["node"]
                .clone()
        };
        assert_eq!(
            by_action("REQUEST_CHANGES")["comment"],
            "Add a website, please"
        );
        let update = by_action("UPDATE");
        assert_eq!(update["actor"], partner.client_id.as_str());
        assert!(
            update["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["field"] == "website"
                    && c["before"].is_null()
                    && c["after"] == "https://first.example.org")
        );
        let public = app.data(HISTORY, json!({ "id": id })).await;
        assert!(public["node"]["history"]["edges"][0]["node"]["actor"].is_null());

        // A reader reports it; the report waits in the queue; a rejection takes it down.
        let report = r#"mutation($id: ID!) { report(input: { id: $id, reason: SPAM, comment: "advertising" }) { reported userErrors { code } } }"#;
        let anonymous = app.graphql(report, json!({ "id": id })).await;
        assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"));
        let data = app
            .data_as(Some(&member), report, json!({ "id": id }))
            .await;
        assert_eq!(data["report"]["reported"], true);
        let queue = moderate(QUEUE, json!({ "filter": { "kinds": ["REPORT"] } })).await;
        assert_eq!(queue_ids(&queue, "REPORT"), std::slice::from_ref(&id));
        assert_eq!(
            queue["moderationQueue"]["edges"][0]["node"]["report"]["reason"],
            "SPAM"
        );
        let reject = r#"mutation($id: ID!) { reject(input: { id: $id, reason: "Advertising, not an organisation" }) { record { status } userErrors { code } } }"#;
        let data = moderate(reject, json!({ "id": id })).await;
        assert_eq!(data["reject"]["record"]["status"], "REJECTED");
        assert!(app.data(LOOKUP, json!({ "id": id })).await["node"].is_null());
        let queue = moderate(QUEUE, json!({ "filter": { "kinds": ["REPORT"] } })).await;
        assert!(
            queue_ids(&queue, "REPORT").is_empty(),
            "the report is resolved"
        );

        // A moderator's change, then a revert to the version before it.
        let data = app
            .data_as(
                Some(&moderator),
                UPDATE,
                json!({ "input": { "id": ids[1], "name": "Renamed Wrongly" } }),
            )
            .await;
        let renamed_version = data["updateOrganisation"]["record"]["version"]
            .as_i64()
            .unwrap();
        let revert = r#"mutation($id: ID!, $v: Int!) { revert(input: { id: $id, version: $v }) { record { version } userErrors { field code } } }"#;
        let data = moderate(revert, json!({ "id": ids[1], "v": renamed_version - 1 })).await;
        assert_eq!(data["revert"]["record"]["version"], renamed_version + 1);
        let lookup = app
            .data_as(Some(&moderator), LOOKUP, json!({ "id": ids[1] }))
            .await;
        assert_eq!(lookup["node"]["name"], "Second Submission");
        let history = app
            .data_as(Some(&moderator), HISTORY, json!({ "id": ids[1] }))
            .await;
        assert_eq!(actions(&history)[0], "REVERT");
        let data = moderate(revert, json!({ "id": ids[1], "v": 99 })).await;
        assert_eq!(data["revert"]["userErrors"][0]["code"], "OUT_OF_RANGE");
        app.stop().await;
    }
}
