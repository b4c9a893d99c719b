//! Admins manage partner accounts and their API clients, as the operator does with
//! `panorama partner …`.

use async_graphql::{Context, Error, ID, InputObject, Object, SimpleObject};
use panorama_domain::partner::PartnerStatus as DomainStatus;
use panorama_domain::policy::{Scope, can_manage_partners};
use panorama_persistence::StoreError;
use panorama_persistence::partners::NewPartner;

use crate::auth::accounts::{AccountError, add_client};
use crate::error::store_error;
use crate::guard::require;
use crate::ids::{Kind, decode_kind};
use crate::types::*;

/// The longest partner name accepted.
const MAX_NAME_CHARS: usize = 200;

#[derive(InputObject)]
pub struct CreatePartnerInput {
    pub name: String,
    pub kind: PartnerKind,
    /// The organisation record the partner stands for.
    pub organisation_id: Option<ID>,
    /// Publish what this partner writes without moderation.
    #[graphql(default)]
    pub trusted: bool,
}

#[derive(SimpleObject)]
pub struct PartnerPayload {
    pub partner: Option<Partner>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct AddApiClientInput {
    pub partner_id: ID,
    /// OAuth scopes the client may ask for: ecosystem:read, ecosystem:write, grants:write,
    /// moderate, admin.
    pub scopes: Vec<String>,
}

#[derive(SimpleObject)]
pub struct AddApiClientPayload {
    pub client: Option<ApiClient>,
    /// The client's secret, shown this once: only its hash is kept.
    pub client_secret: Option<String>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct RevokeApiClientInput {
    pub client_id: String,
}

#[derive(SimpleObject)]
pub struct ApiClientPayload {
    pub client: Option<ApiClient>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct PartnerStatusInput {
    pub partner_id: ID,
}

fn partner_failed(error: UserError) -> PartnerPayload {
    PartnerPayload {
        partner: None,
        user_errors: vec![error],
    }
}

fn not_found(field: &str, what: &str) -> UserError {
    UserError::new(field, format!("no {what} with this id"), "NOT_FOUND")
}

#[derive(Default)]
pub struct PartnerMutation;

#[Object]
impl PartnerMutation {
    /// Creates a partner account (admins only).
    async fn create_partner(
        &self,
        ctx: &Context<'_>,
        input: CreatePartnerInput,
    ) -> Result<PartnerPayload, Error> {
        require(ctx, can_manage_partners)?;
        let name = input.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            let message = format!("a name of 1 to {MAX_NAME_CHARS} characters is required");
            return Ok(partner_failed(UserError::new("name", message, "INVALID")));
        }
        let organisation_id = match input.organisation_id {
            Some(id) => match decode_kind(&id, Kind::Organisation) {
                Some(uuid) => Some(uuid),
                None => return Ok(partner_failed(not_found("organisationId", "organisation"))),
            },
            None => None,
        };
        let new = NewPartner {
            name,
            kind: input.kind.into(),
            trusted: input.trusted,
            organisation_id,
        };
        match store(ctx)?.create_partner(new).await {
            Ok(partner) => Ok(PartnerPayload {
                partner: Some(Partner {
                    partner,
                    show_clients: true,
                }),
                user_errors: vec![],
            }),
            Err(StoreError::NotFound(_)) => {
                Ok(partner_failed(not_found("organisationId", "organisation")))
            }
            Err(e) => Err(store_error(&e)),
        }
    }

    /// Gives a partner a new API client; the payload carries its secret, this once.
    async fn add_api_client(
        &self,
        ctx: &Context<'_>,
        input: AddApiClientInput,
    ) -> Result<AddApiClientPayload, Error> {
        require(ctx, can_manage_partners)?;
        let failed = |error| AddApiClientPayload {
            client: None,
            client_secret: None,
            user_errors: vec![error],
        };
        let Some(partner_id) = decode_kind(&input.partner_id, Kind::Partner) else {
            return Ok(failed(not_found("partnerId", "partner")));
        };
        let Some(scopes) = Scope::parse_list(&input.scopes.join(" ")) else {
            return Ok(failed(UserError::new("scopes", "unknown scope", "INVALID")));
        };
        match add_client(store(ctx)?, partner_id, &scopes).await {
            Ok(issued) => Ok(AddApiClientPayload {
                client: Some(ApiClient(issued.client)),
                client_secret: Some(issued.secret),
                user_errors: vec![],
            }),
            Err(AccountError::Store(StoreError::NotFound(_))) => {
                Ok(failed(not_found("partnerId", "partner")))
            }
            Err(AccountError::Store(e)) => Err(store_error(&e)),
            Err(AccountError::Hash(e)) => Err(Error::new(e.to_string())),
        }
    }

    /// Revokes an API client: it gets no new tokens, and its tokens stop working.
    async fn revoke_api_client(
        &self,
        ctx: &Context<'_>,
        input: RevokeApiClientInput,
    ) -> Result<ApiClientPayload, Error> {
        require(ctx, can_manage_partners)?;
        match store(ctx)?.revoke_api_client(&input.client_id).await {
            Ok(client) => Ok(ApiClientPayload {
                client: Some(ApiClient(client)),
                user_errors: vec![],
            }),
            Err(StoreError::NotFound(_)) => Ok(ApiClientPayload {
                client: None,
                user_errors: vec![UserError::new(
                    "clientId",
                    "no API client with this id",
                    "NOT_FOUND",
                )],
            }),
            Err(e) => Err(store_error(&e)),
        }
    }

    /// Suspends a partner: its clients get no tokens and its tokens are refused.
    async fn suspend_partner(
        &self,
        ctx: &Context<'_>,
        input: PartnerStatusInput,
    ) -> Result<PartnerPayload, Error> {
        set_status(ctx, input, DomainStatus::Suspended).await
    }

    /// Reactivates a suspended partner.
    async fn activate_partner(
        &self,
        ctx: &Context<'_>,
        input: PartnerStatusInput,
    ) -> Result<PartnerPayload, Error> {
        set_status(ctx, input, DomainStatus::Active).await
    }
}

async fn set_status(
    ctx: &Context<'_>,
    input: PartnerStatusInput,
    status: DomainStatus,
) -> Result<PartnerPayload, Error> {
    require(ctx, can_manage_partners)?;
    let Some(id) = decode_kind(&input.partner_id, Kind::Partner) else {
        return Ok(partner_failed(not_found("partnerId", "partner")));
    };
    match store(ctx)?.set_partner_status(id, status).await {
        Ok(partner) => Ok(PartnerPayload {
            partner: Some(Partner {
                partner,
                show_clients: true,
            }),
            user_errors: vec![],
        }),
        Err(StoreError::NotFound(_)) => Ok(partner_failed(not_found("partnerId", "partner"))),
        Err(e) => Err(store_error(&e)),
    }
}
