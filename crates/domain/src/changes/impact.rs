//! Changes to impact indicators. Who reported a figure and when (`reported_by_partner`,
//! `reported_at`) is provenance that the store sets, not something a change may say.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{
    MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, Patch, optional, required_text, required_value, text,
};
use crate::model::{ImpactIndicator, RecordMeta};
use crate::validation::{ErrorCode, FieldError, MAX_AMOUNT, Validator};

/// Longest unit of an indicator (`people`, `t CO2e`).
pub const MAX_UNIT_CHARS: usize = 100;

/// The fields of an impact indicator that a create or an update may set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImpactIndicatorChanges {
    /// Set on create only: an indicator stays with its project.
    pub project_id: Patch<Uuid>,
    pub name: Patch<String>,
    /// Required: a create must set it. May be negative (a change in emissions), at most
    /// [`MAX_AMOUNT`] either way.
    pub value: Patch<Decimal>,
    pub unit: Patch<String>,
    pub period_start: Patch<NaiveDate>,
    pub period_end: Patch<NaiveDate>,
    pub method: Patch<String>,
    pub source_url: Patch<String>,
}

impl ImpactIndicatorChanges {
    /// A new indicator with `meta` and these fields, or every field that is wrong or missing.
    /// The caller sets the provenance (`reported_by_partner`, `reported_at`) afterwards.
    pub fn create(&self, meta: RecordMeta) -> Result<ImpactIndicator, Vec<FieldError>> {
        self.check(blank_impact_indicator(meta), true)
    }

    /// The indicator with these changes, or every field that is wrong. The provenance is left
    /// as it is.
    pub fn apply(&self, indicator: ImpactIndicator) -> Result<ImpactIndicator, Vec<FieldError>> {
        self.check(indicator, false)
    }

    fn check(
        &self,
        mut indicator: ImpactIndicator,
        creating: bool,
    ) -> Result<ImpactIndicator, Vec<FieldError>> {
        let mut v = Validator::new();
        let i = &mut indicator;
        if creating {
            required_value(
                &mut v,
                "projectId",
                &mut i.project_id,
                &self.project_id,
                Uuid::nil(),
                "an indicator needs its project",
            );
        } else {
            match &self.project_id {
                Patch::Keep => {}
                Patch::Set(id) if *id == i.project_id => {}
                Patch::Set(_) | Patch::Clear => v.push(
                    "projectId",
                    ErrorCode::Invalid,
                    "an indicator stays with its project",
                ),
            }
        }
        required_text(
            &mut v,
            "name",
            MAX_NAME_CHARS,
            &mut i.name,
            &self.name,
            "an indicator needs a name",
        );
        match &self.value {
            Patch::Set(value) if value.abs() > MAX_AMOUNT => v.push(
                "value",
                ErrorCode::OutOfRange,
                format!("must be between -{MAX_AMOUNT} and {MAX_AMOUNT}"),
            ),
            Patch::Set(value) => i.value = *value,
            Patch::Keep if !creating => {}
            Patch::Keep | Patch::Clear => {
                v.push("value", ErrorCode::Required, "an indicator needs its value");
            }
        }
        optional(&mut i.unit, &self.unit, |s| {
            text(&mut v, "unit", MAX_UNIT_CHARS, s)
        });
        optional(&mut i.period_start, &self.period_start, |d| Some(*d));
        optional(&mut i.period_end, &self.period_end, |d| Some(*d));
        v.date_range("periodStart", i.period_start, "periodEnd", i.period_end);
        optional(&mut i.method, &self.method, |s| {
            text(&mut v, "method", MAX_DESCRIPTION_CHARS, s)
        });
        optional(&mut i.source_url, &self.source_url, |s| {
            v.url("sourceUrl", Some(s))
        });
        v.finish().map(|()| indicator)
    }
}

/// An indicator with nothing but its metadata, for [`ImpactIndicatorChanges::create`] to fill
/// in: a nil project id (reported as missing until set), a placeholder `value` of 0 that
/// `create` requires the changes to set, and no provenance.
pub fn blank_impact_indicator(meta: RecordMeta) -> ImpactIndicator {
    ImpactIndicator {
        meta,
        project_id: Uuid::nil(),
        name: String::new(),
        value: Decimal::ZERO,
        unit: None,
        period_start: None,
        period_end: None,
        method: None,
        source_url: None,
        reported_by_partner: None,
        reported_at: None,
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

    fn created() -> ImpactIndicator {
        ImpactIndicatorChanges {
            project_id: Patch::Set(Uuid::from_u128(4)),
            name: Patch::Set("CO2 change".into()),
            value: Patch::Set(dec("-12.5")),
            unit: Patch::Set("t CO2e".into()),
            period_start: Patch::Set(date(2024, 1, 1)),
            period_end: Patch::Set(date(2024, 12, 31)),
            ..ImpactIndicatorChanges::default()
        }
        .create(meta())
        .unwrap()
    }

    #[test]
    fn a_create_reports_every_missing_field_at_once() {
        let errors = ImpactIndicatorChanges {
            unit: Patch::Set("u".repeat(MAX_UNIT_CHARS + 1)),
            source_url: Patch::Set("https://".into()),
            ..ImpactIndicatorChanges::default()
        }
        .create(meta())
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("projectId".to_owned(), "REQUIRED"),
                ("name".to_owned(), "REQUIRED"),
                ("value".to_owned(), "REQUIRED"),
                ("unit".to_owned(), "TOO_LONG"),
                ("sourceUrl".to_owned(), "INVALID_URL"),
            ]
        );
    }

    #[test]
    fn values_may_be_negative_but_bounded() {
        let indicator = created();
        assert_eq!(indicator.value, dec("-12.5"));
        assert_eq!(indicator.project_id, Uuid::from_u128(4));
        assert_eq!(
            (indicator.reported_by_partner, indicator.reported_at),
            (None, None)
        );
        for too_big in [MAX_AMOUNT + Decimal::ONE, -MAX_AMOUNT - Decimal::ONE] {
            let errors = ImpactIndicatorChanges {
                value: Patch::Set(too_big),
                ..ImpactIndicatorChanges::default()
            }
            .apply(created())
            .unwrap_err();
            assert_eq!(codes(&errors), [("value".to_owned(), "OUT_OF_RANGE")]);
        }
    }

    #[test]
    fn an_indicator_stays_with_its_project() {
        for change in [Patch::Set(Uuid::from_u128(5)), Patch::Clear] {
            let errors = ImpactIndicatorChanges {
                project_id: change,
                ..ImpactIndicatorChanges::default()
            }
            .apply(created())
            .unwrap_err();
            assert_eq!(codes(&errors), [("projectId".to_owned(), "INVALID")]);
            assert_eq!(errors[0].message, "an indicator stays with its project");
        }
        // Naming the same project again is no change.
        let before = created();
        let same = ImpactIndicatorChanges {
            project_id: Patch::Set(before.project_id),
            ..ImpactIndicatorChanges::default()
        };
        assert_eq!(same.apply(before.clone()).unwrap(), before);
    }

    #[test]
    fn an_update_changes_only_what_it_names_and_checks_the_period() {
        let before = created();
        let after = ImpactIndicatorChanges {
            value: Patch::Set(dec("-20")),
            method: Patch::Set("Metered".into()),
            ..ImpactIndicatorChanges::default()
        }
        .apply(before.clone())
        .unwrap();
        assert_eq!(after.value, dec("-20"));
        assert_eq!(
            ImpactIndicator {
                value: before.value,
                method: None,
                ..after
            },
            before
        );
        let errors = ImpactIndicatorChanges {
            period_end: Patch::Set(date(2023, 12, 31)),
            value: Patch::Clear,
            ..ImpactIndicatorChanges::default()
        }
        .apply(before)
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("value".to_owned(), "REQUIRED"),
                ("periodEnd".to_owned(), "START_AFTER_END"),
            ]
        );
    }
}
