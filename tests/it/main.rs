//! Integration tests: the real binary and Diesel against real PostgreSQL
//! databases (one fresh database per test) and real SQLite files.

mod support;

mod backups;
mod concurrency;
mod defects;
mod drift;
mod dsl;
mod errors;
mod faults;
mod fleet;
mod integrity;
mod interop;
mod layers;
mod limits;
mod lint;
mod node_runner;
mod node_schema;
mod output;
mod pooler;
mod postgres_run;
mod replay;
mod revert;
mod robustness;
mod schema;
mod second_pass;
mod secrets;
mod single_transaction;
mod sqlite_run;
mod verify;
