//! Defects found by trying to break the binary (one test, or more, per
//! defect class), each written so that it failed before its fix.

use crate::support::{PgDb, SqliteDb, migrate, migrate_in, migration_dir};

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
        format!("postgres://postgres:Kx4@Vb7Qz@127.0.0.1/db"),
        format!("postgres://postgres:Kx4/Vb7Qz@127.0.0.1/db"),
        format!("postgres://postgres:Kx4?Vb7Qz@127.0.0.1/db"),
        format!("postgres://u:{secret}@127.0.0.1:1/db?sslmode=bogus"),
        format!("postgres://u:{secret}@127.0.0.1:1/db?nosuchoption=1"),
        format!("postgres://u@127.0.0.1:1/db?password={secret}&port=x"),
        format!("postgres://u:{secret}@no-such-host.invalid/db"),
        format!("postgres://u:{secret}@[::1/db"),
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
