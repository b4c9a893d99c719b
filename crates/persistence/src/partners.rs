//! Partner accounts and their API clients.

use std::collections::{BTreeSet, HashMap};

use panorama_domain::partner::{ApiClient, Partner, PartnerStatus};
use panorama_domain::policy::{PartnerKind, Scope};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use crate::entities::{api_client, organisation, partner};
use crate::mapping::code;
use crate::time::now;
use crate::{Store, StoreError};

fn to_partner(m: partner::Model) -> Result<Partner, StoreError> {
    Ok(Partner {
        id: m.id,
        kind: code(PartnerKind::from_code, &m.kind, "partner kind")?,
        status: code(PartnerStatus::from_code, &m.status, "partner status")?,
        name: m.name,
        trusted: m.trusted,
        organisation_id: m.organisation_id,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn to_client(m: api_client::Model) -> Result<ApiClient, StoreError> {
    let scopes = Scope::parse_list(&m.scopes)
        .ok_or_else(|| StoreError::corrupt(format!("scopes `{}`", m.scopes)))?;
    Ok(ApiClient {
        id: m.id,
        partner_id: m.partner_id,
        client_id: m.client_id,
        scopes,
        created_at: m.created_at,
        last_used_at: m.last_used_at,
        revoked_at: m.revoked_at,
    })
}

/// A client's stored credentials, as the token endpoint checks them.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    pub client: ApiClient,
    /// The argon2 PHC string of the secret.
    pub secret_hash: String,
    pub partner: Partner,
}

/// What a new partner account is.
#[derive(Debug, Clone)]
pub struct NewPartner {
    pub name: String,
    pub kind: PartnerKind,
    pub trusted: bool,
    pub organisation_id: Option<Uuid>,
}

impl Store {
    pub async fn create_partner(&self, new: NewPartner) -> Result<Partner, StoreError> {
        if let Some(id) = new.organisation_id
            && organisation::Entity::find_by_id(id)
                .one(self.connection())
                .await?
                .is_none()
        {
            return Err(StoreError::NotFound("organisation"));
        }
        let at = now();
        let model = partner::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(new.name),
            kind: Set(new.kind.code().to_owned()),
            status: Set(PartnerStatus::Active.code().to_owned()),
            trusted: Set(new.trusted),
            organisation_id: Set(new.organisation_id),
            created_at: Set(at),
            updated_at: Set(at),
        };
        to_partner(model.insert(self.connection()).await?)
    }

    pub async fn partners(&self) -> Result<Vec<Partner>, StoreError> {
        let rows = partner::Entity::find()
            .order_by_asc(partner::Column::Name)
            .all(self.connection())
            .await?;
        rows.into_iter().map(to_partner).collect()
    }

    pub async fn partners_by_id(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Partner>, StoreError> {
        let rows = partner::Entity::find()
            .filter(partner::Column::Id.is_in(ids.iter().copied()))
            .all(self.connection())
            .await?;
        rows.into_iter()
            .map(|m| Ok((m.id, to_partner(m)?)))
            .collect()
    }

    pub async fn partner(&self, id: Uuid) -> Result<Option<Partner>, StoreError> {
        partner::Entity::find_by_id(id)
            .one(self.connection())
            .await?
            .map(to_partner)
            .transpose()
    }

    pub async fn set_partner_status(
        &self,
        id: Uuid,
        status: PartnerStatus,
    ) -> Result<Partner, StoreError> {
        let row = partner::Entity::find_by_id(id)
            .one(self.connection())
            .await?
            .ok_or(StoreError::NotFound("partner"))?;
        let mut row = row.into_active_model();
        row.status = Set(status.code().to_owned());
        row.updated_at = Set(now());
        to_partner(row.update(self.connection()).await?)
    }

    pub async fn add_api_client(
        &self,
        partner_id: Uuid,
        client_id: String,
        secret_hash: String,
        scopes: &BTreeSet<Scope>,
    ) -> Result<ApiClient, StoreError> {
        if partner::Entity::find_by_id(partner_id)
            .one(self.connection())
            .await?
            .is_none()
        {
            return Err(StoreError::NotFound("partner"));
        }
        let model = api_client::ActiveModel {
            id: Set(Uuid::now_v7()),
            partner_id: Set(partner_id),
            client_id: Set(client_id),
            secret_hash: Set(secret_hash),
            scopes: Set(Scope::join(scopes)),
            created_at: Set(now()),
            last_used_at: Set(None),
            revoked_at: Set(None),
        };
        to_client(model.insert(self.connection()).await?)
    }

    /// The API clients of some partners, oldest first.
    pub async fn api_clients(
        &self,
        partner_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<ApiClient>>, StoreError> {
        let rows = api_client::Entity::find()
            .filter(api_client::Column::PartnerId.is_in(partner_ids.iter().copied()))
            .order_by_asc(api_client::Column::CreatedAt)
            .all(self.connection())
            .await?;
        let mut out: HashMap<Uuid, Vec<ApiClient>> = HashMap::new();
        for row in rows {
            out.entry(row.partner_id).or_default().push(to_client(row)?);
        }
        Ok(out)
    }

    /// A client with its secret hash and its partner, for authentication.
    pub async fn client_credentials(
        &self,
        client_id: &str,
    ) -> Result<Option<ClientCredentials>, StoreError> {
        let Some(row) = api_client::Entity::find()
            .filter(api_client::Column::ClientId.eq(client_id))
            .one(self.connection())
            .await?
        else {
            return Ok(None);
        };
        let partner = self
            .partner(row.partner_id)
            .await?
            .ok_or_else(|| StoreError::corrupt("client without partner"))?;
        let secret_hash = row.secret_hash.clone();
        Ok(Some(ClientCredentials {
            client: to_client(row)?,
            secret_hash,
            partner,
        }))
    }

    pub async fn revoke_api_client(&self, client_id: &str) -> Result<ApiClient, StoreError> {
        let row = api_client::Entity::find()
            .filter(api_client::Column::ClientId.eq(client_id))
            .one(self.connection())
            .await?
            .ok_or(StoreError::NotFound("API client"))?;
        if row.revoked_at.is_some() {
            return to_client(row);
        }
        let mut row = row.into_active_model();
        row.revoked_at = Set(Some(now()));
        to_client(row.update(self.connection()).await?)
    }

    /// Records that a client obtained a token now.
    pub async fn touch_api_client(&self, client_id: &str) -> Result<(), StoreError> {
        api_client::Entity::update_many()
            .col_expr(
                api_client::Column::LastUsedAt,
                sea_orm::sea_query::Expr::val(now()),
            )
            .filter(api_client::Column::ClientId.eq(client_id))
            .exec(self.connection())
            .await?;
        Ok(())
    }
}
