//! The second adversarial pass (issue 22): each defect reproduced, each
//! test failing before its fix. The fault-injection sweep is in
//! `tests/it/faults.rs`.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;

use crate::support::{
    PgDb, PgRole, SqliteDb, migrate, migrate_in, migrate_with_env, migration_dir,
    outside_transaction,
};

/// A COMMIT hidden from the old splitter by an E'…' string with a
/// backslash-escaped quote, or after a trigger on a column named `begin`, is
/// found: the migration is refused before anything runs, file and line named.
#[test]
fn transaction_control_behind_lexical_traps_is_refused_before_anything_runs() {
    for (name, up, line) in [
        (
            "001_estring",
            "CREATE TABLE trap_a (note text);\nINSERT INTO trap_a VALUES (E'it\\'s');\n\
             CREATE TABLE trap_b (id int);\nCOMMIT;\nCREATE TABLE trap_c (id int);\n",
            4,
        ),
        (
            "001_begin_column",
            "CREATE TABLE trap_a (\"begin\" timestamptz);\n\
             CREATE FUNCTION trap_f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n\
             CREATE TRIGGER trap_t BEFORE UPDATE OF begin ON trap_a FOR EACH ROW \
             EXECUTE FUNCTION trap_f();\nCOMMIT;\nCREATE TABLE trap_c (id int);\n",
            4,
        ),
    ] {
        let db = PgDb::new();
        let set = migration_dir(&[(name, up, "SELECT 1;")], None);
        let dir = set.path().to_str().unwrap();
        for args in [
            vec!["--migration-dir", dir, "run", "--dry-run"],
            vec!["--migration-dir", dir],
        ] {
            let out = migrate(&db.url, &args);
            out.assert_code(5);
            assert!(
                out.stderr
                    .contains(&format!("{name}/up.sql line {line}: COMMIT")),
                "{}",
                out.stderr
            );
        }
        assert_eq!(
            db.tables(),
            Vec::<String>::new(),
            "{name} changed something"
        );
    }
}

/// A migration's own `SET` lasts no longer than the migration: 001 turns
/// the lock timeout off, yet 002 gives up after --lock-timeout; a pg_dump
/// header's empty search_path does not break the tool's own records.
#[test]
fn settings_a_migration_makes_end_with_it() {
    let db = PgDb::new();
    db.execute("CREATE TABLE held (id int)");
    let set = migration_dir(
        &[
            (
                "001_no_timeout",
                "SET lock_timeout = 0;\nCREATE TABLE a (id int);\n",
                "DROP TABLE a;",
            ),
            (
                "002_alter_held",
                "ALTER TABLE held ADD COLUMN n int;\n",
                "SELECT 1;",
            ),
        ],
        None,
    );
    let dir = set.path().to_str().unwrap();
    let mut app = db.conn();
    app.batch_execute("BEGIN; LOCK TABLE held IN ACCESS SHARE MODE")
        .unwrap();
    let started = Instant::now();
    let out = migrate(
        &db.url,
        &[
            "--migration-dir",
            dir,
            "--lock-timeout",
            "1",
            "--lock-retries",
            "0",
        ],
    );
    out.assert_code(5);
    assert!(out.stderr.contains("lock timeout"), "{}", out.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "002 waited without a limit"
    );
    app.batch_execute("ROLLBACK").unwrap();

    let dumped = PgDb::new();
    let header = migration_dir(
        &[(
            "001_pg_dump_style",
            "SET statement_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\n\
             CREATE TABLE public.accounts (id integer PRIMARY KEY);\n",
            "DROP TABLE public.accounts;",
        )],
        None,
    );
    let header = header.path().to_str().unwrap();
    migrate(&dumped.url, &["--migration-dir", header]).assert_code(0);
    migrate(
        &dumped.url,
        &["--migration-dir", header, "status", "--check"],
    )
    .assert_code(0);
}

/// A mixed-case schema first in the search_path is used as it is, and a
/// lower-case namesake with tables does not fool the no-history guard.
#[test]
fn a_mixed_case_schema_in_the_search_path() {
    let db = PgDb::new();
    db.execute(
        "CREATE SCHEMA \"BuildXpert\"; CREATE SCHEMA buildxpert; \
         CREATE TABLE buildxpert.users (id int);",
    );
    let url = format!("{}?options=-c%20search_path%3D%22BuildXpert%22", db.url);
    migrate(&url, &[]).assert_code(0);
    migrate(&url, &["status", "--check"]).assert_code(0);
    migrate(&url, &["verify"]).assert_code(0);
    assert_eq!(
        db.strings(
            "SELECT count(*)::text AS v FROM pg_tables WHERE schemaname = 'BuildXpert' \
             AND tablename = 'bookings'"
        ),
        ["1"]
    );
}

/// Node `migrations` tables the shape check accepts are used as they are;
/// one the upsert cannot write (no key on id) is refused up front by
/// status, dry run and run alike.
#[test]
fn node_tables_of_odd_shapes_are_used_as_they_are_or_refused_up_front() {
    let base = "CREATE TABLE migrations (id VARCHAR(10) PRIMARY KEY, name TEXT NOT NULL, \
                description TEXT, executed_at TIMESTAMP DEFAULT NOW(), success BOOLEAN DEFAULT \
                TRUE, error_message TEXT, execution_time_ms INTEGER";
    for extra in [", executed_by VARCHAR(100))", ", version TEXT)"] {
        let db = PgDb::new();
        db.execute(&format!("{base}{extra}"));
        migrate(&db.url, &["status"]).assert_code(0);
        migrate(&db.url, &["run", "--dry-run"]).assert_code(0);
        migrate(&db.url, &[]).assert_code(0);
        assert_eq!(
            db.strings("SELECT count(*)::text AS v FROM migrations WHERE success"),
            ["5"]
        );
    }
    let db = PgDb::new();
    db.execute(&format!(
        "{}, executed_by TEXT)",
        base.replace(" PRIMARY KEY", "")
    ));
    let before = db.dump();
    for args in [vec!["status"], vec!["run", "--dry-run"], vec![]] {
        let out = migrate(&db.url, &args);
        out.assert_code(8);
        assert!(
            out.stderr.contains("no primary key or unique index")
                && out
                    .stderr
                    .contains("ALTER TABLE migrations ADD PRIMARY KEY (id)"),
            "{}",
            out.stderr
        );
    }
    assert_eq!(db.dump(), before);
}

/// A migration outside a transaction with several statements runs them one
/// by one (PostgreSQL refuses CREATE INDEX CONCURRENTLY among others).
#[test]
fn a_migration_outside_a_transaction_runs_statement_by_statement() {
    let db = PgDb::new();
    let set = migration_dir(
        &[(
            "001_items",
            "CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, code text);\n\
             CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_items_code ON items (code);\n",
            "DROP TABLE items;",
        )],
        None,
    );
    outside_transaction(&set, "001_items");
    let dir = set.path().to_str().unwrap();
    migrate(&db.url, &["--migration-dir", dir, "run", "--dry-run"]).assert_code(0);
    migrate(&db.url, &["--migration-dir", dir]).assert_code(0);
    assert_eq!(
        db.strings("SELECT indisvalid::text AS v FROM pg_index WHERE indexrelid = 'idx_items_code'::regclass"),
        ["true"]
    );
    migrate(&db.url, &["--migration-dir", dir, "status", "--check"]).assert_code(0);
}

/// Adopting as a role that may create nothing outside its schema: exit 4,
/// naming what to grant (the replay's scratch database needs CREATEDB).
#[test]
fn adopting_without_the_privilege_names_it() {
    let role = PgRole::new("Ad9-role-password");
    let db = PgDb::new();
    let owner = migrate(&db.url, &["run", "--to", "002"]);
    owner.assert_code(0);
    db.execute(&format!(
        "DROP TABLE __diesel_schema_migrations, bxm_migration_actions, migrations; \
         REVOKE TEMP ON DATABASE {0} FROM PUBLIC; GRANT ALL ON SCHEMA public TO {1}; \
         GRANT ALL ON ALL TABLES IN SCHEMA public TO {1}",
        db.name, role.name
    ));
    let url = db.url_as(&role.name, "Ad9-role-password");
    let out = migrate(&url, &["adopt", "--baseline", "002"]);
    out.assert_code(4);
    assert!(out.stderr.contains("CREATEDB"), "{}", out.stderr);
}

/// A byte-order mark before the first line of a URL file, config.env or a
/// fleet targets file is not part of it.
#[test]
fn a_byte_order_mark_is_not_part_of_the_first_line() {
    let db = PgDb::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("url");
    std::fs::write(&file, format!("\u{feff}{}\n", db.url)).unwrap();
    migrate_in(
        dir.path(),
        &["status", "--database-url-file", file.to_str().unwrap()],
    )
    .assert_code(0);
    std::fs::write(
        dir.path().join("config.env"),
        format!("\u{feff}DATABASE_URL={}\n", db.url),
    )
    .unwrap();
    migrate_in(dir.path(), &["run", "--to", "001"]).assert_code(0);
    let targets = dir.path().join("targets.txt");
    std::fs::write(&targets, format!("\u{feff}first {}\n", db.url)).unwrap();
    let fleet = migrate_in(
        dir.path(),
        &["fleet", "status", "--targets", targets.to_str().unwrap()],
    );
    fleet.assert_code(0);
    assert!(fleet.stdout.contains("first"), "{}", fleet.all());
}

/// A statement_timeout set on the role cancels a slow migration: the error
/// names the limit, where it was set, and --statement-timeout 0.
#[test]
fn a_statement_timeout_set_on_the_role_is_named() {
    let role = PgRole::new("St4-role-password");
    let db = PgDb::new();
    db.execute(&format!(
        "GRANT ALL ON SCHEMA public TO {0}; ALTER ROLE {0} SET statement_timeout = '300ms'",
        role.name
    ));
    let url = db.url_as(&role.name, "St4-role-password");
    let set = migration_dir(
        &[(
            "001_slow",
            "SELECT pg_sleep(1);\nCREATE TABLE slow (id int);\n",
            "DROP TABLE slow;",
        )],
        None,
    );
    let dir = set.path().to_str().unwrap();
    let out = migrate(&url, &["--migration-dir", dir]);
    out.assert_code(5);
    assert!(
        out.stderr.contains("statement_timeout is 300ms")
            && out.stderr.contains("set on the role")
            && out.stderr.contains("--statement-timeout 0"),
        "{}",
        out.stderr
    );
    migrate(&url, &["--migration-dir", dir, "--statement-timeout", "0"]).assert_code(0);
}

/// An application's open write transaction on the SQLite file: the run says
/// what it waits for, and gives up after --lock-wait.
#[test]
fn sqlite_a_run_says_what_it_waits_for() {
    let lite = SqliteDb::new();
    migrate(&lite.url(), &["run", "--to", "001"]).assert_code(0);
    let mut app = lite.conn();
    app.batch_execute(
        "BEGIN IMMEDIATE; INSERT INTO users (full_name, phone, password) VALUES ('A', '1', 'x')",
    )
    .unwrap();
    let out = migrate(&lite.url(), &["--lock-wait", "1"]);
    out.assert_code(7);
    assert!(
        out.stderr
            .contains("another process is writing to the SQLite file"),
        "{}",
        out.stderr
    );
    app.batch_execute("ROLLBACK").unwrap();
}

/// A pg_dump older than the server is refused before anything runs, naming
/// both versions and what to install.
#[test]
fn an_old_pg_dump_is_refused_before_anything_runs() {
    let db = PgDb::new();
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("pg_dump");
    std::fs::write(&fake, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 12.22'\n").unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let backups = dir.path().join("backups");
    let out = migrate_with_env(
        dir.path(),
        &[("PG_DUMP", fake.to_str().unwrap())],
        &[
            "run",
            "--backup",
            backups.to_str().unwrap(),
            "--database-url",
            &db.url,
        ],
    );
    out.assert_code(3);
    let major =
        db.strings("SELECT (current_setting('server_version_num')::int / 10000)::text AS v");
    assert!(
        out.stderr.contains("pg_dump 12")
            && out.stderr.contains(&format!("PostgreSQL {}", major[0]))
            && out
                .stderr
                .contains(&format!("postgresql-client-{}", major[0])),
        "{}",
        out.stderr
    );
    assert_eq!(db.tables(), Vec::<String>::new());
}

/// The settings reset after each migration keeps Diesel's own (UTC): on a
/// database whose time zone is far from UTC, Diesel's record still holds
/// UTC times, as `diesel migration run` writes them.
#[test]
fn applied_times_stay_right_in_another_time_zone() {
    let db = PgDb::new();
    db.execute(&format!(
        "ALTER DATABASE {} SET timezone = 'Pacific/Kiritimati'",
        db.name
    ));
    migrate(&db.url, &["run", "--to", "002"]).assert_code(0);
    let offsets = db.strings(
        "SELECT abs(extract(epoch FROM run_on - (now() AT TIME ZONE 'UTC')))::int::text AS v \
         FROM __diesel_schema_migrations ORDER BY version",
    );
    assert_eq!(offsets.len(), 2);
    for off in offsets {
        assert!(
            off.parse::<i64>().unwrap() < 600,
            "run_on is {off}s from UTC now"
        );
    }
}
