//! `panorama export`: the open-data files that `/export/…` serves, written into a folder.

use std::fmt;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::Utc;
use futures_util::TryStreamExt;
use panorama_api::export::{ExportFile, ExportOptions, chunks, datapackage};
use panorama_persistence::Store;

/// What an export wrote.
#[derive(Debug)]
pub struct ExportReport {
    /// Each data file with its number of records.
    pub files: Vec<(PathBuf, usize)>,
    pub datapackage: PathBuf,
    pub licence: String,
}

impl fmt::Display for ExportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (path, records) in &self.files {
            writeln!(f, "{}: {records} records", path.display())?;
        }
        write!(
            f,
            "{}: licence {}",
            self.datapackage.display(),
            self.licence
        )
    }
}

/// Writes the four data files and `datapackage.json` into `dir` (created if missing).
///
/// Each file is written under a temporary name and renamed when complete, and
/// `datapackage.json` comes last: a reader never sees half a file, and a folder with a
/// `datapackage.json` has all its files.
pub async fn write_open_data(
    store: &Store,
    dir: &Path,
    options: &ExportOptions,
) -> anyhow::Result<ExportReport> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let created = Utc::now();
    let mut files = Vec::new();
    for file in ExportFile::ALL {
        let path = dir.join(file.file_name());
        let records = write_file(store, file, &path, options.page_size)
            .await
            .with_context(|| format!("cannot write {}", path.display()))?;
        files.push((path, records));
    }
    let datapackage_path = dir.join("datapackage.json");
    let document = serde_json::to_vec_pretty(&datapackage(&options.licence, created))?;
    let written = PartialFile::create(&datapackage_path).and_then(|mut out| {
        out.write_all(&document)?;
        out.finish()
    });
    written.with_context(|| format!("cannot write {}", datapackage_path.display()))?;
    Ok(ExportReport {
        files,
        datapackage: datapackage_path,
        licence: options.licence.name.clone(),
    })
}

/// Streams one file to disk, a page at a time; returns how many records it holds.
async fn write_file(
    store: &Store,
    file: ExportFile,
    path: &Path,
    page_size: u32,
) -> anyhow::Result<usize> {
    // Plain blocking writes: this is a one-shot command with nothing else to serve, and each
    // write is one page.
    let mut out = PartialFile::create(path)?;
    let mut stream = chunks(store.clone(), file, page_size);
    let mut records = 0;
    while let Some(chunk) = stream.try_next().await? {
        out.write_all(&chunk.bytes)?;
        records += chunk.records;
    }
    out.finish()?;
    Ok(records)
}

/// A file written under a hidden name beside its own, renamed when finished; dropped
/// unfinished (on an error), the partial file is removed.
struct PartialFile {
    out: BufWriter<File>,
    partial: PathBuf,
    path: PathBuf,
    finished: bool,
}

impl PartialFile {
    fn create(path: &Path) -> std::io::Result<Self> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let partial = path.with_file_name(format!(".{name}.partial"));
        Ok(Self {
            out: BufWriter::new(File::create(&partial)?),
            partial,
            path: path.to_owned(),
            finished: false,
        })
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.out.write_all(bytes)
    }

    fn finish(mut self) -> std::io::Result<()> {
        self.out.flush()?;
        self.out.get_ref().sync_all()?;
        std::fs::rename(&self.partial, &self.path)?;
        self.finished = true;
        Ok(())
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}
