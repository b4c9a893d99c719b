//! Moderation: a comment on revisions (a rejection's reason, a request for changes), reports of
//! records by readers, proposed changes to published records waiting for review, and the
//! redirects that keep a merged record's id resolving to its survivor.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn timestamp(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn id() -> ColumnDef {
    ColumnDef::new("id")
        .uuid()
        .not_null()
        .primary_key()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("revision")
                    .add_column(ColumnDef::new("comment").text().null())
                    .to_owned(),
            )
            .await?;
        // Reports of records by anyone signed in: spam, wrong, duplicate.
        manager
            .create_table(
                Table::create()
                    .table("report")
                    .col(id())
                    .col(ColumnDef::new("record_type").text().not_null())
                    .col(ColumnDef::new("record_id").uuid().not_null())
                    .col(ColumnDef::new("reason").text().not_null())
                    .col(ColumnDef::new("comment").text().null())
                    .col(ColumnDef::new("reporter").text().not_null())
                    .col(ColumnDef::new("reporter_partner_id").uuid().null())
                    .col(timestamp("created_at"))
                    // Set when a moderator has dealt with it, with how.
                    .col(
                        ColumnDef::new("resolved_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new("resolved_by").text().null())
                    .col(ColumnDef::new("resolution").text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_report_open")
                    .table("report")
                    .col("resolved_at")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        // Changes proposed to published records by callers who may not publish them.
        manager
            .create_table(
                Table::create()
                    .table("proposal")
                    .col(id())
                    .col(ColumnDef::new("record_type").text().not_null())
                    .col(ColumnDef::new("record_id").uuid().not_null())
                    .col(ColumnDef::new("base_version").integer().not_null())
                    // JSON: [{"field": …, "before": …, "after": …}]
                    .col(ColumnDef::new("changes").text().not_null())
                    .col(ColumnDef::new("author").text().not_null())
                    .col(ColumnDef::new("author_partner_id").uuid().null())
                    .col(ColumnDef::new("status").text().not_null())
                    .col(ColumnDef::new("comment").text().null())
                    .col(timestamp("created_at"))
                    .col(
                        ColumnDef::new("decided_at")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new("decided_by").text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_proposal_status_created_at")
                    .table("proposal")
                    .col("status")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        // A merged record's id, pointing at the record it was merged into.
        manager
            .create_table(
                Table::create()
                    .table("record_redirect")
                    .col(ColumnDef::new("old_id").uuid().not_null().primary_key())
                    .col(ColumnDef::new("record_type").text().not_null())
                    .col(ColumnDef::new("new_id").uuid().not_null())
                    .col(timestamp("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_record_redirect_new_id")
                    .table("record_redirect")
                    .col("new_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["record_redirect", "proposal", "report"] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("revision")
                    .drop_column("comment")
                    .to_owned(),
            )
            .await
    }
}
