//! Offline evaluation of collaboration suggestions: hide a share of the ties between
//! organisations, ask each organisation that lost one for suggestions from what remains, and
//! measure how high its hidden partners come, beside two baselines (a random order, and the
//! most connected first). Plain computation, reproducible from a seed.

use std::collections::{BTreeSet, HashMap};

use uuid::Uuid;

use crate::network::{Graph, Tie, TieReason};
use crate::suggest::{Profile, Weights, collaboration_suggestions};

/// A small, seedable pseudo-random generator (SplitMix64): enough to shuffle reproducibly,
/// without a dependency.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0); the modulo bias is negligible for the sizes shuffled here.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Fisher–Yates.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// A graph with some of its ties hidden. Node indices are those of the full graph (both are
/// built on the same organisations).
#[derive(Debug, Clone)]
pub struct Split {
    pub kept: Graph,
    /// The hidden partners of each organisation that lost a tie.
    pub hidden: HashMap<usize, BTreeSet<usize>>,
    /// The projects hidden (none when pairs are).
    pub hidden_projects: BTreeSet<Uuid>,
}

/// Hides `share` of the tied pairs of `graph`, chosen at random from `rng`.
pub fn hide_ties(graph: &Graph, share: f64, rng: &mut SplitMix64) -> Split {
    let mut pairs: Vec<(usize, usize)> = (0..graph.len())
        .flat_map(|a| {
            let above = graph.neighbours(a).filter(move |&b| b > a);
            above.map(move |b| (a, b))
        })
        .collect();
    rng.shuffle(&mut pairs);
    let count = (pairs.len() as f64 * share).round() as usize;
    let (hidden_pairs, kept_pairs) = pairs.split_at(count.min(pairs.len()));
    let mut hidden: HashMap<usize, BTreeSet<usize>> = HashMap::new();
    for &(a, b) in hidden_pairs {
        hidden.entry(a).or_default().insert(b);
        hidden.entry(b).or_default().insert(a);
    }
    let ties = kept_pairs.iter().flat_map(|&(a, b)| {
        graph.reasons(a, b).iter().map(move |&reason| Tie {
            a: graph.id(a),
            b: graph.id(b),
            reason,
        })
    });
    let kept = Graph::new(graph.ids().iter().copied(), ties.collect::<Vec<_>>());
    let hidden_projects = BTreeSet::new();
    Split {
        kept,
        hidden,
        hidden_projects,
    }
}

/// Hides a random `share` of the shared projects: every tie through them goes, and a pair
/// tied by nothing else is hidden. The harder test: a hidden project leaves no common
/// neighbour behind, unlike a hidden pair whose project still ties both ends to its other
/// members.
pub fn hide_projects(graph: &Graph, share: f64, rng: &mut SplitMix64) -> Split {
    let reasons = || {
        (0..graph.len()).flat_map(move |a| {
            let above = graph.neighbours(a).filter(move |&b| b > a);
            above.flat_map(move |b| graph.reasons(a, b).iter().map(move |r| (a, b, *r)))
        })
    };
    let projects: BTreeSet<Uuid> = reasons()
        .filter_map(|(_, _, r)| match r {
            TieReason::SharedProject { project } => Some(project),
            _ => None,
        })
        .collect();
    let mut projects: Vec<Uuid> = projects.into_iter().collect();
    rng.shuffle(&mut projects);
    let count = (projects.len() as f64 * share).round() as usize;
    let gone: BTreeSet<Uuid> = projects.into_iter().take(count).collect();
    let kept_reason = |r: &TieReason| !matches!(r, TieReason::SharedProject { project } if gone.contains(project));
    let mut hidden: HashMap<usize, BTreeSet<usize>> = HashMap::new();
    let mut ties = Vec::new();
    for (a, b, reason) in reasons() {
        if kept_reason(&reason) {
            ties.push(Tie {
                a: graph.id(a),
                b: graph.id(b),
                reason,
            });
        } else if !graph.reasons(a, b).iter().any(kept_reason) {
            hidden.entry(a).or_default().insert(b);
            hidden.entry(b).or_default().insert(a);
        }
    }
    let kept = Graph::new(graph.ids().iter().copied(), ties);
    Split {
        kept,
        hidden,
        hidden_projects: gone,
    }
}

/// The focus, technologies and areas of impact of one project.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectTerms {
    pub focus: BTreeSet<String>,
    pub technologies: BTreeSet<String>,
    pub impact_areas: BTreeSet<String>,
}

/// `profiles` with each organisation's focus, technologies and areas rebuilt from those of
/// its projects that are not `hidden`, from `(project, organisation)` memberships: where an
/// organisation's terms are its projects' (as in the DSI4EU export), a hidden project must
/// not lend its terms to the two ends of the ties it hid.
pub fn profiles_from_projects(
    profiles: &HashMap<Uuid, Profile>,
    memberships: &[(Uuid, Uuid)],
    projects: &HashMap<Uuid, ProjectTerms>,
    hidden: &BTreeSet<Uuid>,
) -> HashMap<Uuid, Profile> {
    let mut rebuilt: HashMap<Uuid, Profile> = profiles
        .iter()
        .map(|(id, p)| {
            let mut p = p.clone();
            p.focus.clear();
            p.technologies.clear();
            p.impact_areas.clear();
            (*id, p)
        })
        .collect();
    for (project, organisation) in memberships {
        let (Some(terms), Some(profile)) = (projects.get(project), rebuilt.get_mut(organisation))
        else {
            continue;
        };
        if !hidden.contains(project) {
            profile.focus.extend(terms.focus.iter().cloned());
            profile
                .technologies
                .extend(terms.technologies.iter().cloned());
            profile
                .impact_areas
                .extend(terms.impact_areas.iter().cloned());
        }
    }
    rebuilt
}

/// How an organisation's candidates are ordered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    /// The collaboration suggestions, with these weights; candidates scoring 0 are not ranked.
    Suggestions(Weights),
    /// Every candidate in a random order.
    Random,
    /// Every candidate, the most tied first (ties in id order).
    MostConnected,
}

/// The mean recall among the first `k` and the mean reciprocal rank of the first hidden
/// partner (0 when it is not ranked), over the organisations that lost a tie.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Figures {
    pub recall_at_k: f64,
    pub mrr: f64,
    pub queries: usize,
}

/// The candidates of `node` in `split.kept` (not itself, not tied to it), in `method`'s order.
fn ranking(
    split: &Split,
    profiles: &HashMap<Uuid, Profile>,
    node: usize,
    method: &Method,
    rng: &mut SplitMix64,
) -> Vec<usize> {
    let graph = &split.kept;
    let mut candidates: Vec<usize> = (0..graph.len())
        .filter(|&n| n != node && graph.reasons(node, n).is_empty())
        .collect();
    match method {
        Method::Suggestions(weights) => {
            collaboration_suggestions(graph, profiles, node, |_| true, weights, graph.len())
                .into_iter()
                .filter_map(|s| graph.node(s.item))
                .collect()
        }
        Method::Random => {
            rng.shuffle(&mut candidates);
            candidates
        }
        Method::MostConnected => {
            candidates.sort_by_key(|&n| (std::cmp::Reverse(graph.degree(n)), n));
            candidates
        }
    }
}

/// Recall at `k` and reciprocal rank of one ranking against the hidden partners.
fn score(ranked: &[usize], hidden: &BTreeSet<usize>, k: usize) -> (f64, f64) {
    let found = ranked.iter().take(k).filter(|n| hidden.contains(n)).count();
    let first = ranked.iter().position(|n| hidden.contains(n));
    let reciprocal = first.map_or(0.0, |p| 1.0 / (p + 1) as f64);
    (found as f64 / hidden.len() as f64, reciprocal)
}

/// The figures of `method` on `split`; `rng` orders the random baseline.
pub fn evaluate(
    split: &Split,
    profiles: &HashMap<Uuid, Profile>,
    method: &Method,
    k: usize,
    rng: &mut SplitMix64,
) -> Figures {
    let mut queries: Vec<(&usize, &BTreeSet<usize>)> = split.hidden.iter().collect();
    queries.sort_by_key(|(node, _)| **node);
    let (mut recall, mut reciprocal) = (0.0, 0.0);
    for &(&node, hidden) in &queries {
        let ranked = ranking(split, profiles, node, method, rng);
        let (r, rr) = score(&ranked, hidden, k);
        recall += r;
        reciprocal += rr;
    }
    let n = queries.len().max(1) as f64;
    Figures {
        recall_at_k: recall / n,
        mrr: reciprocal / n,
        queries: queries.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair_tie(a: Uuid, b: Uuid, n: u128) -> Tie {
        let project = Uuid::from_u128(n);
        let reason = TieReason::SharedProject { project };
        Tie { a, b, reason }
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    /// Two cliques of five, 1–5 and 6–10, each a project; no ties between them.
    fn cliques() -> Graph {
        let mut ties = Vec::new();
        for group in [1..=5_u128, 6..=10] {
            let members: Vec<u128> = group.collect();
            for (i, &a) in members.iter().enumerate() {
                for &b in &members[i + 1..] {
                    ties.push(pair_tie(id(a), id(b), 100 + a.min(6)));
                }
            }
        }
        Graph::new((1..=10).map(id), ties)
    }

    #[test]
    fn the_generator_is_reproducible_and_shuffles_everything() {
        let (mut a, mut b) = (SplitMix64::new(7), SplitMix64::new(7));
        assert_eq!(a.next_u64(), b.next_u64());
        let mut items: Vec<u32> = (0..50).collect();
        a.shuffle(&mut items);
        assert_ne!(items, (0..50).collect::<Vec<_>>());
        items.sort_unstable();
        assert_eq!(items, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn hiding_keeps_the_rest_and_records_both_ends() {
        let g = cliques();
        let split = hide_ties(&g, 0.2, &mut SplitMix64::new(1));
        // 20 pairs, 4 hidden.
        assert_eq!(split.kept.pair_count(), 16);
        let ends: usize = split.hidden.values().map(BTreeSet::len).sum();
        assert_eq!(ends, 8);
        for (&a, partners) in &split.hidden {
            for &b in partners {
                assert!(split.kept.reasons(a, b).is_empty());
                assert!(!g.reasons(a, b).is_empty());
            }
        }
    }

    #[test]
    fn common_neighbours_find_hidden_ties_in_cliques_better_than_the_baselines() {
        let g = cliques();
        let split = hide_ties(&g, 0.2, &mut SplitMix64::new(3));
        let profiles = HashMap::new();
        let k = 1;
        let run = |method| evaluate(&split, &profiles, &method, k, &mut SplitMix64::new(9));
        let suggested = run(Method::Suggestions(Weights::default()));
        // Within a clique every hidden partner shares neighbours; nobody outside does.
        assert_eq!(suggested.mrr, 1.0);
        assert_eq!(suggested.queries, split.hidden.len());
        let random = run(Method::Random);
        let connected = run(Method::MostConnected);
        assert!(
            random.mrr < 1.0 && connected.mrr < 1.0,
            "{random:?} {connected:?}"
        );
    }

    #[test]
    fn hiding_a_project_hides_the_pairs_it_alone_tied() {
        // 1–2 by projects 7 and 8, 2–3 by 8 only, 3–4 by 9 only.
        let ties = [
            pair_tie(id(1), id(2), 7),
            pair_tie(id(1), id(2), 8),
            pair_tie(id(2), id(3), 8),
            pair_tie(id(3), id(4), 9),
        ];
        let g = Graph::new((1..=4).map(id), ties);
        // Seeds until project 8 alone is hidden (a third of three projects).
        let split = (0..100)
            .map(|seed| hide_projects(&g, 1.0 / 3.0, &mut SplitMix64::new(seed)))
            .find(|s| s.kept.pair_count() == 2 && s.kept.reasons(0, 1).len() == 1)
            .expect("a seed hides project 8");
        // 1–2 keeps project 7; 2–3 had only project 8; 3–4 is untouched.
        assert!(!split.kept.reasons(2, 3).is_empty());
        let node = |n| g.node(id(n)).unwrap();
        assert_eq!(split.hidden.len(), 2);
        assert_eq!(split.hidden[&node(2)], BTreeSet::from([node(3)]));
    }

    #[test]
    fn hidden_projects_lend_no_terms() {
        let areas = |list: &[&str]| ProjectTerms {
            impact_areas: list.iter().map(|c| (*c).to_owned()).collect(),
            ..ProjectTerms::default()
        };
        let projects = HashMap::from([(id(7), areas(&["SCIENCE"])), (id(8), areas(&["HEALTH"]))]);
        let before = Profile {
            impact_areas: BTreeSet::from(["SCIENCE".to_owned(), "HEALTH".to_owned()]),
            ..Profile::default()
        };
        let profiles = HashMap::from([(id(1), before)]);
        let memberships = [(id(7), id(1)), (id(8), id(1))];
        let hidden = BTreeSet::from([id(8)]);
        let rebuilt = profiles_from_projects(&profiles, &memberships, &projects, &hidden);
        assert_eq!(
            rebuilt[&id(1)].impact_areas,
            BTreeSet::from(["SCIENCE".to_owned()])
        );
    }

    #[test]
    fn recall_and_reciprocal_rank_of_one_ranking() {
        let hidden = BTreeSet::from([4, 9]);
        assert_eq!(score(&[1, 4, 2, 9], &hidden, 2), (0.5, 0.5));
        assert_eq!(score(&[1, 2], &hidden, 10), (0.0, 0.0));
    }
}
