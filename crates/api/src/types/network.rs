//! The network of organisations as GraphQL: a neighbourhood (`Organisation.network`) and a
//! chain between two organisations (`path`), each tie with the records it stands for. The graph
//! and its searches are the domain's (`panorama_domain::network`); it comes from the snapshot of
//! the published network that the request answers from ([`crate::network_cache`]).

use std::sync::Arc;

use async_graphql::{Context, Error, ID, Object, SimpleObject};
use panorama_domain as domain;
use panorama_domain::network::{Graph, NetworkBounds, TieReason as Reason};
use panorama_persistence::network::OrganisationGraph;
use uuid::Uuid;

use super::common::*;
use super::ecosystem::*;
use super::funding::*;
use crate::error::OrGqlError;
use crate::ids::{Kind, encode};
use crate::loaders::*;
use crate::network_cache::{NetworkSnapshot, RequestNetwork};

/// What kind of record ties two organisations.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::network::TieKind")]
pub enum TieKind {
    /// Both take part in the same project.
    SharedProject,
    /// An explicit organisation link (partner, member of, spin-off, subsidiary).
    Link,
    /// One awarded a grant to the other.
    Grant,
    /// One supports the other (incubation, mentoring…).
    Support,
}

/// One record that ties two organisations.
pub struct TieReason(pub Reason);

/// One record that ties two organisations: a shared project, a link, a grant or a support.
#[Object]
impl TieReason {
    async fn kind(&self) -> TieKind {
        self.0.kind().into()
    }
    /// The global id of the project, link, grant or support record.
    async fn id(&self) -> ID {
        let kind = match self.0 {
            Reason::SharedProject { .. } => Kind::Project,
            Reason::Link { .. } => Kind::OrganisationLink,
            Reason::Grant { .. } => Kind::Grant,
            Reason::Support { .. } => Kind::Support,
        };
        encode(kind, self.0.record_id())
    }
    /// The shared project (for `SHARED_PROJECT`).
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<Project>, Error> {
        match self.0 {
            Reason::SharedProject { project } => project_by_id(ctx, project).await,
            _ => Ok(None),
        }
    }
    /// The grant (for `GRANT`).
    async fn grant(&self, ctx: &Context<'_>) -> Result<Option<Grant>, Error> {
        match self.0 {
            Reason::Grant { grant } => Ok(loaders(ctx)?
                .load_one(GrantById(grant))
                .await
                .gql()?
                .map(Grant)),
            _ => Ok(None),
        }
    }
    /// The kind of organisation link (for `LINK`).
    async fn link_kind(&self) -> Option<LinkKind> {
        match self.0 {
            Reason::Link { kind, .. } => Some(kind.into()),
            _ => None,
        }
    }
    /// The kind of support (for `SUPPORT`).
    async fn support_kind(&self) -> Option<SupportKind> {
        match self.0 {
            Reason::Support { kind, .. } => Some(kind.into()),
            _ => None,
        }
    }
}

/// Two tied organisations and every record that ties them.
pub struct NetworkTie {
    from: Uuid,
    to: Uuid,
    reasons: Vec<Reason>,
}

impl NetworkTie {
    fn new(graph: &Graph, from: usize, to: usize) -> Self {
        Self {
            from: graph.id(from),
            to: graph.id(to),
            reasons: graph.reasons(from, to).to_vec(),
        }
    }
}

/// Two tied organisations and every record that ties them.
#[Object]
impl NetworkTie {
    /// In a neighbourhood, the end nearer the centre; in a path, the step's start.
    async fn from(&self, ctx: &Context<'_>) -> Result<Option<Organisation>, Error> {
        organisation_by_id(ctx, self.from).await
    }
    async fn to(&self, ctx: &Context<'_>) -> Result<Option<Organisation>, Error> {
        organisation_by_id(ctx, self.to).await
    }
    async fn reasons(&self) -> Vec<TieReason> {
        self.reasons.iter().copied().map(TieReason).collect()
    }
}

/// An organisation in a neighbourhood, with its distance from the centre in ties.
#[derive(SimpleObject)]
pub struct NetworkNode {
    pub organisation: Organisation,
    pub distance: u32,
}

/// The organisations around one, and the ties among them.
pub struct OrganisationNetwork {
    /// Node ids with their distance, nearest first (the centre first).
    nodes: Vec<(Uuid, u32)>,
    edges: Vec<NetworkTie>,
    truncated: bool,
}

/// The organisations around one, nearest first, and the ties among them.
#[Object]
impl OrganisationNetwork {
    /// The organisations found, nearest first; the centre is the first, at distance 0.
    async fn nodes(&self, ctx: &Context<'_>) -> Result<Vec<NetworkNode>, Error> {
        let found = loaders(ctx)?
            .load_many(self.nodes.iter().map(|(id, _)| OrganisationById(*id)))
            .await
            .gql()?;
        Ok(self
            .nodes
            .iter()
            .filter_map(|(id, distance)| {
                let organisation = Organisation(found.get(&OrganisationById(*id))?.clone());
                let distance = *distance;
                Some(NetworkNode {
                    organisation,
                    distance,
                })
            })
            .collect())
    }
    /// The ties among those organisations.
    async fn edges(&self) -> &[NetworkTie] {
        &self.edges
    }
    /// True when `maxNodes` or `maxEdges` cut the neighbourhood: there is more within `depth`.
    async fn truncated(&self) -> bool {
        self.truncated
    }
}

/// The request's snapshot of the published network (see [`crate::network_cache`]).
pub async fn published_network(ctx: &Context<'_>) -> Result<Arc<NetworkSnapshot>, Error> {
    ctx.data::<RequestNetwork>()?.snapshot().await
}

/// The graph of every published organisation, as the request's snapshot holds it.
pub async fn published_graph(ctx: &Context<'_>) -> Result<Arc<OrganisationGraph>, Error> {
    Ok(Arc::clone(&published_network(ctx).await?.graph))
}

/// The neighbourhood of `centre` within `bounds`. An organisation outside the published graph
/// (a draft a moderator is looking at) is alone in its network.
pub async fn network(
    ctx: &Context<'_>,
    centre: Uuid,
    bounds: NetworkBounds,
) -> Result<OrganisationNetwork, Error> {
    let published = published_graph(ctx).await?;
    let graph = &published.graph;
    let Some(node) = graph.node(centre) else {
        return Ok(OrganisationNetwork {
            nodes: vec![(centre, 0)],
            edges: Vec::new(),
            truncated: false,
        });
    };
    let found = graph.neighbourhood(node, bounds);
    Ok(OrganisationNetwork {
        nodes: found
            .nodes
            .iter()
            .map(|&(n, distance)| (graph.id(n), distance))
            .collect(),
        edges: found
            .edges
            .iter()
            .map(|&(a, b)| NetworkTie::new(graph, a, b))
            .collect(),
        truncated: found.truncated,
    })
}

/// A shortest chain of ties between two organisations.
pub struct OrganisationPath {
    organisations: Vec<Uuid>,
    steps: Vec<NetworkTie>,
}

/// A shortest chain of ties between two organisations.
#[Object]
impl OrganisationPath {
    /// How many ties the chain has.
    async fn length(&self) -> usize {
        self.steps.len()
    }
    /// The organisations along the chain, from the first to the last.
    async fn organisations(&self, ctx: &Context<'_>) -> Result<Vec<Organisation>, Error> {
        let keys = self.organisations.iter().map(|id| OrganisationById(*id));
        load_visible(ctx, keys.collect(), Organisation).await
    }
    /// Each step with the records that tie its two organisations.
    async fn steps(&self) -> &[NetworkTie] {
        &self.steps
    }
}

/// The node of an organisation, or of the one it was merged into (its id keeps resolving).
pub async fn node_of(ctx: &Context<'_>, graph: &Graph, id: Uuid) -> Result<Option<usize>, Error> {
    if let Some(node) = graph.node(id) {
        return Ok(Some(node));
    }
    let redirects = store(ctx)?.redirects(&[id]).await.gql()?;
    Ok(redirects
        .get(&id)
        .and_then(|survivor| graph.node(*survivor)))
}

/// A shortest chain from `from` to `to` of at most `max_length` ties, if there is one between
/// two published organisations (a merged organisation's id stands for the survivor).
pub async fn path(
    ctx: &Context<'_>,
    from: Uuid,
    to: Uuid,
    max_length: u32,
) -> Result<Option<OrganisationPath>, Error> {
    let published = published_graph(ctx).await?;
    let graph = &published.graph;
    let (Some(a), Some(b)) = (
        node_of(ctx, graph, from).await?,
        node_of(ctx, graph, to).await?,
    ) else {
        return Ok(None);
    };
    Ok(graph
        .shortest_path(a, b, max_length)
        .map(|chain| OrganisationPath {
            organisations: chain.iter().map(|&n| graph.id(n)).collect(),
            steps: chain
                .windows(2)
                .map(|step| NetworkTie::new(graph, step[0], step[1]))
                .collect(),
        }))
}
