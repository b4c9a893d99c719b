//! Partners' sync: records upserted in batches by the partner's own ids, idempotent, atomic by
//! default, and read back by those ids.

use panorama_domain::policy::PartnerKind;
use panorama_tests::{TestApp, backends, error_code, user_errors};
use serde_json::{Value, json};

const UPSERT: &str = r#"mutation($input: UpsertOrganisationsInput!) {
    upsertOrganisations(input: $input) {
        results { externalId status record { id name version status } userErrors { field code } }
        userErrors { field code } } }"#;
const BY_EXTERNAL_ID: &str =
    r#"query($e: String!) { organisationByExternalId(externalId: $e) { name version } }"#;

fn statuses(data: &Value) -> Vec<String> {
    data["upsertOrganisations"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .collect()
}

fn batch(names: &[(&str, &str)]) -> Value {
    let records: Vec<Value> = names
        .iter()
        .map(|(id, name)| json!({ "externalId": id, "name": name, "country": "SE" }))
        .collect();
    json!(records)
}

/// How many events the change feed holds, committed or not yet readable: counted in the table,
/// since on PostgreSQL the feed itself may hold back recent events while other tests' older
/// transactions run.
async fn feed_length(app: &TestApp) -> i64 {
    use sea_orm::ConnectionTrait;
    let db = app.store().connection();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM change_event",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_are_upserted_by_external_id_once() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let funder = app
            .partner(
                PartnerKind::Funder,
                "ecosystem:read ecosystem:write",
                None,
                true,
            )
            .await;
        let token = &app.partner_token(&funder).await;
        let records = batch(&[
            ("crm-1", "Nordic Makers"),
            ("crm-2", "Baltic Data"),
            ("crm-3", "Fjord Lab"),
        ]);

        // Created, then the same batch again changes nothing at all.
        let data = app
            .data_as(
                Some(token),
                UPSERT,
                json!({ "input": { "records": records } }),
            )
            .await;
        assert_eq!(statuses(&data), ["CREATED", "CREATED", "CREATED"]);
        assert_eq!(
            data["upsertOrganisations"]["results"][0]["record"]["status"],
            "PUBLISHED"
        );
        let events = feed_length(&app).await;
        let again = app
            .data_as(
                Some(token),
                UPSERT,
                json!({ "input": { "records": records } }),
            )
            .await;
        assert_eq!(statuses(&again), ["UNCHANGED", "UNCHANGED", "UNCHANGED"]);
        assert_eq!(
            again["upsertOrganisations"]["results"][1]["record"]["version"],
            1
        );
        assert_eq!(
            feed_length(&app).await,
            events,
            "no change event the second time"
        );
        let one = app
            .data_as(Some(token), BY_EXTERNAL_ID, json!({ "e": "crm-2" }))
            .await;
        assert_eq!(
            one["organisationByExternalId"],
            json!({ "name": "Baltic Data", "version": 1 })
        );

        // One renamed: only it is updated.
        let renamed = batch(&[("crm-1", "Nordic Makers"), ("crm-2", "Baltic Open Data")]);
        let data = app
            .data_as(
                Some(token),
                UPSERT,
                json!({ "input": { "records": renamed } }),
            )
            .await;
        assert_eq!(statuses(&data), ["UNCHANGED", "UPDATED"]);

        // Atomic by default: one bad record and nothing is written.
        let mixed = json!([
            { "externalId": "crm-4", "name": "Sound Lab" },
            { "externalId": "crm-5", "name": "Bad Site", "website": "ftp://bad.example" },
        ]);
        let data = app
            .data_as(
                Some(token),
                UPSERT,
                json!({ "input": { "records": mixed } }),
            )
            .await;
        assert_eq!(statuses(&data), ["FAILED", "FAILED"]);
        assert_eq!(
            user_errors(&data["upsertOrganisations"]["results"][1]),
            [("input.website".to_owned(), "INVALID_URL".to_owned())]
        );
        assert!(
            app.data_as(Some(token), BY_EXTERNAL_ID, json!({ "e": "crm-4" }))
                .await["organisationByExternalId"]
                .is_null()
        );
        // Not atomic: the good one goes in.
        let data = app
            .data_as(
                Some(token),
                UPSERT,
                json!({ "input": { "records": mixed, "atomic": false } }),
            )
            .await;
        assert_eq!(statuses(&data), ["CREATED", "FAILED"]);

        // Twice the same id, or too many records, are refused.
        let twice = batch(&[("crm-6", "Twin One"), ("crm-6", "Twin Two")]);
        let data = app
            .data_as(
                Some(token),
                UPSERT,
                json!({ "input": { "records": twice, "atomic": false } }),
            )
            .await;
        assert_eq!(statuses(&data), ["CREATED", "FAILED"]);
        assert_eq!(
            user_errors(&data["upsertOrganisations"]["results"][1])[0].1,
            "DUPLICATE"
        );
        let many: Vec<Value> = (0..501)
            .map(|i| json!({ "externalId": format!("x-{i}"), "name": format!("Org {i}") }))
            .collect();
        let data = app
            .data_as(Some(token), UPSERT, json!({ "input": { "records": many } }))
            .await;
        assert_eq!(
            user_errors(&data["upsertOrganisations"]),
            [("input.records".to_owned(), "TOO_LONG".to_owned())]
        );
        assert!(
            app.data_as(Some(token), BY_EXTERNAL_ID, json!({ "e": "x-0" }))
                .await["organisationByExternalId"]
                .is_null()
        );

        // Ids belong to their partner; only partners upsert.
        let other = app
            .partner(
                PartnerKind::Funder,
                "ecosystem:read ecosystem:write",
                None,
                true,
            )
            .await;
        let other_token = &app.partner_token(&other).await;
        assert!(
            app.data_as(Some(other_token), BY_EXTERNAL_ID, json!({ "e": "crm-2" }))
                .await["organisationByExternalId"]
                .is_null()
        );
        let anonymous = app
            .graphql(UPSERT, json!({ "input": { "records": records } }))
            .await;
        assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"));

        // Projects the same way.
        let projects = r#"mutation($input: UpsertProjectsInput!) { upsertProjects(input: $input) { results { status record { title } } } }"#;
        let input =
            json!({ "input": { "records": [{ "externalId": "p-1", "title": "Nordic Sensors" }] } });
        let data = app.data_as(Some(token), projects, input.clone()).await;
        assert_eq!(data["upsertProjects"]["results"][0]["status"], "CREATED");
        let data = app.data_as(Some(token), projects, input).await;
        assert_eq!(data["upsertProjects"]["results"][0]["status"], "UNCHANGED");
        let project = app
            .data_as(
                Some(token),
                r#"{ projectByExternalId(externalId: "p-1") { title } }"#,
                json!({}),
            )
            .await;
        assert_eq!(project["projectByExternalId"]["title"], "Nordic Sensors");
        app.stop().await;
    }
}

const UPSERT_GRANTS: &str = r#"mutation($input: UpsertGrantsInput!) {
    upsertGrants(input: $input) {
        results { externalId status userErrors { field code }
            record { title status fundingOrganisation { name } recipientOrganisation { name } project { title } } }
        userErrors { field code } } }"#;

fn grant_statuses(data: &Value) -> Vec<String> {
    data["upsertGrants"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .collect()
}

fn grant(external_id: &str, title: &str, recipient: &str) -> Value {
    json!({
        "externalId": external_id,
        "identifier": format!("360G-nordic-{external_id}"),
        "title": title,
        "amountAwarded": { "amount": "25000.00", "currency": "EUR" },
        "awardDate": "2026-03-01",
        "recipientExternalId": recipient,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_are_synced_by_the_funders_own_ids() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let admin = app.user_token(&["admin"], &[]);
        let created = app
            .data_as(
                Some(&admin),
                r#"mutation { createOrganisation(input: { name: "Nordic Fund" }) { record { id } } }"#,
                json!({}),
            )
            .await;
        let fund = panorama_tests::uuid_of(
            created["createOrganisation"]["record"]["id"]
                .as_str()
                .unwrap(),
        );
        let funder = app
            .partner(
                PartnerKind::Funder,
                "ecosystem:read ecosystem:write grants:write",
                Some(fund),
                true,
            )
            .await;
        let token = &app.partner_token(&funder).await;
        // The funder's system sends its grantees and a project first, by its own ids.
        let grantees = batch(&[("grantee-1", "Fjord Lab"), ("grantee-2", "Baltic Data")]);
        app.data_as(
            Some(token),
            UPSERT,
            json!({ "input": { "records": grantees } }),
        )
        .await;
        app.data_as(
            Some(token),
            r#"mutation { upsertProjects(input: { records: [{ externalId: "p-1", title: "Fjord Sensors" }] }) { results { status } } }"#,
            json!({}),
        )
        .await;

        let mut first = grant("g-1", "Sensors for the fjord", "grantee-1");
        first["projectExternalId"] = json!("p-1");
        let grants = json!([first, grant("g-2", "Open data school", "grantee-2")]);
        let data = app
            .data_as(
                Some(token),
                UPSERT_GRANTS,
                json!({ "input": { "records": grants } }),
            )
            .await;
        assert_eq!(grant_statuses(&data), ["CREATED", "CREATED"]);
        let record = &data["upsertGrants"]["results"][0]["record"];
        assert_eq!(record["fundingOrganisation"]["name"], "Nordic Fund");
        assert_eq!(record["recipientOrganisation"]["name"], "Fjord Lab");
        assert_eq!(record["project"]["title"], "Fjord Sensors");
        assert_eq!(record["status"], "PUBLISHED");

        // The same batch again writes nothing.
        let events = feed_length(&app).await;
        let again = app
            .data_as(
                Some(token),
                UPSERT_GRANTS,
                json!({ "input": { "records": grants } }),
            )
            .await;
        assert_eq!(grant_statuses(&again), ["UNCHANGED", "UNCHANGED"]);
        assert_eq!(feed_length(&app).await, events);
        let by_id = app
            .data_as(
                Some(token),
                r#"{ grantByExternalId(externalId: "g-2") { title version } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            by_id["grantByExternalId"],
            json!({ "title": "Open data school", "version": 1 })
        );

        // References the partner never sent, given twice, or a grant someone else funds:
        // each fails with its field, and (not atomic) the good one goes in.
        let mut both = grant("g-4", "Both ids", "grantee-1");
        both["recipientId"] = created["createOrganisation"]["record"]["id"].clone();
        let mut not_ours = grant("g-5", "Not ours", "grantee-1");
        not_ours["funderExternalId"] = json!("grantee-2");
        let mut taken = grant("g-7", "Taken identifier", "grantee-2");
        taken["identifier"] = json!("360G-nordic-g-1");
        let mixed = json!([
            grant("g-3", "Unknown grantee", "grantee-404"),
            both,
            not_ours,
            grant("g-6", "Fine", "grantee-2"),
            taken,
        ]);
        let data = app
            .data_as(
                Some(token),
                UPSERT_GRANTS,
                json!({ "input": { "records": mixed, "atomic": false } }),
            )
            .await;
        assert_eq!(
            grant_statuses(&data),
            ["FAILED", "FAILED", "FAILED", "CREATED", "FAILED"]
        );
        let results = &data["upsertGrants"]["results"];
        assert_eq!(
            user_errors(&results[0]),
            [(
                "input.recipientExternalId".to_owned(),
                "NOT_FOUND".to_owned()
            )]
        );
        assert_eq!(
            user_errors(&results[1]),
            [("input.recipientExternalId".to_owned(), "INVALID".to_owned())]
        );
        assert_eq!(
            user_errors(&results[2]),
            [("input.funderId".to_owned(), "INVALID".to_owned())]
        );
        assert_eq!(
            user_errors(&results[4]),
            [("input.identifier".to_owned(), "DUPLICATE".to_owned())]
        );
        assert!(
            app.data_as(
                Some(token),
                r#"{ grantByExternalId(externalId: "g-5") { title } }"#,
                json!({})
            )
            .await["grantByExternalId"]
                .is_null()
        );

        // Only funder partners with grants:write sync grants.
        let support = app
            .partner(
                PartnerKind::SupportOrganisation,
                "ecosystem:read ecosystem:write",
                None,
                true,
            )
            .await;
        let refused = app
            .graphql_as(
                Some(&app.partner_token(&support).await),
                UPSERT_GRANTS,
                json!({ "input": { "records": [grant("g-7", "No", "grantee-1")] } }),
            )
            .await;
        assert_eq!(error_code(&refused.1), Some("FORBIDDEN"));
        app.stop().await;
    }
}
