//! How migrations are applied and reverted: executes a [`Plan`] step by step
//! through Diesel's `Migration` trait (and its harness for reverts), each
//! migration, Diesel's record and our history row in one transaction (unless
//! the migration opted out), reporting every step to a [`Reporter`].

use std::thread::sleep;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_migrations::MigrationHarness;

use crate::catalog::Entry;
use crate::connection::{self, AnyConnection};
use crate::error::{Error, Result, db_message, permission_hint};
use crate::history::{self, Action, Record};
use crate::plan::{Plan, Step};
use crate::report::{Event, Reporter, Summary};

/// What every history row of one run shares, and how to retry.
pub struct RunContext<'a> {
    pub executed_by: &'a str,
    pub backup_path: Option<&'a str>,
    /// Retries of a transactional migration that hit `lock_timeout`.
    pub lock_retries: u32,
}

/// Why one migration failed, before it is turned into an [`Error`].
enum Failure {
    /// The migration's SQL (reported by Diesel's harness).
    Migration(String),
    /// Our own bookkeeping query.
    Database(diesel::result::Error),
    /// Another runner applied it while this one waited for the write lock.
    AppliedMeanwhile,
}

impl From<diesel::result::Error> for Failure {
    fn from(e: diesel::result::Error) -> Self {
        Failure::Database(e)
    }
}

impl Failure {
    fn message(&self) -> String {
        match self {
            // Diesel's harness wraps the database's message in "Failed to run <dir> with: …".
            Failure::Migration(text) => match text.split_once(" with: ") {
                Some((_, message)) => message.trim().to_string(),
                None => text.clone(),
            },
            Failure::Database(e) => db_message(e),
            Failure::AppliedMeanwhile => "applied meanwhile by another runner".to_string(),
        }
    }

    fn is_lock_timeout(&self) -> bool {
        let message = self.message();
        message.contains("lock timeout") || message.contains("could not obtain lock")
    }
}

/// Executes the plan; stops at the first failure, leaving earlier migrations
/// applied (or reverted) and the failing one rolled back.
pub fn execute(
    conn: &mut AnyConnection,
    plan: &Plan<'_>,
    context: &RunContext<'_>,
    reporter: &mut dyn Reporter,
) -> Result<Summary> {
    let started = Instant::now();
    let mut summary = Summary::default();
    for planned in &plan.steps {
        let (entry, step) = (planned.entry, planned.step);
        match step {
            Step::AlreadyApplied => {
                summary.already_applied += 1;
                reporter.event(Event::AlreadyApplied { entry })?;
            }
            Step::Skip { record } => {
                if record {
                    let rec = Record {
                        checksum: None,
                        ..record_for(entry, Action::Skip, context)
                    };
                    history::record(conn, &rec)
                        .map_err(|e| Error::from_db("recording a skipped migration", &e))?;
                }
                summary.skipped += 1;
                reporter.event(Event::Skipped { entry })?;
            }
            Step::Apply | Step::Force { .. } | Step::Revert => {
                reporter.event(Event::Started { entry, step })?;
                match run_with_retries(conn, entry, step, context) {
                    Ok(elapsed) => {
                        match step {
                            Step::Apply => summary.applied += 1,
                            Step::Revert => summary.reverted += 1,
                            _ => summary.forced += 1,
                        }
                        reporter.event(Event::Applied {
                            entry,
                            step,
                            elapsed,
                        })?;
                    }
                    Err(Failure::AppliedMeanwhile) => {
                        summary.already_applied += 1;
                        reporter.event(Event::AlreadyApplied { entry })?;
                    }
                    Err(failure) => {
                        let error = failure_to_error(conn, entry, step, &failure);
                        reporter.event(Event::Failed {
                            entry,
                            message: &error.to_string(),
                        })?;
                        return Err(error);
                    }
                }
            }
        }
    }
    summary.elapsed = started.elapsed();
    reporter.event(Event::Summary(&summary))?;
    Ok(summary)
}

/// Retries a transactional migration that waited too long for a lock: it was
/// rolled back whole, so trying again later is safe.
fn run_with_retries(
    conn: &mut AnyConnection,
    entry: &Entry,
    step: Step,
    context: &RunContext<'_>,
) -> std::result::Result<Duration, Failure> {
    let mut attempt = 0;
    loop {
        match run_one(conn, entry, step, context) {
            Err(failure)
                if entry.in_transaction
                    && failure.is_lock_timeout()
                    && attempt < context.lock_retries =>
            {
                attempt += 1;
                let delay = Duration::from_millis(250 << (attempt - 1).min(5));
                log::warn!(
                    "migration {entry} gave up waiting for a lock ({}); rolled back, retry \
                     {attempt}/{} in {:.1}s",
                    failure.message(),
                    context.lock_retries,
                    delay.as_secs_f64()
                );
                sleep(delay);
            }
            result => return result,
        }
    }
}

/// Runs one step and writes its history row, in one transaction unless the
/// migration opted out of it; a failure outside a transaction is recorded.
fn run_one(
    conn: &mut AnyConnection,
    entry: &Entry,
    step: Step,
    context: &RunContext<'_>,
) -> std::result::Result<Duration, Failure> {
    let started = Instant::now();
    let run = |c: &mut AnyConnection| -> std::result::Result<Duration, Failure> {
        // The migration and Diesel's record of it are written here rather than
        // through `run_migration`, which would nest a second transaction (a
        // savepoint) in ours: two round trips per migration for nothing.
        let outcome = match step {
            Step::Revert => c.revert_migration(&*entry.migration).map(drop),
            Step::Force { recorded: true } => entry.migration.run(c),
            _ => {
                // Only SQLite runners can race here; PostgreSQL ones hold the lock.
                if matches!(c, AnyConnection::Sqlite(_)) && history::is_recorded(c, &entry.version)?
                {
                    return Err(Failure::AppliedMeanwhile);
                }
                entry.migration.run(c).and_then(|()| {
                    history::mark_applied(c, &entry.version).map_err(|e| Box::new(e) as _)
                })
            }
        };
        outcome.map_err(|e| Failure::Migration(e.to_string()))?;
        let elapsed = started.elapsed();
        let rec = Record {
            execution_time_ms: Some(i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)),
            ..record_for(entry, action_of(step), context)
        };
        history::record(c, &rec)?;
        Ok(elapsed)
    };
    if entry.in_transaction {
        return connection::transaction(conn, run);
    }
    let result = run(conn);
    if let Err(failure) = &result {
        let message = failure.message();
        let rec = Record {
            success: false,
            error: Some(&message),
            execution_time_ms: Some(i64::try_from(started.elapsed().as_millis()).unwrap_or(0)),
            ..record_for(entry, action_of(step), context)
        };
        if let Err(e) = history::record(conn, &rec) {
            log::error!("could not record the failure of migration {entry}: {e}");
        }
    }
    result
}

fn action_of(step: Step) -> Action {
    match step {
        Step::Force { .. } => Action::Force,
        Step::Revert => Action::Revert,
        _ => Action::Apply,
    }
}

fn record_for<'a>(entry: &'a Entry, action: Action, context: &RunContext<'a>) -> Record<'a> {
    Record {
        version: &entry.version,
        name: &entry.name,
        action,
        success: true,
        execution_time_ms: None,
        checksum: (action != Action::Revert).then_some(entry.checksum.as_str()),
        executed_by: context.executed_by,
        error: None,
        backup_path: context.backup_path,
    }
}

fn failure_to_error(
    conn: &mut AnyConnection,
    entry: &Entry,
    step: Step,
    failure: &Failure,
) -> Error {
    let mut message = failure.message();
    if !entry.in_transaction {
        message.push_str(&leftovers(conn));
    }
    if let Some(hint) = permission_hint(&message) {
        return Error::Permission {
            doing: format!("in migration {entry}"),
            message,
            hint,
        };
    }
    if failure.is_lock_timeout() {
        message.push_str(
            " (another session kept a conflicting lock through every retry: find it in \
             pg_stat_activity, or raise --lock-timeout / --lock-retries)",
        );
    }
    let aftermath = if entry.in_transaction {
        "It was rolled back; earlier migrations stay as they were and later ones were not tried. \
         Fix the cause and run again"
            .to_string()
    } else {
        format!(
            "It ran outside a transaction, so part of it may have taken effect; it is recorded \
             as failed. Check, then `buildxpert-migrate force` after fixing, or \
             `buildxpert-migrate repair {}` if you completed it by hand",
            entry.version
        )
    };
    Error::MigrationFailed {
        what: match step {
            Step::Revert => format!("revert of migration {entry}"),
            _ => format!("migration {entry}"),
        },
        message,
        aftermath,
    }
}

#[derive(QueryableByName)]
struct IndexName {
    #[diesel(sql_type = Text)]
    name: String,
}

/// What a failed migration outside a transaction left behind that must be
/// cleaned up: on PostgreSQL, invalid indexes from CREATE INDEX CONCURRENTLY.
fn leftovers(conn: &mut AnyConnection) -> String {
    let AnyConnection::Pg(pg) = conn else {
        return String::new();
    };
    let invalid = diesel::sql_query(
        "SELECT indexrelid::regclass::text AS name FROM pg_index WHERE NOT indisvalid ORDER BY 1",
    )
    .load::<IndexName>(pg)
    .unwrap_or_default();
    if invalid.is_empty() {
        return String::new();
    }
    let names: Vec<String> = invalid.into_iter().map(|i| i.name).collect();
    format!(
        "; it left invalid index(es) {} behind: DROP INDEX CONCURRENTLY each before re-running",
        names.join(", ")
    )
}
