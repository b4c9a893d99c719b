//! The mutation root, merged from one object per area.

mod partners;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct Mutation(partners::PartnerMutation);
