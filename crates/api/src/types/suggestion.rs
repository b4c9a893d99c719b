//! Suggestions as GraphQL: an organisation or a funding opportunity with its score and the
//! terms the score is the sum of, each with its reason.

use async_graphql::SimpleObject;
use panorama_domain as domain;

use super::ecosystem::Organisation;
use super::funding::FundingOpportunity;

/// What a term of a suggestion's score measures.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::suggest::TermKind")]
pub enum SuggestionTermKind {
    /// DSI focus areas in common (shared over named by either).
    Focus,
    /// Technologies in common (shared over named by either).
    Technologies,
    /// Areas of impact in common; for funding, with the areas the funder's grants went to (or
    /// that it names, when it has no grants on record).
    ImpactAreas,
    /// Nearness: 1 at the same place, ½ at 100 km.
    Distance,
    /// Roles that complete each other: a grassroots group and a support organisation, or an
    /// innovator and a funder of its areas.
    ComplementaryRoles,
    /// Organisations tied to both (n common neighbours count n / (n + 1)).
    FriendsOfFriends,
    /// The opportunity is open to the organisation's country.
    Country,
    /// The opportunity is meant for the organisation's kind of applicant.
    Target,
}

/// One reason in a score: `contribution = weight × value`.
#[derive(SimpleObject)]
pub struct SuggestionTerm {
    pub name: SuggestionTermKind,
    pub weight: f64,
    /// From 0 to 1; terms at 0 are not listed.
    pub value: f64,
    pub contribution: f64,
    /// What the value stands for, e.g. `2 of 3 areas of impact in common: SCIENCE, …`.
    pub explanation: String,
}

impl SuggestionTerm {
    pub fn all(terms: Vec<domain::suggest::ScoreTerm>) -> Vec<Self> {
        terms
            .into_iter()
            .map(|t| Self {
                contribution: t.contribution(),
                name: t.kind.into(),
                weight: t.weight,
                value: t.value,
                explanation: t.explanation,
            })
            .collect()
    }
}

/// An organisation to work with, why, and how strongly.
#[derive(SimpleObject)]
pub struct CollaborationSuggestion {
    pub organisation: Organisation,
    /// The sum of the terms' contributions.
    pub score: f64,
    pub terms: Vec<SuggestionTerm>,
}

/// An open funding opportunity that suits an organisation, why, and how strongly.
#[derive(SimpleObject)]
pub struct FundingMatch {
    pub opportunity: FundingOpportunity,
    /// The sum of the terms' contributions.
    pub score: f64,
    pub terms: Vec<SuggestionTerm>,
}
