//! The records of the registry. Every record carries [`RecordMeta`]: id, timestamps, version,
//! moderation status, owning partner and source.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::taxonomy::TermCode;

/// Gives an enum its stable storage codes: `code()`, `from_code()` and `ALL`.
macro_rules! coded_enum {
    ($name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in the database and shown in the API.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }
        }
    };
}

/// Moderation status of a record (see "Moderation and history" in DESIGN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecordStatus {
    Draft,
    Pending,
    Published,
    Rejected,
    Archived,
}

/// Where a record came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    /// Entered through the API by a person or a partner's system.
    Web,
    /// The built-in demo dataset.
    Demo,
    /// An import, named by its source (`dsi4eu`, `360giving`).
    Import(String),
}

impl Source {
    pub fn code(&self) -> String {
        match self {
            Self::Web => "web".into(),
            Self::Demo => "demo".into(),
            Self::Import(name) => format!("import:{name}"),
        }
    }

    pub fn from_code(code: &str) -> Self {
        match code {
            "web" => Self::Web,
            "demo" => Self::Demo,
            other => Self::Import(other.strip_prefix("import:").unwrap_or(other).to_owned()),
        }
    }
}

/// What every record has besides its own fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordMeta {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Incremented on every change.
    pub version: i32,
    pub status: RecordStatus,
    pub owner_partner: Option<Uuid>,
    pub source: Source,
    /// Who created it through the API (a token subject), so that its author sees it while it
    /// waits for review; none for imports and the demo data.
    pub created_by: Option<String>,
}

impl RecordMeta {
    /// Metadata for a record about to be created now, with a time-ordered (v7) id.
    pub fn new(status: RecordStatus, source: Source) -> Self {
        let now = Utc::now();
        Self {
            id: Uuid::now_v7(),
            created_at: now,
            updated_at: now,
            version: 1,
            status,
            owner_partner: None,
            source,
            created_by: None,
        }
    }
}

/// A point on the earth, WGS 84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    pub latitude: f64,
    pub longitude: f64,
}

impl GeoPoint {
    /// Builds a point if both coordinates are within their ranges.
    pub fn new(latitude: f64, longitude: f64) -> Option<Self> {
        let valid = (-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude);
        valid.then_some(Self {
            latitude,
            longitude,
        })
    }

    /// Great-circle distance in kilometres (haversine).
    pub fn distance_km(&self, other: &GeoPoint) -> f64 {
        const EARTH_RADIUS_KM: f64 = 6371.0088;
        let (lat1, lat2) = (self.latitude.to_radians(), other.latitude.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (other.longitude - self.longitude).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().asin()
    }
}

/// Where something is: address lines, city, region, country and coordinates, all optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Place {
    pub address: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Named `location` in the API and in the history.
    #[serde(rename = "location")]
    pub point: Option<GeoPoint>,
}

/// An identifier of an organisation in an official register: `scheme` is an org-id.guide list
/// code (`GB-CHC`, `FR-RCS`, `XI-WIKIDATA`), `value` the identifier as the register issued it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LegalIdentifier {
    pub scheme: String,
    pub value: String,
}

impl LegalIdentifier {
    /// The org-id form `SCHEME-VALUE`.
    pub fn org_id(&self) -> String {
        format!("{}-{}", self.scheme, self.value)
    }
}

/// The taxonomy terms a record is classified by, one list per vocabulary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Classification {
    pub focus: Vec<TermCode>,
    pub technologies: Vec<TermCode>,
    pub impact_areas: Vec<TermCode>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organisation {
    #[serde(flatten)]
    pub meta: RecordMeta,
    pub name: String,
    pub slug: String,
    pub short_description: Option<String>,
    pub description: Option<String>,
    pub website: Option<String>,
    pub other_links: Vec<String>,
    pub logo_url: Option<String>,
    pub organisation_type: Option<TermCode>,
    pub size: Option<TermCode>,
    pub founded_on: Option<NaiveDate>,
    pub legal_identifiers: Vec<LegalIdentifier>,
    #[serde(flatten)]
    pub place: Place,
    #[serde(flatten)]
    pub classification: Classification,
    pub roles: Vec<TermCode>,
    pub network_memberships: Vec<String>,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProjectStatus {
    Planned,
    Live,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    #[serde(flatten)]
    pub meta: RecordMeta,
    pub title: String,
    pub slug: String,
    pub short_description: Option<String>,
    pub description: Option<String>,
    pub social_impact: Option<String>,
    pub website: Option<String>,
    pub project_status: Option<ProjectStatus>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    #[serde(flatten)]
    pub place: Place,
    #[serde(flatten)]
    pub classification: Classification,
    pub who_it_helps: Vec<String>,
}

/// The role an organisation plays in a project (the DSI phase-1 "membership natures").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ParticipationRole {
    Lead,
    Partner,
    Funder,
    CoFunder,
    Supporter,
    Evaluator,
    Adviser,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participation {
    pub project_id: Uuid,
    pub organisation_id: Uuid,
    pub role: ParticipationRole,
}

/// An amount of money: an exact decimal, never a float, and its ISO 4217 currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub amount: Decimal,
    pub currency: String,
}

/// A `{vocabulary, code, title}` classification of a grant, as in 360Giving (e.g. UN SDG goals).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantClassification {
    pub vocabulary: String,
    pub code: String,
    pub title: Option<String>,
}

/// A grant, compatible with the 360Giving Data Standard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    #[serde(flatten)]
    pub meta: RecordMeta,
    /// The 360Giving identifier, `360G-…`.
    pub identifier: String,
    pub title: String,
    pub description: Option<String>,
    pub amount_awarded: Money,
    pub amount_applied_for: Option<Decimal>,
    pub amount_disbursed: Option<Decimal>,
    pub award_date: NaiveDate,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub funder_id: Uuid,
    pub recipient_id: Uuid,
    pub project_id: Option<Uuid>,
    pub programme: Option<String>,
    /// ISO 3166-1 alpha-2 codes of the places that benefit.
    pub beneficiary_countries: Vec<String>,
    pub classifications: Vec<GrantClassification>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SupportKind {
    Incubation,
    Acceleration,
    Mentoring,
    Hosting,
    Training,
    InKind,
    Network,
}

/// A support organisation helps an organisation or a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Support {
    #[serde(flatten)]
    pub meta: RecordMeta,
    pub supporter_id: Uuid,
    pub organisation_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub kind: SupportKind,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LinkKind {
    Partner,
    MemberOf,
    SpinOff,
    Subsidiary,
}

/// A direct, typed link from one organisation to another, beside the links of shared projects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationLink {
    #[serde(flatten)]
    pub meta: RecordMeta,
    pub from_id: Uuid,
    pub to_id: Uuid,
    pub kind: LinkKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    #[serde(flatten)]
    pub meta: RecordMeta,
    pub title: String,
    pub slug: String,
    pub description: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub online: bool,
    #[serde(flatten)]
    pub place: Place,
    pub url: Option<String>,
    pub price: Option<String>,
    pub focus: Vec<TermCode>,
    pub organiser_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseStudy {
    #[serde(flatten)]
    pub meta: RecordMeta,
    pub title: String,
    pub slug: String,
    pub summary: Option<String>,
    /// Markdown.
    pub body: Option<String>,
    pub organisation_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub url: Option<String>,
    pub featured: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FundingType {
    Grant,
    Investment,
    IncubatorOrAccelerator,
    NonFinancial,
    WorkingSpace,
    Networking,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FundingTarget {
    Government,
    Research,
    Startup,
    NonProfit,
    Individual,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FundingOpportunity {
    #[serde(flatten)]
    pub meta: RecordMeta,
    pub title: String,
    pub slug: String,
    pub description: Option<String>,
    pub url: Option<String>,
    pub funder_id: Option<Uuid>,
    pub closes_on: Option<NaiveDate>,
    pub funding_type: FundingType,
    pub targets: Vec<FundingTarget>,
    /// ISO 3166-1 alpha-2 codes where applicants may be.
    pub countries: Vec<String>,
}

/// A figure about a project's impact, with where it came from: the seed names impact evaluation
/// as an open problem, so no figure stands without its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImpactIndicator {
    #[serde(flatten)]
    pub meta: RecordMeta,
    pub project_id: Uuid,
    pub name: String,
    pub value: Decimal,
    pub unit: Option<String>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub method: Option<String>,
    pub source_url: Option<String>,
    pub reported_by_partner: Option<Uuid>,
    pub reported_at: Option<DateTime<Utc>>,
}

coded_enum!(RecordStatus {
    Draft => "DRAFT", Pending => "PENDING", Published => "PUBLISHED", Rejected => "REJECTED",
    Archived => "ARCHIVED",
});
coded_enum!(ProjectStatus { Planned => "PLANNED", Live => "LIVE", Closed => "CLOSED" });
coded_enum!(ParticipationRole {
    Lead => "LEAD", Partner => "PARTNER", Funder => "FUNDER", CoFunder => "CO_FUNDER",
    Supporter => "SUPPORTER", Evaluator => "EVALUATOR", Adviser => "ADVISER",
});
coded_enum!(SupportKind {
    Incubation => "INCUBATION", Acceleration => "ACCELERATION", Mentoring => "MENTORING",
    Hosting => "HOSTING", Training => "TRAINING", InKind => "IN_KIND", Network => "NETWORK",
});
coded_enum!(LinkKind {
    Partner => "PARTNER", MemberOf => "MEMBER_OF", SpinOff => "SPIN_OFF", Subsidiary => "SUBSIDIARY",
});
coded_enum!(FundingType {
    Grant => "GRANT", Investment => "INVESTMENT", IncubatorOrAccelerator => "INCUBATOR_OR_ACCELERATOR",
    NonFinancial => "NON_FINANCIAL", WorkingSpace => "WORKING_SPACE", Networking => "NETWORKING",
});
coded_enum!(FundingTarget {
    Government => "GOVERNMENT", Research => "RESEARCH", Startup => "STARTUP",
    NonProfit => "NON_PROFIT", Individual => "INDIVIDUAL",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in RecordStatus::ALL {
            assert_eq!(RecordStatus::from_code(s.code()), Some(*s));
        }
        assert_eq!(
            ParticipationRole::from_code("CO_FUNDER"),
            Some(ParticipationRole::CoFunder)
        );
        assert_eq!(SupportKind::from_code("nope"), None);
    }

    #[test]
    fn distance_paris_london() {
        let paris = GeoPoint::new(48.8566, 2.3522).unwrap();
        let london = GeoPoint::new(51.5074, -0.1278).unwrap();
        let d = paris.distance_km(&london);
        assert!((340.0..350.0).contains(&d), "{d}");
        assert!(GeoPoint::new(91.0, 0.0).is_none());
    }
}
