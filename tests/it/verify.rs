//! `verify`: the live schema against what the applied migrations define,
//! with no second database and no trace left behind.

use std::time::{Duration, Instant};

use crate::support::{
    PgDb, PgRole, SqliteDb, finish, migrate, migration_dir, outside_transaction, spawn,
};

/// `verify --format json` as a list of (kind, table, object).
fn differences(url: &str, extra: &[&str]) -> (i32, Vec<(String, String, String)>) {
    let mut args = vec!["verify", "--format", "json"];
    args.extend(extra);
    let out = migrate(url, &args);
    let list: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.all()));
    let found = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            for key in ["kind", "table", "object", "expected", "found"] {
                assert!(d.get(key).is_some(), "{key} missing in {d}");
            }
            (
                d["kind"].as_str().unwrap().to_string(),
                d["table"].as_str().unwrap().to_string(),
                d["object"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (out.code, found)
}

fn one(kind: &str, table: &str, object: &str) -> Vec<(String, String, String)> {
    vec![(kind.to_string(), table.to_string(), object.to_string())]
}

#[test]
fn a_clean_database_verifies_with_an_empty_list() {
    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    assert_eq!(differences(&db.url, &[]), (0, vec![]));
    let out = migrate(&db.url, &["verify"]);
    out.assert_code(0);
    assert!(out.stdout.contains("matches"), "{}", out.stdout);
}

#[test]
fn each_kind_of_drift_is_exactly_that_difference() {
    let cases: [(&str, &str, &str, &str); 7] = [
        (
            "DROP INDEX idx_bookings_status",
            "missing",
            "bookings",
            "index idx_bookings_status",
        ),
        (
            "ALTER TABLE addresses DROP COLUMN pincode",
            "missing",
            "addresses",
            "column pincode",
        ),
        (
            "ALTER TABLE addresses ADD COLUMN landmark text",
            "extra",
            "addresses",
            "column landmark",
        ),
        (
            "ALTER TABLE payment_transactions ALTER COLUMN amount TYPE numeric",
            "changed",
            "payment_transactions",
            "column amount",
        ),
        (
            "ALTER TABLE addresses ALTER COLUMN type SET DEFAULT 'office'",
            "changed",
            "addresses",
            "column type",
        ),
        (
            "ALTER TABLE addresses DROP CONSTRAINT addresses_type_check; \
             ALTER TABLE addresses ADD CONSTRAINT addresses_type_check \
             CHECK (type = ANY (ARRAY['home'::text, 'office'::text]))",
            "changed",
            "addresses",
            "constraint addresses_type_check",
        ),
        (
            "ALTER TABLE addresses DROP CONSTRAINT addresses_user_id_fkey",
            "missing",
            "addresses",
            "constraint addresses_user_id_fkey",
        ),
    ];
    for (sql, kind, table, object) in cases {
        let db = PgDb::new();
        migrate(&db.url, &[]).assert_code(0);
        db.execute(sql);
        let (code, found) = differences(&db.url, &[]);
        assert_eq!(found, one(kind, table, object), "after {sql}");
        // Something expected that is missing or different fails; an extra only with --strict.
        assert_eq!(code, if kind == "extra" { 0 } else { 8 }, "after {sql}");
    }
}

#[test]
fn an_extra_table_fails_only_with_strict() {
    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    db.execute("CREATE TABLE tmp_backfill (id int)");
    assert_eq!(
        differences(&db.url, &[]),
        (0, one("extra", "tmp_backfill", "table"))
    );
    assert_eq!(differences(&db.url, &["--strict"]).0, 8);
    let out = migrate(&db.url, &["verify", "--strict"]);
    out.assert_code(8);
    assert!(
        out.stdout.contains("extra table tmp_backfill"),
        "{}",
        out.stdout
    );
}

#[test]
fn an_invalid_index_left_by_a_failed_concurrent_build_is_drift() {
    let db = PgDb::new();
    let set = migration_dir(
        &[
            (
                "001_items",
                "CREATE TABLE items (code text);",
                "DROP TABLE items;",
            ),
            (
                "002_unique",
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS uq_items_code ON items (code);",
                "DROP INDEX CONCURRENTLY IF EXISTS uq_items_code;",
            ),
        ],
        None,
    );
    outside_transaction(&set, "002_unique");
    let dir = set.path().to_str().unwrap();
    migrate(&db.url, &["--migration-dir", dir, "run", "--to", "001"]).assert_code(0);
    db.execute("INSERT INTO items VALUES ('a'), ('a')");
    // The duplicate makes the build fail and leave an invalid index; mark
    // 002 applied by hand, as a person who "repaired" it too early would.
    migrate(&db.url, &["--migration-dir", dir, "run"]).assert_code(5);
    migrate(&db.url, &["--migration-dir", dir, "repair", "002"]).assert_code(0);
    let (code, found) = differences(&db.url, &["--migration-dir", dir]);
    assert_eq!(code, 8);
    assert_eq!(found, one("changed", "items", "index uq_items_code"));
}

#[test]
fn run_verify_refuses_a_drifted_database_and_force_says_what_it_restored() {
    let db = PgDb::new();
    migrate(&db.url, &["run", "--to", "003"]).assert_code(0);
    db.execute("DROP INDEX idx_bookings_status");
    let before = db.dump();
    let out = migrate(&db.url, &["run", "--verify"]);
    out.assert_code(8);
    assert!(out.stderr.contains("idx_bookings_status"), "{}", out.stderr);
    assert_eq!(db.dump(), before, "a refused run changed something");
    let status = migrate(&db.url, &["status", "--verify"]);
    status.assert_code(8);
    assert!(
        status.stdout.contains("missing index idx_bookings_status"),
        "{}",
        status.stdout
    );

    let forced = migrate(&db.url, &["force", "--to", "003"]);
    forced.assert_code(0);
    assert!(
        forced
            .stdout
            .contains("restored: missing index idx_bookings_status")
            && forced.stdout.contains("no difference left"),
        "{}",
        forced.stdout
    );
    migrate(&db.url, &["run", "--verify"]).assert_code(0);
}

#[test]
fn verify_leaves_no_trace() {
    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    let schemas = || {
        db.strings(
            "SELECT nspname::text AS v FROM pg_namespace WHERE nspname NOT LIKE 'pg_temp%' \
             AND nspname NOT LIKE 'pg_toast_temp%' ORDER BY 1",
        )
    };
    let (before, before_schemas) = (db.dump(), schemas());
    migrate(&db.url, &["verify"]).assert_code(0);
    assert_eq!(db.dump(), before);
    assert_eq!(schemas(), before_schemas);
}

#[test]
fn a_sigkill_during_the_replay_leaves_nothing_behind() {
    let db = PgDb::new();
    let set = migration_dir(
        &[(
            "001_slow",
            "CREATE TABLE slow_t (id int); SELECT pg_sleep(2);",
            "DROP TABLE slow_t;",
        )],
        None,
    );
    let dir = set.path().to_str().unwrap();
    migrate(&db.url, &["--migration-dir", dir]).assert_code(0);
    db.forget_recorded_schema();
    let before = db.dump();
    let mut child = spawn(&db.url, &["--migration-dir", dir, "verify"]);
    let started = Instant::now();
    while db.strings(
        "SELECT count(*)::text AS v FROM pg_stat_activity WHERE query LIKE '%pg_sleep(2)%' \
         AND application_name = 'buildxpert-migrate'",
    ) == ["0"]
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the replay never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    let _ = finish(child);
    // The server notices the vanished client within a second and rolls back.
    let gone = Instant::now();
    while db.strings(
        "SELECT count(*)::text AS v FROM pg_stat_activity WHERE application_name = 'buildxpert-migrate'",
    ) != ["0"]
    {
        assert!(gone.elapsed() < Duration::from_secs(20), "the session outlived its client");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(db.dump(), before);
    // Its scratch database stays until the next replay on this server.
    migrate(&db.url, &["--migration-dir", dir, "verify"]).assert_code(0);
    assert_eq!(
        crate::support::scratch_databases_left(&db),
        Vec::<String>::new()
    );
}

#[test]
fn sqlite_drift_is_found_the_same_way() {
    let lite = SqliteDb::new();
    migrate(&lite.url(), &[]).assert_code(0);
    assert_eq!(differences(&lite.url(), &[]), (0, vec![]));
    lite.execute("DROP INDEX idx_bookings_status");
    assert_eq!(
        differences(&lite.url(), &[]),
        (8, one("missing", "bookings", "index idx_bookings_status"))
    );
}

/// The replay needs a database of its own: without a recorded schema, a
/// role that may not create one is refused with exit 4 naming CREATEDB and --scratch-database-url, and
/// verifies with a scratch server that may.
#[test]
fn a_role_without_createdb_verifies_with_a_scratch_server() {
    let role = PgRole::new("Vq7-role-password");
    let db = PgDb::new();
    db.execute(&format!(
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC; GRANT CREATE ON SCHEMA public TO {}",
        role.name
    ));
    let url = db.url_as(&role.name, "Vq7-role-password");
    migrate(&url, &[]).assert_code(0);
    // What its run recorded needs no replay.
    migrate(&url, &["verify"]).assert_code(0);
    db.forget_recorded_schema();
    let refused = migrate(&url, &["verify"]);
    refused.assert_code(4);
    assert!(
        refused.stderr.contains("CREATEDB") && refused.stderr.contains("--scratch-database-url"),
        "{}",
        refused.stderr
    );
    let admin = crate::support::server_url();
    let with = ["--scratch-database-url", admin.as_str()];
    assert_eq!(differences(&url, &with), (0, vec![]));
    db.execute("DROP INDEX idx_bookings_status");
    assert_eq!(
        differences(&url, &with),
        (8, one("missing", "bookings", "index idx_bookings_status"))
    );
    assert_eq!(
        crate::support::scratch_databases_left(&db),
        Vec::<String>::new()
    );
}

const UNREACHABLE: &str = "postgres://nobody@127.0.0.1:1/none";

/// A run that starts from an empty schema records what it leaves: `verify`
/// then reads the live catalog only (the scratch server, unreachable here,
/// is never contacted) and finds the same drift a replay finds.
#[test]
fn verify_compares_with_the_schema_a_run_recorded() {
    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    assert_eq!(
        db.strings("SELECT count(*)::text AS v FROM bxm_expected_schema"),
        ["1"]
    );
    let no_scratch = ["--scratch-database-url", UNREACHABLE];
    assert_eq!(differences(&db.url, &no_scratch), (0, vec![]));
    db.execute("ALTER TABLE addresses DROP COLUMN pincode");
    let recorded = differences(&db.url, &no_scratch);
    assert_eq!(recorded, (8, one("missing", "addresses", "column pincode")));
    db.forget_recorded_schema();
    let out = migrate(&db.url, &["verify", "--scratch-database-url", UNREACHABLE]);
    assert!(
        out.code != 0 && out.code != 8 && out.stderr.contains("127.0.0.1:1"),
        "{}",
        out.all()
    );
    assert_eq!(differences(&db.url, &[]), recorded);
}

/// A run records only what it knows: not after starting from drift (an
/// extra table, a dropped column), nor after a revert; `verify` then
/// replays and reports the drift. A recording that cannot be read is
/// replayed too, with a warning.
#[test]
fn a_run_records_the_schema_only_when_it_knows_it() {
    let key = |db: &PgDb| db.strings("SELECT applied_key AS v FROM bxm_expected_schema");
    let db = PgDb::new();
    migrate(&db.url, &["run", "--to", "002"]).assert_code(0);
    let at_002 = key(&db);
    assert_eq!(at_002.len(), 1);
    db.execute("CREATE TABLE by_hand (id int)");
    migrate(&db.url, &["run", "--to", "003"]).assert_code(0);
    assert_eq!(key(&db), at_002);
    let (code, found) = differences(&db.url, &["--strict"]);
    assert_eq!((code, found), (8, one("extra", "by_hand", "table")));

    let db = PgDb::new();
    migrate(&db.url, &["run", "--to", "002"]).assert_code(0);
    db.execute("ALTER TABLE addresses DROP COLUMN pincode");
    migrate(&db.url, &[]).assert_code(0);
    assert_eq!(key(&db), at_002);
    assert_eq!(
        differences(&db.url, &[]),
        (8, one("missing", "addresses", "column pincode"))
    );

    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    let full = key(&db);
    migrate(&db.url, &["revert", "005", "--only", "--yes"]).assert_code(0);
    assert_eq!(key(&db), full);
    db.execute("UPDATE bxm_expected_schema SET objects = 'not json'");
    migrate(&db.url, &[]).assert_code(0);
    let out = migrate(&db.url, &["verify"]);
    out.assert_code(0);
    assert!(out.stderr.contains("unreadable"), "{}", out.all());
}
