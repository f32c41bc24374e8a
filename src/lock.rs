//! One runner at a time. PostgreSQL: transaction-level advisory locks
//! (ours and the Node.js runner's key), taken by every transaction that
//! writes — each migration with its records, the tracking tables' creation,
//! a skip's record — which then asks again whether another runner did the
//! step meanwhile. A transaction-level lock ends with its transaction, so
//! no lock can outlive its runner on a connection a pooler (PgBouncer in
//! transaction mode) hands to someone else, and a runner that dies is
//! rolled back and releases it. It is polled with `pg_try_advisory_xact_lock`,
//! each try its own short transaction (a waiter holds no pooled server
//! connection between tries; a blocking `pg_advisory_xact_lock` would also
//! deadlock against CREATE INDEX CONCURRENTLY run by the holder). A
//! migration that runs outside a transaction holds the locks on a second
//! connection for its duration ([`Guard`]). SQLite has no session lock: an
//! OS file lock on `<database>.lock` beside the file plays that part for a
//! whole command (released by the kernel when the process ends, however it
//! ends), and each transaction still begins IMMEDIATE and asks again, for
//! writers that are not us (`diesel migration run`). Both mechanisms live
//! here, one per backend.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant};

use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};

use crate::config::{ByBackend, Settings, Target};
use crate::connection::{self, Conn, NotRolledBack};
use crate::engine::{self, AnyConnection};
use crate::error::{Error, Result};
use crate::node_history;

/// How runners on a backend keep out of each other's way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mechanism {
    /// PostgreSQL's advisory locks, held by each writing transaction.
    Advisory,
    /// An OS lock on a file beside the SQLite database, held by a command.
    File,
}

static MECHANISM: ByBackend<Mechanism> = ByBackend {
    postgres: Mechanism::Advisory,
    sqlite: Mechanism::File,
};

fn mechanism(conn: &mut AnyConnection) -> Mechanism {
    *MECHANISM.get(engine::backend(conn))
}

/// The advisory lock key: "bxmigrat" in ASCII. Advisory locks are per
/// database, so runners on different databases never wait for each other.
pub const LOCK_KEY: i64 = 0x6278_6d69_6772_6174;

/// After this long, say who holds the lock (once).
const ANNOUNCE_AFTER: Duration = Duration::from_secs(3);
const MAX_POLL: Duration = Duration::from_secs(1);

/// Runs a command that writes: on SQLite holding the lock file for all of
/// it (waiting at most `wait`), released whatever `f` returns. On
/// PostgreSQL each of its writing [`transaction`]s takes the lock instead.
pub(crate) fn with_lock<T>(
    conn: &mut Conn,
    target: &Target,
    wait: Duration,
    f: impl FnOnce(&mut Conn) -> Result<T>,
) -> Result<T> {
    match mechanism(conn) {
        Mechanism::Advisory => f(conn),
        Mechanism::File => {
            // Closing the lock file releases its lock.
            let _held = file_lock(target, wait, true)?;
            f(conn)
        }
    }
}

/// Runs a command that only reads (`verify`) on a consistent state: on
/// PostgreSQL a read-only transaction holding the lock, so no migration is
/// half done while it reads (one outside a transaction holds the lock to
/// its end); on SQLite it
/// waits for a runner's lock file but never creates one, so reading leaves
/// no file behind. Without the file no runner of ours has run on this
/// database yet; one starting during the read could make the history and
/// the schema (two read transactions) disagree, and the report show drift
/// that a second `verify` would not.
pub(crate) fn with_read_lock<T>(
    conn: &mut Conn,
    target: &Target,
    wait: Duration,
    f: impl FnOnce(&mut Conn) -> Result<T>,
) -> Result<T> {
    match mechanism(conn) {
        Mechanism::Advisory => {
            begin_locked(conn, wait, Begin::Snapshot)?;
            let result = f(conn);
            // Nothing was written: ending it either way releases both.
            AnyConnection::rollback_transaction(conn)
                .map_err(|e| Error::from_db("ending the read", &e))?;
            result
        }
        Mechanism::File => {
            let _held = file_lock(target, wait, false)?;
            f(conn)
        }
    }
}

/// Runs `f` in a transaction that writes, holding the lock (PostgreSQL:
/// both advisory keys, waiting at most `wait`; SQLite: BEGIN IMMEDIATE
/// under the command's file lock). Committed when `f` succeeds.
pub(crate) fn transaction<T, E>(
    conn: &mut AnyConnection,
    wait: Duration,
    f: impl FnOnce(&mut AnyConnection) -> std::result::Result<T, E>,
) -> std::result::Result<T, E>
where
    E: From<diesel::result::Error> + From<Error> + NotRolledBack,
{
    match mechanism(conn) {
        Mechanism::Advisory => begin_locked(conn, wait, Begin::Write)?,
        Mechanism::File => engine::of(conn)
            .begin_write()
            .map_err(|e| Error::from_db("starting a transaction", &e))?,
    }
    connection::within_transaction(conn, f)
}

/// [`transaction`] for a command's own work, whose errors are [`Error`]s.
pub(crate) fn command_transaction<T>(
    conn: &mut AnyConnection,
    wait: Duration,
    f: impl FnOnce(&mut AnyConnection) -> Result<T>,
) -> Result<T> {
    transaction(conn, wait, |c| f(c).map_err(CommandError)).map_err(|e| e.0)
}

/// An [`Error`] that also carries a transaction's own COMMIT failure.
struct CommandError(Error);

impl From<Error> for CommandError {
    fn from(e: Error) -> Self {
        CommandError(e)
    }
}

impl From<diesel::result::Error> for CommandError {
    fn from(e: diesel::result::Error) -> Self {
        CommandError(Error::from_db("committing", &e))
    }
}

impl NotRolledBack for CommandError {
    fn not_rolled_back(self, rollback_error: String) -> Self {
        CommandError(self.0.not_rolled_back(rollback_error))
    }
}

/// A migration outside a transaction runs statement by statement, each its
/// own transaction: the lock is held meanwhile by an open transaction on a
/// second connection, which ends (and releases it) when this is dropped or
/// its process dies. It holds no snapshot, so `CREATE INDEX CONCURRENTLY`
/// does not wait for it. Through a transaction-mode pooler it keeps one
/// server connection for that time. None on SQLite (the command's file lock
/// covers it).
pub(crate) struct Guard {
    conn: Conn,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.conn.batch_execute("ROLLBACK");
    }
}

impl Guard {
    /// Whether its transaction, and so the lock, is still there (an
    /// idle-transaction timeout of the pooler may have closed it).
    pub(crate) fn still_held(&mut self) -> bool {
        self.conn.batch_execute("SELECT 1").is_ok()
    }
}

/// The guard's transaction sits idle while the migration runs: no timeout of
/// the role or database may end it (`transaction_timeout` is PostgreSQL 17's).
const GUARD_SETTINGS: &str = "SELECT set_config(name, '0', true) FROM pg_settings \
     WHERE name IN ('idle_in_transaction_session_timeout', 'transaction_timeout')";

pub(crate) fn guard(
    conn: &mut AnyConnection,
    target: &Target,
    settings: &Settings,
) -> Result<Option<Guard>> {
    if mechanism(conn) == Mechanism::File {
        return Ok(None);
    }
    let mut holder = connection::connect(target, settings)?;
    begin_locked(&mut holder, settings.lock_wait, Begin::Guard)?;
    holder
        .batch_execute(GUARD_SETTINGS)
        .map_err(|e| Error::from_db("holding the migration lock", &e))?;
    Ok(Some(Guard { conn: holder }))
}

/// What kind of transaction holds the lock.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Begin {
    /// One that writes.
    Write,
    /// A read-only transaction whose reads all see one state (`verify`).
    Snapshot,
    /// A [`Guard`]'s, which must hold no snapshot once the lock is taken.
    Guard,
}

/// BEGIN and both advisory keys (ours, then the Node.js runner's, so two
/// runners never each hold one), polling with backoff until `wait` has
/// passed: each failed try is rolled back, so a waiter holds nothing.
fn begin_locked(pg: &mut AnyConnection, wait: Duration, begin: Begin) -> Result<()> {
    let started = Instant::now();
    let mut delay = Duration::from_millis(50);
    let mut announced = false;
    // The first try of a writer, and every try of a guard, goes with its
    // BEGIN in one round trip (a migration's transaction costs one more
    // than without a lock, not two); a writer that has to wait then polls
    // with a statement that fails nothing, so waiting logs no server error.
    let mut at_once = begin != Begin::Snapshot;
    loop {
        let busy = if at_once {
            begin_trying(pg)?
        } else {
            let begun = match begin {
                // Read committed: each read after the lock is taken sees
                // every step committed before it (a repeatable-read snapshot
                // would be fixed by the BEGIN's first statement, before the
                // lock), and while it is held no runner commits one.
                Begin::Snapshot => engine::of(pg).begin_write_and("SET TRANSACTION READ ONLY"),
                Begin::Write | Begin::Guard => engine::of(pg).begin_write(),
            };
            begun.map_err(|e| Error::from_db("starting a transaction", &e))?;
            let taken = try_both(pg);
            if let Ok(None) = taken {
                None
            } else {
                let ended = AnyConnection::rollback_transaction(pg);
                let busy = taken?;
                ended.map_err(|e| Error::from_db("ending a try for the migration lock", &e))?;
                busy
            }
        };
        let Some(busy) = busy else {
            log::debug!("migration lock taken after {:?}", started.elapsed());
            return Ok(());
        };
        at_once = begin == Begin::Guard;
        let left = wait.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(Error::LockTimeout {
                holder: format!("{}; waited {}s", holder(pg, busy)?, wait.as_secs()),
            });
        }
        if !announced && started.elapsed() >= ANNOUNCE_AFTER {
            log::warn!(
                "waiting for the migration lock, held by {}",
                holder(pg, busy)?
            );
            announced = true;
        }
        sleep(delay.min(left));
        delay = (delay * 2).min(MAX_POLL);
    }
}

/// Whether another runner holds the lock now (for `status`, which takes
/// no lock and never creates the file).
pub(crate) fn held_elsewhere(conn: &mut AnyConnection, target: &Target) -> Result<bool> {
    match mechanism(conn) {
        Mechanism::Advisory => advisory_held_elsewhere(conn),
        Mechanism::File => Ok(file_held_elsewhere(target)),
    }
}

/// The SQLite runners' file lock for `target`, held until dropped; none for
/// an in-memory database (no other process can see it), nor, unless
/// `create`, when the lock file does not exist yet.
fn file_lock(target: &Target, wait: Duration, create: bool) -> Result<Option<File>> {
    let Some(path) = target.sqlite_file().map(|file| lock_file(&file)) else {
        return Ok(None);
    };
    if !create && !path.exists() {
        return Ok(None);
    }
    acquire_file(&path, wait).map(Some)
}

/// One round trip tries ours, then the Node runner's only once ours is
/// held (CASE evaluates its THEN only when the condition held). None when
/// both are now held, else the key that was not.
fn try_both(pg: &mut AnyConnection) -> Result<Option<i64>> {
    #[derive(QueryableByName)]
    struct Busy {
        #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
        key: Option<i64>,
    }
    diesel::sql_query(
        "SELECT CASE WHEN NOT pg_try_advisory_xact_lock($1) THEN $1 \
         WHEN NOT pg_try_advisory_xact_lock($2) THEN $2 END AS key",
    )
    .bind::<BigInt, _>(LOCK_KEY)
    .bind::<BigInt, _>(node_history::LOCK_KEY)
    .get_result::<Busy>(pg)
    .map(|b| b.key)
    .map_err(|e| Error::from_db("taking the migration lock", &e))
}

/// BEGIN and both keys in one simple-protocol batch: None when both are
/// held (the transaction stays open), else the busy key (the transaction
/// has ended: a busy key raises an error, which the server logs). Simple
/// protocol matters for a [`Guard`]: after a bound statement its idle
/// transaction kept a catalog snapshot, and with it an xmin that `CREATE
/// INDEX CONCURRENTLY` waits for, so the guard blocked the very migration
/// it guards.
fn begin_trying(pg: &mut AnyConnection) -> Result<Option<i64>> {
    let sql = format!(
        "DO $$ BEGIN \
         IF NOT pg_try_advisory_xact_lock({ours}) THEN RAISE EXCEPTION '{BUSY}{ours}'; END IF; \
         IF NOT pg_try_advisory_xact_lock({node}) THEN RAISE EXCEPTION '{BUSY}{node}'; END IF; \
         END $$",
        ours = LOCK_KEY,
        node = node_history::LOCK_KEY,
    );
    match engine::of(pg).begin_write_and(&sql) {
        Ok(()) => Ok(None),
        Err(e) => {
            let message = crate::error::db_message(&e);
            match message
                .split_once(BUSY)
                .and_then(|(_, key)| key.trim().parse().ok())
            {
                Some(key) => Ok(Some(key)),
                None => Err(Error::from_db("taking the migration lock", &e)),
            }
        }
    }
}

/// How [`begin_trying`] says which key another session holds.
const BUSY: &str = "migration lock busy: ";

/// The SQLite runners' lock file for `database`.
fn lock_file(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the exclusive lock on `path` (created if missing), polling with
/// backoff for at most `wait`; the lock lasts as long as the returned file.
fn acquire_file(path: &Path, wait: Duration) -> Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| Error::Permission {
            doing: format!("while creating the lock file {}", path.display()),
            message: e.to_string(),
            hint: "Make the SQLite file's directory writable by this user".to_string(),
        })?;
    let started = Instant::now();
    let mut delay = Duration::from_millis(50);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => {
                return Err(Error::Database {
                    doing: format!("locking {}", path.display()),
                    message: e.to_string(),
                });
            }
        }
        let waited = started.elapsed();
        if waited >= wait {
            return Err(Error::LockTimeout {
                holder: format!(
                    "another process holds {}; waited {}s",
                    path.display(),
                    wait.as_secs()
                ),
            });
        }
        sleep(delay.min(wait - waited));
        delay = (delay * 2).min(MAX_POLL);
    }
}

/// Whether another session holds either advisory lock.
fn advisory_held_elsewhere(pg: &mut AnyConnection) -> Result<bool> {
    diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted \
         AND l.objsubid = 1 AND l.pid <> pg_backend_pid() \
         AND ((l.classid::bigint = ($1 >> 32) AND l.objid::bigint = ($1 & 4294967295)) \
           OR (l.classid::bigint = ($2 >> 32) AND l.objid::bigint = ($2 & 4294967295))) \
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())) \
         AS ok",
    )
    .bind::<BigInt, _>(LOCK_KEY)
    .bind::<BigInt, _>(node_history::LOCK_KEY)
    .get_result::<Answer>(pg)
    .map(|a| a.ok)
    .map_err(|e| Error::from_db("checking the migration lock", &e))
}

/// Whether another process holds the SQLite runners' lock file of `target`.
fn file_held_elsewhere(target: &Target) -> bool {
    let Some(file) = target.sqlite_file() else {
        return false;
    };
    match File::open(lock_file(&file)) {
        Ok(lock) => matches!(lock.try_lock_shared(), Err(TryLockError::WouldBlock)),
        Err(_) => false,
    }
}

#[derive(QueryableByName)]
struct Answer {
    #[diesel(sql_type = Bool)]
    ok: bool,
}

/// Who holds the lock `key`: pid, application, client address, what it
/// is doing and since when. A holder with no transaction open holds it at
/// session level (an older binary, the Node.js runner, or a stranded lock
/// on a pooler's server connection whose runner is gone): what to do then.
fn holder(pg: &mut AnyConnection, key: i64) -> Result<String> {
    #[derive(QueryableByName)]
    struct Holder {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
        #[diesel(sql_type = Bool)]
        idle: bool,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let who = diesel::sql_query(
        "SELECT format('pid %s, application %L, client %s, %s since %s', \
         l.pid, coalesce(a.application_name, ''), \
         coalesce(host(a.client_addr), 'on the local socket'), coalesce(a.state, 'unknown'), \
         to_char(coalesce(a.state_change, a.backend_start) AT TIME ZONE 'UTC', \
           'YYYY-MM-DD HH24:MI:SS \"UTC\"')) AS value, \
         coalesce(a.state = 'idle', false) AS idle, l.pid \
         FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
           AND l.classid::bigint = ($1 >> 32) AND l.objid::bigint = ($1 & 4294967295) \
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .bind::<BigInt, _>(key)
    .load::<Holder>(pg)
    .map_err(|e| Error::from_db("finding the lock holder", &e))?;
    let who = match who.into_iter().next() {
        None => "a session that has just released it".to_string(),
        Some(h) if h.idle => format!(
            "{}: a session-level lock on a connection with no transaction open. If that \
             client is a connection pooler (PgBouncer), the runner that took it may be gone \
             and the pooler keeps it: run RECONNECT (or KILL) for this database in the \
             pooler's console, or SELECT pg_terminate_backend({}); this binary's own locks \
             end with their transactions",
            h.value, h.pid
        ),
        Some(h) => h.value,
    };
    Ok(if key == node_history::LOCK_KEY {
        format!("the Node.js runner's lock {key}: {who}")
    } else {
        who
    })
}
