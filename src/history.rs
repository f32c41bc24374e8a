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
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use serde::Serialize;

use crate::backup::Backup;
use crate::catalog::Catalog;
use crate::connection::{self, AnyConnection, Conn, TextValue};
use crate::engine;
use crate::error::{Error, Result};
use crate::node_history::{self, NodeRow};

diesel::table! {
    /// Our action log. `executed_at` is read through a per-backend
    /// expression (see `engine::Dialect`) and written by its column default.
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
    let rows = diesel::sql_query(dialect.tracking_columns)
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
            Some(node_history::check_shape(&node, dialect.strict_types)?)
        },
        actions: (!actions.is_empty()).then_some(actions),
        strict_types: dialect.strict_types,
    })
}

/// Reads what the database has without changing it (a fresh database simply
/// has nothing), with a fixed number of queries on one snapshot.
pub fn read_state(conn: &mut Conn, catalog: &Catalog) -> Result<DbState> {
    connection::snapshot(conn, |c| read_state_now(c, catalog))
}

fn read_state_now(conn: &mut AnyConnection, catalog: &Catalog) -> Result<DbState> {
    let tables = existing_tables(conn)?;
    let format = engine::of(conn).dialect();
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
            engine::of(c).dialect().executed_at
        );
        diesel::sql_query(query)
            .load::<BackupRow>(c)
            .map_err(|e| Error::from_db("reading the recorded backups", &e))
    })
}

/// Which of `names` exist as tables.
fn tables_present(conn: &mut AnyConnection, names: &[&str]) -> Result<BTreeSet<String>> {
    let query = engine::of(conn).dialect().tables_present;
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
    let dialect = engine::of(conn).dialect();
    let mut ddl: Vec<String> = Vec::new();
    match &state.tables.actions {
        None => ddl.push(dialect.actions_ddl.to_string()),
        Some(columns) if columns.len() < COLUMNS.len() => ddl.push(ADD_BACKUP_SUMS.to_string()),
        Some(_) => {}
    }
    ddl.extend(node_history::ddl(state.tables.node, dialect));
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
#[derive(Clone, Copy)]
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
    pub(crate) fn backup_columns(&self) -> (Option<Cow<'_, str>>, Option<i64>, Option<&str>) {
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
/// the changes to Diesel's record and the Node runner's table (how: see
/// each [`crate::engine`]).
pub fn write(
    conn: &mut AnyConnection,
    node: node_history::Columns,
    rec: &Record<'_>,
    diesel: DieselChange,
    node_change: NodeChange,
) -> QueryResult<()> {
    let node_change = node_change_for(node, rec, node_change);
    engine::of(conn).write(node, rec, diesel, node_change)
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

/// [`write`] for many steps of one transaction (`--single-transaction`),
/// which PostgreSQL writes in one statement.
pub fn write_all(
    conn: &mut AnyConnection,
    node: node_history::Columns,
    steps: &[(Record<'_>, DieselChange, NodeChange)],
) -> QueryResult<()> {
    let steps: Vec<_> = steps
        .iter()
        .map(|(rec, diesel, n)| (*rec, *diesel, node_change_for(node, rec, *n)))
        .collect();
    engine::of(conn).write_all(node, &steps)
}
