//! The backend seam: what PostgreSQL and SQLite do differently at the level
//! of the driver, one file per backend behind [`Engine`]. Session set-up,
//! the SQL that starts write and snapshot transactions, statements with
//! numbered parameters, classifying a "busy" error, and reading a schema's
//! catalog into [`Objects`]. It knows nothing of migrations, histories,
//! locks or plans: the modules above it own their SQL (one value per
//! backend, see `config::ByBackend`) and run it through this seam.
//! [`establish`] and [`of`] are the only places that pick a backend by its
//! connection.

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::config::{Backend, Settings, Target};
use crate::error::{Error, Result};
use crate::objects::Objects;
use crate::records::Param;

mod numbered;
mod postgres;
mod sqlite;

/// One connection type for both backends (as Vaultwarden does), so the
/// code above the seam is written once.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// The backend type of [`AnyConnection`]; migrations run against it.
pub(crate) type Db = <AnyConnection as Connection>::Backend;

/// A one-column text result; queries name the column `value`.
#[derive(QueryableByName)]
pub(crate) struct TextValue {
    #[diesel(sql_type = Text)]
    pub value: String,
}

/// One named object of a table, with its definition (catalog reads).
#[derive(QueryableByName)]
struct Named {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    def: String,
}

/// Facts about a backend that the modules above the seam decide by.
#[derive(Debug)]
pub(crate) struct Dialect {
    pub backend: Backend,
    /// Column types are enforced as declared (SQLite's are affinities, and
    /// it ignores a `VARCHAR(n)` length).
    pub strict_types: bool,
    /// One statement can write several tables (data-modifying CTEs) and
    /// bind arrays, so many rows cost one round trip.
    pub one_statement_writes: bool,
}

/// What a backend does differently; implemented by each backend's
/// connection type.
pub(crate) trait Engine {
    fn dialect(&self) -> &'static Dialect;

    /// Session settings every run needs (timeouts, foreign keys).
    fn prepare(&mut self, target: &Target, settings: &Settings) -> Result<()>;
    /// The SQL that puts back the run's session settings after a
    /// migration's own (a `SET lock_timeout = 0`, a pg_dump header's empty
    /// `search_path`), so they last no longer than the migration: run after
    /// its SQL, in its transaction, so the tool's own records are written
    /// with the run's settings.
    fn reset_sql(&self, settings: &Settings) -> String;
    /// What limits a statement's waits when a migration outside a
    /// transaction sends it in a batch of its own (empty where the backend
    /// has no such limits).
    fn statement_limits(&self, settings: &Settings) -> String;
    /// Starts a transaction that will write: SQLite takes the write lock up
    /// front (waiting up to the busy timeout) instead of failing when a
    /// concurrent writer upgrades first.
    fn begin_write(&mut self) -> QueryResult<()>;
    /// [`Engine::begin_write`] with `also` run in the same round trip where
    /// the backend can; when `also` fails, no transaction is left open.
    fn begin_write_and(&mut self, also: &str) -> QueryResult<()>;
    /// Starts a read-only transaction that sees one snapshot.
    fn begin_snapshot(&mut self) -> QueryResult<()>;
    /// Whether the session travels the network in clear text.
    fn in_clear_text(&mut self) -> Result<bool>;
    /// Who the database says we are, for the history's `executed_by`.
    fn current_user(&mut self) -> Result<String>;
    /// Where the connection really ended up, when the backend can say more
    /// than the target does.
    fn describe_session(&mut self) -> Option<String>;
    /// The error a failure message means when it is the backend saying
    /// another writer is in the way.
    fn busy(&self, message: &str) -> Option<Error>;
    /// The server's major version (`None` for SQLite, which has no server).
    fn server_major(&mut self) -> QueryResult<Option<i32>>;
    /// The statement time limit in force and where it was set, to explain
    /// a cancelled statement (`None` where there is no such limit).
    fn statement_timeout(&mut self) -> Option<String>;

    /// Runs `sql`, in which `$n` stands for `params[n - 1]` (a number may
    /// appear more than once); `cache` keeps the statement prepared for the
    /// session's life (worth it for one that runs with every migration) where
    /// the connection caches statements: SQLite. PostgreSQL's cache is off
    /// (named statements break behind a transaction-mode pooler).
    fn execute(&mut self, sql: &str, params: &[Param<'_>], cache: bool) -> QueryResult<usize>;
    /// Invalid indexes, by name (a failed CREATE INDEX CONCURRENTLY).
    fn invalid_indexes(&mut self) -> QueryResult<Vec<String>>;
    /// Every object of `schema` (SQLite: of the main database), one query
    /// per kind of object however many tables there are. Objects that belong
    /// to an extension are left out: they are not the migrations' business.
    fn read_objects(&mut self, schema: &str) -> QueryResult<Objects>;
}

/// The engine of the connection's backend.
pub(crate) fn of(conn: &mut AnyConnection) -> &mut dyn Engine {
    match conn {
        AnyConnection::Pg(pg) => pg,
        AnyConnection::Sqlite(lite) => lite,
    }
}

/// The backend of `conn`.
pub(crate) fn backend(conn: &mut AnyConnection) -> Backend {
    of(conn).dialect().backend
}

/// Opens a connection to `url` with the driver of `backend`.
pub(crate) fn establish(backend: Backend, url: &str) -> ConnectionResult<AnyConnection> {
    match backend {
        Backend::Postgres => PgConnection::establish(url).map(AnyConnection::Pg),
        Backend::Sqlite => SqliteConnection::establish(url).map(AnyConnection::Sqlite),
    }
}
