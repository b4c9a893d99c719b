//! `panorama partner …`: the operator's commands for partner accounts and API clients.

use std::collections::BTreeSet;

use anyhow::{Context, anyhow, bail};
use clap::Subcommand;
use panorama_api::auth::accounts::add_client;
use panorama_domain::partner::PartnerStatus;
use panorama_domain::policy::{PartnerKind, Scope};
use panorama_persistence::Store;
use panorama_persistence::partners::NewPartner;
use uuid::Uuid;

#[derive(Subcommand)]
pub enum PartnerCommand {
    /// Create a partner account; prints its id.
    Create {
        #[arg(long)]
        name: String,
        /// FUNDER, SUPPORT_ORGANISATION or PUBLIC_BODY.
        #[arg(long, value_parser = parse_kind)]
        kind: PartnerKind,
        /// The organisation record the partner stands for (its slug or id).
        #[arg(long)]
        organisation: Option<String>,
        /// Publish what this partner writes without moderation.
        #[arg(long)]
        trusted: bool,
    },
    /// Give a partner an API client; prints the client id and its secret, once.
    AddClient {
        partner: Uuid,
        /// Space-separated scopes (default: ecosystem:read ecosystem:write).
        #[arg(long, default_value = "ecosystem:read ecosystem:write")]
        scopes: String,
    },
    /// List partners and their clients.
    List,
    /// Revoke an API client: it gets no new tokens and its tokens stop working.
    RevokeClient { client_id: String },
    /// Suspend a partner: none of its clients gets or uses tokens until it is reactivated.
    Suspend { partner: Uuid },
    /// Reactivate a suspended partner.
    Activate { partner: Uuid },
}

fn parse_kind(text: &str) -> Result<PartnerKind, String> {
    PartnerKind::from_code(&text.to_uppercase())
        .ok_or_else(|| "expected FUNDER, SUPPORT_ORGANISATION or PUBLIC_BODY".to_owned())
}

pub fn parse_scopes(text: &str) -> anyhow::Result<BTreeSet<Scope>> {
    Scope::parse_list(text).ok_or_else(|| {
        let known: Vec<&str> = Scope::ALL.iter().map(|s| s.code()).collect();
        anyhow!(
            "unknown scope in `{text}`; known scopes: {}",
            known.join(", ")
        )
    })
}

pub async fn run(store: &Store, command: PartnerCommand) -> anyhow::Result<()> {
    match command {
        PartnerCommand::Create {
            name,
            kind,
            organisation,
            trusted,
        } => {
            let name = name.trim().to_owned();
            if name.is_empty() {
                bail!("a partner needs a name");
            }
            let organisation_id = match organisation {
                Some(reference) => Some(organisation_id(store, &reference).await?),
                None => None,
            };
            let partner = store
                .create_partner(NewPartner {
                    name,
                    kind,
                    trusted,
                    organisation_id,
                })
                .await?;
            println!(
                "created partner {} ({}): {}",
                partner.name,
                partner.kind.code(),
                partner.id
            );
        }
        PartnerCommand::AddClient { partner, scopes } => {
            let issued = add_client(store, partner, &parse_scopes(&scopes)?).await?;
            println!("client_id:     {}", issued.client.client_id);
            println!("client_secret: {}", issued.secret);
            println!("scopes:        {}", Scope::join(&issued.client.scopes));
            println!("Keep the secret now: it is stored only as a hash and cannot be shown again.");
        }
        PartnerCommand::List => list(store).await?,
        PartnerCommand::RevokeClient { client_id } => {
            let client = store.revoke_api_client(&client_id).await?;
            println!(
                "revoked {} (partner {})",
                client.client_id, client.partner_id
            );
        }
        PartnerCommand::Suspend { partner } => {
            let partner = store
                .set_partner_status(partner, PartnerStatus::Suspended)
                .await?;
            println!("suspended {} ({})", partner.name, partner.id);
        }
        PartnerCommand::Activate { partner } => {
            let partner = store
                .set_partner_status(partner, PartnerStatus::Active)
                .await?;
            println!("reactivated {} ({})", partner.name, partner.id);
        }
    }
    Ok(())
}

async fn organisation_id(store: &Store, reference: &str) -> anyhow::Result<Uuid> {
    use panorama_domain::policy::ReadScope;
    if let Ok(id) = reference.parse::<Uuid>() {
        return Ok(id);
    }
    let found = store
        .organisations_by_slug(&ReadScope::Everything, &[reference.to_owned()])
        .await?;
    found
        .get(reference)
        .map(|o| o.meta.id)
        .with_context(|| format!("no organisation with slug `{reference}`"))
}

async fn list(store: &Store) -> anyhow::Result<()> {
    let partners = store.partners().await?;
    if partners.is_empty() {
        println!("no partners yet: `panorama partner create --name … --kind …`");
        return Ok(());
    }
    let ids: Vec<Uuid> = partners.iter().map(|p| p.id).collect();
    let clients = store.api_clients(&ids).await?;
    for partner in partners {
        let trusted = if partner.trusted { ", trusted" } else { "" };
        println!(
            "{} {} ({}, {}{trusted})",
            partner.id,
            partner.name,
            partner.kind.code(),
            partner.status.code()
        );
        for client in clients.get(&partner.id).into_iter().flatten() {
            let state = match (client.revoked_at, client.last_used_at) {
                (Some(at), _) => format!("revoked {at}"),
                (None, Some(at)) => format!("last used {at}"),
                (None, None) => "never used".to_owned(),
            };
            println!(
                "    {}  [{}]  {state}",
                client.client_id,
                Scope::join(&client.scopes)
            );
        }
    }
    Ok(())
}
