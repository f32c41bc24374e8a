//! How migrations are applied and reverted: executes a [`Plan`] step by step
//! through Diesel's `Migration` trait (and its harness for reverts), each
//! migration, Diesel's record and our history row in one transaction (unless
//! the migration opted out; with `--single-transaction`, all of them in one),
//! reporting every step to a [`Reporter`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::thread::sleep;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;

use crate::catalog::Entry;
use crate::config::{Settings, Target};
use crate::connection;
use crate::drift;
use crate::engine::{self, AnyConnection};
use crate::error::{Error, Result, db_message, lost_message, permission_hint};
use crate::history;
use crate::lock;
use crate::node_history;
use crate::objects::Objects;
use crate::plan::{Plan, Planned, Step};
use crate::records::{Action, Backup, DieselChange, NodeChange, Record, STARTED};
use crate::report::{Event, Reporter, Summary};
use crate::sqltext;

/// What every history row of one run shares, and how to retry.
pub struct RunContext<'a> {
    /// The state the plan was made from: a step asks whether it changed.
    pub planned: &'a crate::history::DbState,
    /// Per version, the "started" rows this run wrote (a redo's revert
    /// outside a transaction): its own, not another runner's failures.
    pub started: RefCell<HashMap<String, usize>>,
    /// The database, for the second connection that holds the lock while a
    /// migration runs outside a transaction.
    pub target: &'a Target,
    /// The database user (our log).
    pub executed_by: &'a str,
    /// The operating-system user (the Node runner's `executed_by`).
    pub os_user: &'a str,
    /// Which columns of the Node runner's table can be written.
    pub node_columns: node_history::Columns,
    /// The backup taken before the run, recorded on each of its steps.
    pub backup: Option<&'a Backup>,
    /// Retries of a transactional migration that hit `lock_timeout`.
    pub lock_retries: u32,
    /// `--single-transaction`: every step and its records in one transaction.
    pub single_transaction: bool,
    /// The run's session settings, put back after each migration's SQL.
    pub settings: &'a Settings,
    /// Per version, what its objects must be once it has run (see
    /// `drift::expectations`): checked before it is recorded.
    pub expected: Option<&'a HashMap<String, Objects>>,
}

/// Why one step did not complete, before it is turned into an [`Error`].
enum Failure {
    /// The migration's SQL, or Diesel's bookkeeping around it.
    Migration(String),
    /// Our own bookkeeping query.
    Database(diesel::result::Error),
    /// A migration outside a transaction ran to the end but left invalid
    /// indexes it names (what [`leftovers`] says).
    LeftInvalid(String),
    /// Another runner did this step while this one waited for the lock.
    DoneMeanwhile,
    /// Another runner's attempt at this migration failed since the plan was
    /// made: what to do is a person's call.
    ChangedMeanwhile,
    /// It ran, but its objects differ from what it defines (each difference).
    ObjectsDiffer(Vec<String>),
    /// Something else went wrong while checking.
    Other(Error),
    /// The step failed and the rollback after it failed too (the
    /// transaction had ended early, or the connection is gone).
    NotRolledBack {
        cause: Box<Failure>,
        rollback: String,
    },
}

impl connection::NotRolledBack for Failure {
    fn not_rolled_back(self, rollback: String) -> Self {
        Failure::NotRolledBack {
            cause: Box::new(self),
            rollback,
        }
    }
}

impl From<diesel::result::Error> for Failure {
    fn from(e: diesel::result::Error) -> Self {
        Failure::Database(e)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Other(e)
    }
}

impl Failure {
    fn message(&self) -> String {
        match self {
            // Diesel's embedded migrations wrap the database's message in
            // "Failed to run <dir> with: …".
            Failure::Migration(text) => match text.split_once(" with: ") {
                Some((_, message)) => message.trim().to_string(),
                None => text.clone(),
            },
            Failure::Database(e) => db_message(e),
            Failure::LeftInvalid(left) => format!(
                "it finished but left {left} (CREATE INDEX CONCURRENTLY IF NOT EXISTS keeps an \
                 existing invalid index)"
            ),
            Failure::DoneMeanwhile => "done meanwhile by another runner".to_string(),
            Failure::ChangedMeanwhile => "another runner's attempt at it failed meanwhile; see \
                                          `buildxpert-migrate status`"
                .to_string(),
            Failure::ObjectsDiffer(differences) => differences.join("; "),
            Failure::Other(error) => error.to_string(),
            Failure::NotRolledBack { cause, .. } => cause.message(),
        }
    }

    /// Whether the connection is gone (the failure's, or the rollback's after it).
    fn lost(&self) -> bool {
        let rollback_lost =
            matches!(self, Failure::NotRolledBack { rollback, .. } if lost_message(rollback));
        rollback_lost || lost_message(&self.message())
    }

    fn is_lock_timeout(&self) -> bool {
        let message = self.message();
        message.contains("lock timeout") || message.contains("could not obtain lock")
    }
}

/// Output must never stop a migration half-way (a closed pipe, say).
fn report(reporter: &mut dyn Reporter, event: Event<'_>) {
    if let Err(e) = reporter.event(event) {
        log::debug!("could not write progress: {e}");
    }
}

/// Executes the plan; stops at the first failure, leaving earlier migrations
/// applied (or reverted) and the failing one rolled back — or, with
/// `--single-transaction`, every one of them rolled back.
pub fn execute(
    conn: &mut AnyConnection,
    plan: &Plan<'_>,
    context: &RunContext<'_>,
    reporter: &mut dyn Reporter,
) -> Result<Summary> {
    // With nothing to write, one transaction would only add two round trips.
    if context.single_transaction && plan.writes_history() {
        return execute_at_once(conn, plan, context, reporter);
    }
    let started = Instant::now();
    let mut summary = Summary::default();
    // What this run changed, for the message if a later step fails.
    let mut done: Vec<String> = Vec::new();
    for planned in &plan.steps {
        let (entry, step) = (planned.entry, planned.step);
        match step {
            Step::AlreadyApplied => {
                summary.already_applied += 1;
                report(reporter, Event::AlreadyApplied { entry });
            }
            Step::Skip { record } => {
                if record {
                    let rec = Record {
                        checksum: None,
                        ..record_for(entry, Action::Skip, context)
                    };
                    // Not over an apply another runner made meanwhile.
                    lock::command_transaction(conn, context.settings.lock_wait, |c| {
                        if history::now(c, &entry.version)
                            .map_err(|e| Error::from_db("reading Diesel's record", &e))?
                            .recorded
                        {
                            return Ok(());
                        }
                        history::write(
                            c,
                            context.node_columns,
                            &rec,
                            DieselChange::Keep,
                            NodeChange::Keep,
                        )
                        .map_err(|e| Error::from_db("recording a skipped migration", &e))
                    })?;
                }
                summary.skipped += 1;
                report(reporter, Event::Skipped { entry });
            }
            Step::Apply
            | Step::Force { .. }
            | Step::Revert
            | Step::Adopt { .. }
            | Step::Repair { .. } => {
                report(reporter, Event::Started { entry, step });
                match run_with_retries(conn, entry, step, context) {
                    Ok(elapsed) => {
                        done.push(format!("{} {}", step.done(), entry.version));
                        count(&mut summary, step);
                        report(
                            reporter,
                            Event::Applied {
                                entry,
                                step,
                                elapsed,
                            },
                        );
                    }
                    Err(Failure::DoneMeanwhile) => {
                        summary.already_applied += 1;
                        report(reporter, Event::DoneMeanwhile { entry, step });
                    }
                    Err(failure) => {
                        let error = failure_to_error(
                            conn,
                            entry,
                            step,
                            failure,
                            Earlier::Kept(&done),
                            context.settings,
                        );
                        let message = error.to_string();
                        report(
                            reporter,
                            Event::Failed {
                                entry,
                                message: &message,
                            },
                        );
                        return Err(error);
                    }
                }
            }
        }
    }
    summary.elapsed = started.elapsed();
    report(reporter, Event::Summary(&summary));
    Ok(summary)
}

/// `--single-transaction`: the whole plan and its records in one
/// transaction, so a failure anywhere leaves the database as it was.
/// "Started" is reported as each step begins; what the steps did only once
/// the commit made it true.
fn execute_at_once<'c>(
    conn: &mut AnyConnection,
    plan: &Plan<'c>,
    context: &RunContext<'_>,
    reporter: &mut dyn Reporter,
) -> Result<Summary> {
    let started = Instant::now();
    // How far the transaction got, for the error if it fails.
    let mut current = At::Begin;
    let result = with_retries(conn, context, "the single transaction", true, |conn| {
        lock::transaction(conn, context.settings.lock_wait, |c| {
            run_all(c, plan, context, reporter, &mut current)
        })
    });
    match result {
        Ok((events, mut summary)) => {
            for event in events {
                report(reporter, event);
            }
            summary.elapsed = started.elapsed();
            report(reporter, Event::Summary(&summary));
            Ok(summary)
        }
        Err(failure) => {
            let (entry, step) = match current {
                At::Step(&Planned { entry, step }) => (entry, step),
                At::Begin | At::End if failure.lost() => {
                    return Err(Error::ConnectionLost {
                        doing: "running the run's one transaction".to_string(),
                        message: failure.message(),
                        aftermath: "none of this run's migrations was applied \
                                    (--single-transaction)"
                            .to_string(),
                    });
                }
                At::Begin => {
                    // The lock not taken in time (7), and the like, as they are.
                    if let Failure::Other(error) = failure {
                        return Err(error);
                    }
                    return Err(Error::Database {
                        doing: "starting the run's transaction".to_string(),
                        message: failure.message(),
                    });
                }
                At::End => {
                    let doing = "recording the run's history and committing (every migration \
                                 of the run was rolled back)";
                    return Err(match &failure {
                        Failure::Database(e) => Error::from_db(doing, e),
                        other => Error::Database {
                            doing: doing.to_string(),
                            message: other.message(),
                        },
                    });
                }
            };
            let error = failure_to_error(
                conn,
                entry,
                step,
                failure,
                Earlier::RolledBack,
                context.settings,
            );
            let message = error.to_string();
            report(
                reporter,
                Event::Failed {
                    entry,
                    message: &message,
                },
            );
            Err(error)
        }
    }
}

/// How far `--single-transaction`'s one transaction got.
enum At<'p, 'c> {
    Begin,
    Step(&'p Planned<'c>),
    /// Every step ran: the records are written, then the commit.
    End,
}

/// Every step of the plan, inside the run's one transaction; returns what to
/// report once it commits.
fn run_all<'p, 'c>(
    c: &mut AnyConnection,
    plan: &'p Plan<'c>,
    context: &RunContext<'_>,
    reporter: &mut dyn Reporter,
    current: &mut At<'p, 'c>,
) -> std::result::Result<(Vec<Event<'c>>, Summary), Failure> {
    let mut events = Vec::new();
    let mut summary = Summary::default();
    // Written together once every step ran (history::write_all).
    let mut records: Vec<StepRecords<'_>> = Vec::new();
    for planned in &plan.steps {
        *current = At::Step(planned);
        let (entry, step) = (planned.entry, planned.step);
        match step {
            Step::AlreadyApplied => {
                summary.already_applied += 1;
                events.push(Event::AlreadyApplied { entry });
            }
            Step::Skip { record } => {
                if record {
                    let rec = Record {
                        checksum: None,
                        ..record_for(entry, Action::Skip, context)
                    };
                    records.push((rec, DieselChange::Keep, NodeChange::Keep));
                }
                summary.skipped += 1;
                events.push(Event::Skipped { entry });
            }
            Step::Apply
            | Step::Force { .. }
            | Step::Revert
            | Step::Adopt { .. }
            | Step::Repair { .. } => {
                report(reporter, Event::Started { entry, step });
                match apply(c, entry, step, context) {
                    Ok((elapsed, step_records)) => {
                        records.push(step_records);
                        count(&mut summary, step);
                        events.push(Event::Applied {
                            entry,
                            step,
                            elapsed,
                        });
                    }
                    Err(Failure::DoneMeanwhile) => {
                        summary.already_applied += 1;
                        events.push(Event::DoneMeanwhile { entry, step });
                    }
                    Err(failure) => return Err(failure),
                }
            }
        }
    }
    *current = At::End;
    history::write_all(c, context.node_columns, &records)?;
    Ok((events, summary))
}

/// Adds a completed step to the summary.
fn count(summary: &mut Summary, step: Step) {
    match step {
        Step::Apply => summary.applied += 1,
        Step::Revert => summary.reverted += 1,
        Step::Adopt { .. } => summary.adopted += 1,
        Step::Repair { .. } => summary.repaired += 1,
        _ => summary.forced += 1,
    }
}

/// Runs one migration in its own transaction (unless it opted out).
fn run_with_retries(
    conn: &mut AnyConnection,
    entry: &Entry,
    step: Step,
    context: &RunContext<'_>,
) -> std::result::Result<Duration, Failure> {
    let what = format!("migration {entry}");
    let in_transaction = step.in_transaction(entry);
    with_retries(conn, context, &what, in_transaction, |conn| {
        if in_transaction {
            lock::transaction(conn, context.settings.lock_wait, |c| {
                run_step(c, entry, step, context)
            })
        } else {
            run_outside_transaction(conn, entry, step, context)
        }
    })
}

/// Retries a transaction that waited too long for a lock: it was rolled
/// back whole, so trying again later is safe (`retryable`: it was one).
fn with_retries<T>(
    conn: &mut AnyConnection,
    context: &RunContext<'_>,
    what: &str,
    retryable: bool,
    mut attempt_once: impl FnMut(&mut AnyConnection) -> std::result::Result<T, Failure>,
) -> std::result::Result<T, Failure> {
    let mut attempt = 0;
    loop {
        match attempt_once(conn) {
            Err(failure)
                if retryable && failure.is_lock_timeout() && attempt < context.lock_retries =>
            {
                attempt += 1;
                let delay = Duration::from_millis(250 << (attempt - 1).min(5));
                log::warn!(
                    "{what} gave up waiting for a lock ({}); rolled back, retry {attempt}/{} in \
                     {:.1}s",
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

/// Runs one step and writes Diesel's record and our history row with it.
fn run_step(
    c: &mut AnyConnection,
    entry: &Entry,
    step: Step,
    context: &RunContext<'_>,
) -> std::result::Result<Duration, Failure> {
    let (elapsed, (rec, diesel, node)) = apply(c, entry, step, context)?;
    history::write(c, context.node_columns, &rec, diesel, node)?;
    Ok(elapsed)
}

/// A step's records, to write with it.
type StepRecords<'a> = (Record<'a>, DieselChange, NodeChange);

/// Runs one step's SQL; returns how long it took and the records it needs.
fn apply<'a>(
    c: &mut AnyConnection,
    entry: &'a Entry,
    step: Step,
    context: &RunContext<'a>,
) -> std::result::Result<(Duration, StepRecords<'a>), Failure> {
    let started = Instant::now();
    // A step outside a transaction asked before its "started" row.
    if step.in_transaction(entry) && done_meanwhile(c, entry, step, context)? {
        return Err(Failure::DoneMeanwhile);
    }
    // The SQL runs here and Diesel's record is written with our row
    // rather than through `run_migration`, which would nest a second
    // transaction (a savepoint) in ours on every migration.
    let sql = match step {
        Step::Revert => entry
            .down_sql
            .as_deref()
            .ok_or_else(|| Failure::Migration(format!("migration {entry} has no down.sql")))?,
        // Adopted: its objects were checked before the run. Repaired: the
        // database is accepted as it is. Only the records change.
        Step::Adopt { .. } | Step::Repair { .. } => "",
        _ => &entry.up_sql,
    };
    let reset = engine::of(c).reset_sql(context.settings);
    let limits = engine::of(c).statement_limits(context.settings);
    run_sql(
        c,
        sql,
        (!step.in_transaction(entry)).then_some(&limits),
        &reset,
    )?;
    if !step.in_transaction(entry) {
        let left = leftovers(c, entry);
        if !left.is_empty() {
            return Err(Failure::LeftInvalid(left));
        }
    }
    if let Some(expected) = context.expected.and_then(|e| e.get(&entry.version)) {
        let differ = drift::objects_differ(c, expected).map_err(Failure::Other)?;
        if !differ.is_empty() {
            return Err(Failure::ObjectsDiffer(differ));
        }
    }
    let elapsed = started.elapsed();
    // A repair ran nothing: it has no duration to record.
    let ran = !matches!(step, Step::Repair { .. });
    let rec = Record {
        execution_time_ms: ran.then(|| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)),
        ..record_for(entry, step.action(), context)
    };
    let (diesel, node) = match step {
        Step::Apply | Step::Force { recorded: false } => (DieselChange::Add, NodeChange::Upsert),
        Step::Force { recorded: true } => (DieselChange::Keep, NodeChange::Upsert),
        Step::Revert => (DieselChange::Remove, NodeChange::Remove),
        // The Node runner's row stays as it wrote it (its time, its duration).
        Step::Adopt {
            node_recorded: true,
        } => (DieselChange::Add, NodeChange::Keep),
        Step::Adopt {
            node_recorded: false,
        } => (DieselChange::Add, NodeChange::Upsert),
        Step::Repair {
            recorded: false, ..
        } => (DieselChange::Add, NodeChange::Upsert),
        Step::Repair { recorded: true, .. } => (DieselChange::Keep, NodeChange::Upsert),
        Step::AlreadyApplied | Step::Skip { .. } => (DieselChange::Keep, NodeChange::Keep),
    };
    Ok((elapsed, (rec, diesel, node)))
}

/// Runs a migration file as Diesel's SQL migrations do (one batch), minus
/// a byte-order mark PostgreSQL would choke on; a file with nothing but
/// comments is a no-op rather than PostgreSQL's "empty query" error. A
/// migration outside a transaction runs `one_by_one`, each statement with
/// these limits before it in its batch (one implicit transaction) unless it
/// must stand alone: PostgreSQL runs a batch of several statements as one
/// implicit transaction, where `CREATE INDEX CONCURRENTLY` is refused.
/// `reset` follows it (see `engine::Engine::reset_sql`), in the same round
/// trip where it can.
fn run_sql(
    c: &mut AnyConnection,
    sql: &str,
    one_by_one: Option<&String>,
    reset: &str,
) -> std::result::Result<(), Failure> {
    let statements = sqltext::split(sql);
    if statements.is_empty() {
        return Ok(());
    }
    let Some(limits) = one_by_one else {
        // A new line first: the file may end in a `--` comment.
        return c
            .batch_execute(&format!("{}\n;\n{reset}", sqltext::without_bom(sql)))
            .map_err(|e| Failure::Migration(db_message(&e)));
    };
    for (line, statement) in statements {
        let alone = limits.is_empty() || sqltext::stands_alone(statement);
        let mut sent = if alone {
            c.batch_execute(statement)
        } else {
            c.batch_execute(&format!("{limits};\n{statement}"))
        };
        // A statement PostgreSQL refuses in a batch that `stands_alone`
        // does not know: the batch's implicit transaction rolled back whole,
        // so it is sent again by itself.
        if !alone
            && sent
                .as_ref()
                .is_err_and(|e| db_message(e).contains("cannot run inside a transaction block"))
        {
            sent = c.batch_execute(statement);
        }
        if let Err(e) = sent {
            // Its failure is recorded next, with the run's settings and
            // outside any transaction the migration itself may have opened.
            let _ = c.batch_execute("ROLLBACK");
            let _ = c.batch_execute(reset);
            return Err(Failure::Migration(format!(
                "line {line}: {}",
                db_message(&e)
            )));
        }
    }
    c.batch_execute(reset).map_err(Failure::Database)
}

/// Whether another runner already did this step while this one waited for
/// the lock (each step takes it for itself: see [`lock`]): Diesel's record
/// says so, or, for an apply, the Node.js runner's row has turned to
/// success (the next run adopts it after checking its objects). A failure
/// recorded since the plan was read (another runner's attempt) stops the
/// run: whether to try again is a person's call, as for any failure.
fn done_meanwhile(
    c: &mut AnyConnection,
    entry: &Entry,
    step: Step,
    context: &RunContext<'_>,
) -> Result<bool, Failure> {
    let now = history::now(c, &entry.version)?;
    let recorded = now.recorded;
    let wanted = matches!(
        step,
        Step::Apply
            | Step::Force { recorded: false }
            | Step::Adopt { .. }
            | Step::Repair {
                recorded: false,
                ..
            }
    );
    if (wanted && recorded) || (step == Step::Revert && !recorded) {
        return Ok(true);
    }
    let (failures, node_done) = (now.failures, now.node_done);
    let node_done_before = context
        .planned
        .node_row(&entry.version)
        .is_some_and(|row| row.success);
    if step == Step::Apply && node_done && !node_done_before {
        return Ok(true);
    }
    let planned = context
        .planned
        .history
        .iter()
        .filter(|row| row.version == entry.version && !row.success)
        .count()
        + context
            .started
            .borrow()
            .get(&entry.version)
            .copied()
            .unwrap_or(0);
    if usize::try_from(failures).unwrap_or(usize::MAX) != planned {
        return Err(Failure::ChangedMeanwhile);
    }
    Ok(false)
}

/// A migration that cannot run in a transaction: a "started" row written
/// first (marked failed) makes a crash half-way show as `failed`; the real
/// outcome follows it.
fn run_outside_transaction(
    conn: &mut AnyConnection,
    entry: &Entry,
    step: Step,
    context: &RunContext<'_>,
) -> std::result::Result<Duration, Failure> {
    // Held until the outcome is recorded: its writes below take no lock.
    let mut guard = lock::guard(conn, context.target, context.settings)?;
    if done_meanwhile(conn, entry, step, context)? {
        return Err(Failure::DoneMeanwhile);
    }
    let started = Record {
        success: false,
        error: Some(STARTED),
        ..record_for(entry, step.action(), context)
    };
    history::write(
        conn,
        context.node_columns,
        &started,
        DieselChange::Keep,
        NodeChange::Started,
    )?;
    *context
        .started
        .borrow_mut()
        .entry(entry.version.clone())
        .or_default() += 1;
    let result = run_step(conn, entry, step, context);
    if let Some(guard) = &mut guard
        && !guard.still_held()
    {
        log::warn!(
            "the connection holding the migration lock for {entry} was closed while it ran \
             (an idle-transaction timeout of the server or the pooler?): another runner may \
             have run it at the same time"
        );
    }
    if let Some(failure) = result
        .as_ref()
        .err()
        .filter(|f| !matches!(f, Failure::DoneMeanwhile | Failure::ChangedMeanwhile))
    {
        let message = failure.message();
        let rec = Record {
            success: false,
            error: Some(&message),
            ..record_for(entry, step.action(), context)
        };
        let written = history::write(
            conn,
            context.node_columns,
            &rec,
            DieselChange::Keep,
            NodeChange::Upsert,
        );
        if let Err(e) = written {
            log::error!("could not record the failure of migration {entry}: {e}");
        }
    }
    result
}

fn record_for<'a>(entry: &'a Entry, action: Action, context: &RunContext<'a>) -> Record<'a> {
    Record {
        version: &entry.version,
        name: &entry.name,
        title: &entry.title,
        description: entry.description.as_deref(),
        action,
        success: true,
        execution_time_ms: None,
        checksum: (action != Action::Revert).then_some(entry.checksum.as_str()),
        executed_by: context.executed_by,
        os_user: context.os_user,
        error: None,
        backup: context.backup,
    }
}

/// What became of the run's earlier steps when one failed.
enum Earlier<'a> {
    /// Each committed on its own and stays so ("applied 001", …).
    Kept(&'a [String]),
    /// `--single-transaction`: rolled back with the failing one.
    RolledBack,
}

fn failure_to_error(
    conn: &mut AnyConnection,
    entry: &Entry,
    step: Step,
    failure: Failure,
    earlier: Earlier<'_>,
    settings: &Settings,
) -> Error {
    // Waiting for another runner, or for a connection, is not this
    // migration's failure: said as it is.
    if let Failure::Other(
        error @ (Error::LockTimeout { .. } | Error::Connect { .. } | Error::PoolExhausted { .. }),
    ) = failure
    {
        return error;
    }
    if let Failure::ChangedMeanwhile = failure {
        return Error::ChangedMeanwhile {
            migration: entry.to_string(),
        };
    }
    let failure = &failure;
    // PgBouncer's answer when its pool had no server connection free (it
    // then closes the client's connection): what a migration outside a
    // transaction meets when its lock's connection holds a pool of one.
    if !step.in_transaction(entry) && failure.message().contains("query_wait_timeout") {
        return Error::PoolExhausted {
            migration: entry.to_string(),
        };
    }
    if failure.lost() {
        let before = match earlier {
            Earlier::Kept([]) => String::new(),
            Earlier::Kept(done) => {
                format!(" (this run had already {}, which stay so)", done.join(", "))
            }
            Earlier::RolledBack => {
                " (with every other step of this run: --single-transaction)".to_string()
            }
        };
        let aftermath = if step.in_transaction(entry) {
            format!("migration {entry} is entirely applied or not at all{before}")
        } else {
            format!(
                "migration {entry} runs outside one, so part of it may have taken effect{before}"
            )
        };
        return Error::ConnectionLost {
            doing: match step {
                Step::Revert => format!("reverting migration {entry}"),
                _ => format!("applying migration {entry}"),
            },
            message: failure.message(),
            aftermath,
        };
    }
    if let Failure::Other(error) = failure {
        let doing = format!("checking the objects of migration {entry}");
        return match error {
            Error::Permission { message, hint, .. } => Error::Permission {
                doing: format!("while {doing}"),
                message: message.clone(),
                hint: hint.clone(),
            },
            other => Error::Database {
                doing,
                message: other.to_string(),
            },
        };
    }
    if let Failure::ObjectsDiffer(differences) = failure {
        return Error::ObjectsDiffer {
            what: format!("migration {entry}"),
            differences: differences.join("; "),
            aftermath: if step.in_transaction(entry) {
                "it was rolled back and not recorded"
            } else {
                "it ran outside a transaction, so it took effect, and is recorded as failed"
            },
        };
    }
    if let (true, Failure::Database(e)) = (step.records_only(), failure) {
        // Adopting and repairing only write records: no migration failed,
        // the database refused the write.
        let doing = match step {
            Step::Adopt { .. } => "recording the adoption",
            _ => "recording the repair",
        };
        return Error::from_db(doing, e);
    }
    let mut message = failure.message();
    if let Some(busy) = engine::of(conn).busy(&message) {
        return busy;
    }
    let in_transaction = step.in_transaction(entry);
    if !in_transaction && !matches!(failure, Failure::LeftInvalid(_)) {
        let left = leftovers(conn, entry);
        if !left.is_empty() {
            message.push_str(&format!("; it left {left}"));
        }
    }
    if let Some(hint) = permission_hint(&message) {
        return Error::Permission {
            doing: format!("in migration {entry}"),
            message,
            hint,
        };
    }
    // The run's own limit is set per transaction, gone by now: named here.
    let limit = match settings.statement_timeout {
        Some(timeout) => Some(format!(
            "statement_timeout is {}ms, set by --statement-timeout",
            timeout.as_millis()
        )),
        None => engine::of(conn).statement_timeout(),
    };
    if message.contains("statement timeout")
        && let Some(limit) = limit
    {
        message.push_str(&format!(
            " ({limit}: pass --statement-timeout 0, or a longer limit, for the migrations' \
             session)"
        ));
    }
    if failure.is_lock_timeout() {
        message.push_str(
            " (another session kept a conflicting lock through every retry: find it in \
             pg_stat_activity, or raise --lock-timeout / --lock-retries)",
        );
    }
    let aftermath = if let Failure::NotRolledBack { rollback, .. } = failure {
        format!(
            "The rollback failed too ({rollback}), so statements that ran before the failure \
             may have been committed and nothing was recorded: compare the database with the \
             migration's SQL before running again"
        )
    } else if in_transaction {
        let before = match earlier {
            Earlier::Kept([]) => "nothing else was changed by this run".to_string(),
            Earlier::Kept(done) => {
                format!("this run had already {}, which stay so", done.join(", "))
            }
            Earlier::RolledBack => "so was every other step of this run (--single-transaction): \
                 none was applied and nothing was recorded"
                .to_string(),
        };
        format!(
            "It was rolled back; {before}, and later steps were not tried. Fix the cause and run again"
        )
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

/// Invalid indexes a migration outside a transaction left behind (a failed
/// or interrupted CREATE INDEX CONCURRENTLY), as "invalid index(es) … behind:
/// what to do"; empty when there are none. Only indexes its up.sql names
/// count: the application may be building its own right now.
fn leftovers(conn: &mut AnyConnection, entry: &Entry) -> String {
    let invalid: Vec<String> = engine::of(conn)
        .invalid_indexes()
        .unwrap_or_default()
        .into_iter()
        .filter(|name| entry.up_sql.contains(name.as_str()))
        .collect();
    if invalid.is_empty() {
        return String::new();
    }
    format!(
        "invalid index(es) {} behind: DROP INDEX CONCURRENTLY each before re-running",
        invalid.join(", ")
    )
}
