//! The outside tools the benchmark drives: oha (HTTP load) and pgbench (raw SQL load).

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};
use serde::Serialize;
use serde_json::Value;

/// What a load tool measured over one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Load {
    pub requests_per_sec: f64,
    /// Milliseconds; pgbench reports only the mean, so its percentiles are `None`.
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub mean_ms: f64,
    pub requests: u64,
}

/// `oha` POSTing `body` to `url` from `connections` connections for `seconds`. Fails if any
/// answer is not a 200, since a fast error is not a result.
pub fn oha(url: &str, body: &str, connections: u32, seconds: u32) -> anyhow::Result<Load> {
    let output = Command::new("oha")
        .args(["--no-tui", "--output-format", "json", "-w", "-m", "POST"])
        .args(["-H", "content-type: application/json"])
        .args(["-c", &connections.to_string(), "-z", &format!("{seconds}s")])
        .args(["-d", body, url])
        .output()
        .context("cannot run oha (cargo install oha)")?;
    if !output.status.success() {
        bail!("oha failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let report: Value = serde_json::from_slice(&output.stdout)?;
    let statuses = &report["statusCodeDistribution"];
    let total: u64 = statuses
        .as_object()
        .map(|m| m.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    let ok = statuses["200"].as_u64().unwrap_or(0);
    if total == 0 || ok != total {
        bail!(
            "oha saw answers other than 200: {statuses} {}",
            report["errorDistribution"]
        );
    }
    let seconds_to_ms = |v: &Value| v.as_f64().map(|s| s * 1000.0);
    Ok(Load {
        requests_per_sec: report["summary"]["requestsPerSec"].as_f64().unwrap_or(0.0),
        p50_ms: seconds_to_ms(&report["latencyPercentiles"]["p50"]),
        p99_ms: seconds_to_ms(&report["latencyPercentiles"]["p99"]),
        mean_ms: seconds_to_ms(&report["summary"]["average"]).unwrap_or(0.0),
        requests: total,
    })
}

/// `pgbench` running the SQL of `script` as one transaction, from `connections` clients for
/// `seconds`, against `database_url`.
pub fn pgbench(
    database_url: &str,
    script: &Path,
    connections: u32,
    seconds: u32,
) -> anyhow::Result<Load> {
    let output = Command::new("pgbench")
        .args(["-n", "-c", &connections.to_string(), "-j", "2"])
        .args(["-T", &seconds.to_string(), "-f"])
        .arg(script)
        .arg(database_url)
        .output()
        .context("cannot run pgbench (Debian's postgresql-client)")?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "pgbench failed: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let figure = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
    };
    Ok(Load {
        requests_per_sec: figure("tps = ").context("pgbench printed no tps")?,
        p50_ms: None,
        p99_ms: None,
        mean_ms: figure("latency average = ").unwrap_or(0.0),
        requests: figure("number of transactions actually processed: ").unwrap_or(0.0) as u64,
    })
}
