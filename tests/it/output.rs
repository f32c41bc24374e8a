//! What people and pipelines read: plain lines off a terminal, marks and
//! colour on one, JSON lines, --version, completions, help; and a no-op run
//! that costs the same number of queries however many migrations exist.

use crate::support::{BINARY, PgDb, SqliteDb, clean, migrate, migrate_in, migration_dir};

#[test]
fn plain_text_when_output_is_not_a_terminal() {
    let db = SqliteDb::new();
    let out = migrate(&db.url(), &["--skip-optional"]);
    out.assert_code(0);
    assert!(
        !out.stdout.contains('\u{1b}'),
        "escape codes in piped output: {:?}",
        out.stdout
    );
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{}", out.stdout);
    assert!(
        lines[..5].iter().all(|l| l.starts_with("Migration ")),
        "{}",
        out.stdout
    );
    assert!(lines[5].starts_with("Done: 2 applied, 3 skipped, 0 already applied in "));
}

/// Runs the binary on a pseudo-terminal (util-linux `script`).
fn on_a_terminal(url: &str, no_color: bool) -> String {
    let mut command = clean("script");
    command.args([
        "-qec",
        &format!("{BINARY} run --database-url {url}"),
        "/dev/null",
    ]);
    if no_color {
        command.env("NO_COLOR", "1");
    } else {
        command.env_remove("NO_COLOR");
    }
    let out = command
        .output()
        .expect("`script` (util-linux) runs the binary on a terminal");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn marks_and_colour_on_a_terminal_unless_no_color() {
    let db = SqliteDb::new();
    let shown = on_a_terminal(&db.url(), false);
    assert!(
        shown.contains("✓ \u{1b}[32mMigration 001 create_core_tables applied in"),
        "{shown:?}"
    );
    let again = on_a_terminal(&db.url(), true);
    assert!(
        again.contains("· Migration 001 create_core_tables already applied"),
        "{again:?}"
    );
    assert!(!again.contains('\u{1b}'), "{again:?}");
}

#[test]
fn json_lines_for_log_collectors() {
    let db = PgDb::new();
    let out = migrate(&db.url, &["run", "--skip-optional", "--format", "json"]);
    out.assert_code(0);
    let events: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "started", "applied", "started", "applied", "skipped", "skipped", "skipped", "summary"
        ]
    );
    assert_eq!(events[1]["version"], "001");
    assert_eq!(events[1]["name"], "create_core_tables");
    assert!(events[1]["duration_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(events[7]["applied"], 2);
    assert_eq!(events[7]["skipped"], 3);

    let out = migrate(&db.url, &["revert", "--yes", "--format", "json"]);
    out.assert_code(0);
    assert!(
        out.stdout.contains("\"event\":\"reverted\""),
        "{}",
        out.stdout
    );

    let fresh = PgDb::new();
    let set = migration_dir(
        &[("001_broken", "SELECT * FROM nowhere;", "SELECT 1;")],
        None,
    );
    let out = migrate(
        &fresh.url,
        &[
            "run",
            "--format",
            "json",
            "--migration-dir",
            set.path().to_str().unwrap(),
        ],
    );
    out.assert_code(5);
    let last: serde_json::Value = serde_json::from_str(out.stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["event"], "failed");
    assert_eq!(last["version"], "001");
    assert!(
        last["error"]
            .as_str()
            .unwrap()
            .contains("relation \"nowhere\" does not exist")
    );
}

#[test]
fn version_names_the_embedded_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let out = migrate_in(dir.path(), &["--version"]);
    out.assert_code(0);
    assert_eq!(
        out.stdout.trim(),
        format!(
            "buildxpert-migrate {} (embedded migrations: 5, newest 005)",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[test]
fn completions_and_help_for_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = migrate_in(dir.path(), &["completions", shell]);
        out.assert_code(0);
        assert!(
            out.stdout.contains("buildxpert-migrate") && out.stdout.contains("revert"),
            "{shell}"
        );
    }
    for command in [
        "run",
        "force",
        "revert",
        "redo",
        "repair",
        "status",
        "completions",
    ] {
        let out = migrate_in(dir.path(), &[command, "--help"]);
        out.assert_code(0);
        assert!(
            out.stdout.contains("Example"),
            "{command} --help has no example"
        );
    }
    let help = migrate_in(dir.path(), &["--help"]);
    assert!(help.stdout.contains("Exit codes:") && help.stdout.contains("7  another runner held"));
    assert!(!dir.path().join("buildxpert.sqlite3").exists());
}

/// Counts the statements a no-op run sends (its `--verbose` log shows each
/// one, through Diesel's instrumentation) for 3 and for 60 applied migrations.
#[test]
fn a_no_op_run_costs_the_same_queries_however_many_migrations_exist() {
    let statements = |count: usize| {
        let migrations: Vec<(String, String, String)> = (1..=count)
            .map(|n| {
                (
                    format!("{n:04}_table_{n}"),
                    format!("CREATE TABLE IF NOT EXISTS t{n} (id int);"),
                    format!("DROP TABLE t{n};"),
                )
            })
            .collect();
        let borrowed: Vec<(&str, &str, &str)> = migrations
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
            .collect();
        let set = migration_dir(&borrowed, None);
        let dir = set.path().to_str().unwrap();
        let db = PgDb::new();
        migrate(&db.url, &["--migration-dir", dir]).assert_code(0);
        let out = migrate(&db.url, &["run", "-v", "--migration-dir", dir]);
        out.assert_code(0);
        assert!(out.stdout.contains(&format!("{count} already applied")));
        out.stderr
            .lines()
            .filter(|l| l.starts_with("sql: "))
            .count()
    };
    let few = statements(3);
    let many = statements(60);
    assert!(few > 3, "the count must see the real queries ({few})");
    assert_eq!(
        few, many,
        "a no-op run's queries grow with the number of migrations"
    );
}
