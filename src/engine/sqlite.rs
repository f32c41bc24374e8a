//! SQLite: foreign keys switched on per connection, runners kept apart by
//! a lock file beside the database and IMMEDIATE transactions (which also
//! keep out writers that are not us, so each step re-checks Diesel's
//! record), the history written step by step, `VACUUM INTO` for backups.

use std::path::Path;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};

use super::{Dialect, Engine, Held};
use crate::config::Target;
use crate::connection::{self, Settings};
use crate::drift::{self, Objects};
use crate::error::{Error, Result};
use crate::history::{
    __diesel_schema_migrations, DieselChange, NodeChange, Record, bxm_migration_actions,
};
use crate::{catalog, lock, node_history};

const ACTIONS_DDL: &str = "
CREATE TABLE IF NOT EXISTS bxm_migration_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    version TEXT NOT NULL,
    name TEXT NOT NULL,
    action TEXT NOT NULL CONSTRAINT chk_bxm_migration_actions_action
        CHECK (action IN ('apply', 'force', 'skip', 'revert', 'repair', 'adopt')),
    success INTEGER NOT NULL DEFAULT 1
        CONSTRAINT chk_bxm_migration_actions_success CHECK (success IN (0, 1)),
    executed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    execution_time_ms INTEGER,
    checksum TEXT,
    executed_by TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    error TEXT,
    backup_path TEXT,
    backup_bytes INTEGER,
    backup_sha256 TEXT
);
CREATE INDEX IF NOT EXISTS idx_bxm_migration_actions_executed_at
    ON bxm_migration_actions (executed_at);
";

pub(super) static DIALECT: Dialect = Dialect {
    embedded: &catalog::SQLITE_MIGRATIONS,
    embedded_sql: &catalog::SQLITE_SQL,
    strict_types: false,
    actions_ddl: ACTIONS_DDL,
    tracking_columns: "SELECT m.name AS tbl, p.name AS col, lower(p.type) AS type_name, \
         (p.\"notnull\" = 0 OR p.dflt_value IS NOT NULL OR p.pk > 0) AS optional \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' \
           AND m.name IN ('migrations', '__diesel_schema_migrations', 'bxm_migration_actions') \
         ORDER BY m.name, p.cid",
    tables_present: "SELECT name AS value FROM sqlite_master WHERE type = 'table' \
         AND name IN (SELECT value FROM json_each('[\"' || replace(?, ',', '\",\"') || '\"]'))",
    executed_at: "executed_at",
    run_on: "strftime('%Y-%m-%dT%H:%M:%fZ', run_on)",
    node_executed_at: "strftime('%Y-%m-%dT%H:%M:%fZ', executed_at, '-330 minutes')",
    node_now: "strftime('%Y-%m-%d %H:%M:%f', 'now', '+330 minutes')",
    // The Node runner's own DDL (SQLite has no now()).
    node_default_now: "CURRENT_TIMESTAMP",
    placeholder: |n| format!("?{n}"),
    node_execution_time: str::to_string,
    backup_stem: "SELECT 'buildxpert_' || replace(strftime('%Y%m%dT%H%M%fZ', 'now'), '.', '') \
         AS value",
    backup_extension: "sqlite3",
    backup_hint: |target| {
        format!(
            "Back up first: sqlite3 {} \".backup backup_$(date +%Y%m%d_%H%M%S).sqlite3\" (or pass \
             --backup DIR)",
            target.connect_url
        )
    },
};

impl Engine for SqliteConnection {
    fn dialect(&self) -> &'static Dialect {
        &DIALECT
    }

    /// Foreign keys are off by default in SQLite; the schema relies on them.
    /// Reading schema_version makes SQLite open the file now, so a file that
    /// is not a database is reported as such before anything else.
    fn prepare(&mut self, target: &Target, settings: &Settings) -> Result<()> {
        let setup = format!(
            "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {}; PRAGMA schema_version",
            settings.lock_wait.as_millis()
        );
        self.batch_execute(&setup).map_err(|e| match &e {
            diesel::result::Error::DatabaseError(_, info)
                if info.message().contains("not a database") =>
            {
                Error::Connect {
                    target: target.to_string(),
                    reason: info.message().to_string(),
                    hint: "The file exists but is not a SQLite database: point DATABASE_URL at \
                           the right file"
                        .to_string(),
                }
            }
            _ => Error::from_db("preparing the session", &e),
        })
    }

    fn begin_write(&mut self) -> QueryResult<()> {
        AnsiTransactionManager::begin_transaction_sql(self, "BEGIN IMMEDIATE")
    }

    /// A deferred transaction holds SQLite's shared lock from its first read.
    fn begin_snapshot(&mut self) -> QueryResult<()> {
        AnsiTransactionManager::begin_transaction_sql(self, "BEGIN")
    }

    fn in_clear_text(&mut self) -> Result<bool> {
        Ok(false)
    }

    /// SQLite has no users: the operating-system account is the honest answer.
    fn current_user(&mut self) -> Result<String> {
        Ok(connection::os_user())
    }

    fn describe_session(&mut self) -> Option<String> {
        None
    }

    fn lock(&mut self, target: &Target, wait: Duration, create: bool) -> Result<Held> {
        lock::file_lock(target, wait, create).map(Held::file)
    }

    /// Closing the file releases its lock.
    fn unlock(&mut self, held: Held) -> Result<()> {
        drop(held);
        Ok(())
    }

    fn lock_held_elsewhere(&mut self, target: &Target) -> Result<bool> {
        Ok(lock::file_held_elsewhere(target))
    }

    /// Inside BEGIN IMMEDIATE the record is current.
    fn recorded_meanwhile(&mut self, version: &str) -> QueryResult<Option<bool>> {
        is_recorded(self, version).map(Some)
    }

    fn busy(&self, message: &str) -> Option<Error> {
        message
            .contains("database is locked")
            .then(|| Error::LockTimeout {
                holder: "another process is writing to the SQLite file".to_string(),
            })
    }

    /// Statement by statement: SQLite has no round trips to save.
    fn write(
        &mut self,
        node: node_history::Columns,
        rec: &Record<'_>,
        diesel: DieselChange,
        node_change: NodeChange,
    ) -> QueryResult<()> {
        match diesel {
            DieselChange::Add => mark_applied(self, rec.version)?,
            DieselChange::Remove => unmark_applied(self, rec.version)?,
            DieselChange::Keep => {}
        }
        match node_change {
            NodeChange::Upsert | NodeChange::Started => {
                let counted = node_change == NodeChange::Upsert;
                diesel::sql_query(node_history::upsert_sql(node, &DIALECT, counted))
                    .bind::<Text, _>(rec.version)
                    .bind::<Text, _>(rec.title)
                    .bind::<Nullable<Text>, _>(rec.description)
                    .bind::<Bool, _>(rec.success)
                    .bind::<Nullable<Text>, _>(rec.error)
                    .bind::<Nullable<BigInt>, _>(rec.execution_time_ms)
                    .bind::<Text, _>(rec.os_user)
                    .execute(self)?;
            }
            NodeChange::Remove => {
                diesel::sql_query("DELETE FROM migrations WHERE id = ?")
                    .bind::<Text, _>(rec.version)
                    .execute(self)?;
            }
            NodeChange::Keep => {}
        }
        record(self, rec)
    }

    fn read_schema(&mut self, up_sqls: &[&str]) -> Result<(Objects, Objects)> {
        drift::sqlite::read(self, up_sqls)
    }

    fn invalid_indexes(&mut self) -> Vec<String> {
        Vec::new()
    }

    fn backup(&mut self, _target: &Target, path: &Path, _lock_timeout: Duration) -> Result<()> {
        diesel::sql_query("VACUUM INTO ?")
            .bind::<Text, _>(path.to_string_lossy())
            .execute(self)
            .map(drop)
            .map_err(|e| Error::Backup(format!("VACUUM INTO {} failed: {e}", path.display())))
    }
}

/// Appends a row to our log only.
fn record(conn: &mut SqliteConnection, rec: &Record<'_>) -> QueryResult<()> {
    let (backup_path, backup_bytes, backup_sha256) = rec.backup_columns();
    diesel::insert_into(bxm_migration_actions::table)
        .values((
            bxm_migration_actions::version.eq(rec.version),
            bxm_migration_actions::name.eq(rec.name),
            bxm_migration_actions::action.eq(rec.action.as_str()),
            bxm_migration_actions::success.eq(rec.success),
            bxm_migration_actions::execution_time_ms.eq(rec.execution_time_ms),
            bxm_migration_actions::checksum.eq(rec.checksum),
            bxm_migration_actions::executed_by.eq(rec.executed_by),
            bxm_migration_actions::tool_version.eq(env!("CARGO_PKG_VERSION")),
            bxm_migration_actions::error.eq(rec.error),
            bxm_migration_actions::backup_path.eq(backup_path.as_deref()),
            bxm_migration_actions::backup_bytes.eq(backup_bytes),
            bxm_migration_actions::backup_sha256.eq(backup_sha256),
        ))
        .execute(conn)
        .map(drop)
}

/// Whether Diesel's record lists `version` now; asked again inside each
/// migration's transaction, so a runner that lost a race does not apply a
/// migration twice.
fn is_recorded(conn: &mut SqliteConnection, version: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        __diesel_schema_migrations::table.filter(__diesel_schema_migrations::version.eq(version)),
    ))
    .get_result(conn)
}

fn mark_applied(conn: &mut SqliteConnection, version: &str) -> QueryResult<()> {
    diesel::insert_into(__diesel_schema_migrations::table)
        .values(__diesel_schema_migrations::version.eq(version))
        .execute(conn)
        .map(drop)
}

fn unmark_applied(conn: &mut SqliteConnection, version: &str) -> QueryResult<()> {
    diesel::delete(
        __diesel_schema_migrations::table.filter(__diesel_schema_migrations::version.eq(version)),
    )
    .execute(conn)
    .map(drop)
}
