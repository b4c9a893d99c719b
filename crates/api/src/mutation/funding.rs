//! Grants (360Giving) and funding opportunities.

use async_graphql::{Context, Error, ID, InputObject, MaybeUndefined, Object};
use chrono::NaiveDate;
use panorama_domain as domain;
use panorama_domain::changes::{FundingOpportunityChanges, GrantChanges};
use panorama_domain::model::{GrantClassification, Money};
use panorama_domain::policy::{Actor, RecordFacts, WriteDecision, grant_write};
use panorama_persistence::Store;
use rust_decimal::Decimal;

use super::records::*;
use crate::ids::Kind;
use crate::types::{FundingOpportunity, FundingTarget, FundingType, Grant};

#[derive(InputObject, Clone, Debug)]
pub struct MoneyInput {
    /// An exact decimal, as a string: "25000.00".
    pub amount: Decimal,
    /// ISO 4217, e.g. EUR.
    pub currency: String,
}

#[derive(InputObject, Clone, Debug)]
pub struct GrantClassificationInput {
    /// The vocabulary, e.g. `SDG`.
    pub vocabulary: String,
    pub code: String,
    pub title: Option<String>,
}

/// The fields of a grant, as in the 360Giving Data Standard. In an update, a field left out is
/// unchanged and a field set to null is cleared.
#[derive(InputObject, Clone, Debug, Default)]
pub struct GrantFieldsInput {
    /// The 360Giving identifier, `360G-…`.
    pub identifier: MaybeUndefined<String>,
    pub title: MaybeUndefined<String>,
    pub description: MaybeUndefined<String>,
    pub amount_awarded: MaybeUndefined<MoneyInput>,
    /// In the currency of the amount awarded.
    pub amount_applied_for: MaybeUndefined<Decimal>,
    /// In the currency of the amount awarded.
    pub amount_disbursed: MaybeUndefined<Decimal>,
    pub award_date: MaybeUndefined<NaiveDate>,
    pub planned_start: MaybeUndefined<NaiveDate>,
    pub planned_end: MaybeUndefined<NaiveDate>,
    pub funder_id: MaybeUndefined<ID>,
    pub recipient_id: MaybeUndefined<ID>,
    pub project_id: MaybeUndefined<ID>,
    pub programme: MaybeUndefined<String>,
    /// ISO 3166-1 alpha-2 codes.
    pub beneficiary_countries: MaybeUndefined<Vec<String>>,
    pub classifications: MaybeUndefined<Vec<GrantClassificationInput>>,
}

impl FieldsInput for GrantFieldsInput {
    type Changes = GrantChanges;

    fn changes(&self, _ctx: &Context<'_>, ids: &mut Ids) -> GrantChanges {
        GrantChanges {
            identifier: patch(&self.identifier, same),
            title: patch(&self.title, same),
            description: patch(&self.description, same),
            amount_awarded: patch(&self.amount_awarded, |m| Money {
                amount: m.amount,
                currency: m.currency,
            }),
            amount_applied_for: patch(&self.amount_applied_for, same),
            amount_disbursed: patch(&self.amount_disbursed, same),
            award_date: patch(&self.award_date, same),
            planned_start: patch(&self.planned_start, same),
            planned_end: patch(&self.planned_end, same),
            funder_id: ids.patch("funderId", &self.funder_id, Kind::Organisation),
            recipient_id: ids.patch("recipientId", &self.recipient_id, Kind::Organisation),
            project_id: ids.patch("projectId", &self.project_id, Kind::Project),
            programme: patch(&self.programme, same),
            beneficiary_countries: patch(&self.beneficiary_countries, same),
            classifications: patch(&self.classifications, |list| {
                list.into_iter()
                    .map(|c| GrantClassification {
                        vocabulary: c.vocabulary,
                        code: c.code,
                        title: c.title,
                    })
                    .collect()
            }),
        }
    }
}

create_input!(AddGrantInput, GrantFieldsInput);
update_input!(UpdateGrantInput, GrantFieldsInput);
record_mutations!(
    GrantMutation,
    domain::Grant,
    AddGrantInput,
    UpdateGrantInput,
    add_grant,
    update_grant,
    archive_grant,
    restore_grant
);

impl Writable for domain::Grant {
    type Object = Grant;
    const KIND: Kind = Kind::Grant;
    const NAME: &'static str = "grant";

    fn object(self) -> Grant {
        Grant(self)
    }

    async fn facts(&self, _store: &Store) -> Result<RecordFacts, Error> {
        Ok(facts(
            &self.meta,
            vec![self.funder_id, self.recipient_id],
            Some(self.funder_id),
        ))
    }

    /// Funder partners (with `grants:write`) add the grants they fund; moderators any.
    fn may_try_create(actor: &Actor) -> bool {
        let own = RecordFacts {
            funder: match actor {
                Actor::Caller(c) => c.partner.as_ref().and_then(|p| p.organisation),
                _ => None,
            },
            ..RecordFacts::default()
        };
        grant_write(actor, &own, trusted(actor)) != WriteDecision::Deny
    }

    fn create_decision(actor: &Actor, facts: &RecordFacts) -> WriteDecision {
        grant_write(actor, facts, trusted(actor))
    }

    fn write_decision(actor: &Actor, facts: &RecordFacts) -> WriteDecision {
        grant_write(actor, facts, trusted(actor))
    }
}

#[derive(Default)]
pub struct GrantRemoval;

#[Object]
impl GrantRemoval {
    /// Deletes a grant for good; its history keeps what it said.
    async fn remove_grant(
        &self,
        ctx: &Context<'_>,
        input: RecordVersionInput,
    ) -> Result<Payload<Grant>, Error> {
        remove::<domain::Grant>(ctx, input).await
    }
}

/// The fields of a funding opportunity. In an update, a field left out is unchanged and a field
/// set to null is cleared.
#[derive(InputObject, Clone, Debug, Default)]
pub struct FundingOpportunityFieldsInput {
    pub title: MaybeUndefined<String>,
    /// Lower-case letters, digits and hyphens; made from the title when left out.
    pub slug: MaybeUndefined<String>,
    pub description: MaybeUndefined<String>,
    pub url: MaybeUndefined<String>,
    pub funder_id: MaybeUndefined<ID>,
    pub closes_on: MaybeUndefined<NaiveDate>,
    pub funding_type: MaybeUndefined<FundingType>,
    pub targets: MaybeUndefined<Vec<FundingTarget>>,
    /// ISO 3166-1 alpha-2 codes of the countries it is open to.
    pub countries: MaybeUndefined<Vec<String>>,
}

impl FieldsInput for FundingOpportunityFieldsInput {
    type Changes = FundingOpportunityChanges;

    fn changes(&self, _ctx: &Context<'_>, ids: &mut Ids) -> FundingOpportunityChanges {
        FundingOpportunityChanges {
            title: patch(&self.title, same),
            slug: patch(&self.slug, same),
            description: patch(&self.description, same),
            url: patch(&self.url, same),
            funder_id: ids.patch("funderId", &self.funder_id, Kind::Organisation),
            closes_on: patch(&self.closes_on, same),
            funding_type: patch(&self.funding_type, Into::into),
            targets: patch(&self.targets, |t| t.into_iter().map(Into::into).collect()),
            countries: patch(&self.countries, same),
        }
    }
}

create_input!(CreateFundingOpportunityInput, FundingOpportunityFieldsInput);
update_input!(UpdateFundingOpportunityInput, FundingOpportunityFieldsInput);
record_mutations!(
    FundingOpportunityMutation,
    domain::FundingOpportunity,
    CreateFundingOpportunityInput,
    UpdateFundingOpportunityInput,
    create_funding_opportunity,
    update_funding_opportunity,
    archive_funding_opportunity,
    restore_funding_opportunity
);

impl Writable for domain::FundingOpportunity {
    type Object = FundingOpportunity;
    const KIND: Kind = Kind::FundingOpportunity;
    const NAME: &'static str = "funding opportunity";

    fn object(self) -> FundingOpportunity {
        FundingOpportunity(self)
    }

    async fn facts(&self, _store: &Store) -> Result<RecordFacts, Error> {
        Ok(facts(
            &self.meta,
            self.funder_id.into_iter().collect(),
            self.funder_id,
        ))
    }
}
