//! `panorama-bench`: the benchmark of BENCHMARKS.md, in one command (see `bench/run`).
//!
//! For each database it builds the synthetic registry, starts the release server on it, and
//! measures the five query shapes under oha (beside pgbench running the same data's SQL on
//! PostgreSQL), deep pagination, a partner's bulk sync and a change-feed catch-up. It prints
//! a Markdown report and writes the figures as JSON beside it.

mod dataset;
mod insights;
mod load;
mod scenarios;
mod server;
mod shapes;
mod tools;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use panorama_persistence::Store;

use crate::dataset::{Size, Templates};
use crate::server::Server;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Parser)]
struct Args {
    /// 1.0 is 100,000 organisations, 200,000 projects and 300,000 grants.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    #[arg(long, default_value_t = 2017)]
    seed: u64,
    /// The databases to measure (both by default).
    #[arg(long, value_enum)]
    backend: Vec<Backend>,
    /// Seconds of load per measurement.
    #[arg(long, default_value_t = 10)]
    duration: u32,
    #[arg(long, default_value_t = 32)]
    connections: u32,
    /// A PostgreSQL server's URL; the benchmark creates (and recreates) the database
    /// `panorama_bench` on it.
    #[arg(
        long,
        env = "PANORAMA_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
    /// The release server binary.
    #[arg(long, default_value = "target/release/panorama")]
    panorama: PathBuf,
    /// Where the DSI4EU export is.
    #[arg(long, default_value = "../shared/data/dsi4eu")]
    dsi4eu: PathBuf,
    /// Scratch space: the SQLite database, the signing key, the SQL scripts, the results.
    #[arg(long, default_value = "target/bench")]
    work: PathBuf,
    /// Keep a loaded database of the same scale and seed instead of building it again.
    #[arg(long)]
    reuse: bool,
    /// Measure the ecosystem figures only (the last part of the report).
    #[arg(long)]
    only_insights: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.work)?;
    let backends = if args.backend.is_empty() {
        vec![Backend::Sqlite, Backend::Postgres]
    } else {
        args.backend.clone()
    };
    let size = Size::at_scale(args.scale);
    let templates = templates(&args)?;
    let data = dataset::generate(&templates, size, args.seed);
    let mut reports = Vec::new();
    for backend in backends {
        eprintln!("== {backend:?}");
        let url = prepare(&args, backend, &data).await?;
        let server = Server::start(&args.panorama, &url, &args.work).await?;
        if args.only_insights {
            let figures = insights::measure(&args, &server).await?;
            println!("### {backend:?}\n{}", figures.markdown());
            let peak = server.peak_memory_mib().unwrap_or_default();
            println!("- server peak memory (VmHWM): {peak:.0} MiB");
            continue;
        }
        let report = scenarios::run(&args, backend, &url, &server, size).await?;
        println!("{}", report.markdown());
        let file = args
            .work
            .join(format!("results-{backend:?}.json").to_lowercase());
        std::fs::write(&file, serde_json::to_string_pretty(&report)?)?;
        reports.push(report);
    }
    Ok(())
}

fn templates(args: &Args) -> anyhow::Result<Templates> {
    let plan = panorama_server::import::dsi4eu::read_plan(
        &args.dsi4eu.join("organisations2.json"),
        &args.dsi4eu.join("projects2.json"),
    )
    .with_context(|| {
        format!(
            "the synthetic data is drawn from the DSI4EU export, expected in {}",
            args.dsi4eu.display()
        )
    })?;
    Ok(Templates {
        organisations: plan.organisations.into_iter().map(|(_, o)| o).collect(),
        projects: plan.projects.into_iter().map(|(_, p)| p).collect(),
    })
}

/// A database holding the synthetic registry; its URL.
async fn prepare(args: &Args, backend: Backend, data: &dataset::Dataset) -> anyhow::Result<String> {
    let tag = format!("s{}_seed{}", args.scale, args.seed).replace('.', "_");
    let url = match backend {
        Backend::Sqlite => {
            let file = args.work.join(format!("bench-{tag}.db"));
            format!("sqlite://{}?mode=rwc", file.display())
        }
        Backend::Postgres => {
            let (base, _) = args
                .postgres_url
                .rsplit_once('/')
                .context("the PostgreSQL URL has no database name")?;
            format!("{base}/panorama_bench_{tag}")
        }
    };
    if args.reuse && holds(&url, data).await {
        eprintln!("reusing {url}");
        return Ok(url);
    }
    match backend {
        Backend::Sqlite => {
            let file = url
                .trim_start_matches("sqlite://")
                .trim_end_matches("?mode=rwc");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{file}{suffix}"));
            }
        }
        Backend::Postgres => {
            let name = url.rsplit('/').next().unwrap_or_default();
            load::fresh_postgres(&args.postgres_url, name).await?;
        }
    }
    let store = Store::open(&url).await?;
    load::load(&store, data).await?;
    store.close().await?;
    Ok(url)
}

/// Whether the database at `url` holds the whole dataset already (a load that was stopped
/// half-way does not count). Projects are counted: they are written after the organisations
/// and the benchmark's sync adds grants only.
async fn holds(url: &str, data: &dataset::Dataset) -> bool {
    use sea_orm::ConnectionTrait;
    let Ok(store) = Store::connect(url).await else {
        return false;
    };
    let statement = sea_orm::Statement::from_string(
        store.connection().get_database_backend(),
        "SELECT count(*) FROM project",
    );
    let count = match store.connection().query_one_raw(statement).await {
        Ok(Some(row)) => row.try_get_by_index::<i64>(0).ok(),
        _ => None,
    };
    let _ = store.close().await;
    count == Some(data.projects.len() as i64)
}
