//! The query root, merged from one object per area.

mod accounts;
mod duplicates;
mod feed;
mod insights;
mod listings;
mod lookups;
mod moderation;
mod suggestions;
mod sync;
pub(crate) mod webhooks;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct Query(
    lookups::LookupQuery,
    listings::ListingQuery,
    insights::InsightsQuery,
    suggestions::SuggestionQuery,
    accounts::AccountQuery,
    moderation::ModerationQuery,
    duplicates::DuplicateQuery,
    feed::FeedQuery,
    sync::SyncQuery,
    webhooks::WebhookQuery,
);
