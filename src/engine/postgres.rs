//! PostgreSQL: settings per session, snapshot transactions, numbered
//! statements kept prepared when asked, and the schema read from
//! `pg_catalog`.

use std::collections::BTreeMap;
use std::sync::RwLock;

use diesel::connection::{AnsiTransactionManager, CacheSize, SimpleConnection, TransactionManager};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};

use super::numbered::Numbered;
use super::{Dialect, Engine, Named, TextValue};
use crate::config::{Backend, Settings, Target};
use crate::error::{Error, Result};
use crate::objects::{Column, Index, Objects, Table};
use crate::records::Param;

/// The session's own settings. Only those a transaction-mode pooler
/// (PgBouncer) tracks and sets again on whichever server connection it
/// hands out: Diesel's (UTC, UTF-8: `reset_sql`'s RESET ALL would
/// otherwise undo them, and with them the times the history reads back)
/// and the application name. What limits waits is set per transaction
/// ([`in_transaction`]): a session `SET lock_timeout` through such a
/// pooler would stay on a server connection the application gets next.
const SESSION: &str = "SET TIME ZONE 'UTC'; SET CLIENT_ENCODING TO 'UTF8'; \
     SET application_name = 'buildxpert-migrate'";

/// Diesel's connection carries no data of ours, and one process runs with
/// one set of settings: what `prepare` was given, for every transaction.
static IN_TRANSACTION: RwLock<String> = RwLock::new(String::new());

/// The run's limits for the rest of the current transaction (or the one
/// implicit transaction of a batch): `lock_timeout`, `statement_timeout`,
/// and, on PostgreSQL 14+, noticing a vanished client (kill -9, Ctrl-C)
/// within a second even during a long statement, so its transaction rolls
/// back and its lock is freed at once.
fn limits(settings: &Settings) -> String {
    let mut sql = format!(
        "SELECT set_config('lock_timeout', '{}', true)",
        settings.lock_timeout.as_millis()
    );
    if let Some(timeout) = settings.statement_timeout {
        sql.push_str(&format!(
            ", set_config('statement_timeout', '{}', true)",
            timeout.as_millis()
        ));
    }
    // Servers before 14 have no such setting: asked for by name, not version.
    sql.push_str(
        ", (SELECT set_config('client_connection_check_interval', '1000', true) \
         WHERE current_setting('client_connection_check_interval', true) IS NOT NULL)",
    );
    sql
}

/// `begin`, the run's limits and `also` in one round trip. Should what
/// follows BEGIN fail, the server's transaction is ended too, since Diesel
/// then counts none as open.
fn begin_with_limits(conn: &mut PgConnection, begin: &str, also: &str) -> QueryResult<()> {
    let begun = AnsiTransactionManager::begin_transaction_sql(
        conn,
        &format!("{begin}; {}; {also}", in_transaction()),
    );
    if begun.is_err() {
        let _ = conn.batch_execute("ROLLBACK");
    }
    begun
}

/// The limits to set at the start of each transaction (see [`limits`]).
fn in_transaction() -> String {
    IN_TRANSACTION
        .read()
        .map(|sql| sql.clone())
        .unwrap_or_default()
}

static DIALECT: Dialect = Dialect {
    backend: Backend::Postgres,
    strict_types: true,
    one_statement_writes: true,
};

impl Engine for PgConnection {
    fn dialect(&self) -> &'static Dialect {
        &DIALECT
    }

    fn prepare(&mut self, _target: &Target, settings: &Settings) -> Result<()> {
        // Unnamed statements only: a named one prepared on a pooled server
        // connection is missing on the next, or collides with another
        // client's of the same name.
        self.set_prepared_statement_cache_size(CacheSize::Disabled);
        if let Ok(mut sql) = IN_TRANSACTION.write() {
            *sql = limits(settings);
        }
        self.batch_execute(SESSION)
            .map_err(|e| Error::from_db("preparing the session", &e))
    }

    /// `RESET ALL` goes back to the values the session started with (the
    /// role's, the database's, the URL's `options`), then the run's own;
    /// its limits too, for the rest of the transaction the migration ran in.
    fn reset_sql(&self, settings: &Settings) -> String {
        format!("RESET ALL; RESET ROLE; {SESSION}; {}", limits(settings))
    }

    fn statement_limits(&self, settings: &Settings) -> String {
        limits(settings)
    }

    /// Inside a transaction, a savepoint of it.
    fn begin_write(&mut self) -> QueryResult<()> {
        if AnsiTransactionManager::transaction_manager_status_mut(self)
            .transaction_depth()?
            .is_some()
        {
            return AnsiTransactionManager::begin_transaction(self);
        }
        begin_with_limits(self, "BEGIN", "")
    }

    fn begin_write_and(&mut self, also: &str) -> QueryResult<()> {
        begin_with_limits(self, "BEGIN", also)
    }

    /// Inside a transaction, a savepoint of it (which sees its changes).
    fn begin_snapshot(&mut self) -> QueryResult<()> {
        if AnsiTransactionManager::transaction_manager_status_mut(self)
            .transaction_depth()?
            .is_some()
        {
            return AnsiTransactionManager::begin_transaction(self);
        }
        begin_with_limits(self, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", "")
    }

    /// TCP without TLS, as `pg_stat_ssl` reports it (a Unix socket never
    /// leaves the machine). One more round trip, so asked only when it matters.
    fn in_clear_text(&mut self) -> Result<bool> {
        diesel::select(sql::<Bool>(
            "inet_server_addr() IS NOT NULL AND NOT coalesce((SELECT ssl FROM pg_stat_ssl \
             WHERE pid = pg_backend_pid()), false)",
        ))
        .get_result(self)
        .map_err(|e| Error::from_db("checking whether the connection is encrypted", &e))
    }

    fn current_user(&mut self) -> Result<String> {
        diesel::sql_query("SELECT current_user::text AS value")
            .get_result::<TextValue>(self)
            .map(|w| w.value)
            .map_err(|e| Error::from_db("reading the current user", &e))
    }

    fn describe_session(&mut self) -> Option<String> {
        diesel::sql_query(
            "SELECT format('host %s port %s database %s user %s (server %s)', \
             coalesce(host(inet_server_addr()), 'local socket'), \
             coalesce(inet_server_port()::text, '-'), current_database(), current_user, \
             current_setting('server_version')) AS value",
        )
        .get_result::<TextValue>(self)
        .map(|s| s.value)
        .ok()
    }

    fn busy(&self, _message: &str) -> Option<Error> {
        None
    }

    fn server_major(&mut self) -> QueryResult<Option<i32>> {
        diesel::select(sql::<diesel::sql_types::Integer>(
            "current_setting('server_version_num')::int / 10000",
        ))
        .get_result(self)
        .map(Some)
    }

    fn statement_timeout(&mut self) -> Option<String> {
        diesel::sql_query(
            "SELECT format('statement_timeout is %s%s, %s', setting, coalesce(unit, ''), \
             CASE source WHEN 'user' THEN 'set on the role (ALTER ROLE … SET statement_timeout)' \
             WHEN 'database' THEN 'set on the database (ALTER DATABASE … SET statement_timeout)' \
             WHEN 'database user' THEN 'set on the role in this database (ALTER ROLE … IN \
             DATABASE … SET statement_timeout)' \
             WHEN 'configuration file' THEN 'set in ' || coalesce(sourcefile, 'postgresql.conf') \
             WHEN 'client' THEN 'set by the connection (the URL''s options, PGOPTIONS)' \
             ELSE 'the ' || source || ' value' \
             END) AS value FROM pg_settings WHERE name = 'statement_timeout'",
        )
        .get_result::<TextValue>(self)
        .ok()
        .map(|t| t.value)
    }

    fn execute(&mut self, sql: &str, params: &[Param<'_>], cache: bool) -> QueryResult<usize> {
        Numbered { sql, params, cache }.execute(self)
    }

    fn invalid_indexes(&mut self) -> QueryResult<Vec<String>> {
        Ok(diesel::sql_query(
            "SELECT c.relname::text AS value FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid ORDER BY 1",
        )
        .load::<TextValue>(self)?
        .into_iter()
        .map(|i| i.value)
        .collect())
    }

    fn read_objects(&mut self, schema: &str) -> QueryResult<Objects> {
        fn load<T: QueryableByName<diesel::pg::Pg> + 'static>(
            pg: &mut PgConnection,
            sql: &'static str,
            schema: &str,
        ) -> QueryResult<Vec<T>> {
            diesel::sql_query(sql).bind::<Text, _>(schema).load(pg)
        }
        let mut objects = Objects::default();
        for t in load::<Named>(self, TABLES, schema)? {
            let (persistence, security) = t.def.split_once(' ').unwrap_or_default();
            let mut table = Table::default();
            table
                .properties
                .insert("persistence".to_string(), persistence.to_string());
            table
                .properties
                .insert("row level security".to_string(), security.to_string());
            objects.tables.insert(t.tbl, table);
        }
        for c in load::<PgColumn>(self, COLUMNS, schema)? {
            if let Some(table) = objects.tables.get_mut(&c.tbl) {
                table.columns.push(Column {
                    name: c.name,
                    type_name: c.type_name,
                    not_null: c.not_null,
                    collation: c.collation,
                    default: c.default_expr,
                    extra: c.extra,
                });
            }
        }
        let kinds: [(&str, Field<Table>); 4] = [
            (CONSTRAINTS, |t| &mut t.constraints),
            (TRIGGERS, |t| &mut t.triggers),
            (POLICIES, |t| &mut t.policies),
            (OWNED_SEQUENCES, |t| &mut t.sequences),
        ];
        for (sql, into) in kinds {
            for c in load::<Named>(self, sql, schema)? {
                if let Some(table) = objects.tables.get_mut(&c.tbl) {
                    into(table).insert(c.name, c.def);
                }
            }
        }
        for i in load::<PgIndex>(self, INDEXES, schema)? {
            if let Some(table) = objects.tables.get_mut(&i.tbl) {
                let index = Index {
                    definition: i.def,
                    valid: i.valid,
                };
                table.indexes.insert(i.name, index);
            }
        }
        let schema_level: [(&str, Field<Objects>); 4] = [
            (FUNCTIONS, |o| &mut o.functions),
            (VIEWS, |o| &mut o.views),
            (SEQUENCES, |o| &mut o.sequences),
            (EXTENSIONS, |o| &mut o.extensions),
        ];
        for (sql, into) in schema_level {
            for f in load::<Named>(self, sql, schema)? {
                into(&mut objects).insert(f.name, f.def);
            }
        }
        Ok(objects)
    }
}

/// Where the rows of one query go: a map of a table or of the schema.
type Field<T> = fn(&mut T) -> &mut BTreeMap<String, String>;

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    type_name: String,
    #[diesel(sql_type = Bool)]
    not_null: bool,
    #[diesel(sql_type = Nullable<Text>)]
    collation: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    default_expr: Option<String>,
    #[diesel(sql_type = Text)]
    extra: String,
}

#[derive(QueryableByName)]
struct PgIndex {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    def: String,
    #[diesel(sql_type = Bool)]
    valid: bool,
}

// One query per kind of object ($1: the schema). A table's `def` is its
// persistence and row-level security, space-separated.
const TABLES: &str = "SELECT c.relname::text AS tbl, c.relname::text AS name, \
     CASE c.relpersistence WHEN 'u' THEN 'unlogged' ELSE 'logged' END || ' ' || \
     CASE WHEN c.relforcerowsecurity THEN 'forced' WHEN c.relrowsecurity THEN 'on' \
     ELSE 'off' END AS def \
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname::text = $1 AND c.relkind IN ('r', 'p') \
     AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass \
     AND d.objid = c.oid AND d.deptype = 'e')";

// A collation is shown only where it is not the type's own.
const COLUMNS: &str = "SELECT c.relname::text AS tbl, \
     a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type_name, \
     a.attnotnull AS not_null, \
     CASE WHEN a.attcollation <> t.typcollation THEN \
     (SELECT quote_ident(co.collname) FROM pg_collation co WHERE co.oid = a.attcollation) \
     END AS collation, \
     CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END AS default_expr, \
     concat_ws(' ', CASE a.attidentity WHEN 'a' THEN 'GENERATED ALWAYS AS IDENTITY' \
     WHEN 'd' THEN 'GENERATED BY DEFAULT AS IDENTITY' END, \
     CASE WHEN a.attgenerated = 's' \
     THEN 'GENERATED ALWAYS AS (' || pg_get_expr(d.adbin, d.adrelid) || ') STORED' END) \
     AS extra \
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid \
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
     WHERE n.nspname::text = $1 AND c.relkind IN ('r', 'p') \
     AND a.attnum > 0 AND NOT a.attisdropped \
     ORDER BY a.attrelid, a.attnum";

// NOT NULL is read with the columns (PostgreSQL 18 also lists it here). A
// foreign key whose internal triggers are disabled (ALTER TABLE … DISABLE
// TRIGGER ALL) is no longer enforced: that is part of its definition.
const CONSTRAINTS: &str = "SELECT c.relname::text AS tbl, \
     con.conname::text AS name, pg_get_constraintdef(con.oid) || \
     CASE WHEN EXISTS (SELECT FROM pg_trigger tg WHERE tg.tgconstraint = con.oid \
     AND tg.tgisinternal AND tg.tgenabled = 'D') \
     THEN ' (not enforced: its triggers are disabled)' ELSE '' END AS def \
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname::text = $1 AND con.contype <> 'n'";

// The index behind a primary key, unique or exclusion constraint is
// compared as that constraint (a dropped one would be reported twice).
const INDEXES: &str = "SELECT t.relname::text AS tbl, \
     i.relname::text AS name, pg_get_indexdef(x.indexrelid) AS def, x.indisvalid AS valid \
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
     JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
     WHERE n.nspname::text = $1 \
     AND NOT EXISTS (SELECT FROM pg_constraint con WHERE con.conindid = x.indexrelid \
     AND con.conrelid = x.indrelid AND con.contype IN ('p', 'u', 'x'))";

const TRIGGERS: &str = "SELECT c.relname::text AS tbl, \
     tg.tgname::text AS name, pg_get_triggerdef(tg.oid) || CASE tg.tgenabled \
     WHEN 'D' THEN ' (disabled)' WHEN 'R' THEN ' (enabled for replica only)' \
     WHEN 'A' THEN ' (enabled always)' ELSE '' END AS def \
     FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname::text = $1 AND NOT tg.tgisinternal";

const POLICIES: &str = "SELECT p.tablename::text AS tbl, p.policyname::text AS name, \
     concat_ws(' ', p.permissive, 'FOR', p.cmd, 'TO', array_to_string(p.roles, ', '), \
     'USING (' || p.qual || ')', 'WITH CHECK (' || p.with_check || ')') AS def \
     FROM pg_policies p WHERE p.schemaname::text = $1";

// pg_get_functiondef cannot print aggregates.
const FUNCTIONS: &str = "SELECT '' AS tbl, \
     p.proname || '(' || oidvectortypes(p.proargtypes) || ')' AS name, \
     pg_get_functiondef(p.oid) AS def \
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
     WHERE n.nspname::text = $1 AND p.prokind <> 'a' \
     AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass \
     AND d.objid = p.oid AND d.deptype = 'e')";

const VIEWS: &str = "SELECT '' AS tbl, c.relname::text AS name, \
     CASE c.relkind WHEN 'm' THEN 'MATERIALIZED VIEW ' ELSE 'VIEW ' END || \
     pg_get_viewdef(c.oid) AS def \
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname::text = $1 AND c.relkind IN ('v', 'm') \
     AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass \
     AND d.objid = c.oid AND d.deptype = 'e')";

// A sequence a column owns (serial, identity) belongs to that column's
// table; the others to the schema.
macro_rules! sequences {
    ($owned:literal) => {
        concat!(
            "SELECT coalesce(t.relname::text, '') AS tbl, c.relname::text AS name, \
             format('%s INCREMENT %s MINVALUE %s MAXVALUE %s START %s CACHE %s%s', \
             format_type(s.seqtypid, NULL), s.seqincrement, s.seqmin, s.seqmax, s.seqstart, \
             s.seqcache, CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END) AS def \
             FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid \
             AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') \
             LEFT JOIN pg_class t ON t.oid = d.refobjid \
             WHERE n.nspname::text = $1 AND t.oid IS ",
            $owned
        )
    };
}

const SEQUENCES: &str = sequences!("NULL");
const OWNED_SEQUENCES: &str = sequences!("NOT NULL");

// Extensions belong to the database; $1 is not used.
const EXTENSIONS: &str = "SELECT '' AS tbl, e.extname::text AS name, \
     n.nspname::text AS def FROM pg_extension e \
     JOIN pg_namespace n ON n.oid = e.extnamespace WHERE $1 IS NOT NULL";
