//! Relay global ids: `base64("Type:uuid")`, opaque to clients, telling the type of a record.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Organisation,
    Project,
    Grant,
    Event,
    CaseStudy,
    FundingOpportunity,
    Support,
    OrganisationLink,
    ImpactIndicator,
    Partner,
    Proposal,
    WebhookEndpoint,
    WebhookDelivery,
}

impl Kind {
    const ALL: [Kind; 13] = [
        Self::Organisation,
        Self::Project,
        Self::Grant,
        Self::Event,
        Self::CaseStudy,
        Self::FundingOpportunity,
        Self::Support,
        Self::OrganisationLink,
        Self::ImpactIndicator,
        Self::Partner,
        Self::Proposal,
        Self::WebhookEndpoint,
        Self::WebhookDelivery,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Organisation => "Organisation",
            Self::Project => "Project",
            Self::Grant => "Grant",
            Self::Event => "Event",
            Self::CaseStudy => "CaseStudy",
            Self::FundingOpportunity => "FundingOpportunity",
            Self::Support => "Support",
            Self::OrganisationLink => "OrganisationLink",
            Self::ImpactIndicator => "ImpactIndicator",
            Self::Partner => "Partner",
            Self::Proposal => "Proposal",
            Self::WebhookEndpoint => "WebhookEndpoint",
            Self::WebhookDelivery => "WebhookDelivery",
        }
    }

    /// The table of a record kind, which is also its type in revisions and proposals.
    pub fn table(self) -> Option<&'static str> {
        Some(match self {
            Self::Organisation => "organisation",
            Self::Project => "project",
            Self::Grant => "grant_award",
            Self::Event => "event",
            Self::CaseStudy => "case_study",
            Self::FundingOpportunity => "funding_opportunity",
            Self::Support => "support",
            Self::OrganisationLink => "organisation_link",
            Self::ImpactIndicator => "impact_indicator",
            Self::Partner | Self::Proposal | Self::WebhookEndpoint | Self::WebhookDelivery => {
                return None;
            }
        })
    }

    /// The record kind stored in `table`.
    pub fn of_table(table: &str) -> Option<Kind> {
        Self::ALL.into_iter().find(|k| k.table() == Some(table))
    }
}

pub fn encode(kind: Kind, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// The kind and uuid behind a global id, or `None` for anything this API did not hand out.
pub fn decode(id: &str) -> Option<(Kind, Uuid)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(id).ok()?).ok()?;
    let (name, uuid) = text.split_once(':')?;
    let kind = Kind::ALL.into_iter().find(|k| k.name() == name)?;
    Some((kind, uuid.parse().ok()?))
}

/// The uuid behind a global id of the expected kind.
pub fn decode_kind(id: &str, expected: Kind) -> Option<Uuid> {
    decode(id)
        .filter(|(kind, _)| *kind == expected)
        .map(|(_, uuid)| uuid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_carry_their_kind() {
        let uuid = Uuid::now_v7();
        let id = encode(Kind::Project, uuid);
        assert_eq!(decode(&id), Some((Kind::Project, uuid)));
        assert_eq!(decode_kind(&id, Kind::Organisation), None);
        assert_eq!(decode("garbage"), None);
    }
}
