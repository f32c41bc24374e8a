//! Getting one connection to the configured database from an r2d2 pool,
//! turning the driver's connection failures into errors that say what to
//! fix, and the two kinds of transaction everything above runs in.

use std::sync::{Arc, Mutex};
use std::thread::sleep;
use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{HandleError, ManageConnection, Pool, PooledConnection, R2D2Connection};
use scheduled_thread_pool::ScheduledThreadPool;

use crate::config::{Backend, Settings, Target};
use crate::engine::{self, AnyConnection};
use crate::error::{Error, Result, db_message};

pub(crate) type Conn = PooledConnection<Manager>;

/// Opens the backend the URL selected. (The derived `AnyConnection::establish`
/// tries every backend in turn and replaces the driver's message with
/// "Invalid connection url", which would leave users guessing.)
#[derive(Debug)]
pub(crate) struct Manager {
    backend: Backend,
    url: String,
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<AnyConnection, ConnectionError> {
        engine::establish(self.backend, &self.url)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), ConnectionError> {
        conn.ping()
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        conn.is_broken()
    }
}

/// How long libpq waits for a host that does not answer, at most.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one poll for a connection waits before looking at the last error.
const POLL: Duration = Duration::from_millis(25);

/// Keeps the driver's last connection error, which r2d2 would otherwise only
/// turn into a timeout message.
#[derive(Debug, Default, Clone)]
struct LastError(Arc<Mutex<Option<String>>>);

impl HandleError<ConnectionError> for LastError {
    fn handle_error(&self, error: ConnectionError) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(error.to_string());
        }
    }
}

impl LastError {
    fn take(&self) -> Option<String> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// Connects, retrying with a line per attempt while `--wait` allows, and
/// prepares the session.
pub(crate) fn connect(target: &Target, settings: &Settings) -> Result<Conn> {
    let deadline = settings
        .wait
        .and_then(|wait| Instant::now().checked_add(wait));
    let mut attempt = 1u32;
    loop {
        // Each attempt ends by the --wait deadline: the limit is hard.
        let timeout = deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
            .unwrap_or(CONNECT_TIMEOUT)
            .min(CONNECT_TIMEOUT);
        match connect_once(target, timeout) {
            Ok(mut conn) => {
                prepare(&mut conn, target, settings)?;
                return Ok(conn);
            }
            Err(err @ Error::Connect { .. }) => {
                let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
                match left {
                    Some(left) if !left.is_zero() => {
                        log::warn!(
                            "attempt {attempt}: {err}; retrying for up to {}s more (--wait)",
                            left.as_secs()
                        );
                        sleep(Duration::from_millis(500 * u64::from(attempt.min(4))).min(left));
                        attempt += 1;
                    }
                    _ => return Err(err),
                }
            }
            Err(err) => return Err(err),
        }
    }
}

/// One try through a pool of size one (a run holds one connection
/// throughout); returns the driver's own message on failure. `timeout`
/// bounds how long libpq waits for a silent host.
fn connect_once(target: &Target, timeout: Duration) -> Result<Conn> {
    let last_error = LastError::default();
    let pool = Pool::builder()
        // r2d2 starts three worker threads by default; one connection needs one.
        .thread_pool(Arc::new(ScheduledThreadPool::new(1)))
        .max_size(1)
        .min_idle(Some(0))
        .test_on_check_out(false)
        .error_handler(Box::new(last_error.clone()))
        .build_unchecked(Manager {
            backend: target.backend,
            url: connection_string(target, timeout),
        });
    loop {
        match pool.get_timeout(POLL) {
            Ok(conn) => return Ok(conn),
            Err(_) => {
                if let Some(message) = last_error.take() {
                    return Err(classify_connect_error(target, &target.redact(&message)));
                }
            }
        }
    }
}

/// libpq waits for a silent host forever by default: give up after
/// `timeout` (whole seconds, at least libpq's minimum of 2) unless the URL
/// says otherwise.
fn connection_string(target: &Target, timeout: Duration) -> String {
    let Some(info) = target.conninfo() else {
        return target.connect_url.clone();
    };
    let mut info = info.clone();
    if info.get("connect_timeout").is_none() {
        let seconds = timeout.as_secs_f64().ceil().max(2.0);
        info.set("connect_timeout", &format!("{seconds}"));
    }
    info.to_conninfo(true)
}

/// Session settings every run needs, and the statement log of `--verbose`.
fn prepare(conn: &mut Conn, target: &Target, settings: &Settings) -> Result<()> {
    engine::of(conn).prepare(target, settings)?;
    conn.set_instrumentation(SqlLogger);
    Ok(())
}

/// Runs `f` in the transaction just begun on `conn`, then commits it, or
/// rolls it back when `f` fails.
pub(crate) fn within_transaction<T, E>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> std::result::Result<T, E>,
) -> std::result::Result<T, E>
where
    E: From<diesel::result::Error> + NotRolledBack,
{
    match f(conn) {
        Ok(value) => match AnyConnection::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = AnyConnection::rollback_transaction(conn);
                Err(e.into())
            }
        },
        Err(e) => match AnyConnection::rollback_transaction(conn) {
            Ok(()) => Err(e),
            // Either the connection is gone (the server rolls back) or the
            // transaction had already ended, so earlier statements may have
            // been committed: the error must say which it may be.
            Err(rollback) => Err(e.not_rolled_back(db_message(&rollback))),
        },
    }
}

/// An error that can carry "the rollback after me failed".
pub(crate) trait NotRolledBack {
    fn not_rolled_back(self, rollback_error: String) -> Self;
}

impl NotRolledBack for Error {
    fn not_rolled_back(self, rollback_error: String) -> Self {
        // A lost connection's transaction is rolled back by the server.
        if !matches!(self, Error::ConnectionLost { .. }) {
            log::warn!(
                "rollback failed: {rollback_error}; part of the change may have been committed"
            );
        }
        self
    }
}

/// Runs read-only `f` on one snapshot: otherwise another runner could commit
/// a migration between two of its queries (Diesel's record read before,
/// our history after), and the state would look edited by hand.
pub(crate) fn snapshot<T>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T>,
) -> Result<T> {
    engine::of(conn)
        .begin_snapshot()
        .map_err(|e| Error::from_db("starting to read the migration state", &e))?;
    let result = f(conn);
    // Nothing was written: ending it either way releases the snapshot.
    AnyConnection::rollback_transaction(conn)
        .map_err(|e| Error::from_db("ending the read of the migration state", &e))?;
    result
}

/// Logs every statement sent to the database at debug level (`--verbose`).
struct SqlLogger;

impl Instrumentation for SqlLogger {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            log::debug!(target: "sql", "{query}");
        }
    }
}

/// Whether the session travels the network in clear text.
pub(crate) fn in_clear_text(conn: &mut Conn) -> Result<bool> {
    engine::of(conn).in_clear_text()
}

/// Who the database says we are, for the history's `executed_by`.
pub(crate) fn current_user(conn: &mut Conn) -> Result<String> {
    engine::of(conn).current_user()
}

/// Where the connection really ended up, for `--verbose` (never the password).
pub(crate) fn describe_session(conn: &mut Conn, target: &Target) -> String {
    engine::of(conn)
        .describe_session()
        .unwrap_or_else(|| target.to_string())
}

/// Turns libpq / SQLite connection messages into one line with a way out.
fn classify_connect_error(target: &Target, message: &str) -> Error {
    let lower = message.to_lowercase();
    let config_hint = "Check DATABASE_URL (or --database-url, DATABASE_URL_FILE, config.env, .env)";
    let hint = if lower.contains("no password supplied") {
        "The server wants a password and none was found: put it in ~/.pgpass (or the file \
         PGPASSFILE names), PGPASSWORD, or the URL (DATABASE_URL_FILE keeps it off the command \
         line)"
            .to_string()
    } else if lower.contains("password authentication failed")
        || lower.contains("authentication failed")
    {
        format!("The user name or password is wrong. {config_hint}")
    } else if lower.contains("database") && lower.contains("does not exist") {
        let name = message
            .split_once("database \"")
            .and_then(|(_, rest)| rest.split('"').next())
            .unwrap_or("<name>");
        format!(
            "The database does not exist: create it first (createdb {}, or CREATE DATABASE) \
             or fix the name in DATABASE_URL",
            shell_quoted(name)
        )
    } else if lower.contains("role") && lower.contains("does not exist") {
        format!("The role does not exist on the server. {config_hint}")
    } else if lower.contains("could not translate host name")
        || lower.contains("name or service not known")
    {
        format!("The host name cannot be resolved. {config_hint}")
    } else if lower.contains("connection refused") {
        "Nothing accepts connections there: start PostgreSQL or fix the host and port in \
         DATABASE_URL"
            .to_string()
    } else if lower.contains("unable to open") {
        "SQLite cannot open the file: check that its directory exists and is writable, or fix \
         the path in DATABASE_URL"
            .to_string()
    } else if lower.contains("invalid connection option")
        || lower.contains("invalid uri")
        || lower.contains("invalid integer value")
        || lower.contains("missing \"=\"")
    {
        return Error::BadUrl {
            url: target.to_string(),
            reason: first_line(message),
        };
    } else {
        config_hint.to_string()
    };
    Error::Connect {
        target: target.to_string(),
        reason: first_line(message),
        hint,
    }
}

/// A word as a POSIX shell reads it back, quoted only when it must be.
fn shell_quoted(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// libpq reports one line per address tried; the first says enough.
fn first_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("unknown error")
        .trim_end_matches('.')
        .to_string()
}
