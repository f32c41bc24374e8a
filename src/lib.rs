//! buildxpert-migrate: the BuildXpert schema and the runner that applies it.
//!
//! Where things live:
//! - [`cli`]: the command line (clap types).
//! - [`config`]: where the database URL comes from and which backend it selects.
//! - [`catalog`]: what migrations exist (embedded sets, manifest, checksums).
//! - [`connection`]: the pooled connection and connection errors.
//! - [`history`]: what the database has (Diesel's table and our `migrations` log).
//! - [`plan`]: what a run will do and what `status` shows, as pure values.
//! - [`runner`]: applies a plan through Diesel's migration harness.
//! - [`report`]: what people read (progress lines, status table and JSON).
//! - [`commands`]: each subcommand, wiring the above together.
//! - [`error`]: every failure and its exit code.
//! - [`schema`]: Diesel's `table!` definitions of the BuildXpert schema.

pub mod catalog;
pub mod cli;
pub mod commands;
pub mod config;
pub mod connection;
pub mod error;
pub mod history;
pub mod plan;
pub mod report;
pub mod runner;
pub mod schema;

pub use commands::{execute, init_logging};
pub use error::{Error, Result};
