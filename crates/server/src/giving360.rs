//! `panorama export 360giving` and `panorama import 360giving FILE`: the registry's grants out
//! as a 360Giving package, and a package's grants in, as the operator (the system actor).
//!
//! The import has no size limit and writes in one transaction: a package is one publisher's
//! file, and it goes in whole or not at all, like the DSI4EU import. The whole file is read
//! (and every grant checked) before anything is written.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use panorama_api::giving360::Export;
use panorama_domain::giving360::{IncomingGrant, SOURCE, read_package};
use panorama_domain::model::{RecordMeta, RecordStatus, Source};
use panorama_domain::validation::{FieldError, SchemeList};
use panorama_persistence::giving::GrantImport;
use panorama_persistence::history::{Action, Author};
use panorama_persistence::sync::UpsertStatus;
use panorama_persistence::{Store, StoreError};

/// Why the import stopped. Nothing is written when it does.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not JSON: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{path} is {problem}")]
    NotAPackage { path: PathBuf, problem: String },
    #[error("{} grants of the package are refused; nothing was written:\n{}", .0.len(), problems(.0))]
    Refused(Vec<FieldError>),
    #[error("could not write the import: {0}")]
    Store(#[from] StoreError),
}

fn problems(list: &[FieldError]) -> String {
    let lines: Vec<String> = list.iter().map(|p| format!("  {p}")).collect();
    lines.join("\n")
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub grants_created: usize,
    pub grants_updated: usize,
    pub grants_unchanged: usize,
    pub organisations_created: usize,
    pub organisations_matched: usize,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "grants: {} created, {} updated, {} unchanged",
            self.grants_created, self.grants_updated, self.grants_unchanged
        )?;
        write!(
            f,
            "organisations: {} created, {} already in the registry",
            self.organisations_created, self.organisations_matched
        )
    }
}

/// Imports the package in `file`, published, as the system; legal identifiers of new
/// organisations are checked against `schemes`.
pub async fn import(
    store: &Store,
    file: &Path,
    schemes: &SchemeList,
) -> Result<ImportReport, ImportError> {
    let grants = read_file(file, schemes)?;
    let meta = RecordMeta::new(RecordStatus::Published, Source::Import(SOURCE.into()));
    let author = Author {
        subject: "system".to_owned(),
        partner: None,
    };
    let action = Action::new("IMPORT", &author);
    let how = GrantImport {
        meta: &meta,
        action: &action,
        schemes,
        funder: None,
        may_write: &|_, _| Ok(()),
        atomic: true,
    };
    let outcome = store.import_grants(&grants, &how).await?;
    let mut report = ImportReport {
        organisations_created: outcome.organisations_created,
        organisations_matched: outcome.organisations_matched,
        ..ImportReport::default()
    };
    let mut refused = Vec::new();
    for (index, grant) in outcome.grants.into_iter().enumerate() {
        match grant {
            Ok((UpsertStatus::Created, _)) => report.grants_created += 1,
            Ok((UpsertStatus::Updated, _)) => report.grants_updated += 1,
            Ok((UpsertStatus::Unchanged, _)) => report.grants_unchanged += 1,
            Err(problems) => refused.extend(at_index(index, problems)),
        }
    }
    if refused.is_empty() {
        Ok(report)
    } else {
        Err(ImportError::Refused(refused))
    }
}

/// The checked grants of the package in `file`, or every problem of every grant.
fn read_file(file: &Path, schemes: &SchemeList) -> Result<Vec<IncomingGrant>, ImportError> {
    let text = std::fs::read_to_string(file).map_err(|source| ImportError::Read {
        path: file.to_owned(),
        source,
    })?;
    let package = serde_json::from_str(&text).map_err(|source| ImportError::Parse {
        path: file.to_owned(),
        source,
    })?;
    let read = read_package(&package, schemes).map_err(|e| ImportError::NotAPackage {
        path: file.to_owned(),
        problem: e.message,
    })?;
    let mut grants = Vec::with_capacity(read.len());
    let mut refused = Vec::new();
    for (index, grant) in read.into_iter().enumerate() {
        match grant {
            Ok(grant) => grants.push(grant),
            Err(problems) => refused.extend(at_index(index, problems)),
        }
    }
    if refused.is_empty() {
        Ok(grants)
    } else {
        Err(ImportError::Refused(refused))
    }
}

/// Problems of one grant, at their paths in the package (`grants[3].currency`).
fn at_index(index: usize, problems: Vec<FieldError>) -> impl Iterator<Item = FieldError> {
    problems.into_iter().map(move |p| {
        let at = if p.field.is_empty() {
            String::new()
        } else {
            format!(".{}", p.field)
        };
        FieldError {
            field: format!("grants[{index}]{at}"),
            ..p
        }
    })
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportReport {
    pub written: usize,
    pub left_out: usize,
}

impl fmt::Display for ExportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} grants written", self.written)?;
        if self.left_out > 0 {
            write!(
                f,
                "; {} published grants left out (an organisation not published, or a currency \
                 the 360Giving code list lacks)",
                self.left_out
            )?;
        }
        Ok(())
    }
}

/// Writes the 360Giving package of the published grants to `output`, or to standard output.
/// A file appears only once it is complete: it is written beside it under another name first.
pub async fn export(store: &Store, output: Option<&Path>) -> anyhow::Result<ExportReport> {
    let mut export = Export::new(store.clone());
    let Some(path) = output else {
        write_pieces(&mut export, std::io::stdout()).await?;
        return Ok(report(&export));
    };
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let written = match std::fs::File::create(&partial) {
        Ok(file) => write_pieces(&mut export, file).await,
        Err(e) => Err(e.into()),
    };
    if let Err(error) = written.and_then(|()| Ok(std::fs::rename(&partial, path)?)) {
        let _ = std::fs::remove_file(&partial);
        return Err(error.context(format!("could not write {}", path.display())));
    }
    Ok(report(&export))
}

async fn write_pieces(export: &mut Export, out: impl Write) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    while let Some(piece) = export.next_piece().await? {
        out.write_all(piece.as_bytes())?;
    }
    out.flush()?;
    Ok(())
}

fn report(export: &Export) -> ExportReport {
    ExportReport {
        written: export.written,
        left_out: export.left_out,
    }
}
