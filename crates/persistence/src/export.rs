//! Published records in pages by id, for the open-data exports: whatever the size of the
//! registry, a reader holds one page at a time. Each page is read on its own (no long
//! transaction holds the database while a slow client downloads); a record changed during an
//! export is exported as it was when its page was read, and every record published
//! throughout appears exactly once, since pages follow the unique id.

use panorama_domain::policy::ReadScope;
use panorama_domain::*;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::entities::*;
use crate::filter::scope_condition;
use crate::loaders::{hydrate_organisations, hydrate_projects};
use crate::{Store, StoreError, mapping};

/// A published project with the published organisations taking part in it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectWithParticipants {
    pub project: Project,
    /// By role code, then organisation id.
    pub participants: Vec<Participation>,
}

impl Store {
    /// At most `limit` published organisations with an id above `after`, in id order.
    pub async fn published_organisations_after(
        &self,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<Organisation>, StoreError> {
        let mut select = organisation::Entity::find()
            .filter(scope_condition("organisation", &ReadScope::PublishedOnly));
        if let Some(after) = after {
            select = select.filter(organisation::Column::Id.gt(after));
        }
        let models = select
            .order_by_asc(organisation::Column::Id)
            .limit(limit)
            .all(self.connection())
            .await?;
        let order: Vec<Uuid> = models.iter().map(|m| m.id).collect();
        let mut records = hydrate_organisations(self.connection(), models).await?;
        Ok(order.iter().filter_map(|id| records.remove(id)).collect())
    }

    /// At most `limit` published projects with an id above `after`, in id order, each with
    /// its participations of published organisations (one statement for the whole page).
    pub async fn published_projects_after(
        &self,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<ProjectWithParticipants>, StoreError> {
        let mut select =
            project::Entity::find().filter(scope_condition("project", &ReadScope::PublishedOnly));
        if let Some(after) = after {
            select = select.filter(project::Column::Id.gt(after));
        }
        let models = select
            .order_by_asc(project::Column::Id)
            .limit(limit)
            .all(self.connection())
            .await?;
        let order: Vec<Uuid> = models.iter().map(|m| m.id).collect();
        let mut projects = hydrate_projects(self.connection(), models).await?;
        let mut participants = self.published_participants(&order).await?;
        Ok(order
            .iter()
            .filter_map(|id| {
                Some(ProjectWithParticipants {
                    project: projects.remove(id)?,
                    participants: participants.remove(id).unwrap_or_default(),
                })
            })
            .collect())
    }

    /// The participations in `projects` of organisations that are published: an export must
    /// not reveal that an unpublished organisation exists.
    async fn published_participants(
        &self,
        projects: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, Vec<Participation>>, StoreError> {
        if projects.is_empty() {
            return Ok(Default::default());
        }
        let published_organisations = Query::select()
            .column(organisation::Column::Id)
            .from(organisation::Entity)
            .cond_where(scope_condition("organisation", &ReadScope::PublishedOnly))
            .to_owned();
        let rows = participation::Entity::find()
            .filter(participation::Column::ProjectId.is_in(projects.iter().copied()))
            .filter(participation::Column::OrganisationId.in_subquery(published_organisations))
            .order_by_asc(participation::Column::Role)
            .order_by_asc(participation::Column::OrganisationId)
            .all(self.connection())
            .await?;
        let mut grouped: std::collections::HashMap<Uuid, Vec<Participation>> = Default::default();
        for row in rows {
            grouped
                .entry(row.project_id)
                .or_default()
                .push(mapping::participation(row)?);
        }
        Ok(grouped)
    }
}
