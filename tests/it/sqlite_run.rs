//! The zero-configuration SQLite default and run/force/status on SQLite files.

use crate::support::{SqliteDb, all_tables, binary, migrate, migrate_in, migration_dir};

#[test]
fn no_configuration_migrates_buildxpert_sqlite3_in_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = migrate_in(dir.path(), &[]);
    out.assert_code(0);
    let file = dir.path().join("buildxpert.sqlite3");
    assert!(file.is_file());
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("buildxpert.sqlite3")
            && out.stderr.contains("DATABASE_URL=postgres://"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("Done: 5 applied"), "{}", out.stdout);
    let db = SqliteDb::at(file);
    assert_eq!(db.tables(), all_tables());
}

#[test]
fn production_without_a_url_is_an_error_not_a_local_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = binary(&[])
        .current_dir(dir.path())
        .env("BUILDXPERT_ENV", "production")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("BUILDXPERT_ENV=production"));
    assert!(!dir.path().join("buildxpert.sqlite3").exists());
}

#[test]
fn config_env_is_read_from_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.env"),
        "NODE_ENV=development\nDATABASE_URL=sqlite://from-config.db\n",
    )
    .unwrap();
    migrate_in(dir.path(), &["run", "-q"]).assert_code(0);
    assert!(dir.path().join("from-config.db").is_file());
    assert!(!dir.path().join("buildxpert.sqlite3").exists());
}

#[test]
fn second_run_changes_nothing_and_skip_optional_then_run() {
    let db = SqliteDb::new();
    let out = migrate(&db.url(), &["--skip-optional"]);
    out.assert_code(0);
    assert!(!db.tables().contains(&"call_sessions".to_string()));
    let before = db.dump();
    let again = migrate(&db.url(), &["--skip-optional"]);
    again.assert_code(0);
    assert!(
        again
            .stdout
            .contains("Done: 0 applied, 3 skipped, 2 already applied"),
        "{}",
        again.stdout
    );
    crate::support::assert_same_schema(&db.dump(), &before, "second run");
    migrate(&db.url(), &[]).assert_code(0);
    assert_eq!(db.tables(), all_tables());
    assert_eq!(
        db.strings(
            "SELECT group_concat(action, ',') AS v FROM (SELECT action FROM bxm_migration_actions ORDER BY id)"
        ),
        ["apply,apply,skip,skip,skip,apply,apply,apply"]
    );
}

#[test]
fn force_restores_a_dropped_index_and_keeps_rows() {
    let db = SqliteDb::new();
    migrate(&db.url(), &[]).assert_code(0);
    db.execute(
        "INSERT INTO users (full_name, phone, password) VALUES ('Ravi Kumar', '+919800000002', 'x');
         DROP INDEX idx_bookings_status;",
    );
    migrate(&db.url(), &["force"]).assert_code(0);
    assert_eq!(
        db.strings("SELECT name AS v FROM sqlite_master WHERE name = 'idx_bookings_status'"),
        ["idx_bookings_status"]
    );
    assert_eq!(
        db.strings("SELECT full_name AS v FROM users"),
        ["Ravi Kumar"]
    );
}

#[test]
fn a_failing_migration_leaves_nothing_partial() {
    let set = migration_dir(
        &[
            (
                "001_first",
                "CREATE TABLE firsts (id INTEGER);",
                "DROP TABLE firsts;",
            ),
            (
                "002_broken",
                "CREATE TABLE seconds (id INTEGER);\nINSERT INTO no_such_table VALUES (1);",
                "DROP TABLE seconds;",
            ),
        ],
        None,
    );
    let db = SqliteDb::new();
    let out = migrate(
        &db.url(),
        &["--migration-dir", set.path().to_str().unwrap()],
    );
    out.assert_code(5);
    assert!(
        out.stderr
            .contains("migration 002 broken failed: no such table: no_such_table"),
        "{}",
        out.stderr
    );
    assert_eq!(
        db.tables(),
        [
            "__diesel_schema_migrations",
            "bxm_migration_actions",
            "firsts",
            "migrations"
        ]
    );
    assert_eq!(
        db.strings("SELECT version AS v FROM bxm_migration_actions"),
        ["001"]
    );
}

#[test]
fn status_json_on_sqlite() {
    let db = SqliteDb::new();
    migrate(&db.url(), &["--skip-optional"]).assert_code(0);
    let out = migrate(&db.url(), &["status", "--format", "json"]);
    out.assert_code(0);
    let rows: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(rows[0]["state"], "applied");
    assert!(rows[0]["executed_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(rows[4]["state"], "skipped");
    assert_eq!(rows[4]["executed_at"], serde_json::Value::Null);
}
