//! Revert and redo with their safeguards (confirmation, production, dry
//! runs), and flags that conflict.

use std::time::Duration;

use crate::support::{BINARY, PgDb, all_tables, assert_same_schema, binary, clean, migrate};

/// A fresh PostgreSQL database with every migration applied.
fn migrated() -> PgDb {
    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    db
}

#[test]
fn revert_without_a_terminal_needs_yes_and_changes_nothing() {
    let db = migrated();
    let full = db.dump();
    let out = migrate(&db.url, &["revert"]);
    out.assert_code(2);
    assert!(out.stderr.contains("pass --yes"), "{}", out.stderr);
    assert_same_schema(&db.dump(), &full, "unconfirmed revert");
}

#[test]
fn revert_only_reverts_one_migration_unless_another_needs_it() {
    let db = migrated();
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
}

#[test]
fn redo_reverts_the_newest_then_applies_it_again() {
    let db = migrated();
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
    assert_eq!(db.tables(), all_tables());
}

#[test]
fn revert_down_to_a_version_then_all_then_run_again() {
    let db = migrated();
    // A gap (004 already reverted) is stepped over, not reverted twice.
    migrate(&db.url, &["revert", "004", "--only", "--yes"]).assert_code(0);
    let out = migrate(&db.url, &["revert", "002", "--yes"]);
    out.assert_code(0);
    let reverted: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains("Migration ") && l.contains(" reverted in "))
        .collect();
    assert_eq!(reverted.len(), 3, "{}", out.stdout);
    assert!(
        ["005", "003", "002"]
            .iter()
            .zip(&reverted)
            .all(|(v, line)| line.contains(&format!("Migration {v} "))),
        "{}",
        out.stdout
    );
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
        binary(args)
            .current_dir(dir.path())
            .env("BUILDXPERT_ENV", "production")
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

/// Answers the confirmation prompt on a pseudo-terminal (util-linux `script`).
fn revert_on_a_terminal(url: &str, answer: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = clean("script")
        .args([
            "-qec",
            &format!("{BINARY} revert --database-url {url}"),
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
