//! Who created each record through the API (its token subject), so that a member or a partner
//! sees its own submissions while they wait for review. Imports and the demo data have none.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const RECORD_TABLES: [&str; 9] = [
    "organisation",
    "project",
    "grant_award",
    "support",
    "organisation_link",
    "event",
    "case_study",
    "funding_opportunity",
    "impact_indicator",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in RECORD_TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(ColumnDef::new("created_by").text().null())
                        .to_owned(),
                )
                .await?;
            manager
                .create_index(
                    Index::create()
                        .name(format!("ix_{table}_created_by"))
                        .table(table)
                        .col("created_by")
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in RECORD_TABLES {
            manager
                .drop_index(
                    Index::drop()
                        .name(format!("ix_{table}_created_by"))
                        .table(table)
                        .to_owned(),
                )
                .await?;
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column("created_by")
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
