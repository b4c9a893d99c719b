//! The connection to the database, its migrations and the seed every database needs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use panorama_domain::taxonomy::Vocabulary;
use panorama_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, Set, SqliteTransactionMode, SqlxPostgresConnector, SqlxSqliteConnector,
    TransactionOptions, TransactionTrait,
};

use crate::StoreError;
use crate::entities::taxonomy_term;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database behind every repository. Cheap to clone: clones share one pool.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    statements: Arc<AtomicU64>,
}

impl Store {
    /// Connects to `sqlite://…` (the file is created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(if url.starts_with("sqlite") { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(5))
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(sqlite_options);
        Ok(Self::counting(Database::connect(options).await?))
    }

    /// Counts the statements run on `db`.
    fn counting(mut db: DatabaseConnection) -> Self {
        let statements = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&statements);
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        Self { db, statements }
    }

    /// The same pool, with a statement count of its own: background tasks (webhook
    /// deliveries) use it so that their statements never mix with a request's in
    /// [`Self::statement_count`].
    pub fn background(&self) -> Self {
        let db = match self.db.get_database_backend() {
            DbBackend::Postgres => SqlxPostgresConnector::from_sqlx_postgres_pool(
                self.db.get_postgres_connection_pool().clone(),
            ),
            _ => SqlxSqliteConnector::from_sqlx_sqlite_pool(
                self.db.get_sqlite_connection_pool().clone(),
            ),
        };
        Self::counting(db)
    }

    /// Connects and brings the schema and the taxonomy seed up to date.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Runs pending migrations, then inserts the taxonomy terms that are missing.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Migrator::up(&self.db, None).await?;
        self.seed_taxonomy().await
    }

    /// Vocabularies are data: the seed only adds missing terms and never overwrites a label that
    /// an operator changed in the database.
    async fn seed_taxonomy(&self) -> Result<(), StoreError> {
        let rows = Vocabulary::ALL.into_iter().flat_map(|vocabulary| {
            vocabulary
                .terms()
                .iter()
                .zip(0..)
                .map(move |(term, position)| taxonomy_term::ActiveModel {
                    vocabulary: Set(vocabulary.code().to_owned()),
                    code: Set(term.code.to_owned()),
                    label_en: Set(term.label_en.to_owned()),
                    label_fr: Set(term.label_fr.to_owned()),
                    position: Set(position),
                })
        });
        taxonomy_term::Entity::insert_many(rows)
            .on_conflict_do_nothing_on([
                taxonomy_term::Column::Vocabulary,
                taxonomy_term::Column::Code,
            ])
            .exec(&self.db)
            .await?;
        Ok(())
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Begins a transaction that will write. On SQLite it takes the single writer's lock at
    /// once (`BEGIN IMMEDIATE`, waiting up to the busy timeout): a deferred transaction that
    /// reads first cannot write any more once another connection has committed meanwhile
    /// (`database is locked`), which background writers (webhook deliveries) make common.
    pub async fn begin_write(&self) -> Result<DatabaseTransaction, DbErr> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        self.db.begin_with_options(options).await
    }

    pub fn backend(&self) -> Backend {
        match self.db.get_database_backend() {
            DbBackend::Postgres => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        Ok(self.db.ping().await?)
    }

    /// How many SQL statements this store has run since it was opened.
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub async fn close(self) -> Result<(), StoreError> {
        Ok(self.db.close().await?)
    }
}

/// SQLite: create the file if needed, enforce foreign keys, and let readers and the writer work
/// side by side (WAL) instead of failing at once on a lock.
fn sqlite_options(options: SqliteConnectOptions) -> SqliteConnectOptions {
    options
        .create_if_missing(true)
        .foreign_keys(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(10))
}
