//! `--migration-dir`: a folder of Diesel-layout migrations read at run time.
//!
//! Diesel's `FileBasedMigrations` lists every migration folder and stats
//! each file in it, which made a no-op run over 1000 migrations spend most
//! of its time in directory scans; this source reads the three files of each
//! migration directly and keeps their text for checksums.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use diesel::connection::BoxableConnection;
use diesel::migration::{
    Migration, MigrationMetadata, MigrationName, MigrationSource, MigrationVersion,
};
use serde::Deserialize;

use crate::engine::Db;
use crate::error::{Error, Result};

/// One migration folder: `up.sql`, optional `down.sql` and `metadata.toml`.
#[derive(Debug)]
struct SqlMigration {
    dir_name: String,
    version: String,
    up: String,
    down: Option<String>,
    metadata: Metadata,
}

/// Diesel's `metadata.toml`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default)]
struct Metadata {
    run_in_transaction: bool,
}

impl Default for Metadata {
    fn default() -> Self {
        Metadata {
            run_in_transaction: true,
        }
    }
}

impl MigrationMetadata for Metadata {
    fn run_in_transaction(&self) -> bool {
        self.run_in_transaction
    }
}

impl fmt::Display for SqlMigration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.dir_name)
    }
}

impl MigrationName for SqlMigration {
    fn version(&self) -> MigrationVersion<'_> {
        MigrationVersion::from(self.version.as_str())
    }
}

/// Shares one read of the files between the catalog and the runner.
struct Shared(Arc<SqlMigration>);

impl Migration<Db> for Shared {
    fn run(&self, conn: &mut dyn BoxableConnection<Db>) -> diesel::migration::Result<()> {
        Ok(conn.batch_execute(&self.0.up)?)
    }

    fn revert(&self, conn: &mut dyn BoxableConnection<Db>) -> diesel::migration::Result<()> {
        match &self.0.down {
            Some(down) => Ok(conn.batch_execute(down)?),
            None => Err(format!("migration {} has no down.sql", self.0).into()),
        }
    }

    fn metadata(&self) -> &dyn MigrationMetadata {
        &self.0.metadata
    }

    fn name(&self) -> &dyn MigrationName {
        &*self.0
    }
}

/// Every migration folder of a directory, sorted by name.
pub struct DirSource {
    migrations: Vec<Arc<SqlMigration>>,
}

impl DirSource {
    pub fn read(root: &Path) -> Result<DirSource> {
        let unreadable = |path: &Path, e: std::io::Error| {
            Error::Catalog(format!("cannot read {}: {e}", path.display()))
        };
        let mut migrations = Vec::new();
        for item in std::fs::read_dir(root).map_err(|e| unreadable(root, e))? {
            let item = item.map_err(|e| unreadable(root, e))?;
            let dir_name = item.file_name().to_string_lossy().into_owned();
            let dir = item.path();
            // `Path::is_dir` follows symlinks, as Diesel's own scan does.
            if dir_name.starts_with('.') || !dir.is_dir() {
                continue;
            }
            let read = |file: &str| match std::fs::read_to_string(dir.join(file)) {
                Ok(text) => Ok(Some(text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(unreadable(&dir.join(file), e)),
            };
            let up = read("up.sql")?
                .ok_or_else(|| Error::Catalog(format!("{} has no up.sql", dir.display())))?;
            let metadata = match read("metadata.toml")? {
                Some(text) => toml::from_str(&text).map_err(|e| {
                    Error::Catalog(format!("{}/metadata.toml is not valid: {e}", dir.display()))
                })?,
                None => Metadata::default(),
            };
            migrations.push(Arc::new(SqlMigration {
                // Diesel's rule: the version is the name up to the first `_`, dashes dropped.
                version: dir_name
                    .split('_')
                    .next()
                    .unwrap_or_default()
                    .replace('-', ""),
                down: read("down.sql")?,
                dir_name,
                up,
                metadata,
            }));
        }
        migrations.sort_by(|a, b| a.dir_name.cmp(&b.dir_name));
        Ok(DirSource { migrations })
    }

    pub fn is_empty(&self) -> bool {
        self.migrations.is_empty()
    }
}

impl MigrationSource<Db> for DirSource {
    fn migrations(&self) -> diesel::migration::Result<Vec<Box<dyn Migration<Db>>>> {
        Ok(self
            .migrations
            .iter()
            .map(|m| Box::new(Shared(Arc::clone(m))) as Box<dyn Migration<Db>>)
            .collect())
    }
}

impl DirSource {
    /// The text of `file` (up.sql or down.sql) of the migration folder
    /// `migration_dir`.
    pub fn text(&self, migration_dir: &str, file: &str) -> Option<String> {
        let index = self
            .migrations
            .binary_search_by(|m| m.dir_name.as_str().cmp(migration_dir))
            .ok()?;
        let migration = &self.migrations[index];
        match file {
            "up.sql" => Some(migration.up.clone()),
            "down.sql" => migration.down.clone(),
            _ => None,
        }
    }
}
