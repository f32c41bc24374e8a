//! Where the migrations' SQL is replayed so that nothing can reach a live
//! object, and the objects it creates read back beside the live ones.
//! PostgreSQL: in a scratch database created for the replay on the same
//! server (or the one `--scratch-database-url` names) and dropped after, so
//! schema-qualified names, `setval`, `DO` blocks and `ALTER TABLE` land in
//! it, and PostgreSQL prints its definitions as it prints the live ones.
//! The live database is only read. SQLite: in an in-memory database.

use std::time::{SystemTime, UNIX_EPOCH};

use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Text};

use super::canon::unqualified;
use crate::config::{Backend, ByBackend, Settings, Target};
use crate::connection::{self, Conn};
use crate::engine::{self, AnyConnection, TextValue};
use crate::error::{Error, Result, db_message};
use crate::objects::Objects;
use crate::sqltext;

/// Where the replay may create its scratch database (PostgreSQL).
#[derive(Clone, Copy)]
pub struct Scratch<'a> {
    /// The live database: its server hosts the scratch database unless
    /// `server` is given.
    pub target: &'a Target,
    /// `--scratch-database-url`: a server of the same major version (the
    /// primary of a standby, say) where this role may create a database.
    pub server: Option<&'a Target>,
    pub settings: &'a Settings,
}

type Replay = fn(&mut AnyConnection, &Scratch<'_>, &[&str]) -> Result<(Objects, Objects)>;

static REPLAY: ByBackend<Replay> = ByBackend {
    postgres: replay_postgres,
    sqlite: replay_sqlite,
};

/// (What the replay of `up_sqls` created, what the live schema has.)
pub(super) fn read(
    conn: &mut AnyConnection,
    scratch: &Scratch<'_>,
    up_sqls: &[&str],
) -> Result<(Objects, Objects)> {
    (REPLAY.get(engine::backend(conn)))(conn, scratch, up_sqls)
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

/// What the scratch database must look like before the replay, read from
/// the live session.
#[derive(QueryableByName)]
struct Live {
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    schema: Option<String>,
    #[diesel(sql_type = Text)]
    search_path: String,
    #[diesel(sql_type = Integer)]
    major: i32,
    #[diesel(sql_type = Bool)]
    standby: bool,
    /// `CREATE SCHEMA` for each schema of the live database but the
    /// system's, `;`-separated.
    #[diesel(sql_type = Text)]
    schemas: String,
    /// `CREATE EXTENSION … WITH SCHEMA …` for each extension it has.
    #[diesel(sql_type = Text)]
    extensions: String,
}

const LIVE: &str = "SELECT current_schema()::text AS schema, \
     current_setting('search_path') AS search_path, \
     current_setting('server_version_num')::int / 10000 AS major, \
     pg_is_in_recovery() AS standby, \
     coalesce((SELECT string_agg(format('CREATE SCHEMA IF NOT EXISTS %I', nspname), ';') \
     FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'), '') \
     AS schemas, \
     coalesce((SELECT string_agg(format('CREATE EXTENSION IF NOT EXISTS %I WITH SCHEMA %I', \
     e.extname, n.nspname), ';') FROM pg_extension e \
     JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql'), '') \
     AS extensions";

/// Scratch databases left by a replay whose process died (`kill -9`): this
/// role's, with no session in them, whose creator's session (its backend
/// pid is in the name, given at creation) is gone too.
const STALE: &str = "SELECT d.datname::text AS value FROM pg_database d \
     WHERE d.datname ~ '^bxm_scratch_[0-9]+_[0-9]+$' \
     AND pg_get_userbyid(d.datdba) = current_user \
     AND NOT EXISTS (SELECT FROM pg_stat_activity a WHERE a.datid = d.oid) \
     AND NOT EXISTS (SELECT FROM pg_stat_activity a \
     WHERE a.pid::text = split_part(d.datname, '_', 3))";

fn replay_postgres(
    conn: &mut AnyConnection,
    scratch: &Scratch<'_>,
    up_sqls: &[&str],
) -> Result<(Objects, Objects)> {
    let files = replayable(up_sqls)?;
    let live = diesel::sql_query(LIVE)
        .get_result::<Live>(conn)
        .map_err(|e| Error::from_db("reading the current schema", &e))?;
    let Some(schema) = live.schema.clone() else {
        return Err(Error::CannotCompare(
            "the search_path names no schema that exists, so there is no schema to compare \
             (fix the search_path)"
                .to_string(),
        ));
    };
    let server = match scratch.server {
        Some(server) => server,
        None if live.standby => {
            return Err(Error::Permission {
                doing: "while comparing the schema with the migrations".to_string(),
                message: format!("{} is a hot standby (read-only)", scratch.target),
                hint: "The migrations are replayed in a scratch database, which a standby cannot \
                       create: pass --scratch-database-url with the primary's URL (or another \
                       server of the same PostgreSQL version where this role may create a \
                       database)"
                    .to_string(),
            });
        }
        None => scratch.target,
    };
    // The scratch database is made and filled while the live schema is read.
    std::thread::scope(|threads| {
        let replayed = threads.spawn(|| replay_in_scratch(server, scratch.settings, &live, &files));
        let found = read_live(conn, &schema);
        let replayed = replayed.join().unwrap_or_else(|_| {
            Err(Error::CannotCompare("the replay's thread panicked".to_string()))
        });
        Ok((replayed?, found?))
    })
}

/// The live schema, on one snapshot (a savepoint when the caller is in a
/// transaction, whose own changes it then sees).
fn read_live(conn: &mut AnyConnection, schema: &str) -> Result<Objects> {
    engine::of(conn)
        .begin_snapshot()
        .map_err(|e| Error::from_db("starting to read the schema", &e))?;
    let found = engine::of(conn).read_objects(schema);
    let ended = AnyConnection::rollback_transaction(conn);
    let found = found.map_err(|e| Error::from_db("reading the schema catalog", &e))?;
    ended.map_err(|e| Error::from_db("ending the read of the schema", &e))?;
    Ok(without_qualifiers(found, &[schema]))
}

/// A scratch database, dropped when this is (also when the replay fails).
struct ScratchDatabase {
    admin: Conn,
    name: String,
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let drop = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        if let Err(e) = self.admin.batch_execute(&drop) {
            log::warn!(
                "could not drop the scratch database {}: {}; the next replay on this server \
                 drops it",
                self.name,
                db_message(&e)
            );
        }
    }
}

/// Creates the scratch database on `server`, gives it the live database's
/// schemas, extensions and search_path, replays `files` and reads what
/// they made.
fn replay_in_scratch(
    server: &Target,
    settings: &Settings,
    live: &Live,
    files: &[(usize, String)],
) -> Result<Objects> {
    let mut admin = connection::connect(server, settings)?;
    let Server { major, creator } = diesel::sql_query(
        "SELECT current_setting('server_version_num')::int / 10000 AS major, \
         pg_backend_pid() AS creator",
    )
    .get_result::<Server>(&mut *admin)
    .map_err(|e| Error::from_db("reading the scratch server's version", &e))?;
    if major != live.major {
        return Err(Error::Usage(format!(
            "the scratch server ({server}) runs PostgreSQL {major} and the database PostgreSQL \
             {}: definitions print differently across versions, so point \
             --scratch-database-url at a PostgreSQL {} server",
            live.major, live.major
        )));
    }
    for stale in diesel::sql_query(STALE)
        .load::<TextValue>(&mut *admin)
        .unwrap_or_default()
    {
        let _ = admin.batch_execute(&format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            stale.value
        ));
    }
    // Named after the session that creates (and will drop) it, so a later
    // replay can tell one left behind from one in use.
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let name = format!("bxm_scratch_{creator}_{stamp}");
    admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\" TEMPLATE template0"))
        .map_err(|e| cannot_create(server, &e))?;
    let database = ScratchDatabase { admin, name };
    let target = server
        .with_database(&database.name)
        .ok_or_else(|| Error::CannotCompare("no scratch database for SQLite".to_string()))?;
    let mut scratch = connection::connect(&target, settings)?;
    scratch
        .batch_execute(&live.schemas)
        .map_err(|e| Error::from_db("creating the schemas in the scratch database", &e))?;
    // An extension that cannot be created there (not installed on that
    // server, or not trusted) only matters if a migration needs it.
    let mut missing = Vec::new();
    for create in live.extensions.split(';').filter(|c| !c.is_empty()) {
        if let Err(e) = scratch.batch_execute(create) {
            missing.push(format!("{create}: {}", db_message(&e)));
        }
    }
    scratch
        .batch_execute(&format!("SET search_path TO {}", live.search_path))
        .map_err(|e| Error::from_db("setting the scratch database's search_path", &e))?;
    let total = files.len();
    for (file, sql) in files {
        scratch.batch_execute(sql).map_err(|e| {
            let mut doing = format!(
                "replaying migration file {file} of {total} in a scratch database (nothing \
                 live was touched)"
            );
            if !missing.is_empty() {
                doing.push_str(&format!(
                    "; the live database's extensions could not all be created there ({})",
                    missing.join("; ")
                ));
            }
            Error::from_db(doing, &e)
        })?;
    }
    let schema = live.schema.as_deref().unwrap_or("public");
    let objects = engine::of(&mut scratch)
        .read_objects(schema)
        .map_err(|e| Error::from_db("reading the scratch database's catalog", &e))?;
    drop(scratch);
    drop(database);
    Ok(without_qualifiers(objects, &[schema]))
}

/// The scratch server's major version, and the creating session's pid.
#[derive(QueryableByName)]
struct Server {
    #[diesel(sql_type = Integer)]
    major: i32,
    #[diesel(sql_type = Integer)]
    creator: i32,
}

/// Why no scratch database could be created, and what to do.
fn cannot_create(server: &Target, e: &diesel::result::Error) -> Error {
    let message = db_message(e);
    let lower = message.to_lowercase();
    if lower.contains("permission denied") || lower.contains("read-only transaction") {
        return Error::Permission {
            doing: format!("while creating a scratch database on {server} for the replay"),
            message,
            hint: "The migrations are replayed in a scratch database, created and dropped on \
                   the same server: grant this role CREATEDB (ALTER ROLE … CREATEDB), or pass \
                   --scratch-database-url with a role and server that may create one"
                .to_string(),
        };
    }
    Error::from_db("creating a scratch database for the replay", e)
}

/// The files to replay. `CONCURRENTLY` builds the same index without it,
/// and each file runs as one batch; a file that ends or starts
/// transactions itself cannot be replayed as the runner runs it.
fn replayable(up_sqls: &[&str]) -> Result<Vec<(usize, String)>> {
    let mut files = Vec::new();
    for (file, sql) in with_statements(up_sqls) {
        if let Some(found) = sqltext::transaction_control(sql).first() {
            return Err(Error::CannotCompare(format!(
                "migration file {file} has {} on line {}, which a migration in a transaction \
                 cannot hold; it cannot be replayed",
                found.keyword, found.line
            )));
        }
        files.push((file, sqltext::without_concurrently(sql)));
    }
    Ok(files)
}

/// `objects` with every qualifier naming `schemas` or a temporary schema
/// removed, so the scratch and the live side print alike.
fn without_qualifiers(objects: Objects, schemas: &[&str]) -> Objects {
    let bare = |text: &str| unqualified(text, schemas);
    let bare_map = |map: std::collections::BTreeMap<String, String>| {
        map.into_iter()
            .map(|(name, text)| (bare(&name), bare(&text)))
            .collect()
    };
    let mut out = Objects {
        functions: bare_map(objects.functions),
        views: bare_map(objects.views),
        sequences: objects.sequences,
        extensions: objects.extensions,
        ..Objects::default()
    };
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
            .chain(table.policies.values_mut())
        {
            *text = bare(text);
        }
        for index in table.indexes.values_mut() {
            index.definition = bare(&index.definition);
        }
        out.tables.insert(name, table);
    }
    out
}

/// SQLite: the replay runs in an in-memory database, so it cannot reach
/// the live file at all.
fn replay_sqlite(
    live: &mut AnyConnection,
    _scratch: &Scratch<'_>,
    up_sqls: &[&str],
) -> Result<(Objects, Objects)> {
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
