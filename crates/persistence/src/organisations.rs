//! Writing organisations: create and change them in one transaction with their revision.

use panorama_domain::changes::blank_organisation;
use panorama_domain::model::{Organisation, RecordMeta, RecordStatus, Source};
use panorama_domain::policy::ReadScope;
use panorama_domain::text::slugify;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use uuid::Uuid;

use crate::entities::organisation;
use crate::history::{Author, insert_revision, organisation_changes};
use crate::loaders::hydrate_organisations;
use crate::write::{free_slug, insert_organisation, update_organisation};
use crate::{Store, StoreError};

/// How often a change without an expected version is tried again when another writer got in
/// between its read and its write.
const RETRIES: usize = 3;

/// Why a change was not made.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError<E> {
    /// The change itself is wrong (the domain's field errors): nothing was written.
    #[error("the change is invalid")]
    Invalid(E),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Store {
    /// Creates an organisation from `fill` (which applies the caller's checked changes to a blank
    /// one), with a slug made free from its name, and its first revision.
    pub async fn create_organisation<E>(
        &self,
        status: RecordStatus,
        owner_partner: Option<Uuid>,
        author: &Author,
        fill: impl FnOnce(Organisation) -> Result<Organisation, E>,
    ) -> Result<Organisation, ChangeError<E>> {
        let mut meta = RecordMeta::new(status, Source::Web);
        meta.owner_partner = owner_partner;
        let mut created = fill(blank_organisation(meta)).map_err(ChangeError::Invalid)?;
        let txn = self.connection().begin().await.map_err(StoreError::from)?;
        created.slug = free_slug(&txn, "organisation", &slugify(&created.name)).await?;
        insert_organisation(&txn, &created).await?;
        let changes = organisation_changes(None, &created);
        insert_revision(
            &txn,
            "organisation",
            created.meta.id,
            created.meta.version,
            "CREATE",
            author,
            &changes,
        )
        .await?;
        txn.commit().await.map_err(StoreError::from)?;
        Ok(created)
    }

    /// Changes an organisation with `change` (applied to its current state) and records the
    /// revision, in one transaction. With `expected_version`, a record at another version is
    /// left alone ([`StoreError::StaleVersion`]); without, a concurrent change is retried on
    /// the new state. A change that changes nothing writes nothing: no revision, no new version.
    pub async fn change_organisation<E>(
        &self,
        id: Uuid,
        expected_version: Option<i32>,
        action: &'static str,
        author: &Author,
        change: impl Fn(Organisation) -> Result<Organisation, E>,
    ) -> Result<Organisation, ChangeError<E>> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self
                .change_once(id, expected_version, action, author, &change)
                .await
            {
                Err(ChangeError::Store(StoreError::StaleVersion { .. }))
                    if expected_version.is_none() && attempt < RETRIES => {}
                outcome => return outcome,
            }
        }
    }

    async fn change_once<E>(
        &self,
        id: Uuid,
        expected_version: Option<i32>,
        action: &'static str,
        author: &Author,
        change: &impl Fn(Organisation) -> Result<Organisation, E>,
    ) -> Result<Organisation, ChangeError<E>> {
        let txn = self.connection().begin().await.map_err(StoreError::from)?;
        let row = organisation::Entity::find()
            .filter(organisation::Column::Id.eq(id))
            .one(&txn)
            .await
            .map_err(StoreError::from)?
            .ok_or(StoreError::NotFound("organisation"))?;
        let current = hydrate_organisations(&txn, vec![row])
            .await?
            .remove(&id)
            .ok_or(StoreError::NotFound("organisation"))?;
        if let Some(expected) = expected_version
            && expected != current.meta.version
        {
            return Err(StoreError::StaleVersion {
                current: current.meta.version,
            }
            .into());
        }
        let mut changed = change(current.clone()).map_err(ChangeError::Invalid)?;
        let changes = organisation_changes(Some(&current), &changed);
        if changes.is_empty() {
            return Ok(current);
        }
        changed.meta.version = current.meta.version + 1;
        changed.meta.updated_at = crate::time::now();
        update_organisation(&txn, &changed, current.meta.version).await?;
        insert_revision(
            &txn,
            "organisation",
            id,
            changed.meta.version,
            action,
            author,
            &changes,
        )
        .await?;
        txn.commit().await.map_err(StoreError::from)?;
        Ok(changed)
    }

    /// One organisation in any status, as the write path reads it.
    pub async fn organisation_for_change(
        &self,
        id: Uuid,
    ) -> Result<Option<Organisation>, StoreError> {
        Ok(self
            .organisations_by_id(&ReadScope::Everything, &[id])
            .await?
            .remove(&id))
    }
}
