//! Writing every other record type over HTTP: projects with their participations and impact
//! figures, grants, support, links, events, case studies and funding opportunities. Each
//! mutation returns the record or says which field is wrong, writing nothing.

use panorama_tests::{TestApp, backends, user_errors};
use serde_json::{Value, json};

/// Runs a mutation as `token` and returns its payload (`record` and `userErrors`).
async fn mutate(
    app: &TestApp,
    token: &str,
    mutation: &str,
    selection: &str,
    input: Value,
) -> Value {
    let query = format!(
        "mutation($input: {}!) {{ {mutation}(input: $input) {{ record {{ {selection} }} userErrors {{ field code }} }} }}",
        input_type(mutation)
    );
    app.data_as(Some(token), &query, json!({ "input": input }))
        .await[mutation]
        .clone()
}

fn input_type(mutation: &str) -> String {
    if mutation.ends_with("Participation") {
        return "ParticipationInput".to_owned();
    }
    if mutation.starts_with("remove")
        || mutation.starts_with("archive")
        || mutation.starts_with("restore")
    {
        return "RecordVersionInput".to_owned();
    }
    let mut chars = mutation.chars();
    let first = chars.next().unwrap().to_ascii_uppercase();
    format!("{first}{}Input", chars.as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_record_type_is_written_and_checked() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let moderator = &app.user_token(&["moderator"], &[]);
        let organisation = |name: &'static str| {
            let app = &app;
            async move {
                let data = mutate(
                    app,
                    moderator,
                    "createOrganisation",
                    "id",
                    json!({ "name": name, "country": "DE" }),
                )
                .await;
                data["record"]["id"].as_str().unwrap().to_owned()
            }
        };
        let funder = organisation("Rhine Fund").await;
        let maker = organisation("Ruhr Makers").await;

        // A project; its slug is taken by the next one with the same title only if asked.
        let project = mutate(&app, moderator, "createProject", "id slug status", json!({
            "title": "Open Looms", "startDate": "2025-01-01", "endDate": "2026-01-01", "focus": ["OPEN_HARDWARE"]
        })).await;
        assert_eq!(project["record"]["status"], "PUBLISHED");
        assert_eq!(project["record"]["slug"], "open-looms");
        let project_id = project["record"]["id"].as_str().unwrap().to_owned();
        let taken = mutate(
            &app,
            moderator,
            "createProject",
            "id",
            json!({ "title": "Other", "slug": "open-looms" }),
        )
        .await;
        assert_eq!(
            user_errors(&taken),
            [("input.slug".to_owned(), "DUPLICATE".to_owned())]
        );
        let backwards = mutate(
            &app,
            moderator,
            "updateProject",
            "id",
            json!({ "id": project_id, "endDate": "2024-01-01" }),
        )
        .await;
        assert_eq!(
            user_errors(&backwards),
            [("input.endDate".to_owned(), "START_AFTER_END".to_owned())]
        );

        // Participations are changes of the project, each with a new version.
        let added = mutate(
            &app,
            moderator,
            "addParticipation",
            "version participants { role organisation { name } }",
            json!({
                "projectId": project_id, "organisationId": maker, "role": "LEAD"
            }),
        )
        .await;
        assert_eq!(added["record"]["version"], 2);
        assert_eq!(
            added["record"]["participants"][0]["organisation"]["name"],
            "Ruhr Makers"
        );
        let again = mutate(
            &app,
            moderator,
            "addParticipation",
            "version",
            json!({
                "projectId": project_id, "organisationId": maker, "role": "LEAD"
            }),
        )
        .await;
        assert_eq!(
            again["record"]["version"], 2,
            "adding it twice changes nothing"
        );

        // Impact figures carry who reported them; a figure needs a project that exists.
        let figure = mutate(&app, moderator, "addImpactIndicator", "id name value", json!({
            "projectId": project_id, "name": "Looms built", "value": "12", "sourceUrl": "https://looms.example.org/report"
        })).await;
        assert_eq!(
            (
                figure["record"]["name"].as_str(),
                figure["record"]["value"].as_str()
            ),
            (Some("Looms built"), Some("12"))
        );
        let orphan = mutate(
            &app,
            moderator,
            "addImpactIndicator",
            "id",
            json!({ "projectId": "not-an-id", "name": "x", "value": "1" }),
        )
        .await;
        assert_eq!(
            user_errors(&orphan),
            [("input.projectId".to_owned(), "NOT_FOUND".to_owned())]
        );

        // Grants: exact amounts, ISO currencies, 360Giving identifiers; removal keeps history.
        let bad = mutate(&app, moderator, "addGrant", "id", json!({
            "identifier": "G-1", "title": "Looms", "amountAwarded": { "amount": "-5", "currency": "EUROS" },
            "awardDate": "2025-02-01", "funderId": funder, "recipientId": maker
        })).await;
        let bad_fields: Vec<String> = user_errors(&bad).into_iter().map(|(f, _)| f).collect();
        for field in [
            "input.identifier",
            "input.amountAwarded.amount",
            "input.amountAwarded.currency",
        ] {
            assert!(
                bad_fields.iter().any(|f| f == field),
                "{field} in {bad_fields:?}"
            );
        }
        let grant = mutate(&app, moderator, "addGrant", "id amountAwarded { amount currency } status", json!({
            "identifier": "360G-rhine-1", "title": "Looms", "amountAwarded": { "amount": "25000.50", "currency": "eur" },
            "awardDate": "2025-02-01", "funderId": funder, "recipientId": maker, "projectId": project_id
        })).await;
        assert_eq!(
            grant["record"]["amountAwarded"],
            json!({ "amount": "25000.50", "currency": "EUR" })
        );
        let grant_id = grant["record"]["id"].as_str().unwrap().to_owned();
        let removed = mutate(
            &app,
            moderator,
            "removeGrant",
            "id",
            json!({ "id": grant_id }),
        )
        .await;
        assert_eq!(removed["record"]["id"], grant_id.as_str());
        let gone = app
            .data(
                r#"query($id: ID!) { node(id: $id) { id } }"#,
                json!({ "id": grant_id }),
            )
            .await;
        assert!(gone["node"].is_null());

        // Support, links, events, case studies and funding opportunities.
        let support = mutate(
            &app,
            moderator,
            "addSupport",
            "kind",
            json!({ "supporterId": funder, "projectId": project_id, "kind": "MENTORING" }),
        )
        .await;
        assert_eq!(support["record"]["kind"], "MENTORING");
        let aimless = mutate(
            &app,
            moderator,
            "addSupport",
            "kind",
            json!({ "supporterId": funder, "kind": "MENTORING" }),
        )
        .await;
        assert_eq!(user_errors(&aimless)[0].1, "REQUIRED");
        let link = mutate(
            &app,
            moderator,
            "addOrganisationLink",
            "kind direction organisation { name }",
            json!({ "fromId": maker, "toId": funder, "kind": "MEMBER_OF" }),
        )
        .await;
        assert_eq!(link["record"]["organisation"]["name"], "Rhine Fund");
        let selfish = mutate(
            &app,
            moderator,
            "addOrganisationLink",
            "kind",
            json!({ "fromId": maker, "toId": maker, "kind": "PARTNER" }),
        )
        .await;
        assert_eq!(user_errors(&selfish)[0].0, "input.toId");
        let event = mutate(&app, moderator, "createEvent", "title", json!({
            "title": "Loom Day", "startsAt": "2026-05-02T09:00:00Z", "endsAt": "2026-05-01T09:00:00Z", "organiserIds": [maker]
        })).await;
        assert_eq!(
            user_errors(&event),
            [("input.endsAt".to_owned(), "START_AFTER_END".to_owned())]
        );
        let story = mutate(
            &app,
            moderator,
            "createCaseStudy",
            "title featured",
            json!({ "title": "Weaving data", "organisationId": maker, "featured": true }),
        )
        .await;
        assert_eq!(story["record"]["featured"], true);
        let call = mutate(&app, moderator, "createFundingOpportunity", "title fundingType", json!({
            "title": "Loom grants", "fundingType": "GRANT", "funderId": funder, "countries": ["de", "AT"], "url": "https://rhine.example.org/call"
        })).await;
        assert_eq!(call["record"]["fundingType"], "GRANT");
        app.stop().await;
    }
}
