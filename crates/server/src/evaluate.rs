//! `panorama evaluate suggestions`: how well collaboration suggestions find ties that exist,
//! measured on the published data of the database (e.g. the DSI4EU import). For each seed, a
//! random 20% of the tied pairs is hidden, every organisation that lost a tie asks for
//! suggestions from what remains, and recall@10 and MRR say how high its hidden partners come,
//! beside a random order and the most connected first. All in memory with the domain's scorer.

use std::collections::HashMap;
use std::fmt;

use panorama_domain::evaluation::{
    Figures, Method, ProjectTerms, Split, SplitMix64, evaluate, hide_projects, hide_ties,
    profiles_from_projects,
};
use panorama_domain::network::Graph;
use panorama_domain::suggest::{Profile, Weights};
use panorama_persistence::Store;
use uuid::Uuid;

/// What is hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Protocol {
    /// A random 20% of the tied pairs.
    Pairs,
    /// A random 20% of the shared projects, with every tie through them (a pair also tied
    /// otherwise stays): the harder test, since a hidden project leaves no common partner.
    Projects,
}

impl Protocol {
    fn split(self, graph: &Graph, seed: u64) -> Split {
        let rng = &mut SplitMix64::new(seed);
        match self {
            Self::Pairs => hide_ties(graph, HIDDEN_SHARE, rng),
            Self::Projects => hide_projects(graph, HIDDEN_SHARE, rng),
        }
    }

    fn hidden(self) -> &'static str {
        match self {
            Self::Pairs => "of the tied pairs",
            Self::Projects => "of the shared projects",
        }
    }
}

/// The share of tied pairs (or projects) hidden.
pub const HIDDEN_SHARE: f64 = 0.2;
/// Recall is counted among the first `K` suggestions.
pub const K: usize = 10;

/// The methods compared, by name.
fn methods() -> Vec<(&'static str, Method)> {
    // The DSI4EU export classifies projects only, so an organisation's focus, technologies and
    // areas are those of its projects: two organisations that share a hidden project share its
    // areas. The second line leaves those terms out to show what remains without that help.
    let without_project_terms = Weights {
        focus: 0.0,
        technologies: 0.0,
        impact_areas: 0.0,
        ..Weights::default()
    };
    vec![
        (
            "suggestions (all terms)",
            Method::Suggestions(Weights::default()),
        ),
        (
            "suggestions (no focus/technology/area terms)",
            Method::Suggestions(without_project_terms),
        ),
        ("random", Method::Random),
        ("most connected first", Method::MostConnected),
    ]
}

/// One method's figures over the seeds.
#[derive(Debug, Clone)]
pub struct Row {
    pub method: &'static str,
    pub runs: Vec<Figures>,
}

impl Row {
    fn mean(&self, figure: impl Fn(&Figures) -> f64) -> f64 {
        self.runs.iter().map(&figure).sum::<f64>() / self.runs.len().max(1) as f64
    }

    fn range(&self, figure: impl Fn(&Figures) -> f64) -> (f64, f64) {
        let values = self.runs.iter().map(figure);
        values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        })
    }
}

/// The evaluation's figures, printed as a Markdown table.
#[derive(Debug, Clone)]
pub struct Report {
    pub protocol: Protocol,
    pub organisations: usize,
    pub pairs: usize,
    pub seeds: u64,
    pub rows: Vec<Row>,
}

/// When whole projects are hidden, what rebuilds the organisations' focus, technologies and
/// areas from their visible projects only (in the DSI4EU export an organisation's terms are
/// its projects'): then a hidden project lends its terms to nobody.
enum ProjectData {
    Unused,
    Loaded {
        memberships: Vec<(Uuid, Uuid)>,
        terms: HashMap<Uuid, ProjectTerms>,
    },
}

impl ProjectData {
    async fn load(store: &Store, protocol: Protocol) -> anyhow::Result<Self> {
        Ok(match protocol {
            Protocol::Pairs => Self::Unused,
            Protocol::Projects => Self::Loaded {
                memberships: store.published_participations().await?,
                terms: store.project_terms().await?,
            },
        })
    }

    fn profiles(&self, profiles: &HashMap<Uuid, Profile>, split: &Split) -> HashMap<Uuid, Profile> {
        match self {
            Self::Unused => profiles.clone(),
            Self::Loaded { memberships, terms } => {
                profiles_from_projects(profiles, memberships, terms, &split.hidden_projects)
            }
        }
    }
}

/// Evaluates the suggestions on the published organisations of `store` over seeds `1..=seeds`,
/// hiding what `protocol` says.
pub async fn suggestions(store: &Store, seeds: u64, protocol: Protocol) -> anyhow::Result<Report> {
    let graph = store.published_graph().await?;
    let profiles = store.organisation_profiles(&graph).await?;
    let projects = ProjectData::load(store, protocol).await?;
    let mut rows: Vec<Row> = methods()
        .into_iter()
        .map(|(method, _)| Row {
            method,
            runs: Vec::new(),
        })
        .collect();
    for seed in 1..=seeds {
        let split = protocol.split(&graph.graph, seed);
        let profiles = projects.profiles(&profiles, &split);
        for (row, (_, method)) in rows.iter_mut().zip(methods()) {
            // The random baseline's order comes from its own stream of the same seed.
            let mut order = SplitMix64::new(seed.wrapping_mul(0x5851_F42D_4C95_7F2D));
            row.runs
                .push(evaluate(&split, &profiles, &method, K, &mut order));
        }
    }
    Ok(Report {
        protocol,
        organisations: graph.graph.len(),
        pairs: graph.graph.pair_count(),
        seeds,
        rows,
    })
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let queries = self
            .rows
            .first()
            .map_or(0.0, |r| r.mean(|x| x.queries as f64));
        writeln!(
            f,
            "{} organisations, {} tied pairs; {:.0}% {} hidden, seeds 1 to {}; about {:.0} \
             organisations lost a tie per seed\n",
            self.organisations,
            self.pairs,
            HIDDEN_SHARE * 100.0,
            self.protocol.hidden(),
            self.seeds,
            queries
        )?;
        writeln!(f, "| method | recall@{K} (min–max) | MRR (min–max) |")?;
        writeln!(f, "| --- | --- | --- |")?;
        for row in &self.rows {
            let recall = |x: &Figures| x.recall_at_k;
            let mrr = |x: &Figures| x.mrr;
            let (r_lo, r_hi) = row.range(recall);
            let (m_lo, m_hi) = row.range(mrr);
            writeln!(
                f,
                "| {} | {:.3} ({r_lo:.3}–{r_hi:.3}) | {:.3} ({m_lo:.3}–{m_hi:.3}) |",
                row.method,
                row.mean(recall),
                row.mean(mrr),
            )?;
        }
        Ok(())
    }
}
