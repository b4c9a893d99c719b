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

/// How the connection pool behaves. The defaults suit one-off commands (imports, migrations);
/// the server sets short waits so that requests fail fast when the database is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// The most connections the pool opens; `None`: 8 for SQLite, 16 for PostgreSQL.
    pub max_connections: Option<u32>,
    /// How long a statement waits for a connection (or for the database to accept a new one)
    /// before it fails with an error that [`StoreError::is_unavailable`] recognises.
    pub acquire_timeout: Duration,
    /// PostgreSQL cancels any statement running longer than this (`statement_timeout`);
    /// `None`: no limit. SQLite has no such setting.
    pub statement_timeout: Option<Duration>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: None,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: None,
        }
    }
}

/// How busy the connection pool is, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// Connections open, idle or in use.
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

impl Store {
    /// Connects to `sqlite://…` (the file is created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, &StoreOptions::default()).await
    }

    /// Connects with the pool behaving as `options` say.
    pub async fn connect_with(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        let sqlite = url.starts_with("sqlite");
        let mut connect = ConnectOptions::new(url.to_owned());
        connect
            .max_connections(
                options
                    .max_connections
                    .unwrap_or(if sqlite { 8 } else { 16 }),
            )
            .acquire_timeout(options.acquire_timeout)
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(sqlite_options);
        if let Some(limit) = options.statement_timeout {
            let millis = limit.as_millis().to_string();
            connect.map_sqlx_postgres_opts(move |pg| {
                pg.options([("statement_timeout", millis.as_str())])
            });
        }
        Ok(Self::counting(Database::connect(connect).await?))
    }

    /// Counts the statements run on `db`.
    fn counting(mut db: DatabaseConnection) -> Self {
        let statements = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&statements);
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
            crate::statements::count_one();
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
        Self::open_with(url, &StoreOptions::default()).await
    }

    /// [`Store::open`] with the pool behaving as `options` say. Migrations run on a pool of
    /// their own without the statement timeout: a long migration must not be cut short.
    pub async fn open_with(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        if options.statement_timeout.is_none() {
            let store = Self::connect_with(url, options).await?;
            store.migrate().await?;
            return Ok(store);
        }
        let unlimited = StoreOptions {
            statement_timeout: None,
            ..options.clone()
        };
        let migrating = Self::connect_with(url, &unlimited).await?;
        migrating.migrate().await?;
        migrating.close().await?;
        Self::connect_with(url, options).await
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

    /// How many connections the pool holds, and how many of them are idle.
    pub fn pool_status(&self) -> PoolStatus {
        fn status<DB: sea_orm::sqlx::Database>(pool: &sea_orm::sqlx::Pool<DB>) -> PoolStatus {
            PoolStatus {
                open: pool.size(),
                idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                max: pool.options().get_max_connections(),
            }
        }
        match self.backend() {
            Backend::Postgres => status(self.db.get_postgres_connection_pool()),
            Backend::Sqlite => status(self.db.get_sqlite_connection_pool()),
        }
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
