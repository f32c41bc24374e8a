//! buildxpert-migrate: the BuildXpert schema and the runner that applies it.
//!
//! Layers, top to bottom; a module uses only its own layer and those below,
//! and no two modules import each other in a circle
//! (`python3 ../shared/tools/modcycles.py` checks the circles):
//!
//! ```text
//! entry     main.rs, lib.rs   parse, pick the subcommand, exit codes
//! cli       cli               clap's command line and help texts (uses values only)
//! fleet     fleet/            many databases: targets, scheduling, children, report
//! commands  commands          one function per subcommand, wiring what is below
//! runner    runner, report    applying a plan; what people read
//! plan      plan              what a command will do, as pure values
//! domain    history, node_history, drift/, lock, backup, catalog, directory, lint
//! seam      engine/, connection   per-backend driver primitives, catalogs read into values
//! values    options, config, records, objects, error, conninfo, sqltext, output,
//!           signals, schema
//! ```
//!
//! Where things live:
//! - [`cli`]: the command line (clap), [`options`]: the flags' values.
//! - [`commands`]: each subcommand, wiring the modules below together.
//! - [`fleet`]: many databases in one command (a child `run` per target, a few at a time).
//! - [`runner`]: applies a plan through Diesel's migrations, one transaction each
//!   (or one for all: `--single-transaction`).
//! - [`report`]: what people read (progress lines, dry-run plan, status).
//! - [`plan`]: what a run will do and what `status` shows, as pure values.
//! - [`history`]: what the database has (Diesel's record, the `migrations` table, our action log).
//! - [`node_history`]: the Node.js runner's `migrations` table, shared with that runner.
//! - [`drift`]: what the migrations define versus what the database has (adoption, `verify`).
//! - [`lock`]: one runner at a time (PostgreSQL transaction-level advisory
//!   locks, polled; SQLite lock file).
//! - [`lint`]: statements of the migrations that block writes on a populated table.
//! - [`backup`]: `--backup` (pg_dump / VACUUM INTO) and the recommendation.
//! - [`catalog`]: what migrations exist (embedded sets, manifest, checksums).
//! - [`directory`]: `--migration-dir`, migrations read from a folder at run time.
//! - [`engine`]: everything that differs between PostgreSQL and SQLite at the
//!   driver, one file per backend behind a trait.
//! - [`connection`]: the pooled connection, transactions, connection errors.
//! - [`config`]: where the database URL comes from, which backend it selects,
//!   session settings.
//! - [`conninfo`]: PostgreSQL connection strings as libpq reads them; secrets by structure.
//! - [`records`]: what the tracking tables hold, as values.
//! - [`objects`]: a schema's objects, as values.
//! - [`sqltext`]: the statements a migration file holds (transaction control, empty files).
//! - [`output`]: notes on stderr, stdout, the log's format.
//! - [`signals`]: Ctrl-C and SIGTERM end the run cleanly (exit 130 / 143).
//! - [`error`]: every failure and its exit code.
//! - [`schema`]: Diesel's `table!` definitions of the BuildXpert schema.
//!
//! Only what `main` and the integration tests use is public (the command
//! line, `execute`, the embedded catalog, the drift comparison, the lock key
//! and the schema); everything else is crate-private, so the compiler
//! reports what nothing uses.

mod backup;
pub mod catalog;
pub mod cli;
mod commands;
pub mod config;
mod connection;
mod conninfo;
mod directory;
pub mod drift;
pub mod engine;
mod error;
mod fleet;
mod history;
mod lint;
pub mod lock;
mod node_history;
mod objects;
mod options;
pub mod output;
mod plan;
mod records;
mod report;
mod runner;
pub mod schema;
mod signals;
mod sqltext;

pub use error::{Error, Result};

use cli::{Cli, Command, FleetCommand};
use options::RunArgs;

/// Runs the subcommand the command line names.
pub fn execute(cli: &Cli) -> Result<()> {
    if cli.command.is_some() && cli.run != RunArgs::default() {
        return Err(Error::Usage(
            "run options go after the subcommand (e.g. `run --skip-optional`)".to_string(),
        ));
    }
    if let Some(Command::Completions { shell }) = &cli.command {
        return Ok(cli::completions(*shell)?);
    }
    signals::exit_on_interrupt()?;
    let global = &cli.global;
    match &cli.command {
        None => commands::run(global, &cli.run.apply, cli.run.force),
        Some(Command::Run(args)) => commands::run(global, &args.apply, args.force),
        Some(Command::Force(args)) => commands::run(global, args, true),
        Some(Command::Revert(args)) => commands::revert(global, args, false),
        Some(Command::Redo(args)) => commands::revert(global, args, true),
        Some(Command::Repair(args)) => commands::repair(global, args),
        Some(Command::Adopt(args)) => commands::adopt(global, args),
        Some(Command::Verify(args)) => commands::verify(global, args),
        Some(Command::Status(args)) => commands::status(global, args),
        Some(Command::Lint(args)) => commands::lint(global, args),
        Some(Command::Fleet(FleetCommand::Run(args))) => fleet::run(global, args),
        Some(Command::Fleet(FleetCommand::Status(args))) => fleet::status(global, args),
        Some(Command::Fleet(FleetCommand::Verify(args))) => fleet::verify(global, args),
        Some(Command::Completions { .. }) => unreachable!("printed above"),
    }
}
