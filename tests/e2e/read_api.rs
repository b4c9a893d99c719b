//! The read API over the demo dataset: lookups, relations both ways, filters, facets, taxonomy.

use panorama_tests::{TestApp, backends, error_code};
use serde_json::{Value, json};

fn names(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisation_by_slug_with_its_relations_both_ways() {
    for backend in backends() {
        let app = TestApp::with_demo(&backend).await;
        let data = app
            .data(
                r#"{ organisation(slug: "taller-obert-network") {
                    id name place { city country countryName location { latitude longitude } }
                    organisationType { code label labelFr } size { code } focus { code label }
                    legalIdentifiers { scheme value orgId }
                    projects { role project { title participants { role organisation { name } } } }
                    supportGiven { kind organisation { name } project { title } }
                    links { kind direction organisation { name } }
                    events { title organisers { name } }
                    status version createdAt
                } }"#,
                json!({}),
            )
            .await;
        let org = &data["organisation"];
        assert_eq!(org["name"], "Taller Obert Network");
        assert_eq!(org["place"]["country"], "ES");
        assert_eq!(org["place"]["countryName"], "Spain");
        assert_eq!(
            org["organisationType"]["code"],
            "SOCIAL_ENTERPRISE_OR_NON_PROFIT"
        );
        assert!(
            org["organisationType"]["labelFr"]
                .as_str()
                .unwrap()
                .contains("sociale")
        );
        assert_eq!(org["status"], "PUBLISHED");
        assert_eq!(org["legalIdentifiers"][0]["scheme"], "XE-EXAMPLE");
        // Organisation -> projects -> participants: the way back reaches the organisation again.
        let projects = org["projects"].as_array().unwrap();
        let open_sensor_kit = projects
            .iter()
            .find(|p| p["project"]["title"] == "Open Sensor Kit")
            .unwrap();
        assert_eq!(open_sensor_kit["role"], "LEAD");
        let participants = open_sensor_kit["project"]["participants"]
            .as_array()
            .unwrap();
        assert!(participants.iter().any(|p| p["organisation"]["name"] == "Taller Obert Network" && p["role"] == "LEAD"));
        assert!(
            participants
                .iter()
                .any(|p| p["organisation"]["name"] == "Orto Connesso")
        );
        // A link seen from its target is incoming.
        let links = org["links"].as_array().unwrap();
        assert!(links.iter().any(|l| l["kind"] == "MEMBER_OF"
            && l["direction"] == "INCOMING"
            && l["organisation"]["name"] == "Orto Connesso"));

        // The same organisation through `node` and its global id.
        let id = org["id"].as_str().unwrap();
        let node = app
            .data(
                "query($id: ID!) { node(id: $id) { id ... on Organisation { slug } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(node["node"]["slug"], "taller-obert-network");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_support_events_case_studies_and_funding_link_both_ways() {
    for backend in backends() {
        let app = TestApp::with_demo(&backend).await;
        let data = app
            .data(
                r#"{
                  grants(first: 100, filter: { currencies: ["EUR"] }) { totalCount edges { node {
                    identifier amountAwarded { amount currency } fundingOrganisation { name grantsAwarded { identifier } }
                    recipientOrganisation { name grantsReceived { identifier } } project { title grants { identifier } }
                    classifications { vocabulary code }
                  } } }
                  events(first: 10) { totalCount edges { node { title online organisers { name events { title } } } } }
                  caseStudies(first: 10, filter: { featured: true }) { totalCount edges { node { title organisation { name caseStudies { title } } project { title } } } }
                  fundingOpportunities(first: 10, filter: { openOn: "2026-11-29" }) { totalCount edges { node { title closesOn funder { name fundingOpportunities { title } } } } }
                  projects(first: 100) { edges { node { title impactIndicators { name value unit sourceUrl project { title } } supportReceived { kind supporter { name } } } } }
                }"#,
                json!({}),
            )
            .await;
        let grants = data["grants"]["edges"].as_array().unwrap();
        assert_eq!(
            data["grants"]["totalCount"], 7,
            "7 of the 10 demo grants are in euros"
        );
        let watering = grants
            .iter()
            .map(|e| &e["node"])
            .find(|g| g["identifier"] == "360G-ardoise-2301")
            .unwrap();
        assert_eq!(
            watering["amountAwarded"],
            json!({ "amount": "38500.00", "currency": "EUR" })
        );
        assert_eq!(watering["fundingOrganisation"]["name"], "Fondation Ardoise");
        for side in [
            &watering["fundingOrganisation"]["grantsAwarded"],
            &watering["recipientOrganisation"]["grantsReceived"],
            &watering["project"]["grants"],
        ] {
            assert!(
                side.as_array()
                    .unwrap()
                    .iter()
                    .any(|g| g["identifier"] == "360G-ardoise-2301")
            );
        }
        assert_eq!(data["events"]["totalCount"], 5);
        for event in data["events"]["edges"].as_array().unwrap() {
            let title = &event["node"]["title"];
            for organiser in event["node"]["organisers"].as_array().unwrap() {
                assert!(
                    organiser["events"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|e| &e["title"] == title)
                );
            }
        }
        assert_eq!(data["caseStudies"]["totalCount"], 2);
        let opportunities = data["fundingOpportunities"]["edges"].as_array().unwrap();
        assert_eq!(
            data["fundingOpportunities"]["totalCount"], 4,
            "one opportunity closed in 2026"
        );
        assert!(opportunities.iter().all(|o| {
            o["node"]["closesOn"]
                .as_str()
                .is_none_or(|d| d >= "2026-11-29")
        }));
        let indicators: Vec<&Value> = data["projects"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["node"]["impactIndicators"].as_array().unwrap())
            .collect();
        assert_eq!(indicators.len(), 8);
        assert!(
            indicators
                .iter()
                .all(|i| i["sourceUrl"].is_string() && i["project"]["title"].is_string())
        );
        let supported: usize = data["projects"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["node"]["supportReceived"].as_array().unwrap().len())
            .sum();
        assert!(supported > 0);
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_facets_and_orderings() {
    let query = r#"query($filter: OrganisationFilterInput, $order: OrderInput) {
        organisations(first: 100, filter: $filter, orderBy: $order) {
          totalCount edges { node { name } }
          facets { focus { value label count } countries { value label count } organisationTypes { value count } technologies { value count } impactAreas { value count } }
        } }"#;
    for backend in backends() {
        let app = TestApp::with_demo(&backend).await;
        let run = |filter: Value, order: Value| {
            let app = &app;
            async move {
                app.data(query, json!({ "filter": filter, "order": order }))
                    .await["organisations"]
                    .clone()
            }
        };

        let all = run(json!({}), json!(null)).await;
        assert_eq!(
            all["totalCount"], 23,
            "24 demo organisations, one of them pending"
        );
        let sorted = names(&all);
        let mut expected = sorted.clone();
        expected.sort_by_key(|n| panorama_domain::text::fold(n));
        assert_eq!(
            sorted, expected,
            "ordered by name, ignoring case and accents"
        );
        let countries = all["facets"]["countries"].as_array().unwrap();
        assert_eq!(
            countries[0],
            json!({ "value": "GB", "label": "United Kingdom", "count": 3 })
        );
        let focus_total: u64 = all["facets"]["focus"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["count"].as_u64().unwrap())
            .sum();
        assert!(focus_total >= 23);

        let gb = run(json!({ "countries": ["gb"] }), json!(null)).await;
        assert_eq!(gb["totalCount"], 3);
        assert_eq!(
            gb["facets"]["countries"],
            json!([{ "value": "GB", "label": "United Kingdom", "count": 3 }])
        );

        // Free text ignores case and accents: "klarsprak" finds "Klarspråk Labs", "SASIEDZKA" finds "Sąsiedzka".
        assert_eq!(
            names(&run(json!({ "text": "klarsprak" }), json!(null)).await),
            ["Klarspråk Labs"]
        );
        assert_eq!(
            names(&run(json!({ "text": "SASIEDZKA" }), json!(null)).await),
            ["Sieć Sąsiedzka Foundation"]
        );

        let hardware = run(
            json!({ "focus": ["OPEN_HARDWARE"], "countries": ["DE", "ES", "IT", "AT"] }),
            json!(null),
        )
        .await;
        let hardware_names = names(&hardware);
        assert!(hardware_names.contains(&"Taller Obert Network".to_owned()));
        assert!(hardware_names.contains(&"Werkbank Wien".to_owned()));
        assert!(
            hardware["facets"]["focus"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["value"] == "OPEN_HARDWARE" && f["count"] == hardware["totalCount"])
        );

        let grassroots = run(
            json!({ "organisationTypes": ["GRASSROOTS"], "sizes": ["SIZE_0_5"] }),
            json!(null),
        )
        .await;
        assert_eq!(grassroots["totalCount"], 4);

        // Funders by their participation role.
        let funders = names(&run(json!({ "participationRoles": ["FUNDER"] }), json!(null)).await);
        assert_eq!(
            funders,
            [
                "Digitale Wijken Fonds",
                "Fondation Ardoise",
                "Kestrel Commons Capital"
            ]
        );

        // A box around the Benelux; a radius around Amsterdam, nearest first.
        let benelux = names(
            &run(
                json!({ "within": { "south": 49.4, "west": 2.5, "north": 53.6, "east": 7.2 } }),
                json!(null),
            )
            .await,
        );
        assert_eq!(
            benelux,
            ["Civic Bytes", "Digitale Wijken Fonds", "Wijkdata"]
        );
        let near = run(
            json!({ "near": { "center": { "latitude": 52.3676, "longitude": 4.9041 }, "radiusKm": 200 } }),
            json!({ "field": "DISTANCE" }),
        )
        .await;
        assert_eq!(
            names(&near),
            ["Wijkdata", "Digitale Wijken Fonds", "Civic Bytes"]
        );

        let since = run(
            json!({ "updatedSince": "2999-01-01T00:00:00Z" }),
            json!(null),
        )
        .await;
        assert_eq!(since["totalCount"], 0);
        let since = run(
            json!({ "updatedSince": "2000-01-01T00:00:00Z" }),
            json!(null),
        )
        .await;
        assert_eq!(since["totalCount"], 23);

        // Unknown codes and countries are errors that say what is wrong.
        let body = app
            .graphql(query, json!({ "filter": { "focus": ["OPEN_CHEESE"] } }))
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("OPEN_CHEESE")
        );
        let body = app
            .graphql(query, json!({ "filter": { "countries": ["XX"] } }))
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
        let body = app
            .graphql(query, json!({ "order": { "field": "DISTANCE" } }))
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));

        let projects = app
            .data(
                r#"{ projects(first: 100, filter: { participationRoles: [EVALUATOR], impactAreas: ["DIGITAL_DEMOCRACY"] }) { totalCount edges { node { title } } facets { impactAreas { value count } } } }"#,
                json!({}),
            )
            .await;
        assert!(projects["projects"]["totalCount"].as_u64().unwrap() >= 1);
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taxonomies_have_english_and_french_labels() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let data = app.data("{ t: taxonomy(vocabulary: TECHNOLOGY) { code label labelFr } s: taxonomy(vocabulary: ORGANISATION_SIZE) { code } }", json!({})).await;
        let technologies = data["t"].as_array().unwrap();
        assert_eq!(technologies.len(), 18);
        assert!(
            technologies
                .iter()
                .all(|t| !t["labelFr"].as_str().unwrap().is_empty())
        );
        assert_eq!(data["s"].as_array().unwrap().len(), 8);
        app.stop().await;
    }
}
