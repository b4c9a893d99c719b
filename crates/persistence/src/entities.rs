//! The sea-orm entities, one module per table of the migration. These are storage types only:
//! the rest of the application sees the domain types that `mapping` builds from them.

/// A term of a controlled vocabulary, with its labels.
pub mod taxonomy_term {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "taxonomy_term")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub vocabulary: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        #[sea_orm(column_type = "Text")]
        pub label_en: String,
        #[sea_orm(column_type = "Text")]
        pub label_fr: String,
        pub position: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A partner account (a funder, a support organisation, a public body).
pub mod partner {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "partner")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[sea_orm(column_type = "Text")]
        pub name: String,
        pub kind: String,
        pub status: String,
        pub trusted: bool,
        pub organisation_id: Option<Uuid>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An organisation of the ecosystem.
pub mod organisation {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "organisation")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub status: String,
        pub version: i32,
        pub owner_partner_id: Option<Uuid>,
        pub source: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub created_by: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub name: String,
        #[sea_orm(column_type = "Text")]
        pub slug: String,
        #[sea_orm(column_type = "Text")]
        pub sort_name: String,
        #[sea_orm(column_type = "Text")]
        pub search_text: String,
        #[sea_orm(column_type = "Text")]
        pub short_description: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub description: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub website: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub other_links: String,
        #[sea_orm(column_type = "Text")]
        pub logo_url: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub organisation_type: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub size: Option<String>,
        pub founded_on: Option<Date>,
        #[sea_orm(column_type = "Text")]
        pub address: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub city: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub region: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub country: Option<String>,
        pub latitude: Option<f64>,
        pub longitude: Option<f64>,
        #[sea_orm(column_type = "Text")]
        pub network_memberships: String,
        #[sea_orm(column_type = "Text")]
        pub tags: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A taxonomy term an organisation is classified by.
pub mod organisation_term {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "organisation_term")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub organisation_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub vocabulary: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An organisation's identifier in an official register (org-id.guide scheme).
pub mod legal_identifier {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "legal_identifier")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub organisation_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub scheme: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub value: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A project of the ecosystem.
pub mod project {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "project")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub status: String,
        pub version: i32,
        pub owner_partner_id: Option<Uuid>,
        pub source: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub created_by: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub title: String,
        #[sea_orm(column_type = "Text")]
        pub slug: String,
        #[sea_orm(column_type = "Text")]
        pub sort_name: String,
        #[sea_orm(column_type = "Text")]
        pub search_text: String,
        #[sea_orm(column_type = "Text")]
        pub short_description: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub description: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub social_impact: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub website: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub project_status: Option<String>,
        pub start_date: Option<Date>,
        pub end_date: Option<Date>,
        #[sea_orm(column_type = "Text")]
        pub address: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub city: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub region: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub country: Option<String>,
        pub latitude: Option<f64>,
        pub longitude: Option<f64>,
        #[sea_orm(column_type = "Text")]
        pub who_it_helps: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A taxonomy term a project is classified by.
pub mod project_term {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "project_term")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub project_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub vocabulary: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An organisation's role in a project.
pub mod participation {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "participation")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub project_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub organisation_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub role: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A grant (360Giving-compatible); amounts are exact decimal text.
pub mod grant_award {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "grant_award")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub status: String,
        pub version: i32,
        pub owner_partner_id: Option<Uuid>,
        pub source: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub created_by: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub identifier: String,
        #[sea_orm(column_type = "Text")]
        pub title: String,
        #[sea_orm(column_type = "Text")]
        pub sort_name: String,
        #[sea_orm(column_type = "Text")]
        pub search_text: String,
        #[sea_orm(column_type = "Text")]
        pub description: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub currency: String,
        #[sea_orm(column_type = "Text")]
        pub amount_awarded: String,
        #[sea_orm(column_type = "Text")]
        pub amount_applied_for: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub amount_disbursed: Option<String>,
        pub award_date: Date,
        pub planned_start: Option<Date>,
        pub planned_end: Option<Date>,
        pub funder_id: Uuid,
        pub recipient_id: Uuid,
        pub project_id: Option<Uuid>,
        #[sea_orm(column_type = "Text")]
        pub programme: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub beneficiary_countries: String,
        #[sea_orm(column_type = "Text")]
        pub classifications: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Support given by a support organisation to an organisation or a project.
pub mod support {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "support")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub status: String,
        pub version: i32,
        pub owner_partner_id: Option<Uuid>,
        pub source: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub created_by: Option<String>,
        pub supporter_id: Uuid,
        pub organisation_id: Option<Uuid>,
        pub project_id: Option<Uuid>,
        pub kind: String,
        pub start_date: Option<Date>,
        pub end_date: Option<Date>,
        #[sea_orm(column_type = "Text")]
        pub description: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A direct, typed link between two organisations.
pub mod organisation_link {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "organisation_link")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub status: String,
        pub version: i32,
        pub owner_partner_id: Option<Uuid>,
        pub source: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub created_by: Option<String>,
        pub from_id: Uuid,
        pub to_id: Uuid,
        pub kind: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An event.
pub mod event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "event")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub status: String,
        pub version: i32,
        pub owner_partner_id: Option<Uuid>,
        pub source: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub created_by: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub title: String,
        #[sea_orm(column_type = "Text")]
        pub slug: String,
        #[sea_orm(column_type = "Text")]
        pub sort_name: String,
        #[sea_orm(column_type = "Text")]
        pub search_text: String,
        #[sea_orm(column_type = "Text")]
        pub description: Option<String>,
        pub starts_at: DateTimeUtc,
        pub ends_at: Option<DateTimeUtc>,
        pub online: bool,
        #[sea_orm(column_type = "Text")]
        pub address: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub city: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub region: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub country: Option<String>,
        pub latitude: Option<f64>,
        pub longitude: Option<f64>,
        #[sea_orm(column_type = "Text")]
        pub url: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub price: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A taxonomy term an event is classified by.
pub mod event_term {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "event_term")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub event_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub vocabulary: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An organisation that organises an event.
pub mod event_organiser {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "event_organiser")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub event_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub organisation_id: Uuid,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A case study of an organisation and/or a project.
pub mod case_study {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_study")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub status: String,
        pub version: i32,
        pub owner_partner_id: Option<Uuid>,
        pub source: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub created_by: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub title: String,
        #[sea_orm(column_type = "Text")]
        pub slug: String,
        #[sea_orm(column_type = "Text")]
        pub sort_name: String,
        #[sea_orm(column_type = "Text")]
        pub search_text: String,
        #[sea_orm(column_type = "Text")]
        pub summary: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub body: Option<String>,
        pub organisation_id: Option<Uuid>,
        pub project_id: Option<Uuid>,
        pub period_start: Option<Date>,
        pub period_end: Option<Date>,
        #[sea_orm(column_type = "Text")]
        pub url: Option<String>,
        pub featured: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A funding opportunity offered by a funder.
pub mod funding_opportunity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "funding_opportunity")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub status: String,
        pub version: i32,
        pub owner_partner_id: Option<Uuid>,
        pub source: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub created_by: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub title: String,
        #[sea_orm(column_type = "Text")]
        pub slug: String,
        #[sea_orm(column_type = "Text")]
        pub sort_name: String,
        #[sea_orm(column_type = "Text")]
        pub search_text: String,
        #[sea_orm(column_type = "Text")]
        pub description: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub url: Option<String>,
        pub funder_id: Option<Uuid>,
        pub closes_on: Option<Date>,
        #[sea_orm(column_type = "Text")]
        pub funding_type: String,
        #[sea_orm(column_type = "Text")]
        pub targets: String,
        #[sea_orm(column_type = "Text")]
        pub countries: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A figure about a project's impact, with its provenance.
pub mod impact_indicator {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "impact_indicator")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub status: String,
        pub version: i32,
        pub owner_partner_id: Option<Uuid>,
        pub source: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub created_by: Option<String>,
        pub project_id: Uuid,
        #[sea_orm(column_type = "Text")]
        pub name: String,
        pub value: String,
        #[sea_orm(column_type = "Text")]
        pub unit: Option<String>,
        pub period_start: Option<Date>,
        pub period_end: Option<Date>,
        #[sea_orm(column_type = "Text")]
        pub method: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub source_url: Option<String>,
        pub reported_by_partner_id: Option<Uuid>,
        pub reported_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An id a record has in another system (a partner's or an import's).
pub mod external_id {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "external_id")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub namespace: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub record_type: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub external_id: String,
        pub record_id: Uuid,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An API client of a partner; the secret is kept only as an argon2 hash.
pub mod api_client {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_client")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub partner_id: Uuid,
        pub client_id: String,
        #[sea_orm(column_type = "Text")]
        pub secret_hash: String,
        pub scopes: String,
        pub created_at: DateTimeUtc,
        pub last_used_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// One change to a record: who, when, which fields, before and after.
pub mod revision {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "revision")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub record_type: String,
        pub record_id: Uuid,
        pub version: i32,
        pub action: String,
        pub actor: String,
        pub actor_partner_id: Option<Uuid>,
        #[sea_orm(column_type = "Text")]
        pub changes: String,
        pub created_at: DateTimeUtc,
        pub comment: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod report {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "report")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub record_type: String,
        pub record_id: Uuid,
        pub reason: String,
        pub comment: Option<String>,
        pub reporter: String,
        pub reporter_partner_id: Option<Uuid>,
        pub created_at: DateTimeUtc,
        pub resolved_at: Option<DateTimeUtc>,
        pub resolved_by: Option<String>,
        pub resolution: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod proposal {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "proposal")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub record_type: String,
        pub record_id: Uuid,
        pub base_version: i32,
        #[sea_orm(column_type = "Text")]
        pub changes: String,
        pub author: String,
        pub author_partner_id: Option<Uuid>,
        pub status: String,
        pub comment: Option<String>,
        pub created_at: DateTimeUtc,
        pub decided_at: Option<DateTimeUtc>,
        pub decided_by: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod record_redirect {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "record_redirect")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub old_id: Uuid,
        pub record_type: String,
        pub new_id: Uuid,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
