//! One runner at a time. PostgreSQL: a session-level advisory lock, taken by
//! polling `pg_try_advisory_lock` with backoff — a blocking
//! `pg_advisory_lock` would deadlock against CREATE INDEX CONCURRENTLY run by
//! the lock holder. SQLite has no session lock: an OS file lock on
//! `<database>.lock` beside the file plays that part (released by the
//! kernel when the process ends, however it ends), and each migration's
//! transaction still begins IMMEDIATE and re-checks Diesel's record, for
//! writers that are not us (`diesel migration run`). Both mechanisms live
//! here, one per backend.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable};

use crate::config::{ByBackend, Target};
use crate::connection::Conn;
use crate::engine::{self, AnyConnection, TextValue};
use crate::error::{Error, Result};
use crate::node_history;

/// How runners on a backend keep out of each other's way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mechanism {
    /// PostgreSQL's advisory locks, held by the session.
    Advisory,
    /// An OS lock on a file beside the SQLite database.
    File,
}

static MECHANISM: ByBackend<Mechanism> = ByBackend {
    postgres: Mechanism::Advisory,
    sqlite: Mechanism::File,
};

fn mechanism(conn: &mut AnyConnection) -> Mechanism {
    *MECHANISM.get(engine::backend(conn))
}

/// One runner's lock, held until released: the session's advisory locks,
/// or the open lock file (none for an in-memory database, or for a read
/// when no runner has created the file).
struct Held {
    _file: Option<File>,
}

/// The advisory lock key: "bxmigrat" in ASCII. Advisory locks are per
/// database, so runners on different databases never wait for each other.
pub const LOCK_KEY: i64 = 0x6278_6d69_6772_6174;

/// After this long, say who holds the lock (once).
const ANNOUNCE_AFTER: Duration = Duration::from_secs(3);
const MAX_POLL: Duration = Duration::from_secs(1);

/// Runs `f` holding the migration lock, waiting at most `wait` for it, and
/// releases the lock whatever `f` returns. (A crash or signal ends the
/// session, or the process, which releases it too.)
pub(crate) fn with_lock<T>(
    conn: &mut Conn,
    target: &Target,
    wait: Duration,
    f: impl FnOnce(&mut Conn) -> Result<T>,
) -> Result<T> {
    locked(conn, target, wait, true, f)
}

/// [`with_lock`] for a command that only reads (`verify`): on SQLite it
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
    locked(conn, target, wait, false, f)
}

fn locked<T>(
    conn: &mut Conn,
    target: &Target,
    wait: Duration,
    create: bool,
    f: impl FnOnce(&mut Conn) -> Result<T>,
) -> Result<T> {
    let held = match mechanism(conn) {
        Mechanism::Advisory => take_advisory(conn, wait).map(|()| Held { _file: None })?,
        Mechanism::File => Held {
            _file: file_lock(target, wait, create)?,
        },
    };
    let result = f(conn);
    // Closing the lock file releases its lock.
    let released = match mechanism(conn) {
        Mechanism::Advisory => release_advisory(conn),
        Mechanism::File => {
            drop(held);
            Ok(())
        }
    };
    let value = result?;
    released?;
    Ok(value)
}

/// Whether another runner holds the lock now (for `status`, which takes
/// no lock and never creates the file).
pub(crate) fn held_elsewhere(conn: &mut AnyConnection, target: &Target) -> Result<bool> {
    match mechanism(conn) {
        Mechanism::Advisory => advisory_held_elsewhere(conn),
        Mechanism::File => Ok(file_held_elsewhere(target)),
    }
}

/// Whether writers that take no lock of ours can change the history while
/// we hold it (`diesel migration run` on a SQLite file), so each step asks
/// again, inside its own transaction, whether it was done meanwhile.
pub(crate) fn writers_bypass(conn: &mut AnyConnection) -> bool {
    mechanism(conn) == Mechanism::File
}

/// Takes both advisory locks (ours, then the Node.js runner's), polling for
/// each until `wait` has passed.
fn take_advisory(pg: &mut AnyConnection, wait: Duration) -> Result<()> {
    let deadline = Instant::now() + wait;
    let (ours, node) = try_both(pg)?;
    if !ours {
        acquire(pg, LOCK_KEY, deadline, wait)?;
    }
    // The Node.js runner's key too, so the two runners never migrate at once
    // during a switch (it refuses to start while we hold it; we wait for it).
    if !node && let Err(e) = acquire(pg, node_history::LOCK_KEY, deadline, wait) {
        let _ = call_lock_function(
            pg,
            "pg_advisory_unlock",
            LOCK_KEY,
            "releasing the migration lock",
        );
        return Err(e);
    }
    Ok(())
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

/// Usually both locks are free: one round trip tries ours, then the Node
/// runner's only once ours is held (the order the polls keep, so two
/// runners never each hold one). Says which of the two are now held.
fn try_both(pg: &mut AnyConnection) -> Result<(bool, bool)> {
    #[derive(QueryableByName)]
    struct Taken {
        #[diesel(sql_type = Nullable<Bool>)]
        node: Option<bool>,
    }
    // CASE evaluates its THEN only when the condition held.
    let taken = diesel::sql_query(
        "SELECT CASE WHEN pg_try_advisory_lock($1) THEN pg_try_advisory_lock($2) END AS node",
    )
    .bind::<BigInt, _>(LOCK_KEY)
    .bind::<BigInt, _>(node_history::LOCK_KEY)
    .get_result::<Taken>(pg)
    .map_err(|e| Error::from_db("taking the migration lock", &e))?;
    Ok((taken.node.is_some(), taken.node == Some(true)))
}

/// Releases both locks in one round trip (`+` evaluates both calls, where
/// `AND` could stop after the first).
fn release_advisory(pg: &mut AnyConnection) -> Result<()> {
    diesel::sql_query("SELECT pg_advisory_unlock($1)::int + pg_advisory_unlock($2)::int = 2 AS ok")
        .bind::<BigInt, _>(node_history::LOCK_KEY)
        .bind::<BigInt, _>(LOCK_KEY)
        .get_result::<Answer>(pg)
        .map(drop)
        .map_err(|e| Error::from_db("releasing the migration lock", &e))
}

/// Polls for the advisory lock `key` until `deadline`.
fn acquire(pg: &mut AnyConnection, key: i64, deadline: Instant, wait: Duration) -> Result<()> {
    let started = Instant::now();
    let mut delay = Duration::from_millis(50);
    let mut announced = false;
    while !call_lock_function(pg, "pg_try_advisory_lock", key, "taking the migration lock")? {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::LockTimeout {
                holder: format!("{}; waited {}s", holder(pg, key)?, wait.as_secs()),
            });
        }
        if !announced && started.elapsed() >= ANNOUNCE_AFTER {
            log::warn!(
                "waiting for the migration lock, held by {}",
                holder(pg, key)?
            );
            announced = true;
        }
        sleep(delay.min(left));
        delay = (delay * 2).min(MAX_POLL);
    }
    log::debug!("migration lock {key} taken after {:?}", started.elapsed());
    Ok(())
}

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

fn call_lock_function(
    pg: &mut AnyConnection,
    function: &str,
    key: i64,
    doing: &str,
) -> Result<bool> {
    diesel::sql_query(format!("SELECT {function}($1) AS ok"))
        .bind::<BigInt, _>(key)
        .get_result::<Answer>(pg)
        .map(|a| a.ok)
        .map_err(|e| Error::from_db(doing, &e))
}

/// Who holds the lock `key`: pid, application and since when.
fn holder(pg: &mut AnyConnection, key: i64) -> Result<String> {
    let who = diesel::sql_query(
        "SELECT format('pid %s, application %L, connected since %s, last query at %s', \
         l.pid, coalesce(a.application_name, ''), \
         to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"'), \
         to_char(a.query_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"')) AS value \
         FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
           AND l.classid::bigint = ($1 >> 32) AND l.objid::bigint = ($1 & 4294967295) \
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .bind::<BigInt, _>(key)
    .load::<TextValue>(pg)
    .map_err(|e| Error::from_db("finding the lock holder", &e))?;
    let who = who
        .into_iter()
        .next()
        .map(|h| h.value)
        .unwrap_or_else(|| "a session that has just released it".to_string());
    Ok(if key == node_history::LOCK_KEY {
        format!("the Node.js runner's lock {key}: {who}")
    } else {
        who
    })
}
