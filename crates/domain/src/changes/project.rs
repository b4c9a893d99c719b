//! Changes to projects.

use chrono::NaiveDate;

use super::{
    ClassificationChanges, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, MAX_SHORT_DESCRIPTION_CHARS,
    Patch, PlaceChanges, list, optional, required_text, slug, text, words,
};
use crate::model::{Classification, Place, Project, ProjectStatus, RecordMeta};
use crate::validation::{FieldError, Validator};

/// The fields of a project that a create or an update may set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectChanges {
    pub title: Patch<String>,
    pub slug: Patch<String>,
    pub short_description: Patch<String>,
    pub description: Patch<String>,
    pub social_impact: Patch<String>,
    pub website: Patch<String>,
    pub project_status: Patch<ProjectStatus>,
    pub start_date: Patch<NaiveDate>,
    pub end_date: Patch<NaiveDate>,
    pub address: Patch<String>,
    pub city: Patch<String>,
    pub region: Patch<String>,
    pub country: Patch<String>,
    pub location: Patch<(f64, f64)>,
    pub focus: Patch<Vec<String>>,
    pub technologies: Patch<Vec<String>>,
    pub impact_areas: Patch<Vec<String>>,
    pub who_it_helps: Patch<Vec<String>>,
}

impl ProjectChanges {
    /// A new project with `meta` and these fields, or every field that is wrong or missing.
    pub fn create(&self, meta: RecordMeta) -> Result<Project, Vec<FieldError>> {
        self.check(blank_project(meta), true)
    }

    /// The project with these changes, or every field that is wrong.
    pub fn apply(&self, project: Project) -> Result<Project, Vec<FieldError>> {
        self.check(project, false)
    }

    fn check(&self, mut project: Project, creating: bool) -> Result<Project, Vec<FieldError>> {
        let mut v = Validator::new();
        let p = &mut project;
        required_text(
            &mut v,
            "title",
            MAX_NAME_CHARS,
            &mut p.title,
            &self.title,
            "a project needs a title",
        );
        slug(&mut v, &mut p.slug, &self.slug, creating);
        optional(&mut p.short_description, &self.short_description, |s| {
            text(&mut v, "shortDescription", MAX_SHORT_DESCRIPTION_CHARS, s)
        });
        optional(&mut p.description, &self.description, |s| {
            text(&mut v, "description", MAX_DESCRIPTION_CHARS, s)
        });
        optional(&mut p.social_impact, &self.social_impact, |s| {
            text(&mut v, "socialImpact", MAX_DESCRIPTION_CHARS, s)
        });
        optional(&mut p.website, &self.website, |s| v.url("website", Some(s)));
        optional(&mut p.project_status, &self.project_status, |s| Some(*s));
        optional(&mut p.start_date, &self.start_date, |d| Some(*d));
        optional(&mut p.end_date, &self.end_date, |d| Some(*d));
        v.date_range("startDate", p.start_date, "endDate", p.end_date);
        PlaceChanges {
            address: &self.address,
            city: &self.city,
            region: &self.region,
            country: &self.country,
            location: &self.location,
        }
        .apply(&mut v, &mut p.place);
        ClassificationChanges {
            focus: &self.focus,
            technologies: &self.technologies,
            impact_areas: &self.impact_areas,
        }
        .apply(&mut v, &mut p.classification);
        list(&mut p.who_it_helps, &self.who_it_helps, |w| {
            words(&mut v, "whoItHelps", w)
        });
        v.finish().map(|()| project)
    }
}

/// A project with nothing but its metadata, for a create to fill in.
pub fn blank_project(meta: RecordMeta) -> Project {
    Project {
        meta,
        title: String::new(),
        slug: String::new(),
        short_description: None,
        description: None,
        social_impact: None,
        website: None,
        project_status: None,
        start_date: None,
        end_date: None,
        place: Place::default(),
        classification: Classification::default(),
        who_it_helps: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, date, meta};
    use super::*;

    fn created() -> Project {
        ProjectChanges {
            title: Patch::Set(" Decidim ".into()),
            website: Patch::Set("https://decidim.org".into()),
            project_status: Patch::Set(ProjectStatus::Live),
            start_date: Patch::Set(date(2016, 1, 1)),
            end_date: Patch::Set(date(2018, 12, 31)),
            city: Patch::Set("Barcelona".into()),
            focus: Patch::Set(vec!["OPEN_KNOWLEDGE".into()]),
            who_it_helps: Patch::Set(vec!["citizens".into(), "citizens".into()]),
            ..ProjectChanges::default()
        }
        .create(meta())
        .unwrap()
    }

    #[test]
    fn a_create_reports_every_problem_at_once() {
        let errors = ProjectChanges {
            slug: Patch::Set("Not A Slug".into()),
            short_description: Patch::Set("x".repeat(MAX_SHORT_DESCRIPTION_CHARS + 1)),
            website: Patch::Set("ftp://example.org".into()),
            start_date: Patch::Set(date(2020, 1, 2)),
            end_date: Patch::Set(date(2020, 1, 1)),
            country: Patch::Set("XX".into()),
            focus: Patch::Set(vec!["OPEN_DATA".into(), "NOPE".into()]),
            who_it_helps: Patch::Set(vec![" ".into()]),
            ..ProjectChanges::default()
        }
        .create(meta())
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("title".to_owned(), "REQUIRED"),
                ("slug".to_owned(), "INVALID"),
                ("shortDescription".to_owned(), "TOO_LONG"),
                ("website".to_owned(), "INVALID_URL"),
                ("endDate".to_owned(), "START_AFTER_END"),
                ("country".to_owned(), "UNKNOWN_COUNTRY"),
                ("focus[1]".to_owned(), "UNKNOWN_CODE"),
                ("whoItHelps[0]".to_owned(), "REQUIRED"),
            ]
        );
    }

    #[test]
    fn a_create_cleans_its_values_and_leaves_the_slug_to_the_store() {
        let project = created();
        assert_eq!(project.title, "Decidim");
        assert_eq!(project.slug, "");
        assert_eq!(project.who_it_helps, ["citizens"]);
        assert_eq!(project.classification.focus, ["OPEN_KNOWLEDGE"]);
        let with_slug = ProjectChanges {
            title: Patch::Set("Decidim".into()),
            slug: Patch::Set("decidim".into()),
            ..ProjectChanges::default()
        }
        .create(meta())
        .unwrap();
        assert_eq!(with_slug.slug, "decidim");
    }

    #[test]
    fn an_update_changes_only_what_it_names() {
        let before = created();
        let after = ProjectChanges {
            city: Patch::Clear,
            description: Patch::Set("Participatory democracy".into()),
            slug: Patch::Set("decidim-bcn".into()),
            ..ProjectChanges::default()
        }
        .apply(before.clone())
        .unwrap();
        assert_eq!(after.place.city, None);
        assert_eq!(
            after.description.as_deref(),
            Some("Participatory democracy")
        );
        assert_eq!(after.slug, "decidim-bcn");
        let untouched = Project {
            place: before.place.clone(),
            description: before.description.clone(),
            slug: before.slug.clone(),
            ..after
        };
        assert_eq!(untouched, before);
    }

    #[test]
    fn an_update_checks_the_dates_the_project_will_have() {
        // Only the end changes, to before the stored start: reported on endDate.
        let errors = ProjectChanges {
            end_date: Patch::Set(date(2015, 6, 30)),
            ..ProjectChanges::default()
        }
        .apply(created())
        .unwrap_err();
        assert_eq!(codes(&errors), [("endDate".to_owned(), "START_AFTER_END")]);
        // Only the start changes, to after the stored end: still on endDate.
        let errors = ProjectChanges {
            start_date: Patch::Set(date(2019, 1, 1)),
            ..ProjectChanges::default()
        }
        .apply(created())
        .unwrap_err();
        assert_eq!(codes(&errors), [("endDate".to_owned(), "START_AFTER_END")]);
        // Clearing the end makes any start fine.
        let open = ProjectChanges {
            start_date: Patch::Set(date(2019, 1, 1)),
            end_date: Patch::Clear,
            ..ProjectChanges::default()
        }
        .apply(created())
        .unwrap();
        assert_eq!(
            (open.start_date, open.end_date),
            (Some(date(2019, 1, 1)), None)
        );
    }

    #[test]
    fn an_update_cannot_clear_the_title_or_the_slug() {
        let errors = ProjectChanges {
            title: Patch::Clear,
            slug: Patch::Clear,
            ..ProjectChanges::default()
        }
        .apply(created())
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("title".to_owned(), "REQUIRED"),
                ("slug".to_owned(), "REQUIRED")
            ]
        );
        assert_eq!(errors[1].message, "a slug cannot be cleared");
    }
}
