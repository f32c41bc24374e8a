//! `lint`: each kind of statement that blocks writes on a populated table is
//! found with its file, line, rule and a fix; the embedded set is clean; the
//! same findings show in `run --dry-run`.

use crate::support::{PgDb, binary, migrate, migration_dir, outside_transaction};

/// `lint` on a set of one migration after a table-creating 001: exit code
/// and the findings' rules.
fn rules_of(up: &str, outside: bool) -> (i32, Vec<String>, String) {
    let set = migration_dir(
        &[
            (
                "001_base",
                "CREATE TABLE IF NOT EXISTS accounts (id bigint PRIMARY KEY, email text, \
                 plan_id bigint, status text);\n\
                 CREATE TABLE IF NOT EXISTS plans (id bigint PRIMARY KEY);\n",
                "DROP TABLE accounts; DROP TABLE plans;",
            ),
            ("002_change", up, "SELECT 1;"),
        ],
        None,
    );
    if outside {
        outside_transaction(&set, "002_change");
    }
    let out = binary(&[
        "--migration-dir",
        set.path().to_str().unwrap(),
        "lint",
        "--format",
        "json",
    ])
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let list: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let rules = list
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["file"], "002_change/up.sql", "{f}");
            assert!(
                f["line"].as_u64().unwrap() >= 1 && !f["fix"].as_str().unwrap().is_empty(),
                "{f}"
            );
            f["rule"].as_str().unwrap().to_string()
        })
        .collect();
    (out.status.code().unwrap(), rules, stdout)
}

#[test]
fn each_blocking_statement_is_found_with_its_rule() {
    let cases: [(&str, bool, &str); 9] = [
        (
            "CREATE INDEX idx_accounts_email ON accounts (email);",
            false,
            "require-concurrent-index-creation",
        ),
        (
            "DROP INDEX idx_accounts_email;",
            false,
            "require-concurrent-index-deletion",
        ),
        (
            "ALTER TABLE accounts ADD CONSTRAINT chk_accounts_status CHECK (status <> '');",
            false,
            "constraint-missing-not-valid",
        ),
        (
            "ALTER TABLE accounts ADD CONSTRAINT fk_accounts_plan FOREIGN KEY (plan_id) REFERENCES plans (id);",
            false,
            "adding-foreign-key-constraint",
        ),
        (
            "ALTER TABLE accounts ALTER COLUMN email TYPE varchar(200);",
            false,
            "changing-column-type",
        ),
        (
            "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;",
            false,
            "adding-not-nullable-field",
        ),
        (
            "ALTER TABLE accounts ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp();",
            false,
            "adding-field-with-default",
        ),
        (
            "ALTER TABLE accounts ADD CONSTRAINT uq_accounts_email UNIQUE (email);",
            false,
            "disallowed-unique-constraint",
        ),
        (
            "UPDATE accounts SET status = 'active';",
            false,
            "whole-table-write",
        ),
    ];
    for (up, outside, rule) in cases {
        let (code, rules, out) = rules_of(up, outside);
        assert_eq!(code, 10, "{up}: {out}");
        assert!(
            rules.iter().any(|r| r == rule),
            "{up}: expected {rule}, got {rules:?}"
        );
    }
}

/// (A VALIDATE in the same file as its NOT VALID is a finding: in one
/// transaction the ADD's lock is held while every row is checked.)
#[test]
fn the_online_way_of_each_is_clean() {
    for (up, outside) in [
        (
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_accounts_email ON accounts (email);",
            true,
        ),
        (
            "DROP INDEX CONCURRENTLY IF EXISTS idx_accounts_email;",
            true,
        ),
        (
            "ALTER TABLE accounts ADD CONSTRAINT chk_accounts_status CHECK (status <> '') NOT VALID;",
            false,
        ),
        (
            "ALTER TABLE accounts ADD COLUMN note text DEFAULT 'none';",
            false,
        ),
        (
            "UPDATE accounts SET status = 'active' WHERE status IS NULL AND id <= 1000;",
            false,
        ),
        ("DELETE FROM accounts WHERE id = 7;", false),
    ] {
        let (code, rules, out) = rules_of(up, outside);
        assert_eq!((code, rules), (0, vec![]), "{up}: {out}");
    }
}

#[test]
fn the_embedded_set_is_clean_and_a_finding_says_where_and_what_to_do() {
    let out = binary(&["lint"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("No statement blocks writes"));

    let set = migration_dir(
        &[(
            "001_people",
            "CREATE TABLE IF NOT EXISTS people (id int PRIMARY KEY, name text);\n\n\
             DELETE FROM people;\n",
            "DROP TABLE people;",
        )],
        None,
    );
    let dir = set.path().to_str().unwrap();
    let out = binary(&["--migration-dir", dir, "lint"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(10));
    assert!(
        stdout.contains("001_people/up.sql:3:1: whole-table-write: DELETE with no WHERE")
            && stdout.contains("Fix: "),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 statement(s)"));
}

/// `run --dry-run` shows the findings of what it would apply, and changes
/// nothing.
#[test]
fn a_dry_run_shows_the_findings_of_what_it_would_apply() {
    let db = PgDb::new();
    let set = migration_dir(
        &[
            (
                "001_people",
                "CREATE TABLE IF NOT EXISTS people (id int PRIMARY KEY, name text);\n",
                "DROP TABLE people;",
            ),
            (
                "002_index",
                "CREATE INDEX IF NOT EXISTS idx_people_name ON people (name);\n",
                "DROP INDEX idx_people_name;",
            ),
        ],
        None,
    );
    let dir = set.path().to_str().unwrap();
    migrate(&db.url, &["--migration-dir", dir, "run", "--to", "001"]).assert_code(0);
    let out = migrate(&db.url, &["--migration-dir", dir, "run", "--dry-run"]);
    out.assert_code(0);
    assert!(
        out.all()
            .contains("lint: 002_index/up.sql:1:1: require-concurrent-index-creation"),
        "{}",
        out.all()
    );
    assert_eq!(
        db.strings(
            "SELECT count(*)::text AS v FROM pg_indexes WHERE indexname = 'idx_people_name'"
        ),
        ["0"]
    );
}
