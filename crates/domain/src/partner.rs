//! Partner accounts and their API clients.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::policy::{PartnerKind, Scope};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartnerStatus {
    Active,
    /// Its clients get no tokens and its tokens are refused until it is reactivated.
    Suspended,
}

impl PartnerStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Suspended => "SUSPENDED",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Active, Self::Suspended]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// A funder, support organisation or public body that connects its systems to Panorama.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub id: Uuid,
    pub name: String,
    pub kind: PartnerKind,
    pub status: PartnerStatus,
    /// Trusted partners publish what they write at once; others' writes wait for moderation.
    pub trusted: bool,
    /// The organisation record the partner stands for.
    pub organisation_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One system of a partner, with its own credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    pub id: Uuid,
    pub partner_id: Uuid,
    /// The public client identifier of OAuth 2.0.
    pub client_id: String,
    /// The scopes this client may ask for.
    pub scopes: BTreeSet<Scope>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiClient {
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}
