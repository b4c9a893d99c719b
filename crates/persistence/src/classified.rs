//! How every published organisation and project is classified (type, size, country, focus,
//! technologies, areas of impact), with who takes part in which project, held in memory so that
//! the breakdowns of any selection of organisations are counted without SQL. On the
//! benchmark's registry, SQL took over a second to count the terms of a quarter of it and its
//! projects; counting here takes a few milliseconds. Read with the snapshot of the published
//! network, and as fresh as it.

use std::collections::{HashMap, HashSet};

use futures_util::{Stream, TryStreamExt};
use panorama_domain::model::RecordStatus;
use panorama_domain::taxonomy::Vocabulary;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::entities::*;
use crate::listing::{FacetCounts, Facets, sort_counts};
use crate::network::Breakdown;
use crate::{Store, StoreError};

/// The vocabularies the breakdowns count.
const COUNTED: [Vocabulary; 3] = [
    Vocabulary::Focus,
    Vocabulary::Technology,
    Vocabulary::ImpactArea,
];

/// One record's classes, as indices into [`Classifications::codes`].
#[derive(Debug, Default)]
struct Classes {
    kind: Option<u32>,
    size: Option<u32>,
    country: Option<u32>,
    /// `(vocabulary, code)`: the vocabulary's place in [`COUNTED`].
    terms: Vec<(u8, u32)>,
}

/// The classes of every published organisation and project; see the module's comment.
#[derive(Debug, Default)]
pub struct Classifications {
    /// Every code and country met, once.
    codes: Vec<String>,
    index: HashMap<String, u32>,
    organisations: HashMap<Uuid, Classes>,
    projects: HashMap<Uuid, Classes>,
    /// The published projects of each published organisation.
    projects_of: HashMap<Uuid, Vec<Uuid>>,
}

impl Classifications {
    fn code(&mut self, code: String) -> u32 {
        if let Some(&index) = self.index.get(&code) {
            return index;
        }
        let index = self.codes.len() as u32;
        self.codes.push(code.clone());
        self.index.insert(code, index);
        index
    }

    fn class(&mut self, code: Option<String>) -> Option<u32> {
        code.map(|c| self.code(c))
    }

    /// How the organisations that `selected` holds (all published ones when `None`) divide,
    /// and how the published projects in which at least one of them takes part divide.
    pub fn breakdowns(&self, selected: Option<&HashSet<Uuid>>) -> (Breakdown, Breakdown) {
        let chosen = |id: &Uuid| selected.is_none_or(|s| s.contains(id));
        let mut organisations = Counter::default();
        let mut projects: HashSet<Uuid> = HashSet::new();
        for (id, classes) in self.organisations.iter().filter(|(id, _)| chosen(id)) {
            organisations.add(classes);
            projects.extend(self.projects_of.get(id).into_iter().flatten());
        }
        let mut counted = Counter::default();
        for classes in projects.iter().filter_map(|id| self.projects.get(id)) {
            counted.add(classes);
        }
        (
            organisations.breakdown(&self.codes),
            counted.breakdown(&self.codes),
        )
    }
}

/// Counts per class of a set of records.
#[derive(Default)]
struct Counter {
    total: u64,
    kinds: HashMap<u32, u64>,
    sizes: HashMap<u32, u64>,
    countries: HashMap<u32, u64>,
    terms: [HashMap<u32, u64>; 3],
}

impl Counter {
    fn add(&mut self, classes: &Classes) {
        self.total += 1;
        let pairs = [
            (&mut self.kinds, classes.kind),
            (&mut self.sizes, classes.size),
            (&mut self.countries, classes.country),
        ];
        for (counts, class) in pairs {
            if let Some(class) = class {
                *counts.entry(class).or_default() += 1;
            }
        }
        for &(vocabulary, code) in &classes.terms {
            *self.terms[vocabulary as usize].entry(code).or_default() += 1;
        }
    }

    fn breakdown(self, codes: &[String]) -> Breakdown {
        let named = |counts: HashMap<u32, u64>| -> FacetCounts {
            let mut named: FacetCounts = counts
                .into_iter()
                .map(|(code, count)| (codes[code as usize].clone(), count))
                .collect();
            sort_counts(&mut named);
            named
        };
        let [focus, technologies, impact_areas] = self.terms;
        Breakdown {
            total: self.total,
            facets: Facets {
                focus: named(focus),
                technologies: named(technologies),
                impact_areas: named(impact_areas),
                organisation_types: named(self.kinds),
                countries: named(self.countries),
            },
            sizes: named(self.sizes),
        }
    }
}

type ClassRow = (Uuid, Option<String>, Option<String>, Option<String>);

impl Store {
    /// The classes of every published organisation and project, and the published
    /// participations between them. Rows are streamed: the 1.5 million terms of the
    /// benchmark's projects are never all in memory as text.
    pub async fn classifications(&self) -> Result<Classifications, StoreError> {
        let db = self.connection();
        let mut found = Classifications::default();
        let published = RecordStatus::Published.code();
        let mut rows = organisation::Entity::find()
            .filter(organisation::Column::Status.eq(published))
            .select_only()
            .columns([
                organisation::Column::Id,
                organisation::Column::OrganisationType,
                organisation::Column::Size,
                organisation::Column::Country,
            ])
            .into_tuple::<ClassRow>()
            .stream(db)
            .await?;
        while let Some((id, kind, size, country)) = rows.try_next().await? {
            let classes = Classes {
                kind: found.class(kind),
                size: found.class(size),
                country: found.class(country),
                terms: Vec::new(),
            };
            found.organisations.insert(id, classes);
        }
        drop(rows);
        let mut rows = project::Entity::find()
            .filter(project::Column::Status.eq(published))
            .select_only()
            .columns([project::Column::Id, project::Column::Country])
            .into_tuple::<(Uuid, Option<String>)>()
            .stream(db)
            .await?;
        while let Some((id, country)) = rows.try_next().await? {
            let classes = Classes {
                country: found.class(country),
                ..Classes::default()
            };
            found.projects.insert(id, classes);
        }
        drop(rows);
        let mut terms = counted_terms::<organisation_term::Entity>(
            db,
            [
                organisation_term::Column::OrganisationId,
                organisation_term::Column::Vocabulary,
                organisation_term::Column::Code,
            ],
        )
        .await?;
        while let Some((id, vocabulary, code)) = terms.try_next().await? {
            add_term(&mut found, true, id, &vocabulary, code);
        }
        drop(terms);
        let mut terms = counted_terms::<project_term::Entity>(
            db,
            [
                project_term::Column::ProjectId,
                project_term::Column::Vocabulary,
                project_term::Column::Code,
            ],
        )
        .await?;
        while let Some((id, vocabulary, code)) = terms.try_next().await? {
            add_term(&mut found, false, id, &vocabulary, code);
        }
        drop(terms);
        for (project, organisation) in self.published_participations().await? {
            found
                .projects_of
                .entry(organisation)
                .or_default()
                .push(project);
        }
        Ok(found)
    }
}

/// The `(record, vocabulary, code)` rows of a term table in the counted vocabularies, as a
/// stream; `columns` names the record's, the vocabulary's and the code's columns.
async fn counted_terms<'a, E: EntityTrait>(
    db: &'a DatabaseConnection,
    columns: [E::Column; 3],
) -> Result<impl Stream<Item = Result<(Uuid, String, String), DbErr>> + 'a, DbErr> {
    let [_, vocabulary, _] = columns;
    E::find()
        .select_only()
        .columns(columns)
        .filter(vocabulary.is_in(COUNTED.map(Vocabulary::code)))
        .into_tuple::<(Uuid, String, String)>()
        .stream(db)
        .await
}

/// Adds a term to the organisation or project `id`, if it is a published one (terms of
/// others are read too: filtering them in SQL would cost a join).
fn add_term(
    found: &mut Classifications,
    of_organisation: bool,
    id: Uuid,
    vocabulary: &str,
    code: String,
) {
    let Some(place) = COUNTED.iter().position(|v| v.code() == vocabulary) else {
        return;
    };
    let records = if of_organisation {
        &found.organisations
    } else {
        &found.projects
    };
    if !records.contains_key(&id) {
        return;
    }
    let code = found.code(code);
    let records = if of_organisation {
        &mut found.organisations
    } else {
        &mut found.projects
    };
    if let Some(classes) = records.get_mut(&id) {
        classes.terms.push((place as u8, code));
    }
}
