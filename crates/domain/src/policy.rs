//! Access policy as pure functions: who may see and do what. The API asks these functions; no
//! resolver decides access on its own. Each rule is tested as a matrix of role × action ×
//! ownership below.

use std::collections::BTreeSet;

use uuid::Uuid;

use crate::model::RecordStatus;

/// What a caller is, once its token is verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Anonymous,
    /// A person who edits the organisations they belong to.
    Member,
    /// A partner's system (a funder, a support organisation, a public body).
    Partner,
    Moderator,
    Admin,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Self::Anonymous => "ANONYMOUS",
            Self::Member => "MEMBER",
            Self::Partner => "PARTNER",
            Self::Moderator => "MODERATOR",
            Self::Admin => "ADMIN",
        }
    }
}

/// What a token allows, narrowing what its role would allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    EcosystemRead,
    EcosystemWrite,
    GrantsWrite,
    Moderate,
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Self::EcosystemRead,
        Self::EcosystemWrite,
        Self::GrantsWrite,
        Self::Moderate,
        Self::Admin,
    ];

    /// The OAuth scope string.
    pub fn code(self) -> &'static str {
        match self {
            Self::EcosystemRead => "ecosystem:read",
            Self::EcosystemWrite => "ecosystem:write",
            Self::GrantsWrite => "grants:write",
            Self::Moderate => "moderate",
            Self::Admin => "admin",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Parses a space-separated scope list (RFC 6749 §3.3); `None` if any scope is unknown.
    pub fn parse_list(list: &str) -> Option<BTreeSet<Scope>> {
        list.split_whitespace().map(Self::from_code).collect()
    }

    /// The space-separated form of a scope set.
    pub fn join(scopes: &BTreeSet<Scope>) -> String {
        scopes
            .iter()
            .map(|s| s.code())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The kind of a partner account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartnerKind {
    Funder,
    SupportOrganisation,
    PublicBody,
}

impl PartnerKind {
    pub const ALL: [PartnerKind; 3] = [Self::Funder, Self::SupportOrganisation, Self::PublicBody];

    pub fn code(self) -> &'static str {
        match self {
            Self::Funder => "FUNDER",
            Self::SupportOrganisation => "SUPPORT_ORGANISATION",
            Self::PublicBody => "PUBLIC_BODY",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// The partner a caller acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerRef {
    pub id: Uuid,
    pub kind: PartnerKind,
    /// The organisation record the partner stands for, if linked.
    pub organisation: Option<Uuid>,
    /// Whether what it writes is published without review.
    pub trusted: bool,
}

/// A verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub role: Role,
    /// The token's subject: an API client id, or the identity provider's user id.
    pub subject: String,
    pub partner: Option<PartnerRef>,
    /// Organisations the caller belongs to (a member's memberships).
    pub organisations: Vec<Uuid>,
    pub scopes: BTreeSet<Scope>,
}

impl Caller {
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A caller without a token: reads published records only.
    Anonymous,
    /// The operator's own command line (migrate, import, export, partner): sees everything.
    System,
    Caller(Caller),
}

impl Actor {
    pub fn role(&self) -> Role {
        match self {
            Self::Anonymous => Role::Anonymous,
            Self::System => Role::Admin,
            Self::Caller(caller) => caller.role,
        }
    }
}

/// Which records a listing or a look-up may return to an actor. Storage turns it into a
/// condition, so records outside it are absent from pages, counts and facets alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadScope {
    PublishedOnly,
    /// Published records, and unpublished ones that are the caller's own: owned by its
    /// partner, created by it (`author`, its token subject), or (for organisations and their
    /// projects) of an organisation it is a member of.
    PublishedOrOwn {
        partner: Option<Uuid>,
        organisations: Vec<Uuid>,
        author: Option<String>,
    },
    Everything,
}

impl ReadScope {
    /// Whether a record with these facts is inside the scope.
    pub fn allows(
        &self,
        status: RecordStatus,
        owner_partner: Option<Uuid>,
        created_by: Option<&str>,
        organisation: Option<Uuid>,
    ) -> bool {
        match self {
            Self::PublishedOnly => status == RecordStatus::Published,
            Self::PublishedOrOwn {
                partner,
                organisations,
                author,
            } => {
                status == RecordStatus::Published
                    || (partner.is_some() && owner_partner == *partner)
                    || (author.is_some() && created_by == author.as_deref())
                    || organisation.is_some_and(|o| organisations.contains(&o))
            }
            Self::Everything => true,
        }
    }
}

/// Anonymous callers and tokens without `ecosystem:read` see published records; with it, a
/// partner also sees what it owns and a member the organisations it belongs to; moderators
/// (with `moderate`) and admins (with `admin`) see everything, including what awaits review.
pub fn read_scope(actor: &Actor) -> ReadScope {
    let caller = match actor {
        Actor::Anonymous => return ReadScope::PublishedOnly,
        Actor::System => return ReadScope::Everything,
        Actor::Caller(caller) => caller,
    };
    match caller.role {
        _ if oversees(caller) => ReadScope::Everything,
        _ if !caller.has(Scope::EcosystemRead) => ReadScope::PublishedOnly,
        Role::Partner => ReadScope::PublishedOrOwn {
            partner: caller.partner.as_ref().map(|p| p.id),
            organisations: Vec::new(),
            author: Some(caller.subject.clone()),
        },
        Role::Member => ReadScope::PublishedOrOwn {
            partner: None,
            organisations: caller.organisations.clone(),
            author: Some(caller.subject.clone()),
        },
        _ => ReadScope::PublishedOnly,
    }
}

/// Partner accounts and their API clients are the admins' (and the operator's) to manage.
pub fn can_manage_partners(actor: &Actor) -> bool {
    match actor {
        Actor::System => true,
        Actor::Caller(caller) => caller.role == Role::Admin && caller.has(Scope::Admin),
        Actor::Anonymous => false,
    }
}

/// What the policy needs to know about a record someone wants to change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFacts {
    pub status: Option<RecordStatus>,
    pub owner_partner: Option<Uuid>,
    /// The organisations whose record this is: the organisation itself, or a project's
    /// participants.
    pub organisations: Vec<Uuid>,
    /// For a grant: the funding organisation.
    pub funder: Option<Uuid>,
    /// The token subject that created it through the API, if any.
    pub created_by: Option<String>,
}

/// What may happen to a proposed change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteDecision {
    /// Written and published at once.
    Publish,
    /// Written, and waits for a moderator.
    Propose,
    Deny,
}

/// Whether an actor may add an ecosystem record: partners and members with `ecosystem:write`
/// may, and it is published at once only for a trusted partner or those who oversee.
pub fn ecosystem_create(actor: &Actor) -> WriteDecision {
    let caller = match settled_write(actor) {
        Ok(caller) => caller,
        Err(decision) => return decision,
    };
    match caller.role {
        _ if !caller.has(Scope::EcosystemWrite) => WriteDecision::Deny,
        Role::Partner if caller.partner.as_ref().is_some_and(|p| p.trusted) => {
            WriteDecision::Publish
        }
        Role::Partner | Role::Member => WriteDecision::Propose,
        _ => WriteDecision::Deny,
    }
}

/// Whether an actor may change an ecosystem record (organisation, project, support, link…).
/// A partner writes what it owns; a member edits its organisations, their projects and what it
/// submitted itself; what else they send is a proposal for moderators. Moderators and admins
/// publish.
pub fn ecosystem_write(
    actor: &Actor,
    record: &RecordFacts,
    trusted_partner: bool,
) -> WriteDecision {
    let caller = match settled_write(actor) {
        Ok(caller) => caller,
        Err(decision) => return decision,
    };
    match caller.role {
        _ if !caller.has(Scope::EcosystemWrite) => WriteDecision::Deny,
        Role::Partner => {
            let owns = caller
                .partner
                .as_ref()
                .is_some_and(|p| record.owner_partner == Some(p.id));
            if owns && trusted_partner {
                WriteDecision::Publish
            } else {
                WriteDecision::Propose
            }
        }
        Role::Member => {
            let belongs = record
                .organisations
                .iter()
                .any(|o| caller.organisations.contains(o));
            let authored = record.created_by.as_deref() == Some(caller.subject.as_str());
            if belongs || authored {
                WriteDecision::Propose
            } else {
                WriteDecision::Deny
            }
        }
        _ => WriteDecision::Deny,
    }
}

/// Whether an actor may write a grant: a funder partner writes the grants it funds (those whose
/// funder is the organisation it stands for), with `grants:write`.
pub fn grant_write(actor: &Actor, grant: &RecordFacts, trusted_partner: bool) -> WriteDecision {
    let caller = match settled_write(actor) {
        Ok(caller) => caller,
        Err(decision) => return decision,
    };
    match caller.role {
        Role::Partner if caller.has(Scope::GrantsWrite) => {
            let funds = caller.partner.as_ref().is_some_and(|p| {
                p.kind == PartnerKind::Funder
                    && p.organisation.is_some()
                    && grant.funder == p.organisation
            });
            match (funds, trusted_partner) {
                (true, true) => WriteDecision::Publish,
                (true, false) => WriteDecision::Propose,
                (false, _) => WriteDecision::Deny,
            }
        }
        _ => WriteDecision::Deny,
    }
}

/// Moderators act on what awaits review (approve, reject, request changes, merge).
pub fn can_moderate(actor: &Actor) -> bool {
    match actor {
        Actor::System => true,
        Actor::Caller(caller) => oversees(caller),
        Actor::Anonymous => false,
    }
}

/// A moderator with `moderate` or an admin with `admin`: sees everything, publishes at once.
fn oversees(caller: &Caller) -> bool {
    (caller.role == Role::Moderator && caller.has(Scope::Moderate))
        || (caller.role == Role::Admin && caller.has(Scope::Admin))
}

/// The write decisions that do not depend on the record: the operator and those who oversee
/// publish, the anonymous are denied. Anyone else is returned for the record's own rule.
fn settled_write(actor: &Actor) -> Result<&Caller, WriteDecision> {
    match actor {
        Actor::System => Err(WriteDecision::Publish),
        Actor::Anonymous => Err(WriteDecision::Deny),
        Actor::Caller(caller) if oversees(caller) => Err(WriteDecision::Publish),
        Actor::Caller(caller) => Ok(caller),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role, scopes: &[Scope]) -> Caller {
        Caller {
            role,
            subject: "someone".into(),
            partner: None,
            organisations: Vec::new(),
            scopes: scopes.iter().copied().collect(),
        }
    }

    fn partner(kind: PartnerKind, scopes: &[Scope]) -> (Actor, Uuid, Uuid) {
        let (id, organisation) = (Uuid::now_v7(), Uuid::now_v7());
        let mut c = caller(Role::Partner, scopes);
        c.partner = Some(PartnerRef {
            id,
            kind,
            organisation: Some(organisation),
            trusted: false,
        });
        (Actor::Caller(c), id, organisation)
    }

    #[test]
    fn anonymous_reads_published_records_only() {
        let scope = read_scope(&Actor::Anonymous);
        for status in RecordStatus::ALL {
            assert_eq!(
                scope.allows(*status, None, None, None),
                *status == RecordStatus::Published,
                "{status:?}"
            );
        }
        assert_eq!(read_scope(&Actor::System), ReadScope::Everything);
    }

    #[test]
    fn read_scopes_by_role_and_scope() {
        let all = Scope::ALL;
        assert_eq!(
            read_scope(&Actor::Caller(caller(Role::Moderator, &all))),
            ReadScope::Everything
        );
        assert_eq!(
            read_scope(&Actor::Caller(caller(Role::Admin, &all))),
            ReadScope::Everything
        );
        // The role alone is not enough: the token must carry the scope.
        assert_eq!(
            read_scope(&Actor::Caller(caller(
                Role::Moderator,
                &[Scope::EcosystemRead]
            ))),
            ReadScope::PublishedOnly
        );
        let (actor, id, _) = partner(PartnerKind::Funder, &[Scope::EcosystemRead]);
        let scope = read_scope(&actor);
        assert!(
            scope.allows(RecordStatus::Pending, Some(id), None, None),
            "own pending record"
        );
        assert!(
            !scope.allows(RecordStatus::Pending, Some(Uuid::now_v7()), None, None),
            "another's"
        );
        let (narrowed, id, _) = partner(PartnerKind::Funder, &[Scope::GrantsWrite]);
        assert!(!read_scope(&narrowed).allows(RecordStatus::Pending, Some(id), None, None));
        let org = Uuid::now_v7();
        let mut member = caller(Role::Member, &[Scope::EcosystemRead]);
        member.organisations = vec![org];
        let scope = read_scope(&Actor::Caller(member));
        assert!(scope.allows(RecordStatus::Pending, None, None, Some(org)));
        assert!(!scope.allows(RecordStatus::Pending, None, None, Some(Uuid::now_v7())));
    }

    fn member_subject(actor: &Actor) -> String {
        match actor {
            Actor::Caller(c) => c.subject.clone(),
            _ => String::new(),
        }
    }

    #[test]
    fn ecosystem_write_matrix() {
        use WriteDecision::*;
        let (p, pid, _) = partner(PartnerKind::SupportOrganisation, &[Scope::EcosystemWrite]);
        let own = RecordFacts {
            owner_partner: Some(pid),
            ..RecordFacts::default()
        };
        let other = RecordFacts {
            owner_partner: Some(Uuid::now_v7()),
            ..RecordFacts::default()
        };
        let org = Uuid::now_v7();
        let mut m = caller(Role::Member, &[Scope::EcosystemWrite]);
        m.organisations = vec![org];
        let member = Actor::Caller(m);
        let mine = RecordFacts {
            organisations: vec![org],
            ..RecordFacts::default()
        };
        let authored = RecordFacts {
            created_by: Some(member_subject(&member)),
            ..RecordFacts::default()
        };
        let moderator = Actor::Caller(caller(Role::Moderator, &[Scope::Moderate]));
        let rows: Vec<(&str, &Actor, &RecordFacts, bool, WriteDecision)> = vec![
            ("anonymous", &Actor::Anonymous, &own, true, Deny),
            ("trusted partner, own", &p, &own, true, Publish),
            ("untrusted partner, own", &p, &own, false, Propose),
            ("partner, another's", &p, &other, true, Propose),
            ("member, its organisation", &member, &mine, false, Propose),
            ("member, another organisation", &member, &other, false, Deny),
            (
                "member, its own submission",
                &member,
                &authored,
                false,
                Propose,
            ),
            ("moderator", &moderator, &other, false, Publish),
            ("system", &Actor::System, &other, false, Publish),
        ];
        for (name, actor, record, trusted, expected) in rows {
            assert_eq!(ecosystem_write(actor, record, trusted), expected, "{name}");
        }
        let (read_only, pid, _) = partner(PartnerKind::Funder, &[Scope::EcosystemRead]);
        let own = RecordFacts {
            owner_partner: Some(pid),
            ..RecordFacts::default()
        };
        assert_eq!(
            ecosystem_write(&read_only, &own, true),
            Deny,
            "no ecosystem:write scope"
        );
    }

    #[test]
    fn who_may_add_records() {
        use WriteDecision::*;
        let (untrusted, _, _) = partner(PartnerKind::Funder, &[Scope::EcosystemWrite]);
        let mut trusted = untrusted.clone();
        if let Actor::Caller(Caller {
            partner: Some(p), ..
        }) = &mut trusted
        {
            p.trusted = true;
        }
        let member = Actor::Caller(caller(Role::Member, &[Scope::EcosystemWrite]));
        let reader = Actor::Caller(caller(Role::Member, &[Scope::EcosystemRead]));
        let moderator = Actor::Caller(caller(Role::Moderator, &[Scope::Moderate]));
        assert_eq!(ecosystem_create(&Actor::Anonymous), Deny);
        assert_eq!(ecosystem_create(&untrusted), Propose);
        assert_eq!(ecosystem_create(&trusted), Publish);
        assert_eq!(ecosystem_create(&member), Propose);
        assert_eq!(ecosystem_create(&reader), Deny);
        assert_eq!(ecosystem_create(&moderator), Publish);
    }

    #[test]
    fn funders_write_the_grants_they_fund() {
        use WriteDecision::*;
        let (funder, _, org) = partner(PartnerKind::Funder, &[Scope::GrantsWrite]);
        let theirs = RecordFacts {
            funder: Some(org),
            ..RecordFacts::default()
        };
        let others = RecordFacts {
            funder: Some(Uuid::now_v7()),
            ..RecordFacts::default()
        };
        assert_eq!(grant_write(&funder, &theirs, true), Publish);
        assert_eq!(grant_write(&funder, &theirs, false), Propose);
        assert_eq!(grant_write(&funder, &others, true), Deny);
        let (support, _, org) = partner(PartnerKind::SupportOrganisation, &[Scope::GrantsWrite]);
        assert_eq!(
            grant_write(
                &support,
                &RecordFacts {
                    funder: Some(org),
                    ..RecordFacts::default()
                },
                true
            ),
            Deny
        );
        let (no_scope, _, org) = partner(PartnerKind::Funder, &[Scope::EcosystemWrite]);
        assert_eq!(
            grant_write(
                &no_scope,
                &RecordFacts {
                    funder: Some(org),
                    ..RecordFacts::default()
                },
                true
            ),
            Deny
        );
    }

    #[test]
    fn only_admins_manage_partners_and_only_moderators_moderate() {
        let admin = Actor::Caller(caller(Role::Admin, &[Scope::Admin]));
        let admin_without_scope = Actor::Caller(caller(Role::Admin, &[Scope::EcosystemRead]));
        let moderator = Actor::Caller(caller(Role::Moderator, &[Scope::Moderate]));
        assert!(can_manage_partners(&admin) && can_manage_partners(&Actor::System));
        assert!(!can_manage_partners(&admin_without_scope) && !can_manage_partners(&moderator));
        assert!(!can_manage_partners(&Actor::Anonymous));
        assert!(can_moderate(&moderator) && can_moderate(&admin));
        assert!(!can_moderate(&Actor::Caller(caller(
            Role::Member,
            &Scope::ALL
        ))));
    }

    #[test]
    fn scope_lists_parse_strictly() {
        let scopes = Scope::parse_list("ecosystem:read  grants:write").unwrap();
        assert_eq!(Scope::join(&scopes), "ecosystem:read grants:write");
        assert!(Scope::parse_list("ecosystem:read root").is_none());
        assert_eq!(Scope::parse_list(""), Some(BTreeSet::new()));
    }
}
