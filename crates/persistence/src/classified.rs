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

/// What a class is: which count of a [`Breakdown`] it goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Slot {
    Kind,
    Size,
    Country,
    /// A term of a vocabulary, by its place in [`COUNTED`].
    Term(u8),
}

/// Lists of numbers for records `0..n` in two arrays, rather than a list each: record `i`'s
/// are `values[starts[i]..starts[i + 1]]`.
#[derive(Debug, Default)]
struct Lists {
    starts: Vec<u32>,
    values: Vec<u32>,
}

impl Lists {
    /// The lists of `n` records from `(record, value)` pairs, in any order; repeats count once.
    fn from_pairs(n: usize, mut pairs: Vec<(u32, u32)>) -> Self {
        pairs.sort_unstable();
        pairs.dedup();
        let mut starts = Vec::with_capacity(n + 1);
        let mut values = Vec::with_capacity(pairs.len());
        let mut next = pairs.iter().peekable();
        for record in 0..n as u32 {
            starts.push(values.len() as u32);
            while let Some((_, value)) = next.next_if(|(r, _)| *r == record) {
                values.push(*value);
            }
        }
        starts.push(values.len() as u32);
        Self { starts, values }
    }

    fn of(&self, record: usize) -> &[u32] {
        &self.values[self.starts[record] as usize..self.starts[record + 1] as usize]
    }
}

/// The classes of every published organisation and project, as indices into one table of
/// every class met (a type, a size, a country or a term, each once): a few bytes a record
/// and a few per class, so that the snapshot keeps them at little cost. See the module's
/// comment.
#[derive(Debug, Default)]
pub struct Classifications {
    /// Every class met, once, with what it counts as.
    classes: Vec<(Slot, String)>,
    index: HashMap<Slot, HashMap<String, u32>>,
    /// Published organisations and projects in id order, with their classes.
    organisations: Vec<Uuid>,
    organisation_classes: Lists,
    projects: Vec<Uuid>,
    project_classes: Lists,
    /// The published projects (their places in `projects`) of each published organisation.
    projects_of: Lists,
}

impl Classifications {
    fn class(&mut self, slot: Slot, code: String) -> u32 {
        let index = self.index.entry(slot).or_default();
        if let Some(&class) = index.get(code.as_str()) {
            return class;
        }
        let class = self.classes.len() as u32;
        index.insert(code.clone(), class);
        self.classes.push((slot, code));
        class
    }

    /// How the organisations that `selected` holds (all published ones when `None`) divide,
    /// and how the published projects in which at least one of them takes part divide.
    pub fn breakdowns(&self, selected: Option<&HashSet<Uuid>>) -> (Breakdown, Breakdown) {
        let mut organisations = Counter::new(self.classes.len());
        let mut in_projects = vec![false; self.projects.len()];
        for (place, id) in self.organisations.iter().enumerate() {
            if selected.is_none_or(|s| s.contains(id)) {
                organisations.add(self.organisation_classes.of(place));
                for &project in self.projects_of.of(place) {
                    in_projects[project as usize] = true;
                }
            }
        }
        let mut projects = Counter::new(self.classes.len());
        for (place, _) in in_projects
            .iter()
            .enumerate()
            .filter(|(_, chosen)| **chosen)
        {
            projects.add(self.project_classes.of(place));
        }
        (
            organisations.breakdown(&self.classes),
            projects.breakdown(&self.classes),
        )
    }
}

/// How many records of a set have each class.
struct Counter {
    total: u64,
    counts: Vec<u64>,
}

impl Counter {
    fn new(classes: usize) -> Self {
        Self {
            total: 0,
            counts: vec![0; classes],
        }
    }

    fn add(&mut self, classes: &[u32]) {
        self.total += 1;
        for &class in classes {
            self.counts[class as usize] += 1;
        }
    }

    fn breakdown(self, classes: &[(Slot, String)]) -> Breakdown {
        let mut breakdown = Breakdown {
            total: self.total,
            ..Breakdown::default()
        };
        let counted = classes.iter().zip(self.counts).filter(|(_, n)| *n > 0);
        for ((slot, code), count) in counted {
            let facets = &mut breakdown.facets;
            let list = match slot {
                Slot::Kind => &mut facets.organisation_types,
                Slot::Size => &mut breakdown.sizes,
                Slot::Country => &mut facets.countries,
                Slot::Term(0) => &mut facets.focus,
                Slot::Term(1) => &mut facets.technologies,
                Slot::Term(_) => &mut facets.impact_areas,
            };
            list.push((code.clone(), count));
        }
        let Facets {
            focus,
            technologies,
            impact_areas,
            organisation_types,
            countries,
        } = &mut breakdown.facets;
        let lists: [&mut FacetCounts; 6] = [
            focus,
            technologies,
            impact_areas,
            organisation_types,
            countries,
            &mut breakdown.sizes,
        ];
        lists.into_iter().for_each(sort_counts);
        breakdown
    }
}

type OrganisationRow = (Uuid, Option<String>, Option<String>, Option<String>);

impl Store {
    /// The classes of every published organisation and project, and the published
    /// participations between them. Rows are streamed: the 1.5 million terms of the
    /// benchmark's projects are never all in memory as text.
    pub async fn classifications(&self) -> Result<Classifications, StoreError> {
        let db = self.connection();
        let mut found = Classifications::default();
        let published = RecordStatus::Published.code();
        let mut organisations: Vec<(Uuid, Vec<u32>)> = Vec::new();
        let mut rows = organisation::Entity::find()
            .filter(organisation::Column::Status.eq(published))
            .select_only()
            .columns([
                organisation::Column::Id,
                organisation::Column::OrganisationType,
                organisation::Column::Size,
                organisation::Column::Country,
            ])
            .into_tuple::<OrganisationRow>()
            .stream(db)
            .await?;
        while let Some((id, kind, size, country)) = rows.try_next().await? {
            let classes = [
                (Slot::Kind, kind),
                (Slot::Size, size),
                (Slot::Country, country),
            ];
            let classes = classes
                .into_iter()
                .filter_map(|(slot, code)| Some(found.class(slot, code?)))
                .collect();
            organisations.push((id, classes));
        }
        drop(rows);
        let mut projects: Vec<(Uuid, Vec<u32>)> = Vec::new();
        let mut rows = project::Entity::find()
            .filter(project::Column::Status.eq(published))
            .select_only()
            .columns([project::Column::Id, project::Column::Country])
            .into_tuple::<(Uuid, Option<String>)>()
            .stream(db)
            .await?;
        while let Some((id, country)) = rows.try_next().await? {
            let classes = country.map(|c| found.class(Slot::Country, c));
            projects.push((id, classes.into_iter().collect()));
        }
        drop(rows);
        let (ids, mut organisation_classes) = in_id_order(organisations);
        found.organisations = ids;
        let (ids, mut project_classes) = in_id_order(projects);
        found.projects = ids;

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
            let place = found.organisations.binary_search(&id);
            add_term(
                &mut found,
                &mut organisation_classes,
                place,
                &vocabulary,
                code,
            );
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
            let place = found.projects.binary_search(&id);
            add_term(&mut found, &mut project_classes, place, &vocabulary, code);
        }
        drop(terms);
        found.organisation_classes =
            Lists::from_pairs(found.organisations.len(), organisation_classes);
        found.project_classes = Lists::from_pairs(found.projects.len(), project_classes);

        let mut taking_part = Vec::new();
        let mut participations = self.published_participations_streamed().await?;
        while let Some((project, organisation)) = participations.try_next().await? {
            let places = (
                found.organisations.binary_search(&organisation),
                found.projects.binary_search(&project),
            );
            if let (Ok(organisation), Ok(project)) = places {
                taking_part.push((organisation as u32, project as u32));
            }
        }
        drop(participations);
        found.projects_of = Lists::from_pairs(found.organisations.len(), taking_part);
        Ok(found)
    }
}

/// Records sorted by id, and their classes as `(place, class)` pairs.
fn in_id_order(mut records: Vec<(Uuid, Vec<u32>)>) -> (Vec<Uuid>, Vec<(u32, u32)>) {
    records.sort_unstable_by_key(|(id, _)| *id);
    let mut pairs = Vec::new();
    let ids = records
        .into_iter()
        .enumerate()
        .map(|(place, (id, classes))| {
            pairs.extend(classes.into_iter().map(|c| (place as u32, c)));
            id
        })
        .collect();
    (ids, pairs)
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

/// Adds a term to the record at `place`, if it is a published one (terms of others are read
/// too: filtering them in SQL would cost a join).
fn add_term(
    found: &mut Classifications,
    classes: &mut Vec<(u32, u32)>,
    place: Result<usize, usize>,
    vocabulary: &str,
    code: String,
) {
    let vocabulary = COUNTED.iter().position(|v| v.code() == vocabulary);
    if let (Ok(place), Some(vocabulary)) = (place, vocabulary) {
        let class = found.class(Slot::Term(vocabulary as u8), code);
        classes.push((place as u32, class));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_hold_each_records_values_once_in_order() {
        let lists = Lists::from_pairs(4, vec![(2, 7), (0, 5), (2, 3), (0, 5), (2, 9)]);
        assert_eq!(lists.of(0), [5], "a repeated pair counts once");
        assert_eq!(lists.of(1), [] as [u32; 0]);
        assert_eq!(lists.of(2), [3, 7, 9]);
        assert_eq!(
            lists.of(3),
            [] as [u32; 0],
            "the last record has an empty list"
        );
    }
}
