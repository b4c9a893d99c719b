//! Changes to events.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    BLANK_INSTANT, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, Patch, PlaceChanges, flag, ids, list,
    optional, required_text, required_value, slug, text,
};
use crate::model::{Event, Place, RecordMeta};
use crate::taxonomy::Vocabulary;
use crate::validation::{FieldError, Validator};

/// Longest price text (`Free`, `€20, €10 for students`).
pub const MAX_PRICE_CHARS: usize = 100;

/// The fields of an event that a create or an update may set. An event need not have a place,
/// online or not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventChanges {
    pub title: Patch<String>,
    pub slug: Patch<String>,
    pub description: Patch<String>,
    pub starts_at: Patch<DateTime<Utc>>,
    pub ends_at: Patch<DateTime<Utc>>,
    /// `Clear` is `false`.
    pub online: Patch<bool>,
    pub address: Patch<String>,
    pub city: Patch<String>,
    pub region: Patch<String>,
    pub country: Patch<String>,
    pub location: Patch<(f64, f64)>,
    pub url: Patch<String>,
    pub price: Patch<String>,
    pub focus: Patch<Vec<String>>,
    pub organiser_ids: Patch<Vec<Uuid>>,
}

impl EventChanges {
    /// A new event with `meta` and these fields, or every field that is wrong or missing.
    pub fn create(&self, meta: RecordMeta) -> Result<Event, Vec<FieldError>> {
        self.check(blank_event(meta), true)
    }

    /// The event with these changes, or every field that is wrong.
    pub fn apply(&self, event: Event) -> Result<Event, Vec<FieldError>> {
        self.check(event, false)
    }

    fn check(&self, mut event: Event, creating: bool) -> Result<Event, Vec<FieldError>> {
        let mut v = Validator::new();
        let e = &mut event;
        required_text(
            &mut v,
            "title",
            MAX_NAME_CHARS,
            &mut e.title,
            &self.title,
            "an event needs a title",
        );
        slug(&mut v, &mut e.slug, &self.slug, creating);
        optional(&mut e.description, &self.description, |s| {
            text(&mut v, "description", MAX_DESCRIPTION_CHARS, s)
        });
        required_value(
            &mut v,
            "startsAt",
            &mut e.starts_at,
            &self.starts_at,
            BLANK_INSTANT,
            "an event needs the time it starts",
        );
        optional(&mut e.ends_at, &self.ends_at, |t| Some(*t));
        if e.starts_at != BLANK_INSTANT {
            v.datetime_range("startsAt", Some(e.starts_at), "endsAt", e.ends_at);
        }
        flag(&mut e.online, &self.online);
        PlaceChanges {
            address: &self.address,
            city: &self.city,
            region: &self.region,
            country: &self.country,
            location: &self.location,
        }
        .apply(&mut v, &mut e.place);
        optional(&mut e.url, &self.url, |s| v.url("url", Some(s)));
        optional(&mut e.price, &self.price, |s| {
            text(&mut v, "price", MAX_PRICE_CHARS, s)
        });
        list(&mut e.focus, &self.focus, |codes| {
            v.terms("focus", Vocabulary::Focus, codes)
        });
        list(&mut e.organiser_ids, &self.organiser_ids, |organisers| {
            ids(&mut v, "organiserIds", organisers)
        });
        v.finish().map(|()| event)
    }
}

/// An event with nothing but its metadata, for a create to fill in. Its start is
/// [`BLANK_INSTANT`], reported as missing until set.
pub fn blank_event(meta: RecordMeta) -> Event {
    Event {
        meta,
        title: String::new(),
        slug: String::new(),
        description: None,
        starts_at: BLANK_INSTANT,
        ends_at: None,
        online: false,
        place: Place::default(),
        url: None,
        price: None,
        focus: Vec::new(),
        organiser_ids: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::MAX_LIST_ITEMS;
    use super::super::test_support::{codes, meta};
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn created() -> Event {
        EventChanges {
            title: Patch::Set("DSI Fair".into()),
            starts_at: Patch::Set(at("2026-03-01T09:00:00Z")),
            ends_at: Patch::Set(at("2026-03-01T18:00:00Z")),
            online: Patch::Set(true),
            price: Patch::Set(" Free ".into()),
            organiser_ids: Patch::Set(vec![Uuid::from_u128(1), Uuid::from_u128(1)]),
            ..EventChanges::default()
        }
        .create(meta())
        .unwrap()
    }

    #[test]
    fn a_create_reports_every_missing_field_at_once() {
        let errors = EventChanges {
            ends_at: Patch::Set(at("2026-03-01T18:00:00Z")),
            url: Patch::Set("http://localhost".into()),
            price: Patch::Set("x".repeat(MAX_PRICE_CHARS + 1)),
            focus: Patch::Set(vec!["NOPE".into()]),
            organiser_ids: Patch::Set(vec![Uuid::from_u128(1), Uuid::nil()]),
            ..EventChanges::default()
        }
        .create(meta())
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("title".to_owned(), "REQUIRED"),
                ("startsAt".to_owned(), "REQUIRED"),
                ("url".to_owned(), "INVALID_URL"),
                ("price".to_owned(), "TOO_LONG"),
                ("focus[0]".to_owned(), "UNKNOWN_CODE"),
                ("organiserIds[1]".to_owned(), "INVALID"),
            ]
        );
    }

    #[test]
    fn a_create_needs_no_place_and_drops_repeated_organisers() {
        let event = created();
        assert_eq!(event.place, Place::default());
        assert!(event.online);
        assert_eq!(event.price.as_deref(), Some("Free"));
        assert_eq!(event.organiser_ids, [Uuid::from_u128(1)]);
        assert_eq!(event.slug, "");
        let too_many = EventChanges {
            organiser_ids: Patch::Set(
                (1..=MAX_LIST_ITEMS as u128 + 1)
                    .map(Uuid::from_u128)
                    .collect(),
            ),
            ..EventChanges::default()
        };
        assert_eq!(
            codes(&too_many.apply(created()).unwrap_err()),
            [("organiserIds".to_owned(), "TOO_LONG")]
        );
    }

    #[test]
    fn an_update_changes_only_what_it_names() {
        let before = created();
        let after = EventChanges {
            online: Patch::Clear,
            city: Patch::Set("Lisbon".into()),
            ..EventChanges::default()
        }
        .apply(before.clone())
        .unwrap();
        assert!(!after.online);
        assert_eq!(after.place.city.as_deref(), Some("Lisbon"));
        assert_eq!(
            Event {
                online: true,
                place: Place::default(),
                ..after
            },
            before
        );
    }

    #[test]
    fn an_update_checks_the_times_the_event_will_have() {
        let errors = EventChanges {
            starts_at: Patch::Set(at("2026-03-02T09:00:00Z")),
            slug: Patch::Clear,
            ..EventChanges::default()
        }
        .apply(created())
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("slug".to_owned(), "REQUIRED"),
                ("endsAt".to_owned(), "START_AFTER_END"),
            ]
        );
        let errors = EventChanges {
            starts_at: Patch::Clear,
            ..EventChanges::default()
        }
        .apply(created())
        .unwrap_err();
        assert_eq!(codes(&errors), [("startsAt".to_owned(), "REQUIRED")]);
    }
}
