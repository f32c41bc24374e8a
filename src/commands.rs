//! Each subcommand: resolve the database, load the catalog, connect, then
//! (under the migration lock) plan and run, revert, repair, or report status.

use std::collections::HashSet;
use std::io::{BufRead, IsTerminal, Write, stderr, stdin, stdout};
use std::path::Path;
use std::time::Duration;

use crate::backup;
use crate::catalog::Catalog;
use crate::cli::{ApplyArgs, Cli, Command, Format, Output, RevertArgs, RunArgs, StatusArgs};
use crate::config::{self, Environment, Target, UrlSource};
use crate::connection::{self, Conn, Settings};
use crate::error::{Error, Result};
use crate::history::{self, Action, DbState, Record};
use crate::lock;
use crate::plan::{self, Options, Plan, Planned, RevertScope, State, Step};
use crate::report::{self, JsonReporter, Look, Reporter, TextReporter};
use crate::runner::{self, RunContext};
use crate::signals;

/// Sets up logging: `RUST_LOG` wins; otherwise `--verbose` shows debug
/// detail (connection, SQL) and `--quiet` only errors.
pub fn init_logging(verbose: bool, quiet: bool) {
    let default = if verbose {
        "debug"
    } else if quiet {
        "error"
    } else {
        "warn"
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(default))
        .format(|buf, record| {
            let label = match record.target() {
                "sql" => "sql".to_string(),
                _ => record.level().as_str().to_lowercase(),
            };
            writeln!(buf, "{label}: {}", record.args())
        })
        .init();
}

/// What every command needs besides the connection.
struct Context<'a> {
    target: Target,
    catalog: Catalog,
    cli: &'a Cli,
    settings: Settings,
    production: bool,
}

/// Runs the command the user asked for.
pub fn execute(cli: &Cli) -> Result<()> {
    if cli.command.is_some() && cli.run != RunArgs::default() {
        return Err(Error::Usage(
            "run options go after the subcommand (e.g. `run --skip-optional`)".to_string(),
        ));
    }
    if let Some(Command::Completions { shell }) = &cli.command {
        let mut command = <Cli as clap::CommandFactory>::command();
        clap_complete::generate(*shell, &mut command, "buildxpert-migrate", &mut stdout());
        return Ok(());
    }
    signals::exit_on_interrupt()?;
    let dir = std::env::current_dir()
        .map_err(|e| Error::Usage(format!("cannot read the working directory: {e}")))?;
    let var = |name: &str| std::env::var(name).ok();
    let env = Environment {
        var: &var,
        dir: &dir,
    };
    let target = config::resolve(cli.global.database_url.as_deref(), &env)?;
    if target.source == UrlSource::Default && !cli.global.quiet {
        eprintln!(
            "No database configured: migrating the local SQLite file {}. To migrate PostgreSQL, \
             set DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DATABASE (environment, \
             config.env or --database-url).",
            target.connect_url
        );
    }
    let catalog = match &cli.global.migration_dir {
        Some(dir) => Catalog::from_dir(dir)?,
        None => Catalog::embedded(target.backend)?,
    };
    check_versions(cli, &catalog)?;
    let settings = settings(cli)?;
    let mut conn = connection::connect(&target, &settings)?;
    if log::log_enabled!(log::Level::Debug) {
        log::debug!(
            "connected to {} (from {})",
            connection::describe_session(&mut conn, &target),
            target.source
        );
    }
    let ctx = Context {
        target,
        catalog,
        cli,
        settings,
        production: env.production(),
    };
    match &cli.command {
        None => run(&mut conn, &ctx, &cli.run.apply, cli.run.force),
        Some(Command::Run(args)) => run(&mut conn, &ctx, &args.apply, args.force),
        Some(Command::Force(args)) => run(&mut conn, &ctx, args, true),
        Some(Command::Revert(args)) => revert(&mut conn, &ctx, args, false),
        Some(Command::Redo(args)) => revert(&mut conn, &ctx, args, true),
        Some(Command::Repair(args)) => repair(&mut conn, &ctx, args.version.as_deref()),
        Some(Command::Status(args)) => status(&mut conn, &ctx, args),
        Some(Command::Completions { .. }) => {
            unreachable!("completions are printed before connecting")
        }
    }
}

/// Version arguments must name a migration of this binary; checked before
/// connecting, so a typo changes nothing anywhere.
fn check_versions(cli: &Cli, catalog: &Catalog) -> Result<()> {
    let version = match &cli.command {
        None => cli.run.apply.to.as_deref(),
        Some(Command::Run(args)) => args.apply.to.as_deref(),
        Some(Command::Force(args)) => args.to.as_deref(),
        Some(Command::Revert(args) | Command::Redo(args)) => args.version.as_deref(),
        Some(Command::Repair(args)) => args.version.as_deref(),
        Some(Command::Status(_) | Command::Completions { .. }) => None,
    };
    match version {
        Some(version) => plan::known_version(catalog, version).map(drop),
        None => Ok(()),
    }
}

fn settings(cli: &Cli) -> Result<Settings> {
    let seconds = |value: f64, flag: &str| {
        Duration::try_from_secs_f64(value)
            .map_err(|_| Error::Usage(format!("{flag} takes a number of seconds, not {value}")))
    };
    Ok(Settings {
        wait: cli.global.wait.map(Duration::from_secs),
        lock_wait: Duration::from_secs(cli.global.lock_wait),
        lock_timeout: seconds(cli.global.lock_timeout, "--lock-timeout")?,
        statement_timeout: cli
            .global
            .statement_timeout
            .map(|s| seconds(s, "--statement-timeout"))
            .transpose()?,
    })
}

fn run(conn: &mut Conn, ctx: &Context<'_>, args: &ApplyArgs, force: bool) -> Result<()> {
    let options = Options {
        force,
        skip_optional: args.skip_optional,
        to: args.to.clone(),
    };
    let plan_for = |state: &DbState| -> Result<Plan<'_>> {
        let plan = plan::plan(&ctx.catalog, state, &options)?;
        // A force may re-run a modified or failed migration: that is what it is for.
        let forced: HashSet<&str> = plan
            .steps
            .iter()
            .filter(|p| matches!(p.step, Step::Force { .. }))
            .map(|p| p.entry.version.as_str())
            .collect();
        plan::check_integrity(&ctx.catalog, state, args.allow_unknown, &forced)?;
        Ok(plan)
    };
    if args.dry_run {
        let state = history::read_state(conn, &ctx.catalog)?;
        return print(&report::plan_text(&plan_for(&state)?, &ctx.target));
    }
    if force && args.backup.is_none() && !ctx.cli.global.quiet {
        eprintln!("{}", backup::recommendation(&ctx.target));
    }
    lock::with_lock(conn, ctx.settings.lock_wait, |conn| {
        let state = history::read_state(conn, &ctx.catalog)?;
        let plan = plan_for(&state)?;
        apply_plan(
            conn,
            ctx,
            &state,
            &plan,
            args.backup.as_deref(),
            args.format,
        )
    })
}

/// Takes the backup when asked and something will change, creates the
/// tracking tables if needed, then runs the plan.
fn apply_plan(
    conn: &mut Conn,
    ctx: &Context<'_>,
    state: &DbState,
    plan: &Plan<'_>,
    backup_dir: Option<&Path>,
    output: Output,
) -> Result<()> {
    let backup_path = match backup_dir {
        Some(dir) if plan.changes_schema() => {
            let path = backup::take(conn, &ctx.target, dir)?;
            if !ctx.cli.global.quiet {
                eprintln!("Backup written to {}", path.display());
            }
            Some(path.to_string_lossy().into_owned())
        }
        _ => None,
    };
    history::ensure_tables(conn, state)?;
    // A no-op run records nothing: no need to ask who we are.
    let executed_by = if plan.writes_history() {
        connection::current_user(conn)?
    } else {
        String::new()
    };
    let context = RunContext {
        executed_by: &executed_by,
        backup_path: backup_path.as_deref(),
        lock_retries: ctx.cli.global.lock_retries,
    };
    let mut reporter: Box<dyn Reporter> = match output {
        Output::Json => Box::new(JsonReporter::new(stdout().lock())),
        Output::Text => {
            let out = stdout();
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let look = Look::detect(out.is_terminal(), no_color);
            Box::new(TextReporter::new(out.lock(), ctx.cli.global.quiet, look))
        }
    };
    runner::execute(conn, plan, &context, reporter.as_mut())?;
    Ok(())
}

fn revert(conn: &mut Conn, ctx: &Context<'_>, args: &RevertArgs, redo: bool) -> Result<()> {
    let scope = match (&args.version, args.all, args.only) {
        (_, true, _) => RevertScope::All,
        (Some(version), _, true) => RevertScope::Only(version.clone()),
        (Some(version), _, false) => RevertScope::DownTo(version.clone()),
        (None, _, _) => RevertScope::Last,
    };
    let plan_for = |state: &DbState| -> Result<Plan<'_>> {
        plan::check_integrity(&ctx.catalog, state, args.allow_unknown, &HashSet::new())?;
        let mut plan = plan::plan_revert(&ctx.catalog, state, &scope)?;
        if redo {
            let again: Vec<Planned<'_>> = plan
                .steps
                .iter()
                .rev()
                .map(|p| Planned {
                    entry: p.entry,
                    step: Step::Apply,
                })
                .collect();
            plan.steps.extend(again);
        }
        Ok(plan)
    };
    let state = history::read_state(conn, &ctx.catalog)?;
    let proposed = plan_for(&state)?;
    if args.dry_run {
        return print(&report::plan_text(&proposed, &ctx.target));
    }
    if !proposed.changes_schema() {
        return print("Nothing to revert: no migration in that range is applied.");
    }
    // Asked before taking the lock: a person thinking must not hold up
    // every replica's deploy.
    confirm_data_loss(ctx, &proposed, args)?;
    let agreed = proposed.outline();
    lock::with_lock(conn, ctx.settings.lock_wait, |conn| {
        let state = history::read_state(conn, &ctx.catalog)?;
        let plan = plan_for(&state)?;
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
            args.backup.as_deref(),
            args.format,
        )
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
        if args.backup.is_none() && !ctx.cli.global.quiet {
            eprintln!("{}", backup::recommendation(&ctx.target));
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

fn repair(conn: &mut Conn, ctx: &Context<'_>, version: Option<&str>) -> Result<()> {
    let chosen = match version {
        Some(v) => vec![plan::known_version(&ctx.catalog, v)?],
        None => ctx.catalog.entries().iter().collect(),
    };
    lock::with_lock(conn, ctx.settings.lock_wait, |conn| {
        let state = history::read_state(conn, &ctx.catalog)?;
        history::ensure_tables(conn, &state)?;
        let executed_by = connection::current_user(conn)?;
        let mut repaired = 0;
        for entry in chosen.iter().copied() {
            let found = plan::state_of(entry, &state);
            let rec = Record {
                version: &entry.version,
                name: &entry.name,
                action: Action::Repair,
                success: true,
                execution_time_ms: None,
                checksum: Some(&entry.checksum),
                executed_by: &executed_by,
                error: None,
                backup_path: None,
            };
            let outcome = match found {
                State::Modified => "accepted its current up.sql (new checksum recorded)",
                State::Failed | State::Inconsistent => "marked as applied",
                _ => {
                    if version.is_some() {
                        print(&format!(
                            "Migration {entry} is {}: nothing to repair",
                            found.as_str()
                        ))?;
                    }
                    continue;
                }
            };
            connection::transaction(conn, |c| {
                if found != State::Modified && !state.is_applied(&entry.version) {
                    history::mark_applied(c, &entry.version)?;
                }
                history::record(c, &rec)
            })
            .map_err(|e| Error::from_db("recording the repair", &e))?;
            repaired += 1;
            print(&format!("Migration {entry}: {outcome} by {executed_by}"))?;
        }
        if repaired == 0 && version.is_none() {
            print("Nothing to repair: every migration matches the database.")?;
        }
        Ok(())
    })
}

fn status(conn: &mut Conn, ctx: &Context<'_>, args: &StatusArgs) -> Result<()> {
    let state = history::read_state(conn, &ctx.catalog)?;
    let rows = plan::status(&ctx.catalog, &state);
    let text = match args.format {
        Format::Table => format!("{}\n{}", ctx.target, report::status_table(&rows)),
        Format::Json => report::status_json(&rows),
    };
    print(&text)?;
    if args.check {
        plan::check_integrity(&ctx.catalog, &state, false, &HashSet::new())?;
        let pending: Vec<&str> = rows
            .iter()
            // Whatever the history says: only `applied` lets a required one pass.
            .filter(|r| r.optional == Some(false) && r.state != State::Applied)
            .map(|r| r.version.as_str())
            .collect();
        if !pending.is_empty() {
            return Err(Error::PendingRequired {
                count: pending.len(),
                versions: pending.join(", "),
            });
        }
    }
    Ok(())
}

fn print(text: &str) -> Result<()> {
    writeln!(stdout().lock(), "{text}")?;
    Ok(())
}
