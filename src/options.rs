//! The command line's values: every subcommand's flags as plain data
//! (clap derives), read by `cli` (which assembles the command line),
//! `commands` and `fleet`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Database to migrate: postgres://user:pass@host:port/db, sqlite://PATH or a .db/.sqlite/.sqlite3 path
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Read the database URL from this file (a mounted secret; keeps the password out of ps)
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        conflicts_with = "database_url"
    )]
    pub database_url_file: Option<PathBuf>,

    /// Where verify and adoption may create their scratch database (a server of the same
    /// PostgreSQL version; default: the database's own server). Also BUILDXPERT_SCRATCH_DATABASE_URL
    #[arg(long, global = true, value_name = "URL")]
    pub scratch_database_url: Option<String>,

    /// Refuse a PostgreSQL connection that is not encrypted with TLS (exit 3)
    #[arg(long, global = true)]
    pub require_tls: bool,

    /// Migrate from this directory of Diesel migrations instead of the embedded set
    #[arg(long, global = true, value_name = "DIR")]
    pub migration_dir: Option<PathBuf>,

    /// Also show where it connects and every SQL statement as it runs
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Print errors only
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Keep retrying the connection for this long while the database starts
    #[arg(long, global = true, value_name = "SECONDS", value_parser = seconds())]
    pub wait: Option<u64>,

    /// How long to wait for another runner's migration lock before exiting 7
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 300, value_parser = seconds())]
    pub lock_wait: u64,

    /// PostgreSQL lock_timeout for each statement: never queue the application behind a migration
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 5.0)]
    pub lock_timeout: f64,

    /// How often a migration that hit the lock timeout is rolled back and tried again
    #[arg(long, global = true, value_name = "N", default_value_t = 5)]
    pub lock_retries: u32,

    /// PostgreSQL statement_timeout for each statement (off by default)
    #[arg(long, global = true, value_name = "SECONDS")]
    pub statement_timeout: Option<f64>,
}

/// The longest wait or timeout any flag takes (23 days): every limit must
/// fit the databases' own millisecond settings (a 32-bit integer).
pub const MAX_SECONDS: u64 = 2_000_000;

fn seconds() -> clap::builder::RangedU64ValueParser {
    clap::value_parser!(u64).range(..=MAX_SECONDS)
}

/// What every fleet command takes.
#[derive(Debug, Args)]
pub struct FleetArgs {
    /// The targets: one `NAME URL` per line (URL may be env:VARIABLE); # starts a comment
    #[arg(long, value_name = "FILE")]
    pub targets: PathBuf,

    /// At most this many targets at once (default: the number of cores, at most 8)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallel: Option<u16>,
}

#[derive(Debug, Args)]
pub struct FleetRunArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,

    /// After a target fails: finish the others (continue) or start no new one (stop)
    #[arg(long, value_enum, default_value_t = OnError::Continue)]
    pub on_error: OnError,

    /// Migrate the first K targets one at a time first, and stop if any of them fails
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub canary: usize,

    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct FleetStatusArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Fail (exit 6) when a target has required migrations pending, 8 on an integrity problem
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct FleetVerifyArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Also fail (exit 8) on objects no migration creates
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnError {
    Continue,
    Stop,
}

#[derive(Debug, Args, Default, PartialEq, Eq)]
pub struct RunArgs {
    /// Re-run migrations that are already applied (same as the `force` command)
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub apply: ApplyArgs,
}

/// What `run` and `force` share.
#[derive(Debug, Args, Default, PartialEq, Eq)]
pub struct ApplyArgs {
    /// Leave optional migrations (call masking, push notifications) unapplied
    #[arg(long)]
    pub skip_optional: bool,

    /// Stop after this version
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,

    /// Print what would run, in order, with its SQL; change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Back the database up into DIR first (pg_dump or VACUUM INTO)
    #[arg(long, value_name = "DIR")]
    pub backup: Option<PathBuf>,

    /// Run even though the database has versions this binary does not contain
    #[arg(long)]
    pub allow_unknown: bool,

    /// Check the schema against the applied migrations first; refuse a drifted database (exit 8)
    #[arg(long)]
    pub verify: bool,

    /// Apply every pending migration and its records in one transaction: all or none
    #[arg(long)]
    pub single_transaction: bool,

    /// Output: text lines, or one JSON object per line per event
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub format: Output,
}

#[derive(Debug, Args)]
pub struct RevertArgs {
    /// Revert down to and including this version (default: the newest applied one)
    #[arg(value_name = "VERSION", conflicts_with = "all")]
    pub version: Option<String>,

    /// Revert every applied migration
    #[arg(long)]
    pub all: bool,

    /// Revert only VERSION, not the newer ones (refused while another applied migration needs it)
    #[arg(long, requires = "version")]
    pub only: bool,

    /// Print what would run, in order, with its SQL; change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Back the database up into DIR first
    #[arg(long, value_name = "DIR")]
    pub backup: Option<PathBuf>,

    /// Do not ask for confirmation (required without a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Required with BUILDXPERT_ENV=production: this drops tables and their rows
    #[arg(long)]
    pub allow_data_loss: bool,

    /// Revert even though the database has versions this binary does not contain
    #[arg(long)]
    pub allow_unknown: bool,

    /// Output: text lines, or one JSON object per line per event
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub format: Output,
}

#[derive(Debug, Args)]
pub struct RepairArgs {
    /// Only this version (default: every migration that needs it)
    #[arg(value_name = "VERSION")]
    pub version: Option<String>,

    /// Print what would be recorded; change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Output: text lines, or one JSON object per line per event
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub format: Output,
}

#[derive(Debug, Args)]
pub struct AdoptArgs {
    /// The newest migration the schema contains: 001 up to it are checked and recorded
    #[arg(long, value_name = "VERSION")]
    pub baseline: String,

    /// Print what would be recorded; change nothing (the check still runs)
    #[arg(long)]
    pub dry_run: bool,

    /// Output: text lines, or one JSON object per line per event
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub format: Output,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Exit with code 6 when a required migration is pending (a deploy gate)
    #[arg(long)]
    pub check: bool,

    /// List the backups --backup took (path, time, size, SHA-256), newest first
    #[arg(long, conflicts_with_all = ["check", "verify"])]
    pub backups: bool,

    /// Also compare the schema with the applied migrations (exit 8 on drift)
    #[arg(long)]
    pub verify: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Output: one line per difference, grouped by table, or a JSON list
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Also fail (exit 8) on objects no migration creates
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Output: one line per finding (file:line:column: rule: message), or a JSON list
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Output {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}
