//! Every way a run can fail, each with the context a person needs at 3 a.m.,
//! and the one place that maps them to exit codes.

/// Exit codes, documented in the README and `--help`.
pub mod exit {
    pub const SUCCESS: u8 = 0;
    pub const UNEXPECTED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const CONNECT: u8 = 3;
    pub const PERMISSION: u8 = 4;
    pub const MIGRATION_FAILED: u8 = 5;
    pub const PENDING: u8 = 6;
    pub const LOCK_TIMEOUT: u8 = 7;
    pub const INTEGRITY: u8 = 8;
    pub const CONNECTION_LOST: u8 = 9;
    pub const LINT: u8 = 10;
}

/// Every exit code and its meaning, written once: `--help` prints it and a
/// test checks that the README's table says the same.
pub const EXIT_CODES: [(&str, &str); 12] = [
    ("0", "success"),
    (
        "1",
        "unexpected error, a record `adopt` or `repair` could not write (that migration stays as it was), or a backup that could not be written (the database is untouched)",
    ),
    (
        "2",
        "usage: bad flags or out-of-range numbers, unknown version, bad or unsupported database URL, a missing, unreadable or empty URL file, both `DATABASE_URL` and `DATABASE_URL_FILE`, no URL in production, data loss not confirmed, an empty `--migration-dir`, a `search_path` naming no schema, `--single-transaction` with a migration that must run outside a transaction, a malformed `fleet` targets file",
    ),
    (
        "3",
        "cannot connect: refused, unknown host, authentication, missing database (names host:port and database), not encrypted with `--require-tls`; `pg_dump` missing for `--backup`; a pooler with no server connection free for a migration outside a transaction",
    ),
    (
        "4",
        "permission denied (names the privilege to grant, e.g. CREATE on schema public, or CREATEDB for the scratch database a replay needs), or a hot standby asked to replay without `--scratch-database-url`",
    ),
    (
        "5",
        "a migration failed (rolled back; the message says which steps this run had already done), a dependency is missing, a revert is needed by an applied migration, a migration outside a transaction failed earlier, another runner's attempt at a migration failed while this one waited for the lock, or a transactional migration contains BEGIN/COMMIT",
    ),
    (
        "6",
        "`status --check`: a required migration is not applied (pending, running, or skipped while it was optional)",
    ),
    (
        "7",
        "another runner held the migration lock past `--lock-wait`",
    ),
    (
        "8",
        "integrity: a changed applied `up.sql`, an unknown applied version, a hand-edited record, a `migrations` table of another shape (left untouched), a schema without history (`adopt --baseline`), objects that differ from what the migrations to adopt define (or, after it ran, from what a migration defines: not recorded), or schema drift (`verify`, `run --verify`, `status --verify`)",
    ),
    (
        "9",
        "the connection was lost during a run (server gone, network cut): PostgreSQL rolled back the unfinished transaction, so every migration in a transaction is entirely applied or not at all; run again to continue",
    ),
    (
        "10",
        "`lint` found statements that block writes on a populated table (each named with its file, line and a fix)",
    ),
    (
        "130 / 143",
        "interrupted by SIGINT / SIGTERM (the running migration is rolled back)",
    ),
];

/// The exit-code table shown by `--help`.
pub fn exit_codes_help() -> String {
    let mut text = String::from("Exit codes:\n");
    for (code, meaning) in EXIT_CODES {
        // Wrapped at 80 columns under the meaning's first word.
        let mut line = format!("  {code:>9} ");
        for word in meaning.replace('`', "").split_whitespace() {
            if line.len() + word.len() >= 80 {
                text.push_str(&line);
                text.push('\n');
                line = " ".repeat(12);
            }
            line.push(' ');
            line.push_str(word);
        }
        text.push_str(&line);
        text.push('\n');
    }
    text.push_str("  fleet exits with the most severe of its targets' codes");
    text
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{0}")]
    Usage(String),

    #[error(
        "unsupported database URL `{url}`: {reason}. Supported: postgres://…, postgresql://…, \
         sqlite://PATH, file:PATH, or a path ending in .db, .sqlite or .sqlite3"
    )]
    BadUrl { url: String, reason: String },

    #[error(
        "no database configured and BUILDXPERT_ENV=production: set DATABASE_URL (or pass \
         --database-url, or add it to config.env) instead of migrating a local SQLite file"
    )]
    NoUrlInProduction,

    #[error("cannot connect to {target}: {reason}. {hint}")]
    Connect {
        target: String,
        reason: String,
        hint: String,
    },

    #[error("permission denied {doing}: {message}. {hint}")]
    Permission {
        doing: String,
        message: String,
        hint: String,
    },

    #[error("{what} failed: {message}. {aftermath}")]
    MigrationFailed {
        /// "migration 002 name" or "revert of migration 002 name".
        what: String,
        message: String,
        /// What state that leaves and what to do.
        aftermath: String,
    },

    #[error(
        "migration {version} {name} needs {missing}, which {verb} not applied and not part of \
         this run{why}; nothing was applied"
    )]
    MissingDependency {
        version: String,
        name: String,
        missing: String,
        verb: &'static str,
        why: String,
    },

    #[error(
        "a history table has columns ({columns}) that are neither the Node.js runner's \
         `migrations` nor this binary's; it was left untouched and nothing was changed. Rename \
         it (e.g. ALTER TABLE migrations RENAME TO migrations_legacy) and run again"
    )]
    ForeignHistoryTable { columns: String },

    #[error(
        "the Node.js runner's `migrations` table cannot be written as it is: {problem}; it \
         was left untouched and nothing was changed. Fix it ({fix}) and run again"
    )]
    NodeTableUnusable { problem: String, fix: String },

    #[error(
        "the schema already has {tables} but no migration history (restored without its \
         `migrations` table, or made by hand); nothing was changed. Check that it is the \
         BuildXpert schema and record it with `buildxpert-migrate adopt --baseline VERSION` \
         (the newest migration it contains, e.g. {newest}), which checks every object first"
    )]
    UnrecordedSchema { tables: String, newest: String },

    #[error(
        "the database does not match what migration(s) {versions} define, so they were not \
         recorded as applied and nothing was changed: {differences}. Restore the objects (or \
         fix them by hand) and run again"
    )]
    AdoptionMismatch {
        versions: String,
        differences: String,
    },

    #[error(
        "{what} ran, but the database's objects differ from what it defines ({differences}): \
         IF NOT EXISTS kept objects of another shape, so {aftermath}. Make the objects what \
         the migration defines (or restore them), then run again"
    )]
    ObjectsDiffer {
        what: String,
        differences: String,
        aftermath: &'static str,
    },

    #[error(
        "the schema has drifted from what the applied migrations define ({count} \
         difference(s)): {differences}. Restore the objects (`buildxpert-migrate force` \
         re-creates missing ones) or record the change in a new migration"
    )]
    Drift { count: usize, differences: String },

    #[error(
        "{count} required migration(s) pending: {versions}. Run `buildxpert-migrate run` to \
         apply them"
    )]
    PendingRequired { count: usize, versions: String },

    #[error(
        "migration {version} {name} was applied with a different up.sql than the one in this \
         binary (checksum differs); applied files must not change. Restore the file, or run \
         `buildxpert-migrate repair {version}` after checking the difference by hand"
    )]
    Modified { version: String, name: String },

    #[error(
        "migration {version} {name} failed earlier outside a transaction and may be half-applied \
         ({message}); check what it created, then `buildxpert-migrate force` to re-run it, or \
         `buildxpert-migrate repair {version}` if you completed it by hand"
    )]
    PreviouslyFailed {
        version: String,
        name: String,
        message: String,
    },

    #[error(
        "{file} line {line}: {keyword} inside a migration that runs in a transaction would make \
         part of it permanent even if the rest fails; remove it (each migration already runs in \
         its own transaction) or give the migration a metadata.toml with run_in_transaction = \
         false. Nothing was run"
    )]
    TransactionControl {
        file: String,
        line: usize,
        keyword: String,
    },

    #[error(
        "migration {version} {name} is recorded as applied in bxm_migration_actions but missing from \
         __diesel_schema_migrations (edited by hand?); run `buildxpert-migrate repair \
         {version}` if its objects exist, or `buildxpert-migrate force` to re-run it"
    )]
    Inconsistent { version: String, name: String },

    #[error(
        "the database has migration(s) {versions} applied, which this binary does not contain \
         (its newest is {newest}): it was migrated by a newer release. Deploy that release, or \
         pass --allow-unknown to continue anyway"
    )]
    UnknownApplied { versions: String, newest: String },

    #[error(
        "migration {version} {name} cannot be reverted alone: applied migration(s) {dependents} \
         need it. Revert those first (or revert down to {version} without --only)"
    )]
    NeededBy {
        version: String,
        name: String,
        dependents: String,
    },

    #[error(
        "another migration run holds the lock ({holder}) and did not finish within \
         --lock-wait; wait for it, or stop it if it is stuck"
    )]
    LockTimeout { holder: String },

    #[error(
        "the connection pooler gave this run no server connection within its \
         query_wait_timeout while applying migration {migration}: a migration outside a \
         transaction holds the migration lock on a second connection, so through a \
         transaction-mode pooler the run needs two server connections (PgBouncer's \
         default_pool_size of at least 2). Raise the pool, or use a direct connection or \
         session mode, and run again: nothing of it is recorded as done, and a run repeats \
         whatever of it took effect"
    )]
    PoolExhausted { migration: String },

    #[error(
        "{count} statement(s) in the migrations block writes on a populated table (listed \
         above with their file, line and a fix): rewrite them, or run `lint` again after \
         the change"
    )]
    LintFindings { count: usize },

    #[error(
        "another runner's attempt at migration {migration} failed while this one waited for \
         the lock, so this run stops rather than try it again: see `buildxpert-migrate \
         status` and that failure, then `force` or `repair` as for any failed migration"
    )]
    ChangedMeanwhile { migration: String },

    #[error(
        "the connection to the database was lost while {doing} ({message}). PostgreSQL rolls \
         back a transaction whose client is gone: {aftermath}; run again to continue"
    )]
    ConnectionLost {
        doing: String,
        message: String,
        /// What that leaves of the migrations, as far as this run can tell.
        aftermath: String,
    },

    #[error("cannot take the backup: {0}")]
    Backup(String),

    /// The tool a backup needs is missing (exit 3, like a server that cannot be reached).
    #[error("cannot take the backup: {0}")]
    BackupTool(String),

    #[error("the migration set is inconsistent: {0}")]
    Catalog(String),

    /// The migrations' SQL cannot be replayed to compare the schema with it.
    #[error("cannot compare the database with what the migrations define: {0}")]
    CannotCompare(String),

    #[error("database error while {doing}: {message}")]
    Database { doing: String, message: String },

    /// A line of a `fleet --targets` file that names no usable target.
    #[error("{file} line {line}: {reason}; nothing was run")]
    BadTarget {
        file: String,
        line: usize,
        reason: String,
    },

    /// Some targets of a fleet did not succeed; `code` is the most severe of
    /// their exit codes (see `fleet::SEVERITY`).
    #[error("{failed} of {total} targets did not succeed: {names} (see the report above)")]
    FleetFailed {
        failed: usize,
        total: usize,
        names: String,
        code: u8,
    },

    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_)
            | Error::BadUrl { .. }
            | Error::NoUrlInProduction
            | Error::BadTarget { .. } => exit::USAGE,
            Error::Connect { .. } | Error::PoolExhausted { .. } => exit::CONNECT,
            Error::Permission { .. } => exit::PERMISSION,
            Error::MigrationFailed { .. }
            | Error::MissingDependency { .. }
            | Error::NeededBy { .. }
            | Error::PreviouslyFailed { .. }
            | Error::ChangedMeanwhile { .. }
            | Error::TransactionControl { .. } => exit::MIGRATION_FAILED,
            Error::PendingRequired { .. } => exit::PENDING,
            Error::LockTimeout { .. } => exit::LOCK_TIMEOUT,
            Error::ForeignHistoryTable { .. }
            | Error::NodeTableUnusable { .. }
            | Error::UnrecordedSchema { .. }
            | Error::AdoptionMismatch { .. }
            | Error::ObjectsDiffer { .. }
            | Error::Drift { .. }
            | Error::Modified { .. }
            | Error::Inconsistent { .. }
            | Error::UnknownApplied { .. } => exit::INTEGRITY,
            Error::BackupTool(_) => exit::CONNECT,
            Error::ConnectionLost { .. } => exit::CONNECTION_LOST,
            Error::LintFindings { .. } => exit::LINT,
            Error::FleetFailed { code, .. } => *code,
            Error::Catalog(_)
            | Error::CannotCompare(_)
            | Error::Database { .. }
            | Error::Backup(_)
            | Error::Output(_) => exit::UNEXPECTED,
        }
    }

    /// Classifies a database error raised while doing `doing` (e.g. "creating the
    /// history tables"): permission problems get their own code and a hint.
    pub fn from_db(doing: impl Into<String>, err: &diesel::result::Error) -> Error {
        let doing = doing.into();
        let message = db_message(err);
        if connection_lost(err) {
            return Error::ConnectionLost {
                doing,
                message,
                aftermath: "every migration in a transaction is entirely applied or not at all"
                    .to_string(),
            };
        }
        // Another SQLite writer kept the file locked past the busy timeout
        // (--lock-wait): the same outcome as waiting for PostgreSQL's lock.
        if message.contains("database is locked") {
            return Error::LockTimeout {
                holder: format!("another process is writing to the SQLite file (while {doing})"),
            };
        }
        if message.contains("no schema has been selected to create in") {
            return Error::Usage(format!(
                "{message} while {doing}: the search_path (options=-c search_path=… in the URL, \
                 or the role's setting) names no schema that exists; create it or fix the \
                 search_path"
            ));
        }
        match permission_hint(&message) {
            Some(hint) => Error::Permission {
                doing: format!("while {doing}"),
                message,
                hint,
            },
            None => Error::Database { doing, message },
        }
    }
}

/// Whether `err` says the connection is gone (the server went away, the
/// network dropped it, it was terminated), rather than a statement failing.
pub fn connection_lost(err: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error as E};
    if let E::DatabaseError(DatabaseErrorKind::ClosedConnection, _) | E::BrokenTransactionManager =
        err
    {
        return true;
    }
    lost_message(&db_message(err))
}

/// Whether a message (libpq's or Diesel's) says the connection is gone.
pub fn lost_message(message: &str) -> bool {
    let lower = message.to_lowercase();
    [
        "server closed the connection unexpectedly",
        "no connection to the server",
        "could not receive data from server",
        "could not send data to server",
        "ssl syscall error",
        "ssl connection has been closed unexpectedly",
        "connection to server was lost",
        "terminating connection",
        "transaction manager is broken",
        "connection is broken",
        "lost synchronization with server",
        "unexpected eof",
    ]
    .iter()
    .any(|pattern| lower.contains(pattern))
}

/// The database's own message, without Diesel's wrapping.
pub fn db_message(err: &diesel::result::Error) -> String {
    match err {
        diesel::result::Error::DatabaseError(_, info) => info.message().trim().to_string(),
        other => other.to_string().trim().to_string(),
    }
}

/// What to grant when a database message reports missing rights; `None` when
/// the message is not about rights.
pub fn permission_hint(message: &str) -> Option<String> {
    let lower = message.to_lowercase();
    if let Some(rest) = lower.strip_prefix("permission denied for schema ") {
        let schema = rest.split_whitespace().next().unwrap_or("public");
        return Some(format!(
            "Grant CREATE on schema {schema} to the migration role (GRANT CREATE ON SCHEMA \
             {schema} TO <role>) or run as the schema owner"
        ));
    }
    if let Some(rest) = lower.strip_prefix("permission denied for ") {
        return Some(format!(
            "Run as the owner of {rest} or grant the migration role the privileges it needs on it"
        ));
    }
    if lower.starts_with("must be owner of") {
        return Some("Run the migrations as the owner of the objects they change".to_string());
    }
    if lower.contains("read-only transaction") {
        return Some(
            "The session is read-only (a standby or a read-only role): point DATABASE_URL at \
             the primary with a role that may write"
                .to_string(),
        );
    }
    if lower.contains("readonly database") {
        return Some("Make the SQLite file and its directory writable by this user".to_string());
    }
    None
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_lists_the_same_exit_codes() {
        let readme = include_str!("../README.md");
        let section = &readme[readme.find("## Exit codes").expect("an exit-code section")..];
        let rows: Vec<(&str, &str)> = section
            .lines()
            .skip_while(|l| !l.starts_with("|---"))
            .skip(1)
            .take_while(|l| l.starts_with('|'))
            .filter_map(|l| {
                let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
                (cells.len() == 2).then(|| (cells[0], cells[1]))
            })
            .collect();
        assert_eq!(
            rows, EXIT_CODES,
            "README.md's exit-code table and error::EXIT_CODES differ"
        );
        for (code, _) in EXIT_CODES {
            assert!(exit_codes_help().contains(code));
        }
    }

    #[test]
    fn schema_permission_names_the_grant() {
        let hint = permission_hint("permission denied for schema public").unwrap();
        assert!(hint.contains("GRANT CREATE ON SCHEMA public"), "{hint}");
    }

    #[test]
    fn unrelated_messages_are_not_permission_errors() {
        assert_eq!(permission_hint("relation \"users\" does not exist"), None);
    }
}
