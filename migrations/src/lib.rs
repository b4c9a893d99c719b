//! Panorama's schema, as one sea-orm-migration `Migrator` that runs on SQLite and PostgreSQL alike.
//! Migrations are never edited once released: a change of schema is a new migration.

pub use sea_orm_migration::prelude::*;

mod m20261129_000001_ecosystem;
mod m20261129_000002_revisions;
mod m20261129_000003_moderation;
mod m20261129_000004_record_authors;
mod m20261129_000005_change_feed;
mod m20261129_000006_idempotency;
mod m20261129_000007_feed_horizon;
mod m20261129_000008_webhooks;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_ecosystem::Migration),
            Box::new(m20261129_000002_revisions::Migration),
            Box::new(m20261129_000003_moderation::Migration),
            Box::new(m20261129_000004_record_authors::Migration),
            Box::new(m20261129_000005_change_feed::Migration),
            Box::new(m20261129_000006_idempotency::Migration),
            Box::new(m20261129_000007_feed_horizon::Migration),
            Box::new(m20261129_000008_webhooks::Migration),
        ]
    }
}
