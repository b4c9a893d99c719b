//! Changes to supports: a support organisation helping an organisation or a project.

use chrono::NaiveDate;
use uuid::Uuid;

use super::{
    MAX_DESCRIPTION_CHARS, Patch, optional, optional_id, organisation_or_project, required_set,
    required_value, text,
};
use crate::model::{RecordMeta, Support, SupportKind};
use crate::validation::{FieldError, Validator};

/// The fields of a support that a create or an update may set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SupportChanges {
    pub supporter_id: Patch<Uuid>,
    pub organisation_id: Patch<Uuid>,
    pub project_id: Patch<Uuid>,
    /// Required: a create must set it.
    pub kind: Patch<SupportKind>,
    pub start_date: Patch<NaiveDate>,
    pub end_date: Patch<NaiveDate>,
    pub description: Patch<String>,
}

impl SupportChanges {
    /// A new support with `meta` and these fields, or every field that is wrong or missing.
    pub fn create(&self, meta: RecordMeta) -> Result<Support, Vec<FieldError>> {
        self.check(blank_support(meta), true)
    }

    /// The support with these changes, or every field that is wrong.
    pub fn apply(&self, support: Support) -> Result<Support, Vec<FieldError>> {
        self.check(support, false)
    }

    fn check(&self, mut support: Support, creating: bool) -> Result<Support, Vec<FieldError>> {
        let mut v = Validator::new();
        let s = &mut support;
        required_value(
            &mut v,
            "supporterId",
            &mut s.supporter_id,
            &self.supporter_id,
            Uuid::nil(),
            "a support needs its supporting organisation",
        );
        optional_id(
            &mut v,
            "organisationId",
            &mut s.organisation_id,
            &self.organisation_id,
        );
        optional_id(&mut v, "projectId", &mut s.project_id, &self.project_id);
        organisation_or_project(
            &mut v,
            (&s.organisation_id, &self.organisation_id),
            (&s.project_id, &self.project_id),
            "support is for an organisation or a project",
        );
        required_set(
            &mut v,
            "kind",
            &mut s.kind,
            &self.kind,
            creating,
            "a support needs its kind",
        );
        optional(&mut s.start_date, &self.start_date, |d| Some(*d));
        optional(&mut s.end_date, &self.end_date, |d| Some(*d));
        v.date_range("startDate", s.start_date, "endDate", s.end_date);
        optional(&mut s.description, &self.description, |d| {
            text(&mut v, "description", MAX_DESCRIPTION_CHARS, d)
        });
        v.finish().map(|()| support)
    }
}

/// A support with nothing but its metadata, for [`SupportChanges::create`] to fill in: a nil
/// supporter id (reported as missing until set) and a placeholder `kind` of
/// [`SupportKind::Incubation`] that `create` requires the changes to replace.
pub fn blank_support(meta: RecordMeta) -> Support {
    Support {
        meta,
        supporter_id: Uuid::nil(),
        organisation_id: None,
        project_id: None,
        kind: SupportKind::Incubation,
        start_date: None,
        end_date: None,
        description: None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, date, meta};
    use super::*;

    fn created() -> Support {
        SupportChanges {
            supporter_id: Patch::Set(Uuid::from_u128(1)),
            organisation_id: Patch::Set(Uuid::from_u128(2)),
            kind: Patch::Set(SupportKind::Mentoring),
            start_date: Patch::Set(date(2017, 1, 1)),
            end_date: Patch::Set(date(2017, 6, 30)),
            ..SupportChanges::default()
        }
        .create(meta())
        .unwrap()
    }

    #[test]
    fn a_create_reports_every_missing_field_at_once() {
        let errors = SupportChanges {
            description: Patch::Set("x".repeat(MAX_DESCRIPTION_CHARS + 1)),
            ..SupportChanges::default()
        }
        .create(meta())
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("supporterId".to_owned(), "REQUIRED"),
                ("organisationId".to_owned(), "REQUIRED"),
                ("kind".to_owned(), "REQUIRED"),
                ("description".to_owned(), "TOO_LONG"),
            ]
        );
        assert_eq!(
            errors[1].message,
            "support is for an organisation or a project"
        );
    }

    #[test]
    fn a_create_takes_the_kind_it_is_given() {
        let support = created();
        assert_eq!(support.kind, SupportKind::Mentoring);
        assert_eq!(support.supporter_id, Uuid::from_u128(1));
        // A project alone is a target too.
        let for_project = SupportChanges {
            supporter_id: Patch::Set(Uuid::from_u128(1)),
            project_id: Patch::Set(Uuid::from_u128(3)),
            kind: Patch::Set(SupportKind::Hosting),
            ..SupportChanges::default()
        }
        .create(meta())
        .unwrap();
        assert_eq!(
            (for_project.organisation_id, for_project.project_id),
            (None, Some(Uuid::from_u128(3)))
        );
    }

    #[test]
    fn an_update_changes_only_what_it_names() {
        let before = created();
        let after = SupportChanges {
            description: Patch::Set(" Weekly mentoring ".into()),
            ..SupportChanges::default()
        }
        .apply(before.clone())
        .unwrap();
        assert_eq!(after.description.as_deref(), Some("Weekly mentoring"));
        assert_eq!(
            Support {
                description: None,
                ..after
            },
            before
        );
    }

    #[test]
    fn an_update_keeps_a_target_and_the_kind_and_an_ordered_period() {
        let errors = SupportChanges {
            organisation_id: Patch::Clear,
            kind: Patch::Clear,
            start_date: Patch::Set(date(2018, 1, 1)),
            ..SupportChanges::default()
        }
        .apply(created())
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("organisationId".to_owned(), "REQUIRED"),
                ("kind".to_owned(), "REQUIRED"),
                ("endDate".to_owned(), "START_AFTER_END"),
            ]
        );
        // Moving the support from the organisation to a project in one change is fine.
        let moved = SupportChanges {
            organisation_id: Patch::Clear,
            project_id: Patch::Set(Uuid::from_u128(9)),
            ..SupportChanges::default()
        }
        .apply(created())
        .unwrap();
        assert_eq!(
            (moved.organisation_id, moved.project_id),
            (None, Some(Uuid::from_u128(9)))
        );
    }
}
