//! PostgreSQL: settings per session, an advisory lock for runners, the
//! history written in one statement per step (or per run), `pg_dump`.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text};

use super::{Dialect, Engine, Held};
use crate::config::Target;
use crate::connection::{Settings, TextValue};
use crate::drift::{self, Objects};
use crate::error::{Error, Result};
use crate::history::{DieselChange, NodeChange, Record};
use crate::{backup, catalog, lock, node_history};

const ACTIONS_DDL: &str = "
CREATE TABLE IF NOT EXISTS bxm_migration_actions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version text NOT NULL,
    name text NOT NULL,
    action text NOT NULL CONSTRAINT chk_bxm_migration_actions_action
        CHECK (action IN ('apply', 'force', 'skip', 'revert', 'repair', 'adopt')),
    success boolean NOT NULL DEFAULT true,
    executed_at timestamptz NOT NULL DEFAULT now(),
    execution_time_ms bigint,
    checksum text,
    executed_by text NOT NULL,
    tool_version text NOT NULL,
    error text,
    backup_path text,
    backup_bytes bigint,
    backup_sha256 text
);
CREATE INDEX IF NOT EXISTS idx_bxm_migration_actions_executed_at
    ON bxm_migration_actions (executed_at);
";

pub(super) static DIALECT: Dialect = Dialect {
    embedded: &catalog::POSTGRES_MIGRATIONS,
    embedded_sql: &catalog::POSTGRES_SQL,
    strict_types: true,
    actions_ddl: ACTIONS_DDL,
    tracking_columns: "SELECT c.relname::text AS tbl, a.attname::text AS col, \
         format_type(a.atttypid, a.atttypmod) AS type_name, \
         (NOT a.attnotnull OR a.atthasdef) AS optional \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
         WHERE c.oid IN (to_regclass('migrations'), to_regclass('__diesel_schema_migrations'), \
           to_regclass('bxm_migration_actions')) \
           AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum",
    tables_present: "SELECT c.relname::text AS value FROM pg_class c \
         WHERE c.relkind IN ('r', 'p') AND c.relnamespace = current_schema()::regnamespace \
         AND c.relname = ANY (string_to_array($1, ','))",
    executed_at: "to_char(executed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
    // Diesel's run_on is a timestamp in the session's time zone.
    run_on: "to_char(run_on::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
    node_executed_at: "to_char(executed_at AT TIME ZONE 'Asia/Kolkata' AT TIME ZONE 'UTC', \
         'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
    node_now: "(now() AT TIME ZONE 'Asia/Kolkata')",
    node_default_now: "NOW()",
    placeholder: |n| format!("${n}"),
    // LEAST(NULL, n) is n in PostgreSQL: an unknown time stays NULL.
    node_execution_time: |t| {
        format!("CASE WHEN {t} IS NULL THEN NULL ELSE LEAST({t}, 2147483647) END::integer")
    },
    backup_stem: "SELECT current_database() || '_' || \
         to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISSMS\"Z\"') AS value",
    backup_extension: "dump",
    backup_hint: |target| {
        format!(
            "Back up first: pg_dump --format=custom --file backup_$(date +%Y%m%d_%H%M%S).dump \
             \"{}\" (or pass --backup DIR)",
            target.url_without_password()
        )
    },
};

impl Engine for PgConnection {
    fn dialect(&self) -> &'static Dialect {
        &DIALECT
    }

    fn prepare(&mut self, _target: &Target, settings: &Settings) -> Result<()> {
        let mut setup = format!(
            "SET application_name = 'buildxpert-migrate'; SET lock_timeout = {}",
            settings.lock_timeout.as_millis()
        );
        if let Some(timeout) = settings.statement_timeout {
            setup.push_str(&format!(
                "; SET statement_timeout = {}",
                timeout.as_millis()
            ));
        }
        self.batch_execute(&setup)
            .map_err(|e| Error::from_db("preparing the session", &e))?;
        // PostgreSQL 14+: notice a vanished client (kill -9, Ctrl-C) within a
        // second even during a long statement, so its transaction rolls back and
        // the lock is freed at once. Older servers lack the setting: no harm.
        let _ = self.batch_execute("SET client_connection_check_interval = 1000");
        Ok(())
    }

    fn begin_write(&mut self) -> QueryResult<()> {
        AnsiTransactionManager::begin_transaction(self)
    }

    fn begin_snapshot(&mut self) -> QueryResult<()> {
        AnsiTransactionManager::begin_transaction_sql(
            self,
            "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        )
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

    fn lock(&mut self, _target: &Target, wait: Duration, _create: bool) -> Result<Held> {
        lock::take_advisory(self, wait).map(|()| Held::session())
    }

    fn unlock(&mut self, _held: Held) -> Result<()> {
        lock::release_advisory(self)
    }

    fn lock_held_elsewhere(&mut self, _target: &Target) -> Result<bool> {
        lock::advisory_held_elsewhere(self)
    }

    /// Every runner holds the advisory lock while it writes.
    fn recorded_meanwhile(&mut self, _version: &str) -> QueryResult<Option<bool>> {
        Ok(None)
    }

    fn busy(&self, _message: &str) -> Option<Error> {
        None
    }

    /// One statement (the round trips are most of our overhead over plain
    /// psql when applying hundreds of small migrations).
    fn write(
        &mut self,
        node: node_history::Columns,
        rec: &Record<'_>,
        diesel: DieselChange,
        node_change: NodeChange,
    ) -> QueryResult<()> {
        let mut parts = Vec::new();
        match diesel {
            DieselChange::Add => parts.push(
                "d AS (INSERT INTO __diesel_schema_migrations (version) VALUES ($1))".to_string(),
            ),
            DieselChange::Remove => parts.push(
                "d AS (DELETE FROM __diesel_schema_migrations WHERE version = $1)".to_string(),
            ),
            DieselChange::Keep => {}
        }
        match node_change {
            NodeChange::Upsert | NodeChange::Started => parts.push(format!(
                "n AS ({})",
                node_history::upsert_sql(node, &DIALECT, node_change == NodeChange::Upsert)
            )),
            NodeChange::Remove => {
                parts.push("n AS (DELETE FROM migrations WHERE id = $1)".to_string())
            }
            NodeChange::Keep => {}
        }
        let with = if parts.is_empty() {
            String::new()
        } else {
            format!("WITH {} ", parts.join(", "))
        };
        let (backup_path, backup_bytes, backup_sha256) = rec.backup_columns();
        CachedSql {
            sql: format!(
                "{with}INSERT INTO bxm_migration_actions (version, name, action, success, \
                 execution_time_ms, checksum, executed_by, tool_version, error, \
                 backup_path, backup_bytes, backup_sha256) \
                 VALUES ($1, $8, $9, $4, $6, $10, $11, $12, $5, $13, $14, $15)"
            ),
            params: vec![
                Param::Text(rec.version),
                Param::Text(rec.title),
                Param::OptText(rec.description),
                Param::Bool(rec.success),
                Param::OptText(rec.error),
                Param::OptBigInt(rec.execution_time_ms),
                Param::Text(rec.os_user),
                Param::Text(rec.name),
                Param::Text(rec.action.as_str()),
                Param::OptText(rec.checksum),
                Param::Text(rec.executed_by),
                Param::Text(env!("CARGO_PKG_VERSION")),
                Param::OptText(backup_path.as_deref()),
                Param::OptBigInt(backup_bytes),
                Param::OptText(backup_sha256),
            ],
        }
        .execute(self)
        .map(drop)
    }

    /// One statement for all steps, the rows passed as arrays, where a
    /// statement per step cost a round trip and a parse and plan of its
    /// own; step by step wherever one statement could not say it: a
    /// version twice (a row cannot change twice in one statement) or a
    /// "started" row.
    fn write_all(
        &mut self,
        node: node_history::Columns,
        steps: &[(Record<'_>, DieselChange, NodeChange)],
    ) -> QueryResult<()> {
        let versions: BTreeSet<&str> = steps.iter().map(|(rec, ..)| rec.version).collect();
        let one_statement =
            versions.len() == steps.len() && steps.iter().all(|(.., n)| *n != NodeChange::Started);
        if !one_statement {
            return super::write_each(self, node, steps);
        }
        if steps.is_empty() {
            return Ok(());
        }
        let records: Vec<&Record<'_>> = steps.iter().map(|(rec, ..)| rec).collect();
        let backups: Vec<_> = records.iter().map(|r| r.backup_columns()).collect();
        let diesel_changes: Vec<&str> = steps
            .iter()
            .map(|(_, d, _)| match d {
                DieselChange::Add => "add",
                DieselChange::Remove => "remove",
                DieselChange::Keep => "keep",
            })
            .collect();
        let node_changes: Vec<&str> = steps
            .iter()
            .map(|(.., n)| match n {
                NodeChange::Upsert | NodeChange::Started => "upsert",
                NodeChange::Remove => "remove",
                NodeChange::Keep => "keep",
            })
            .collect();
        // Columns of `r`, numbered as upsert_sql's parameters (1–7), then ours.
        let upsert =
            node_history::upsert_rows_sql(node, &DIALECT, "r WHERE r.node = 'upsert'", |n| {
                [
                    "version",
                    "title",
                    "description",
                    "success",
                    "error",
                    "ms",
                    "os_user",
                ]
                .get(n - 1)
                .map(|c| format!("r.{c}"))
                .unwrap_or_default()
            });
        diesel::sql_query(format!(
            "WITH r AS (SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
             $13, $14, $15, $16) WITH ORDINALITY AS r(version, title, description, success, error, \
             ms, os_user, name, action, checksum, executed_by, backup_path, backup_bytes, \
             backup_sha256, diesel, node, ord)), \
             d_add AS (INSERT INTO __diesel_schema_migrations (version) \
               SELECT r.version FROM r WHERE r.diesel = 'add'), \
             d_remove AS (DELETE FROM __diesel_schema_migrations \
               WHERE version IN (SELECT r.version FROM r WHERE r.diesel = 'remove')), \
             n_upsert AS ({upsert}), \
             n_remove AS (DELETE FROM migrations \
               WHERE id IN (SELECT r.version FROM r WHERE r.node = 'remove')) \
             INSERT INTO bxm_migration_actions (version, name, action, success, execution_time_ms, \
               checksum, executed_by, tool_version, error, backup_path, backup_bytes, backup_sha256) \
             SELECT r.version, r.name, r.action, r.success, r.ms, r.checksum, r.executed_by, $17, \
               r.error, r.backup_path, r.backup_bytes, r.backup_sha256 FROM r ORDER BY r.ord"
        ))
        .bind::<Array<Text>, _>(records.iter().map(|r| r.version).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(records.iter().map(|r| r.title).collect::<Vec<_>>())
        .bind::<Array<Nullable<Text>>, _>(records.iter().map(|r| r.description).collect::<Vec<_>>())
        .bind::<Array<Bool>, _>(records.iter().map(|r| r.success).collect::<Vec<_>>())
        .bind::<Array<Nullable<Text>>, _>(records.iter().map(|r| r.error).collect::<Vec<_>>())
        .bind::<Array<Nullable<BigInt>>, _>(
            records
                .iter()
                .map(|r| r.execution_time_ms)
                .collect::<Vec<_>>(),
        )
        .bind::<Array<Text>, _>(records.iter().map(|r| r.os_user).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(records.iter().map(|r| r.name).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(
            records
                .iter()
                .map(|r| r.action.as_str())
                .collect::<Vec<_>>(),
        )
        .bind::<Array<Nullable<Text>>, _>(records.iter().map(|r| r.checksum).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(records.iter().map(|r| r.executed_by).collect::<Vec<_>>())
        .bind::<Array<Nullable<Text>>, _>(backups.iter().map(|b| b.0.as_deref()).collect::<Vec<_>>())
        .bind::<Array<Nullable<BigInt>>, _>(backups.iter().map(|b| b.1).collect::<Vec<_>>())
        .bind::<Array<Nullable<Text>>, _>(backups.iter().map(|b| b.2).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(diesel_changes)
        .bind::<Array<Text>, _>(node_changes)
        .bind::<Text, _>(env!("CARGO_PKG_VERSION"))
        .execute(self)
        .map(drop)
    }

    fn read_schema(&mut self, up_sqls: &[&str]) -> Result<(Objects, Objects)> {
        drift::postgres::read(self, up_sqls)
    }

    fn invalid_indexes(&mut self) -> Vec<String> {
        diesel::sql_query(
            "SELECT c.relname::text AS value FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid ORDER BY 1",
        )
        .load::<TextValue>(self)
        .unwrap_or_default()
        .into_iter()
        .map(|i| i.value)
        .collect()
    }

    fn backup(&mut self, target: &Target, path: &Path, lock_timeout: Duration) -> Result<()> {
        backup::pg_dump(target, path, lock_timeout)
    }
}

/// A bind value of a [`CachedSql`] statement.
enum Param<'a> {
    Text(&'a str),
    OptText(Option<&'a str>),
    Bool(bool),
    OptBigInt(Option<i64>),
}

/// A PostgreSQL statement Diesel keeps prepared for the connection's life,
/// keyed by its text. `sql_query` statements are never cached, so each one
/// is parsed and planned again: for the record written with every
/// migration, that was a third of its cost. `$n` in `sql` is `params[n-1]`
/// (a number may appear more than once).
struct CachedSql<'a> {
    sql: String,
    params: Vec<Param<'a>>,
}

impl diesel::query_builder::QueryId for CachedSql<'_> {
    type QueryId = ();
    // The text, not the type, identifies the statement in Diesel's cache.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for CachedSql<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{BigInt, Nullable, Text};
        // Each `$n` becomes one bind of its own, in order of appearance.
        let mut rest = self.sql.as_str();
        while let Some(at) = rest.find('$') {
            out.push_sql(&rest[..at]);
            let digits = rest[at + 1..]
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len() - at - 1);
            let number: usize = rest[at + 1..at + 1 + digits].parse().map_err(|_| {
                diesel::result::Error::QueryBuilderError(
                    format!("no parameter number in {}", self.sql).into(),
                )
            })?;
            match self.params.get(number.wrapping_sub(1)) {
                Some(Param::Text(v)) => out.push_bind_param::<Text, _>(v)?,
                Some(Param::OptText(v)) => out.push_bind_param::<Nullable<Text>, _>(v)?,
                Some(Param::Bool(v)) => out.push_bind_param::<Bool, _>(v)?,
                Some(Param::OptBigInt(v)) => out.push_bind_param::<Nullable<BigInt>, _>(v)?,
                None => {
                    return Err(diesel::result::Error::QueryBuilderError(
                        format!("no parameter ${number} for {}", self.sql).into(),
                    ));
                }
            }
            rest = &rest[at + 1 + digits..];
        }
        out.push_sql(rest);
        Ok(())
    }
}

impl<C> RunQueryDsl<C> for CachedSql<'_> {}
