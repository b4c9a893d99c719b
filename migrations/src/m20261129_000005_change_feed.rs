//! The change feed: one event for every change to published data, in commit order (see
//! `panorama_persistence::feed` for why the order holds).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("change_event")
                    .col(
                        ColumnDef::new("id")
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    // PostgreSQL: the writing transaction's id; SQLite: 0 (one writer at a time).
                    .col(ColumnDef::new("txid").big_integer().not_null().default(0))
                    .col(ColumnDef::new("record_type").text().not_null())
                    .col(ColumnDef::new("record_id").uuid().not_null())
                    // UPSERT, DELETE or MERGE.
                    .col(ColumnDef::new("operation").text().not_null())
                    .col(ColumnDef::new("version").integer().not_null())
                    // For a MERGE: the record it was merged into.
                    .col(ColumnDef::new("survivor_id").uuid().null())
                    .col(
                        ColumnDef::new("changed_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_change_event_txid_id")
                    .table("change_event")
                    .col("txid")
                    .col("id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_change_event_changed_at")
                    .table("change_event")
                    .col("changed_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("change_event").if_exists().to_owned())
            .await
    }
}
