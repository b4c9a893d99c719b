//! Idempotency keys: a request retried with the same `Idempotency-Key` gets the first answer
//! instead of being run again.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("idempotency_key")
                    // Who sent it (a token subject): keys are per caller.
                    .col(ColumnDef::new("caller").text().not_null())
                    .col(ColumnDef::new("key").text().not_null())
                    // SHA-256 of the request (query, operation name, variables).
                    .col(ColumnDef::new("request_hash").text().not_null())
                    // The answer, once there is one; null while the first request runs.
                    .col(ColumnDef::new("response").text().null())
                    .col(
                        ColumnDef::new("created_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(Index::create().col("caller").col("key"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table("idempotency_key")
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
