//! The ecosystem figures on the whole registry: how long reading the published network takes
//! (the snapshot the figures come from), how fast the figures come back from it for the whole
//! registry and for a filter, and how long after a change they show it.

use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use serde::Serialize;
use serde_json::{Value, json};

use crate::Args;
use crate::scenarios::{partner_token, post};
use crate::server::Server;
use crate::tools::{self, Load};

/// Every figure `ecosystemStats` has, as a dashboard would ask for them.
const STATS: &str = "query Stats($filter: OrganisationFilterInput) { ecosystemStats(filter: $filter) { \
    asOf \
    organisations { total organisationTypes { value count share } sizes { value count share } \
      countries { value count share } focus { value count share shareOfMentions } \
      technologies { value count share } impactAreas { value count share } } \
    projects { total countries { value count } focus { value count } \
      technologies { value count } impactAreas { value count } } \
    ties { sharedProjects links grants support pairs } \
    linked { count share } linkedToOwnType { count share } \
    components { count sizes isolated } \
    centralByDegree(first: 10) { degree betweenness organisation { name } } \
    centralByBetweenness(first: 10) { degree betweenness organisation { name } } \
    betweennessMethod { exact sources tiedOrganisations } } }";

/// The filtered selection: the organisations of one country.
const COUNTRY: &str = "GB";

#[derive(Debug, Serialize)]
pub struct InsightFigures {
    /// Seconds to read the published network and compute its figures (the builds so far,
    /// on average).
    pub build_seconds: f64,
    pub builds: f64,
    /// One client asking for every figure of the whole registry, again and again.
    pub whole: Load,
    pub betweenness_sources: u64,
    pub tied_organisations: u64,
    /// The same for the organisations of [`COUNTRY`].
    pub filtered: Load,
    pub filtered_organisations: u64,
    /// The first request after a change (answered from the network read before it).
    pub after_change_ms: f64,
    /// From the change to the first answer that shows it.
    pub shown_after_ms: f64,
    /// The server's resident memory once the first snapshot is built and answered from, and
    /// the most it held until then (MiB): what the snapshot keeps, and what building it took.
    pub resident_after_first_build_mib: Option<f64>,
    pub peak_until_first_answer_mib: Option<f64>,
}

pub async fn measure(args: &Args, server: &Server) -> anyhow::Result<InsightFigures> {
    let graphql = format!("{}/graphql", server.base);
    let client = reqwest::Client::new();
    let whole_body = stats_body(None);
    // The first answer waits for the first build if the server's own has not finished.
    let whole = post(&client, &graphql, whole_body.clone(), None).await?;
    let method = &whole["ecosystemStats"]["betweennessMethod"];
    eprintln!("ecosystemStats: {}", whole["ecosystemStats"]["ties"]);
    let filter_body = stats_body(Some(json!({ "countries": [COUNTRY] })));
    let filtered = post(&client, &graphql, filter_body.clone(), None).await?;
    let resident_after_first_build_mib = server.resident_memory_mib();
    let peak_until_first_answer_mib = server.peak_memory_mib();
    let (build_seconds, builds) = server.network_builds().await?;
    let change = change_shown(server, &client, &graphql).await?;
    Ok(InsightFigures {
        build_seconds,
        builds,
        whole: tools::oha(&graphql, &whole_body, 1, args.duration)?,
        betweenness_sources: method["sources"].as_u64().unwrap_or_default(),
        tied_organisations: method["tiedOrganisations"].as_u64().unwrap_or_default(),
        filtered: tools::oha(&graphql, &filter_body, 1, args.duration)?,
        filtered_organisations: filtered["ecosystemStats"]["organisations"]["total"]
            .as_u64()
            .unwrap_or_default(),
        after_change_ms: change.0,
        shown_after_ms: change.1,
        resident_after_first_build_mib,
        peak_until_first_answer_mib,
    })
}

fn stats_body(filter: Option<Value>) -> String {
    json!({ "query": STATS, "variables": { "filter": filter } }).to_string()
}

/// A funder awards a grant to an organisation it was not tied to: how long the next figures
/// take (ms), and how long until the figures show the new tie (ms).
async fn change_shown(
    server: &Server,
    client: &reqwest::Client,
    graphql: &str,
) -> anyhow::Result<(f64, f64)> {
    let run = chrono::Utc::now().timestamp();
    let token = partner_token(server, run).await?;
    let funder = organisation_id(client, graphql, "org-0").await?;
    let recipient = untied_to(client, graphql, &funder).await?;
    let as_of = |data: &Value| data["ecosystemStats"]["asOf"].as_str().map(str::to_owned);
    let probe = |recipient: &str| {
        json!({
            "query": "query Probe($a: ID!, $b: ID!) { ecosystemStats { asOf ties { pairs } } \
                      path(from: $a, to: $b, maxLength: 1) { organisations { id } } }",
            "variables": { "a": funder, "b": recipient },
        })
        .to_string()
    };
    let before = post(client, graphql, probe(&recipient), None).await?;
    let grant = json!({
        "query": "mutation Award($input: UpsertGrantsInput!) { upsertGrants(input: $input) { \
                  results { status } userErrors { message } } }",
        "variables": { "input": { "records": [{
            "externalId": format!("bench-insights-{run}"),
            "identifier": format!("360G-bench-insights-{run}"),
            "title": "A grant that ties two organisations",
            "amountAwarded": { "amount": "5000", "currency": "EUR" },
            "awardDate": "2025-06-01",
            "recipientId": recipient,
        }] } },
    });
    let awarded = post(client, graphql, grant.to_string(), Some(&token)).await?;
    ensure!(
        awarded["upsertGrants"]["results"][0]["status"] == "CREATED",
        "the grant was not created: {awarded}"
    );
    let changed = Instant::now();
    post(client, graphql, probe(&recipient), None).await?;
    let after_change_ms = changed.elapsed().as_secs_f64() * 1000.0;
    loop {
        let now = post(client, graphql, probe(&recipient), None).await?;
        if !now["path"].is_null() {
            ensure!(
                as_of(&now) != as_of(&before),
                "the tie shows but asOf did not move"
            );
            return Ok((after_change_ms, changed.elapsed().as_secs_f64() * 1000.0));
        }
        ensure!(
            changed.elapsed() < Duration::from_secs(300),
            "five minutes after the change the figures still do not show it"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn organisation_id(
    client: &reqwest::Client,
    graphql: &str,
    slug: &str,
) -> anyhow::Result<String> {
    let body = json!({
        "query": "query One($slug: String!) { organisation(slug: $slug) { id } }",
        "variables": { "slug": slug },
    });
    let data = post(client, graphql, body.to_string(), None).await?;
    data["organisation"]["id"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no organisation {slug}"))
}

/// An organisation of the listing's second page (the benchmark's sync gives grants to the
/// first) that `funder` is not tied to.
async fn untied_to(
    client: &reqwest::Client,
    graphql: &str,
    funder: &str,
) -> anyhow::Result<String> {
    let page = |after: Option<&str>| {
        json!({
            "query": "query Page($after: String) { organisations(first: 100, after: $after) { \
                      pageInfo { endCursor } nodes { id } } }",
            "variables": { "after": after },
        })
        .to_string()
    };
    let first = post(client, graphql, page(None), None).await?;
    let after = first["organisations"]["pageInfo"]["endCursor"].as_str();
    let data = post(client, graphql, page(after), None).await?;
    for candidate in data["organisations"]["nodes"]
        .as_array()
        .context("no organisations")?
    {
        let id = candidate["id"].as_str().context("no id")?;
        let body = json!({
            "query": "query Tied($a: ID!, $b: ID!) { path(from: $a, to: $b, maxLength: 1) { \
                      organisations { id } } }",
            "variables": { "a": funder, "b": id },
        });
        if post(client, graphql, body.to_string(), None).await?["path"].is_null() {
            return Ok(id.to_owned());
        }
    }
    anyhow::bail!("the funder is tied to every organisation of the page")
}

impl InsightFigures {
    pub fn markdown(&self) -> String {
        let row = |name: &str, load: &Load| {
            format!(
                "| {name} | {:.1} | {} | {} |\n",
                load.requests_per_sec,
                crate::scenarios::ms(load.p50_ms),
                crate::scenarios::ms(load.p99_ms)
            )
        };
        let mut out = String::from(
            "\n| ecosystemStats, every figure, one client | req/s | p50 ms | p99 ms |\n|---|---:|---:|---:|\n",
        );
        out += &row("whole registry", &self.whole);
        out += &row(
            &format!(
                "organisations in {COUNTRY} ({})",
                self.filtered_organisations
            ),
            &self.filtered,
        );
        out += &format!(
            "\n- reading the published network and its figures: {:.1} s a build ({} builds); \
             betweenness from {} of {} tied organisations\n",
            self.build_seconds, self.builds, self.betweenness_sources, self.tied_organisations
        );
        out += &format!(
            "- after a change: the next answer in {:.0} ms; the change shown after {:.1} s\n",
            self.after_change_ms,
            self.shown_after_ms / 1000.0
        );
        let mib = |m: Option<f64>| m.map_or("?".to_owned(), |m| format!("{m:.0}"));
        out += &format!(
            "- server memory once the first snapshot answers: {} MiB resident, {} MiB at the \
             most while it was built\n",
            mib(self.resident_after_first_build_mib),
            mib(self.peak_until_first_answer_mib)
        );
        out
    }
}
