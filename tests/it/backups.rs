//! `--backup` before a run: PostgreSQL and SQLite, and without pg_dump.

use crate::support::{PgDb, SqliteDb, binary, migrate};

#[test]
fn backup_before_running_postgres_and_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = PgDb::new();
    migrate(&db.url, &["run", "--to", "001"]).assert_code(0);
    let out = migrate(&db.url, &["run", "--backup", dir.path().to_str().unwrap()]);
    out.assert_code(0);
    let dumps: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(dumps.len(), 1, "{dumps:?}");
    assert!(std::fs::metadata(&dumps[0]).unwrap().len() > 1000);
    let listed = std::process::Command::new("pg_restore")
        .arg("--list")
        .arg(&dumps[0])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&listed.stdout).contains("TABLE public users"));
    assert_eq!(
        db.strings(
            "SELECT DISTINCT backup_path AS v FROM bxm_migration_actions WHERE version > '001'"
        ),
        [dumps[0].to_string_lossy().to_string()]
    );

    let lite = SqliteDb::new();
    migrate(&lite.url(), &["run", "--to", "002"]).assert_code(0);
    let lite_dir = dir.path().join("sqlite");
    migrate(
        &lite.url(),
        &["run", "--backup", lite_dir.to_str().unwrap()],
    )
    .assert_code(0);
    let copy = std::fs::read_dir(&lite_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let tables = SqliteDb::at(copy).tables();
    assert!(
        tables.contains(&"payment_transactions".to_string())
            && !tables.contains(&"call_sessions".to_string()),
        "{tables:?}"
    );
}

#[test]
fn backup_without_pg_dump_is_a_clear_error_and_changes_nothing() {
    let db = PgDb::new();
    let dir = tempfile::tempdir().unwrap();
    let out = binary(&[
        "run",
        "--backup",
        dir.path().to_str().unwrap(),
        "--database-url",
        &db.url,
    ])
    .env("PATH", "/nonexistent")
    .env("PG_DUMP", "/nonexistent/pg_dump")
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/nonexistent/pg_dump was not found") && stderr.contains("PG_DUMP"),
        "{stderr}"
    );
    assert!(
        db.tables().is_empty(),
        "a failed backup must leave the database untouched"
    );
}
