//! Integrity, revert/redo, dry run, backups, lock timeouts and bad input.

use std::time::Duration;

use diesel::connection::SimpleConnection;

use crate::support::{
    PgDb, PgRole, SqliteDb, all_tables, assert_same_schema, migrate, migration_dir,
    outside_transaction,
};

const PASSWORD: &str = "Qv4-unmistakable-secret";

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
fn a_failed_migration_outside_a_transaction_is_recorded_reported_and_recoverable() {
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
            "apply false could not create unique index",
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
fn revert_redo_and_their_safeguards() {
    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    let full = db.dump();

    // Without a terminal, --yes is required; nothing changes.
    let out = migrate(&db.url, &["revert"]);
    out.assert_code(2);
    assert!(out.stderr.contains("pass --yes"), "{}", out.stderr);
    assert_same_schema(&db.dump(), &full, "unconfirmed revert");

    // 001 is needed by every other applied migration.
    let out = migrate(&db.url, &["revert", "001", "--only", "--yes"]);
    out.assert_code(5);
    assert!(
        out.stderr
            .contains("applied migration(s) 002 add_payment_transactions_table"),
        "{}",
        out.stderr
    );

    let out = migrate(&db.url, &["revert", "004", "--only", "--yes"]);
    out.assert_code(0);
    assert!(
        out.stdout
            .contains("Migration 004 add_call_masking_tables reverted"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("Back up first: pg_dump"),
        "{}",
        out.stderr
    );
    let tables = db.tables();
    assert!(
        !tables.contains(&"call_sessions".to_string())
            && tables.contains(&"user_push_tokens".to_string())
    );

    let out = migrate(&db.url, &["redo", "--yes"]);
    out.assert_code(0);
    assert!(
        out.stdout
            .contains("005 add_push_notification_tables reverted")
            && out
                .stdout
                .contains("005 add_push_notification_tables applied"),
        "{}",
        out.stdout
    );

    migrate(&db.url, &["revert", "002", "--yes"]).assert_code(0);
    assert_eq!(
        db.strings("SELECT version::text AS v FROM __diesel_schema_migrations ORDER BY 1"),
        ["001"]
    );
    migrate(&db.url, &["revert", "--all", "--yes"]).assert_code(0);
    assert_eq!(
        db.tables(),
        [
            "__diesel_schema_migrations",
            "bxm_migration_actions",
            "migrations"
        ]
    );
    migrate(&db.url, &["run"]).assert_code(0);
    assert_eq!(db.tables(), all_tables());
}

#[test]
fn production_revert_needs_allow_data_loss() {
    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_buildxpert-migrate"))
            .current_dir(dir.path())
            .env("BUILDXPERT_ENV", "production")
            .args(args)
            .args(["--database-url", &db.url])
            .output()
            .unwrap()
    };
    let out = run(&["revert", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-data-loss"));
    assert_eq!(db.tables(), all_tables());
    let out = run(&["revert", "--yes", "--allow-data-loss"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!db.tables().contains(&"user_push_tokens".to_string()));
}

#[test]
fn unknown_versions_and_conflicting_flags_are_usage_errors() {
    let db = PgDb::new();
    for args in [
        &["run", "--to", "042"][..],
        &["revert", "042", "--yes"],
        &["repair", "042"],
    ] {
        migrate(&db.url, args).assert_code(2);
        assert!(db.tables().is_empty(), "{args:?} touched a fresh database");
    }
    migrate(&db.url, &[]).assert_code(0);
    for args in [
        &["revert", "042", "--yes"][..],
        &["run", "--to", "042"],
        &["repair", "042"],
        &["revert", "--skip-optional", "--yes"],
        &["revert", "003", "--all", "--yes"],
        &["revert", "--only", "--yes"],
        &["status", "--format", "yaml"],
    ] {
        let out = migrate(&db.url, args);
        out.assert_code(2);
        assert_eq!(db.tables(), all_tables(), "{args:?}");
    }
    let out = migrate(&db.url, &["revert", "042", "--yes"]);
    assert!(
        out.stderr.contains(
            "unknown migration version `042`; this binary contains 001, 002, 003, 004, 005"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn dry_runs_change_nothing_not_even_the_tracking_tables() {
    let db = PgDb::new();
    let out = migrate(&db.url, &["run", "--dry-run", "--skip-optional"]);
    out.assert_code(0);
    assert!(
        out.stdout
            .contains("1. apply 001 create_core_tables (in a transaction)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("2. apply 002 add_payment_transactions_table"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("3. apply"), "{}", out.stdout);
    assert!(
        out.stdout.contains("CREATE TABLE IF NOT EXISTS users"),
        "{}",
        out.stdout
    );
    assert!(db.tables().is_empty());

    migrate(&db.url, &[]).assert_code(0);
    let before = db.dump();
    let rows = db.strings("SELECT count(*)::text AS v FROM bxm_migration_actions");
    for args in [
        &["force", "--dry-run"][..],
        &["revert", "--all", "--dry-run"],
        &["redo", "--dry-run"],
        &["run", "--dry-run"],
    ] {
        let out = migrate(&db.url, args);
        out.assert_code(0);
        assert!(
            out.stdout.starts_with("Dry run on PostgreSQL database"),
            "{}",
            out.stdout
        );
        assert_same_schema(&db.dump(), &before, &format!("{args:?}"));
        assert_eq!(
            db.strings("SELECT count(*)::text AS v FROM bxm_migration_actions"),
            rows
        );
    }
    let out = migrate(&db.url, &["revert", "--all", "--dry-run"]);
    assert!(
        out.stdout.contains("1. revert 005") && out.stdout.contains("DROP TABLE IF EXISTS users"),
        "{}",
        out.stdout
    );
}

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
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_buildxpert-migrate"))
        .env("PATH", "/nonexistent")
        .env_remove("DATABASE_URL")
        .args([
            "run",
            "--backup",
            dir.path().to_str().unwrap(),
            "--database-url",
            &db.url,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump is not on PATH"));
    assert!(
        db.tables().is_empty(),
        "a failed backup must leave the database untouched"
    );
}

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

/// Answers the confirmation prompt on a pseudo-terminal (util-linux `script`).
fn revert_on_a_terminal(url: &str, answer: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new("script")
        .args([
            "-qec",
            &format!(
                "{} revert --database-url {url}",
                env!("CARGO_BIN_EXE_buildxpert-migrate")
            ),
            "/dev/null",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("`script` (util-linux) runs the binary on a terminal");
    std::thread::sleep(Duration::from_millis(700));
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(format!("{answer}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn on_a_terminal_revert_shows_what_it_drops_and_asks() {
    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    let declined = revert_on_a_terminal(&db.url, "no");
    let shown = String::from_utf8_lossy(&declined.stdout);
    assert_eq!(declined.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains("005 add_push_notification_tables: drops")
            && shown.contains("notification_queue")
            && shown.contains("pg_dump")
            && shown.contains("Type yes to continue"),
        "{shown}"
    );
    assert_eq!(db.tables(), all_tables());
    let accepted = revert_on_a_terminal(&db.url, "yes");
    assert_eq!(
        accepted.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&accepted.stdout)
    );
    assert!(!db.tables().contains(&"notification_queue".to_string()));
}
