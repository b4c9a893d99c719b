//! The access matrix: every query field that returns restricted data and every mutation, for
//! each kind of caller, on a record of its own and on another's, with the outcome the policy
//! gives. A query field or mutation that the schema has and this table does not fails the test.

use std::collections::BTreeSet;

use panorama_domain::policy::PartnerKind;
use panorama_domain::*;
use panorama_tests::{TestApp, TestPartner, backends, error_code, global_id};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// A person who belongs to the "own" organisation.
    Member,
    /// The partner that owns the "own" records (and is the "own" partner account).
    Partner,
    Moderator,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Own,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The data comes back.
    Allowed,
    /// Nothing comes back, as if the record did not exist (null, empty, zero), without error.
    Absent,
    Unauthenticated,
    Forbidden,
}

use Outcome::*;
use Target::*;
use Who::*;

/// Query fields that read only through the listing and look-up machinery the matrix checks on
/// `organisation`, `organisations` and `node` (one read-scope condition for all record types),
/// or that hold no restricted data.
const SAME_SCOPE_AS_MATRIX: &[&str] = &[
    "project",
    "projects",
    "grants",
    "events",
    "caseStudies",
    "fundingOpportunities",
    "nodes",
    "taxonomy",
];

/// (operation, who, target, expected). Rows run in this order; admins' status changes come
/// where they leave the partners active for the rows after them.
const MATRIX: &[(&str, Who, Target, Outcome)] = &[
    ("organisation", Anonymous, Own, Absent),
    ("organisation", Anonymous, Other, Absent),
    ("organisation", Member, Own, Allowed),
    ("organisation", Member, Other, Absent),
    ("organisation", Partner, Own, Allowed),
    ("organisation", Partner, Other, Absent),
    ("organisation", Moderator, Own, Allowed),
    ("organisation", Moderator, Other, Allowed),
    ("organisation", Admin, Own, Allowed),
    ("organisation", Admin, Other, Allowed),
    ("organisations", Anonymous, Own, Absent),
    ("organisations", Anonymous, Other, Absent),
    ("organisations", Member, Own, Allowed),
    ("organisations", Member, Other, Absent),
    ("organisations", Partner, Own, Allowed),
    ("organisations", Partner, Other, Absent),
    ("organisations", Moderator, Own, Allowed),
    ("organisations", Moderator, Other, Allowed),
    ("organisations", Admin, Own, Allowed),
    ("organisations", Admin, Other, Allowed),
    ("node", Anonymous, Own, Absent),
    ("node", Anonymous, Other, Absent),
    ("node", Member, Own, Allowed),
    ("node", Member, Other, Absent),
    ("node", Partner, Own, Allowed),
    ("node", Partner, Other, Absent),
    ("node", Moderator, Own, Allowed),
    ("node", Moderator, Other, Allowed),
    ("node", Admin, Own, Allowed),
    ("node", Admin, Other, Allowed),
    ("viewer", Anonymous, Own, Allowed),
    ("viewer", Member, Own, Allowed),
    ("viewer", Partner, Own, Allowed),
    ("viewer", Moderator, Own, Allowed),
    ("viewer", Admin, Own, Allowed),
    ("partners", Anonymous, Other, Unauthenticated),
    ("partners", Member, Other, Forbidden),
    ("partners", Partner, Other, Forbidden),
    ("partners", Moderator, Other, Forbidden),
    ("partners", Admin, Other, Allowed),
    ("partner", Anonymous, Own, Absent),
    ("partner", Member, Other, Absent),
    ("partner", Partner, Own, Allowed),
    ("partner", Partner, Other, Absent),
    ("partner", Moderator, Other, Absent),
    ("partner", Admin, Own, Allowed),
    ("partner", Admin, Other, Allowed),
    ("createOrganisation", Anonymous, Other, Unauthenticated),
    ("createOrganisation", Member, Other, Allowed),
    ("createOrganisation", Partner, Other, Allowed),
    ("createOrganisation", Moderator, Other, Allowed),
    ("createOrganisation", Admin, Other, Allowed),
    ("updateOrganisation", Anonymous, Own, Absent),
    ("updateOrganisation", Anonymous, Other, Absent),
    ("updateOrganisation", Member, Own, Allowed),
    ("updateOrganisation", Member, Other, Absent),
    ("updateOrganisation", Partner, Own, Allowed),
    ("updateOrganisation", Partner, Other, Absent),
    ("updateOrganisation", Moderator, Own, Allowed),
    ("updateOrganisation", Moderator, Other, Allowed),
    ("updateOrganisation", Admin, Own, Allowed),
    ("updateOrganisation", Admin, Other, Allowed),
    ("archiveOrganisation", Anonymous, Own, Absent),
    ("archiveOrganisation", Member, Other, Absent),
    ("archiveOrganisation", Partner, Other, Absent),
    ("archiveOrganisation", Member, Own, Allowed),
    ("archiveOrganisation", Partner, Own, Allowed),
    ("archiveOrganisation", Admin, Own, Allowed),
    ("archiveOrganisation", Moderator, Other, Allowed),
    ("restoreOrganisation", Anonymous, Own, Absent),
    ("restoreOrganisation", Partner, Other, Absent),
    ("restoreOrganisation", Member, Other, Absent),
    ("restoreOrganisation", Member, Own, Allowed),
    ("restoreOrganisation", Partner, Own, Allowed),
    ("restoreOrganisation", Admin, Own, Allowed),
    ("restoreOrganisation", Moderator, Other, Allowed),
    ("createPartner", Anonymous, Other, Unauthenticated),
    ("createPartner", Member, Other, Forbidden),
    ("createPartner", Partner, Other, Forbidden),
    ("createPartner", Moderator, Other, Forbidden),
    ("createPartner", Admin, Other, Allowed),
    ("addApiClient", Anonymous, Own, Unauthenticated),
    ("addApiClient", Member, Other, Forbidden),
    ("addApiClient", Partner, Own, Forbidden),
    ("addApiClient", Partner, Other, Forbidden),
    ("addApiClient", Moderator, Other, Forbidden),
    ("addApiClient", Admin, Own, Allowed),
    ("addApiClient", Admin, Other, Allowed),
    ("revokeApiClient", Anonymous, Own, Unauthenticated),
    ("revokeApiClient", Member, Other, Forbidden),
    ("revokeApiClient", Partner, Own, Forbidden),
    ("revokeApiClient", Partner, Other, Forbidden),
    ("revokeApiClient", Moderator, Other, Forbidden),
    ("revokeApiClient", Admin, Own, Allowed),
    ("revokeApiClient", Admin, Other, Allowed),
    ("suspendPartner", Anonymous, Own, Unauthenticated),
    ("suspendPartner", Member, Other, Forbidden),
    ("suspendPartner", Partner, Own, Forbidden),
    ("suspendPartner", Partner, Other, Forbidden),
    ("suspendPartner", Moderator, Other, Forbidden),
    ("suspendPartner", Admin, Other, Allowed),
    ("activatePartner", Admin, Other, Allowed),
    ("activatePartner", Anonymous, Own, Unauthenticated),
    ("activatePartner", Member, Other, Forbidden),
    ("activatePartner", Partner, Own, Forbidden),
    ("activatePartner", Moderator, Other, Forbidden),
];

/// The records and accounts the matrix acts on.
struct World {
    own_organisation: (uuid::Uuid, String),
    other_organisation: (uuid::Uuid, String),
    own_partner: TestPartner,
    other_partner: TestPartner,
    /// Spare clients to revoke, so the partners' own clients keep working.
    spare_clients: (String, String),
    tokens: Vec<(Who, Option<String>)>,
}

async fn pending_organisation(
    app: &TestApp,
    name: &str,
    owner: uuid::Uuid,
) -> (uuid::Uuid, String) {
    let slug = panorama_domain::text::slugify(name);
    let mut meta = RecordMeta::new(RecordStatus::Pending, Source::Web);
    meta.owner_partner = Some(owner);
    let organisation = Organisation {
        meta,
        name: name.to_owned(),
        slug: slug.clone(),
        short_description: None,
        description: None,
        website: None,
        other_links: vec![],
        logo_url: None,
        organisation_type: None,
        size: None,
        founded_on: None,
        legal_identifiers: vec![],
        place: Place {
            country: Some("MT".into()),
            ..Place::default()
        },
        classification: Classification::default(),
        roles: vec![],
        network_memberships: vec![],
        tags: vec![],
    };
    panorama_persistence::write::insert_organisation(app.store().connection(), &organisation)
        .await
        .unwrap();
    (organisation.meta.id, slug)
}

async fn world(app: &TestApp) -> World {
    let own_partner = app
        .partner(
            PartnerKind::SupportOrganisation,
            "ecosystem:read ecosystem:write",
            None,
            false,
        )
        .await;
    let other_partner = app
        .partner(PartnerKind::Funder, "ecosystem:read", None, false)
        .await;
    let own_organisation = pending_organisation(app, "Matrix Own Pending", own_partner.id).await;
    let other_organisation =
        pending_organisation(app, "Matrix Other Pending", other_partner.id).await;
    let scopes = BTreeSet::from([panorama_domain::policy::Scope::EcosystemRead]);
    let spare = |partner: uuid::Uuid| {
        let scopes = scopes.clone();
        async move {
            panorama_api::auth::accounts::add_client(app.store(), partner, &scopes)
                .await
                .unwrap()
                .client
                .client_id
        }
    };
    let spare_clients = (spare(own_partner.id).await, spare(other_partner.id).await);
    let tokens = vec![
        (Anonymous, None),
        (
            Member,
            Some(app.user_token(&["member"], &[&own_organisation.1])),
        ),
        (Partner, Some(app.partner_token(&own_partner).await)),
        (Moderator, Some(app.user_token(&["moderator"], &[]))),
        (Admin, Some(app.user_token(&["admin"], &[]))),
    ];
    World {
        own_organisation,
        other_organisation,
        own_partner,
        other_partner,
        spare_clients,
        tokens,
    }
}

/// The request of an operation on a target, and where its data is in the answer.
fn request(world: &World, operation: &str, target: Target) -> (String, Value, &'static str) {
    let (organisation, partner, spare) = match target {
        Own => (
            &world.own_organisation,
            &world.own_partner,
            &world.spare_clients.0,
        ),
        Other => (
            &world.other_organisation,
            &world.other_partner,
            &world.spare_clients.1,
        ),
    };
    let partner_id = global_id("Partner", partner.id);
    let (query, variables, path) = match operation {
        "organisation" => (
            "query($s: String) { organisation(slug: $s) { name } }",
            json!({ "s": organisation.1 }),
            "organisation",
        ),
        "organisations" => (
            "query($t: String) { organisations(first: 5, filter: { text: $t }) { totalCount } }",
            json!({ "t": organisation.1.replace('-', " ") }),
            "organisations.totalCount",
        ),
        "node" => (
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": global_id("Organisation", organisation.0) }),
            "node",
        ),
        "viewer" => ("{ viewer { role } }", json!({}), "viewer"),
        "partners" => ("{ partners { name } }", json!({}), "partners"),
        "partner" => (
            "query($id: ID!) { partner(id: $id) { name apiClients { clientId } } }",
            json!({ "id": partner_id }),
            "partner",
        ),
        "createOrganisation" => (
            "mutation { createOrganisation(input: { name: \"Matrix Created\", country: \"MT\" }) { record { id status } userErrors { code } } }",
            json!({}),
            "createOrganisation.record",
        ),
        "updateOrganisation" => (
            "mutation($id: ID!, $text: String) { updateOrganisation(input: { id: $id, shortDescription: $text }) { record { id } userErrors { code } } }",
            json!({ "id": global_id("Organisation", organisation.0), "text": format!("edited {}", uuid::Uuid::now_v7()) }),
            "updateOrganisation.record",
        ),
        "archiveOrganisation" | "restoreOrganisation" => (
            if operation == "archiveOrganisation" {
                "mutation($id: ID!) { archiveOrganisation(input: { id: $id }) { record { status } userErrors { code } } }"
            } else {
                "mutation($id: ID!) { restoreOrganisation(input: { id: $id }) { record { status } userErrors { code } } }"
            },
            json!({ "id": global_id("Organisation", organisation.0) }),
            if operation == "archiveOrganisation" {
                "archiveOrganisation.record"
            } else {
                "restoreOrganisation.record"
            },
        ),
        "createPartner" => (
            "mutation { createPartner(input: { name: \"Matrix Made\", kind: FUNDER }) { partner { id } userErrors { code } } }",
            json!({}),
            "createPartner.partner",
        ),
        "addApiClient" => (
            "mutation($id: ID!) { addApiClient(input: { partnerId: $id, scopes: [\"ecosystem:read\"] }) { clientSecret userErrors { code } } }",
            json!({ "id": partner_id }),
            "addApiClient.clientSecret",
        ),
        "revokeApiClient" => (
            "mutation($c: String!) { revokeApiClient(input: { clientId: $c }) { client { revokedAt } userErrors { code } } }",
            json!({ "c": spare }),
            "revokeApiClient.client.revokedAt",
        ),
        "suspendPartner" | "activatePartner" => (
            if operation == "suspendPartner" {
                "mutation($id: ID!) { suspendPartner(input: { partnerId: $id }) { partner { status } userErrors { code } } }"
            } else {
                "mutation($id: ID!) { activatePartner(input: { partnerId: $id }) { partner { status } userErrors { code } } }"
            },
            json!({ "id": partner_id }),
            if operation == "suspendPartner" {
                "suspendPartner.partner.status"
            } else {
                "activatePartner.partner.status"
            },
        ),
        other => panic!("the matrix names `{other}`, which this test cannot run"),
    };
    (query.to_owned(), variables, path)
}

fn outcome(body: &Value, path: &str) -> Outcome {
    match error_code(body) {
        Some("UNAUTHENTICATED") => return Unauthenticated,
        Some("FORBIDDEN") => return Forbidden,
        Some(other) => panic!("unexpected error {other}: {body}"),
        None => {}
    }
    let value = path.split('.').fold(&body["data"], |v, key| &v[key]);
    let empty =
        value.is_null() || value == &json!(0) || value.as_array().is_some_and(Vec::is_empty);
    if empty { Absent } else { Allowed }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_caller_gets_what_the_policy_says() {
    for backend in backends() {
        let app = TestApp::with_demo(&backend).await;
        let world = world(&app).await;
        check_completeness(&app).await;
        let mut failures = Vec::new();
        for (operation, who, target, expected) in MATRIX {
            let token = world
                .tokens
                .iter()
                .find(|(w, _)| w == who)
                .and_then(|(_, t)| t.as_deref());
            let (query, variables, path) = request(&world, operation, *target);
            let (_, body) = app.graphql_as(token, &query, variables).await;
            let got = outcome(&body, path);
            if got != *expected {
                failures.push(format!("{operation} as {who:?} on {target:?}: expected {expected:?}, got {got:?} ({body})"));
            }
        }
        assert!(
            failures.is_empty(),
            "[{backend:?}]\n{}",
            failures.join("\n")
        );
        app.stop().await;
    }
}

/// Every mutation has a row for every kind of caller; every query field is in the matrix or
/// named as reading through the same checked machinery.
async fn check_completeness(app: &TestApp) {
    let schema = app
        .data(
            "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }",
            json!({}),
        )
        .await;
    let names = |kind: &str| -> Vec<String> {
        schema["__schema"][kind]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_owned())
            .collect()
    };
    for mutation in names("mutationType") {
        for who in [Anonymous, Member, Partner, Moderator, Admin] {
            assert!(
                MATRIX
                    .iter()
                    .any(|(op, w, _, _)| *op == mutation && *w == who),
                "mutation `{mutation}` has no access-matrix row for {who:?}"
            );
        }
    }
    for field in names("queryType") {
        assert!(
            MATRIX.iter().any(|(op, ..)| *op == field)
                || SAME_SCOPE_AS_MATRIX.contains(&field.as_str()),
            "query field `{field}` is neither in the access matrix nor listed as reading through it"
        );
    }
}
