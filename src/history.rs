//! What the database has, in three tables: Diesel's
//! `__diesel_schema_migrations` (what is applied, shared with `diesel
//! migration run`), the Node.js runner's `migrations` (one row per
//! migration, shared with that runner: see [`crate::node_history`]) and our
//! `bxm_migration_actions` (every apply, force, skip, revert, repair and
//! adoption: who, when, which tool version, checksum, duration, outcome,
//! backup with its size and SHA-256).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use diesel::connection::SimpleConnection;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text};
use serde::Serialize;

use crate::backup::Backup;
use crate::catalog::Catalog;
use crate::connection::{self, AnyConnection, CachedSql, Conn, Param, TextValue};
use crate::error::{Error, Result};
use crate::node_history::{self, NodeRow};

diesel::table! {
    /// Our action log. `executed_at` is read through a per-backend
    /// expression (see `TimeFormat`) and written by its column default.
    bxm_migration_actions (id) {
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
        backup_bytes -> Nullable<BigInt>,
        backup_sha256 -> Nullable<Text>,
    }
}

diesel::table! {
    /// Diesel's own record; created and written by its migration harness.
    __diesel_schema_migrations (version) {
        version -> Text,
    }
}

/// Our action log's name, kept out of `diesel print-schema` and of `verify`.
pub const ACTIONS_TABLE: &str = "bxm_migration_actions";

/// The tables that record migrations rather than hold the application's data.
pub const TRACKING_TABLES: [&str; 3] = ["migrations", "__diesel_schema_migrations", ACTIONS_TABLE];

/// The columns our log has, in order; another shape means it is not ours.
const COLUMNS: [&str; 14] = [
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
    "backup_bytes",
    "backup_sha256",
];

/// How many of [`COLUMNS`] a log created before backups were measured has;
/// the next run adds the rest.
const COLUMNS_BEFORE_BACKUP_SUMS: usize = 12;

const ADD_BACKUP_SUMS: &str = "
ALTER TABLE bxm_migration_actions ADD COLUMN backup_bytes bigint;
ALTER TABLE bxm_migration_actions ADD COLUMN backup_sha256 text;
";

const POSTGRES_DDL: &str = "
CREATE TABLE IF NOT EXISTS bxm_migration_actions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version text NOT NULL,
    name text NOT NULL,
    action text NOT NULL CONSTRAINT chk_bxm_migration_actions_action
        CHECK (action IN ('apply', 'force', 'skip', 'revert', 'repair', 'adopt')),
    success boolean NOT NULL DEFAULT true,
    executed_at timestamptz NOT NULL DEFAULT now(),
    execution_time_ms bigint,
    checksum text,
    executed_by text NOT NULL,
    tool_version text NOT NULL,
    error text,
    backup_path text,
    backup_bytes bigint,
    backup_sha256 text
);
CREATE INDEX IF NOT EXISTS idx_bxm_migration_actions_executed_at
    ON bxm_migration_actions (executed_at);
";

const SQLITE_DDL: &str = "
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

/// What a history row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Apply,
    Force,
    Skip,
    Revert,
    /// A person accepted the database and files as they are (`repair`).
    Repair,
    /// Recorded as applied after checking that its objects exist (a
    /// database the Node.js runner migrated, or `adopt --baseline`).
    Adopt,
    /// Read back only: an action a newer release wrote, which this one
    /// does not know and treats as meaning nothing.
    Unknown,
}

impl From<String> for Action {
    fn from(text: String) -> Action {
        [
            Action::Apply,
            Action::Force,
            Action::Skip,
            Action::Revert,
            Action::Repair,
            Action::Adopt,
        ]
        .into_iter()
        .find(|a| a.as_str() == text)
        .unwrap_or(Action::Unknown)
    }
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Apply => "apply",
            Action::Force => "force",
            Action::Skip => "skip",
            Action::Revert => "revert",
            Action::Repair => "repair",
            Action::Adopt => "adopt",
            Action::Unknown => "unknown",
        }
    }
}

/// One row of our history, as read back.
#[derive(Debug, Clone, Queryable)]
pub struct HistoryRow {
    pub version: String,
    pub name: String,
    #[diesel(deserialize_as = String)]
    pub action: Action,
    pub success: bool,
    /// RFC 3339, UTC.
    pub executed_at: String,
    pub execution_time_ms: Option<i64>,
    pub checksum: Option<String>,
    pub error: Option<String>,
}

/// The error a migration outside a transaction records before it starts,
/// replaced by its real outcome when it ends: left alone, it means the run
/// was interrupted — or, while another runner holds the lock, still going.
pub const STARTED: &str = "started outside a transaction and did not finish (interrupted?)";

impl HistoryRow {
    /// Whether this is a "started" row of a migration outside a transaction.
    pub fn is_started(&self) -> bool {
        !self.success && self.error.as_deref() == Some(STARTED)
    }

    /// Whether this row, as the newest of its version, means "applied".
    pub fn says_applied(&self) -> bool {
        self.success
            && matches!(
                self.action,
                Action::Apply | Action::Force | Action::Repair | Action::Adopt
            )
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
    /// The Node.js runner's `migrations` rows, by version.
    pub node: BTreeMap<String, NodeRow>,
    /// Per version, where its newest rows of each kind are in `history`
    /// (so lookups stay O(1) with thousands of migrations).
    newest: HashMap<String, Newest>,
    /// Tables that exist, among those owned by migrations our log calls
    /// applied but Diesel's record does not list (reverted by `diesel
    /// migration revert` if gone, a hand-deleted record if present).
    pub present_tables: BTreeSet<String>,
    /// With no history at all: the migrations' tables that exist anyway
    /// (a schema restored without its history, or made by hand).
    pub unrecorded_tables: Vec<String>,
    /// Whether another runner holds the migration lock (read by `status`
    /// only: a run reads the state under the lock itself).
    pub lock_held_elsewhere: bool,
    tables: Tables,
}

#[derive(Debug, Default, Clone, Copy)]
struct Newest {
    any: Option<usize>,
    /// The newest successful apply or force.
    run: Option<usize>,
    /// The newest row that means "applied" (apply, force, repair or adopt).
    applied: Option<usize>,
}

impl DbState {
    /// The state from plain values (the tracking tables exist when given),
    /// for the planner's unit tests.
    #[cfg(test)]
    pub fn new(
        applied: BTreeMap<String, String>,
        history: Vec<HistoryRow>,
        node: BTreeMap<String, NodeRow>,
    ) -> DbState {
        let tables = Tables {
            actions: Some(COLUMNS.iter().map(|c| c.to_string()).collect()),
            diesels: true,
            node: Some(node_history::Columns::default()),
            postgres: true,
        };
        DbState::from_tables(tables, applied, history, node)
    }

    fn from_tables(
        tables: Tables,
        applied: BTreeMap<String, String>,
        history: Vec<HistoryRow>,
        node: BTreeMap<String, NodeRow>,
    ) -> DbState {
        let mut newest: HashMap<String, Newest> = HashMap::new();
        for (i, row) in history.iter().enumerate() {
            let slot = newest.entry(row.version.clone()).or_default();
            slot.any = Some(i);
            if row.says_applied() {
                slot.applied = Some(i);
                if matches!(row.action, Action::Apply | Action::Force) {
                    slot.run = Some(i);
                }
            }
        }
        DbState {
            applied,
            history,
            node,
            newest,
            tables,
            ..DbState::default()
        }
    }

    pub fn is_applied(&self, version: &str) -> bool {
        self.applied.contains_key(version)
    }

    /// Whether nothing at all records any migration (a new database, or a
    /// schema without its history).
    pub fn has_no_history(&self) -> bool {
        self.applied.is_empty() && self.history.is_empty() && self.node.is_empty()
    }

    /// The Node.js runner's row for `version`.
    pub fn node_row(&self, version: &str) -> Option<&NodeRow> {
        self.node.get(version)
    }

    /// Done according to the Node.js runner only: not in Diesel's record,
    /// never applied by this binary. The next run checks and adopts it.
    pub fn adoptable(&self, version: &str) -> bool {
        !self.is_applied(version)
            && self.node_row(version).is_some_and(|r| r.success)
            && self.row(version, |n| n.applied).is_none()
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

    /// The checksum recorded by the newest apply, force, repair or adoption of `version`.
    pub fn latest_checksum(&self, version: &str) -> Option<&str> {
        self.row(version, |n| n.applied)
            .and_then(|r| r.checksum.as_deref())
    }

    /// Versions with any history row.
    pub fn logged_versions(&self) -> impl Iterator<Item = &str> {
        self.newest.keys().map(String::as_str)
    }

    /// Which columns of the Node runner's table can be written once the
    /// tracking tables exist.
    pub fn node_columns(&self) -> node_history::Columns {
        node_history::after_ddl(self.tables.node, self.tables.postgres)
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
    #[diesel(sql_type = Text)]
    type_name: String,
    #[diesel(sql_type = Bool)]
    optional: bool,
}

/// Which tracking tables exist, with what we need to know of each.
#[derive(Debug, Default)]
struct Tables {
    /// Our log's columns, when it exists.
    actions: Option<Vec<String>>,
    diesels: bool,
    /// The Node runner's table, when it exists (already checked).
    node: Option<node_history::Columns>,
    postgres: bool,
}

fn existing_tables(conn: &mut AnyConnection) -> Result<Tables> {
    let postgres = matches!(conn, AnyConnection::Pg(_));
    let query = if postgres {
        "SELECT c.relname::text AS tbl, a.attname::text AS col, \
         format_type(a.atttypid, a.atttypmod) AS type_name, \
         (NOT a.attnotnull OR a.atthasdef) AS optional \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
         WHERE c.oid IN (to_regclass('migrations'), to_regclass('__diesel_schema_migrations'), \
           to_regclass('bxm_migration_actions')) \
           AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum"
    } else {
        "SELECT m.name AS tbl, p.name AS col, lower(p.type) AS type_name, \
         (p.\"notnull\" = 0 OR p.dflt_value IS NOT NULL OR p.pk > 0) AS optional \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' \
           AND m.name IN ('migrations', '__diesel_schema_migrations', 'bxm_migration_actions') \
         ORDER BY m.name, p.cid"
    };
    let rows = diesel::sql_query(query)
        .load::<TableColumn>(conn)
        .map_err(|e| Error::from_db("reading the tracking tables", &e))?;
    let columns_of = |table: &'static str| rows.iter().filter(move |r| r.tbl == table);
    let actions: Vec<String> = columns_of(ACTIONS_TABLE).map(|r| r.col.clone()).collect();
    let node: Vec<node_history::FoundColumn> = columns_of("migrations")
        .map(|r| node_history::FoundColumn {
            name: r.col.clone(),
            type_name: r.type_name.clone(),
            optional: r.optional,
        })
        .collect();
    let ours = [COLUMNS.len(), COLUMNS_BEFORE_BACKUP_SUMS]
        .iter()
        .any(|&n| {
            actions
                .iter()
                .map(String::as_str)
                .eq(COLUMNS[..n].iter().copied())
        });
    if !actions.is_empty() && !ours {
        return Err(Error::ForeignHistoryTable {
            columns: format!("{ACTIONS_TABLE}: {}", actions.join(", ")),
        });
    }
    Ok(Tables {
        diesels: columns_of("__diesel_schema_migrations").next().is_some(),
        node: if node.is_empty() {
            None
        } else {
            Some(node_history::check_shape(&node, postgres)?)
        },
        actions: (!actions.is_empty()).then_some(actions),
        postgres,
    })
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
    if tables.actions.is_some() {
        history = bxm_migration_actions::table
            .select((
                bxm_migration_actions::version,
                bxm_migration_actions::name,
                bxm_migration_actions::action,
                bxm_migration_actions::success,
                sql::<Text>(format.executed_at),
                bxm_migration_actions::execution_time_ms,
                bxm_migration_actions::checksum,
                bxm_migration_actions::error,
            ))
            .order(bxm_migration_actions::id.asc())
            .load::<HistoryRow>(conn)
            .map_err(|e| Error::from_db("reading the migration history", &e))?;
    }
    let node = match tables.node {
        Some(_) => node_history::read_rows(conn)?,
        None => BTreeMap::new(),
    };
    let mut state = DbState::from_tables(tables, applied, history, node);
    if state.has_no_history() {
        let owned: Vec<&str> = catalog
            .entries()
            .iter()
            .flat_map(|e| e.tables.iter().map(String::as_str))
            .collect();
        if !owned.is_empty() {
            state.unrecorded_tables = tables_present(conn, &owned)?.into_iter().collect();
        }
        return Ok(state);
    }
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

/// A backup `--backup` took, as `status --backups` lists it.
#[derive(Debug, QueryableByName, Serialize)]
pub struct BackupRow {
    #[diesel(sql_type = Text)]
    pub path: String,
    /// When the run that took it recorded its first step, just after the
    /// backup (RFC 3339, UTC).
    #[diesel(sql_type = Text)]
    pub taken_at: String,
    /// What that run did first (apply, force, revert).
    #[diesel(sql_type = Text)]
    pub action: String,
    /// Unknown for a backup recorded before sizes and checksums were.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub bytes: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub sha256: Option<String>,
}

/// Every backup the log names, newest first. A run records its backup on
/// each of its steps: one row per backup, from its first step.
pub fn read_backups(conn: &mut Conn) -> Result<Vec<BackupRow>> {
    connection::snapshot(conn, |c| {
        let Some(columns) = existing_tables(c)?.actions else {
            return Ok(Vec::new());
        };
        let sums = if columns.len() == COLUMNS.len() {
            "backup_bytes AS bytes, backup_sha256 AS sha256"
        } else {
            "CAST(NULL AS bigint) AS bytes, CAST(NULL AS text) AS sha256"
        };
        let query = format!(
            "SELECT backup_path AS path, {} AS taken_at, action, {sums} \
             FROM bxm_migration_actions WHERE id IN (SELECT min(id) FROM bxm_migration_actions \
             WHERE backup_path IS NOT NULL GROUP BY backup_path) ORDER BY id DESC",
            time_format(c).executed_at
        );
        diesel::sql_query(query)
            .load::<BackupRow>(c)
            .map_err(|e| Error::from_db("reading the recorded backups", &e))
    })
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

/// Creates whichever tracking table `state` found missing, and adds the two
/// later Node columns we write to a Node table that lacks them (`read_state`
/// has already refused tables of another shape). Runs under the migration
/// lock, so no other runner of ours races it. One batch: on PostgreSQL one
/// implicit transaction (all or nothing, and one commit where three cost
/// a WAL flush each on a first run).
pub fn ensure_tables(conn: &mut Conn, state: &DbState) -> Result<()> {
    let postgres = matches!(&**conn, AnyConnection::Pg(_));
    let mut ddl: Vec<String> = Vec::new();
    match &state.tables.actions {
        None => ddl.push(if postgres { POSTGRES_DDL } else { SQLITE_DDL }.to_string()),
        Some(columns) if columns.len() < COLUMNS.len() => ddl.push(ADD_BACKUP_SUMS.to_string()),
        Some(_) => {}
    }
    ddl.extend(node_history::ddl(state.tables.node, postgres));
    if !state.tables.diesels {
        // Diesel's own DDL, as `MigrationConnection::setup` runs it.
        ddl.push(diesel::migration::CREATE_MIGRATIONS_TABLE.to_string());
    }
    if ddl.is_empty() {
        return Ok(());
    }
    conn.batch_execute(&ddl.join(";\n"))
        .map_err(|e| Error::from_db("creating the migration history tables", &e))
}

/// One row of our log, and what the Node runner's table records of it.
pub struct Record<'a> {
    pub version: &'a str,
    pub name: &'a str,
    /// The Node runner's `name` and `description`.
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub action: Action,
    pub success: bool,
    pub execution_time_ms: Option<i64>,
    pub checksum: Option<&'a str>,
    /// The database user (our log).
    pub executed_by: &'a str,
    /// The operating-system user (the Node runner's `executed_by`).
    pub os_user: &'a str,
    pub error: Option<&'a str>,
    /// The backup this run took first, if any.
    pub backup: Option<&'a Backup>,
}

impl Record<'_> {
    /// The backup's path, size and SHA-256 as the log's columns hold them.
    fn backup_columns(&self) -> (Option<Cow<'_, str>>, Option<i64>, Option<&str>) {
        match self.backup {
            Some(b) => (
                Some(b.path.to_string_lossy()),
                i64::try_from(b.bytes).ok(),
                Some(b.sha256.as_str()),
            ),
            None => (None, None, None),
        }
    }
}

/// What a step changes in Diesel's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DieselChange {
    Keep,
    Add,
    Remove,
}

/// What a step changes in the Node runner's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeChange {
    Keep,
    /// Its upsert: this outcome, now (one more run in its counter).
    Upsert,
    /// The upsert of a "started" row, which does not count as a run.
    Started,
    /// Not applied any more: the Node runner must not find it done.
    Remove,
}

/// Writes a step's records in the current transaction: our log row, and
/// the changes to Diesel's record and the Node runner's table. One
/// statement on PostgreSQL (the round trips are most of our overhead over
/// plain psql when applying hundreds of small migrations).
pub fn write(
    conn: &mut AnyConnection,
    node: node_history::Columns,
    rec: &Record<'_>,
    diesel: DieselChange,
    node_change: NodeChange,
) -> QueryResult<()> {
    let node_change = node_change_for(node, rec, node_change);
    match conn {
        AnyConnection::Pg(pg) => {
            let mut parts = Vec::new();
            match diesel {
                DieselChange::Add => parts.push(
                    "d AS (INSERT INTO __diesel_schema_migrations (version) VALUES ($1))"
                        .to_string(),
                ),
                DieselChange::Remove => parts.push(
                    "d AS (DELETE FROM __diesel_schema_migrations WHERE version = $1)".to_string(),
                ),
                DieselChange::Keep => {}
            }
            match node_change {
                NodeChange::Upsert | NodeChange::Started => parts.push(format!(
                    "n AS ({})",
                    node_history::upsert_sql(node, true, node_change == NodeChange::Upsert, |n| {
                        format!("${n}")
                    })
                )),
                NodeChange::Remove => {
                    parts.push("n AS (DELETE FROM migrations WHERE id = $1)".to_string())
                }
                NodeChange::Keep => {}
            }
            let with = if parts.is_empty() {
                String::new()
            } else {
                format!("WITH {} ", parts.join(", "))
            };
            let (backup_path, backup_bytes, backup_sha256) = rec.backup_columns();
            CachedSql {
                sql: format!(
                    "{with}INSERT INTO bxm_migration_actions (version, name, action, success, \
                     execution_time_ms, checksum, executed_by, tool_version, error, \
                     backup_path, backup_bytes, backup_sha256) \
                     VALUES ($1, $8, $9, $4, $6, $10, $11, $12, $5, $13, $14, $15)"
                ),
                params: vec![
                    Param::Text(rec.version),
                    Param::Text(rec.title),
                    Param::OptText(rec.description),
                    Param::Bool(rec.success),
                    Param::OptText(rec.error),
                    Param::OptBigInt(rec.execution_time_ms),
                    Param::Text(rec.os_user),
                    Param::Text(rec.name),
                    Param::Text(rec.action.as_str()),
                    Param::OptText(rec.checksum),
                    Param::Text(rec.executed_by),
                    Param::Text(env!("CARGO_PKG_VERSION")),
                    Param::OptText(backup_path.as_deref()),
                    Param::OptBigInt(backup_bytes),
                    Param::OptText(backup_sha256),
                ],
            }
            .execute(pg)
            .map(drop)
        }
        AnyConnection::Sqlite(_) => {
            match diesel {
                DieselChange::Add => mark_applied(conn, rec.version)?,
                DieselChange::Remove => unmark_applied(conn, rec.version)?,
                DieselChange::Keep => {}
            }
            match node_change {
                NodeChange::Upsert | NodeChange::Started => {
                    let counted = node_change == NodeChange::Upsert;
                    diesel::sql_query(node_history::upsert_sql(node, false, counted, |n| {
                        format!("?{n}")
                    }))
                    .bind::<Text, _>(rec.version)
                    .bind::<Text, _>(rec.title)
                    .bind::<Nullable<Text>, _>(rec.description)
                    .bind::<Bool, _>(rec.success)
                    .bind::<Nullable<Text>, _>(rec.error)
                    .bind::<Nullable<BigInt>, _>(rec.execution_time_ms)
                    .bind::<Text, _>(rec.os_user)
                    .execute(conn)?;
                }
                NodeChange::Remove => {
                    diesel::sql_query("DELETE FROM migrations WHERE id = ?")
                        .bind::<Text, _>(rec.version)
                        .execute(conn)?;
                }
                NodeChange::Keep => {}
            }
            record(conn, rec)
        }
    }
}

/// What a step changes in the Node runner's table, given its `id` column.
fn node_change_for(
    node: node_history::Columns,
    rec: &Record<'_>,
    change: NodeChange,
) -> NodeChange {
    if node.fits(rec.version) {
        return change;
    }
    log::debug!(
        "migration {} gets no row in the Node.js runner's table: its version is longer than the \
         table's id column",
        rec.version
    );
    NodeChange::Keep
}

/// [`write`] for many steps of one transaction (`--single-transaction`):
/// on PostgreSQL one statement for all of them, the rows passed as arrays,
/// where a statement per step cost a round trip and a parse and plan of
/// its own. Steps are written one by one on SQLite (no round trips), and
/// wherever one statement could not say it: a version twice (a row cannot
/// change twice in one statement) or a "started" row.
pub fn write_all(
    conn: &mut AnyConnection,
    node: node_history::Columns,
    steps: &[(Record<'_>, DieselChange, NodeChange)],
) -> QueryResult<()> {
    let versions: BTreeSet<&str> = steps.iter().map(|(rec, ..)| rec.version).collect();
    let one_statement =
        versions.len() == steps.len() && steps.iter().all(|(.., n)| *n != NodeChange::Started);
    let pg = match conn {
        AnyConnection::Pg(pg) if one_statement => pg,
        _ => {
            return steps
                .iter()
                .try_for_each(|(rec, diesel, n)| write(conn, node, rec, *diesel, *n));
        }
    };
    if steps.is_empty() {
        return Ok(());
    }
    let records: Vec<&Record<'_>> = steps.iter().map(|(rec, ..)| rec).collect();
    let backups: Vec<_> = records.iter().map(|r| r.backup_columns()).collect();
    let diesel_changes: Vec<&str> = steps
        .iter()
        .map(|(_, d, _)| match d {
            DieselChange::Add => "add",
            DieselChange::Remove => "remove",
            DieselChange::Keep => "keep",
        })
        .collect();
    let node_changes: Vec<&str> = steps
        .iter()
        .map(|(rec, _, n)| match node_change_for(node, rec, *n) {
            NodeChange::Upsert | NodeChange::Started => "upsert",
            NodeChange::Remove => "remove",
            NodeChange::Keep => "keep",
        })
        .collect();
    // Columns of `r`, numbered as upsert_sql's parameters (1–7), then ours.
    let upsert = node_history::upsert_rows_sql(node, "r WHERE r.node = 'upsert'", |n| {
        [
            "version",
            "title",
            "description",
            "success",
            "error",
            "ms",
            "os_user",
        ]
        .get(n - 1)
        .map(|c| format!("r.{c}"))
        .unwrap_or_default()
    });
    diesel::sql_query(format!(
        "WITH r AS (SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
         $13, $14, $15, $16) WITH ORDINALITY AS r(version, title, description, success, error, \
         ms, os_user, name, action, checksum, executed_by, backup_path, backup_bytes, \
         backup_sha256, diesel, node, ord)), \
         d_add AS (INSERT INTO __diesel_schema_migrations (version) \
           SELECT r.version FROM r WHERE r.diesel = 'add'), \
         d_remove AS (DELETE FROM __diesel_schema_migrations \
           WHERE version IN (SELECT r.version FROM r WHERE r.diesel = 'remove')), \
         n_upsert AS ({upsert}), \
         n_remove AS (DELETE FROM migrations \
           WHERE id IN (SELECT r.version FROM r WHERE r.node = 'remove')) \
         INSERT INTO bxm_migration_actions (version, name, action, success, execution_time_ms, \
           checksum, executed_by, tool_version, error, backup_path, backup_bytes, backup_sha256) \
         SELECT r.version, r.name, r.action, r.success, r.ms, r.checksum, r.executed_by, $17, \
           r.error, r.backup_path, r.backup_bytes, r.backup_sha256 FROM r ORDER BY r.ord"
    ))
    .bind::<Array<Text>, _>(records.iter().map(|r| r.version).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(records.iter().map(|r| r.title).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(records.iter().map(|r| r.description).collect::<Vec<_>>())
    .bind::<Array<Bool>, _>(records.iter().map(|r| r.success).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(records.iter().map(|r| r.error).collect::<Vec<_>>())
    .bind::<Array<Nullable<BigInt>>, _>(
        records
            .iter()
            .map(|r| r.execution_time_ms)
            .collect::<Vec<_>>(),
    )
    .bind::<Array<Text>, _>(records.iter().map(|r| r.os_user).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(records.iter().map(|r| r.name).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(
        records
            .iter()
            .map(|r| r.action.as_str())
            .collect::<Vec<_>>(),
    )
    .bind::<Array<Nullable<Text>>, _>(records.iter().map(|r| r.checksum).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(records.iter().map(|r| r.executed_by).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(backups.iter().map(|b| b.0.as_deref()).collect::<Vec<_>>())
    .bind::<Array<Nullable<BigInt>>, _>(backups.iter().map(|b| b.1).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(backups.iter().map(|b| b.2).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(diesel_changes)
    .bind::<Array<Text>, _>(node_changes)
    .bind::<Text, _>(env!("CARGO_PKG_VERSION"))
    .execute(pg)
    .map(drop)
}

/// Appends a row to our log only.
fn record(conn: &mut AnyConnection, rec: &Record<'_>) -> QueryResult<()> {
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
pub fn is_recorded(conn: &mut AnyConnection, version: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        __diesel_schema_migrations::table.filter(__diesel_schema_migrations::version.eq(version)),
    ))
    .get_result(conn)
}

fn mark_applied(conn: &mut AnyConnection, version: &str) -> QueryResult<()> {
    diesel::insert_into(__diesel_schema_migrations::table)
        .values(__diesel_schema_migrations::version.eq(version))
        .execute(conn)
        .map(drop)
}

fn unmark_applied(conn: &mut AnyConnection, version: &str) -> QueryResult<()> {
    diesel::delete(
        __diesel_schema_migrations::table.filter(__diesel_schema_migrations::version.eq(version)),
    )
    .execute(conn)
    .map(drop)
}
