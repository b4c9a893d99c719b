//! Open-data exports: every published organisation and project as JSON Lines and CSV, with a
//! Frictionless `datapackage.json` that names the licence and the generation time. One
//! exporter serves the HTTP routes (`/export/…`) and `panorama export` alike.
//!
//! Memory stays constant whatever the size of the registry: records are read a page at a time
//! (keyset by id) as the output is written, and a page is rendered into one chunk before the
//! next is read.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use panorama_domain::taxonomy::TermCode;
use panorama_domain::{
    Classification, LegalIdentifier, Organisation, ParticipationRole, Place, Project,
};
use panorama_persistence::export::ProjectWithParticipants;
use panorama_persistence::{Store, StoreError};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use self::FieldType::{Date, Integer, Number, Text, Timestamp};
use crate::ids::{Kind, encode};
use crate::router::AppState;

/// How many records are read from the database at a time unless configured otherwise.
pub const DEFAULT_PAGE_SIZE: u32 = 500;

/// The licence the exports are published under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Licence {
    /// The SPDX identifier, e.g. `CC-BY-4.0`.
    pub name: String,
    pub title: String,
    /// Where its text is.
    pub url: String,
}

/// Licences whose title and text Panorama knows, so that naming one is enough.
const KNOWN_LICENCES: &[(&str, &str, &str)] = &[
    (
        "CC-BY-4.0",
        "Creative Commons Attribution 4.0 International",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    (
        "CC-BY-SA-4.0",
        "Creative Commons Attribution-ShareAlike 4.0 International",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    (
        "CC-BY-NC-4.0",
        "Creative Commons Attribution-NonCommercial 4.0 International",
        "https://creativecommons.org/licenses/by-nc/4.0/",
    ),
    (
        "CC-BY-NC-SA-4.0",
        "Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International",
        "https://creativecommons.org/licenses/by-nc-sa/4.0/",
    ),
    (
        "CC0-1.0",
        "Creative Commons Zero v1.0 Universal",
        "https://creativecommons.org/publicdomain/zero/1.0/",
    ),
    (
        "ODbL-1.0",
        "Open Data Commons Open Database License v1.0",
        "https://opendatacommons.org/licenses/odbl/1-0/",
    ),
    (
        "ODC-By-1.0",
        "Open Data Commons Attribution License v1.0",
        "https://opendatacommons.org/licenses/by/1-0/",
    ),
    (
        "PDDL-1.0",
        "Open Data Commons Public Domain Dedication & License 1.0",
        "https://opendatacommons.org/licenses/pddl/1-0/",
    ),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LicenceError {
    #[error("the export licence must be named (an SPDX identifier such as CC-BY-4.0)")]
    Empty,
    #[error(
        "the export licence `{0}` is not one Panorama knows the text of: give its address as well"
    )]
    UnknownWithoutUrl(String),
    #[error("the export licence's address `{0}` is not an http(s) URL")]
    BadUrl(String),
    #[error("the export licence `{0}` has characters that cannot go in an HTTP header")]
    BadName(String),
}

impl Licence {
    /// The licence named `name` (an SPDX identifier), with its text at `url`; the address may
    /// be left out for the licences Panorama knows.
    pub fn resolve(name: &str, url: Option<&str>) -> Result<Self, LicenceError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(LicenceError::Empty);
        }
        if !is_header_text(name) {
            return Err(LicenceError::BadName(name.to_owned()));
        }
        let known = KNOWN_LICENCES
            .iter()
            .find(|(id, _, _)| id.eq_ignore_ascii_case(name));
        let url = match (url.map(str::trim).filter(|u| !u.is_empty()), known) {
            (Some(url), _) => url.to_owned(),
            (None, Some((_, _, url))) => (*url).to_owned(),
            (None, None) => return Err(LicenceError::UnknownWithoutUrl(name.to_owned())),
        };
        let is_http = url.starts_with("https://") || url.starts_with("http://");
        // The address goes between `<` and `>` in a Link header.
        if !is_http || !is_header_text(&url) || url.contains(['<', '>', ' ', '"']) {
            return Err(LicenceError::BadUrl(url));
        }
        Ok(match known {
            Some((id, title, _)) => Self {
                name: (*id).to_owned(),
                title: (*title).to_owned(),
                url,
            },
            None => Self {
                name: name.to_owned(),
                title: name.to_owned(),
                url,
            },
        })
    }
}

fn is_header_text(text: &str) -> bool {
    text.bytes().all(|b| (0x20..0x7f).contains(&b))
}

impl Default for Licence {
    fn default() -> Self {
        let (name, title, url) = KNOWN_LICENCES[0];
        Self {
            name: name.to_owned(),
            title: title.to_owned(),
            url: url.to_owned(),
        }
    }
}

/// How exports are made.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub licence: Arc<Licence>,
    /// Records read from the database at a time: the memory an export holds.
    pub page_size: u32,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            licence: Arc::new(Licence::default()),
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dataset {
    Organisations,
    Projects,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    JsonLines,
    Csv,
}

/// One of the exported files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportFile {
    pub dataset: Dataset,
    pub format: Format,
}

impl ExportFile {
    pub const ALL: [ExportFile; 4] = [
        Self::new(Dataset::Organisations, Format::JsonLines),
        Self::new(Dataset::Organisations, Format::Csv),
        Self::new(Dataset::Projects, Format::JsonLines),
        Self::new(Dataset::Projects, Format::Csv),
    ];

    pub const fn new(dataset: Dataset, format: Format) -> Self {
        Self { dataset, format }
    }

    pub fn file_name(self) -> &'static str {
        match (self.dataset, self.format) {
            (Dataset::Organisations, Format::JsonLines) => "organisations.jsonl",
            (Dataset::Organisations, Format::Csv) => "organisations.csv",
            (Dataset::Projects, Format::JsonLines) => "projects.jsonl",
            (Dataset::Projects, Format::Csv) => "projects.csv",
        }
    }

    /// The media type, as sent in `Content-Type` and named in `datapackage.json`.
    pub fn media_type(self) -> &'static str {
        match self.format {
            Format::JsonLines => "application/x-ndjson",
            Format::Csv => "text/csv",
        }
    }

    fn content_type(self) -> &'static str {
        match self.format {
            Format::JsonLines => "application/x-ndjson; charset=utf-8",
            Format::Csv => "text/csv; charset=utf-8; header=present",
        }
    }

    fn resource_name(self) -> String {
        self.file_name().replace('.', "-")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing CSV: {0}")]
    Io(#[from] std::io::Error),
}

/// A part of an exported file: the rendering of one page of records.
#[derive(Debug)]
pub struct Chunk {
    pub bytes: Vec<u8>,
    /// How many records it holds.
    pub records: usize,
}

/// The content of `file` as a stream of chunks, reading `page_size` published records at a
/// time as the stream is polled. A CSV file starts with its header row, even when empty.
pub fn chunks(
    store: Store,
    file: ExportFile,
    page_size: u32,
) -> BoxStream<'static, Result<Chunk, ExportError>> {
    match file.dataset {
        Dataset::Organisations => pages::<Organisation>(store, file.format, page_size).boxed(),
        Dataset::Projects => {
            pages::<ProjectWithParticipants>(store, file.format, page_size).boxed()
        }
    }
}

/// Where the next page starts.
enum Next {
    Start,
    After(Uuid),
    Done,
}

fn pages<T: Exported>(
    store: Store,
    format: Format,
    page_size: u32,
) -> impl futures_util::Stream<Item = Result<Chunk, ExportError>> + Send + 'static {
    let limit = page_size.max(1);
    stream::try_unfold(Next::Start, move |next| {
        let store = store.clone();
        async move {
            let after = match next {
                Next::Start => None,
                Next::After(id) => Some(id),
                Next::Done => return Ok(None),
            };
            let records = T::fetch(&store, after, u64::from(limit)).await?;
            let next = match records.last() {
                Some(last) if records.len() >= limit as usize => Next::After(last.id()),
                _ => Next::Done,
            };
            if records.is_empty() && after.is_some() {
                return Ok(None);
            }
            let bytes = render(&records, format, after.is_none())?;
            let chunk = Chunk {
                bytes,
                records: records.len(),
            };
            Ok(Some((chunk, next)))
        }
    })
}

fn render<T: Exported>(records: &[T], format: Format, first: bool) -> Result<Vec<u8>, ExportError> {
    match format {
        Format::JsonLines => {
            let mut out = Vec::new();
            for record in records {
                record.write_json(&mut out)?;
                out.push(b'\n');
            }
            Ok(out)
        }
        Format::Csv => {
            let mut writer = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::new());
            if first {
                writer.write_record(T::COLUMNS.iter().map(|c| c.name))?;
            }
            for record in records {
                writer.write_record(T::COLUMNS.iter().map(|c| (c.value)(record)))?;
            }
            writer.into_inner().map_err(|e| e.into_error().into())
        }
    }
}

/// A kind of record that is exported: how to read a page of it and how to write it.
trait Exported: Sized + Send + Sync + 'static {
    /// The CSV columns, in order; also the schema in `datapackage.json`.
    const COLUMNS: &'static [Column<Self>];

    fn fetch(
        store: &Store,
        after: Option<Uuid>,
        limit: u64,
    ) -> impl Future<Output = Result<Vec<Self>, StoreError>> + Send;

    fn id(&self) -> Uuid;

    fn write_json(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error>;
}

/// A CSV column: its name, Table Schema type, meaning, and how a record fills it.
struct Column<T> {
    name: &'static str,
    kind: FieldType,
    description: &'static str,
    value: fn(&T) -> String,
}

const fn column<T>(
    name: &'static str,
    kind: FieldType,
    description: &'static str,
    value: fn(&T) -> String,
) -> Column<T> {
    Column {
        name,
        kind,
        description,
        value,
    }
}

#[derive(Debug, Clone, Copy)]
enum FieldType {
    Text,
    Integer,
    Number,
    Date,
    Timestamp,
}

impl FieldType {
    fn code(self) -> &'static str {
        match self {
            Self::Text => "string",
            Self::Integer => "integer",
            Self::Number => "number",
            Self::Date => "date",
            Self::Timestamp => "datetime",
        }
    }
}

/// Separates the items of a list in a CSV cell.
const LIST_SEPARATOR: char = ';';

fn text(value: Option<&str>) -> String {
    value.unwrap_or_default().to_owned()
}

/// The items of a list in one cell. An item holding the separator has it replaced by a comma,
/// so that splitting the cell gives the items back; JSON Lines keeps every value as it is.
fn list<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|item| item.as_ref().replace(LIST_SEPARATOR, ","))
        .collect::<Vec<_>>()
        .join(&LIST_SEPARATOR.to_string())
}

fn date(value: Option<NaiveDate>) -> String {
    value.map(|d| d.to_string()).unwrap_or_default()
}

fn time(value: DateTime<Utc>) -> String {
    value.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn latitude(place: &Place) -> String {
    place
        .point
        .map(|p| p.latitude.to_string())
        .unwrap_or_default()
}

fn longitude(place: &Place) -> String {
    place
        .point
        .map(|p| p.longitude.to_string())
        .unwrap_or_default()
}

fn global_id(kind: Kind, id: Uuid) -> String {
    encode(kind, id).0
}

const ID_DESCRIPTION: &str =
    "The record's global id, as in the GraphQL API (`node(id:)`) and its change feed";

/// An organisation as exported: its public fields only (no owner, source or author).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OrganisationLine<'a> {
    id: String,
    slug: &'a str,
    name: &'a str,
    short_description: Option<&'a str>,
    description: Option<&'a str>,
    website: Option<&'a str>,
    other_links: &'a [String],
    logo_url: Option<&'a str>,
    organisation_type: Option<&'a TermCode>,
    size: Option<&'a TermCode>,
    founded_on: Option<NaiveDate>,
    legal_identifiers: &'a [LegalIdentifier],
    place: &'a Place,
    #[serde(flatten)]
    classification: &'a Classification,
    roles: &'a [TermCode],
    network_memberships: &'a [String],
    tags: &'a [String],
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Exported for Organisation {
    const COLUMNS: &'static [Column<Self>] = &[
        column("id", Text, ID_DESCRIPTION, |o| {
            global_id(Kind::Organisation, o.meta.id)
        }),
        column("slug", Text, "Its name in addresses, unique", |o| {
            o.slug.clone()
        }),
        column("name", Text, "", |o| o.name.clone()),
        column("shortDescription", Text, "At most 280 characters", |o| {
            text(o.short_description.as_deref())
        }),
        column("description", Text, "", |o| text(o.description.as_deref())),
        column("website", Text, "", |o| text(o.website.as_deref())),
        column(
            "otherLinks",
            Text,
            "Other web addresses, separated by `;`",
            |o| list(&o.other_links),
        ),
        column("logoUrl", Text, "", |o| text(o.logo_url.as_deref())),
        column(
            "organisationType",
            Text,
            "A code of the ORGANISATION_TYPE taxonomy",
            |o| text(o.organisation_type.as_deref()),
        ),
        column(
            "size",
            Text,
            "A code of the ORGANISATION_SIZE taxonomy (people)",
            |o| text(o.size.as_deref()),
        ),
        column("foundedOn", Date, "", |o| date(o.founded_on)),
        column(
            "legalIdentifiers",
            Text,
            "Identifiers in official registers, as org-id.guide identifiers (list code, `-`, identifier), separated by `;`",
            |o| {
                list(
                    &o.legal_identifiers
                        .iter()
                        .map(LegalIdentifier::org_id)
                        .collect::<Vec<_>>(),
                )
            },
        ),
        column("address", Text, "", |o| text(o.place.address.as_deref())),
        column("city", Text, "", |o| text(o.place.city.as_deref())),
        column("region", Text, "", |o| text(o.place.region.as_deref())),
        column("country", Text, "ISO 3166-1 alpha-2 code", |o| {
            text(o.place.country.as_deref())
        }),
        column("latitude", Number, "WGS 84 degrees", |o| latitude(&o.place)),
        column("longitude", Number, "WGS 84 degrees", |o| {
            longitude(&o.place)
        }),
        column(
            "focus",
            Text,
            "Codes of the FOCUS taxonomy (DSI focus areas), separated by `;`",
            |o| list(&o.classification.focus),
        ),
        column(
            "technologies",
            Text,
            "Codes of the TECHNOLOGY taxonomy, separated by `;`",
            |o| list(&o.classification.technologies),
        ),
        column(
            "impactAreas",
            Text,
            "Codes of the IMPACT_AREA taxonomy, separated by `;`",
            |o| list(&o.classification.impact_areas),
        ),
        column(
            "roles",
            Text,
            "Codes of the ORGANISATION_ROLE taxonomy (roles in the ecosystem), separated by `;`",
            |o| list(&o.roles),
        ),
        column(
            "networkMemberships",
            Text,
            "Networks it belongs to, separated by `;`",
            |o| list(&o.network_memberships),
        ),
        column("tags", Text, "Free tags, separated by `;`", |o| {
            list(&o.tags)
        }),
        column("version", Integer, "Incremented on every change", |o| {
            o.meta.version.to_string()
        }),
        column("createdAt", Timestamp, "", |o| time(o.meta.created_at)),
        column("updatedAt", Timestamp, "", |o| time(o.meta.updated_at)),
    ];

    async fn fetch(
        store: &Store,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<Self>, StoreError> {
        store.published_organisations_after(after, limit).await
    }

    fn id(&self) -> Uuid {
        self.meta.id
    }

    fn write_json(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        let o = self;
        serde_json::to_writer(
            out,
            &OrganisationLine {
                id: global_id(Kind::Organisation, o.meta.id),
                slug: &o.slug,
                name: &o.name,
                short_description: o.short_description.as_deref(),
                description: o.description.as_deref(),
                website: o.website.as_deref(),
                other_links: &o.other_links,
                logo_url: o.logo_url.as_deref(),
                organisation_type: o.organisation_type.as_ref(),
                size: o.size.as_ref(),
                founded_on: o.founded_on,
                legal_identifiers: &o.legal_identifiers,
                place: &o.place,
                classification: &o.classification,
                roles: &o.roles,
                network_memberships: &o.network_memberships,
                tags: &o.tags,
                version: o.meta.version,
                created_at: o.meta.created_at,
                updated_at: o.meta.updated_at,
            },
        )
    }
}

/// A project as exported: its public fields and the published organisations taking part.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProjectLine<'a> {
    id: String,
    slug: &'a str,
    title: &'a str,
    short_description: Option<&'a str>,
    description: Option<&'a str>,
    social_impact: Option<&'a str>,
    website: Option<&'a str>,
    project_status: Option<&'static str>,
    start_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
    place: &'a Place,
    #[serde(flatten)]
    classification: &'a Classification,
    who_it_helps: &'a [String],
    participants: Vec<ParticipantLine>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ParticipantLine {
    organisation_id: String,
    role: &'static str,
}

/// The ids of the organisations that take part in a project in `role`, as one cell.
fn participants(p: &ProjectWithParticipants, role: ParticipationRole) -> String {
    let ids: Vec<String> = p
        .participants
        .iter()
        .filter(|x| x.role == role)
        .map(|x| global_id(Kind::Organisation, x.organisation_id))
        .collect();
    list(&ids)
}

/// The column of the organisations taking part in a role. The match is exhaustive, so a new
/// role cannot be left out of the CSV (a test checks that each has its column).
const fn role_column(role: ParticipationRole) -> &'static str {
    match role {
        ParticipationRole::Lead => "leadOrganisations",
        ParticipationRole::Partner => "partnerOrganisations",
        ParticipationRole::Funder => "funderOrganisations",
        ParticipationRole::CoFunder => "coFunderOrganisations",
        ParticipationRole::Supporter => "supporterOrganisations",
        ParticipationRole::Evaluator => "evaluatorOrganisations",
        ParticipationRole::Adviser => "adviserOrganisations",
    }
}

const PARTICIPANTS_DESCRIPTION: &str =
    "Ids of the organisations taking part in this role (see organisations.csv), separated by `;`";

macro_rules! role_column {
    ($role:ident) => {
        column(
            role_column(ParticipationRole::$role),
            Text,
            PARTICIPANTS_DESCRIPTION,
            |p| participants(p, ParticipationRole::$role),
        )
    };
}

impl Exported for ProjectWithParticipants {
    const COLUMNS: &'static [Column<Self>] = &[
        column("id", Text, ID_DESCRIPTION, |p| {
            global_id(Kind::Project, p.project.meta.id)
        }),
        column("slug", Text, "Its name in addresses, unique", |p| {
            p.project.slug.clone()
        }),
        column("title", Text, "", |p| p.project.title.clone()),
        column("shortDescription", Text, "At most 280 characters", |p| {
            text(p.project.short_description.as_deref())
        }),
        column("description", Text, "", |p| {
            text(p.project.description.as_deref())
        }),
        column("socialImpact", Text, "", |p| {
            text(p.project.social_impact.as_deref())
        }),
        column("website", Text, "", |p| text(p.project.website.as_deref())),
        column("projectStatus", Text, "PLANNED, LIVE or CLOSED", |p| {
            text(p.project.project_status.map(|s| s.code()))
        }),
        column("startDate", Date, "", |p| date(p.project.start_date)),
        column("endDate", Date, "", |p| date(p.project.end_date)),
        column("address", Text, "", |p| {
            text(p.project.place.address.as_deref())
        }),
        column("city", Text, "", |p| text(p.project.place.city.as_deref())),
        column("region", Text, "", |p| {
            text(p.project.place.region.as_deref())
        }),
        column("country", Text, "ISO 3166-1 alpha-2 code", |p| {
            text(p.project.place.country.as_deref())
        }),
        column("latitude", Number, "WGS 84 degrees", |p| {
            latitude(&p.project.place)
        }),
        column("longitude", Number, "WGS 84 degrees", |p| {
            longitude(&p.project.place)
        }),
        column(
            "focus",
            Text,
            "Codes of the FOCUS taxonomy (DSI focus areas), separated by `;`",
            |p| list(&p.project.classification.focus),
        ),
        column(
            "technologies",
            Text,
            "Codes of the TECHNOLOGY taxonomy, separated by `;`",
            |p| list(&p.project.classification.technologies),
        ),
        column(
            "impactAreas",
            Text,
            "Codes of the IMPACT_AREA taxonomy, separated by `;`",
            |p| list(&p.project.classification.impact_areas),
        ),
        column(
            "whoItHelps",
            Text,
            "Who the project helps, in free words, separated by `;`",
            |p| list(&p.project.who_it_helps),
        ),
        role_column!(Lead),
        role_column!(Partner),
        role_column!(Funder),
        role_column!(CoFunder),
        role_column!(Supporter),
        role_column!(Evaluator),
        role_column!(Adviser),
        column("version", Integer, "Incremented on every change", |p| {
            p.project.meta.version.to_string()
        }),
        column("createdAt", Timestamp, "", |p| {
            time(p.project.meta.created_at)
        }),
        column("updatedAt", Timestamp, "", |p| {
            time(p.project.meta.updated_at)
        }),
    ];

    async fn fetch(
        store: &Store,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<Self>, StoreError> {
        store.published_projects_after(after, limit).await
    }

    fn id(&self) -> Uuid {
        self.project.meta.id
    }

    fn write_json(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        let p: &Project = &self.project;
        let participants = self
            .participants
            .iter()
            .map(|x| ParticipantLine {
                organisation_id: global_id(Kind::Organisation, x.organisation_id),
                role: x.role.code(),
            })
            .collect();
        serde_json::to_writer(
            out,
            &ProjectLine {
                id: global_id(Kind::Project, p.meta.id),
                slug: &p.slug,
                title: &p.title,
                short_description: p.short_description.as_deref(),
                description: p.description.as_deref(),
                social_impact: p.social_impact.as_deref(),
                website: p.website.as_deref(),
                project_status: p.project_status.map(|s| s.code()),
                start_date: p.start_date,
                end_date: p.end_date,
                place: &p.place,
                classification: &p.classification,
                who_it_helps: &p.who_it_helps,
                participants,
                version: p.meta.version,
                created_at: p.meta.created_at,
                updated_at: p.meta.updated_at,
            },
        )
    }
}

/// The Table Schema of a CSV file.
fn table_schema<T: Exported>() -> serde_json::Value {
    let fields: Vec<serde_json::Value> = T::COLUMNS
        .iter()
        .map(|c| {
            let mut field = json!({ "name": c.name, "type": c.kind.code() });
            if !c.description.is_empty() {
                field["description"] = c.description.into();
            }
            field
        })
        .collect();
    json!({ "fields": fields, "primaryKey": ["id"] })
}

/// The Frictionless Data Package describing the four files, made at `created`. Resource paths
/// are relative, so the same document describes the files beside it on disk and under
/// `/export/`.
pub fn datapackage(licence: &Licence, created: DateTime<Utc>) -> serde_json::Value {
    let resources: Vec<serde_json::Value> = ExportFile::ALL
        .into_iter()
        .map(|file| {
            let (title, records) = match file.dataset {
                Dataset::Organisations => ("Organisations", "published organisations"),
                Dataset::Projects => (
                    "Projects",
                    "published projects, with the published organisations taking part and their roles",
                ),
            };
            let mut resource = json!({
                "name": file.resource_name(),
                "path": file.file_name(),
                "title": title,
                "mediatype": file.media_type(),
                "encoding": "utf-8",
            });
            match file.format {
                Format::JsonLines => {
                    resource["format"] = "jsonl".into();
                    resource["profile"] = "data-resource".into();
                    resource["description"] =
                        format!("Every record of the {records}, one JSON object a line.").into();
                }
                Format::Csv => {
                    resource["format"] = "csv".into();
                    resource["profile"] = "tabular-data-resource".into();
                    resource["description"] = format!(
                        "The {records}, one a row; lists are separated by `;`."
                    )
                    .into();
                    resource["schema"] = match file.dataset {
                        Dataset::Organisations => table_schema::<Organisation>(),
                        Dataset::Projects => table_schema::<ProjectWithParticipants>(),
                    };
                }
            }
            resource
        })
        .collect();
    json!({
        "profile": "data-package",
        "name": "panorama",
        "title": "Panorama: the digital social innovation ecosystem",
        "description": "The published organisations and projects of a Panorama registry. Taxonomy codes are explained by the API's `taxonomy(vocabulary:)` query.",
        "licenses": [{ "name": licence.name, "title": licence.title, "path": licence.url }],
        "created": time(created),
        "resources": resources,
    })
}

/// The `/export/…` routes: public, for anyone, whatever token comes with the request.
pub(crate) fn routes() -> Router<AppState> {
    let mut router = Router::new().route("/export/datapackage.json", get(datapackage_json));
    for file in ExportFile::ALL {
        let path = format!("/export/{}", file.file_name());
        router = router.route(
            &path,
            get(move |state: State<AppState>| download(state, file)),
        );
    }
    router
}

fn export_headers(licence: &Licence, generated: DateTime<Utc>, content_type: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let values = [
        (header::CONTENT_TYPE, content_type.to_owned()),
        (
            header::LINK,
            format!(
                "<{}>; rel=\"license\", </export/datapackage.json>; rel=\"describedby\"",
                licence.url
            ),
        ),
        // When the export began, and the licence's SPDX identifier beside the link to its text.
        (
            HeaderName::from_static("panorama-generated-at"),
            time(generated),
        ),
        (
            HeaderName::from_static("panorama-licence"),
            licence.name.clone(),
        ),
    ];
    for (name, value) in values {
        // The licence was checked to fit in a header when the settings were read.
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    headers
}

async fn datapackage_json(State(state): State<AppState>) -> Response {
    let licence = &state.options.export.licence;
    let generated = Utc::now();
    let headers = export_headers(licence, generated, "application/json");
    (headers, datapackage(licence, generated).to_string()).into_response()
}

/// Streams one file. The first page is read before answering, so that a database that does
/// not answer gets a 503 rather than a 200 whose body breaks off; an error later can only cut
/// the body short, which the client sees as an incomplete transfer.
async fn download(State(state): State<AppState>, file: ExportFile) -> Response {
    let generated = Utc::now();
    let export = &state.options.export;
    let mut chunks = chunks(state.store.clone(), file, export.page_size);
    let first = match chunks.try_next().await {
        Ok(first) => first,
        Err(error) => {
            tracing::error!(%error, file = file.file_name(), "export failed");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "the export could not be read",
            )
                .into_response();
        }
    };
    let rest = chunks.inspect_err(move |error| {
        tracing::error!(%error, file = file.file_name(), "export cut short");
    });
    let body = stream::iter(first.map(Ok))
        .chain(rest)
        .map_ok(|chunk| chunk.bytes)
        .try_filter(|bytes| std::future::ready(!bytes.is_empty()));
    let mut headers = export_headers(&export.licence, generated, file.content_type());
    if let Ok(disposition) =
        HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file.file_name()))
    {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    (headers, Body::from_stream(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_participation_role_has_its_column() {
        let names: Vec<&str> = <ProjectWithParticipants as Exported>::COLUMNS
            .iter()
            .map(|c| c.name)
            .collect();
        for role in ParticipationRole::ALL {
            assert!(names.contains(&role_column(*role)), "{role:?}");
        }
    }

    #[test]
    fn column_names_are_unique() {
        let mut names: Vec<&str> = <Organisation as Exported>::COLUMNS
            .iter()
            .map(|c| c.name)
            .collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), <Organisation as Exported>::COLUMNS.len());
    }

    #[test]
    fn list_items_never_hold_the_separator() {
        assert_eq!(list(&["a;b", "c"]), "a,b;c");
        assert_eq!(list::<String>(&[]), "");
    }

    #[test]
    fn known_licences_need_no_address_and_others_do() {
        let licence = Licence::resolve("cc-by-nc-sa-4.0", None).unwrap();
        assert_eq!(licence.name, "CC-BY-NC-SA-4.0");
        assert_eq!(
            licence.url,
            "https://creativecommons.org/licenses/by-nc-sa/4.0/"
        );
        assert_eq!(
            Licence::resolve("LicenseRef-Mine", None),
            Err(LicenceError::UnknownWithoutUrl("LicenseRef-Mine".into()))
        );
        let own = Licence::resolve("LicenseRef-Mine", Some("https://example.org/l")).unwrap();
        assert_eq!(
            (own.name.as_str(), own.url.as_str()),
            ("LicenseRef-Mine", "https://example.org/l")
        );
        assert!(matches!(
            Licence::resolve("CC-BY-4.0", Some("ftp://x")),
            Err(LicenceError::BadUrl(_))
        ));
        assert!(matches!(
            Licence::resolve("CC-BY-4.0", Some("https://x/<y>")),
            Err(LicenceError::BadUrl(_))
        ));
        assert_eq!(Licence::resolve(" ", None), Err(LicenceError::Empty));
    }
}
