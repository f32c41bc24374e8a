//! What a command will do, and what `status` shows, as pure values computed
//! from the catalog (what exists) and the database state (what is applied).
//! Dependencies and integrity are checked here, before anything changes.

use std::collections::{BTreeSet, HashSet};

use serde::Serialize;

use crate::catalog::{Catalog, Entry};
use crate::error::{Error, Result};
use crate::history::DbState;
use crate::records::Action;
use crate::sqltext;

/// A migration's state as `status` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Applied,
    Pending,
    /// Left out by `--skip-optional`.
    Skipped,
    /// Applied, but its `up.sql` changed since (checksum differs).
    Modified,
    /// A migration outside a transaction failed half-way.
    Failed,
    /// A migration outside a transaction another runner is applying now.
    Running,
    /// Our history says applied, Diesel's record does not (edited by hand).
    Inconsistent,
    /// Applied according to the database, but not contained in this binary.
    Unknown,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::Skipped => "skipped",
            State::Modified => "modified",
            State::Failed => "failed",
            State::Running => "running",
            State::Inconsistent => "inconsistent",
            State::Unknown => "unknown",
        }
    }
}

/// The state of a known migration.
pub fn state_of(entry: &Entry, db: &DbState) -> State {
    let latest = db.latest(&entry.version);
    // A failure outside a transaction is what matters most, recorded or not
    // — unless it is the "started" row of a runner still holding the lock.
    if let Some(row) = latest.filter(|row| !row.success) {
        return if row.is_started() && db.lock_held_elsewhere {
            State::Running
        } else {
            State::Failed
        };
    }
    if db.is_applied(&entry.version) {
        match db.latest_checksum(&entry.version) {
            Some(recorded) if recorded != entry.checksum => State::Modified,
            _ => State::Applied,
        }
    } else if db.adoptable(&entry.version) {
        // Done by the Node.js runner; the next run checks and adopts it.
        State::Applied
    } else {
        match latest {
            Some(row)
                if row.says_applied()
                    && entry.tables.iter().any(|t| db.present_tables.contains(t)) =>
            {
                State::Inconsistent
            }
            // A skip recorded while the migration was optional does not
            // excuse it once a later release makes it required.
            Some(row) if entry.optional && row.action == Action::Skip => State::Skipped,
            _ if db.node_row(&entry.version).is_some_and(|r| !r.success) => State::Failed,
            _ => State::Pending,
        }
    }
}

/// A failure our own log recorded (outside a transaction: it may be
/// half-applied and needs a person). A failure the Node.js runner recorded
/// is retried by the next run, as that runner does: its SQL is idempotent.
fn failed_in_our_log(entry: &Entry, db: &DbState) -> bool {
    db.latest(&entry.version).is_some_and(|r| !r.success)
}

/// A note on where a state comes from, when it is not this binary's own record.
pub fn note_of(entry: &Entry, db: &DbState) -> Option<String> {
    if db.adoptable(&entry.version) {
        return Some("recorded by the Node.js runner; the next run checks and adopts it".into());
    }
    match db.node_row(&entry.version) {
        Some(row)
            if !row.success && !db.is_applied(&entry.version) && !failed_in_our_log(entry, db) =>
        {
            Some(format!(
                "failed under the Node.js runner ({}); the next run applies it again",
                row.error_message.as_deref().unwrap_or("no message")
            ))
        }
        _ => None,
    }
}

/// The migrations whose objects the database should have: applied ones,
/// modified ones included (their objects exist; the file changed).
pub fn applied_entries<'c>(catalog: &'c Catalog, db: &DbState) -> Vec<&'c Entry> {
    catalog
        .entries()
        .iter()
        .filter(|e| matches!(state_of(e, db), State::Applied | State::Modified))
        .collect()
}

/// Versions the database has applied that the catalog does not contain.
pub fn unknown_versions(catalog: &Catalog, db: &DbState) -> BTreeSet<String> {
    let history_applied = db
        .logged_versions()
        .filter(|v| db.latest(v).is_some_and(|r| r.says_applied()));
    let node_done = db
        .node
        .values()
        .filter(|r| r.success)
        .map(|r| r.id.as_str());
    db.applied
        .keys()
        .map(String::as_str)
        .chain(history_applied)
        .chain(node_done)
        .filter(|v| catalog.get(v).is_none())
        .map(str::to_string)
        .collect()
}

/// Refuses to run on a database whose history does not match this binary:
/// edited files, failed half-way migrations, hand-edited records, or
/// versions from a newer binary (unless `allow_unknown`). `forced` lists the
/// migrations a `force` will re-run, which may be modified or failed.
pub fn check_integrity(
    catalog: &Catalog,
    db: &DbState,
    allow_unknown: bool,
    forced: &HashSet<&str>,
) -> Result<()> {
    for entry in catalog.entries() {
        if forced.contains(entry.version.as_str()) {
            continue;
        }
        match state_of(entry, db) {
            State::Modified => {
                return Err(Error::Modified {
                    version: entry.version.clone(),
                    name: entry.name.clone(),
                });
            }
            State::Failed if failed_in_our_log(entry, db) => {
                return Err(Error::PreviouslyFailed {
                    version: entry.version.clone(),
                    name: entry.name.clone(),
                    message: db
                        .latest(&entry.version)
                        .and_then(|r| r.error.clone())
                        .unwrap_or_default(),
                });
            }
            State::Inconsistent => {
                return Err(Error::Inconsistent {
                    version: entry.version.clone(),
                    name: entry.name.clone(),
                });
            }
            _ => {}
        }
    }
    let unknown = unknown_versions(catalog, db);
    if !allow_unknown && !unknown.is_empty() {
        return Err(Error::UnknownApplied {
            versions: unknown.into_iter().collect::<Vec<_>>().join(", "),
            newest: catalog.newest_version().unwrap_or("none").to_string(),
        });
    }
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Re-run every selected migration's `up.sql`, applied or not.
    pub force: bool,
    /// Leave optional migrations that are not applied yet unapplied.
    pub skip_optional: bool,
    /// Stop after this version.
    pub to: Option<String>,
    /// Run although the database has versions the catalog does not contain.
    pub allow_unknown: bool,
    /// Every step in one transaction.
    pub single_transaction: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Apply,
    /// Re-run a migration; `recorded` says whether Diesel already lists it.
    Force {
        recorded: bool,
    },
    AlreadyApplied,
    /// Recorded as applied after its objects were checked (done by the
    /// Node.js runner, or `adopt --baseline`); `node_recorded` says whether
    /// the Node runner's table already records it as done.
    Adopt {
        node_recorded: bool,
    },
    /// Left out by `--skip-optional`; `record` is false when the history
    /// already says so, to keep repeated runs from filling it.
    Skip {
        record: bool,
    },
    Revert,
    /// `repair`: the database is accepted as it is and only the records
    /// change: `modified` accepts a changed up.sql (its new checksum), else a
    /// failed or hand-completed migration is marked as applied; `recorded`
    /// says whether Diesel's record already lists it.
    Repair {
        modified: bool,
        recorded: bool,
    },
}

impl Step {
    /// What the history records for this step.
    pub fn action(self) -> Action {
        match self {
            Step::Force { .. } => Action::Force,
            Step::Revert => Action::Revert,
            Step::Skip { .. } => Action::Skip,
            Step::Adopt { .. } => Action::Adopt,
            Step::Repair { .. } => Action::Repair,
            Step::Apply | Step::AlreadyApplied => Action::Apply,
        }
    }

    /// How output says it was done.
    pub fn done(self) -> &'static str {
        match self {
            Step::Force { .. } => "re-run (force)",
            Step::Revert => "reverted",
            Step::Adopt { .. } => "adopted",
            Step::Repair { .. } => "repaired",
            _ => "applied",
        }
    }

    /// Whether the step changes the schema (and so needs the SQL shown in a dry run).
    pub fn changes_schema(self) -> bool {
        matches!(self, Step::Apply | Step::Force { .. } | Step::Revert)
    }

    /// Whether the step runs no SQL and only writes records.
    pub fn records_only(self) -> bool {
        matches!(self, Step::Adopt { .. } | Step::Repair { .. })
    }

    /// Whether the step runs in a transaction of its own: adopting and
    /// repairing run no SQL, only write records, so they always do (with no
    /// "started" row).
    pub fn in_transaction(self, entry: &Entry) -> bool {
        entry.in_transaction || self.records_only()
    }
}

pub struct Planned<'c> {
    pub entry: &'c Entry,
    pub step: Step,
}

pub struct Plan<'c> {
    pub steps: Vec<Planned<'c>>,
}

impl<'c> Plan<'c> {
    pub fn changes_schema(&self) -> bool {
        self.steps.iter().any(|p| p.step.changes_schema())
    }

    /// Whether every step applies a migration, or leaves it as it is.
    pub fn only_applies(&self) -> bool {
        self.steps.iter().all(|p| {
            matches!(
                p.step,
                Step::Apply | Step::AlreadyApplied | Step::Skip { .. }
            )
        })
    }

    /// The migrations whose objects are checked after their SQL ran, before
    /// they are recorded: where the objects may already have existed in
    /// another shape, so that `IF NOT EXISTS` made the SQL a no-op. A
    /// forced re-run; a migration that failed under the Node.js runner; one
    /// whose tables exist though it is not applied.
    pub fn checked(&self, db: &DbState) -> Vec<&Entry> {
        self.steps
            .iter()
            .filter(|p| match p.step {
                Step::Force { .. } => true,
                Step::Apply => {
                    db.node_row(&p.entry.version).is_some_and(|r| !r.success)
                        || p.entry.tables.iter().any(|t| db.present_tables.contains(t))
                }
                _ => false,
            })
            .map(|p| p.entry)
            .collect()
    }

    /// Every migration applied once this plan has run, in version order.
    pub fn applied_after(&self, catalog: &'c Catalog, db: &DbState) -> Vec<&'c Entry> {
        let running: HashSet<&str> = self
            .steps
            .iter()
            .filter(|p| {
                matches!(
                    p.step,
                    Step::Apply | Step::Force { .. } | Step::Adopt { .. }
                )
            })
            .map(|p| p.entry.version.as_str())
            .collect();
        catalog
            .entries()
            .iter()
            .filter(|e| db.is_applied(&e.version) || running.contains(e.version.as_str()))
            .collect()
    }

    /// The migrations this plan adopts (their objects are checked first).
    pub fn adopted(&self) -> Vec<&Entry> {
        self.steps
            .iter()
            .filter(|p| matches!(p.step, Step::Adopt { .. }))
            .map(|p| p.entry)
            .collect()
    }

    /// Whether running it appends history rows (a no-op run writes nothing).
    pub fn writes_history(&self) -> bool {
        self.steps.iter().any(|p| {
            p.step.changes_schema()
                || p.step.records_only()
                || p.step == Step::Skip { record: true }
        })
    }

    /// The steps as comparable values, to notice that a plan changed.
    pub fn outline(&self) -> Vec<(&str, Step)> {
        self.steps
            .iter()
            .map(|p| (p.entry.version.as_str(), p.step))
            .collect()
    }
}

/// A schema with the migrations' tables but no history at all: running
/// 001 on it would fail half-way or, worse, half-succeed.
pub fn check_unrecorded_schema(catalog: &Catalog, state: &DbState) -> Result<()> {
    if state.unrecorded_tables.is_empty() {
        return Ok(());
    }
    Err(Error::UnrecordedSchema {
        tables: state.unrecorded_tables.join(", "),
        newest: catalog.newest_version().unwrap_or("001").to_string(),
    })
}

/// `run` and `force`: [`plan`] and every check a run makes before anything
/// changes (history, integrity, dependencies, transaction control). A force
/// may re-run a modified or failed migration: that is what it is for.
pub fn plan_run<'c>(catalog: &'c Catalog, db: &DbState, options: &Options) -> Result<Plan<'c>> {
    check_unrecorded_schema(catalog, db)?;
    let plan = plan(catalog, db, options)?;
    let forced: HashSet<&str> = plan
        .steps
        .iter()
        .filter(|p| matches!(p.step, Step::Force { .. }))
        .map(|p| p.entry.version.as_str())
        .collect();
    check_integrity(catalog, db, options.allow_unknown, &forced)?;
    check_runnable(&plan)?;
    if options.single_transaction {
        check_single_transaction(&plan)?;
    }
    Ok(plan)
}

/// `status --check`, the deploy gate: the integrity checks pass and every
/// required migration is `applied` (whatever the history says otherwise).
pub fn check_deployed(catalog: &Catalog, db: &DbState) -> Result<()> {
    check_integrity(catalog, db, false, &HashSet::new())?;
    let pending: Vec<String> = status(catalog, db)
        .into_iter()
        .filter(|r| r.optional == Some(false) && r.state != State::Applied)
        .map(|r| r.version)
        .collect();
    if pending.is_empty() {
        return Ok(());
    }
    Err(Error::PendingRequired {
        count: pending.len(),
        versions: pending.join(", "),
    })
}

/// Resolves a version argument against the catalog.
pub fn known_version<'c>(catalog: &'c Catalog, version: &str) -> Result<&'c Entry> {
    catalog.get(version).ok_or_else(|| {
        Error::Usage(format!(
            "unknown migration version `{version}`; this binary contains {}",
            catalog
                .entries()
                .iter()
                .map(|e| e.version.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// Decides each migration's step in version order and refuses, naming what is
/// missing, when a migration to run needs one that is neither applied nor
/// applied earlier in this run.
pub fn plan<'c>(catalog: &'c Catalog, db: &DbState, options: &Options) -> Result<Plan<'c>> {
    if let Some(to) = &options.to {
        known_version(catalog, to)?;
    }
    let mut available: HashSet<&str> = db.applied.keys().map(String::as_str).collect();
    let mut left_out: HashSet<&str> = HashSet::new();
    let mut steps = Vec::with_capacity(catalog.entries().len());
    for entry in catalog.entries() {
        if options.to.as_ref().is_some_and(|to| &entry.version > to) {
            break;
        }
        let adopt = db.adoptable(&entry.version) && !options.force;
        let applied = db.is_applied(&entry.version);
        let step = if adopt {
            Step::Adopt {
                node_recorded: true,
            }
        } else if entry.optional && options.skip_optional && !applied {
            let already_said = db
                .latest(&entry.version)
                .is_some_and(|r| r.action == Action::Skip);
            Step::Skip {
                record: !already_said,
            }
        } else if options.force {
            Step::Force { recorded: applied }
        } else if applied {
            Step::AlreadyApplied
        } else {
            Step::Apply
        };
        match step {
            Step::Apply | Step::Force { .. } | Step::Adopt { .. } => {
                check_needs(entry, &available, &left_out)?;
                available.insert(&entry.version);
            }
            Step::Skip { .. } => {
                left_out.insert(&entry.version);
            }
            Step::AlreadyApplied | Step::Revert | Step::Repair { .. } => {}
        }
        steps.push(Planned { entry, step });
    }
    Ok(Plan { steps })
}

fn check_needs(entry: &Entry, available: &HashSet<&str>, left_out: &HashSet<&str>) -> Result<()> {
    let missing: Vec<&str> = entry
        .needs
        .iter()
        .map(String::as_str)
        .filter(|need| !available.contains(need))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let why = if missing.iter().any(|m| left_out.contains(m)) {
        " (left out by --skip-optional: run without it)".to_string()
    } else {
        String::new()
    };
    Err(Error::MissingDependency {
        version: entry.version.clone(),
        name: entry.name.clone(),
        verb: if missing.len() == 1 { "is" } else { "are" },
        missing: missing.join(", "),
        why,
    })
}

/// Refuses, before anything runs, a plan whose transactional migrations
/// start or end transactions themselves: a COMMIT inside would make part of
/// a migration permanent even though the runner then rolls it back.
pub fn check_runnable(plan: &Plan<'_>) -> Result<()> {
    for planned in plan.steps.iter().filter(|p| p.step.changes_schema()) {
        let entry = planned.entry;
        if !entry.in_transaction {
            continue;
        }
        let (file, sql) = match planned.step {
            Step::Revert => ("down.sql", entry.down_sql.as_deref().unwrap_or_default()),
            _ => ("up.sql", entry.up_sql.as_str()),
        };
        if let Some(found) = sqltext::transaction_control(sql).into_iter().next() {
            return Err(Error::TransactionControl {
                file: format!("{}/{file}", entry.migration.name()),
                line: found.line,
                keyword: found.keyword,
            });
        }
    }
    Ok(())
}

/// `--single-transaction` runs the whole plan in one transaction, which a
/// migration that must run outside one (CREATE INDEX CONCURRENTLY) cannot
/// join: refused before anything changes.
pub fn check_single_transaction(plan: &Plan<'_>) -> Result<()> {
    match plan
        .steps
        .iter()
        .find(|p| p.step.changes_schema() && !p.entry.in_transaction)
    {
        Some(outside) => Err(Error::Usage(format!(
            "--single-transaction: migration {} must run outside a transaction \
             (run_in_transaction = false in its metadata.toml), so the run cannot be one \
             transaction; nothing was changed. Run it without --single-transaction",
            outside.entry
        ))),
        None => Ok(()),
    }
}

/// `adopt --baseline VERSION`: every migration up to VERSION that is not
/// applied yet is to be adopted (its objects are checked first).
pub fn plan_baseline<'c>(catalog: &'c Catalog, db: &DbState, baseline: &str) -> Result<Plan<'c>> {
    known_version(catalog, baseline)?;
    let steps = catalog
        .entries()
        .iter()
        .take_while(|e| e.version.as_str() <= baseline)
        .map(|entry| Planned {
            entry,
            step: if db.is_applied(&entry.version) {
                Step::AlreadyApplied
            } else {
                Step::Adopt {
                    node_recorded: db.node_row(&entry.version).is_some_and(|r| r.success),
                }
            },
        })
        .collect();
    Ok(Plan { steps })
}

/// Which applied migrations a revert takes back.
#[derive(Debug, Clone)]
pub enum RevertScope {
    /// The newest applied migration (like `diesel migration revert`).
    Last,
    /// Every applied migration from the newest down to and including this one.
    DownTo(String),
    /// Only this one; refused while an applied migration needs it.
    Only(String),
    All,
}

/// Applied migrations to revert, newest first, with the revert dependency check.
pub fn plan_revert<'c>(
    catalog: &'c Catalog,
    db: &DbState,
    scope: &RevertScope,
) -> Result<Plan<'c>> {
    let applied: Vec<&Entry> = catalog
        .entries()
        .iter()
        .rev()
        .filter(|e| db.is_applied(&e.version))
        .collect();
    let chosen: Vec<&Entry> = match scope {
        RevertScope::Last => applied.into_iter().take(1).collect(),
        RevertScope::All => applied,
        RevertScope::DownTo(version) => {
            known_version(catalog, version)?;
            applied
                .into_iter()
                .filter(|e| &e.version >= version)
                .collect()
        }
        RevertScope::Only(version) => {
            let entry = known_version(catalog, version)?;
            applied
                .into_iter()
                .filter(|e| e.version == entry.version)
                .collect()
        }
    };
    let reverted: HashSet<&str> = chosen.iter().map(|e| e.version.as_str()).collect();
    for entry in &chosen {
        let dependents: Vec<String> = catalog
            .entries()
            .iter()
            .filter(|e| db.is_applied(&e.version) && !reverted.contains(e.version.as_str()))
            .filter(|e| e.needs.contains(&entry.version))
            .map(|e| e.to_string())
            .collect();
        if !dependents.is_empty() {
            return Err(Error::NeededBy {
                version: entry.version.clone(),
                name: entry.name.clone(),
                dependents: dependents.join(", "),
            });
        }
    }
    Ok(Plan {
        steps: chosen
            .into_iter()
            .map(|entry| Planned {
                entry,
                step: Step::Revert,
            })
            .collect(),
    })
}

/// `redo`: [`plan_revert`], then the same migrations applied again, oldest
/// first.
pub fn plan_redo<'c>(catalog: &'c Catalog, db: &DbState, scope: &RevertScope) -> Result<Plan<'c>> {
    let mut plan = plan_revert(catalog, db, scope)?;
    let again: Vec<Planned<'c>> = plan
        .steps
        .iter()
        .rev()
        .map(|p| Planned {
            entry: p.entry,
            step: Step::Apply,
        })
        .collect();
    plan.steps.extend(again);
    Ok(plan)
}

/// `repair`: every migration (or only `version`) whose records disagree
/// with the database in a way a person can settle by accepting the
/// database: modified, failed or inconsistent ones. Others are left out.
pub fn plan_repair<'c>(
    catalog: &'c Catalog,
    db: &DbState,
    version: Option<&str>,
) -> Result<Plan<'c>> {
    let chosen: Vec<&Entry> = match version {
        Some(v) => vec![known_version(catalog, v)?],
        None => catalog.entries().iter().collect(),
    };
    let steps = chosen
        .into_iter()
        .filter_map(|entry| {
            let modified = match state_of(entry, db) {
                State::Modified => true,
                State::Failed | State::Inconsistent => false,
                _ => return None,
            };
            let recorded = db.is_applied(&entry.version);
            Some(Planned {
                entry,
                step: Step::Repair { modified, recorded },
            })
        })
        .collect();
    Ok(Plan { steps })
}

/// One row of `status`; serialised as-is for `--format json`.
#[derive(Debug, Clone, Serialize)]
pub struct StatusRow {
    pub version: String,
    pub name: String,
    /// `None` for an unknown version: the binary cannot tell.
    pub optional: Option<bool>,
    pub state: State,
    /// RFC 3339 in UTC (the zone is part of the text).
    pub executed_at: Option<String>,
    pub execution_time_ms: Option<i64>,
    /// Where the state comes from when it is not this binary's own record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Every known migration plus every unknown applied version, in version order.
pub fn status(catalog: &Catalog, db: &DbState) -> Vec<StatusRow> {
    // The time it really ran: our run, else the Node runner's, else when
    // Diesel's record was written.
    let when = |version: &str| {
        let run = db.latest_run(version);
        let node = db.node_row(version);
        (
            run.map(|r| r.executed_at.clone())
                .or_else(|| node.and_then(|n| n.executed_at.clone()))
                .or_else(|| db.applied.get(version).cloned()),
            run.and_then(|r| r.execution_time_ms)
                .or_else(|| node.and_then(|n| n.execution_time_ms)),
        )
    };
    let mut rows: Vec<StatusRow> = catalog
        .entries()
        .iter()
        .map(|entry| {
            let state = state_of(entry, db);
            let (executed_at, execution_time_ms) = match state {
                State::Applied | State::Modified => when(&entry.version),
                _ => (None, None),
            };
            StatusRow {
                version: entry.version.clone(),
                name: entry.name.clone(),
                optional: Some(entry.optional),
                state,
                executed_at,
                execution_time_ms,
                note: note_of(entry, db),
            }
        })
        .collect();
    for version in unknown_versions(catalog, db) {
        let (executed_at, execution_time_ms) = when(&version);
        rows.push(StatusRow {
            name: db
                .latest(&version)
                .map(|r| r.name.clone())
                .or_else(|| db.node_row(&version).map(|r| r.name.clone()))
                .unwrap_or_default(),
            version,
            optional: None,
            state: State::Unknown,
            executed_at,
            execution_time_ms,
            note: None,
        });
    }
    rows.sort_by(|a, b| a.version.cmp(&b.version));
    rows
}

/// The planner from plain values: the embedded PostgreSQL set (001–002
/// required, 003–005 optional; 002 and 004/005 need 001, 003 needs 002)
/// against database states built by hand. Milliseconds, no database.
#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::config::Backend;
    use crate::node_history::NodeRow;
    use crate::records::{HistoryRow, STARTED};

    fn catalog() -> Catalog {
        Catalog::embedded(Backend::Postgres).unwrap()
    }

    /// A log row as the runner writes it.
    fn row(catalog: &Catalog, version: &str, action: Action, success: bool) -> HistoryRow {
        HistoryRow {
            version: version.to_string(),
            name: String::new(),
            action,
            success,
            executed_at: "2026-11-28T00:00:00.000Z".to_string(),
            execution_time_ms: Some(1),
            checksum: catalog.get(version).map(|e| e.checksum.clone()),
            error: (!success).then(|| STARTED.to_string()),
        }
    }

    fn node(version: &str, success: bool) -> NodeRow {
        NodeRow {
            id: version.to_string(),
            name: String::new(),
            executed_at: None,
            success,
            error_message: (!success).then(|| "boom".to_string()),
            execution_time_ms: None,
        }
    }

    /// Applied by this binary: Diesel's record plus an apply row each.
    fn applied(catalog: &Catalog, versions: &[&str]) -> DbState {
        let diesel: BTreeMap<String, String> = versions
            .iter()
            .map(|v| (v.to_string(), String::new()))
            .collect();
        let log = versions
            .iter()
            .map(|v| row(catalog, v, Action::Apply, true))
            .collect();
        DbState::new(diesel, log, BTreeMap::new())
    }

    fn outline(plan: &Plan<'_>) -> Vec<String> {
        plan.steps
            .iter()
            .map(|p| format!("{} {:?}", p.entry.version, p.step))
            .collect()
    }

    fn options(force: bool, skip_optional: bool, to: Option<&str>) -> Options {
        Options {
            force,
            skip_optional,
            to: to.map(str::to_string),
            allow_unknown: false,
            single_transaction: false,
        }
    }

    #[test]
    fn plans_for_each_option() {
        let c = catalog();
        let cases: [(&[&str], Options, &[&str]); 5] = [
            (
                &[],
                options(false, false, None),
                &[
                    "001 Apply",
                    "002 Apply",
                    "003 Apply",
                    "004 Apply",
                    "005 Apply",
                ],
            ),
            (
                &[],
                options(false, true, None),
                &[
                    "001 Apply",
                    "002 Apply",
                    "003 Skip { record: true }",
                    "004 Skip { record: true }",
                    "005 Skip { record: true }",
                ],
            ),
            (
                &["001", "002"],
                options(false, false, Some("003")),
                &["001 AlreadyApplied", "002 AlreadyApplied", "003 Apply"],
            ),
            (
                &["001"],
                options(true, false, Some("002")),
                &[
                    "001 Force { recorded: true }",
                    "002 Force { recorded: false }",
                ],
            ),
            (
                &["001", "002", "003", "004", "005"],
                options(false, true, None),
                &[
                    "001 AlreadyApplied",
                    "002 AlreadyApplied",
                    "003 AlreadyApplied",
                    "004 AlreadyApplied",
                    "005 AlreadyApplied",
                ],
            ),
        ];
        for (done, opts, expected) in cases {
            let state = applied(&c, done);
            let plan = plan(&c, &state, &opts).unwrap();
            assert_eq!(outline(&plan), expected, "{done:?} {opts:?}");
        }
    }

    #[test]
    fn a_skip_already_recorded_is_not_recorded_again() {
        let c = catalog();
        let done = applied(&c, &["001", "002"]);
        let mut log = done.history.clone();
        log.push(row(&c, "003", Action::Skip, true));
        let state = DbState::new(done.applied.clone(), log, BTreeMap::new());
        let plan = plan(&c, &state, &options(false, true, None)).unwrap();
        assert_eq!(plan.steps[2].step, Step::Skip { record: false });
        assert_eq!(plan.steps[3].step, Step::Skip { record: true });
        assert_eq!(state_of(c.get("003").unwrap(), &state), State::Skipped);
    }

    #[test]
    fn a_needed_migration_left_out_is_refused_before_anything_runs() {
        // The same files with 002 declared optional: 003 still needs it.
        let manifest = crate::catalog::Manifest::parse(
            "[\"002\"]\nname = \"add_payment_transactions_table\"\noptional = true\n\
             [\"003\"]\nname = \"add_payment_logging_tables\"\nneeds = [\"002\"]\n",
        )
        .unwrap();
        let custom = Catalog::load(
            &crate::catalog::POSTGRES_MIGRATIONS,
            &crate::catalog::POSTGRES_SQL,
            &manifest,
        )
        .unwrap();
        let err = plan(&custom, &DbState::default(), &options(false, true, None))
            .err()
            .unwrap();
        assert!(
            matches!(&err, Error::MissingDependency { version, .. } if version == "003"),
            "{err}"
        );
        assert!(err.to_string().contains("--skip-optional"), "{err}");
        assert!(plan(&custom, &DbState::default(), &options(false, false, None)).is_ok());
    }

    #[test]
    fn reverts_newest_first_and_refuse_one_another_needs() {
        let c = catalog();
        let state = applied(&c, &["001", "002", "003", "004", "005"]);
        let revert = |scope| {
            plan_revert(&c, &state, &scope)
                .map(|p| outline(&p))
                .map_err(|e| e.to_string())
        };
        assert_eq!(revert(RevertScope::Last).unwrap(), ["005 Revert"]);
        assert_eq!(
            revert(RevertScope::DownTo("004".into())).unwrap(),
            ["005 Revert", "004 Revert"]
        );
        assert_eq!(
            revert(RevertScope::Only("004".into())).unwrap(),
            ["004 Revert"]
        );
        let needed = revert(RevertScope::Only("002".into())).unwrap_err();
        assert!(needed.contains("003"), "{needed}");
        assert_eq!(revert(RevertScope::All).unwrap().len(), 5);
    }

    #[test]
    fn redo_reverts_newest_first_then_applies_oldest_first() {
        let c = catalog();
        let state = applied(&c, &["001", "002", "003", "004", "005"]);
        let redo = |scope| plan_redo(&c, &state, &scope).map(|p| outline(&p));
        assert_eq!(
            redo(RevertScope::Last).unwrap(),
            ["005 Revert", "005 Apply"]
        );
        assert_eq!(
            redo(RevertScope::DownTo("004".into())).unwrap(),
            ["005 Revert", "004 Revert", "004 Apply", "005 Apply"]
        );
        assert!(matches!(
            redo(RevertScope::Only("002".into())),
            Err(Error::NeededBy { .. })
        ));
        let nothing = applied(&c, &[]);
        assert!(
            plan_redo(&c, &nothing, &RevertScope::All)
                .unwrap()
                .steps
                .is_empty()
        );
    }

    #[test]
    fn repair_accepts_modified_failed_and_inconsistent_migrations_only() {
        let c = catalog();
        let repair = |state: &DbState, version| {
            plan_repair(&c, state, version)
                .map(|p| outline(&p))
                .map_err(|e| e.to_string())
        };
        // (what the history holds, version asked for, the plan)
        let mut modified = applied(&c, &["001", "002"]);
        modified.history[1].checksum = Some("0".repeat(64));
        let modified = DbState::new(modified.applied, modified.history, BTreeMap::new());
        let mut log = applied(&c, &["001"]).history;
        log.push(row(&c, "002", Action::Apply, false));
        let failed = DbState::new(
            BTreeMap::from([("001".to_string(), String::new())]),
            log,
            BTreeMap::new(),
        );
        // Our log says applied, Diesel's record lost it, the tables exist.
        let mut inconsistent = applied(&c, &["001", "002"]);
        inconsistent.applied.remove("002");
        let mut inconsistent =
            DbState::new(inconsistent.applied, inconsistent.history, BTreeMap::new());
        inconsistent.present_tables = c.get("002").unwrap().tables.iter().cloned().collect();
        let clean = applied(&c, &["001", "002"]);
        let cases: [(&DbState, Option<&str>, &[&str]); 6] = [
            (
                &modified,
                None,
                &["002 Repair { modified: true, recorded: true }"],
            ),
            (
                &failed,
                None,
                &["002 Repair { modified: false, recorded: false }"],
            ),
            (
                &failed,
                Some("002"),
                &["002 Repair { modified: false, recorded: false }"],
            ),
            (&failed, Some("001"), &[]),
            (
                &inconsistent,
                None,
                &["002 Repair { modified: false, recorded: false }"],
            ),
            (&clean, None, &[]),
        ];
        for (state, version, expected) in cases {
            assert_eq!(repair(state, version).unwrap(), expected, "{version:?}");
        }
        assert!(repair(&clean, Some("042")).unwrap_err().contains("042"));
        let plan = plan_repair(&c, &failed, None).unwrap();
        assert!(plan.writes_history() && !plan.changes_schema());
    }

    #[test]
    fn a_run_plan_refuses_what_a_run_must_not_do() {
        let c = catalog();
        let run = |state: &DbState, force: bool| {
            plan_run(&c, state, &options(force, false, None)).map(|p| outline(&p))
        };
        // Tables of the migrations with no history at all: never run 001 on them.
        let mut restored = applied(&c, &[]);
        restored.unrecorded_tables = vec!["users".to_string()];
        assert!(matches!(
            run(&restored, false),
            Err(Error::UnrecordedSchema { .. })
        ));
        // A changed up.sql stops a run, not a force (that is what it is for).
        let mut changed = applied(&c, &["001", "002"]);
        changed.history[1].checksum = Some("0".repeat(64));
        let changed = DbState::new(changed.applied, changed.history, BTreeMap::new());
        assert!(matches!(run(&changed, false), Err(Error::Modified { .. })));
        assert_eq!(
            run(&changed, true).unwrap()[..2],
            [
                "001 Force { recorded: true }",
                "002 Force { recorded: true }"
            ]
        );
    }

    #[test]
    fn the_deploy_gate_wants_every_required_migration_applied() {
        let c = catalog();
        let skip = |done: &[&str], skipped: &[&str]| {
            let state = applied(&c, done);
            let mut log = state.history.clone();
            log.extend(skipped.iter().map(|v| row(&c, v, Action::Skip, true)));
            DbState::new(state.applied.clone(), log, BTreeMap::new())
        };
        let pending = |state: &DbState| match check_deployed(&c, state) {
            Ok(()) => String::new(),
            Err(Error::PendingRequired { versions, .. }) => versions,
            Err(other) => panic!("{other}"),
        };
        // (applied, skipped by --skip-optional, required ones not applied)
        let cases: [(&[&str], &[&str], &str); 4] = [
            (&["001", "002", "003", "004", "005"], &[], ""),
            (&["001", "002"], &["003", "004", "005"], ""),
            (&["001"], &[], "002"),
            // A skip recorded for a required migration excuses nothing.
            (&["001"], &["002"], "002"),
        ];
        for (done, skipped, expected) in cases {
            assert_eq!(
                pending(&skip(done, skipped)),
                expected,
                "{done:?} {skipped:?}"
            );
        }
    }

    #[test]
    fn states_and_integrity_from_the_history() {
        let c = catalog();
        let e = |v| c.get(v).unwrap();
        let mut state = applied(&c, &["001", "002"]);

        // A changed up.sql: modified, refused unless forced.
        state.history[1].checksum = Some("0".repeat(64));
        let modified = DbState::new(
            state.applied.clone(),
            state.history.clone(),
            BTreeMap::new(),
        );
        assert_eq!(state_of(e("002"), &modified), State::Modified);
        assert!(matches!(
            check_integrity(&c, &modified, false, &HashSet::new()),
            Err(Error::Modified { .. })
        ));
        assert!(check_integrity(&c, &modified, false, &HashSet::from(["002"])).is_ok());

        // A started row left alone: failed, or running while the lock is held.
        let mut log = applied(&c, &["001"]).history;
        log.push(row(&c, "002", Action::Apply, false));
        let mut started = DbState::new(
            BTreeMap::from([("001".to_string(), String::new())]),
            log,
            BTreeMap::new(),
        );
        assert_eq!(state_of(e("002"), &started), State::Failed);
        assert!(matches!(
            check_integrity(&c, &started, false, &HashSet::new()),
            Err(Error::PreviouslyFailed { .. })
        ));
        started.lock_held_elsewhere = true;
        assert_eq!(state_of(e("002"), &started), State::Running);

        // Versions from a newer binary: unknown, refused unless allowed.
        let mut newer = applied(&c, &["001"]);
        newer.applied.insert("006".to_string(), String::new());
        assert!(matches!(
            check_integrity(&c, &newer, false, &HashSet::new()),
            Err(Error::UnknownApplied { .. })
        ));
        assert!(check_integrity(&c, &newer, true, &HashSet::new()).is_ok());
        assert_eq!(status(&c, &newer).last().unwrap().state, State::Unknown);

        // An action a newer release logged is read, and means nothing.
        assert_eq!(Action::from("apply".to_string()), Action::Apply);
        let mut log = applied(&c, &["001"]).history;
        log.push(row(&c, "002", Action::from("rebase".to_string()), true));
        let later = DbState::new(
            BTreeMap::from([("001".to_string(), String::new())]),
            log,
            BTreeMap::new(),
        );
        assert_eq!(later.latest("002").map(|r| r.action), Some(Action::Unknown));
        assert_eq!(state_of(e("002"), &later), State::Pending);
    }

    #[test]
    fn node_runner_history_is_adopted_or_retried() {
        let c = catalog();
        let e = |v| c.get(v).unwrap();
        let nodes = BTreeMap::from([
            ("001".to_string(), node("001", true)),
            ("002".to_string(), node("002", true)),
            ("003".to_string(), node("003", false)),
        ]);
        let state = DbState::new(BTreeMap::new(), Vec::new(), nodes);
        assert_eq!(state_of(e("001"), &state), State::Applied);
        assert_eq!(state_of(e("003"), &state), State::Failed);
        assert!(note_of(e("001"), &state).unwrap().contains("adopts"));
        // Its failure is retried, not a reason to stop (the SQL is idempotent).
        assert!(check_integrity(&c, &state, false, &HashSet::new()).is_ok());
        let planned = plan(&c, &state, &options(false, false, None)).unwrap();
        assert_eq!(
            outline(&planned)[..3],
            [
                "001 Adopt { node_recorded: true }",
                "002 Adopt { node_recorded: true }",
                "003 Apply"
            ]
        );
        assert_eq!(planned.adopted().len(), 2);
        // force re-runs instead of adopting.
        let forced = plan(&c, &state, &options(true, false, None)).unwrap();
        assert_eq!(forced.steps[0].step, Step::Force { recorded: false });
        // A baseline adopts what is not applied yet.
        let baseline = plan_baseline(&c, &applied(&c, &["001"]), "002").unwrap();
        assert_eq!(
            outline(&baseline),
            ["001 AlreadyApplied", "002 Adopt { node_recorded: false }"]
        );
    }

    #[test]
    fn the_embedded_set_holds_no_transaction_control() {
        let c = catalog();
        let plan = plan(&c, &DbState::default(), &options(false, false, None)).unwrap();
        assert!(check_runnable(&plan).is_ok());
    }
}
