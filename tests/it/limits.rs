//! Limits and access: lock and statement timeouts, waiting for the server,
//! roles and files that may not write, a wrong password.

use std::time::Duration;

use diesel::connection::SimpleConnection;

use crate::support::{
    PgDb, PgRole, SqliteDb, all_tables, assert_same_schema, migrate, migration_dir,
};

const PASSWORD: &str = "Qv4-unmistakable-secret";

/// Holds an ACCESS EXCLUSIVE lock on `users` from another session so that
/// migration 002 (whose foreign keys need a lock on users) times out.
fn hold_users_lock(db: &PgDb) -> diesel::PgConnection {
    let mut holder = db.conn();
    holder
        .batch_execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    holder
}

#[test]
fn a_lock_timeout_is_retried_then_reported() {
    let db = PgDb::new();
    migrate(&db.url, &["run", "--to", "001"]).assert_code(0);
    let _holder = hold_users_lock(&db);
    let out = migrate(
        &db.url,
        &["run", "--lock-timeout", "0.2", "--lock-retries", "2"],
    );
    out.assert_code(5);
    assert!(
        out.stderr.contains("retry 1/2") && out.stderr.contains("retry 2/2"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("canceling statement due to lock timeout")
            && out.stderr.contains("--lock-timeout"),
        "{}",
        out.stderr
    );
    assert_eq!(
        db.strings("SELECT version::text AS v FROM __diesel_schema_migrations"),
        ["001"]
    );
}

#[test]
fn a_lock_timeout_retry_succeeds_once_the_lock_is_gone() {
    let db = PgDb::new();
    migrate(&db.url, &["run", "--to", "001"]).assert_code(0);
    let mut holder = hold_users_lock(&db);
    let url = db.url.clone();
    let run = std::thread::spawn(move || {
        migrate(
            &url,
            &["run", "--lock-timeout", "0.3", "--lock-retries", "5"],
        )
    });
    std::thread::sleep(Duration::from_millis(1200));
    holder.batch_execute("COMMIT").unwrap();
    let out = run.join().unwrap();
    out.assert_code(0);
    assert!(out.stderr.contains("retry 1/5"), "{}", out.stderr);
    assert_eq!(db.tables(), all_tables());
}

#[test]
fn a_read_only_role_gets_a_permission_error() {
    let role = PgRole::new(PASSWORD);
    let db = PgDb::new();
    db.execute(&format!(
        "GRANT CREATE ON SCHEMA public TO {0}; ALTER ROLE {0} SET default_transaction_read_only = on",
        role.name
    ));
    let out = migrate(&db.url_as(&role.name, PASSWORD), &[]);
    out.assert_code(4);
    assert!(
        out.stderr.contains("read-only") && !out.all().contains(PASSWORD),
        "{}",
        out.stderr
    );
    assert!(db.tables().is_empty());
}

#[test]
fn a_wrong_password_is_a_connection_error_without_the_password() {
    let role = PgRole::new("the-right-one");
    crate::support::admin()
        .batch_execute(&format!("GRANT bxm_password_auth TO {}", role.name))
        .expect(
            "the test server needs the bxm_password_auth group: run the suite with scripts/test",
        );
    let db = PgDb::new();
    let out = migrate(&db.url_as(&role.name, PASSWORD), &["-v"]);
    assert_eq!(
        out.code,
        3,
        "the server accepted a wrong password: pg_hba.conf needs `host all +bxm_password_auth \
         127.0.0.1/32 scram-sha-256` (scripts/test adds it); output: {}",
        out.all()
    );
    assert!(
        out.stderr.contains("password authentication failed")
            && out.stderr.contains("password is wrong"),
        "{}",
        out.stderr
    );
    assert!(!out.all().contains(PASSWORD));
}

#[test]
fn a_read_only_sqlite_file_gets_a_permission_error() {
    let db = SqliteDb::new();
    migrate(&db.url(), &["run", "--to", "001"]).assert_code(0);
    let before = db.dump();
    let out = migrate(&format!("file:{}?mode=ro", db.url()), &[]);
    out.assert_code(4);
    assert!(
        out.stderr.contains("readonly database") && out.stderr.contains("writable"),
        "{}",
        out.stderr
    );
    assert_same_schema(&db.dump(), &before, "read-only run");
}

#[test]
fn wait_retries_the_connection_with_a_line_per_attempt() {
    let out = migrate(
        "postgres://postgres@127.0.0.1:1/buildxpert",
        &["--wait", "2"],
    );
    out.assert_code(3);
    assert!(
        out.stderr.matches("retrying for up to").count() >= 2,
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("attempt 1:"), "{}", out.stderr);
}

#[test]
fn statement_timeout_cancels_a_slow_migration() {
    let set = migration_dir(
        &[(
            "001_slow",
            "CREATE TABLE slow (id int); SELECT pg_sleep(2);",
            "DROP TABLE slow;",
        )],
        None,
    );
    let db = PgDb::new();
    let out = migrate(
        &db.url,
        &[
            "--statement-timeout",
            "0.3",
            "--migration-dir",
            set.path().to_str().unwrap(),
        ],
    );
    out.assert_code(5);
    assert!(
        out.stderr
            .contains("canceling statement due to statement timeout"),
        "{}",
        out.stderr
    );
    assert!(!db.tables().contains(&"slow".to_string()));
}

#[test]
fn wait_lets_the_binary_start_before_its_database() {
    let db = PgDb::new();
    let later = format!("{}_later", db.name);
    let mut url = url::Url::parse(&db.url).unwrap();
    url.set_path(&later);
    let target = url.to_string();
    let run = std::thread::spawn(move || migrate(&target, &["run", "--wait", "30"]));
    std::thread::sleep(Duration::from_millis(1500));
    crate::support::admin()
        .batch_execute(&format!("CREATE DATABASE {later}"))
        .unwrap();
    let out = run.join().unwrap();
    let _ = crate::support::admin().batch_execute(&format!("DROP DATABASE {later} WITH (FORCE)"));
    out.assert_code(0);
    assert!(
        out.stderr.contains("attempt 1:") && out.stderr.contains("does not exist"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("Done: 5 applied"), "{}", out.stdout);
}
