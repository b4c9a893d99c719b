//! Proposed changes to records, checked before anything is written. A change names only the
//! fields it touches: a field left out stays as it is, a field set to null is cleared where
//! that is allowed, and every problem is reported at once with its field.
//!
//! Every record type has an `XChanges` struct with the same two entry points:
//! - `changes.create(meta, ..)` builds a new record from `blank_x(meta)`, and also says which
//!   required fields the create left out;
//! - `changes.apply(record, ..)` changes a stored record; clearing a required field is refused.
//!
//! Both check the record as it will be after the change (a date range whose start alone is
//! updated is checked against the stored end), and both either return the whole new record or
//! every problem, each with the field as the GraphQL input names it (`startDate`,
//! `amountAwarded.currency`, `focus[1]`).
//!
//! Some record fields have no "absent" value in the model (a grant's `award_date` is a
//! `NaiveDate`, a support's `supporter_id` a `Uuid`). The `blank_x` functions put a marker there
//! ([`BLANK_DATE`], [`BLANK_INSTANT`], `Uuid::nil()`, an empty currency) and the checks report
//! the field as `REQUIRED` when the marker is still there after the change. Enum fields and
//! numbers have no marker that could not also be a real value (`kind`, `fundingType`, an
//! indicator's `value`): `blank_x` puts a placeholder there, and `create` reports the field as
//! `REQUIRED` unless the changes set it.
//!
//! Slugs: `slug: Patch::Set` stores a checked slug; a create that gives none (left out or null)
//! leaves the slug empty for the store to derive a free one from the title; an update cannot
//! clear it. Whether a slug is free is the store's to say.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::model::{Classification, Place};
use crate::taxonomy::Vocabulary;
use crate::validation::{ErrorCode, Validator};

mod case_study;
mod event;
mod funding;
mod grant;
mod impact;
mod link;
mod organisation;
mod project;
mod support;

pub use case_study::{CaseStudyChanges, MAX_BODY_CHARS, MAX_SUMMARY_CHARS, blank_case_study};
pub use event::{EventChanges, MAX_PRICE_CHARS, blank_event};
pub use funding::{FundingOpportunityChanges, blank_funding_opportunity};
pub use grant::{
    GRANT_IDENTIFIER_PREFIX, GrantChanges, MAX_CLASSIFICATION_CODE_CHARS,
    MAX_GRANT_IDENTIFIER_CHARS, blank_grant,
};
pub use impact::{ImpactIndicatorChanges, MAX_UNIT_CHARS, blank_impact_indicator};
pub use link::{OrganisationLinkChanges, blank_organisation_link};
pub use organisation::{OrganisationChanges, blank_organisation};
pub use project::{ProjectChanges, blank_project};
pub use support::{SupportChanges, blank_support};

/// One field of a partial update.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Patch<T> {
    /// Left out: unchanged.
    #[default]
    Keep,
    /// Set to null: cleared.
    Clear,
    Set(T),
}

impl<T> Patch<T> {
    pub fn is_keep(&self) -> bool {
        matches!(self, Patch::Keep)
    }
}

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_SHORT_DESCRIPTION_CHARS: usize = 280;
pub const MAX_DESCRIPTION_CHARS: usize = 20_000;
pub const MAX_PLACE_CHARS: usize = 200;
pub const MAX_ADDRESS_CHARS: usize = 500;
pub const MAX_TAG_CHARS: usize = 100;
pub const MAX_LIST_ITEMS: usize = 50;

/// The marker a blank record holds in a required date (a grant's `award_date`) until a create
/// sets it: the field is reported `REQUIRED` while it is there.
pub const BLANK_DATE: NaiveDate = NaiveDate::MIN;
/// The marker a blank record holds in a required instant (an event's `starts_at`).
pub const BLANK_INSTANT: DateTime<Utc> = DateTime::<Utc>::MIN_UTC;

/// Applies a checked optional value: `Keep` leaves `target`, `Clear` empties it, `Set` stores
/// what `check` made of it (nothing, if the check failed and said so).
fn optional<T, U>(target: &mut Option<U>, patch: &Patch<T>, check: impl FnOnce(&T) -> Option<U>) {
    match patch {
        Patch::Keep => {}
        Patch::Clear => *target = None,
        Patch::Set(value) => *target = check(value),
    }
}

/// Applies a checked list: `Clear` empties it.
fn list<T>(target: &mut Vec<T>, patch: &Patch<Vec<T>>, check: impl FnOnce(&[T]) -> Vec<T>) {
    match patch {
        Patch::Keep => {}
        Patch::Clear => target.clear(),
        Patch::Set(values) => *target = check(values),
    }
}

/// Lists of free words: each word bounded, at most [`MAX_LIST_ITEMS`] of them.
fn words(v: &mut Validator, field: &str, values: &[String]) -> Vec<String> {
    if too_many(v, field, values.len()) {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for (i, value) in values.iter().enumerate() {
        if let Some(word) = v.required_text(&format!("{field}[{i}]"), value, MAX_TAG_CHARS)
            && !out.contains(&word)
        {
            out.push(word);
        }
    }
    out
}

/// Reports a list longer than [`MAX_LIST_ITEMS`] on `field`; says whether it did.
fn too_many(v: &mut Validator, field: &str, len: usize) -> bool {
    if len > MAX_LIST_ITEMS {
        v.push(
            field,
            ErrorCode::TooLong,
            format!("at most {MAX_LIST_ITEMS} items"),
        );
        return true;
    }
    false
}

/// An optional text, trimmed; blank is `None`.
fn text(v: &mut Validator, field: &str, max_chars: usize, value: &str) -> Option<String> {
    v.optional_text(field, Some(value), max_chars)
}

/// A required text (name, title): `Set` stores the checked text, `Clear` is refused, and a
/// record whose text is still blank after the change (a create that left it out) is reported.
fn required_text(
    v: &mut Validator,
    field: &str,
    max_chars: usize,
    target: &mut String,
    patch: &Patch<String>,
    missing: &str,
) {
    match patch {
        Patch::Keep => {
            if target.trim().is_empty() {
                v.push(field, ErrorCode::Required, missing);
            }
        }
        Patch::Clear => v.push(field, ErrorCode::Required, missing),
        Patch::Set(value) => {
            if let Some(value) = v.required_text(field, value, max_chars) {
                *target = value;
            }
        }
    }
}

/// A required value whose blank form is the marker `blank` (`Uuid::nil()`, [`BLANK_DATE`]):
/// `Clear`, `Set(blank)` and a marker still there after the change are `REQUIRED`.
fn required_value<T: Copy + PartialEq>(
    v: &mut Validator,
    field: &str,
    target: &mut T,
    patch: &Patch<T>,
    blank: T,
    missing: &str,
) {
    match patch {
        Patch::Keep if *target != blank => {}
        Patch::Set(value) if *value != blank => *target = *value,
        _ => v.push(field, ErrorCode::Required, missing),
    }
}

/// A required value with no marker (an enum, a number): a create must set it, an update may
/// leave it out but not clear it.
fn required_set<T: Copy>(
    v: &mut Validator,
    field: &str,
    target: &mut T,
    patch: &Patch<T>,
    creating: bool,
    missing: &str,
) {
    match patch {
        Patch::Set(value) => *target = *value,
        Patch::Keep if !creating => {}
        _ => v.push(field, ErrorCode::Required, missing),
    }
}

/// A reference to another record that may be cleared. The nil id is no record's id.
fn optional_id(v: &mut Validator, field: &str, target: &mut Option<Uuid>, patch: &Patch<Uuid>) {
    optional(target, patch, |id| {
        if id.is_nil() {
            v.push(field, ErrorCode::Invalid, "the nil id is no record's id");
            None
        } else {
            Some(*id)
        }
    });
}

/// A list of references to other records: at most [`MAX_LIST_ITEMS`], repeats dropped, no
/// nil id (reported at its index).
fn ids(v: &mut Validator, field: &str, values: &[Uuid]) -> Vec<Uuid> {
    if too_many(v, field, values.len()) {
        return Vec::new();
    }
    let mut out: Vec<Uuid> = Vec::new();
    for (i, id) in values.iter().enumerate() {
        if id.is_nil() {
            v.push(
                format!("{field}[{i}]"),
                ErrorCode::Invalid,
                "the nil id is no record's id",
            );
        } else if !out.contains(id) {
            out.push(*id);
        }
    }
    out
}

/// A record about an organisation or a project (a support, a case study) must have one of
/// them after the change; if neither, `REQUIRED` on `organisationId`. Not reported when one of
/// them was set to the nil id: [`optional_id`] has said so already.
fn organisation_or_project(
    v: &mut Validator,
    organisation: (&Option<Uuid>, &Patch<Uuid>),
    project: (&Option<Uuid>, &Patch<Uuid>),
    message: &str,
) {
    let nil = |patch: &Patch<Uuid>| matches!(patch, Patch::Set(id) if id.is_nil());
    if organisation.0.is_none() && project.0.is_none() && !nil(organisation.1) && !nil(project.1) {
        v.push("organisationId", ErrorCode::Required, message);
    }
}

/// A record's slug: `Set` stores the checked slug; `Clear` is refused on an update and leaves
/// the slug to the store (empty) on a create.
fn slug(v: &mut Validator, target: &mut String, patch: &Patch<String>, creating: bool) {
    match patch {
        Patch::Keep => {}
        Patch::Clear if creating => target.clear(),
        Patch::Clear => v.push("slug", ErrorCode::Required, "a slug cannot be cleared"),
        Patch::Set(value) => {
            if let Some(value) = v.slug("slug", value) {
                *target = value;
            }
        }
    }
}

/// A flag: `Clear` is `false`.
fn flag(target: &mut bool, patch: &Patch<bool>) {
    match patch {
        Patch::Keep => {}
        Patch::Clear => *target = false,
        Patch::Set(value) => *target = *value,
    }
}

/// The changes to a [`Place`], as the inputs of organisations, projects and events name them.
struct PlaceChanges<'a> {
    address: &'a Patch<String>,
    city: &'a Patch<String>,
    region: &'a Patch<String>,
    country: &'a Patch<String>,
    location: &'a Patch<(f64, f64)>,
}

impl PlaceChanges<'_> {
    fn apply(&self, v: &mut Validator, place: &mut Place) {
        optional(&mut place.address, self.address, |s| {
            text(v, "address", MAX_ADDRESS_CHARS, s)
        });
        optional(&mut place.city, self.city, |s| {
            text(v, "city", MAX_PLACE_CHARS, s)
        });
        optional(&mut place.region, self.region, |s| {
            text(v, "region", MAX_PLACE_CHARS, s)
        });
        optional(&mut place.country, self.country, |c| {
            v.country("country", Some(c))
        });
        optional(&mut place.point, self.location, |&(lat, lon)| {
            v.coordinates("location", Some(lat), Some(lon))
        });
    }
}

/// The changes to a [`Classification`], as organisations and projects name them.
struct ClassificationChanges<'a> {
    focus: &'a Patch<Vec<String>>,
    technologies: &'a Patch<Vec<String>>,
    impact_areas: &'a Patch<Vec<String>>,
}

impl ClassificationChanges<'_> {
    fn apply(&self, v: &mut Validator, classification: &mut Classification) {
        list(&mut classification.focus, self.focus, |codes| {
            v.terms("focus", Vocabulary::Focus, codes)
        });
        list(
            &mut classification.technologies,
            self.technologies,
            |codes| v.terms("technologies", Vocabulary::Technology, codes),
        );
        list(
            &mut classification.impact_areas,
            self.impact_areas,
            |codes| v.terms("impactAreas", Vocabulary::ImpactArea, codes),
        );
    }
}

/// Helpers of the tests of every record type.
#[cfg(test)]
mod test_support {
    use chrono::NaiveDate;

    use crate::model::{RecordMeta, RecordStatus, Source};
    use crate::validation::FieldError;

    pub fn meta() -> RecordMeta {
        RecordMeta::new(RecordStatus::Pending, Source::Web)
    }

    pub fn codes(errors: &[FieldError]) -> Vec<(String, &'static str)> {
        errors
            .iter()
            .map(|e| (e.field.clone(), e.code.code()))
            .collect()
    }

    pub fn fields(errors: &[FieldError]) -> Vec<String> {
        errors.iter().map(|e| e.field.clone()).collect()
    }

    /// Fails unless every one of `expected` is among the fields of `errors`.
    pub fn assert_fields(errors: &[FieldError], expected: &[&str]) {
        let found = fields(errors);
        for field in expected {
            assert!(
                found.iter().any(|f| f == field),
                "{field} missing from {found:?}"
            );
        }
    }

    pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }
}
