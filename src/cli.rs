//! The command line: the seed's npm scripts as subcommands of one binary.
//! Only clap's description of the arguments and the help texts live here;
//! the flags' values are in [`crate::options`].

use clap::{Parser, Subcommand};

use crate::error::exit_codes_help;
use crate::options::{
    AdoptArgs, ApplyArgs, FleetRunArgs, FleetStatusArgs, FleetVerifyArgs, GlobalArgs, LintArgs,
    RepairArgs, RevertArgs, RunArgs, StatusArgs, VerifyArgs,
};
use crate::output;

macro_rules! fleet_help {
    ($examples:literal) => {
        concat!(
            "Targets file: one target per line, `NAME URL`. NAME is letters, digits, `.`, `_` \
             and `-`; URL is what --database-url takes, or env:VARIABLE to read it from the \
             environment (keeps passwords out of the file). Blank lines and # comments are \
             ignored; a malformed line is named with its number before anything runs (exit 2).\n\n",
            $examples,
            "\n\nExit code: 0 when every target succeeded, otherwise the most severe of the \
             targets' own exit codes, in this order:\n  8 integrity > 5 migration failed > 7 lock \
             > 4 permission > 3 cannot connect > 9 connection lost > 6 pending > 2 usage \
             > 1 anything else"
        )
    };
}

const FLEET_RUN_HELP: &str = fleet_help!(
    "Examples:\n  buildxpert-migrate fleet run --targets regions.txt --parallel 4\n  \
     buildxpert-migrate fleet run --targets regions.txt --canary 2 --on-error stop\n  \
     buildxpert-migrate fleet run --targets regions.txt --format json\n\n\
     --backup DIR writes each target's backup into DIR/NAME."
);
const FLEET_STATUS_HELP: &str =
    fleet_help!("Example:\n  buildxpert-migrate fleet status --targets regions.txt --check");
const FLEET_VERIFY_HELP: &str =
    fleet_help!("Example:\n  buildxpert-migrate fleet verify --targets regions.txt --strict");

#[derive(Debug, Parser)]
#[command(
    name = "buildxpert-migrate",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("BXM_EMBEDDED"), ")"),
    about = "Applies the BuildXpert database schema (embedded in this binary) to PostgreSQL or SQLite",
    long_about = "Applies the BuildXpert database schema (embedded in this binary) to PostgreSQL \
                  or SQLite.\n\nThe database URL comes from --database-url (or \
                  --database-url-file), DATABASE_URL (or DATABASE_URL_FILE), config.env or .env \
                  (first found wins); without any, a local SQLite file buildxpert.sqlite3 is \
                  migrated (not when BUILDXPERT_ENV=production). Without a password in the URL, \
                  libpq's own sources apply: PGPASSWORD, PGPASSFILE or ~/.pgpass, service=.",
    after_help = exit_codes_help()
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// `run`'s options, for the default command (refused before a subcommand).
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply every pending migration (the default; npm run db:migrate)
    #[command(after_help = "Examples:\n  buildxpert-migrate run --skip-optional\n  \
                            buildxpert-migrate run --to 003 --dry-run\n  \
                            buildxpert-migrate run --backup /var/backups/buildxpert")]
    Run(RunArgs),
    /// Re-run every migration's up.sql, applied or not (npm run db:migrate:force)
    #[command(
        after_help = "Example:\n  buildxpert-migrate force --skip-optional --backup ./backups"
    )]
    Force(ApplyArgs),
    /// Revert migrations with their down.sql, newest first (drops data)
    #[command(after_help = "Examples:\n  buildxpert-migrate revert --dry-run\n  \
                            buildxpert-migrate revert 004 --only --yes\n  \
                            buildxpert-migrate revert --all --yes --backup ./backups")]
    Revert(RevertArgs),
    /// Revert migrations, then apply them again (drops data)
    #[command(after_help = "Example:\n  buildxpert-migrate redo --yes")]
    Redo(RevertArgs),
    /// Accept the database as it is: record changed checksums, mark a failed or
    /// hand-completed migration as applied
    #[command(after_help = "Examples:\n  buildxpert-migrate repair --dry-run\n  \
                            buildxpert-migrate repair 003")]
    Repair(RepairArgs),
    /// Record an existing schema as migrated up to VERSION, after checking
    /// that every object those migrations define exists as defined
    #[command(after_help = "Example (a database restored without its history):\n  \
                            buildxpert-migrate adopt --baseline 005 --dry-run")]
    Adopt(AdoptArgs),
    /// Compare the live schema with what the applied migrations define (drift)
    #[command(after_help = "Examples:\n  buildxpert-migrate verify\n  \
                            buildxpert-migrate verify --format json --strict")]
    Verify(VerifyArgs),
    /// Find statements in the migrations that block writes on a populated table
    /// (no database needed)
    #[command(after_help = "Examples:\n  buildxpert-migrate lint\n  \
                            buildxpert-migrate --migration-dir ./migrations lint --format json")]
    Lint(LintArgs),
    /// Show each migration's state (npm run db:migrate:status)
    #[command(after_help = "Example:\n  buildxpert-migrate status --format json --check")]
    Status(StatusArgs),
    /// Many databases: one run (or status) per target listed in a file, a few
    /// at a time, and one report
    #[command(subcommand)]
    Fleet(FleetCommand),
    /// Print a shell completion script
    #[command(after_help = "Example:\n  buildxpert-migrate completions bash > \
                            /etc/bash_completion.d/buildxpert-migrate")]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// Migrate every target: each gets its own `run` (connection, lock, checks, history)
    #[command(after_help = FLEET_RUN_HELP)]
    Run(FleetRunArgs),
    /// Which target is on which version: the newest applied, pending required ones, problems
    #[command(after_help = FLEET_STATUS_HELP)]
    Status(FleetStatusArgs),
    /// Compare every target's schema with its applied migrations (a `verify` each)
    #[command(after_help = FLEET_VERIFY_HELP)]
    Verify(FleetVerifyArgs),
}

/// Prints the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> std::io::Result<()> {
    let mut command = <Cli as clap::CommandFactory>::command();
    // Generated whole, then written: clap_complete panics on a failed write.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "buildxpert-migrate", &mut script);
    output::to_stdout(&script)
}
