//! Partner accounts, their API clients, and the caller's view of itself.

use async_graphql::{Context, Enum, Error, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use panorama_domain::partner as domain;
use panorama_domain::policy::{self, Actor, PartnerKind as DomainKind};

use super::common::*;
use super::ecosystem::{Organisation, load_visible, organisation_by_id};
use crate::error::OrGqlError;
use crate::ids::{Kind, encode};
use crate::loaders::{ApiClientsOf, OrganisationById};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "DomainKind")]
pub enum PartnerKind {
    Funder,
    SupportOrganisation,
    PublicBody,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::PartnerStatus")]
pub enum PartnerStatus {
    Active,
    Suspended,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "policy::Role")]
pub enum Role {
    Anonymous,
    Member,
    Partner,
    Moderator,
    Admin,
}

/// A funder, support organisation or public body that connects its systems to Panorama.
pub struct Partner {
    pub partner: domain::Partner,
    /// Whether the caller may see the partner's API clients.
    pub show_clients: bool,
}

#[Object]
impl Partner {
    async fn id(&self) -> ID {
        encode(Kind::Partner, self.partner.id)
    }
    async fn name(&self) -> &str {
        &self.partner.name
    }
    async fn kind(&self) -> PartnerKind {
        self.partner.kind.into()
    }
    async fn status(&self) -> PartnerStatus {
        self.partner.status.into()
    }
    /// Trusted partners publish what they write at once.
    async fn trusted(&self) -> bool {
        self.partner.trusted
    }
    /// The organisation record the partner stands for.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>, Error> {
        match self.partner.organisation_id {
            Some(id) => organisation_by_id(ctx, id).await,
            None => Ok(None),
        }
    }
    /// The partner's API clients (to admins and to the partner itself).
    async fn api_clients(&self, ctx: &Context<'_>) -> Result<Vec<ApiClient>, Error> {
        if !self.show_clients {
            return Ok(Vec::new());
        }
        let clients = loaders(ctx)?
            .load_one(ApiClientsOf(self.partner.id))
            .await
            .gql()?;
        Ok(clients
            .unwrap_or_default()
            .into_iter()
            .map(ApiClient)
            .collect())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.partner.created_at
    }
}

/// One system of a partner. Its secret is never shown again after it was made.
pub struct ApiClient(pub domain::ApiClient);

#[Object]
impl ApiClient {
    async fn client_id(&self) -> &str {
        &self.0.client_id
    }
    async fn scopes(&self) -> Vec<&'static str> {
        self.0.scopes.iter().map(|s| s.code()).collect()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}

/// Who the caller is, as the API sees it.
pub struct Viewer(pub Actor);

#[Object]
impl Viewer {
    async fn role(&self) -> Role {
        self.0.role().into()
    }
    /// The token's subject: an API client id, or the identity provider's user id.
    async fn subject(&self) -> Option<&str> {
        match &self.0 {
            Actor::Caller(caller) => Some(&caller.subject),
            _ => None,
        }
    }
    async fn scopes(&self) -> Vec<&'static str> {
        match &self.0 {
            Actor::Caller(caller) => caller.scopes.iter().map(|s| s.code()).collect(),
            _ => Vec::new(),
        }
    }
    /// The partner the caller acts for.
    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<Partner>, Error> {
        let Actor::Caller(caller) = &self.0 else {
            return Ok(None);
        };
        let Some(partner) = &caller.partner else {
            return Ok(None);
        };
        let found = store(ctx)?.partner(partner.id).await.gql()?;
        Ok(found.map(|partner| Partner {
            partner,
            show_clients: true,
        }))
    }
    /// The organisations the caller belongs to (a member) or stands for (a partner).
    async fn organisations(&self, ctx: &Context<'_>) -> Result<Vec<Organisation>, Error> {
        let Actor::Caller(caller) = &self.0 else {
            return Ok(Vec::new());
        };
        let mut ids = caller.organisations.clone();
        ids.extend(caller.partner.as_ref().and_then(|p| p.organisation));
        load_visible(
            ctx,
            ids.into_iter().map(OrganisationById).collect(),
            Organisation,
        )
        .await
    }
}

/// A problem with a mutation's input: the mutation wrote nothing.
#[derive(SimpleObject, Clone, Debug)]
pub struct UserError {
    /// The input field at fault, as a path.
    pub field: Vec<String>,
    pub message: String,
    pub code: String,
}

impl UserError {
    pub fn new(field: &str, message: impl Into<String>, code: &str) -> Self {
        Self {
            field: vec!["input".to_owned(), field.to_owned()],
            message: message.into(),
            code: code.to_owned(),
        }
    }
}
