//! What the tracking tables hold, as values: our action log's rows and
//! actions, what one step writes (its [`Record`] and the changes to
//! Diesel's record and the Node.js runner's table), the backups a run took,
//! and the parameters a statement binds. Read and written by `history`
//! through the backend seam.

use std::borrow::Cow;
use std::path::PathBuf;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use serde::Serialize;

diesel::table! {
    /// Our action log. `executed_at` is read through a per-backend
    /// expression (see `history`) and written by its column default.
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

/// The expected schema written down by a run (see `drift`'s `recorded`).
pub const EXPECTED_TABLE: &str = "bxm_expected_schema";

/// The tables that record migrations rather than hold the application's data.
pub const TRACKING_TABLES: [&str; 4] = [
    "migrations",
    "__diesel_schema_migrations",
    ACTIONS_TABLE,
    EXPECTED_TABLE,
];

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

/// A complete backup, as the history records it.
#[derive(Debug)]
pub struct Backup {
    pub path: PathBuf,
    pub bytes: u64,
    /// SHA-256 of the file, lowercase hex.
    pub sha256: String,
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

/// A backup's path, size and SHA-256 as the log's columns hold them.
pub type BackupColumns<'a> = (Option<Cow<'a, str>>, Option<i64>, Option<&'a str>);

impl Record<'_> {
    /// The backup's path, size and SHA-256 as the log's columns hold them.
    pub fn backup_columns(&self) -> BackupColumns<'_> {
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

/// A value a statement binds; `$n` in the statement's text stands for the
/// n-th of its parameters (see `engine::Engine::execute`).
#[derive(Debug, Clone)]
pub enum Param<'a> {
    Text(&'a str),
    OptText(Option<&'a str>),
    Bool(bool),
    OptBigInt(Option<i64>),
    /// Arrays, for statements that write many rows at once (PostgreSQL).
    Texts(Vec<&'a str>),
    OptTexts(Vec<Option<&'a str>>),
    Bools(Vec<bool>),
    OptBigInts(Vec<Option<i64>>),
}
