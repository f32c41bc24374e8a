//! How migrations are applied: executes a [`Plan`] step by step through
//! Diesel's `MigrationHarness`, each migration and its history row in one
//! transaction, reporting every step to a [`Reporter`].

use std::time::{Duration, Instant};

use diesel::Connection;
use diesel_migrations::MigrationHarness;

use crate::catalog::Entry;
use crate::connection::AnyConnection;
use crate::error::{Error, Result, db_message, permission_hint};
use crate::history::{self, Action, Record};
use crate::plan::{Plan, Step};
use crate::report::{Event, Reporter, Summary};

/// Why one migration failed, before it is turned into an [`Error`].
enum Failure {
    /// The migration's SQL (reported by Diesel's harness).
    Migration(String),
    /// Our own bookkeeping query.
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for Failure {
    fn from(e: diesel::result::Error) -> Self {
        Failure::Database(e)
    }
}

/// Applies the plan; stops at the first failure, leaving earlier migrations
/// applied and the failing one rolled back.
pub fn execute(
    conn: &mut AnyConnection,
    plan: &Plan<'_>,
    executed_by: &str,
    reporter: &mut dyn Reporter,
) -> Result<Summary> {
    let started = Instant::now();
    let mut summary = Summary::default();
    for planned in &plan.steps {
        let entry = planned.entry;
        match planned.step {
            Step::AlreadyApplied => {
                summary.already_applied += 1;
                reporter.event(Event::AlreadyApplied { entry })?;
            }
            Step::Skip { record } => {
                if record {
                    let rec = Record {
                        checksum: None,
                        execution_time_ms: None,
                        ..record_for(entry, Action::Skip, executed_by)
                    };
                    history::record(conn, &rec)
                        .map_err(|e| Error::from_db("recording a skipped migration", &e))?;
                }
                summary.skipped += 1;
                reporter.event(Event::Skipped { entry })?;
            }
            Step::Apply | Step::Force { .. } => {
                reporter.event(Event::Started {
                    entry,
                    step: planned.step,
                })?;
                let elapsed = apply(conn, entry, planned.step, executed_by)?;
                if planned.step == Step::Apply {
                    summary.applied += 1;
                } else {
                    summary.forced += 1;
                }
                reporter.event(Event::Applied {
                    entry,
                    step: planned.step,
                    elapsed,
                })?;
            }
        }
    }
    summary.elapsed = started.elapsed();
    reporter.event(Event::Summary(&summary))?;
    Ok(summary)
}

/// Runs one migration and writes its history row, in one transaction unless
/// the migration opted out of it.
fn apply(
    conn: &mut AnyConnection,
    entry: &Entry,
    step: Step,
    executed_by: &str,
) -> Result<Duration> {
    let started = Instant::now();
    let run = |c: &mut AnyConnection| -> Result<Duration, Failure> {
        let outcome = match step {
            // A forced re-run of a recorded migration must not insert Diesel's row again.
            Step::Force { recorded: true } => entry.migration.run(c),
            _ => c.run_migration(&*entry.migration).map(drop),
        };
        outcome.map_err(|e| Failure::Migration(e.to_string()))?;
        let elapsed = started.elapsed();
        let action = match step {
            Step::Force { .. } => Action::Force,
            _ => Action::Apply,
        };
        let rec = Record {
            execution_time_ms: Some(i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)),
            ..record_for(entry, action, executed_by)
        };
        history::record(c, &rec)?;
        Ok(elapsed)
    };
    let result = if entry.in_transaction {
        conn.transaction(run)
    } else {
        run(conn)
    };
    result.map_err(|failure| failure_to_error(entry, failure))
}

fn record_for<'a>(entry: &'a Entry, action: Action, executed_by: &'a str) -> Record<'a> {
    Record {
        version: &entry.version,
        name: &entry.name,
        action,
        success: true,
        execution_time_ms: None,
        checksum: Some(&entry.checksum),
        executed_by,
        error: None,
    }
}

fn failure_to_error(entry: &Entry, failure: Failure) -> Error {
    let message = match failure {
        // Diesel's harness wraps the database's message in "Failed to run <dir> with: …".
        Failure::Migration(text) => match text.split_once(" with: ") {
            Some((_, message)) => message.trim().to_string(),
            None => text,
        },
        Failure::Database(e) => db_message(&e),
    };
    match permission_hint(&message) {
        Some(hint) => Error::Permission {
            doing: format!("in migration {entry}"),
            message,
            hint,
        },
        None => Error::MigrationFailed {
            version: entry.version.clone(),
            name: entry.name.clone(),
            message,
        },
    }
}
