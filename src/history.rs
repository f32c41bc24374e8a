//! What the database has, in three tables: Diesel's
//! `__diesel_schema_migrations` (what is applied, shared with `diesel
//! migration run`), the Node.js runner's `migrations` (one row per
//! migration, shared with that runner: see [`crate::node_history`]) and our
//! `bxm_migration_actions` (every apply, force, skip, revert, repair and
//! adoption: who, when, which tool version, checksum, duration, outcome,
//! backup with its size and SHA-256).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use diesel::connection::SimpleConnection;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use crate::catalog::Catalog;
use crate::config::ByBackend;
use crate::connection::{self, Conn};
use crate::engine::{self, AnyConnection, TextValue};
use crate::error::{Error, Result};
use crate::node_history::{self, NodeRow};
use crate::records::{
    __diesel_schema_migrations, ACTIONS_TABLE, Action, BackupColumns, BackupRow, DieselChange,
    HistoryRow, NodeChange, Param, Record, bxm_migration_actions,
};

/// The history's SQL that differs between the backends.
struct Sql {
    /// Our action log's DDL.
    actions_ddl: &'static str,
    /// Every column of the three tracking tables that exist, as rows
    /// (tbl, col, type_name, optional).
    tracking_columns: &'static str,
    /// Which of a comma-separated list of names ($1) exist as tables, as
    /// rows (value).
    tables_present: &'static str,
    /// Our log's `executed_at`, and Diesel's `run_on`, as RFC 3339 in UTC.
    executed_at: &'static str,
    run_on: &'static str,
}

static SQL: ByBackend<Sql> = ByBackend {
    postgres: Sql {
        actions_ddl: "
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
",
        tracking_columns: "SELECT c.relname::text AS tbl, a.attname::text AS col, \
             format_type(a.atttypid, a.atttypmod) AS type_name, \
             (NOT a.attnotnull OR a.atthasdef) AS optional \
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
             WHERE c.oid IN (to_regclass('migrations'), to_regclass('__diesel_schema_migrations'), \
               to_regclass('bxm_migration_actions')) \
               AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum",
        tables_present: "SELECT c.relname::text AS value FROM pg_class c \
             WHERE c.relkind IN ('r', 'p') AND c.relnamespace = \
               (SELECT n.oid FROM pg_namespace n WHERE n.nspname = current_schema()) \
             AND c.relname = ANY (string_to_array($1, ','))",
        executed_at: "to_char(executed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
        // Diesel's run_on is a timestamp in the session's time zone.
        run_on: "to_char(run_on::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
    },
    sqlite: Sql {
        actions_ddl: "
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
",
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
    },
};

fn sql_of(conn: &mut AnyConnection) -> &'static Sql {
    SQL.get(engine::backend(conn))
}

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
    /// Tables that exist, among those owned by migrations Diesel's record
    /// does not list: a hand-deleted record when our log says applied, else
    /// objects that came another way (a restore, a failed Node.js run).
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
            strict_types: true,
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
        node_history::after_ddl(self.tables.node, self.tables.strict_types)
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
    /// Whether the backend enforces a `VARCHAR(n)` length.
    strict_types: bool,
}

fn existing_tables(conn: &mut AnyConnection) -> Result<Tables> {
    let dialect = engine::of(conn).dialect();
    let rows = diesel::sql_query(sql_of(conn).tracking_columns)
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
            let columns = node_history::check_shape(&node, dialect.strict_types)?;
            node_history::check_unique_id(conn)?;
            Some(columns)
        },
        actions: (!actions.is_empty()).then_some(actions),
        strict_types: dialect.strict_types,
    })
}

/// Reads what the database has without changing it (a fresh database simply
/// has nothing), with a fixed number of queries on one snapshot.
pub fn read_state(conn: &mut AnyConnection, catalog: &Catalog) -> Result<DbState> {
    connection::snapshot(conn, |c| read_state_now(c, catalog))
}

fn read_state_now(conn: &mut AnyConnection, catalog: &Catalog) -> Result<DbState> {
    let tables = existing_tables(conn)?;
    let format = sql_of(conn);
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
        Some(columns) => node_history::read_rows(conn, columns)?,
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
    // Every migration not applied whose tables exist all the same: our log
    // says applied (edited by hand), or its objects came another way (a
    // restore, a Node.js run that failed half-way, a baseline adoption).
    let unrecorded: Vec<&str> = catalog
        .entries()
        .iter()
        .filter(|e| !state.is_applied(&e.version))
        .flat_map(|e| e.tables.iter().map(String::as_str))
        .collect();
    if !unrecorded.is_empty() {
        state.present_tables = tables_present(conn, &unrecorded)?;
    }
    Ok(state)
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
            sql_of(c).executed_at
        );
        diesel::sql_query(query)
            .load::<BackupRow>(c)
            .map_err(|e| Error::from_db("reading the recorded backups", &e))
    })
}

/// Which of `names` exist as tables.
fn tables_present(conn: &mut AnyConnection, names: &[&str]) -> Result<BTreeSet<String>> {
    let query = sql_of(conn).tables_present;
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
/// has already refused tables of another shape). Runs in a locked
/// transaction with `state` read in it, so no other runner of ours races it
/// (all or nothing, and one commit where three cost a WAL flush each on a
/// first run).
pub fn ensure_tables(conn: &mut AnyConnection, state: &DbState) -> Result<()> {
    let ddl = tables_ddl(engine::backend(conn), state);
    if ddl.is_empty() {
        return Ok(());
    }
    conn.batch_execute(&ddl.join(";\n"))
        .map_err(|e| Error::from_db("creating the migration history tables", &e))
}

/// Whether `state` lacks a tracking table, or has one of an older shape.
pub fn tables_incomplete(conn: &mut AnyConnection, state: &DbState) -> bool {
    !tables_ddl(engine::backend(conn), state).is_empty()
}

fn tables_ddl(backend: crate::config::Backend, state: &DbState) -> Vec<String> {
    let mut ddl: Vec<String> = Vec::new();
    match &state.tables.actions {
        None => ddl.push(SQL.get(backend).actions_ddl.to_string()),
        Some(columns) if columns.len() < COLUMNS.len() => ddl.push(ADD_BACKUP_SUMS.to_string()),
        Some(_) => {}
    }
    ddl.extend(node_history::ddl(state.tables.node, backend));
    if !state.tables.diesels {
        // Diesel's own DDL, as `MigrationConnection::setup` runs it.
        ddl.push(diesel::migration::CREATE_MIGRATIONS_TABLE.to_string());
    }
    ddl
}

/// What the tracking tables say of `version` now, in one query (asked
/// inside a step's locked transaction: what another runner, or the Node
/// runner, did meanwhile).
#[derive(QueryableByName)]
pub struct Now {
    /// In Diesel's record.
    #[diesel(sql_type = Bool)]
    pub recorded: bool,
    /// Failed attempts in our log.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub failures: i64,
    /// Done according to the Node.js runner's table.
    #[diesel(sql_type = Bool)]
    pub node_done: bool,
}

pub fn now(conn: &mut AnyConnection, version: &str) -> QueryResult<Now> {
    diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM __diesel_schema_migrations WHERE version = $1) AS recorded, \
         (SELECT count(*) FROM bxm_migration_actions WHERE version = $1 AND NOT success) \
         AS failures, \
         EXISTS (SELECT 1 FROM migrations WHERE id = $1 AND success) AS node_done",
    )
    .bind::<Text, _>(version)
    .get_result(conn)
}

/// The columns of our log a step writes, with its parameters: `$1`
/// version, `$4` success, `$5` error, `$6` duration, then `$8`…`$15`
/// (`$2`, `$3` and `$7` are the Node runner's title, description and OS user).
const ACTION_INSERT: &str = "INSERT INTO bxm_migration_actions (version, name, action, success, \
     execution_time_ms, checksum, executed_by, tool_version, error, backup_path, backup_bytes, \
     backup_sha256) VALUES ($1, $8, $9, $4, $6, $10, $11, $12, $5, $13, $14, $15)";

/// A step's parameters, numbered as [`ACTION_INSERT`] and
/// `node_history::upsert_sql` take them; `backup` is the record's
/// [`Record::backup_columns`].
fn params<'a>(rec: &'a Record<'a>, backup: &'a BackupColumns<'a>) -> Vec<Param<'a>> {
    vec![
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
        Param::OptText(backup.0.as_deref()),
        Param::OptBigInt(backup.1),
        Param::OptText(backup.2),
    ]
}

/// Writes a step's records in the current transaction: our log row, and
/// the changes to Diesel's record and the Node runner's table. Where the
/// backend can, in one statement (the round trips are most of our overhead
/// over plain psql when applying hundreds of small migrations), kept
/// prepared for the session where the backend caches statements (SQLite).
pub fn write(
    conn: &mut AnyConnection,
    node: node_history::Columns,
    rec: &Record<'_>,
    diesel: DieselChange,
    node_change: NodeChange,
) -> QueryResult<()> {
    let node_change = node_change_for(node, rec, node_change);
    let backend = engine::backend(conn);
    let mut parts: Vec<String> = Vec::new();
    match diesel {
        DieselChange::Add => {
            parts.push("INSERT INTO __diesel_schema_migrations (version) VALUES ($1)".into())
        }
        DieselChange::Remove => {
            parts.push("DELETE FROM __diesel_schema_migrations WHERE version = $1".into())
        }
        DieselChange::Keep => {}
    }
    match node_change {
        NodeChange::Upsert | NodeChange::Started => parts.push(node_history::upsert_sql(
            node,
            backend,
            node_change == NodeChange::Upsert,
        )),
        NodeChange::Remove => parts.push("DELETE FROM migrations WHERE id = $1".into()),
        NodeChange::Keep => {}
    }
    let backup = rec.backup_columns();
    let params = params(rec, &backup);
    let engine = engine::of(conn);
    if engine.dialect().one_statement_writes {
        let with: Vec<String> = parts
            .iter()
            .enumerate()
            .map(|(i, part)| format!("w{i} AS ({part})"))
            .collect();
        let sql = if with.is_empty() {
            ACTION_INSERT.to_string()
        } else {
            format!("WITH {} {ACTION_INSERT}", with.join(", "))
        };
        return engine.execute(&sql, &params, true).map(drop);
    }
    for part in parts.iter().map(String::as_str).chain([ACTION_INSERT]) {
        engine.execute(part, &params, true)?;
    }
    Ok(())
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

/// [`write`] for many steps of one transaction (`--single-transaction`).
/// Where the backend can, one statement for all steps, the rows passed as
/// arrays, where a statement per step cost a round trip and a parse and plan
/// of its own; step by step wherever one statement could not say it: a
/// version twice (a row cannot change twice in one statement) or a
/// "started" row.
pub fn write_all(
    conn: &mut AnyConnection,
    node: node_history::Columns,
    steps: &[(Record<'_>, DieselChange, NodeChange)],
) -> QueryResult<()> {
    let steps: Vec<_> = steps
        .iter()
        .map(|(rec, diesel, n)| (*rec, *diesel, node_change_for(node, rec, *n)))
        .collect();
    let versions: BTreeSet<&str> = steps.iter().map(|(rec, ..)| rec.version).collect();
    let one_statement = engine::of(conn).dialect().one_statement_writes
        && versions.len() == steps.len()
        && steps.iter().all(|(.., n)| *n != NodeChange::Started);
    if !one_statement {
        return steps
            .iter()
            .try_for_each(|(rec, diesel, n)| write(conn, node, rec, *diesel, *n));
    }
    if steps.is_empty() {
        return Ok(());
    }
    let records: Vec<&Record<'_>> = steps.iter().map(|(rec, ..)| rec).collect();
    let backups: Vec<_> = records.iter().map(|r| r.backup_columns()).collect();
    fn column<'a>(records: &[&Record<'a>], f: fn(&Record<'a>) -> &'a str) -> Vec<&'a str> {
        records.iter().map(|r| f(r)).collect()
    }
    fn optional<'a>(
        records: &[&Record<'a>],
        f: fn(&Record<'a>) -> Option<&'a str>,
    ) -> Vec<Option<&'a str>> {
        records.iter().map(|r| f(r)).collect()
    }
    let params = vec![
        Param::Texts(column(&records, |r| r.version)),
        Param::Texts(column(&records, |r| r.title)),
        Param::OptTexts(optional(&records, |r| r.description)),
        Param::Bools(records.iter().map(|r| r.success).collect()),
        Param::OptTexts(optional(&records, |r| r.error)),
        Param::OptBigInts(records.iter().map(|r| r.execution_time_ms).collect()),
        Param::Texts(column(&records, |r| r.os_user)),
        Param::Texts(column(&records, |r| r.name)),
        Param::Texts(column(&records, |r| r.action.as_str())),
        Param::OptTexts(optional(&records, |r| r.checksum)),
        Param::Texts(column(&records, |r| r.executed_by)),
        Param::OptTexts(backups.iter().map(|b| b.0.as_deref()).collect()),
        Param::OptBigInts(backups.iter().map(|b| b.1).collect()),
        Param::OptTexts(backups.iter().map(|b| b.2).collect()),
        Param::Texts(
            steps
                .iter()
                .map(|(_, d, _)| match d {
                    DieselChange::Add => "add",
                    DieselChange::Remove => "remove",
                    DieselChange::Keep => "keep",
                })
                .collect(),
        ),
        Param::Texts(
            steps
                .iter()
                .map(|(.., n)| match n {
                    NodeChange::Upsert | NodeChange::Started => "upsert",
                    NodeChange::Remove => "remove",
                    NodeChange::Keep => "keep",
                })
                .collect(),
        ),
        Param::Text(env!("CARGO_PKG_VERSION")),
    ];
    // Columns of `r`, numbered as upsert_sql's parameters (1–7), then ours.
    let upsert = node_history::upsert_rows_sql(
        node,
        engine::backend(conn),
        "r WHERE r.node = 'upsert'",
        |n| {
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
        },
    );
    let sql = format!(
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
    );
    engine::of(conn).execute(&sql, &params, false).map(drop)
}
