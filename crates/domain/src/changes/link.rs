//! Changes to organisation links: a typed link from one organisation to another.

use uuid::Uuid;

use super::{Patch, required_set, required_value};
use crate::model::{LinkKind, OrganisationLink, RecordMeta};
use crate::validation::{ErrorCode, FieldError, Validator};

/// The fields of an organisation link that a create or an update may set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrganisationLinkChanges {
    pub from_id: Patch<Uuid>,
    pub to_id: Patch<Uuid>,
    /// Required: a create must set it.
    pub kind: Patch<LinkKind>,
}

impl OrganisationLinkChanges {
    /// A new link with `meta` and these fields, or every field that is wrong or missing.
    pub fn create(&self, meta: RecordMeta) -> Result<OrganisationLink, Vec<FieldError>> {
        self.check(blank_organisation_link(meta), true)
    }

    /// The link with these changes, or every field that is wrong.
    pub fn apply(&self, link: OrganisationLink) -> Result<OrganisationLink, Vec<FieldError>> {
        self.check(link, false)
    }

    fn check(
        &self,
        mut link: OrganisationLink,
        creating: bool,
    ) -> Result<OrganisationLink, Vec<FieldError>> {
        let mut v = Validator::new();
        let l = &mut link;
        required_value(
            &mut v,
            "fromId",
            &mut l.from_id,
            &self.from_id,
            Uuid::nil(),
            "a link needs the organisation it is from",
        );
        required_value(
            &mut v,
            "toId",
            &mut l.to_id,
            &self.to_id,
            Uuid::nil(),
            "a link needs the organisation it is to",
        );
        if !l.from_id.is_nil() && l.from_id == l.to_id {
            v.push(
                "toId",
                ErrorCode::Invalid,
                "an organisation cannot be linked to itself",
            );
        }
        required_set(
            &mut v,
            "kind",
            &mut l.kind,
            &self.kind,
            creating,
            "a link needs its kind",
        );
        v.finish().map(|()| link)
    }
}

/// A link with nothing but its metadata, for [`OrganisationLinkChanges::create`] to fill in:
/// nil ids (reported as missing until set) and a placeholder `kind` of [`LinkKind::Partner`]
/// that `create` requires the changes to replace.
pub fn blank_organisation_link(meta: RecordMeta) -> OrganisationLink {
    OrganisationLink {
        meta,
        from_id: Uuid::nil(),
        to_id: Uuid::nil(),
        kind: LinkKind::Partner,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, meta};
    use super::*;

    fn created() -> OrganisationLink {
        OrganisationLinkChanges {
            from_id: Patch::Set(Uuid::from_u128(1)),
            to_id: Patch::Set(Uuid::from_u128(2)),
            kind: Patch::Set(LinkKind::MemberOf),
        }
        .create(meta())
        .unwrap()
    }

    #[test]
    fn a_create_reports_every_missing_field_at_once() {
        let errors = OrganisationLinkChanges::default()
            .create(meta())
            .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("fromId".to_owned(), "REQUIRED"),
                ("toId".to_owned(), "REQUIRED"),
                ("kind".to_owned(), "REQUIRED"),
            ]
        );
    }

    #[test]
    fn an_organisation_is_not_linked_to_itself() {
        let errors = OrganisationLinkChanges {
            from_id: Patch::Set(Uuid::from_u128(1)),
            to_id: Patch::Set(Uuid::from_u128(1)),
            kind: Patch::Set(LinkKind::Partner),
        }
        .create(meta())
        .unwrap_err();
        assert_eq!(codes(&errors), [("toId".to_owned(), "INVALID")]);
        assert_eq!(
            errors[0].message,
            "an organisation cannot be linked to itself"
        );
        // Also when an update moves one end onto the other.
        let errors = OrganisationLinkChanges {
            to_id: Patch::Set(Uuid::from_u128(1)),
            ..OrganisationLinkChanges::default()
        }
        .apply(created())
        .unwrap_err();
        assert_eq!(codes(&errors), [("toId".to_owned(), "INVALID")]);
    }

    #[test]
    fn an_update_changes_only_what_it_names() {
        let before = created();
        let after = OrganisationLinkChanges {
            kind: Patch::Set(LinkKind::SpinOff),
            ..OrganisationLinkChanges::default()
        }
        .apply(before.clone())
        .unwrap();
        assert_eq!(after.kind, LinkKind::SpinOff);
        assert_eq!(
            OrganisationLink {
                kind: LinkKind::MemberOf,
                ..after
            },
            before
        );
        let errors = OrganisationLinkChanges {
            from_id: Patch::Clear,
            kind: Patch::Clear,
            ..OrganisationLinkChanges::default()
        }
        .apply(before)
        .unwrap_err();
        assert_eq!(
            codes(&errors),
            [
                ("fromId".to_owned(), "REQUIRED"),
                ("kind".to_owned(), "REQUIRED")
            ]
        );
    }
}
