//! Typed read filters and orderings for the listings. Fields left empty do not filter; values
//! within one list are alternatives (any of), different fields all apply (and).

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::model::{GeoPoint, ParticipationRole, ProjectStatus};
use crate::taxonomy::TermCode;

/// A rectangle on the map, as a frontend's viewport gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    pub south: f64,
    pub west: f64,
    pub north: f64,
    pub east: f64,
}

/// Records within `radius_km` of `center`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Radius {
    pub center: GeoPoint,
    pub radius_km: f64,
}

/// The filters that organisations and projects share: classification, place and text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EcosystemFilter {
    pub focus: Vec<TermCode>,
    pub technologies: Vec<TermCode>,
    pub impact_areas: Vec<TermCode>,
    pub countries: Vec<String>,
    pub cities: Vec<String>,
    pub regions: Vec<String>,
    /// Records with a participation in one of these roles.
    pub participation_roles: Vec<ParticipationRole>,
    /// Free text on name/title and descriptions, case- and accent-insensitive.
    pub text: Option<String>,
    pub within: Option<BoundingBox>,
    pub near: Option<Radius>,
    pub updated_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrganisationFilter {
    pub common: EcosystemFilter,
    pub organisation_types: Vec<TermCode>,
    pub sizes: Vec<TermCode>,
    pub roles: Vec<TermCode>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectFilter {
    pub common: EcosystemFilter,
    pub project_statuses: Vec<ProjectStatus>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct GrantFilter {
    pub funders: Vec<Uuid>,
    pub recipients: Vec<Uuid>,
    pub currencies: Vec<String>,
    pub awarded_from: Option<NaiveDate>,
    pub awarded_to: Option<NaiveDate>,
    pub text: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    /// Events that end (or start, when they have no end) on or after this time.
    pub upcoming_from: Option<DateTime<Utc>>,
    pub countries: Vec<String>,
    pub focus: Vec<TermCode>,
    pub online: Option<bool>,
    pub text: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseStudyFilter {
    pub featured: Option<bool>,
    pub text: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FundingOpportunityFilter {
    /// Opportunities still open on this date (closing on or after it, or with no closing date).
    pub open_on: Option<NaiveDate>,
    pub funding_types: Vec<crate::model::FundingType>,
    pub countries: Vec<String>,
    pub text: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// What a listing can be sorted by. Every ordering ends on the id, so it is total and stable.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SortKey {
    /// Name or title, folded (case and accents ignored).
    Name,
    Created,
    Updated,
    /// Distance from a point, nearest first when ascending.
    Distance(GeoPoint),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortDirection {
    #[default]
    Asc,
    Desc,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ordering {
    pub key: SortKey,
    pub direction: SortDirection,
}

impl Default for Ordering {
    fn default() -> Self {
        Self {
            key: SortKey::Name,
            direction: SortDirection::Asc,
        }
    }
}
