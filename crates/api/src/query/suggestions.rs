//! Who should work with whom (`collaborationSuggestions`) and which open funding suits an
//! organisation (`fundingMatches`): published records only, scored by the domain
//! (`panorama_domain::suggest`) term by term, so that each suggestion says why.

use std::collections::{HashMap, HashSet};

use async_graphql::{Context, Error, ID, Object};
use panorama_domain::network::{Graph, within};
use panorama_domain::suggest::{
    DEFAULT_SUGGESTIONS, MAX_SUGGESTIONS, Profile, Weights, collaboration_suggestions,
    funding_matches,
};
use uuid::Uuid;

use crate::error::{OrGqlError, not_found, user_error};
use crate::ids::{Kind, decode_kind};
use crate::inputs::OrganisationFilterInput;
use crate::loaders::OrganisationById;
use crate::types::network::{node_of, published_graph};
use crate::types::suggestion::{CollaborationSuggestion, FundingMatch, SuggestionTerm};
use crate::types::*;

#[derive(Default)]
pub struct SuggestionQuery;

#[Object]
impl SuggestionQuery {
    /// Published organisations that the given one is not tied to yet (by a shared project, a
    /// link, a grant or support) and could work with, best first: scored from shared focus,
    /// technologies and areas of impact, nearness, complementary roles and organisations tied
    /// to both, each term with its reason. Organisations with nothing in common are left out.
    /// `filter` (that of the `organisations` listing) narrows the candidates; `first` is at
    /// most 50. The id of a merged organisation stands for the one it was merged into.
    async fn collaboration_suggestions(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        #[graphql(default_with = "DEFAULT_SUGGESTIONS as i32")] first: i32,
        filter: Option<OrganisationFilterInput>,
    ) -> Result<Vec<CollaborationSuggestion>, Error> {
        let first = within("first", first.into(), 0, MAX_SUGGESTIONS).gql()? as usize;
        let filter = filter.map(|f| f.to_domain()).transpose()?;
        let id = organisation_id_of(&organisation_id)?;
        let published = published_graph(ctx).await?;
        let centre = published_node(ctx, &published.graph, id).await?;
        let store = store(ctx)?;
        let profiles = store.organisation_profiles(&published).await.gql()?;
        let selected: Option<HashSet<Uuid>> = match &filter {
            Some(filter) => Some(store.selected_organisations(filter).await.gql()?),
            None => None,
        };
        let accepted = |id: Uuid| selected.as_ref().is_none_or(|s| s.contains(&id));
        let weights = Weights::default();
        let found = collaboration_suggestions(
            &published.graph,
            &profiles,
            centre,
            accepted,
            &weights,
            first,
        );
        let keys = found.iter().map(|s| OrganisationById(s.item));
        let organisations = loaders(ctx)?.load_many(keys).await.gql()?;
        Ok(found
            .into_iter()
            .filter_map(|s| {
                let organisation = organisations.get(&OrganisationById(s.item))?.clone();
                Some(CollaborationSuggestion {
                    organisation: Organisation(organisation),
                    score: s.score,
                    terms: SuggestionTerm::all(s.terms),
                })
            })
            .collect())
    }

    /// Open funding opportunities (closing today or later, or never) that suit the given
    /// published organisation, best first: scored from the focus and areas of impact it shares
    /// with the funder (the areas the funder's grants went to, when it has any), the
    /// opportunity's countries and its target applicants, each term with its reason. Those the
    /// organisation cannot apply to (another country, another kind of applicant), its own, and
    /// those with nothing in its favour are left out. `first` is at most 50.
    async fn funding_matches(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        #[graphql(default_with = "DEFAULT_SUGGESTIONS as i32")] first: i32,
    ) -> Result<Vec<FundingMatch>, Error> {
        let first = within("first", first.into(), 0, MAX_SUGGESTIONS).gql()? as usize;
        let id = organisation_id_of(&organisation_id)?;
        let published = published_graph(ctx).await?;
        let node = published_node(ctx, &published.graph, id).await?;
        let store = store(ctx)?;
        let profiles = store.organisation_profiles(&published).await.gql()?;
        let today = chrono::Utc::now().date_naive();
        let opportunities = store.open_funding_opportunities(today).await.gql()?;
        let applicant = published.graph.id(node);
        let found = matches(applicant, &profiles, &opportunities, today, first);
        Ok(found)
    }
}

fn matches(
    applicant: Uuid,
    profiles: &HashMap<Uuid, Profile>,
    opportunities: &[panorama_domain::FundingOpportunity],
    today: chrono::NaiveDate,
    first: usize,
) -> Vec<FundingMatch> {
    let empty = Profile::default();
    let profile = profiles.get(&applicant).unwrap_or(&empty);
    let weights = Weights::default();
    let found = funding_matches(
        applicant,
        profile,
        opportunities,
        profiles,
        today,
        &weights,
        first,
    );
    found
        .into_iter()
        .map(|s| FundingMatch {
            opportunity: FundingOpportunity(s.item.clone()),
            score: s.score,
            terms: SuggestionTerm::all(s.terms),
        })
        .collect()
}

fn organisation_id_of(id: &ID) -> Result<Uuid, Error> {
    decode_kind(id, Kind::Organisation).ok_or_else(|| {
        user_error(format!(
            "organisationId: `{}` is not an organisation id",
            id.as_str()
        ))
    })
}

/// The graph node of a published organisation (a merged one's id stands for its survivor).
async fn published_node(ctx: &Context<'_>, graph: &Graph, id: Uuid) -> Result<usize, Error> {
    node_of(ctx, graph, id)
        .await?
        .ok_or_else(|| not_found("organisationId: no published organisation with this id"))
}
