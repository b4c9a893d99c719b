//! Access policy as pure functions: who may see what. The API asks these functions; no resolver
//! decides access on its own. Authentication (issue "Identity and access") will add the signed-in
//! actors; until then every API caller is anonymous and the operator's command line is `System`.

use crate::model::RecordStatus;

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A caller without a token: reads published records only.
    Anonymous,
    /// The operator's own command line (migrate, import, export): sees everything.
    System,
}

/// Which records a listing or a look-up may return to an actor. Storage turns it into a
/// condition, so records outside it are absent from pages, counts and facets alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadScope {
    PublishedOnly,
    Everything,
}

impl ReadScope {
    pub fn allows(self, status: RecordStatus) -> bool {
        match self {
            Self::PublishedOnly => status == RecordStatus::Published,
            Self::Everything => true,
        }
    }
}

pub fn read_scope(actor: &Actor) -> ReadScope {
    match actor {
        Actor::Anonymous => ReadScope::PublishedOnly,
        Actor::System => ReadScope::Everything,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_reads_published_records_only() {
        let scope = read_scope(&Actor::Anonymous);
        for status in RecordStatus::ALL {
            assert_eq!(
                scope.allows(*status),
                *status == RecordStatus::Published,
                "{status:?}"
            );
        }
        assert!(
            RecordStatus::ALL
                .iter()
                .all(|s| read_scope(&Actor::System).allows(*s))
        );
    }
}
