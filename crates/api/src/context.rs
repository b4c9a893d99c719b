//! Who is calling, decided once per request and handed to every resolver.

use panorama_domain::policy::{Actor, ReadScope, read_scope};

/// The caller of one request, from its verified bearer token (anonymous without one).
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub actor: Actor,
}

impl RequestContext {
    pub fn anonymous() -> Self {
        Self {
            actor: Actor::Anonymous,
        }
    }

    pub fn scope(&self) -> ReadScope {
        read_scope(&self.actor)
    }
}
