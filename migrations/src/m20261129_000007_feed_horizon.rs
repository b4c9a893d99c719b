//! The change feed's horizon: the newest event pruning has deleted. A reader whose cursor is
//! older has missed events and is told so, instead of silently skipping them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("change_feed_horizon")
                    // Always 1: there is one horizon.
                    .col(ColumnDef::new("id").integer().not_null().primary_key())
                    .col(ColumnDef::new("txid").big_integer().not_null())
                    .col(ColumnDef::new("event_id").big_integer().not_null())
                    .col(
                        ColumnDef::new("pruned_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table("change_feed_horizon")
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
