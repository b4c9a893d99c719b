//! Domain filters as SQL conditions. Every listing, count and facet of a record type is built
//! from the same condition, so pages, `totalCount` and facets always agree, and records outside
//! the caller's read scope are absent from all three.

use panorama_domain::filter::*;
use panorama_domain::model::{GeoPoint, RecordStatus};
use panorama_domain::policy::ReadScope;
use panorama_domain::taxonomy::Vocabulary;
use panorama_domain::text::fold;
use sea_orm::Condition;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, SimpleExpr};

use crate::time::stamp;

/// Kilometres per degree of latitude on the mean earth sphere.
pub(crate) const KM_PER_DEGREE: f64 = 111.195;
/// Free text is matched word by word; a longer query keeps its first words.
const MAX_TEXT_WORDS: usize = 8;

pub(crate) fn col(table: &'static str, column: &'static str) -> Expr {
    Expr::col((table, column))
}

pub(crate) fn scope_condition(table: &'static str, scope: &ReadScope) -> Condition {
    let published = col(table, "status").eq(RecordStatus::Published.code());
    match scope {
        ReadScope::PublishedOnly => Condition::all().add(published),
        ReadScope::PublishedOrOwn {
            partner,
            organisations,
            author,
        } => Condition::any()
            .add(published)
            .add_option(partner.map(|p| col(table, "owner_partner_id").eq(p)))
            .add_option(
                author
                    .as_ref()
                    .map(|a| col(table, "created_by").eq(a.clone())),
            )
            .add_option(member_condition(table, organisations)),
        ReadScope::Everything => Condition::all(),
    }
}

/// A member's own records: the organisations it belongs to and their projects.
fn member_condition(table: &'static str, organisations: &[uuid::Uuid]) -> Option<SimpleExpr> {
    if organisations.is_empty() {
        return None;
    }
    match table {
        "organisation" => Some(col(table, "id").is_in(organisations.iter().copied())),
        "project" => Some(
            col(table, "id").in_subquery(
                Query::select()
                    .column("project_id")
                    .from("participation")
                    .and_where(Expr::col("organisation_id").is_in(organisations.iter().copied()))
                    .to_owned(),
            ),
        ),
        _ => None,
    }
}

/// Records of `table` that have one of `codes` in `vocabulary` (through `term_table`).
fn has_term(
    table: &'static str,
    term_table: &'static str,
    owner: &'static str,
    vocabulary: Vocabulary,
    codes: &[String],
) -> Option<SimpleExpr> {
    (!codes.is_empty()).then(|| {
        col(table, "id").in_subquery(
            Query::select()
                .column(owner)
                .from(term_table)
                .and_where(Expr::col("vocabulary").eq(vocabulary.code()))
                .and_where(Expr::col("code").is_in(codes.iter().cloned()))
                .to_owned(),
        )
    })
}

/// Every word of the query appears in the folded `search_text` (case and accents ignored).
pub(crate) fn text_condition(table: &'static str, text: Option<&str>) -> Condition {
    let mut condition = Condition::all();
    let folded = text.map(fold).unwrap_or_default();
    for word in folded
        .split(' ')
        .filter(|w| !w.is_empty())
        .take(MAX_TEXT_WORDS)
    {
        // `fold` keeps letters and digits only, so the word holds no LIKE wildcard.
        condition = condition.add(col(table, "search_text").like(format!("%{word}%")));
    }
    condition
}

fn in_list(table: &'static str, column: &'static str, values: &[String]) -> Option<SimpleExpr> {
    (!values.is_empty()).then(|| col(table, column).is_in(values.iter().cloned()))
}

/// Case-insensitive match on a free-text place name (city, region).
fn in_names(table: &'static str, column: &'static str, names: &[String]) -> Option<SimpleExpr> {
    (!names.is_empty()).then(|| {
        Expr::expr(Func::lower(col(table, column)))
            .is_in(names.iter().map(|n| n.trim().to_lowercase()))
    })
}

/// Squared distance in degrees of latitude, with longitude scaled at the centre's latitude
/// (an equirectangular projection): exact enough to filter and rank within a region, and plain
/// arithmetic that SQLite and PostgreSQL evaluate alike. [`squared_distance`] is its Rust twin.
pub(crate) fn squared_distance_expr(table: &'static str, center: GeoPoint) -> SimpleExpr {
    let scale = center.latitude.to_radians().cos();
    let dlat = col(table, "latitude").sub(center.latitude);
    let dlon = col(table, "longitude").sub(center.longitude).mul(scale);
    dlat.clone().mul(dlat).add(dlon.clone().mul(dlon))
}

/// The same arithmetic as [`squared_distance_expr`], in the same order, for cursors.
pub(crate) fn squared_distance(point: GeoPoint, center: GeoPoint) -> f64 {
    let scale = center.latitude.to_radians().cos();
    let dlat = point.latitude - center.latitude;
    let dlon = (point.longitude - center.longitude) * scale;
    dlat * dlat + dlon * dlon
}

fn geo_condition(
    table: &'static str,
    within: Option<BoundingBox>,
    near: Option<Radius>,
) -> Condition {
    let mut condition = Condition::all();
    if let Some(b) = within {
        condition = condition.add(col(table, "latitude").between(b.south, b.north));
        condition = if b.west <= b.east {
            condition.add(col(table, "longitude").between(b.west, b.east))
        } else {
            // The box crosses the antimeridian.
            condition.add(
                Condition::any()
                    .add(col(table, "longitude").gte(b.west))
                    .add(col(table, "longitude").lte(b.east)),
            )
        };
    }
    if let Some(r) = near {
        let degrees = r.radius_km / KM_PER_DEGREE;
        condition = condition
            .add(
                col(table, "latitude")
                    .between(r.center.latitude - degrees, r.center.latitude + degrees),
            )
            .add(squared_distance_expr(table, r.center).lte(degrees * degrees));
    }
    condition
}

/// The parts of [`EcosystemFilter`] for a table of records with terms, places and participations.
fn ecosystem_condition(
    table: &'static str,
    term_table: &'static str,
    owner: &'static str,
    f: &EcosystemFilter,
) -> Condition {
    let roles: Vec<String> = f
        .participation_roles
        .iter()
        .map(|r| r.code().to_owned())
        .collect();
    Condition::all()
        .add_option(has_term(
            table,
            term_table,
            owner,
            Vocabulary::Focus,
            &f.focus,
        ))
        .add_option(has_term(
            table,
            term_table,
            owner,
            Vocabulary::Technology,
            &f.technologies,
        ))
        .add_option(has_term(
            table,
            term_table,
            owner,
            Vocabulary::ImpactArea,
            &f.impact_areas,
        ))
        .add_option(in_list(table, "country", &f.countries))
        .add_option(in_names(table, "city", &f.cities))
        .add_option(in_names(table, "region", &f.regions))
        .add_option((!roles.is_empty()).then(|| {
            col(table, "id").in_subquery(
                Query::select()
                    .column(owner)
                    .from("participation")
                    .and_where(Expr::col("role").is_in(roles))
                    .to_owned(),
            )
        }))
        .add(text_condition(table, f.text.as_deref()))
        .add(geo_condition(table, f.within, f.near))
        .add_option(updated_since(table, f.updated_since))
}

pub(crate) fn updated_since(
    table: &'static str,
    since: Option<chrono::DateTime<chrono::Utc>>,
) -> Option<SimpleExpr> {
    since.map(|t| col(table, "updated_at").gte(stamp(t)))
}

pub(crate) fn organisation_condition(scope: &ReadScope, f: &OrganisationFilter) -> Condition {
    const T: &str = "organisation";
    Condition::all()
        .add(scope_condition(T, scope))
        .add(ecosystem_condition(
            T,
            "organisation_term",
            "organisation_id",
            &f.common,
        ))
        .add_option(in_list(T, "organisation_type", &f.organisation_types))
        .add_option(in_list(T, "size", &f.sizes))
        .add_option(has_term(
            T,
            "organisation_term",
            "organisation_id",
            Vocabulary::OrganisationRole,
            &f.roles,
        ))
}

pub(crate) fn project_condition(scope: &ReadScope, f: &ProjectFilter) -> Condition {
    const T: &str = "project";
    let statuses: Vec<String> = f
        .project_statuses
        .iter()
        .map(|s| s.code().to_owned())
        .collect();
    Condition::all()
        .add(scope_condition(T, scope))
        .add(ecosystem_condition(
            T,
            "project_term",
            "project_id",
            &f.common,
        ))
        .add_option(in_list(T, "project_status", &statuses))
}

pub(crate) fn grant_condition(scope: &ReadScope, f: &GrantFilter) -> Condition {
    const T: &str = "grant_award";
    Condition::all()
        .add(scope_condition(T, scope))
        .add_option(
            (!f.funders.is_empty()).then(|| col(T, "funder_id").is_in(f.funders.iter().copied())),
        )
        .add_option(
            (!f.recipients.is_empty())
                .then(|| col(T, "recipient_id").is_in(f.recipients.iter().copied())),
        )
        .add_option(in_list(T, "currency", &f.currencies))
        .add_option(f.awarded_from.map(|d| col(T, "award_date").gte(d)))
        .add_option(f.awarded_to.map(|d| col(T, "award_date").lte(d)))
        .add(text_condition(T, f.text.as_deref()))
        .add_option(updated_since(T, f.updated_since))
}

pub(crate) fn event_condition(scope: &ReadScope, f: &EventFilter) -> Condition {
    const T: &str = "event";
    Condition::all()
        .add(scope_condition(T, scope))
        .add_option(f.upcoming_from.map(|from| {
            let from = stamp(from);
            Condition::any().add(col(T, "ends_at").gte(from)).add(
                Condition::all()
                    .add(col(T, "ends_at").is_null())
                    .add(col(T, "starts_at").gte(from)),
            )
        }))
        .add_option(in_list(T, "country", &f.countries))
        .add_option(has_term(
            T,
            "event_term",
            "event_id",
            Vocabulary::Focus,
            &f.focus,
        ))
        .add_option(f.online.map(|online| col(T, "online").eq(online)))
        .add(text_condition(T, f.text.as_deref()))
        .add_option(updated_since(T, f.updated_since))
}

pub(crate) fn case_study_condition(scope: &ReadScope, f: &CaseStudyFilter) -> Condition {
    const T: &str = "case_study";
    Condition::all()
        .add(scope_condition(T, scope))
        .add_option(f.featured.map(|featured| col(T, "featured").eq(featured)))
        .add(text_condition(T, f.text.as_deref()))
        .add_option(updated_since(T, f.updated_since))
}

pub(crate) fn funding_opportunity_condition(
    scope: &ReadScope,
    f: &FundingOpportunityFilter,
) -> Condition {
    const T: &str = "funding_opportunity";
    let types: Vec<String> = f
        .funding_types
        .iter()
        .map(|t| t.code().to_owned())
        .collect();
    // Countries are a JSON list of two-letter codes; an empty list means open everywhere.
    let countries = (!f.countries.is_empty()).then(|| {
        f.countries.iter().fold(
            Condition::any().add(col(T, "countries").eq("[]")),
            |any, c| any.add(col(T, "countries").like(format!("%\"{}\"%", c.to_uppercase()))),
        )
    });
    Condition::all()
        .add(scope_condition(T, scope))
        .add_option(f.open_on.map(|d| {
            Condition::any()
                .add(col(T, "closes_on").is_null())
                .add(col(T, "closes_on").gte(d))
        }))
        .add_option(in_list(T, "funding_type", &types))
        .add_option(countries)
        .add(text_condition(T, f.text.as_deref()))
        .add_option(updated_since(T, f.updated_since))
}
