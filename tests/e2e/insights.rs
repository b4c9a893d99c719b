//! Ecosystem insights (issue 7, points 1, 2 and 5): `ecosystemStats`, `Organisation.network` and
//! `path` on a small graph whose every figure is known, the snapshot of the published network
//! they answer from, the query-cost limits on networks, and the figures of the real DSI4EU
//! export checked against the files themselves.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::time::Duration;

use panorama_domain::*;
use panorama_persistence::{Store, write};
use panorama_tests::{
    TestApp, backends, dsi4eu_export, error_code, global_id, letter_of, organisation_record,
    project_record,
};
use rust_decimal::Decimal;
use sea_orm::TransactionTrait;
use serde_json::{Value, json};
use uuid::Uuid;

/// The small ecosystem of these tests, by letter:
///
/// ```text
///   B ── A ── E        project P1 (published): A, B, C        grant: E funds A
///    \   |    |        project P2 (draft): C, D (ties nobody)  support: D mentors E
///     ── C ── D        link: C partner of D                    link: A → F (F is a draft)
///   G alone; F a draft
/// ```
///
/// Types: A, B, F grassroots; C for-profit; D academia; E social enterprise; G public sector.
struct Fixture {
    ids: HashMap<char, Uuid>,
    p1: Uuid,
    link_cd: Uuid,
    grant_ea: Uuid,
}

impl Fixture {
    fn id(&self, letter: char) -> String {
        global_id("Organisation", self.ids[&letter])
    }

    fn letter(&self, global: &Value) -> char {
        letter_of(&self.ids, global)
    }

    /// The letters of a list of organisations (`{ id }` objects), in order.
    fn letters(&self, list: &Value) -> String {
        list.as_array()
            .expect("a list")
            .iter()
            .map(|o| self.letter(&o["id"]))
            .collect()
    }
}

fn meta(status: RecordStatus) -> RecordMeta {
    RecordMeta::new(status, Source::Demo)
}

fn organisation(letter: char, kind: &str, status: RecordStatus) -> Organisation {
    Organisation {
        organisation_type: Some(kind.into()),
        size: Some("SIZE_0_5".into()),
        place: Place {
            country: Some(if letter < 'D' { "FR" } else { "IT" }.into()),
            ..Place::default()
        },
        ..organisation_record(&format!("Organisation {letter}"), status)
    }
}

fn project(title: &str, status: RecordStatus) -> Project {
    Project {
        place: Place {
            country: Some("FR".into()),
            ..Place::default()
        },
        classification: Classification {
            focus: vec!["OPEN_DATA".into()],
            technologies: vec![],
            impact_areas: vec!["SKILLS_AND_LEARNING".into()],
        },
        ..project_record(title, status)
    }
}

fn link(from: Uuid, to: Uuid, status: RecordStatus) -> OrganisationLink {
    OrganisationLink {
        meta: meta(status),
        from_id: from,
        to_id: to,
        kind: LinkKind::Partner,
    }
}

/// Waits until every event of the feed has settled. On PostgreSQL an event settles once no
/// older transaction runs anywhere in the cluster, so while other tests write, the seed's events
/// may settle only after the first snapshot is read: the feed's mark then moves, and the next
/// request reads the network again (as it should, not knowing that nothing it lacks came
/// with them). Tests that count statements or builds start from a settled feed.
async fn settled(store: &Store) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let mark = store.feed_mark().await.unwrap();
        if mark.head.id == mark.newest {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the feed did not settle in 30 s: {mark:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn seed(store: &Store) -> Fixture {
    use RecordStatus::{Draft, Published};
    let txn = store.connection().begin().await.unwrap();
    let mut ids = HashMap::new();
    for (letter, kind, status) in [
        ('A', "GRASSROOTS", Published),
        ('B', "GRASSROOTS", Published),
        ('C', "FOR_PROFIT", Published),
        ('D', "ACADEMIA_RESEARCH", Published),
        ('E', "SOCIAL_ENTERPRISE_OR_NON_PROFIT", Published),
        ('F', "GRASSROOTS", Draft),
        ('G', "GOVERNMENT_PUBLIC_SECTOR", Published),
    ] {
        let o = organisation(letter, kind, status);
        write::insert_organisation(&txn, &o).await.unwrap();
        ids.insert(letter, o.meta.id);
    }
    let (p1, p2) = (project("P1", Published), project("P2", Draft));
    for p in [&p1, &p2] {
        write::insert_project(&txn, p).await.unwrap();
    }
    let member = |project: &Project, letter: char, role| Participation {
        project_id: project.meta.id,
        organisation_id: ids[&letter],
        role,
    };
    let participations = [
        member(&p1, 'A', ParticipationRole::Lead),
        member(&p1, 'B', ParticipationRole::Partner),
        member(&p1, 'C', ParticipationRole::Partner),
        // One organisation in two roles is still one tie.
        member(&p1, 'C', ParticipationRole::Adviser),
        member(&p2, 'C', ParticipationRole::Lead),
        member(&p2, 'D', ParticipationRole::Partner),
    ];
    write::insert_participations(&txn, &participations)
        .await
        .unwrap();
    let link_cd = link(ids[&'C'], ids[&'D'], Published);
    write::insert_link(&txn, &link_cd).await.unwrap();
    write::insert_link(&txn, &link(ids[&'A'], ids[&'F'], Published))
        .await
        .unwrap();
    let grant = Grant {
        meta: meta(Published),
        identifier: "360G-insights-1".into(),
        title: "Seed grant".into(),
        description: None,
        amount_awarded: Money {
            amount: Decimal::new(10_000, 0),
            currency: "EUR".into(),
        },
        amount_applied_for: None,
        amount_disbursed: None,
        award_date: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
        planned_start: None,
        planned_end: None,
        funder_id: ids[&'E'],
        recipient_id: ids[&'A'],
        project_id: None,
        programme: None,
        beneficiary_countries: vec![],
        classifications: vec![],
    };
    write::insert_grant(&txn, &grant).await.unwrap();
    let support = Support {
        meta: meta(Published),
        supporter_id: ids[&'D'],
        organisation_id: Some(ids[&'E']),
        project_id: None,
        kind: SupportKind::Mentoring,
        start_date: None,
        end_date: None,
        description: None,
    };
    write::insert_support(&txn, &support).await.unwrap();
    txn.commit().await.unwrap();
    settled(store).await;
    Fixture {
        ids,
        p1: p1.meta.id,
        link_cd: link_cd.meta.id,
        grant_ea: grant.meta.id,
    }
}

const STATS: &str = r#"query($filter: OrganisationFilterInput) { ecosystemStats(filter: $filter) {
    organisations { total organisationTypes { value label count share } sizes { value count share }
                    countries { value count share } }
    projects { total countries { value count } focus { value count share } impactAreas { value count share } }
    ties { sharedProjects links grants support pairs }
    linked { count share } linkedToOwnType { count share }
    components { count sizes isolated }
    centralByDegree(first: 2) { organisation { id } degree betweenness }
    centralByBetweenness(first: 3) { organisation { id } degree betweenness } } }"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecosystem_stats_count_published_organisations_ties_and_centrality() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let f = seed(app.store()).await;
        let stats = app.data(STATS, json!({})).await["ecosystemStats"].clone();

        // F is a draft: six organisations; P2 is a draft: one project.
        let organisations = &stats["organisations"];
        assert_eq!(organisations["total"], 6);
        assert_eq!(
            organisations["organisationTypes"][0],
            json!({ "value": "GRASSROOTS", "label": "Grassroots organisation or community network",
                    "count": 2, "share": 2.0 / 6.0 })
        );
        assert_eq!(
            organisations["organisationTypes"].as_array().unwrap().len(),
            5
        );
        assert_eq!(
            organisations["sizes"],
            json!([{ "value": "SIZE_0_5", "count": 6, "share": 1.0 }])
        );
        assert_eq!(
            organisations["countries"],
            json!([{ "value": "FR", "count": 3, "share": 0.5 }, { "value": "IT", "count": 3, "share": 0.5 }])
        );
        assert_eq!(
            stats["projects"],
            json!({ "total": 1, "countries": [{ "value": "FR", "count": 1 }],
                    "focus": [{ "value": "OPEN_DATA", "count": 1, "share": 1.0 }],
                    "impactAreas": [{ "value": "SKILLS_AND_LEARNING", "count": 1, "share": 1.0 }] })
        );
        // A-B, A-C, B-C (P1), C-D (link), E-A (grant), D-E (support); not A-F nor C-D by P2.
        assert_eq!(
            stats["ties"],
            json!({ "sharedProjects": 3, "links": 1, "grants": 1, "support": 1, "pairs": 6 })
        );
        assert_eq!(stats["linked"], json!({ "count": 5, "share": 5.0 / 6.0 }));
        // Only A and B are tied to one of their own type (grassroots).
        assert_eq!(
            stats["linkedToOwnType"],
            json!({ "count": 2, "share": 2.0 / 6.0 })
        );
        assert_eq!(
            stats["components"],
            json!({ "count": 1, "sizes": [5], "isolated": 1 })
        );
        // A and C have three ties each and lie on 1.5 shortest paths each (A: B-E, half of
        // C-E; C: B-D, half of A-D); D and E on half a path each; B on none.
        let central = |list: &Value| -> Vec<(char, u64, f64)> {
            list.as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    (
                        f.letter(&c["organisation"]["id"]),
                        c["degree"].as_u64().unwrap(),
                        c["betweenness"].as_f64().unwrap(),
                    )
                })
                .collect()
        };
        let by_degree = central(&stats["centralByDegree"]);
        assert_eq!(by_degree.len(), 2);
        assert!(by_degree.iter().all(|(_, d, b)| (*d, *b) == (3, 1.5)));
        let leaders: BTreeSet<char> = by_degree.iter().map(|(l, ..)| *l).collect();
        assert_eq!(leaders, BTreeSet::from(['A', 'C']));
        let by_betweenness = central(&stats["centralByBetweenness"]);
        assert_eq!(by_betweenness[2].2, 0.5, "{by_betweenness:?}");
        assert!(matches!(by_betweenness[2].0, 'D' | 'E'));

        // The listing's filter: grassroots only leaves A and B (F is a draft), tied by P1.
        let filter = json!({ "filter": { "organisationTypes": ["GRASSROOTS"] } });
        let grassroots = app.data(STATS, filter).await["ecosystemStats"].clone();
        assert_eq!(grassroots["organisations"]["total"], 2);
        assert_eq!(grassroots["ties"]["pairs"], 1);
        assert_eq!(
            grassroots["linkedToOwnType"],
            json!({ "count": 2, "share": 1.0 })
        );
        assert_eq!(grassroots["projects"]["total"], 1);

        let bad = app
            .graphql(
                "{ ecosystemStats(filter: { organisationTypes: [\"NOPE\"] }) { linked { count } } }",
                json!({}),
            )
            .await;
        assert_eq!(error_code(&bad), Some("BAD_USER_INPUT"));
        let too_many = app
            .graphql(
                "{ ecosystemStats { centralByDegree(first: 101) { degree } } }",
                json!({}),
            )
            .await;
        assert_eq!(error_code(&too_many), Some("BAD_USER_INPUT"));
        app.stop().await;
    }
}

// ---------------------------------------------------------------------------------------------
// The snapshot of the published network (issue 7, point 5): read once, kept while nothing
// published changes, read again after a change.

const TIES: &str = "{ ecosystemStats { asOf ties { links pairs } components { isolated } } }";

/// A moderator links G (alone until then) to A: a published change of the graph.
async fn link_g_to_a(app: &TestApp, f: &Fixture) {
    let moderator = app.user_token(&["MODERATOR"], &[]);
    let added = app
        .data_as(
            Some(&moderator),
            "mutation($input: AddOrganisationLinkInput!) { addOrganisationLink(input: $input) {
                record { id } userErrors { message } } }",
            json!({ "input": { "fromId": f.id('G'), "toId": f.id('A'), "kind": "PARTNER" } }),
        )
        .await;
    let payload = &added["addOrganisationLink"];
    assert!(payload["record"]["id"].is_string(), "{payload}");
}

/// Asks for the tie figures until `done` holds of them (at most 30 s), without other requests.
async fn figures_when(app: &TestApp, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..600 {
        let stats = app.data(TIES, json!({})).await["ecosystemStats"].clone();
        if done(&stats) {
            return stats;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the figures never showed the change");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_are_kept_until_published_data_changes_then_read_again() {
    for backend in backends() {
        let app = TestApp::counting_statements(&backend, Duration::from_millis(20)).await;
        let f = seed(app.store()).await;
        let before = app.statements();
        let first = app.data(TIES, json!({})).await["ecosystemStats"].clone();
        let building = app.statements() - before;
        let before = app.statements();
        let second = app.data(TIES, json!({})).await["ecosystemStats"].clone();
        let kept = app.statements() - before;
        assert_eq!(
            second, first,
            "[{backend:?}] nothing changed: the same snapshot"
        );
        // The feed's mark is 2 statements (3 while no event has settled); reading the graph
        // takes 5 more: organisations and the four kinds of tie.
        assert!(
            kept <= 3,
            "[{backend:?}] {kept} statements for a kept snapshot"
        );
        assert!(
            building >= kept + 5,
            "[{backend:?}] {building} statements to build"
        );
        assert_eq!(first["ties"], json!({ "links": 1, "pairs": 6 }));
        assert_eq!(first["components"]["isolated"], 1);

        link_g_to_a(&app, &f).await;
        // A build this small is quick, so the next request waits for it: a writer reads its
        // own change at once.
        let third = app.data(TIES, json!({})).await["ecosystemStats"].clone();
        assert_eq!(
            third["ties"],
            json!({ "links": 2, "pairs": 7 }),
            "[{backend:?}]"
        );
        assert_eq!(third["components"]["isolated"], 0);
        assert!(
            third["asOf"].as_str() > first["asOf"].as_str(),
            "{third} {first}"
        );
        app.stop().await;
    }
}

/// Options under which every build counts as slow: a request after a change answers from the
/// snapshot it has.
fn slow_builds(refresh_every: Option<Duration>) -> panorama_api::ApiOptions {
    let mut options = TestApp::default_options();
    options.network = panorama_api::network_cache::NetworkOptions {
        wait_for_builds_under: Duration::ZERO,
        refresh_every,
    };
    options
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_change_a_slow_network_answers_from_the_last_snapshot_while_the_next_is_built() {
    for backend in backends() {
        let app = TestApp::with_options(&backend, slow_builds(None)).await;
        let f = seed(app.store()).await;
        // No snapshot yet: the first request waits for one.
        let first = app.data(TIES, json!({})).await["ecosystemStats"].clone();
        link_g_to_a(&app, &f).await;
        let stale = app.data(TIES, json!({})).await["ecosystemStats"].clone();
        assert_eq!(
            stale, first,
            "[{backend:?}] answered at once from the last snapshot"
        );
        // That request started the next build; the figures show the change once it is done.
        let fresh = figures_when(&app, |s| s["ties"]["links"] == 2).await;
        assert_eq!(fresh["ties"]["pairs"], 7);
        assert!(fresh["asOf"].as_str() > first["asOf"].as_str());
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_reads_the_network_again_after_a_change_before_anyone_asks() {
    for backend in backends() {
        let every = Duration::from_millis(100);
        let app = TestApp::with_options(&backend, slow_builds(Some(every))).await;
        let f = seed(app.store()).await;
        link_g_to_a(&app, &f).await;
        let changed = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
        // Only /metrics is asked: no GraphQL request could start a build.
        let mut waited = 0;
        let as_of = loop {
            let text = app.get("/metrics").await.text().await.unwrap();
            let as_of = text
                .lines()
                .find_map(|l| l.strip_prefix("panorama_network_snapshot_as_of_seconds "))
                .map_or(0.0, |v| v.trim().parse::<f64>().unwrap());
            if as_of >= changed {
                break as_of;
            }
            assert!(waited < 600, "[{backend:?}] the change was not picked up");
            tokio::time::sleep(Duration::from_millis(50)).await;
            waited += 1;
        };
        // Builds count as slow here, so this request answers from the snapshot there is: the
        // refresher's, read after the change.
        let fresh = app.data(TIES, json!({})).await["ecosystemStats"].clone();
        assert_eq!(
            fresh["ties"],
            json!({ "links": 2, "pairs": 7 }),
            "[{backend:?}]"
        );
        let read = chrono::DateTime::parse_from_rfc3339(fresh["asOf"].as_str().unwrap()).unwrap();
        assert!(
            read.timestamp_millis() as f64 / 1000.0 >= changed,
            "{fresh} {as_of}"
        );
        app.stop().await;
    }
}

const NETWORK: &str = r#"query($slug: String!, $depth: Int!, $nodes: Int!, $edges: Int!) {
    organisation(slug: $slug) { network(depth: $depth, maxNodes: $nodes, maxEdges: $edges) {
        truncated
        nodes { distance organisation { id } }
        edges { from { id } to { id } reasons { kind id linkKind supportKind project { title } grant { title } } } } } }"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_and_path_give_the_ties_with_their_reasons_within_bounds() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let f = seed(app.store()).await;
        let network = |slug: &str, depth: u32, nodes: u32, edges: u32| {
            let app = &app;
            let variables = json!({ "slug": slug, "depth": depth, "nodes": nodes, "edges": edges });
            async move { app.graphql(NETWORK, variables).await }
        };
        let found = |body: &Value| -> (String, Vec<u64>, Vec<(char, char)>, bool) {
            let network = &body["data"]["organisation"]["network"];
            let nodes = network["nodes"].as_array().unwrap();
            let edges = network["edges"].as_array().unwrap();
            (
                nodes
                    .iter()
                    .map(|n| f.letter(&n["organisation"]["id"]))
                    .collect(),
                nodes
                    .iter()
                    .map(|n| n["distance"].as_u64().unwrap())
                    .collect(),
                edges
                    .iter()
                    .map(|e| (f.letter(&e["from"]["id"]), f.letter(&e["to"]["id"])))
                    .collect(),
                network["truncated"].as_bool().unwrap(),
            )
        };

        let one = network("organisation-b", 1, 100, 300).await;
        assert_eq!(
            found(&one),
            (
                "BAC".into(),
                vec![0, 1, 1],
                vec![('B', 'A'), ('B', 'C'), ('A', 'C')],
                false
            )
        );
        let reasons = &one["data"]["organisation"]["network"]["edges"][0]["reasons"];
        assert_eq!(
            reasons,
            &json!([{ "kind": "SHARED_PROJECT", "id": global_id("Project", f.p1),
                      "linkKind": null, "supportKind": null, "project": { "title": "P1" }, "grant": null }])
        );

        // Two ties away: E through A's grant, D through C's link; not F (a draft), not G.
        let two = network("organisation-b", 2, 100, 300).await;
        let (nodes, distances, edges, truncated) = found(&two);
        assert_eq!(
            (nodes.as_str(), distances, truncated),
            ("BACED", vec![0, 1, 1, 2, 2], false)
        );
        assert_eq!(
            edges.len(),
            6,
            "{edges:?}: every tie among them, E-D included"
        );
        let two_edges = two["data"]["organisation"]["network"]["edges"]
            .as_array()
            .unwrap();
        let reason_of = |from: char, to: char| {
            two_edges
                .iter()
                .find(|e| f.letter(&e["from"]["id"]) == from && f.letter(&e["to"]["id"]) == to)
                .map(|e| e["reasons"][0].clone())
                .unwrap()
        };
        assert_eq!(reason_of('A', 'E')["grant"]["title"], "Seed grant");
        assert_eq!(reason_of('A', 'E')["id"], global_id("Grant", f.grant_ea));
        assert_eq!(reason_of('C', 'D')["linkKind"], "PARTNER");
        assert_eq!(
            reason_of('C', 'D')["id"],
            global_id("OrganisationLink", f.link_cd)
        );
        assert_eq!(reason_of('E', 'D')["supportKind"], "MENTORING");
        // Nothing more lies three ties away.
        let three = network("organisation-b", 3, 100, 300).await;
        assert_eq!(found(&three), found(&two));

        // Caps cut and say so.
        let capped = network("organisation-b", 2, 3, 300).await;
        assert_eq!(found(&capped).0, "BAC");
        assert!(found(&capped).3);
        let few_edges = network("organisation-b", 1, 100, 2).await;
        assert_eq!(found(&few_edges).2.len(), 2);
        assert!(found(&few_edges).3);
        // An organisation tied to nobody is alone in its network; so is a draft, which a
        // moderator may see but which ties nobody in the published graph.
        assert_eq!(found(&network("organisation-g", 3, 100, 300).await).0, "G");
        let moderator = app.user_token(&["moderator"], &[]);
        let draft = app
            .data_as(
                Some(&moderator),
                NETWORK,
                json!({ "slug": "organisation-f", "depth": 3, "nodes": 100, "edges": 300 }),
            )
            .await;
        let draft_nodes = &draft["organisation"]["network"]["nodes"];
        assert_eq!(f.letter(&draft_nodes[0]["organisation"]["id"]), 'F');
        assert_eq!(draft_nodes.as_array().unwrap().len(), 1);

        for (depth, nodes, edges) in [
            (0, 10, 10),
            (4, 10, 10),
            (1, 0, 10),
            (1, 501, 10),
            (1, 10, 2001),
        ] {
            let body = network("organisation-b", depth, nodes, edges).await;
            assert_eq!(
                error_code(&body),
                Some("BAD_USER_INPUT"),
                "depth {depth}, maxNodes {nodes}, maxEdges {edges}: {body}"
            );
        }

        let path = |from: char, to: char, max: u32| {
            let app = &app;
            let variables = json!({ "from": f.id(from), "to": f.id(to), "max": max });
            async move {
                app.graphql(
                    "query($from: ID!, $to: ID!, $max: Int!) { path(from: $from, to: $to, maxLength: $max) {
                        length organisations { id } steps { from { id } to { id } reasons { kind } } } }",
                    variables,
                )
                .await
            }
        };
        let b_to_d = path('B', 'D', 4).await;
        let chain = &b_to_d["data"]["path"];
        assert_eq!(chain["length"], 2);
        assert_eq!(f.letters(&chain["organisations"]), "BCD");
        let kinds: Vec<&Value> = chain["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| &s["reasons"][0]["kind"])
            .collect();
        assert_eq!(kinds, [&json!("SHARED_PROJECT"), &json!("LINK")]);
        assert_eq!(f.letter(&chain["steps"][1]["from"]["id"]), 'C');
        assert_eq!(
            path('B', 'E', 1).await["data"]["path"],
            Value::Null,
            "two ties needed"
        );
        assert_eq!(
            path('B', 'G', 6).await["data"]["path"],
            Value::Null,
            "G is alone"
        );
        assert_eq!(
            path('A', 'F', 6).await["data"]["path"],
            Value::Null,
            "F is a draft"
        );
        assert_eq!(error_code(&path('B', 'D', 7).await), Some("BAD_USER_INPUT"));
        // Once G is merged into B, G's id stands for B.
        let merged = app
            .data_as(
                Some(&moderator),
                r#"mutation($s: ID!, $m: ID!) { mergeOrganisations(input: { survivorId: $s, mergedId: $m }) {
                    userErrors { field code } } }"#,
                json!({ "s": f.id('B'), "m": f.id('G') }),
            )
            .await;
        assert_eq!(merged["mergeOrganisations"]["userErrors"], json!([]));
        let from_merged = path('G', 'D', 4).await;
        assert_eq!(
            f.letters(&from_merged["data"]["path"]["organisations"]),
            "BCD"
        );
        let not_an_organisation = app
            .graphql(
                "query($to: ID!) { path(from: $to, to: $to) { length } }",
                json!({ "to": global_id("Project", f.p1) }),
            )
            .await;
        assert_eq!(error_code(&not_an_organisation), Some("BAD_USER_INPUT"));
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn networks_count_by_their_caps_and_abusive_nesting_is_refused_before_any_sql() {
    for backend in backends() {
        // A batch window long enough that one level's networks always share one batch.
        let app = TestApp::counting_statements(&backend, Duration::from_millis(250)).await;
        seed(app.store()).await;
        let nested = "{ organisations(first: 100) { nodes { network(depth: 3, maxNodes: 500) {
            nodes { organisation { network(maxNodes: 500) { nodes { organisation { name } } } } } } } } }";
        let before = app.store().statement_count();
        let body = app.graphql(nested, json!({})).await;
        assert_eq!(
            app.store().statement_count(),
            before,
            "[{backend:?}] SQL ran for a refused query"
        );
        assert!(body["data"].is_null(), "{body}");
        let figures = &body["errors"][0]["extensions"];
        assert_eq!(figures["code"], "NODE_LIMIT_EXCEEDED");
        // 1 + 100 organisations + 100 networks + 100 × 500 nodes and their organisations and
        // networks + 50,000 × 500 nodes and their organisations.
        assert_eq!(
            figures["actual"],
            1 + 100 + 100 + 3 * 50_000 + 2 * 25_000_000
        );

        // An accepted network says what it cost: the organisation, its network, 10 nodes and
        // their organisations, 20 edges and 10 reasons each (estimated).
        let body = app
            .graphql(
                r#"{ organisation(slug: "organisation-a") { network(depth: 2, maxNodes: 10, maxEdges: 20) {
                    nodes { organisation { name } } edges { reasons { kind } } } } }"#,
                json!({}),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
        assert_eq!(
            body["extensions"]["cost"]["nodes"],
            1 + 1 + 10 + 10 + 20 + 200
        );

        // The graph is read once per query level, not once per organisation.
        let statements = |first: u32| {
            let app = &app;
            async move {
                let query = format!(
                    "{{ organisations(first: {first}) {{ nodes {{ network {{ truncated }} }} }} }}"
                );
                let before = app.store().statement_count();
                let body = app.graphql(&query, json!({})).await;
                assert!(body["errors"].is_null(), "{body}");
                app.store().statement_count() - before
            }
        };
        assert_eq!(statements(2).await, statements(6).await);
        app.stop().await;
    }
}

// ---------------------------------------------------------------------------------------------
// The real DSI4EU export. The expected figures are computed here from the JSON files with this
// file's own small code (not the importer's), leaving out what the import report says it
// refused.

/// The 2017 names of the areas of impact the study reports on, with their codes.
const IMPACT_NAMES: &[(&str, &str)] = &[
    ("education and skills", "SKILLS_AND_LEARNING"),
    ("participation and democracy", "DIGITAL_DEMOCRACY"),
    ("partecipation and democracy", "DIGITAL_DEMOCRACY"),
    ("culture and arts", "CULTURE_AND_ARTS"),
    ("health and wellbeing", "HEALTH_AND_CARE"),
    ("work and employment", "WORK_AND_EMPLOYMENT"),
    ("neighbourhood regeneration", "CITIES_AND_URBAN_DEVELOPMENT"),
    ("energy and environment", "FOOD_ENVIRONMENT_CLIMATE"),
    ("science", "SCIENCE"),
    ("finance and economy", "FINANCE_AND_ECONOMY"),
];

const TYPE_NAMES: &[(&str, &str)] = &[
    (
        "Social enterprise, charity, foundation or other non-profit",
        "SOCIAL_ENTERPRISE_OR_NON_PROFIT",
    ),
    ("For-profit business", "FOR_PROFIT"),
    ("Academia/Research organisation", "ACADEMIA_RESEARCH"),
    ("Grassroots organisation or community network", "GRASSROOTS"),
    ("Government/Public Sector", "GOVERNMENT_PUBLIC_SECTOR"),
];

fn text_id(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

fn names(record: &Value, key: &str) -> Vec<String> {
    record[key]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str())
        .map(|n| n.trim().to_lowercase())
        .collect()
}

/// What the test knows of the export after the refusals.
struct Expected {
    organisations: usize,
    projects: usize,
    types: BTreeMap<&'static str, usize>,
    /// Organisations with at least one project in each area of impact.
    organisations_by_impact: BTreeMap<&'static str, usize>,
    /// Projects with at least one accepted organisation, in each area of impact.
    projects_with_organisations: usize,
    projects_by_impact: BTreeMap<&'static str, usize>,
    pairs: usize,
    linked: usize,
    linked_to_own_type: usize,
    component_sizes: Vec<usize>,
    max_degree: usize,
    /// Betweenness of every organisation, by 2017 id.
    betweenness: HashMap<String, f64>,
    name_of: HashMap<String, String>,
}

fn expected(data: &std::path::Path, refused: &HashSet<(String, String)>) -> Expected {
    // The first record of each id, unless refused (the import keeps the first of a repeated id).
    let accepted = |file: &str, kind: &str, name: &str| -> BTreeMap<String, Value> {
        let records: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(data.join(file)).unwrap()).unwrap();
        let mut kept = BTreeMap::new();
        for record in records {
            let Some(id) = text_id(&record[format!("{kind}_id")]) else {
                continue;
            };
            let named = record[name].as_str().is_some_and(|n| !n.trim().is_empty());
            let refused = refused.contains(&(kind.to_owned(), id.clone()));
            if named && !refused && !kept.contains_key(&id) {
                kept.insert(id, record);
            }
        }
        kept
    };
    let organisations = accepted("organisations2.json", "organisation", "organisation_name");
    let projects = accepted("projects2.json", "project", "project_name");
    // Links are stored on both sides; either side is enough.
    let mut members: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, o) in &organisations {
        for p in o["linked_project_ids"].as_array().into_iter().flatten() {
            if let Some(p) = text_id(p).filter(|p| projects.contains_key(p)) {
                members.entry(p).or_default().insert(id.clone());
            }
        }
    }
    for (id, p) in &projects {
        for o in p["linked_organisation_ids"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if let Some(o) = text_id(o).filter(|o| organisations.contains_key(o)) {
                members.entry(id.clone()).or_default().insert(o);
            }
        }
    }
    let impact_codes = |p: &Value| -> BTreeSet<&'static str> {
        names(p, "support_tags")
            .iter()
            .filter_map(|n| {
                IMPACT_NAMES
                    .iter()
                    .find(|(name, _)| name == n)
                    .map(|(_, c)| *c)
            })
            .collect()
    };
    let mut organisations_by_impact: BTreeMap<&str, BTreeSet<&String>> = BTreeMap::new();
    let mut projects_by_impact: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (project, organisations_of) in &members {
        for code in impact_codes(&projects[project]) {
            *projects_by_impact.entry(code).or_default() += 1;
            organisations_by_impact
                .entry(code)
                .or_default()
                .extend(organisations_of);
        }
    }
    let type_of = |id: &String| -> Option<&'static str> {
        let name = organisations[id]["organisation_type"]["name"].as_str()?;
        TYPE_NAMES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
    };
    let mut types: BTreeMap<&'static str, usize> = BTreeMap::new();
    for id in organisations.keys() {
        if let Some(code) = type_of(id) {
            *types.entry(code).or_default() += 1;
        }
    }
    // The tie graph: adjacency sets by 2017 id.
    let mut neighbours: BTreeMap<&String, BTreeSet<&String>> = organisations
        .keys()
        .map(|id| (id, BTreeSet::new()))
        .collect();
    for organisations_of in members.values() {
        for a in organisations_of {
            for b in organisations_of {
                if a != b {
                    neighbours.get_mut(a).unwrap().insert(b);
                }
            }
        }
    }
    let pairs = neighbours.values().map(BTreeSet::len).sum::<usize>() / 2;
    let linked = neighbours.values().filter(|n| !n.is_empty()).count();
    let linked_to_own_type = neighbours
        .iter()
        .filter(|(id, n)| type_of(id).is_some_and(|t| n.iter().any(|m| type_of(m) == Some(t))))
        .count();
    let distances = all_distances(&neighbours);
    let mut component_sizes = components(&neighbours);
    component_sizes.retain(|s| *s > 1);
    Expected {
        organisations: organisations.len(),
        projects: projects.len(),
        types,
        organisations_by_impact: organisations_by_impact
            .into_iter()
            .map(|(code, set)| (code, set.len()))
            .collect(),
        projects_with_organisations: members.len(),
        projects_by_impact,
        pairs,
        linked,
        linked_to_own_type,
        component_sizes,
        max_degree: neighbours.values().map(BTreeSet::len).max().unwrap_or(0),
        betweenness: pair_betweenness(&neighbours, &distances),
        name_of: organisations
            .iter()
            .map(|(id, o)| {
                (
                    id.clone(),
                    o["organisation_name"].as_str().unwrap().trim().to_owned(),
                )
            })
            .collect(),
    }
}

type Adjacency<'a> = BTreeMap<&'a String, BTreeSet<&'a String>>;

/// Component sizes, largest first, by flood fill.
fn components(neighbours: &Adjacency<'_>) -> Vec<usize> {
    let mut seen: HashSet<&String> = HashSet::new();
    let mut sizes = Vec::new();
    for start in neighbours.keys() {
        if !seen.insert(start) {
            continue;
        }
        let mut stack = vec![*start];
        let mut size = 0;
        while let Some(id) = stack.pop() {
            size += 1;
            for next in &neighbours[id] {
                if seen.insert(next) {
                    stack.push(next);
                }
            }
        }
        sizes.push(size);
    }
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    sizes
}

/// Distances and numbers of shortest paths from every organisation that has a tie.
fn all_distances<'a>(
    neighbours: &Adjacency<'a>,
) -> HashMap<&'a String, HashMap<&'a String, (u32, f64)>> {
    let mut all = HashMap::new();
    for (&source, n) in neighbours {
        if n.is_empty() {
            continue;
        }
        let mut found: HashMap<&String, (u32, f64)> = HashMap::from([(source, (0, 1.0))]);
        let mut queue = VecDeque::from([source]);
        while let Some(v) = queue.pop_front() {
            let (d, paths) = found[v];
            for &w in &neighbours[v] {
                match found.get_mut(w) {
                    None => {
                        found.insert(w, (d + 1, paths));
                        queue.push_back(w);
                    }
                    Some((dw, pw)) if *dw == d + 1 => *pw += paths,
                    Some(_) => {}
                }
            }
        }
        all.insert(source, found);
    }
    all
}

/// Betweenness by its definition rather than by Brandes' accumulation: for every pair s < t
/// and every v, the share of the shortest s–t paths through v is σ(s,v)·σ(v,t)/σ(s,t) when
/// d(s,v) + d(v,t) = d(s,t).
fn pair_betweenness(
    neighbours: &Adjacency<'_>,
    distances: &HashMap<&String, HashMap<&String, (u32, f64)>>,
) -> HashMap<String, f64> {
    let mut centrality: HashMap<String, f64> = HashMap::new();
    let tied: Vec<&String> = neighbours
        .iter()
        .filter(|(_, n)| !n.is_empty())
        .map(|(id, _)| *id)
        .collect();
    for (i, s) in tied.iter().enumerate() {
        for t in &tied[i + 1..] {
            let Some(&(dst, sst)) = distances[s].get(t) else {
                continue;
            };
            for v in &tied {
                if v == s || v == t {
                    continue;
                }
                let (Some(&(dsv, ssv)), Some(&(dvt, svt))) =
                    (distances[s].get(v), distances[v].get(t))
                else {
                    continue;
                };
                if dsv + dvt == dst {
                    *centrality.entry((*v).clone()).or_default() += ssv * svt / sst;
                }
            }
        }
    }
    centrality
}

const DSI4EU_STATS: &str = r#"{ ecosystemStats {
    organisations { total organisationTypes { value count share } impactAreas { value count share shareOfMentions } }
    projects { total impactAreas { value count share shareOfMentions } }
    ties { sharedProjects links grants support pairs }
    linked { count share } linkedToOwnType { count share }
    components { count sizes isolated }
    centralByDegree(first: 1) { organisation { name } degree }
    centralByBetweenness(first: 5) { organisation { name } betweenness } } }"#;

fn counts(list: &Value) -> BTreeMap<String, u64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["value"].as_str().unwrap().to_owned(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dsi4eu_figures_match_those_computed_from_the_files() {
    let Some((organisations, projects)) = dsi4eu_export() else {
        return;
    };
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let report =
            panorama_server::import::dsi4eu::import(app.store(), &organisations, &projects)
                .await
                .unwrap();
        // A repeated id's first record is kept: only the others are refused.
        let refused: HashSet<(String, String)> = report
            .skipped
            .iter()
            .filter(|s| !s.reason.starts_with("duplicate id"))
            .map(|s| (s.kind.to_owned(), s.source_id.clone()))
            .collect();
        let want = expected(organisations.parent().unwrap(), &refused);
        let stats = app.data(DSI4EU_STATS, json!({})).await["ecosystemStats"].clone();
        eprintln!("[{backend:?}] DSI4EU figures: {stats:#}");

        let orgs = &stats["organisations"];
        assert_eq!(orgs["total"], want.organisations);
        let want_types: BTreeMap<String, u64> = want
            .types
            .iter()
            .map(|(c, n)| ((*c).to_owned(), *n as u64))
            .collect();
        assert_eq!(counts(&orgs["organisationTypes"]), want_types);
        let want_impact = |by: &BTreeMap<&str, usize>| -> BTreeMap<String, u64> {
            by.iter()
                .map(|(c, n)| ((*c).to_owned(), *n as u64))
                .collect()
        };
        assert_eq!(
            counts(&orgs["impactAreas"]),
            want_impact(&want.organisations_by_impact)
        );
        assert_eq!(stats["projects"]["total"], want.projects_with_organisations);
        assert_eq!(
            counts(&stats["projects"]["impactAreas"]),
            want_impact(&want.projects_by_impact)
        );
        assert!(want.projects_with_organisations < want.projects);
        // The study's areas: education, and participation and democracy, as a share of the
        // organisations and as a part of all the areas they name.
        for (list, by, total) in [
            (
                &orgs["impactAreas"],
                &want.organisations_by_impact,
                want.organisations,
            ),
            (
                &stats["projects"]["impactAreas"],
                &want.projects_by_impact,
                want.projects_with_organisations,
            ),
        ] {
            let mentions: usize = by.values().sum();
            for code in ["SKILLS_AND_LEARNING", "DIGITAL_DEMOCRACY"] {
                let figure = list
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["value"] == code)
                    .unwrap();
                let close = |name: &str, want: f64| {
                    let got = figure[name].as_f64().unwrap();
                    assert!((got - want).abs() < 1e-12, "{code} {name}: {got} vs {want}");
                };
                close("share", by[code] as f64 / total as f64);
                close("shareOfMentions", by[code] as f64 / mentions as f64);
            }
        }

        assert_eq!(
            stats["ties"],
            json!({ "sharedProjects": want.pairs, "links": 0, "grants": 0, "support": 0, "pairs": want.pairs })
        );
        assert_eq!(stats["linked"]["count"], want.linked);
        assert_eq!(stats["linkedToOwnType"]["count"], want.linked_to_own_type);
        let share = stats["linkedToOwnType"]["share"].as_f64().unwrap();
        assert!((share - want.linked_to_own_type as f64 / want.organisations as f64).abs() < 1e-12);
        assert_eq!(stats["components"]["sizes"], json!(want.component_sizes));
        assert_eq!(stats["components"]["count"], want.component_sizes.len());
        assert_eq!(
            stats["components"]["isolated"],
            want.organisations - want.linked
        );
        assert_eq!(stats["centralByDegree"][0]["degree"], want.max_degree);
        // The API's top five by betweenness have the betweenness computed here.
        for central in stats["centralByBetweenness"].as_array().unwrap() {
            let name = central["organisation"]["name"].as_str().unwrap();
            let candidates: Vec<f64> = want
                .name_of
                .iter()
                .filter(|(_, n)| n.as_str() == name)
                .map(|(id, _)| want.betweenness.get(id).copied().unwrap_or(0.0))
                .collect();
            let got = central["betweenness"].as_f64().unwrap();
            assert!(
                candidates.iter().any(|b| (b - got).abs() < 1e-6),
                "{name}: {got} vs {candidates:?}"
            );
        }
        let mut top: Vec<f64> = want.betweenness.values().copied().collect();
        top.sort_by(|a, b| b.total_cmp(a));
        let got = stats["centralByBetweenness"][0]["betweenness"]
            .as_f64()
            .unwrap();
        assert!((got - top[0]).abs() < 1e-6, "{got} vs {}", top[0]);
        app.stop().await;
    }
}
