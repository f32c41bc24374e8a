//! Each subcommand: resolve the database, load the catalog, connect, then
//! plan and run (or report status).

use std::io::{Write, stdout};

use crate::catalog::Catalog;
use crate::cli::{Cli, Command, Format, StatusArgs};
use crate::config::{self, Environment, Target, UrlSource};
use crate::connection::{self, Conn};
use crate::error::{Error, Result};
use crate::history;
use crate::plan::{self, Options};
use crate::report::{self, TextReporter};
use crate::runner;

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
        .format(|buf, record| writeln!(buf, "{}: {}", record.target(), record.args()))
        .init();
}

/// Runs the command the user asked for.
pub fn execute(cli: &Cli) -> Result<()> {
    if cli.command.is_some() && (cli.run.force || cli.run.skip_optional) {
        return Err(Error::Usage(
            "--force and --skip-optional go after the subcommand (e.g. `run --skip-optional`)"
                .to_string(),
        ));
    }
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
    let mut conn = connection::connect(&target)?;
    if log::log_enabled!(log::Level::Debug) {
        log::debug!(
            "connected to {} (from {})",
            connection::describe_session(&mut conn, &target),
            target.source
        );
    }
    match &cli.command {
        None => run(&mut conn, &catalog, run_options(&cli.run), cli.global.quiet),
        Some(Command::Run(args)) => run(&mut conn, &catalog, run_options(args), cli.global.quiet),
        Some(Command::Force(args)) => run(
            &mut conn,
            &catalog,
            Options {
                force: true,
                skip_optional: args.skip_optional,
            },
            cli.global.quiet,
        ),
        Some(Command::Status(args)) => status(&mut conn, &catalog, args, &target),
    }
}

fn run_options(args: &crate::cli::RunArgs) -> Options {
    Options {
        force: args.force,
        skip_optional: args.skip_optional,
    }
}

fn run(conn: &mut Conn, catalog: &Catalog, options: Options, quiet: bool) -> Result<()> {
    history::ensure_tables(conn)?;
    let state = history::read_state(conn)?;
    let plan = plan::plan(catalog, &state, options)?;
    let executed_by = connection::current_user(conn)?;
    let mut reporter = TextReporter::new(stdout().lock(), quiet);
    runner::execute(conn, &plan, &executed_by, &mut reporter)?;
    Ok(())
}

fn status(conn: &mut Conn, catalog: &Catalog, args: &StatusArgs, target: &Target) -> Result<()> {
    let state = history::read_state(conn)?;
    let rows = plan::status(catalog, &state);
    let text = match args.format {
        Format::Table => format!("{target}\n{}", report::status_table(&rows)),
        Format::Json => report::status_json(&rows),
    };
    writeln!(stdout().lock(), "{text}")?;
    let pending = plan::pending_required(&rows);
    if args.check && !pending.is_empty() {
        return Err(Error::PendingRequired {
            count: pending.len(),
            versions: pending.join(", "),
        });
    }
    Ok(())
}
