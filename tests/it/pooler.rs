//! Behind a real PgBouncer (transaction and session mode, pools of 1 and
//! 2 server connections): runners started together or one after another
//! apply each migration once and leave no advisory lock on any server
//! connection; a runner killed mid-migration does not block the next one;
//! status, verify and fleet work through the pooler; a session lock
//! stranded on a pooler's server connection is diagnosed.

use std::time::Duration;

use diesel::Connection;

use crate::support::{
    Outcome, PgDb, Pooler, finish, migrate, migrate_in, migration_dir, outside_transaction, spawn,
};

/// Advisory locks held in `db` by anyone (our key, the Node runner's).
fn advisory_locks(db: &PgDb) -> Vec<String> {
    crate::support::strings(
        &mut crate::support::admin(),
        &format!(
            "SELECT format('%s held by %s', l.objid, l.pid) AS v FROM pg_locks l \
         JOIN pg_database d ON d.oid = l.database \
         WHERE l.locktype = 'advisory' AND d.datname = '{}'",
            db.name
        ),
    )
}

/// How many times each version was applied, from our log: "001 1", ….
fn applies(db: &PgDb) -> Vec<String> {
    db.strings(
        "SELECT version || ' ' || count(*) AS v FROM bxm_migration_actions \
         WHERE action = 'apply' AND success GROUP BY version ORDER BY version",
    )
}

fn run_together(url: &str, runners: usize, args: &[&str], stagger: Duration) -> Vec<Outcome> {
    let mut children = Vec::new();
    for _ in 0..runners {
        let mut all = vec!["--lock-wait", "120"];
        all.extend(args);
        children.push(spawn(url, &all));
        std::thread::sleep(stagger);
    }
    children.into_iter().map(finish).collect()
}

/// Six runners started together through each kind of pool: all exit 0,
/// each migration is applied once, no advisory lock is left on any server
/// connection, and the next run exits 0 without waiting.
#[test]
fn runners_started_together_apply_each_migration_once() {
    for (mode, pool) in [("transaction", 1), ("transaction", 2), ("session", 2)] {
        let db = PgDb::new();
        let pooler = Pooler::start(mode, pool);
        let url = pooler.url(&db.name);
        for out in run_together(&url, 6, &[], Duration::ZERO) {
            out.assert_code(0);
            assert!(!out.stderr.contains("prepared statement"), "{}", out.all());
        }
        assert_eq!(
            applies(&db),
            ["001 1", "002 1", "003 1", "004 1", "005 1"],
            "{mode} pool {pool}"
        );
        assert_eq!(
            db.strings("SELECT count(*)::text AS v FROM __diesel_schema_migrations"),
            ["5"]
        );
        assert_eq!(advisory_locks(&db), Vec::<String>::new(), "{mode} {pool}");
        let next = migrate(&url, &["--lock-wait", "0"]);
        next.assert_code(0);
        assert!(next.stdout.contains("Done: 0 applied"), "{}", next.all());
        drop(pooler);
    }
}

/// A slow migration widens the window: runners started one after another
/// while it runs wait for it, find it done and go on; a migration outside
/// a transaction (CREATE INDEX CONCURRENTLY) is run by one of them only.
#[test]
fn staggered_runners_with_a_slow_migration_and_a_concurrent_index() {
    let db = PgDb::new();
    let pooler = Pooler::start("transaction", 2);
    let set = migration_dir(
        &[
            (
                "001_slow",
                "CREATE TABLE IF NOT EXISTS slow_items (id int PRIMARY KEY, name text);\n\
                 SELECT pg_sleep(2);\n",
                "DROP TABLE slow_items;",
            ),
            (
                "002_index",
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_slow_items_name \
                 ON slow_items (name);\nSELECT pg_sleep(1);\n",
                "DROP INDEX idx_slow_items_name;",
            ),
            (
                "003_more",
                "ALTER TABLE slow_items ADD COLUMN IF NOT EXISTS note text;\n",
                "ALTER TABLE slow_items DROP COLUMN note;",
            ),
        ],
        None,
    );
    outside_transaction(&set, "002_index");
    let dir = set.path().to_str().unwrap();
    let url = pooler.url(&db.name);
    for out in run_together(
        &url,
        4,
        &["--migration-dir", dir],
        Duration::from_millis(300),
    ) {
        out.assert_code(0);
    }
    assert_eq!(applies(&db), ["001 1", "002 1", "003 1"]);
    assert_eq!(
        db.strings(
            "SELECT indisvalid::text AS v FROM pg_index \
             WHERE indexrelid = 'idx_slow_items_name'::regclass"
        ),
        ["true"]
    );
    assert_eq!(advisory_locks(&db), Vec::<String>::new());
}

/// `kill -9` of a runner in the middle of a migration through the pooler:
/// PgBouncer closes the server connection, the server rolls the
/// transaction back, and the next run applies the migration within its
/// `--lock-wait`.
#[test]
fn a_runner_killed_mid_migration_does_not_block_the_next() {
    let db = PgDb::new();
    let pooler = Pooler::start("transaction", 2);
    let set = migration_dir(
        &[(
            "001_slow",
            "CREATE TABLE IF NOT EXISTS slow_items (id int PRIMARY KEY);\n\
             SELECT pg_sleep(4);\n",
            "DROP TABLE slow_items;",
        )],
        None,
    );
    let dir = set.path().to_str().unwrap();
    let url = pooler.url(&db.name);
    let mut child = spawn(&url, &["--migration-dir", dir]);
    crate::support::wait_for_session(
        &db,
        "query LIKE '%pg_sleep(4)%' AND application_name = 'buildxpert-migrate'",
    );
    child.kill().unwrap();
    let _ = finish(child);
    let next = migrate(&url, &["--migration-dir", dir, "--lock-wait", "30"]);
    next.assert_code(0);
    assert_eq!(applies(&db), ["001 1"]);
    assert_eq!(advisory_locks(&db), Vec::<String>::new());
}

/// Read-only commands and the fleet through a transaction pooler with one
/// server connection: status, verify (as recorded, and replayed in a
/// scratch database reached through the pooler too), fleet run and verify.
#[test]
fn status_verify_and_fleet_work_through_the_pooler() {
    let db = PgDb::new();
    let other = PgDb::new();
    let pooler = Pooler::start("transaction", 1);
    let url = pooler.url(&db.name);
    migrate(&url, &[]).assert_code(0);
    let status = migrate(&url, &["status", "--check"]);
    status.assert_code(0);
    migrate(&url, &["verify"]).assert_code(0);
    db.forget_recorded_schema();
    migrate(&url, &["verify"]).assert_code(0);
    db.execute("DROP INDEX idx_bookings_status");
    let drifted = migrate(&url, &["verify"]);
    drifted.assert_code(8);
    assert!(
        drifted.stdout.contains("missing index idx_bookings_status"),
        "{}",
        drifted.all()
    );
    let dir = tempfile::tempdir().unwrap();
    let targets = dir.path().join("targets.txt");
    std::fs::write(
        &targets,
        format!("one {}\ntwo {}\n", pooler.url(&other.name), url),
    )
    .unwrap();
    let targets = targets.to_str().unwrap();
    let fleet = migrate_in(dir.path(), &["fleet", "run", "--targets", targets]);
    fleet.assert_code(0);
    assert_eq!(
        other.strings("SELECT count(*)::text AS v FROM __diesel_schema_migrations"),
        ["5"]
    );
    migrate_in(dir.path(), &["fleet", "verify", "--targets", targets]).assert_code(8);
    assert_eq!(advisory_locks(&db), Vec::<String>::new());
    assert_eq!(advisory_locks(&other), Vec::<String>::new());
}

/// A session-level lock on our key left on a pooler's server connection
/// (an older binary's, through a transaction pooler): a run waits its
/// `--lock-wait`, exits 7, and says whose it is and what to do.
#[test]
fn a_lock_stranded_on_a_pooled_connection_is_diagnosed() {
    let db = PgDb::new();
    let pooler = Pooler::start("transaction", 1);
    let mut through = diesel::PgConnection::establish(&pooler.url(&db.name)).unwrap();
    diesel::connection::SimpleConnection::batch_execute(
        &mut through,
        "SELECT pg_advisory_lock(7095541512396759412)",
    )
    .unwrap();
    drop(through);
    let out = migrate(&db.url, &["--lock-wait", "1"]);
    out.assert_code(7);
    for expected in ["no transaction open", "RECONNECT", "pg_terminate_backend("] {
        assert!(out.stderr.contains(expected), "{expected}: {}", out.all());
    }
    assert_eq!(
        db.strings("SELECT count(*)::text AS v FROM pg_tables WHERE tablename = 'users'"),
        ["0"]
    );
}

/// A migration outside a transaction through a transaction pooler with one
/// server connection: its lock's transaction holds that connection, so its
/// statements wait in PgBouncer's queue. The run says so (exit 3, the pool
/// size named), records nothing of it as done, and a later run through a
/// pool of two completes it.
#[test]
fn a_pool_of_one_cannot_run_a_migration_outside_a_transaction_and_says_so() {
    let db = PgDb::new();
    let set = migration_dir(
        &[
            (
                "001_items",
                "CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, name text);\n",
                "DROP TABLE items;",
            ),
            (
                "002_index",
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_items_name ON items (name);\n",
                "DROP INDEX idx_items_name;",
            ),
        ],
        None,
    );
    outside_transaction(&set, "002_index");
    let dir = set.path().to_str().unwrap();
    let small = Pooler::start_waiting("transaction", 1, 2);
    let out = migrate(&small.url(&db.name), &["--migration-dir", dir]);
    out.assert_code(3);
    assert!(
        out.stderr.contains("default_pool_size of at least 2")
            && out.stderr.contains("migration 002"),
        "{}",
        out.all()
    );
    drop(small);
    assert_eq!(applies(&db), ["001 1"]);
    let pool = Pooler::start("transaction", 2);
    migrate(&pool.url(&db.name), &["--migration-dir", dir]).assert_code(0);
    assert_eq!(applies(&db), ["001 1", "002 1"]);
    assert_eq!(advisory_locks(&db), Vec::<String>::new());
}
