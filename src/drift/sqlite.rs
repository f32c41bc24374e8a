//! The SQLite side of the comparison: the replay runs in an in-memory
//! database, and both sides are read from `sqlite_master` and its pragmas.

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

/// (What the replay created, what the live database has.)
pub(crate) fn read(live: &mut SqliteConnection, up_sqls: &[&str]) -> Result<(Objects, Objects)> {
    let mut scratch = SqliteConnection::establish(":memory:").map_err(|e| Error::Database {
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
    let replayed = read_catalog(&mut scratch)
        .map_err(|e| Error::from_db("reading the replayed schema", &e))?;
    // One read transaction, so a migration committing meanwhile cannot
    // show half of its change.
    AnsiTransactionManager::begin_transaction(live)
        .map_err(|e| Error::from_db("starting to read the schema", &e))?;
    let found = read_catalog(live);
    let ended = AnsiTransactionManager::rollback_transaction(live);
    let found = found.map_err(|e| Error::from_db("reading the schema", &e))?;
    ended.map_err(|e| Error::from_db("ending the read of the schema", &e))?;
    Ok((replayed, found))
}

fn read_catalog(conn: &mut SqliteConnection) -> QueryResult<Objects> {
    let mut objects = Objects::default();
    for t in diesel::sql_query(TABLES).load::<Named>(conn)? {
        let table = Table {
            definition: Some(t.def),
            ..Table::default()
        };
        objects.tables.insert(t.tbl, table);
    }
    for c in diesel::sql_query(COLUMNS).load::<LiteColumn>(conn)? {
        if let Some(table) = objects.tables.get_mut(&c.tbl) {
            table.columns.push(Column {
                name: c.name,
                type_name: c.type_name,
                not_null: c.not_null,
                default: c.default_expr,
                extra: match c.pk {
                    0 => String::new(),
                    1 => "PRIMARY KEY".to_string(),
                    n => format!("PRIMARY KEY (part {n})"),
                },
            });
        }
    }
    for i in diesel::sql_query(INDEXES).load::<LiteIndex>(conn)? {
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
    for k in diesel::sql_query(FOREIGN_KEYS).load::<ForeignKey>(conn)? {
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
    for t in diesel::sql_query(TRIGGERS).load::<Named>(conn)? {
        if let Some(table) = objects.tables.get_mut(&t.tbl) {
            table.triggers.insert(t.name, t.def);
        }
    }
    Ok(objects)
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
