//! Likely twins of an organisation, for moderators cleaning the registry.

use async_graphql::{Context, Error, ID, Object, SimpleObject};
use panorama_domain::duplicates::DuplicateReason as DomainReason;
use panorama_domain::policy::can_moderate;

use crate::error::OrGqlError;
use crate::guard::require;
use crate::ids::{Kind, decode_kind};
use crate::types::{Organisation, store};

/// Why two organisations look like the same one.
#[derive(SimpleObject)]
pub struct DuplicateReason {
    /// SHARED_LEGAL_IDENTIFIER, SAME_WEBSITE_HOST or SIMILAR_NAME.
    pub code: String,
    /// The reason as a sentence.
    pub description: String,
    /// For SIMILAR_NAME: how alike the names are, 0 to 1.
    pub similarity: Option<f64>,
}

impl From<&DomainReason> for DuplicateReason {
    fn from(reason: &DomainReason) -> Self {
        Self {
            code: reason.code().to_owned(),
            description: reason.describe(),
            similarity: match reason {
                DomainReason::SimilarName { similarity } => Some(*similarity),
                _ => None,
            },
        }
    }
}

/// A likely twin, with each reason.
#[derive(SimpleObject)]
pub struct PossibleDuplicate {
    pub organisation: Organisation,
    pub reasons: Vec<DuplicateReason>,
}

#[derive(Default)]
pub struct DuplicateQuery;

#[Object]
impl DuplicateQuery {
    /// Organisations that look like the same one as `organisationId`, strongest first
    /// (moderators and admins): a shared legal identifier, the same website host, or a name
    /// close enough in the same country. Null when there is no such organisation.
    async fn possible_duplicates(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
    ) -> Result<Option<Vec<PossibleDuplicate>>, Error> {
        require(ctx, can_moderate)?;
        let Some(id) = decode_kind(&organisation_id, Kind::Organisation) else {
            return Ok(None);
        };
        let twins = store(ctx)?.possible_duplicates(id).await.gql()?;
        Ok(twins.map(|twins| {
            twins
                .into_iter()
                .map(|twin| PossibleDuplicate {
                    reasons: twin.reasons.iter().map(DuplicateReason::from).collect(),
                    organisation: Organisation(twin.organisation),
                })
                .collect()
        }))
    }
}
