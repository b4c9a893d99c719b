//! The server under test: the release `panorama` binary in its own process, as deployed.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};

pub struct Server {
    child: Child,
    pub base: String,
    binary: PathBuf,
    env: Vec<(String, String)>,
}

impl Server {
    /// Starts `binary serve` on `database_url` and waits until `/readyz` answers 200.
    ///
    /// Rate limits are off (one load tool on one address would exhaust an anonymous budget in
    /// seconds), and access logs are off (one line per request would measure the terminal).
    pub async fn start(binary: &Path, database_url: &str, work: &Path) -> anyhow::Result<Self> {
        let port = free_port()?;
        let env = vec![
            ("DATABASE_URL".to_owned(), database_url.to_owned()),
            ("PANORAMA_LISTEN".to_owned(), format!("127.0.0.1:{port}")),
            ("PANORAMA_LOAD_DEMO".to_owned(), "false".to_owned()),
            (
                "PANORAMA_RATE_LIMITS__ENABLED".to_owned(),
                "false".to_owned(),
            ),
            (
                "PANORAMA_AUTH__SIGNING_KEY_FILE".to_owned(),
                work.join("signing-key.pem").display().to_string(),
            ),
            ("RUST_LOG".to_owned(), "warn".to_owned()),
        ];
        let child = spawn(binary, &["serve"], &env)?;
        let server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            binary: binary.to_owned(),
            env,
        };
        server.wait_ready().await?;
        Ok(server)
    }

    async fn wait_ready(&self) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        for _ in 0..600 {
            let ready = client.get(format!("{}/readyz", self.base)).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("the server did not become ready within a minute")
    }

    /// Runs another `panorama` command on the same database (partner accounts); its output.
    pub fn command(&self, args: &[&str]) -> anyhow::Result<String> {
        let output = Command::new(&self.binary)
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()?;
        if !output.status.success() {
            bail!(
                "panorama {args:?} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// The most resident memory the server has used so far (Linux's `VmHWM`), in MiB.
    pub fn peak_memory_mib(&self) -> Option<f64> {
        self.memory_mib("VmHWM:")
    }

    /// The resident memory the server uses now (Linux's `VmRSS`), in MiB.
    pub fn resident_memory_mib(&self) -> Option<f64> {
        self.memory_mib("VmRSS:")
    }

    fn memory_mib(&self, field: &str) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with(field))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }

    /// `panorama_sql_statements_per_request` for `/graphql` so far: (sum, count).
    pub async fn statement_totals(&self) -> anyhow::Result<(f64, f64)> {
        let (sum, count) = (
            "panorama_sql_statements_per_request_sum{route=\"/graphql\"}",
            "panorama_sql_statements_per_request_count{route=\"/graphql\"}",
        );
        let figures = self.metrics(&[sum, count]).await?;
        Ok((figures[0], figures[1]))
    }

    /// The builds of the published network so far: seconds a build on average, and how many.
    pub async fn network_builds(&self) -> anyhow::Result<(f64, f64)> {
        let figures = self
            .metrics(&[
                "panorama_network_snapshot_build_seconds_sum",
                "panorama_network_snapshot_build_seconds_count",
            ])
            .await?;
        Ok((figures[0] / figures[1].max(1.0), figures[1]))
    }

    /// The values of the metric series named (name and labels as /metrics writes them); 0
    /// for a series not there yet.
    async fn metrics(&self, series: &[&str]) -> anyhow::Result<Vec<f64>> {
        let text = reqwest::get(format!("{}/metrics", self.base))
            .await?
            .text()
            .await?;
        let value = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
                .and_then(|v| v.trim().parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        Ok(series.iter().map(|name| value(name)).collect())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(binary: &Path, args: &[&str], env: &[(String, String)]) -> anyhow::Result<Child> {
    Command::new(binary)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}
