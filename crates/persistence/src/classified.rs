//! How every published organisation and project is classified (type, size, country, focus,
//! technologies, areas of impact), with who takes part in which project, held in memory so that
//! the breakdowns of any selection of organisations are counted without SQL. On the
//! benchmark's registry, SQL took over a second to count the terms of a quarter of it and its
//! projects; counting here takes a few milliseconds. Read with the snapshot of the published
//! network, and as fresh as it.

use std::collections::{HashMap, HashSet};

use futures_util::TryStreamExt;
use panorama_domain::lists::Lists;
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

/// The classes of every published organisation and project, as indices into one table of
/// every class met (a type, a size, a country or a term, each once): a few bytes a record
/// and a few per class, so that the snapshot keeps them at little cost. See the module's
/// comment.
#[derive(Debug, Default)]
pub struct Classifications {
    table: ClassTable,
    /// Published organisations and projects in id order, with their classes.
    organisations: Vec<Uuid>,
    organisation_classes: Lists,
    projects: Vec<Uuid>,
    project_classes: Lists,
    /// The published projects (their places in `projects`) of each published organisation.
    projects_of: Lists,
}

/// Every class met, once, with what it counts as.
#[derive(Debug, Default)]
struct ClassTable {
    classes: Vec<(Slot, String)>,
    index: HashMap<Slot, HashMap<String, u32>>,
}

impl ClassTable {
    /// The index of a class, added if it is new.
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
}

impl Classifications {
    /// How the organisations that `selected` holds (all published ones when `None`) divide,
    /// and how the published projects in which at least one of them takes part divide.
    pub fn breakdowns(&self, selected: Option<&HashSet<Uuid>>) -> (Breakdown, Breakdown) {
        let classes = &self.table.classes;
        let mut organisations = Counter::new(classes.len());
        let mut in_projects = vec![false; self.projects.len()];
        for (place, id) in self.organisations.iter().enumerate() {
            if selected.is_none_or(|s| s.contains(id)) {
                organisations.add(self.organisation_classes.of(place));
                for &project in self.projects_of.of(place) {
                    in_projects[project as usize] = true;
                }
            }
        }
        let mut projects = Counter::new(classes.len());
        for (place, _) in in_projects
            .iter()
            .enumerate()
            .filter(|(_, chosen)| **chosen)
        {
            projects.add(self.project_classes.of(place));
        }
        (
            organisations.breakdown(classes),
            projects.breakdown(classes),
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

/// Records in id order, and each one's classes as `(place, class)` pairs.
type Classed = (Vec<Uuid>, Vec<(u32, u32)>);

impl Store {
    /// The classes of every published organisation and project, and the published
    /// participations between them. Rows are streamed: the 1.5 million terms of the
    /// benchmark's projects are never all in memory as text.
    pub async fn classifications(&self) -> Result<Classifications, StoreError> {
        let db = self.connection();
        let mut table = ClassTable::default();
        let (organisations, mut organisation_classes) =
            self.classed_organisations(&mut table).await?;
        let (projects, mut project_classes) = self.classed_projects(&mut table).await?;
        let organisation_terms = [
            organisation_term::Column::OrganisationId,
            organisation_term::Column::Vocabulary,
            organisation_term::Column::Code,
        ];
        add_terms::<organisation_term::Entity>(
            db,
            organisation_terms,
            &mut table,
            &organisations,
            &mut organisation_classes,
        )
        .await?;
        let project_terms = [
            project_term::Column::ProjectId,
            project_term::Column::Vocabulary,
            project_term::Column::Code,
        ];
        add_terms::<project_term::Entity>(
            db,
            project_terms,
            &mut table,
            &projects,
            &mut project_classes,
        )
        .await?;
        let projects_of = self.projects_of(&organisations, &projects).await?;
        Ok(Classifications {
            table,
            organisation_classes: Lists::from_pairs(organisations.len(), organisation_classes),
            project_classes: Lists::from_pairs(projects.len(), project_classes),
            organisations,
            projects,
            projects_of,
        })
    }

    /// The published organisations with their type, size and country.
    async fn classed_organisations(&self, table: &mut ClassTable) -> Result<Classed, StoreError> {
        let mut rows = organisation::Entity::find()
            .filter(organisation::Column::Status.eq(RecordStatus::Published.code()))
            .select_only()
            .columns([
                organisation::Column::Id,
                organisation::Column::OrganisationType,
                organisation::Column::Size,
                organisation::Column::Country,
            ])
            .into_tuple::<OrganisationRow>()
            .stream(self.connection())
            .await?;
        let mut organisations = Vec::new();
        while let Some((id, kind, size, country)) = rows.try_next().await? {
            let classes = [
                (Slot::Kind, kind),
                (Slot::Size, size),
                (Slot::Country, country),
            ];
            let classes = classes
                .into_iter()
                .filter_map(|(slot, code)| Some(table.class(slot, code?)))
                .collect();
            organisations.push((id, classes));
        }
        Ok(in_id_order(organisations))
    }

    /// The published projects with their country.
    async fn classed_projects(&self, table: &mut ClassTable) -> Result<Classed, StoreError> {
        let mut rows = project::Entity::find()
            .filter(project::Column::Status.eq(RecordStatus::Published.code()))
            .select_only()
            .columns([project::Column::Id, project::Column::Country])
            .into_tuple::<(Uuid, Option<String>)>()
            .stream(self.connection())
            .await?;
        let mut projects = Vec::new();
        while let Some((id, country)) = rows.try_next().await? {
            let classes = country.map(|c| table.class(Slot::Country, c));
            projects.push((id, classes.into_iter().collect()));
        }
        Ok(in_id_order(projects))
    }

    /// The published projects (places in `projects`) of each published organisation.
    async fn projects_of(
        &self,
        organisations: &[Uuid],
        projects: &[Uuid],
    ) -> Result<Lists, StoreError> {
        let mut taking_part = Vec::new();
        let mut participations = self.published_participations_streamed().await?;
        while let Some((project, organisation)) = participations.try_next().await? {
            let places = (
                organisations.binary_search(&organisation),
                projects.binary_search(&project),
            );
            if let (Ok(organisation), Ok(project)) = places {
                taking_part.push((organisation as u32, project as u32));
            }
        }
        Ok(Lists::from_pairs(organisations.len(), taking_part))
    }
}

/// Records sorted by id, and their classes as `(place, class)` pairs.
fn in_id_order(mut records: Vec<(Uuid, Vec<u32>)>) -> Classed {
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

/// Adds the terms of a term table in the counted vocabularies to the records `ids` holds
/// (terms of others are read too: filtering them in SQL would cost a join), streamed.
/// `columns` names the record's, the vocabulary's and the code's columns.
async fn add_terms<E: EntityTrait>(
    db: &DatabaseConnection,
    columns: [E::Column; 3],
    table: &mut ClassTable,
    ids: &[Uuid],
    classes: &mut Vec<(u32, u32)>,
) -> Result<(), DbErr> {
    let [_, vocabulary, _] = columns;
    let mut rows = E::find()
        .select_only()
        .columns(columns)
        .filter(vocabulary.is_in(COUNTED.map(Vocabulary::code)))
        .into_tuple::<(Uuid, String, String)>()
        .stream(db)
        .await?;
    while let Some((id, vocabulary, code)) = rows.try_next().await? {
        let vocabulary = COUNTED.iter().position(|v| v.code() == vocabulary);
        if let (Ok(place), Some(vocabulary)) = (ids.binary_search(&id), vocabulary) {
            let class = table.class(Slot::Term(vocabulary as u8), code);
            classes.push((place as u32, class));
        }
    }
    Ok(())
}
