//! Databases the Node.js runner created: its `migrations` table and rows (as
//! tests/data/node-runner/README.md describes them) on top of its schema.
//! The binary shows them as they are, adopts them after checking every
//! object, refuses drifted ones without changing anything, and leaves both
//! runners able to read the history.

use diesel::connection::SimpleConnection;

use buildxpert_migrate::catalog::Catalog;
use buildxpert_migrate::config::Backend;

use crate::support::{PgDb, SqliteDb, migrate, migration_dir, outside_transaction};

/// The Node runner's table, exactly as its first release creates it.
const NODE_TABLE: &str = "CREATE TABLE IF NOT EXISTS migrations (id VARCHAR(10) PRIMARY KEY, \
     name TEXT NOT NULL, description TEXT, executed_at TIMESTAMP DEFAULT NOW(), \
     success BOOLEAN DEFAULT TRUE, error_message TEXT, execution_time_ms INTEGER)";

/// Titles and descriptions the Node runner recorded, by version.
fn node_titles() -> Vec<(String, String, String)> {
    include_str!("../data/node-runner/history.tsv")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut f = l.split('\t');
            let mut next = || f.next().unwrap_or_default().to_string();
            (next(), next(), next())
        })
        .collect()
}

/// Runs the embedded up.sql of `versions` directly (001–005 reproduce the
/// Node runner's schema exactly: tests/it/node_schema.rs proves it).
fn create_schema(db: &PgDb, versions: &[&str]) {
    let catalog = Catalog::embedded(Backend::Postgres).unwrap();
    let mut conn = db.conn();
    for version in versions {
        conn.batch_execute(&catalog.get(version).unwrap().up_sql)
            .unwrap();
    }
}

/// A database as the Node runner leaves it: the schema of `done` plus
/// `failed` (with the error it recorded), and one row per migration it
/// attempted, written in an Asia/Kolkata session 30 days ago, a minute apart.
fn node_database(done: &[&str], failed: Option<&str>) -> PgDb {
    let db = PgDb::new();
    let mut attempted: Vec<&str> = done.to_vec();
    attempted.extend(failed);
    create_schema(&db, &attempted);
    let mut sql = format!("SET timezone = 'Asia/Kolkata'; {NODE_TABLE};");
    for (i, (version, title, description)) in node_titles().iter().enumerate() {
        let success = done.contains(&version.as_str());
        if !success && failed != Some(version.as_str()) {
            continue;
        }
        let error = if success {
            "NULL".to_string()
        } else {
            "'relation \"payment_api_logs\" already exists'".to_string()
        };
        sql.push_str(&format!(
            "INSERT INTO migrations (id, name, description, executed_at, success, error_message, \
             execution_time_ms) VALUES ('{version}', '{title}', '{description}', \
             (now() - interval '30 days' + interval '{i} minutes')::timestamp, {success}, {error}, \
             {});",
            40 + i
        ));
    }
    db.execute(&sql);
    db
}

/// The whole schema as pg_dump prints it, without the tracking tables.
fn app_schema(db: &PgDb) -> String {
    db.dump_without(&[
        "migrations",
        "bxm_migration_actions",
        "__diesel_schema_migrations",
    ])
}

/// What the Node runner's own check finds done.
fn node_check(db: &PgDb) -> Vec<String> {
    db.strings("SELECT id::text AS v FROM migrations WHERE success = TRUE ORDER BY executed_at")
}

fn states(db: &PgDb) -> Vec<String> {
    let out = migrate(&db.url, &["status", "--format", "json"]);
    out.assert_code(0);
    let rows: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["version"].as_str().unwrap(),
                r["state"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn status_shows_a_node_database_as_it_is_and_writes_nothing() {
    let db = node_database(&["001", "002", "003", "004", "005"], None);
    let before = db.dump();
    let out = migrate(&db.url, &["status", "--format", "json"]);
    out.assert_code(0);
    let rows: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    for row in rows.as_array().unwrap() {
        assert_eq!(row["state"], "applied", "{row}");
        let at = row["executed_at"].as_str().unwrap();
        assert!(at.ends_with('Z'), "{at}");
        assert!(
            row["note"].as_str().unwrap().contains("Node.js runner"),
            "{row}"
        );
        assert_eq!(
            row["execution_time_ms"].as_i64().map(|ms| ms >= 40),
            Some(true)
        );
    }
    // IST 30 days ago, shown in UTC: 5h30 earlier than the local text.
    let local = db.strings(
        "SELECT to_char(executed_at - interval '5 hours 30 minutes', 'YYYY-MM-DD\"T\"HH24:MI') \
         AS v FROM migrations WHERE id = '001'",
    );
    assert!(
        rows[0]["executed_at"]
            .as_str()
            .unwrap()
            .starts_with(&local[0]),
        "{local:?} vs {}",
        rows[0]
    );
    migrate(&db.url, &["status", "--check"]).assert_code(0);
    migrate(&db.url, &["run", "--dry-run"]).assert_code(0);
    assert_eq!(db.dump(), before, "status or --dry-run wrote something");
}

#[test]
fn run_adopts_a_node_database_and_both_runners_agree_afterwards() {
    let db = node_database(&["001", "002", "003", "004", "005"], None);
    let app_before = app_schema(&db);
    let node_before = db.strings(
        "SELECT id || ' ' || executed_at || ' ' || execution_time_ms AS v FROM migrations ORDER BY id",
    );
    let out = migrate(&db.url, &[]);
    out.assert_code(0);
    assert!(out.stdout.contains("5 adopted"), "{}", out.stdout);
    assert_eq!(app_schema(&db), app_before, "adoption touched the schema");
    assert_eq!(
        db.strings("SELECT version AS v FROM __diesel_schema_migrations ORDER BY 1"),
        ["001", "002", "003", "004", "005"]
    );
    assert_eq!(
        db.strings("SELECT action || ' ' || version AS v FROM bxm_migration_actions ORDER BY id"),
        [
            "adopt 001",
            "adopt 002",
            "adopt 003",
            "adopt 004",
            "adopt 005"
        ]
    );
    // The Node runner's rows keep their own times and durations.
    assert_eq!(
        db.strings(
            "SELECT id || ' ' || executed_at || ' ' || execution_time_ms AS v FROM migrations \
             ORDER BY id"
        ),
        node_before
    );
    assert_eq!(node_check(&db), ["001", "002", "003", "004", "005"]);
    assert!(states(&db).iter().all(|s| s.ends_with("applied")));
    let again = migrate(&db.url, &[]);
    again.assert_code(0);
    assert!(
        again.stdout.contains("5 already applied"),
        "{}",
        again.stdout
    );
}

#[test]
fn a_skip_optional_node_database_then_the_rest_sorted_among_the_node_rows() {
    let db = node_database(&["001", "002"], None);
    assert_eq!(
        states(&db),
        [
            "001 applied",
            "002 applied",
            "003 pending",
            "004 pending",
            "005 pending"
        ]
    );
    migrate(&db.url, &["run", "--skip-optional"]).assert_code(0);
    assert_eq!(
        states(&db),
        [
            "001 applied",
            "002 applied",
            "003 skipped",
            "004 skipped",
            "005 skipped"
        ]
    );
    migrate(&db.url, &["status", "--check"]).assert_code(0);
    migrate(&db.url, &[]).assert_code(0);
    // SELECT * FROM migrations ORDER BY executed_at: the Node runner's rows
    // (IST, 30 days ago), then ours (IST, now).
    assert_eq!(node_check(&db), ["001", "002", "003", "004", "005"]);
    let ist_now = db.strings(
        "SELECT (abs(extract(epoch FROM (now() AT TIME ZONE 'Asia/Kolkata') - executed_at)) < 600)::text \
         AS v FROM migrations WHERE id = '005'",
    );
    assert_eq!(
        ist_now,
        ["true"],
        "our rows are not in Asia/Kolkata local time"
    );
    assert_eq!(
        db.strings("SELECT name || ' | ' || description AS v FROM migrations WHERE id = '004'"),
        [format!("{} | {}", node_titles()[3].1, node_titles()[3].2)]
    );
}

#[test]
fn a_failed_node_migration_with_half_its_tables_is_completed_by_the_next_run() {
    let db = node_database(&["001", "002"], Some("003"));
    db.execute("DROP TABLE payment_security_events; DROP TABLE payment_api_logs;");
    assert_eq!(
        states(&db),
        [
            "001 applied",
            "002 applied",
            "003 failed",
            "004 pending",
            "005 pending"
        ]
    );
    let out = migrate(&db.url, &["status"]);
    assert!(
        out.stdout.contains("failed under the Node.js runner"),
        "{}",
        out.stdout
    );
    let dry = migrate(&db.url, &["run", "--dry-run"]);
    dry.assert_code(0);
    assert!(
        dry.stdout.contains("1. adopt 001") && dry.stdout.contains("3. apply 003"),
        "{}",
        dry.stdout
    );
    migrate(&db.url, &[]).assert_code(0);
    assert!(db.tables().contains(&"payment_security_events".to_string()));
    assert_eq!(node_check(&db), ["001", "002", "003", "004", "005"]);
    assert_eq!(
        db.strings("SELECT version::text || ' ' || (error_message IS NULL)::text AS v FROM migrations WHERE id = '003'"),
        ["2 true"],
        "a re-run counts in `version` and clears the old error"
    );
}

#[test]
fn force_on_a_node_database_re_runs_and_records_every_migration() {
    let db = node_database(&["001", "002", "003", "004", "005"], None);
    let app_before = app_schema(&db);
    migrate(&db.url, &["force"]).assert_code(0);
    assert_eq!(app_schema(&db), app_before);
    assert_eq!(
        db.strings("SELECT count(*)::text AS v FROM bxm_migration_actions WHERE action = 'force'"),
        ["5"]
    );
    assert_eq!(node_check(&db).len(), 5);
    assert!(states(&db).iter().all(|s| s.ends_with("applied")));
}

#[test]
fn a_schema_without_history_is_refused_until_adopted_with_a_baseline() {
    let db = PgDb::new();
    create_schema(&db, &["001", "002", "003", "004", "005"]);
    let before = db.dump();
    let out = migrate(&db.url, &[]);
    out.assert_code(8);
    assert!(out.stderr.contains("adopt --baseline"), "{}", out.stderr);
    assert_eq!(db.dump(), before, "a refused run changed something");

    let dry = migrate(&db.url, &["adopt", "--baseline", "005", "--dry-run"]);
    dry.assert_code(0);
    assert!(dry.stdout.contains("5. adopt 005"), "{}", dry.stdout);
    assert_eq!(db.dump(), before);

    migrate(&db.url, &["adopt", "--baseline", "005"]).assert_code(0);
    assert_eq!(node_check(&db).len(), 5);
    assert!(states(&db).iter().all(|s| s.ends_with("applied")));
    migrate(&db.url, &["status", "--check"]).assert_code(0);
}

#[test]
fn a_baseline_past_what_the_schema_holds_is_refused_naming_what_is_missing() {
    let db = PgDb::new();
    create_schema(&db, &["001", "002"]);
    let before = db.dump();
    let out = migrate(&db.url, &["adopt", "--baseline", "003"]);
    out.assert_code(8);
    assert!(
        out.stderr.contains("missing table payment_events"),
        "{}",
        out.stderr
    );
    assert_eq!(db.dump(), before);
    migrate(&db.url, &["adopt", "--baseline", "002"]).assert_code(0);
    migrate(&db.url, &[]).assert_code(0);
}

#[test]
fn a_drifted_node_database_is_not_adopted_and_nothing_changes() {
    let db = node_database(&["001", "002", "003", "004", "005"], None);
    db.execute(
        "DROP INDEX idx_bookings_status; \
         ALTER TABLE payment_transactions ALTER COLUMN amount TYPE numeric;",
    );
    let before = db.dump();
    let out = migrate(&db.url, &[]);
    out.assert_code(8);
    assert!(
        out.stderr.contains("missing index idx_bookings_status")
            && out
                .stderr
                .contains("column payment_transactions.amount: numeric(10,2)")
            && out.stderr.contains("expected, numeric"),
        "{}",
        out.stderr
    );
    assert_eq!(db.dump(), before, "a refused adoption changed something");
    migrate(&db.url, &["run", "--dry-run"]).assert_code(8);
}

#[test]
fn only_an_index_added_by_hand_does_not_block_adoption() {
    let drifted = node_database(&["001", "002"], None);
    drifted.execute("ALTER TABLE users ADD COLUMN nickname text;");
    let out = migrate(&drifted.url, &["run", "--skip-optional"]);
    out.assert_code(8);
    assert!(
        out.stderr.contains("extra column users.nickname"),
        "{}",
        out.stderr
    );

    let db = node_database(&["001", "002"], None);
    db.execute("CREATE INDEX idx_users_created_at_by_hand ON users (created_at);");
    migrate(&db.url, &["run", "--skip-optional"]).assert_code(0);
}

#[test]
fn the_node_runners_lock_makes_the_binary_wait() {
    let db = node_database(&["001"], None);
    let mut holder = db.conn();
    holder
        .batch_execute("SELECT pg_advisory_lock(1234567890)")
        .unwrap();
    let out = migrate(&db.url, &["--lock-wait", "1", "run"]);
    out.assert_code(7);
    assert!(
        out.stderr.contains("Node.js runner's lock 1234567890"),
        "{}",
        out.stderr
    );
    holder
        .batch_execute("SELECT pg_advisory_unlock(1234567890)")
        .unwrap();
    migrate(&db.url, &["run"]).assert_code(0);
}

#[test]
fn a_fresh_run_leaves_history_the_node_runner_reads() {
    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    // The Node runner's check, and its status query.
    assert_eq!(node_check(&db), ["001", "002", "003", "004", "005"]);
    let listed = db.strings(
        "SELECT id || ' ' || name || ' ' || success || ' ' || (execution_time_ms >= 0) AS v \
         FROM migrations ORDER BY executed_at",
    );
    assert_eq!(listed[0], "001 Create Core Tables true true");
    // A revert takes the row away: the Node runner must not find it done.
    migrate(&db.url, &["revert", "005", "--only", "--yes"]).assert_code(0);
    assert_eq!(node_check(&db), ["001", "002", "003", "004"]);
}

#[test]
fn sqlite_a_schema_without_history_is_adopted_with_a_baseline() {
    let lite = SqliteDb::new();
    let catalog = Catalog::embedded(Backend::Sqlite).unwrap();
    for entry in catalog.entries() {
        lite.execute(&entry.up_sql);
    }
    migrate(&lite.url(), &[]).assert_code(8);
    lite.execute("DROP INDEX idx_bookings_status;");
    let out = migrate(&lite.url(), &["adopt", "--baseline", "005"]);
    out.assert_code(8);
    assert!(out.stderr.contains("idx_bookings_status"), "{}", out.stderr);
    lite.execute("CREATE INDEX idx_bookings_status ON bookings (status);");
    migrate(&lite.url(), &["adopt", "--baseline", "005"]).assert_code(0);
    migrate(&lite.url(), &["status", "--check"]).assert_code(0);
}

#[test]
fn an_adoption_that_cannot_be_recorded_is_a_database_error_and_records_nothing() {
    let lite = SqliteDb::new();
    migrate(&lite.url(), &[]).assert_code(0);
    // The schema and empty tracking tables, whose log refuses an adoption.
    lite.execute(
        "DELETE FROM bxm_migration_actions; DELETE FROM __diesel_schema_migrations; \
         DELETE FROM migrations; \
         CREATE TRIGGER no_adoptions BEFORE INSERT ON bxm_migration_actions \
         WHEN NEW.action = 'adopt' BEGIN SELECT RAISE(ABORT, 'adoptions refused here'); END;",
    );
    let out = migrate(&lite.url(), &["adopt", "--baseline", "005"]);
    // Not a migration that failed (5): nothing ran, a write was refused.
    out.assert_code(1);
    assert!(
        out.stderr.contains("recording the adoption")
            && out.stderr.contains("adoptions refused here"),
        "{}",
        out.all()
    );
    assert_eq!(
        lite.strings(
            "SELECT count(*) || ' ' || (SELECT count(*) FROM __diesel_schema_migrations) \
             || ' ' || (SELECT count(*) FROM migrations) AS v FROM bxm_migration_actions"
        ),
        ["0 0 0"]
    );
}

/// A later Node release's table: executed_by, checksum (the version id),
/// version (a re-run counter) and its two indexes. We write executed_by and
/// version with their meanings and keep our SHA-256 out of checksum.
#[test]
fn a_later_node_releases_table_keeps_its_meanings() {
    let db = node_database(&["001", "002"], None);
    db.execute(
        "ALTER TABLE migrations ADD COLUMN IF NOT EXISTS executed_by TEXT; \
         ALTER TABLE migrations ADD COLUMN IF NOT EXISTS checksum TEXT; \
         ALTER TABLE migrations ADD COLUMN IF NOT EXISTS version INTEGER DEFAULT 1; \
         CREATE INDEX IF NOT EXISTS idx_migrations_executed_at ON migrations (executed_at); \
         CREATE INDEX IF NOT EXISTS idx_migrations_success ON migrations (success); \
         UPDATE migrations SET checksum = id, executed_by = 'deploy';",
    );
    migrate(&db.url, &["run", "--skip-optional"]).assert_code(0);
    migrate(&db.url, &["force", "--to", "002"]).assert_code(0);
    assert_eq!(
        db.strings(
            "SELECT id || ' ' || checksum || ' ' || version || ' ' || (executed_by <> 'deploy') \
             AS v FROM migrations ORDER BY id"
        ),
        ["001 001 2 true", "002 002 2 true"]
    );
}

/// Production databases move with pg_dump / pg_restore, after which
/// PostgreSQL prints some check constraints differently: still adopted.
#[test]
fn a_node_database_moved_with_pg_dump_and_pg_restore_is_adopted() {
    let source = node_database(&["001", "002", "003", "004", "005"], None);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("node.dump");
    let dumped = std::process::Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(&file)
        .args(["--dbname", &source.url])
        .status()
        .unwrap();
    assert!(dumped.success());
    let restored = PgDb::new();
    let status = std::process::Command::new("pg_restore")
        .args(["--no-owner", "--dbname", &restored.url])
        .arg(&file)
        .status()
        .unwrap();
    assert!(status.success());
    let check = "SELECT pg_get_constraintdef(oid) AS v FROM pg_constraint \
                 WHERE conname = 'payment_transactions_status_check'";
    assert_ne!(
        restored.strings(check),
        source.strings(check),
        "this server prints the restored check as the original: the test proves nothing"
    );
    let out = migrate(&restored.url, &[]);
    out.assert_code(0);
    assert!(out.stdout.contains("5 adopted"), "{}", out.stdout);
    migrate(&restored.url, &["verify"]).assert_code(0);
}

/// Every fixture × every command: what each must do, and that the
/// read-only ones change nothing. (fixture, status state of 003, run's
/// exit code, adopt --baseline 005's exit code)
#[test]
fn each_node_fixture_under_each_command() {
    let all = ["001", "002", "003", "004", "005"];
    type Fixture = (&'static str, fn() -> PgDb, &'static str, i32, i32);
    let fixtures: [Fixture; 4] = [
        (
            "full",
            || node_database(&["001", "002", "003", "004", "005"], None),
            "applied",
            0,
            0,
        ),
        (
            "skip-optional",
            || node_database(&["001", "002"], None),
            "pending",
            0,
            8,
        ),
        (
            "failed 003",
            || node_database(&["001", "002"], Some("003")),
            "failed",
            0,
            8,
        ),
        (
            "no history",
            || {
                let db = PgDb::new();
                create_schema(&db, &["001", "002", "003", "004", "005"]);
                db
            },
            "pending",
            8,
            0,
        ),
    ];
    for (name, make, state_003, run_code, baseline_code) in fixtures {
        // status and --dry-run: the real state, nothing written.
        let db = make();
        let before = db.dump();
        assert_eq!(states(&db)[2], format!("003 {state_003}"), "{name}");
        let dry = migrate(&db.url, &["run", "--dry-run"]);
        dry.assert_code(run_code);
        migrate(&db.url, &["adopt", "--baseline", "005", "--dry-run"]).assert_code(baseline_code);
        assert_eq!(db.dump(), before, "{name}: a read-only command wrote");
        // run
        migrate(&db.url, &[]).assert_code(run_code);
        if run_code == 0 {
            assert_eq!(node_check(&db), all, "{name}");
            migrate(&db.url, &["status", "--check"]).assert_code(0);
        } else {
            assert_eq!(db.dump(), before, "{name}: a refused run wrote");
        }
        // force on a fresh copy
        let db = make();
        migrate(&db.url, &["force"]).assert_code(run_code);
        if run_code == 0 {
            assert_eq!(node_check(&db), all, "{name}");
        }
        // adopt --baseline on a fresh copy
        let db = make();
        let before = db.dump();
        migrate(&db.url, &["adopt", "--baseline", "005"]).assert_code(baseline_code);
        if baseline_code == 0 {
            assert!(states(&db).iter().all(|s| s.ends_with("applied")), "{name}");
        } else {
            assert_eq!(db.dump(), before, "{name}: a refused baseline wrote");
        }
    }
}

/// Migrations outside a transaction write a "started" row first: in the
/// Node runner's table it must not count as a run, a failure's unknown time
/// stays NULL, and adopting such a migration (no SQL to run) writes no
/// "started" row at all.
#[test]
fn migrations_outside_a_transaction_count_once_in_the_node_table() {
    let set = migration_dir(
        &[
            ("001_t", "CREATE TABLE t (id int);", "DROP TABLE t;"),
            (
                "002_idx",
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_t_id ON t (id);",
                "DROP INDEX CONCURRENTLY IF EXISTS idx_t_id;",
            ),
            (
                "003_bad",
                "CREATE INDEX CONCURRENTLY idx_t_nope ON t (nope);",
                "SELECT 1;",
            ),
        ],
        None,
    );
    outside_transaction(&set, "002_idx");
    outside_transaction(&set, "003_bad");
    let dir = set.path().to_str().unwrap();
    let rows = "SELECT id || ' ' || success || ' ' || coalesce(version::text, '-') || ' ' || \
                (execution_time_ms IS NULL) AS v FROM migrations ORDER BY id";

    let db = PgDb::new();
    migrate(&db.url, &["run", "--migration-dir", dir]).assert_code(5);
    assert_eq!(
        db.strings(rows),
        ["001 true 1 false", "002 true 1 false", "003 false 1 true"]
    );

    let adopted = PgDb::new();
    adopted.execute(&format!(
        "{NODE_TABLE}; ALTER TABLE migrations ADD COLUMN version INTEGER DEFAULT 1; \
         CREATE TABLE t (id int); CREATE INDEX idx_t_id ON t (id); \
         INSERT INTO migrations (id, name, execution_time_ms) VALUES ('001', 'T', 7), ('002', 'Idx', 9);"
    ));
    migrate(
        &adopted.url,
        &["run", "--migration-dir", dir, "--to", "002"],
    )
    .assert_code(0);
    assert_eq!(
        adopted.strings(rows),
        ["001 true 1 false", "002 true 1 false"]
    );
    assert_eq!(
        adopted.strings(
            "SELECT version || ' ' || action || ' ' || success AS v FROM bxm_migration_actions \
             ORDER BY id"
        ),
        ["001 adopt true", "002 adopt true"]
    );
}

/// Diesel's timestamp versions (a `--migration-dir` made by `diesel
/// migration generate`) do not fit the Node runner's `id VARCHAR(10)` on
/// PostgreSQL: they get no row there and the run succeeds.
#[test]
fn timestamp_versions_get_no_row_in_the_node_table() {
    let set = migration_dir(
        &[(
            "20240101000000_t",
            "CREATE TABLE t (id int);",
            "DROP TABLE t;",
        )],
        None,
    );
    let dir = set.path().to_str().unwrap();
    let db = PgDb::new();
    migrate(&db.url, &["run", "--migration-dir", dir]).assert_code(0);
    assert_eq!(
        db.strings("SELECT version AS v FROM __diesel_schema_migrations"),
        ["20240101000000"]
    );
    assert!(db.strings("SELECT id AS v FROM migrations").is_empty());
    migrate(&db.url, &["status", "--check", "--migration-dir", dir]).assert_code(0);
    migrate(
        &db.url,
        &["revert", "--all", "--yes", "--migration-dir", dir],
    )
    .assert_code(0);

    // SQLite enforces no VARCHAR length: the row is written there.
    let lite = SqliteDb::new();
    migrate(&lite.url(), &["run", "--migration-dir", dir]).assert_code(0);
    assert_eq!(
        lite.strings("SELECT id AS v FROM migrations"),
        ["20240101000000"]
    );
}

/// A migration the Node.js runner recorded as failed whose table lost a
/// column: `IF NOT EXISTS` makes its SQL a no-op, so it is checked after it
/// ran and refused (exit 8), rolled back, not recorded.
#[test]
fn a_node_failed_migration_whose_objects_differ_is_refused_not_recorded() {
    let db = node_database(&["001", "002"], Some("003"));
    db.execute("ALTER TABLE payment_api_logs DROP COLUMN response_body");
    let out = migrate(&db.url, &[]);
    out.assert_code(8);
    assert!(
        out.stderr
            .contains("migration 003 add_payment_logging_tables ran")
            && out
                .stderr
                .contains("missing column payment_api_logs.response_body")
            && out.stderr.contains("rolled back and not recorded"),
        "{}",
        out.stderr
    );
    assert_eq!(
        db.strings(
            "SELECT count(*)::text AS v FROM __diesel_schema_migrations WHERE version = '003'"
        ),
        ["0"]
    );
    assert_eq!(states(&db)[2], "003 failed");
    // Added back, the column stands last: still not what 003 defines.
    db.execute("ALTER TABLE payment_api_logs ADD COLUMN response_body jsonb");
    let reordered = migrate(&db.url, &[]);
    reordered.assert_code(8);
    assert!(
        reordered.stderr.contains("order of the columns"),
        "{}",
        reordered.stderr
    );
    // Put right (the empty table made again), the next run completes it.
    db.execute("DROP TABLE payment_api_logs");
    migrate(&db.url, &[]).assert_code(0);
    migrate(&db.url, &["verify"]).assert_code(0);
}

/// After `adopt --baseline 002` of a schema that also holds 003's tables in
/// another shape, 003 is not recorded blindly.
#[test]
fn migrations_after_a_baseline_are_checked_before_they_are_recorded() {
    let db = PgDb::new();
    create_schema(&db, &["001", "002", "003"]);
    db.execute("ALTER TABLE payment_events ADD COLUMN tenant text");
    migrate(&db.url, &["adopt", "--baseline", "002"]).assert_code(0);
    let out = migrate(&db.url, &["run", "--to", "003"]);
    out.assert_code(8);
    assert!(
        out.stderr.contains("extra column payment_events.tenant"),
        "{}",
        out.stderr
    );
    assert_eq!(states(&db)[2], "003 pending");
    db.execute("ALTER TABLE payment_events DROP COLUMN tenant");
    migrate(&db.url, &[]).assert_code(0);
    assert!(states(&db).iter().all(|s| s.ends_with("applied")));
}

/// `force` cannot change a column's type back: it says so instead of
/// recording the re-run as if it had restored the schema.
#[test]
fn a_force_that_cannot_restore_an_object_is_refused() {
    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    db.execute("ALTER TABLE ratings ALTER COLUMN review TYPE varchar(50)");
    let out = migrate(&db.url, &["force", "--to", "001"]);
    out.assert_code(8);
    assert!(
        out.stderr.contains("column ratings.review"),
        "{}",
        out.stderr
    );
    assert_eq!(
        db.strings("SELECT count(*)::text AS v FROM bxm_migration_actions WHERE action = 'force'"),
        ["0"]
    );
}

/// The Node runner's later releases (T2, from 5c8c8a4) create
/// `executed_at timestamp with time zone`: such a table is read with the
/// right times and written as those releases write it.
#[test]
fn a_later_releases_zoned_table_is_read_and_written_right() {
    let db = PgDb::new();
    create_schema(&db, &["001", "002", "003", "004", "005"]);
    let mut sql = "CREATE TABLE migrations (id VARCHAR(10) PRIMARY KEY, name TEXT NOT NULL, \
                   description TEXT, executed_at TIMESTAMP WITH TIME ZONE DEFAULT now(), \
                   success BOOLEAN DEFAULT true, error_message TEXT, execution_time_ms INTEGER, \
                   executed_by TEXT, checksum TEXT, version INTEGER DEFAULT 1); \
                   CREATE INDEX idx_migrations_executed_at ON migrations (executed_at); \
                   CREATE INDEX idx_migrations_success ON migrations (success);"
        .to_string();
    for (i, (version, title, description)) in node_titles().iter().enumerate() {
        sql.push_str(&format!(
            "INSERT INTO migrations (id, name, description, executed_at, success, \
             execution_time_ms, executed_by, checksum, version) VALUES ('{version}', '{title}', \
             '{description}', '2026-01-01 10:0{i}:00+00', true, 10, 'unknown', '{version}', 1);"
        ));
    }
    db.execute(&sql);
    let status = migrate(&db.url, &["status", "--format", "json"]);
    status.assert_code(0);
    let rows: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(rows[0]["state"], "applied", "{}", status.stdout);
    assert_eq!(rows[0]["executed_at"], "2026-01-01T10:00:00.000Z");
    assert_eq!(rows[4]["executed_at"], "2026-01-01T10:04:00.000Z");
    migrate(&db.url, &[]).assert_code(0);
    migrate(&db.url, &["force", "--to", "001"]).assert_code(0);
    assert_eq!(
        db.strings(
            "SELECT (abs(extract(epoch FROM now() - executed_at)) < 600)::text || ' ' || \
             version::text AS v FROM migrations WHERE id = '001'"
        ),
        ["true 2"]
    );
    migrate(&db.url, &["status", "--check"]).assert_code(0);
}
