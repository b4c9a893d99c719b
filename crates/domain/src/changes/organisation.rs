//! Changes to organisations.

use chrono::NaiveDate;

use super::{
    ClassificationChanges, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, MAX_SHORT_DESCRIPTION_CHARS,
    Patch, PlaceChanges, list, optional, required_text, text, words,
};
use crate::model::{Classification, LegalIdentifier, Organisation, Place, RecordMeta};
use crate::taxonomy::Vocabulary;
use crate::validation::{FieldError, OrgIdSchemes, Validator};

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

impl OrganisationChanges {
    /// A new organisation with `meta` and these fields, or every field that is wrong or missing.
    /// The slug is left empty for the store to derive.
    pub fn create(
        &self,
        meta: RecordMeta,
        schemes: &dyn OrgIdSchemes,
    ) -> Result<Organisation, Vec<FieldError>> {
        self.apply(blank_organisation(meta), schemes)
    }

    /// Applies the changes to `organisation` (a new, empty one for a create), or says every
    /// field that is wrong. Nothing is half-applied: on error the caller drops the result.
    pub fn apply(
        &self,
        mut organisation: Organisation,
        schemes: &dyn OrgIdSchemes,
    ) -> Result<Organisation, Vec<FieldError>> {
        let mut v = Validator::new();
        let o = &mut organisation;
        required_text(
            &mut v,
            "name",
            MAX_NAME_CHARS,
            &mut o.name,
            &self.name,
            "an organisation needs a name",
        );
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
        PlaceChanges {
            address: &self.address,
            city: &self.city,
            region: &self.region,
            country: &self.country,
            location: &self.location,
        }
        .apply(&mut v, &mut o.place);
        ClassificationChanges {
            focus: &self.focus,
            technologies: &self.technologies,
            impact_areas: &self.impact_areas,
        }
        .apply(&mut v, &mut o.classification);
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
pub fn blank_organisation(meta: RecordMeta) -> Organisation {
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
        place: Place::default(),
        classification: Classification::default(),
        roles: Vec::new(),
        network_memberships: Vec::new(),
        tags: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{assert_fields, codes, meta};
    use super::*;
    use crate::validation::SchemeList;

    fn blank() -> Organisation {
        blank_organisation(meta())
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
        assert_fields(
            &errors,
            &[
                "name",
                "website",
                "country",
                "focus[1]",
                "location.latitude",
            ],
        );
        // `create` is the same as applying to a blank organisation.
        let created = changes.create(meta(), &SchemeList::fallback()).unwrap_err();
        assert_eq!(codes(&created), codes(&errors));
    }

    #[test]
    fn create_keeps_the_meta_and_leaves_the_slug_to_the_store() {
        let meta = meta();
        let created = OrganisationChanges {
            name: Patch::Set("Fab Lab".into()),
            ..OrganisationChanges::default()
        }
        .create(meta.clone(), &SchemeList::fallback())
        .unwrap();
        assert_eq!(created.meta, meta);
        assert_eq!(
            (created.name.as_str(), created.slug.as_str()),
            ("Fab Lab", "")
        );
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
