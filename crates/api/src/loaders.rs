//! The DataLoaders of one request. Each key type batches into one storage call, and every
//! record loader applies the caller's read scope, so a relation never reveals a record that a
//! listing would hide.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use panorama_domain::policy::ReadScope;
use panorama_domain::taxonomy::Vocabulary;
use panorama_domain::*;
use panorama_persistence::loaders::{GrantParty, Side, SupportParty, TaxonomyTerm};
use panorama_persistence::{Store, StoreError};
use uuid::Uuid;

pub struct RecordLoader {
    store: Store,
    scope: ReadScope,
}

pub type Loaders = DataLoader<RecordLoader>;

/// The loaders of one request. `batch_window` is how long a loader collects keys before it runs
/// its batch: the resolvers of one level of a query ask for their keys one after another, so a
/// window shorter than it takes to run them all splits the batch (more statements), and a longer
/// one adds that wait to each level of every request.
pub fn for_request(store: Store, scope: ReadScope, batch_window: Duration) -> Loaders {
    DataLoader::new(
        RecordLoader { store, scope },
        crate::observability::spawn_for_request,
    )
    .delay(batch_window)
    .max_batch_size(1000)
}

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<StoreError>>;

fn keyed<K: Clone + Eq + std::hash::Hash, V>(
    keys: &[K],
    unwrap: impl Fn(&K) -> Uuid,
    mut found: HashMap<Uuid, V>,
) -> HashMap<K, V> {
    keys.iter()
        .filter_map(|k| found.remove(&unwrap(k)).map(|v| (k.clone(), v)))
        .collect()
}

macro_rules! by_id_loader {
    ($key:ident, $value:ty, $method:ident) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $key(pub Uuid);

        impl Loader<$key> for RecordLoader {
            type Value = $value;
            type Error = Arc<StoreError>;

            async fn load(&self, keys: &[$key]) -> LoadResult<$key, $value> {
                let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
                let found = self
                    .store
                    .$method(&self.scope, &ids)
                    .await
                    .map_err(Arc::new)?;
                Ok(keyed(keys, |k| k.0, found))
            }
        }
    };
}

by_id_loader!(OrganisationById, Organisation, organisations_by_id);
by_id_loader!(ProjectById, Project, projects_by_id);
by_id_loader!(GrantById, Grant, grants_by_id);
by_id_loader!(EventById, Event, events_by_id);
by_id_loader!(CaseStudyById, CaseStudy, case_studies_by_id);
by_id_loader!(
    FundingOpportunityById,
    FundingOpportunity,
    funding_opportunities_by_id
);
by_id_loader!(
    ImpactIndicatorsOfProject,
    Vec<ImpactIndicator>,
    impact_indicators_of
);
by_id_loader!(LinksOfOrganisation, Vec<OrganisationLink>, links_of);
by_id_loader!(
    FundingOpportunitiesOfFunder,
    Vec<FundingOpportunity>,
    funding_opportunities_of
);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrganisationBySlug(pub String);

impl Loader<OrganisationBySlug> for RecordLoader {
    type Value = Organisation;
    type Error = Arc<StoreError>;

    async fn load(
        &self,
        keys: &[OrganisationBySlug],
    ) -> LoadResult<OrganisationBySlug, Organisation> {
        let slugs: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        let found = self
            .store
            .organisations_by_slug(&self.scope, &slugs)
            .await
            .map_err(Arc::new)?;
        Ok(found
            .into_iter()
            .map(|(slug, o)| (OrganisationBySlug(slug), o))
            .collect())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProjectBySlug(pub String);

impl Loader<ProjectBySlug> for RecordLoader {
    type Value = Project;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[ProjectBySlug]) -> LoadResult<ProjectBySlug, Project> {
        let slugs: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        let found = self
            .store
            .projects_by_slug(&self.scope, &slugs)
            .await
            .map_err(Arc::new)?;
        Ok(found
            .into_iter()
            .map(|(slug, p)| (ProjectBySlug(slug), p))
            .collect())
    }
}

/// The records related to `id` from one `side`: participations of an organisation or of a
/// project, grants of a funder, recipient or project, and so on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Related<S> {
    pub side: S,
    pub id: Uuid,
}

/// Runs one storage call per side present among the keys.
async fn load_related<S, V, F>(
    keys: &[Related<S>],
    load: impl Fn(S, Vec<Uuid>) -> F,
) -> LoadResult<Related<S>, V>
where
    S: Copy + Eq + std::hash::Hash,
    F: std::future::Future<Output = Result<HashMap<Uuid, V>, StoreError>>,
{
    let mut sides: Vec<S> = Vec::new();
    for key in keys {
        if !sides.contains(&key.side) {
            sides.push(key.side);
        }
    }
    let mut out = HashMap::new();
    for side in sides {
        let ids = keys
            .iter()
            .filter(|k| k.side == side)
            .map(|k| k.id)
            .collect();
        let found = load(side, ids).await.map_err(Arc::new)?;
        out.extend(found.into_iter().map(|(id, v)| (Related { side, id }, v)));
    }
    Ok(out)
}

impl Loader<Related<Side>> for RecordLoader {
    type Value = Vec<Participation>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Related<Side>]) -> LoadResult<Related<Side>, Vec<Participation>> {
        load_related(keys, |side, ids| async move {
            self.store.participations(side, &ids).await
        })
        .await
    }
}

impl Loader<Related<GrantParty>> for RecordLoader {
    type Value = Vec<Grant>;
    type Error = Arc<StoreError>;

    async fn load(
        &self,
        keys: &[Related<GrantParty>],
    ) -> LoadResult<Related<GrantParty>, Vec<Grant>> {
        load_related(keys, |party, ids| async move {
            self.store.grants_by(&self.scope, party, &ids).await
        })
        .await
    }
}

impl Loader<Related<SupportParty>> for RecordLoader {
    type Value = Vec<Support>;
    type Error = Arc<StoreError>;

    async fn load(
        &self,
        keys: &[Related<SupportParty>],
    ) -> LoadResult<Related<SupportParty>, Vec<Support>> {
        load_related(keys, |party, ids| async move {
            self.store.support_by(&self.scope, party, &ids).await
        })
        .await
    }
}

/// Case studies of an organisation or a project. A separate key type from participations,
/// since one loader has one value type per key type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CaseStudiesOf(pub Related<Side>);

impl Loader<CaseStudiesOf> for RecordLoader {
    type Value = Vec<CaseStudy>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[CaseStudiesOf]) -> LoadResult<CaseStudiesOf, Vec<CaseStudy>> {
        let related: Vec<Related<Side>> = keys.iter().map(|k| k.0).collect();
        let found = load_related(&related, |side, ids| async move {
            self.store.case_studies_of(&self.scope, side, &ids).await
        })
        .await?;
        Ok(found
            .into_iter()
            .map(|(k, v)| (CaseStudiesOf(k), v))
            .collect())
    }
}

/// Ids of the events an organisation organises (the events load through `EventById`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventsOrganisedBy(pub Uuid);

impl Loader<EventsOrganisedBy> for RecordLoader {
    type Value = Vec<Uuid>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[EventsOrganisedBy]) -> LoadResult<EventsOrganisedBy, Vec<Uuid>> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = self
            .store
            .events_organised_by(&ids)
            .await
            .map_err(Arc::new)?;
        Ok(keyed(keys, |k| k.0, found))
    }
}

/// The API clients of a partner (only asked for where the caller may see them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ApiClientsOf(pub Uuid);

impl Loader<ApiClientsOf> for RecordLoader {
    type Value = Vec<panorama_domain::partner::ApiClient>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[ApiClientsOf]) -> LoadResult<ApiClientsOf, Self::Value> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = self.store.api_clients(&ids).await.map_err(Arc::new)?;
        Ok(keyed(keys, |k| k.0, found))
    }
}

impl Loader<Vocabulary> for RecordLoader {
    type Value = Vec<TaxonomyTerm>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Vocabulary]) -> LoadResult<Vocabulary, Vec<TaxonomyTerm>> {
        self.store.taxonomies(keys).await.map_err(Arc::new)
    }
}

/// A record's revisions before a version (all when `None`), newest first. The record itself
/// was already read through a scoped loader, so its history is the caller's to see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HistoryOf {
    pub record_type: &'static str,
    pub id: Uuid,
    pub before_version: Option<i32>,
}

impl Loader<HistoryOf> for RecordLoader {
    type Value = Vec<panorama_persistence::history::Revision>;
    type Error = Arc<StoreError>;

    /// One statement per record type and starting version (normally one per request level).
    async fn load(
        &self,
        keys: &[HistoryOf],
    ) -> LoadResult<HistoryOf, Vec<panorama_persistence::history::Revision>> {
        let mut groups: HashMap<(&'static str, Option<i32>), Vec<Uuid>> = HashMap::new();
        for key in keys {
            groups
                .entry((key.record_type, key.before_version))
                .or_default()
                .push(key.id);
        }
        let mut out = HashMap::new();
        for ((record_type, before_version), ids) in groups {
            let mut found = self
                .store
                .revisions_of_many(record_type, &ids, before_version)
                .await
                .map_err(Arc::new)?;
            for id in ids {
                let key = HistoryOf {
                    record_type,
                    id,
                    before_version,
                };
                out.insert(key, found.remove(&id).unwrap_or_default());
            }
        }
        Ok(out)
    }
}
