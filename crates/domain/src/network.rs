//! The organisation graph: who is tied to whom, and why, with the algorithms that the ecosystem
//! figures, the network views and (later) the collaboration suggestions are computed from.
//!
//! Nodes are organisations; an edge joins two organisations that share a project, are linked
//! directly, are funder and recipient of a grant, or supporter and supported. An edge is one
//! pair of organisations, whatever the number of reasons it has: degrees, components, paths and
//! betweenness count pairs, and each pair keeps every reason it was built from.
//!
//! Everything here is plain computation on ids, with no storage: persistence loads the ties with
//! one query per kind, and the API maps the results. Building is O(V + E log E), components and
//! a breadth-first search O(V + E), betweenness (Brandes) O(V·E): on large graphs it is estimated
//! from a sample of sources within a work budget ([`Graph::betweenness_within`]).

use std::collections::{HashMap, VecDeque};

use uuid::Uuid;

use crate::error::DomainError;
use crate::evaluation::SplitMix64;
use crate::lists::Lists;
use crate::model::{LinkKind, SupportKind};

/// The deepest neighbourhood `network` returns.
pub const MAX_DEPTH: u32 = 3;
/// The most organisations a neighbourhood may hold, and its default cap.
pub const MAX_NODES: u32 = 500;
pub const DEFAULT_NODES: u32 = 100;
/// The most ties between them a neighbourhood may list, and its default cap.
pub const MAX_EDGES: u32 = 2000;
pub const DEFAULT_EDGES: u32 = 300;
/// The longest chain `path` looks for, and its default.
pub const MAX_PATH_LENGTH: u32 = 6;
pub const DEFAULT_PATH_LENGTH: u32 = 4;

/// What kind of record ties two organisations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TieKind {
    SharedProject,
    Link,
    Grant,
    Support,
}

impl TieKind {
    pub const ALL: [TieKind; 4] = [Self::SharedProject, Self::Link, Self::Grant, Self::Support];
}

/// The record that ties two organisations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TieReason {
    /// Both take part in this project.
    SharedProject { project: Uuid },
    /// An explicit organisation link.
    Link { link: Uuid, kind: LinkKind },
    /// One funded the other.
    Grant { grant: Uuid },
    /// One supports the other.
    Support { support: Uuid, kind: SupportKind },
}

impl TieReason {
    pub fn kind(&self) -> TieKind {
        match self {
            Self::SharedProject { .. } => TieKind::SharedProject,
            Self::Link { .. } => TieKind::Link,
            Self::Grant { .. } => TieKind::Grant,
            Self::Support { .. } => TieKind::Support,
        }
    }

    /// The id of the record behind the tie.
    pub fn record_id(&self) -> Uuid {
        match *self {
            Self::SharedProject { project } => project,
            Self::Link { link, .. } => link,
            Self::Grant { grant } => grant,
            Self::Support { support, .. } => support,
        }
    }
}

/// One reason why organisations `a` and `b` are tied (in either direction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tie {
    pub a: Uuid,
    pub b: Uuid,
    pub reason: TieReason,
}

/// Builds a [`Graph`] tie by tie, as its ties are read. Each tie is kept as the indices of its
/// ends and its reason (28 bytes) rather than two ids, so that a registry's million ties never
/// sit in memory as [`Tie`]s.
pub struct GraphBuilder {
    ids: Vec<Uuid>,
    index: HashMap<Uuid, usize>,
    tied: Vec<((u32, u32), TieReason)>,
}

impl GraphBuilder {
    /// A graph of `nodes` (repeats count once), with no ties yet.
    pub fn new(nodes: impl IntoIterator<Item = Uuid>) -> Self {
        let mut ids: Vec<Uuid> = nodes.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        let index = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        Self {
            ids,
            index,
            tied: Vec::new(),
        }
    }

    /// Ties `a` and `b` for `reason`; left out when an end is not a node of the graph, or when
    /// both ends are the same organisation.
    pub fn tie(&mut self, a: Uuid, b: Uuid, reason: TieReason) {
        let (Some(&a), Some(&b)) = (self.index.get(&a), self.index.get(&b)) else {
            return;
        };
        if a != b {
            let pair = (a.min(b) as u32, a.max(b) as u32);
            self.tied.push((pair, reason));
        }
    }

    /// Ties every pair of `members`, who take part in `project` (repeats count once).
    pub fn shared_project(&mut self, project: Uuid, members: &[Uuid]) {
        let reason = TieReason::SharedProject { project };
        for (i, &a) in members.iter().enumerate() {
            for &b in &members[i + 1..] {
                self.tie(a, b, reason);
            }
        }
    }

    pub fn build(mut self) -> Graph {
        self.tied
            .sort_unstable_by_key(|(pair, r)| (*pair, r.kind(), r.record_id()));
        self.tied.dedup();
        Graph::from_sorted(self.ids, self.index, self.tied)
    }
}

/// An undirected graph of organisations, indexed `0..len()` in id order.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    ids: Vec<Uuid>,
    index: HashMap<Uuid, usize>,
    /// The distinct neighbours of each node, in index order.
    neighbours: Lists,
    /// Each tied pair `(lower index, higher index)`, sorted; the reasons of pair `i` are
    /// `reasons[starts[i]..starts[i + 1]]`, by kind then record id. Flat arrays rather than
    /// a list per pair: a registry's 800,000 pairs cost no allocation each.
    pairs: Vec<(u32, u32)>,
    starts: Vec<u32>,
    reasons: Vec<TieReason>,
}

impl Graph {
    /// The graph of `nodes`; ties with an end outside `nodes`, and ties of a node to itself,
    /// are left out.
    pub fn new(nodes: impl IntoIterator<Item = Uuid>, ties: impl IntoIterator<Item = Tie>) -> Self {
        let mut builder = GraphBuilder::new(nodes);
        for tie in ties {
            builder.tie(tie.a, tie.b, tie.reason);
        }
        builder.build()
    }

    /// The graph of `ids` with the reasons of their pairs, sorted by pair, kind and record id.
    fn from_sorted(
        ids: Vec<Uuid>,
        index: HashMap<Uuid, usize>,
        tied: impl IntoIterator<Item = ((u32, u32), TieReason)>,
    ) -> Self {
        let (mut pairs, mut starts, mut reasons) = (Vec::new(), Vec::new(), Vec::new());
        for (pair, reason) in tied {
            if pairs.last() != Some(&pair) {
                pairs.push(pair);
                starts.push(reasons.len() as u32);
            }
            reasons.push(reason);
        }
        starts.push(reasons.len() as u32);
        pairs.shrink_to_fit();
        starts.shrink_to_fit();
        reasons.shrink_to_fit();
        let both_ways = pairs.iter().flat_map(|&(a, b)| [(a, b), (b, a)]).collect();
        let neighbours = Lists::from_pairs(ids.len(), both_ways);
        Self {
            ids,
            index,
            neighbours,
            pairs,
            starts,
            reasons,
        }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn id(&self, node: usize) -> Uuid {
        self.ids[node]
    }

    pub fn ids(&self) -> &[Uuid] {
        &self.ids
    }

    pub fn node(&self, id: Uuid) -> Option<usize> {
        self.index.get(&id).copied()
    }

    /// The distinct neighbours of `node`, in index order.
    pub fn neighbours(&self, node: usize) -> impl ExactSizeIterator<Item = usize> + '_ {
        self.neighbours.of(node).iter().map(|&n| n as usize)
    }

    pub fn degree(&self, node: usize) -> usize {
        self.neighbours.of(node).len()
    }

    /// Why `a` and `b` are tied (empty when they are not).
    pub fn reasons(&self, a: usize, b: usize) -> &[TieReason] {
        let pair = (a.min(b) as u32, a.max(b) as u32);
        self.pairs
            .binary_search(&pair)
            .map_or(&[], |i| self.reasons_of(i))
    }

    /// The reasons of the `i`th pair.
    fn reasons_of(&self, i: usize) -> &[TieReason] {
        &self.reasons[self.starts[i] as usize..self.starts[i + 1] as usize]
    }

    /// Pairs of tied organisations, whatever their reasons.
    pub fn pair_count(&self) -> usize {
        self.pairs.len()
    }

    /// Pairs tied by at least one reason of `kind` (a pair tied in two ways counts for both).
    pub fn pair_count_of(&self, kind: TieKind) -> usize {
        (0..self.pairs.len())
            .filter(|&i| self.reasons_of(i).iter().any(|r| r.kind() == kind))
            .count()
    }

    /// The connected components, largest first (singletons included), each in index order.
    pub fn components(&self) -> Vec<Vec<usize>> {
        let mut seen = vec![false; self.len()];
        let mut components = Vec::new();
        for start in 0..self.len() {
            if seen[start] {
                continue;
            }
            seen[start] = true;
            let mut component = vec![start];
            let mut next = 0;
            while let Some(&node) = component.get(next) {
                next += 1;
                for other in self.neighbours(node) {
                    if !seen[other] {
                        seen[other] = true;
                        component.push(other);
                    }
                }
            }
            component.sort_unstable();
            components.push(component);
        }
        components.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a[0].cmp(&b[0])));
        components
    }

    /// The organisations within `bounds.depth` steps of `centre`, nearest first, with the ties
    /// between them; cut at the bounds' caps (then `truncated` says so).
    pub fn neighbourhood(&self, centre: usize, bounds: NetworkBounds) -> Neighbourhood {
        let max_nodes = bounds.max_nodes as usize;
        let mut distance: HashMap<usize, u32> = HashMap::from([(centre, 0)]);
        let mut nodes = vec![(centre, 0)];
        let mut truncated = false;
        let mut next = 0;
        while let Some(&(node, d)) = nodes.get(next) {
            next += 1;
            if d == bounds.depth {
                continue;
            }
            for other in self.neighbours(node) {
                if distance.contains_key(&other) {
                    continue;
                }
                if nodes.len() == max_nodes {
                    truncated = true;
                    break;
                }
                distance.insert(other, d + 1);
                nodes.push((other, d + 1));
            }
        }
        let position: HashMap<usize, usize> = nodes
            .iter()
            .enumerate()
            .map(|(p, (n, _))| (*n, p))
            .collect();
        // Each node's ties to nodes found before it, in the order nodes were found: when the
        // edge cap cuts, the farthest nodes lose their ties first, and every kept node keeps
        // the tie that reached it.
        let mut edges: Vec<(usize, usize)> = Vec::new();
        for (p, &(node, _)) in nodes.iter().enumerate() {
            let mut earlier: Vec<usize> = self
                .neighbours(node)
                .filter(|other| position.get(other).is_some_and(|q| *q < p))
                .collect();
            earlier.sort_by_key(|other| position[other]);
            edges.extend(earlier.into_iter().map(|other| (other, node)));
        }
        if edges.len() > bounds.max_edges as usize {
            edges.truncate(bounds.max_edges as usize);
            truncated = true;
        }
        Neighbourhood {
            nodes,
            edges,
            truncated,
        }
    }

    /// A shortest chain of ties from `from` to `to` (both ends included), if one of at most
    /// `max_length` steps exists. Ties are explored in index order, so the answer is stable.
    pub fn shortest_path(&self, from: usize, to: usize, max_length: u32) -> Option<Vec<usize>> {
        let mut parent: HashMap<usize, usize> = HashMap::from([(from, from)]);
        let mut queue = VecDeque::from([(from, 0)]);
        while let Some((node, d)) = queue.pop_front() {
            if node == to {
                let mut path = vec![to];
                let mut at = to;
                while at != from {
                    at = parent[&at];
                    path.push(at);
                }
                path.reverse();
                return Some(path);
            }
            if d == max_length {
                continue;
            }
            for other in self.neighbours(node) {
                if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(other) {
                    e.insert(node);
                    queue.push_back((other, d + 1));
                }
            }
        }
        None
    }

    /// Exact betweenness centrality of every node (Brandes 2001, unweighted, undirected): the
    /// number of shortest paths between other pairs that pass through it, each pair counted
    /// once and split equally among its shortest paths. O(V·E) at worst; see
    /// [`Graph::betweenness_within`] for large graphs.
    pub fn betweenness(&self) -> Vec<f64> {
        let tied: Vec<usize> = self.tied().collect();
        let mut centrality = self.dependencies_from(&tied);
        // Each unordered pair was counted from both of its ends.
        centrality.iter_mut().for_each(|c| *c /= 2.0);
        centrality
    }

    /// Betweenness within a work budget, counted in nodes and neighbour entries visited (one
    /// breadth-first search from each source, over the source's component). Exact when every
    /// tied organisation fits as a source; otherwise estimated from a fixed pseudo-random
    /// sample of tied sources, scaled up to all of them (Brandes & Pich 2007: unbiased, and
    /// the most central nodes, on which paths concentrate, are the best estimated). At least
    /// [`MIN_SAMPLED_SOURCES`] sources whatever the budget. The same graph always gives the
    /// same figures.
    pub fn betweenness_within(&self, budget: u64) -> BetweennessScores {
        let tied: Vec<usize> = self.tied().collect();
        let exact_work = self.exact_betweenness_work();
        let mut sources = tied.clone();
        if exact_work > budget {
            // Each source costs its component; on average exact_work / tied.
            let affordable = (budget as u128 * tied.len() as u128 / exact_work as u128) as usize;
            let mut random = SplitMix64::new(SAMPLE_SEED);
            random.shuffle(&mut sources);
            sources.truncate(affordable.max(MIN_SAMPLED_SOURCES));
            sources.sort_unstable();
        }
        let scale = tied.len() as f64 / sources.len().max(1) as f64;
        let mut centrality = self.dependencies_from(&sources);
        // Scaled up to every source, and each unordered pair counted from both of its ends.
        centrality.iter_mut().for_each(|c| *c *= scale / 2.0);
        let method = BetweennessMethod {
            tied: tied.len(),
            sources: sources.len(),
        };
        BetweennessScores {
            values: centrality,
            method,
        }
    }

    /// Nodes with at least one tie: the only ones on any path.
    fn tied(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).filter(|&n| self.degree(n) > 0)
    }

    /// What exact betweenness costs: for each component, its nodes times its nodes and
    /// neighbour entries (a search from each of its nodes visits all of them).
    pub fn exact_betweenness_work(&self) -> u64 {
        self.components()
            .iter()
            .filter(|c| c.len() > 1)
            .map(|c| {
                let entries: usize = c.iter().map(|&n| self.degree(n)).sum();
                c.len() as u64 * (c.len() + entries) as u64
            })
            .sum()
    }

    /// Brandes' accumulation from each of `sources`: for every node, the sum over the sources
    /// of the source's dependency on it (pairs not yet halved nor scaled). Dependencies flow
    /// back from successors (neighbours one step farther) instead of stored predecessor
    /// lists, so a source allocates nothing.
    fn dependencies_from(&self, sources: &[usize]) -> Vec<f64> {
        let n = self.len();
        let mut centrality = vec![0.0; n];
        // The breadth-first order, which is also the queue.
        let mut order: Vec<usize> = Vec::with_capacity(n);
        let mut paths = vec![0.0_f64; n];
        let mut distance = vec![u32::MAX; n];
        let mut dependency = vec![0.0_f64; n];
        for &source in sources {
            // Only the nodes the last source reached need resetting: the work is bounded by
            // the components' sizes rather than V² resets.
            for &v in &order {
                distance[v] = u32::MAX;
            }
            order.clear();
            order.push(source);
            distance[source] = 0;
            paths[source] = 1.0;
            let mut next = 0;
            while let Some(&v) = order.get(next) {
                next += 1;
                for w in self.neighbours(v) {
                    if distance[w] == u32::MAX {
                        distance[w] = distance[v] + 1;
                        paths[w] = 0.0;
                        order.push(w);
                    }
                    if distance[w] == distance[v] + 1 {
                        paths[w] += paths[v];
                    }
                }
            }
            for &w in order.iter().rev() {
                let farther = distance[w] + 1;
                let mut owed = 0.0;
                for x in self.neighbours(w) {
                    if distance[x] == farther {
                        owed += paths[w] / paths[x] * (1.0 + dependency[x]);
                    }
                }
                dependency[w] = owed;
                if w != source {
                    centrality[w] += owed;
                }
            }
        }
        centrality
    }

    /// The graph of the nodes whose ids `keep` holds, with the ties among them (their reasons
    /// kept). O(V + E): indices stay in id order, so neighbour lists stay sorted.
    pub fn subgraph(&self, keep: impl Fn(Uuid) -> bool) -> Graph {
        let mut new_index = vec![usize::MAX; self.len()];
        let mut ids = Vec::new();
        for (old, id) in self.ids.iter().enumerate() {
            if keep(*id) {
                new_index[old] = ids.len();
                ids.push(*id);
            }
        }
        let index: HashMap<Uuid, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        // New indices keep the old order, so the kept pairs stay sorted.
        let kept = self.pairs.iter().enumerate().filter_map(|(i, &(a, b))| {
            let (a, b) = (new_index[a as usize], new_index[b as usize]);
            (a != usize::MAX && b != usize::MAX).then_some((i, (a as u32, b as u32)))
        });
        let tied = kept.flat_map(|(i, pair)| self.reasons_of(i).iter().map(move |r| (pair, *r)));
        Self::from_sorted(ids, index, tied)
    }
}

/// Seed of the sample of sources that estimates betweenness: fixed, so that figures only move
/// when the registry does.
const SAMPLE_SEED: u64 = 2017;
/// The fewest sources a betweenness estimate is drawn from.
pub const MIN_SAMPLED_SOURCES: usize = 32;

/// Betweenness of every node of a graph, and how it was computed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BetweennessScores {
    pub values: Vec<f64>,
    pub method: BetweennessMethod,
}

/// How betweenness was computed: from every tied organisation, or from a sample of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BetweennessMethod {
    /// Organisations with at least one tie: the possible sources of shortest paths.
    pub tied: usize,
    /// The sources shortest paths were counted from.
    pub sources: usize,
}

impl BetweennessMethod {
    pub fn exact(&self) -> bool {
        self.sources == self.tied
    }
}

/// How far and how wide a neighbourhood may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkBounds {
    pub depth: u32,
    pub max_nodes: u32,
    pub max_edges: u32,
}

impl NetworkBounds {
    /// Checks the asked bounds: depth 1 to [`MAX_DEPTH`], at most [`MAX_NODES`] organisations
    /// (the centre included) and [`MAX_EDGES`] ties.
    pub fn new(depth: i64, max_nodes: i64, max_edges: i64) -> Result<Self, DomainError> {
        Ok(Self {
            depth: within("depth", depth, 1, MAX_DEPTH)?,
            max_nodes: within("maxNodes", max_nodes, 1, MAX_NODES)?,
            max_edges: within("maxEdges", max_edges, 0, MAX_EDGES)?,
        })
    }
}

/// `value` if it lies in `min..=max`, else an error naming `field`.
pub fn within(field: &str, value: i64, min: u32, max: u32) -> Result<u32, DomainError> {
    u32::try_from(value)
        .ok()
        .filter(|v| (min..=max).contains(v))
        .ok_or_else(|| DomainError::invalid(field, format!("must be from {min} to {max}")))
}

/// A neighbourhood: nodes with their distance from the centre (the centre first, at 0) in the
/// order a breadth-first search finds them, and the ties among them as pairs of nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbourhood {
    pub nodes: Vec<(usize, u32)>,
    pub edges: Vec<(usize, usize)>,
    /// A cap cut the neighbourhood: there is more within the depth.
    pub truncated: bool,
}

/// How connected a set of organisations is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Connectivity {
    /// Organisations tied to at least one other.
    pub linked: usize,
    /// Organisations tied to at least one other of the same type (those without a type never are).
    pub linked_to_own_type: usize,
    /// The sizes of the connected components of two or more organisations, largest first.
    pub component_sizes: Vec<usize>,
    /// Organisations tied to none.
    pub isolated: usize,
}

/// The connectivity figures of `graph`, with each organisation's type from `type_of`.
pub fn connectivity<'a>(graph: &Graph, type_of: impl Fn(Uuid) -> Option<&'a str>) -> Connectivity {
    let linked = (0..graph.len()).filter(|&n| graph.degree(n) > 0).count();
    let linked_to_own_type = (0..graph.len())
        .filter(|&n| {
            type_of(graph.id(n)).is_some_and(|own| {
                graph
                    .neighbours(n)
                    .any(|m| type_of(graph.id(m)) == Some(own))
            })
        })
        .count();
    let sizes: Vec<usize> = graph.components().iter().map(Vec::len).collect();
    Connectivity {
        linked,
        linked_to_own_type,
        isolated: sizes.iter().filter(|&&s| s == 1).count(),
        component_sizes: sizes.into_iter().filter(|&s| s > 1).collect(),
    }
}

/// One organisation's centrality.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Centrality {
    pub node: usize,
    pub degree: usize,
    pub betweenness: f64,
}

/// Every organisation's degree and betweenness, most central first by `rank`; ties broken by
/// the other measure, then by id order.
pub fn ranked(graph: &Graph, betweenness: &[f64], rank: CentralityRank) -> Vec<Centrality> {
    let mut all: Vec<Centrality> = (0..graph.len())
        .map(|node| Centrality {
            node,
            degree: graph.degree(node),
            betweenness: betweenness.get(node).copied().unwrap_or(0.0),
        })
        .collect();
    all.sort_by(|a, b| {
        let by_degree = b.degree.cmp(&a.degree);
        let by_betweenness = b.betweenness.total_cmp(&a.betweenness);
        match rank {
            CentralityRank::Degree => by_degree.then(by_betweenness),
            CentralityRank::Betweenness => by_betweenness.then(by_degree),
        }
        .then(a.node.cmp(&b.node))
    });
    all
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CentralityRank {
    Degree,
    Betweenness,
}

/// `part` of `whole` as a fraction (0 when there is no whole).
pub fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn project_tie(a: u128, b: u128) -> Tie {
        Tie {
            a: id(a),
            b: id(b),
            reason: TieReason::SharedProject {
                project: id(1000 + a * 10 + b),
            },
        }
    }

    /// A graph on ids `1..=n` with a shared-project tie for each pair.
    fn graph(n: u128, pairs: &[(u128, u128)]) -> Graph {
        Graph::new(
            (1..=n).map(id),
            pairs.iter().map(|&(a, b)| project_tie(a, b)),
        )
    }

    fn node(g: &Graph, n: u128) -> usize {
        g.node(id(n)).unwrap()
    }

    #[test]
    fn shared_projects_tie_every_pair_of_their_members_once() {
        let (p, q) = (id(100), id(200));
        let mut builder = GraphBuilder::new((1..=4).map(id));
        builder.shared_project(p, &[id(1), id(2), id(3), id(1)]);
        builder.shared_project(q, &[id(4)]);
        let g = builder.build();
        assert_eq!(
            g.pair_count(),
            3,
            "a project with one member ties nobody; a repeated member counts once"
        );
        for (a, b) in [(1, 2), (1, 3), (2, 3)] {
            let reasons = g.reasons(node(&g, a), node(&g, b));
            assert_eq!(reasons, [TieReason::SharedProject { project: p }]);
        }
        assert_eq!(g.degree(node(&g, 4)), 0);
    }

    #[test]
    fn neighbours_are_each_nodes_distinct_ties_in_index_order() {
        let g = graph(6, &[(5, 3), (3, 1), (6, 3), (2, 3), (3, 5), (4, 1)]);
        let of = |n: u128| -> Vec<usize> { g.neighbours(node(&g, n)).collect() };
        assert_eq!(of(3), [1, 2, 5, 6].map(|n| node(&g, n)));
        assert_eq!(of(1), [3, 4].map(|n| node(&g, n)));
        assert_eq!(of(5), [node(&g, 3)]);
        assert_eq!(g.degree(node(&g, 3)), 4);
        assert_eq!(g.degree(node(&g, 6)), 1);
    }

    #[test]
    fn a_pair_is_one_edge_with_all_its_reasons() {
        let link = TieReason::Link {
            link: id(50),
            kind: LinkKind::Partner,
        };
        let grant = TieReason::Grant { grant: id(60) };
        let g = Graph::new(
            [id(1), id(2), id(3)],
            [
                Tie {
                    a: id(1),
                    b: id(2),
                    reason: link,
                },
                Tie {
                    a: id(2),
                    b: id(1),
                    reason: grant,
                },
                Tie {
                    a: id(1),
                    b: id(2),
                    reason: link,
                },
                Tie {
                    a: id(1),
                    b: id(1),
                    reason: grant,
                },
                Tie {
                    a: id(1),
                    b: id(9),
                    reason: grant,
                },
            ],
        );
        let (a, b) = (node(&g, 1), node(&g, 2));
        assert_eq!(
            g.pair_count(),
            1,
            "self ties and ties to unknown nodes are dropped"
        );
        assert_eq!(g.degree(a), 1);
        assert_eq!(g.reasons(b, a), &[link, grant]);
        assert_eq!(g.pair_count_of(TieKind::Link), 1);
        assert_eq!(g.pair_count_of(TieKind::Grant), 1);
        assert_eq!(g.pair_count_of(TieKind::SharedProject), 0);
        assert!(g.reasons(a, node(&g, 3)).is_empty());
    }

    #[test]
    fn components_largest_first_with_singletons() {
        let g = graph(7, &[(1, 2), (2, 3), (4, 5)]);
        let sizes: Vec<usize> = g.components().iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![3, 2, 1, 1]);
        let types = HashMap::from([
            (id(1), "A"),
            (id(2), "B"),
            (id(3), "A"),
            (id(4), "A"),
            (id(5), "A"),
        ]);
        let figures = connectivity(&g, |i| types.get(&i).copied());
        assert_eq!(
            figures,
            Connectivity {
                linked: 5,
                // 4 and 5 share type A; 1 and 3 are of type A but tied only to 2 (type B).
                linked_to_own_type: 2,
                component_sizes: vec![3, 2],
                isolated: 2,
            }
        );
    }

    #[test]
    fn neighbourhood_stops_at_depth_and_caps() {
        // A path 1-2-3-4-5 and a star around 2: 2-6, 2-7.
        let g = graph(7, &[(1, 2), (2, 3), (3, 4), (4, 5), (2, 6), (2, 7)]);
        let centre = node(&g, 1);
        let depth = |d, nodes, edges| NetworkBounds {
            depth: d,
            max_nodes: nodes,
            max_edges: edges,
        };
        let near = g.neighbourhood(centre, depth(2, 100, 100));
        let found: Vec<(Uuid, u32)> = near.nodes.iter().map(|&(n, d)| (g.id(n), d)).collect();
        assert_eq!(
            found,
            vec![(id(1), 0), (id(2), 1), (id(3), 2), (id(6), 2), (id(7), 2)]
        );
        assert_eq!(near.edges.len(), 4);
        assert!(!near.truncated);

        let capped = g.neighbourhood(centre, depth(3, 3, 100));
        assert_eq!(capped.nodes.len(), 3);
        assert!(capped.truncated);
        assert!(capped.edges.iter().all(|(a, b)| {
            capped.nodes.iter().any(|(n, _)| n == a) && capped.nodes.iter().any(|(n, _)| n == b)
        }));

        let few_edges = g.neighbourhood(centre, depth(1, 100, 0));
        assert_eq!(few_edges.nodes.len(), 2);
        assert!(few_edges.edges.is_empty() && few_edges.truncated);
    }

    #[test]
    fn neighbourhood_keeps_ties_among_neighbours_nearest_first() {
        // A triangle 1-2-3 and 3-4.
        let g = graph(4, &[(1, 2), (1, 3), (2, 3), (3, 4)]);
        let near = g.neighbourhood(node(&g, 1), NetworkBounds::new(2, 100, 3).unwrap());
        let edges: Vec<(Uuid, Uuid)> = near
            .edges
            .iter()
            .map(|&(a, b)| (g.id(a), g.id(b)))
            .collect();
        assert_eq!(edges, vec![(id(1), id(2)), (id(1), id(3)), (id(2), id(3))]);
        assert!(near.truncated, "the tie 3-4 was cut by the edge cap");
    }

    #[test]
    fn bounds_are_checked() {
        assert!(NetworkBounds::new(1, 1, 0).is_ok());
        assert!(NetworkBounds::new(3, 500, 2000).is_ok());
        for (depth, nodes, edges) in [
            (0, 10, 10),
            (4, 10, 10),
            (1, 0, 10),
            (1, 501, 10),
            (1, 10, -1),
            (1, 10, 2001),
        ] {
            assert!(
                NetworkBounds::new(depth, nodes, edges).is_err(),
                "{depth} {nodes} {edges}"
            );
        }
    }

    #[test]
    fn shortest_path_within_a_length() {
        let g = graph(6, &[(1, 2), (2, 3), (3, 4), (1, 5), (5, 4)]);
        let path = |from, to, max| {
            g.shortest_path(node(&g, from), node(&g, to), max)
                .map(|p| p.into_iter().map(|n| g.id(n)).collect::<Vec<_>>())
        };
        assert_eq!(path(1, 4, 6), Some(vec![id(1), id(5), id(4)]));
        assert_eq!(path(1, 4, 1), None, "two steps are needed");
        assert_eq!(path(1, 1, 0), Some(vec![id(1)]));
        assert_eq!(path(1, 6, 6), None, "6 is tied to nobody");
    }

    #[test]
    fn betweenness_on_a_path_and_a_star() {
        // Path 1-2-3-4: 2 lies between (1,3) and (1,4); 3 between (1,4) and (2,4).
        let g = graph(4, &[(1, 2), (2, 3), (3, 4)]);
        assert_eq!(g.betweenness(), vec![0.0, 2.0, 2.0, 0.0]);
        // Star around 1 with 4 leaves: 1 lies between all 6 pairs of leaves.
        let g = graph(5, &[(1, 2), (1, 3), (1, 4), (1, 5)]);
        assert_eq!(g.betweenness(), vec![6.0, 0.0, 0.0, 0.0, 0.0]);
        // Square 1-2-3-4-1: each pair of opposite corners has two shortest paths.
        let g = graph(4, &[(1, 2), (2, 3), (3, 4), (4, 1)]);
        assert_eq!(g.betweenness(), vec![0.5; 4]);
        // Two paths of three and a node alone: each source resets only what it reached.
        let g = graph(7, &[(1, 2), (2, 3), (4, 5), (5, 6)]);
        assert_eq!(g.betweenness(), vec![0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn ranking_by_degree_or_betweenness() {
        // Two cliques of four, {1,2,3,4} and {6,7,8,9}, joined through 4-5-6: 4 and 6 have
        // the most ties, 5 lies between the 16 pairs across.
        let cliques = [
            (1, 2),
            (1, 3),
            (1, 4),
            (2, 3),
            (2, 4),
            (3, 4),
            (6, 7),
            (6, 8),
            (6, 9),
        ];
        let mut pairs = cliques.to_vec();
        pairs.extend([(7, 8), (7, 9), (8, 9), (4, 5), (5, 6)]);
        let g = graph(9, &pairs);
        let b = g.betweenness();
        let by_degree = ranked(&g, &b, CentralityRank::Degree);
        let by_betweenness = ranked(&g, &b, CentralityRank::Betweenness);
        assert_eq!((g.id(by_degree[0].node), by_degree[0].degree), (id(4), 4));
        assert_eq!(g.id(by_degree[1].node), id(6));
        assert_eq!(g.id(by_betweenness[0].node), id(5));
        assert_eq!(by_betweenness[0].betweenness, 16.0);
        assert_eq!(by_betweenness[1].betweenness, 15.0);
        assert_eq!(share(1, 4), 0.25);
        assert_eq!(share(1, 0), 0.0);
    }

    /// Two stars of 150 leaves around 1 and 2, their centres joined through 3: 3 lies between
    /// every left–right pair.
    fn barbell() -> Graph {
        let mut pairs = vec![(1, 3), (3, 2)];
        pairs.extend((0..150).map(|leaf| (1, 10 + leaf)));
        pairs.extend((0..150).map(|leaf| (2, 200 + leaf)));
        graph(400, &pairs)
    }

    #[test]
    fn betweenness_is_exact_when_the_budget_allows() {
        let g = graph(7, &[(1, 2), (2, 3), (4, 5), (5, 6)]);
        // Two components of 3 nodes and 4 neighbour entries: 2 × 3 × (3 + 4).
        assert_eq!(g.exact_betweenness_work(), 42);
        let BetweennessScores { values, method } = g.betweenness_within(42);
        assert_eq!(values, g.betweenness());
        assert_eq!(
            method,
            BetweennessMethod {
                tied: 6,
                sources: 6
            }
        );
        assert!(method.exact());
    }

    #[test]
    fn betweenness_is_estimated_from_a_fixed_sample_when_it_does_not() {
        let g = barbell();
        let exact = g.betweenness();
        let budget = g.exact_betweenness_work() / 10;
        let BetweennessScores {
            values: estimate,
            method,
        } = g.betweenness_within(budget);
        assert_eq!(method.tied, 303);
        assert!(!method.exact());
        // A tenth of the work affords 30 sources; the floor is higher.
        assert_eq!(method.sources, MIN_SAMPLED_SOURCES);
        assert_eq!(
            g.betweenness_within(budget).values,
            estimate,
            "the same sample every time"
        );
        let top = |values: &[f64]| -> BTreeSet<Uuid> {
            let ranking = ranked(&g, values, CentralityRank::Betweenness);
            ranking[..3].iter().map(|c| g.id(c.node)).collect()
        };
        assert_eq!(top(&estimate), top(&exact));
        assert_eq!(top(&exact), BTreeSet::from([id(1), id(2), id(3)]));
        for n in [1, 2, 3] {
            let n = node(&g, n);
            let error = (estimate[n] - exact[n]).abs() / exact[n];
            assert!(error < 0.1, "{} estimated as {}", exact[n], estimate[n]);
        }
    }

    #[test]
    fn a_subgraph_keeps_the_ties_among_the_kept_nodes() {
        let link = TieReason::Link {
            link: id(90),
            kind: LinkKind::Partner,
        };
        let mut ties: Vec<Tie> = [(1, 2), (2, 3), (3, 4), (4, 1), (2, 5)]
            .iter()
            .map(|&(a, b)| project_tie(a, b))
            .collect();
        ties.push(Tie {
            a: id(3),
            b: id(2),
            reason: link,
        });
        let g = Graph::new((1..=6).map(id), ties.clone());
        let kept = [id(2), id(3), id(4), id(6)];
        let sub = g.subgraph(|i| kept.contains(&i));
        let direct = Graph::new(kept, ties);
        assert_eq!(sub.ids(), direct.ids());
        for a in 0..sub.len() {
            let neighbours: Vec<usize> = sub.neighbours(a).collect();
            assert_eq!(neighbours, direct.neighbours(a).collect::<Vec<_>>());
            for b in neighbours {
                assert_eq!(sub.reasons(a, b), direct.reasons(a, b));
            }
        }
        assert_eq!(sub.pair_count(), 2);
        assert_eq!(sub.reasons(0, 1).len(), 2, "2–3 by a project and a link");
        assert_eq!(sub.node(id(6)), Some(3));
        assert_eq!(sub.betweenness(), direct.betweenness());
    }
}
