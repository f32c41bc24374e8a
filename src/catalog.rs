//! What migrations exist: the embedded BuildXpert sets (or any Diesel
//! `MigrationSource`), joined with `migrations/manifest.toml` — which ones are
//! optional and which earlier ones each needs — and each `up.sql`'s checksum.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use diesel::migration::{Migration, MigrationSource};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use include_dir::{Dir, include_dir};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::config::{Backend, ByBackend};
use crate::directory::DirSource;
use crate::engine::Db;
use crate::error::{Error, Result};

/// What runs: Diesel's embedded sets, one per backend.
pub static POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
pub static SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// The same files as text, for checksums, dry runs and `--verbose`
/// (Diesel's embedded migrations do not expose their SQL).
pub(crate) static POSTGRES_SQL: Dir<'static> =
    include_dir!("$CARGO_MANIFEST_DIR/migrations/postgres");
static SQLITE_SQL: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/migrations/sqlite");

/// Each backend's embedded set and its files.
static EMBEDDED: ByBackend<(&EmbeddedMigrations, &Dir<'static>)> = ByBackend {
    postgres: (&POSTGRES_MIGRATIONS, &POSTGRES_SQL),
    sqlite: (&SQLITE_MIGRATIONS, &SQLITE_SQL),
};

/// The declarations shared by both sets.
pub(crate) const BUILDXPERT_MANIFEST: &str = include_str!("../migrations/manifest.toml");

/// One migration's declaration in a manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Declared {
    name: String,
    /// What the Node.js runner records as the migration's `name`.
    title: Option<String>,
    description: Option<String>,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    needs: Vec<String>,
}

/// Which migrations are optional and what each needs, keyed by version.
/// A migration the manifest does not mention is required and needs nothing.
#[derive(Debug, Clone, Default)]
pub(crate) struct Manifest {
    declared: BTreeMap<String, Declared>,
}

impl Manifest {
    pub fn parse(text: &str) -> Result<Manifest> {
        let declared = toml::from_str(text)
            .map_err(|e| Error::Catalog(format!("manifest.toml is not valid: {e}")))?;
        Ok(Manifest { declared })
    }
}

/// Where the SQL text of a set's migrations can be read (Diesel's
/// migrations do not expose it).
pub(crate) trait SqlText {
    fn sql(&self, migration_dir: &str, file: &str) -> Option<String>;
}

impl SqlText for Dir<'static> {
    fn sql(&self, migration_dir: &str, file: &str) -> Option<String> {
        self.get_file(format!("{migration_dir}/{file}"))
            .and_then(|f| f.contents_utf8())
            .map(str::to_string)
    }
}

impl SqlText for DirSource {
    fn sql(&self, migration_dir: &str, file: &str) -> Option<String> {
        self.text(migration_dir, file)
    }
}

/// One migration, with everything the planner, runner and reports need.
pub struct Entry {
    /// Diesel's version: the directory name up to the first `_` ("001").
    pub version: String,
    /// The rest of the directory name ("create_core_tables").
    pub name: String,
    /// The human title the `migrations` table records ("Create Core Tables").
    pub title: String,
    pub description: Option<String>,
    pub optional: bool,
    /// Versions that must be applied before this one.
    pub needs: Vec<String>,
    /// SHA-256 of `up.sql`, line endings and BOM normalised.
    pub checksum: String,
    pub up_sql: String,
    pub down_sql: Option<String>,
    /// Tables its down.sql drops: the ones this migration owns.
    pub tables: Vec<String>,
    pub in_transaction: bool,
    pub migration: Box<dyn Migration<Db>>,
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.version, self.name)
    }
}

/// Every known migration, sorted by version.
pub struct Catalog {
    entries: Vec<Entry>,
}

impl Catalog {
    /// The BuildXpert set compiled into this binary for `backend`.
    pub fn embedded(backend: Backend) -> Result<Catalog> {
        let manifest = Manifest::parse(BUILDXPERT_MANIFEST)?;
        let (migrations, files) = EMBEDDED.get(backend);
        Self::load(*migrations, *files, &manifest)
    }

    /// A migrations directory on disk (Diesel's layout); declarations come
    /// from `manifest.toml` inside it when present.
    pub(crate) fn from_dir(dir: &Path) -> Result<Catalog> {
        if !dir.is_dir() {
            return Err(Error::Usage(format!(
                "--migration-dir {} is not a directory",
                dir.display()
            )));
        }
        let source = DirSource::read(dir)?;
        if source.is_empty() {
            return Err(Error::Usage(format!(
                "--migration-dir {} holds no migration folders (NNN_name/up.sql); check the path",
                dir.display()
            )));
        }
        let manifest_path = dir.join("manifest.toml");
        let manifest = match std::fs::read_to_string(&manifest_path) {
            Ok(text) => Manifest::parse(&text)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest::default(),
            Err(e) => {
                return Err(Error::Catalog(format!(
                    "cannot read {}: {e}",
                    manifest_path.display()
                )));
            }
        };
        Self::load(&source, &source, &manifest)
    }

    /// Joins any Diesel migration source with its SQL text and declarations.
    pub(crate) fn load(
        source: &dyn MigrationSource<Db>,
        text: &dyn SqlText,
        manifest: &Manifest,
    ) -> Result<Catalog> {
        let migrations = source
            .migrations()
            .map_err(|e| Error::Catalog(format!("cannot list migrations: {e}")))?;
        let mut entries = Vec::with_capacity(migrations.len());
        for migration in migrations {
            let dir_name = migration.name().to_string();
            let version = migration.name().version().to_string();
            let name = dir_name
                .split_once('_')
                .map(|(_, rest)| rest.to_string())
                .unwrap_or_default();
            let up_sql = text.sql(&dir_name, "up.sql").ok_or_else(|| {
                Error::Catalog(format!("migration {dir_name} has no readable up.sql"))
            })?;
            let declared = manifest.declared.get(&version);
            if let Some(declared) = declared
                && declared.name != name
            {
                return Err(Error::Catalog(format!(
                    "manifest.toml names migration {version} `{}` but its directory is {dir_name}",
                    declared.name
                )));
            }
            let down_sql = text.sql(&dir_name, "down.sql");
            entries.push(Entry {
                checksum: checksum(&up_sql),
                tables: down_sql.as_deref().map(dropped_tables).unwrap_or_default(),
                down_sql,
                in_transaction: migration.metadata().run_in_transaction(),
                title: declared
                    .and_then(|d| d.title.clone())
                    .unwrap_or_else(|| title_from(&name)),
                description: declared.and_then(|d| d.description.clone()),
                optional: declared.is_some_and(|d| d.optional),
                needs: declared.map(|d| d.needs.clone()).unwrap_or_default(),
                version,
                name,
                up_sql,
                migration,
            });
        }
        entries.sort_by(|a, b| a.version.cmp(&b.version));
        let catalog = Catalog { entries };
        catalog.validate(manifest)?;
        Ok(catalog)
    }

    /// Declarations must name real, earlier migrations, and versions must be unique.
    fn validate(&self, manifest: &Manifest) -> Result<()> {
        for pair in self.entries.windows(2) {
            if pair[0].version == pair[1].version {
                return Err(Error::Catalog(format!(
                    "two migrations share version {}: {} and {}",
                    pair[0].version, pair[0], pair[1]
                )));
            }
        }
        for version in manifest.declared.keys() {
            if self.get(version).is_none() {
                return Err(Error::Catalog(format!(
                    "manifest.toml declares migration {version}, which does not exist"
                )));
            }
        }
        for entry in &self.entries {
            for need in &entry.needs {
                if need >= &entry.version || self.get(need).is_none() {
                    return Err(Error::Catalog(format!(
                        "migration {entry} needs {need}, which is not an earlier migration"
                    )));
                }
            }
        }
        Ok(())
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn get(&self, version: &str) -> Option<&Entry> {
        self.entries
            .binary_search_by(|e| e.version.as_str().cmp(version))
            .ok()
            .map(|i| &self.entries[i])
    }

    pub(crate) fn newest_version(&self) -> Option<&str> {
        self.entries.last().map(|e| e.version.as_str())
    }
}

/// The Node.js runner's titles are its file names in title case
/// ("create_core_tables" → "Create Core Tables"): the default for a
/// migration the manifest gives no title.
fn title_from(name: &str) -> String {
    name.split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Table names a down.sql drops (`DROP TABLE [IF EXISTS] name`).
pub(crate) fn dropped_tables(down_sql: &str) -> Vec<String> {
    down_sql
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let upper = line.to_uppercase();
            let rest = upper.strip_prefix("DROP TABLE ")?;
            let rest = rest.strip_prefix("IF EXISTS ").unwrap_or(rest);
            let name = line[line.len() - rest.len()..]
                .split([' ', ';', ','])
                .next()?;
            Some(name.to_string())
        })
        .collect()
}

/// SHA-256 (hex) of migration text, ignoring a leading BOM and CRLF/CR line
/// endings, so a Windows checkout does not look like an edited file.
pub(crate) fn checksum(sql: &str) -> String {
    let text = sql.strip_prefix('\u{feff}').unwrap_or(sql);
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    Sha256::digest(normalised.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_ignores_line_endings_and_bom() {
        let unix = checksum("CREATE TABLE a (id int);\nSELECT 1;\n");
        assert_eq!(
            unix,
            checksum("\u{feff}CREATE TABLE a (id int);\r\nSELECT 1;\r\n")
        );
        assert_ne!(unix, checksum("CREATE TABLE a (id bigint);\nSELECT 1;\n"));
        assert_eq!(unix.len(), 64);
    }

    #[test]
    fn dropped_tables_are_read_from_down_sql() {
        let down = "-- undo\nDROP INDEX IF EXISTS idx_a;\nDROP TABLE IF EXISTS call_events;\n\
                    drop table call_logs;\n";
        assert_eq!(dropped_tables(down), ["call_events", "call_logs"]);
        assert!(dropped_tables("SELECT 1;").is_empty());
    }

    #[test]
    fn both_embedded_sets_hold_the_same_declared_migrations() {
        let pg = Catalog::embedded(Backend::Postgres).unwrap();
        let lite = Catalog::embedded(Backend::Sqlite).unwrap();
        let names = |c: &Catalog| {
            c.entries()
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&pg), names(&lite));
        assert_eq!(
            names(&pg),
            [
                "001 create_core_tables",
                "002 add_payment_transactions_table",
                "003 add_payment_logging_tables",
                "004 add_call_masking_tables",
                "005 add_push_notification_tables",
            ]
        );
        let optional: Vec<_> = pg
            .entries()
            .iter()
            .filter(|e| e.optional)
            .map(|e| e.version.as_str())
            .collect();
        assert_eq!(optional, ["003", "004", "005"]);
        let core = pg.get("001").unwrap();
        assert_eq!(core.title, "Create Core Tables");
        assert!(
            core.description
                .as_deref()
                .unwrap_or_default()
                .contains("users")
        );
        assert_eq!(
            title_from("add_call_masking_tables"),
            "Add Call Masking Tables"
        );
        assert_eq!(pg.get("003").unwrap().needs, ["002"]);
        assert!(pg.entries().iter().all(|e| e.down_sql.is_some()));
    }

    #[test]
    fn manifest_must_match_directory_names() {
        let manifest = Manifest::parse("[\"001\"]\nname = \"wrong_name\"\n").unwrap();
        let err = Catalog::load(&POSTGRES_MIGRATIONS, &POSTGRES_SQL, &manifest)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("wrong_name"), "{err}");
    }
}
