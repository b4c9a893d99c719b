//! Changes to grants (360Giving Data Standard).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{
    BLANK_DATE, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, Patch, list, optional, optional_id,
    required_text, required_value, text, too_many,
};
use crate::model::{Grant, GrantClassification, Money, RecordMeta};
use crate::validation::{ErrorCode, FieldError, Validator};

/// Every 360Giving grant identifier starts with this.
pub const GRANT_IDENTIFIER_PREFIX: &str = "360G-";
pub const MAX_GRANT_IDENTIFIER_CHARS: usize = 200;
/// Longest vocabulary or code of a grant classification.
pub const MAX_CLASSIFICATION_CODE_CHARS: usize = 100;

/// The fields of a grant that a create or an update may set. `amount_applied_for` and
/// `amount_disbursed` are in the currency of `amount_awarded`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GrantChanges {
    pub identifier: Patch<String>,
    pub title: Patch<String>,
    pub description: Patch<String>,
    pub amount_awarded: Patch<Money>,
    pub amount_applied_for: Patch<Decimal>,
    pub amount_disbursed: Patch<Decimal>,
    pub award_date: Patch<NaiveDate>,
    pub planned_start: Patch<NaiveDate>,
    pub planned_end: Patch<NaiveDate>,
    pub funder_id: Patch<Uuid>,
    pub recipient_id: Patch<Uuid>,
    pub project_id: Patch<Uuid>,
    pub programme: Patch<String>,
    pub beneficiary_countries: Patch<Vec<String>>,
    pub classifications: Patch<Vec<GrantClassification>>,
}

impl GrantChanges {
    /// A new grant with `meta` and these fields, or every field that is wrong or missing.
    pub fn create(&self, meta: RecordMeta) -> Result<Grant, Vec<FieldError>> {
        self.apply(blank_grant(meta))
    }

    /// The grant with these changes, or every field that is wrong.
    pub fn apply(&self, mut grant: Grant) -> Result<Grant, Vec<FieldError>> {
        let mut v = Validator::new();
        let g = &mut grant;
        identifier(&mut v, &mut g.identifier, &self.identifier);
        required_text(
            &mut v,
            "title",
            MAX_NAME_CHARS,
            &mut g.title,
            &self.title,
            "a grant needs a title",
        );
        optional(&mut g.description, &self.description, |s| {
            text(&mut v, "description", MAX_DESCRIPTION_CHARS, s)
        });
        amount_awarded(&mut v, &mut g.amount_awarded, &self.amount_awarded);
        optional(&mut g.amount_applied_for, &self.amount_applied_for, |a| {
            v.amount("amountAppliedFor", *a)
        });
        optional(&mut g.amount_disbursed, &self.amount_disbursed, |a| {
            v.amount("amountDisbursed", *a)
        });
        required_value(
            &mut v,
            "awardDate",
            &mut g.award_date,
            &self.award_date,
            BLANK_DATE,
            "a grant needs the date it was awarded",
        );
        optional(&mut g.planned_start, &self.planned_start, |d| Some(*d));
        optional(&mut g.planned_end, &self.planned_end, |d| Some(*d));
        v.date_range("plannedStart", g.planned_start, "plannedEnd", g.planned_end);
        required_value(
            &mut v,
            "funderId",
            &mut g.funder_id,
            &self.funder_id,
            Uuid::nil(),
            "a grant needs its funder",
        );
        required_value(
            &mut v,
            "recipientId",
            &mut g.recipient_id,
            &self.recipient_id,
            Uuid::nil(),
            "a grant needs its recipient",
        );
        optional_id(&mut v, "projectId", &mut g.project_id, &self.project_id);
        optional(&mut g.programme, &self.programme, |s| {
            text(&mut v, "programme", MAX_NAME_CHARS, s)
        });
        list(
            &mut g.beneficiary_countries,
            &self.beneficiary_countries,
            |codes| v.countries("beneficiaryCountries", codes),
        );
        list(&mut g.classifications, &self.classifications, |items| {
            classifications(&mut v, "classifications", items)
        });
        v.finish().map(|()| grant)
    }
}

/// The 360Giving identifier: required, bounded, `360G-` and something after it.
fn identifier(v: &mut Validator, target: &mut String, patch: &Patch<String>) {
    const MISSING: &str = "a grant needs its 360Giving identifier";
    match patch {
        Patch::Keep if target.trim().is_empty() => {
            v.push("identifier", ErrorCode::Required, MISSING)
        }
        Patch::Keep => {}
        Patch::Clear => v.push("identifier", ErrorCode::Required, MISSING),
        Patch::Set(value) => {
            let Some(value) = v.required_text("identifier", value, MAX_GRANT_IDENTIFIER_CHARS)
            else {
                return;
            };
            let rest = value.strip_prefix(GRANT_IDENTIFIER_PREFIX);
            if rest.is_some_and(|rest| !rest.is_empty()) {
                *target = value;
            } else {
                v.push(
                    "identifier",
                    ErrorCode::Invalid,
                    format!(
                        "must be a 360Giving identifier: {GRANT_IDENTIFIER_PREFIX} followed by \
                         the funder's prefix and its own id, e.g. 360G-example-grant-1"
                    ),
                );
            }
        }
    }
}

/// The amount awarded: required; its parts are checked at `amountAwarded.amount` and
/// `amountAwarded.currency`. A blank grant marks it absent with an empty currency.
fn amount_awarded(v: &mut Validator, target: &mut Money, patch: &Patch<Money>) {
    const MISSING: &str = "a grant needs the amount awarded";
    match patch {
        Patch::Keep if target.currency.is_empty() => {
            v.push("amountAwarded", ErrorCode::Required, MISSING);
        }
        Patch::Keep => {}
        Patch::Clear => v.push("amountAwarded", ErrorCode::Required, MISSING),
        Patch::Set(money) => {
            let amount = v.amount("amountAwarded.amount", money.amount);
            let currency = v.currency("amountAwarded.currency", &money.currency);
            if let (Some(amount), Some(currency)) = (amount, currency) {
                *target = Money { amount, currency };
            }
        }
    }
}

/// Classifications: at most [`super::MAX_LIST_ITEMS`], each with a vocabulary and a code and
/// maybe a title, exact repeats dropped.
fn classifications(
    v: &mut Validator,
    field: &str,
    items: &[GrantClassification],
) -> Vec<GrantClassification> {
    if too_many(v, field, items.len()) {
        return Vec::new();
    }
    let mut out: Vec<GrantClassification> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = |name: &str| format!("{field}[{i}].{name}");
        let vocabulary = v.required_text(
            &at("vocabulary"),
            &item.vocabulary,
            MAX_CLASSIFICATION_CODE_CHARS,
        );
        let code = v.required_text(&at("code"), &item.code, MAX_CLASSIFICATION_CODE_CHARS);
        let title_field = at("title");
        let errors = v.errors().len();
        let title = item
            .title
            .as_deref()
            .and_then(|t| text(v, &title_field, MAX_NAME_CHARS, t));
        if let (Some(vocabulary), Some(code), true) = (vocabulary, code, v.errors().len() == errors)
        {
            let classification = GrantClassification {
                vocabulary,
                code,
                title,
            };
            if !out.contains(&classification) {
                out.push(classification);
            }
        }
    }
    out
}

/// A grant with nothing but its metadata, for a create to fill in. Its required fields hold
/// markers that the checks report as missing: an empty identifier and title, an amount awarded
/// of 0 in the empty currency, an award date of [`BLANK_DATE`], nil funder and recipient ids.
pub fn blank_grant(meta: RecordMeta) -> Grant {
    Grant {
        meta,
        identifier: String::new(),
        title: String::new(),
        description: None,
        amount_awarded: Money {
            amount: Decimal::ZERO,
            currency: String::new(),
        },
        amount_applied_for: None,
        amount_disbursed: None,
        award_date: BLANK_DATE,
        planned_start: None,
        planned_end: None,
        funder_id: Uuid::nil(),
        recipient_id: Uuid::nil(),
        project_id: None,
        programme: None,
        beneficiary_countries: Vec::new(),
        classifications: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::super::test_support::{codes, date, meta};
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn complete() -> GrantChanges {
        GrantChanges {
            identifier: Patch::Set(" 360G-nesta-2017-001 ".into()),
            title: Patch::Set("DSI4EU".into()),
            amount_awarded: Patch::Set(Money {
                amount: dec("12500.50"),
                currency: "eur".into(),
            }),
            amount_applied_for: Patch::Set(dec("15000")),
            award_date: Patch::Set(date(2017, 3, 1)),
            planned_start: Patch::Set(date(2017, 4, 1)),
            planned_end: Patch::Set(date(2018, 3, 31)),
            funder_id: Patch::Set(Uuid::from_u128(1)),
            recipient_id: Patch::Set(Uuid::from_u128(1)),
            beneficiary_countries: Patch::Set(vec!["fr".into(), "FR".into(), "es".into()]),
            classifications: Patch::Set(vec![GrantClassification {
                vocabulary: "SDG".into(),
                code: "11".into(),
                title: Some(" Sustainable cities ".into()),
            }]),
            ..GrantChanges::default()
        }
    }

    #[test]
    fn a_create_reports_every_missing_field_at_once() {
        let errors = GrantChanges::default().create(meta()).unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("identifier".to_owned(), "REQUIRED"),
                ("title".to_owned(), "REQUIRED"),
                ("amountAwarded".to_owned(), "REQUIRED"),
                ("awardDate".to_owned(), "REQUIRED"),
                ("funderId".to_owned(), "REQUIRED"),
                ("recipientId".to_owned(), "REQUIRED"),
            ]
        );
    }

    #[test]
    fn a_complete_create_is_cleaned() {
        let grant = complete().create(meta()).unwrap();
        assert_eq!(grant.identifier, "360G-nesta-2017-001");
        assert_eq!(
            grant.amount_awarded,
            Money {
                amount: dec("12500.50"),
                currency: "EUR".into()
            }
        );
        assert_eq!(grant.award_date, date(2017, 3, 1));
        // A funder may fund itself.
        assert_eq!(grant.funder_id, grant.recipient_id);
        assert_eq!(grant.beneficiary_countries, ["FR", "ES"]);
        assert_eq!(
            grant.classifications[0].title.as_deref(),
            Some("Sustainable cities")
        );
    }

    #[test]
    fn the_identifier_must_be_a_360giving_one() {
        for bad in ["GB-CHC-1164883", "360g-abc", "360G-", "  360G- "] {
            let changes = GrantChanges {
                identifier: Patch::Set(bad.into()),
                ..complete()
            };
            let errors = changes.create(meta()).unwrap_err();
            assert_eq!(
                codes(&errors),
                [("identifier".to_owned(), "INVALID")],
                "{bad}"
            );
            assert!(errors[0].message.contains("360G-"), "{bad}");
        }
        let long = GrantChanges {
            identifier: Patch::Set(format!("360G-{}", "x".repeat(MAX_GRANT_IDENTIFIER_CHARS))),
            ..complete()
        };
        assert_eq!(
            codes(&long.create(meta()).unwrap_err()),
            [("identifier".to_owned(), "TOO_LONG")]
        );
    }

    #[test]
    fn money_parts_and_lists_are_checked_at_their_paths() {
        let errors = GrantChanges {
            amount_awarded: Patch::Set(Money {
                amount: dec("-1"),
                currency: "EURO".into(),
            }),
            amount_disbursed: Patch::Set(dec("1.00001")),
            award_date: Patch::Set(BLANK_DATE),
            project_id: Patch::Set(Uuid::nil()),
            beneficiary_countries: Patch::Set(vec!["FR".into(), "XX".into()]),
            classifications: Patch::Set(vec![
                GrantClassification {
                    vocabulary: "SDG".into(),
                    code: " ".into(),
                    title: None,
                },
                GrantClassification {
                    vocabulary: "".into(),
                    code: "1".into(),
                    title: Some("t".repeat(MAX_NAME_CHARS + 1)),
                },
            ]),
            ..complete()
        }
        .create(meta())
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("amountAwarded.amount".to_owned(), "NEGATIVE_AMOUNT"),
                ("amountAwarded.currency".to_owned(), "UNKNOWN_CURRENCY"),
                ("amountDisbursed".to_owned(), "INVALID"),
                ("awardDate".to_owned(), "REQUIRED"),
                ("projectId".to_owned(), "INVALID"),
                ("beneficiaryCountries[1]".to_owned(), "UNKNOWN_COUNTRY"),
                ("classifications[0].code".to_owned(), "REQUIRED"),
                ("classifications[1].vocabulary".to_owned(), "REQUIRED"),
                ("classifications[1].title".to_owned(), "TOO_LONG"),
            ]
        );
    }

    #[test]
    fn an_update_changes_only_what_it_names() {
        let before = complete().create(meta()).unwrap();
        let after = GrantChanges {
            amount_disbursed: Patch::Set(dec("10000")),
            amount_applied_for: Patch::Clear,
            project_id: Patch::Set(Uuid::from_u128(7)),
            ..GrantChanges::default()
        }
        .apply(before.clone())
        .unwrap();
        assert_eq!(after.amount_disbursed, Some(dec("10000")));
        assert_eq!(after.amount_applied_for, None);
        assert_eq!(after.project_id, Some(Uuid::from_u128(7)));
        let untouched = Grant {
            amount_disbursed: None,
            amount_applied_for: before.amount_applied_for,
            project_id: None,
            ..after
        };
        assert_eq!(untouched, before);
    }

    #[test]
    fn an_update_cannot_clear_what_a_grant_needs_and_checks_the_resulting_period() {
        let before = complete().create(meta()).unwrap();
        let errors = GrantChanges {
            identifier: Patch::Clear,
            amount_awarded: Patch::Clear,
            award_date: Patch::Clear,
            funder_id: Patch::Clear,
            planned_end: Patch::Set(date(2017, 3, 31)),
            ..GrantChanges::default()
        }
        .apply(before)
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("identifier".to_owned(), "REQUIRED"),
                ("amountAwarded".to_owned(), "REQUIRED"),
                ("awardDate".to_owned(), "REQUIRED"),
                ("plannedEnd".to_owned(), "START_AFTER_END"),
                ("funderId".to_owned(), "REQUIRED"),
            ]
        );
    }
}
