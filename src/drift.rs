//! What the migrations define versus what the database has, with no extra
//! database: the migrations' SQL is replayed where nothing can leak (on
//! PostgreSQL inside a transaction that is always rolled back, on SQLite in
//! an in-memory database), both sides are read from the catalog the same way,
//! and every object is compared. Definitions are normalised only as far as
//! PostgreSQL's own printing varies (after `pg_dump` / `pg_restore`, say);
//! the differences keep the original text.
//!
//! Used to check a database the Node.js runner created before adopting it,
//! and by `verify` to report schema drift.

use std::collections::BTreeMap;
use std::fmt;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};

use crate::connection::AnyConnection;
use crate::error::{Error, Result, db_message};
use crate::sqltext;

/// What kind of difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// The migrations define it; the database lacks it.
    Missing,
    /// The database has it; no migration defines it.
    Extra,
    /// Both have it, defined differently (or the live index is invalid).
    Changed,
}

/// One object that differs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Difference {
    #[serde(rename = "kind")]
    pub change: Change,
    /// The table it belongs to ("" for a function).
    pub table: String,
    /// "table", "column amount", "index idx_bookings_status", "constraint
    /// users_email_key", "trigger t", "function f(integer)", "order of
    /// columns", or (SQLite) "table definition".
    pub object: String,
    /// The definition the migrations give (None when Extra).
    pub expected: Option<String>,
    /// The definition the database has (None when Missing).
    pub found: Option<String>,
}

/// Appended to the definition of an index PostgreSQL marks invalid.
const INVALID: &str = " (invalid)";

impl Difference {
    /// The object as a person names it: columns with their table.
    fn label(&self) -> String {
        match self.object.as_str() {
            "table" => format!("table {}", self.table),
            "table definition" => format!("definition of table {}", self.table),
            "order of columns" => format!("order of the columns of table {}", self.table),
            object => match object.strip_prefix("column ") {
                Some(column) => format!("column {}.{column}", self.table),
                None => object.to_string(),
            },
        }
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = self.label();
        match self.change {
            Change::Missing => write!(f, "missing {label}"),
            Change::Extra => write!(f, "extra {label}"),
            Change::Changed => {
                let expected = self.expected.as_deref().unwrap_or_default();
                let found = self.found.as_deref().unwrap_or_default();
                if let Some(definition) = found.strip_suffix(INVALID)
                    && same(expected, definition)
                {
                    return write!(
                        f,
                        "{label} is invalid (a failed CREATE INDEX CONCURRENTLY)"
                    );
                }
                write!(
                    f,
                    "{label}: {} expected, {} found",
                    one_line(expected),
                    one_line(found)
                )
            }
        }
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Which live objects take part.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Only the tables the replay creates (and their columns, constraints,
    /// indexes, triggers) and the functions it creates; other tables and
    /// functions are ignored. (Adoption.)
    Tables,
    /// The whole live schema; tables and functions no replayed SQL creates are
    /// reported as Extra, except the tables named here (the runner's own
    /// tracking tables, e.g. "migrations", "__diesel_schema_migrations",
    /// "bxm_migration_actions"). (verify.)
    Schema { ignore: &'a [&'a str] },
}

/// Replays `up_sqls` (each a whole migration file, in order) where nothing
/// can leak, reads the objects they create, and compares them with the live
/// schema (PostgreSQL: the session's `current_schema()`; SQLite: `main`).
/// Returns every difference, sorted by table then object.
pub fn compare(
    conn: &mut AnyConnection,
    up_sqls: &[&str],
    scope: Scope<'_>,
) -> Result<Vec<Difference>> {
    let (expected, live) = match conn {
        AnyConnection::Pg(pg) => postgres::read(pg, up_sqls)?,
        AnyConnection::Sqlite(lite) => sqlite::read(lite, up_sqls)?,
    };
    Ok(differences(&expected, &live, scope))
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

// ---------------------------------------------------------------------------
// The objects of one side.

#[derive(Debug, Default)]
struct Objects {
    tables: BTreeMap<String, Table>,
    /// "name(argument types)" → definition.
    functions: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
struct Table {
    /// In column order.
    columns: Vec<Column>,
    constraints: BTreeMap<String, String>,
    indexes: BTreeMap<String, Index>,
    triggers: BTreeMap<String, String>,
    /// SQLite's CREATE TABLE text: the only place its CHECKs are kept.
    definition: Option<String>,
}

#[derive(Debug)]
struct Column {
    name: String,
    type_name: String,
    not_null: bool,
    default: Option<String>,
    /// Identity, generation (PostgreSQL) or key membership (SQLite).
    extra: String,
}

#[derive(Debug)]
struct Index {
    definition: String,
    valid: bool,
}

impl Column {
    fn definition(&self) -> String {
        let mut text = self.type_name.clone();
        if self.not_null {
            text.push_str(" NOT NULL");
        }
        if let Some(default) = &self.default {
            text.push_str(" DEFAULT ");
            text.push_str(default);
        }
        if !self.extra.is_empty() {
            text.push(' ');
            text.push_str(&self.extra);
        }
        text
    }

    fn same_as(&self, other: &Column) -> bool {
        same(&self.type_name, &other.type_name)
            && self.not_null == other.not_null
            && match (&self.default, &other.default) {
                (Some(a), Some(b)) => same(a, b),
                (a, b) => a.is_none() && b.is_none(),
            }
            && same(&self.extra, &other.extra)
    }
}

impl Table {
    /// What a missing or extra table is shown as.
    fn summary(&self) -> String {
        match &self.definition {
            Some(sql) => one_line(sql),
            None => format!(
                "({})",
                self.columns
                    .iter()
                    .map(|c| format!("{} {}", c.name, c.definition()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    fn index_text(index: &Index) -> String {
        if index.valid {
            index.definition.clone()
        } else {
            format!("{}{INVALID}", index.definition)
        }
    }
}

// ---------------------------------------------------------------------------
// Comparing.

fn differences(expected: &Objects, live: &Objects, scope: Scope<'_>) -> Vec<Difference> {
    let mut out = Vec::new();
    for (name, want) in &expected.tables {
        match live.tables.get(name) {
            None => out.push(missing(name, "table", want.summary())),
            Some(have) => compare_table(name, want, have, &mut out),
        }
    }
    let whole_schema = matches!(scope, Scope::Schema { .. });
    if let Scope::Schema { ignore } = scope {
        for (name, have) in &live.tables {
            if !expected.tables.contains_key(name) && !ignore.contains(&name.as_str()) {
                out.push(extra(name, "table", have.summary()));
            }
        }
    }
    compare_named(
        "",
        "function",
        &expected.functions,
        &live.functions,
        whole_schema,
        &mut out,
    );
    out.sort_by(|a, b| (&a.table, &a.object).cmp(&(&b.table, &b.object)));
    out
}

fn compare_table(table: &str, want: &Table, have: &Table, out: &mut Vec<Difference>) {
    let before = out.len();
    for column in &want.columns {
        let object = format!("column {}", column.name);
        match have.columns.iter().find(|c| c.name == column.name) {
            None => out.push(missing(table, &object, column.definition())),
            Some(found) if !column.same_as(found) => out.push(changed(
                table,
                &object,
                column.definition(),
                found.definition(),
            )),
            Some(_) => {}
        }
    }
    for column in &have.columns {
        if !want.columns.iter().any(|c| c.name == column.name) {
            out.push(extra(
                table,
                &format!("column {}", column.name),
                column.definition(),
            ));
        }
    }
    // Only the columns both have: a missing or extra one is reported above.
    let in_order = |of: &Table, other: &Table| -> Vec<String> {
        of.columns
            .iter()
            .filter(|c| other.columns.iter().any(|o| o.name == c.name))
            .map(|c| c.name.clone())
            .collect()
    };
    let (want_order, have_order) = (in_order(want, have), in_order(have, want));
    if want_order != have_order {
        out.push(changed(
            table,
            "order of columns",
            want_order.join(", "),
            have_order.join(", "),
        ));
    }
    compare_named(
        table,
        "constraint",
        &want.constraints,
        &have.constraints,
        true,
        out,
    );
    for (name, index) in &want.indexes {
        let object = format!("index {name}");
        match have.indexes.get(name) {
            None => out.push(missing(table, &object, index.definition.clone())),
            Some(found) if !found.valid || !same(&index.definition, &found.definition) => {
                out.push(changed(
                    table,
                    &object,
                    index.definition.clone(),
                    Table::index_text(found),
                ))
            }
            Some(_) => {}
        }
    }
    for (name, index) in &have.indexes {
        if !want.indexes.contains_key(name) {
            out.push(extra(table, &format!("index {name}"), Table::index_text(index)));
        }
    }
    compare_named(table, "trigger", &want.triggers, &have.triggers, true, out);
    // SQLite keeps CHECK constraints only in the CREATE TABLE text; when
    // nothing more precise differs, the text is what tells.
    if out.len() == before
        && let (Some(want_sql), Some(have_sql)) = (&want.definition, &have.definition)
        && !same(want_sql, have_sql)
    {
        out.push(changed(
            table,
            "table definition",
            one_line(want_sql),
            one_line(have_sql),
        ));
    }
}

/// Objects matched by name; those only `found` has count when `extras`.
fn compare_named(
    table: &str,
    kind: &str,
    expected: &BTreeMap<String, String>,
    found: &BTreeMap<String, String>,
    extras: bool,
    out: &mut Vec<Difference>,
) {
    for (name, want) in expected {
        let object = format!("{kind} {name}");
        match found.get(name) {
            None => out.push(missing(table, &object, want.clone())),
            Some(have) if !same(want, have) => {
                out.push(changed(table, &object, want.clone(), have.clone()))
            }
            Some(_) => {}
        }
    }
    if extras {
        for (name, have) in found {
            if !expected.contains_key(name) {
                out.push(extra(table, &format!("{kind} {name}"), have.clone()));
            }
        }
    }
}

fn missing(table: &str, object: &str, expected: String) -> Difference {
    Difference {
        change: Change::Missing,
        table: table.to_string(),
        object: object.to_string(),
        expected: Some(expected),
        found: None,
    }
}

fn extra(table: &str, object: &str, found: String) -> Difference {
    Difference {
        change: Change::Extra,
        table: table.to_string(),
        object: object.to_string(),
        expected: None,
        found: Some(found),
    }
}

fn changed(table: &str, object: &str, expected: String, found: String) -> Difference {
    Difference {
        change: Change::Changed,
        table: table.to_string(),
        object: object.to_string(),
        expected: Some(expected),
        found: Some(found),
    }
}

// ---------------------------------------------------------------------------
// PostgreSQL.

mod postgres {
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
    pub(super) fn read(pg: &mut PgConnection, up_sqls: &[&str]) -> Result<(Objects, Objects)> {
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
        with_statements(up_sqls)
            .into_iter()
            .map(|(file, sql)| match sqltext::transaction_control(sql).first() {
                Some(found) => Err(Error::CannotCompare(format!(
                    "migration file {file} has {} on line {}, which would end the transaction \
                     that keeps the replay from leaving anything behind; it cannot be replayed",
                    found.keyword, found.line
                ))),
                None => Ok((file, without_concurrently(sql))),
            })
            .collect()
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
            pg.batch_execute(sql).map_err(|error| Failure::Replay {
                file: *file,
                error,
            })?;
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
}

// ---------------------------------------------------------------------------
// SQLite.

mod sqlite {
    use super::*;

    #[derive(QueryableByName)]
    struct Named {
        #[diesel(sql_type = Text)]
        tbl: String,
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Text)]
        def: String,
    }

    #[derive(QueryableByName)]
    struct LiteColumn {
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
        #[diesel(sql_type = BigInt)]
        pk: i64,
    }

    #[derive(QueryableByName)]
    struct LiteIndex {
        #[diesel(sql_type = Text)]
        tbl: String,
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Text)]
        origin: String,
        #[diesel(sql_type = Nullable<Text>)]
        def: Option<String>,
        #[diesel(sql_type = Text)]
        columns: String,
    }

    #[derive(QueryableByName)]
    struct ForeignKey {
        #[diesel(sql_type = Text)]
        tbl: String,
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = Text)]
        target: String,
        #[diesel(sql_type = Text)]
        from_column: String,
        #[diesel(sql_type = Nullable<Text>)]
        to_column: Option<String>,
        #[diesel(sql_type = Text)]
        on_update: String,
        #[diesel(sql_type = Text)]
        on_delete: String,
    }

