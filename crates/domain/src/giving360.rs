//! 360Giving: grants in and out as packages of the 360Giving Data Standard (schema 1.4), in
//! JSON. Pure mapping: the store reads and writes, this module only translates.
//!
//! **Out.** A grant and its two organisations become one 360Giving grant
//! ([`grant_to_360giving`]). An organisation is named by its org-id identifier when it has a
//! legal identifier (`GB-CHC-1234567`), else by the 360Giving id it came with in an import,
//! else by `360G-panorama-<uuid>`: 360Giving asks for a `360G-` publisher-prefixed id for
//! organisations without a registered one, and the uuid makes it stable across instances.
//! 360Giving requires a description: a grant without one repeats its title there.
//!
//! **In.** [`read_package`] reads a package (`{"grants": [...]}`) and checks every grant at
//! once, each problem at its path in the package (`amountAwarded`, `plannedDates[0].startDate`,
//! `recipientOrganization[0].name`). What the standard has and Panorama does not record is left
//! out (transactions, `fromOpenCall`, locations without a country); what Panorama cannot hold
//! is refused (grants to individuals, several funders or recipients, several programmes or
//! planned periods). A description equal to the title reads as no description, the inverse of
//! the export, so that a package exported and read back changes nothing.
//!
//! Amounts are JSON numbers, exact up to 15 significant digits (any amount below ten thousand
//! billion with cents): JSON readers keep numbers as doubles.

use std::collections::HashSet;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::changes::{GrantChanges, OrganisationChanges, Patch};
use crate::country::{country, country_code_from_name};
use crate::model::{
    Grant, GrantClassification, LegalIdentifier, Money, Organisation, RecordMeta, RecordStatus,
    Source,
};
use crate::validation::{ErrorCode, FieldError, OrgIdSchemes, Validator};

/// The standard's version that packages declare (`major.minor`).
pub const PACKAGE_VERSION: &str = "1.4";
/// The import source and external-id namespace of 360Giving data.
pub const SOURCE: &str = "360giving";
/// How Panorama names an organisation that has no registered identifier.
pub const PANORAMA_ORGANISATION_PREFIX: &str = "360G-panorama-";
/// Currencies Panorama accepts that the 360Giving currency code list (1.4) does not have yet:
/// a grant in one of them cannot be written as valid 360Giving data and is left out of exports.
pub const UNLISTED_CURRENCIES: &[&str] = &["SLE", "VED", "XCG", "ZWG"];
/// Countries Panorama knows that the 360Giving country code list does not: a beneficiary
/// location there is written by name only.
pub const UNLISTED_COUNTRIES: &[&str] = &["XK"];

// ---------------------------------------------------------------------------------------------
// Out.

/// An amount as a JSON number: an integer when it is whole, else the nearest double (exact up
/// to 15 significant digits).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Amount(pub Decimal);

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let amount = self.0.normalize();
        if amount.scale() == 0
            && let Some(whole) = amount.to_i64()
        {
            return serializer.serialize_i64(whole);
        }
        // Parsing the decimal's text rounds correctly, unlike a conversion by arithmetic.
        let double = f64::from_str(&amount.to_string()).unwrap_or_default();
        serializer.serialize_f64(double)
    }
}

/// A grant as the 360Giving Data Standard writes it, in the standard's field order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GivingGrant {
    pub id: String,
    pub title: String,
    pub description: String,
    pub currency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_applied_for: Option<Amount>,
    pub amount_awarded: Amount,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_disbursed: Option<Amount>,
    pub award_date: NaiveDate,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub planned_dates: Vec<PlannedDates>,
    pub recipient_organization: Vec<GivingOrganization>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub beneficiary_location: Vec<Location>,
    pub funding_organization: Vec<GivingOrganization>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub grant_programme: Vec<Programme>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub classifications: Vec<Classification>,
    /// When the grant last changed, RFC 3339.
    pub date_modified: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedDates {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GivingOrganization {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_locality: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Programme {
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    pub vocabulary: String,
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// The metadata of an exported package, written before its grants.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackageMetadata {
    pub version: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub issued: String,
}

/// The metadata of a package issued at `issued`.
pub fn package_metadata(issued: DateTime<Utc>) -> PackageMetadata {
    PackageMetadata {
        version: PACKAGE_VERSION,
        title: "Grants of the Panorama registry",
        description: "The published grants of the Panorama registry of the digital social \
                      innovation ecosystem, with their funding and recipient organisations.",
        issued: instant(issued),
    }
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An organisation of a grant, with the 360Giving id it was imported under, if any.
#[derive(Debug, Clone, Copy)]
pub struct Party<'a> {
    pub organisation: &'a Organisation,
    pub imported_id: Option<&'a str>,
}

impl Party<'_> {
    /// Its 360Giving id: its first legal identifier in org-id form, else the id it was
    /// imported under, else `360G-panorama-<uuid>`.
    pub fn id(&self) -> String {
        if let Some(identifier) = self.organisation.legal_identifiers.first() {
            return identifier.org_id();
        }
        match self.imported_id {
            Some(id) => id.to_owned(),
            None => format!(
                "{PANORAMA_ORGANISATION_PREFIX}{}",
                self.organisation.meta.id
            ),
        }
    }

    fn giving(&self) -> GivingOrganization {
        GivingOrganization {
            id: self.id(),
            name: self.organisation.name.clone(),
            url: self.organisation.website.clone(),
            address_locality: self.organisation.place.city.clone(),
        }
    }
}

/// Why a grant cannot be written as valid 360Giving data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unexportable {
    #[error("the 360Giving currency list has no {0}")]
    Currency(String),
}

/// The grant as 360Giving data.
pub fn grant_to_360giving(
    grant: &Grant,
    funder: Party<'_>,
    recipient: Party<'_>,
) -> Result<GivingGrant, Unexportable> {
    let currency = &grant.amount_awarded.currency;
    if UNLISTED_CURRENCIES.contains(&currency.as_str()) {
        return Err(Unexportable::Currency(currency.clone()));
    }
    let planned =
        (grant.planned_start.is_some() || grant.planned_end.is_some()).then_some(PlannedDates {
            start_date: grant.planned_start,
            end_date: grant.planned_end,
        });
    Ok(GivingGrant {
        id: grant.identifier.clone(),
        title: grant.title.clone(),
        description: grant
            .description
            .clone()
            .unwrap_or_else(|| grant.title.clone()),
        currency: currency.clone(),
        amount_applied_for: grant.amount_applied_for.map(Amount),
        amount_awarded: Amount(grant.amount_awarded.amount),
        amount_disbursed: grant.amount_disbursed.map(Amount),
        award_date: grant.award_date,
        planned_dates: planned.into_iter().collect(),
        recipient_organization: vec![recipient.giving()],
        beneficiary_location: grant
            .beneficiary_countries
            .iter()
            .map(|code| location(code))
            .collect(),
        funding_organization: vec![funder.giving()],
        grant_programme: grant
            .programme
            .iter()
            .map(|title| Programme {
                title: title.clone(),
            })
            .collect(),
        classifications: grant
            .classifications
            .iter()
            .map(|c| Classification {
                vocabulary: c.vocabulary.clone(),
                code: c.code.clone(),
                title: c.title.clone(),
            })
            .collect(),
        date_modified: instant(grant.meta.updated_at),
    })
}

fn location(code: &str) -> Location {
    let name = country(code).map_or(code, |c| c.name).to_owned();
    let listed = !UNLISTED_COUNTRIES.contains(&code);
    Location {
        country_code: listed.then(|| code.to_owned()),
        name,
    }
}

// ---------------------------------------------------------------------------------------------
// In.

/// What a 360Giving organisation id says about the organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgIdKind {
    /// `360G-panorama-<uuid>`: an organisation of a Panorama registry, by its id.
    Panorama(Uuid),
    /// An org-id identifier whose list code the registry knows.
    Registered(LegalIdentifier),
    /// Any other id (another publisher's `360G-` id, an unknown list): known only by itself.
    Other,
}

impl OrgIdKind {
    /// Reads `id`: a Panorama id must be exactly `360G-panorama-` and a hyphenated lower-case
    /// uuid; an org-id identifier is split after the longest list code of `schemes` it starts
    /// with, and its value must be one a register could have issued.
    pub fn of(id: &str, schemes: &dyn OrgIdSchemes) -> Self {
        if let Some(rest) = id.strip_prefix(PANORAMA_ORGANISATION_PREFIX)
            && let Ok(uuid) = Uuid::parse_str(rest)
            && uuid.hyphenated().to_string() == rest
        {
            return Self::Panorama(uuid);
        }
        for (at, _) in id.match_indices('-').rev() {
            let (scheme, value) = (&id[..at], &id[at + 1..]);
            if !schemes.is_known(scheme) {
                continue;
            }
            let candidate = LegalIdentifier {
                scheme: scheme.to_owned(),
                value: value.to_owned(),
            };
            let mut v = Validator::new();
            if let Some(identifier) = v.legal_identifier("id", &candidate, schemes)
                && v.is_valid()
            {
                return Self::Registered(identifier);
            }
        }
        Self::Other
    }
}

/// An organisation as a 360Giving grant names it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgRef {
    /// Its 360Giving id, as given.
    pub id: String,
    pub kind: OrgIdKind,
    pub name: String,
    pub url: Option<String>,
    pub city: Option<String>,
}

impl OrgRef {
    /// The fields of a new organisation made for it: its name, website, city and, for an
    /// org-id identifier, that legal identifier.
    pub fn changes(&self) -> OrganisationChanges {
        let legal_identifiers = match &self.kind {
            OrgIdKind::Registered(identifier) => vec![identifier.clone()],
            _ => Vec::new(),
        };
        OrganisationChanges {
            name: Patch::Set(self.name.clone()),
            website: set_or_keep(self.url.clone()),
            city: set_or_keep(self.city.clone()),
            legal_identifiers: Patch::Set(legal_identifiers),
            ..OrganisationChanges::default()
        }
    }

    /// The id of a new organisation made for it: the uuid of a Panorama id, so that the
    /// organisation keeps its id from one registry to the next.
    pub fn new_id(&self) -> Uuid {
        match self.kind {
            OrgIdKind::Panorama(uuid) => uuid,
            _ => Uuid::now_v7(),
        }
    }
}

/// Where in the grant an organisation of a role is: `fundingOrganization` or
/// `recipientOrganization`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Funding,
    Recipient,
}

impl Role {
    pub fn key(self) -> &'static str {
        match self {
            Self::Funding => "fundingOrganization",
            Self::Recipient => "recipientOrganization",
        }
    }

    /// The path in the grant of a field error from making the organisation
    /// (`name` → `fundingOrganization[0].name`).
    pub fn path(self, field: &str) -> String {
        let key = self.key();
        let head = field.split(['.', '[']).next().unwrap_or(field);
        match head {
            "name" => format!("{key}[0].name"),
            "website" => format!("{key}[0].url"),
            "city" => format!("{key}[0].addressLocality"),
            "legalIdentifiers" => format!("{key}[0].id"),
            _ => format!("{key}[0]"),
        }
    }
}

/// A grant read from a package, checked: its fields as a change-set, and its organisations.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingGrant {
    /// The 360Giving identifier (`360G-…`).
    pub identifier: String,
    /// Every field but the funder and the recipient, which the store resolves.
    changes: GrantChanges,
    pub funder: OrgRef,
    pub recipient: OrgRef,
    /// For each beneficiary country, the index of the location it came from.
    countries_at: Vec<usize>,
}

impl IncomingGrant {
    /// The change-set that makes the grant what the package says, with its organisations.
    /// Amounts equal to the stored ones are kept as stored: `12500.50` read back as the
    /// JSON number `12500.5` is no change.
    pub fn changes_for(
        &self,
        funder: Uuid,
        recipient: Uuid,
        current: Option<&Grant>,
    ) -> GrantChanges {
        let mut changes = self.changes.clone();
        changes.funder_id = Patch::Set(funder);
        changes.recipient_id = Patch::Set(recipient);
        if let Some(current) = current {
            let stored = &current.amount_awarded;
            if matches!(&changes.amount_awarded, Patch::Set(m) if m.amount == stored.amount && m.currency.eq_ignore_ascii_case(&stored.currency))
            {
                changes.amount_awarded = Patch::Keep;
            }
            keep_equal(&mut changes.amount_applied_for, current.amount_applied_for);
            keep_equal(&mut changes.amount_disbursed, current.amount_disbursed);
        }
        changes
    }

    /// The path in the grant of a field error from the grant's checks (`identifier` → `id`,
    /// `beneficiaryCountries[1]` → `beneficiaryLocation[3].countryCode`).
    pub fn path(&self, field: &str) -> String {
        grant_path(field, &self.countries_at)
    }
}

fn keep_equal(patch: &mut Patch<Decimal>, stored: Option<Decimal>) {
    if matches!((&*patch, stored), (Patch::Set(new), Some(old)) if *new == old) {
        *patch = Patch::Keep;
    }
}

fn grant_path(field: &str, countries_at: &[usize]) -> String {
    let head = field.split(['.', '[']).next().unwrap_or(field);
    match head {
        "identifier" => "id".to_owned(),
        "amountAwarded" if field.ends_with(".currency") => "currency".to_owned(),
        "amountAwarded" => "amountAwarded".to_owned(),
        "plannedStart" => "plannedDates[0].startDate".to_owned(),
        "plannedEnd" => "plannedDates[0].endDate".to_owned(),
        "funderId" => Role::Funding.key().to_owned(),
        "recipientId" => Role::Recipient.key().to_owned(),
        "programme" => "grantProgramme[0].title".to_owned(),
        "beneficiaryCountries" => {
            let index = field
                .strip_prefix("beneficiaryCountries[")
                .and_then(|rest| rest.split(']').next())
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| countries_at.get(i));
            match index {
                Some(at) => format!("beneficiaryLocation[{at}].countryCode"),
                None => "beneficiaryLocation".to_owned(),
            }
        }
        _ => field.to_owned(),
    }
}

/// The problems of one grant of a package, each at its path in the grant.
pub type GrantProblems = Vec<FieldError>;

/// Reads a 360Giving package: one result per grant, in order, each either the checked grant or
/// every problem with it. `Err` when the value is not a package at all (not an object, or no
/// `grants` array); its field is `grants`, or empty for the package itself.
pub fn read_package(
    package: &Value,
    schemes: &dyn OrgIdSchemes,
) -> Result<Vec<Result<IncomingGrant, GrantProblems>>, FieldError> {
    let not_a_package = |field: &str, message: &str| FieldError {
        field: field.to_owned(),
        message: message.to_owned(),
        code: ErrorCode::Invalid,
    };
    let Some(object) = package.as_object() else {
        return Err(not_a_package(
            "",
            "not a 360Giving package: it must be a JSON object with a `grants` array",
        ));
    };
    let Some(grants) = object.get("grants").and_then(Value::as_array) else {
        return Err(not_a_package(
            "grants",
            "not a 360Giving package: it has no `grants` array",
        ));
    };
    let mut seen = HashSet::new();
    Ok(grants
        .iter()
        .map(|grant| {
            let read = read_grant(grant, schemes)?;
            if seen.insert(read.identifier.clone()) {
                Ok(read)
            } else {
                Err(vec![FieldError {
                    field: "id".to_owned(),
                    message: format!("{} is in the package twice", read.identifier),
                    code: ErrorCode::Duplicate,
                }])
            }
        })
        .collect())
}

/// One grant: its shape first, then the checks every grant write makes (with stand-in
/// organisations), each problem reported once at its path.
fn read_grant(value: &Value, schemes: &dyn OrgIdSchemes) -> Result<IncomingGrant, GrantProblems> {
    let Some(object) = value.as_object() else {
        return Err(vec![FieldError {
            field: String::new(),
            message: "a grant must be a JSON object".to_owned(),
            code: ErrorCode::Invalid,
        }]);
    };
    let mut r = Reader::default();
    let identifier = r.text(object, "id");
    let title = r.text(object, "title");
    let description = r.text(object, "description");
    let currency = r.text(object, "currency");
    let amount_awarded = r.amount(object, "amountAwarded");
    if amount_awarded.is_some() && currency.is_none() {
        r.problem(
            "currency",
            ErrorCode::Required,
            "the currency of the amounts",
        );
    }
    let award_date = r.date(object.get("awardDate"), "awardDate");
    let (planned_start, planned_end) = r.planned_dates(object);
    let funder = r.organisation(object, Role::Funding, schemes);
    let recipient = r.organisation(object, Role::Recipient, schemes);
    let (beneficiary_countries, countries_at) = r.countries(object);
    let programme = r.programme(object);
    let classifications = r.classifications(object);
    let changes = GrantChanges {
        identifier: set_or_keep(identifier.clone()),
        description: match (&description, &title) {
            (Some(d), Some(t)) if d.trim() == t.trim() => Patch::Clear,
            _ => set_or_clear(description.clone()),
        },
        title: set_or_keep(title),
        // Without a currency the amount still goes to the checks, which then find nothing
        // wrong but the currency reported above.
        amount_awarded: match amount_awarded {
            Some(amount) => Patch::Set(Money {
                amount,
                currency: currency.unwrap_or_default(),
            }),
            None => Patch::Keep,
        },
        amount_applied_for: set_or_clear(r.amount(object, "amountAppliedFor")),
        amount_disbursed: set_or_clear(r.amount(object, "amountDisbursed")),
        award_date: set_or_keep(award_date),
        planned_start: set_or_clear(planned_start),
        planned_end: set_or_clear(planned_end),
        programme: set_or_clear(programme),
        beneficiary_countries: Patch::Set(beneficiary_countries),
        classifications: Patch::Set(classifications),
        ..GrantChanges::default()
    };
    let stand_in = Uuid::from_u128(1);
    let mut grant = IncomingGrant {
        identifier: identifier.unwrap_or_default(),
        changes,
        funder: funder.unwrap_or_else(missing_org),
        recipient: recipient.unwrap_or_else(missing_org),
        countries_at,
    };
    let checked = grant
        .changes_for(stand_in, stand_in, None)
        .create(RecordMeta::new(
            RecordStatus::Pending,
            Source::Import(SOURCE.into()),
        ));
    if let Err(errors) = checked {
        for error in errors {
            let path = grant.path(&error.field);
            r.problem_once(path, error.code, error.message);
        }
    }
    if r.problems.is_empty() {
        grant.identifier = grant.identifier.trim().to_owned();
        Ok(grant)
    } else {
        Err(r.problems)
    }
}

fn missing_org() -> OrgRef {
    OrgRef {
        id: String::new(),
        kind: OrgIdKind::Other,
        name: String::new(),
        url: None,
        city: None,
    }
}

fn set_or_keep<T>(value: Option<T>) -> Patch<T> {
    value.map_or(Patch::Keep, Patch::Set)
}

fn set_or_clear<T>(value: Option<T>) -> Patch<T> {
    value.map_or(Patch::Clear, Patch::Set)
}

/// Reads the fields of one grant, collecting every problem with its path.
#[derive(Default)]
struct Reader {
    problems: Vec<FieldError>,
}

impl Reader {
    fn problem(&mut self, field: impl Into<String>, code: ErrorCode, message: impl Into<String>) {
        self.problems.push(FieldError {
            field: field.into(),
            message: message.into(),
            code,
        });
    }

    /// A problem, unless the field (or a part of it) has one already.
    fn problem_once(&mut self, field: String, code: ErrorCode, message: String) {
        let reported = self.problems.iter().any(|p| {
            p.field == field
                || field.starts_with(&format!("{}.", p.field))
                || field.starts_with(&format!("{}[", p.field))
        });
        if !reported {
            self.problem(field, code, message);
        }
    }

    /// A string field; absent or null is `None`.
    fn text(&mut self, object: &Map<String, Value>, key: &str) -> Option<String> {
        self.text_at(object.get(key), key)
    }

    fn text_at(&mut self, value: Option<&Value>, field: &str) -> Option<String> {
        match value {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(_) => {
                self.problem(field, ErrorCode::Invalid, "must be a string");
                None
            }
        }
    }

    /// A number field as an exact decimal; absent or null is `None`.
    fn amount(&mut self, object: &Map<String, Value>, key: &str) -> Option<Decimal> {
        let number = match object.get(key) {
            None | Some(Value::Null) => return None,
            Some(Value::Number(number)) => number,
            Some(_) => {
                self.problem(key, ErrorCode::Invalid, "must be a number");
                return None;
            }
        };
        let decimal = if let Some(whole) = number.as_i64() {
            Some(Decimal::from(whole))
        } else if let Some(whole) = number.as_u64() {
            Some(Decimal::from(whole))
        } else {
            // A double's shortest form is the decimal it was written as (up to 15 digits).
            number
                .as_f64()
                .and_then(|double| Decimal::from_str(&double.to_string()).ok())
        };
        if decimal.is_none() {
            self.problem(key, ErrorCode::OutOfRange, "is too large an amount");
        }
        decimal
    }

    /// A date: `YYYY-MM-DD`, or a date-time (RFC 3339) whose date is taken.
    fn date(&mut self, value: Option<&Value>, field: &str) -> Option<NaiveDate> {
        let text = self.text_at(value, field)?;
        let text = text.trim();
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .or_else(|| {
                DateTime::parse_from_rfc3339(text)
                    .ok()
                    .map(|t| t.date_naive())
            });
        if date.is_none() {
            self.problem(
                field,
                ErrorCode::Invalid,
                "must be a whole date (YYYY-MM-DD) or a date-time",
            );
        }
        date
    }

    /// An array field; absent or null is empty.
    fn array<'v>(&mut self, object: &'v Map<String, Value>, key: &str) -> &'v [Value] {
        match object.get(key) {
            None | Some(Value::Null) => &[],
            Some(Value::Array(items)) => items,
            Some(_) => {
                self.problem(key, ErrorCode::Invalid, "must be an array");
                &[]
            }
        }
    }

    /// The objects of an array that Panorama keeps at most `max` of, each with its path.
    fn objects<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        key: &str,
        max: usize,
        what: &str,
    ) -> Vec<(String, &'v Map<String, Value>)> {
        let items = self.array(object, key);
        if items.len() > max {
            self.problem(
                key,
                ErrorCode::Invalid,
                format!("Panorama records at most {max} {what} per grant"),
            );
            return Vec::new();
        }
        let mut objects = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let path = format!("{key}[{i}]");
            match item.as_object() {
                Some(o) => objects.push((path, o)),
                None => self.problem(path, ErrorCode::Invalid, "must be a JSON object"),
            }
        }
        objects
    }

    fn planned_dates(
        &mut self,
        object: &Map<String, Value>,
    ) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let periods = self.objects(object, "plannedDates", 1, "planned period");
        let Some((path, period)) = periods.first() else {
            return (None, None);
        };
        let start = self.date(period.get("startDate"), &format!("{path}.startDate"));
        let end = self.date(period.get("endDate"), &format!("{path}.endDate"));
        (start, end)
    }

    fn organisation(
        &mut self,
        object: &Map<String, Value>,
        role: Role,
        schemes: &dyn OrgIdSchemes,
    ) -> Option<OrgRef> {
        let key = role.key();
        let what = match role {
            Role::Funding => "funding organisation",
            Role::Recipient => "recipient organisation",
        };
        let found = self.objects(object, key, 1, what);
        let Some((path, org)) = found.first() else {
            if self.problems.iter().all(|p| p.field != key) {
                let message =
                    if role == Role::Recipient && object.contains_key("recipientIndividual") {
                        "Panorama records grants to organisations, not to individuals"
                    } else {
                        "a grant needs its organisation, with id and name"
                    };
                self.problem(key, ErrorCode::Required, message);
            }
            return None;
        };
        let id = self.required_text(org, path, "id");
        let name = self.required_text(org, path, "name");
        let url = self.text_at(org.get("url"), &format!("{path}.url"));
        let city = self.text_at(
            org.get("addressLocality"),
            &format!("{path}.addressLocality"),
        );
        let (id, name) = (id?, name?);
        Some(OrgRef {
            kind: OrgIdKind::of(&id, schemes),
            id,
            name,
            url,
            city,
        })
    }

    /// A string that must be there and not blank, trimmed.
    fn required_text(
        &mut self,
        object: &Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Option<String> {
        let field = format!("{path}.{key}");
        let text = self.text_at(object.get(key), &field);
        match text.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => Some(text.to_owned()),
            Some(_) => {
                self.problem(field, ErrorCode::Required, "must not be blank");
                None
            }
            None if !self.problems.iter().any(|p| p.field == field) => {
                self.problem(field, ErrorCode::Required, "is required");
                None
            }
            None => None,
        }
    }

    /// The countries of the beneficiary locations, by code or else by a country's name, with
    /// the index of the location each came from. Locations without a country are left out.
    fn countries(&mut self, object: &Map<String, Value>) -> (Vec<String>, Vec<usize>) {
        let locations = self.objects(object, "beneficiaryLocation", usize::MAX, "locations");
        let mut codes = Vec::new();
        let mut at = Vec::new();
        for (i, (path, location)) in locations.iter().enumerate() {
            let code = self.text_at(location.get("countryCode"), &format!("{path}.countryCode"));
            let name = self.text_at(location.get("name"), &format!("{path}.name"));
            let code = code.or_else(|| {
                name.as_deref()
                    .and_then(country_code_from_name)
                    .map(str::to_owned)
            });
            if let Some(code) = code {
                codes.push(code);
                at.push(i);
            }
        }
        (codes, at)
    }

    fn programme(&mut self, object: &Map<String, Value>) -> Option<String> {
        let programmes = self.objects(object, "grantProgramme", 1, "grant programme");
        let (path, programme) = programmes.first()?;
        let title = self.text_at(programme.get("title"), &format!("{path}.title"));
        let code = self.text_at(programme.get("code"), &format!("{path}.code"));
        title.or(code)
    }

    fn classifications(&mut self, object: &Map<String, Value>) -> Vec<GrantClassification> {
        let items = self.objects(object, "classifications", usize::MAX, "classifications");
        items
            .iter()
            .map(|(path, item)| GrantClassification {
                vocabulary: self
                    .text_at(item.get("vocabulary"), &format!("{path}.vocabulary"))
                    .unwrap_or_default(),
                code: self
                    .text_at(item.get("code"), &format!("{path}.code"))
                    .unwrap_or_default(),
                title: self.text_at(item.get("title"), &format!("{path}.title")),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;
    use crate::changes::{blank_grant, blank_organisation};
    use crate::validation::SchemeList;

    fn organisation(name: &str) -> Organisation {
        let mut o = blank_organisation(RecordMeta::new(RecordStatus::Published, Source::Web));
        o.name = name.to_owned();
        o
    }

    fn grant() -> Grant {
        let mut meta = RecordMeta::new(RecordStatus::Published, Source::Web);
        meta.updated_at = Utc.with_ymd_and_hms(2025, 2, 3, 4, 5, 6).unwrap();
        let mut g = blank_grant(meta);
        g.identifier = "360G-panorama-g1".into();
        g.title = "Open sensors".into();
        g.amount_awarded = Money {
            amount: Decimal::from_str("12500.50").unwrap(),
            currency: "EUR".into(),
        };
        g.amount_applied_for = Some(Decimal::from(15000));
        g.award_date = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
        g.planned_start = NaiveDate::from_ymd_opt(2024, 4, 1);
        g.beneficiary_countries = vec!["FR".into(), "XK".into()];
        g.programme = Some("Civic tech".into());
        g.classifications = vec![GrantClassification {
            vocabulary: "SDG".into(),
            code: "11".into(),
            title: None,
        }];
        g
    }

    fn party(o: &Organisation) -> Party<'_> {
        Party {
            organisation: o,
            imported_id: None,
        }
    }

    #[test]
    fn organisations_are_named_by_org_id_then_imported_id_then_their_uuid() {
        let mut charity = organisation("Charity");
        charity.legal_identifiers = vec![LegalIdentifier {
            scheme: "GB-CHC".into(),
            value: "1234567".into(),
        }];
        assert_eq!(party(&charity).id(), "GB-CHC-1234567");
        let plain = organisation("Plain");
        let imported = Party {
            organisation: &plain,
            imported_id: Some("360G-other-7"),
        };
        assert_eq!(imported.id(), "360G-other-7");
        assert_eq!(
            party(&plain).id(),
            format!("360G-panorama-{}", plain.meta.id)
        );
    }

    #[test]
    fn a_grant_is_written_as_360giving_json() {
        let (funder, recipient) = (organisation("Fund"), organisation("Lab"));
        let out = grant_to_360giving(&grant(), party(&funder), party(&recipient)).unwrap();
        let json = serde_json::to_value(&out).unwrap();
        assert_eq!(json["description"], "Open sensors", "the title stands in");
        assert_eq!(json["amountAwarded"], json!(12500.5));
        assert_eq!(json["amountAppliedFor"], json!(15000));
        assert!(json.get("amountDisbursed").is_none());
        assert_eq!(json["awardDate"], "2024-03-01");
        assert_eq!(json["plannedDates"], json!([{ "startDate": "2024-04-01" }]));
        assert_eq!(
            json["beneficiaryLocation"],
            json!([{ "countryCode": "FR", "name": "France" }, { "name": "Kosovo" }])
        );
        assert_eq!(json["grantProgramme"], json!([{ "title": "Civic tech" }]));
        assert_eq!(
            json["classifications"],
            json!([{ "vocabulary": "SDG", "code": "11" }])
        );
        assert_eq!(json["fundingOrganization"][0]["name"], "Fund");
        assert_eq!(json["dateModified"], "2025-02-03T04:05:06Z");

        let mut leone = grant();
        leone.amount_awarded.currency = "SLE".into();
        assert_eq!(
            grant_to_360giving(&leone, party(&funder), party(&recipient)),
            Err(Unexportable::Currency("SLE".into()))
        );
    }

    #[test]
    fn org_ids_are_read_by_kind() {
        let schemes = SchemeList::fallback();
        let uuid = Uuid::now_v7();
        assert_eq!(
            OrgIdKind::of(&format!("360G-panorama-{uuid}"), &schemes),
            OrgIdKind::Panorama(uuid)
        );
        assert_eq!(
            OrgIdKind::of(&format!("360G-panorama-{}", uuid.simple()), &schemes),
            OrgIdKind::Other
        );
        assert_eq!(
            OrgIdKind::of("GB-CHC-1234567", &schemes),
            OrgIdKind::Registered(LegalIdentifier {
                scheme: "GB-CHC".into(),
                value: "1234567".into()
            })
        );
        assert_eq!(
            OrgIdKind::of("BE-BCE_KBO-0123-456", &schemes),
            OrgIdKind::Registered(LegalIdentifier {
                scheme: "BE-BCE_KBO".into(),
                value: "0123-456".into()
            })
        );
        for other in ["ZZ-NOPE-1", "360G-somefunder-9", "GB-CHC-", "GB-CHC-12 34"] {
            assert_eq!(OrgIdKind::of(other, &schemes), OrgIdKind::Other, "{other}");
        }
    }

    fn package_grant() -> Value {
        json!({
            "id": "360G-fund-1", "title": "Open sensors", "description": "Open sensors",
            "currency": "EUR", "amountAwarded": 12500.5, "amountDisbursed": 1000,
            "awardDate": "2024-03-01T10:00:00+01:00",
            "plannedDates": [{ "startDate": "2024-04-01", "endDate": "2025-03-31" }],
            "recipientOrganization": [{ "id": "GB-CHC-1234567", "name": "Lab", "url": "https://lab.example" }],
            "fundingOrganization": [{ "id": "360G-fund", "name": "Fund" }],
            "beneficiaryLocation": [{ "name": "Manchester" }, { "countryCode": "FR" }, { "name": "Kosovo" }],
            "grantProgramme": [{ "code": "CT", "title": "Civic tech" }],
            "classifications": [{ "vocabulary": "SDG", "code": "11", "title": "Cities" }],
            "fromOpenCall": "Yes"
        })
    }

    #[test]
    fn a_package_grant_is_read_into_changes() {
        let schemes = SchemeList::fallback();
        let read = read_package(&json!({ "grants": [package_grant()] }), &schemes).unwrap();
        let grant = read[0].clone().unwrap();
        assert_eq!(grant.identifier, "360G-fund-1");
        assert_eq!(grant.funder.kind, OrgIdKind::Other);
        assert!(matches!(grant.recipient.kind, OrgIdKind::Registered(_)));
        let (funder, recipient) = (Uuid::from_u128(5), Uuid::from_u128(6));
        let made = grant
            .changes_for(funder, recipient, None)
            .create(RecordMeta::new(RecordStatus::Published, Source::Web))
            .unwrap();
        assert_eq!(made.description, None, "a description equal to the title");
        assert_eq!(
            made.amount_awarded.amount,
            Decimal::from_str("12500.5").unwrap()
        );
        assert_eq!(
            made.award_date,
            NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()
        );
        assert_eq!(made.beneficiary_countries, ["FR", "XK"]);
        assert_eq!(made.programme.as_deref(), Some("Civic tech"));
        assert_eq!((made.funder_id, made.recipient_id), (funder, recipient));

        // The stored 12500.50 is the package's 12500.5: no change.
        let mut stored = made.clone();
        stored.amount_awarded.amount = Decimal::from_str("12500.50").unwrap();
        let again = grant
            .changes_for(funder, recipient, Some(&stored))
            .apply(stored.clone())
            .unwrap();
        assert_eq!(again, stored);
    }

    fn problems(grant: Value) -> Vec<(String, &'static str)> {
        let read = read_package(&json!({ "grants": [grant] }), &SchemeList::fallback()).unwrap();
        read[0]
            .clone()
            .unwrap_err()
            .into_iter()
            .map(|p| (p.field, p.code.code()))
            .collect()
    }

    #[test]
    fn every_problem_is_reported_at_its_path_once() {
        let mut bad = package_grant();
        bad["id"] = json!("GB-1");
        bad["amountAwarded"] = json!("lots");
        bad["plannedDates"] = json!([{ "startDate": "2024-04" }]);
        bad["beneficiaryLocation"] = json!([{ "name": "Atlantis" }, { "countryCode": "QQ" }]);
        bad["fundingOrganization"] = json!([{ "id": "360G-fund" }]);
        bad["classifications"] = json!([{ "vocabulary": "SDG" }]);
        assert_eq!(
            problems(bad),
            [
                ("amountAwarded".to_owned(), "INVALID"),
                ("plannedDates[0].startDate".to_owned(), "INVALID"),
                ("fundingOrganization[0].name".to_owned(), "REQUIRED"),
                ("id".to_owned(), "INVALID"),
                (
                    "beneficiaryLocation[1].countryCode".to_owned(),
                    "UNKNOWN_COUNTRY"
                ),
                ("classifications[0].code".to_owned(), "REQUIRED"),
            ]
        );
        let mut individual = package_grant();
        individual
            .as_object_mut()
            .unwrap()
            .remove("recipientOrganization");
        individual["recipientIndividual"] = json!({ "id": "360G-fund-person-1" });
        individual["currency"] = json!(null);
        individual["fundingOrganization"] =
            json!([{ "id": "a", "name": "A" }, { "id": "b", "name": "B" }]);
        assert_eq!(
            problems(individual),
            [
                ("currency".to_owned(), "REQUIRED"),
                ("fundingOrganization".to_owned(), "INVALID"),
                ("recipientOrganization".to_owned(), "REQUIRED"),
            ]
        );
    }

    #[test]
    fn what_is_not_a_package_and_repeated_ids_are_refused() {
        let schemes = SchemeList::fallback();
        assert_eq!(read_package(&json!([]), &schemes).unwrap_err().field, "");
        assert_eq!(
            read_package(&json!({ "grant": [] }), &schemes)
                .unwrap_err()
                .field,
            "grants"
        );
        let twice = json!({ "grants": [package_grant(), package_grant(), 7] });
        let read = read_package(&twice, &schemes).unwrap();
        assert!(read[0].is_ok());
        assert_eq!(read[1].clone().unwrap_err()[0].code, ErrorCode::Duplicate);
        assert_eq!(read[2].clone().unwrap_err()[0].field, "");
    }
}
