//! Changes to case studies.

use chrono::NaiveDate;
use uuid::Uuid;

use super::{
    MAX_NAME_CHARS, Patch, flag, optional, optional_id, organisation_or_project, required_text,
    slug, text,
};
use crate::model::{CaseStudy, RecordMeta};
use crate::validation::{FieldError, Validator};

/// Longest summary of a case study.
pub const MAX_SUMMARY_CHARS: usize = 1_000;
/// Longest body of a case study (Markdown).
pub const MAX_BODY_CHARS: usize = 100_000;

/// The fields of a case study that a create or an update may set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseStudyChanges {
    pub title: Patch<String>,
    pub slug: Patch<String>,
    pub summary: Patch<String>,
    /// Markdown.
    pub body: Patch<String>,
    pub organisation_id: Patch<Uuid>,
    pub project_id: Patch<Uuid>,
    pub period_start: Patch<NaiveDate>,
    pub period_end: Patch<NaiveDate>,
    pub url: Patch<String>,
    /// `Clear` is `false`.
    pub featured: Patch<bool>,
}

impl CaseStudyChanges {
    /// A new case study with `meta` and these fields, or every field that is wrong or missing.
    pub fn create(&self, meta: RecordMeta) -> Result<CaseStudy, Vec<FieldError>> {
        self.check(blank_case_study(meta), true)
    }

    /// The case study with these changes, or every field that is wrong.
    pub fn apply(&self, case_study: CaseStudy) -> Result<CaseStudy, Vec<FieldError>> {
        self.check(case_study, false)
    }

    fn check(
        &self,
        mut case_study: CaseStudy,
        creating: bool,
    ) -> Result<CaseStudy, Vec<FieldError>> {
        let mut v = Validator::new();
        let c = &mut case_study;
        required_text(
            &mut v,
            "title",
            MAX_NAME_CHARS,
            &mut c.title,
            &self.title,
            "a case study needs a title",
        );
        slug(&mut v, &mut c.slug, &self.slug, creating);
        optional(&mut c.summary, &self.summary, |s| {
            text(&mut v, "summary", MAX_SUMMARY_CHARS, s)
        });
        optional(&mut c.body, &self.body, |s| {
            text(&mut v, "body", MAX_BODY_CHARS, s)
        });
        optional_id(
            &mut v,
            "organisationId",
            &mut c.organisation_id,
            &self.organisation_id,
        );
        optional_id(&mut v, "projectId", &mut c.project_id, &self.project_id);
        organisation_or_project(
            &mut v,
            (&c.organisation_id, &self.organisation_id),
            (&c.project_id, &self.project_id),
            "a case study is about an organisation or a project",
        );
        optional(&mut c.period_start, &self.period_start, |d| Some(*d));
        optional(&mut c.period_end, &self.period_end, |d| Some(*d));
        v.date_range("periodStart", c.period_start, "periodEnd", c.period_end);
        optional(&mut c.url, &self.url, |s| v.url("url", Some(s)));
        flag(&mut c.featured, &self.featured);
        v.finish().map(|()| case_study)
    }
}

/// A case study with nothing but its metadata, for a create to fill in.
pub fn blank_case_study(meta: RecordMeta) -> CaseStudy {
    CaseStudy {
        meta,
        title: String::new(),
        slug: String::new(),
        summary: None,
        body: None,
        organisation_id: None,
        project_id: None,
        period_start: None,
        period_end: None,
        url: None,
        featured: false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, date, meta};
    use super::*;

    fn created() -> CaseStudy {
        CaseStudyChanges {
            title: Patch::Set("How Decidim scaled".into()),
            slug: Patch::Set("how-decidim-scaled".into()),
            body: Patch::Set("# Decidim\n\nA *story*.".into()),
            project_id: Patch::Set(Uuid::from_u128(5)),
            period_start: Patch::Set(date(2016, 1, 1)),
            period_end: Patch::Set(date(2017, 1, 1)),
            ..CaseStudyChanges::default()
        }
        .create(meta())
        .unwrap()
    }

    #[test]
    fn a_create_reports_every_missing_field_at_once() {
        let errors = CaseStudyChanges {
            summary: Patch::Set("s".repeat(MAX_SUMMARY_CHARS + 1)),
            body: Patch::Set("b".repeat(MAX_BODY_CHARS + 1)),
            period_start: Patch::Set(date(2020, 1, 2)),
            period_end: Patch::Set(date(2020, 1, 1)),
            ..CaseStudyChanges::default()
        }
        .create(meta())
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("title".to_owned(), "REQUIRED"),
                ("summary".to_owned(), "TOO_LONG"),
                ("body".to_owned(), "TOO_LONG"),
                ("organisationId".to_owned(), "REQUIRED"),
                ("periodEnd".to_owned(), "START_AFTER_END"),
            ]
        );
        assert_eq!(
            errors[3].message,
            "a case study is about an organisation or a project"
        );
    }

    #[test]
    fn a_create_keeps_the_markdown_body_and_the_slug() {
        let case_study = created();
        assert_eq!(case_study.body.as_deref(), Some("# Decidim\n\nA *story*."));
        assert_eq!(case_study.slug, "how-decidim-scaled");
        assert!(!case_study.featured);
    }

    #[test]
    fn an_update_changes_only_what_it_names() {
        let before = created();
        let after = CaseStudyChanges {
            featured: Patch::Set(true),
            organisation_id: Patch::Set(Uuid::from_u128(6)),
            ..CaseStudyChanges::default()
        }
        .apply(before.clone())
        .unwrap();
        assert!(after.featured);
        assert_eq!(
            (after.organisation_id, after.project_id),
            (Some(Uuid::from_u128(6)), Some(Uuid::from_u128(5)))
        );
        assert_eq!(
            CaseStudy {
                featured: false,
                organisation_id: None,
                ..after
            },
            before
        );
    }

    #[test]
    fn an_update_keeps_a_subject_and_an_ordered_period() {
        let errors = CaseStudyChanges {
            project_id: Patch::Clear,
            period_start: Patch::Set(date(2018, 1, 1)),
            ..CaseStudyChanges::default()
        }
        .apply(created())
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("organisationId".to_owned(), "REQUIRED"),
                ("periodEnd".to_owned(), "START_AFTER_END"),
            ]
        );
    }
}
