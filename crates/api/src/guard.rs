//! Access checks for resolvers, asking the domain's policy functions.

use async_graphql::{Context, Error};
use panorama_domain::policy::Actor;

use crate::error::{forbidden, unauthenticated};
use crate::types::request;

/// Passes when `allowed` says yes; otherwise UNAUTHENTICATED for an anonymous caller (signing
/// in might help) and FORBIDDEN for a signed-in one.
pub fn require(ctx: &Context<'_>, allowed: impl Fn(&Actor) -> bool) -> Result<(), Error> {
    let actor = &request(ctx)?.actor;
    if allowed(actor) {
        Ok(())
    } else if matches!(actor, Actor::Anonymous) {
        Err(unauthenticated())
    } else {
        Err(forbidden())
    }
}
