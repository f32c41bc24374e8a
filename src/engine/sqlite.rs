//! SQLite: foreign keys switched on per connection, IMMEDIATE transactions
//! for writers (which also keep out writers that are not us), numbered
//! statements, and the schema read from `sqlite_master` and its pragmas.

use std::collections::BTreeMap;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};

use super::numbered::Numbered;
use super::{Dialect, Engine, Named};
use crate::config::{self, Backend, Settings, Target};
use crate::error::{Error, Result};
use crate::objects::{Column, Index, Objects, Table};
use crate::records::Param;

/// The run's session settings.
fn setup(settings: &Settings) -> String {
    format!(
        "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {}",
        settings.lock_wait.as_millis()
    )
}

static DIALECT: Dialect = Dialect {
    backend: Backend::Sqlite,
    strict_types: false,
    one_statement_writes: false,
};

impl Engine for SqliteConnection {
    fn dialect(&self) -> &'static Dialect {
        &DIALECT
    }

    /// Foreign keys are off by default in SQLite; the schema relies on them.
    /// Reading schema_version makes SQLite open the file now, so a file that
    /// is not a database is reported as such before anything else.
    fn prepare(&mut self, target: &Target, settings: &Settings) -> Result<()> {
        let setup = format!("{}; PRAGMA schema_version", setup(settings));
        self.batch_execute(&setup).map_err(|e| match &e {
            diesel::result::Error::DatabaseError(_, info)
                if info.message().contains("not a database") =>
            {
                Error::Connect {
                    target: target.to_string(),
                    reason: info.message().to_string(),
                    hint: "The file exists but is not a SQLite database: point DATABASE_URL at \
                           the right file"
                        .to_string(),
                }
            }
            _ => Error::from_db("preparing the session", &e),
        })
    }

    /// (Inside a transaction `foreign_keys` cannot change, neither by the
    /// migration nor here.)
    fn reset_sql(&self, settings: &Settings) -> String {
        setup(settings)
    }

    /// The busy timeout is the connection's, set once.
    fn statement_limits(&self, _settings: &Settings) -> String {
        String::new()
    }

    fn begin_write_and(&mut self, also: &str) -> QueryResult<()> {
        self.begin_write()?;
        let done = self.batch_execute(also);
        if done.is_err() {
            let _ = AnsiTransactionManager::rollback_transaction(self);
        }
        done
    }

    /// Tried first without waiting: when another process is writing (the
    /// application, another tool), a line says what the run waits for, then
    /// it waits up to the busy timeout (`--lock-wait`).
    fn begin_write(&mut self) -> QueryResult<()> {
        #[derive(QueryableByName)]
        struct Timeout {
            #[diesel(sql_type = BigInt)]
            timeout: i64,
        }
        let wait = diesel::sql_query("PRAGMA busy_timeout")
            .get_result::<Timeout>(self)?
            .timeout;
        self.batch_execute("PRAGMA busy_timeout = 0")?;
        let first = AnsiTransactionManager::begin_transaction_sql(self, "BEGIN IMMEDIATE");
        self.batch_execute(&format!("PRAGMA busy_timeout = {wait}"))?;
        match first {
            Err(diesel::result::Error::DatabaseError(_, info))
                if info.message().contains("database is locked") =>
            {
                log::warn!(
                    "another process is writing to the SQLite file (an open write \
                     transaction); waiting up to {}s for it (--lock-wait)",
                    wait / 1000
                );
                AnsiTransactionManager::begin_transaction_sql(self, "BEGIN IMMEDIATE")
            }
            other => other,
        }
    }

    /// A deferred transaction holds SQLite's shared lock from its first
    /// read; inside a transaction, a savepoint of it.
    fn begin_snapshot(&mut self) -> QueryResult<()> {
        if AnsiTransactionManager::transaction_manager_status_mut(self)
            .transaction_depth()?
            .is_some()
        {
            return AnsiTransactionManager::begin_transaction(self);
        }
        AnsiTransactionManager::begin_transaction_sql(self, "BEGIN")
    }

    fn in_clear_text(&mut self) -> Result<bool> {
        Ok(false)
    }

    /// SQLite has no users: the operating-system account is the honest answer.
    fn current_user(&mut self) -> Result<String> {
        Ok(config::os_user())
    }

    fn describe_session(&mut self) -> Option<String> {
        None
    }

    fn busy(&self, message: &str) -> Option<Error> {
        message
            .contains("database is locked")
            .then(|| Error::LockTimeout {
                holder: "another process is writing to the SQLite file".to_string(),
            })
    }

    fn server_major(&mut self) -> QueryResult<Option<i32>> {
        Ok(None)
    }

    fn statement_timeout(&mut self) -> Option<String> {
        None
    }

    fn execute(&mut self, sql: &str, params: &[Param<'_>], cache: bool) -> QueryResult<usize> {
        Numbered { sql, params, cache }.execute(self)
    }

    fn invalid_indexes(&mut self) -> QueryResult<Vec<String>> {
        Ok(Vec::new())
    }

    fn read_objects(&mut self, _schema: &str) -> QueryResult<Objects> {
        let mut objects = Objects::default();
        for t in diesel::sql_query(TABLES).load::<Named>(self)? {
            let table = Table {
                definition: Some(t.def),
                ..Table::default()
            };
            objects.tables.insert(t.tbl, table);
        }
        for c in diesel::sql_query(COLUMNS).load::<LiteColumn>(self)? {
            if let Some(table) = objects.tables.get_mut(&c.tbl) {
                table.columns.push(Column {
                    name: c.name,
                    type_name: c.type_name,
                    not_null: c.not_null,
                    collation: None,
                    default: c.default_expr,
                    extra: match c.pk {
                        0 => String::new(),
                        1 => "PRIMARY KEY".to_string(),
                        n => format!("PRIMARY KEY (part {n})"),
                    },
                });
            }
        }
        for i in diesel::sql_query(INDEXES).load::<LiteIndex>(self)? {
            let Some(table) = objects.tables.get_mut(&i.tbl) else {
                continue;
            };
            match (i.origin.as_str(), i.def) {
                // CREATE INDEX: its text says everything.
                ("c", Some(definition)) => {
                    let index = Index {
                        definition,
                        valid: true,
                    };
                    table.indexes.insert(i.name, index);
                }
                // The sqlite_autoindex_* behind a UNIQUE column or clause is
                // numbered by position; the columns it covers are what count,
                // named the way PostgreSQL would name the constraint.
                ("u", _) => {
                    let name = format!("{}_{}_key", i.tbl, i.columns.replace(", ", "_"));
                    let definition = format!("UNIQUE ({})", i.columns);
                    insert_unique(&mut table.constraints, name, definition);
                }
                // The primary key is in the columns (pk).
                _ => {}
            }
        }
        // Grouped by (table, id): one entry per column of a key.
        let mut keys: BTreeMap<(String, i64), Vec<ForeignKey>> = BTreeMap::new();
        for k in diesel::sql_query(FOREIGN_KEYS).load::<ForeignKey>(self)? {
            keys.entry((k.tbl.clone(), k.id)).or_default().push(k);
        }
        for ((tbl, _), parts) in keys {
            let Some(table) = objects.tables.get_mut(&tbl) else {
                continue;
            };
            let first = &parts[0];
            let from: Vec<&str> = parts.iter().map(|p| p.from_column.as_str()).collect();
            let to: Option<Vec<&str>> = parts.iter().map(|p| p.to_column.as_deref()).collect();
            let mut definition = format!(
                "FOREIGN KEY ({}) REFERENCES {}",
                from.join(", "),
                first.target
            );
            if let Some(to) = to {
                definition.push_str(&format!("({})", to.join(", ")));
            }
            for (event, action) in [("UPDATE", &first.on_update), ("DELETE", &first.on_delete)] {
                if action != "NO ACTION" {
                    definition.push_str(&format!(" ON {event} {action}"));
                }
            }
            let name = format!("{tbl}_{}_fkey", from.join("_"));
            insert_unique(&mut table.constraints, name, definition);
        }
        for t in diesel::sql_query(TRIGGERS).load::<Named>(self)? {
            if let Some(table) = objects.tables.get_mut(&t.tbl) {
                table.triggers.insert(t.name, t.def);
            }
        }
        for v in diesel::sql_query(VIEWS).load::<Named>(self)? {
            objects.views.insert(v.name, v.def);
        }
        Ok(objects)
    }
}

/// Made-up names can collide (two keys on one column): number the later.
fn insert_unique(into: &mut BTreeMap<String, String>, name: String, definition: String) {
    let mut key = name.clone();
    let mut n = 1;
    while into.contains_key(&key) {
        n += 1;
        key = format!("{name}{n}");
    }
    into.insert(key, definition);
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

/// A table of the schema's own (SQLite's internal ones, such as
/// sqlite_sequence, are not the migrations').
macro_rules! own_table {
    () => {
        "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    };
}

// One query per kind of object, as on PostgreSQL.
const TABLES: &str = concat!(
    "SELECT m.name AS tbl, m.name AS name, coalesce(m.sql, '') AS def \
     FROM sqlite_master m WHERE ",
    own_table!()
);

const COLUMNS: &str = concat!(
    "SELECT m.name AS tbl, p.name AS name, p.type AS type_name, p.\"notnull\" AS not_null, \
     p.dflt_value AS default_expr, p.pk AS pk \
     FROM sqlite_master m, pragma_table_info(m.name) p WHERE ",
    own_table!(),
    " ORDER BY m.name, p.cid"
);

const INDEXES: &str = concat!(
    "SELECT m.name AS tbl, il.name AS name, il.origin AS origin, s.sql AS def, \
     coalesce((SELECT group_concat(name, ', ') FROM (SELECT ii.name AS name \
     FROM pragma_index_info(il.name) ii ORDER BY ii.seqno)), '') AS columns \
     FROM sqlite_master m, pragma_index_list(m.name) il \
     LEFT JOIN sqlite_master s ON s.type = 'index' AND s.name = il.name WHERE ",
    own_table!()
);

const FOREIGN_KEYS: &str = concat!(
    "SELECT m.name AS tbl, f.id AS id, f.\"table\" AS target, f.\"from\" AS from_column, \
     f.\"to\" AS to_column, f.on_update AS on_update, f.on_delete AS on_delete \
     FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE ",
    own_table!(),
    " ORDER BY m.name, f.id, f.seq"
);

const TRIGGERS: &str = "SELECT tbl_name AS tbl, name AS name, coalesce(sql, '') AS def \
     FROM sqlite_master WHERE type = 'trigger'";

const VIEWS: &str = "SELECT '' AS tbl, name AS name, coalesce(sql, '') AS def \
     FROM sqlite_master WHERE type = 'view'";
