//! Integration tests: the real binary and Diesel against real PostgreSQL
//! databases (one fresh database per test) and real SQLite files.

mod support;

mod dsl;
mod errors;
mod interop;
mod postgres_run;
mod schema;
mod sqlite_run;
