//! Collaboration suggestions and funding matches (issue 7, point 3) on a small ecosystem whose
//! every score is known: the order, the terms and their reasons, the filter, the bounds, and
//! what is left out (tied already, drafts, nothing in common, closed or out-of-reach funding).

use std::collections::HashMap;

use chrono::{Days, NaiveDate, Utc};
use panorama_domain::*;
use panorama_persistence::{Store, write};
use panorama_server::evaluate::Protocol;
use panorama_tests::{
    TestApp, backends, error_code, global_id, letter_of, organisation_record, project_record,
};
use rust_decimal::Decimal;
use sea_orm::TransactionTrait;
use serde_json::{Value, json};
use uuid::Uuid;

/// The ecosystem, by letter. A is the organisation asking.
///
/// ```text
///   A ── B ── C        P1 (published): A, B        grant: F funds R
///        └─── D        P2 (published): B, C, D
///   S, F ── R, N alone or apart; X a draft
/// ```
///
/// - A: grassroots innovator in Paris; focus OPEN_DATA; areas SKILLS_AND_LEARNING, HEALTH_AND_CARE.
/// - C: for-profit, nothing in common but B (1 common neighbour: 3 × ½ = 1.5).
/// - D: research, B in common and focus OPEN_DATA (1.5 + 1 = 2.5).
/// - S: support organisation in Paris (distance 1 + complementary roles 1 = 2).
/// - R: areas HEALTH_AND_CARE (1 of 2 in common: 1.5 × ½ = 0.75).
/// - F: for-profit funder whose grant went to R (1 of A's 2 areas: 0.5).
/// - N: public sector, nothing in common; X: a draft with focus OPEN_DATA.
struct Fixture {
    ids: HashMap<char, Uuid>,
}

impl Fixture {
    fn id(&self, letter: char) -> String {
        global_id("Organisation", self.ids[&letter])
    }

    fn letter(&self, global: &Value) -> char {
        letter_of(&self.ids, global)
    }
}

fn codes(list: &[&str]) -> Vec<String> {
    list.iter().map(|c| (*c).to_owned()).collect()
}

fn paris() -> Option<GeoPoint> {
    GeoPoint::new(48.8566, 2.3522)
}

fn organisation(letter: char, status: RecordStatus) -> Organisation {
    let mut o = Organisation {
        place: Place {
            country: Some("FR".into()),
            ..Place::default()
        },
        ..organisation_record(&format!("Organisation {letter}"), status)
    };
    let kind = match letter {
        'A' => "GRASSROOTS",
        'C' | 'F' => "FOR_PROFIT",
        'D' => "ACADEMIA_RESEARCH",
        'N' => "GOVERNMENT_PUBLIC_SECTOR",
        _ => "SOCIAL_ENTERPRISE_OR_NON_PROFIT",
    };
    o.organisation_type = Some(kind.into());
    match letter {
        'A' => {
            o.roles = codes(&["INNOVATOR"]);
            o.place.point = paris();
            o.classification.focus = codes(&["OPEN_DATA"]);
            o.classification.impact_areas = codes(&["SKILLS_AND_LEARNING", "HEALTH_AND_CARE"]);
        }
        'D' | 'X' => o.classification.focus = codes(&["OPEN_DATA"]),
        'S' => {
            o.roles = codes(&["SUPPORT_ORGANISATION"]);
            o.place.point = paris();
        }
        'R' => o.classification.impact_areas = codes(&["HEALTH_AND_CARE"]),
        'F' => o.roles = codes(&["FUNDER"]),
        _ => {}
    }
    o
}

fn grant(funder: Uuid, recipient: Uuid) -> Grant {
    Grant {
        meta: RecordMeta::new(RecordStatus::Published, Source::Demo),
        identifier: "360G-suggestions-1".into(),
        title: "Health grant".into(),
        description: None,
        amount_awarded: Money {
            amount: Decimal::new(5_000, 0),
            currency: "EUR".into(),
        },
        amount_applied_for: None,
        amount_disbursed: None,
        award_date: NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
        planned_start: None,
        planned_end: None,
        funder_id: funder,
        recipient_id: recipient,
        project_id: None,
        programme: None,
        beneficiary_countries: vec![],
        classifications: vec![],
    }
}

/// An opportunity of `funder`, open until `closes_on` (never when `None`).
fn opportunity(
    title: &str,
    funder: Uuid,
    closes_on: Option<NaiveDate>,
    countries: &[&str],
    targets: &[FundingTarget],
    status: RecordStatus,
) -> FundingOpportunity {
    FundingOpportunity {
        meta: RecordMeta::new(status, Source::Demo),
        title: title.into(),
        slug: title.to_lowercase().replace(' ', "-"),
        description: None,
        url: None,
        funder_id: Some(funder),
        closes_on,
        funding_type: FundingType::Grant,
        targets: targets.to_vec(),
        countries: codes(countries),
    }
}

async fn seed(store: &Store) -> Fixture {
    use RecordStatus::{Draft, Published};
    let txn = store.connection().begin().await.unwrap();
    let mut ids = HashMap::new();
    for letter in ['A', 'B', 'C', 'D', 'S', 'R', 'F', 'N', 'X'] {
        let status = if letter == 'X' { Draft } else { Published };
        let o = organisation(letter, status);
        write::insert_organisation(&txn, &o).await.unwrap();
        ids.insert(letter, o.meta.id);
    }
    let (p1, p2) = (
        project_record("P1", Published),
        project_record("P2", Published),
    );
    for p in [&p1, &p2] {
        write::insert_project(&txn, p).await.unwrap();
    }
    let member = |project: &Project, letter: char| Participation {
        project_id: project.meta.id,
        organisation_id: ids[&letter],
        role: ParticipationRole::Partner,
    };
    let participations = [
        member(&p1, 'A'),
        member(&p1, 'B'),
        member(&p2, 'B'),
        member(&p2, 'C'),
        member(&p2, 'D'),
    ];
    write::insert_participations(&txn, &participations)
        .await
        .unwrap();
    write::insert_grant(&txn, &grant(ids[&'F'], ids[&'R']))
        .await
        .unwrap();
    seed_opportunities(&txn, &ids).await;
    txn.commit().await.unwrap();
    Fixture { ids }
}

/// O1 and O2 suit A; the others are closed, elsewhere, for others, a draft or A's own.
async fn seed_opportunities(txn: &impl sea_orm::ConnectionTrait, ids: &HashMap<char, Uuid>) {
    use FundingTarget::{Government, NonProfit};
    use RecordStatus::{Draft, Published};
    let today = Utc::now().date_naive();
    let later = today.checked_add_days(Days::new(30));
    let yesterday = today.pred_opt();
    let (f, d, a) = (ids[&'F'], ids[&'D'], ids[&'A']);
    let all = [
        opportunity("O1", f, None, &["FR"], &[NonProfit], Published),
        opportunity("O2", d, later, &[], &[], Published),
        opportunity("O3 closed", f, yesterday, &["FR"], &[], Published),
        opportunity("O4 Italy", f, None, &["IT"], &[], Published),
        opportunity("O5 government", f, None, &[], &[Government], Published),
        opportunity("O6 draft", f, None, &["FR"], &[], Draft),
        opportunity("O7 own", a, Some(today), &["FR"], &[], Published),
    ];
    for o in &all {
        write::insert_funding_opportunity(txn, o).await.unwrap();
    }
}

const SUGGESTIONS: &str = r#"query($id: ID!, $first: Int, $filter: OrganisationFilterInput) {
    collaborationSuggestions(organisationId: $id, first: $first, filter: $filter) {
        organisation { id } score terms { name weight value contribution explanation } } }"#;

const MATCHES: &str = r#"query($id: ID!) { fundingMatches(organisationId: $id) {
    opportunity { title } score terms { name value contribution explanation } } }"#;

/// `(letter, score)` of each suggestion, in order.
fn ranking(f: &Fixture, data: &Value) -> Vec<(char, f64)> {
    data["collaborationSuggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let score = s["score"].as_f64().unwrap();
            (f.letter(&s["organisation"]["id"]), score)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggestions_rank_untied_organisations_with_their_reasons() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let f = seed(app.store()).await;
        let suggest = |first: i64, filter: Value| {
            let variables = json!({ "id": f.id('A'), "first": first, "filter": filter });
            app.data(SUGGESTIONS, variables)
        };
        let all = suggest(10, Value::Null).await;
        // B is tied already, N has nothing in common, X is a draft.
        assert_eq!(
            ranking(&f, &all),
            [('D', 2.5), ('S', 2.0), ('C', 1.5), ('R', 0.75), ('F', 0.5)]
        );
        let terms = |n: usize| all["collaborationSuggestions"][n]["terms"].clone();
        assert_eq!(
            terms(0),
            json!([
                { "name": "FOCUS", "weight": 1.0, "value": 1.0, "contribution": 1.0,
                  "explanation": "1 of 1 focus areas in common: OPEN_DATA" },
                { "name": "FRIENDS_OF_FRIENDS", "weight": 3.0, "value": 0.5, "contribution": 1.5,
                  "explanation": "1 organisation tied to both" },
            ])
        );
        assert_eq!(
            terms(1),
            json!([
                { "name": "DISTANCE", "weight": 1.0, "value": 1.0, "contribution": 1.0,
                  "explanation": "0 km apart" },
                { "name": "COMPLEMENTARY_ROLES", "weight": 1.0, "value": 1.0, "contribution": 1.0,
                  "explanation": "a grassroots group and a support organisation" },
            ])
        );
        assert_eq!(
            terms(3)[0]["explanation"],
            "1 of 2 areas of impact in common: HEALTH_AND_CARE"
        );
        assert_eq!(
            terms(4),
            json!([{ "name": "COMPLEMENTARY_ROLES", "weight": 1.0, "value": 0.5,
                     "contribution": 0.5,
                     "explanation": "an innovator and a funder: 1 of the innovator's 2 areas \
                                     of impact are areas its grants went to" }])
        );

        // The listing's filter narrows the candidates; `first` cuts the list.
        let for_profit = suggest(10, json!({ "organisationTypes": ["FOR_PROFIT"] })).await;
        assert_eq!(ranking(&f, &for_profit), [('C', 1.5), ('F', 0.5)]);
        assert_eq!(ranking(&f, &suggest(2, Value::Null).await).len(), 2);

        // From C's side, A is suggested through B too, and D is not (tied by P2).
        let from_c = app
            .data(SUGGESTIONS, json!({ "id": f.id('C'), "first": 50 }))
            .await;
        let letters: Vec<char> = ranking(&f, &from_c).iter().map(|(l, _)| *l).collect();
        assert_eq!(letters, ['A']);
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggestions_refuse_bad_bounds_and_unknown_or_draft_organisations() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let f = seed(app.store()).await;
        let code = |query: &'static str, id: String, first: i64| {
            let app = &app;
            async move {
                let body = app
                    .graphql(query, json!({ "id": id, "first": first }))
                    .await;
                error_code(&body).map(str::to_owned)
            }
        };
        let bad = Some("BAD_USER_INPUT".to_owned());
        let missing = Some("NOT_FOUND".to_owned());
        assert_eq!(code(SUGGESTIONS, f.id('A'), 51).await, bad);
        assert_eq!(code(SUGGESTIONS, f.id('A'), -1).await, bad);
        assert_eq!(code(SUGGESTIONS, "nope".into(), 5).await, bad);
        assert_eq!(code(SUGGESTIONS, f.id('X'), 5).await, missing);
        let stranger = global_id("Organisation", Uuid::now_v7());
        assert_eq!(code(SUGGESTIONS, stranger.clone(), 5).await, missing);
        assert_eq!(code(MATCHES, stranger, 5).await, missing);
        assert_eq!(code(SUGGESTIONS, f.id('A'), 0).await, None);
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn funding_matches_rank_open_opportunities_the_organisation_can_apply_to() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let f = seed(app.store()).await;
        let found = app.data(MATCHES, json!({ "id": f.id('A') })).await;
        // O1: the funder's grant went to HEALTH_AND_CARE (1 of 2: 1.5 × ½), France, non-profit.
        // O2: the funder D shares OPEN_DATA. The rest are closed, elsewhere, for governments,
        // a draft, or A's own.
        assert_eq!(
            found["fundingMatches"],
            json!([
                { "opportunity": { "title": "O1" }, "score": 2.75, "terms": [
                    { "name": "IMPACT_AREAS", "value": 0.5, "contribution": 0.75,
                      "explanation": "1 of 2 areas of impact with those the funder's grants \
                                      went to in common: HEALTH_AND_CARE" },
                    { "name": "COUNTRY", "value": 1.0, "contribution": 1.0,
                      "explanation": "open to applicants in FR" },
                    { "name": "TARGET", "value": 1.0, "contribution": 1.0,
                      "explanation": "meant for NON_PROFIT applicants" } ] },
                { "opportunity": { "title": "O2" }, "score": 1.0, "terms": [
                    { "name": "FOCUS", "value": 1.0, "contribution": 1.0,
                      "explanation": "1 of 1 focus areas with the funder in common: OPEN_DATA" } ] },
            ])
        );
        app.stop().await;
    }
}

/// Issue 7, point 4: on the real DSI4EU export, with a fifth of the tied pairs hidden, the
/// suggestions find hidden partners better than a random order and than the most connected
/// first (the figures of the README come from `panorama evaluate suggestions`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dsi4eu_suggestions_beat_both_baselines() {
    let Some((organisations, projects)) = panorama_tests::dsi4eu_export() else {
        return;
    };
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        panorama_server::import::dsi4eu::import(app.store(), &organisations, &projects)
            .await
            .unwrap();
        let report = panorama_server::evaluate::suggestions(app.store(), 2, Protocol::Pairs)
            .await
            .unwrap();
        eprintln!("[{backend:?}]\n{report}");
        assert_eq!((report.organisations, report.pairs), (1221, 440));
        let mean = |name: &str, figure: fn(&panorama_domain::evaluation::Figures) -> f64| {
            let row = report.rows.iter().find(|r| r.method == name).unwrap();
            row.runs.iter().map(figure).sum::<f64>() / row.runs.len() as f64
        };
        for figure in [
            |x: &panorama_domain::evaluation::Figures| x.recall_at_k,
            |x: &panorama_domain::evaluation::Figures| x.mrr,
        ] {
            let baseline = mean("random", figure).max(mean("most connected first", figure));
            assert!(
                mean("suggestions (all terms)", figure) > baseline,
                "{report}"
            );
            let graph_only = "suggestions (no focus/technology/area terms)";
            assert!(mean(graph_only, figure) > baseline, "{report}");
        }
        app.stop().await;
    }
}
