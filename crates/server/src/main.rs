//! `panorama`: serves the API, or runs one operator command (migrate, import, export, evaluate,
//! schema).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use panorama_server::app;
use panorama_server::config::{LogFormat, Settings};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "panorama",
    version,
    about = "The open registry of the digital social innovation ecosystem"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the GraphQL API (the default).
    Serve,
    /// Create or update the database schema, then exit.
    Migrate,
    /// Load data from another system.
    Import {
        #[command(subcommand)]
        source: ImportSource,
    },
    /// Write published data to files: by default the open-data exports (JSON Lines and CSV of
    /// organisations and projects, with datapackage.json), as served under /export/.
    Export {
        #[command(subcommand)]
        format: Option<ExportFormat>,
        /// The folder to write the open-data files into (created if missing).
        #[arg(long, value_name = "DIR", default_value = ".", global = true)]
        dir: PathBuf,
    },
    /// Manage partner accounts and their API clients.
    Partner {
        #[command(subcommand)]
        command: panorama_server::partner::PartnerCommand,
    },
    /// Measure how well the suggestions work on the data of the database.
    Evaluate {
        #[command(subcommand)]
        what: Evaluation,
    },
    /// Print the GraphQL schema (SDL); `panorama schema > schema.graphql` rewrites the committed one.
    Schema,
}

#[derive(Subcommand)]
enum ImportSource {
    /// The 2017 export of digitalsocial.eu (DSI4EU). Running it twice adds nothing the second time.
    Dsi4eu {
        #[arg(long, value_name = "FILE")]
        organisations: PathBuf,
        #[arg(long, value_name = "FILE")]
        projects: PathBuf,
    },
    /// A 360Giving package (JSON) of grants, with their funders and recipients. Running it
    /// twice writes nothing the second time.
    #[command(name = "360giving")]
    ThreeSixtyGiving {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum Evaluation {
    /// Hide a random 20% of the tied pairs (or shared projects) of published organisations, ask
    /// for suggestions from the rest, and print recall@10 and MRR beside a random order and the most connected first.
    Suggestions {
        /// How many random splits (seeds 1 to N).
        #[arg(long, default_value_t = 5)]
        seeds: u64,
        /// What to hide: tied pairs, or whole shared projects.
        #[arg(long, value_enum, default_value = "pairs")]
        hide: panorama_server::evaluate::Protocol,
    },
}

#[derive(Subcommand)]
enum ExportFormat {
    /// organisations.jsonl, organisations.csv, projects.jsonl, projects.csv and
    /// datapackage.json, in `--dir` (the default).
    OpenData,
    /// The published grants as a 360Giving package (JSON).
    #[command(name = "360giving")]
    ThreeSixtyGiving {
        /// Where to write it; standard output if left out.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Schema) = cli.command {
        print!("{}", panorama_api::build_schema().sdl());
        return Ok(());
    }
    let settings = Settings::load()?;
    init_logging(settings.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            app::open_store(settings.database_url(), false).await?;
            tracing::info!("database is up to date");
            Ok(())
        }
        Command::Import {
            source:
                ImportSource::Dsi4eu {
                    organisations,
                    projects,
                },
        } => {
            let store = app::open_store(settings.database_url(), false).await?;
            let report = panorama_server::import::dsi4eu::import(&store, &organisations, &projects)
                .await
                .context("DSI4EU import failed; nothing was written")?;
            println!("{report}");
            Ok(())
        }
        Command::Import {
            source: ImportSource::ThreeSixtyGiving { file },
        } => {
            let schemes = app::org_id_schemes(settings.org_id_lists_file.as_deref())?;
            let store = app::open_store(settings.database_url(), false).await?;
            let report = panorama_server::giving360::import(&store, &file, &schemes)
                .await
                .context("360Giving import failed; nothing was written")?;
            println!("{report}");
            Ok(())
        }
        Command::Export { format, dir } => {
            let store = app::open_store(settings.database_url(), false).await?;
            match format.unwrap_or(ExportFormat::OpenData) {
                ExportFormat::OpenData => {
                    let options = settings
                        .export_options()
                        .context("settings export_licence / export_licence_url")?;
                    let report =
                        panorama_server::export::write_open_data(&store, &dir, &options).await?;
                    println!("{report}");
                }
                ExportFormat::ThreeSixtyGiving { output } => {
                    let report =
                        panorama_server::giving360::export(&store, output.as_deref()).await?;
                    eprintln!("{report}");
                }
            }
            Ok(())
        }
        Command::Partner { command } => {
            let store = app::open_store(settings.database_url(), false).await?;
            panorama_server::partner::run(&store, command).await
        }
        Command::Evaluate {
            what: Evaluation::Suggestions { seeds, hide },
        } => {
            let store = app::open_store(settings.database_url(), false).await?;
            let report = panorama_server::evaluate::suggestions(&store, seeds, hide).await?;
            println!("{report}");
            Ok(())
        }
        Command::Schema => Ok(()),
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let options = settings.api_options()?;
    let schemes = app::org_id_schemes(settings.org_id_lists_file.as_deref())?;
    let store = app::open_store_with(
        settings.database_url(),
        settings.load_demo,
        &settings.store_options(),
    )
    .await?;
    let auth = panorama_server::auth::auth_state(&settings.auth, settings.database_url()).await?;
    let webhooks = settings.webhook_options();
    let running = app::start(store, settings.listen, options, auth, schemes, webhooks).await?;
    tracing::info!(
        "serving GraphQL at http://{}/graphql (GraphiQL in a browser)",
        running.addr
    );
    shutdown_signal().await;
    tracing::info!("shutting down: finishing requests in flight and background work");
    let store = running.store.clone();
    running.stop().await?;
    store.close().await?;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
