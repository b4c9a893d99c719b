//! Webhooks: partners' endpoints, the queue of deliveries to them with every attempt, and how
//! far the dispatcher has followed the change feed. The queue lives here, not in a process,
//! so that it survives restarts and replicas share it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn timestamp(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn timestamp_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn text(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().not_null().to_owned()
}

fn big(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .default(0)
        .to_owned()
}

fn cascade(
    table: &'static str,
    column: &'static str,
    target: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(target, "id")
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn endpoint() -> TableCreateStatement {
    Table::create()
        .table("webhook_endpoint")
        .col(ColumnDef::new("id").uuid().not_null().primary_key())
        .col(ColumnDef::new("partner_id").uuid().not_null())
        .col(text("url"))
        // A JSON list of event types, e.g. ["organisation.upsert"].
        .col(text("event_types"))
        // The signing secret in clear: signing needs it (it is shown to the partner once).
        .col(text("secret"))
        .col(ColumnDef::new("active").boolean().not_null().default(true))
        // The feed position at registration: only later events are sent to it.
        .col(big("start_txid"))
        .col(big("start_id"))
        .col(timestamp("created_at"))
        .col(timestamp_null("disabled_at"))
        .foreign_key(&mut cascade("webhook_endpoint", "partner_id", "partner"))
        .to_owned()
}

fn delivery() -> TableCreateStatement {
    Table::create()
        .table("webhook_delivery")
        .col(ColumnDef::new("id").uuid().not_null().primary_key())
        .col(ColumnDef::new("endpoint_id").uuid().not_null())
        // The `webhook-id` header, the same on every attempt.
        .col(text("message_id").unique_key())
        .col(text("event_type"))
        // The JSON body, sent the same on every attempt.
        .col(text("payload"))
        // The feed event it carries: at most one delivery of an event per endpoint.
        .col(big("event_txid"))
        .col(big("event_id"))
        // PENDING, DELIVERED, FAILED or CANCELLED.
        .col(text("status"))
        .col(
            ColumnDef::new("attempt_count")
                .integer()
                .not_null()
                .default(0),
        )
        // Pending: when it is due (or, while an attempt runs, when that attempt's claim lapses).
        .col(timestamp_null("next_attempt_at"))
        .col(timestamp("created_at"))
        .col(timestamp_null("delivered_at"))
        .foreign_key(&mut cascade(
            "webhook_delivery",
            "endpoint_id",
            "webhook_endpoint",
        ))
        .to_owned()
}

fn attempt() -> TableCreateStatement {
    Table::create()
        .table("webhook_attempt")
        .col(
            ColumnDef::new("id")
                .big_integer()
                .not_null()
                .auto_increment()
                .primary_key(),
        )
        .col(ColumnDef::new("delivery_id").uuid().not_null())
        .col(timestamp("attempted_at"))
        // The endpoint's HTTP status, when it answered.
        .col(ColumnDef::new("status_code").integer().null())
        // Why there was no answer (timeout, connection refused …).
        .col(ColumnDef::new("error").text().null())
        .col(big("duration_ms"))
        .foreign_key(&mut cascade(
            "webhook_attempt",
            "delivery_id",
            "webhook_delivery",
        ))
        .to_owned()
}

/// One row per follower of the change feed (`name` = `webhooks`): the position up to which
/// events have been turned into deliveries.
fn dispatch_cursor() -> TableCreateStatement {
    Table::create()
        .table("webhook_dispatch")
        .col(ColumnDef::new("name").text().not_null().primary_key())
        .col(big("txid"))
        .col(big("id"))
        .to_owned()
}

fn index(table: &'static str, columns: &[&'static str], unique: bool) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(format!("ix_{table}_{}", columns.join("_")))
        .table(table);
    for column in columns {
        index.col(*column);
    }
    if unique {
        index.unique();
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [endpoint(), delivery(), attempt(), dispatch_cursor()] {
            manager.create_table(table).await?;
        }
        let indexes = [
            index("webhook_endpoint", &["partner_id"], false),
            // The worker's claim: due pending deliveries, oldest due first.
            index("webhook_delivery", &["status", "next_attempt_at"], false),
            // A partner's listing, newest first.
            index("webhook_delivery", &["endpoint_id", "id"], false),
            index(
                "webhook_delivery",
                &["endpoint_id", "event_txid", "event_id"],
                true,
            ),
            index("webhook_attempt", &["delivery_id"], false),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        let start = Query::insert()
            .into_table("webhook_dispatch")
            .columns(["name", "txid", "id"])
            .values(["webhooks".into(), 0i64.into(), 0i64.into()])
            .map_err(|e| DbErr::Custom(e.to_string()))?
            .to_owned();
        manager.exec_stmt(start).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "webhook_dispatch",
            "webhook_attempt",
            "webhook_delivery",
            "webhook_endpoint",
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
