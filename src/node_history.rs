//! The Node.js runner's `migrations` table, which every existing BuildXpert
//! database has: one row per migration keyed by its version (`id`),
//! upserted on every re-run, `success = true` meaning done. Both runners
//! read and write it, so either can take over a database: the Node runner's
//! own check (`SELECT id FROM migrations WHERE id = $1 AND success = TRUE`)
//! finds what this binary applied, and this binary adopts what the Node
//! runner did. Times are Asia/Kolkata local time without a zone, as the
//! Node runner's sessions wrote them, so `ORDER BY executed_at` sorts both
//! runners' rows together.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};

use crate::config::{Backend, ByBackend};
use crate::engine::{self, AnyConnection};
use crate::error::{Error, Result};

/// The Node runner's time conventions, per backend.
struct Sql {
    /// Its `executed_at` (Asia/Kolkata, no zone) as RFC 3339 in UTC.
    executed_at: &'static str,
    /// The same from the `timestamp with time zone` of its later releases.
    executed_at_zoned: &'static str,
    /// Now, as its sessions wrote it: Asia/Kolkata, no zone.
    now: &'static str,
    /// Now, as its later releases write it into a zoned column.
    now_zoned: &'static str,
    /// Its DDL default for `executed_at`.
    default_now: &'static str,
    /// Its `execution_time_ms INTEGER` from a bigint expression.
    execution_time: fn(&str) -> String,
}

static SQL: ByBackend<Sql> = ByBackend {
    postgres: Sql {
        executed_at: "to_char(executed_at AT TIME ZONE 'Asia/Kolkata' AT TIME ZONE 'UTC', \
             'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
        executed_at_zoned: "to_char(executed_at AT TIME ZONE 'UTC', \
             'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
        now: "(now() AT TIME ZONE 'Asia/Kolkata')",
        now_zoned: "now()",
        default_now: "NOW()",
        // LEAST(NULL, n) is n in PostgreSQL: an unknown time stays NULL.
        execution_time: |t| {
            format!("CASE WHEN {t} IS NULL THEN NULL ELSE LEAST({t}, 2147483647) END::integer")
        },
    },
    sqlite: Sql {
        executed_at: "strftime('%Y-%m-%dT%H:%M:%fZ', executed_at, '-330 minutes')",
        executed_at_zoned: "strftime('%Y-%m-%dT%H:%M:%fZ', executed_at, '-330 minutes')",
        now: "strftime('%Y-%m-%d %H:%M:%f', 'now', '+330 minutes')",
        now_zoned: "strftime('%Y-%m-%d %H:%M:%f', 'now', '+330 minutes')",
        // The Node runner's own DDL (SQLite has no now()).
        default_now: "CURRENT_TIMESTAMP",
        execution_time: str::to_string,
    },
};

/// The advisory lock the Node runner takes for a whole run (its later
/// releases refuse to start while it is held).
pub const LOCK_KEY: i64 = 1_234_567_890;

/// The Node runner's seven columns, in order, with their PostgreSQL types.
const BASE: [(&str, &str); 7] = [
    ("id", "character varying(10)"),
    ("name", "text"),
    ("description", "text"),
    // Later releases (T2): `timestamp with time zone`, accepted below.
    ("executed_at", "timestamp without time zone"),
    ("success", "boolean"),
    ("error_message", "text"),
    ("execution_time_ms", "integer"),
];

/// Columns later Node releases add, reused only with their types and
/// meanings: `executed_by` (the OS user), `version` (a re-run counter),
/// `checksum` (the version id, not a hash: our SHA-256 stays out of it).
const LATER: [(&str, &str); 3] = [
    ("executed_by", "text"),
    ("version", "integer"),
    ("checksum", "text"),
];

/// One column of the table as found.
#[derive(Debug, Clone)]
pub struct FoundColumn {
    pub name: String,
    /// `format_type` on PostgreSQL, the declared type on SQLite (lowercase).
    pub type_name: String,
    /// Whether an insert may leave it out (nullable or with a default).
    pub optional: bool,
}

/// Which of the later releases' columns the table has (with the Node types).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Columns {
    pub executed_by: bool,
    pub version: bool,
    pub checksum: bool,
    /// The table has a column of that name, usable or not (one of another
    /// type is left as it is: neither written nor added again).
    pub has_executed_by: bool,
    pub has_version: bool,
    /// `executed_at` is a `timestamp with time zone` (the Node runner's
    /// releases from 5c8c8a4 on create it so).
    pub executed_at_zoned: bool,
    /// The most characters `id` holds (`VARCHAR(10)` in every Node release);
    /// `None` when unbounded.
    pub id_chars: Option<usize>,
}

/// The Node runner's `id VARCHAR(10)`.
const NODE_ID_CHARS: usize = 10;

impl Columns {
    /// Whether `version` fits in `id`. Longer ones (Diesel's 14-digit
    /// timestamps, from `--migration-dir`) get no row: the Node runner's
    /// own versions never need one, and widening its key is not ours to do.
    pub fn fits(&self, version: &str) -> bool {
        self.id_chars.is_none_or(|n| version.chars().count() <= n)
    }
}

/// The length limit of a `character varying(N)` / `varchar(N)` type.
fn char_limit(type_name: &str) -> Option<usize> {
    let inner = type_name
        .strip_prefix("character varying(")
        .or_else(|| type_name.strip_prefix("varchar("))?;
    inner.strip_suffix(')')?.trim().parse().ok()
}

/// Accepts the Node runner's table (any release) and refuses anything else,
/// returning which later columns can be written.
pub fn check_shape(found: &[FoundColumn], strict_types: bool) -> Result<Columns> {
    let type_of = |name: &str| {
        found
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.type_name.as_str())
    };
    // SQLite's declared types are affinities: names must match, types need not.
    let text_like = |t: &str| t == "text" || t.starts_with("character varying");
    let zoned = type_of("executed_at") == Some("timestamp with time zone");
    let same_type = |found: &str, wanted: &str| {
        !strict_types
            || found == wanted
            || (text_like(wanted) && text_like(found))
            || (wanted == "timestamp without time zone" && zoned)
    };
    let base_ok = BASE
        .iter()
        .all(|(name, wanted)| type_of(name).is_some_and(|t| same_type(t, wanted)));
    let usable = |name: &str| {
        LATER
            .iter()
            .find(|(n, _)| *n == name)
            .is_some_and(|(_, wanted)| type_of(name).is_some_and(|t| same_type(t, wanted)))
    };
    let others_optional = found
        .iter()
        .filter(|c| !BASE.iter().any(|(n, _)| *n == c.name) && !usable(&c.name))
        .all(|c| c.optional);
    if !base_ok || !others_optional {
        return Err(Error::ForeignHistoryTable {
            columns: found
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(Columns {
        executed_by: usable("executed_by"),
        version: usable("version"),
        checksum: usable("checksum"),
        has_executed_by: type_of("executed_by").is_some(),
        has_version: type_of("version").is_some(),
        executed_at_zoned: zoned && strict_types,
        // SQLite does not enforce a VARCHAR length.
        id_chars: type_of("id").filter(|_| strict_types).and_then(char_limit),
    })
}

/// The statements that create the table, or add the two later columns we
/// use to a table that lacks them (the binary may add nullable columns,
/// with the Node releases' own types, so a later Node release finds its
/// columns already there). `None` when nothing is needed.
pub fn ddl(found: Option<Columns>, backend: Backend) -> Option<String> {
    let now = SQL.get(backend).default_now;
    match found {
        None => Some(format!(
            "CREATE TABLE IF NOT EXISTS migrations (\
             id VARCHAR({NODE_ID_CHARS}) PRIMARY KEY, name TEXT NOT NULL, description TEXT, \
             executed_at TIMESTAMP DEFAULT {now}, success BOOLEAN DEFAULT TRUE, \
             error_message TEXT, execution_time_ms INTEGER, executed_by TEXT, \
             version INTEGER DEFAULT 1)"
        )),
        Some(columns) => {
            let mut sql = Vec::new();
            if !columns.has_executed_by {
                sql.push("ALTER TABLE migrations ADD COLUMN executed_by TEXT");
            }
            if !columns.has_version {
                sql.push("ALTER TABLE migrations ADD COLUMN version INTEGER DEFAULT 1");
            }
            (!sql.is_empty()).then(|| sql.join(";\n"))
        }
    }
}

/// The columns after [`ddl`] ran.
pub fn after_ddl(found: Option<Columns>, strict_types: bool) -> Columns {
    let created = strict_types.then_some(NODE_ID_CHARS);
    Columns {
        executed_by: found.is_none_or(|c| c.executed_by || !c.has_executed_by),
        version: found.is_none_or(|c| c.version || !c.has_version),
        checksum: found.is_some_and(|c| c.checksum),
        has_executed_by: true,
        has_version: true,
        executed_at_zoned: found.is_some_and(|c| c.executed_at_zoned),
        id_chars: found.map_or(created, |c| c.id_chars),
    }
}

/// Whether `id` has a primary key or unique index of its own: the upsert
/// both runners do (`ON CONFLICT (id)`) needs one.
static UNIQUE_ID: ByBackend<&str> = ByBackend {
    postgres: "SELECT EXISTS (SELECT FROM pg_index i JOIN pg_attribute a \
         ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] \
         WHERE i.indrelid = to_regclass('migrations') AND i.indisunique \
         AND i.indnkeyatts = 1 AND i.indpred IS NULL AND a.attname = 'id') AS ok",
    sqlite: "SELECT EXISTS (SELECT 1 FROM pragma_index_list('migrations') l \
         WHERE l.\"unique\" = 1 AND l.partial = 0 \
         AND (SELECT group_concat(name) FROM pragma_index_info(l.name)) = 'id') \
         OR (SELECT group_concat(name) FROM pragma_table_info('migrations') WHERE pk > 0) = 'id' \
         AS ok",
};

/// Refuses a table whose `id` is not unique (exit 8, before anything runs).
pub fn check_unique_id(conn: &mut AnyConnection) -> Result<()> {
    #[derive(QueryableByName)]
    struct Answer {
        #[diesel(sql_type = Bool)]
        ok: bool,
    }
    let unique = diesel::sql_query(*UNIQUE_ID.get(engine::backend(conn)))
        .get_result::<Answer>(conn)
        .map_err(|e| Error::from_db("checking the migrations table's key", &e))?
        .ok;
    if unique {
        return Ok(());
    }
    Err(Error::NodeTableUnusable {
        problem: "its id column has no primary key or unique index, which the upsert both \
                  runners do needs"
            .to_string(),
        fix: "ALTER TABLE migrations ADD PRIMARY KEY (id)".to_string(),
    })
}

/// One row, as read back; `executed_at` as RFC 3339 in UTC.
#[derive(Debug, Clone, QueryableByName)]
pub struct NodeRow {
    #[diesel(sql_type = Text)]
    pub id: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub executed_at: Option<String>,
    #[diesel(sql_type = Bool)]
    pub success: bool,
    #[diesel(sql_type = Nullable<Text>)]
    pub error_message: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub execution_time_ms: Option<i64>,
}

/// Every row, by version. A NULL `success` is not done (the Node runner
/// checks `success = TRUE`).
pub fn read_rows(conn: &mut AnyConnection, columns: Columns) -> Result<BTreeMap<String, NodeRow>> {
    let sql = SQL.get(engine::backend(conn));
    let executed_at = if columns.executed_at_zoned {
        sql.executed_at_zoned
    } else {
        sql.executed_at
    };
    let query = format!(
        "SELECT CAST(id AS TEXT) AS id, name, {executed_at} AS executed_at, \
         coalesce(success, FALSE) AS success, error_message, \
         CAST(execution_time_ms AS BIGINT) AS execution_time_ms FROM migrations"
    );
    Ok(diesel::sql_query(query)
        .load::<NodeRow>(conn)
        .map_err(|e| Error::from_db("reading the migrations table", &e))?
        .into_iter()
        .map(|row| (row.id.clone(), row))
        .collect())
}

/// The upsert the Node runner does on every (re-)run, for the columns the
/// table has. Parameters (`$n`): 1 version, 2 title,
/// 3 description, 4 success, 5 error message, 6 execution time (ms),
/// 7 OS user. Only a `counted` outcome bumps the Node runner's re-run
/// counter: the "started" row written before a migration that runs outside
/// a transaction inserts 0 and keeps the counter, so the outcome that
/// follows it counts the run once.
pub fn upsert_sql(columns: Columns, backend: Backend, counted: bool) -> String {
    let (names, values, updates) = upsert_parts(columns, backend, counted, |n| format!("${n}"));
    format!(
        "INSERT INTO migrations ({names}) VALUES ({values}) ON CONFLICT (id) DO UPDATE SET \
         {updates}"
    )
}

/// [`upsert_sql`] for every row of `source` at once (counted outcomes;
/// PostgreSQL's one-statement write uses it), `p(n)` naming the source's
/// column that stands for parameter n.
pub fn upsert_rows_sql(
    columns: Columns,
    backend: Backend,
    source: &str,
    p: impl Fn(usize) -> String,
) -> String {
    let (names, values, updates) = upsert_parts(columns, backend, true, p);
    format!(
        "INSERT INTO migrations ({names}) SELECT {values} FROM {source} ON CONFLICT (id) DO \
         UPDATE SET {updates}"
    )
}

/// The upsert's column list, values and updates, comma-separated.
fn upsert_parts(
    columns: Columns,
    backend: Backend,
    counted: bool,
    p: impl Fn(usize) -> String,
) -> (String, String, String) {
    let sql = SQL.get(backend);
    let time = (sql.execution_time)(&p(6));
    let mut names = vec![
        "id",
        "name",
        "description",
        "executed_at",
        "success",
        "error_message",
        "execution_time_ms",
    ];
    let now = if columns.executed_at_zoned {
        sql.now_zoned
    } else {
        sql.now
    };
    let mut values = vec![p(1), p(2), p(3), now.to_string(), p(4), p(5), time];
    let mut updates: Vec<String> = names[1..]
        .iter()
        .map(|n| format!("{n} = excluded.{n}"))
        .collect();
    if columns.executed_by {
        names.push("executed_by");
        values.push(p(7));
        updates.push("executed_by = excluded.executed_by".to_string());
    }
    if columns.version {
        names.push("version");
        values.push(if counted { "1" } else { "0" }.to_string());
        if counted {
            // A NULL counter still stands for a run (the column's default
            // is 1); a started row's 0 becomes 1.
            updates.push("version = coalesce(migrations.version, 1) + 1".to_string());
        }
    }
    if columns.checksum {
        names.push("checksum");
        values.push(p(1));
        updates.push("checksum = excluded.checksum".to_string());
    }
    (names.join(", "), values.join(", "), updates.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, type_name: &str, optional: bool) -> FoundColumn {
        FoundColumn {
            name: name.to_string(),
            type_name: type_name.to_string(),
            optional,
        }
    }

    fn node_table(extra: &[FoundColumn]) -> Vec<FoundColumn> {
        BASE.iter()
            .map(|(n, t)| column(n, t, *n != "id" && *n != "name"))
            .chain(extra.iter().cloned())
            .collect()
    }

    #[test]
    fn every_node_release_is_accepted_and_later_columns_used_with_their_types() {
        let first = check_shape(&node_table(&[]), true).unwrap();
        assert_eq!(
            first,
            Columns {
                id_chars: Some(10),
                ..Columns::default()
            }
        );
        assert!(first.fits("005") && !first.fits("20240101000000"));
        let later = node_table(&[
            column("executed_by", "text", true),
            column("checksum", "text", true),
            column("version", "integer", true),
        ]);
        assert_eq!(
            check_shape(&later, true).unwrap(),
            Columns {
                executed_by: true,
                version: true,
                checksum: true,
                has_executed_by: true,
                has_version: true,
                executed_at_zoned: false,
                id_chars: Some(10),
            }
        );
        // Same name, another type: not ours to write, nor to add again, but
        // no reason to refuse. A varchar holds the OS user as well as text.
        let odd = node_table(&[
            column("version", "text", true),
            column("executed_by", "character varying(100)", true),
        ]);
        let odd = check_shape(&odd, true).unwrap();
        assert!(!odd.version && odd.has_version && odd.executed_by);
        assert_eq!(ddl(Some(odd), Backend::Postgres), None);
        assert!(!after_ddl(Some(odd), true).version);
    }

    #[test]
    fn other_shapes_are_refused() {
        let ours_before = vec![
            column("id", "bigint", false),
            column("version", "text", false),
            column("name", "text", false),
        ];
        assert!(check_shape(&ours_before, true).is_err());
        let required_extra = node_table(&[column("tenant", "text", false)]);
        assert!(check_shape(&required_extra, true).is_err());
    }

    #[test]
    fn the_upsert_counts_re_runs_and_keeps_hashes_out_of_checksum() {
        let all = Columns {
            executed_by: true,
            version: true,
            checksum: true,
            has_executed_by: true,
            has_version: true,
            executed_at_zoned: false,
            id_chars: Some(10),
        };
        let sql = upsert_sql(all, Backend::Postgres, true);
        assert!(
            sql.contains("version = coalesce(migrations.version, 1) + 1"),
            "{sql}"
        );
        let started = upsert_sql(all, Backend::Postgres, false);
        assert!(!started.contains("version = "), "{started}");
        assert!(sql.contains("ON CONFLICT (id) DO UPDATE"), "{sql}");
        // checksum receives the version id ($1), as the Node runner writes it.
        assert!(sql.contains("1, $1)"), "{sql}");
    }
}
