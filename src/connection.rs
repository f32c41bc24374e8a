//! Getting one connection to the configured database from an r2d2 pool, and
//! turning the driver's connection failures into errors that say what to fix.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::prelude::*;
use diesel::r2d2::{HandleError, ManageConnection, Pool, PooledConnection, R2D2Connection};

use crate::config::{Backend, Target};
use crate::error::{Error, Result};

/// One connection type for both backends (as Vaultwarden does), so the
/// runner and history code are written once.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// The backend type of [`AnyConnection`]; migrations run against it.
pub type Db = <AnyConnection as Connection>::Backend;

pub type Conn = PooledConnection<Manager>;

/// Opens the backend the URL selected. (The derived `AnyConnection::establish`
/// tries every backend in turn and replaces the driver's message with
/// "Invalid connection url", which would leave users guessing.)
#[derive(Debug)]
pub struct Manager {
    backend: Backend,
    url: String,
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<AnyConnection, ConnectionError> {
        match self.backend {
            Backend::Postgres => PgConnection::establish(&self.url).map(AnyConnection::Pg),
            Backend::Sqlite => SqliteConnection::establish(&self.url).map(AnyConnection::Sqlite),
        }
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), ConnectionError> {
        conn.ping()
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        conn.is_broken()
    }
}

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

/// Opens the pool (size one: a run holds one connection throughout) and
/// returns its connection, prepared for migrating.
pub fn connect(target: &Target) -> Result<Conn> {
    let last_error = LastError::default();
    let pool = Pool::builder()
        .max_size(1)
        .min_idle(Some(0))
        .test_on_check_out(false)
        .error_handler(Box::new(last_error.clone()))
        .build_unchecked(Manager {
            backend: target.backend,
            url: target.connect_url.clone(),
        });
    let mut conn = loop {
        match pool.get_timeout(POLL) {
            Ok(conn) => break conn,
            Err(_) => {
                if let Some(message) = last_error.take() {
                    return Err(classify_connect_error(target, &target.redact(&message)));
                }
            }
        }
    };
    prepare(&mut conn, target)?;
    Ok(conn)
}

/// Session settings every run needs.
fn prepare(conn: &mut Conn, target: &Target) -> Result<()> {
    let setup = match &mut **conn {
        AnyConnection::Pg(_) => "SET application_name = 'buildxpert-migrate'",
        // Foreign keys are off by default in SQLite; the schema relies on them.
        // Reading schema_version makes SQLite open the file now, so a file that
        // is not a database is reported as such before anything else.
        AnyConnection::Sqlite(_) => {
            "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA schema_version"
        }
    };
    conn.batch_execute(setup).map_err(|e| match &e {
        diesel::result::Error::DatabaseError(_, info)
            if info.message().contains("not a database") =>
        {
            Error::Connect {
                target: target.to_string(),
                reason: info.message().to_string(),
                hint: "The file exists but is not a SQLite database: point DATABASE_URL at the \
                       right file"
                    .to_string(),
            }
        }
        _ => Error::from_db("preparing the session", &e),
    })?;
    conn.set_instrumentation(SqlLogger);
    Ok(())
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

/// Who the database says we are, for the history's `executed_by`.
pub fn current_user(conn: &mut Conn) -> Result<String> {
    #[derive(QueryableByName)]
    struct Who {
        #[diesel(sql_type = diesel::sql_types::Text)]
        who: String,
    }
    match &mut **conn {
        AnyConnection::Pg(pg) => diesel::sql_query("SELECT current_user::text AS who")
            .get_result::<Who>(pg)
            .map(|w| w.who)
            .map_err(|e| Error::from_db("reading the current user", &e)),
        // SQLite has no users: the operating-system account is the honest answer.
        AnyConnection::Sqlite(_) => Ok(std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".to_string())),
    }
}

/// Where the connection really ended up, for `--verbose` (never the password).
pub fn describe_session(conn: &mut Conn, target: &Target) -> String {
    #[derive(QueryableByName)]
    struct Session {
        #[diesel(sql_type = diesel::sql_types::Text)]
        session: String,
    }
    match &mut **conn {
        AnyConnection::Pg(pg) => diesel::sql_query(
            "SELECT format('host %s port %s database %s user %s (server %s)', \
             coalesce(host(inet_server_addr()), 'local socket'), \
             coalesce(inet_server_port()::text, '-'), current_database(), current_user, \
             current_setting('server_version')) AS session",
        )
        .get_result::<Session>(pg)
        .map(|s| s.session)
        .unwrap_or_else(|_| target.to_string()),
        AnyConnection::Sqlite(_) => target.to_string(),
    }
}

/// Turns libpq / SQLite connection messages into one line with a way out.
fn classify_connect_error(target: &Target, message: &str) -> Error {
    let lower = message.to_lowercase();
    let config_hint = "Check DATABASE_URL (or --database-url, config.env, .env)";
    let hint = if lower.contains("password authentication failed")
        || lower.contains("no password supplied")
        || lower.contains("authentication failed")
    {
        format!("The user name or password is wrong. {config_hint}")
    } else if lower.contains("database") && lower.contains("does not exist") {
        let name = message
            .split_once("database \"")
            .and_then(|(_, rest)| rest.split('"').next())
            .unwrap_or("<name>");
        format!(
            "The database does not exist: create it first (createdb {name}, or CREATE DATABASE) \
             or fix the name in DATABASE_URL"
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
