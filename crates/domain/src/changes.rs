//! Proposed changes to records, checked before anything is written. A change names only the
//! fields it touches: a field left out stays as it is, a field set to null is cleared where
//! that is allowed, and every problem is reported at once with its field.

use chrono::NaiveDate;

use crate::model::{LegalIdentifier, Organisation};
use crate::taxonomy::Vocabulary;
use crate::validation::{ErrorCode, FieldError, OrgIdSchemes, Validator};

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

/// The fields of an organisation that a create or an update may set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrganisationChanges {
    pub name: Patch<String>,
    pub short_description: Patch<String>,
    pub description: Patch<String>,
    pub website: Patch<String>,
    pub other_links: Patch<Vec<String>>,
    pub logo_url: Patch<String>,
    pub organisation_type: Patch<String>,
    pub size: Patch<String>,
    pub founded_on: Patch<NaiveDate>,
    pub legal_identifiers: Patch<Vec<LegalIdentifier>>,
    pub address: Patch<String>,
    pub city: Patch<String>,
    pub region: Patch<String>,
    pub country: Patch<String>,
    pub location: Patch<(f64, f64)>,
    pub focus: Patch<Vec<String>>,
    pub technologies: Patch<Vec<String>>,
    pub impact_areas: Patch<Vec<String>>,
    pub roles: Patch<Vec<String>>,
    pub network_memberships: Patch<Vec<String>>,
    pub tags: Patch<Vec<String>>,
}

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
    if values.len() > MAX_LIST_ITEMS {
        v.push(
            field,
            ErrorCode::TooLong,
            format!("at most {MAX_LIST_ITEMS} items"),
        );
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

impl OrganisationChanges {
    /// Applies the changes to `organisation` (a new, empty one for a create), or says every
    /// field that is wrong. Nothing is half-applied: on error the caller drops the result.
    pub fn apply(
        &self,
        mut organisation: Organisation,
        schemes: &dyn OrgIdSchemes,
    ) -> Result<Organisation, Vec<FieldError>> {
        let mut v = Validator::new();
        let o = &mut organisation;
        match &self.name {
            Patch::Keep => {}
            Patch::Clear => v.push("name", ErrorCode::Required, "an organisation needs a name"),
            Patch::Set(name) => {
                if let Some(name) = v.required_text("name", name, MAX_NAME_CHARS) {
                    o.name = name;
                }
            }
        }
        if o.name.trim().is_empty() && self.name.is_keep() {
            v.push("name", ErrorCode::Required, "an organisation needs a name");
        }
        let text = |v: &mut Validator, field: &str, max: usize, value: &String| {
            v.optional_text(field, Some(value), max)
        };
        optional(&mut o.short_description, &self.short_description, |s| {
            text(&mut v, "shortDescription", MAX_SHORT_DESCRIPTION_CHARS, s)
        });
        optional(&mut o.description, &self.description, |s| {
            text(&mut v, "description", MAX_DESCRIPTION_CHARS, s)
        });
        optional(&mut o.website, &self.website, |s| v.url("website", Some(s)));
        optional(&mut o.logo_url, &self.logo_url, |s| {
            v.url("logoUrl", Some(s))
        });
        list(&mut o.other_links, &self.other_links, |links| {
            v.urls("otherLinks", links)
        });
        optional(&mut o.organisation_type, &self.organisation_type, |c| {
            v.term("organisationType", Vocabulary::OrganisationType, c)
        });
        optional(&mut o.size, &self.size, |c| {
            v.term("size", Vocabulary::OrganisationSize, c)
        });
        optional(&mut o.founded_on, &self.founded_on, |d| Some(*d));
        list(&mut o.legal_identifiers, &self.legal_identifiers, |ids| {
            v.legal_identifiers("legalIdentifiers", ids, schemes)
        });
        optional(&mut o.place.address, &self.address, |s| {
            text(&mut v, "address", MAX_ADDRESS_CHARS, s)
        });
        optional(&mut o.place.city, &self.city, |s| {
            text(&mut v, "city", MAX_PLACE_CHARS, s)
        });
        optional(&mut o.place.region, &self.region, |s| {
            text(&mut v, "region", MAX_PLACE_CHARS, s)
        });
        optional(&mut o.place.country, &self.country, |c| {
            v.country("country", Some(c))
        });
        optional(&mut o.place.point, &self.location, |(lat, lon)| {
            v.coordinates("location", Some(*lat), Some(*lon))
        });
        let c = &mut o.classification;
        list(&mut c.focus, &self.focus, |codes| {
            v.terms("focus", Vocabulary::Focus, codes)
        });
        list(&mut c.technologies, &self.technologies, |codes| {
            v.terms("technologies", Vocabulary::Technology, codes)
        });
        list(&mut c.impact_areas, &self.impact_areas, |codes| {
            v.terms("impactAreas", Vocabulary::ImpactArea, codes)
        });
        list(&mut o.roles, &self.roles, |codes| {
            v.terms("roles", Vocabulary::OrganisationRole, codes)
        });
        list(&mut o.network_memberships, &self.network_memberships, |w| {
            words(&mut v, "networkMemberships", w)
        });
        list(&mut o.tags, &self.tags, |w| words(&mut v, "tags", w));
        v.finish().map(|()| organisation)
    }
}

/// An organisation with nothing but its metadata, for a create to fill in.
pub fn blank_organisation(meta: crate::model::RecordMeta) -> Organisation {
    Organisation {
        meta,
        name: String::new(),
        slug: String::new(),
        short_description: None,
        description: None,
        website: None,
        other_links: Vec::new(),
        logo_url: None,
        organisation_type: None,
        size: None,
        founded_on: None,
        legal_identifiers: Vec::new(),
        place: crate::model::Place::default(),
        classification: crate::model::Classification::default(),
        roles: Vec::new(),
        network_memberships: Vec::new(),
        tags: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RecordMeta, RecordStatus, Source};
    use crate::validation::SchemeList;

    fn blank() -> Organisation {
        blank_organisation(RecordMeta::new(RecordStatus::Pending, Source::Web))
    }

    fn codes(errors: &[FieldError]) -> Vec<(String, &'static str)> {
        errors
            .iter()
            .map(|e| (e.field.clone(), e.code.code()))
            .collect()
    }

    #[test]
    fn a_create_needs_a_name_and_reports_every_problem_at_once() {
        let changes = OrganisationChanges {
            website: Patch::Set("javascript:alert(1)".into()),
            country: Patch::Set("XX".into()),
            focus: Patch::Set(vec!["OPEN_DATA".into(), "OPEN_CHEESE".into()]),
            location: Patch::Set((91.0, 0.0)),
            ..OrganisationChanges::default()
        };
        let errors = changes.apply(blank(), &SchemeList::fallback()).unwrap_err();
        let fields: Vec<String> = codes(&errors).into_iter().map(|(f, _)| f).collect();
        for expected in [
            "name",
            "website",
            "country",
            "focus[1]",
            "location.latitude",
        ] {
            assert!(
                fields.iter().any(|f| f == expected),
                "{expected} missing from {fields:?}"
            );
        }
    }

    #[test]
    fn an_update_changes_only_what_it_names() {
        let created = OrganisationChanges {
            name: Patch::Set("  Civic Bytes ".into()),
            website: Patch::Set("https://civic-bytes.example".into()),
            city: Patch::Set("Ghent".into()),
            tags: Patch::Set(vec!["open data".into(), "open data".into()]),
            legal_identifiers: Patch::Set(vec![LegalIdentifier {
                scheme: "BE-BCE_KBO".into(),
                value: "0123456789".into(),
            }]),
            ..OrganisationChanges::default()
        }
        .apply(blank(), &SchemeList::fallback())
        .unwrap();
        assert_eq!(created.name, "Civic Bytes");
        assert_eq!(created.tags, ["open data"]);
        let updated = OrganisationChanges {
            city: Patch::Clear,
            short_description: Patch::Set("Open civic tools".into()),
            ..OrganisationChanges::default()
        }
        .apply(created.clone(), &SchemeList::fallback())
        .unwrap();
        assert_eq!(updated.place.city, None);
        assert_eq!(
            updated.short_description.as_deref(),
            Some("Open civic tools")
        );
        assert_eq!(
            (updated.name.as_str(), updated.website.clone()),
            (created.name.as_str(), created.website.clone())
        );
        let cleared_name = OrganisationChanges {
            name: Patch::Clear,
            ..OrganisationChanges::default()
        };
        assert_eq!(
            codes(
                &cleared_name
                    .apply(created, &SchemeList::fallback())
                    .unwrap_err()
            ),
            [("name".to_owned(), "REQUIRED")]
        );
    }

    #[test]
    fn unknown_identifier_schemes_are_refused() {
        let changes = OrganisationChanges {
            name: Patch::Set("X".into()),
            legal_identifiers: Patch::Set(vec![LegalIdentifier {
                scheme: "ZZ-NOPE".into(),
                value: "1".into(),
            }]),
            ..OrganisationChanges::default()
        };
        let errors = changes.apply(blank(), &SchemeList::fallback()).unwrap_err();
        assert_eq!(errors[0].field, "legalIdentifiers[0].scheme");
    }
}
