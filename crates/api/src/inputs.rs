//! Filter and ordering inputs, checked and turned into domain filters. A bad value (unknown
//! taxonomy code, country that is not ISO 3166, latitude out of range) is a `BAD_USER_INPUT`
//! error naming the field, never an empty result that looks like "no data".

use async_graphql::{Enum, Error, InputObject};
use chrono::{DateTime, NaiveDate, Utc};
use panorama_domain::filter::{self as f, SortDirection, SortKey};
use panorama_domain::model::{self as m, GeoPoint};
use panorama_domain::taxonomy::Vocabulary;

use crate::error::user_error;
use crate::types::{FundingType, ParticipationRole, ProjectStatus};

/// The largest radius a `near` filter accepts, in kilometres.
const MAX_RADIUS_KM: f64 = 5000.0;
/// The most values one list filter accepts.
const MAX_FILTER_VALUES: usize = 100;

#[derive(InputObject, Clone, Copy, Debug)]
pub struct GeoPointInput {
    pub latitude: f64,
    pub longitude: f64,
}

impl GeoPointInput {
    fn checked(self, field: &str) -> Result<GeoPoint, Error> {
        GeoPoint::new(self.latitude, self.longitude).ok_or_else(|| {
            user_error(format!(
                "{field}: latitude must be within -90..90 and longitude within -180..180"
            ))
        })
    }
}

/// A map viewport. `west` greater than `east` crosses the antimeridian.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct BoundingBoxInput {
    pub south: f64,
    pub west: f64,
    pub north: f64,
    pub east: f64,
}

/// Records within `radiusKm` of `center` (an equirectangular approximation, accurate within a
/// region).
#[derive(InputObject, Clone, Copy, Debug)]
pub struct RadiusInput {
    pub center: GeoPointInput,
    pub radius_km: f64,
}

/// Filters shared by organisations and projects. Values within a list are alternatives; all
/// given fields apply together.
#[derive(InputObject, Clone, Debug, Default)]
pub struct EcosystemFilterInput {
    /// FOCUS codes (see `taxonomy(vocabulary: FOCUS)`).
    pub focus: Option<Vec<String>>,
    /// TECHNOLOGY codes.
    pub technologies: Option<Vec<String>>,
    /// IMPACT_AREA codes.
    pub impact_areas: Option<Vec<String>>,
    /// ISO 3166-1 alpha-2 codes.
    pub countries: Option<Vec<String>>,
    /// City names, case-insensitive.
    pub cities: Option<Vec<String>>,
    /// Region names, case-insensitive.
    pub regions: Option<Vec<String>>,
    /// Records that take part in a project in one of these roles.
    pub participation_roles: Option<Vec<ParticipationRole>>,
    /// Words to find in names and descriptions, ignoring case and accents.
    pub text: Option<String>,
    pub within: Option<BoundingBoxInput>,
    pub near: Option<RadiusInput>,
    /// Records changed at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
}

#[derive(InputObject, Clone, Debug, Default)]
pub struct OrganisationFilterInput {
    #[graphql(flatten)]
    pub common: EcosystemFilterInput,
    /// ORGANISATION_TYPE codes.
    pub organisation_types: Option<Vec<String>>,
    /// ORGANISATION_SIZE codes.
    pub sizes: Option<Vec<String>>,
    /// ORGANISATION_ROLE codes (innovator, funder, support organisation…).
    pub roles: Option<Vec<String>>,
}

#[derive(InputObject, Clone, Debug, Default)]
pub struct ProjectFilterInput {
    #[graphql(flatten)]
    pub common: EcosystemFilterInput,
    pub project_statuses: Option<Vec<ProjectStatus>>,
}

#[derive(InputObject, Clone, Debug, Default)]
pub struct GrantFilterInput {
    /// Global ids of funding organisations.
    pub funders: Option<Vec<async_graphql::ID>>,
    /// Global ids of recipient organisations.
    pub recipients: Option<Vec<async_graphql::ID>>,
    /// ISO 4217 codes.
    pub currencies: Option<Vec<String>>,
    pub awarded_from: Option<NaiveDate>,
    pub awarded_to: Option<NaiveDate>,
    pub text: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

#[derive(InputObject, Clone, Debug, Default)]
pub struct EventFilterInput {
    /// Events still running or to come at this time.
    pub upcoming_from: Option<DateTime<Utc>>,
    pub countries: Option<Vec<String>>,
    pub focus: Option<Vec<String>>,
    pub online: Option<bool>,
    pub text: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

#[derive(InputObject, Clone, Debug, Default)]
pub struct CaseStudyFilterInput {
    pub featured: Option<bool>,
    pub text: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

#[derive(InputObject, Clone, Debug, Default)]
pub struct FundingOpportunityFilterInput {
    /// Opportunities still open on this date.
    pub open_on: Option<NaiveDate>,
    pub funding_types: Option<Vec<FundingType>>,
    /// Where the applicant is (ISO 3166-1 alpha-2); opportunities open everywhere match too.
    pub countries: Option<Vec<String>>,
    pub text: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum OrderField {
    /// Name or title, ignoring case and accents.
    #[default]
    Name,
    CreatedAt,
    UpdatedAt,
    /// Distance from `from` (or from the `near` filter's centre); records without coordinates
    /// are left out.
    Distance,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum Direction {
    #[default]
    Asc,
    Desc,
}

#[derive(InputObject, Clone, Copy, Debug, Default)]
pub struct OrderInput {
    #[graphql(default)]
    pub field: OrderField,
    #[graphql(default)]
    pub direction: Direction,
    /// The point that DISTANCE is measured from.
    pub from: Option<GeoPointInput>,
}

impl OrderInput {
    /// The domain ordering; `near` is the filter's centre, used when `from` is not given.
    /// `geographic` says whether the record type has coordinates.
    pub fn ordering(
        order: Option<Self>,
        near: Option<GeoPoint>,
        geographic: bool,
    ) -> Result<f::Ordering, Error> {
        let order = order.unwrap_or_default();
        let key = match order.field {
            OrderField::Name => SortKey::Name,
            OrderField::CreatedAt => SortKey::Created,
            OrderField::UpdatedAt => SortKey::Updated,
            OrderField::Distance if !geographic => {
                return Err(user_error(
                    "orderBy.field: DISTANCE is only for records with a place",
                ));
            }
            OrderField::Distance => match order
                .from
                .map(|p| p.checked("orderBy.from"))
                .transpose()?
                .or(near)
            {
                Some(center) => SortKey::Distance(center),
                None => {
                    return Err(user_error(
                        "orderBy.from: DISTANCE needs a point (or a `near` filter)",
                    ));
                }
            },
        };
        let direction = match order.direction {
            Direction::Asc => SortDirection::Asc,
            Direction::Desc => SortDirection::Desc,
        };
        Ok(f::Ordering { key, direction })
    }
}

fn list<T: Clone>(values: &Option<Vec<T>>, field: &str) -> Result<Vec<T>, Error> {
    let values = values.clone().unwrap_or_default();
    if values.len() > MAX_FILTER_VALUES {
        return Err(user_error(format!(
            "{field}: at most {MAX_FILTER_VALUES} values"
        )));
    }
    Ok(values)
}

/// Taxonomy codes, each checked against its vocabulary.
fn codes(
    values: &Option<Vec<String>>,
    vocabulary: Vocabulary,
    field: &str,
) -> Result<Vec<String>, Error> {
    let values = list(values, field)?;
    match values.iter().find(|c| vocabulary.term(c).is_none()) {
        Some(unknown) => Err(user_error(format!(
            "{field}: unknown {} code `{unknown}`",
            vocabulary.code()
        ))),
        None => Ok(values),
    }
}

fn countries(values: &Option<Vec<String>>, field: &str) -> Result<Vec<String>, Error> {
    let values = list(values, field)?;
    values
        .into_iter()
        .map(|c| match panorama_domain::country::country(&c) {
            Some(country) => Ok(country.code.to_owned()),
            None => Err(user_error(format!(
                "{field}: `{c}` is not an ISO 3166-1 alpha-2 country code"
            ))),
        })
        .collect()
}

fn bounding_box(b: Option<BoundingBoxInput>) -> Result<Option<f::BoundingBox>, Error> {
    let Some(b) = b else { return Ok(None) };
    let corners = GeoPoint::new(b.south, b.west).zip(GeoPoint::new(b.north, b.east));
    if corners.is_none() || b.south > b.north {
        return Err(user_error(
            "within: a box needs south <= north, latitudes in -90..90, longitudes in -180..180",
        ));
    }
    Ok(Some(f::BoundingBox {
        south: b.south,
        west: b.west,
        north: b.north,
        east: b.east,
    }))
}

fn radius(r: Option<RadiusInput>) -> Result<Option<f::Radius>, Error> {
    let Some(r) = r else { return Ok(None) };
    let center = r.center.checked("near.center")?;
    if !(r.radius_km > 0.0 && r.radius_km <= MAX_RADIUS_KM) {
        return Err(user_error(format!(
            "near.radiusKm: must be above 0 and at most {MAX_RADIUS_KM}"
        )));
    }
    Ok(Some(f::Radius {
        center,
        radius_km: r.radius_km,
    }))
}

impl EcosystemFilterInput {
    pub fn to_domain(&self) -> Result<f::EcosystemFilter, Error> {
        Ok(f::EcosystemFilter {
            focus: codes(&self.focus, Vocabulary::Focus, "filter.focus")?,
            technologies: codes(
                &self.technologies,
                Vocabulary::Technology,
                "filter.technologies",
            )?,
            impact_areas: codes(
                &self.impact_areas,
                Vocabulary::ImpactArea,
                "filter.impactAreas",
            )?,
            countries: countries(&self.countries, "filter.countries")?,
            cities: list(&self.cities, "filter.cities")?,
            regions: list(&self.regions, "filter.regions")?,
            participation_roles: list(&self.participation_roles, "filter.participationRoles")?
                .into_iter()
                .map(m::ParticipationRole::from)
                .collect(),
            text: self.text.clone(),
            within: bounding_box(self.within)?,
            near: radius(self.near)?,
            updated_since: self.updated_since,
        })
    }
}

impl OrganisationFilterInput {
    pub fn to_domain(&self) -> Result<f::OrganisationFilter, Error> {
        Ok(f::OrganisationFilter {
            common: self.common.to_domain()?,
            organisation_types: codes(
                &self.organisation_types,
                Vocabulary::OrganisationType,
                "filter.organisationTypes",
            )?,
            sizes: codes(&self.sizes, Vocabulary::OrganisationSize, "filter.sizes")?,
            roles: codes(&self.roles, Vocabulary::OrganisationRole, "filter.roles")?,
        })
    }
}

impl ProjectFilterInput {
    pub fn to_domain(&self) -> Result<f::ProjectFilter, Error> {
        Ok(f::ProjectFilter {
            common: self.common.to_domain()?,
            project_statuses: list(&self.project_statuses, "filter.projectStatuses")?
                .into_iter()
                .map(m::ProjectStatus::from)
                .collect(),
        })
    }
}

fn organisation_ids(
    ids: &Option<Vec<async_graphql::ID>>,
    field: &str,
) -> Result<Vec<uuid::Uuid>, Error> {
    list(ids, field)?
        .iter()
        .map(|id| {
            crate::ids::decode_kind(id, crate::ids::Kind::Organisation).ok_or_else(|| {
                user_error(format!(
                    "{field}: `{}` is not an organisation id",
                    id.as_str()
                ))
            })
        })
        .collect()
}

impl GrantFilterInput {
    pub fn to_domain(&self) -> Result<f::GrantFilter, Error> {
        let currencies = list(&self.currencies, "filter.currencies")?;
        if let Some(bad) = currencies
            .iter()
            .find(|c| c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_uppercase()))
        {
            return Err(user_error(format!(
                "filter.currencies: `{bad}` is not an ISO 4217 code"
            )));
        }
        Ok(f::GrantFilter {
            funders: organisation_ids(&self.funders, "filter.funders")?,
            recipients: organisation_ids(&self.recipients, "filter.recipients")?,
            currencies,
            awarded_from: self.awarded_from,
            awarded_to: self.awarded_to,
            text: self.text.clone(),
            updated_since: self.updated_since,
        })
    }
}

impl EventFilterInput {
    pub fn to_domain(&self) -> Result<f::EventFilter, Error> {
        Ok(f::EventFilter {
            upcoming_from: self.upcoming_from,
            countries: countries(&self.countries, "filter.countries")?,
            focus: codes(&self.focus, Vocabulary::Focus, "filter.focus")?,
            online: self.online,
            text: self.text.clone(),
            updated_since: self.updated_since,
        })
    }
}

impl CaseStudyFilterInput {
    pub fn to_domain(&self) -> f::CaseStudyFilter {
        f::CaseStudyFilter {
            featured: self.featured,
            text: self.text.clone(),
            updated_since: self.updated_since,
        }
    }
}

impl FundingOpportunityFilterInput {
    pub fn to_domain(&self) -> Result<f::FundingOpportunityFilter, Error> {
        Ok(f::FundingOpportunityFilter {
            open_on: self.open_on,
            funding_types: list(&self.funding_types, "filter.fundingTypes")?
                .into_iter()
                .map(m::FundingType::from)
                .collect(),
            countries: countries(&self.countries, "filter.countries")?,
            text: self.text.clone(),
            updated_since: self.updated_since,
        })
    }
}
