//! Creating and updating organisations through GraphQL: review status by who writes, partial
//! updates, stale versions and invalid input that write nothing.

use panorama_domain::policy::PartnerKind;
use panorama_tests::{TestApp, backends};
use serde_json::{Value, json};

const CREATE: &str = r#"mutation($input: CreateOrganisationInput!) {
    createOrganisation(input: $input) { record { id slug status version name website place { city country } focus { code } } userErrors { field message code } } }"#;
const UPDATE: &str = r#"mutation($input: UpdateOrganisationInput!) {
    updateOrganisation(input: $input) { record { id status version name shortDescription website place { city } } userErrors { field message code } } }"#;

fn payload<'a>(data: &'a Value, name: &str) -> &'a Value {
    &data[name]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_create_and_update_organisations() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let trusted = app
            .partner(
                PartnerKind::SupportOrganisation,
                "ecosystem:read ecosystem:write",
                None,
                true,
            )
            .await;
        let untrusted = app
            .partner(
                PartnerKind::Funder,
                "ecosystem:read ecosystem:write",
                None,
                false,
            )
            .await;
        let trusted_token = app.partner_token(&trusted).await;
        let untrusted_token = app.partner_token(&untrusted).await;

        // A trusted partner publishes at once.
        let input = json!({ "name": "Riverside Makers", "website": "https://riverside.example", "city": "Lyon", "country": "fr", "focus": ["OPEN_HARDWARE"] });
        let data = app
            .data_as(Some(&trusted_token), CREATE, json!({ "input": input }))
            .await;
        let created = payload(&data, "createOrganisation")["record"].clone();
        assert_eq!(
            (
                created["status"].as_str(),
                created["version"].as_i64(),
                created["slug"].as_str()
            ),
            (Some("PUBLISHED"), Some(1), Some("riverside-makers"))
        );
        assert_eq!(created["place"]["country"], "FR");
        let anonymous = app
            .data(
                r#"{ organisation(slug: "riverside-makers") { name } }"#,
                json!({}),
            )
            .await;
        assert_eq!(anonymous["organisation"]["name"], "Riverside Makers");

        // An untrusted partner's submission waits, visible to its author only.
        let data = app
            .data_as(
                Some(&untrusted_token),
                CREATE,
                json!({ "input": { "name": "Quiet Fund" } }),
            )
            .await;
        let pending = payload(&data, "createOrganisation")["record"].clone();
        assert_eq!(pending["status"], "PENDING");
        let lookup = r#"{ organisation(slug: "quiet-fund") { name } }"#;
        assert!(app.data(lookup, json!({})).await["organisation"].is_null());
        assert_eq!(
            app.data_as(Some(&untrusted_token), lookup, json!({})).await["organisation"]["name"],
            "Quiet Fund"
        );

        // A partial update changes what it names; null clears; the version moves on.
        let id = created["id"].as_str().unwrap();
        let update = json!({ "id": id, "expectedVersion": 1, "shortDescription": "Tools for everyone", "city": null });
        let data = app
            .data_as(Some(&trusted_token), UPDATE, json!({ "input": update }))
            .await;
        let updated = &payload(&data, "updateOrganisation")["record"];
        assert_eq!(updated["version"], 2);
        assert_eq!(updated["shortDescription"], "Tools for everyone");
        assert!(updated["place"]["city"].is_null());
        assert_eq!(updated["website"], "https://riverside.example");

        // A stale version writes nothing and says the current one.
        let stale = json!({ "id": id, "expectedVersion": 1, "name": "Lost Update" });
        let data = app
            .data_as(Some(&trusted_token), UPDATE, json!({ "input": stale }))
            .await;
        let errors = &payload(&data, "updateOrganisation")["userErrors"];
        assert_eq!(errors[0]["code"], "STALE_VERSION");
        assert!(errors[0]["message"].as_str().unwrap().contains("version 2"));
        assert!(payload(&data, "updateOrganisation")["record"].is_null());

        // Invalid input: every problem named, nothing written.
        let bad = json!({ "name": "", "website": "javascript:alert(1)", "country": "XX", "focus": ["OPEN_CHEESE"], "location": { "latitude": 95, "longitude": 0 } });
        let data = app
            .data_as(Some(&trusted_token), CREATE, json!({ "input": bad }))
            .await;
        let fields: Vec<String> = payload(&data, "createOrganisation")["userErrors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                e["field"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(".")
            })
            .collect();
        for expected in [
            "input.name",
            "input.website",
            "input.country",
            "input.focus.0",
            "input.location.latitude",
        ] {
            assert!(
                fields.iter().any(|f| f == expected),
                "{expected} not in {fields:?}"
            );
        }
        let count = app
            .data_as(
                Some(&trusted_token),
                "{ organisations(first: 1) { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(
            count["organisations"]["totalCount"], 1,
            "only the published one, nothing from the bad input"
        );

        // Another partner's published record is not theirs to change: the change waits as a
        // proposal, and the record stays as it is.
        let other = json!({ "id": id, "name": "Taken Over" });
        let propose = r#"mutation($input: UpdateOrganisationInput!) {
            updateOrganisation(input: $input) { record { name } proposal { status } userErrors { code } } }"#;
        let data = app
            .data_as(Some(&untrusted_token), propose, json!({ "input": other }))
            .await;
        assert_eq!(
            data["updateOrganisation"],
            json!({ "record": { "name": "Riverside Makers" }, "proposal": { "status": "PENDING" }, "userErrors": [] })
        );
        let name = app
            .data(
                r#"{ organisation(slug: "riverside-makers") { name version } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            (
                name["organisation"]["name"].as_str(),
                name["organisation"]["version"].as_i64()
            ),
            (Some("Riverside Makers"), Some(2))
        );

        // Archived: gone from public view, kept for its owner; restored: published again.
        let archive = r#"mutation($id: ID!) { archiveOrganisation(input: { id: $id, expectedVersion: 2 }) { record { status version } userErrors { code } } }"#;
        let data = app
            .data_as(Some(&trusted_token), archive, json!({ "id": id }))
            .await;
        assert_eq!(data["archiveOrganisation"]["record"]["status"], "ARCHIVED");
        let lookup = r#"{ organisation(slug: "riverside-makers") { status } }"#;
        assert!(app.data(lookup, json!({})).await["organisation"].is_null());
        assert_eq!(
            app.data_as(Some(&trusted_token), lookup, json!({})).await["organisation"]["status"],
            "ARCHIVED"
        );
        let restore = r#"mutation($id: ID!) { restoreOrganisation(input: { id: $id }) { record { status version } } }"#;
        let data = app
            .data_as(Some(&trusted_token), restore, json!({ "id": id }))
            .await;
        assert_eq!(
            (
                data["restoreOrganisation"]["record"]["status"].as_str(),
                data["restoreOrganisation"]["record"]["version"].as_i64()
            ),
            (Some("PUBLISHED"), Some(4))
        );
        assert_eq!(
            app.data(lookup, json!({})).await["organisation"]["status"],
            "PUBLISHED"
        );
        let uuid = app
            .store()
            .organisations_by_slug(
                &panorama_domain::policy::ReadScope::Everything,
                &["riverside-makers".to_owned()],
            )
            .await
            .unwrap()["riverside-makers"]
            .meta
            .id;
        let (revisions, _) = app
            .store()
            .revisions("organisation", uuid, None, 10)
            .await
            .unwrap();
        let actions: Vec<&str> = revisions.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, ["RESTORE", "ARCHIVE", "UPDATE", "CREATE"]);
        app.stop().await;
    }
}
