//! Importers: commands that load another system's data into the registry.
//!
//! Each importer reads its whole input before it writes anything, writes in one transaction, and
//! remembers the source's ids (table `external_id`), so that running it again adds only what is
//! new. What it cannot take over is refused or dropped and listed in its report, never guessed.

pub mod dsi4eu;
