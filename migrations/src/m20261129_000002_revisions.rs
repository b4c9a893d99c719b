//! The history of every record: one revision per change, written in the same transaction as
//! the change, with who made it and each changed field's value before and after.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("revision")
                    .col(ColumnDef::new("id").uuid().not_null().primary_key())
                    .col(ColumnDef::new("record_type").text().not_null())
                    .col(ColumnDef::new("record_id").uuid().not_null())
                    // The record's version after this change.
                    .col(ColumnDef::new("version").integer().not_null())
                    .col(ColumnDef::new("action").text().not_null())
                    // The token subject (client id or user id), or `system` for the command line.
                    .col(ColumnDef::new("actor").text().not_null())
                    .col(ColumnDef::new("actor_partner_id").uuid().null())
                    // JSON: [{"field": …, "before": …, "after": …}]
                    .col(ColumnDef::new("changes").text().not_null())
                    .col(
                        ColumnDef::new("created_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_revision_record_version")
                    .table("revision")
                    .col("record_type")
                    .col("record_id")
                    .col("version")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("revision").if_exists().to_owned())
            .await
    }
}
