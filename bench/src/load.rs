//! Creating the benchmark's database and loading the synthetic registry into it.

use std::time::Instant;

use anyhow::Context;
use panorama_persistence::{Store, write};
use sea_orm::{ConnectionTrait, Database};

use crate::dataset::Dataset;

/// Records written per transaction: big enough for few round trips, small enough that SQLite's
/// single writer is not held for long.
const RECORDS_PER_TRANSACTION: usize = 5_000;

/// A new, empty PostgreSQL database `name` on the server of `admin_url` (dropped first if it
/// exists); returns its URL.
pub async fn fresh_postgres(admin_url: &str, name: &str) -> anyhow::Result<String> {
    let admin = Database::connect(admin_url)
        .await
        .with_context(|| format!("cannot reach PostgreSQL at {admin_url}"))?;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    admin.close().await?;
    let (base, _) = admin_url
        .rsplit_once('/')
        .context("the PostgreSQL URL has no database name")?;
    Ok(format!("{base}/{name}"))
}

/// Writes the whole dataset, then has the database gather its planner statistics (as the
/// autovacuum of a production PostgreSQL would soon after such a load).
pub async fn load(store: &Store, data: &Dataset) -> anyhow::Result<()> {
    let started = Instant::now();
    for chunk in data.organisations.chunks(RECORDS_PER_TRANSACTION) {
        let txn = store.begin_write().await?;
        write::insert_organisations(&txn, chunk).await?;
        txn.commit().await?;
    }
    for chunk in data.projects.chunks(RECORDS_PER_TRANSACTION) {
        let txn = store.begin_write().await?;
        write::insert_projects(&txn, chunk).await?;
        txn.commit().await?;
    }
    for chunk in data.participations.chunks(RECORDS_PER_TRANSACTION) {
        let txn = store.begin_write().await?;
        write::insert_participations(&txn, chunk).await?;
        txn.commit().await?;
    }
    for chunk in data.grants.chunks(RECORDS_PER_TRANSACTION) {
        let txn = store.begin_write().await?;
        write::insert_grants(&txn, chunk).await?;
        txn.commit().await?;
    }
    store.connection().execute_unprepared("ANALYZE").await?;
    eprintln!(
        "loaded {} organisations, {} projects, {} participations, {} grants in {:.0?}",
        data.organisations.len(),
        data.projects.len(),
        data.participations.len(),
        data.grants.len(),
        started.elapsed()
    );
    Ok(())
}
