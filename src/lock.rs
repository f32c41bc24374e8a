//! One runner at a time. PostgreSQL: a session-level advisory lock, taken by
//! polling `pg_try_advisory_lock` with backoff — a blocking
//! `pg_advisory_lock` would deadlock against CREATE INDEX CONCURRENTLY run by
//! the lock holder. SQLite: every migration's transaction begins IMMEDIATE
//! and waits up to the busy timeout (see `connection`), and re-checks
//! Diesel's record inside it, so no session lock is needed.

use std::thread::sleep;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};

use crate::connection::{AnyConnection, Conn, TextValue};
use crate::error::{Error, Result};

/// The advisory lock key: "bxmigrat" in ASCII. Advisory locks are per
/// database, so runners on different databases never wait for each other.
pub const LOCK_KEY: i64 = 0x6278_6d69_6772_6174;

/// After this long, say who holds the lock (once).
const ANNOUNCE_AFTER: Duration = Duration::from_secs(3);
const MAX_POLL: Duration = Duration::from_secs(1);

/// Runs `f` holding the migration lock, waiting at most `wait` for it, and
/// releases the lock whatever `f` returns. (A crash or signal ends the
/// session, which releases it too.)
pub fn with_lock<T>(
    conn: &mut Conn,
    wait: Duration,
    f: impl FnOnce(&mut Conn) -> Result<T>,
) -> Result<T> {
    if matches!(&**conn, AnyConnection::Sqlite(_)) {
        return f(conn);
    }
    acquire(conn, wait)?;
    let result = f(conn);
    let released = call_lock_function(conn, "pg_advisory_unlock", "releasing the migration lock");
    let value = result?;
    released?;
    Ok(value)
}

fn acquire(conn: &mut Conn, wait: Duration) -> Result<()> {
    let started = Instant::now();
    let mut delay = Duration::from_millis(50);
    let mut announced = false;
    while !call_lock_function(conn, "pg_try_advisory_lock", "taking the migration lock")? {
        let waited = started.elapsed();
        if waited >= wait {
            return Err(Error::LockTimeout {
                holder: format!("{}; waited {}s", holder(conn)?, wait.as_secs()),
            });
        }
        if !announced && waited >= ANNOUNCE_AFTER {
            log::warn!("waiting for the migration lock, held by {}", holder(conn)?);
            announced = true;
        }
        sleep(delay.min(wait - waited));
        delay = (delay * 2).min(MAX_POLL);
    }
    log::debug!("migration lock taken after {:?}", started.elapsed());
    Ok(())
}

#[derive(QueryableByName)]
struct Answer {
    #[diesel(sql_type = Bool)]
    ok: bool,
}

fn call_lock_function(conn: &mut Conn, function: &str, doing: &str) -> Result<bool> {
    diesel::sql_query(format!("SELECT {function}($1) AS ok"))
        .bind::<BigInt, _>(LOCK_KEY)
        .get_result::<Answer>(&mut **conn)
        .map(|a| a.ok)
        .map_err(|e| Error::from_db(doing, &e))
}

/// Who holds the lock: pid, application and since when.
fn holder(conn: &mut Conn) -> Result<String> {
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
    .bind::<BigInt, _>(LOCK_KEY)
    .load::<TextValue>(&mut **conn)
    .map_err(|e| Error::from_db("finding the lock holder", &e))?;
    Ok(who
        .into_iter()
        .next()
        .map(|h| h.value)
        .unwrap_or_else(|| "a session that has just released it".to_string()))
}
