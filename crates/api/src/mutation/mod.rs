//! The mutation root, merged from one object per area. Every record type's writes go through
//! the shared path in [`records`].

#[macro_use]
pub mod records;
mod funding;
mod giving;
mod merge;
mod moderation;

pub use moderation::ReportReason;
mod organisations;
mod partners;
mod projects;
mod relations;
mod stories;
mod sync;
mod webhooks;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct Mutation(
    organisations::OrganisationMutation,
    projects::ProjectMutation,
    projects::ParticipationMutation,
    projects::ImpactIndicatorMutation,
    funding::GrantMutation,
    funding::GrantRemoval,
    funding::FundingOpportunityMutation,
    relations::SupportMutation,
    relations::OrganisationLinkMutation,
    relations::RelationRemoval,
    stories::EventMutation,
    stories::CaseStudyMutation,
    moderation::ModerationMutation,
    merge::MergeMutation,
    sync::SyncMutation,
    giving::GivingMutation,
    partners::PartnerMutation,
    webhooks::WebhookMutation,
);
