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
use crate::config::{ByBackend, Settings, Target};
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

/// Where a replay runs, decided from the live session.
pub(super) enum Place<'a> {
    /// A scratch database on `server`, shaped like the live database;
    /// `maintenance`: connect to the server's `postgres` database to create
    /// it (as createdb does), keeping the live database's sessions to the
    /// run's own.
    Postgres {
        server: &'a Target,
        maintenance: bool,
        settings: &'a Settings,
        live: Live,
    },
    /// An in-memory database.
    Sqlite,
}

type Locate = for<'a> fn(&mut AnyConnection, &Scratch<'a>) -> Result<Place<'a>>;

static LOCATE: ByBackend<Locate> = ByBackend {
    postgres: locate_postgres,
    sqlite: |_, _| Ok(Place::Sqlite),
};

/// The live session's schema, which the comparison reads.
static LIVE_SCHEMA: ByBackend<&str> = ByBackend {
    postgres: "SELECT current_schema()::text AS value",
    sqlite: "SELECT 'main' AS value",
};

/// Where the replay for the live database `conn` will run.
pub(super) fn place<'a>(conn: &mut AnyConnection, scratch: &Scratch<'a>) -> Result<Place<'a>> {
    (LOCATE.get(engine::backend(conn)))(conn, scratch)
}

/// What the replay of `up_sqls` creates, in a scratch database.
pub(super) fn replayed(
    conn: &mut AnyConnection,
    scratch: &Scratch<'_>,
    up_sqls: &[&str],
) -> Result<Objects> {
    let files = replayable(up_sqls)?;
    let place = place(conn, scratch)?;
    let mut session = Session::open(&place, up_sqls)?;
    session.replay(&files, files.len())?;
    session.read()
}

/// (What the replay of `up_sqls` created, what the live schema has.) The
/// scratch database is made and filled while the live schema is read.
pub(super) fn read(
    conn: &mut AnyConnection,
    scratch: &Scratch<'_>,
    up_sqls: &[&str],
) -> Result<(Objects, Objects)> {
    let files = replayable(up_sqls)?;
    let place = place(conn, scratch)?;
    std::thread::scope(|threads| {
        let replayed = threads.spawn(|| {
            let mut session = Session::open(&place, up_sqls)?;
            session.replay(&files, files.len())?;
            session.read()
        });
        let found = read_live(conn);
        let replayed = replayed.join().unwrap_or_else(|_| {
            Err(Error::CannotCompare(
                "the replay's thread panicked".to_string(),
            ))
        });
        Ok((replayed?, found?))
    })
}

/// A replay's database: the objects land in `schema`. Fields drop in order:
/// the connection closes before its scratch database is dropped.
pub(super) struct Session {
    conn: Conn,
    schema: String,
    /// Run after each file: its settings (a pg_dump header's empty
    /// `search_path`) must not reach the next, as the runner ensures.
    reset: String,
    /// The live database's extensions that could not be created here.
    missing: Vec<String>,
    _database: Option<ScratchDatabase>,
}

impl Session {
    /// `up_sqls`: what will be replayed; the schemas and extensions they
    /// create themselves are not made beforehand.
    pub(super) fn open(place: &Place<'_>, up_sqls: &[&str]) -> Result<Session> {
        match place {
            Place::Postgres {
                server,
                maintenance,
                settings,
                live,
            } => open_scratch(server, *maintenance, settings, live, up_sqls),
            Place::Sqlite => {
                let target = Target::parse("sqlite://:memory:", crate::config::UrlSource::Default)?;
                Ok(Session {
                    conn: connection::connect(&target, &Settings::default())?,
                    schema: "main".to_string(),
                    reset: String::new(),
                    missing: Vec::new(),
                    _database: None,
                })
            }
        }
    }

    /// Runs each file (`(number, SQL)` of `total`) as one batch. A file
    /// that cannot be replayed is `CannotCompare` (but for a missing
    /// privilege, exit 4 as anywhere).
    pub(super) fn replay(&mut self, files: &[(usize, String)], total: usize) -> Result<()> {
        for (file, sql) in files {
            let batch = if self.reset.is_empty() {
                sql.clone()
            } else {
                // A new line first: the file may end in a `--` comment.
                format!("{sql}\n;\n{}", self.reset)
            };
            self.conn.batch_execute(&batch).map_err(|e| {
                let mut doing = format!(
                    "replaying migration file {file} of {total} in a scratch database \
                     (nothing live was touched)"
                );
                if !self.missing.is_empty() {
                    doing.push_str(&format!(
                        "; the live database's extensions could not all be created there ({})",
                        self.missing.join("; ")
                    ));
                }
                match Error::from_db(&doing, &e) {
                    permission @ Error::Permission { .. } => permission,
                    _ => Error::CannotCompare(format!("{doing}: {}", db_message(&e))),
                }
            })?;
        }
        Ok(())
    }

    /// What the replay has created so far.
    pub(super) fn read(&mut self) -> Result<Objects> {
        let objects = engine::of(&mut self.conn)
            .read_objects(&self.schema)
            .map_err(|e| Error::from_db("reading the scratch database's catalog", &e))?;
        Ok(without_qualifiers(objects, &[&self.schema]))
    }
}

/// The live schema, on one snapshot (a savepoint when the caller is in a
/// transaction, whose own changes it then sees).
pub(super) fn read_live(conn: &mut AnyConnection) -> Result<Objects> {
    let schema = diesel::sql_query(*LIVE_SCHEMA.get(engine::backend(conn)))
        .get_result::<TextValue>(conn)
        .optional()
        .map_err(|e| Error::from_db("reading the current schema", &e))?
        .map(|s| s.value)
        .unwrap_or_default();
    engine::of(conn)
        .begin_snapshot()
        .map_err(|e| Error::from_db("starting to read the schema", &e))?;
    let found = engine::of(conn).read_objects(&schema);
    let ended = AnyConnection::rollback_transaction(conn);
    let found = found.map_err(|e| Error::from_db("reading the schema catalog", &e))?;
    ended.map_err(|e| Error::from_db("ending the read of the schema", &e))?;
    Ok(without_qualifiers(found, &[&schema]))
}

/// The files to replay, numbered from 1 as given, without a BOM: those
/// with statements only (PostgreSQL refuses an empty query).
/// `CONCURRENTLY` builds the same index without it, and each file runs as
/// one batch; a file that ends or starts transactions itself cannot be
/// replayed as the runner runs it.
pub(super) fn replayable(up_sqls: &[&str]) -> Result<Vec<(usize, String)>> {
    let mut files = Vec::new();
    for (i, sql) in up_sqls.iter().enumerate() {
        let (file, sql) = (i + 1, sqltext::without_bom(sql));
        if sqltext::statements(sql).is_empty() {
            continue;
        }
        if let Some(found) = sqltext::transaction_control(sql).first() {
            return Err(Error::CannotCompare(format!(
                "migration file {file} has {} on line {}, which a migration in a transaction \
                 cannot hold; it cannot be replayed",
                found.keyword, found.line
            )));
        }
        // Roles, databases and tablespaces belong to the whole server: a
        // replay would change the live ones.
        if let Some(found) = sqltext::cluster_wide(sql).first() {
            return Err(Error::CannotCompare(format!(
                "migration file {file} has {} on line {}, which changes what every database \
                 of the server shares; it is not replayed",
                found.keyword, found.line
            )));
        }
        files.push((file, sqltext::without_concurrently(sql)));
    }
    Ok(files)
}

/// What the scratch database must look like before the replay, read from
/// the live session.
#[derive(QueryableByName)]
pub(super) struct Live {
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    schema: Option<String>,
    #[diesel(sql_type = Text)]
    search_path: String,
    #[diesel(sql_type = Integer)]
    major: i32,
    #[diesel(sql_type = Bool)]
    standby: bool,
    /// The live database's schemas but the system's, one per line.
    #[diesel(sql_type = Text)]
    schemas: String,
    /// Its extensions as `name<TAB>schema`, one per line, oldest first (so
    /// one another needs comes before it).
    #[diesel(sql_type = Text)]
    extensions: String,
}

const LIVE: &str = "SELECT current_schema()::text AS schema, \
     current_setting('search_path') AS search_path, \
     current_setting('server_version_num')::int / 10000 AS major, \
     pg_is_in_recovery() AS standby, \
     coalesce((SELECT string_agg(nspname, E'\\n') FROM pg_namespace \
     WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'), '') AS schemas, \
     coalesce((SELECT string_agg(e.extname || E'\\t' || n.nspname, E'\\n' ORDER BY e.oid) \
     FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace \
     WHERE e.extname <> 'plpgsql'), '') AS extensions";

/// Scratch databases left by a replay whose process died (`kill -9`): this
/// role's, with no session in them, whose creator's session (its backend
/// pid is in the name, given at creation) is gone too.
const STALE: &str = "SELECT d.datname::text AS value FROM pg_database d \
     WHERE d.datname ~ '^bxm_scratch_[0-9]+_[0-9]+$' \
     AND pg_get_userbyid(d.datdba) = current_user \
     AND NOT EXISTS (SELECT FROM pg_stat_activity a WHERE a.datid = d.oid) \
     AND NOT EXISTS (SELECT FROM pg_stat_activity a \
     WHERE a.pid::text = split_part(d.datname, '_', 3))";

fn locate_postgres<'a>(conn: &mut AnyConnection, scratch: &Scratch<'a>) -> Result<Place<'a>> {
    let live = diesel::sql_query(LIVE)
        .get_result::<Live>(conn)
        .map_err(|e| Error::from_db("reading the current schema", &e))?;
    if live.schema.is_none() {
        return Err(Error::Usage(
            "the search_path names no schema that exists, so there is no schema to compare: \
             create it or fix the search_path"
                .to_string(),
        ));
    }
    let (server, maintenance) = match scratch.server {
        Some(server) => (server, false),
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
        None => (scratch.target, true),
    };
    Ok(Place::Postgres {
        server,
        maintenance,
        settings: scratch.settings,
        live,
    })
}

/// A scratch database, dropped when this is (also when the replay fails).
struct ScratchDatabase {
    admin: Conn,
    name: String,
}

/// Drops the scratch database `name` (the sessions a killed replay left in
/// it too).
fn drop_database(admin: &mut Conn, name: &str) -> diesel::QueryResult<()> {
    admin.batch_execute(&format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        quoted(name)
    ))
}

/// An identifier, quoted.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        if let Err(e) = drop_database(&mut self.admin, &self.name) {
            log::warn!(
                "could not drop the scratch database {}: {}; the next replay on this server \
                 drops it",
                self.name,
                db_message(&e)
            );
        }
    }
}

/// Creates the scratch database on `server` and gives it the live
/// database's schemas, extensions and search_path.
fn open_scratch(
    server: &Target,
    maintenance: bool,
    settings: &Settings,
    live: &Live,
    up_sqls: &[&str],
) -> Result<Session> {
    let postgres = server.with_database("postgres").filter(|_| maintenance);
    // No retrying there: the database's own is the fallback.
    let once = Settings {
        wait: None,
        ..settings.clone()
    };
    let mut admin = match postgres.map(|p| connection::connect(&p, &once)) {
        Some(Ok(admin)) => admin,
        // No access to `postgres` there: the database's own will do.
        _ => connection::connect(server, settings)?,
    };
    let major = engine::of(&mut admin)
        .server_major()
        .map_err(|e| Error::from_db("reading the scratch server's version", &e))?
        .unwrap_or_default();
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
        let _ = drop_database(&mut admin, &stale.value);
    }
    // Named after the session that creates (and will drop) it, so a later
    // replay can tell one left behind from one in use.
    let creator = diesel::select(diesel::dsl::sql::<Integer>("pg_backend_pid()"))
        .get_result::<i32>(&mut *admin)
        .map_err(|e| Error::from_db("naming the scratch database", &e))?;
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
    let mut conn = connection::connect(&target, &once)?;
    // What the migrations create themselves is theirs to create (a plain
    // CREATE SCHEMA or CREATE EXTENSION would find it there already).
    let theirs = |of: fn(&str) -> Vec<String>| -> Vec<String> {
        up_sqls.iter().flat_map(|sql| of(sql)).collect()
    };
    let (their_schemas, their_extensions) = (
        theirs(sqltext::created_schemas),
        theirs(sqltext::created_extensions),
    );
    for schema in live
        .schemas
        .lines()
        .filter(|s| !their_schemas.contains(&s.to_string()))
    {
        conn.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {}", quoted(schema)))
            .map_err(|e| Error::from_db("creating the schemas in the scratch database", &e))?;
    }
    // An extension that cannot be created there (not installed on that
    // server, or not trusted) only matters if a migration needs it.
    let mut missing = Vec::new();
    for line in live.extensions.lines() {
        let (name, schema) = line.split_once('\t').unwrap_or((line, "public"));
        if their_extensions.contains(&name.to_string()) {
            continue;
        }
        let create = format!(
            "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {} CASCADE",
            quoted(name),
            quoted(schema)
        );
        if let Err(e) = conn.batch_execute(&create) {
            missing.push(format!("{create}: {}", db_message(&e)));
        }
    }
    let search_path = format!("SET search_path TO {}", live.search_path);
    conn.batch_execute(&search_path)
        .map_err(|e| Error::from_db("setting the scratch database's search_path", &e))?;
    Ok(Session {
        conn,
        schema: live.schema.clone().unwrap_or_default(),
        reset: format!("RESET ALL; {search_path}"),
        missing,
        _database: Some(database),
    })
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
