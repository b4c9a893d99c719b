//! 360Giving in and out: the export validates against the standard's JSON Schema, goes back in
//! unchanged, imports are idempotent, and `importGrants360Giving` checks who imports what.

use std::collections::BTreeMap;
use std::path::Path;

use panorama_domain::policy::PartnerKind;
use panorama_domain::validation::SchemeList;
use panorama_domain::*;
use panorama_persistence::write;
use panorama_tests::{TestApp, backends, error_code, global_id, shared_data, user_errors};
use serde_json::{Value, json};

const CREATE_ORGANISATION: &str = r#"mutation($input: CreateOrganisationInput!) {
    createOrganisation(input: $input) { record { id } userErrors { field code } } }"#;
const ADD_GRANT: &str = r#"mutation($input: AddGrantInput!) {
    addGrant(input: $input) { record { id } userErrors { field code } } }"#;
const IMPORT: &str = r#"mutation($p: JSON!, $atomic: Boolean! = true) {
    importGrants360Giving(input: { package: $p, atomic: $atomic }) {
        results { index identifier status grant { identifier status
            fundingOrganisation { name } recipientOrganisation { name status legalIdentifiers { scheme value } } }
            userErrors { field code } }
        grantsCreated grantsUpdated grantsUnchanged grantsFailed
        organisationsCreated organisationsMatched
        userErrors { field code } } }"#;

/// The uuid behind a global id.
fn uuid_of(id: &Value) -> uuid::Uuid {
    use base64::Engine;
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id.as_str().unwrap())
        .unwrap();
    let text = String::from_utf8(text).unwrap();
    text.split_once(':').unwrap().1.parse().unwrap()
}

async fn organisation(app: &TestApp, token: &str, input: Value) -> uuid::Uuid {
    let data = app
        .data_as(Some(token), CREATE_ORGANISATION, json!({ "input": input }))
        .await;
    let payload = &data["createOrganisation"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    uuid_of(&payload["record"]["id"])
}

async fn grant(app: &TestApp, token: &str, input: Value) {
    let data = app
        .data_as(Some(token), ADD_GRANT, json!({ "input": input }))
        .await;
    assert_eq!(data["addGrant"]["userErrors"], json!([]), "{data}");
}

/// Published funders with and without an org-id identifier, recipients likewise, three
/// grants that belong in the export and three that do not: one pending, one to an organisation
/// that is not published, one in a currency 360Giving does not list. Returns the funder
/// without an identifier.
async fn world(app: &TestApp) -> uuid::Uuid {
    let moderator = &app.user_token(&["moderator"], &[]);
    let ardoise = organisation(app, moderator, json!({
        "name": "Fondation Ardoise", "website": "https://ardoise.example", "city": "Lyon", "country": "FR",
        "legalIdentifiers": [{ "scheme": "GB-CHC", "value": "1234567" }],
    }))
    .await;
    let civic = organisation(
        app,
        moderator,
        json!({ "name": "Civic Fund", "country": "GB" }),
    )
    .await;
    let riverside = organisation(
        app,
        moderator,
        json!({
            "name": "Riverside Makers", "country": "FR",
            "legalIdentifiers": [{ "scheme": "XI-WIKIDATA", "value": "Q12345" }],
        }),
    )
    .await;
    let baltic = organisation(
        app,
        moderator,
        json!({
            "name": "Baltic Data", "website": "https://baltic.example", "country": "LV",
        }),
    )
    .await;
    let mut hidden =
        changes::blank_organisation(RecordMeta::new(RecordStatus::Pending, Source::Web));
    hidden.name = "Hidden Lab".into();
    hidden.slug = "hidden-lab".into();
    write::insert_organisation(app.store().connection(), &hidden)
        .await
        .unwrap();

    let id = |uuid| global_id("Organisation", uuid);
    grant(
        app,
        moderator,
        json!({
            "identifier": "360G-panorama-test-1", "title": "Open sensors for rivers",
            "description": "Sensors and a map of river pollution.",
            "amountAwarded": { "amount": "12500.50", "currency": "EUR" },
            "amountAppliedFor": "15000", "amountDisbursed": "10000.25",
            "awardDate": "2024-03-01", "plannedStart": "2024-04-01", "plannedEnd": "2025-03-31",
            "funderId": id(ardoise), "recipientId": id(riverside),
            "programme": "Civic tech", "beneficiaryCountries": ["FR", "XK"],
            "classifications": [{ "vocabulary": "SDG", "code": "6", "title": "Clean water" }],
        }),
    )
    .await;
    grant(
        app,
        moderator,
        json!({
            "identifier": "360G-panorama-test-2", "title": "Open budgets",
            "amountAwarded": { "amount": "5000", "currency": "GBP" }, "awardDate": "2024-05-02",
            "funderId": id(civic), "recipientId": id(baltic),
        }),
    )
    .await;
    grant(
        app,
        moderator,
        json!({
            "identifier": "360G-panorama-test-3", "title": "Data commons",
            "amountAwarded": { "amount": "800", "currency": "EUR" }, "awardDate": "2023-11-30",
            "funderId": id(ardoise), "recipientId": id(baltic),
        }),
    )
    .await;
    grant(
        app,
        moderator,
        json!({
            "identifier": "360G-panorama-test-leone", "title": "In leones",
            "amountAwarded": { "amount": "100", "currency": "SLE" }, "awardDate": "2024-01-01",
            "funderId": id(civic), "recipientId": id(riverside),
        }),
    )
    .await;
    grant(
        app,
        moderator,
        json!({
            "identifier": "360G-panorama-test-hidden", "title": "To a hidden lab",
            "amountAwarded": { "amount": "100", "currency": "EUR" }, "awardDate": "2024-01-01",
            "funderId": id(civic), "recipientId": id(hidden.meta.id),
        }),
    )
    .await;
    let mut pending = changes::blank_grant(RecordMeta::new(RecordStatus::Pending, Source::Web));
    pending.identifier = "360G-panorama-test-pending".into();
    pending.title = "Not yet reviewed".into();
    pending.amount_awarded = Money {
        amount: 100.into(),
        currency: "EUR".into(),
    };
    pending.award_date = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    pending.funder_id = ardoise;
    pending.recipient_id = riverside;
    write::insert_grant(app.store().connection(), &pending)
        .await
        .unwrap();
    civic
}

/// The standard's package schema, with the grant schema it refers to by URL served from the
/// local file: no network. `None`, with the reason printed, without the shared data.
fn package_validator() -> Option<jsonschema::Validator> {
    let Some(dir) = shared_data().map(|d| d.join("360giving/schema")) else {
        eprintln!("skipped schema validation: ../shared/data not found (set PANORAMA_SHARED_DATA)");
        return None;
    };
    if !dir.is_dir() {
        eprintln!("skipped schema validation: {} not found", dir.display());
        return None;
    }
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
    };
    let package = read("360-giving-package-schema.json");
    let grant_url = package["properties"]["grants"]["items"]["$ref"]
        .as_str()
        .unwrap()
        .to_owned();
    struct Local {
        url: String,
        grant: Value,
    }
    impl jsonschema::Retrieve for Local {
        fn retrieve(
            &self,
            uri: &jsonschema::Uri<String>,
        ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
            if uri.as_str() == self.url {
                Ok(self.grant.clone())
            } else {
                Err(format!("{uri} is not available offline").into())
            }
        }
    }
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        // The schema's dates are `oneOf` a date-time format and a date pattern: without format
        // checks every date would match both.
        .should_validate_formats(true)
        .with_retriever(Local {
            url: grant_url,
            grant: read("360-giving-schema.json"),
        })
        .build(&package)
        .expect("the 360Giving package schema compiles");
    Some(validator)
}

fn assert_valid(validator: &jsonschema::Validator, package: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(package)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "not valid 360Giving: {errors:#?}");
}

async fn export_over_http(app: &TestApp) -> Value {
    let response = app.get("/export/360giving.json").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    response.json().await.unwrap()
}

/// The grants of a package by id, without `dateModified` (the time a registry last wrote them).
fn grants_by_id(package: &Value) -> BTreeMap<String, Value> {
    package["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let mut g = g.clone();
            g.as_object_mut().unwrap().remove("dateModified");
            (g["id"].as_str().unwrap().to_owned(), g)
        })
        .collect()
}

/// Counts of every kind of row an import could write, and the sum of the versions: equal
/// before and after an import that writes nothing.
async fn fingerprint(app: &TestApp) -> Vec<i64> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = app.store().connection();
    let mut counts = Vec::new();
    for sql in [
        "SELECT COUNT(*) AS n FROM revision",
        "SELECT COUNT(*) AS n FROM change_event",
        "SELECT COUNT(*) AS n FROM external_id",
        "SELECT COUNT(*) AS n FROM organisation",
        "SELECT COUNT(*) AS n FROM grant_award",
        "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) AS n FROM grant_award",
        "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) AS n FROM organisation",
    ] {
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap()
            .unwrap();
        counts.push(row.try_get::<i64>("", "n").unwrap());
    }
    counts
}

async fn import_file(app: &TestApp, file: &Path) -> panorama_server::giving360::ImportReport {
    panorama_server::giving360::import(app.store(), file, &SchemeList::fallback())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_is_valid_360giving_and_goes_back_in_unchanged() {
    let validator = package_validator();
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let civic = world(&app).await;

        let package = export_over_http(&app).await;
        if let Some(validator) = &validator {
            assert_valid(validator, &package);
            let mut broken = package.clone();
            broken["grants"][0]["awardDate"] = json!("2024-13-01");
            assert!(!validator.is_valid(&broken), "the validator checks dates");
        }
        assert_eq!(package["version"], "1.4");
        let grants = grants_by_id(&package);
        assert_eq!(
            grants.keys().collect::<Vec<_>>(),
            [
                "360G-panorama-test-1",
                "360G-panorama-test-2",
                "360G-panorama-test-3"
            ],
            "pending, hidden and unlisted-currency grants are left out"
        );
        let first = &grants["360G-panorama-test-1"];
        assert_eq!(
            first["fundingOrganization"],
            json!([{ "id": "GB-CHC-1234567", "name": "Fondation Ardoise",
                     "url": "https://ardoise.example", "addressLocality": "Lyon" }])
        );
        assert_eq!(
            first["recipientOrganization"][0]["id"],
            "XI-WIKIDATA-Q12345"
        );
        assert_eq!(
            (
                first["amountAwarded"].clone(),
                first["amountAppliedFor"].clone()
            ),
            (json!(12500.5), json!(15000))
        );
        assert_eq!(first["amountDisbursed"], json!(10000.25));
        assert_eq!(
            first["plannedDates"],
            json!([{ "startDate": "2024-04-01", "endDate": "2025-03-31" }])
        );
        assert_eq!(
            first["beneficiaryLocation"],
            json!([{ "countryCode": "FR", "name": "France" }, { "name": "Kosovo" }])
        );
        let second = &grants["360G-panorama-test-2"];
        assert_eq!(
            second["fundingOrganization"][0]["id"],
            format!("360G-panorama-{civic}")
        );
        assert_eq!(second["description"], "Open budgets", "the title stands in");

        // The command writes the same package.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("grants.json");
        let written = panorama_server::giving360::export(app.store(), Some(&file))
            .await
            .unwrap();
        assert_eq!((written.written, written.left_out), (3, 2));
        let from_file: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        assert_eq!(grants_by_id(&from_file), grants);

        // Read back into the registry it came from: every organisation and grant is found
        // and nothing is written.
        let before = fingerprint(&app).await;
        let report = import_file(&app, &file).await;
        assert_eq!(
            (report.grants_unchanged, report.organisations_matched),
            (3, 4)
        );
        assert_eq!(
            (
                report.grants_created,
                report.grants_updated,
                report.organisations_created
            ),
            (0, 0, 0)
        );
        assert_eq!(fingerprint(&app).await, before);

        // Into an empty registry: the same grants come out again, with the same ids for the
        // organisations that have no identifier.
        let other = TestApp::empty(&backend).await;
        let report = import_file(&other, &file).await;
        assert_eq!(
            (report.grants_created, report.organisations_created),
            (3, 4)
        );
        let again = export_over_http(&other).await;
        assert_eq!(grants_by_id(&again), grants);
        let civic = other
            .data(
                "query($id: ID!) { node(id: $id) { ... on Organisation { name status } } }",
                json!({ "id": global_id("Organisation", civic) }),
            )
            .await;
        assert_eq!(
            civic["node"],
            json!({ "name": "Civic Fund", "status": "PUBLISHED" })
        );

        // Twice: nothing new, no revision, no version, no change event.
        let before = fingerprint(&other).await;
        let report = import_file(&other, &file).await;
        assert_eq!(
            (
                report.grants_created,
                report.grants_updated,
                report.grants_unchanged
            ),
            (0, 0, 3)
        );
        assert_eq!(
            (report.organisations_created, report.organisations_matched),
            (0, 4)
        );
        assert_eq!(fingerprint(&other).await, before);
        other.stop().await;
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_with_a_bad_grant_writes_nothing() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("grants.json");
        let good = json!({
            "id": "360G-fund-1", "title": "Good", "description": "A good grant", "currency": "EUR",
            "amountAwarded": 10, "awardDate": "2024-01-01",
            "fundingOrganization": [{ "id": "360G-fund", "name": "Fund" }],
            "recipientOrganization": [{ "id": "GB-COH-01234567", "name": "Lab Ltd" }],
        });
        let mut bad = good.clone();
        bad["id"] = json!("360G-fund-2");
        bad["currency"] = json!("EURO");
        std::fs::write(&file, json!({ "grants": [good, bad] }).to_string()).unwrap();
        let before = fingerprint(&app).await;
        let error = panorama_server::giving360::import(app.store(), &file, &SchemeList::fallback())
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("grants[1].currency"), "{error}");
        assert!(error.contains("UNKNOWN_CURRENCY"), "{error}");
        assert_eq!(fingerprint(&app).await, before);

        std::fs::write(&file, "[1, 2]").unwrap();
        let error = panorama_server::giving360::import(app.store(), &file, &SchemeList::fallback())
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("not a 360Giving package"), "{error}");
        app.stop().await;
    }
}

fn import_grant(id: &str, funder: &str, recipient: &str) -> Value {
    json!({
        "id": id, "title": format!("Grant {id}"), "description": "Imported", "currency": "EUR",
        "amountAwarded": 2500, "awardDate": "2025-02-01",
        "fundingOrganization": [{ "id": funder, "name": "Funder" }],
        "recipientOrganization": [{ "id": recipient, "name": "New Lab" }],
    })
}

fn statuses(payload: &Value) -> Vec<&str> {
    payload["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mutation_imports_for_moderators_and_for_funders_their_own_grants() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let moderator = &app.user_token(&["moderator"], &[]);
        let own = organisation(&app, moderator, json!({ "name": "Own Fund" })).await;
        let other = organisation(&app, moderator, json!({ "name": "Other Fund" })).await;
        let own_id = format!("360G-panorama-{own}");
        let other_id = format!("360G-panorama-{other}");
        let funder = app
            .partner(
                PartnerKind::Funder,
                "ecosystem:read grants:write",
                Some(own),
                true,
            )
            .await;
        let funder_token = &app.partner_token(&funder).await;

        // Who may import at all.
        let package = json!({ "grants": [import_grant("360G-own-1", &own_id, "GB-COH-01234567")] });
        let vars = json!({ "p": package });
        let anonymous = app.graphql(IMPORT, vars.clone()).await;
        assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"));
        let member = app.user_token(&["member"], &[]);
        let (_, body) = app.graphql_as(Some(&member), IMPORT, vars.clone()).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"));
        let reader = app
            .partner(PartnerKind::Funder, "ecosystem:read", Some(own), true)
            .await;
        let reader_token = app.partner_token(&reader).await;
        let (_, body) = app
            .graphql_as(Some(&reader_token), IMPORT, vars.clone())
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "no grants:write");

        // A funder imports the grants of its own organisation; the recipient is created with
        // its legal identifier. Again, nothing changes.
        let data = app.data_as(Some(funder_token), IMPORT, vars.clone()).await;
        let payload = &data["importGrants360Giving"];
        assert_eq!(statuses(payload), ["CREATED"], "{payload}");
        let grant = &payload["results"][0]["grant"];
        assert_eq!(grant["status"], "PUBLISHED");
        assert_eq!(grant["fundingOrganisation"]["name"], "Own Fund");
        assert_eq!(
            grant["recipientOrganisation"],
            json!({ "name": "New Lab", "status": "PUBLISHED",
                    "legalIdentifiers": [{ "scheme": "GB-COH", "value": "01234567" }] })
        );
        assert_eq!(
            (
                payload["organisationsCreated"].clone(),
                payload["organisationsMatched"].clone()
            ),
            (json!(1), json!(1))
        );
        let before = fingerprint(&app).await;
        let data = app.data_as(Some(funder_token), IMPORT, vars.clone()).await;
        assert_eq!(statuses(&data["importGrants360Giving"]), ["UNCHANGED"]);
        assert_eq!(fingerprint(&app).await, before);

        // Not the grants of another funder: that grant fails, and (atomic) none is written.
        let mixed = json!({ "grants": [
            import_grant("360G-own-2", &own_id, "GB-COH-01234567"),
            import_grant("360G-other-1", &other_id, "GB-COH-01234567"),
        ] });
        let data = app
            .data_as(Some(funder_token), IMPORT, json!({ "p": mixed }))
            .await;
        let payload = &data["importGrants360Giving"];
        assert_eq!(statuses(payload), ["FAILED", "FAILED"]);
        assert_eq!(
            user_errors(&payload["results"][1]),
            [(
                "input.package.grants.1.fundingOrganization.0.id".to_owned(),
                "FORBIDDEN".to_owned()
            )]
        );
        assert_eq!(payload["grantsCreated"], 0);
        assert_eq!(fingerprint(&app).await, before);
        // A moderator imports any package.
        let data = app
            .data_as(Some(moderator), IMPORT, json!({ "p": mixed }))
            .await;
        assert_eq!(
            statuses(&data["importGrants360Giving"]),
            ["CREATED", "CREATED"]
        );

        // Every problem of a grant at its path; atomic by default, or the good ones go in.
        let mut bad = import_grant("360G-own-3", &own_id, "GB-COH-01234567");
        bad["currency"] = json!("EURO");
        bad.as_object_mut().unwrap().remove("title");
        let good = import_grant("360G-own-4", &own_id, "GB-COH-01234567");
        let package = json!({ "grants": [good, bad] });
        let data = app
            .data_as(Some(funder_token), IMPORT, json!({ "p": package }))
            .await;
        let payload = &data["importGrants360Giving"];
        assert_eq!(statuses(payload), ["FAILED", "FAILED"]);
        assert_eq!(
            user_errors(&payload["results"][1]),
            [
                (
                    "input.package.grants.1.title".to_owned(),
                    "REQUIRED".to_owned()
                ),
                (
                    "input.package.grants.1.currency".to_owned(),
                    "UNKNOWN_CURRENCY".to_owned()
                ),
            ]
        );
        assert_eq!(payload["results"][1]["identifier"], "360G-own-3");
        let data = app
            .data_as(
                Some(funder_token),
                IMPORT,
                json!({ "p": package, "atomic": false }),
            )
            .await;
        assert_eq!(
            statuses(&data["importGrants360Giving"]),
            ["CREATED", "FAILED"]
        );

        // Not a package, or too big a one: refused as a whole.
        for (package, field) in [
            (json!([1, 2]), "input.package"),
            (json!({ "grants": "none" }), "input.package.grants"),
        ] {
            let data = app
                .data_as(Some(moderator), IMPORT, json!({ "p": package }))
                .await;
            assert_eq!(
                user_errors(&data["importGrants360Giving"]),
                [(field.to_owned(), "INVALID".to_owned())]
            );
        }
        let many: Vec<Value> = (0..501)
            .map(|i| import_grant(&format!("360G-many-{i}"), &own_id, &own_id))
            .collect();
        let data = app
            .data_as(Some(moderator), IMPORT, json!({ "p": { "grants": many } }))
            .await;
        assert_eq!(
            user_errors(&data["importGrants360Giving"]),
            [("input.package.grants".to_owned(), "TOO_LONG".to_owned())]
        );
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_funder_imports_for_review() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let moderator = &app.user_token(&["moderator"], &[]);
        let own = organisation(&app, moderator, json!({ "name": "Own Fund" })).await;
        let funder = app
            .partner(
                PartnerKind::Funder,
                "ecosystem:read grants:write",
                Some(own),
                false,
            )
            .await;
        let token = &app.partner_token(&funder).await;
        let own_id = format!("360G-panorama-{own}");
        let package =
            json!({ "grants": [import_grant("360G-review-1", &own_id, "360G-elsewhere-lab")] });
        let data = app
            .data_as(Some(token), IMPORT, json!({ "p": package }))
            .await;
        let result = &data["importGrants360Giving"]["results"][0];
        assert_eq!(result["status"], "CREATED");
        assert_eq!(result["grant"]["status"], "PENDING");
        assert_eq!(
            result["grant"]["recipientOrganisation"]["status"],
            "PENDING"
        );
        // Not in the public export while it waits.
        let export = export_over_http(&app).await;
        assert_eq!(export["grants"], json!([]));
        // Once published, the funder's import may not change it: that is a proposal.
        let id = global_id("Grant", {
            let page = app
                .data_as(
                    Some(moderator),
                    "{ grants(first: 1) { nodes { id } } }",
                    json!({}),
                )
                .await;
            uuid_of(&page["grants"]["nodes"][0]["id"])
        });
        let approved = app
            .data_as(
                Some(moderator),
                "mutation($id: ID!) { approve(input: { id: $id }) { record { status } userErrors { code } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            approved["approve"]["record"]["status"], "PUBLISHED",
            "{approved}"
        );
        let mut changed = import_grant("360G-review-1", &own_id, "360G-elsewhere-lab");
        changed["title"] = json!("Renamed");
        let data = app
            .data_as(Some(token), IMPORT, json!({ "p": { "grants": [changed] } }))
            .await;
        let result = &data["importGrants360Giving"]["results"][0];
        assert_eq!(result["status"], "FAILED");
        assert_eq!(
            user_errors(result),
            [("input.package.grants.0.id".to_owned(), "INVALID".to_owned())]
        );
        app.stop().await;
    }
}

/// The currencies and countries the export treats as missing from 360Giving's code lists are
/// exactly those of the registry's that the standard's schema does not list.
#[test]
fn the_unlisted_codes_are_those_the_schema_lacks() {
    use panorama_domain::giving360::{UNLISTED_COUNTRIES, UNLISTED_CURRENCIES};
    let Some(file) = shared_data().map(|d| d.join("360giving/schema/360-giving-schema.json"))
    else {
        eprintln!("skipped: ../shared/data not found (set PANORAMA_SHARED_DATA)");
        return;
    };
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let listed = |pointer: &str| -> Vec<String> {
        schema
            .pointer(pointer)
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect()
    };
    let currencies = listed("/$defs/currency/enum");
    let missing: Vec<&str> = panorama_domain::currency::CURRENCY_CODES
        .iter()
        .copied()
        .filter(|c| !currencies.iter().any(|l| l == c))
        .collect();
    assert_eq!(missing, UNLISTED_CURRENCIES);
    let countries = listed("/$defs/Location/properties/countryCode/enum");
    let missing: Vec<&str> = panorama_domain::country::COUNTRIES
        .iter()
        .map(|c| c.code)
        .filter(|c| !countries.iter().any(|l| l == c))
        .collect();
    assert_eq!(missing, UNLISTED_COUNTRIES);
}

/// An import reads before it writes. On SQLite a transaction begun for reading cannot write
/// once another connection has committed meanwhile, so an import that did not take the
/// writer's lock first failed now and then while someone else wrote: here a moderator keeps
/// creating organisations while a funder's grants go in one package at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_go_in_while_others_write() {
    const IMPORTS: usize = 25;
    for backend in backends() {
        let app = std::sync::Arc::new(TestApp::empty(&backend).await);
        let moderator = app.user_token(&["moderator"], &[]);
        let own = organisation(&app, &moderator, json!({ "name": "Busy Fund" })).await;
        let own_id = format!("360G-panorama-{own}");
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = tokio::spawn({
            let (app, stop) = (app.clone(), stop.clone());
            async move {
                let mut written = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let name = format!("Meanwhile {written}");
                    organisation(&app, &moderator, json!({ "name": name })).await;
                    written += 1;
                }
                written
            }
        });
        for n in 0..IMPORTS {
            let grant = import_grant(&format!("360G-busy-{n}"), &own_id, &own_id);
            let vars = json!({ "p": { "grants": [grant] } });
            let data = app
                .data_as(Some(&app.user_token(&["moderator"], &[])), IMPORT, vars)
                .await;
            let payload = &data["importGrants360Giving"];
            assert_eq!(payload["grantsCreated"], json!(1), "{backend:?}: {payload}");
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let written = writer.await.unwrap();
        assert!(
            written > 0,
            "{backend:?}: the other writer wrote nothing meanwhile"
        );
        std::sync::Arc::into_inner(app).unwrap().stop().await;
    }
}
