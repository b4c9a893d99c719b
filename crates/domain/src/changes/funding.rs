//! Changes to funding opportunities.

use chrono::NaiveDate;
use uuid::Uuid;

use super::{
    MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, Patch, list, optional, optional_id, required_set,
    required_text, slug, text,
};
use crate::model::{FundingOpportunity, FundingTarget, FundingType, RecordMeta};
use crate::validation::{FieldError, Validator};

/// The fields of a funding opportunity that a create or an update may set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FundingOpportunityChanges {
    pub title: Patch<String>,
    pub slug: Patch<String>,
    pub description: Patch<String>,
    pub url: Patch<String>,
    pub funder_id: Patch<Uuid>,
    pub closes_on: Patch<NaiveDate>,
    /// Required: a create must set it.
    pub funding_type: Patch<FundingType>,
    /// Repeats are dropped.
    pub targets: Patch<Vec<FundingTarget>>,
    pub countries: Patch<Vec<String>>,
}

impl FundingOpportunityChanges {
    /// A new funding opportunity with `meta` and these fields, or every field that is wrong or
    /// missing.
    pub fn create(&self, meta: RecordMeta) -> Result<FundingOpportunity, Vec<FieldError>> {
        self.check(blank_funding_opportunity(meta), true)
    }

    /// The funding opportunity with these changes, or every field that is wrong.
    pub fn apply(
        &self,
        opportunity: FundingOpportunity,
    ) -> Result<FundingOpportunity, Vec<FieldError>> {
        self.check(opportunity, false)
    }

    fn check(
        &self,
        mut opportunity: FundingOpportunity,
        creating: bool,
    ) -> Result<FundingOpportunity, Vec<FieldError>> {
        let mut v = Validator::new();
        let f = &mut opportunity;
        required_text(
            &mut v,
            "title",
            MAX_NAME_CHARS,
            &mut f.title,
            &self.title,
            "a funding opportunity needs a title",
        );
        slug(&mut v, &mut f.slug, &self.slug, creating);
        optional(&mut f.description, &self.description, |s| {
            text(&mut v, "description", MAX_DESCRIPTION_CHARS, s)
        });
        optional(&mut f.url, &self.url, |s| v.url("url", Some(s)));
        optional_id(&mut v, "funderId", &mut f.funder_id, &self.funder_id);
        optional(&mut f.closes_on, &self.closes_on, |d| Some(*d));
        required_set(
            &mut v,
            "fundingType",
            &mut f.funding_type,
            &self.funding_type,
            creating,
            "a funding opportunity needs its type",
        );
        list(&mut f.targets, &self.targets, |targets| {
            let mut out: Vec<FundingTarget> = Vec::new();
            for target in targets {
                if !out.contains(target) {
                    out.push(*target);
                }
            }
            out
        });
        list(&mut f.countries, &self.countries, |codes| {
            v.countries("countries", codes)
        });
        v.finish().map(|()| opportunity)
    }
}

/// A funding opportunity with nothing but its metadata, for
/// [`FundingOpportunityChanges::create`] to fill in: its `funding_type` is a placeholder
/// ([`FundingType::Grant`]) that `create` requires the changes to replace.
pub fn blank_funding_opportunity(meta: RecordMeta) -> FundingOpportunity {
    FundingOpportunity {
        meta,
        title: String::new(),
        slug: String::new(),
        description: None,
        url: None,
        funder_id: None,
        closes_on: None,
        funding_type: FundingType::Grant,
        targets: Vec::new(),
        countries: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, date, meta};
    use super::*;

    fn created() -> FundingOpportunity {
        FundingOpportunityChanges {
            title: Patch::Set("NGI Zero".into()),
            url: Patch::Set("https://nlnet.nl/NGI0".into()),
            funding_type: Patch::Set(FundingType::Grant),
            closes_on: Patch::Set(date(2026, 6, 1)),
            targets: Patch::Set(vec![
                FundingTarget::NonProfit,
                FundingTarget::Individual,
                FundingTarget::NonProfit,
            ]),
            countries: Patch::Set(vec!["nl".into(), "be".into()]),
            ..FundingOpportunityChanges::default()
        }
        .create(meta())
        .unwrap()
    }

    #[test]
    fn a_create_reports_every_missing_field_at_once() {
        let errors = FundingOpportunityChanges {
            slug: Patch::Set("-bad".into()),
            url: Patch::Set("nlnet.nl".into()),
            countries: Patch::Set(vec!["NL".into(), "".into()]),
            ..FundingOpportunityChanges::default()
        }
        .create(meta())
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("title".to_owned(), "REQUIRED"),
                ("slug".to_owned(), "INVALID"),
                ("url".to_owned(), "INVALID_URL"),
                ("fundingType".to_owned(), "REQUIRED"),
                ("countries[1]".to_owned(), "REQUIRED"),
            ]
        );
    }

    #[test]
    fn a_create_takes_the_type_and_drops_repeated_targets() {
        let opportunity = created();
        assert_eq!(opportunity.funding_type, FundingType::Grant);
        assert_eq!(
            opportunity.targets,
            [FundingTarget::NonProfit, FundingTarget::Individual]
        );
        assert_eq!(opportunity.countries, ["NL", "BE"]);
        let investment = FundingOpportunityChanges {
            title: Patch::Set("Seed fund".into()),
            funding_type: Patch::Set(FundingType::Investment),
            ..FundingOpportunityChanges::default()
        }
        .create(meta())
        .unwrap();
        assert_eq!(investment.funding_type, FundingType::Investment);
    }

    #[test]
    fn an_update_changes_only_what_it_names() {
        let before = created();
        let after = FundingOpportunityChanges {
            closes_on: Patch::Clear,
            funder_id: Patch::Set(Uuid::from_u128(3)),
            ..FundingOpportunityChanges::default()
        }
        .apply(before.clone())
        .unwrap();
        assert_eq!(
            (after.closes_on, after.funder_id),
            (None, Some(Uuid::from_u128(3)))
        );
        assert_eq!(
            FundingOpportunity {
                closes_on: before.closes_on,
                funder_id: None,
                ..after
            },
            before
        );
        let errors = FundingOpportunityChanges {
            funding_type: Patch::Clear,
            ..FundingOpportunityChanges::default()
        }
        .apply(before)
        .unwrap_err();
        assert_eq!(codes(&errors), [("fundingType".to_owned(), "REQUIRED")]);
    }
}
