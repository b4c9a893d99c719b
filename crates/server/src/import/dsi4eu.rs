//! `panorama import dsi4eu --organisations FILE --projects FILE`: the 2017 export of
//! digitalsocial.eu (`organisations2.json`, `projects2.json`; see `shared/data/dsi4eu/SOURCE.md`).
//!
//! The export is loose: empty strings stand for missing values, coordinates are numbers or `""`,
//! record ids are numbers while linked ids are strings, and tags carry the platform's 2017 names.
//! This module maps it onto the domain model, refuses what is not a record at all (no name, a
//! repeated id, test entries and spam) and drops single values it cannot use (a website that is
//! no URL, coordinates at 0,0, an end date before the start), listing every refusal and drop in
//! the [`ImportReport`]. Tag names without a term are not errors: they are counted.
//!
//! The import is idempotent: every record's 2017 id is stored in `external_id` (namespace
//! `dsi4eu`), and a record whose id is known is left as it is. Everything is written in one
//! transaction; a file that cannot be read or parsed stops the import before anything is written.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use panorama_domain::country::{country_code_from_name, is_country_code};
use panorama_domain::taxonomy::{TermCode, Vocabulary};
use panorama_domain::text::{fold, non_blank, slugify};
use panorama_domain::{
    Classification, GeoPoint, Organisation, Participation, ParticipationRole, Place, Project,
    RecordMeta, RecordStatus, Source,
};
use panorama_persistence::entities::participation;
use panorama_persistence::{Store, StoreError, write};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use uuid::Uuid;

/// The namespace of the 2017 ids in `external_id`, and the name of the import source.
const NAMESPACE: &str = "dsi4eu";

/// Why the import stopped. Nothing is written when it does.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a DSI4EU export: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("could not write the import: {0}")]
    Store(#[from] StoreError),
}

/// Imports the two files of the export into `store`, in one transaction.
pub async fn import(
    store: &Store,
    organisations: &Path,
    projects: &Path,
) -> Result<ImportReport, ImportError> {
    let export = read_export(organisations, projects)?;
    let mut report = ImportReport::default();
    let plan = plan(&export, &mut report);
    let txn = store.begin_write().await.map_err(StoreError::from)?;
    write_plan(&txn, plan, &mut report).await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(report)
}

// ---------------------------------------------------------------------------------------------
// The export's format. Fields are optional and `null` reads as missing: the export is judged
// record by record, not refused as a whole for one odd value.

struct Export {
    organisations: Vec<ExportOrganisation>,
    projects: Vec<ExportProject>,
}

fn read_export(organisations: &Path, projects: &Path) -> Result<Export, ImportError> {
    Ok(Export {
        organisations: read_file(organisations)?,
        projects: read_file(projects)?,
    })
}

fn read_file<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, ImportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ImportError::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| ImportError::Parse {
        path: path.to_owned(),
        source,
    })
}

/// A list that may be `null`.
fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// A `{id, name}` tag; only the name means something outside the 2017 database.
#[derive(Debug, Default, Deserialize)]
struct Named {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ExportOrganisation {
    #[serde(default)]
    organisation_id: Value,
    #[serde(default)]
    organisation_name: Option<String>,
    #[serde(default)]
    website: Option<String>,
    #[serde(default)]
    short_description: Option<String>,
    #[serde(default)]
    long_description: Option<String>,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    latitude: Value,
    #[serde(default)]
    longitude: Value,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    organisation_type: Option<Named>,
    #[serde(default)]
    organisation_size: Option<String>,
    #[serde(default, rename = "startDate")]
    start_date: Option<String>,
    #[serde(default, deserialize_with = "list")]
    linked_project_ids: Vec<Value>,
    #[serde(default, deserialize_with = "list")]
    tags: Vec<String>,
    #[serde(default, rename = "networkTags", deserialize_with = "list")]
    network_tags: Vec<Named>,
}

#[derive(Debug, Deserialize)]
struct ExportProject {
    #[serde(default)]
    project_id: Value,
    #[serde(default)]
    project_name: Option<String>,
    #[serde(default)]
    website: Option<String>,
    #[serde(default)]
    short_description: Option<String>,
    #[serde(default)]
    long_description: Option<String>,
    #[serde(default)]
    social_impact: Option<String>,
    #[serde(default)]
    start_date: Option<String>,
    #[serde(default)]
    end_date: Option<String>,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    latitude: Value,
    #[serde(default)]
    longitude: Value,
    #[serde(default, deserialize_with = "list")]
    linked_organisation_ids: Vec<Value>,
    #[serde(default, deserialize_with = "list")]
    who_we_help_tags: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    support_tags: Vec<Named>,
    #[serde(default, deserialize_with = "list")]
    focus: Vec<Named>,
    #[serde(default, deserialize_with = "list")]
    technology: Vec<Named>,
}

/// What both files' records have in common for selection.
trait ExportRecord {
    const KIND: Kind;
    fn raw_id(&self) -> &Value;
    fn name(&self) -> Option<&str>;
}

impl ExportRecord for ExportOrganisation {
    const KIND: Kind = Kind::Organisation;
    fn raw_id(&self) -> &Value {
        &self.organisation_id
    }
    fn name(&self) -> Option<&str> {
        self.organisation_name.as_deref()
    }
}

impl ExportRecord for ExportProject {
    const KIND: Kind = Kind::Project;
    fn raw_id(&self) -> &Value {
        &self.project_id
    }
    fn name(&self) -> Option<&str> {
        self.project_name.as_deref()
    }
}

/// A 2017 id as text: record ids are numbers, linked ids strings; both name the same records.
fn source_id(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        Value::String(s) => non_blank(Some(s)),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// The report.

/// The kinds of things the import creates or refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Organisation,
    Project,
    Participation,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Organisation => "organisation",
            Self::Project => "project",
            Self::Participation => "participation",
        }
    }
}

/// A record or link of the export that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// `organisation`, `project` or `participation`.
    pub kind: &'static str,
    /// The 2017 id; for a participation `ORGANISATION/PROJECT`.
    pub source_id: String,
    pub name: Option<String>,
    pub reason: String,
}

/// A value of an imported record that was left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    pub kind: &'static str,
    pub source_id: String,
    /// `website`, `coordinates`, `country`, `founded on`, `start date`, `end date`.
    pub field: &'static str,
    pub value: String,
    pub reason: &'static str,
}

/// What an import did: created and already present per type, refusals, unmapped tag names and
/// dropped values.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub organisations_created: usize,
    pub organisations_present: usize,
    pub projects_created: usize,
    pub projects_present: usize,
    pub participations_created: usize,
    pub participations_present: usize,
    /// Every refused record and link, in file order.
    pub skipped: Vec<Skipped>,
    /// Per vocabulary, the 2017 names that map to no term, with how often they occur.
    pub unmapped: BTreeMap<Vocabulary, BTreeMap<String, usize>>,
    pub dropped: Vec<Dropped>,
}

impl ImportReport {
    /// How many records or links of `kind` (`organisation`, `project`, `participation`) were refused.
    pub fn skipped_of(&self, kind: &str) -> usize {
        self.skipped.iter().filter(|s| s.kind == kind).count()
    }

    /// How many organisation–project links of the export were refused.
    pub fn links_refused(&self) -> usize {
        self.skipped_of(Kind::Participation.as_str())
    }

    fn skip(
        &mut self,
        kind: Kind,
        source_id: String,
        name: Option<&str>,
        reason: impl Into<String>,
    ) {
        let name = name.map(str::to_owned);
        self.skipped.push(Skipped {
            kind: kind.as_str(),
            source_id,
            name,
            reason: reason.into(),
        });
    }

    fn unmapped_name(&mut self, vocabulary: Vocabulary, name: &str) {
        *self
            .unmapped
            .entry(vocabulary)
            .or_default()
            .entry(name.to_owned())
            .or_default() += 1;
    }
}

/// Where a mapping function reports what it dropped.
struct Notes<'a> {
    report: &'a mut ImportReport,
    kind: Kind,
    source_id: &'a str,
}

impl Notes<'_> {
    fn drop_value(&mut self, field: &'static str, value: impl Into<String>, reason: &'static str) {
        self.report.dropped.push(Dropped {
            kind: self.kind.as_str(),
            source_id: self.source_id.to_owned(),
            field,
            value: value.into(),
            reason,
        });
    }

    /// `value` if it was kept; a dropped one is recorded under `field`.
    fn keep<T>(
        &mut self,
        cleaned: Cleaned<T>,
        field: &'static str,
        raw: impl FnOnce() -> String,
    ) -> Option<T> {
        match cleaned {
            Cleaned::Absent => None,
            Cleaned::Kept(value) => Some(value),
            Cleaned::Dropped(reason) => {
                self.drop_value(field, raw(), reason);
                None
            }
        }
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "DSI4EU import")?;
        let counts = [
            (
                "organisations",
                self.organisations_created,
                self.organisations_present,
            ),
            ("projects", self.projects_created, self.projects_present),
            (
                "participations",
                self.participations_created,
                self.participations_present,
            ),
        ];
        for (what, created, present) in counts {
            writeln!(f, "  {what}: {created} created, {present} already present")?;
        }
        self.fmt_skipped(f)?;
        self.fmt_unmapped(f)?;
        self.fmt_dropped(f)
    }
}

/// How many dropped values of one field the report lists before it only counts.
const DROPPED_LISTED: usize = 20;

impl ImportReport {
    fn fmt_skipped(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "refused: {}", self.skipped.len())?;
        for s in &self.skipped {
            let name = s
                .name
                .as_deref()
                .map(|n| format!(" {n:?}"))
                .unwrap_or_default();
            writeln!(f, "  {} {}{name}: {}", s.kind, s.source_id, s.reason)?;
        }
        Ok(())
    }

    fn fmt_unmapped(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "2017 names that map to no term (imported without them; top 10 per vocabulary):"
        )?;
        if self.unmapped.is_empty() {
            writeln!(f, "  none")?;
        }
        for (vocabulary, names) in &self.unmapped {
            let mut by_count: Vec<(&String, &usize)> = names.iter().collect();
            by_count.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
            let total: usize = names.values().sum();
            let top: Vec<String> = by_count
                .iter()
                .take(10)
                .map(|(n, c)| format!("{n:?} ×{c}"))
                .collect();
            let (distinct, code) = (names.len(), vocabulary.code());
            writeln!(
                f,
                "  {code} ({distinct} names, {total} uses): {}",
                top.join(", ")
            )?;
        }
        Ok(())
    }

    fn fmt_dropped(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "dropped values: {}", self.dropped.len())?;
        let mut fields: Vec<&'static str> = Vec::new();
        for d in &self.dropped {
            if !fields.contains(&d.field) {
                fields.push(d.field);
            }
        }
        for field in fields {
            let of_field: Vec<&Dropped> =
                self.dropped.iter().filter(|d| d.field == field).collect();
            writeln!(f, "  {field}: {}", of_field.len())?;
            for d in of_field.iter().take(DROPPED_LISTED) {
                writeln!(
                    f,
                    "    {} {} {:?}: {}",
                    d.kind, d.source_id, d.value, d.reason
                )?;
            }
            if of_field.len() > DROPPED_LISTED {
                writeln!(f, "    … and {} more", of_field.len() - DROPPED_LISTED)?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Refusals.

const TEST_ENTRY: &str =
    "test entry: a placeholder name and nothing else, typed to try the submission form";
const ESSAY_MILL: &str = "spam: advertises an essay-writing service";
const SEO_AGENCY: &str = "spam: advertises search-engine optimisation";
const DESIGN_AGENCY: &str = "spam: advertises a design agency through a paid link";
const GAME_CHEATS: &str = "spam: advertises game cheats";
const LOANS: &str = "spam: advertises loans";
const OBFUSCATED: &str =
    "spam: an airport-transfer advert with letters replaced by '?' to dodge filters";
const TAXI: &str = "spam: advertises a taxi service in India";
const PUMPS: &str = "spam: advertises hydraulic pump repair through keyword links";
const OFFICE_RENTAL: &str = "spam: advertises office space for rent through keyword links";
const ARTICLE: &str = "spam: a marketing article linking to a commercial website, not a project";

/// Records of the 2017 export that are no actor or project at all: test entries and spam that
/// was posted to the open submission form (SOURCE.md: "some records are user-submitted spam").
///
/// A reviewed list rather than a heuristic: keyword rules would refuse real organisations too
/// (every "Museo…" contains "seo"), and self-promotion that is merely off-topic (a private
/// clinic, a video agency) is for moderators to reject, not for an importer to guess. Each entry
/// is matched on both id and name, so another export cannot refuse the wrong record.
const REFUSED: &[(Kind, &str, &str, &str)] = &[
    (Kind::Organisation, "1236", "test", TEST_ENTRY),
    (Kind::Organisation, "1254", "prova", TEST_ENTRY),
    (Kind::Organisation, "1255", "prova2", TEST_ENTRY),
    (Kind::Organisation, "1132", "Pak SEO Company", SEO_AGENCY),
    (Kind::Organisation, "1230", "SEO Fun", SEO_AGENCY),
    (
        Kind::Organisation,
        "1248",
        "Assignment Writing Help Pakistan",
        ESSAY_MILL,
    ),
    (
        Kind::Organisation,
        "1256",
        "Best flyer Designing Company",
        DESIGN_AGENCY,
    ),
    (Kind::Project, "824", "testing", TEST_ENTRY),
    (Kind::Project, "826", "xx", TEST_ENTRY),
    (Kind::Project, "844", "project prova", TEST_ENTRY),
    (Kind::Project, "845", "prova2", TEST_ENTRY),
    (
        Kind::Project,
        "834",
        "Assignment Writing Service",
        ESSAY_MILL,
    ),
    (
        Kind::Project,
        "838",
        "High Quality Essay Writing Service In Pakistan",
        ESSAY_MILL,
    ),
    (Kind::Project, "847", "Academic Writing Help", ESSAY_MILL),
    (
        Kind::Project,
        "846",
        "5 Things that will make you a Good Student",
        ESSAY_MILL,
    ),
    (Kind::Project, "869", "Lab Report Writing", ESSAY_MILL),
    (Kind::Project, "857", "Dissertationplanet", ESSAY_MILL),
    (
        Kind::Project,
        "795",
        "Tips on electrical engineering",
        ESSAY_MILL,
    ),
    (
        Kind::Project,
        "837",
        "PowerPoint Designing Company in Dubai",
        DESIGN_AGENCY,
    ),
    (
        Kind::Project,
        "842",
        "Sims Freeplay Resource Generator 2017",
        GAME_CHEATS,
    ),
    (Kind::Project, "856", "Registration Loans", LOANS),
    (
        Kind::Project,
        "859",
        "Aff?rd?bl? Air??rt tr?n?f?r in I?t?nbul",
        OBFUSCATED,
    ),
    (Kind::Project, "865", "Bharat Taxi", TAXI),
    (Kind::Project, "792", "pompy hydrauliczne", PUMPS),
    (Kind::Project, "853", "ShareDesk Pakistan", OFFICE_RENTAL),
    (
        Kind::Project,
        "830",
        "Coding for Fun and Profit: 4 Ways to Turn Your Coding Skills into Cash",
        ARTICLE,
    ),
    (
        Kind::Project,
        "791",
        "EdTech App Reaches 28M UK Smart Phone Users",
        ARTICLE,
    ),
];

fn refusal(kind: Kind, id: &str, name: &str) -> Option<&'static str> {
    REFUSED
        .iter()
        .find(|(k, i, n, _)| *k == kind && *i == id && *n == name)
        .map(|(.., reason)| *reason)
}

/// The records of one file that pass, by 2017 id, and what is known of all the file's ids.
struct Selection<'a, T> {
    accepted: Vec<(String, &'a T)>,
    /// Every usable id in the file, refused or not.
    known: HashSet<String>,
    refused: HashSet<String>,
}

/// Keeps the records that have an id and a name, are not a repeat of an earlier id and are not
/// on the [`REFUSED`] list; reports the others.
fn select<'a, T: ExportRecord>(records: &'a [T], report: &mut ImportReport) -> Selection<'a, T> {
    let mut selection = Selection {
        accepted: Vec::new(),
        known: HashSet::new(),
        refused: HashSet::new(),
    };
    for record in records {
        let name = non_blank(record.name());
        let Some(id) = source_id(record.raw_id()) else {
            report.skip(
                T::KIND,
                record.raw_id().to_string(),
                name.as_deref(),
                "no usable id",
            );
            continue;
        };
        let reason = if !selection.known.insert(id.clone()) {
            Some("duplicate id: the first record with this id is kept")
        } else if let Some(name) = name.as_deref() {
            refusal(T::KIND, &id, name)
        } else {
            Some("no name")
        };
        match reason {
            Some(reason) => {
                report.skip(T::KIND, id.clone(), name.as_deref(), reason);
                selection.refused.insert(id);
            }
            None => selection.accepted.push((id, record)),
        }
    }
    // A refused duplicate must not hide that its id's first record was accepted.
    let accepted: HashSet<&String> = selection.accepted.iter().map(|(id, _)| id).collect();
    selection.refused.retain(|id| !accepted.contains(id));
    selection
}

/// Every organisation–project link of both files, once each, in file order. The export stores
/// each link on both sides; a link found on one side only still counts.
fn links(export: &Export) -> Vec<(Value, Value)> {
    let from_organisations = export.organisations.iter().flat_map(|o| {
        o.linked_project_ids
            .iter()
            .map(move |p| (o.organisation_id.clone(), p.clone()))
    });
    let from_projects = export.projects.iter().flat_map(|p| {
        p.linked_organisation_ids
            .iter()
            .map(move |o| (o.clone(), p.project_id.clone()))
    });
    let mut seen = HashSet::new();
    from_organisations
        .chain(from_projects)
        .filter(|(o, p)| {
            seen.insert((
                source_id(o).unwrap_or_else(|| o.to_string()),
                source_id(p).unwrap_or_else(|| p.to_string()),
            ))
        })
        .collect()
}

/// Why a link end cannot be imported, if it cannot.
fn end_problem<T>(
    kind: Kind,
    id: Option<&String>,
    selection: &Selection<'_, T>,
    file: &str,
) -> Option<String> {
    let what = kind.as_str();
    match id {
        None => Some(format!("the {what} id is empty")),
        Some(id) if !selection.known.contains(id) => {
            Some(format!("{what} {id} is not in the {file} file"))
        }
        Some(id) if selection.refused.contains(id) => Some(format!("{what} {id} was refused")),
        Some(_) => None,
    }
}

/// The links whose both ends are imported, as (organisation id, project id); reports the others.
fn accepted_links(
    export: &Export,
    organisations: &Selection<'_, ExportOrganisation>,
    projects: &Selection<'_, ExportProject>,
    report: &mut ImportReport,
) -> Vec<(String, String)> {
    let mut accepted = Vec::new();
    for (o, p) in links(export) {
        let (o_id, p_id) = (source_id(&o), source_id(&p));
        let problem = end_problem(
            Kind::Organisation,
            o_id.as_ref(),
            organisations,
            "organisations",
        )
        .or_else(|| end_problem(Kind::Project, p_id.as_ref(), projects, "projects"));
        match (problem, o_id, p_id) {
            (None, Some(o_id), Some(p_id)) => accepted.push((o_id, p_id)),
            (problem, o_id, p_id) => {
                let label = format!(
                    "{}/{}",
                    o_id.unwrap_or_else(|| o.to_string()),
                    p_id.unwrap_or_else(|| p.to_string())
                );
                report.skip(
                    Kind::Participation,
                    label,
                    None,
                    problem.unwrap_or_default(),
                );
            }
        }
    }
    accepted
}

// ---------------------------------------------------------------------------------------------
// Mapping single values.

/// A value read from the export: missing, usable, or present but unusable (dropped, with why).
#[derive(Debug, Clone, PartialEq)]
enum Cleaned<T> {
    Absent,
    Kept(T),
    Dropped(&'static str),
}

/// Only http(s) URLs are kept. A bare domain (`www.x.org`) gets `http://`; whitespace (never
/// part of a URL) and a doubled scheme (`http://HTTP://x.org`) are typing slips and are mended.
fn website(raw: Option<&str>) -> Cleaned<String> {
    let Some(text) = non_blank(raw) else {
        return Cleaned::Absent;
    };
    let mut rest: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut scheme = "http";
    while let Some((found, after)) = split_scheme(&rest) {
        scheme = found;
        rest = after.to_owned();
    }
    if looks_like_host(&rest) {
        Cleaned::Kept(format!("{scheme}://{rest}"))
    } else {
        Cleaned::Dropped("not an http(s) URL or a domain name")
    }
}

/// `("https", "x.org/a")` for `"HTTPS://x.org/a"`.
fn split_scheme(url: &str) -> Option<(&'static str, &str)> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if lower.starts_with("https://") {
        url.get(8..).map(|rest| ("https", rest))
    } else if lower.starts_with("http://") {
        url.get(7..).map(|rest| ("http", rest))
    } else {
        None
    }
}

/// Whether the part before the first `/`, `?` or `#` is a domain name (with an optional port).
fn looks_like_host(rest: &str) -> bool {
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host
        .rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host, |(h, _)| h);
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

/// Coordinates are kept when both are numbers in range and not both 0 (the platform's "unknown").
fn point(latitude: &Value, longitude: &Value) -> Cleaned<GeoPoint> {
    let missing = |v: &Value| v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty());
    if missing(latitude) && missing(longitude) {
        return Cleaned::Absent;
    }
    match (latitude.as_f64(), longitude.as_f64()) {
        (Some(lat), Some(lon)) if lat == 0.0 && lon == 0.0 => Cleaned::Dropped("0,0 is no place"),
        (Some(lat), Some(lon)) => {
            GeoPoint::new(lat, lon).map_or(Cleaned::Dropped("out of range"), Cleaned::Kept)
        }
        _ => Cleaned::Dropped("not two numbers"),
    }
}

/// `YYYY-MM-DD`, possibly followed by a time, which is ignored.
fn date(raw: Option<&str>) -> Cleaned<NaiveDate> {
    let Some(text) = non_blank(raw) else {
        return Cleaned::Absent;
    };
    let day = match text.get(10..11) {
        Some(" " | "T") => text.get(..10).unwrap_or(&text),
        _ => &text,
    };
    NaiveDate::parse_from_str(day, "%Y-%m-%d").map_or(Cleaned::Dropped("not a date"), Cleaned::Kept)
}

/// A country name of the export (or an ISO code) as its ISO 3166-1 alpha-2 code.
fn country(raw: Option<&str>) -> Cleaned<String> {
    let Some(name) = non_blank(raw) else {
        return Cleaned::Absent;
    };
    country_code_from_name(&name)
        .map(str::to_owned)
        .or_else(|| is_country_code(&name).then(|| name.to_ascii_uppercase()))
        .map_or(Cleaned::Dropped("no country of that name"), Cleaned::Kept)
}

/// The export writes `address + ",\n" + postcode`, leaving `",\n"` when both are empty. Keeps the
/// parts that hold a letter or digit, on one line.
fn address(raw: Option<&str>) -> Option<String> {
    let parts: Vec<&str> = raw?
        .lines()
        .map(|line| line.trim().trim_matches(',').trim())
        .filter(|line| line.chars().any(char::is_alphanumeric))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Free tags, trimmed, without blanks or repeats (compared without case or accents).
fn free_tags<'a>(tags: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen = HashSet::new();
    tags.into_iter()
        .filter_map(|t| non_blank(Some(t)))
        .filter(|t| seen.insert(fold(t)))
        .collect()
}

/// The codes of `vocabulary` that 2017 names stand for, in the vocabulary's order, each once.
/// Names that stand for no term are counted in the report.
fn term_codes<'a>(
    vocabulary: Vocabulary,
    names: impl IntoIterator<Item = &'a str>,
    report: &mut ImportReport,
) -> Vec<TermCode> {
    let codes = names.into_iter().filter_map(|name| {
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        let term = vocabulary.term_by_name(name);
        if term.is_none() {
            report.unmapped_name(vocabulary, name);
        }
        term.map(|t| t.code)
    });
    in_vocabulary_order(vocabulary, codes)
}

fn in_vocabulary_order<'a>(
    vocabulary: Vocabulary,
    codes: impl IntoIterator<Item = &'a str>,
) -> Vec<TermCode> {
    let wanted: HashSet<&str> = codes.into_iter().collect();
    vocabulary
        .terms()
        .iter()
        .filter(|t| wanted.contains(t.code))
        .map(|t| t.code.to_owned())
        .collect()
}

fn named(tags: &[Named]) -> impl Iterator<Item = &str> {
    tags.iter().filter_map(|t| t.name.as_deref())
}

/// The union of several classifications, in vocabulary order.
fn union<'a>(classifications: impl IntoIterator<Item = &'a Classification>) -> Classification {
    let all: Vec<&Classification> = classifications.into_iter().collect();
    let merge = |vocabulary, pick: fn(&Classification) -> &Vec<TermCode>| {
        in_vocabulary_order(
            vocabulary,
            all.iter().flat_map(|c| pick(c).iter().map(String::as_str)),
        )
    };
    Classification {
        focus: merge(Vocabulary::Focus, |c| &c.focus),
        technologies: merge(Vocabulary::Technology, |c| &c.technologies),
        impact_areas: merge(Vocabulary::ImpactArea, |c| &c.impact_areas),
    }
}

// ---------------------------------------------------------------------------------------------
// Mapping records.

fn new_meta() -> RecordMeta {
    RecordMeta::new(
        RecordStatus::Published,
        Source::Import(NAMESPACE.to_owned()),
    )
}

fn text(raw: Option<&String>) -> Option<String> {
    non_blank(raw.map(String::as_str))
}

/// A project of the export; `name` is its non-blank title.
fn map_project(id: &str, name: String, p: &ExportProject, report: &mut ImportReport) -> Project {
    let classification = Classification {
        focus: term_codes(Vocabulary::Focus, named(&p.focus), report),
        technologies: term_codes(Vocabulary::Technology, named(&p.technology), report),
        impact_areas: term_codes(Vocabulary::ImpactArea, named(&p.support_tags), report),
    };
    let mut notes = Notes {
        report,
        kind: Kind::Project,
        source_id: id,
    };
    let place = Place {
        address: None,
        // The export's `region` is the platform's free "city or region" box: London, Paris,
        // Amsterdam… are its most frequent values, so it is a city here.
        city: text(p.region.as_ref()),
        region: None,
        country: notes.keep(country(p.country.as_deref()), "country", || {
            p.country.clone().unwrap_or_default()
        }),
        point: notes.keep(point(&p.latitude, &p.longitude), "coordinates", || {
            format!("{}, {}", p.latitude, p.longitude)
        }),
    };
    let (start_date, end_date) = project_dates(p, &mut notes);
    Project {
        meta: new_meta(),
        slug: slugify(&name),
        title: name,
        short_description: text(p.short_description.as_ref()),
        description: text(p.long_description.as_ref()),
        social_impact: text(p.social_impact.as_ref()),
        website: notes.keep(website(p.website.as_deref()), "website", || {
            p.website.clone().unwrap_or_default()
        }),
        project_status: None,
        start_date,
        end_date,
        place,
        classification,
        who_it_helps: free_tags(p.who_we_help_tags.iter().map(String::as_str)),
    }
}

/// Start and end dates; an end before the start is dropped, since one of the two is wrong and
/// the start is the one more projects have.
fn project_dates(
    p: &ExportProject,
    notes: &mut Notes<'_>,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let start = notes.keep(date(p.start_date.as_deref()), "start date", || {
        p.start_date.clone().unwrap_or_default()
    });
    let end = notes.keep(date(p.end_date.as_deref()), "end date", || {
        p.end_date.clone().unwrap_or_default()
    });
    match (start, end) {
        (Some(s), Some(e)) if e < s => {
            notes.drop_value("end date", e.to_string(), "before the start date");
            (start, None)
        }
        _ => (start, end),
    }
}

/// An organisation of the export; `name` is its non-blank name. The 2017 export classifies only
/// projects, so an organisation's focus, technologies and areas of impact are the union of those
/// of its projects (`classification`). Its roles stay empty: the export does not say them.
fn map_organisation(
    id: &str,
    name: String,
    o: &ExportOrganisation,
    classification: Classification,
    report: &mut ImportReport,
) -> Organisation {
    let type_name = o.organisation_type.as_ref().and_then(|t| t.name.as_deref());
    let organisation_type = term_codes(Vocabulary::OrganisationType, type_name, report)
        .into_iter()
        .next();
    let size = term_codes(
        Vocabulary::OrganisationSize,
        o.organisation_size.as_deref(),
        report,
    )
    .into_iter()
    .next();
    let mut notes = Notes {
        report,
        kind: Kind::Organisation,
        source_id: id,
    };
    let place = Place {
        address: address(o.address.as_deref()),
        // The export's `region` is the platform's free "city or region" box: London, Paris,
        // Amsterdam… are its most frequent values, so it is a city here.
        city: text(o.region.as_ref()),
        region: None,
        country: notes.keep(country(o.country.as_deref()), "country", || {
            o.country.clone().unwrap_or_default()
        }),
        point: notes.keep(point(&o.latitude, &o.longitude), "coordinates", || {
            format!("{}, {}", o.latitude, o.longitude)
        }),
    };
    Organisation {
        meta: new_meta(),
        slug: slugify(&name),
        name,
        short_description: text(o.short_description.as_ref()),
        description: text(o.long_description.as_ref()),
        website: notes.keep(website(o.website.as_deref()), "website", || {
            o.website.clone().unwrap_or_default()
        }),
        other_links: Vec::new(),
        logo_url: None,
        organisation_type,
        size,
        founded_on: notes.keep(date(o.start_date.as_deref()), "founded on", || {
            o.start_date.clone().unwrap_or_default()
        }),
        legal_identifiers: Vec::new(),
        place,
        classification,
        roles: Vec::new(),
        network_memberships: free_tags(named(&o.network_tags)),
        tags: free_tags(o.tags.iter().map(String::as_str)),
    }
}

/// What the import will write: records by 2017 id, and links as (organisation id, project id).
pub struct Plan {
    pub organisations: Vec<(String, Organisation)>,
    pub projects: Vec<(String, Project)>,
    pub links: Vec<(String, String)>,
}

/// The records the import would write, without writing them: the benchmark draws its
/// synthetic registry from them, so that it has the export's distributions.
pub fn read_plan(organisations: &Path, projects: &Path) -> Result<Plan, ImportError> {
    let export = read_export(organisations, projects)?;
    Ok(plan(&export, &mut ImportReport::default()))
}

/// Selects, maps and links the export's records, reporting what it refuses and drops.
fn plan(export: &Export, report: &mut ImportReport) -> Plan {
    let organisations = select(&export.organisations, report);
    let projects = select(&export.projects, report);
    let links = accepted_links(export, &organisations, &projects, report);

    let projects: Vec<(String, Project)> = projects
        .accepted
        .iter()
        .filter_map(|(id, p)| Some((id.clone(), map_project(id, non_blank(p.name())?, p, report))))
        .collect();
    let classifications: HashMap<&str, &Classification> = projects
        .iter()
        .map(|(id, p)| (id.as_str(), &p.classification))
        .collect();
    let organisations = organisations
        .accepted
        .iter()
        .filter_map(|(id, o)| {
            let of_projects = links
                .iter()
                .filter(|(org, _)| org == id)
                .filter_map(|(_, p)| classifications.get(p.as_str()).copied());
            let organisation =
                map_organisation(id, non_blank(o.name())?, o, union(of_projects), report);
            Some((id.clone(), organisation))
        })
        .collect();
    Plan {
        organisations,
        projects,
        links,
    }
}

// ---------------------------------------------------------------------------------------------
// Writing.

/// A record type the import writes.
trait ImportedRecord {
    const KIND: Kind;
    /// The table, for unique slugs.
    const TABLE: &'static str;
    fn id(&self) -> Uuid;
    fn slug_mut(&mut self) -> &mut String;
    async fn insert(&self, db: &DatabaseTransaction) -> Result<(), StoreError>;
}

impl ImportedRecord for Organisation {
    const KIND: Kind = Kind::Organisation;
    const TABLE: &'static str = "organisation";
    fn id(&self) -> Uuid {
        self.meta.id
    }
    fn slug_mut(&mut self) -> &mut String {
        &mut self.slug
    }
    async fn insert(&self, db: &DatabaseTransaction) -> Result<(), StoreError> {
        write::insert_organisation(db, self).await
    }
}

impl ImportedRecord for Project {
    const KIND: Kind = Kind::Project;
    const TABLE: &'static str = "project";
    fn id(&self) -> Uuid {
        self.meta.id
    }
    fn slug_mut(&mut self) -> &mut String {
        &mut self.slug
    }
    async fn insert(&self, db: &DatabaseTransaction) -> Result<(), StoreError> {
        write::insert_project(db, self).await
    }
}

/// The outcome of writing one record type.
struct Saved {
    /// 2017 id → record id, for this run's records and every earlier import's.
    ids: HashMap<String, Uuid>,
    created: usize,
    present: usize,
}

/// Inserts the records whose 2017 id is not known yet, with a slug no other record has, and
/// remembers their 2017 ids.
async fn save<R: ImportedRecord>(
    db: &DatabaseTransaction,
    records: Vec<(String, R)>,
) -> Result<Saved, StoreError> {
    let kind = R::KIND.as_str();
    let mut saved = Saved {
        ids: write::external_ids(db, NAMESPACE, kind).await?,
        created: 0,
        present: 0,
    };
    for (source_id, mut record) in records {
        if saved.ids.contains_key(&source_id) {
            saved.present += 1;
            continue;
        }
        let slug = write::free_slug(db, R::TABLE, record.slug_mut()).await?;
        *record.slug_mut() = slug;
        record.insert(db).await?;
        write::insert_external_id(db, NAMESPACE, kind, &source_id, record.id()).await?;
        saved.ids.insert(source_id, record.id());
        saved.created += 1;
    }
    Ok(saved)
}

/// Statements stay well under SQLite's and PostgreSQL's limits on bound values.
const CHUNK: usize = 500;

/// The (project, organisation) pairs that already have a participation, of any role: the export
/// has no roles, so any participation of the pair already says what its link says.
async fn existing_pairs(
    db: &DatabaseTransaction,
    projects: &[Uuid],
) -> Result<HashSet<(Uuid, Uuid)>, StoreError> {
    let mut pairs = HashSet::new();
    for chunk in projects.chunks(CHUNK) {
        let rows = participation::Entity::find()
            .filter(participation::Column::ProjectId.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        pairs.extend(rows.into_iter().map(|r| (r.project_id, r.organisation_id)));
    }
    Ok(pairs)
}

/// Inserts the links that have no participation yet, each as a `PARTNER` participation: the
/// 2017 export does not say which role an organisation had in a project. Returns how many were
/// created and how many were there already.
async fn save_participations(
    db: &DatabaseTransaction,
    links: &[(String, String)],
    organisations: &Saved,
    projects: &Saved,
) -> Result<(usize, usize), StoreError> {
    let rows: Vec<Participation> = links
        .iter()
        .filter_map(|(o, p)| {
            Some(Participation {
                project_id: *projects.ids.get(p)?,
                organisation_id: *organisations.ids.get(o)?,
                role: ParticipationRole::Partner,
            })
        })
        .collect();
    let mut project_ids: Vec<Uuid> = rows.iter().map(|r| r.project_id).collect();
    project_ids.sort_unstable();
    project_ids.dedup();
    let existing = existing_pairs(db, &project_ids).await?;
    let (present, new): (Vec<Participation>, Vec<Participation>) = rows
        .into_iter()
        .partition(|r| existing.contains(&(r.project_id, r.organisation_id)));
    for chunk in new.chunks(CHUNK) {
        write::insert_participations(db, chunk).await?;
    }
    Ok((new.len(), present.len()))
}

async fn write_plan(
    db: &DatabaseTransaction,
    plan: Plan,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    let projects = save(db, plan.projects).await?;
    let organisations = save(db, plan.organisations).await?;
    let (created, present) =
        save_participations(db, &plan.links, &organisations, &projects).await?;
    report.projects_created = projects.created;
    report.projects_present = projects.present;
    report.organisations_created = organisations.created;
    report.organisations_present = organisations.present;
    report.participations_created = created;
    report.participations_present = present;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn websites_keep_http_urls_and_mend_slips() {
        let kept = |raw: &str| match website(Some(raw)) {
            Cleaned::Kept(url) => url,
            other => panic!("{raw:?} gave {other:?}"),
        };
        assert_eq!(kept("https://fablabbcn.org/"), "https://fablabbcn.org/");
        assert_eq!(
            kept(" HTTP://LEMAN.InnovationNumerique.org "),
            "http://LEMAN.InnovationNumerique.org"
        );
        assert_eq!(kept("www.x.org"), "http://www.x.org");
        assert_eq!(kept("x.org/about?a=1"), "http://x.org/about?a=1");
        assert_eq!(
            kept("http:// www.provenance.org"),
            "http://www.provenance.org"
        );
        assert_eq!(
            kept("http://HTTP://UNIVIRTUAL-MARIODELAFUENTE.BLOGSPOT.COM"),
            "http://UNIVIRTUAL-MARIODELAFUENTE.BLOGSPOT.COM"
        );
        assert_eq!(
            kept("http://localhost.test:8080/x"),
            "http://localhost.test:8080/x"
        );
        assert_eq!(website(Some("  ")), Cleaned::Absent);
        assert_eq!(website(None), Cleaned::Absent);
        for bad in [
            "n/a",
            "ftp://x.org",
            "mailto:info@x.org",
            "info@x.org",
            "e.g.",
            "http://",
            "javascript:alert(1)",
        ] {
            assert!(matches!(website(Some(bad)), Cleaned::Dropped(_)), "{bad:?}");
        }
    }

    #[test]
    fn coordinates_need_two_numbers_in_range_and_not_zero_zero() {
        let p = |lat: Value, lon: Value| point(&lat, &lon);
        assert_eq!(p(json!(""), json!("")), Cleaned::Absent);
        assert_eq!(p(Value::Null, Value::Null), Cleaned::Absent);
        assert_eq!(
            p(json!(54), json!(-71.9999999)),
            Cleaned::Kept(GeoPoint {
                latitude: 54.0,
                longitude: -71.9999999
            })
        );
        assert_eq!(
            p(json!(53.577694), json!(-2.4288873)),
            Cleaned::Kept(GeoPoint {
                latitude: 53.577694,
                longitude: -2.4288873
            })
        );
        assert!(matches!(p(json!(0), json!(0.0)), Cleaned::Dropped(_)));
        assert!(matches!(p(json!(91.0), json!(10.0)), Cleaned::Dropped(_)));
        assert!(matches!(p(json!(45.0), json!("")), Cleaned::Dropped(_)));
        assert!(matches!(
            p(json!("45.1"), json!("7.6")),
            Cleaned::Dropped(_)
        ));
        // Either coordinate may be 0 on its own (the Greenwich meridian, the equator).
        assert!(matches!(p(json!(51.48), json!(0)), Cleaned::Kept(_)));
    }

    #[test]
    fn dates_and_end_before_start() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(date(Some("2016-10-03")), Cleaned::Kept(day(2016, 10, 3)));
        assert_eq!(
            date(Some("2016-10-03 12:00:00")),
            Cleaned::Kept(day(2016, 10, 3))
        );
        assert_eq!(date(Some("")), Cleaned::Absent);
        assert_eq!(date(None), Cleaned::Absent);
        assert!(matches!(date(Some("0000-00-00")), Cleaned::Dropped(_)));
        assert!(matches!(date(Some("2016-10-03x")), Cleaned::Dropped(_)));

        let project: ExportProject = serde_json::from_value(
            json!({ "project_id": 1, "start_date": "2017-03-01", "end_date": "2017-02-15" }),
        )
        .unwrap();
        let mut report = ImportReport::default();
        let mut notes = Notes {
            report: &mut report,
            kind: Kind::Project,
            source_id: "1",
        };
        assert_eq!(
            project_dates(&project, &mut notes),
            (Some(day(2017, 3, 1)), None)
        );
        assert_eq!(report.dropped.len(), 1);
        assert_eq!(
            (report.dropped[0].field, report.dropped[0].value.as_str()),
            ("end date", "2017-02-15")
        );
    }

    #[test]
    fn countries_addresses_and_free_tags() {
        assert_eq!(
            country(Some("United Kingdom")),
            Cleaned::Kept("GB".to_owned())
        );
        assert_eq!(
            country(Some("Macedonia, the former Yugoslav Republic of")),
            Cleaned::Kept("MK".to_owned())
        );
        assert_eq!(country(Some("de")), Cleaned::Kept("DE".to_owned()));
        assert_eq!(country(Some("")), Cleaned::Absent);
        assert!(matches!(country(Some("Europe")), Cleaned::Dropped(_)));

        assert_eq!(address(Some(",\n")), None);
        assert_eq!(
            address(Some("Vaci utca 81.,\n")).as_deref(),
            Some("Vaci utca 81.")
        );
        assert_eq!(
            address(Some("Access Space, 3-7 Sidney Street,,\nS1 4RG")).as_deref(),
            Some("Access Space, 3-7 Sidney Street, S1 4RG")
        );
        assert_eq!(
            free_tags([" makers", "Makers", "", "fablab"]),
            ["makers", "fablab"]
        );
    }

    #[test]
    fn tag_names_map_to_codes_and_unmapped_ones_are_counted() {
        let project: ExportProject = serde_json::from_value(json!({
            "project_id": 7,
            "project_name": "X",
            "support_tags": [{ "id": "2", "name": "Participation and democracy" }, { "id": "9", "name": "travel" },
                             { "id": "1", "name": "Education and skills" }],
            "technology": [{ "id": "72", "name": "big data" }, { "id": "3", "name": "Culture and arts" },
                           { "id": "929", "name": "Mobile and web apps" }, { "id": "930", "name": "mobile app" }],
            "focus": [{ "id": "4", "name": "Open knowledge" }, { "id": "35", "name": "Open hardware" }],
            "who_we_help_tags": ["young people", "Young People "],
            "latitude": "", "longitude": ""
        }))
        .unwrap();
        let mut report = ImportReport::default();
        let mapped = map_project("7", "X".into(), &project, &mut report);
        let c = &mapped.classification;
        assert_eq!(c.impact_areas, ["SKILLS_AND_LEARNING", "DIGITAL_DEMOCRACY"]);
        assert_eq!(c.technologies, ["MOBILE_AND_WEB_APPS", "BIG_DATA"]);
        assert_eq!(c.focus, ["OPEN_HARDWARE", "OPEN_KNOWLEDGE"]);
        assert_eq!(mapped.who_it_helps, ["young people"]);
        assert_eq!(mapped.place.point, None);
        assert_eq!(report.unmapped[&Vocabulary::ImpactArea]["travel"], 1);
        assert_eq!(
            report.unmapped[&Vocabulary::Technology]["Culture and arts"],
            1
        );
        assert!(report.dropped.is_empty());

        let other = Classification {
            focus: vec!["OPEN_DATA".into()],
            ..Classification::default()
        };
        let both = union([c, &other]);
        assert_eq!(both.focus, ["OPEN_HARDWARE", "OPEN_DATA", "OPEN_KNOWLEDGE"]);
        assert_eq!(both.impact_areas, c.impact_areas);
    }

    #[test]
    fn organisations_map_type_size_place_and_networks() {
        let organisation: ExportOrganisation = serde_json::from_value(json!({
            "organisation_id": 336, "organisation_name": "#3DPM", "website": "www.3dpm.org",
            "country": "United Kingdom", "region": "Bolton", "latitude": 53.577694, "longitude": -2.4288873,
            "address": "The Indoor Market,\nBL4 7AZ",
            "organisation_type": { "id": 4, "name": "Grassroots organisation or community network" },
            "organisation_size": "over-1000 people", "startDate": "", "linked_project_ids": ["345"],
            "tags": ["3dprint"], "networkTags": [{ "id": "13", "name": "FabLab Network" }]
        }))
        .unwrap();
        let mut report = ImportReport::default();
        let o = map_organisation(
            "336",
            "#3DPM".into(),
            &organisation,
            Classification::default(),
            &mut report,
        );
        assert_eq!(o.organisation_type.as_deref(), Some("GRASSROOTS"));
        assert_eq!(o.size.as_deref(), Some("SIZE_OVER_1000"));
        assert_eq!(o.place.country.as_deref(), Some("GB"));
        assert_eq!(o.place.city.as_deref(), Some("Bolton"));
        assert_eq!(
            o.place.address.as_deref(),
            Some("The Indoor Market, BL4 7AZ")
        );
        assert_eq!(o.website.as_deref(), Some("http://www.3dpm.org"));
        assert_eq!(o.network_memberships, ["FabLab Network"]);
        assert_eq!(o.founded_on, None);
        assert!(o.roles.is_empty());
        assert_eq!(o.meta.source, Source::Import("dsi4eu".into()));
        assert!(report.unmapped.is_empty() && report.dropped.is_empty());
    }

    #[test]
    fn selection_refuses_nameless_duplicate_and_listed_records_and_their_links() {
        let export = Export {
            organisations: serde_json::from_value(json!([
                { "organisation_id": 1, "organisation_name": "One", "linked_project_ids": ["10", "99"] },
                { "organisation_id": 1, "organisation_name": "One again" },
                { "organisation_id": 2, "organisation_name": "  " },
                { "organisation_id": 1236, "organisation_name": "test", "linked_project_ids": ["10"] },
                { "organisation_id": 1237, "organisation_name": "test" }
            ]))
            .unwrap(),
            projects: serde_json::from_value(json!([
                { "project_id": 10, "project_name": "Ten", "linked_organisation_ids": ["1", "1236", "3"],
                  "focus": [{ "id": "3", "name": "Open data" }] }
            ]))
            .unwrap(),
        };
        let mut report = ImportReport::default();
        let plan = plan(&export, &mut report);
        let organisations: Vec<&str> = plan
            .organisations
            .iter()
            .map(|(id, _)| id.as_str())
            .collect();
        // 1237 is named "test" too, but it is not the listed record.
        assert_eq!(organisations, ["1", "1237"]);
        assert_eq!(plan.links, [("1".to_owned(), "10".to_owned())]);
        // An organisation is classified by its projects; one without projects is not.
        assert_eq!(plan.organisations[0].1.classification.focus, ["OPEN_DATA"]);
        assert!(plan.organisations[1].1.classification.focus.is_empty());
        let reasons: Vec<(&str, &str, &str)> = report
            .skipped
            .iter()
            .map(|s| (s.kind, s.source_id.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                (
                    "organisation",
                    "1",
                    "duplicate id: the first record with this id is kept"
                ),
                ("organisation", "2", "no name"),
                ("organisation", "1236", TEST_ENTRY),
                (
                    "participation",
                    "1/99",
                    "project 99 is not in the projects file"
                ),
                ("participation", "1236/10", "organisation 1236 was refused"),
                (
                    "participation",
                    "3/10",
                    "organisation 3 is not in the organisations file"
                ),
            ]
        );
        assert_eq!(report.links_refused(), 3);
        assert_eq!(report.skipped_of("organisation"), 3);
    }

    #[test]
    fn unreadable_and_malformed_files_name_the_file() {
        let dir = TempDir::new("malformed");
        let good = dir.0.join("projects.json");
        std::fs::write(&good, "[]").unwrap();
        let broken = dir.0.join("organisations.json");
        std::fs::write(
            &broken,
            r#"[{"organisation_id": 1, "organisation_name": "A""#,
        )
        .unwrap();
        let error = read_export(&broken, &good).err().unwrap().to_string();
        assert!(
            error.contains("organisations.json") && error.contains("not a DSI4EU export"),
            "{error}"
        );
        let missing = dir.0.join("nowhere.json");
        let error = read_export(&good, &missing).err().unwrap().to_string();
        assert!(
            error.contains("nowhere.json") && error.contains("cannot read"),
            "{error}"
        );
    }

    #[test]
    fn report_lists_refusals_unmapped_names_and_drops() {
        let mut report = ImportReport {
            organisations_created: 3,
            ..ImportReport::default()
        };
        report.skip(Kind::Project, "826".into(), Some("xx"), TEST_ENTRY);
        report.unmapped_name(Vocabulary::Technology, "mobile");
        report.unmapped_name(Vocabulary::Technology, "mobile");
        let mut notes = Notes {
            report: &mut report,
            kind: Kind::Organisation,
            source_id: "5",
        };
        notes.drop_value("website", "n/a", "not an http(s) URL or a domain name");
        let text = report.to_string();
        assert!(
            text.contains("organisations: 3 created, 0 already present"),
            "{text}"
        );
        assert!(text.contains("project 826 \"xx\": test entry"), "{text}");
        assert!(
            text.contains("TECHNOLOGY (1 names, 2 uses): \"mobile\" ×2"),
            "{text}"
        );
        assert!(
            text.contains("organisation 5 \"n/a\": not an http(s) URL"),
            "{text}"
        );
    }

    /// A directory under the system's temp dir, removed when the test ends, even on failure.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(purpose: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("panorama-dsi4eu-{purpose}-{}", Uuid::now_v7()));
            std::fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn count_records(path: &Path) -> usize {
        let records: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        records.len()
    }

    #[tokio::test]
    async fn imports_the_real_export_once() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/dsi4eu");
        let (organisations, projects) = (
            data.join("organisations2.json"),
            data.join("projects2.json"),
        );
        if !organisations.exists() {
            println!("skipped: {} not found", organisations.display());
            return;
        }
        let dir = TempDir::new("import");
        let store = Store::open(&format!("sqlite://{}", dir.0.join("panorama.db").display()))
            .await
            .unwrap();

        let first = import(&store, &organisations, &projects).await.unwrap();
        println!("{first}");
        let (organisation_count, project_count) =
            (count_records(&organisations), count_records(&projects));
        assert_eq!((organisation_count, project_count), (1228, 829));
        // Every entry of the refusal list names a record of the real files.
        assert_eq!(
            first.skipped_of("organisation") + first.skipped_of("project"),
            REFUSED.len()
        );
        assert_eq!(
            first.organisations_created,
            organisation_count - first.skipped_of("organisation")
        );
        assert_eq!(
            first.projects_created,
            project_count - first.skipped_of("project")
        );
        assert_eq!(first.participations_created + first.links_refused(), 946);
        assert_eq!(
            (
                first.organisations_created,
                first.projects_created,
                first.participations_created
            ),
            (1221, 809, 945)
        );

        let second = import(&store, &organisations, &projects).await.unwrap();
        assert_eq!(
            (
                second.organisations_created,
                second.projects_created,
                second.participations_created
            ),
            (0, 0, 0)
        );
        assert_eq!(second.organisations_present, first.organisations_created);
        assert_eq!(second.projects_present, first.projects_created);
        assert_eq!(second.participations_present, first.participations_created);
        store.close().await.unwrap();
    }
}
