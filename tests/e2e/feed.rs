//! The change feed: every change to published data, in commit order, resumable from a cursor;
//! and, on PostgreSQL, a reader that follows it while many writers commit out of order ends up
//! with exactly the published registry.

use std::collections::HashMap;
use std::sync::Arc;

use panorama_domain::changes::{OrganisationChanges, Patch};
use panorama_domain::model::{Organisation, RecordMeta, RecordStatus, Source};
use panorama_domain::validation::SchemeList;
use panorama_persistence::feed::{FeedCursor, Operation};
use panorama_persistence::history::{Action, Author};
use panorama_tests::{TestApp, backends, postgres_only};
use serde_json::{Value, json};
use uuid::Uuid;

const FEED: &str = r#"query($after: String, $types: [RecordType!]) {
    changes(after: $after, first: 50, types: $types) {
        retentionDays
        pageInfo { endCursor hasNextPage }
        edges { node { recordId recordType operation version survivorId } } } }"#;

/// The feed's events after `after` as (record id, operation, version), and the new cursor,
/// once there are at least `expected` of them. On PostgreSQL the feed shows an event only when
/// no older transaction is still running anywhere in the cluster (other tests' included), so
/// a reader may have to ask again.
async fn read(
    app: &TestApp,
    after: &Value,
    types: Value,
    expected: usize,
) -> (Vec<(String, String, i64)>, Value) {
    for _ in 0..100 {
        let (events, cursor) = read_once(app, after, types.clone()).await;
        if events.len() >= expected {
            return (events, cursor);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {expected} events after {after}");
}

async fn read_once(
    app: &TestApp,
    after: &Value,
    types: Value,
) -> (Vec<(String, String, i64)>, Value) {
    let data = app
        .data(FEED, json!({ "after": after, "types": types }))
        .await;
    let feed = &data["changes"];
    assert_eq!(feed["retentionDays"], 90);
    let events = feed["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let n = &e["node"];
            (
                n["recordId"].as_str().unwrap().to_owned(),
                n["operation"].as_str().unwrap().to_owned(),
                n["version"].as_i64().unwrap(),
            )
        })
        .collect();
    let end = feed["pageInfo"]["endCursor"].clone();
    (events, if end.is_null() { after.clone() } else { end })
}

async fn mutate(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    app.data_as(Some(token), query, variables).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_lists_changes_to_published_data_in_order() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let moderator = &app.user_token(&["moderator"], &[]);
        let member = &app.user_token(&["member"], &[]);
        let create = r#"mutation($name: String) { createOrganisation(input: { name: $name, country: "FR" }) { record { id } } }"#;
        let a = mutate(&app, moderator, create, json!({ "name": "Atelier Alpha" })).await["createOrganisation"]["record"]["id"].as_str().unwrap().to_owned();
        let (events, cursor) = read(&app, &Value::Null, Value::Null, 1).await;
        assert_eq!(events, [(a.clone(), "UPSERT".to_owned(), 1)]);

        // A pending submission is not in the feed until it is published.
        let project =
            r#"mutation { createProject(input: { title: "Quiet Project" }) { record { id } } }"#;
        let p = mutate(&app, member, project, json!({})).await["createProject"]["record"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let approve =
            r#"mutation($id: ID!) { approve(input: { id: $id }) { record { version } } }"#;
        mutate(&app, moderator, approve, json!({ "id": p })).await;
        let archive = r#"mutation($id: ID!) { archiveOrganisation(input: { id: $id }) { record { version } } }"#;
        mutate(&app, moderator, archive, json!({ "id": a })).await;
        let (events, cursor) = read(&app, &cursor, Value::Null, 2).await;
        assert_eq!(
            events,
            [
                (p.clone(), "UPSERT".to_owned(), 2),
                (a.clone(), "DELETE".to_owned(), 2)
            ]
        );

        // A merge is a tombstone pointing at the survivor, after the survivor's own change.
        let b = mutate(&app, moderator, create, json!({ "name": "Atelier Beta" })).await["createOrganisation"]["record"]["id"].as_str().unwrap().to_owned();
        let c = mutate(&app, moderator, create, json!({ "name": "Atelier Gamma" })).await["createOrganisation"]["record"]["id"].as_str().unwrap().to_owned();
        let merge = r#"mutation($s: ID!, $m: ID!) { mergeOrganisations(input: { survivorId: $s, mergedId: $m }) { record { id } } }"#;
        mutate(&app, moderator, merge, json!({ "s": c, "m": b })).await;
        // Beta and Gamma created, Gamma's new version, Beta's tombstone.
        read(&app, &cursor, json!(["ORGANISATION"]), 4).await;
        let data = app
            .data(FEED, json!({ "after": cursor, "types": ["ORGANISATION"] }))
            .await;
        let nodes: Vec<&Value> = data["changes"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["node"])
            .collect();
        let last = nodes.last().unwrap();
        assert_eq!(
            (last["recordId"].as_str(), last["operation"].as_str()),
            (Some(b.as_str()), Some("MERGE"))
        );
        assert_eq!(last["survivorId"], c.as_str());
        let survivor_versions: Vec<i64> = nodes
            .iter()
            .filter(|n| n["recordId"] == c.as_str())
            .map(|n| n["version"].as_i64().unwrap())
            .collect();
        assert_eq!(survivor_versions, [1, 2]);
        let (projects_only, _) = read_once(&app, &cursor, json!(["PROJECT"])).await;
        assert!(projects_only.is_empty());
        let bad = app.graphql(FEED, json!({ "after": "not-a-cursor" })).await;
        assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_from_before_pruned_events_is_refused_not_skipped() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let moderator = &app.user_token(&["moderator"], &[]);
        let create = r#"mutation($name: String) { createOrganisation(input: { name: $name }) { record { id } } }"#;
        for name in ["Prune One", "Prune Two", "Prune Three"] {
            mutate(&app, moderator, create, json!({ "name": name })).await;
        }
        let (_, after_all) = read(&app, &Value::Null, Value::Null, 3).await;
        let after_first = json!(first_cursor(&app).await);
        let head = r#"{ changes(first: 1) { headCursor } }"#;
        let head_before = app.data(head, json!({})).await;
        assert_eq!(head_before["changes"]["headCursor"], after_all);

        // Everything so far is older than the retention window now.
        let pruned = app
            .store()
            .prune_changes(chrono::Utc::now() + chrono::Duration::seconds(1))
            .await
            .unwrap();
        assert_eq!(pruned, 3);
        let stale = app.graphql(FEED, json!({ "after": after_first })).await;
        assert_eq!(stale["errors"][0]["extensions"]["code"], "CURSOR_EXPIRED");
        assert!(stale["data"].is_null());
        // A reader that had everything resumes; the head stays where it was.
        let (events, _) = read_once(&app, &after_all, Value::Null).await;
        assert!(events.is_empty());
        assert_eq!(app.data(head, json!({})).await, head_before);
        let four = mutate(&app, moderator, create, json!({ "name": "Prune Four" })).await;
        let (events, _) = read(&app, &after_all, Value::Null, 1).await;
        assert_eq!(
            events[0].0,
            four["createOrganisation"]["record"]["id"].as_str().unwrap()
        );
        app.stop().await;
    }
}

/// The cursor of the feed's first event.
async fn first_cursor(app: &TestApp) -> String {
    let data = app
        .data("{ changes(first: 1) { edges { cursor } } }", json!({}))
        .await;
    data["changes"]["edges"][0]["cursor"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn author() -> Author {
    Author {
        subject: "feed-writer".into(),
        partner: None,
    }
}

fn named(name: String) -> Organisation {
    let changes = OrganisationChanges {
        name: Patch::Set(name),
        ..OrganisationChanges::default()
    };
    let meta = RecordMeta::new(RecordStatus::Published, Source::Web);
    changes.create(meta, &SchemeList::fallback()).unwrap()
}

/// Many writers create, rename, archive and restore organisations at once while a reader
/// follows the feed; at the end the reader's mirror (id → version of every published
/// organisation) is exactly the database's. (With the feed's `xmin` condition taken out, this
/// test failed in each of three runs: the reader skipped events committed out of order.)
#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn a_reader_following_the_feed_mirrors_the_registry_under_concurrent_writers() {
    let Some(postgres) = postgres_only() else {
        return;
    };
    let app = TestApp::empty(&postgres).await;
    let store = app.store().clone();
    // Once the writers are done: the last event written, which the reader must reach.
    let last_event: Arc<std::sync::OnceLock<FeedCursor>> = Arc::new(std::sync::OnceLock::new());

    let reader = {
        let store = store.clone();
        let last_event = last_event.clone();
        tokio::spawn(async move {
            let mut mirror: HashMap<Uuid, i32> = HashMap::new();
            let mut cursor = FeedCursor::default();
            let mut pages = 0;
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            loop {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the reader did not catch up"
                );
                let reached = last_event.get().is_some_and(|last| cursor >= *last);
                if reached {
                    return (mirror, pages);
                }
                let events = store.changes(cursor, 200, &[]).await.unwrap();
                pages += 1;
                for event in &events {
                    assert!(event.cursor > cursor, "the feed never goes back");
                    cursor = event.cursor;
                    match event.operation {
                        Operation::Upsert => {
                            let seen = mirror.insert(event.record_id, event.version);
                            assert!(seen.is_none_or(|v| v < event.version), "versions only grow");
                        }
                        Operation::Delete | Operation::Merge => {
                            mirror.remove(&event.record_id);
                        }
                    }
                }
                if events.is_empty() {
                    // Nothing visible yet: an older transaction is still open somewhere.
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
            }
        })
    };

    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let store = store.clone();
            tokio::spawn(async move {
                let author = author();
                let action = |name| Action::new(name, &author);
                for round in 0..15 {
                    let created = store
                        .create_record(
                            named(format!("Writer {writer} round {round}")),
                            &action("CREATE"),
                        )
                        .await
                        .unwrap();
                    let id = created.meta.id;
                    let rename = |o: Organisation| {
                        Ok(Organisation {
                            short_description: Some(format!("renamed by {writer}")),
                            ..o
                        })
                    };
                    store
                        .change_record(id, None, &action("UPDATE"), rename)
                        .await
                        .unwrap();
                    if round % 3 == 0 {
                        let archive = |mut o: Organisation| {
                            o.meta.status = RecordStatus::Archived;
                            Ok(o)
                        };
                        store
                            .change_record(id, None, &action("ARCHIVE"), archive)
                            .await
                            .unwrap();
                    }
                    if round % 6 == 0 {
                        let restore = |mut o: Organisation| {
                            o.meta.status = RecordStatus::Published;
                            Ok(o)
                        };
                        store
                            .change_record(id, None, &action("RESTORE"), restore)
                            .await
                            .unwrap();
                    }
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    let last: (i64, i64) = {
        use sea_orm::{ConnectionTrait, Statement};
        let db = store.connection();
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT txid, id FROM change_event ORDER BY txid DESC, id DESC LIMIT 1",
            ))
            .await
            .unwrap()
            .unwrap();
        (
            row.try_get("", "txid").unwrap(),
            row.try_get("", "id").unwrap(),
        )
    };
    last_event
        .set(FeedCursor {
            txid: last.0,
            id: last.1,
        })
        .unwrap();
    let (mirror, pages) = reader.await.unwrap();

    let rows: Vec<(Uuid, i32)> = {
        use sea_orm::{ConnectionTrait, Statement};
        let db = store.connection();
        db.query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id, version FROM organisation WHERE status = 'PUBLISHED'",
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            (
                row.try_get("", "id").unwrap(),
                row.try_get("", "version").unwrap(),
            )
        })
        .collect()
    };
    let published: HashMap<Uuid, i32> = rows.into_iter().collect();
    eprintln!(
        "mirror of {} organisations after {pages} reads",
        mirror.len()
    );
    assert_eq!(
        published.len(),
        8 * 15 - 8 * 5 + 8 * 3,
        "the writers' net result"
    );
    assert_eq!(
        mirror, published,
        "the mirror is exactly the published registry"
    );
    app.stop().await;
}
