//! What the database has: Diesel's `__diesel_schema_migrations` (the record
//! of what is applied, shared with `diesel migration run`) and our
//! `migrations` table (the seed's log of every run: action, time, checksum,
//! who, which tool version).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use diesel::connection::SimpleConnection;
use diesel::dsl::sql;
use diesel::migration::MigrationConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};

use crate::catalog::Catalog;
use crate::connection::{self, AnyConnection, Conn, TextValue};
use crate::error::{Error, Result};

diesel::table! {
    /// Our history log. `executed_at` is read through a per-backend
    /// expression (see `TimeFormat`) and written by its column default.
    migrations (id) {
        id -> BigInt,
        version -> Text,
        name -> Text,
        action -> Text,
        success -> Bool,
        execution_time_ms -> Nullable<BigInt>,
        checksum -> Nullable<Text>,
        executed_by -> Text,
        tool_version -> Text,
        error -> Nullable<Text>,
        backup_path -> Nullable<Text>,
    }
}

diesel::table! {
    /// Diesel's own record; created and written by its migration harness.
    __diesel_schema_migrations (version) {
        version -> Text,
    }
}

/// The columns our table has, in order; another shape means it is not ours.
const COLUMNS: [&str; 12] = [
    "id",
    "version",
    "name",
    "action",
    "success",
    "executed_at",
    "execution_time_ms",
    "checksum",
    "executed_by",
    "tool_version",
    "error",
    "backup_path",
];

const POSTGRES_DDL: &str = "
CREATE TABLE IF NOT EXISTS migrations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version text NOT NULL,
    name text NOT NULL,
    action text NOT NULL CONSTRAINT chk_migrations_action
        CHECK (action IN ('apply', 'force', 'skip', 'revert', 'repair')),
    success boolean NOT NULL DEFAULT true,
    executed_at timestamptz NOT NULL DEFAULT now(),
    execution_time_ms bigint,
    checksum text,
    executed_by text NOT NULL,
    tool_version text NOT NULL,
    error text,
    backup_path text
);
CREATE INDEX IF NOT EXISTS idx_migrations_executed_at ON migrations (executed_at);
";

const SQLITE_DDL: &str = "
CREATE TABLE IF NOT EXISTS migrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    version TEXT NOT NULL,
    name TEXT NOT NULL,
    action TEXT NOT NULL CONSTRAINT chk_migrations_action
        CHECK (action IN ('apply', 'force', 'skip', 'revert', 'repair')),
    success INTEGER NOT NULL DEFAULT 1 CONSTRAINT chk_migrations_success CHECK (success IN (0, 1)),
    executed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    execution_time_ms INTEGER,
    checksum TEXT,
    executed_by TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    error TEXT,
    backup_path TEXT
);
CREATE INDEX IF NOT EXISTS idx_migrations_executed_at ON migrations (executed_at);
";

/// What a history row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Apply,
    Force,
    Skip,
    Revert,
    /// A person accepted the database and files as they are (`repair`).
    Repair,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Apply => "apply",
            Action::Force => "force",
            Action::Skip => "skip",
            Action::Revert => "revert",
            Action::Repair => "repair",
        }
    }
}

/// One row of our history, as read back.
#[derive(Debug, Clone, Queryable)]
pub struct HistoryRow {
    pub version: String,
    pub name: String,
    pub action: String,
    pub success: bool,
    /// RFC 3339, UTC.
    pub executed_at: String,
    pub execution_time_ms: Option<i64>,
    pub checksum: Option<String>,
    pub error: Option<String>,
}

impl HistoryRow {
    /// Whether this row, as the newest of its version, means "applied".
    pub fn says_applied(&self) -> bool {
        self.success && ["apply", "force", "repair"].contains(&self.action.as_str())
    }
}

/// Everything the planner needs to know about the database, read with a
/// fixed number of queries however many migrations exist.
#[derive(Debug, Default)]
pub struct DbState {
    /// Applied versions (Diesel's table) and when they were applied (RFC 3339).
    pub applied: BTreeMap<String, String>,
    /// Our log, oldest first.
    pub history: Vec<HistoryRow>,
    /// Per version, where its newest rows of each kind are in `history`
    /// (so lookups stay O(1) with thousands of migrations).
    newest: HashMap<String, Newest>,
    /// Tables that exist, among those owned by migrations our log calls
    /// applied but Diesel's record does not list (reverted by `diesel
    /// migration revert` if gone, a hand-deleted record if present).
    pub present_tables: BTreeSet<String>,
    /// Whether our `migrations` table and Diesel's table exist yet.
    has_history_table: bool,
    has_diesel_table: bool,
}

#[derive(Debug, Default, Clone, Copy)]
struct Newest {
    any: Option<usize>,
    /// The newest successful apply or force.
    run: Option<usize>,
    /// The newest row that means "applied" (apply, force or repair).
    applied: Option<usize>,
}

impl DbState {
    fn new(
        tables: &Tables,
        applied: BTreeMap<String, String>,
        history: Vec<HistoryRow>,
    ) -> DbState {
        let mut newest: HashMap<String, Newest> = HashMap::new();
        for (i, row) in history.iter().enumerate() {
            let slot = newest.entry(row.version.clone()).or_default();
            slot.any = Some(i);
            if row.says_applied() {
                slot.applied = Some(i);
                if row.action != Action::Repair.as_str() {
                    slot.run = Some(i);
                }
            }
        }
        DbState {
            applied,
            history,
            newest,
            present_tables: BTreeSet::new(),
            has_history_table: tables.ours.is_some(),
            has_diesel_table: tables.diesels,
        }
    }

    pub fn is_applied(&self, version: &str) -> bool {
        self.applied.contains_key(version)
    }

    fn row(&self, version: &str, pick: impl Fn(&Newest) -> Option<usize>) -> Option<&HistoryRow> {
        self.newest
            .get(version)
            .and_then(pick)
            .map(|i| &self.history[i])
    }

    /// The newest history row for `version`.
    pub fn latest(&self, version: &str) -> Option<&HistoryRow> {
        self.row(version, |n| n.any)
    }

    /// The newest successful apply or force of `version`.
    pub fn latest_run(&self, version: &str) -> Option<&HistoryRow> {
        self.row(version, |n| n.run)
    }

    /// The checksum recorded by the newest apply, force or repair of `version`.
    pub fn latest_checksum(&self, version: &str) -> Option<&str> {
        self.row(version, |n| n.applied)
            .and_then(|r| r.checksum.as_deref())
    }

    /// Versions with any history row.
    pub fn logged_versions(&self) -> impl Iterator<Item = &str> {
        self.newest.keys().map(String::as_str)
    }
}

/// Per-backend SQL for rendering timestamps as RFC 3339 text.
struct TimeFormat {
    executed_at: &'static str,
    run_on: &'static str,
}

fn time_format(conn: &AnyConnection) -> TimeFormat {
    match conn {
        AnyConnection::Pg(_) => TimeFormat {
            executed_at: "to_char(executed_at AT TIME ZONE 'UTC', \
                          'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
            // Diesel's run_on is a timestamp in the session's time zone.
            run_on: "to_char(run_on::timestamptz AT TIME ZONE 'UTC', \
                     'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
        },
        AnyConnection::Sqlite(_) => TimeFormat {
            executed_at: "executed_at",
            run_on: "strftime('%Y-%m-%dT%H:%M:%fZ', run_on)",
        },
    }
}

#[derive(QueryableByName)]
struct TableColumn {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    col: String,
}

/// Which of the two tracking tables exist, and the columns of `migrations`.
struct Tables {
    ours: Option<Vec<String>>,
    diesels: bool,
}

fn existing_tables(conn: &mut AnyConnection) -> Result<Tables> {
    let query = match &*conn {
        AnyConnection::Pg(_) => {
            "SELECT c.relname::text AS tbl, a.attname::text AS col \
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
             WHERE c.oid IN (to_regclass('migrations'), to_regclass('__diesel_schema_migrations')) \
               AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum"
        }
        AnyConnection::Sqlite(_) => {
            "SELECT m.name AS tbl, p.name AS col \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name IN ('migrations', '__diesel_schema_migrations') \
             ORDER BY m.name, p.cid"
        }
    };
    let rows = diesel::sql_query(query)
        .load::<TableColumn>(conn)
        .map_err(|e| Error::from_db("reading the tracking tables", &e))?;
    let ours: Vec<String> = rows
        .iter()
        .filter(|r| r.tbl == "migrations")
        .map(|r| r.col.clone())
        .collect();
    Ok(Tables {
        diesels: rows.iter().any(|r| r.tbl == "__diesel_schema_migrations"),
        ours: (!ours.is_empty()).then_some(ours),
    })
}

fn check_shape(columns: &[String]) -> Result<()> {
    if columns.iter().map(String::as_str).eq(COLUMNS) {
        Ok(())
    } else {
        Err(Error::ForeignHistoryTable {
            columns: columns.join(", "),
        })
    }
}

/// Reads what the database has without changing it (a fresh database simply
/// has nothing), with a fixed number of queries on one snapshot.
pub fn read_state(conn: &mut Conn, catalog: &Catalog) -> Result<DbState> {
    connection::snapshot(conn, |c| read_state_now(c, catalog))
}

fn read_state_now(conn: &mut AnyConnection, catalog: &Catalog) -> Result<DbState> {
    let tables = existing_tables(conn)?;
    let format = time_format(conn);
    let mut applied = BTreeMap::new();
    let mut history = Vec::new();
    if tables.diesels {
        applied = __diesel_schema_migrations::table
            .select((
                __diesel_schema_migrations::version,
                sql::<Text>(format.run_on),
            ))
            .load::<(String, String)>(conn)
            .map_err(|e| Error::from_db("reading __diesel_schema_migrations", &e))?
            .into_iter()
            .collect();
    }
    if let Some(columns) = &tables.ours {
        check_shape(columns)?;
        history = migrations::table
            .select((
                migrations::version,
                migrations::name,
                migrations::action,
                migrations::success,
                sql::<Text>(format.executed_at),
                migrations::execution_time_ms,
                migrations::checksum,
                migrations::error,
            ))
            .order(migrations::id.asc())
            .load::<HistoryRow>(conn)
            .map_err(|e| Error::from_db("reading the migrations history", &e))?;
    }
    let mut state = DbState::new(&tables, applied, history);
    let unrecorded: Vec<&str> = catalog
        .entries()
        .iter()
        .filter(|e| !state.is_applied(&e.version))
        .filter(|e| {
            state
                .latest(&e.version)
                .is_some_and(HistoryRow::says_applied)
        })
        .flat_map(|e| e.tables.iter().map(String::as_str))
        .collect();
    if !unrecorded.is_empty() {
        state.present_tables = tables_present(conn, &unrecorded)?;
    }
    Ok(state)
}

/// Which of `names` exist as tables.
fn tables_present(conn: &mut AnyConnection, names: &[&str]) -> Result<BTreeSet<String>> {
    let query = match &*conn {
        AnyConnection::Pg(_) => {
            "SELECT c.relname::text AS value FROM pg_class c \
             WHERE c.relkind IN ('r', 'p') AND c.relnamespace = current_schema()::regnamespace \
             AND c.relname = ANY (string_to_array($1, ','))"
        }
        AnyConnection::Sqlite(_) => {
            "SELECT name AS value FROM sqlite_master WHERE type = 'table' \
             AND name IN (SELECT value FROM json_each('[\"' || replace(?, ',', '\",\"') || '\"]'))"
        }
    };
    Ok(diesel::sql_query(query)
        .bind::<Text, _>(names.join(","))
        .load::<TextValue>(conn)
        .map_err(|e| Error::from_db("checking which tables exist", &e))?
        .into_iter()
        .map(|t| t.value)
        .collect())
}

/// Creates whichever tracking table `state` found missing (`read_state`
/// has already refused a foreign `migrations`). Both statements are
/// IF NOT EXISTS, so a concurrent runner creating them first is harmless.
pub fn ensure_tables(conn: &mut Conn, state: &DbState) -> Result<()> {
    if !state.has_history_table {
        let ddl = match &**conn {
            AnyConnection::Pg(_) => POSTGRES_DDL,
            AnyConnection::Sqlite(_) => SQLITE_DDL,
        };
        conn.batch_execute(ddl)
            .map_err(|e| Error::from_db("creating the migrations history table", &e))?;
    }
    if !state.has_diesel_table {
        (**conn)
            .setup()
            .map_err(|e| Error::from_db("creating __diesel_schema_migrations", &e))?;
    }
    Ok(())
}

/// One row to append to our history.
pub struct Record<'a> {
    pub version: &'a str,
    pub name: &'a str,
    pub action: Action,
    pub success: bool,
    pub execution_time_ms: Option<i64>,
    pub checksum: Option<&'a str>,
    pub executed_by: &'a str,
    pub error: Option<&'a str>,
    pub backup_path: Option<&'a str>,
}

/// Appends a row; called inside the migration's own transaction.
pub fn record(conn: &mut AnyConnection, rec: &Record<'_>) -> QueryResult<()> {
    diesel::insert_into(migrations::table)
        .values((
            migrations::version.eq(rec.version),
            migrations::name.eq(rec.name),
            migrations::action.eq(rec.action.as_str()),
            migrations::success.eq(rec.success),
            migrations::execution_time_ms.eq(rec.execution_time_ms),
            migrations::checksum.eq(rec.checksum),
            migrations::executed_by.eq(rec.executed_by),
            migrations::tool_version.eq(env!("CARGO_PKG_VERSION")),
            migrations::error.eq(rec.error),
            migrations::backup_path.eq(rec.backup_path),
        ))
        .execute(conn)
        .map(drop)
}

/// Diesel's record and our row in one statement on PostgreSQL: one round
/// trip less per migration, which is most of our overhead over plain psql
/// when applying hundreds of small migrations.
const RECORD_APPLIED_POSTGRES: &str = "\
WITH recorded AS (INSERT INTO __diesel_schema_migrations (version) VALUES ($1)) \
INSERT INTO migrations (version, name, action, success, execution_time_ms, checksum, \
executed_by, tool_version, error, backup_path) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// Adds `version` to Diesel's record and appends our row, in the
/// migration's own transaction.
pub fn record_applied(conn: &mut AnyConnection, rec: &Record<'_>) -> QueryResult<()> {
    match conn {
        AnyConnection::Pg(pg) => diesel::sql_query(RECORD_APPLIED_POSTGRES)
            .bind::<Text, _>(rec.version)
            .bind::<Text, _>(rec.name)
            .bind::<Text, _>(rec.action.as_str())
            .bind::<Bool, _>(rec.success)
            .bind::<Nullable<BigInt>, _>(rec.execution_time_ms)
            .bind::<Nullable<Text>, _>(rec.checksum)
            .bind::<Text, _>(rec.executed_by)
            .bind::<Text, _>(env!("CARGO_PKG_VERSION"))
            .bind::<Nullable<Text>, _>(rec.error)
            .bind::<Nullable<Text>, _>(rec.backup_path)
            .execute(pg)
            .map(drop),
        AnyConnection::Sqlite(_) => {
            mark_applied(conn, rec.version)?;
            record(conn, rec)
        }
    }
}

/// Whether Diesel's record lists `version` now; asked again inside each
/// migration's transaction, so a runner that lost a race does not apply a
/// migration twice.
pub fn is_recorded(conn: &mut AnyConnection, version: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        __diesel_schema_migrations::table.filter(__diesel_schema_migrations::version.eq(version)),
    ))
    .get_result(conn)
}

/// Adds `version` to Diesel's record (`repair` of a migration a person
/// completed by hand).
pub fn mark_applied(conn: &mut AnyConnection, version: &str) -> QueryResult<()> {
    diesel::insert_into(__diesel_schema_migrations::table)
        .values(__diesel_schema_migrations::version.eq(version))
        .execute(conn)
        .map(drop)
}
