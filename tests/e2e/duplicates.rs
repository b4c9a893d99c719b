//! Duplicates: likely twins found with their reasons, and merges that move everything to the
//! survivor in one transaction while the merged id keeps resolving. On an invented pair, and on
//! real twins of the DSI4EU export.

use panorama_domain::policy::PartnerKind;
use panorama_persistence::write::{find_external_id, insert_external_id};
use panorama_tests::{TestApp, backends, error_code, global_id, shared_data};
use serde_json::{Value, json};

const DUPLICATES: &str = r#"query($id: ID!) { possibleDuplicates(organisationId: $id) {
    organisation { id name } reasons { code description similarity } } }"#;
const MERGE: &str = r#"mutation($s: ID!, $m: ID!) { mergeOrganisations(input: { survivorId: $s, mergedId: $m }) {
    record { id name version legalIdentifiers { scheme value } } userErrors { field code } } }"#;
const NAME_OF: &str = r#"query($id: ID!) { node(id: $id) { id ... on Organisation { name } } organisation(id: $id) { name } }"#;

fn twin_codes(data: &Value, id: &str) -> Vec<String> {
    data["possibleDuplicates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["organisation"]["id"] == id)
        .flat_map(|t| t["reasons"].as_array().unwrap().clone())
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect()
}

/// Runs a mutation as `token`, failing on user errors; returns the new record's id.
async fn create(app: &TestApp, token: &str, mutation: &str, input: Value) -> String {
    let kind = mutation
        .strip_prefix("create")
        .or_else(|| mutation.strip_prefix("add"))
        .unwrap();
    let prefix = if mutation.starts_with("add") {
        "Add"
    } else {
        "Create"
    };
    let query = format!(
        "mutation($input: {prefix}{kind}Input!) {{ {mutation}(input: $input) {{ record {{ id }} userErrors {{ field code }} }} }}"
    );
    let data = app
        .data_as(Some(token), &query, json!({ "input": input }))
        .await;
    assert_eq!(
        data[mutation]["userErrors"],
        json!([]),
        "{mutation}: {data}"
    );
    data[mutation]["record"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twins_are_found_and_merged_with_everything_they_hold() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let moderator = &app.user_token(&["moderator"], &[]);
        let organisation = |input: Value| create(&app, moderator, "createOrganisation", input);
        let identifier = json!([{ "scheme": "BE-BCE_KBO", "value": "0456789123" }]);
        let survivor = organisation(json!({ "name": "Civic Lab Gent", "country": "BE",
            "website": "https://www.civiclab.be", "legalIdentifiers": identifier }))
        .await;
        let merged = organisation(json!({ "name": "CivicLab Gent vzw", "country": "BE",
            "website": "http://civiclab.be/about", "legalIdentifiers": identifier,
            "tags": ["lab"] }))
        .await;
        let other =
            organisation(json!({ "name": "Open Knowledge Belgium", "country": "BE" })).await;

        // Found with every reason; an unrelated organisation is not.
        let found = app
            .data_as(Some(moderator), DUPLICATES, json!({ "id": survivor }))
            .await;
        assert_eq!(
            twin_codes(&found, &merged),
            [
                "SHARED_LEGAL_IDENTIFIER",
                "SAME_WEBSITE_HOST",
                "SIMILAR_NAME"
            ]
        );
        assert!(twin_codes(&found, &other).is_empty());
        let partner_view = app
            .graphql_as(
                Some(&app.user_token(&["member"], &[])),
                DUPLICATES,
                json!({ "id": survivor }),
            )
            .await
            .1;
        assert_eq!(error_code(&partner_view), Some("FORBIDDEN"));

        // What the duplicate holds: a participation, a grant, support, links, an event, a case
        // study, a funding opportunity, a partner account and an external id.
        let project = create(
            &app,
            moderator,
            "createProject",
            json!({ "title": "Ghent Sensors" }),
        )
        .await;
        let participation = r#"mutation($p: ID!, $o: ID!) { addParticipation(input: { projectId: $p, organisationId: $o, role: LEAD }) { userErrors { code } } }"#;
        app.data_as(
            Some(moderator),
            participation,
            json!({ "p": project, "o": merged }),
        )
        .await;
        let grant = create(
            &app,
            moderator,
            "addGrant",
            json!({ "identifier": "360G-civic-1", "title": "Sensors",
            "amountAwarded": { "amount": "1000", "currency": "EUR" }, "awardDate": "2025-03-01",
            "funderId": merged, "recipientId": other }),
        )
        .await;
        create(
            &app,
            moderator,
            "addSupport",
            json!({ "supporterId": merged, "projectId": project, "kind": "HOSTING" }),
        )
        .await;
        create(
            &app,
            moderator,
            "addOrganisationLink",
            json!({ "fromId": merged, "toId": survivor, "kind": "PARTNER" }),
        )
        .await;
        create(
            &app,
            moderator,
            "addOrganisationLink",
            json!({ "fromId": other, "toId": merged, "kind": "MEMBER_OF" }),
        )
        .await;
        let event = create(&app, moderator, "createEvent", json!({ "title": "Sensor Day", "startsAt": "2026-04-01T10:00:00Z", "organiserIds": [merged, survivor] })).await;
        create(
            &app,
            moderator,
            "createCaseStudy",
            json!({ "title": "Air in Ghent", "organisationId": merged }),
        )
        .await;
        create(
            &app,
            moderator,
            "createFundingOpportunity",
            json!({ "title": "Lab call", "fundingType": "GRANT", "funderId": merged }),
        )
        .await;
        let merged_uuid = decode(&merged);
        let survivor_uuid = decode(&survivor);
        let account = app
            .partner(
                PartnerKind::SupportOrganisation,
                "ecosystem:read",
                Some(merged_uuid),
                false,
            )
            .await;
        insert_external_id(
            app.store().connection(),
            "civic-crm",
            "organisation",
            "C-42",
            merged_uuid,
        )
        .await
        .unwrap();

        // The merge.
        let (_, refused) = app
            .graphql_as(
                Some(&app.partner_token(&account).await),
                MERGE,
                json!({ "s": survivor, "m": merged }),
            )
            .await;
        assert_eq!(error_code(&refused), Some("FORBIDDEN"));
        let data = app
            .data_as(
                Some(moderator),
                MERGE,
                json!({ "s": survivor, "m": survivor }),
            )
            .await;
        assert_eq!(
            data["mergeOrganisations"]["userErrors"][0]["field"],
            json!(["input", "mergedId"])
        );
        let data = app
            .data_as(
                Some(moderator),
                MERGE,
                json!({ "s": survivor, "m": merged }),
            )
            .await;
        let record = &data["mergeOrganisations"]["record"];
        assert_eq!(record["name"], "Civic Lab Gent");
        assert_eq!(
            record["legalIdentifiers"].as_array().unwrap().len(),
            1,
            "the shared identifier once"
        );

        // The merged id resolves to the survivor, for anyone.
        let resolved = app.data(NAME_OF, json!({ "id": merged })).await;
        assert_eq!(resolved["node"]["id"], survivor.as_str());
        assert_eq!(resolved["organisation"]["name"], "Civic Lab Gent");

        // Everything moved.
        let moved = app.data(r#"query($p: ID!, $g: ID!, $e: ID!, $o: ID!) {
            project: node(id: $p) { ... on Project { participants { role organisation { name } } } }
            grant: node(id: $g) { ... on Grant { fundingOrganisation { name } } }
            event: node(id: $e) { ... on Event { organisers { name } } }
            other: node(id: $o) { ... on Organisation { links { kind organisation { name } } } }
            survivor: organisation(slug: "civic-lab-gent") { links { kind } latest: history(first: 1) { edges { node { action changes { field after } } } } } }"#,
            json!({ "p": project, "g": grant, "e": event, "o": other })).await;
        assert_eq!(
            moved["project"]["participants"],
            json!([{ "role": "LEAD", "organisation": { "name": "Civic Lab Gent" } }])
        );
        assert_eq!(
            moved["grant"]["fundingOrganisation"]["name"],
            "Civic Lab Gent"
        );
        assert_eq!(
            moved["event"]["organisers"],
            json!([{ "name": "Civic Lab Gent" }])
        );
        assert_eq!(
            moved["other"]["links"],
            json!([{ "kind": "MEMBER_OF", "organisation": { "name": "Civic Lab Gent" } }])
        );
        assert_eq!(
            moved["survivor"]["links"],
            json!([{ "kind": "MEMBER_OF" }]),
            "the link between the twins is gone"
        );
        let merge_revision = &moved["survivor"]["latest"]["edges"][0]["node"];
        assert_eq!(merge_revision["action"], "MERGE");
        assert!(
            merge_revision["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["field"] == "mergedFrom" && c["after"] == merged_uuid.to_string())
        );
        let store = app.store();
        assert_eq!(
            find_external_id(store.connection(), "civic-crm", "organisation", "C-42")
                .await
                .unwrap(),
            Some(survivor_uuid)
        );
        assert_eq!(
            store
                .partner(account.id)
                .await
                .unwrap()
                .unwrap()
                .organisation_id,
            Some(survivor_uuid)
        );
        let counts = app.data(r#"{ caseStudies(first: 5) { edges { node { organisation { name } } } } fundingOpportunities(first: 5) { edges { node { funder { name } } } } }"#, json!({})).await;
        assert_eq!(
            counts["caseStudies"]["edges"][0]["node"]["organisation"]["name"],
            "Civic Lab Gent"
        );
        assert_eq!(
            counts["fundingOpportunities"]["edges"][0]["node"]["funder"]["name"],
            "Civic Lab Gent"
        );
        // A member of the merged organisation now belongs to the survivor.
        let member = app.user_token(&["member"], &[&merged_uuid.to_string()]);
        let viewer = app
            .data_as(
                Some(&member),
                "{ viewer { organisations { name } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            viewer["viewer"]["organisations"],
            json!([{ "name": "Civic Lab Gent" }])
        );
        app.stop().await;
    }
}

fn decode(id: &str) -> uuid::Uuid {
    use base64::Engine;
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id)
        .unwrap();
    let text = String::from_utf8(text).unwrap();
    text.split_once(':').unwrap().1.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_twins_of_the_dsi4eu_export_are_found_and_merged() {
    let Some(data) = shared_data() else {
        eprintln!("skipped: ../shared/data not found (set PANORAMA_SHARED_DATA)");
        return;
    };
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        panorama_server::import::dsi4eu::import(
            app.store(),
            &data.join("dsi4eu/organisations2.json"),
            &data.join("dsi4eu/projects2.json"),
        )
        .await
        .unwrap();
        let moderator = &app.user_token(&["moderator"], &[]);
        let db = app.store().connection();
        let id_of = |dsi: &'static str| async move {
            let uuid = find_external_id(db, "dsi4eu", "organisation", dsi)
                .await
                .unwrap()
                .unwrap();
            global_id("Organisation", uuid)
        };
        // (kept, duplicate): ESSRG / ESSRG Ltd. (HU), Open Data Manchester / OpenData
        // Manchester (GB), Sea Communication / Sea Communications (GB).
        for (kept, twin) in [("488", "575"), ("47", "1167"), ("63", "331")] {
            let (kept, twin) = (id_of(kept).await, id_of(twin).await);
            let found = app
                .data_as(Some(moderator), DUPLICATES, json!({ "id": kept }))
                .await;
            assert_eq!(twin_codes(&found, &twin), ["SIMILAR_NAME"], "{found}");
        }
        let (kept, twin) = (id_of("488").await, id_of("575").await);
        let before = app.data(r#"query($a: ID!, $b: ID!) { a: node(id: $a) { ... on Organisation { projects { project { id } } } } b: node(id: $b) { ... on Organisation { projects { project { id } } } } }"#, json!({ "a": kept, "b": twin })).await;
        let mut expected: Vec<Value> = before["a"]["projects"].as_array().unwrap().clone();
        expected.extend(before["b"]["projects"].as_array().unwrap().iter().cloned());
        let merged = app
            .data_as(Some(moderator), MERGE, json!({ "s": kept, "m": twin }))
            .await;
        assert_eq!(merged["mergeOrganisations"]["record"]["name"], "ESSRG");
        let after = app.data(r#"query($b: ID!) { node(id: $b) { id ... on Organisation { name projects { project { id } } } } }"#, json!({ "b": twin })).await;
        assert_eq!(after["node"]["id"], kept.as_str());
        let mut projects: Vec<Value> = after["node"]["projects"].as_array().unwrap().clone();
        let key = |v: &Value| v["project"]["id"].as_str().unwrap().to_owned();
        projects.sort_by_key(key);
        expected.sort_by_key(key);
        expected.dedup();
        assert_eq!(
            projects, expected,
            "the twin's projects are the survivor's now"
        );
        app.stop().await;
    }
}
