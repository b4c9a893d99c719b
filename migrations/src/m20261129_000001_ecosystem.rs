//! The ecosystem's records: organisations, projects and their participations, grants, support,
//! organisation links, events, case studies, funding opportunities, impact indicators, the
//! taxonomies they are classified by, legal identifiers and external ids.
//!
//! Conventions: every record table has the columns of `record_columns`; list-valued fields that
//! are filtered on get a join table (terms, participations, organisers), the others are JSON text;
//! money is stored as decimal text so that SQLite keeps it exact as PostgreSQL would.
//! `search_text` and `sort_name` hold folded text (no case, no accents) written by the
//! application, so free-text search and name ordering behave the same on both databases.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables, in creation order (dropped in reverse).
const TABLES: &[&str] = &[
    "taxonomy_term",
    "partner",
    "api_client",
    "organisation",
    "organisation_term",
    "legal_identifier",
    "project",
    "project_term",
    "participation",
    "grant_award",
    "support",
    "organisation_link",
    "event",
    "event_term",
    "event_organiser",
    "case_study",
    "funding_opportunity",
    "impact_indicator",
    "external_id",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sort_name = sort_name_column(manager.get_database_backend());
        for table in tables(&sort_name) {
            manager.create_table(table).await?;
        }
        for index in indexes() {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES.iter().rev() {
            manager
                .drop_table(Table::drop().table(*table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

fn tables(sort_name: &ColumnDef) -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table("taxonomy_term")
            .col(text("vocabulary"))
            .col(text("code"))
            .col(text("label_en"))
            .col(text("label_fr"))
            .col(ColumnDef::new("position").integer().not_null())
            .primary_key(Index::create().col("vocabulary").col("code"))
            .to_owned(),
        // A partner's `organisation_id` names the organisation record it stands for. It has no
        // foreign key: records reference their owning partner, so one of the two tables must
        // be created first; the application checks the organisation when it links them.
        Table::create()
            .table("partner")
            .col(ColumnDef::new("id").uuid().not_null().primary_key())
            .col(text("name"))
            .col(text("kind"))
            .col(text("status"))
            .col(
                ColumnDef::new("trusted")
                    .boolean()
                    .not_null()
                    .default(false),
            )
            .col(ColumnDef::new("organisation_id").uuid().null())
            .col(timestamp("created_at"))
            .col(timestamp("updated_at"))
            .to_owned(),
        // An API client of a partner. The secret is stored only as an argon2 hash.
        Table::create()
            .table("api_client")
            .col(ColumnDef::new("id").uuid().not_null().primary_key())
            .col(ColumnDef::new("partner_id").uuid().not_null())
            .col(text("client_id").unique_key())
            .col(text("secret_hash"))
            .col(text("scopes"))
            .col(timestamp("created_at"))
            .col(
                ColumnDef::new("last_used_at")
                    .timestamp_with_time_zone()
                    .null(),
            )
            .col(
                ColumnDef::new("revoked_at")
                    .timestamp_with_time_zone()
                    .null(),
            )
            .foreign_key(&mut cascade("api_client", "partner_id", "partner"))
            .to_owned(),
        record_table("organisation")
            .col(text("name"))
            .col(text("slug").unique_key())
            .col(sort_name.clone())
            .col(text("search_text"))
            .col(text_null("short_description"))
            .col(text_null("description"))
            .col(text_null("website"))
            .col(json_list("other_links"))
            .col(text_null("logo_url"))
            .col(text_null("organisation_type"))
            .col(text_null("size"))
            .col(ColumnDef::new("founded_on").date().null())
            .col(text_null("address"))
            .col(text_null("city"))
            .col(text_null("region"))
            .col(text_null("country"))
            .col(ColumnDef::new("latitude").double().null())
            .col(ColumnDef::new("longitude").double().null())
            .col(json_list("network_memberships"))
            .col(json_list("tags"))
            .to_owned(),
        term_table("organisation_term", "organisation_id", "organisation"),
        Table::create()
            .table("legal_identifier")
            .col(ColumnDef::new("organisation_id").uuid().not_null())
            .col(text("scheme"))
            .col(text("value"))
            .primary_key(
                Index::create()
                    .col("organisation_id")
                    .col("scheme")
                    .col("value"),
            )
            .foreign_key(&mut cascade(
                "legal_identifier",
                "organisation_id",
                "organisation",
            ))
            .to_owned(),
        record_table("project")
            .col(text("title"))
            .col(text("slug").unique_key())
            .col(sort_name.clone())
            .col(text("search_text"))
            .col(text_null("short_description"))
            .col(text_null("description"))
            .col(text_null("social_impact"))
            .col(text_null("website"))
            .col(text_null("project_status"))
            .col(ColumnDef::new("start_date").date().null())
            .col(ColumnDef::new("end_date").date().null())
            .col(text_null("address"))
            .col(text_null("city"))
            .col(text_null("region"))
            .col(text_null("country"))
            .col(ColumnDef::new("latitude").double().null())
            .col(ColumnDef::new("longitude").double().null())
            .col(json_list("who_it_helps"))
            .to_owned(),
        term_table("project_term", "project_id", "project"),
        Table::create()
            .table("participation")
            .col(ColumnDef::new("project_id").uuid().not_null())
            .col(ColumnDef::new("organisation_id").uuid().not_null())
            .col(text("role"))
            .primary_key(
                Index::create()
                    .col("project_id")
                    .col("organisation_id")
                    .col("role"),
            )
            .foreign_key(&mut cascade("participation", "project_id", "project"))
            .foreign_key(&mut cascade(
                "participation",
                "organisation_id",
                "organisation",
            ))
            .to_owned(),
        record_table("grant_award")
            .col(text("identifier").unique_key())
            .col(text("title"))
            .col(sort_name.clone())
            .col(text("search_text"))
            .col(text_null("description"))
            .col(text("currency"))
            .col(text("amount_awarded"))
            .col(text_null("amount_applied_for"))
            .col(text_null("amount_disbursed"))
            .col(ColumnDef::new("award_date").date().not_null())
            .col(ColumnDef::new("planned_start").date().null())
            .col(ColumnDef::new("planned_end").date().null())
            .col(ColumnDef::new("funder_id").uuid().not_null())
            .col(ColumnDef::new("recipient_id").uuid().not_null())
            .col(ColumnDef::new("project_id").uuid().null())
            .col(text_null("programme"))
            .col(json_list("beneficiary_countries"))
            .col(json_list("classifications"))
            .foreign_key(&mut restrict("grant_award", "funder_id", "organisation"))
            .foreign_key(&mut restrict("grant_award", "recipient_id", "organisation"))
            .foreign_key(&mut set_null("grant_award", "project_id", "project"))
            .to_owned(),
        record_table("support")
            .col(ColumnDef::new("supporter_id").uuid().not_null())
            .col(ColumnDef::new("organisation_id").uuid().null())
            .col(ColumnDef::new("project_id").uuid().null())
            .col(text("kind"))
            .col(ColumnDef::new("start_date").date().null())
            .col(ColumnDef::new("end_date").date().null())
            .col(text_null("description"))
            .foreign_key(&mut cascade("support", "supporter_id", "organisation"))
            .foreign_key(&mut cascade("support", "organisation_id", "organisation"))
            .foreign_key(&mut cascade("support", "project_id", "project"))
            .to_owned(),
        record_table("organisation_link")
            .col(ColumnDef::new("from_id").uuid().not_null())
            .col(ColumnDef::new("to_id").uuid().not_null())
            .col(text("kind"))
            .foreign_key(&mut cascade("organisation_link", "from_id", "organisation"))
            .foreign_key(&mut cascade("organisation_link", "to_id", "organisation"))
            .to_owned(),
        record_table("event")
            .col(text("title"))
            .col(text("slug").unique_key())
            .col(sort_name.clone())
            .col(text("search_text"))
            .col(text_null("description"))
            .col(timestamp("starts_at"))
            .col(ColumnDef::new("ends_at").timestamp_with_time_zone().null())
            .col(ColumnDef::new("online").boolean().not_null())
            .col(text_null("address"))
            .col(text_null("city"))
            .col(text_null("region"))
            .col(text_null("country"))
            .col(ColumnDef::new("latitude").double().null())
            .col(ColumnDef::new("longitude").double().null())
            .col(text_null("url"))
            .col(text_null("price"))
            .to_owned(),
        term_table("event_term", "event_id", "event"),
        Table::create()
            .table("event_organiser")
            .col(ColumnDef::new("event_id").uuid().not_null())
            .col(ColumnDef::new("organisation_id").uuid().not_null())
            .primary_key(Index::create().col("event_id").col("organisation_id"))
            .foreign_key(&mut cascade("event_organiser", "event_id", "event"))
            .foreign_key(&mut cascade(
                "event_organiser",
                "organisation_id",
                "organisation",
            ))
            .to_owned(),
        record_table("case_study")
            .col(text("title"))
            .col(text("slug").unique_key())
            .col(sort_name.clone())
            .col(text("search_text"))
            .col(text_null("summary"))
            .col(text_null("body"))
            .col(ColumnDef::new("organisation_id").uuid().null())
            .col(ColumnDef::new("project_id").uuid().null())
            .col(ColumnDef::new("period_start").date().null())
            .col(ColumnDef::new("period_end").date().null())
            .col(text_null("url"))
            .col(ColumnDef::new("featured").boolean().not_null())
            .foreign_key(&mut set_null(
                "case_study",
                "organisation_id",
                "organisation",
            ))
            .foreign_key(&mut set_null("case_study", "project_id", "project"))
            .to_owned(),
        record_table("funding_opportunity")
            .col(text("title"))
            .col(text("slug").unique_key())
            .col(sort_name.clone())
            .col(text("search_text"))
            .col(text_null("description"))
            .col(text_null("url"))
            .col(ColumnDef::new("funder_id").uuid().null())
            .col(ColumnDef::new("closes_on").date().null())
            .col(text("funding_type"))
            .col(json_list("targets"))
            .col(json_list("countries"))
            .foreign_key(&mut set_null(
                "funding_opportunity",
                "funder_id",
                "organisation",
            ))
            .to_owned(),
        record_table("impact_indicator")
            .col(ColumnDef::new("project_id").uuid().not_null())
            .col(text("name"))
            .col(text("value"))
            .col(text_null("unit"))
            .col(ColumnDef::new("period_start").date().null())
            .col(ColumnDef::new("period_end").date().null())
            .col(text_null("method"))
            .col(text_null("source_url"))
            .col(ColumnDef::new("reported_by_partner_id").uuid().null())
            .col(
                ColumnDef::new("reported_at")
                    .timestamp_with_time_zone()
                    .null(),
            )
            .foreign_key(&mut cascade("impact_indicator", "project_id", "project"))
            .foreign_key(&mut set_null(
                "impact_indicator",
                "reported_by_partner_id",
                "partner",
            ))
            .to_owned(),
        // An id a record has in another system: a partner's own ids, or an import's source ids.
        // `namespace` is `partner:<uuid>` or the import's name (`dsi4eu`).
        Table::create()
            .table("external_id")
            .col(text("namespace"))
            .col(text("record_type"))
            .col(text("external_id"))
            .col(ColumnDef::new("record_id").uuid().not_null())
            .col(timestamp("created_at"))
            .primary_key(
                Index::create()
                    .col("namespace")
                    .col("record_type")
                    .col("external_id"),
            )
            .to_owned(),
    ]
}

fn indexes() -> Vec<IndexCreateStatement> {
    let mut indexes = Vec::new();
    // Listings are keyset-paginated on (sort key, id) within the visible statuses.
    for table in [
        "organisation",
        "project",
        "event",
        "case_study",
        "funding_opportunity",
        "grant_award",
    ] {
        indexes.push(index(table, &["status", "sort_name", "id"]));
        indexes.push(index(table, &["status", "created_at", "id"]));
        indexes.push(index(table, &["status", "updated_at", "id"]));
    }
    for table in ["organisation", "project", "event"] {
        indexes.push(index(table, &["country", "city"]));
        indexes.push(index(table, &["latitude", "longitude"]));
    }
    indexes.push(index("organisation", &["organisation_type"]));
    indexes.push(index("organisation", &["size"]));
    for (table, owner) in [
        ("organisation_term", "organisation_id"),
        ("project_term", "project_id"),
        ("event_term", "event_id"),
    ] {
        indexes.push(index(table, &["vocabulary", "code", owner]));
    }
    indexes.push(index("legal_identifier", &["scheme", "value"]));
    indexes.push(index("participation", &["organisation_id", "role"]));
    indexes.push(index("grant_award", &["funder_id"]));
    indexes.push(index("grant_award", &["recipient_id"]));
    indexes.push(index("grant_award", &["project_id"]));
    indexes.push(index("grant_award", &["award_date"]));
    indexes.push(index("support", &["supporter_id"]));
    indexes.push(index("support", &["organisation_id"]));
    indexes.push(index("support", &["project_id"]));
    indexes.push(unique_index(
        "organisation_link",
        &["from_id", "to_id", "kind"],
    ));
    indexes.push(index("organisation_link", &["to_id"]));
    indexes.push(index("event", &["starts_at"]));
    indexes.push(index("event_organiser", &["organisation_id"]));
    indexes.push(index("case_study", &["organisation_id"]));
    indexes.push(index("case_study", &["project_id"]));
    indexes.push(index("funding_opportunity", &["funder_id"]));
    indexes.push(index("funding_opportunity", &["closes_on"]));
    indexes.push(index("impact_indicator", &["project_id"]));
    indexes.push(index("external_id", &["record_id"]));
    indexes.push(index("api_client", &["partner_id"]));
    indexes.push(index("partner", &["organisation_id"]));
    indexes
}

/// A table with the columns every record has (see "Domain model" in DESIGN.md).
fn record_table(name: &'static str) -> TableCreateStatement {
    Table::create()
        .table(name)
        .col(ColumnDef::new("id").uuid().not_null().primary_key())
        .col(text("status"))
        .col(ColumnDef::new("version").integer().not_null())
        .col(ColumnDef::new("owner_partner_id").uuid().null())
        .col(text("source"))
        .col(timestamp("created_at"))
        .col(timestamp("updated_at"))
        .foreign_key(&mut set_null(name, "owner_partner_id", "partner"))
        .to_owned()
}

/// The taxonomy terms of a record: one row per (record, vocabulary, code), checked against
/// `taxonomy_term`, so that an unknown code cannot be stored.
fn term_table(
    name: &'static str,
    owner: &'static str,
    owner_table: &'static str,
) -> TableCreateStatement {
    Table::create()
        .table(name)
        .col(ColumnDef::new(owner).uuid().not_null())
        .col(text("vocabulary"))
        .col(text("code"))
        .primary_key(Index::create().col(owner).col("vocabulary").col("code"))
        .foreign_key(&mut cascade(name, owner, owner_table))
        .foreign_key(
            ForeignKey::create()
                .name(format!("fk_{name}_term"))
                .from(name, ("vocabulary", "code"))
                .to("taxonomy_term", ("vocabulary", "code"))
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned()
}

/// Folded names sort byte by byte on both databases, whatever PostgreSQL's default collation,
/// so that listings come in the same order everywhere.
fn sort_name_column(backend: sea_orm_migration::sea_orm::DatabaseBackend) -> ColumnDef {
    let mut column = text("sort_name");
    if backend == sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
        column.extra("COLLATE \"C\"");
    }
    column
}

fn text(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().not_null().to_owned()
}

fn text_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().null().to_owned()
}

fn json_list(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .text()
        .not_null()
        .default("[]")
        .to_owned()
}

fn timestamp(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn foreign_key(
    table: &'static str,
    column: &'static str,
    target: &'static str,
    action: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(target, "id")
        .on_delete(action)
        .to_owned()
}

fn cascade(
    table: &'static str,
    column: &'static str,
    target: &'static str,
) -> ForeignKeyCreateStatement {
    foreign_key(table, column, target, ForeignKeyAction::Cascade)
}

fn restrict(
    table: &'static str,
    column: &'static str,
    target: &'static str,
) -> ForeignKeyCreateStatement {
    foreign_key(table, column, target, ForeignKeyAction::Restrict)
}

fn set_null(
    table: &'static str,
    column: &'static str,
    target: &'static str,
) -> ForeignKeyCreateStatement {
    foreign_key(table, column, target, ForeignKeyAction::SetNull)
}

fn index(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(format!("ix_{table}_{}", columns.join("_")))
        .table(table);
    for column in columns {
        index.col(*column);
    }
    index.to_owned()
}

fn unique_index(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut statement = index(table, columns);
    statement
        .name(format!("ux_{table}_{}", columns.join("_")))
        .unique();
    statement
}
