//! Everything that differs between PostgreSQL and SQLite, in one place per
//! backend: session set-up, the SQL that starts write and snapshot
//! transactions, the history tables' DDL and queries, how the history is
//! written, the concurrency policy, reading the schema for drift, and
//! backups. The rest of the crate is written once against [`Engine`] and
//! [`Dialect`]; [`establish`], [`of`] and [`dialect`] are the only places
//! that pick a backend.

use std::fs::File;
use std::path::Path;
use std::time::Duration;

use diesel::prelude::*;
use diesel_migrations::EmbeddedMigrations;
use include_dir::Dir;

use crate::config::{Backend, Target};
use crate::connection::{AnyConnection, Settings};
use crate::drift::Objects;
use crate::error::{Error, Result};
use crate::history::{DieselChange, NodeChange, Record};
use crate::node_history;

mod postgres;
mod sqlite;

/// The SQL text and facts that differ between the backends, as values.
pub(crate) struct Dialect {
    /// The migrations compiled into the binary, and their files.
    pub embedded: &'static EmbeddedMigrations,
    pub embedded_sql: &'static Dir<'static>,
    /// Column types are enforced as declared (SQLite's are affinities, and
    /// it ignores a `VARCHAR(n)` length).
    pub strict_types: bool,
    /// Our action log's DDL.
    pub actions_ddl: &'static str,
    /// Every column of the three tracking tables that exist, as rows
    /// (tbl, col, type_name, optional).
    pub tracking_columns: &'static str,
    /// Which of a comma-separated list of names (one text parameter) exist
    /// as tables, as rows (value).
    pub tables_present: &'static str,
    /// Our log's `executed_at`, and Diesel's `run_on`, as RFC 3339 in UTC.
    pub executed_at: &'static str,
    pub run_on: &'static str,
    /// The Node runner's `executed_at` (Asia/Kolkata, no zone) as RFC 3339 in UTC.
    pub node_executed_at: &'static str,
    /// Now, as the Node runner's sessions wrote it: Asia/Kolkata, no zone.
    pub node_now: &'static str,
    /// The Node runner's DDL default for `executed_at`.
    pub node_default_now: &'static str,
    /// A parameter placeholder, numbered from 1.
    pub placeholder: fn(usize) -> String,
    /// The Node runner's `execution_time_ms INTEGER` from a bigint parameter.
    pub node_execution_time: fn(&str) -> String,
    /// A backup's file name before its extension, and the extension.
    pub backup_stem: &'static str,
    pub backup_extension: &'static str,
    /// The command that backs the target up by hand.
    pub backup_hint: fn(&Target) -> String,
}

/// One runner's lock, held until [`Engine::unlock`]: PostgreSQL's advisory
/// locks belong to the session; SQLite's is the open lock file (none for an
/// in-memory database, or for a read when no runner has created the file).
pub(crate) struct Held {
    _file: Option<File>,
}

impl Held {
    pub(crate) fn session() -> Held {
        Held { _file: None }
    }

    pub(crate) fn file(file: Option<File>) -> Held {
        Held { _file: file }
    }
}

/// What a backend does differently; implemented by each backend's
/// connection type.
pub(crate) trait Engine {
    fn dialect(&self) -> &'static Dialect;

    /// Session settings every run needs (timeouts, foreign keys).
    fn prepare(&mut self, target: &Target, settings: &Settings) -> Result<()>;
    /// Starts a transaction that will write: SQLite takes the write lock up
    /// front (waiting up to the busy timeout) instead of failing when a
    /// concurrent runner upgrades first.
    fn begin_write(&mut self) -> QueryResult<()>;
    /// Starts a read-only transaction that sees one snapshot.
    fn begin_snapshot(&mut self) -> QueryResult<()>;
    /// Whether the session travels the network in clear text.
    fn in_clear_text(&mut self) -> Result<bool>;
    /// Who the database says we are, for the history's `executed_by`.
    fn current_user(&mut self) -> Result<String>;
    /// Where the connection really ended up, when the backend can say more
    /// than the target does.
    fn describe_session(&mut self) -> Option<String>;

    /// Takes the migration lock (waiting at most `wait`); `create: false`
    /// for a command that only reads and must leave nothing behind.
    fn lock(&mut self, target: &Target, wait: Duration, create: bool) -> Result<Held>;
    fn unlock(&mut self, held: Held) -> Result<()>;
    /// Whether another runner holds the lock now, without taking it.
    fn lock_held_elsewhere(&mut self, target: &Target) -> Result<bool>;
    /// Whether `version` is in Diesel's record now, when another runner can
    /// have changed it since the plan was made (SQLite: writers that are
    /// not us do not take our lock); `None` when the lock rules that out.
    fn recorded_meanwhile(&mut self, version: &str) -> QueryResult<Option<bool>>;
    /// The error a failure message means when it is the backend saying
    /// another writer is in the way.
    fn busy(&self, message: &str) -> Option<Error>;

    /// Writes one step's records in the current transaction.
    fn write(
        &mut self,
        node: node_history::Columns,
        rec: &Record<'_>,
        diesel: DieselChange,
        node_change: NodeChange,
    ) -> QueryResult<()>;
    /// Writes many steps' records in the current transaction.
    fn write_all(
        &mut self,
        node: node_history::Columns,
        steps: &[(Record<'_>, DieselChange, NodeChange)],
    ) -> QueryResult<()> {
        write_each(self, node, steps)
    }

    /// Replays `up_sqls` where nothing can leak: (what they create, what
    /// the live schema has).
    fn read_schema(&mut self, up_sqls: &[&str]) -> Result<(Objects, Objects)>;
    /// Invalid indexes, by name (a failed CREATE INDEX CONCURRENTLY).
    fn invalid_indexes(&mut self) -> Vec<String>;
    /// Writes a backup of the database to `path`.
    fn backup(&mut self, target: &Target, path: &Path, lock_timeout: Duration) -> Result<()>;
}

/// Writes each step's records with its own statements (the default
/// [`Engine::write_all`], and PostgreSQL's when one statement cannot hold them).
pub(crate) fn write_each<E: Engine + ?Sized>(
    engine: &mut E,
    node: node_history::Columns,
    steps: &[(Record<'_>, DieselChange, NodeChange)],
) -> QueryResult<()> {
    steps
        .iter()
        .try_for_each(|(rec, diesel, n)| engine.write(node, rec, *diesel, *n))
}

/// The engine of the connection's backend.
pub(crate) fn of(conn: &mut AnyConnection) -> &mut dyn Engine {
    match conn {
        AnyConnection::Pg(pg) => pg,
        AnyConnection::Sqlite(lite) => lite,
    }
}

/// Opens a connection to `url` with the driver of `backend`.
pub(crate) fn establish(backend: Backend, url: &str) -> ConnectionResult<AnyConnection> {
    match backend {
        Backend::Postgres => PgConnection::establish(url).map(AnyConnection::Pg),
        Backend::Sqlite => SqliteConnection::establish(url).map(AnyConnection::Sqlite),
    }
}

/// The dialect of `backend`, for what is decided before connecting.
pub(crate) fn dialect(backend: Backend) -> &'static Dialect {
    match backend {
        Backend::Postgres => &postgres::DIALECT,
        Backend::Sqlite => &sqlite::DIALECT,
    }
}
