//! buildxpert-migrate: the BuildXpert schema and the runner that applies it.
//!
//! Where things live:
//! - [`cli`]: the command line (clap types).
//! - [`commands`]: each subcommand, wiring the modules below together.
//! - [`config`]: where the database URL comes from and which backend it selects.
//! - [`catalog`]: what migrations exist (embedded sets, manifest, checksums).
//! - [`directory`]: `--migration-dir`, migrations read from a folder at run time.
//! - [`conninfo`]: PostgreSQL connection strings as libpq reads them; secrets by structure.
//! - [`connection`]: the pooled connection, session settings, transactions,
//!   connection errors.
//! - [`engine`]: everything that differs between PostgreSQL and SQLite, one
//!   file per backend behind a trait (nothing else matches on the backend).
//! - [`lock`]: one runner at a time (PostgreSQL advisory lock, polled;
//!   SQLite lock file).
//! - [`drift`]: what the migrations define versus what the database has (adoption, `verify`).
//! - [`history`]: what the database has (Diesel's record, the `migrations` table, our action log).
//! - [`node_history`]: the Node.js runner's `migrations` table, shared with that runner.
//! - [`plan`]: what a run will do and what `status` shows, as pure values.
//! - [`runner`]: applies a plan through Diesel's migrations, one transaction each
//!   (or one for all: `--single-transaction`).
//! - [`fleet`]: many databases in one command (a child `run` per target, a few at a time).
//! - [`report`]: what people read (progress lines, dry-run plan, status).
//! - [`backup`]: `--backup` (pg_dump / VACUUM INTO) and the recommendation.
//! - [`sqltext`]: the statements a migration file holds (transaction control, empty files).
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
pub mod connection;
mod conninfo;
mod directory;
pub mod drift;
mod engine;
mod error;
mod fleet;
mod history;
pub mod lock;
mod node_history;
mod plan;
pub mod report;
mod runner;
pub mod schema;
mod signals;
mod sqltext;

pub use commands::{execute, init_logging};
pub use error::{Error, Result};
