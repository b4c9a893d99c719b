//! The example funder client in `examples/funder-sync` (Python, standard library only), run
//! against a real server: it pushes a CSV of grants twice (created, then unchanged), and
//! mirrors the registry through the change feed until its copy equals the registry.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use panorama_domain::policy::PartnerKind;
use panorama_tests::{TestApp, TestPartner, backends, uuid_of};
use serde_json::{Value, json};

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/funder-sync")
}

fn python() -> Option<&'static str> {
    let works = |name: &str| {
        Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    ["python3", "python"].into_iter().find(|name| works(name))
}

/// Runs the example with `args`; its stdout, or a panic with its stderr.
async fn run(app: &TestApp, partner: &TestPartner, args: &[&str]) -> String {
    let python = python().expect("checked before");
    let mut command = Command::new(python);
    command
        .arg(example_dir().join("panorama_sync.py"))
        .args(args)
        .env("PANORAMA_URL", app.url(""))
        .env("PANORAMA_CLIENT_ID", &partner.client_id)
        .env("PANORAMA_CLIENT_SECRET", &partner.secret);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the example failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The published organisations, projects and grants as id → version, as the API lists them.
async fn registry(app: &TestApp) -> BTreeMap<String, i64> {
    let mut versions = BTreeMap::new();
    for listing in ["organisations", "projects", "grants"] {
        let query = format!("{{ {listing}(first: 100) {{ nodes {{ id version }} }} }}");
        let data = app.data(&query, json!({})).await;
        for node in data[listing]["nodes"].as_array().unwrap() {
            versions.insert(
                node["id"].as_str().unwrap().to_owned(),
                node["version"].as_i64().unwrap(),
            );
        }
    }
    versions
}

fn mirrored(state: &Path) -> BTreeMap<String, i64> {
    let text = std::fs::read_to_string(state.join("mirror.json")).unwrap();
    let mirror: Value = serde_json::from_str(&text).unwrap();
    mirror["records"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, record)| (id.clone(), record["version"].as_i64().unwrap()))
        .collect()
}

/// Runs the mirror until its copy equals the registry. On PostgreSQL the feed shows a change
/// only once every older transaction in the cluster has finished, so a run may be early.
async fn mirror_until_equal(app: &TestApp, partner: &TestPartner, state: &Path) {
    let expected = registry(app).await;
    for _ in 0..50 {
        run(
            app,
            partner,
            &["mirror", "--state", state.to_str().unwrap()],
        )
        .await;
        if mirrored(state) == expected {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(mirrored(state), expected, "the mirror never caught up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_client_pushes_grants_and_mirrors_the_registry() {
    let Some(_) = python() else {
        println!("skipped: no python3 on this machine to run examples/funder-sync");
        return;
    };
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let moderator = &app.user_token(&["moderator"], &[]);
        let create = r#"mutation($name: String) { createOrganisation(input: { name: $name }) { record { id } } }"#;
        let mut ids = Vec::new();
        for name in ["Example Fund", "Feed Alpha", "Feed Beta"] {
            let data = app
                .data_as(Some(moderator), create, json!({ "name": name }))
                .await;
            ids.push(
                data["createOrganisation"]["record"]["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        let funder = app
            .partner(
                PartnerKind::Funder,
                "ecosystem:read ecosystem:write grants:write",
                Some(uuid_of(&ids[0])),
                true,
            )
            .await;

        let csv = example_dir().join("grants.example.csv");
        let csv = csv.to_str().unwrap();
        let first = run(&app, &funder, &["push-grants", "--file", csv]).await;
        assert!(first.contains("upsertOrganisations: CREATED 2"), "{first}");
        assert!(first.contains("upsertGrants: CREATED 3"), "{first}");
        let again = run(&app, &funder, &["push-grants", "--file", csv]).await;
        assert!(
            again.contains("upsertOrganisations: UNCHANGED 2"),
            "{again}"
        );
        assert!(again.contains("upsertGrants: UNCHANGED 3"), "{again}");

        // A first run copies the registry; later runs follow the feed.
        let state = tempfile::tempdir().unwrap();
        mirror_until_equal(&app, &funder, state.path()).await;
        assert_eq!(
            mirrored(state.path()).len(),
            8,
            "3 + 2 organisations, 3 grants"
        );
        let archive =
            r#"mutation($id: ID!) { archiveOrganisation(input: { id: $id }) { record { id } } }"#;
        app.data_as(Some(moderator), archive, json!({ "id": ids[1] }))
            .await;
        let rename = r#"mutation($id: ID!) { updateOrganisation(input: { id: $id, name: "Feed Beta Renamed" }) { record { id } } }"#;
        app.data_as(Some(moderator), rename, json!({ "id": ids[2] }))
            .await;
        app.data_as(Some(moderator), create, json!({ "name": "Feed Gamma" }))
            .await;
        mirror_until_equal(&app, &funder, state.path()).await;
        let text = std::fs::read_to_string(state.path().join("mirror.json")).unwrap();
        assert!(text.contains("Feed Beta Renamed") && !text.contains("Feed Alpha"));
        app.stop().await;
    }
}
