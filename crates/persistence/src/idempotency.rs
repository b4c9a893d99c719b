//! Idempotency keys: the first answer to a request, kept for a day under the caller's key, so
//! that a retry (after a timeout, a dropped connection) does not write twice.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};

use crate::time::now;
use crate::{Store, StoreError};

/// How long a key keeps its answer.
pub const KEY_LIFETIME_HOURS: i64 = 24;

/// What a request with an idempotency key should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new (or expired): run the request, then [`Store::finish_idempotent`].
    Fresh,
    /// The same request was answered before: send this answer again.
    Replay(String),
    /// The key was used for another request.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

impl Store {
    /// Claims `key` for a request of `caller` whose content hashes to `request_hash`.
    pub async fn claim_idempotent(
        &self,
        caller: &str,
        key: &str,
        request_hash: &str,
    ) -> Result<Claim, StoreError> {
        let txn = self.begin_write().await?;
        let expired: DateTime<Utc> = now() - Duration::hours(KEY_LIFETIME_HOURS);
        let purge = Query::delete()
            .from_table("idempotency_key")
            .and_where(Expr::col("caller").eq(caller))
            .and_where(Expr::col("key").eq(key))
            .and_where(Expr::col("created_at").lt(expired))
            .to_owned();
        txn.execute(&purge).await?;
        let insert = Query::insert()
            .into_table("idempotency_key")
            .columns(["caller", "key", "request_hash", "created_at"])
            .values([
                Expr::val(caller),
                Expr::val(key),
                Expr::val(request_hash),
                Expr::val(now()),
            ])
            .map_err(|e| StoreError::corrupt(format!("idempotency key: {e}")))?
            .on_conflict(
                OnConflict::columns(["caller", "key"])
                    .do_nothing()
                    .to_owned(),
            )
            .to_owned();
        let inserted = txn.execute(&insert).await?.rows_affected() == 1;
        let claim = if inserted {
            Claim::Fresh
        } else {
            let select = Query::select()
                .columns(["request_hash", "response"])
                .from("idempotency_key")
                .and_where(Expr::col("caller").eq(caller))
                .and_where(Expr::col("key").eq(key))
                .to_owned();
            let row = txn
                .query_one(&select)
                .await?
                .ok_or_else(|| StoreError::corrupt("idempotency key vanished"))?;
            let stored_hash: String = row.try_get("", "request_hash")?;
            let response: Option<String> = row.try_get("", "response")?;
            match response {
                _ if stored_hash != request_hash => Claim::Mismatch,
                Some(response) => Claim::Replay(response),
                None => Claim::InProgress,
            }
        };
        txn.commit().await?;
        Ok(claim)
    }

    /// Keeps the answer to a claimed key.
    pub async fn finish_idempotent(
        &self,
        caller: &str,
        key: &str,
        response: &str,
    ) -> Result<(), StoreError> {
        let update = Query::update()
            .table("idempotency_key")
            .value("response", response)
            .and_where(Expr::col("caller").eq(caller))
            .and_where(Expr::col("key").eq(key))
            .to_owned();
        self.connection().execute(&update).await?;
        Ok(())
    }
}
