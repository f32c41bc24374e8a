//! `run --single-transaction`: every pending migration and its records in
//! one transaction — all applied, or none.

use crate::support::{PgDb, SqliteDb, all_tables, migrate, migration_dir};

/// Two good migrations, then one that fails after creating a table.
fn set_failing_third() -> tempfile::TempDir {
    migration_dir(
        &[
            (
                "001_alpha",
                "CREATE TABLE alpha (id integer PRIMARY KEY);",
                "DROP TABLE alpha;",
            ),
            (
                "002_beta",
                "CREATE TABLE beta (id integer PRIMARY KEY);",
                "DROP TABLE beta;",
            ),
            (
                "003_broken",
                "CREATE TABLE gamma (id integer PRIMARY KEY);\nINSERT INTO no_such_table VALUES (1);",
                "DROP TABLE gamma;",
            ),
        ],
        None,
    )
}

/// A good migration, then one that must run outside a transaction.
fn set_with_concurrent_index() -> tempfile::TempDir {
    let set = migration_dir(
        &[
            (
                "001_alpha",
                "CREATE TABLE alpha (id integer PRIMARY KEY, code text);",
                "DROP TABLE alpha;",
            ),
            (
                "002_alpha_code",
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_alpha_code ON alpha (code);",
                "DROP INDEX CONCURRENTLY IF EXISTS idx_alpha_code;",
            ),
        ],
        None,
    );
    std::fs::write(
        set.path().join("002_alpha_code/metadata.toml"),
        "run_in_transaction = false\n",
    )
    .unwrap();
    set
}

/// How many rows each history table has, in a fixed order.
const RECORD_COUNTS: &str = "SELECT (SELECT count(*) FROM __diesel_schema_migrations) || ' ' || \
     (SELECT count(*) FROM bxm_migration_actions) || ' ' || \
     (SELECT count(*) FROM migrations) AS v";

#[test]
fn postgres_applies_every_migration_in_one_transaction() {
    let db = PgDb::new();
    let out = migrate(&db.url, &["run", "--single-transaction"]);
    out.assert_code(0);
    assert!(out.stdout.contains("Done: 5 applied"), "{}", out.stdout);
    assert_eq!(db.tables(), all_tables());
    assert_eq!(db.strings(RECORD_COUNTS), ["5 5 5"]);
    // One transaction: every record carries the same transaction start time.
    assert_eq!(
        db.strings("SELECT count(DISTINCT executed_at)::text AS v FROM bxm_migration_actions"),
        ["1"]
    );

    let again = migrate(&db.url, &["force", "--single-transaction"]);
    again.assert_code(0);
    assert!(again.stdout.contains("5 re-run"), "{}", again.stdout);
    assert_eq!(db.strings(RECORD_COUNTS), ["5 10 5"]);
}

/// Every record a run writes, less what differs between two runs (times,
/// row ids), in order.
const RECORDS: [&str; 3] = [
    "SELECT version || ' ' || name || ' ' || action || ' ' || success || ' ' || \
     coalesce(checksum, '-') || ' ' || executed_by || ' ' || tool_version || ' ' || \
     coalesce(error, '-') || ' ' || coalesce((execution_time_ms >= 0)::text, '-') || ' ' || \
     coalesce(backup_path, '-') AS v FROM bxm_migration_actions ORDER BY id",
    "SELECT version AS v FROM __diesel_schema_migrations ORDER BY version",
    "SELECT id || ' ' || name || ' ' || coalesce(description, '-') || ' ' || success || ' ' || \
     coalesce(error_message, '-') || ' ' || \
     coalesce((execution_time_ms >= 0)::text, '-') || ' ' || executed_by || ' ' || version AS v FROM migrations ORDER BY id",
];

/// The records are written in one statement at the end of the transaction
/// on PostgreSQL: they must be the ones a migration-by-migration run
/// writes, row for row (a skipped migration, a force and the Node runner's
/// re-run counter included).
#[test]
fn postgres_records_are_those_of_a_run_without_it() {
    let (one, each) = (PgDb::new(), PgDb::new());
    for args in [
        &["run", "--skip-optional"][..],
        &["run"],
        &["force", "--to", "003"],
    ] {
        migrate(&each.url, args).assert_code(0);
        let mut at_once = args.to_vec();
        at_once.push("--single-transaction");
        migrate(&one.url, &at_once).assert_code(0);
    }
    for sql in RECORDS {
        let rows = one.strings(sql);
        assert!(!rows.is_empty(), "{sql}");
        assert_eq!(rows, each.strings(sql), "{sql}");
    }
}

#[test]
fn sqlite_applies_every_migration_in_one_transaction() {
    let db = SqliteDb::new();
    let out = migrate(&db.url(), &["run", "--single-transaction"]);
    out.assert_code(0);
    assert!(out.stdout.contains("Done: 5 applied"), "{}", out.stdout);
    assert_eq!(db.tables(), all_tables());
    assert_eq!(db.strings(RECORD_COUNTS), ["5 5 5"]);
}

#[test]
fn postgres_one_failure_rolls_back_every_migration() {
    let set = set_failing_third();
    let dir = set.path().to_str().unwrap();
    let db = PgDb::new();
    let out = migrate(
        &db.url,
        &["run", "--single-transaction", "--migration-dir", dir],
    );
    out.assert_code(5);
    assert!(
        out.stderr.contains("migration 003 broken failed")
            && out.stderr.contains("no_such_table")
            && out.stderr.contains("none was applied"),
        "{}",
        out.stderr
    );
    assert!(!out.stdout.contains("applied in"), "{}", out.stdout);
    assert_eq!(
        db.strings(
            "SELECT table_name::text AS v FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_name IN ('alpha', 'beta', 'gamma')"
        ),
        Vec::<String>::new()
    );
    assert_eq!(db.strings(RECORD_COUNTS), ["0 0 0"]);

    // Without the broken one, the same command applies both.
    std::fs::remove_dir_all(set.path().join("003_broken")).unwrap();
    migrate(
        &db.url,
        &["run", "--single-transaction", "--migration-dir", dir],
    )
    .assert_code(0);
    assert_eq!(db.strings(RECORD_COUNTS), ["2 2 2"]);
}

#[test]
fn sqlite_one_failure_rolls_back_every_migration() {
    let set = set_failing_third();
    let dir = set.path().to_str().unwrap();
    let db = SqliteDb::new();
    let out = migrate(
        &db.url(),
        &["run", "--single-transaction", "--migration-dir", dir],
    );
    out.assert_code(5);
    assert!(
        out.stderr.contains("migration 003 broken failed")
            && out.stderr.contains("none was applied"),
        "{}",
        out.stderr
    );
    assert_eq!(
        db.strings("SELECT name AS v FROM sqlite_master WHERE name IN ('alpha', 'beta', 'gamma')"),
        Vec::<String>::new()
    );
    assert_eq!(db.strings(RECORD_COUNTS), ["0 0 0"]);
}

#[test]
fn postgres_refuses_a_migration_that_must_run_outside_a_transaction() {
    let set = set_with_concurrent_index();
    let dir = set.path().to_str().unwrap();
    let db = PgDb::new();
    let out = migrate(
        &db.url,
        &["run", "--single-transaction", "--migration-dir", dir],
    );
    out.assert_code(2);
    assert!(
        out.stderr
            .contains("migration 002 alpha_code must run outside a transaction")
            && out.stderr.contains("nothing was changed"),
        "{}",
        out.stderr
    );
    assert_eq!(db.tables(), Vec::<String>::new());
    // Without the flag it runs as before.
    migrate(&db.url, &["run", "--migration-dir", dir]).assert_code(0);
}

#[test]
fn sqlite_refuses_a_migration_that_must_run_outside_a_transaction() {
    let set = migration_dir(
        &[
            (
                "001_alpha",
                "CREATE TABLE alpha (id integer PRIMARY KEY);",
                "DROP TABLE alpha;",
            ),
            ("002_vacuum", "VACUUM;", "SELECT 1;"),
        ],
        None,
    );
    std::fs::write(
        set.path().join("002_vacuum/metadata.toml"),
        "run_in_transaction = false\n",
    )
    .unwrap();
    let dir = set.path().to_str().unwrap();
    let db = SqliteDb::new();
    let out = migrate(
        &db.url(),
        &["run", "--single-transaction", "--migration-dir", dir],
    );
    out.assert_code(2);
    assert!(
        out.stderr
            .contains("migration 002 vacuum must run outside a transaction"),
        "{}",
        out.stderr
    );
    assert_eq!(db.tables(), Vec::<String>::new());
}

/// The records are written after the last step: when that fails, the error
/// says so (not "migration 005 failed") and nothing of the run is kept.
#[test]
fn postgres_a_failure_writing_the_records_rolls_back_the_run_and_says_so() {
    let db = PgDb::new();
    migrate(&db.url, &["run", "--skip-optional"]).assert_code(0);
    db.execute(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'history is read-only today'; END $$; \
         CREATE TRIGGER refuse BEFORE INSERT ON bxm_migration_actions \
         FOR EACH ROW EXECUTE FUNCTION refuse();",
    );
    let before = db.strings(RECORD_COUNTS);
    let tables = db.tables();
    let out = migrate(&db.url, &["run", "--single-transaction"]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("recording the run's history")
            && out.stderr.contains("history is read-only today")
            && !out.stderr.contains("migration 005"),
        "{}",
        out.stderr
    );
    assert_eq!(db.strings(RECORD_COUNTS), before);
    assert_eq!(db.tables(), tables);
}
