//! Where the migrations' SQL is replayed so that nothing can leak, and the
//! objects it creates read back beside the live ones. PostgreSQL: in the
//! session's temporary schema (or a scratch schema) inside a transaction
//! that is always rolled back; SQLite: in an in-memory database.

use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};

use super::canon::unqualified;
use crate::config::{Backend, ByBackend};
use crate::engine::{self, AnyConnection};
use crate::error::{Error, Result, db_message};
use crate::objects::Objects;
use crate::sqltext;

type Replay = fn(&mut AnyConnection, &[&str]) -> Result<(Objects, Objects)>;

static REPLAY: ByBackend<Replay> = ByBackend {
    postgres: replay_postgres,
    sqlite: replay_sqlite,
};

/// (What the replay of `up_sqls` created, what the live schema has.)
pub(super) fn read(conn: &mut AnyConnection, up_sqls: &[&str]) -> Result<(Objects, Objects)> {
    (REPLAY.get(engine::backend(conn)))(conn, up_sqls)
}

/// The files that hold statements, numbered from 1 as given, without a BOM
/// (a comment-only file is an empty query PostgreSQL would refuse).
fn with_statements<'s>(up_sqls: &[&'s str]) -> Vec<(usize, &'s str)> {
    up_sqls
        .iter()
        .enumerate()
        .map(|(i, sql)| (i + 1, sqltext::without_bom(sql)))
        .filter(|(_, sql)| !sqltext::statements(sql).is_empty())
        .collect()
}

/// Where the PostgreSQL replay runs.
#[derive(Clone, Copy)]
enum Place<'a> {
    /// The session's temporary schema: needs only the TEMP privilege,
    /// which every role has by default.
    Temporary,
    /// A scratch schema created in the same transaction: needs CREATE on
    /// the database.
    Schema(&'a str),
}

/// Why one replay attempt failed.
enum Failure {
    /// The scratch schema could not be created (no CREATE on the database).
    NoScratch(diesel::result::Error),
    /// Migration file `file` failed.
    Replay {
        file: usize,
        error: diesel::result::Error,
    },
    Other(Error),
}

#[derive(QueryableByName)]
struct Session {
    #[diesel(sql_type = Nullable<Text>)]
    live: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pid: i32,
    #[diesel(sql_type = Bool)]
    temp_in_use: bool,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

fn replay_postgres(conn: &mut AnyConnection, up_sqls: &[&str]) -> Result<(Objects, Objects)> {
    let files = replayable(up_sqls)?;
    // Read before the search_path changes. Objects the caller already
    // keeps in its temporary schema would be mistaken for replayed ones.
    let session = diesel::sql_query(
        "SELECT current_schema()::text AS live, pg_backend_pid() AS pid, \
         EXISTS (SELECT FROM pg_class WHERE relnamespace = pg_my_temp_schema()) \
         OR EXISTS (SELECT FROM pg_proc WHERE pronamespace = pg_my_temp_schema()) \
         AS temp_in_use",
    )
    .get_result::<Session>(conn)
    .map_err(|e| Error::from_db("reading the current schema", &e))?;
    let live = session.live.ok_or_else(|| {
        Error::CannotCompare(
            "the search_path names no schema that exists, so there is no schema to compare \
             (fix the search_path)"
                .to_string(),
        )
    })?;
    let scratch = format!("bxm_scratch_{}", session.pid);
    let total = up_sqls.len();
    // pg_temp first. It cannot hold everything: PostgreSQL never looks
    // for functions in pg_temp, so a trigger or default calling a function
    // the migration created there fails, and a temporary table cannot
    // reference a table in another schema. Such a replay is run again in
    // a scratch schema created inside the same always-rolled-back
    // transaction.
    let in_temp = if session.temp_in_use {
        None
    } else {
        match attempt(conn, &files, &live, Place::Temporary) {
            Ok(found) => return Ok(found),
            Err(failure) => Some(failure),
        }
    };
    match attempt(conn, &files, &live, Place::Schema(&scratch)) {
        Ok(found) => Ok(found),
        Err(Failure::NoScratch(no_schema)) => Err(match in_temp {
            Some(Failure::Replay { file, error }) => Error::CannotCompare(format!(
                "migration file {file} of {total} fails when replayed in the session's \
                 temporary schema ({}), and no scratch schema can be created instead ({}): \
                 grant CREATE on the database to this role",
                db_message(&error),
                db_message(&no_schema)
            )),
            Some(Failure::Other(error)) => error,
            _ => Error::from_db("creating a scratch schema for the replay", &no_schema),
        }),
        Err(Failure::Replay { file, error }) => Err(Error::from_db(
            format!(
                "replaying migration file {file} of {total} in a scratch schema (rolled back, \
                 nothing was changed)"
            ),
            &error,
        )),
        Err(Failure::Other(error)) => Err(error),
    }
}

/// The files to replay. `CONCURRENTLY` cannot run in a transaction and
/// builds the same index without it; a file that ends or starts
/// transactions itself would end the one that keeps the replay from
/// leaving anything behind, so it is refused.
fn replayable(up_sqls: &[&str]) -> Result<Vec<(usize, String)>> {
    let mut files = Vec::new();
    for (file, sql) in with_statements(up_sqls) {
        if let Some(found) = sqltext::transaction_control(sql).first() {
            return Err(Error::CannotCompare(format!(
                "migration file {file} has {} on line {}, which would end the transaction \
                 that keeps the replay from leaving anything behind; it cannot be replayed",
                found.keyword, found.line
            )));
        }
        files.push((file, sqltext::without_concurrently(sql)));
    }
    Ok(files)
}

/// One replay in one transaction, rolled back whatever happens (a
/// SIGKILL meanwhile leaves it uncommitted too).
fn attempt(
    conn: &mut AnyConnection,
    files: &[(usize, String)],
    live: &str,
    place: Place<'_>,
) -> std::result::Result<(Objects, Objects), Failure> {
    engine::of(conn)
        .begin_write()
        .map_err(|e| Failure::Other(Error::from_db("starting the replay", &e)))?;
    let result = replay_and_read(conn, files, live, place);
    let ended = AnyConnection::rollback_transaction(conn);
    let found = result?;
    ended.map_err(|e| Failure::Other(Error::from_db("rolling back the replay", &e)))?;
    Ok(found)
}

fn replay_and_read(
    conn: &mut AnyConnection,
    files: &[(usize, String)],
    live: &str,
    place: Place<'_>,
) -> std::result::Result<(Objects, Objects), Failure> {
    let setup = |e: diesel::result::Error| {
        Failure::Other(Error::from_db("setting the search_path for the replay", &e))
    };
    // Unqualified names (CREATE TABLE IF NOT EXISTS users, REFERENCES
    // users) resolve in the scratch place only: IF NOT EXISTS never sees
    // the live table, and a reference to anything else fails instead of
    // touching the live schema. pg_catalog stays implicitly first.
    match place {
        Place::Temporary => conn.batch_execute("SET LOCAL search_path = pg_temp"),
        Place::Schema(name) => {
            conn.batch_execute(&format!("CREATE SCHEMA {name}"))
                .map_err(Failure::NoScratch)?;
            conn.batch_execute(&format!("SET LOCAL search_path = {name}, pg_temp"))
        }
    }
    .map_err(setup)?;
    for (file, sql) in files {
        conn.batch_execute(sql)
            .map_err(|error| Failure::Replay { file: *file, error })?;
    }
    let scratch = match place {
        Place::Schema(name) => name.to_string(),
        // The session's pg_temp_N; none when the replay created nothing.
        Place::Temporary => diesel::sql_query(
            "SELECT nspname::text AS name FROM pg_namespace WHERE oid = pg_my_temp_schema()",
        )
        .get_result::<Name>(conn)
        .optional()
        .map_err(|e| Failure::Other(Error::from_db("reading the temporary schema", &e)))?
        .map_or_else(|| "pg_temp".to_string(), |n| n.name),
    };
    let read = |conn: &mut AnyConnection, schema: &str| {
        engine::of(conn)
            .read_objects(schema)
            .map(|objects| without_qualifiers(objects, &[live, &scratch]))
            .map_err(|e| Failure::Other(Error::from_db("reading the schema catalog", &e)))
    };
    Ok((read(conn, &scratch)?, read(conn, live)?))
}

/// `objects` with every qualifier naming `schemas` or a temporary schema
/// removed, so the scratch and the live side print alike.
fn without_qualifiers(objects: Objects, schemas: &[&str]) -> Objects {
    let bare = |text: &str| unqualified(text, schemas);
    let mut out = Objects::default();
    for (name, mut table) in objects.tables {
        for column in &mut table.columns {
            column.type_name = bare(&column.type_name);
            column.default = column.default.as_deref().map(bare);
            column.extra = bare(&column.extra);
        }
        for text in table
            .constraints
            .values_mut()
            .chain(table.triggers.values_mut())
        {
            *text = bare(text);
        }
        for index in table.indexes.values_mut() {
            index.definition = bare(&index.definition);
        }
        out.tables.insert(name, table);
    }
    for (name, definition) in objects.functions {
        out.functions.insert(bare(&name), bare(&definition));
    }
    out
}

/// SQLite: the replay runs in an in-memory database, so it cannot reach
/// the live file at all.
fn replay_sqlite(live: &mut AnyConnection, up_sqls: &[&str]) -> Result<(Objects, Objects)> {
    let mut scratch =
        engine::establish(Backend::Sqlite, ":memory:").map_err(|e| Error::Database {
            doing: "opening an in-memory SQLite database for the replay".to_string(),
            message: e.to_string(),
        })?;
    let total = up_sqls.len();
    for (file, sql) in with_statements(up_sqls) {
        scratch.batch_execute(sql).map_err(|e| {
            Error::from_db(
                format!(
                    "replaying migration file {file} of {total} in an in-memory database \
                     (nothing was changed)"
                ),
                &e,
            )
        })?;
    }
    let replayed = engine::of(&mut scratch)
        .read_objects("main")
        .map_err(|e| Error::from_db("reading the replayed schema", &e))?;
    // One read transaction, so a migration committing meanwhile cannot
    // show half of its change.
    engine::of(live)
        .begin_snapshot()
        .map_err(|e| Error::from_db("starting to read the schema", &e))?;
    let found = engine::of(live).read_objects("main");
    let ended = AnyConnection::rollback_transaction(live);
    let found = found.map_err(|e| Error::from_db("reading the schema", &e))?;
    ended.map_err(|e| Error::from_db("ending the read of the schema", &e))?;
    Ok((replayed, found))
}
