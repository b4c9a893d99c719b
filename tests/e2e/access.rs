//! The access matrix: every query field that returns restricted data and every mutation, for
//! each kind of caller, on a record of its own and on another's, with the outcome the policy
//! gives. A query field or mutation that the schema has and this table does not fails the test.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use panorama_domain::policy::PartnerKind;
use panorama_domain::*;
use panorama_persistence::write;
use panorama_tests::{TestApp, TestPartner, backends, error_code, global_id, uuid_of};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// A person who belongs to the "own" organisation.
    Member,
    /// The partner that owns the "own" records (and is the "own" partner account).
    Partner,
    Moderator,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Own,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The data comes back.
    Allowed,
    /// Nothing comes back, as if the record did not exist (null, empty, zero), without error.
    Absent,
    Unauthenticated,
    Forbidden,
}

use Outcome::*;
use Target::*;
use Who::*;

/// Query fields that read only through the listing and look-up machinery the matrix checks on
/// `organisation`, `organisations` and `node` (one read-scope condition for all record types),
/// or that hold no restricted data.
const SAME_SCOPE_AS_MATRIX: &[&str] = &[
    "project",
    "projects",
    "grants",
    "events",
    "caseStudies",
    "fundingOpportunities",
    "nodes",
    "taxonomy",
    // Changes to published data only: ids, versions and times of what anyone may read.
    "changes",
    // The names of the event types webhooks can carry.
    "webhookEventTypes",
    // Insights: computed from published records only, the same for every caller (the
    // insights and suggestions tests check that drafts never count).
    "ecosystemStats",
    "path",
    "collaborationSuggestions",
    "fundingMatches",
];

/// (operation, who, target, expected). Rows run in this order; admins' status changes come
/// where they leave the partners active for the rows after them.
const MATRIX: &[(&str, Who, Target, Outcome)] = &[
    ("organisation", Anonymous, Own, Absent),
    ("organisation", Anonymous, Other, Absent),
    ("organisation", Member, Own, Allowed),
    ("organisation", Member, Other, Absent),
    ("organisation", Partner, Own, Allowed),
    ("organisation", Partner, Other, Absent),
    ("organisation", Moderator, Own, Allowed),
    ("organisation", Moderator, Other, Allowed),
    ("organisation", Admin, Own, Allowed),
    ("organisation", Admin, Other, Allowed),
    ("organisations", Anonymous, Own, Absent),
    ("organisations", Anonymous, Other, Absent),
    ("organisations", Member, Own, Allowed),
    ("organisations", Member, Other, Absent),
    ("organisations", Partner, Own, Allowed),
    ("organisations", Partner, Other, Absent),
    ("organisations", Moderator, Own, Allowed),
    ("organisations", Moderator, Other, Allowed),
    ("organisations", Admin, Own, Allowed),
    ("organisations", Admin, Other, Allowed),
    ("node", Anonymous, Own, Absent),
    ("node", Anonymous, Other, Absent),
    ("node", Member, Own, Allowed),
    ("node", Member, Other, Absent),
    ("node", Partner, Own, Allowed),
    ("node", Partner, Other, Absent),
    ("node", Moderator, Own, Allowed),
    ("node", Moderator, Other, Allowed),
    ("node", Admin, Own, Allowed),
    ("node", Admin, Other, Allowed),
    ("viewer", Anonymous, Own, Allowed),
    ("viewer", Member, Own, Allowed),
    ("viewer", Partner, Own, Allowed),
    ("viewer", Moderator, Own, Allowed),
    ("viewer", Admin, Own, Allowed),
    ("partners", Anonymous, Other, Unauthenticated),
    ("partners", Member, Other, Forbidden),
    ("partners", Partner, Other, Forbidden),
    ("partners", Moderator, Other, Forbidden),
    ("partners", Admin, Other, Allowed),
    ("partner", Anonymous, Own, Absent),
    ("partner", Member, Other, Absent),
    ("partner", Partner, Own, Allowed),
    ("partner", Partner, Other, Absent),
    ("partner", Moderator, Other, Absent),
    ("partner", Admin, Own, Allowed),
    ("partner", Admin, Other, Allowed),
    ("createOrganisation", Anonymous, Other, Unauthenticated),
    ("createOrganisation", Member, Other, Allowed),
    ("createOrganisation", Partner, Other, Allowed),
    ("createOrganisation", Moderator, Other, Allowed),
    ("createOrganisation", Admin, Other, Allowed),
    ("updateOrganisation", Anonymous, Own, Absent),
    ("updateOrganisation", Anonymous, Other, Absent),
    ("updateOrganisation", Member, Own, Allowed),
    ("updateOrganisation", Member, Other, Absent),
    ("updateOrganisation", Partner, Own, Allowed),
    ("updateOrganisation", Partner, Other, Absent),
    ("updateOrganisation", Moderator, Own, Allowed),
    ("updateOrganisation", Moderator, Other, Allowed),
    ("updateOrganisation", Admin, Own, Allowed),
    ("updateOrganisation", Admin, Other, Allowed),
    ("archiveOrganisation", Anonymous, Own, Absent),
    ("archiveOrganisation", Member, Other, Absent),
    ("archiveOrganisation", Partner, Other, Absent),
    ("archiveOrganisation", Member, Own, Allowed),
    ("archiveOrganisation", Partner, Own, Allowed),
    ("archiveOrganisation", Admin, Own, Allowed),
    ("archiveOrganisation", Moderator, Other, Allowed),
    ("restoreOrganisation", Anonymous, Own, Absent),
    ("restoreOrganisation", Partner, Other, Absent),
    ("restoreOrganisation", Member, Other, Absent),
    ("restoreOrganisation", Member, Own, Allowed),
    ("restoreOrganisation", Partner, Own, Allowed),
    ("restoreOrganisation", Admin, Own, Allowed),
    ("restoreOrganisation", Moderator, Other, Allowed),
    // The records of every other type, pending at first (see `World`). Members see, of those,
    // only the projects their organisations take part in (the read scope); a member's rows on
    // the other pending records are therefore Absent. Restores by moderators publish, so the
    // rows after a type's restore (participations, removals) act on an own record that is
    // pending and another's that is published, which the proposers may not change directly.
    ("createProject", Anonymous, Own, Unauthenticated),
    ("createProject", Member, Own, Allowed),
    ("createProject", Member, Other, Allowed),
    ("createProject", Partner, Own, Allowed),
    ("createProject", Partner, Other, Allowed),
    ("createProject", Moderator, Other, Allowed),
    ("createProject", Admin, Own, Allowed),
    ("updateProject", Anonymous, Own, Absent),
    ("updateProject", Anonymous, Other, Absent),
    ("updateProject", Member, Own, Allowed),
    ("updateProject", Member, Other, Absent),
    ("updateProject", Partner, Own, Allowed),
    ("updateProject", Partner, Other, Absent),
    ("updateProject", Moderator, Own, Allowed),
    ("updateProject", Moderator, Other, Allowed),
    ("updateProject", Admin, Own, Allowed),
    ("updateProject", Admin, Other, Allowed),
    ("archiveProject", Anonymous, Own, Absent),
    ("archiveProject", Member, Other, Absent),
    ("archiveProject", Partner, Other, Absent),
    ("archiveProject", Member, Own, Allowed),
    ("archiveProject", Partner, Own, Allowed),
    ("archiveProject", Admin, Own, Allowed),
    ("archiveProject", Moderator, Other, Allowed),
    ("restoreProject", Anonymous, Own, Absent),
    ("restoreProject", Partner, Other, Absent),
    ("restoreProject", Member, Other, Absent),
    ("restoreProject", Member, Own, Allowed),
    ("restoreProject", Partner, Own, Allowed),
    ("restoreProject", Admin, Own, Allowed),
    ("restoreProject", Moderator, Other, Allowed),
    // From here the own project is pending, the other published.
    ("addParticipation", Anonymous, Own, Absent),
    ("addParticipation", Anonymous, Other, Unauthenticated),
    ("addParticipation", Member, Own, Allowed),
    ("addParticipation", Member, Other, Forbidden),
    ("addParticipation", Partner, Own, Allowed),
    ("addParticipation", Partner, Other, Forbidden),
    ("addParticipation", Moderator, Own, Allowed),
    ("addParticipation", Moderator, Other, Allowed),
    ("addParticipation", Admin, Own, Allowed),
    ("addParticipation", Admin, Other, Allowed),
    ("removeParticipation", Anonymous, Own, Absent),
    ("removeParticipation", Anonymous, Other, Unauthenticated),
    ("removeParticipation", Member, Own, Allowed),
    ("removeParticipation", Member, Other, Forbidden),
    ("removeParticipation", Partner, Own, Allowed),
    ("removeParticipation", Partner, Other, Forbidden),
    ("removeParticipation", Moderator, Own, Allowed),
    ("removeParticipation", Moderator, Other, Allowed),
    ("removeParticipation", Admin, Own, Allowed),
    ("removeParticipation", Admin, Other, Allowed),
    ("addImpactIndicator", Anonymous, Own, Unauthenticated),
    ("addImpactIndicator", Member, Own, Allowed),
    ("addImpactIndicator", Member, Other, Allowed),
    ("addImpactIndicator", Partner, Own, Allowed),
    ("addImpactIndicator", Partner, Other, Allowed),
    ("addImpactIndicator", Moderator, Other, Allowed),
    ("addImpactIndicator", Admin, Own, Allowed),
    ("updateImpactIndicator", Anonymous, Own, Absent),
    ("updateImpactIndicator", Anonymous, Other, Absent),
    ("updateImpactIndicator", Member, Own, Absent),
    ("updateImpactIndicator", Member, Other, Absent),
    ("updateImpactIndicator", Partner, Own, Allowed),
    ("updateImpactIndicator", Partner, Other, Absent),
    ("updateImpactIndicator", Moderator, Own, Allowed),
    ("updateImpactIndicator", Moderator, Other, Allowed),
    ("updateImpactIndicator", Admin, Own, Allowed),
    ("updateImpactIndicator", Admin, Other, Allowed),
    ("archiveImpactIndicator", Anonymous, Own, Absent),
    ("archiveImpactIndicator", Member, Other, Absent),
    ("archiveImpactIndicator", Partner, Other, Absent),
    ("archiveImpactIndicator", Member, Own, Absent),
    ("archiveImpactIndicator", Partner, Own, Allowed),
    ("archiveImpactIndicator", Admin, Own, Allowed),
    ("archiveImpactIndicator", Moderator, Other, Allowed),
    ("restoreImpactIndicator", Anonymous, Own, Absent),
    ("restoreImpactIndicator", Partner, Other, Absent),
    ("restoreImpactIndicator", Member, Other, Absent),
    ("restoreImpactIndicator", Member, Own, Absent),
    ("restoreImpactIndicator", Partner, Own, Allowed),
    ("restoreImpactIndicator", Admin, Own, Allowed),
    ("restoreImpactIndicator", Moderator, Other, Allowed),
    // The own indicator is pending, the other published; the last removal of each is the one
    // that deletes it, after which it is gone.
    ("removeImpactIndicator", Anonymous, Own, Absent),
    ("removeImpactIndicator", Anonymous, Other, Unauthenticated),
    ("removeImpactIndicator", Member, Own, Absent),
    ("removeImpactIndicator", Member, Other, Forbidden),
    ("removeImpactIndicator", Partner, Other, Forbidden),
    ("removeImpactIndicator", Partner, Own, Allowed),
    ("removeImpactIndicator", Admin, Other, Allowed),
    ("removeImpactIndicator", Moderator, Own, Absent),
    ("removeImpactIndicator", Moderator, Other, Absent),
    // (Before the own grant is removed below.)
    ("grantByExternalId", Anonymous, Own, Unauthenticated),
    ("grantByExternalId", Member, Own, Forbidden),
    ("grantByExternalId", Partner, Own, Allowed),
    ("grantByExternalId", Moderator, Own, Forbidden),
    ("grantByExternalId", Admin, Own, Forbidden),
    // Grants: only a funder partner (with grants:write) writes those its organisation funds;
    // the own partner is one, for the own organisation, which funds the own grant.
    ("addGrant", Anonymous, Own, Unauthenticated),
    ("addGrant", Member, Own, Forbidden),
    ("addGrant", Member, Other, Forbidden),
    ("addGrant", Partner, Own, Allowed),
    ("addGrant", Partner, Other, Forbidden),
    ("addGrant", Moderator, Other, Allowed),
    ("addGrant", Admin, Own, Allowed),
    ("updateGrant", Anonymous, Own, Absent),
    ("updateGrant", Anonymous, Other, Absent),
    ("updateGrant", Member, Own, Absent),
    ("updateGrant", Member, Other, Absent),
    ("updateGrant", Partner, Own, Allowed),
    ("updateGrant", Partner, Other, Absent),
    ("updateGrant", Moderator, Own, Allowed),
    ("updateGrant", Moderator, Other, Allowed),
    ("updateGrant", Admin, Own, Allowed),
    ("updateGrant", Admin, Other, Allowed),
    ("archiveGrant", Anonymous, Own, Absent),
    ("archiveGrant", Member, Other, Absent),
    ("archiveGrant", Partner, Other, Absent),
    ("archiveGrant", Member, Own, Absent),
    ("archiveGrant", Partner, Own, Allowed),
    ("archiveGrant", Admin, Own, Allowed),
    ("archiveGrant", Moderator, Other, Allowed),
    ("restoreGrant", Anonymous, Own, Absent),
    ("restoreGrant", Partner, Other, Absent),
    ("restoreGrant", Member, Other, Absent),
    ("restoreGrant", Member, Own, Absent),
    ("restoreGrant", Partner, Own, Allowed),
    ("restoreGrant", Admin, Own, Allowed),
    ("restoreGrant", Moderator, Other, Allowed),
    ("removeGrant", Anonymous, Own, Absent),
    ("removeGrant", Anonymous, Other, Unauthenticated),
    ("removeGrant", Member, Own, Absent),
    ("removeGrant", Member, Other, Forbidden),
    ("removeGrant", Partner, Other, Forbidden),
    ("removeGrant", Partner, Own, Allowed),
    ("removeGrant", Admin, Other, Allowed),
    ("removeGrant", Moderator, Own, Absent),
    ("removeGrant", Moderator, Other, Absent),
    ("createFundingOpportunity", Anonymous, Own, Unauthenticated),
    ("createFundingOpportunity", Member, Own, Allowed),
    ("createFundingOpportunity", Member, Other, Allowed),
    ("createFundingOpportunity", Partner, Own, Allowed),
    ("createFundingOpportunity", Partner, Other, Allowed),
    ("createFundingOpportunity", Moderator, Other, Allowed),
    ("createFundingOpportunity", Admin, Own, Allowed),
    ("updateFundingOpportunity", Anonymous, Own, Absent),
    ("updateFundingOpportunity", Anonymous, Other, Absent),
    ("updateFundingOpportunity", Member, Own, Absent),
    ("updateFundingOpportunity", Member, Other, Absent),
    ("updateFundingOpportunity", Partner, Own, Allowed),
    ("updateFundingOpportunity", Partner, Other, Absent),
    ("updateFundingOpportunity", Moderator, Own, Allowed),
    ("updateFundingOpportunity", Moderator, Other, Allowed),
    ("updateFundingOpportunity", Admin, Own, Allowed),
    ("updateFundingOpportunity", Admin, Other, Allowed),
    ("archiveFundingOpportunity", Anonymous, Own, Absent),
    ("archiveFundingOpportunity", Member, Other, Absent),
    ("archiveFundingOpportunity", Partner, Other, Absent),
    ("archiveFundingOpportunity", Member, Own, Absent),
    ("archiveFundingOpportunity", Partner, Own, Allowed),
    ("archiveFundingOpportunity", Admin, Own, Allowed),
    ("archiveFundingOpportunity", Moderator, Other, Allowed),
    ("restoreFundingOpportunity", Anonymous, Own, Absent),
    ("restoreFundingOpportunity", Partner, Other, Absent),
    ("restoreFundingOpportunity", Member, Other, Absent),
    ("restoreFundingOpportunity", Member, Own, Absent),
    ("restoreFundingOpportunity", Partner, Own, Allowed),
    ("restoreFundingOpportunity", Admin, Own, Allowed),
    ("restoreFundingOpportunity", Moderator, Other, Allowed),
    ("addSupport", Anonymous, Own, Unauthenticated),
    ("addSupport", Member, Own, Allowed),
    ("addSupport", Member, Other, Allowed),
    ("addSupport", Partner, Own, Allowed),
    ("addSupport", Partner, Other, Allowed),
    ("addSupport", Moderator, Other, Allowed),
    ("addSupport", Admin, Own, Allowed),
    ("updateSupport", Anonymous, Own, Absent),
    ("updateSupport", Anonymous, Other, Absent),
    ("updateSupport", Member, Own, Absent),
    ("updateSupport", Member, Other, Absent),
    ("updateSupport", Partner, Own, Allowed),
    ("updateSupport", Partner, Other, Absent),
    ("updateSupport", Moderator, Own, Allowed),
    ("updateSupport", Moderator, Other, Allowed),
    ("updateSupport", Admin, Own, Allowed),
    ("updateSupport", Admin, Other, Allowed),
    ("archiveSupport", Anonymous, Own, Absent),
    ("archiveSupport", Member, Other, Absent),
    ("archiveSupport", Partner, Other, Absent),
    ("archiveSupport", Member, Own, Absent),
    ("archiveSupport", Partner, Own, Allowed),
    ("archiveSupport", Admin, Own, Allowed),
    ("archiveSupport", Moderator, Other, Allowed),
    ("restoreSupport", Anonymous, Own, Absent),
    ("restoreSupport", Partner, Other, Absent),
    ("restoreSupport", Member, Other, Absent),
    ("restoreSupport", Member, Own, Absent),
    ("restoreSupport", Partner, Own, Allowed),
    ("restoreSupport", Admin, Own, Allowed),
    ("restoreSupport", Moderator, Other, Allowed),
    ("removeSupport", Anonymous, Own, Absent),
    ("removeSupport", Anonymous, Other, Unauthenticated),
    ("removeSupport", Member, Own, Absent),
    ("removeSupport", Member, Other, Forbidden),
    ("removeSupport", Partner, Other, Forbidden),
    ("removeSupport", Partner, Own, Allowed),
    ("removeSupport", Admin, Other, Allowed),
    ("removeSupport", Moderator, Own, Absent),
    ("removeSupport", Moderator, Other, Absent),
    ("addOrganisationLink", Anonymous, Own, Unauthenticated),
    ("addOrganisationLink", Member, Own, Allowed),
    ("addOrganisationLink", Member, Other, Allowed),
    ("addOrganisationLink", Partner, Own, Allowed),
    ("addOrganisationLink", Partner, Other, Allowed),
    ("addOrganisationLink", Moderator, Other, Allowed),
    ("addOrganisationLink", Admin, Own, Allowed),
    ("updateOrganisationLink", Anonymous, Own, Absent),
    ("updateOrganisationLink", Anonymous, Other, Absent),
    ("updateOrganisationLink", Member, Own, Absent),
    ("updateOrganisationLink", Member, Other, Absent),
    ("updateOrganisationLink", Partner, Own, Allowed),
    ("updateOrganisationLink", Partner, Other, Absent),
    ("updateOrganisationLink", Moderator, Own, Allowed),
    ("updateOrganisationLink", Moderator, Other, Allowed),
    ("updateOrganisationLink", Admin, Own, Allowed),
    ("updateOrganisationLink", Admin, Other, Allowed),
    ("archiveOrganisationLink", Anonymous, Own, Absent),
    ("archiveOrganisationLink", Member, Other, Absent),
    ("archiveOrganisationLink", Partner, Other, Absent),
    ("archiveOrganisationLink", Member, Own, Absent),
    ("archiveOrganisationLink", Partner, Own, Allowed),
    ("archiveOrganisationLink", Admin, Own, Allowed),
    ("archiveOrganisationLink", Moderator, Other, Allowed),
    ("restoreOrganisationLink", Anonymous, Own, Absent),
    ("restoreOrganisationLink", Partner, Other, Absent),
    ("restoreOrganisationLink", Member, Other, Absent),
    ("restoreOrganisationLink", Member, Own, Absent),
    ("restoreOrganisationLink", Partner, Own, Allowed),
    ("restoreOrganisationLink", Admin, Own, Allowed),
    ("restoreOrganisationLink", Moderator, Other, Allowed),
    ("removeOrganisationLink", Anonymous, Own, Absent),
    ("removeOrganisationLink", Anonymous, Other, Unauthenticated),
    ("removeOrganisationLink", Member, Own, Absent),
    ("removeOrganisationLink", Member, Other, Forbidden),
    ("removeOrganisationLink", Partner, Other, Forbidden),
    ("removeOrganisationLink", Partner, Own, Allowed),
    ("removeOrganisationLink", Admin, Other, Allowed),
    ("removeOrganisationLink", Moderator, Own, Absent),
    ("removeOrganisationLink", Moderator, Other, Absent),
    ("createEvent", Anonymous, Own, Unauthenticated),
    ("createEvent", Member, Own, Allowed),
    ("createEvent", Member, Other, Allowed),
    ("createEvent", Partner, Own, Allowed),
    ("createEvent", Partner, Other, Allowed),
    ("createEvent", Moderator, Other, Allowed),
    ("createEvent", Admin, Own, Allowed),
    ("updateEvent", Anonymous, Own, Absent),
    ("updateEvent", Anonymous, Other, Absent),
    ("updateEvent", Member, Own, Absent),
    ("updateEvent", Member, Other, Absent),
    ("updateEvent", Partner, Own, Allowed),
    ("updateEvent", Partner, Other, Absent),
    ("updateEvent", Moderator, Own, Allowed),
    ("updateEvent", Moderator, Other, Allowed),
    ("updateEvent", Admin, Own, Allowed),
    ("updateEvent", Admin, Other, Allowed),
    ("archiveEvent", Anonymous, Own, Absent),
    ("archiveEvent", Member, Other, Absent),
    ("archiveEvent", Partner, Other, Absent),
    ("archiveEvent", Member, Own, Absent),
    ("archiveEvent", Partner, Own, Allowed),
    ("archiveEvent", Admin, Own, Allowed),
    ("archiveEvent", Moderator, Other, Allowed),
    ("restoreEvent", Anonymous, Own, Absent),
    ("restoreEvent", Partner, Other, Absent),
    ("restoreEvent", Member, Other, Absent),
    ("restoreEvent", Member, Own, Absent),
    ("restoreEvent", Partner, Own, Allowed),
    ("restoreEvent", Admin, Own, Allowed),
    ("restoreEvent", Moderator, Other, Allowed),
    ("createCaseStudy", Anonymous, Own, Unauthenticated),
    ("createCaseStudy", Member, Own, Allowed),
    ("createCaseStudy", Member, Other, Allowed),
    ("createCaseStudy", Partner, Own, Allowed),
    ("createCaseStudy", Partner, Other, Allowed),
    ("createCaseStudy", Moderator, Other, Allowed),
    ("createCaseStudy", Admin, Own, Allowed),
    ("updateCaseStudy", Anonymous, Own, Absent),
    ("updateCaseStudy", Anonymous, Other, Absent),
    ("updateCaseStudy", Member, Own, Absent),
    ("updateCaseStudy", Member, Other, Absent),
    ("updateCaseStudy", Partner, Own, Allowed),
    ("updateCaseStudy", Partner, Other, Absent),
    ("updateCaseStudy", Moderator, Own, Allowed),
    ("updateCaseStudy", Moderator, Other, Allowed),
    ("updateCaseStudy", Admin, Own, Allowed),
    ("updateCaseStudy", Admin, Other, Allowed),
    ("archiveCaseStudy", Anonymous, Own, Absent),
    ("archiveCaseStudy", Member, Other, Absent),
    ("archiveCaseStudy", Partner, Other, Absent),
    ("archiveCaseStudy", Member, Own, Absent),
    ("archiveCaseStudy", Partner, Own, Allowed),
    ("archiveCaseStudy", Admin, Own, Allowed),
    ("archiveCaseStudy", Moderator, Other, Allowed),
    ("restoreCaseStudy", Anonymous, Own, Absent),
    ("restoreCaseStudy", Partner, Other, Absent),
    ("restoreCaseStudy", Member, Other, Absent),
    ("restoreCaseStudy", Member, Own, Absent),
    ("restoreCaseStudy", Partner, Own, Allowed),
    ("restoreCaseStudy", Admin, Own, Allowed),
    ("restoreCaseStudy", Moderator, Other, Allowed),
    ("createPartner", Anonymous, Other, Unauthenticated),
    ("createPartner", Member, Other, Forbidden),
    ("createPartner", Partner, Other, Forbidden),
    ("createPartner", Moderator, Other, Forbidden),
    ("createPartner", Admin, Other, Allowed),
    ("addApiClient", Anonymous, Own, Unauthenticated),
    ("addApiClient", Member, Other, Forbidden),
    ("addApiClient", Partner, Own, Forbidden),
    ("addApiClient", Partner, Other, Forbidden),
    ("addApiClient", Moderator, Other, Forbidden),
    ("addApiClient", Admin, Own, Allowed),
    ("addApiClient", Admin, Other, Allowed),
    ("revokeApiClient", Anonymous, Own, Unauthenticated),
    ("revokeApiClient", Member, Other, Forbidden),
    ("revokeApiClient", Partner, Own, Forbidden),
    ("revokeApiClient", Partner, Other, Forbidden),
    ("revokeApiClient", Moderator, Other, Forbidden),
    ("revokeApiClient", Admin, Own, Allowed),
    ("revokeApiClient", Admin, Other, Allowed),
    ("suspendPartner", Anonymous, Own, Unauthenticated),
    ("suspendPartner", Member, Other, Forbidden),
    ("suspendPartner", Partner, Own, Forbidden),
    ("suspendPartner", Partner, Other, Forbidden),
    ("suspendPartner", Moderator, Other, Forbidden),
    ("suspendPartner", Admin, Other, Allowed),
    ("activatePartner", Admin, Other, Allowed),
    ("activatePartner", Anonymous, Own, Unauthenticated),
    ("activatePartner", Member, Other, Forbidden),
    ("activatePartner", Partner, Own, Forbidden),
    ("activatePartner", Moderator, Other, Forbidden),
    ("proposal", Anonymous, Own, Absent),
    ("proposal", Member, Own, Absent),
    ("proposal", Partner, Own, Allowed),
    ("proposal", Moderator, Own, Allowed),
    ("proposal", Admin, Own, Allowed),
    // Moderation. The payload itself is the data: whether a step fits the record's status is
    // the workflow's business (tests/e2e/moderation.rs); here only who may take it.
    ("moderationQueue", Anonymous, Other, Unauthenticated),
    ("moderationQueue", Member, Other, Forbidden),
    ("moderationQueue", Partner, Other, Forbidden),
    ("moderationQueue", Moderator, Other, Allowed),
    ("moderationQueue", Admin, Other, Allowed),
    ("report", Anonymous, Other, Unauthenticated),
    ("report", Member, Other, Allowed),
    ("report", Partner, Other, Allowed),
    ("report", Moderator, Other, Allowed),
    ("report", Admin, Own, Allowed),
    ("approve", Anonymous, Own, Unauthenticated),
    ("approve", Member, Own, Forbidden),
    ("approve", Partner, Own, Forbidden),
    ("approve", Moderator, Own, Allowed),
    ("approve", Admin, Other, Allowed),
    ("requestChanges", Anonymous, Own, Unauthenticated),
    ("requestChanges", Member, Own, Forbidden),
    ("requestChanges", Partner, Own, Forbidden),
    ("requestChanges", Moderator, Own, Allowed),
    ("requestChanges", Admin, Other, Allowed),
    ("revert", Anonymous, Own, Unauthenticated),
    ("revert", Member, Own, Forbidden),
    ("revert", Partner, Own, Forbidden),
    ("revert", Moderator, Own, Allowed),
    ("revert", Admin, Other, Allowed),
    ("reject", Anonymous, Own, Unauthenticated),
    ("reject", Member, Own, Forbidden),
    ("reject", Partner, Own, Forbidden),
    ("reject", Moderator, Own, Allowed),
    ("reject", Admin, Other, Allowed),
    ("possibleDuplicates", Anonymous, Own, Unauthenticated),
    ("possibleDuplicates", Member, Own, Forbidden),
    ("possibleDuplicates", Partner, Own, Forbidden),
    ("possibleDuplicates", Moderator, Own, Allowed),
    ("possibleDuplicates", Admin, Own, Allowed),
    // Sync: partners' own ids. Moderators and admins have no partner account of their own.
    ("organisationByExternalId", Anonymous, Own, Unauthenticated),
    ("organisationByExternalId", Member, Own, Forbidden),
    ("organisationByExternalId", Partner, Own, Allowed),
    ("organisationByExternalId", Moderator, Own, Forbidden),
    ("organisationByExternalId", Admin, Own, Forbidden),
    ("projectByExternalId", Anonymous, Own, Unauthenticated),
    ("projectByExternalId", Member, Own, Forbidden),
    ("projectByExternalId", Partner, Own, Allowed),
    ("projectByExternalId", Moderator, Own, Forbidden),
    ("projectByExternalId", Admin, Own, Forbidden),
    // A funder partner syncs the grants its own organisation funds (the own organisation).
    ("upsertGrants", Anonymous, Own, Unauthenticated),
    ("upsertGrants", Member, Own, Forbidden),
    ("upsertGrants", Partner, Own, Allowed),
    ("upsertGrants", Moderator, Own, Forbidden),
    ("upsertGrants", Admin, Own, Forbidden),
    ("upsertOrganisations", Anonymous, Other, Unauthenticated),
    ("upsertOrganisations", Member, Other, Forbidden),
    ("upsertOrganisations", Partner, Other, Allowed),
    ("upsertOrganisations", Moderator, Other, Forbidden),
    ("upsertOrganisations", Admin, Other, Forbidden),
    ("upsertProjects", Anonymous, Other, Unauthenticated),
    ("upsertProjects", Member, Other, Forbidden),
    ("upsertProjects", Partner, Other, Allowed),
    ("upsertProjects", Moderator, Other, Forbidden),
    ("upsertProjects", Admin, Other, Forbidden),
    // 360Giving imports: the own partner is a funder and imports the grants the own
    // organisation funds; those of another funder fail one by one (FORBIDDEN as a user
    // error), so nothing is created.
    ("importGrants360Giving", Anonymous, Own, Unauthenticated),
    ("importGrants360Giving", Member, Own, Forbidden),
    ("importGrants360Giving", Partner, Own, Allowed),
    ("importGrants360Giving", Partner, Other, Absent),
    ("importGrants360Giving", Moderator, Other, Allowed),
    ("importGrants360Giving", Admin, Own, Allowed),
    // Webhooks: a partner's system registers its own endpoints and sees only those;
    // moderators and admins see and disable any, but have no partner to register for.
    ("webhookEndpoints", Anonymous, Own, Unauthenticated),
    ("webhookEndpoints", Member, Own, Forbidden),
    ("webhookEndpoints", Partner, Own, Allowed),
    ("webhookEndpoints", Partner, Other, Forbidden),
    ("webhookEndpoints", Moderator, Other, Allowed),
    ("webhookEndpoints", Admin, Own, Allowed),
    ("webhookDeliveries", Anonymous, Own, Unauthenticated),
    ("webhookDeliveries", Member, Own, Forbidden),
    ("webhookDeliveries", Partner, Own, Allowed),
    ("webhookDeliveries", Partner, Other, Absent),
    ("webhookDeliveries", Moderator, Other, Allowed),
    ("webhookDeliveries", Admin, Own, Allowed),
    ("registerWebhook", Anonymous, Other, Unauthenticated),
    ("registerWebhook", Member, Other, Forbidden),
    ("registerWebhook", Partner, Own, Allowed),
    ("registerWebhook", Moderator, Other, Forbidden),
    ("registerWebhook", Admin, Other, Forbidden),
    ("disableWebhook", Anonymous, Own, Unauthenticated),
    ("disableWebhook", Member, Own, Forbidden),
    ("disableWebhook", Partner, Other, Absent),
    ("disableWebhook", Partner, Own, Allowed),
    ("disableWebhook", Moderator, Other, Allowed),
    ("disableWebhook", Admin, Own, Allowed),
    // Last: each merge takes a demo organisation into the target.
    ("mergeOrganisations", Anonymous, Own, Unauthenticated),
    ("mergeOrganisations", Member, Own, Forbidden),
    ("mergeOrganisations", Partner, Own, Forbidden),
    ("mergeOrganisations", Moderator, Own, Allowed),
    ("mergeOrganisations", Admin, Other, Allowed),
];

/// The records and accounts the matrix acts on.
struct World {
    own_organisation: (uuid::Uuid, String),
    other_organisation: (uuid::Uuid, String),
    own_partner: TestPartner,
    other_partner: TestPartner,
    /// Spare clients to revoke, so the partners' own clients keep working.
    spare_clients: (String, String),
    /// The own and the other record of each type in [`RECORD_TYPES`], by its name.
    records: BTreeMap<&'static str, (uuid::Uuid, uuid::Uuid)>,
    /// Published demo organisations for the other end of new links and participations.
    pool: Vec<uuid::Uuid>,
    /// Counts requests, so that each picks fresh values.
    fresh: AtomicUsize,
    tokens: Vec<(Who, Option<String>)>,
    /// A change the own partner proposed to a published organisation.
    proposal: String,
    /// A webhook endpoint of the own and of the other partner (global ids).
    webhook_endpoints: (String, String),
}

impl World {
    fn organisation(&self, target: Target) -> uuid::Uuid {
        match target {
            Own => self.own_organisation.0,
            Other => self.other_organisation.0,
        }
    }

    fn record(&self, name: &str, target: Target) -> uuid::Uuid {
        let (own, other) = self.records[name];
        match target {
            Own => own,
            Other => other,
        }
    }
}

/// A record type written through the shared write path.
struct RecordType {
    /// What its mutations end with, and the kind of its global ids.
    name: &'static str,
    /// The verb of the mutation that adds one: `create` or `add`.
    create: &'static str,
    /// A text field an update changes (a link has none: an update changes its kind).
    text: Option<&'static str>,
}

const RECORD_TYPES: &[RecordType] = &[
    RecordType {
        name: "Project",
        create: "create",
        text: Some("shortDescription"),
    },
    RecordType {
        name: "ImpactIndicator",
        create: "add",
        text: Some("method"),
    },
    RecordType {
        name: "Grant",
        create: "add",
        text: Some("description"),
    },
    RecordType {
        name: "FundingOpportunity",
        create: "create",
        text: Some("description"),
    },
    RecordType {
        name: "Support",
        create: "add",
        text: Some("description"),
    },
    RecordType {
        name: "OrganisationLink",
        create: "add",
        text: None,
    },
    RecordType {
        name: "Event",
        create: "create",
        text: Some("description"),
    },
    RecordType {
        name: "CaseStudy",
        create: "create",
        text: Some("summary"),
    },
];

const LINK_KINDS: [&str; 4] = ["PARTNER", "MEMBER_OF", "SPIN_OFF", "SUBSIDIARY"];

/// A pending organisation, owned by `owner` if given.
async fn pending_organisation(
    app: &TestApp,
    name: &str,
    owner: Option<uuid::Uuid>,
) -> Organisation {
    let slug = panorama_domain::text::slugify(name);
    let mut meta = RecordMeta::new(RecordStatus::Pending, Source::Web);
    meta.owner_partner = owner;
    let organisation = Organisation {
        meta,
        name: name.to_owned(),
        slug: slug.clone(),
        short_description: None,
        description: None,
        website: None,
        other_links: vec![],
        logo_url: None,
        organisation_type: None,
        size: None,
        founded_on: None,
        legal_identifiers: vec![],
        place: Place {
            country: Some("MT".into()),
            ..Place::default()
        },
        classification: Classification::default(),
        roles: vec![],
        network_memberships: vec![],
        tags: vec![],
    };
    write::insert_organisation(app.store().connection(), &organisation)
        .await
        .unwrap();
    organisation
}

/// A pending record of every type in [`RECORD_TYPES`], owned by `partner` and tied to
/// `organisation` the way the member rules look at it: a project it leads (in which every
/// `pool` organisation is a partner, for participations to remove), an indicator of that
/// project, a grant it funds and receives, a funding opportunity it funds, a support it gives
/// to that project, a link from it to `link_to`, an event it organises, a case study of it.
async fn pending_records(
    app: &TestApp,
    label: &str,
    partner: uuid::Uuid,
    organisation: uuid::Uuid,
    link_to: uuid::Uuid,
    pool: &[uuid::Uuid],
) -> BTreeMap<&'static str, uuid::Uuid> {
    use panorama_domain::changes::*;
    let db = app.store().connection();
    let meta = || {
        let mut meta = RecordMeta::new(RecordStatus::Pending, Source::Web);
        meta.owner_partner = Some(partner);
        meta
    };
    let title = |kind: &str| format!("Matrix {label} {kind}");
    let slug = |kind: &str| panorama_domain::text::slugify(&title(kind));

    let mut project = blank_project(meta());
    project.title = title("project");
    project.slug = slug("project");
    write::insert_project(db, &project).await.unwrap();
    let project_id = project.meta.id;
    let lead = Participation {
        project_id,
        organisation_id: organisation,
        role: ParticipationRole::Lead,
    };
    let partners = pool.iter().map(|&organisation_id| Participation {
        project_id,
        organisation_id,
        role: ParticipationRole::Partner,
    });
    let participations: Vec<_> = std::iter::once(lead).chain(partners).collect();
    write::insert_participations(db, &participations)
        .await
        .unwrap();

    let mut indicator = blank_impact_indicator(meta());
    indicator.project_id = project_id;
    indicator.name = title("indicator");
    write::insert_impact_indicator(db, &indicator)
        .await
        .unwrap();

    let mut grant = blank_grant(meta());
    grant.identifier = format!("360G-matrix-{}", grant.meta.id);
    grant.title = title("grant");
    grant.amount_awarded = Money {
        amount: "1000".parse().unwrap(),
        currency: "EUR".into(),
    };
    grant.award_date = chrono::NaiveDate::from_ymd_opt(2025, 1, 15).unwrap();
    grant.funder_id = organisation;
    grant.recipient_id = organisation;
    write::insert_grant(db, &grant).await.unwrap();

    let mut opportunity = blank_funding_opportunity(meta());
    opportunity.title = title("funding opportunity");
    opportunity.slug = slug("funding opportunity");
    opportunity.funder_id = Some(organisation);
    write::insert_funding_opportunity(db, &opportunity)
        .await
        .unwrap();

    let mut support = blank_support(meta());
    support.supporter_id = organisation;
    support.project_id = Some(project_id);
    support.kind = SupportKind::Mentoring;
    write::insert_support(db, &support).await.unwrap();

    let mut link = blank_organisation_link(meta());
    link.from_id = organisation;
    link.to_id = link_to;
    link.kind = LinkKind::Partner;
    write::insert_link(db, &link).await.unwrap();

    let mut event = blank_event(meta());
    event.title = title("event");
    event.slug = slug("event");
    event.starts_at = "2026-05-01T09:00:00Z".parse().unwrap();
    event.organiser_ids = vec![organisation];
    write::insert_event(db, &event).await.unwrap();

    let mut case_study = blank_case_study(meta());
    case_study.title = title("case study");
    case_study.slug = slug("case study");
    case_study.organisation_id = Some(organisation);
    write::insert_case_study(db, &case_study).await.unwrap();

    BTreeMap::from([
        ("Project", project_id),
        ("ImpactIndicator", indicator.meta.id),
        ("Grant", grant.meta.id),
        ("FundingOpportunity", opportunity.meta.id),
        ("Support", support.meta.id),
        ("OrganisationLink", link.meta.id),
        ("Event", event.meta.id),
        ("CaseStudy", case_study.meta.id),
    ])
}

async fn world(app: &TestApp) -> World {
    // The own partner is a funder standing for the own organisation, so the own grant (which
    // that organisation funds) is one it may write; the organisation comes first, and is then
    // given to the partner to own.
    let mut own = pending_organisation(app, "Matrix Own Pending", None).await;
    let own_partner = app
        .partner(
            PartnerKind::Funder,
            "ecosystem:read ecosystem:write grants:write",
            Some(own.meta.id),
            false,
        )
        .await;
    own.meta.owner_partner = Some(own_partner.id);
    write::update_organisation(app.store().connection(), &own, own.meta.version)
        .await
        .unwrap();
    // A twin of the own organisation, for possibleDuplicates to find.
    pending_organisation(app, "Matrix Own Pending Ltd", Some(own_partner.id)).await;
    let other_partner = app
        .partner(PartnerKind::Funder, "ecosystem:read", None, false)
        .await;
    let other = pending_organisation(app, "Matrix Other Pending", Some(other_partner.id)).await;
    let published = app
        .data("{ organisations(first: 21) { nodes { id } } }", json!({}))
        .await;
    let mut demo: Vec<uuid::Uuid> = published["organisations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| uuid_of(n["id"].as_str().unwrap()))
        .collect();
    let link_to = demo.pop().unwrap();
    let pool = demo;
    let own_records =
        pending_records(app, "Own", own_partner.id, own.meta.id, link_to, &pool).await;
    let other_records = pending_records(
        app,
        "Other",
        other_partner.id,
        other.meta.id,
        link_to,
        &pool,
    )
    .await;
    let records: BTreeMap<&'static str, (uuid::Uuid, uuid::Uuid)> = own_records
        .iter()
        .map(|(name, own)| (*name, (*own, other_records[name])))
        .collect();
    let scopes = BTreeSet::from([panorama_domain::policy::Scope::EcosystemRead]);
    let spare = |partner: uuid::Uuid| {
        let scopes = scopes.clone();
        async move {
            panorama_api::auth::accounts::add_client(app.store(), partner, &scopes)
                .await
                .unwrap()
                .client
                .client_id
        }
    };
    let spare_clients = (spare(own_partner.id).await, spare(other_partner.id).await);
    let tokens = vec![
        (Anonymous, None),
        (Member, Some(app.user_token(&["member"], &[&own.slug]))),
        (Partner, Some(app.partner_token(&own_partner).await)),
        (Moderator, Some(app.user_token(&["moderator"], &[]))),
        (Admin, Some(app.user_token(&["admin"], &[]))),
    ];
    // The own partner's system knows the own organisation and project by its own ids.
    let namespace = panorama_persistence::sync::partner_namespace(own_partner.id);
    let db = app.store().connection();
    let own_project = records["Project"].0;
    let own_grant = records["Grant"].0;
    for (kind, id) in [
        ("organisation", own.meta.id),
        ("project", own_project),
        ("grant_award", own_grant),
    ] {
        write::insert_external_id(db, &namespace, kind, "matrix-own", id)
            .await
            .unwrap();
    }
    // The own partner proposes a change to a published organisation it does not own.
    let proposed = app
        .data_as(
            tokens[2].1.as_deref(),
            "mutation($id: ID!) { updateOrganisation(input: { id: $id, shortDescription: \"Matrix proposal\" }) { proposal { id } } }",
            json!({ "id": global_id("Organisation", link_to) }),
        )
        .await;
    let proposal = proposed["updateOrganisation"]["proposal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let endpoint = |partner: uuid::Uuid| async move {
        let new = panorama_persistence::webhook::NewEndpoint {
            partner_id: partner,
            url: "https://hooks.matrix.example/panorama".to_owned(),
            event_types: vec!["organisation.upsert".to_owned()],
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
        };
        let endpoint = app.store().register_webhook(new).await.unwrap().unwrap();
        global_id("WebhookEndpoint", endpoint.id)
    };
    let webhook_endpoints = (
        endpoint(own_partner.id).await,
        endpoint(other_partner.id).await,
    );
    World {
        webhook_endpoints,
        proposal,
        own_organisation: (own.meta.id, own.slug),
        other_organisation: (other.meta.id, other.slug),
        own_partner,
        other_partner,
        spare_clients,
        records,
        pool,
        fresh: AtomicUsize::new(0),
        tokens,
    }
}

/// The input of a mutation of [`RECORD_TYPES`] or of a participation on a target, with the
/// name of its input type; `None` for any other operation.
fn record_input(world: &World, operation: &str, target: Target) -> Option<(String, Value)> {
    let n = world.fresh.fetch_add(1, Ordering::Relaxed);
    let fresh_organisation = global_id("Organisation", world.pool[n % world.pool.len()]);
    let organisation = global_id("Organisation", world.organisation(target));
    let project = global_id("Project", world.record("Project", target));
    // Participations: new ones with a fresh organisation; removals of the partners each
    // project was made with.
    let role = match operation {
        "addParticipation" => Some("FUNDER"),
        "removeParticipation" => Some("PARTNER"),
        _ => None,
    };
    if let Some(role) = role {
        let input =
            json!({ "projectId": project, "organisationId": fresh_organisation, "role": role });
        return Some(("ParticipationInput".to_owned(), input));
    }
    let (verb, record) = ["create", "add", "update", "archive", "restore", "remove"]
        .into_iter()
        .find_map(|verb| {
            let name = operation.strip_prefix(verb)?;
            let record = RECORD_TYPES.iter().find(|r| r.name == name)?;
            let adds = verb == "create" || verb == "add";
            (!adds || verb == record.create).then_some((verb, record))
        })?;
    let tag = uuid::Uuid::now_v7().simple();
    let id = global_id(record.name, world.record(record.name, target));
    let input = match verb {
        "update" => match record.text {
            Some(field) => json!({ "id": id, field: format!("edited {tag}") }),
            None => json!({ "id": id, "kind": LINK_KINDS[n % LINK_KINDS.len()] }),
        },
        "archive" | "restore" | "remove" => {
            return Some(("RecordVersionInput".to_owned(), json!({ "id": id })));
        }
        _ => {
            let title = format!("Matrix new {tag}");
            match record.name {
                "Project" => json!({ "title": title, "country": "MT" }),
                "ImpactIndicator" => json!({ "projectId": project, "name": title, "value": "42" }),
                "Grant" => json!({
                    "identifier": format!("360G-matrix-{tag}"), "title": title,
                    "amountAwarded": { "amount": "1000", "currency": "EUR" },
                    "awardDate": "2025-01-15", "funderId": organisation, "recipientId": organisation,
                }),
                "FundingOpportunity" => {
                    json!({ "title": title, "fundingType": "GRANT", "funderId": organisation })
                }
                "Support" => {
                    json!({ "supporterId": organisation, "projectId": project, "kind": "MENTORING" })
                }
                "OrganisationLink" => {
                    json!({ "fromId": organisation, "toId": fresh_organisation, "kind": "PARTNER" })
                }
                "Event" => json!({
                    "title": title, "startsAt": "2026-05-01T09:00:00Z", "organiserIds": [organisation],
                }),
                "CaseStudy" => json!({ "title": title, "organisationId": organisation }),
                other => panic!("no create input for {other}"),
            }
        }
    };
    let mut input_type = format!("{verb}{}Input", record.name);
    input_type[..1].make_ascii_uppercase();
    Some((input_type, input))
}

/// The request of an operation on a target, and where its data is in the answer.
fn request(world: &World, operation: &str, target: Target) -> (String, Value, String) {
    let (organisation, partner, spare) = match target {
        Own => (
            &world.own_organisation,
            &world.own_partner,
            &world.spare_clients.0,
        ),
        Other => (
            &world.other_organisation,
            &world.other_partner,
            &world.spare_clients.1,
        ),
    };
    let partner_id = global_id("Partner", partner.id);
    let (query, variables, path) = match operation {
        "organisation" => (
            "query($s: String) { organisation(slug: $s) { name } }",
            json!({ "s": organisation.1 }),
            "organisation",
        ),
        "organisations" => (
            "query($t: String) { organisations(first: 5, filter: { text: $t }) { totalCount } }",
            json!({ "t": organisation.1.replace('-', " ") }),
            "organisations.totalCount",
        ),
        "node" => (
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": global_id("Organisation", organisation.0) }),
            "node",
        ),
        "viewer" => ("{ viewer { role } }", json!({}), "viewer"),
        "partners" => ("{ partners { name } }", json!({}), "partners"),
        "partner" => (
            "query($id: ID!) { partner(id: $id) { name apiClients { clientId } } }",
            json!({ "id": partner_id }),
            "partner",
        ),
        "createOrganisation" => (
            "mutation { createOrganisation(input: { name: \"Matrix Created\", country: \"MT\" }) { record { id status } userErrors { code } } }",
            json!({}),
            "createOrganisation.record",
        ),
        "updateOrganisation" => (
            "mutation($id: ID!, $text: String) { updateOrganisation(input: { id: $id, shortDescription: $text }) { record { id } userErrors { code } } }",
            json!({ "id": global_id("Organisation", organisation.0), "text": format!("edited {}", uuid::Uuid::now_v7()) }),
            "updateOrganisation.record",
        ),
        "archiveOrganisation" | "restoreOrganisation" => (
            if operation == "archiveOrganisation" {
                "mutation($id: ID!) { archiveOrganisation(input: { id: $id }) { record { status } userErrors { code } } }"
            } else {
                "mutation($id: ID!) { restoreOrganisation(input: { id: $id }) { record { status } userErrors { code } } }"
            },
            json!({ "id": global_id("Organisation", organisation.0) }),
            if operation == "archiveOrganisation" {
                "archiveOrganisation.record"
            } else {
                "restoreOrganisation.record"
            },
        ),
        "possibleDuplicates" => (
            "query($id: ID!) { possibleDuplicates(organisationId: $id) { organisation { id } } }",
            json!({ "id": global_id("Organisation", organisation.0) }),
            "possibleDuplicates",
        ),
        "mergeOrganisations" => {
            let n = world.fresh.fetch_add(1, Ordering::Relaxed);
            let merged = global_id("Organisation", world.pool[n % world.pool.len()]);
            (
                "mutation($s: ID!, $m: ID!) { mergeOrganisations(input: { survivorId: $s, mergedId: $m }) { record { id } userErrors { code } } }",
                json!({ "s": global_id("Organisation", organisation.0), "m": merged }),
                "mergeOrganisations.record",
            )
        }
        "proposal" => (
            "query($id: ID!) { proposal(id: $id) { status } }",
            json!({ "id": world.proposal }),
            "proposal",
        ),
        "organisationByExternalId" => (
            "{ organisationByExternalId(externalId: \"matrix-own\") { id } }",
            json!({}),
            "organisationByExternalId",
        ),
        "projectByExternalId" => (
            "{ projectByExternalId(externalId: \"matrix-own\") { id } }",
            json!({}),
            "projectByExternalId",
        ),
        "grantByExternalId" => (
            "{ grantByExternalId(externalId: \"matrix-own\") { id } }",
            json!({}),
            "grantByExternalId",
        ),
        "upsertGrants" => {
            // The funder is left out (the partner's organisation); the recipient is named by
            // the partner's own id for it.
            let n = world.fresh.fetch_add(1, Ordering::Relaxed);
            let record = json!({
                "externalId": format!("matrix-grant-{n}"),
                "identifier": format!("360G-matrix-{n}"),
                "title": format!("Matrix Synced Grant {n}"),
                "amountAwarded": { "amount": "1000", "currency": "EUR" },
                "awardDate": "2026-01-01",
                "recipientExternalId": "matrix-own",
            });
            (
                "mutation($r: [GrantUpsertInput!]!) { upsertGrants(input: { records: $r }) { results { status userErrors { message } } } }",
                json!({ "r": [record] }),
                "upsertGrants.results",
            )
        }
        "upsertOrganisations" | "upsertProjects" => {
            let n = world.fresh.fetch_add(1, Ordering::Relaxed);
            let (query, record) = if operation == "upsertOrganisations" {
                (
                    "mutation($r: [OrganisationUpsertInput!]!) { upsertOrganisations(input: { records: $r }) { results { status } } }",
                    json!({ "externalId": format!("matrix-{n}"), "name": format!("Matrix Synced {n}") }),
                )
            } else {
                (
                    "mutation($r: [ProjectUpsertInput!]!) { upsertProjects(input: { records: $r }) { results { status } } }",
                    json!({ "externalId": format!("matrix-{n}"), "title": format!("Matrix Synced {n}") }),
                )
            };
            let path = if operation == "upsertOrganisations" {
                "upsertOrganisations.results"
            } else {
                "upsertProjects.results"
            };
            (query, json!({ "r": [record] }), path)
        }
        "importGrants360Giving" => {
            let n = world.fresh.fetch_add(1, Ordering::Relaxed);
            let funder =
                json!([{ "id": format!("360G-panorama-{}", organisation.0), "name": "Funder" }]);
            let grant = json!({
                "id": format!("360G-matrix-import-{n}-{}", uuid::Uuid::now_v7().simple()),
                "title": format!("Matrix imported {n}"), "currency": "EUR", "amountAwarded": 1000,
                "awardDate": "2025-01-15", "fundingOrganization": funder, "recipientOrganization": funder,
            });
            (
                "mutation($p: JSON!) { importGrants360Giving(input: { package: $p }) { grantsCreated } }",
                json!({ "p": { "grants": [grant] } }),
                "importGrants360Giving.grantsCreated",
            )
        }
        "webhookEndpoints" => (
            "query($p: ID) { webhookEndpoints(partnerId: $p) { id } }",
            match target {
                Own => json!({}),
                Other => json!({ "p": partner_id }),
            },
            "webhookEndpoints",
        ),
        "webhookDeliveries" | "disableWebhook" => {
            let endpoint = match target {
                Own => &world.webhook_endpoints.0,
                Other => &world.webhook_endpoints.1,
            };
            if operation == "webhookDeliveries" {
                (
                    "query($id: ID!) { webhookDeliveries(endpointId: $id) { totalCount } }",
                    json!({ "id": endpoint }),
                    "webhookDeliveries",
                )
            } else {
                (
                    "mutation($id: ID!) { disableWebhook(input: { id: $id }) { endpoint { id } userErrors { code } } }",
                    json!({ "id": endpoint }),
                    "disableWebhook.endpoint",
                )
            }
        }
        "registerWebhook" => (
            "mutation { registerWebhook(input: { url: \"https://hooks.matrix.example/new\", eventTypes: [\"project.upsert\"] }) { endpoint { id } secret userErrors { code } } }",
            json!({}),
            "registerWebhook.endpoint",
        ),
        "moderationQueue" => (
            "{ moderationQueue(first: 5) { edges { node { kind } } } }",
            json!({}),
            "moderationQueue",
        ),
        "report" | "approve" | "requestChanges" | "revert" | "reject" => {
            let query = match operation {
                "report" => {
                    "mutation($id: ID!) { report(input: { id: $id, reason: WRONG }) { reported userErrors { code } } }"
                }
                "approve" => {
                    "mutation($id: ID!) { approve(input: { id: $id }) { record { status } userErrors { code } } }"
                }
                "requestChanges" => {
                    "mutation($id: ID!) { requestChanges(input: { id: $id, comment: \"Matrix\" }) { record { status } userErrors { code } } }"
                }
                "revert" => {
                    "mutation($id: ID!) { revert(input: { id: $id, version: 1 }) { record { status } userErrors { code } } }"
                }
                _ => {
                    "mutation($id: ID!) { reject(input: { id: $id, reason: \"Matrix\" }) { record { status } userErrors { code } } }"
                }
            };
            let path = match operation {
                "report" => "report.reported",
                "approve" => "approve",
                "requestChanges" => "requestChanges",
                "revert" => "revert",
                _ => "reject",
            };
            (
                query,
                json!({ "id": global_id("Organisation", organisation.0) }),
                path,
            )
        }
        "createPartner" => (
            "mutation { createPartner(input: { name: \"Matrix Made\", kind: FUNDER }) { partner { id } userErrors { code } } }",
            json!({}),
            "createPartner.partner",
        ),
        "addApiClient" => (
            "mutation($id: ID!) { addApiClient(input: { partnerId: $id, scopes: [\"ecosystem:read\"] }) { clientSecret userErrors { code } } }",
            json!({ "id": partner_id }),
            "addApiClient.clientSecret",
        ),
        "revokeApiClient" => (
            "mutation($c: String!) { revokeApiClient(input: { clientId: $c }) { client { revokedAt } userErrors { code } } }",
            json!({ "c": spare }),
            "revokeApiClient.client.revokedAt",
        ),
        "suspendPartner" | "activatePartner" => (
            if operation == "suspendPartner" {
                "mutation($id: ID!) { suspendPartner(input: { partnerId: $id }) { partner { status } userErrors { code } } }"
            } else {
                "mutation($id: ID!) { activatePartner(input: { partnerId: $id }) { partner { status } userErrors { code } } }"
            },
            json!({ "id": partner_id }),
            if operation == "suspendPartner" {
                "suspendPartner.partner.status"
            } else {
                "activatePartner.partner.status"
            },
        ),
        // Every record type's create, update, archive, restore and remove, and participations.
        other => match record_input(world, other, target) {
            Some((input_type, input)) => {
                let query = format!(
                    "mutation($input: {input_type}!) {{ {other}(input: $input) {{ record {{ id }} userErrors {{ field message code }} }} }}"
                );
                return (query, json!({ "input": input }), format!("{other}.record"));
            }
            None => panic!("the matrix names `{other}`, which this test cannot run"),
        },
    };
    (query.to_owned(), variables, path.to_owned())
}

fn outcome(body: &Value, path: &str) -> Outcome {
    match error_code(body) {
        Some("UNAUTHENTICATED") => return Unauthenticated,
        Some("FORBIDDEN") => return Forbidden,
        Some(other) => panic!("unexpected error {other}: {body}"),
        None => {}
    }
    let value = path.split('.').fold(&body["data"], |v, key| &v[key]);
    let empty = value.is_null()
        || value == &json!(0)
        || value == &json!(false)
        || value.as_array().is_some_and(Vec::is_empty);
    if empty { Absent } else { Allowed }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_caller_gets_what_the_policy_says() {
    // Every backend runs, and the report names what failed on each.
    let mut report = Vec::new();
    for backend in backends() {
        let app = TestApp::with_demo(&backend).await;
        let world = world(&app).await;
        // Missing rows are reported with the rows that fail, so one run shows both.
        let mut failures = check_completeness(&app).await;
        for (operation, who, target, expected) in MATRIX {
            let token = world
                .tokens
                .iter()
                .find(|(w, _)| w == who)
                .and_then(|(_, t)| t.as_deref());
            let (query, variables, path) = request(&world, operation, *target);
            let (_, body) = app.graphql_as(token, &query, variables).await;
            let got = outcome(&body, &path);
            if got != *expected {
                failures.push(format!("{operation} as {who:?} on {target:?}: expected {expected:?}, got {got:?} ({body})"));
            }
        }
        app.stop().await;
        if !failures.is_empty() {
            report.push(format!("[{backend:?}]\n{}", failures.join("\n")));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
}

/// Every mutation has a row for every kind of caller; every query field is in the matrix or
/// named as reading through the same checked machinery. Returns what is missing.
async fn check_completeness(app: &TestApp) -> Vec<String> {
    let schema = app
        .data(
            "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }",
            json!({}),
        )
        .await;
    let names = |kind: &str| -> Vec<String> {
        schema["__schema"][kind]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut missing = Vec::new();
    for mutation in names("mutationType") {
        for who in [Anonymous, Member, Partner, Moderator, Admin] {
            if !MATRIX
                .iter()
                .any(|(op, w, _, _)| *op == mutation && *w == who)
            {
                missing.push(format!(
                    "mutation `{mutation}` has no access-matrix row for {who:?}"
                ));
            }
        }
    }
    for field in names("queryType") {
        if !(MATRIX.iter().any(|(op, ..)| *op == field)
            || SAME_SCOPE_AS_MATRIX.contains(&field.as_str()))
        {
            missing.push(format!(
                "query field `{field}` is neither in the access matrix nor listed as reading through it"
            ));
        }
    }
    missing
}
