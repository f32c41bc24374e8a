//! Defects found by trying to break the binary (one test, or more, per
//! defect class), each written so that it failed before its fix.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;

use crate::support::{
    BINARY, PgDb, SqliteDb, binary, clean, finish, migrate, migration_dir, outside_transaction,
    spawn,
};

/// Malformed and odd PostgreSQL URLs, through the real binary (libpq's own
/// messages included, with and without -v): no fragment of the secret, in
/// the user part or any query parameter, on stdout or stderr.
#[test]
fn no_fragment_of_a_password_in_any_output() {
    let secret = "Kx4Vb7Qz";
    let cases = [
        format!("postgres://127.0.0.1:99999/db?password={secret}"),
        format!("postgres://u:{secret}%zz@127.0.0.1/db"),
        format!("postgres://u:%41{secret}%00x@127.0.0.1/db"),
        format!("Postgres://u:{secret}@127.0.0.1:1/db"),
        format!("POSTGRESQL://u:{secret}@127.0.0.1:1/db"),
        "postgres://postgres:Kx4@Vb7Qz@127.0.0.1/db".to_string(),
        "postgres://postgres:Kx4/Vb7Qz@127.0.0.1/db".to_string(),
        "postgres://postgres:Kx4?Vb7Qz@127.0.0.1/db".to_string(),
        format!("postgres://u:{secret}@127.0.0.1:1/db?sslmode=bogus"),
        format!("postgres://u:{secret}@127.0.0.1:1/db?nosuchoption=1"),
        format!("postgres://u@127.0.0.1:1/db?password={secret}&port=x"),
        format!("postgres://u:{secret}@no-such-host.invalid/db"),
        format!("postgres://u:{secret}@[::1/db"),
        format!("postgres://u:p\"{secret}%zz@127.0.0.1/db"),
        format!("postgres://u:a\"{secret}@[::1/db"),
        format!("mysql://root:{secret}@localhost/db"),
    ];
    for url in &cases {
        for verbose in [false, true] {
            let args: &[&str] = if verbose { &["status", "-v"] } else { &[] };
            let out = migrate(url, args);
            assert!(
                out.code == 2 || out.code == 3,
                "{url}: exit {}\n{}",
                out.code,
                out.all()
            );
            let all = out.all();
            for fragment in [secret, "Kx4", "Vb7Qz"] {
                assert!(!all.contains(fragment), "{url} leaked {fragment}:\n{all}");
            }
        }
    }
}

/// Multi-host URLs are libpq's, not an "invalid port".
#[test]
fn a_multi_host_url_reaches_the_first_host_that_answers() {
    let db = PgDb::new();
    let url = format!(
        "postgres://postgres@127.0.0.1:1,127.0.0.1:5432/{}?target_session_attrs=read-write",
        db.name
    );
    migrate(&url, &["status"]).assert_code(0);
}

/// A migration skipped while optional fails the gate once a later release
/// makes it required, whatever its history row says.
#[test]
fn the_deploy_gate_fails_for_a_required_migration_skipped_earlier() {
    let db = PgDb::new();
    let set = [
        (
            "001_base",
            "CREATE TABLE base_t (id int);",
            "DROP TABLE base_t;",
        ),
        (
            "002_extra",
            "CREATE TABLE extra_t (id int);",
            "DROP TABLE extra_t;",
        ),
    ];
    let optional = migration_dir(&set, Some("[\"002\"]\nname = \"extra\"\noptional = true\n"));
    let dir = optional.path().to_str().unwrap();
    migrate(&db.url, &["--migration-dir", dir, "run", "--skip-optional"]).assert_code(0);
    migrate(&db.url, &["--migration-dir", dir, "status", "--check"]).assert_code(0);

    let required = migration_dir(&set, None);
    let dir = required.path().to_str().unwrap();
    let out = migrate(&db.url, &["--migration-dir", dir, "status", "--check"]);
    out.assert_code(6);
    assert!(out.stderr.contains("002"), "{}", out.stderr);
    assert!(out.stdout.contains("pending"), "{}", out.stdout);
    // The same on SQLite.
    let lite = SqliteDb::new();
    let dir = optional.path().to_str().unwrap();
    migrate(
        &lite.url(),
        &["--migration-dir", dir, "run", "--skip-optional"],
    )
    .assert_code(0);
    let dir = required.path().to_str().unwrap();
    migrate(&lite.url(), &["--migration-dir", dir, "status", "--check"]).assert_code(6);
    migrate(&lite.url(), &["--migration-dir", dir, "run"]).assert_code(0);
    migrate(&lite.url(), &["--migration-dir", dir, "status", "--check"]).assert_code(0);
    assert!(lite.tables().contains(&"extra_t".to_string()));
}

/// A set with one slow migration outside a transaction.
fn slow_outside_a_transaction(up: &str) -> tempfile::TempDir {
    let set = migration_dir(
        &[
            (
                "001_base",
                "CREATE TABLE base_t (id int);",
                "DROP TABLE base_t;",
            ),
            ("002_slow", up, "DROP TABLE IF EXISTS slow_t;"),
        ],
        None,
    );
    outside_transaction(&set, "002_slow");
    set
}

/// While a runner applies a migration outside a transaction, `status` says
/// `running` (not `failed`) and the gate says "not yet" (6), not 5.
#[test]
fn a_migration_still_running_outside_a_transaction_is_running_not_failed() {
    let db = PgDb::new();
    let set = slow_outside_a_transaction(
        "CREATE TABLE slow_t AS SELECT 1 AS id FROM (SELECT pg_sleep(3)) s;",
    );
    let dir = set.path().to_str().unwrap();
    let runner = spawn(&db.url, &["run", "--migration-dir", dir]);
    crate::support::wait_for_session(
        &db,
        "query LIKE '%CREATE TABLE slow_t%' AND pid <> pg_backend_pid()",
    );
    let out = migrate(&db.url, &["--migration-dir", dir, "status", "--check"]);
    out.assert_code(6);
    assert!(out.stdout.contains("running"), "{}", out.stdout);
    assert!(!out.all().contains("failed"), "{}", out.all());
    finish(runner).assert_code(0);
    migrate(&db.url, &["--migration-dir", dir, "status", "--check"]).assert_code(0);
}

/// SQLite replicas started together wait for the one applying a migration
/// outside a transaction instead of calling it failed.
#[test]
fn sqlite_replicas_wait_for_a_migration_outside_a_transaction() {
    let lite = SqliteDb::new();
    let set = slow_outside_a_transaction(
        "CREATE TABLE slow_t AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c \
         WHERE x < 3000000) SELECT count(*) AS n FROM c;",
    );
    let dir = set.path().to_str().unwrap();
    let replicas: Vec<_> = (0..3)
        .map(|_| spawn(&lite.url(), &["run", "--migration-dir", dir]))
        .collect();
    for replica in replicas {
        finish(replica).assert_code(0);
    }
    assert_eq!(
        lite.strings("SELECT count(*) AS v FROM __diesel_schema_migrations WHERE version = '002'"),
        ["1"]
    );
    migrate(&lite.url(), &["--migration-dir", dir, "status", "--check"]).assert_code(0);
}

/// BEGIN / COMMIT inside a transactional migration: refused before anything
/// runs, naming the file and line, on both backends.
#[test]
fn transaction_control_in_a_migration_is_refused_before_anything_runs() {
    let set = migration_dir(
        &[(
            "001_sneaky",
            "CREATE TABLE first_t (id int);\n-- commit what we have\nCOMMIT;\nCREATE TABLE second_t (broken",
            "DROP TABLE first_t;",
        )],
        None,
    );
    let dir = set.path().to_str().unwrap();
    let db = PgDb::new();
    let lite = SqliteDb::new();
    for url in [db.url.clone(), lite.url()] {
        for args in [&["run"][..], &["run", "--dry-run"]] {
            let mut full = vec!["--migration-dir", dir];
            full.extend(args);
            let out = migrate(&url, &full);
            out.assert_code(5);
            assert!(
                out.stderr.contains("001_sneaky/up.sql line 3") && out.stderr.contains("COMMIT"),
                "{}",
                out.stderr
            );
        }
    }
    assert!(!db.tables().contains(&"first_t".to_string()));
    assert!(!lite.tables().contains(&"first_t".to_string()));
}

/// When the session is gone mid-migration, the message says the connection
/// was lost and that PostgreSQL rolled the migration back with it (exit 9),
/// and the database is at a migration boundary.
#[test]
fn a_lost_session_is_reported_as_such_at_a_migration_boundary() {
    let db = PgDb::new();
    let set = migration_dir(
        &[(
            "001_dies",
            "CREATE TABLE dies_t (id int); SELECT pg_terminate_backend(pg_backend_pid());",
            "DROP TABLE dies_t;",
        )],
        None,
    );
    let out = migrate(&db.url, &["--migration-dir", set.path().to_str().unwrap()]);
    out.assert_code(9);
    assert!(
        out.stderr
            .contains("connection to the database was lost while applying migration 001")
            && out.stderr.contains("entirely applied or not at all")
            && out.stderr.contains("run again"),
        "{}",
        out.stderr
    );
    assert!(!db.tables().contains(&"dies_t".to_string()));
    assert_eq!(
        db.strings("SELECT count(*)::text AS v FROM pg_tables WHERE tablename = '__diesel_schema_migrations'"),
        ["1"]
    );
    assert_eq!(
        db.strings("SELECT count(*)::text AS v FROM __diesel_schema_migrations"),
        ["0"]
    );
}

/// Diesel's own scan follows symlinked migration folders, so ours does; an
/// empty migration directory is a usage error, not "0 applied".
#[test]
fn symlinked_migration_folders_count_and_an_empty_directory_is_refused() {
    let real = migration_dir(
        &[(
            "001_linked",
            "CREATE TABLE linked_t (id int);",
            "DROP TABLE linked_t;",
        )],
        None,
    );
    let links = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        real.path().join("001_linked"),
        links.path().join("001_linked"),
    )
    .unwrap();
    let lite = SqliteDb::new();
    migrate(
        &lite.url(),
        &["--migration-dir", links.path().to_str().unwrap()],
    )
    .assert_code(0);
    assert!(lite.tables().contains(&"linked_t".to_string()));

    let empty = tempfile::tempdir().unwrap();
    let out = migrate(
        &lite.url(),
        &["--migration-dir", empty.path().to_str().unwrap()],
    );
    out.assert_code(2);
    assert!(
        out.stderr.contains("no migration folders"),
        "{}",
        out.stderr
    );
}

/// `status` and `--dry-run` only read: a missing SQLite file stays missing.
#[test]
fn read_only_commands_never_create_a_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.sqlite3");
    let url = path.to_str().unwrap();
    let file_url = format!("file:{url}?mode=rwc");
    for args in [
        &["status"][..],
        &["status", "--check"],
        &["run", "--dry-run"],
        &["force", "--dry-run"],
        &["revert", "--all", "--dry-run"],
        &["verify"],
    ] {
        for target in [url, file_url.as_str()] {
            let out = migrate(target, args);
            out.assert_code(3);
            assert!(out.stderr.contains("does not exist"), "{}", out.stderr);
            assert!(!path.exists(), "{args:?} created {url}");
        }
    }
    // Nor a lock file beside an existing one.
    migrate(url, &[]).assert_code(0);
    let lock = dir.path().join("absent.sqlite3.lock");
    std::fs::remove_file(&lock).unwrap();
    for args in [&["status"][..], &["verify"], &["run", "--dry-run"]] {
        migrate(url, args).assert_code(0);
        assert!(!lock.exists(), "{args:?} created {}", lock.display());
    }
}

/// Files PostgreSQL used to reject: a byte-order mark, nothing but comments.
#[test]
fn a_bom_and_a_comment_only_file_run_on_both_backends() {
    let set = migration_dir(
        &[
            (
                "001_bom",
                "\u{feff}CREATE TABLE bom_t (id int);",
                "\u{feff}DROP TABLE bom_t;",
            ),
            (
                "002_nothing_yet",
                "-- filled in by a later release\n",
                "-- nothing\n",
            ),
        ],
        None,
    );
    let dir = set.path().to_str().unwrap();
    let db = PgDb::new();
    let lite = SqliteDb::new();
    for url in [db.url.clone(), lite.url()] {
        migrate(&url, &["--migration-dir", dir]).assert_code(0);
        migrate(&url, &["--migration-dir", dir, "status", "--check"]).assert_code(0);
        migrate(&url, &["--migration-dir", dir, "revert", "--all", "--yes"]).assert_code(0);
    }
    assert!(!db.tables().contains(&"bom_t".to_string()));
}

/// Numbers are bounded: out-of-range waits are usage errors, never panics
/// or a SQLite busy-timeout overflow.
#[test]
fn huge_waits_are_usage_errors() {
    let lite = SqliteDb::new();
    for args in [
        &["--wait", "18446744073709551615", "status"][..],
        &["--lock-wait", "2592000", "run"],
        &["--lock-timeout", "1e300", "run"],
        &["--statement-timeout", "NaN", "run"],
        // Under a millisecond would reach the database as 0: no limit at all.
        &["--lock-timeout", "0.0004", "run"],
        &["--statement-timeout", "1e-9", "run"],
    ] {
        let out = migrate(&lite.url(), args);
        out.assert_code(2);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    }
    migrate(&lite.url(), &["--lock-wait", "2000000", "run"]).assert_code(0);
}

/// A host that accepts connections but never answers: `--wait` is a hard
/// limit (it took 20 s with --wait 12). The bound asserted is the
/// semantics of --wait plus libpq's 2 s minimum, not a speed target.
#[test]
fn wait_is_a_hard_limit_against_a_silent_host() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let started = Instant::now();
    let out = migrate(
        &format!("postgres://u@127.0.0.1:{port}/db"),
        &["--wait", "3", "status"],
    );
    out.assert_code(3);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "--wait 3 took {:?}",
        started.elapsed()
    );
    drop(silent);
}

/// SQLite contention while the history tables are created is a lock
/// timeout (7), as it is during a migration.
#[test]
fn sqlite_contention_creating_the_history_tables_exits_7() {
    let lite = SqliteDb::new();
    let mut holder = lite.conn();
    holder
        .batch_execute(
            "CREATE TABLE other_t (id int); BEGIN IMMEDIATE; INSERT INTO other_t VALUES (1);",
        )
        .unwrap();
    let out = migrate(&lite.url(), &["--lock-wait", "1", "run"]);
    out.assert_code(7);
    holder.batch_execute("COMMIT").unwrap();
}

/// A revert that fails part-way says which migrations it already reverted.
#[test]
fn a_revert_failing_part_way_names_what_it_reverted() {
    let set = migration_dir(
        &[
            ("001_a", "CREATE TABLE a_t (id int);", "DROP TABLE a_t;"),
            (
                "002_b",
                "CREATE TABLE b_t (id int);",
                "DROP TABLE no_such_table;",
            ),
            ("003_c", "CREATE TABLE c_t (id int);", "DROP TABLE c_t;"),
        ],
        None,
    );
    let dir = set.path().to_str().unwrap();
    let lite = SqliteDb::new();
    migrate(&lite.url(), &["--migration-dir", dir]).assert_code(0);
    let out = migrate(
        &lite.url(),
        &["--migration-dir", dir, "revert", "--all", "--yes"],
    );
    out.assert_code(5);
    assert!(
        out.stderr.contains("already reverted 003") && !out.stderr.contains("stay as they were"),
        "{}",
        out.stderr
    );
    let out = migrate(
        &lite.url(),
        &[
            "--migration-dir",
            dir,
            "revert",
            "003",
            "--only",
            "--yes",
            "--format",
            "json",
        ],
    );
    out.assert_code(0);
    let summary: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(summary["event"], "summary", "{}", out.stdout);
}

/// An explicit URL works from a deleted working directory; a database name
/// with a space is quoted in the createdb advice; a search_path naming no
/// schema is a usage error.
#[test]
fn odd_environments_get_clear_answers() {
    let lite = SqliteDb::new();
    migrate(&lite.url(), &[]).assert_code(0);
    let gone = tempfile::tempdir().unwrap();
    let gone_path = gone.path().to_path_buf();
    drop(gone);
    let out = binary(&["--database-url", &lite.url(), "status"])
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!gone_path.exists());
    let deleted = clean("sh")
        .arg("-c")
        .arg(format!(
            "mkdir {0} && cd {0} && rmdir {0} && exec \"$0\" --database-url \"$1\" status",
            gone_path.display()
        ))
        .arg(BINARY)
        .arg(lite.url())
        .output()
        .unwrap();
    assert!(
        deleted.status.success(),
        "{}",
        String::from_utf8_lossy(&deleted.stderr)
    );

    let server = crate::support::server_url();
    let base = server.rsplit_once('/').unwrap().0;
    let out = migrate(&format!("{base}/no%20such%20db"), &["status"]);
    out.assert_code(3);
    assert!(
        out.stderr.contains("createdb 'no such db'"),
        "{}",
        out.stderr
    );

    let db = PgDb::new();
    let out = migrate(
        &format!("{}?options=-c%20search_path%3Dno_such_schema", db.url),
        &["run"],
    );
    out.assert_code(2);
    assert!(out.stderr.contains("search_path"), "{}", out.stderr);
}
