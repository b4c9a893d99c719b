//! The measurements, in the order the report gives them, and the report.

use std::fmt::Write as _;
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use serde::Serialize;
use serde_json::{Value, json};

use crate::dataset::Size;
use crate::server::Server;
use crate::shapes::{self, Shape};
use crate::tools::{self, Load};
use crate::{Args, Backend};

#[derive(Debug, Serialize)]
pub struct ShapeResult {
    pub name: &'static str,
    pub description: &'static str,
    pub api: Load,
    pub statements_per_request: f64,
    /// The same data by hand-written SQL through pgbench (PostgreSQL only).
    pub sql: Option<Load>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub backend: Backend,
    pub size: (usize, usize, usize),
    pub connections: u32,
    pub seconds: u32,
    pub shapes: Vec<ShapeResult>,
    pub page_one: Load,
    pub deep_page: Load,
    pub deep_page_number: usize,
    pub grants_upserted: usize,
    pub upsert_grants_per_sec: f64,
    pub unchanged_records_per_sec: f64,
    pub feed_changes_read: usize,
    pub feed_changes_per_sec: f64,
    pub insights: crate::insights::InsightFigures,
    pub peak_memory_mib: Option<f64>,
}

pub async fn run(
    args: &Args,
    backend: Backend,
    database_url: &str,
    server: &Server,
    size: Size,
) -> anyhow::Result<Report> {
    let graphql = format!("{}/graphql", server.base);
    let mut shape_results = Vec::new();
    for shape in shapes::all(size.organisations) {
        let result = measure_shape(args, backend, database_url, server, &graphql, &shape).await?;
        shape_results.push(result);
    }
    let (deep_page_number, page_one, deep_page) = pagination(args, &graphql, size).await?;
    let sync = bulk_sync(server, &graphql).await?;
    let (feed_changes_read, feed_changes_per_sec) = feed_catch_up(&graphql).await?;
    let insights = crate::insights::measure(args, server).await?;
    Ok(Report {
        backend,
        size: (size.organisations, size.projects, size.grants),
        connections: args.connections,
        seconds: args.duration,
        shapes: shape_results,
        page_one,
        deep_page,
        deep_page_number,
        grants_upserted: sync.grants,
        upsert_grants_per_sec: sync.created_per_sec,
        unchanged_records_per_sec: sync.unchanged_per_sec,
        feed_changes_read,
        feed_changes_per_sec,
        insights,
        peak_memory_mib: server.peak_memory_mib(),
    })
}

/// POSTs a GraphQL body once; its `data`, or the errors as a failure.
pub async fn post(
    client: &reqwest::Client,
    url: &str,
    body: String,
    token: Option<&str>,
) -> anyhow::Result<Value> {
    let mut request = client
        .post(url)
        .header("content-type", "application/json")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let answer: Value = request.send().await?.json().await?;
    if let Some(errors) = answer.get("errors") {
        bail!("the query failed: {errors}");
    }
    Ok(answer["data"].clone())
}

async fn measure_shape(
    args: &Args,
    backend: Backend,
    database_url: &str,
    server: &Server,
    graphql: &str,
    shape: &Shape,
) -> anyhow::Result<ShapeResult> {
    let body = shape.body();
    // One request first: the shape must answer with data, not with an error.
    let data = post(&reqwest::Client::new(), graphql, body.clone(), None).await?;
    eprintln!("{}: {}", shape.name, summary(&data));
    tools::oha(graphql, &body, args.connections, 2)?; // warm-up
    let before = server.statement_totals().await?;
    let api = tools::oha(graphql, &body, args.connections, args.duration)?;
    let after = server.statement_totals().await?;
    let statements_per_request = (after.0 - before.0) / (after.1 - before.1).max(1.0);
    let sql = match backend {
        Backend::Postgres => {
            let script = args.work.join(format!("{}.sql", shape.name));
            std::fs::write(&script, &shape.sql)?;
            tools::pgbench(database_url, &script, args.connections, 2)?; // warm-up
            Some(tools::pgbench(
                database_url,
                &script,
                args.connections,
                args.duration,
            )?)
        }
        Backend::Sqlite => None,
    };
    Ok(ShapeResult {
        name: shape.name,
        description: shape.description,
        api,
        statements_per_request,
        sql,
    })
}

/// How much a shape's answer holds, to show it is not empty.
fn summary(data: &Value) -> String {
    let text = data.to_string();
    format!("{} bytes of data", text.len())
}

/// Walks the name-ordered listing to page 1,000 (or the last full page of a smaller
/// registry), then loads page 1 and that page alike.
async fn pagination(args: &Args, graphql: &str, size: Size) -> anyhow::Result<(usize, Load, Load)> {
    let pages = (size.organisations / 50).saturating_sub(1).clamp(1, 1000);
    let client = reqwest::Client::new();
    let mut after: Option<String> = None;
    for _ in 1..pages {
        let data = post(&client, graphql, shapes::page_body(after.as_deref()), None).await?;
        after = data["organisations"]["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
        ensure!(after.is_some(), "the listing ended before page {pages}");
    }
    let deep = shapes::page_body(after.as_deref());
    let first = shapes::page_body(None);
    let page_one = tools::oha(graphql, &first, args.connections, args.duration)?;
    let deep_page = tools::oha(graphql, &deep, args.connections, args.duration)?;
    Ok((pages, page_one, deep_page))
}

struct SyncFigures {
    grants: usize,
    created_per_sec: f64,
    unchanged_per_sec: f64,
}

const SYNC_GRANTS: usize = 10_000;
const SYNC_BATCH: usize = 500;

/// A funder's nightly sync: 10,000 grants in batches of 500, one batch after another, then the
/// same batches again (nothing changed: every record must come back UNCHANGED).
async fn bulk_sync(server: &Server, graphql: &str) -> anyhow::Result<SyncFigures> {
    // Each run is a new partner with grants of its own, so a reused database starts afresh.
    let run = chrono::Utc::now().timestamp();
    let token = partner_token(server, run).await?;
    let client = reqwest::Client::new();
    let recipients = recipient_ids(&client, graphql).await?;
    let batches: Vec<String> = (0..SYNC_GRANTS / SYNC_BATCH)
        .map(|b| upsert_body(run, b, &recipients))
        .collect();
    let mut rates = Vec::new();
    for expected in ["CREATED", "UNCHANGED"] {
        let started = Instant::now();
        for batch in &batches {
            let data = post(&client, graphql, batch.clone(), Some(&token)).await?;
            let results = data["upsertGrants"]["results"]
                .as_array()
                .context("no results")?;
            let wrong = results.iter().find(|r| r["status"] != expected);
            ensure!(wrong.is_none(), "expected {expected}, got {wrong:?}");
        }
        rates.push(SYNC_GRANTS as f64 / started.elapsed().as_secs_f64());
    }
    Ok(SyncFigures {
        grants: SYNC_GRANTS,
        created_per_sec: rates[0],
        unchanged_per_sec: rates[1],
    })
}

/// A trusted funder partner standing for the first organisation, and a token of its client.
pub async fn partner_token(server: &Server, run: i64) -> anyhow::Result<String> {
    let created = server.command(&[
        "partner",
        "create",
        "--name",
        &format!("Benchmark funder {run}"),
        "--kind",
        "FUNDER",
        "--organisation",
        "org-0",
        "--trusted",
    ])?;
    let partner = created
        .rsplit(' ')
        .next()
        .map(str::trim)
        .context("no partner id printed")?;
    let client = server.command(&[
        "partner",
        "add-client",
        partner,
        "--scopes",
        "ecosystem:read grants:write",
    ])?;
    let field = |name: &str| {
        client
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
            .with_context(|| format!("no {name} printed"))
    };
    let (id, secret) = (field("client_id:")?, field("client_secret:")?);
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/oauth/token", server.base))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await?
        .json()
        .await?;
    answer["access_token"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no token: {answer}"))
}

/// The API ids of 100 organisations, to receive the synced grants.
async fn recipient_ids(client: &reqwest::Client, graphql: &str) -> anyhow::Result<Vec<String>> {
    let body = json!({ "query": "{ organisations(first: 100) { nodes { id } } }" }).to_string();
    let data = post(client, graphql, body, None).await?;
    let ids: Vec<String> = data["organisations"]["nodes"]
        .as_array()
        .context("no organisations")?
        .iter()
        .filter_map(|n| n["id"].as_str().map(str::to_owned))
        .collect();
    ensure!(!ids.is_empty(), "no organisations to give grants to");
    Ok(ids)
}

fn upsert_body(run: i64, batch: usize, recipients: &[String]) -> String {
    let records: Vec<Value> = (0..SYNC_BATCH)
        .map(|i| {
            let n = batch * SYNC_BATCH + i;
            json!({
                "externalId": format!("bench-grant-{n}"),
                "identifier": format!("360G-bench-sync-{run}-{n}"),
                "title": format!("Synced grant {n}"),
                "amountAwarded": { "amount": format!("{}", 1000 + n), "currency": "EUR" },
                "awardDate": "2025-06-01",
                "recipientId": recipients[n % recipients.len()],
            })
        })
        .collect();
    json!({
        "query": "mutation Sync($input: UpsertGrantsInput!) { upsertGrants(input: $input) { \
                  results { status userErrors { field message } } userErrors { message } } }",
        "variables": { "input": { "records": records } },
    })
    .to_string()
}

const FEED_CHANGES: usize = 100_000;
const FEED_PAGE: usize = 1_000;

/// A new mirror reading the change feed from its start: 100,000 changes (or all there are),
/// 1,000 a request.
async fn feed_catch_up(graphql: &str) -> anyhow::Result<(usize, f64)> {
    let client = reqwest::Client::new();
    let mut after: Option<String> = None;
    let mut read = 0;
    let started = Instant::now();
    while read < FEED_CHANGES {
        let body = json!({
            "query": "query Feed($after: String, $first: Int!) { changes(after: $after, \
                      first: $first) { pageInfo { endCursor } nodes { recordId recordType \
                      operation version } } }",
            "variables": { "after": after, "first": FEED_PAGE },
        })
        .to_string();
        let data = post(&client, graphql, body, None).await?;
        let page = data["changes"]["nodes"].as_array().map_or(0, Vec::len);
        if page == 0 {
            break;
        }
        read += page;
        after = data["changes"]["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
    }
    Ok((read, read as f64 / started.elapsed().as_secs_f64()))
}

impl Report {
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let (o, p, g) = self.size;
        let _ = writeln!(
            out,
            "### {:?}: {o} organisations, {p} projects, {g} grants; {} connections, {} s a run\n",
            self.backend, self.connections, self.seconds
        );
        let _ = writeln!(
            out,
            "| shape | req/s | p50 ms | p99 ms | SQL statements/request | SQL tx/s (pgbench) | ratio |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
        for s in &self.shapes {
            let (sql, ratio) = match &s.sql {
                Some(sql) => (
                    format!("{:.0}", sql.requests_per_sec),
                    format!(
                        "{:.0}%",
                        100.0 * s.api.requests_per_sec / sql.requests_per_sec
                    ),
                ),
                None => ("–".to_owned(), "–".to_owned()),
            };
            let _ = writeln!(
                out,
                "| {} | {:.0} | {} | {} | {:.1} | {sql} | {ratio} |",
                s.name,
                s.api.requests_per_sec,
                ms(s.api.p50_ms),
                ms(s.api.p99_ms),
                s.statements_per_request
            );
        }
        let _ = writeln!(
            out,
            "\n- page 1: {:.0} req/s (p99 {} ms); page {}: {:.0} req/s (p99 {} ms): page 1 is {:.2}× as fast",
            self.page_one.requests_per_sec,
            ms(self.page_one.p99_ms),
            self.deep_page_number,
            self.deep_page.requests_per_sec,
            ms(self.deep_page.p99_ms),
            self.page_one.requests_per_sec / self.deep_page.requests_per_sec.max(f64::MIN_POSITIVE)
        );
        let _ = writeln!(
            out,
            "- bulk sync: {} grants in batches of 500: {:.0} grants/s created, {:.0} records/s unchanged",
            self.grants_upserted, self.upsert_grants_per_sec, self.unchanged_records_per_sec
        );
        let _ = writeln!(
            out,
            "- change feed: {} changes read at {:.0} changes/s",
            self.feed_changes_read, self.feed_changes_per_sec
        );
        out += &self.insights.markdown();
        let _ = writeln!(
            out,
            "- server peak memory (VmHWM): {} MiB",
            self.peak_memory_mib
                .map_or("?".to_owned(), |m| format!("{m:.0}"))
        );
        out
    }
}

pub fn ms(value: Option<f64>) -> String {
    value.map_or("–".to_owned(), |v| format!("{v:.1}"))
}
