//! The PostgreSQL side of the comparison: the replay runs in a transaction
//! that is always rolled back, and both sides are read from `pg_catalog`.

use super::*;

/// Where the replay runs.
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

/// (What the replay created, what the live schema has.)
pub(crate) fn read(pg: &mut PgConnection, up_sqls: &[&str]) -> Result<(Objects, Objects)> {
    let files = replayable(up_sqls)?;
    // Read before the search_path changes. Objects the caller already
    // keeps in its temporary schema would be mistaken for replayed ones.
    let session = diesel::sql_query(
        "SELECT current_schema()::text AS live, pg_backend_pid() AS pid, \
         EXISTS (SELECT FROM pg_class WHERE relnamespace = pg_my_temp_schema()) \
         OR EXISTS (SELECT FROM pg_proc WHERE pronamespace = pg_my_temp_schema()) \
         AS temp_in_use",
    )
    .get_result::<Session>(pg)
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
        match attempt(pg, &files, &live, Place::Temporary) {
            Ok(found) => return Ok(found),
            Err(failure) => Some(failure),
        }
    };
    match attempt(pg, &files, &live, Place::Schema(&scratch)) {
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
    pg: &mut PgConnection,
    files: &[(usize, String)],
    live: &str,
    place: Place<'_>,
) -> std::result::Result<(Objects, Objects), Failure> {
    AnsiTransactionManager::begin_transaction(pg)
        .map_err(|e| Failure::Other(Error::from_db("starting the replay", &e)))?;
    let result = replay_and_read(pg, files, live, place);
    let ended = AnsiTransactionManager::rollback_transaction(pg);
    let found = result?;
    ended.map_err(|e| Failure::Other(Error::from_db("rolling back the replay", &e)))?;
    Ok(found)
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

fn replay_and_read(
    pg: &mut PgConnection,
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
        Place::Temporary => pg.batch_execute("SET LOCAL search_path = pg_temp"),
        Place::Schema(name) => {
            pg.batch_execute(&format!("CREATE SCHEMA {name}"))
                .map_err(Failure::NoScratch)?;
            pg.batch_execute(&format!("SET LOCAL search_path = {name}, pg_temp"))
        }
    }
    .map_err(setup)?;
    for (file, sql) in files {
        pg.batch_execute(sql)
            .map_err(|error| Failure::Replay { file: *file, error })?;
    }
    let scratch = match place {
        Place::Schema(name) => name.to_string(),
        // The session's pg_temp_N; none when the replay created nothing.
        Place::Temporary => diesel::sql_query(
            "SELECT nspname::text AS name FROM pg_namespace WHERE oid = pg_my_temp_schema()",
        )
        .get_result::<Name>(pg)
        .optional()
        .map_err(|e| Failure::Other(Error::from_db("reading the temporary schema", &e)))?
        .map_or_else(|| "pg_temp".to_string(), |n| n.name),
    };
    read_catalog(pg, live, &scratch)
        .map_err(|e| Failure::Other(Error::from_db("reading the schema catalog", &e)))
}

#[derive(QueryableByName)]
struct Named {
    #[diesel(sql_type = Bool)]
    live: bool,
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    def: String,
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Bool)]
    live: bool,
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    type_name: String,
    #[diesel(sql_type = Bool)]
    not_null: bool,
    #[diesel(sql_type = Nullable<Text>)]
    default_expr: Option<String>,
    #[diesel(sql_type = Text)]
    extra: String,
}

#[derive(QueryableByName)]
struct PgIndex {
    #[diesel(sql_type = Bool)]
    live: bool,
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    def: String,
    #[diesel(sql_type = Bool)]
    valid: bool,
}

// One query per kind of object for both schemas ($1 live, $2 scratch):
// a schema may have thousands of tables. Objects that belong to an
// extension are not the migrations' business.
const TABLES: &str = "SELECT n.nspname::text = $1 AS live, c.relname::text AS tbl, \
     c.relname::text AS name, '' AS def \
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname::text IN ($1, $2) AND c.relkind IN ('r', 'p') \
     AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass \
     AND d.objid = c.oid AND d.deptype = 'e')";

const COLUMNS: &str = "SELECT n.nspname::text = $1 AS live, c.relname::text AS tbl, \
     a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type_name, \
     a.attnotnull AS not_null, \
     CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END AS default_expr, \
     concat_ws(' ', CASE a.attidentity WHEN 'a' THEN 'GENERATED ALWAYS AS IDENTITY' \
     WHEN 'd' THEN 'GENERATED BY DEFAULT AS IDENTITY' END, \
     CASE WHEN a.attgenerated = 's' \
     THEN 'GENERATED ALWAYS AS (' || pg_get_expr(d.adbin, d.adrelid) || ') STORED' END) \
     AS extra \
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
     WHERE n.nspname::text IN ($1, $2) AND c.relkind IN ('r', 'p') \
     AND a.attnum > 0 AND NOT a.attisdropped \
     ORDER BY a.attrelid, a.attnum";

// NOT NULL is read with the columns (PostgreSQL 18 also lists it here).
const CONSTRAINTS: &str = "SELECT n.nspname::text = $1 AS live, c.relname::text AS tbl, \
     con.conname::text AS name, pg_get_constraintdef(con.oid) AS def \
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname::text IN ($1, $2) AND con.contype <> 'n'";

// The index behind a primary key, unique or exclusion constraint is
// compared as that constraint (a dropped one would be reported twice).
const INDEXES: &str = "SELECT n.nspname::text = $1 AS live, t.relname::text AS tbl, \
     i.relname::text AS name, pg_get_indexdef(x.indexrelid) AS def, x.indisvalid AS valid \
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
     JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
     WHERE n.nspname::text IN ($1, $2) \
     AND NOT EXISTS (SELECT FROM pg_constraint con WHERE con.conindid = x.indexrelid \
     AND con.conrelid = x.indrelid AND con.contype IN ('p', 'u', 'x'))";

const TRIGGERS: &str = "SELECT n.nspname::text = $1 AS live, c.relname::text AS tbl, \
     tg.tgname::text AS name, pg_get_triggerdef(tg.oid) AS def \
     FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname::text IN ($1, $2) AND NOT tg.tgisinternal";

// pg_get_functiondef cannot print aggregates.
const FUNCTIONS: &str = "SELECT n.nspname::text = $1 AS live, '' AS tbl, \
     p.proname || '(' || oidvectortypes(p.proargtypes) || ')' AS name, \
     pg_get_functiondef(p.oid) AS def \
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
     WHERE n.nspname::text IN ($1, $2) AND p.prokind <> 'a' \
     AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass \
     AND d.objid = p.oid AND d.deptype = 'e')";

/// (The scratch side, the live side), schema qualifiers removed.
fn read_catalog(
    pg: &mut PgConnection,
    live: &str,
    scratch: &str,
) -> QueryResult<(Objects, Objects)> {
    fn load<T: QueryableByName<diesel::pg::Pg> + 'static>(
        pg: &mut PgConnection,
        sql: &'static str,
        live: &str,
        scratch: &str,
    ) -> QueryResult<Vec<T>> {
        diesel::sql_query(sql)
            .bind::<Text, _>(live)
            .bind::<Text, _>(scratch)
            .load(pg)
    }
    let schemas = [live, scratch];
    let bare = |text: &str| unqualified(text, &schemas);
    let mut sides = [Objects::default(), Objects::default()];
    for t in load::<Named>(pg, TABLES, live, scratch)? {
        sides[usize::from(t.live)]
            .tables
            .insert(t.tbl, Table::default());
    }
    for c in load::<PgColumn>(pg, COLUMNS, live, scratch)? {
        if let Some(table) = sides[usize::from(c.live)].tables.get_mut(&c.tbl) {
            table.columns.push(Column {
                name: c.name,
                type_name: bare(&c.type_name),
                not_null: c.not_null,
                default: c.default_expr.as_deref().map(bare),
                extra: bare(&c.extra),
            });
        }
    }
    for c in load::<Named>(pg, CONSTRAINTS, live, scratch)? {
        if let Some(table) = sides[usize::from(c.live)].tables.get_mut(&c.tbl) {
            table.constraints.insert(c.name, bare(&c.def));
        }
    }
    for i in load::<PgIndex>(pg, INDEXES, live, scratch)? {
        if let Some(table) = sides[usize::from(i.live)].tables.get_mut(&i.tbl) {
            let index = Index {
                definition: bare(&i.def),
                valid: i.valid,
            };
            table.indexes.insert(i.name, index);
        }
    }
    for t in load::<Named>(pg, TRIGGERS, live, scratch)? {
        if let Some(table) = sides[usize::from(t.live)].tables.get_mut(&t.tbl) {
            table.triggers.insert(t.name, bare(&t.def));
        }
    }
    for f in load::<Named>(pg, FUNCTIONS, live, scratch)? {
        sides[usize::from(f.live)]
            .functions
            .insert(bare(&f.name), bare(&f.def));
    }
    let [replayed, found] = sides;
    Ok((replayed, found))
}
