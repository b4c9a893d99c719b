//! Who should work with whom, and which funding fits: collaboration suggestions and funding
//! matches, each scored term by term so that a user sees why it was suggested.
//!
//! A score is a sum of terms; each term is a weight times a value from 0 to 1, with a sentence
//! that says what the value stands for. A term that does not apply (no data on either side, or
//! nothing in common) is left out rather than listed at 0, so every listed term is a reason.
//! Everything here is plain computation on profiles and the graph; persistence loads them.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use uuid::Uuid;

use crate::model::{FundingOpportunity, FundingTarget, GeoPoint};
use crate::network::Graph;

/// The most suggestions or matches one request may ask for, and the default.
pub const MAX_SUGGESTIONS: u32 = 50;
pub const DEFAULT_SUGGESTIONS: u32 = 10;
/// The distance at which the distance term is worth half its weight.
pub const HALF_DISTANCE_KM: f64 = 100.0;

const GRASSROOTS: &str = "GRASSROOTS";
const SUPPORT_ORGANISATION: &str = "SUPPORT_ORGANISATION";
const INNOVATOR: &str = "INNOVATOR";
const FUNDER: &str = "FUNDER";

/// What an organisation is and does, as far as scoring needs it. Codes are taxonomy codes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    pub organisation_type: Option<String>,
    pub roles: BTreeSet<String>,
    pub focus: BTreeSet<String>,
    pub technologies: BTreeSet<String>,
    pub impact_areas: BTreeSet<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub point: Option<GeoPoint>,
    /// The areas of impact of the organisations it awarded grants to.
    pub funded_areas: BTreeSet<String>,
}

impl Profile {
    fn is_funder(&self) -> bool {
        self.roles.contains(FUNDER) || !self.funded_areas.is_empty()
    }

    /// The areas a funder funds: those its grants went to (then `true`), else those it names.
    fn funding_areas(&self) -> (&BTreeSet<String>, bool) {
        if self.funded_areas.is_empty() {
            (&self.impact_areas, false)
        } else {
            (&self.funded_areas, true)
        }
    }

    /// The kinds of applicant this organisation is, from its type and roles.
    fn applicant_kinds(&self) -> Vec<FundingTarget> {
        let by_type = self.organisation_type.as_deref().and_then(|t| match t {
            "SOCIAL_ENTERPRISE_OR_NON_PROFIT" | GRASSROOTS => Some(FundingTarget::NonProfit),
            "FOR_PROFIT" => Some(FundingTarget::Startup),
            "ACADEMIA_RESEARCH" => Some(FundingTarget::Research),
            "GOVERNMENT_PUBLIC_SECTOR" => Some(FundingTarget::Government),
            _ => None,
        });
        let by_role = self.roles.iter().filter_map(|r| match r.as_str() {
            "RESEARCH" => Some(FundingTarget::Research),
            "PUBLIC_BODY" => Some(FundingTarget::Government),
            _ => None,
        });
        by_type.into_iter().chain(by_role).collect()
    }
}

/// Gives each funder the areas of impact of the recipients of its grants, from
/// `(funder, recipient)` pairs.
pub fn add_funded_areas(
    profiles: &mut HashMap<Uuid, Profile>,
    grants: impl IntoIterator<Item = (Uuid, Uuid)>,
) {
    let mut funded: HashMap<Uuid, BTreeSet<String>> = HashMap::new();
    for (funder, recipient) in grants {
        if let Some(areas) = profiles.get(&recipient).map(|p| &p.impact_areas) {
            funded
                .entry(funder)
                .or_default()
                .extend(areas.iter().cloned());
        }
    }
    for (funder, areas) in funded {
        if let Some(profile) = profiles.get_mut(&funder) {
            profile.funded_areas.extend(areas);
        }
    }
}

/// What a term measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TermKind {
    /// Shared DSI focus (Jaccard).
    Focus,
    /// Shared technologies (Jaccard).
    Technologies,
    /// Shared areas of impact (Jaccard; for funding, with the funder's areas).
    ImpactAreas,
    /// How near they are.
    Distance,
    /// Roles that complete each other.
    ComplementaryRoles,
    /// Organisations tied to both.
    FriendsOfFriends,
    /// The opportunity is open to the organisation's country.
    Country,
    /// The opportunity targets the organisation's kind of applicant.
    Target,
}

/// How much each term counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    pub focus: f64,
    pub technologies: f64,
    pub impact_areas: f64,
    pub distance: f64,
    pub complementary_roles: f64,
    pub friends_of_friends: f64,
    pub country: f64,
    pub target: f64,
}

impl Default for Weights {
    /// Ties already made are the best evidence of who works with whom, so common partners
    /// weigh the most; areas of impact say more about a possible project than focus or tools.
    fn default() -> Self {
        Self {
            focus: 1.0,
            technologies: 1.0,
            impact_areas: 1.5,
            distance: 1.0,
            complementary_roles: 1.0,
            friends_of_friends: 3.0,
            country: 1.0,
            target: 1.0,
        }
    }
}

impl Weights {
    fn of(&self, kind: TermKind) -> f64 {
        match kind {
            TermKind::Focus => self.focus,
            TermKind::Technologies => self.technologies,
            TermKind::ImpactAreas => self.impact_areas,
            TermKind::Distance => self.distance,
            TermKind::ComplementaryRoles => self.complementary_roles,
            TermKind::FriendsOfFriends => self.friends_of_friends,
            TermKind::Country => self.country,
            TermKind::Target => self.target,
        }
    }
}

/// One reason in a score: `weight × value` with what the value stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreTerm {
    pub kind: TermKind,
    pub weight: f64,
    /// From 0 (exclusive: terms at 0 are left out) to 1.
    pub value: f64,
    pub explanation: String,
}

impl ScoreTerm {
    pub fn contribution(&self) -> f64 {
        self.weight * self.value
    }
}

/// A suggested organisation or opportunity, its score and the terms it is the sum of.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored<T> {
    pub item: T,
    pub score: f64,
    pub terms: Vec<ScoreTerm>,
}

impl<T> Scored<T> {
    fn new(item: T, terms: Vec<ScoreTerm>) -> Self {
        let score = terms.iter().map(ScoreTerm::contribution).sum();
        Self { item, score, terms }
    }
}

/// Builds the terms of one score, leaving out those at 0.
struct Terms<'w> {
    weights: &'w Weights,
    terms: Vec<ScoreTerm>,
}

impl<'w> Terms<'w> {
    fn new(weights: &'w Weights) -> Self {
        Self {
            weights,
            terms: Vec::new(),
        }
    }

    fn add(&mut self, kind: TermKind, value: f64, explanation: impl FnOnce() -> String) {
        let weight = self.weights.of(kind);
        if value > 0.0 && weight > 0.0 {
            let explanation = explanation();
            self.terms.push(ScoreTerm {
                kind,
                weight,
                value: value.min(1.0),
                explanation,
            });
        }
    }

    /// A Jaccard term: the codes both name over the codes either names.
    fn shared(
        &mut self,
        kind: TermKind,
        what: &str,
        mine: &BTreeSet<String>,
        theirs: &BTreeSet<String>,
    ) {
        let common: Vec<&str> = mine.intersection(theirs).map(String::as_str).collect();
        let either = mine.union(theirs).count();
        let value = if either == 0 {
            0.0
        } else {
            common.len() as f64 / either as f64
        };
        self.add(kind, value, || {
            format!(
                "{} of {either} {what} in common: {}",
                common.len(),
                common.join(", ")
            )
        });
    }

    fn done(self) -> Vec<ScoreTerm> {
        self.terms
    }
}

/// 1 at the same place, ½ at [`HALF_DISTANCE_KM`], nearing 0 far away.
pub fn nearness(km: f64) -> f64 {
    1.0 / (1.0 + km / HALF_DISTANCE_KM)
}

/// How well two roles complete each other (0 when they do not), and why.
fn complementarity(a: &Profile, b: &Profile) -> (f64, String) {
    let grassroots_and_support = |g: &Profile, s: &Profile| {
        g.organisation_type.as_deref() == Some(GRASSROOTS) && s.roles.contains(SUPPORT_ORGANISATION)
    };
    if grassroots_and_support(a, b) || grassroots_and_support(b, a) {
        return (1.0, "a grassroots group and a support organisation".into());
    }
    let innovator_and_funder = |i: &Profile, f: &Profile| {
        if !i.roles.contains(INNOVATOR) || !f.is_funder() || i.impact_areas.is_empty() {
            return None;
        }
        let (areas, from_grants) = f.funding_areas();
        let source = if from_grants {
            "its grants went to"
        } else {
            "it works in"
        };
        let matched = i.impact_areas.intersection(areas).count();
        let value = matched as f64 / i.impact_areas.len() as f64;
        let why = format!(
            "an innovator and a funder: {matched} of the innovator's {} areas of impact are \
             areas {source}",
            i.impact_areas.len()
        );
        Some((value, why))
    };
    let found = [innovator_and_funder(a, b), innovator_and_funder(b, a)];
    found
        .into_iter()
        .flatten()
        .max_by(|x, y| x.0.total_cmp(&y.0))
        .unwrap_or((0.0, String::new()))
}

/// The terms of a possible collaboration between `a` and `b`, given how many organisations
/// are tied to both.
pub fn pair_terms(a: &Profile, b: &Profile, common: usize, weights: &Weights) -> Vec<ScoreTerm> {
    let mut terms = Terms::new(weights);
    terms.shared(TermKind::Focus, "focus areas", &a.focus, &b.focus);
    terms.shared(
        TermKind::Technologies,
        "technologies",
        &a.technologies,
        &b.technologies,
    );
    terms.shared(
        TermKind::ImpactAreas,
        "areas of impact",
        &a.impact_areas,
        &b.impact_areas,
    );
    if let (Some(p), Some(q)) = (a.point, b.point) {
        let km = p.distance_km(&q);
        terms.add(TermKind::Distance, nearness(km), || {
            format!("{km:.0} km apart")
        });
    }
    let (value, why) = complementarity(a, b);
    terms.add(TermKind::ComplementaryRoles, value, || why);
    let shared = common as f64;
    terms.add(TermKind::FriendsOfFriends, shared / (shared + 1.0), || {
        let plural = if common == 1 { "" } else { "s" };
        format!("{common} organisation{plural} tied to both")
    });
    terms.done()
}

/// How many organisations are tied to both `node` and each other node, by node (those with
/// none are absent).
pub fn common_neighbours(graph: &Graph, node: usize) -> HashMap<usize, usize> {
    let mut counts = HashMap::new();
    for friend in graph.neighbours(node) {
        for other in graph.neighbours(friend) {
            *counts.entry(other).or_insert(0) += 1;
        }
    }
    counts.remove(&node);
    counts
}

/// Best first; equal scores in id order, so that the answer is stable.
fn by_score<T>(key: impl Fn(&T) -> Uuid) -> impl Fn(&Scored<T>, &Scored<T>) -> Ordering {
    move |a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| key(&a.item).cmp(&key(&b.item)))
    }
}

/// The `first` organisations of `graph` best suited to work with `centre` that it is not tied
/// to yet, among those `candidate` accepts, best first; organisations with nothing in common
/// with it are left out. Organisations without a profile are scored on the graph alone.
pub fn collaboration_suggestions(
    graph: &Graph,
    profiles: &HashMap<Uuid, Profile>,
    centre: usize,
    candidate: impl Fn(Uuid) -> bool,
    weights: &Weights,
    first: usize,
) -> Vec<Scored<Uuid>> {
    let empty = Profile::default();
    let profile = |node: usize| profiles.get(&graph.id(node)).unwrap_or(&empty);
    let mine = profile(centre);
    let common = common_neighbours(graph, centre);
    let tied: BTreeSet<usize> = graph.neighbours(centre).collect();
    let mut found: Vec<Scored<Uuid>> = (0..graph.len())
        .filter(|&n| n != centre && !tied.contains(&n) && candidate(graph.id(n)))
        .map(|n| {
            let shared = common.get(&n).copied().unwrap_or(0);
            Scored::new(graph.id(n), pair_terms(mine, profile(n), shared, weights))
        })
        .filter(|s| s.score > 0.0)
        .collect();
    found.sort_by(by_score(|id: &Uuid| *id));
    found.truncate(first);
    found
}

/// Whether `opportunity` takes applications on `today`: it closes today or later, or never.
pub fn is_open(opportunity: &FundingOpportunity, today: NaiveDate) -> bool {
    opportunity.closes_on.is_none_or(|closes| closes >= today)
}

/// The terms of `opportunity` for `applicant`, or `None` when the applicant cannot apply: the
/// opportunity is closed, or names countries or kinds of applicant the applicant is known not
/// to be among. `funder` is the profile of its funder, when known.
pub fn funding_terms(
    applicant: &Profile,
    opportunity: &FundingOpportunity,
    funder: Option<&Profile>,
    today: NaiveDate,
    weights: &Weights,
) -> Option<Vec<ScoreTerm>> {
    if !is_open(opportunity, today) {
        return None;
    }
    let mut terms = Terms::new(weights);
    if let Some(funder) = funder {
        terms.shared(
            TermKind::Focus,
            "focus areas with the funder",
            &applicant.focus,
            &funder.focus,
        );
        let (areas, from_grants) = funder.funding_areas();
        let what = if from_grants {
            "areas of impact with those the funder's grants went to"
        } else {
            "areas of impact with the funder"
        };
        terms.shared(TermKind::ImpactAreas, what, &applicant.impact_areas, areas);
    }
    if let (false, Some(country)) = (opportunity.countries.is_empty(), &applicant.country) {
        if !opportunity.countries.contains(country) {
            return None;
        }
        terms.add(TermKind::Country, 1.0, || {
            format!("open to applicants in {country}")
        });
    }
    let kinds = applicant.applicant_kinds();
    if !opportunity.targets.is_empty() && !kinds.is_empty() {
        let matched = opportunity.targets.iter().find(|t| kinds.contains(t))?;
        terms.add(TermKind::Target, 1.0, || {
            format!("meant for {} applicants", matched.code())
        });
    }
    Some(terms.done())
}

/// The `first` open opportunities that suit `applicant` best, best first; those it cannot
/// apply to, those of its own, and those with nothing in its favour are left out.
pub fn funding_matches<'a>(
    applicant_id: Uuid,
    applicant: &Profile,
    opportunities: &'a [FundingOpportunity],
    profiles: &HashMap<Uuid, Profile>,
    today: NaiveDate,
    weights: &Weights,
    first: usize,
) -> Vec<Scored<&'a FundingOpportunity>> {
    let mut found: Vec<_> = opportunities
        .iter()
        .filter(|o| o.funder_id != Some(applicant_id))
        .filter_map(|o| {
            let funder = o.funder_id.and_then(|id| profiles.get(&id));
            let terms = funding_terms(applicant, o, funder, today, weights)?;
            Some(Scored::new(o, terms))
        })
        .filter(|s| s.score > 0.0)
        .collect();
    found.sort_by(by_score(|o: &&FundingOpportunity| o.meta.id));
    found.truncate(first);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FundingType, RecordMeta, RecordStatus, Source};
    use crate::network::{Tie, TieReason};

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn codes(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|c| (*c).to_owned()).collect()
    }

    fn graph(n: u128, pairs: &[(u128, u128)]) -> Graph {
        let ties = pairs.iter().map(|&(a, b)| Tie {
            a: id(a),
            b: id(b),
            reason: TieReason::SharedProject {
                project: id(1000 + a * 10 + b),
            },
        });
        Graph::new((1..=n).map(id), ties)
    }

    fn kinds(terms: &[ScoreTerm]) -> Vec<TermKind> {
        terms.iter().map(|t| t.kind).collect()
    }

    #[test]
    fn jaccard_terms_share_over_union_and_zero_terms_are_left_out() {
        let a = Profile {
            focus: codes(&["OPEN_DATA", "OPEN_HARDWARE"]),
            technologies: codes(&["BIG_DATA"]),
            impact_areas: codes(&["HEALTH_AND_CARE"]),
            ..Profile::default()
        };
        let b = Profile {
            focus: codes(&["OPEN_DATA", "OPEN_NETWORKS", "OPEN_KNOWLEDGE"]),
            technologies: codes(&["ROBOTICS"]),
            ..Profile::default()
        };
        let terms = pair_terms(&a, &b, 0, &Weights::default());
        assert_eq!(kinds(&terms), [TermKind::Focus]);
        assert_eq!(terms[0].value, 0.25);
        assert_eq!(terms[0].contribution(), 0.25);
        assert_eq!(
            terms[0].explanation,
            "1 of 4 focus areas in common: OPEN_DATA"
        );
    }

    #[test]
    fn distance_halves_at_a_hundred_km_and_is_absent_without_coordinates() {
        assert_eq!(nearness(0.0), 1.0);
        assert_eq!(nearness(100.0), 0.5);
        let paris = GeoPoint::new(48.8566, 2.3522);
        let lyon = GeoPoint::new(45.764, 4.8357);
        let at = |point| Profile {
            point,
            ..Profile::default()
        };
        let terms = pair_terms(&at(paris), &at(lyon), 0, &Weights::default());
        assert_eq!(kinds(&terms), [TermKind::Distance]);
        assert!((terms[0].value - nearness(391.0)).abs() < 0.01, "{terms:?}");
        assert_eq!(terms[0].explanation, "391 km apart");
        assert!(pair_terms(&at(paris), &at(None), 0, &Weights::default()).is_empty());
    }

    #[test]
    fn grassroots_and_support_complete_each_other_either_way() {
        let grassroots = Profile {
            organisation_type: Some(GRASSROOTS.into()),
            ..Profile::default()
        };
        let support = Profile {
            roles: codes(&[SUPPORT_ORGANISATION]),
            ..Profile::default()
        };
        for (a, b) in [(&grassroots, &support), (&support, &grassroots)] {
            let terms = pair_terms(a, b, 0, &Weights::default());
            assert_eq!(kinds(&terms), [TermKind::ComplementaryRoles]);
            assert_eq!(terms[0].value, 1.0);
        }
        assert!(pair_terms(&grassroots, &grassroots, 0, &Weights::default()).is_empty());
    }

    #[test]
    fn a_funder_completes_an_innovator_by_the_areas_its_grants_went_to() {
        let innovator = Profile {
            roles: codes(&[INNOVATOR]),
            impact_areas: codes(&["SCIENCE", "HEALTH_AND_CARE"]),
            ..Profile::default()
        };
        let recipient = Profile {
            impact_areas: codes(&["HEALTH_AND_CARE"]),
            ..Profile::default()
        };
        // The funder names SCIENCE itself, but its grants went to HEALTH_AND_CARE only.
        let mut profiles = HashMap::from([
            (id(1), innovator.clone()),
            (
                id(2),
                Profile {
                    impact_areas: codes(&["SCIENCE"]),
                    ..Profile::default()
                },
            ),
            (id(3), recipient),
        ]);
        add_funded_areas(&mut profiles, [(id(2), id(3))]);
        let funder = &profiles[&id(2)];
        assert_eq!(funder.funded_areas, codes(&["HEALTH_AND_CARE"]));
        let weights = Weights {
            impact_areas: 0.0,
            ..Weights::default()
        };
        let terms = pair_terms(&innovator, funder, 0, &weights);
        assert_eq!(kinds(&terms), [TermKind::ComplementaryRoles]);
        assert_eq!(terms[0].value, 0.5);
        assert!(terms[0].explanation.contains("its grants went to"));
        // Without grants, a FUNDER is judged on the areas it names.
        let named = Profile {
            roles: codes(&[FUNDER]),
            impact_areas: codes(&["SCIENCE", "HEALTH_AND_CARE"]),
            ..Profile::default()
        };
        let terms = pair_terms(&named, &innovator, 0, &weights);
        assert_eq!(terms[0].value, 1.0);
        assert!(terms[0].explanation.contains("it works in"));
    }

    #[test]
    fn suggestions_rank_untied_organisations_by_common_neighbours_and_profile() {
        // 1 is tied to 2 and 3; 4 is tied to 2 and 3, 5 to 2 only; 6 to nobody, 7 shares a focus.
        let g = graph(7, &[(1, 2), (1, 3), (2, 4), (3, 4), (2, 5)]);
        let focus = |list: &[&str]| Profile {
            focus: codes(list),
            ..Profile::default()
        };
        let profiles = HashMap::from([
            (id(1), focus(&["OPEN_DATA"])),
            (id(7), focus(&["OPEN_DATA"])),
        ]);
        let centre = g.node(id(1)).unwrap();
        let found =
            collaboration_suggestions(&g, &profiles, centre, |_| true, &Weights::default(), 10);
        let order: Vec<Uuid> = found.iter().map(|s| s.item).collect();
        // 4: 3 × 2/3 = 2; 5: 3 × 1/2 = 1.5; 7: focus 1.0; 2, 3 tied already; 6 nothing.
        assert_eq!(order, [id(4), id(5), id(7)]);
        assert_eq!(found[0].score, 2.0);
        assert_eq!(
            found[0].terms[0].explanation,
            "2 organisations tied to both"
        );
        let only_seven = collaboration_suggestions(
            &g,
            &profiles,
            centre,
            |o| o == id(7),
            &Weights::default(),
            10,
        );
        assert_eq!(only_seven.len(), 1);
        let one =
            collaboration_suggestions(&g, &profiles, centre, |_| true, &Weights::default(), 1);
        assert_eq!(one.len(), 1);
    }

    fn opportunity(n: u128, funder: Option<u128>) -> FundingOpportunity {
        FundingOpportunity {
            meta: RecordMeta::new(RecordStatus::Published, Source::Demo),
            title: format!("Opportunity {n}"),
            slug: format!("opportunity-{n}"),
            description: None,
            url: None,
            funder_id: funder.map(id),
            closes_on: None,
            funding_type: FundingType::Grant,
            targets: vec![],
            countries: vec![],
        }
    }

    #[test]
    fn funding_must_be_open_in_the_country_and_for_the_kind_of_applicant() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let applicant = Profile {
            organisation_type: Some(GRASSROOTS.into()),
            country: Some("FR".into()),
            impact_areas: codes(&["SCIENCE"]),
            ..Profile::default()
        };
        let funder = Profile {
            impact_areas: codes(&["SCIENCE", "CULTURE_AND_ARTS"]),
            ..Profile::default()
        };
        let w = Weights::default();
        let mut o = opportunity(1, Some(2));
        let terms = funding_terms(&applicant, &o, Some(&funder), today, &w).unwrap();
        assert_eq!(kinds(&terms), [TermKind::ImpactAreas]);
        assert_eq!(terms[0].value, 0.5);
        o.countries = vec!["FR".into()];
        o.targets = vec![FundingTarget::Research, FundingTarget::NonProfit];
        let terms = funding_terms(&applicant, &o, None, today, &w).unwrap();
        assert_eq!(kinds(&terms), [TermKind::Country, TermKind::Target]);
        assert_eq!(terms[1].explanation, "meant for NON_PROFIT applicants");
        o.closes_on = today.pred_opt();
        assert!(funding_terms(&applicant, &o, None, today, &w).is_none());
        o.closes_on = Some(today);
        o.countries = vec!["IT".into()];
        assert!(funding_terms(&applicant, &o, None, today, &w).is_none());
        o.countries = vec![];
        o.targets = vec![FundingTarget::Government];
        assert!(funding_terms(&applicant, &o, None, today, &w).is_none());
        // Unknown country and type: nothing rules it out, nothing counts for it.
        let unknown = Profile::default();
        assert_eq!(funding_terms(&unknown, &o, None, today, &w), Some(vec![]));
    }

    #[test]
    fn funding_matches_rank_leave_out_own_and_empty_and_cut_at_first() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let applicant = Profile {
            country: Some("FR".into()),
            focus: codes(&["OPEN_DATA"]),
            ..Profile::default()
        };
        let funder = Profile {
            focus: codes(&["OPEN_DATA"]),
            ..Profile::default()
        };
        let profiles = HashMap::from([(id(2), funder)]);
        let mut in_france = opportunity(3, None);
        in_france.countries = vec!["FR".into()];
        let both = {
            let mut o = opportunity(4, Some(2));
            o.countries = vec!["FR".into()];
            o
        };
        let list = vec![
            opportunity(1, Some(2)),
            in_france,
            both,
            opportunity(5, Some(1)),
            opportunity(6, None),
        ];
        let w = Weights::default();
        let found = funding_matches(id(1), &applicant, &list, &profiles, today, &w, 10);
        let titles: Vec<&str> = found.iter().map(|s| s.item.title.as_str()).collect();
        // 4: focus + country = 2; 1 and 3 at 1, in id order (random v7 ids: compare by id).
        assert_eq!(titles[0], "Opportunity 4");
        assert_eq!(found[0].score, 2.0);
        assert_eq!(titles.len(), 3);
        assert!(!titles.contains(&"Opportunity 5") && !titles.contains(&"Opportunity 6"));
        assert_eq!(
            funding_matches(id(1), &applicant, &list, &profiles, today, &w, 1).len(),
            1
        );
    }
}
