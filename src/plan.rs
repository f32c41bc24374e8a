//! What a run will do, and what `status` shows, as pure values computed from
//! the catalog (what exists) and the database state (what is applied).
//! Dependencies are checked here, before anything touches the database.

use std::collections::HashSet;

use serde::Serialize;

use crate::catalog::{Catalog, Entry};
use crate::error::{Error, Result};
use crate::history::DbState;

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Re-run every selected migration's `up.sql`, applied or not.
    pub force: bool,
    /// Leave optional migrations that are not applied yet unapplied.
    pub skip_optional: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Apply,
    /// Re-run a migration; `recorded` says whether Diesel already lists it.
    Force {
        recorded: bool,
    },
    AlreadyApplied,
    /// Left out by `--skip-optional`; `record` is false when the history
    /// already says so, to keep repeated runs from filling it.
    Skip {
        record: bool,
    },
}

pub struct Planned<'c> {
    pub entry: &'c Entry,
    pub step: Step,
}

pub struct Plan<'c> {
    pub steps: Vec<Planned<'c>>,
}

/// Decides each migration's step in version order and refuses, naming what is
/// missing, when a migration to run needs one that is neither applied nor
/// applied earlier in this run.
pub fn plan<'c>(catalog: &'c Catalog, state: &DbState, options: Options) -> Result<Plan<'c>> {
    let mut available: HashSet<&str> = state.applied.keys().map(String::as_str).collect();
    let mut left_out: HashSet<&str> = HashSet::new();
    let mut steps = Vec::with_capacity(catalog.entries().len());
    for entry in catalog.entries() {
        let applied = state.is_applied(&entry.version);
        let step = if entry.optional && options.skip_optional && !applied {
            let already_said = state
                .latest(&entry.version)
                .is_some_and(|r| r.action == "skip");
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
            Step::Apply | Step::Force { .. } => {
                check_needs(entry, &available, &left_out)?;
                available.insert(&entry.version);
            }
            Step::Skip { .. } => {
                left_out.insert(&entry.version);
            }
            Step::AlreadyApplied => {}
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

/// A migration's state as `status` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Applied,
    Pending,
    Skipped,
    /// Recorded as applied by the database but not contained in this binary.
    Unknown,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::Skipped => "skipped",
            State::Unknown => "unknown",
        }
    }
}

/// One row of `status`; serialised as-is for `--format json`.
#[derive(Debug, Clone, Serialize)]
pub struct StatusRow {
    pub version: String,
    pub name: String,
    /// `None` for an unknown version: the binary cannot tell.
    pub optional: Option<bool>,
    pub state: State,
    pub executed_at: Option<String>,
    pub execution_time_ms: Option<i64>,
}

/// Every known migration plus every unknown applied version, in version order.
pub fn status(catalog: &Catalog, state: &DbState) -> Vec<StatusRow> {
    let mut rows: Vec<StatusRow> = catalog
        .entries()
        .iter()
        .map(|entry| {
            let run = state.latest_run(&entry.version);
            let row_state = if state.is_applied(&entry.version) {
                State::Applied
            } else if state
                .latest(&entry.version)
                .is_some_and(|r| r.action == "skip")
            {
                State::Skipped
            } else {
                State::Pending
            };
            let applied_at = state.applied.get(&entry.version);
            StatusRow {
                version: entry.version.clone(),
                name: entry.name.clone(),
                optional: Some(entry.optional),
                state: row_state,
                executed_at: (row_state == State::Applied)
                    .then(|| run.map(|r| r.executed_at.clone()).or(applied_at.cloned()))
                    .flatten(),
                execution_time_ms: (row_state == State::Applied)
                    .then(|| run.and_then(|r| r.execution_time_ms))
                    .flatten(),
            }
        })
        .collect();
    for (version, applied_at) in &state.applied {
        if catalog.get(version).is_none() {
            let run = state.latest_run(version);
            rows.push(StatusRow {
                version: version.clone(),
                name: state
                    .latest(version)
                    .map(|r| r.name.clone())
                    .unwrap_or_default(),
                optional: None,
                state: State::Unknown,
                executed_at: Some(
                    run.map(|r| r.executed_at.clone())
                        .unwrap_or_else(|| applied_at.clone()),
                ),
                execution_time_ms: run.and_then(|r| r.execution_time_ms),
            });
        }
    }
    rows.sort_by(|a, b| a.version.cmp(&b.version));
    rows
}

/// Required migrations that are not applied: what `status --check` gates on.
pub fn pending_required(rows: &[StatusRow]) -> Vec<&str> {
    rows.iter()
        .filter(|r| r.state == State::Pending && r.optional == Some(false))
        .map(|r| r.version.as_str())
        .collect()
}
