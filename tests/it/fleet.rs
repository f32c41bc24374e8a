//! `fleet`: many databases in one command. Every target is a fresh database
//! on the test server; one URL points where nothing listens, and one
//! database holds a `payment_transactions` of another shape, so 002 fails.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{
    Outcome, PgDb, admin, binary, finish, migrate, migrate_with_env, migration_dir, strings,
};

/// In every URL; the server trusts localhost, so it is never checked, but
/// it must never be printed either.
const PASSWORD: &str = "Fl33tPw9";

fn unreachable_url() -> String {
    format!("postgres://postgres:{PASSWORD}@127.0.0.1:1/nowhere")
}

/// A database where 001 is applied and a hand-made `payment_transactions`
/// without the columns 002 indexes makes 002 fail.
fn conflicting_db() -> PgDb {
    let db = PgDb::new();
    migrate(&db.url, &["run", "--to", "001"]).assert_code(0);
    db.execute("CREATE TABLE payment_transactions (id integer PRIMARY KEY)");
    db
}

/// Writes the targets file into `dir`.
fn targets(dir: &Path, lines: &[String]) -> PathBuf {
    let path = dir.join("targets.txt");
    std::fs::write(&path, lines.join("\n")).unwrap();
    path
}

fn line(name: &str, db: &PgDb) -> String {
    format!("{name} {}", db.url_as("postgres", PASSWORD))
}

fn fleet(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Outcome {
    let out = migrate_with_env(dir, env, &[&["fleet"], args].concat());
    assert!(
        !out.all().contains(PASSWORD),
        "password shown:\n{}",
        out.all()
    );
    out
}

/// The JSON lines of a `--format json` fleet: each target's object by name,
/// and the summary.
fn json_report(out: &Outcome) -> (Vec<Value>, Value) {
    let mut objects: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let summary = objects.pop().expect("a summary");
    assert_eq!(summary["event"], "summary", "{}", out.stdout);
    (objects, summary)
}

fn by_name<'a>(objects: &'a [Value], name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["name"] == name)
        .unwrap_or_else(|| panic!("no object for {name}"))
}

fn applied_versions(db: &PgDb) -> Vec<String> {
    db.strings("SELECT version AS v FROM __diesel_schema_migrations ORDER BY 1")
}

/// Samples, until stopped, how many sessions of the binary are open on
/// `dbs`; returns the most seen at once.
struct Sessions {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<usize>,
}

impl Sessions {
    fn watch(dbs: &[&PgDb]) -> Sessions {
        let names: Vec<String> = dbs.iter().map(|db| format!("'{}'", db.name)).collect();
        let query = format!(
            "SELECT count(*)::text AS v FROM pg_stat_activity \
             WHERE application_name = 'buildxpert-migrate' AND datname IN ({})",
            names.join(", ")
        );
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut conn = admin();
            let mut most = 0;
            while !stopped.load(Ordering::SeqCst) {
                let now: usize = strings(&mut conn, &query)[0].parse().unwrap();
                most = most.max(now);
                std::thread::sleep(Duration::from_millis(2));
            }
            most
        });
        Sessions { stop, thread }
    }

    fn most(self) -> usize {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.join().unwrap()
    }
}

/// 28 good databases, one where 002 fails and one that cannot be reached:
/// the 28 are migrated with never more than --parallel sessions open, the
/// report names both failures with their reasons, and the exit code is the
/// most severe (5 over 3). Once the conflict is removed, a second run
/// migrates only that database; `fleet status` then shows every version.
#[test]
fn thirty_targets_continue_past_failures_and_a_rerun_does_what_is_left() {
    let good: Vec<PgDb> = (0..28).map(|_| PgDb::new()).collect();
    let conflict = conflicting_db();
    let mut lines: Vec<String> = good
        .iter()
        .enumerate()
        .map(|(i, db)| line(&format!("region-{i:02}"), db))
        .collect();
    lines.insert(3, line("conflict", &conflict));
    lines.insert(10, format!("down {}", unreachable_url()));
    let dir = tempfile::tempdir().unwrap();
    let file = targets(dir.path(), &lines);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let file = file.to_str().unwrap();

    let all: Vec<&PgDb> = good.iter().chain([&conflict]).collect();
    let sessions = Sessions::watch(&all);
    let out = fleet(
        dir.path(),
        &[],
        &["run", "--targets", file, "--parallel", "4"],
    );
    let most = sessions.most();
    out.assert_code(5);
    assert!(
        (1..=4).contains(&most),
        "{most} sessions at once with --parallel 4"
    );
    for db in &good {
        assert_eq!(applied_versions(db), ["001", "002", "003", "004", "005"]);
    }
    assert_eq!(applied_versions(&conflict), ["001"]);
    let migrated = out
        .stdout
        .lines()
        .filter(|l| l.contains("migrated") && l.contains("001, 002, 003, 004, 005"))
        .filter(|l| l.starts_with('│'))
        .count();
    assert_eq!(migrated, 28, "{}", out.stdout);
    let failures = out
        .stdout
        .split("Failed:\n")
        .nth(1)
        .expect("a Failed: list");
    let reason = |name: &str| {
        failures
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("{name} not among the failures:\n{failures}"))
            .to_string()
    };
    let conflict_reason = reason("conflict");
    assert!(
        conflict_reason.contains("migration 002") && conflict_reason.contains("does not exist"),
        "{conflict_reason}"
    );
    assert!(reason("down").contains("cannot connect"), "{failures}");
    assert!(
        out.stdout.contains("30 targets in ") && out.stdout.contains(": 28 migrated, 2 failed"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("2 of 30 targets"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("targets.txt can be read by group or others"),
        "no warning about passwords in a readable file: {}",
        out.stderr
    );

    conflict.execute("DROP TABLE payment_transactions");
    let again = fleet(
        dir.path(),
        &[],
        &[
            "run",
            "--targets",
            file,
            "--parallel",
            "4",
            "--format",
            "json",
        ],
    );
    again.assert_code(3);
    let (objects, summary) = json_report(&again);
    assert_eq!(objects.len(), 30);
    let fixed = by_name(&objects, "conflict");
    assert_eq!(fixed["outcome"], "migrated");
    assert_eq!(
        fixed["applied"],
        serde_json::json!(["002", "003", "004", "005"])
    );
    assert_eq!(fixed["pending"], 0);
    assert_eq!(by_name(&objects, "down")["exit_code"], 3);
    assert_eq!(summary["up_to_date"], 28);
    assert_eq!(summary["migrated"], 1);
    assert_eq!(summary["exit_code"], 3);
    for db in &good {
        assert_eq!(
            db.strings("SELECT count(*)::text AS v FROM bxm_migration_actions"),
            ["5"],
            "a rerun wrote history on an up-to-date database"
        );
    }

    let status = fleet(dir.path(), &[], &["status", "--targets", file]);
    status.assert_code(3);
    let rows: Vec<&str> = status
        .stdout
        .lines()
        .filter(|l| l.starts_with("│ region-") || l.starts_with("│ conflict"))
        .collect();
    assert_eq!(rows.len(), 29, "{}", status.stdout);
    assert!(
        rows.iter().all(|r| r.contains("005") && r.contains("none")),
        "{}",
        status.stdout
    );
    let json = fleet(
        dir.path(),
        &[],
        &["status", "--targets", file, "--format", "json"],
    );
    let (objects, summary) = json_report(&json);
    assert_eq!(by_name(&objects, "conflict")["newest_applied"], "005");
    assert_eq!(
        by_name(&objects, "region-00")["pending_required"],
        serde_json::json!([])
    );
    assert_eq!(by_name(&objects, "down")["outcome"], "failed");
    assert_eq!(summary["ok"], 29);
}

/// With --on-error stop (and --parallel 1, so the order is fixed), nothing
/// starts after the failure; the targets after it are reported as not
/// started and left untouched.
#[test]
fn on_error_stop_starts_nothing_after_a_failure() {
    let dbs: Vec<PgDb> = (0..4).map(|_| PgDb::new()).collect();
    let mut lines = vec![
        line("first", &dbs[0]),
        format!("down {}", unreachable_url()),
    ];
    lines.extend(
        dbs[1..]
            .iter()
            .enumerate()
            .map(|(i, db)| line(&format!("later-{i}"), db)),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = targets(dir.path(), &lines);
    let out = fleet(
        dir.path(),
        &[],
        &[
            "run",
            "--targets",
            file.to_str().unwrap(),
            "--parallel",
            "1",
            "--on-error",
            "stop",
            "--format",
            "json",
        ],
    );
    out.assert_code(3);
    let (objects, summary) = json_report(&out);
    assert_eq!(by_name(&objects, "first")["outcome"], "migrated");
    assert_eq!(by_name(&objects, "down")["outcome"], "failed");
    for i in 0..3 {
        let later = by_name(&objects, &format!("later-{i}"));
        assert_eq!(later["outcome"], "not_started");
        assert_eq!(later["exit_code"], Value::Null);
        // The keys every run target has (README): nothing applied, pending unknown.
        assert_eq!(later["applied"], serde_json::json!([]));
        assert!(later.get("pending").is_some_and(Value::is_null), "{later}");
    }
    assert_eq!(summary["not_started"], 3);
    for db in &dbs[1..] {
        assert!(db.tables().is_empty(), "{} was migrated", db.name);
    }
}

/// --canary 3: the first three run one at a time; the failure of the
/// second stops everything, the third canary included.
#[test]
fn a_failed_canary_stops_the_rest() {
    let dbs: Vec<PgDb> = (0..4).map(|_| PgDb::new()).collect();
    let mut lines = vec![
        line("canary-a", &dbs[0]),
        format!("canary-b {}", unreachable_url()),
    ];
    lines.extend(
        dbs[1..]
            .iter()
            .enumerate()
            .map(|(i, db)| line(&format!("rest-{i}"), db)),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = targets(dir.path(), &lines);
    let out = fleet(
        dir.path(),
        &[],
        &["run", "--targets", file.to_str().unwrap(), "--canary", "3"],
    );
    out.assert_code(3);
    assert!(
        out.stdout.contains("canary-a: migrated 001"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("canary-b: failed (exit 3)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(": 1 migrated, 1 failed, 3 not started"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("3 not started"), "{}", out.stderr);
    for db in &dbs[1..] {
        assert!(db.tables().is_empty(), "{} was migrated", db.name);
    }
}

/// `env:NAME` reads the URL from the environment when the fleet starts; the
/// password in it is never shown.
#[test]
fn env_targets_read_their_url_from_the_environment() {
    let db = PgDb::new();
    let dir = tempfile::tempdir().unwrap();
    let file = targets(
        dir.path(),
        &[
            "# from the environment".to_string(),
            "tenant env:BXM_FLEET_TENANT".to_string(),
        ],
    );
    let url = db.url_as("postgres", PASSWORD);
    let out = fleet(
        dir.path(),
        &[("BXM_FLEET_TENANT", &url)],
        &["run", "--targets", file.to_str().unwrap()],
    );
    out.assert_code(0);
    assert!(
        out.stdout.contains("tenant: migrated 001"),
        "{}",
        out.stdout
    );
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    assert_eq!(applied_versions(&db), ["001", "002", "003", "004", "005"]);
}

/// Every kind of malformed line is named with its number (exit 2) before
/// any target runs, without showing the line (it may hold a password).
#[test]
fn malformed_targets_files_are_refused_before_anything_runs() {
    let db = PgDb::new();
    let good = line("good", &db);
    let secret_url = format!("postgres://postgres:{PASSWORD}@127.0.0.1/x");
    let cases: Vec<(String, &str)> = vec![
        (
            format!("{good}\nlonely\n"),
            "line 2: target lonely has no URL",
        ),
        (
            format!("{good}\n\n# comment\ngood postgres://127.0.0.1/other\n"),
            "line 4: target good is already named on line 1",
        ),
        (
            format!("{good}\nbad mysql://root:{PASSWORD}@127.0.0.1/db\n"),
            "line 2: target bad: unsupported database URL",
        ),
        (
            format!("{good}\nmissing env:BXM_FLEET_NOT_SET\n"),
            "line 2: target missing: the environment variable `BXM_FLEET_NOT_SET` is not set",
        ),
        (
            format!("{good}\n{secret_url}\n"),
            "line 2: expected `NAME URL`",
        ),
        // Names become directories under --backup: none may leave it.
        (
            format!("{good}\n.. {secret_url}\n"),
            "line 2: expected `NAME URL`",
        ),
        (
            format!("{good}\n. {secret_url}\n"),
            "line 2: expected `NAME URL`",
        ),
        (
            format!("{good}\nextra {secret_url} more\n"),
            "line 2: target extra: more than a name and a URL",
        ),
        ("# nothing but a comment\n".to_string(), "lists no targets"),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (text, expected) in cases {
        let file = dir.path().join("targets.txt");
        std::fs::write(&file, &text).unwrap();
        let out = fleet(
            dir.path(),
            &[],
            &["run", "--targets", file.to_str().unwrap()],
        );
        out.assert_code(2);
        assert!(out.stderr.contains(expected), "{text:?}: {}", out.stderr);
    }
    let file = targets(dir.path(), &[good]);
    let url_flag = fleet(
        dir.path(),
        &[],
        &[
            "run",
            "--targets",
            file.to_str().unwrap(),
            "--database-url",
            &db.url,
        ],
    );
    url_flag.assert_code(2);
    assert!(db.tables().is_empty(), "a target ran");
}

/// Waits until `sql` (a count on the test server) returns `expected`.
fn wait_for_count(sql: &str, expected: &str, what: &str) {
    let started = Instant::now();
    while strings(&mut admin(), sql) != [expected] {
        assert!(started.elapsed() < Duration::from_secs(20), "{what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// SIGTERM to the fleet reaches every running target: each rolls back and
/// ends its session long before its migration (a 30 s sleep) would finish.
#[test]
fn sigterm_reaches_every_running_target() {
    let set = migration_dir(
        &[(
            "001_slow",
            "CREATE TABLE slow (id int);\nSELECT pg_sleep(30);",
            "DROP TABLE slow;",
        )],
        None,
    );
    let dbs = [PgDb::new(), PgDb::new()];
    let dir = tempfile::tempdir().unwrap();
    let file = targets(dir.path(), &[line("a", &dbs[0]), line("b", &dbs[1])]);
    let child = binary(&["fleet", "run", "--parallel", "2", "--targets"])
        .arg(&file)
        .arg("--migration-dir")
        .arg(set.path())
        .spawn()
        .unwrap();
    let sessions = |extra: &str| {
        format!(
            "SELECT count(*)::text AS v FROM pg_stat_activity WHERE datname IN ('{}', '{}') \
             AND application_name = 'buildxpert-migrate'{extra}",
            dbs[0].name, dbs[1].name
        )
    };
    wait_for_count(
        &sessions(" AND query LIKE '%pg_sleep%'"),
        "2",
        "both targets never started migrating",
    );
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = finish(child);
    out.assert_code(143);
    wait_for_count(&sessions(""), "0", "a target's session outlived the fleet");
    for db in &dbs {
        assert!(!db.tables().contains(&"slow".to_string()), "{}", db.name);
    }
}

/// `fleet verify`: a target whose schema drifted fails with verify's own
/// exit code (8) and its differences; the others pass.
#[test]
fn fleet_verify_names_the_drifted_target() {
    let dbs = [PgDb::new(), PgDb::new()];
    for db in &dbs {
        migrate(&db.url, &["run"]).assert_code(0);
    }
    dbs[1].execute("DROP INDEX idx_bookings_status");
    let dir = tempfile::tempdir().unwrap();
    let file = targets(
        dir.path(),
        &[line("clean", &dbs[0]), line("drifted", &dbs[1])],
    );
    let file = file.to_str().unwrap();
    let out = fleet(dir.path(), &[], &["verify", "--targets", file]);
    out.assert_code(8);
    assert!(
        out.stdout.contains("drifted (")
            && out.stdout.contains("missing index idx_bookings_status"),
        "{}",
        out.stdout
    );
    let json = fleet(
        dir.path(),
        &[],
        &["verify", "--targets", file, "--format", "json"],
    );
    let (objects, summary) = json_report(&json);
    assert_eq!(
        by_name(&objects, "clean")["differences"],
        serde_json::json!([])
    );
    assert_eq!(by_name(&objects, "drifted")["exit_code"], 8);
    assert_eq!(summary["exit_code"], 8);
}
