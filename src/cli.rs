//! The command line: the seed's npm scripts as subcommands of one binary.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::EXIT_CODES_HELP;

#[derive(Debug, Parser)]
#[command(
    name = "buildxpert-migrate",
    version,
    about = "Applies the BuildXpert database schema (embedded in this binary) to PostgreSQL or SQLite",
    long_about = "Applies the BuildXpert database schema (embedded in this binary) to PostgreSQL \
                  or SQLite.\n\nThe database URL comes from --database-url, DATABASE_URL, \
                  config.env or .env (first found wins); without any, a local SQLite file \
                  buildxpert.sqlite3 is migrated (not when BUILDXPERT_ENV=production).",
    after_help = EXIT_CODES_HELP
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

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Database to migrate: postgres://user:pass@host:port/db, sqlite://PATH or a .db/.sqlite/.sqlite3 path
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Migrate from this directory of Diesel migrations instead of the embedded set
    #[arg(long, global = true, value_name = "DIR")]
    pub migration_dir: Option<PathBuf>,

    /// Also show where it connects and every SQL statement as it runs
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Print errors only
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply every pending migration (the default; npm run db:migrate)
    #[command(after_help = "Example:\n  buildxpert-migrate run --skip-optional")]
    Run(RunArgs),
    /// Re-run every migration's up.sql, applied or not (npm run db:migrate:force)
    #[command(after_help = "Example:\n  buildxpert-migrate force --skip-optional")]
    Force(ForceArgs),
    /// Show each migration's state (npm run db:migrate:status)
    #[command(after_help = "Example:\n  buildxpert-migrate status --format json --check")]
    Status(StatusArgs),
}

#[derive(Debug, Args, Default)]
pub struct RunArgs {
    /// Leave optional migrations (call masking, push notifications) unapplied
    #[arg(long)]
    pub skip_optional: bool,

    /// Re-run migrations that are already applied (same as the `force` command)
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ForceArgs {
    /// Leave optional migrations unapplied
    #[arg(long)]
    pub skip_optional: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Exit with code 6 when a required migration is pending (a deploy gate)
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}
