//! run, force and status on PostgreSQL through the binary.

use crate::support::{PgDb, all_tables, assert_same_schema, migrate, migration_dir};

#[test]
fn fresh_run_creates_the_22_tables_and_records_each_migration() {
    let db = PgDb::new();
    let out = migrate(&db.url, &["run"]);
    out.assert_code(0);
    assert_eq!(db.tables(), all_tables());
    for version in ["001", "002", "003", "004", "005"] {
        assert!(
            out.stdout.contains(&format!("Migration {version} "))
                && out.stdout.contains(" applied in "),
            "{}",
            out.stdout
        );
    }
    assert!(
        out.stdout
            .contains("Done: 5 applied, 0 skipped, 0 already applied in "),
        "{}",
        out.stdout
    );

    let rows = db.strings(
        "SELECT concat_ws('|', version, name, action, success, execution_time_ms >= 0, \
         length(checksum), executed_by, tool_version) AS v FROM bxm_migration_actions ORDER BY executed_at, id",
    );
    assert_eq!(
        rows,
        [
            "001|create_core_tables|apply|t|t|64|postgres|0.1.0",
            "002|add_payment_transactions_table|apply|t|t|64|postgres|0.1.0",
            "003|add_payment_logging_tables|apply|t|t|64|postgres|0.1.0",
            "004|add_call_masking_tables|apply|t|t|64|postgres|0.1.0",
            "005|add_push_notification_tables|apply|t|t|64|postgres|0.1.0",
        ]
    );
    assert_eq!(
        db.strings("SELECT version::text AS v FROM __diesel_schema_migrations ORDER BY 1"),
        ["001", "002", "003", "004", "005"]
    );
}

#[test]
fn second_run_changes_nothing() {
    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    let before = db.dump();
    let out = migrate(&db.url, &[]);
    out.assert_code(0);
    assert_same_schema(&db.dump(), &before, "second run");
    assert!(
        out.stdout
            .contains("Migration 001 create_core_tables already applied, skipping"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("Done: 0 applied, 0 skipped, 5 already applied"),
        "{}",
        out.stdout
    );
    assert_eq!(
        db.strings("SELECT count(*)::text AS v FROM bxm_migration_actions"),
        ["5"]
    );
}

#[test]
fn skip_optional_then_a_plain_run_applies_the_skipped_ones() {
    let db = PgDb::new();
    let out = migrate(&db.url, &["run", "--skip-optional"]);
    out.assert_code(0);
    assert!(
        out.stdout.contains("Done: 2 applied, 3 skipped"),
        "{}",
        out.stdout
    );
    let tables = db.tables();
    assert!(tables.contains(&"payment_transactions".to_string()));
    assert!(!tables.contains(&"payment_security_events".to_string()));
    assert!(!tables.contains(&"call_sessions".to_string()));
    assert!(!tables.contains(&"user_push_tokens".to_string()));

    let status = migrate(&db.url, &["status", "--format", "json", "--check"]);
    status.assert_code(0);
    let rows: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let states: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        ["applied", "applied", "skipped", "skipped", "skipped"]
    );

    // Skipping again does not add history rows.
    migrate(&db.url, &["--skip-optional"]).assert_code(0);
    assert_eq!(
        db.strings("SELECT count(*)::text AS v FROM bxm_migration_actions WHERE action = 'skip'"),
        ["3"]
    );

    let out = migrate(&db.url, &["run"]);
    out.assert_code(0);
    assert!(
        out.stdout
            .contains("Done: 3 applied, 0 skipped, 2 already applied"),
        "{}",
        out.stdout
    );
    assert_eq!(db.tables(), all_tables());
}

#[test]
fn force_restores_drift_and_keeps_every_row() {
    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    db.execute(
        "INSERT INTO users (full_name, email, phone, password, role) \
         VALUES ('Asha Rao', 'asha@example.com', '+919800000001', 'x', 'user');
         DROP INDEX idx_bookings_status;
         DROP TABLE call_recordings;",
    );
    let out = migrate(&db.url, &["force"]);
    out.assert_code(0);
    assert!(
        out.stdout.contains("Done: 0 applied, 5 re-run, 0 skipped"),
        "{}",
        out.stdout
    );
    assert!(db.tables().contains(&"call_recordings".to_string()));
    assert_eq!(
        db.strings(
            "SELECT indexname::text AS v FROM pg_indexes WHERE indexname = 'idx_bookings_status'"
        ),
        ["idx_bookings_status"]
    );
    assert_eq!(
        db.strings("SELECT email AS v FROM users"),
        ["asha@example.com"]
    );
    assert_eq!(
        db.strings("SELECT count(*)::text AS v FROM bxm_migration_actions WHERE action = 'force'"),
        ["5"]
    );
    // `run --force` is the same command.
    migrate(&db.url, &["run", "--force"]).assert_code(0);
    assert_eq!(
        db.strings("SELECT count(*)::text AS v FROM bxm_migration_actions WHERE action = 'force'"),
        ["10"]
    );
}

#[test]
fn status_as_table_json_and_check() {
    let db = PgDb::new();
    let fresh = migrate(&db.url, &["status", "--check"]);
    fresh.assert_code(6);
    assert!(
        fresh
            .stderr
            .contains("2 required migration(s) pending: 001, 002"),
        "{}",
        fresh.stderr
    );
    // Status only reads: a fresh database stays empty.
    assert!(db.tables().is_empty());
    migrate(&db.url, &["status"]).assert_code(0);

    migrate(&db.url, &[]).assert_code(0);
    let table = migrate(&db.url, &["status"]);
    table.assert_code(0);
    for name in ["create_core_tables", "add_push_notification_tables"] {
        assert!(table.stdout.contains(name), "{}", table.stdout);
    }
    assert_eq!(
        table.stdout.matches(" applied ").count(),
        5,
        "{}",
        table.stdout
    );

    let json = migrate(&db.url, &["status", "--format", "json", "--check"]);
    json.assert_code(0);
    let rows: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    for row in rows.as_array().unwrap() {
        let mut keys: Vec<&str> = row
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "executed_at",
                "execution_time_ms",
                "name",
                "optional",
                "state",
                "version"
            ]
        );
        assert!(row["executed_at"].as_str().unwrap().ends_with('Z'));
        assert!(row["execution_time_ms"].is_number());
    }
    assert_eq!(rows[3]["optional"], serde_json::json!(true));
    assert_eq!(rows[0]["optional"], serde_json::json!(false));
}

#[test]
fn a_version_only_the_database_knows_is_unknown() {
    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    db.execute("INSERT INTO __diesel_schema_migrations (version) VALUES ('999')");
    let out = migrate(&db.url, &["status", "--format", "json"]);
    out.assert_code(0);
    let rows: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(rows[5]["version"], "999");
    assert_eq!(rows[5]["state"], "unknown");
}

#[test]
fn a_failing_migration_is_rolled_back_and_later_ones_are_not_tried() {
    let set = migration_dir(
        &[
            (
                "001_first",
                "CREATE TABLE firsts (id int);",
                "DROP TABLE firsts;",
            ),
            (
                "002_broken",
                "CREATE TABLE seconds (id int); CREATE INDEX idx_seconds_id ON seconds (id);\n\
                 INSERT INTO no_such_table VALUES (1);",
                "DROP TABLE seconds;",
            ),
            (
                "003_third",
                "CREATE TABLE thirds (id int);",
                "DROP TABLE thirds;",
            ),
        ],
        None,
    );
    let db = PgDb::new();
    let dir = set.path().to_str().unwrap();
    let out = migrate(&db.url, &["--migration-dir", dir]);
    out.assert_code(5);
    assert!(
        out.stderr.contains("migration 002 broken failed")
            && out
                .stderr
                .contains("relation \"no_such_table\" does not exist"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
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
        db.strings(
            "SELECT indexname::text AS v FROM pg_indexes WHERE indexname = 'idx_seconds_id'"
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        db.strings("SELECT version AS v FROM bxm_migration_actions"),
        ["001"]
    );
    assert_eq!(
        db.strings("SELECT version::text AS v FROM __diesel_schema_migrations"),
        ["001"]
    );
}

#[test]
fn a_missing_dependency_is_refused_before_anything_runs() {
    let set = migration_dir(
        &[
            (
                "001_feature",
                "CREATE TABLE features (id int);",
                "DROP TABLE features;",
            ),
            (
                "002_uses_feature",
                "CREATE TABLE feature_uses (feature_id int);",
                "DROP TABLE feature_uses;",
            ),
        ],
        Some(
            "[001]\nname = \"feature\"\noptional = true\n\n[002]\nname = \"uses_feature\"\nneeds = [\"001\"]\n",
        ),
    );
    let db = PgDb::new();
    let dir = set.path().to_str().unwrap();
    let out = migrate(&db.url, &["run", "--skip-optional", "--migration-dir", dir]);
    out.assert_code(5);
    assert!(
        out.stderr.contains("migration 002 uses_feature needs 001")
            && out.stderr.contains("--skip-optional"),
        "{}",
        out.stderr
    );
    assert!(db.tables().is_empty(), "a refused run must change nothing");
}

#[test]
fn a_foreign_migrations_table_is_never_touched() {
    let db = PgDb::new();
    db.execute(
        "CREATE TABLE migrations (id serial PRIMARY KEY, name text NOT NULL, \
         executed_at timestamp DEFAULT now());
         INSERT INTO migrations (name) VALUES ('001-create-core-tables');",
    );
    let out = migrate(&db.url, &[]);
    out.assert_code(8);
    assert!(
        out.stderr
            .contains("neither the Node.js runner's `migrations` nor this binary's"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("id, name, executed_at"),
        "{}",
        out.stderr
    );
    assert_eq!(db.tables(), ["migrations"]);
    assert_eq!(
        db.strings("SELECT name AS v FROM migrations"),
        ["001-create-core-tables"]
    );
}

#[test]
fn verbose_shows_the_session_and_each_statement_but_never_the_password() {
    let db = PgDb::new();
    let mut url = url::Url::parse(&db.url).unwrap();
    // The test server trusts local connections, so any password is accepted.
    url.set_password(Some("Xq7-distinctive-PW")).unwrap();
    let out = migrate(url.as_str(), &["run", "-v"]);
    out.assert_code(0);
    assert!(
        out.stderr
            .contains(&format!("database {} user postgres", db.name)),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("CREATE TABLE IF NOT EXISTS users"),
        "{}",
        out.stderr
    );
    assert!(!out.all().contains("Xq7-distinctive-PW"));
    let status = migrate(url.as_str(), &["status", "-v"]);
    status.assert_code(0);
    assert!(!status.all().contains("Xq7-distinctive-PW"));

    // libpq also takes the password as a query parameter; force prints a
    // backup command with the URL in it.
    let in_query = format!("{}?password=Xq7-distinctive-PW", db.url);
    for args in [
        &["force", "-v"][..],
        &["status", "-v"],
        &["revert", "--yes"],
    ] {
        let out = migrate(&in_query, args);
        out.assert_code(0);
        assert!(
            !out.all().contains("Xq7-distinctive-PW"),
            "{args:?}: {}",
            out.all()
        );
    }
}
