//! Field-level validation of what callers write into the registry.
//!
//! A mutation must answer with *all* the problems of its input at once, each naming its field,
//! and write nothing when there is one (DESIGN.md, "GraphQL conventions"). So the checks do not
//! return early: a [`Validator`] collects [`FieldError`]s while the caller walks its input, each
//! check hands back the cleaned value (trimmed text, upper-case codes …) or `None`, and
//! [`Validator::finish`] says whether anything was wrong.
//!
//! ```
//! use panorama_domain::validation::{ErrorCode, Validator};
//!
//! let mut v = Validator::new();
//! let name = v.required_text("name", "  Fab Lab Barcelona ", 200);
//! let website = v.url("website", Some("ftp://fablabbcn.org"));
//! let country = v.country("country", Some("es"));
//! assert_eq!(name.as_deref(), Some("Fab Lab Barcelona"));
//! assert_eq!(website, None);
//! assert_eq!(country.as_deref(), Some("ES"));
//! let errors = v.finish().unwrap_err();
//! assert_eq!(errors[0].field, "website");
//! assert_eq!(errors[0].code, ErrorCode::InvalidUrl);
//! ```
//!
//! Conventions of every check:
//! - the field is a path as the API client sees it: `"website"`, `"legalIdentifiers[2].scheme"`;
//! - a field gets at most one error from one check (the first thing wrong with it), except list
//!   checks, which report each bad element at its index (`"focus[1]"`);
//! - text is trimmed; an optional value that is absent or blank is `None` and no error;
//! - error messages never echo more than a short excerpt of the value, so a 10 MB input cannot
//!   make a 10 MB answer;
//! - checks that compare two fields (date ranges) must be given the values the record will have
//!   after the change: for a partial update, the caller merges the stored values first.
//!
//! Uniqueness (slugs, external ids) is the store's job; it reports a clash with
//! [`ErrorCode::Duplicate`] through [`Validator::push`].

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::hash::Hash;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::model::{GeoPoint, LegalIdentifier};
use crate::taxonomy::{TermCode, Vocabulary};

/// Why a field was refused: a stable code that clients can switch on (the `code` of a GraphQL
/// `userErrors` entry), beside the human message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// Absent or blank where a value is needed.
    Required,
    TooLong,
    TooShort,
    InvalidUrl,
    InvalidEmail,
    UnknownCountry,
    UnknownCurrency,
    /// A number outside its range (coordinates, amounts).
    OutOfRange,
    /// The end of a period is before its start.
    StartAfterEnd,
    NegativeAmount,
    /// Not a code of its vocabulary or list (taxonomy terms, org-id list codes).
    UnknownCode,
    /// A legal identifier's value that no register could have issued.
    InvalidIdentifier,
    /// Already taken by another record (slugs); reported by the store.
    Duplicate,
    /// A record the input names does not exist; reported by the store.
    NotFound,
    /// Malformed in a way no other code names.
    Invalid,
    /// The caller may not write this record (a grant of another funder in an import); reported
    /// per record by batch writes, where a top-level FORBIDDEN would refuse the whole batch.
    Forbidden,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 16] = [
        Self::Required,
        Self::TooLong,
        Self::TooShort,
        Self::InvalidUrl,
        Self::InvalidEmail,
        Self::UnknownCountry,
        Self::UnknownCurrency,
        Self::OutOfRange,
        Self::StartAfterEnd,
        Self::NegativeAmount,
        Self::UnknownCode,
        Self::InvalidIdentifier,
        Self::Duplicate,
        Self::NotFound,
        Self::Invalid,
        Self::Forbidden,
    ];

    /// The stable code shown to API clients.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Required => "REQUIRED",
            Self::TooLong => "TOO_LONG",
            Self::TooShort => "TOO_SHORT",
            Self::InvalidUrl => "INVALID_URL",
            Self::InvalidEmail => "INVALID_EMAIL",
            Self::UnknownCountry => "UNKNOWN_COUNTRY",
            Self::UnknownCurrency => "UNKNOWN_CURRENCY",
            Self::OutOfRange => "OUT_OF_RANGE",
            Self::StartAfterEnd => "START_AFTER_END",
            Self::NegativeAmount => "NEGATIVE_AMOUNT",
            Self::UnknownCode => "UNKNOWN_CODE",
            Self::InvalidIdentifier => "INVALID_IDENTIFIER",
            Self::Duplicate => "DUPLICATE",
            Self::NotFound => "NOT_FOUND",
            Self::Invalid => "INVALID",
            Self::Forbidden => "FORBIDDEN",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One problem with one field of an input: a GraphQL `userErrors` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Error)]
#[error("{field}: {message} ({code})")]
pub struct FieldError {
    /// The path of the field in the input, e.g. `legalIdentifiers[2].scheme`.
    pub field: String,
    pub message: String,
    pub code: ErrorCode,
}

/// Longest URL accepted: what every browser and crawler handles.
pub const MAX_URL_CHARS: usize = 2_000;
/// RFC 5321: at most 254 octets for a whole address, 64 for the part before the `@`.
pub const MAX_EMAIL_OCTETS: usize = 254;
pub const MAX_EMAIL_LOCAL_OCTETS: usize = 64;
/// Longest slug, as [`crate::text::slugify`] makes them.
pub const MAX_SLUG_CHARS: usize = 80;
/// Longest legal identifier value; the longest real ones (LEI, SIRET, …) are about 20.
pub const MAX_IDENTIFIER_CHARS: usize = 100;
/// Most decimal places an amount may have: cents and a little more for exchange-rate results.
pub const MAX_AMOUNT_SCALE: u32 = 4;
/// Largest amount, 2^63 / 100: it still fits a signed 64-bit count of cents, so no store or
/// client that keeps money as integer cents overflows, and no real grant comes near it.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(0, 0x8000_0000, 0, false, 2);

/// What a check found wrong, before it is tied to a field.
#[derive(Debug)]
struct Problem {
    code: ErrorCode,
    message: String,
}

fn problem(code: ErrorCode, message: impl Into<String>) -> Problem {
    Problem {
        code,
        message: message.into(),
    }
}

type Check<T> = Result<T, Problem>;

/// Collects the [`FieldError`]s of one input.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem that the caller found itself (e.g. a slug already taken).
    pub fn push(&mut self, field: impl Into<String>, code: ErrorCode, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
            code,
        });
    }

    /// The problems found so far, in the order they were found.
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok` when nothing was wrong, else every problem found.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }

    /// Keeps a check's value, or records its problem under `field`. The field is `Display` so
    /// that paths like `format_args!("{field}[{i}]")` are only built when something is wrong.
    fn keep<T>(&mut self, field: impl fmt::Display, check: Check<T>) -> Option<T> {
        match check {
            Ok(value) => Some(value),
            Err(p) => {
                self.push(field.to_string(), p.code, p.message);
                None
            }
        }
    }

    /// Checks every element of a list, reporting each bad one at its index, and drops
    /// duplicates silently (the lists are sets: saying a thing twice is not an error).
    fn each<T: Hash + Eq + Clone>(
        &mut self,
        field: &str,
        values: &[String],
        check: impl Fn(&str) -> Check<T>,
    ) -> Vec<T> {
        let mut kept = Distinct::default();
        for (index, value) in values.iter().enumerate() {
            kept.add(self.keep(format_args!("{field}[{index}]"), check(value)));
        }
        kept.items
    }

    /// A text that must be there: trimmed, not blank, at most `max_chars` characters (not
    /// bytes), without control characters other than tab and line breaks.
    pub fn required_text(&mut self, field: &str, value: &str, max_chars: usize) -> Option<String> {
        let check = required(value).and_then(|text| check_text(text, max_chars));
        self.keep(field, check).map(str::to_owned)
    }

    /// Like [`Self::required_text`], but absent or blank text is `None` and no error.
    pub fn optional_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        max_chars: usize,
    ) -> Option<String> {
        let text = non_blank(value)?;
        self.keep(field, check_text(text, max_chars))
            .map(str::to_owned)
    }

    /// A public web address: `http` or `https` (any case), a host name with a dot and a
    /// top-level domain of letters (no `localhost`, no IP address, no user name or password),
    /// an optional port, no spaces or control characters, at most [`MAX_URL_CHARS`].
    /// Returns the trimmed URL as given.
    pub fn url(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let url = non_blank(value)?;
        self.keep(field, check_url(url)).map(str::to_owned)
    }

    /// Where webhooks are sent: a required URL checked as [`Self::url`]; with
    /// `private_hosts` (an operator's own network, tests) any host name or IP address is
    /// accepted too, `localhost` and `127.0.0.1` included.
    pub fn endpoint_url(
        &mut self,
        field: &str,
        value: &str,
        private_hosts: bool,
    ) -> Option<String> {
        let check = required(value).and_then(|url| {
            let host_ok = if private_hosts {
                is_host
            } else {
                is_public_host
            };
            check_url_with(url, host_ok)
        });
        self.keep(field, check).map(str::to_owned)
    }

    /// A list of URLs (other links), each checked as [`Self::url`] but required.
    pub fn urls(&mut self, field: &str, values: &[String]) -> Vec<String> {
        self.each(field, values, |value| {
            required(value).and_then(check_url).map(str::to_owned)
        })
    }

    /// An e-mail address, checked for syntax only (whether it receives mail is not known until
    /// one is sent). A pragmatic check, not RFC 5322 in full:
    /// - exactly one `@` (quoted local parts such as `"a@b"@example.org` are refused);
    /// - the local part is 1 to 64 octets of ASCII letters, digits, ``!#$%&'*+/=?^_`{|}~-`` and
    ///   dots (not first, last or doubled), **or Unicode letters and digits**: RFC 6531 allows
    ///   internationalised addresses (`josé@exemple.fr`) and people in the registry have them;
    /// - the domain is a public host name, as for [`Self::url`];
    /// - at most 254 octets in all ([`MAX_EMAIL_OCTETS`]), else `TOO_LONG`.
    ///
    /// Returns the trimmed address as given.
    pub fn email(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let email = non_blank(value)?;
        self.keep(field, check_email(email)).map(str::to_owned)
    }

    /// An ISO 3166-1 alpha-2 country code in any case; returns it in upper case.
    pub fn country(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let code = non_blank(value)?;
        self.keep(field, check_country(code)).map(str::to_owned)
    }

    /// A list of country codes (beneficiary countries, eligible countries), upper-cased.
    pub fn countries(&mut self, field: &str, values: &[String]) -> Vec<String> {
        self.each(field, values, |value| {
            required(value).and_then(check_country).map(str::to_owned)
        })
    }

    /// A required active ISO 4217 currency code in any case; returns it in upper case.
    pub fn currency(&mut self, field: &str, value: &str) -> Option<String> {
        let check = required(value).and_then(|code| {
            crate::currency::currency_code(code).ok_or_else(|| {
                problem(
                    ErrorCode::UnknownCurrency,
                    format!(
                        "{} is not an active ISO 4217 currency code such as EUR",
                        shown(code)
                    ),
                )
            })
        });
        self.keep(field, check).map(str::to_owned)
    }

    /// A point given as two optional numbers: both or neither. Latitude within ±90, longitude
    /// within ±180, both finite. The fields are `{field_prefix}.latitude` and
    /// `{field_prefix}.longitude`, or plain `latitude` and `longitude` when the prefix is empty.
    pub fn coordinates(
        &mut self,
        field_prefix: &str,
        latitude: Option<f64>,
        longitude: Option<f64>,
    ) -> Option<GeoPoint> {
        let lat_field = join_path(field_prefix, "latitude");
        let lon_field = join_path(field_prefix, "longitude");
        let (lat, lon) = match (latitude, longitude) {
            (None, None) => return None,
            (Some(_), None) => {
                self.push(
                    lon_field,
                    ErrorCode::Required,
                    "must be given with latitude",
                );
                return None;
            }
            (None, Some(_)) => {
                self.push(
                    lat_field,
                    ErrorCode::Required,
                    "must be given with longitude",
                );
                return None;
            }
            (Some(lat), Some(lon)) => (lat, lon),
        };
        let lat = self.keep(lat_field, check_degrees(lat, 90.0));
        let lon = self.keep(lon_field, check_degrees(lon, 180.0));
        GeoPoint::new(lat?, lon?)
    }

    /// A period of dates: when both ends are given, the start is not after the end (a one-day
    /// period is fine). The error goes on the end field. Returns whether the range is valid.
    pub fn date_range(
        &mut self,
        start_field: &str,
        start: Option<NaiveDate>,
        end_field: &str,
        end: Option<NaiveDate>,
    ) -> bool {
        self.ordered(start_field, start, end_field, end)
    }

    /// [`Self::date_range`] for instants (event start and end).
    pub fn datetime_range(
        &mut self,
        start_field: &str,
        start: Option<DateTime<Utc>>,
        end_field: &str,
        end: Option<DateTime<Utc>>,
    ) -> bool {
        self.ordered(start_field, start, end_field, end)
    }

    fn ordered<T: Ord>(
        &mut self,
        start_field: &str,
        start: Option<T>,
        end_field: &str,
        end: Option<T>,
    ) -> bool {
        match (start, end) {
            (Some(start), Some(end)) if start > end => {
                let message = format!("must not be before {start_field}");
                self.push(end_field, ErrorCode::StartAfterEnd, message);
                false
            }
            _ => true,
        }
    }

    /// An amount of money: not negative, at most [`MAX_AMOUNT`], and at most
    /// [`MAX_AMOUNT_SCALE`] decimal places once trailing zeros are dropped (`1.50000` is fine,
    /// `1.00001` is not). Returns the amount with a scale of at most 4 and `-0` as `0`.
    pub fn amount(&mut self, field: &str, amount: Decimal) -> Option<Decimal> {
        self.keep(field, check_amount(amount))
    }

    /// A required code of `vocabulary`, compared exactly after trimming (`OPEN_DATA`).
    pub fn term(&mut self, field: &str, vocabulary: Vocabulary, code: &str) -> Option<TermCode> {
        let check = required(code).and_then(|code| check_term(vocabulary, code));
        self.keep(field, check).map(str::to_owned)
    }

    /// A list of codes of `vocabulary`: each unknown or blank code is reported at its index
    /// (`focus[1]`); repeated codes are dropped silently, keeping the first occurrence's order.
    pub fn terms(
        &mut self,
        field: &str,
        vocabulary: Vocabulary,
        codes: &[String],
    ) -> Vec<TermCode> {
        self.each(field, codes, |code| {
            required(code)
                .and_then(|code| check_term(vocabulary, code))
                .map(str::to_owned)
        })
    }

    /// A legal identifier: its `scheme` (at `{field}.scheme`) must be a code `schemes` knows,
    /// compared case-sensitively after trimming; its `value` (at `{field}.value`) must be
    /// non-blank, at most [`MAX_IDENTIFIER_CHARS`], without spaces, and not repeat the scheme
    /// as a prefix (`GB-CHC` + `GB-CHC-1164883` is a common slip for `GB-CHC` + `1164883`).
    pub fn legal_identifier(
        &mut self,
        field: &str,
        identifier: &LegalIdentifier,
        schemes: &dyn OrgIdSchemes,
    ) -> Option<LegalIdentifier> {
        let scheme_check = required(&identifier.scheme).and_then(|s| check_scheme(s, schemes));
        let scheme = self.keep(format_args!("{field}.scheme"), scheme_check);
        let value_check = required(&identifier.value)
            .and_then(|v| check_identifier_value(v, identifier.scheme.trim()));
        let value = self.keep(format_args!("{field}.value"), value_check);
        Some(LegalIdentifier {
            scheme: scheme?.to_owned(),
            value: value?.to_owned(),
        })
    }

    /// A list of legal identifiers, each checked at `{field}[i]`; exact repeats are dropped.
    pub fn legal_identifiers(
        &mut self,
        field: &str,
        identifiers: &[LegalIdentifier],
        schemes: &dyn OrgIdSchemes,
    ) -> Vec<LegalIdentifier> {
        let mut kept = Distinct::default();
        for (index, identifier) in identifiers.iter().enumerate() {
            kept.add(self.legal_identifier(&format!("{field}[{index}]"), identifier, schemes));
        }
        kept.items
    }

    /// A slug's format: lower-case ASCII letters, digits and single hyphens, 1 to
    /// [`MAX_SLUG_CHARS`] characters, no hyphen at either end. Whether it is free is for the
    /// store to say (with [`ErrorCode::Duplicate`]).
    pub fn slug(&mut self, field: &str, value: &str) -> Option<String> {
        let check = required(value).and_then(check_slug);
        self.keep(field, check).map(str::to_owned)
    }
}

/// The distinct values of a list in first-seen order. A set beside the list keeps this linear:
/// a huge list of distinct URLs must not cost a quadratic scan.
struct Distinct<T> {
    items: Vec<T>,
    seen: HashSet<T>,
}

impl<T> Default for Distinct<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            seen: HashSet::new(),
        }
    }
}

impl<T: Hash + Eq + Clone> Distinct<T> {
    fn add(&mut self, item: Option<T>) {
        if let Some(item) = item
            && self.seen.insert(item.clone())
        {
            self.items.push(item);
        }
    }
}

/// `prefix.name`, or `name` alone when there is no prefix.
fn join_path(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

/// A short, quoted excerpt of a value for a message: at most 40 characters of it.
fn shown(value: &str) -> String {
    const MAX: usize = 40;
    match value.char_indices().nth(MAX) {
        Some((end, _)) => format!("`{}…`", &value[..end]),
        None => format!("`{value}`"),
    }
}

/// The trimmed value, unless blank.
fn non_blank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// The trimmed value, or `REQUIRED` when blank.
fn required(value: &str) -> Check<&str> {
    let value = value.trim();
    if value.is_empty() {
        Err(problem(ErrorCode::Required, "must not be blank"))
    } else {
        Ok(value)
    }
}

/// Whether `text` has more than `max` characters. A UTF-8 character takes 1 to 4 bytes, so the
/// byte length settles most cases at once; otherwise at most `max + 1` characters are counted.
/// Either way a 10 MB string is never walked through.
fn longer_than(text: &str, max: usize) -> bool {
    if text.len() <= max {
        return false;
    }
    if text.len() / 4 > max {
        return true;
    }
    text.chars().nth(max).is_some()
}

fn too_long(max: usize) -> Problem {
    problem(
        ErrorCode::TooLong,
        format!("must be at most {max} characters long"),
    )
}

/// Length, then control characters: PostgreSQL refuses NUL in text, and the other control
/// characters (tab and line breaks aside) only ever come from broken input.
fn check_text(text: &str, max_chars: usize) -> Check<&str> {
    if longer_than(text, max_chars) {
        return Err(too_long(max_chars));
    }
    let control = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    if text.chars().any(control) {
        return Err(problem(
            ErrorCode::Invalid,
            "must not contain control characters",
        ));
    }
    Ok(text)
}

/// `text` without `prefix`, compared ignoring ASCII case.
fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        text.get(prefix.len()..)
    } else {
        None
    }
}

fn invalid_url(message: &str) -> Problem {
    problem(ErrorCode::InvalidUrl, message)
}

/// See [`Validator::url`]. Only the scheme and the authority are parsed: path, query and
/// fragment may hold anything but spaces and control characters (browsers escape the rest).
fn check_url(url: &str) -> Check<&str> {
    check_url_with(url, is_public_host)
}

/// [`check_url`] with another test of the host.
fn check_url_with(url: &str, host_ok: fn(&str) -> bool) -> Check<&str> {
    if longer_than(url, MAX_URL_CHARS) {
        return Err(too_long(MAX_URL_CHARS));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid_url("must not contain spaces or control characters"));
    }
    let rest = strip_prefix_ignore_case(url, "https://")
        .or_else(|| strip_prefix_ignore_case(url, "http://"))
        .ok_or_else(|| invalid_url("must be an http:// or https:// address"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(invalid_url("must not contain a user name or password"));
    }
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if is_port(port) => host,
        // A bracketed IPv6 address without a port.
        Some(_) if authority.starts_with('[') && authority.ends_with(']') => authority,
        Some(_) => return Err(invalid_url("has an invalid port")),
        None => authority,
    };
    if !host_ok(host) {
        return Err(invalid_url(
            "must have a public host name such as example.org",
        ));
    }
    Ok(url)
}

/// The lower-case host of a URL that [`Validator::url`] accepts (`"https://WWW.Nesta.org.uk/x"`
/// → `"www.nesta.org.uk"`), for comparing websites (duplicate detection).
pub fn url_host(url: &str) -> Option<String> {
    let url = check_url(url.trim()).ok()?;
    let rest = url.split_once("//")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    Some(host.to_lowercase())
}

fn is_port(port: &str) -> bool {
    !port.is_empty()
        && port.len() <= 5
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u32>().is_ok_and(|p| (1..=65_535).contains(&p))
}

/// A host name reachable on the public internet, by its shape: at least two dot-separated
/// labels of letters, digits and hyphens (Unicode letters allowed, as people type
/// internationalised names), none starting or ending with a hyphen, each at most 63 bytes and
/// at most 253 in all; and a top-level domain of two or more letters, or an `xn--` A-label.
/// That refuses `localhost`, IP addresses, a trailing dot and empty labels.
fn is_public_host(host: &str) -> bool {
    if host.is_empty() || host.len() > 253 {
        return false;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let Some((tld, _)) = labels.split_last() else {
        return false;
    };
    labels.len() >= 2 && labels.iter().all(|l| is_host_label(l)) && is_top_level_domain(tld)
}

/// Any host: a name of one or more labels (`localhost`, `hooks.internal`), an IPv4 address,
/// or an IPv6 address in brackets.
fn is_host(host: &str) -> bool {
    if let Some(inside) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inside.parse::<std::net::Ipv6Addr>().is_ok();
    }
    host.len() <= 253 && host.split('.').all(is_host_label)
}

fn is_host_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(|c| c.is_alphanumeric() || c == '-')
}

fn is_top_level_domain(tld: &str) -> bool {
    let letters = tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic);
    let a_label = strip_prefix_ignore_case(tld, "xn--")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()));
    letters || a_label
}

fn invalid_email(message: &str) -> Problem {
    problem(ErrorCode::InvalidEmail, message)
}

/// See [`Validator::email`].
fn check_email(email: &str) -> Check<&str> {
    if email.len() > MAX_EMAIL_OCTETS {
        return Err(problem(
            ErrorCode::TooLong,
            format!("must be at most {MAX_EMAIL_OCTETS} bytes long"),
        ));
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(invalid_email("must contain an @"));
    };
    if domain.contains('@') {
        return Err(invalid_email("must contain a single @"));
    }
    check_email_local_part(local)?;
    if !is_public_host(domain) {
        return Err(invalid_email(
            "must have a domain such as example.org after the @",
        ));
    }
    Ok(email)
}

fn check_email_local_part(local: &str) -> Check<()> {
    if local.is_empty() {
        return Err(invalid_email("must have a name before the @"));
    }
    if local.len() > MAX_EMAIL_LOCAL_OCTETS {
        return Err(invalid_email("must have at most 64 bytes before the @"));
    }
    let allowed = |c: char| {
        c.is_ascii_alphanumeric()
            || "!#$%&'*+/=?^_`{|}~-.".contains(c)
            || (!c.is_ascii() && c.is_alphanumeric())
    };
    if !local.chars().all(allowed) {
        return Err(invalid_email(
            "has a character that is not allowed before the @",
        ));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(invalid_email(
            "must not start or end with a dot, or have two in a row, before the @",
        ));
    }
    Ok(())
}

fn check_country(code: &str) -> Check<&'static str> {
    crate::country::country(code)
        .map(|country| country.code)
        .ok_or_else(|| {
            problem(
                ErrorCode::UnknownCountry,
                format!(
                    "{} is not an ISO 3166-1 alpha-2 country code such as FR",
                    shown(code)
                ),
            )
        })
}

/// Finite and within `±limit` degrees.
fn check_degrees(value: f64, limit: f64) -> Check<f64> {
    if value.is_finite() && (-limit..=limit).contains(&value) {
        Ok(value)
    } else {
        Err(problem(
            ErrorCode::OutOfRange,
            format!("must be a number between -{limit} and {limit}"),
        ))
    }
}

fn check_amount(amount: Decimal) -> Check<Decimal> {
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(problem(ErrorCode::NegativeAmount, "must not be negative"));
    }
    if amount.abs() > MAX_AMOUNT {
        return Err(problem(
            ErrorCode::OutOfRange,
            format!("must be at most {MAX_AMOUNT}"),
        ));
    }
    let amount = if amount.scale() > MAX_AMOUNT_SCALE {
        amount.normalize()
    } else {
        amount
    };
    if amount.scale() > MAX_AMOUNT_SCALE {
        return Err(problem(
            ErrorCode::Invalid,
            format!("must have at most {MAX_AMOUNT_SCALE} decimal places"),
        ));
    }
    Ok(amount.abs())
}

fn check_term(vocabulary: Vocabulary, code: &str) -> Check<&'static str> {
    vocabulary.term(code).map(|term| term.code).ok_or_else(|| {
        problem(
            ErrorCode::UnknownCode,
            format!("{} is not a {} code", shown(code), vocabulary.code()),
        )
    })
}

/// The trimmed scheme if `schemes` knows it. Codes are upper case, so a scheme that is only
/// known once upper-cased gets a hint rather than a silent correction: the caller's system
/// should send what the register says.
fn check_scheme<'a>(scheme: &'a str, schemes: &dyn OrgIdSchemes) -> Check<&'a str> {
    if schemes.is_known(scheme) {
        return Ok(scheme);
    }
    let upper = scheme.to_ascii_uppercase();
    let message = if schemes.is_known(&upper) {
        format!(
            "{} is not an org-id.guide list code; did you mean `{upper}`?",
            shown(scheme)
        )
    } else {
        format!(
            "{} is not an org-id.guide list code such as GB-CHC or FR-RCS",
            shown(scheme)
        )
    };
    Err(problem(ErrorCode::UnknownCode, message))
}

fn check_identifier_value<'a>(value: &'a str, scheme: &str) -> Check<&'a str> {
    if longer_than(value, MAX_IDENTIFIER_CHARS) {
        return Err(too_long(MAX_IDENTIFIER_CHARS));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(problem(
            ErrorCode::InvalidIdentifier,
            "must not contain spaces",
        ));
    }
    let repeats_scheme = !scheme.is_empty()
        && strip_prefix_ignore_case(value, scheme).is_some_and(|rest| rest.starts_with('-'));
    if repeats_scheme {
        return Err(problem(
            ErrorCode::InvalidIdentifier,
            format!("must be given without the `{scheme}-` prefix"),
        ));
    }
    Ok(value)
}

fn check_slug(slug: &str) -> Check<&str> {
    if longer_than(slug, MAX_SLUG_CHARS) {
        return Err(too_long(MAX_SLUG_CHARS));
    }
    let allowed = slug
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !allowed || slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
        return Err(problem(
            ErrorCode::Invalid,
            "must be lower-case letters a-z, digits and single hyphens, with no hyphen at either end",
        ));
    }
    Ok(slug)
}

/// Knows which org-id.guide list codes (`GB-CHC`, `FR-RCS`, `XI-WIKIDATA`) may be the scheme of
/// a legal identifier. The application loads the operator's copy of the org-id register at
/// start-up ([`SchemeList::parse_org_id_csv`]), or uses [`SchemeList::fallback`].
pub trait OrgIdSchemes {
    /// Whether `scheme` is a usable list code, compared exactly.
    fn is_known(&self, scheme: &str) -> bool;
}

/// The most common list codes for the registry's organisations, for when no org-id list file
/// is configured: the charity and company registers of the UK, Ireland and the European
/// countries most present in the DSI4EU data, the US tax number, the cross-border registers
/// (Wikidata, ROR, LEI, OECD DAC), and `XE-EXAMPLE`, reserved by org-id.guide for test and demo
/// data. All are non-deprecated codes of the register (a test checks this against the file):
/// deprecated `IT-RI`, `XI-GRID` and `FR-INSEE` are left out in favour of `IT-CF`, `XI-ROR`
/// and `FR-RCS`.
pub const FALLBACK_SCHEMES: &[&str] = &[
    "AT-FB",
    "BE-BCE_KBO",
    "CH-FDJP",
    "DE-CR",
    "DK-CVR",
    "ES-NIF",
    "ES-RMC",
    "FI-PRO",
    "FR-RCS",
    "GB-CHC",
    "GB-COH",
    "GB-NIC",
    "GB-SC",
    "IE-CHY",
    "IE-CRO",
    "IT-CF",
    "NL-KVK",
    "NO-BRC",
    "PL-KRS",
    "SE-ON",
    "US-EIN",
    "XE-EXAMPLE",
    "XI-LEI",
    "XI-ROR",
    "XI-WIKIDATA",
    "XM-DAC",
];

/// A set of org-id.guide list codes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemeList(BTreeSet<String>);

/// Why an org-id list table could not be read. Line numbers count from 1, the header included.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SchemeListError {
    #[error("the org-id list table is empty")]
    Empty,
    #[error("the org-id list table has no `{0}` column")]
    MissingColumn(&'static str),
    #[error("line {line}: a quoted field is not closed")]
    UnterminatedQuote { line: usize },
    #[error("line {line}: {code} is not an org-id list code")]
    InvalidCode { line: usize, code: String },
    #[error("line {line}: {value} in column `deprecated` is neither True nor False")]
    InvalidFlag { line: usize, value: String },
    #[error("the org-id list table has no code that is not deprecated")]
    NoCodes,
}

impl SchemeList {
    /// The given codes, trimmed; blank ones are skipped.
    pub fn from_codes<I, S>(codes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let codes = codes
            .into_iter()
            .map(|code| code.as_ref().trim().to_owned())
            .filter(|code| !code.is_empty());
        Self(codes.collect())
    }

    /// [`FALLBACK_SCHEMES`].
    pub fn fallback() -> Self {
        Self::from_codes(FALLBACK_SCHEMES)
    }

    /// Reads the org-id.guide table of lists: CSV with a header row naming at least the columns
    /// `code` and `deprecated` (any order, any case; others such as `coverage`, `name` and
    /// `confirmed` are ignored). Keeps every code whose `deprecated` is not true: an
    /// unconfirmed list (blank `confirmed`) is still a list org-id.guide publishes, and
    /// refusing it would turn real identifiers away, while a deprecated list has a successor
    /// that new data should use. A malformed file is an error, not a shorter list, so that a
    /// wrong file is noticed at start-up.
    pub fn parse_org_id_csv(csv: &str) -> Result<Self, SchemeListError> {
        let records = csv_records(csv)?;
        let mut rows = records.iter();
        let (_, header) = rows.next().ok_or(SchemeListError::Empty)?;
        let code_col = column(header, "code")?;
        let deprecated_col = column(header, "deprecated")?;
        let mut codes = BTreeSet::new();
        for (line, fields) in rows {
            let code = fields.get(code_col).map_or("", |c| c.trim());
            if !is_list_code(code) {
                let code = shown(code);
                return Err(SchemeListError::InvalidCode { line: *line, code });
            }
            let flag = fields.get(deprecated_col).map_or("", |f| f.trim());
            if !parse_flag(flag, *line)? {
                codes.insert(code.to_owned());
            }
        }
        if codes.is_empty() {
            return Err(SchemeListError::NoCodes);
        }
        Ok(Self(codes))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The codes, sorted.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl OrgIdSchemes for SchemeList {
    fn is_known(&self, scheme: &str) -> bool {
        self.0.contains(scheme)
    }
}

/// The index of the column named `name` (ignoring case and spaces) in the header.
fn column(header: &[String], name: &'static str) -> Result<usize, SchemeListError> {
    header
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case(name))
        .ok_or(SchemeListError::MissingColumn(name))
}

/// The shape of an org-id list code: upper-case ASCII letters, digits, `-` and `_`
/// (`BE-BCE_KBO`, `CA_MB-MTB`), with a hyphen after the jurisdiction.
fn is_list_code(code: &str) -> bool {
    (3..=32).contains(&code.len())
        && code.contains('-')
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// `True` or `False` in any case; blank means false (the register leaves it out when unset).
fn parse_flag(value: &str, line: usize) -> Result<bool, SchemeListError> {
    if value.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if value.is_empty() || value.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        let value = shown(value);
        Err(SchemeListError::InvalidFlag { line, value })
    }
}

/// Splits CSV text (RFC 4180) into records, each with the line it starts on. Commas separate
/// fields; a field that starts with a double quote runs to the next lone quote and may hold
/// commas, line breaks and doubled quotes; CRLF and LF both end a record; a leading byte-order
/// mark and blank lines are skipped.
fn csv_records(text: &str) -> Result<Vec<(usize, Vec<String>)>, SchemeListError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let (mut line, mut record_line) = (1, 1);
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, _) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                push_record(&mut records, record_line, std::mem::take(&mut record));
                record_line = line;
            }
            (false, _) => field.push(c),
        }
    }
    if quoted {
        return Err(SchemeListError::UnterminatedQuote { line: record_line });
    }
    record.push(field);
    push_record(&mut records, record_line, record);
    Ok(records)
}

/// Adds a record unless it is a blank line.
fn push_record(records: &mut Vec<(usize, Vec<String>)>, line: usize, record: Vec<String>) {
    let blank = record.iter().all(|f| f.trim().is_empty());
    if !blank {
        records.push((line, record));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn errors_of(v: &Validator) -> Vec<(&str, &'static str)> {
        v.errors()
            .iter()
            .map(|e| (e.field.as_str(), e.code.code()))
            .collect()
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn owned(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn id(scheme: &str, value: &str) -> LegalIdentifier {
        LegalIdentifier {
            scheme: scheme.to_owned(),
            value: value.to_owned(),
        }
    }

    // --- codes and the validator itself ---

    #[test]
    fn error_codes_are_stable_screaming_snake_and_round_trip() {
        let expected = [
            "REQUIRED",
            "TOO_LONG",
            "TOO_SHORT",
            "INVALID_URL",
            "INVALID_EMAIL",
            "UNKNOWN_COUNTRY",
            "UNKNOWN_CURRENCY",
            "OUT_OF_RANGE",
            "START_AFTER_END",
            "NEGATIVE_AMOUNT",
            "UNKNOWN_CODE",
            "INVALID_IDENTIFIER",
            "DUPLICATE",
            "NOT_FOUND",
            "INVALID",
            "FORBIDDEN",
        ];
        let codes: Vec<_> = ErrorCode::ALL.iter().map(ErrorCode::code).collect();
        assert_eq!(codes, expected);
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_code(code.code()), Some(code));
            assert_eq!(code.to_string(), code.code());
        }
        assert_eq!(ErrorCode::from_code("required"), None);
    }

    #[test]
    fn validator_collects_every_problem_then_finishes() {
        let mut v = Validator::new();
        assert!(v.is_valid());
        v.required_text("name", " ", 10);
        v.url("website", Some("javascript:alert(1)"));
        v.country("country", Some("ZZ"));
        v.push("slug", ErrorCode::Duplicate, "is already taken");
        assert_eq!(
            errors_of(&v),
            [
                ("name", "REQUIRED"),
                ("website", "INVALID_URL"),
                ("country", "UNKNOWN_COUNTRY"),
                ("slug", "DUPLICATE"),
            ]
        );
        let errors = v.finish().unwrap_err();
        assert_eq!(errors.len(), 4);
        assert_eq!(errors[3].to_string(), "slug: is already taken (DUPLICATE)");
        assert_eq!(Validator::new().finish(), Ok(()));
    }

    // --- text ---

    #[test]
    fn required_text_trims_and_requires() {
        let mut v = Validator::new();
        assert_eq!(
            v.required_text("name", "  Waag  ", 10).as_deref(),
            Some("Waag")
        );
        assert_eq!(v.required_text("title", " \n\t ", 10), None);
        assert_eq!(v.required_text("empty", "", 10), None);
        assert_eq!(
            errors_of(&v),
            [("title", "REQUIRED"), ("empty", "REQUIRED")]
        );
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let mut v = Validator::new();
        // 5 characters, 10 bytes.
        assert_eq!(v.required_text("a", "ééééé", 5).as_deref(), Some("ééééé"));
        // 3 characters, 12 bytes.
        assert_eq!(v.required_text("b", "😀😀😀", 3).as_deref(), Some("😀😀😀"));
        assert_eq!(v.required_text("c", "ééééé", 4), None);
        assert_eq!(v.required_text("d", "abcdef", 5), None);
        assert_eq!(errors_of(&v), [("c", "TOO_LONG"), ("d", "TOO_LONG")]);
        assert_eq!(v.errors()[0].message, "must be at most 4 characters long");
    }

    #[test]
    fn ten_megabyte_string_is_too_long_quickly_and_not_echoed() {
        let huge = "é".repeat(5 * 1024 * 1024); // 10 MB
        let mut v = Validator::new();
        assert_eq!(v.required_text("description", &huge, 10_000), None);
        assert_eq!(v.optional_text("summary", Some(&huge), 280), None);
        assert_eq!(v.url("website", Some(&huge)), None);
        assert_eq!(v.slug("slug", &huge), None);
        assert_eq!(v.country("country", Some(&huge)), None);
        assert_eq!(
            errors_of(&v),
            [
                ("description", "TOO_LONG"),
                ("summary", "TOO_LONG"),
                ("website", "TOO_LONG"),
                ("slug", "TOO_LONG"),
                ("country", "UNKNOWN_COUNTRY"),
            ]
        );
        assert!(v.errors().iter().all(|e| e.message.len() < 200));
        // Just over the limit in bytes but not in characters still counts characters.
        let mut v = Validator::new();
        let text = "é".repeat(10_000);
        assert!(v.required_text("d", &text, 10_000).is_some());
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_kept() {
        let mut v = Validator::new();
        let text = "line one\r\n\tline two";
        assert_eq!(v.required_text("a", text, 100).as_deref(), Some(text));
        assert_eq!(v.required_text("b", "nul\0byte", 100), None);
        assert_eq!(v.optional_text("c", Some("bell\u{7}"), 100), None);
        assert_eq!(errors_of(&v), [("b", "INVALID"), ("c", "INVALID")]);
    }

    #[test]
    fn optional_text_turns_blank_into_none() {
        let mut v = Validator::new();
        assert_eq!(v.optional_text("a", None, 10), None);
        assert_eq!(v.optional_text("b", Some("   "), 10), None);
        assert_eq!(
            v.optional_text("c", Some(" ok "), 10).as_deref(),
            Some("ok")
        );
        assert_eq!(v.optional_text("d", Some("much too long"), 5), None);
        assert_eq!(errors_of(&v), [("d", "TOO_LONG")]);
    }

    // --- URLs ---

    #[test]
    fn urls_accepted() {
        for url in [
            "https://example.org",
            "http://example.org/",
            "HTTPS://Example.org",
            "https://www.nesta.org.uk/project/dsi?x=1&y=2#top",
            "https://fablabbcn.org:8443/path",
            "https://digitalsocial.eu/organisation/12/waag-society",
            "https://münchen.de/stadt",
            "https://example.xn--p1ai/",
            "https://sub-domain.example.co/é",
        ] {
            let mut v = Validator::new();
            assert_eq!(v.url("website", Some(url)).as_deref(), Some(url), "{url}");
            assert!(v.is_valid(), "{url}: {:?}", v.errors());
        }
        let mut v = Validator::new();
        assert_eq!(
            v.url("website", Some("  https://example.org/a  "))
                .as_deref(),
            Some("https://example.org/a")
        );
        assert_eq!(v.url("website", None), None);
        assert_eq!(v.url("website", Some("  ")), None);
        assert!(v.is_valid());
    }

    #[test]
    fn urls_refused() {
        for url in [
            "javascript:alert(1)",
            "JAVASCRIPT://example.org/%0aalert(1)",
            "ftp://example.org/file",
            "mailto:someone@example.org",
            "data:text/html,hi",
            "//example.org",
            "example.org",
            "https://",
            "https:///path",
            "http://localhost:8080/",
            "http://intranet/",
            "http://127.0.0.1/",
            "http://[::1]/",
            "https://example.org./",
            "https://example..org/",
            "https://-example.org/",
            "https://example-.org/",
            "https://example.o/",
            "https://example.123/",
            "https://exa_mple.org/",
            "https://user:pass@example.org/",
            "https://good.org@evil.example/",
            "https://example.org:0/",
            "https://example.org:99999/",
            "https://example.org:/",
            "https://example.org:80a/",
            "https://exa mple.org/",
            "https://example.org/a b",
            "https://example.org/\u{0}",
            "https://evil.example\\@good.org/",
        ] {
            let mut v = Validator::new();
            assert_eq!(v.url("website", Some(url)), None, "{url}");
            assert_eq!(errors_of(&v), [("website", "INVALID_URL")], "{url}");
        }
        let mut v = Validator::new();
        let long = format!("https://example.org/{}", "a".repeat(MAX_URL_CHARS));
        assert_eq!(v.url("website", Some(&long)), None);
        assert_eq!(errors_of(&v), [("website", "TOO_LONG")]);
        let exactly = format!("https://example.org/{}", "a".repeat(MAX_URL_CHARS - 20));
        assert!(v.url("logoUrl", Some(&exactly)).is_some());
    }

    #[test]
    fn endpoint_urls_may_name_private_hosts_only_when_allowed() {
        for url in [
            "http://127.0.0.1:8080/hook",
            "http://localhost/hook",
            "https://[::1]:8443/",
            "http://[::1]/",
            "http://hooks/x",
        ] {
            let mut v = Validator::new();
            assert_eq!(v.endpoint_url("url", url, true).as_deref(), Some(url));
            assert!(v.is_valid(), "{url}: {:?}", v.errors());
            assert_eq!(v.endpoint_url("url", url, false), None, "{url}");
        }
        for url in [
            "ftp://127.0.0.1/",
            "http://[nope]/",
            "http://a..b/",
            "http://u@h/",
        ] {
            let mut v = Validator::new();
            assert_eq!(v.endpoint_url("url", url, true), None, "{url}");
            assert_eq!(errors_of(&v), [("url", "INVALID_URL")], "{url}");
        }
        let mut v = Validator::new();
        assert_eq!(v.endpoint_url("url", " ", true), None);
        assert_eq!(errors_of(&v), [("url", "REQUIRED")]);
        let mut v = Validator::new();
        let public = "https://hooks.example.org/panorama";
        assert_eq!(
            v.endpoint_url("url", public, false).as_deref(),
            Some(public)
        );
    }

    #[test]
    fn url_lists_report_indices_and_drop_repeats() {
        let mut v = Validator::new();
        let links = owned(&["https://a.org", "ftp://b.org", "https://a.org", " "]);
        assert_eq!(v.urls("otherLinks", &links), ["https://a.org"]);
        assert_eq!(
            errors_of(&v),
            [
                ("otherLinks[1]", "INVALID_URL"),
                ("otherLinks[3]", "REQUIRED")
            ]
        );
    }

    #[test]
    fn long_lists_keep_every_distinct_value() {
        let links: Vec<String> = (0..100_000)
            .map(|i| format!("https://example.org/{i}"))
            .collect();
        let mut v = Validator::new();
        assert_eq!(v.urls("otherLinks", &links).len(), links.len());
        assert!(v.is_valid());
    }

    #[test]
    fn url_host_is_lower_case_without_port() {
        assert_eq!(
            url_host("HTTPS://WWW.Nesta.org.uk:443/x?y").as_deref(),
            Some("www.nesta.org.uk")
        );
        assert_eq!(url_host("http://waag.org#a").as_deref(), Some("waag.org"));
        assert_eq!(url_host("ftp://waag.org"), None);
    }

    // --- e-mail ---

    #[test]
    fn emails_accepted() {
        for email in [
            "info@waag.org",
            "first.last+tag@sub.example.co.uk",
            "o'brien@example.ie",
            "x@example-domain.org",
            "josé@exemple.fr",
            "info@münchen.de",
            "用户@例子.广告",
        ] {
            let mut v = Validator::new();
            assert_eq!(
                v.email("email", Some(email)).as_deref(),
                Some(email),
                "{email}"
            );
            assert!(v.is_valid(), "{email}: {:?}", v.errors());
        }
        let mut v = Validator::new();
        assert_eq!(
            v.email("email", Some(" a@b.org ")).as_deref(),
            Some("a@b.org")
        );
        assert_eq!(v.email("email", None), None);
        assert!(v.is_valid());
    }

    #[test]
    fn emails_refused() {
        let local_65 = format!("{}@example.org", "a".repeat(65));
        for email in [
            "plainaddress",
            "@example.org",
            "a@@example.org",
            "a@b@example.org",
            "a@localhost",
            "a@example",
            "a@-example.org",
            "a@example-.org",
            "a@exa_mple.org",
            "a@example..org",
            "a@127.0.0.1",
            ".a@example.org",
            "a.@example.org",
            "a..b@example.org",
            "a b@example.org",
            "a\"b@example.org",
            "a@example.org\u{0}",
            "a€@example.org",
            local_65.as_str(),
        ] {
            let mut v = Validator::new();
            assert_eq!(v.email("email", Some(email)), None, "{email}");
            assert_eq!(errors_of(&v), [("email", "INVALID_EMAIL")], "{email}");
        }
        let mut v = Validator::new();
        let local_64 = format!("{}@example.org", "a".repeat(64));
        assert!(v.email("email", Some(&local_64)).is_some());
        let long = format!("a@{}.org", "b".repeat(60).repeat(5));
        assert_eq!(v.email("email", Some(&long)), None);
        assert_eq!(errors_of(&v), [("email", "TOO_LONG")]);
    }

    // --- countries and currencies ---

    #[test]
    fn countries_in_any_case_come_back_upper_case() {
        let mut v = Validator::new();
        assert_eq!(v.country("country", Some("fr")).as_deref(), Some("FR"));
        assert_eq!(v.country("country", Some(" Gb ")).as_deref(), Some("GB"));
        assert_eq!(v.country("country", None), None);
        assert_eq!(v.country("country", Some("")), None);
        assert!(v.is_valid());
        assert_eq!(v.country("a", Some("UK")), None);
        assert_eq!(v.country("b", Some("FRA")), None);
        assert_eq!(v.country("c", Some("France")), None);
        assert_eq!(
            errors_of(&v),
            [
                ("a", "UNKNOWN_COUNTRY"),
                ("b", "UNKNOWN_COUNTRY"),
                ("c", "UNKNOWN_COUNTRY")
            ]
        );
        assert!(v.errors()[0].message.contains("`UK`"));
    }

    #[test]
    fn country_lists_report_indices_and_drop_repeats() {
        let mut v = Validator::new();
        let codes = owned(&["de", "XX", "DE", "nl"]);
        assert_eq!(v.countries("countries", &codes), ["DE", "NL"]);
        assert_eq!(errors_of(&v), [("countries[1]", "UNKNOWN_COUNTRY")]);
    }

    #[test]
    fn currencies() {
        let mut v = Validator::new();
        assert_eq!(v.currency("currency", "GBP").as_deref(), Some("GBP"));
        assert_eq!(v.currency("currency", " eur ").as_deref(), Some("EUR"));
        assert!(v.is_valid());
        assert_eq!(v.currency("a", ""), None);
        assert_eq!(v.currency("b", "XXX"), None);
        assert_eq!(v.currency("c", "€"), None);
        assert_eq!(v.currency("d", "HRK"), None);
        assert_eq!(
            errors_of(&v),
            [
                ("a", "REQUIRED"),
                ("b", "UNKNOWN_CURRENCY"),
                ("c", "UNKNOWN_CURRENCY"),
                ("d", "UNKNOWN_CURRENCY")
            ]
        );
    }

    // --- coordinates ---

    #[test]
    fn coordinates_within_range_make_a_point() {
        let mut v = Validator::new();
        let point = v.coordinates("", Some(52.3676), Some(4.9041)).unwrap();
        assert_eq!((point.latitude, point.longitude), (52.3676, 4.9041));
        assert!(v.coordinates("", Some(90.0), Some(180.0)).is_some());
        assert!(v.coordinates("", Some(-90.0), Some(-180.0)).is_some());
        assert_eq!(v.coordinates("", None, None), None);
        assert!(v.is_valid());
    }

    #[test]
    fn coordinates_out_of_range_or_not_finite_are_refused() {
        let mut v = Validator::new();
        assert_eq!(v.coordinates("", Some(90.0001), Some(0.0)), None);
        assert_eq!(v.coordinates("place", Some(0.0), Some(-180.5)), None);
        assert_eq!(v.coordinates("", Some(f64::NAN), Some(f64::INFINITY)), None);
        assert_eq!(
            errors_of(&v),
            [
                ("latitude", "OUT_OF_RANGE"),
                ("place.longitude", "OUT_OF_RANGE"),
                ("latitude", "OUT_OF_RANGE"),
                ("longitude", "OUT_OF_RANGE"),
            ]
        );
    }

    #[test]
    fn one_coordinate_without_the_other_is_refused() {
        let mut v = Validator::new();
        assert_eq!(v.coordinates("", Some(48.85), None), None);
        assert_eq!(v.coordinates("location", None, Some(2.35)), None);
        assert_eq!(
            errors_of(&v),
            [("longitude", "REQUIRED"), ("location.latitude", "REQUIRED")]
        );
    }

    // --- ranges ---

    #[test]
    fn date_ranges() {
        let mut v = Validator::new();
        let (a, b) = (date(2017, 1, 1), date(2018, 6, 30));
        assert!(v.date_range("startDate", Some(a), "endDate", Some(b)));
        assert!(v.date_range("startDate", Some(a), "endDate", Some(a)));
        assert!(v.date_range("startDate", None, "endDate", Some(a)));
        assert!(v.date_range("startDate", Some(b), "endDate", None));
        assert!(v.is_valid());
        assert!(!v.date_range("plannedStart", Some(b), "plannedEnd", Some(a)));
        assert_eq!(errors_of(&v), [("plannedEnd", "START_AFTER_END")]);
        assert_eq!(v.errors()[0].message, "must not be before plannedStart");
    }

    #[test]
    fn datetime_ranges() {
        let mut v = Validator::new();
        let start = DateTime::parse_from_rfc3339("2026-03-01T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let end = start + chrono::Duration::hours(2);
        assert!(v.datetime_range("startsAt", Some(start), "endsAt", Some(end)));
        assert!(!v.datetime_range("startsAt", Some(end), "endsAt", Some(start)));
        assert_eq!(errors_of(&v), [("endsAt", "START_AFTER_END")]);
    }

    // --- amounts ---

    #[test]
    fn amounts_accepted() {
        let mut v = Validator::new();
        assert_eq!(v.amount("amountAwarded", dec("0")), Some(dec("0")));
        assert_eq!(
            v.amount("amountAwarded", dec("12500.50")),
            Some(dec("12500.50"))
        );
        assert_eq!(v.amount("a", dec("0.0001")), Some(dec("0.0001")));
        // Trailing zeros are not precision.
        assert_eq!(v.amount("a", dec("1.5000000")), Some(dec("1.5")));
        // Negative zero is zero, and comes back positive.
        let zero = v.amount("a", dec("-0.00")).unwrap();
        assert!(zero.is_zero() && !zero.is_sign_negative());
        assert_eq!(v.amount("a", MAX_AMOUNT), Some(MAX_AMOUNT));
        assert!(v.is_valid(), "{:?}", v.errors());
        assert_eq!(MAX_AMOUNT.to_string(), "92233720368547758.08");
    }

    #[test]
    fn amounts_refused() {
        let mut v = Validator::new();
        assert_eq!(v.amount("a", dec("-0.01")), None);
        assert_eq!(v.amount("b", dec("1.00001")), None);
        assert_eq!(v.amount("c", MAX_AMOUNT + dec("0.01")), None);
        assert_eq!(v.amount("d", Decimal::MAX), None);
        assert_eq!(v.amount("e", Decimal::MIN), None);
        assert_eq!(
            errors_of(&v),
            [
                ("a", "NEGATIVE_AMOUNT"),
                ("b", "INVALID"),
                ("c", "OUT_OF_RANGE"),
                ("d", "OUT_OF_RANGE"),
                ("e", "NEGATIVE_AMOUNT"),
            ]
        );
    }

    // --- taxonomy terms ---

    #[test]
    fn terms_are_known_codes() {
        let mut v = Validator::new();
        assert_eq!(
            v.term(
                "organisationType",
                Vocabulary::OrganisationType,
                " FOR_PROFIT "
            )
            .as_deref(),
            Some("FOR_PROFIT")
        );
        assert_eq!(
            v.term("size", Vocabulary::OrganisationSize, "SIZE_0_5")
                .as_deref(),
            Some("SIZE_0_5")
        );
        assert!(v.is_valid());
        assert_eq!(v.term("a", Vocabulary::Focus, "open_data"), None);
        assert_eq!(v.term("b", Vocabulary::Focus, "BIG_DATA"), None);
        assert_eq!(v.term("c", Vocabulary::Focus, ""), None);
        assert_eq!(
            errors_of(&v),
            [
                ("a", "UNKNOWN_CODE"),
                ("b", "UNKNOWN_CODE"),
                ("c", "REQUIRED")
            ]
        );
        assert_eq!(v.errors()[1].message, "`BIG_DATA` is not a FOCUS code");
    }

    #[test]
    fn term_lists_report_each_unknown_code_by_index_and_drop_repeats() {
        let mut v = Validator::new();
        let codes = owned(&[
            "OPEN_DATA",
            "OPEN_SPACE",
            "OPEN_HARDWARE",
            "OPEN_DATA",
            "NOPE",
        ]);
        assert_eq!(
            v.terms("focus", Vocabulary::Focus, &codes),
            ["OPEN_DATA", "OPEN_HARDWARE"]
        );
        assert_eq!(
            errors_of(&v),
            [("focus[1]", "UNKNOWN_CODE"), ("focus[4]", "UNKNOWN_CODE")]
        );
        assert!(
            v.terms("technologies", Vocabulary::Technology, &[])
                .is_empty()
        );
    }

    // --- legal identifiers ---

    #[test]
    fn legal_identifiers_accepted() {
        let schemes = SchemeList::fallback();
        let mut v = Validator::new();
        let found = v.legal_identifier(
            "legalIdentifiers[0]",
            &id(" GB-CHC ", " 1164883 "),
            &schemes,
        );
        assert_eq!(found, Some(id("GB-CHC", "1164883")));
        assert!(
            v.legal_identifier("x", &id("BE-BCE_KBO", "0403.170.701"), &schemes)
                .is_some()
        );
        assert!(
            v.legal_identifier("x", &id("XI-WIKIDATA", "Q42"), &schemes)
                .is_some()
        );
        // An identifier may itself contain hyphens.
        assert!(
            v.legal_identifier("x", &id("XI-ROR", "05-abc"), &schemes)
                .is_some()
        );
        assert!(v.is_valid(), "{:?}", v.errors());
    }

    #[test]
    fn legal_identifiers_refused() {
        let schemes = SchemeList::fallback();
        let mut v = Validator::new();
        let cases = [
            id("gb-chc", "1164883"),
            id("GB-XYZ", "1"),
            id("", "1"),
            id("FR-RCS", "  "),
            id("FR-RCS", "552 100 554"),
            id("FR-RCS", &"1".repeat(MAX_IDENTIFIER_CHARS + 1)),
            id("GB-CHC", "GB-CHC-1164883"),
            id("NOPE", ""),
        ];
        for (index, identifier) in cases.iter().enumerate() {
            let field = format!("legalIdentifiers[{index}]");
            assert_eq!(v.legal_identifier(&field, identifier, &schemes), None);
        }
        assert_eq!(
            errors_of(&v),
            [
                ("legalIdentifiers[0].scheme", "UNKNOWN_CODE"),
                ("legalIdentifiers[1].scheme", "UNKNOWN_CODE"),
                ("legalIdentifiers[2].scheme", "REQUIRED"),
                ("legalIdentifiers[3].value", "REQUIRED"),
                ("legalIdentifiers[4].value", "INVALID_IDENTIFIER"),
                ("legalIdentifiers[5].value", "TOO_LONG"),
                ("legalIdentifiers[6].value", "INVALID_IDENTIFIER"),
                ("legalIdentifiers[7].scheme", "UNKNOWN_CODE"),
                ("legalIdentifiers[7].value", "REQUIRED"),
            ]
        );
        assert!(v.errors()[0].message.contains("did you mean `GB-CHC`?"));
    }

    #[test]
    fn legal_identifier_lists_index_and_drop_repeats() {
        let schemes = SchemeList::from_codes(["GB-CHC", "GB-COH"]);
        let mut v = Validator::new();
        let ids = [
            id("GB-CHC", "1"),
            id("XX-NO", "2"),
            id("GB-CHC", " 1"),
            id("GB-COH", "3"),
        ];
        let kept = v.legal_identifiers("legalIdentifiers", &ids, &schemes);
        assert_eq!(kept, [id("GB-CHC", "1"), id("GB-COH", "3")]);
        assert_eq!(
            errors_of(&v),
            [("legalIdentifiers[1].scheme", "UNKNOWN_CODE")]
        );
    }

    // --- slugs ---

    #[test]
    fn slugs() {
        let mut v = Validator::new();
        assert_eq!(
            v.slug("slug", "fab-lab-barcelona").as_deref(),
            Some("fab-lab-barcelona")
        );
        assert_eq!(v.slug("slug", "a").as_deref(), Some("a"));
        assert_eq!(v.slug("slug", "2017").as_deref(), Some("2017"));
        assert!(v.slug("slug", &"a".repeat(MAX_SLUG_CHARS)).is_some());
        assert!(v.is_valid());
        for bad in [
            "Fab-Lab", "-fab", "fab-", "fab--lab", "fab lab", "fab_lab", "café", "a/b",
        ] {
            let mut v = Validator::new();
            assert_eq!(v.slug("slug", bad), None, "{bad}");
            assert_eq!(errors_of(&v), [("slug", "INVALID")], "{bad}");
        }
        let mut v = Validator::new();
        v.slug("slug", "");
        v.slug("slug", &"a".repeat(MAX_SLUG_CHARS + 1));
        assert_eq!(errors_of(&v), [("slug", "REQUIRED"), ("slug", "TOO_LONG")]);
    }

    #[test]
    fn slugify_output_passes_the_slug_check() {
        let mut v = Validator::new();
        for name in [
            "Fab Lab Barcelona",
            "Économie Sociale & Solidaire",
            "!!!",
            "東京",
            &"x y ".repeat(50),
        ] {
            let slug = crate::text::slugify(name);
            assert!(v.slug("slug", &slug).is_some(), "{name} -> {slug}");
        }
    }

    // --- scheme lists ---

    const SAMPLE_CSV: &str = "\u{feff}code,coverage,name,confirmed,deprecated\r\n\
        GB-CHC,GB,Charity Commission,True,False\r\n\
        FR-INSEE,FR,\"The National Institute, of Statistics\",True,True\r\n\
        AT-CR,AT,\"Federal Ministry of Justice, \"\"Company\"\" Register\",,\r\n\
        \r\n\
        BE-BCE_KBO,BE,\"Crossroads Bank\nfor Enterprises\",True,false\r\n\
        XI-IATI,,IATI,True\r\n";

    #[test]
    fn org_id_csv_keeps_codes_that_are_not_deprecated() {
        let list = SchemeList::parse_org_id_csv(SAMPLE_CSV).unwrap();
        assert_eq!(
            list.codes().collect::<Vec<_>>(),
            ["AT-CR", "BE-BCE_KBO", "GB-CHC", "XI-IATI"]
        );
        assert!(list.is_known("GB-CHC"));
        assert!(!list.is_known("FR-INSEE"));
        assert!(!list.is_known("gb-chc"));
        assert!(!list.is_known(" GB-CHC"));
    }

    #[test]
    fn org_id_csv_columns_are_found_by_name() {
        let csv = "Deprecated,Name,Code\nTrue,Old,XX-OLD\n,New,XX-NEW";
        let list = SchemeList::parse_org_id_csv(csv).unwrap();
        assert_eq!(list.codes().collect::<Vec<_>>(), ["XX-NEW"]);
    }

    #[test]
    fn malformed_org_id_csv_is_an_error() {
        let parse = SchemeList::parse_org_id_csv;
        assert_eq!(parse(""), Err(SchemeListError::Empty));
        assert_eq!(parse("\n\n"), Err(SchemeListError::Empty));
        assert_eq!(
            parse("code,name\nGB-CHC,x"),
            Err(SchemeListError::MissingColumn("deprecated"))
        );
        assert_eq!(
            parse("list,deprecated\nGB-CHC,False"),
            Err(SchemeListError::MissingColumn("code"))
        );
        assert_eq!(
            parse("code,name,deprecated\nGB-CHC,\"open,False\n"),
            Err(SchemeListError::UnterminatedQuote { line: 2 })
        );
        assert_eq!(
            parse("code,deprecated\nGB-CHC,False\ngb chc,False"),
            Err(SchemeListError::InvalidCode {
                line: 3,
                code: "`gb chc`".into()
            })
        );
        assert_eq!(
            parse("code,deprecated\nGB-CHC,maybe"),
            Err(SchemeListError::InvalidFlag {
                line: 2,
                value: "`maybe`".into()
            })
        );
        assert_eq!(
            parse("code,deprecated\nGB-CHC,True"),
            Err(SchemeListError::NoCodes)
        );
        assert_eq!(parse("code,deprecated\n"), Err(SchemeListError::NoCodes));
    }

    #[test]
    fn from_codes_trims_and_skips_blanks() {
        let list = SchemeList::from_codes([" GB-CHC ", "", "FR-RCS", "FR-RCS"]);
        assert_eq!(list.len(), 2);
        assert!(list.is_known("GB-CHC"));
        assert!(SchemeList::default().is_empty());
    }

    #[test]
    fn fallback_codes_are_sorted_unique_and_well_formed() {
        for pair in FALLBACK_SCHEMES.windows(2) {
            assert!(pair[0] < pair[1], "{} before {}", pair[0], pair[1]);
        }
        assert!(FALLBACK_SCHEMES.iter().all(|code| is_list_code(code)));
        let fallback = SchemeList::fallback();
        assert_eq!(fallback.len(), FALLBACK_SCHEMES.len());
        for code in [
            "GB-CHC",
            "FR-RCS",
            "XI-WIKIDATA",
            "BE-BCE_KBO",
            "XE-EXAMPLE",
        ] {
            assert!(fallback.is_known(code), "{code}");
        }
    }

    /// Reads the real org-id.guide table from `../shared` when it is there; the project does
    /// not ship it.
    #[test]
    fn real_org_id_lists_file() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/org-id/org-id-lists.csv");
        let Ok(csv) = std::fs::read_to_string(&path) else {
            println!("skipped: {} not found", path.display());
            return;
        };
        let list = SchemeList::parse_org_id_csv(&csv).unwrap();
        for code in [
            "GB-CHC",
            "FR-RCS",
            "XI-WIKIDATA",
            "BE-BCE_KBO",
            "XE-EXAMPLE",
        ] {
            assert!(list.is_known(code), "{code}");
        }
        // Deprecated in the register.
        for code in ["FR-INSEE", "XI-GRID", "IT-RI", "IT-CR"] {
            assert!(!list.is_known(code), "{code}");
        }
        for code in FALLBACK_SCHEMES {
            assert!(
                list.is_known(code),
                "fallback {code} is not a current list code"
            );
        }
        // 823 lists, of which 22 deprecated.
        assert!((700..=823).contains(&list.len()), "{}", list.len());
    }
}
