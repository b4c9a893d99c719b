//! The five query shapes, each as the GraphQL a frontend sends and as the SQL a developer would
//! write by hand to fetch the same data (run by pgbench as one transaction).
//!
//! The hand-written SQL is what an engineer who knows the schema writes: one statement per
//! piece of data, joins instead of batches, no ORM. It is the yardstick: the API's requests/s
//! divided by the SQL's transactions/s is the share of the raw database speed it keeps.

use serde_json::{Value, json};

pub struct Shape {
    pub name: &'static str,
    pub description: &'static str,
    pub query: &'static str,
    pub variables: Value,
    /// The same data by hand, for pgbench: one transaction of these statements.
    pub sql: String,
}

impl Shape {
    pub fn body(&self) -> String {
        json!({ "query": self.query, "variables": self.variables }).to_string()
    }
}

/// The organisation read by slug: the middle one of the registry.
pub fn slug(organisations: usize) -> String {
    format!("org-{}", organisations / 2)
}

const PUBLISHED: &str = "'PUBLISHED'";

/// London, where the export has most of its organisations.
const NEAR: (f64, f64) = (51.5074, -0.1278);
const NEAR_RADIUS_KM: f64 = 50.0;
/// As `panorama_persistence::filter::KM_PER_DEGREE`.
const KM_PER_DEGREE: f64 = 111.195;

pub fn all(organisations: usize) -> Vec<Shape> {
    vec![
        by_slug(organisations),
        filtered_with_facets(),
        three_levels(),
        search(),
        nearest(),
    ]
}

fn by_slug(organisations: usize) -> Shape {
    let slug = slug(organisations);
    Shape {
        name: "by-slug",
        description: "one organisation by slug, with its place and focus",
        query: "query BySlug($slug: String!) { organisation(slug: $slug) { id name \
                shortDescription website place { city country } focus { code label } } }",
        variables: json!({ "slug": slug }),
        sql: format!(
            "SELECT o.id, o.name, o.short_description, o.website, o.city, o.country,\n\
             (SELECT array_agg(t.code) FROM organisation_term t\n\
              WHERE t.organisation_id = o.id AND t.vocabulary = 'FOCUS')\n\
             FROM organisation o WHERE o.slug = '{slug}' AND o.status = {PUBLISHED};\n"
        ),
    }
}

/// The filter of the second shape, as SQL over `organisation o`.
const FILTER_SQL: &str = "o.status = 'PUBLISHED' AND o.country = 'GB' AND EXISTS (SELECT 1 \
    FROM organisation_term f WHERE f.organisation_id = o.id AND f.vocabulary = 'FOCUS' \
    AND f.code = 'OPEN_DATA')";

fn filtered_with_facets() -> Shape {
    let page = format!(
        "SELECT o.id, o.name, o.slug FROM organisation o WHERE {FILTER_SQL}\n\
         ORDER BY o.sort_name, o.id LIMIT 51;\n"
    );
    let count = format!("SELECT count(*) FROM organisation o WHERE {FILTER_SQL};\n");
    let terms = format!(
        "SELECT t.vocabulary, t.code, count(*) FROM organisation_term t\n\
         WHERE t.organisation_id IN (SELECT o.id FROM organisation o WHERE {FILTER_SQL})\n\
         AND t.vocabulary IN ('FOCUS', 'TECHNOLOGY', 'IMPACT_AREA') GROUP BY 1, 2;\n"
    );
    let columns = ["country", "organisation_type"].map(|column| {
        format!(
            "SELECT o.{column}, count(*) FROM organisation o WHERE {FILTER_SQL} \
             GROUP BY o.{column};\n"
        )
    });
    Shape {
        name: "filter-facets",
        description: "50 organisations in GB with focus Open data, total and five facets",
        query: "query Filtered { organisations(first: 50, filter: { countries: [\"GB\"], \
                focus: [\"OPEN_DATA\"] }) { totalCount facets { focus { value count } \
                technologies { value count } impactAreas { value count } \
                organisationTypes { value count } countries { value count } } \
                nodes { id name slug } } }",
        variables: json!({}),
        sql: [page, count, terms, columns.concat()].concat(),
    }
}

fn three_levels() -> Shape {
    let organisations = format!(
        "SELECT o.id FROM organisation o WHERE o.status = {PUBLISHED} \
         ORDER BY o.sort_name, o.id LIMIT 51"
    );
    let projects = format!(
        "SELECT pa.project_id FROM participation pa JOIN project p ON p.id = pa.project_id \
         WHERE p.status = {PUBLISHED} AND pa.organisation_id IN ({organisations})"
    );
    Shape {
        name: "three-levels",
        description: "50 organisations → their projects (5 on average) → participants and focus",
        query: "query ThreeLevels { organisations(first: 50) { nodes { id name projects { role \
                project { id title focus { code } participants { role organisation { id name } \
                } } } } } }",
        variables: json!({}),
        sql: format!(
            "SELECT o.id, o.name FROM organisation o WHERE o.status = {PUBLISHED}\n\
             ORDER BY o.sort_name, o.id LIMIT 51;\n\
             SELECT pa.organisation_id, pa.role, p.id, p.title FROM participation pa\n\
             JOIN project p ON p.id = pa.project_id\n\
             WHERE p.status = {PUBLISHED} AND pa.organisation_id IN ({organisations});\n\
             SELECT t.project_id, t.code FROM project_term t\n\
             WHERE t.vocabulary = 'FOCUS' AND t.project_id IN ({projects});\n\
             SELECT pa.project_id, pa.role, o.id, o.name FROM participation pa\n\
             JOIN organisation o ON o.id = pa.organisation_id\n\
             WHERE o.status = {PUBLISHED} AND pa.project_id IN ({projects});\n"
        ),
    }
}

fn search() -> Shape {
    let matching = format!(
        "o.status = {PUBLISHED} AND o.search_text LIKE '%open%' AND o.search_text LIKE '%data%'"
    );
    Shape {
        name: "search",
        description: "free-text search for \"open data\": the first 20 and the total",
        query: "query Search { organisations(first: 20, filter: { text: \"open data\" }) { \
                totalCount nodes { id name slug shortDescription } } }",
        variables: json!({}),
        sql: format!(
            "SELECT o.id, o.name, o.slug, o.short_description FROM organisation o\n\
             WHERE {matching} ORDER BY o.sort_name, o.id LIMIT 21;\n\
             SELECT count(*) FROM organisation o WHERE {matching};\n"
        ),
    }
}

fn nearest() -> Shape {
    let (latitude, longitude) = NEAR;
    let degrees = NEAR_RADIUS_KM / KM_PER_DEGREE;
    let scale = latitude.to_radians().cos();
    let distance = format!(
        "((o.latitude - {latitude}) * (o.latitude - {latitude}) + \
         (o.longitude - {longitude}) * {scale} * ((o.longitude - {longitude}) * {scale}))"
    );
    Shape {
        name: "nearest",
        description: "the 50 organisations nearest to central London, within 50 km",
        query: "query Nearest { organisations(first: 50, filter: { near: { center: \
                { latitude: 51.5074, longitude: -0.1278 }, radiusKm: 50 } }, \
                orderBy: { field: DISTANCE }) { nodes { id name place { city location { \
                latitude longitude } } } } }",
        variables: json!({}),
        sql: format!(
            "SELECT o.id, o.name, o.city, o.latitude, o.longitude FROM organisation o\n\
             WHERE o.status = {PUBLISHED} AND o.latitude IS NOT NULL AND o.longitude IS NOT NULL\n\
             AND o.latitude BETWEEN {} AND {}\n\
             AND {distance} <= {}\n\
             ORDER BY {distance}, o.id LIMIT 51;\n",
            latitude - degrees,
            latitude + degrees,
            degrees * degrees
        ),
    }
}

/// A page of the name-ordered listing, after `after` (page 1 without).
pub fn page_body(after: Option<&str>) -> String {
    json!({
        "query": "query Page($after: String) { organisations(first: 50, after: $after) { \
                  pageInfo { endCursor } nodes { id name slug } } }",
        "variables": { "after": after },
    })
    .to_string()
}
