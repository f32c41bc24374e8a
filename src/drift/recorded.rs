//! The expected schema written down when it is known for certain, so that
//! `verify` needs no replay (whose scratch database alone costs as much as
//! a `pg_dump --schema-only`). A `run` knows it when it starts from a schema
//! equal to what the applied migrations define (an empty one, or one
//! matching the recording) and only applies migrations: the schema it leaves
//! is then what the larger set defines. It is kept under a key of the
//! applied versions and their checksums, with the server's version (whose
//! printing of definitions can change), one row in
//! [`EXPECTED_TABLE`](crate::records::EXPECTED_TABLE); any other state is
//! replayed as before. PostgreSQL only: SQLite replays in memory, in
//! milliseconds.

use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::catalog::{self, Entry};
use crate::config::ByBackend;
use crate::engine::{self, AnyConnection, TextValue};
use crate::error::{Error, Result};
use crate::objects::Objects;

struct Sql {
    create: &'static str,
    exists: &'static str,
    find: &'static str,
    replace: &'static str,
    /// A run never waits for a table the application holds just to record.
    no_wait: &'static str,
}

static SQL: ByBackend<Option<Sql>> = ByBackend {
    postgres: Some(Sql {
        create: "CREATE TABLE IF NOT EXISTS bxm_expected_schema (
    applied_key text PRIMARY KEY,
    server_version integer NOT NULL,
    objects text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
)",
        exists: "SELECT CASE WHEN to_regclass('bxm_expected_schema') IS NULL \
                 THEN '' ELSE 'yes' END AS value",
        find: "SELECT objects AS value FROM bxm_expected_schema WHERE applied_key = $1 \
               AND server_version = current_setting('server_version_num')::int",
        replace: "INSERT INTO bxm_expected_schema (applied_key, server_version, objects) \
                  VALUES ($1, current_setting('server_version_num')::int, $2)",
        no_wait: "SET LOCAL lock_timeout = 200",
    }),
    sqlite: None,
};

fn sql_of(conn: &mut AnyConnection) -> Option<&'static Sql> {
    SQL.get(engine::backend(conn)).as_ref()
}

fn text(conn: &mut AnyConnection, query: &str, doing: &str) -> Result<String> {
    diesel::sql_query(query)
        .get_result::<TextValue>(conn)
        .map(|v| v.value)
        .map_err(|e| Error::from_db(doing, &e))
}

/// What identifies the applied migrations: each one's version and checksum,
/// in order (the server's version, whose printing of definitions can
/// change, is kept beside it and asked for in the same query).
fn key(applied: &[&Entry]) -> String {
    let text: Vec<String> = applied
        .iter()
        .map(|entry| format!("{} {}", entry.version, entry.checksum))
        .collect();
    catalog::checksum(&text.join("\n"))
}

/// The objects recorded for exactly `applied` on this server version, if any.
pub(super) fn find(conn: &mut AnyConnection, applied: &[&Entry]) -> Result<Option<Objects>> {
    let Some(sql) = sql_of(conn) else {
        return Ok(None);
    };
    if text(conn, sql.exists, "looking for the recorded schema")?.is_empty() {
        return Ok(None);
    }
    let key = key(applied);
    let found = diesel::sql_query(sql.find)
        .bind::<Text, _>(&key)
        .get_result::<TextValue>(conn)
        .optional()
        .map_err(|e| Error::from_db("reading the recorded schema", &e))?;
    Ok(
        found.and_then(|row| match serde_json::from_str(&row.value) {
            Ok(objects) => Some(objects),
            Err(e) => {
                log::warn!("the recorded expected schema is unreadable ({e}); replaying instead");
                None
            }
        }),
    )
}

/// Records the live schema as what `applied` define (see the module's
/// comment for when that is known).
pub(crate) fn record(conn: &mut AnyConnection, applied: &[&Entry], live: &Objects) -> Result<()> {
    let Some(sql) = sql_of(conn) else {
        return Ok(());
    };
    let objects = serde_json::to_string(live)
        .map_err(|e| Error::CannotCompare(format!("writing the schema down: {e}")))?;
    let key = key(applied);
    conn.batch_execute(sql.create)
        .map_err(|e| Error::from_db("creating bxm_expected_schema", &e))?;
    conn.transaction(|c| {
        c.batch_execute("DELETE FROM bxm_expected_schema")?;
        diesel::sql_query(sql.replace)
            .bind::<Text, _>(&key)
            .bind::<Text, _>(&objects)
            .execute(c)
    })
    .map(drop)
    .map_err(|e| Error::from_db("recording the expected schema", &e))
}

/// The live schema for a recording (none where the backend records
/// nothing), read without waiting for a lock the application holds: the
/// catalog functions lock the tables they print, and a run that would wait
/// here can simply not record.
pub(super) fn live(conn: &mut AnyConnection) -> Result<Option<Objects>> {
    let Some(sql) = sql_of(conn) else {
        return Ok(None);
    };
    engine::of(conn)
        .begin_write()
        .map_err(|e| Error::from_db("starting to read the schema", &e))?;
    let live = conn
        .batch_execute(sql.no_wait)
        .map_err(|e| Error::from_db("limiting the wait for locks", &e))
        .and_then(|()| super::replay::read_live(conn));
    let ended = AnyConnection::rollback_transaction(conn);
    let live = live?;
    ended.map_err(|e| Error::from_db("ending the read of the schema", &e))?;
    Ok(Some(live))
}
