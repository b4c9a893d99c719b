//! Timestamps as the database stores them.
//!
//! SQLite keeps timestamps as RFC 3339 text, and sqlx writes a variable number of fraction digits
//! (none, 3, 6 or 9). Text comparison, which `updatedSince` and keyset cursors rely on, is then
//! wrong within a second (`"…:05Z"` sorts after `"…:05.5Z"`). Every timestamp that is stored or
//! compared goes through [`stamp`], which keeps microseconds (PostgreSQL's precision) and sets
//! the nanosecond remainder to 1, so that sqlx always writes nine digits and text order is time
//! order. PostgreSQL drops the extra nanosecond; nothing reads it.

use chrono::{DateTime, SubsecRound, Timelike, Utc};

pub fn stamp(time: DateTime<Utc>) -> DateTime<Utc> {
    let micros = time.trunc_subsecs(6);
    micros
        .with_nanosecond(micros.nanosecond() + 1)
        .unwrap_or(micros)
}

/// The current time, stamped.
pub fn now() -> DateTime<Utc> {
    stamp(Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamped_times_format_with_fixed_width_and_sort_as_text() {
        let whole: DateTime<Utc> = "2026-11-29T12:00:05Z".parse().unwrap();
        let half: DateTime<Utc> = "2026-11-29T12:00:05.5Z".parse().unwrap();
        let fmt = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
        assert!(fmt(stamp(whole)) < fmt(stamp(half)));
        assert_eq!(fmt(stamp(whole)).len(), fmt(stamp(half)).len());
        assert_eq!(stamp(stamp(half)), stamp(half));
    }
}
