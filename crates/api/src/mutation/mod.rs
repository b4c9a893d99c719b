//! The mutation root, merged from one object per area.

mod organisations;
mod partners;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct Mutation(
    organisations::OrganisationMutation,
    partners::PartnerMutation,
);
