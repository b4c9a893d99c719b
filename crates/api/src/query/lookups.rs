//! Single records: by id, by slug, by global id; and the taxonomies.

use async_graphql::{Context, Error, ID, Object};

use crate::error::{OrGqlError, user_error};
use crate::ids::{Kind, decode_kind};
use crate::loaders::{OrganisationBySlug, ProjectBySlug};
use crate::types::*;

/// The most ids `nodes` resolves at once.
const MAX_NODES: usize = 100;

#[derive(Default)]
pub struct LookupQuery;

/// Exactly one of `id` and `slug`.
fn id_or_slug(
    id: Option<ID>,
    slug: Option<String>,
    kind: Kind,
) -> Result<Result<Option<uuid::Uuid>, String>, Error> {
    match (id, slug) {
        (Some(id), None) => Ok(Ok(decode_kind(&id, kind))),
        (None, Some(slug)) => Ok(Err(slug)),
        _ => Err(user_error("give exactly one of `id` and `slug`")),
    }
}

#[Object]
impl LookupQuery {
    /// One organisation by global id or by slug; null if there is none the caller may see.
    /// The id of an organisation merged into another gives the survivor.
    async fn organisation(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> Result<Option<Organisation>, Error> {
        match id_or_slug(id, slug, Kind::Organisation)? {
            Ok(Some(id)) => match organisation_by_id(ctx, id).await? {
                Some(found) => Ok(Some(found)),
                // A merged organisation's id resolves to the one it was merged into.
                None => Ok(merged_into(ctx, &[id]).await?.pop().map(|(_, o)| o)),
            },
            Ok(None) => Ok(None),
            Err(slug) => Ok(loaders(ctx)?
                .load_one(OrganisationBySlug(slug))
                .await
                .gql()?
                .map(Organisation)),
        }
    }

    /// One project by global id or by slug.
    async fn project(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> Result<Option<Project>, Error> {
        match id_or_slug(id, slug, Kind::Project)? {
            Ok(Some(id)) => project_by_id(ctx, id).await,
            Ok(None) => Ok(None),
            Err(slug) => Ok(loaders(ctx)?
                .load_one(ProjectBySlug(slug))
                .await
                .gql()?
                .map(Project)),
        }
    }

    /// Any record by its global id.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>, Error> {
        Ok(nodes(ctx, &[id]).await?.into_iter().next().flatten())
    }

    /// Records by global ids, in the same order; null where there is none the caller may see.
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Option<Node>>, Error> {
        if ids.len() > MAX_NODES {
            return Err(user_error(format!("ids: at most {MAX_NODES} at once")));
        }
        nodes(ctx, &ids).await
    }

    /// The terms of a controlled vocabulary, in display order.
    async fn taxonomy(
        &self,
        ctx: &Context<'_>,
        vocabulary: Vocabulary,
    ) -> Result<Vec<TaxonomyTerm>, Error> {
        let vocabulary: panorama_domain::taxonomy::Vocabulary = vocabulary.into();
        let terms = loaders(ctx)?
            .load_one(vocabulary)
            .await
            .gql()?
            .unwrap_or_default();
        Ok(terms.into_iter().map(TaxonomyTerm::from).collect())
    }
}
