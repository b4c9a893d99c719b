//! The write path of records, below the API: checked changes, optimistic versions and
//! revisions written with the change.

use panorama_domain::Organisation;
use panorama_domain::changes::{OrganisationChanges, Patch};
use panorama_domain::model::{RecordMeta, RecordStatus, Source};
use panorama_domain::validation::{FieldError, SchemeList};
use panorama_persistence::StoreError;
use panorama_persistence::change::ChangeError;
use panorama_persistence::history::{Action, Author};
use panorama_tests::{TestApp, backends, postgres_only};

fn author() -> Author {
    Author {
        subject: "test-editor".into(),
        partner: None,
    }
}

/// A new published organisation made of `changes`.
fn new_organisation(changes: OrganisationChanges) -> Organisation {
    let meta = RecordMeta::new(RecordStatus::Published, Source::Web);
    changes.create(meta, &SchemeList::fallback()).unwrap()
}

fn set_short_description(text: &str) -> OrganisationChanges {
    OrganisationChanges {
        short_description: Patch::Set(text.to_owned()),
        ..OrganisationChanges::default()
    }
}

fn apply(
    changes: OrganisationChanges,
) -> impl Fn(panorama_domain::Organisation) -> Result<panorama_domain::Organisation, Vec<FieldError>>
{
    move |o| changes.apply(o, &SchemeList::fallback())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_are_versioned_checked_and_recorded() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let store = app.store();
        let created = OrganisationChanges {
            name: Patch::Set("Open Ward Collective".into()),
            city: Patch::Set("Nairobi".into()),
            focus: Patch::Set(vec!["OPEN_DATA".into()]),
            ..OrganisationChanges::default()
        };
        let created = store
            .create_record(new_organisation(created), &Action::new("CREATE", &author()))
            .await
            .unwrap();
        assert_eq!(
            (created.slug.as_str(), created.meta.version),
            ("open-ward-collective", 1)
        );

        let changed = store
            .change_record(
                created.meta.id,
                Some(1),
                &Action::new("UPDATE", &author()),
                apply(set_short_description("Open ward data")),
            )
            .await
            .unwrap();
        assert_eq!(changed.meta.version, 2);
        assert_eq!(
            changed.place.city.as_deref(),
            Some("Nairobi"),
            "fields left out are unchanged"
        );

        // Nothing to change: no new version, no revision.
        let same = store
            .change_record(
                created.meta.id,
                Some(2),
                &Action::new("UPDATE", &author()),
                apply(set_short_description("Open ward data")),
            )
            .await
            .unwrap();
        assert_eq!(same.meta.version, 2);

        // A stale version and an invalid change write nothing.
        let stale = store
            .change_record(
                created.meta.id,
                Some(1),
                &Action::new("UPDATE", &author()),
                apply(set_short_description("lost")),
            )
            .await;
        assert!(
            matches!(
                stale,
                Err(ChangeError::Store(StoreError::StaleVersion { current: 2 }))
            ),
            "{stale:?}"
        );
        let invalid = OrganisationChanges {
            website: Patch::Set("ftp://nope".into()),
            ..OrganisationChanges::default()
        };
        let invalid = store
            .change_record(
                created.meta.id,
                Some(2),
                &Action::new("UPDATE", &author()),
                apply(invalid),
            )
            .await;
        assert!(
            matches!(&invalid, Err(ChangeError::Invalid(errors)) if errors[0].field == "website"),
            "{invalid:?}"
        );

        let (revisions, more) = store
            .revisions("organisation", created.meta.id, None, 10)
            .await
            .unwrap();
        assert!(!more);
        let versions: Vec<(i32, &str)> = revisions
            .iter()
            .map(|r| (r.version, r.action.as_str()))
            .collect();
        assert_eq!(versions, [(2, "UPDATE"), (1, "CREATE")]);
        let update = &revisions[0];
        assert_eq!(update.actor, "test-editor");
        assert_eq!(update.changes.len(), 1);
        assert_eq!(update.changes[0].field, "shortDescription");
        assert_eq!(
            (
                update.changes[0].before.clone(),
                update.changes[0].after.clone()
            ),
            (serde_json::Value::Null, serde_json::json!("Open ward data"))
        );
        assert!(revisions[1].changes.iter().any(|c| c.field == "name"));
        let stored = store
            .record_for_change::<Organisation>(created.meta.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (stored.meta.version, stored.short_description.as_deref()),
            (2, Some("Open ward data"))
        );
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_changes_to_one_version_exactly_one_wins() {
    let Some(postgres) = postgres_only() else {
        return;
    };
    let app = TestApp::empty(&postgres).await;
    let store = app.store().clone();
    let name = OrganisationChanges {
        name: Patch::Set("Contended".into()),
        ..OrganisationChanges::default()
    };
    let created = store
        .create_record(new_organisation(name), &Action::new("CREATE", &author()))
        .await
        .unwrap();
    for round in 1..=3 {
        let writers: Vec<_> = (0..8)
            .map(|writer| {
                let store = store.clone();
                let id = created.meta.id;
                tokio::spawn(async move {
                    let text = format!("round {round}, writer {writer}");
                    let result = store
                        .change_record(
                            id,
                            Some(round),
                            &Action::new("UPDATE", &author()),
                            apply(set_short_description(&text)),
                        )
                        .await;
                    (text, result)
                })
            })
            .collect();
        let mut winners = Vec::new();
        for writer in writers {
            let (text, result) = writer.await.unwrap();
            match result {
                Ok(organisation) => winners.push((text, organisation.meta.version)),
                Err(ChangeError::Store(StoreError::StaleVersion { current })) => {
                    assert_eq!(current, round + 1)
                }
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: {winners:?}");
        let stored = store
            .record_for_change::<Organisation>(created.meta.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (stored.short_description.as_deref(), stored.meta.version),
            (Some(winners[0].0.as_str()), round + 1)
        );
    }
    let (revisions, _) = store
        .revisions("organisation", created.meta.id, None, 100)
        .await
        .unwrap();
    let versions: Vec<i32> = revisions.iter().map(|r| r.version).collect();
    assert_eq!(
        versions,
        [4, 3, 2, 1],
        "one revision per version, none lost"
    );
    app.stop().await;
}
