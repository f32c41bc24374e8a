//! The schema itself: every down.sql undoes its up.sql, every up.sql is
//! idempotent, and the PostgreSQL and SQLite sets describe the same schema.

use diesel::backend::Backend;
use diesel::connection::BoxableConnection;
use diesel::migration::{Migration, MigrationSource};
use diesel::pg::Pg;
use diesel::sqlite::Sqlite;
use diesel_migrations::MigrationHarness;

use buildxpert_migrate::catalog::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};

use crate::support::{PgDb, SqliteDb, TABLES_BY_MIGRATION, assert_same_schema, migrate};

/// Applies each migration in turn and checks that its tables appear, that
/// running its up.sql again changes nothing, and that down then restores the
/// schema exactly; finally reverting everything leaves the empty schema.
fn round_trip<C, DB>(
    conn: &mut C,
    migrations: &[Box<dyn Migration<DB>>],
    dump: impl Fn() -> String,
    has_table: impl Fn(&str, &str) -> bool,
) where
    DB: Backend,
    C: MigrationHarness<DB> + BoxableConnection<DB>,
{
    conn.applied_migrations().unwrap(); // creates Diesel's table up front
    let empty = dump();
    for (migration, (_, tables)) in migrations.iter().zip(TABLES_BY_MIGRATION) {
        let name = migration.name().to_string();
        let before = dump();
        conn.run_migration(migration).unwrap();
        let after_up = dump();
        for table in tables {
            assert!(has_table(&after_up, table), "{name} did not create {table}");
        }
        migration.run(conn).unwrap();
        assert_same_schema(&dump(), &after_up, &format!("{name} run twice"));
        conn.revert_migration(migration).unwrap();
        assert_same_schema(&dump(), &before, &format!("{name} up then down"));
        conn.run_migration(migration).unwrap();
    }
    for migration in migrations.iter().rev() {
        conn.revert_migration(migration).unwrap();
    }
    assert_same_schema(&dump(), &empty, "all reverted");
}

#[test]
fn postgres_each_down_undoes_its_up_and_each_up_is_idempotent() {
    let db = PgDb::new();
    let migrations = MigrationSource::<Pg>::migrations(&POSTGRES_MIGRATIONS).unwrap();
    round_trip(
        &mut db.conn(),
        &migrations,
        || db.dump(),
        |dump, table| dump.contains(&format!("CREATE TABLE public.{table} (")),
    );
}

#[test]
fn sqlite_each_down_undoes_its_up_and_each_up_is_idempotent() {
    let db = SqliteDb::new();
    let migrations = MigrationSource::<Sqlite>::migrations(&SQLITE_MIGRATIONS).unwrap();
    round_trip(
        &mut db.conn(),
        &migrations,
        || db.dump(),
        |dump, table| {
            dump.lines()
                .any(|o| o.starts_with(&format!("table {table} ")))
        },
    );
}

/// Both live catalogs, described the same way: columns with position and
/// nullability, primary keys, unique constraints, foreign keys with ON DELETE,
/// and explicit indexes.
#[test]
fn postgres_and_sqlite_describe_the_same_schema() {
    let pg = PgDb::new();
    migrate(&pg.url, &[]).assert_code(0);
    let lite = SqliteDb::new();
    migrate(&lite.url(), &[]).assert_code(0);
    // The runners' bookkeeping tables are not the application's schema.
    let ours = "('migrations', '__diesel_schema_migrations')";
    let not_bxm = |column: &str| format!("substr({column}, 1, 4) <> 'bxm_'");

    let pg_columns = pg.strings(&format!(
        "SELECT table_name || '.' || column_name || ' #' || ordinal_position || ' null=' || \
         is_nullable AS v FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT IN {ours} AND {} ORDER BY 1",
        not_bxm("table_name")
    ));
    let lite_columns = lite.strings(&format!(
        "SELECT m.name || '.' || p.name || ' #' || (p.cid + 1) || ' null=' || \
         CASE WHEN p.\"notnull\" THEN 'NO' ELSE 'YES' END AS v \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT IN {ours} \
         AND {} ORDER BY 1",
        not_bxm("m.name")
    ));
    assert_eq!(pg_columns.len(), lite_columns.len());
    assert_eq!(pg_columns, lite_columns);

    let pg_keys = pg.strings(&format!(
        "SELECT c.conrelid::regclass::text || ' pk(' || \
         (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(n, ord) \
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) || ')' AS v \
         FROM pg_constraint c WHERE c.contype = 'p' AND c.connamespace = 'public'::regnamespace \
         AND c.conrelid::regclass::text NOT IN {ours} AND {} ORDER BY 1",
        not_bxm("c.conrelid::regclass::text")
    ));
    let lite_keys = lite.strings(&format!(
        "SELECT m.name || ' pk(' || (SELECT group_concat(name, ',') FROM \
         (SELECT name FROM pragma_table_info(m.name) WHERE pk > 0 ORDER BY pk)) || ')' AS v \
         FROM sqlite_master m WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
         AND m.name NOT IN {ours} AND {} ORDER BY 1",
        not_bxm("m.name")
    ));
    assert_eq!(pg_keys.len(), 22);
    assert_eq!(pg_keys, lite_keys);

    // Unique constraints (inline in both sets): PostgreSQL names their indexes
    // <table>_<columns>_key, SQLite sqlite_autoindex_<table>_<n>, so compare columns.
    let pg_uniques = pg.strings(&format!(
        "SELECT c.conrelid::regclass::text || ' unique(' || \
         (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(n, ord) \
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) || ')' AS v \
         FROM pg_constraint c WHERE c.contype = 'u' AND c.connamespace = 'public'::regnamespace \
         AND c.conrelid::regclass::text NOT IN {ours} AND {} ORDER BY 1",
        not_bxm("c.conrelid::regclass::text")
    ));
    let lite_uniques = lite.strings(&format!(
        "SELECT m.name || ' unique(' || \
         (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno)) \
         || ')' AS v FROM sqlite_master m JOIN pragma_index_list(m.name) il \
         WHERE m.type = 'table' AND il.origin = 'u' AND m.name NOT IN {ours} AND {} ORDER BY 1",
        not_bxm("m.name")
    ));
    assert_eq!(pg_uniques.len(), 10, "{pg_uniques:?}");
    assert_eq!(pg_uniques, lite_uniques);

    let pg_fks = pg.strings(
        "SELECT c.conrelid::regclass::text || '.' || a.attname || ' -> ' || \
         c.confrelid::regclass::text || '.' || af.attname || ' on delete ' || \
         CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'r' THEN 'RESTRICT' \
         WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END AS v \
         FROM pg_constraint c \
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
         JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1] \
         WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace ORDER BY 1",
    );
    let lite_fks = lite.strings(
        "SELECT m.name || '.' || f.\"from\" || ' -> ' || f.\"table\" || '.' || f.\"to\" || \
         ' on delete ' || f.on_delete AS v \
         FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
         WHERE m.type = 'table' ORDER BY 1",
    );
    assert_eq!(pg_fks.len(), 23, "{pg_fks:?}");
    assert_eq!(pg_fks, lite_fks);

    let pg_indexes = pg.strings(&format!(
        "SELECT ic.relname || ' on ' || t.relname || '(' || \
         (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(i.indkey) WITH ORDINALITY k(n, ord) \
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n) || ')' || \
         CASE WHEN i.indisunique THEN ' unique' ELSE '' END || \
         CASE WHEN i.indpred IS NOT NULL THEN ' partial' ELSE '' END AS v \
         FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid \
         WHERE t.relnamespace = 'public'::regnamespace \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid \
           AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u')) \
         AND t.relname NOT IN {ours} AND {} ORDER BY 1",
        not_bxm("t.relname")
    ));
    let lite_indexes = lite.strings(&format!(
        "SELECT il.name || ' on ' || m.name || '(' || \
         (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno)) \
         || ')' || CASE WHEN il.\"unique\" THEN ' unique' ELSE '' END || \
         CASE WHEN il.partial THEN ' partial' ELSE '' END AS v \
         FROM sqlite_master m JOIN pragma_index_list(m.name) il \
         WHERE m.type = 'table' AND il.origin = 'c' AND m.name NOT IN {ours} AND {} ORDER BY 1",
        not_bxm("m.name")
    ));
    assert_eq!(pg_indexes.len(), 70, "{pg_indexes:?}");
    assert_eq!(pg_indexes, lite_indexes);
}

/// Every foreign-key column leads some index, so joins and ON DELETE checks
/// never scan a whole table.
#[test]
fn every_foreign_key_is_indexed() {
    let pg = PgDb::new();
    migrate(&pg.url, &[]).assert_code(0);
    let unindexed = pg.strings(
        "SELECT c.conrelid::regclass::text || '.' || a.attname AS v FROM pg_constraint c \
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
         WHERE c.contype = 'f' AND NOT EXISTS (SELECT 1 FROM pg_index i \
           WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1]) ORDER BY 1",
    );
    assert_eq!(unindexed, Vec::<String>::new());
}
