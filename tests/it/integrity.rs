//! Integrity: changed, unknown and hand-edited history, and migrations that
//! failed outside a transaction.

use crate::support::{
    PgDb, SqliteDb, assert_same_schema, migrate, migration_dir, outside_transaction,
};

#[test]
fn a_changed_checksum_is_modified_and_run_refuses_until_repair() {
    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    db.execute("UPDATE bxm_migration_actions SET checksum = repeat('0', 64) WHERE version = '002'");
    let status = migrate(&db.url, &["status", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(rows[1]["state"], "modified");
    let out = migrate(&db.url, &[]);
    out.assert_code(8);
    assert!(
        out.stderr.contains(
            "migration 002 add_payment_transactions_table was applied with a different up.sql"
        ),
        "{}",
        out.stderr
    );
    migrate(&db.url, &["status", "--check"]).assert_code(8);

    // A dry run names what would be recorded and records nothing.
    let log = "SELECT action || ' ' || version AS v FROM bxm_migration_actions ORDER BY id";
    let before = db.strings(log);
    let dry = migrate(&db.url, &["repair", "--dry-run"]);
    dry.assert_code(0);
    assert!(
        dry.stdout
            .contains("1. repair 002 add_payment_transactions_table (the database is accepted"),
        "{}",
        dry.stdout
    );
    assert_eq!(db.strings(log), before);

    let repair = migrate(&db.url, &["repair", "002"]);
    repair.assert_code(0);
    assert!(
        repair.stdout.contains("accepted its current up.sql"),
        "{}",
        repair.stdout
    );
    migrate(&db.url, &[]).assert_code(0);
    assert_eq!(
        db.strings("SELECT action || ' ' || executed_by AS v FROM bxm_migration_actions WHERE version = '002' ORDER BY id"),
        ["apply postgres", "repair postgres"]
    );
}

#[test]
fn line_endings_and_a_bom_do_not_count_as_changes_but_an_edit_does() {
    let set = migration_dir(
        &[(
            "001_items",
            "CREATE TABLE items (id int);\n-- done\n",
            "DROP TABLE items;",
        )],
        None,
    );
    let dir = set.path().to_str().unwrap();
    let db = SqliteDb::new();
    migrate(&db.url(), &["--migration-dir", dir]).assert_code(0);
    let up = set.path().join("001_items/up.sql");
    std::fs::write(&up, "\u{feff}CREATE TABLE items (id int);\r\n-- done\r\n").unwrap();
    migrate(&db.url(), &["--migration-dir", dir]).assert_code(0);
    std::fs::write(&up, "CREATE TABLE items (id bigint);\n-- done\n").unwrap();
    let out = migrate(&db.url(), &["--migration-dir", dir]);
    out.assert_code(8);
    assert!(
        out.stderr
            .contains("migration 001 items was applied with a different up.sql"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_version_from_a_newer_binary_stops_the_run_unless_allowed() {
    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    db.execute("INSERT INTO __diesel_schema_migrations (version) VALUES ('006')");
    let out = migrate(&db.url, &[]);
    out.assert_code(8);
    assert!(
        out.stderr
            .contains("migration(s) 006 applied, which this binary does not contain"),
        "{}",
        out.stderr
    );
    migrate(&db.url, &["run", "--allow-unknown"]).assert_code(0);
}

#[test]
fn a_hand_deleted_record_while_the_tables_exist_needs_repair() {
    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    db.execute("DELETE FROM __diesel_schema_migrations WHERE version = '003'");
    let before = db.dump();
    let out = migrate(&db.url, &[]);
    out.assert_code(8);
    assert!(out.stderr.contains("migration 003 add_payment_logging_tables is recorded as applied in bxm_migration_actions but missing"), "{}", out.stderr);
    assert_same_schema(&db.dump(), &before, "refused run");
    let status = migrate(&db.url, &["status", "--format", "json"]);
    assert!(
        status.stdout.contains("\"inconsistent\""),
        "{}",
        status.stdout
    );
    migrate(&db.url, &["repair"]).assert_code(0);
    let out = migrate(&db.url, &[]);
    out.assert_code(0);
    assert!(out.stdout.contains("5 already applied"), "{}", out.stdout);
}

/// A set whose second migration runs outside a transaction and fails
/// half-way: CREATE UNIQUE INDEX CONCURRENTLY over duplicate values leaves
/// an invalid index.
fn failing_concurrent_index_set() -> tempfile::TempDir {
    let set = migration_dir(
        &[
            (
                "001_items",
                "CREATE TABLE IF NOT EXISTS items (id serial PRIMARY KEY, code text NOT NULL);\n\
                 INSERT INTO items (code) SELECT c FROM (VALUES ('a'), ('b'), ('a')) v(c) \
                 WHERE NOT EXISTS (SELECT 1 FROM items);",
                "DROP TABLE items;",
            ),
            (
                "002_unique_codes",
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS uq_items_code ON items (code);",
                "DROP INDEX CONCURRENTLY IF EXISTS uq_items_code;",
            ),
        ],
        None,
    );
    outside_transaction(&set, "002_unique_codes");
    set
}

#[test]
fn a_failed_migration_outside_a_transaction_is_recorded_and_refused_until_forced() {
    let set = failing_concurrent_index_set();
    let dir = set.path().to_str().unwrap();
    let db = PgDb::new();
    let out = migrate(&db.url, &["--migration-dir", dir]);
    out.assert_code(5);
    assert!(
        out.stderr.contains("could not create unique index")
            && out.stderr.contains("invalid index(es) uq_items_code")
            && out.stderr.contains("outside a transaction"),
        "{}",
        out.stderr
    );
    // A "started" row written before it ran, then the failure with its message.
    assert_eq!(
        db.strings(
            "SELECT action || ' ' || success || ' ' || left(error, 29) AS v FROM bxm_migration_actions \
             WHERE version = '002' ORDER BY id"
        ),
        [
            "apply false started outside a transaction",
            "apply false line 1: could not create uniq",
        ]
    );
    let status = migrate(
        &db.url,
        &["status", "--format", "json", "--migration-dir", dir],
    );
    assert!(status.stdout.contains("\"failed\""), "{}", status.stdout);

    let again = migrate(&db.url, &["--migration-dir", dir]);
    again.assert_code(5);
    assert!(
        again
            .stderr
            .contains("failed earlier outside a transaction")
            && again.stderr.contains("force"),
        "{}",
        again.stderr
    );
}

#[test]
fn forcing_without_dropping_the_invalid_index_is_not_believed() {
    let set = failing_concurrent_index_set();
    let dir = set.path().to_str().unwrap();
    let db = PgDb::new();
    migrate(&db.url, &["--migration-dir", dir]).assert_code(5);
    // Forcing without cleaning up: IF NOT EXISTS keeps the invalid index, so
    // "success" must not be believed.
    db.execute("DELETE FROM items WHERE id = 3");
    let blind = migrate(&db.url, &["force", "--migration-dir", dir]);
    blind.assert_code(5);
    assert!(
        blind
            .stderr
            .contains("it finished but left invalid index(es) uq_items_code"),
        "{}",
        blind.stderr
    );
    let status = migrate(
        &db.url,
        &["status", "--format", "json", "--migration-dir", dir],
    );
    assert!(status.stdout.contains("\"failed\""), "{}", status.stdout);

    // The fix: the duplicate is gone; drop the invalid index, then force.
    db.execute("DROP INDEX uq_items_code");
    migrate(&db.url, &["force", "--migration-dir", dir]).assert_code(0);
    assert_eq!(
        db.strings("SELECT indisvalid::text AS v FROM pg_index WHERE indexrelid = 'uq_items_code'::regclass"),
        ["true"]
    );
    migrate(&db.url, &["status", "--check", "--migration-dir", dir]).assert_code(0);
}

#[test]
fn a_forced_re_run_that_fails_is_failed_again_and_repaired_by_hand() {
    let set = failing_concurrent_index_set();
    let dir = set.path().to_str().unwrap();
    let db = PgDb::new();
    migrate(&db.url, &["--migration-dir", dir]).assert_code(5);
    db.execute("DELETE FROM items WHERE id = 3; DROP INDEX uq_items_code");
    migrate(&db.url, &["force", "--migration-dir", dir]).assert_code(0);
    // An applied migration whose forced re-run fails is `failed` again, and a
    // person who completes it by hand can repair it.
    db.execute("DROP INDEX uq_items_code; INSERT INTO items (code) VALUES ('b');");
    migrate(&db.url, &["force", "--migration-dir", dir]).assert_code(5);
    migrate(&db.url, &["status", "--check", "--migration-dir", dir]).assert_code(5);
    db.execute(
        "DELETE FROM items WHERE id = 4; DROP INDEX uq_items_code; \
         CREATE UNIQUE INDEX uq_items_code ON items (code);",
    );
    let repair = migrate(&db.url, &["repair", "002", "--migration-dir", dir]);
    repair.assert_code(0);
    assert!(
        repair
            .stdout
            .contains("Migration 002 unique_codes: marked as applied"),
        "{}",
        repair.stdout
    );
    migrate(&db.url, &["status", "--check", "--migration-dir", dir]).assert_code(0);
}

#[test]
fn repair_reports_json_events_like_every_other_command() {
    let db = SqliteDb::new();
    migrate(&db.url(), &[]).assert_code(0);
    db.execute("UPDATE bxm_migration_actions SET checksum = 'x' WHERE version IN ('002', '004')");
    let out = migrate(&db.url(), &["repair", "--format", "json"]);
    out.assert_code(0);
    let events: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let repaired: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "repaired")
        .map(|e| e["version"].as_str().unwrap())
        .collect();
    assert_eq!(repaired, ["002", "004"], "{}", out.stdout);
    let summary = events.last().unwrap();
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["repaired"], 2);
    assert_eq!(
        db.strings(
            "SELECT action || ' ' || version || ' ' || coalesce(execution_time_ms, -1) AS v \
             FROM bxm_migration_actions WHERE action = 'repair' ORDER BY id"
        ),
        ["repair 002 -1", "repair 004 -1"]
    );
    // Nothing left to repair: still one summary line for a log collector.
    let again = migrate(&db.url(), &["repair", "--format", "json"]);
    again.assert_code(0);
    let summary: serde_json::Value = serde_json::from_str(again.stdout.trim()).unwrap();
    assert_eq!(summary["repaired"], 0);
    // A dry run prints text whatever the format, as every command's does.
    let dry = migrate(&db.url(), &["repair", "--dry-run", "--format", "json"]);
    dry.assert_code(0);
    assert_eq!(
        dry.stdout.trim(),
        "Nothing to repair: every migration matches the database."
    );
}

#[test]
fn a_repair_that_cannot_be_recorded_is_a_database_error_and_changes_nothing() {
    let db = SqliteDb::new();
    migrate(&db.url(), &[]).assert_code(0);
    db.execute("UPDATE bxm_migration_actions SET checksum = 'x' WHERE version = '002'");
    db.execute(
        "CREATE TRIGGER no_repairs BEFORE INSERT ON bxm_migration_actions \
         WHEN NEW.action = 'repair' BEGIN SELECT RAISE(ABORT, 'repairs refused here'); END",
    );
    let out = migrate(&db.url(), &["repair"]);
    // The database refused the write: not a migration that failed (5).
    out.assert_code(1);
    assert!(
        out.stderr.contains("recording the repair") && out.stderr.contains("repairs refused here"),
        "{}",
        out.all()
    );
    assert_eq!(
        db.strings(
            "SELECT version || ' ' || checksum AS v FROM bxm_migration_actions \
             WHERE version = '002' ORDER BY id"
        ),
        ["002 x"]
    );
}
