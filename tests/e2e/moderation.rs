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

const PROPOSE: &str = r#"mutation($input: UpdateOrganisationInput!) {
    updateOrganisation(input: $input) {
        record { shortDescription version }
        proposal { id status baseVersion changes { field before after } }
        userErrors { field code } } }"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proposed_changes_to_published_records_wait_for_review() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let moderator = &app.user_token(&["moderator"], &[]);
        let data = app
            .data_as(
                Some(moderator),
                CREATE,
                json!({ "input": { "name": "Harbour Lab", "country": "NL" } }),
            )
            .await;
        let id = data["createOrganisation"]["record"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let member = &app.user_token(&["member"], &["harbour-lab"]);
        let stranger = &app.user_token(&["member"], &[]);

        // A member's change to its published organisation is kept as a proposal.
        let data = app
            .data_as(
                Some(member),
                PROPOSE,
                json!({ "input": { "id": id, "shortDescription": "Open harbour data" } }),
            )
            .await;
        let payload = &data["updateOrganisation"];
        assert_eq!(
            payload["record"],
            json!({ "shortDescription": null, "version": 1 })
        );
        assert_eq!(payload["proposal"]["status"], "PENDING");
        assert_eq!(
            payload["proposal"]["changes"],
            json!([{ "field": "shortDescription", "before": null, "after": "Open harbour data" }])
        );
        let proposal = payload["proposal"]["id"].as_str().unwrap().to_owned();
        let bad = app
            .data_as(
                Some(member),
                PROPOSE,
                json!({ "input": { "id": id, "website": "ftp://harbour.example" } }),
            )
            .await;
        assert_eq!(
            bad["updateOrganisation"]["userErrors"][0]["code"],
            "INVALID_URL"
        );
        assert!(bad["updateOrganisation"]["proposal"].is_null());
        let (_, archive) = app
            .graphql_as(Some(member), r#"mutation($id: ID!) { archiveOrganisation(input: { id: $id }) { record { status } } }"#, json!({ "id": id }))
            .await;
        assert_eq!(error_code(&archive), Some("FORBIDDEN"));

        // Its author and moderators see it; others do not; it waits in the queue.
        let read = r#"query($id: ID!) { proposal(id: $id) { status author comment } }"#;
        assert_eq!(
            app.data_as(Some(member), read, json!({ "id": proposal }))
                .await["proposal"]["status"],
            "PENDING"
        );
        assert!(
            app.data_as(Some(stranger), read, json!({ "id": proposal }))
                .await["proposal"]
                .is_null()
        );
        let queue = app
            .data_as(Some(moderator), r#"{ moderationQueue(filter: { kinds: [PROPOSED_CHANGE] }) { edges { node { kind recordId proposal { id } } } } }"#, json!({}))
            .await;
        let edges = &queue["moderationQueue"]["edges"];
        assert_eq!(edges.as_array().unwrap().len(), 1);
        assert_eq!(edges[0]["node"]["recordId"], id.as_str());
        assert_eq!(edges[0]["node"]["proposal"]["id"], proposal.as_str());

        // Approved: applied as the author's change, with a new version.
        let approve = r#"mutation($id: ID!) { approve(input: { id: $id }) { record { version } proposal { status } userErrors { code } } }"#;
        let data = app
            .data_as(Some(moderator), approve, json!({ "id": proposal }))
            .await;
        assert_eq!(data["approve"]["record"]["version"], 2);
        assert_eq!(data["approve"]["proposal"]["status"], "APPROVED");
        let now = app
            .data(r#"query($id: ID!) { node(id: $id) { ... on Organisation { shortDescription history(first: 1) { edges { node { action comment } } } } } }"#, json!({ "id": id }))
            .await;
        assert_eq!(now["node"]["shortDescription"], "Open harbour data");
        assert_eq!(
            now["node"]["history"]["edges"][0]["node"]["action"],
            "UPDATE"
        );
        assert!(
            now["node"]["history"]["edges"][0]["node"]["comment"]
                .as_str()
                .unwrap()
                .starts_with("proposal approved by")
        );
        let again = app
            .data_as(Some(moderator), approve, json!({ "id": proposal }))
            .await;
        assert_eq!(again["approve"]["userErrors"][0]["code"], "INVALID");

        // Rejected: the record stays as it is; the author reads why.
        let data = app
            .data_as(
                Some(member),
                PROPOSE,
                json!({ "input": { "id": id, "city": "Rotterdam" } }),
            )
            .await;
        let second = data["updateOrganisation"]["proposal"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let reject = r#"mutation($id: ID!) { reject(input: { id: $id, reason: "Not in Rotterdam" }) { proposal { status } userErrors { code } } }"#;
        let data = app
            .data_as(Some(moderator), reject, json!({ "id": second }))
            .await;
        assert_eq!(data["reject"]["proposal"]["status"], "REJECTED");
        let seen = app
            .data_as(Some(member), read, json!({ "id": second }))
            .await;
        assert_eq!(seen["proposal"]["comment"], "Not in Rotterdam");
        let city = app
            .data(r#"query($id: ID!) { node(id: $id) { ... on Organisation { version place { city } } } }"#, json!({ "id": id }))
            .await;
        assert_eq!(
            city["node"],
            json!({ "version": 2, "place": { "city": null } })
        );
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_members_submission_is_visible_to_it_while_it_waits() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let author = &app.user_token(&["member"], &["some-lab"]);
        let stranger = &app.user_token(&["member"], &["other-lab"]);
        let create = r#"mutation { createProject(input: { title: "Street Sensors" }) { record { id status } userErrors { code } } }"#;
        let data = app.data_as(Some(author), create, json!({})).await;
        assert_eq!(data["createProject"]["record"]["status"], "PENDING");
        let id = data["createProject"]["record"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let read = r#"query($id: ID!) { node(id: $id) { ... on Project { title status } } }"#;
        assert_eq!(
            app.data_as(Some(author), read, json!({ "id": id })).await["node"]["title"],
            "Street Sensors"
        );
        assert!(app.data_as(Some(stranger), read, json!({ "id": id })).await["node"].is_null());
        assert!(app.data(read, json!({ "id": id })).await["node"].is_null());
        let listed = app
            .data_as(
                Some(author),
                r#"{ projects(first: 5) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(listed["projects"]["totalCount"], 1);

        // Its author changes it while it waits; nobody else can.
        let update = r#"mutation($id: ID!, $t: String) { updateProject(input: { id: $id, title: $t }) { record { title status } userErrors { code } } }"#;
        let data = app
            .data_as(
                Some(author),
                update,
                json!({ "id": id, "t": "Street Sensors Ghent" }),
            )
            .await;
        assert_eq!(
            data["updateProject"]["record"]["title"],
            "Street Sensors Ghent"
        );
        let data = app
            .data_as(Some(stranger), update, json!({ "id": id, "t": "Hijacked" }))
            .await;
        assert_eq!(data["updateProject"]["userErrors"][0]["code"], "NOT_FOUND");
        app.stop().await;
    }
}
