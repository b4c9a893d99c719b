//! Merging duplicate organisations (moderators).

use async_graphql::{Context, Error, ID, InputObject, Object};
use panorama_domain::policy::can_moderate;
use panorama_persistence::history::Action;

use super::records::*;
use crate::guard::require;
use crate::ids::Kind;
use crate::types::{Organisation, request, store};

#[derive(InputObject)]
pub struct MergeOrganisationsInput {
    /// The organisation that stays.
    pub survivor_id: ID,
    /// The organisation that goes; its id resolves to the survivor afterwards.
    pub merged_id: ID,
}

#[derive(Default)]
pub struct MergeMutation;

#[Object]
impl MergeMutation {
    /// Merges a duplicate into the organisation that stays, in one transaction: its
    /// participations, grants, support, links, events, case studies, funding opportunities,
    /// partner accounts and external ids move to the survivor (each with a revision), the
    /// survivor gains its legal identifiers, and its id keeps resolving to the survivor
    /// through `node` and `organisation` (moderators and admins).
    async fn merge_organisations(
        &self,
        ctx: &Context<'_>,
        input: MergeOrganisationsInput,
    ) -> Result<Payload<Organisation>, Error> {
        require(ctx, can_moderate)?;
        let mut ids = Ids::default();
        let survivor = ids.one("survivorId", &input.survivor_id, Kind::Organisation);
        let merged = ids.one("mergedId", &input.merged_id, Kind::Organisation);
        if !ids.errors.is_empty() {
            return Ok(Payload::failed(ids.errors));
        }
        let author = author(&request(ctx)?.actor);
        outcome(
            store(ctx)?
                .merge_organisations(survivor, merged, &Action::new("MERGE", &author))
                .await,
        )
    }
}
