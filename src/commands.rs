//! Each subcommand: resolve the database, load the catalog, connect, then
//! (under the migration lock) plan and run, revert, repair, or report status.
//! Only connects the modules below; `lib.rs` picks the subcommand.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::{BufRead, IsTerminal, Write, stderr, stdin, stdout};
use std::path::Path;
use std::time::Duration;

use crate::backup;
use crate::catalog::Catalog;
use crate::config::{self, Backend, Environment, Settings, Target, UrlSource};
use crate::connection::{self, Conn};
use crate::drift::{self, Scratch};
use crate::error::{Error, Result};
use crate::history::{self, DbState};
use crate::lint;
use crate::lock;
use crate::objects::Objects;
use crate::options::{
    AdoptArgs, ApplyArgs, Format, GlobalArgs, LintArgs, MAX_SECONDS, Output, RepairArgs,
    RevertArgs, StatusArgs, VerifyArgs,
};
use crate::output::{self, note};
use crate::plan::{self, Options, Plan, RevertScope, Step};
use crate::report::{self, Event, JsonReporter, Look, Reporter, Summary, TextReporter};
use crate::runner::{self, RunContext};

/// What every command needs besides the connection.
struct Context<'a> {
    target: Target,
    /// `--scratch-database-url`: where replays may create their database.
    scratch_server: Option<Target>,
    catalog: Catalog,
    global: &'a GlobalArgs,
    settings: Settings,
    production: bool,
}

/// Resolves the database and the migrations, connects and checks the
/// session: what every command does first. `version` is the command's
/// version argument (checked against the catalog before connecting, so a
/// typo changes nothing anywhere); `read_only` commands must not change
/// anything, not even create a SQLite file.
fn open<'a>(
    global: &'a GlobalArgs,
    version: Option<&str>,
    read_only: bool,
) -> Result<(Context<'a>, Conn)> {
    // Only needed to look for config.env / .env and the default file: a
    // deleted working directory must not block an explicit URL.
    let dir = std::env::current_dir();
    let var = |name: &str| std::env::var(name).ok();
    let env = Environment {
        var: &var,
        dir: dir.as_deref().map_err(|e| e.to_string()),
    };
    let target = config::resolve(
        global.database_url.as_deref(),
        global.database_url_file.as_deref(),
        &env,
    )?;
    if !global.quiet {
        for warning in config::secret_warnings(&target) {
            note(&warning);
        }
    }
    if target.source == UrlSource::Default && !global.quiet {
        note(&format!(
            "No database configured: migrating the local SQLite file {}. To migrate PostgreSQL, \
             set DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DATABASE (environment, \
             config.env or --database-url).",
            target.connect_url
        ));
    }
    let catalog = catalog_for(global, target.backend, version)?;
    if read_only
        && let Some(file) = target.sqlite_file()
        && !file.exists()
    {
        // SQLite would create it, and an empty file would then report every
        // migration pending: the wrong answer to "what is there?".
        return Err(Error::Connect {
            target: target.to_string(),
            reason: "the file does not exist".to_string(),
            hint: "status and --dry-run never create it: check the path, or run \
                   `buildxpert-migrate` to create and migrate it"
                .to_string(),
        });
    }
    let settings = settings(global)?;
    let mut conn = connection::connect(&target, &settings)?;
    check_encryption(&mut conn, &target, global, env.production())?;
    if log::log_enabled!(log::Level::Debug) {
        log::debug!(
            "connected to {} (from {})",
            connection::describe_session(&mut conn, &target),
            target.source
        );
    }
    let scratch_server = scratch_server(global, &var)?;
    if let Some(server) = scratch_server.as_ref().filter(|_| !global.quiet) {
        for warning in config::secret_warnings(server) {
            note(&warning.replace("--database-url", "--scratch-database-url"));
        }
    }
    let ctx = Context {
        target,
        scratch_server,
        catalog,
        global,
        settings,
        production: env.production(),
    };
    Ok((ctx, conn))
}

/// `--scratch-database-url`, else `BUILDXPERT_SCRATCH_DATABASE_URL`.
fn scratch_server(
    global: &GlobalArgs,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Target>> {
    let (url, source) = match &global.scratch_database_url {
        Some(url) => (Some(url.clone()), UrlSource::Flag),
        None => (var(SCRATCH_VARIABLE), UrlSource::Environment),
    };
    url.filter(|u| !u.trim().is_empty())
        .map(|url| Target::parse(&url, source))
        .transpose()
}

/// The environment's way to give `--scratch-database-url` (and fleet's way
/// to hand it to its children without showing it in `ps`).
pub(crate) const SCRATCH_VARIABLE: &str = "BUILDXPERT_SCRATCH_DATABASE_URL";

impl Context<'_> {
    /// Where this command's replays run.
    fn scratch(&self) -> Scratch<'_> {
        Scratch {
            target: &self.target,
            server: self.scratch_server.as_ref(),
            settings: &self.settings,
        }
    }
}

/// The migrations for `backend` (or `--migration-dir`'s), with the
/// `version` argument checked against them.
pub(crate) fn catalog_for(
    global: &GlobalArgs,
    backend: Backend,
    version: Option<&str>,
) -> Result<Catalog> {
    let catalog = match &global.migration_dir {
        Some(dir) => Catalog::from_dir(dir)?,
        None => Catalog::embedded(backend)?,
    };
    if let Some(version) = version {
        plan::known_version(&catalog, version)?;
    }
    Ok(catalog)
}

/// Production data should not cross the network in clear text: warn when
/// it does, or refuse with `--require-tls`. Only then is it asked (one more
/// round trip).
fn check_encryption(
    conn: &mut Conn,
    target: &Target,
    global: &GlobalArgs,
    production: bool,
) -> Result<()> {
    let required = global.require_tls;
    if !(required || production) || !connection::in_clear_text(conn)? {
        return Ok(());
    }
    let reason = "the connection is not encrypted (pg_stat_ssl: no TLS)";
    let fix = "set sslmode=require (or verify-full) in the URL and enable ssl on the server";
    if required {
        return Err(Error::Connect {
            target: target.to_string(),
            reason: reason.to_string(),
            hint: format!("--require-tls refuses it: {fix}"),
        });
    }
    if !global.quiet {
        note(&format!(
            "warning: {reason} and BUILDXPERT_ENV=production: {fix}; --require-tls makes this \
             an error"
        ));
    }
    Ok(())
}

/// The session settings the flags ask for, checked.
pub(crate) fn settings(global: &GlobalArgs) -> Result<Settings> {
    // The databases count whole milliseconds and read 0 as "no limit": a
    // shorter non-zero value would silently turn the limit off.
    let seconds = |value: f64, flag: &str| {
        Duration::try_from_secs_f64(value)
            .ok()
            .filter(|d| d.as_secs() <= MAX_SECONDS)
            .filter(|d| d.is_zero() || *d >= Duration::from_millis(1))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "{flag} takes a number of seconds from 0.001 to {MAX_SECONDS} (0: no \
                     limit), not {value}"
                ))
            })
    };
    Ok(Settings {
        wait: global.wait.map(Duration::from_secs),
        lock_wait: Duration::from_secs(global.lock_wait),
        lock_timeout: seconds(global.lock_timeout, "--lock-timeout")?,
        statement_timeout: global
            .statement_timeout
            .map(|s| seconds(s, "--statement-timeout"))
            .transpose()?,
    })
}

/// `run` and `force`: applies what is pending (or re-runs everything).
pub fn run(global: &GlobalArgs, args: &ApplyArgs, force: bool) -> Result<()> {
    let (ctx, mut conn) = open(global, args.to.as_deref(), args.dry_run)?;
    let (ctx, conn) = (&ctx, &mut conn);
    let options = Options {
        force,
        skip_optional: args.skip_optional,
        to: args.to.clone(),
        allow_unknown: args.allow_unknown,
        single_transaction: args.single_transaction,
    };
    let plan_for = |state: &DbState| plan::plan_run(&ctx.catalog, state, &options);
    if args.dry_run {
        let state = history::read_state(conn, &ctx.catalog)?;
        let plan = plan_for(&state)?;
        drift::check_adoption(conn, &ctx.scratch(), &ctx.catalog, &state, &plan.adopted())?;
        print(&report::plan_text(&plan, &ctx.target))?;
        // What `lint` says of the migrations this run would apply.
        if ctx.target.backend == Backend::Postgres {
            let applying = plan
                .steps
                .iter()
                .filter(|p| matches!(p.step, Step::Apply | Step::Force { .. }))
                .map(|p| p.entry);
            for finding in lint::findings(applying) {
                note(&format!("lint: {finding}"));
            }
        }
        return Ok(());
    }
    if force && args.backup.is_none() && !ctx.global.quiet {
        note(&backup::recommendation(&ctx.target));
    }
    // Nothing to write (most deploys): answered from one read, without
    // waiting for the lock. Anything else, a refusal included, is decided
    // again holding it.
    if !args.verify {
        let state = history::read_state(conn, &ctx.catalog)?;
        if let Ok(plan) = plan_for(&state)
            && !plan.writes_history()
            && !history::tables_incomplete(conn, &state)
        {
            let how = Apply {
                single_transaction: args.single_transaction,
                ..Apply::records(args.format)
            };
            return apply_plan(conn, ctx, &state, &plan, &how).map(drop);
        }
    }
    lock::with_lock(conn, &ctx.target, ctx.settings.lock_wait, |conn| {
        // What the database is, and whether its schema is known to be what
        // its applied migrations define (so what this run leaves can be
        // recorded: see `drift::as_recorded`), with no other runner mid-step.
        let (state, plan, known) = lock::command_transaction(conn, ctx.settings.lock_wait, |c| {
            let state = history::read_state(c, &ctx.catalog)?;
            let plan = plan_for(&state)?;
            let known = !args.verify
                && plan.only_applies()
                && plan.changes_schema()
                && drift::as_recorded(c, &plan::applied_entries(&ctx.catalog, &state))
                    .unwrap_or_else(|e| {
                        log::debug!("not recording the expected schema: {e}");
                        false
                    });
            Ok((state, plan, known))
        })?;
        drift::check_adoption(conn, &ctx.scratch(), &ctx.catalog, &state, &plan.adopted())?;
        let applied = plan::applied_entries(&ctx.catalog, &state);
        // `--verify` refuses drift. `force` ends by saying what it restored,
        // when the comparison can be made: a migration that inserts rows
        // the next one rejects cannot be replayed, and must not stop a force.
        let before = if args.verify {
            let found = drift::of_applied(conn, &ctx.scratch(), &applied)?;
            drift::refuse(&found, false)?;
            found
        } else if force && args.format == Output::Text {
            drift::of_applied(conn, &ctx.scratch(), &applied).unwrap_or_else(|e| {
                log::info!("not comparing the schema before the force: {e}");
                Vec::new()
            })
        } else {
            Vec::new()
        };
        // `run --verify` has just compared it.
        let known = known || (args.verify && before.is_empty() && plan.only_applies());
        // Where IF NOT EXISTS may have kept objects of another shape, each
        // migration's objects are checked after it ran, before it is recorded:
        // against the end of the sequence for a re-run, or where a newer
        // migration is applied already (its changes are in place).
        let checked = plan.checked(&state);
        let newest_applied = state.applied.keys().max();
        let at_the_end: HashSet<&str> = plan
            .steps
            .iter()
            .filter(|p| {
                matches!(p.step, Step::Force { .. })
                    || newest_applied.is_some_and(|newest| *newest > p.entry.version)
            })
            .map(|p| p.entry.version.as_str())
            .collect();
        let expected = drift::expectations(
            conn,
            &ctx.scratch(),
            &plan.applied_after(&ctx.catalog, &state),
            &checked,
            &at_the_end,
        )?;
        let summary = apply_plan(
            conn,
            ctx,
            &state,
            &plan,
            &Apply {
                backup_dir: args.backup.as_deref(),
                output: args.format,
                single_transaction: args.single_transaction,
                expected: Some(&expected),
            },
        )?;
        let applying = plan.steps.iter().filter(|p| p.step == Step::Apply).count();
        if known && summary.applied == applying && (applying > 0 || args.verify) {
            record_schema(conn, ctx, &state, &plan);
        }
        if force && !before.is_empty() && !ctx.global.quiet {
            let state = history::read_state(conn, &ctx.catalog)?;
            let applied = plan::applied_entries(&ctx.catalog, &state);
            if let Ok(after) = drift::of_applied(conn, &ctx.scratch(), &applied) {
                print(&report::restored_text(&before, &after))?;
            }
        }
        Ok(())
    })
}

/// Writes down the schema a run left as what the applied migrations define,
/// when the history is exactly the run's start plus what it applied (no
/// other runner's work in between: not another version's rows in our log,
/// nor a change to another version's Node row), reading both in one locked
/// transaction.
/// Only a faster `verify` depends on it: a failure is a warning.
fn record_schema(conn: &mut Conn, ctx: &Context<'_>, start: &DbState, plan: &Plan<'_>) {
    let mut expected: BTreeSet<&str> = start.applied.keys().map(String::as_str).collect();
    expected.extend(
        plan.steps
            .iter()
            .filter(|p| p.step == Step::Apply)
            .map(|p| p.entry.version.as_str()),
    );
    let ours: BTreeSet<&str> = plan
        .steps
        .iter()
        .map(|p| p.entry.version.as_str())
        .collect();
    let others = |state: &DbState| -> Vec<(String, bool)> {
        state
            .node
            .iter()
            .filter(|(version, _)| !ours.contains(version.as_str()))
            .map(|(version, row)| (version.clone(), row.success))
            .collect()
    };
    let recorded = lock::command_transaction(conn, ctx.settings.lock_wait, |c| {
        let now = history::read_state(c, &ctx.catalog)?;
        // Only this run's rows since it started, and no other Node row.
        let only_ours = now.history.len() >= start.history.len()
            && now.history[start.history.len()..].iter().all(|row| {
                ours.contains(row.version.as_str()) && (row.success || row.is_started())
            })
            && others(&now) == others(start);
        if !only_ours
            || now
                .applied
                .keys()
                .map(String::as_str)
                .ne(expected.iter().copied())
        {
            log::debug!("another runner changed the history meanwhile: nothing recorded");
            return Ok(());
        }
        drift::record_applied(c, &plan::applied_entries(&ctx.catalog, &now))
    });
    if let Err(e) = recorded {
        log::warn!("the expected schema is not recorded (verify will replay): {e}");
    }
}

/// `verify`: reads a consistent state under the lock, compares (replaying
/// once the lock is released), reports.
pub fn verify(global: &GlobalArgs, args: &VerifyArgs) -> Result<()> {
    let (ctx, mut conn) = open(global, None, true)?;
    let (state, seen) =
        lock::with_read_lock(&mut conn, &ctx.target, ctx.settings.lock_wait, |conn| {
            let state = history::read_state(conn, &ctx.catalog)?;
            let seen = drift::see(conn, &plan::applied_entries(&ctx.catalog, &state))?;
            Ok((state, seen))
        })?;
    let differences = drift::differences_in(
        &mut conn,
        &ctx.scratch(),
        &plan::applied_entries(&ctx.catalog, &state),
        seen,
    )?;
    print(&match args.format {
        Format::Table => report::drift_text(&differences),
        Format::Json => report::drift_json(&differences),
    })?;
    drift::refuse(&differences, args.strict)
}

/// `adopt --baseline VERSION`: a schema without history is checked against
/// 001…VERSION and recorded as migrated that far.
pub fn adopt(global: &GlobalArgs, args: &AdoptArgs) -> Result<()> {
    let (ctx, mut conn) = open(global, Some(&args.baseline), args.dry_run)?;
    let (ctx, conn) = (&ctx, &mut conn);
    let plan_for = |state: &DbState| -> Result<Plan<'_>> {
        plan::check_integrity(&ctx.catalog, state, false, &HashSet::new())?;
        plan::plan_baseline(&ctx.catalog, state, &args.baseline)
    };
    if args.dry_run {
        let state = history::read_state(conn, &ctx.catalog)?;
        let plan = plan_for(&state)?;
        drift::check_adoption(conn, &ctx.scratch(), &ctx.catalog, &state, &plan.adopted())?;
        return print(&report::plan_text(&plan, &ctx.target));
    }
    lock::with_lock(conn, &ctx.target, ctx.settings.lock_wait, |conn| {
        let (state, plan) = planned(conn, ctx, plan_for)?;
        drift::check_adoption(conn, &ctx.scratch(), &ctx.catalog, &state, &plan.adopted())?;
        apply_plan(conn, ctx, &state, &plan, &Apply::records(args.format)).map(drop)
    })
}

/// How a plan is applied.
struct Apply<'a> {
    backup_dir: Option<&'a Path>,
    output: Output,
    single_transaction: bool,
    /// Per version, what its objects must be once it has run.
    expected: Option<&'a HashMap<String, Objects>>,
}

impl Apply<'_> {
    /// A plan that only writes records (adopt, repair), or reverts.
    fn records(output: Output) -> Apply<'static> {
        Apply {
            backup_dir: None,
            output,
            single_transaction: false,
            expected: None,
        }
    }
}

/// Takes the backup when asked and something will change, creates the
/// tracking tables if needed, then runs the plan.
fn apply_plan(
    conn: &mut Conn,
    ctx: &Context<'_>,
    state: &DbState,
    plan: &Plan<'_>,
    how: &Apply<'_>,
) -> Result<Summary> {
    let backup = match how.backup_dir {
        Some(dir) if plan.changes_schema() => {
            let backup = backup::take(conn, &ctx.target, dir, ctx.settings.lock_timeout)?;
            if !ctx.global.quiet {
                note(&format!(
                    "Backup written to {} ({} bytes, SHA-256 {})",
                    backup.path.display(),
                    backup.bytes,
                    backup.sha256
                ));
            }
            Some(backup)
        }
        _ => None,
    };
    let node_columns = if history::tables_incomplete(conn, state) {
        // Decided again from what the tables are once the lock is held.
        lock::command_transaction(conn, ctx.settings.lock_wait, |c| {
            let now = history::read_state(c, &ctx.catalog)?;
            history::ensure_tables(c, &now)?;
            Ok(now.node_columns())
        })?
    } else {
        state.node_columns()
    };
    // A no-op run records nothing: no need to ask who we are.
    let executed_by = if plan.writes_history() {
        connection::current_user(conn)?
    } else {
        String::new()
    };
    let os_user = config::os_user();
    let context = RunContext {
        planned: state,
        started: Default::default(),
        target: &ctx.target,
        executed_by: &executed_by,
        os_user: &os_user,
        node_columns,
        backup: backup.as_ref(),
        lock_retries: ctx.global.lock_retries,
        single_transaction: how.single_transaction,
        settings: &ctx.settings,
        expected: how.expected,
    };
    runner::execute(conn, plan, &context, reporter(ctx, how.output).as_mut())
}

/// The state and the plan made from it, read holding the lock, so no other
/// runner is in the middle of a step (one outside a transaction holds the
/// lock to its end).
fn planned<'c>(
    conn: &mut Conn,
    ctx: &'c Context<'_>,
    plan_for: impl FnOnce(&DbState) -> Result<Plan<'c>>,
) -> Result<(DbState, Plan<'c>)> {
    lock::command_transaction(conn, ctx.settings.lock_wait, |c| {
        let state = history::read_state(c, &ctx.catalog)?;
        let plan = plan_for(&state)?;
        Ok((state, plan))
    })
}

/// Where run events go: text lines for people, or JSON lines.
fn reporter(ctx: &Context<'_>, output: Output) -> Box<dyn Reporter> {
    match output {
        Output::Json => Box::new(JsonReporter::new(stdout().lock())),
        Output::Text => {
            let out = stdout();
            let look = Look::detect(out.is_terminal(), |name| std::env::var_os(name));
            Box::new(TextReporter::new(out.lock(), ctx.global.quiet, look))
        }
    }
}

/// `revert` and `redo` (drop data: confirmed first).
pub fn revert(global: &GlobalArgs, args: &RevertArgs, redo: bool) -> Result<()> {
    let (ctx, mut conn) = open(global, args.version.as_deref(), args.dry_run)?;
    let (ctx, conn) = (&ctx, &mut conn);
    let scope = match (&args.version, args.all, args.only) {
        (_, true, _) => RevertScope::All,
        (Some(version), _, true) => RevertScope::Only(version.clone()),
        (Some(version), _, false) => RevertScope::DownTo(version.clone()),
        (None, _, _) => RevertScope::Last,
    };
    let plan_for = |state: &DbState| -> Result<Plan<'_>> {
        plan::check_integrity(&ctx.catalog, state, args.allow_unknown, &HashSet::new())?;
        let plan = if redo {
            plan::plan_redo(&ctx.catalog, state, &scope)?
        } else {
            plan::plan_revert(&ctx.catalog, state, &scope)?
        };
        plan::check_runnable(&plan)?;
        Ok(plan)
    };
    let state = history::read_state(conn, &ctx.catalog)?;
    let proposed = plan_for(&state)?;
    if args.dry_run {
        return print(&report::plan_text(&proposed, &ctx.target));
    }
    if !proposed.changes_schema() {
        return match args.format {
            // A log collector still gets its (empty) summary.
            Output::Json => reporter(ctx, args.format)
                .event(Event::Summary(&Summary::default()))
                .map_err(Error::from),
            Output::Text => print("Nothing to revert: no migration in that range is applied."),
        };
    }
    // Asked before taking the lock: a person thinking must not hold up
    // every replica's deploy.
    confirm_data_loss(ctx, &proposed, args)?;
    let agreed = proposed.outline();
    lock::with_lock(conn, &ctx.target, ctx.settings.lock_wait, |conn| {
        let (state, plan) = planned(conn, ctx, plan_for)?;
        if plan.outline() != agreed {
            return Err(Error::Usage(
                "another run changed the database while you confirmed; nothing was reverted, \
                 run the command again"
                    .to_string(),
            ));
        }
        apply_plan(
            conn,
            ctx,
            &state,
            &plan,
            &Apply {
                backup_dir: args.backup.as_deref(),
                ..Apply::records(args.format)
            },
        )
        .map(drop)
    })
}

/// Reverting drops tables: ask on a terminal, require `--yes` without one,
/// and `--allow-data-loss` in production.
fn confirm_data_loss(ctx: &Context<'_>, plan: &Plan<'_>, args: &RevertArgs) -> Result<()> {
    if ctx.production && !args.allow_data_loss {
        return Err(Error::Usage(
            "BUILDXPERT_ENV=production and this drops tables with their rows: take a backup, \
             then pass --allow-data-loss --yes"
                .to_string(),
        ));
    }
    if args.yes {
        if args.backup.is_none() && !ctx.global.quiet {
            note(&backup::recommendation(&ctx.target));
        }
        return Ok(());
    }
    if !stdin().is_terminal() {
        return Err(Error::Usage(
            "this drops tables with their rows and there is no terminal to confirm on: pass \
             --yes (after taking a backup)"
                .to_string(),
        ));
    }
    let mut err = stderr().lock();
    writeln!(err, "This reverts, newest first (on {}):", ctx.target)?;
    for planned in plan.steps.iter().filter(|p| p.step == Step::Revert) {
        let tables = &planned.entry.tables;
        let drops = if tables.is_empty() {
            "no tables".to_string()
        } else {
            tables.join(", ")
        };
        writeln!(err, "  {}: drops {drops}", planned.entry)?;
    }
    writeln!(err, "{}", backup::recommendation(&ctx.target))?;
    write!(err, "Type yes to continue: ")?;
    err.flush()?;
    let mut answer = String::new();
    stdin().lock().read_line(&mut answer)?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(Error::Usage(
            "not confirmed; nothing was changed".to_string(),
        ))
    }
}

/// `repair`: accepts the database as it is for the migrations whose records
/// disagree with it (planned and run like any other command, so it has a
/// dry run and JSON events too).
pub fn repair(global: &GlobalArgs, args: &RepairArgs) -> Result<()> {
    let (ctx, mut conn) = open(global, args.version.as_deref(), args.dry_run)?;
    let (ctx, conn) = (&ctx, &mut conn);
    let version = args.version.as_deref();
    let nothing = |state: &DbState, format: Output| -> Result<()> {
        match (format, version) {
            // A log collector still gets its (empty) summary.
            (Output::Json, _) => reporter(ctx, Output::Json)
                .event(Event::Summary(&Summary::default()))
                .map_err(Error::from),
            (Output::Text, Some(v)) => {
                let entry = plan::known_version(&ctx.catalog, v)?;
                print(&format!(
                    "Migration {entry} is {}: nothing to repair",
                    plan::state_of(entry, state).as_str()
                ))
            }
            (Output::Text, None) => {
                print("Nothing to repair: every migration matches the database.")
            }
        }
    };
    if args.dry_run {
        let state = history::read_state(conn, &ctx.catalog)?;
        let plan = plan::plan_repair(&ctx.catalog, &state, version)?;
        // A dry run prints text, as every command's does.
        if plan.steps.is_empty() {
            return nothing(&state, Output::Text);
        }
        return print(&report::plan_text(&plan, &ctx.target));
    }
    lock::with_lock(conn, &ctx.target, ctx.settings.lock_wait, |conn| {
        let (state, plan) = planned(conn, ctx, |state| {
            plan::plan_repair(&ctx.catalog, state, version)
        })?;
        if plan.steps.is_empty() {
            return nothing(&state, args.format);
        }
        apply_plan(conn, ctx, &state, &plan, &Apply::records(args.format)).map(drop)
    })
}

/// `lint`: the PostgreSQL set (embedded, or `--migration-dir`), no database.
pub fn lint(global: &GlobalArgs, args: &LintArgs) -> Result<()> {
    let catalog = catalog_for(global, Backend::Postgres, None)?;
    let found = lint::findings(catalog.entries());
    print(&match args.format {
        Format::Table if found.is_empty() => {
            format!(
                "No statement blocks writes ({} migrations linted).",
                catalog.entries().len()
            )
        }
        Format::Table => found
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        Format::Json => serde_json::to_string_pretty(&found)
            .map_err(|e| Error::Usage(format!("writing the findings as JSON: {e}")))?,
    })?;
    if found.is_empty() {
        Ok(())
    } else {
        Err(Error::LintFindings { count: found.len() })
    }
}

pub fn status(global: &GlobalArgs, args: &StatusArgs) -> Result<()> {
    let (ctx, mut conn) = open(global, None, true)?;
    let (ctx, conn) = (&ctx, &mut conn);
    if args.backups {
        let backups = history::read_backups(conn)?;
        return print(&match args.format {
            Format::Table => format!("{}\n{}", ctx.target, report::backups_table(&backups)),
            Format::Json => report::backups_json(&backups),
        });
    }
    let mut state = history::read_state(conn, &ctx.catalog)?;
    state.lock_held_elsewhere = lock::held_elsewhere(conn, &ctx.target)?;
    let rows = plan::status(&ctx.catalog, &state);
    let text = match args.format {
        Format::Table => format!("{}\n{}", ctx.target, report::status_table(&rows)),
        Format::Json => report::status_json(&rows),
    };
    print(&text)?;
    if args.verify {
        let differences = drift::of_applied(
            conn,
            &ctx.scratch(),
            &plan::applied_entries(&ctx.catalog, &state),
        )?;
        if args.format == Format::Table {
            print(&report::drift_text(&differences))?;
        }
        drift::refuse(&differences, false)?;
    }
    if args.check {
        plan::check_deployed(&ctx.catalog, &state)?;
    }
    Ok(())
}

fn print(text: &str) -> Result<()> {
    Ok(output::print(text)?)
}
