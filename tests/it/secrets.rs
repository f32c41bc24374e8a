//! Secrets and backups: what the history records of a backup, every way
//! the URL and the password arrive (and their order), the warnings about
//! where they come from, `--require-tls`, and no password in any output,
//! record or file name.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use sha2::{Digest, Sha256};

use crate::support::{
    PgDb, PgRole, SqliteDb, admin, all_tables, migrate, migrate_in, migrate_with_env,
};

const PASSWORD: &str = "Sekr3t-Pa55w0rd";

/// The files in `dir`, sorted.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

fn write_with_mode(path: &Path, content: &str, mode: u32) {
    std::fs::write(path, content).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn sha256_of(path: &Path) -> String {
    format!("{:x}", Sha256::digest(std::fs::read(path).unwrap()))
}

fn str_of(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `status --backups --format json`, parsed.
fn listed_backups(url: &str) -> Vec<serde_json::Value> {
    let out = migrate(url, &["status", "--backups", "--format", "json"]);
    out.assert_code(0);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

#[test]
fn a_backup_is_recorded_with_its_size_and_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let db = PgDb::new();
    migrate(&db.url, &["run", "--to", "001"]).assert_code(0);
    let out = migrate(&db.url, &["run", "--backup", str_of(dir.path())]);
    out.assert_code(0);
    let dumps = files_in(dir.path());
    assert_eq!(dumps.len(), 1, "{dumps:?}");
    let (bytes, sha256) = (
        std::fs::metadata(&dumps[0]).unwrap().len(),
        sha256_of(&dumps[0]),
    );
    assert!(out.stderr.contains(&sha256), "{}", out.stderr);
    // Every step of the run names the backup it took first.
    assert_eq!(
        db.strings(
            "SELECT version || ' ' || backup_path || ' ' || backup_bytes || ' ' || backup_sha256 \
             AS v FROM bxm_migration_actions WHERE backup_path IS NOT NULL ORDER BY id"
        ),
        ["002", "003", "004", "005"]
            .map(|v| format!("{v} {} {bytes} {sha256}", dumps[0].display()))
    );
    let listed = listed_backups(&db.url);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["path"], str_of(&dumps[0]));
    assert_eq!(listed[0]["action"], "apply");
    assert_eq!(listed[0]["bytes"], bytes);
    assert_eq!(listed[0]["sha256"], sha256.as_str());
    assert!(
        listed[0]["taken_at"].as_str().unwrap().ends_with('Z'),
        "{listed:?}"
    );

    // SQLite, two backups: newest first.
    let lite = SqliteDb::new();
    let lite_dir = dir.path().join("sqlite");
    migrate(&lite.url(), &["run", "--to", "001"]).assert_code(0);
    migrate(
        &lite.url(),
        &["run", "--to", "002", "--backup", str_of(&lite_dir)],
    )
    .assert_code(0);
    let first = files_in(&lite_dir);
    migrate(
        &lite.url(),
        &["force", "--to", "001", "--backup", str_of(&lite_dir)],
    )
    .assert_code(0);
    let second: Vec<PathBuf> = files_in(&lite_dir)
        .into_iter()
        .filter(|f| !first.contains(f))
        .collect();
    assert_eq!((first.len(), second.len()), (1, 1), "{first:?} {second:?}");
    let listed = listed_backups(&lite.url());
    let summary: Vec<(String, String, u64, String)> = listed
        .iter()
        .map(|b| {
            (
                b["path"].as_str().unwrap().to_string(),
                b["action"].as_str().unwrap().to_string(),
                b["bytes"].as_u64().unwrap(),
                b["sha256"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expect = |path: &Path, action: &str| {
        (
            str_of(path).to_string(),
            action.to_string(),
            std::fs::metadata(path).unwrap().len(),
            sha256_of(path),
        )
    };
    assert_eq!(
        summary,
        [expect(&second[0], "force"), expect(&first[0], "apply")]
    );
    let table = migrate(&lite.url(), &["status", "--backups"]);
    table.assert_code(0);
    assert!(
        table.stdout.contains("SHA-256") && table.stdout.contains(&summary[1].3),
        "{}",
        table.stdout
    );
}

#[test]
fn a_history_table_from_before_backup_checksums_is_completed() {
    let dir = tempfile::tempdir().unwrap();
    let db = PgDb::new();
    migrate(
        &db.url,
        &["run", "--to", "001", "--backup", str_of(dir.path())],
    )
    .assert_code(0);
    db.execute(
        "ALTER TABLE bxm_migration_actions DROP COLUMN backup_bytes, DROP COLUMN backup_sha256",
    );
    let old = files_in(dir.path());
    let listed = listed_backups(&db.url);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["path"], str_of(&old[0]));
    assert!(listed[0]["sha256"].is_null(), "{listed:?}");

    migrate(
        &db.url,
        &["run", "--to", "002", "--backup", str_of(dir.path())],
    )
    .assert_code(0);
    let new: Vec<PathBuf> = files_in(dir.path())
        .into_iter()
        .filter(|f| !old.contains(f))
        .collect();
    assert_eq!(
        db.strings(
            "SELECT version || ' ' || coalesce(backup_sha256, '-') AS v \
             FROM bxm_migration_actions ORDER BY id"
        ),
        ["001 -".to_string(), format!("002 {}", sha256_of(&new[0]))]
    );
}

#[test]
fn database_url_file_takes_its_place_in_the_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("config.env"), "DATABASE_URL=config.db\n").unwrap();
    write_with_mode(&d.join("env-url"), "env-file.db\n", 0o600);
    write_with_mode(&d.join("flag-url"), "flag-file.db\r\n", 0o600);
    // Each run creates the SQLite file its URL names, and only that one.
    let mut expected: Vec<String> = Vec::new();
    let mut check = |env: &[(&str, &str)], args: &[&str], created: &str| {
        let mut full = vec!["run", "--to", "001"];
        full.extend(args);
        migrate_with_env(d, env, &full).assert_code(0);
        expected.push(created.to_string());
        expected.sort();
        let dbs: Vec<String> = files_in(d)
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "db"))
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(dbs, expected, "{env:?} {args:?}");
    };
    check(&[], &[], "config.db");
    check(&[("DATABASE_URL_FILE", "env-url")], &[], "env-file.db");
    check(
        &[("DATABASE_URL_FILE", "env-url")],
        &["--database-url", "flag.db"],
        "flag.db",
    );
    check(
        &[("DATABASE_URL", "env.db")],
        &["--database-url-file", "flag-url"],
        "flag-file.db",
    );

    let secret_url = format!("postgres://app:{PASSWORD}@127.0.0.1:1/x");
    let both_env = migrate_with_env(
        d,
        &[
            ("DATABASE_URL", &secret_url),
            ("DATABASE_URL_FILE", "env-url"),
        ],
        &["run"],
    );
    both_env.assert_code(2);
    assert!(
        both_env
            .stderr
            .contains("both DATABASE_URL and DATABASE_URL_FILE")
            && !both_env.all().contains(PASSWORD),
        "{}",
        both_env.stderr
    );
    let both_flags = migrate_in(
        d,
        &[
            "run",
            "--database-url",
            &secret_url,
            "--database-url-file",
            "flag-url",
        ],
    );
    both_flags.assert_code(2);
    assert!(
        both_flags.stderr.contains("--database-url-file") && !both_flags.all().contains(PASSWORD),
        "{}",
        both_flags.stderr
    );
    assert_eq!(
        files_in(d).iter().filter(|f| f.ends_with("env.db")).count(),
        0
    );
}

#[test]
fn a_missing_or_unreadable_url_file_names_the_path_and_never_the_content() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let missing = d.join("no-such-secret");
    let out = migrate_with_env(d, &[("DATABASE_URL_FILE", str_of(&missing))], &["run"]);
    out.assert_code(2);
    assert!(
        out.stderr
            .contains(&format!("DATABASE_URL_FILE {}", missing.display())),
        "{}",
        out.stderr
    );
    // Tests run as root, which reads any file whatever its mode: a
    // directory is what cannot be read here.
    let unreadable = d.join("a-directory");
    std::fs::create_dir(&unreadable).unwrap();
    let out = migrate_in(d, &["run", "--database-url-file", str_of(&unreadable)]);
    out.assert_code(2);
    assert!(
        out.stderr
            .contains(&format!("--database-url-file {}", unreadable.display())),
        "{}",
        out.stderr
    );
    let unusable = d.join("unusable");
    write_with_mode(&unusable, &format!("mysql://root:{PASSWORD}@db/x\n"), 0o600);
    let out = migrate_in(d, &["run", "--database-url-file", str_of(&unusable)]);
    out.assert_code(2);
    assert!(
        out.stderr.contains(str_of(&unusable)) && !out.all().contains(PASSWORD),
        "{}",
        out.stderr
    );
    // Nothing fell back to the default SQLite file.
    assert_eq!(files_in(d), [unreadable, unusable]);
}

#[test]
fn libpq_finds_the_password_of_a_url_without_one() {
    let role = PgRole::new(PASSWORD);
    admin()
        .batch_execute(&format!("GRANT bxm_password_auth TO {}", role.name))
        .expect(
            "the test server needs the bxm_password_auth group: run the suite with scripts/test",
        );
    let db = PgDb::new();
    db.execute(&format!("GRANT CREATE ON SCHEMA public TO {}", role.name));
    let server = url::Url::parse(&db.url).unwrap();
    let mut without_password = server.clone();
    without_password.set_username(&role.name).unwrap();
    let url = without_password.to_string();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let out = migrate_with_env(
        d,
        &[("PGPASSFILE", "/nonexistent")],
        &["status", "--database-url", &url],
    );
    out.assert_code(3);
    assert!(
        out.stderr.contains("no password supplied") && out.stderr.contains(".pgpass"),
        "the server did not ask for a password: pg_hba.conf needs `host all \
         +bxm_password_auth 127.0.0.1/32 scram-sha-256` (scripts/test adds it); {}",
        out.stderr
    );

    let pgpass = d.join("pgpass");
    write_with_mode(
        &pgpass,
        &format!("*:*:{}:{}:{PASSWORD}\n", db.name, role.name),
        0o600,
    );
    let backups = d.join("backups");
    let out = migrate_with_env(
        d,
        &[("PGPASSFILE", str_of(&pgpass))],
        &["run", "--backup", str_of(&backups), "--database-url", &url],
    );
    out.assert_code(0);
    assert_eq!(db.tables(), all_tables());
    assert_eq!(
        db.strings("SELECT DISTINCT executed_by AS v FROM bxm_migration_actions"),
        [role.name.as_str()]
    );
    // pg_dump found the password the same way.
    assert_eq!(files_in(&backups).len(), 1);
    assert!(!out.all().contains(PASSWORD));

    migrate_with_env(
        d,
        &[("PGPASSFILE", "/nonexistent"), ("PGPASSWORD", PASSWORD)],
        &["status", "--check", "--database-url", &url],
    )
    .assert_code(0);

    let services = d.join("pg_service.conf");
    write_with_mode(
        &services,
        &format!(
            "[bxm]\nhost={}\nport={}\ndbname={}\nuser={}\n",
            server.host_str().unwrap(),
            server.port().unwrap_or(5432),
            db.name,
            role.name
        ),
        0o600,
    );
    migrate_with_env(
        d,
        &[
            ("PGSERVICEFILE", str_of(&services)),
            ("PGPASSFILE", str_of(&pgpass)),
        ],
        &[
            "status",
            "--check",
            "--database-url",
            "postgres:///?service=bxm",
        ],
    )
    .assert_code(0);
}

#[test]
fn secret_files_that_others_can_read_get_a_warning() {
    for (name, content) in [
        ("config.env", "DATABASE_URL=app.db\n"),
        (".env", "DATABASE_URL=app.db\n"),
        ("url", "app.db\n"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let file = d.join(name);
        let env: &[(&str, &str)] = if name == "url" {
            &[("DATABASE_URL_FILE", str_of(&file))]
        } else {
            &[]
        };
        let warning = format!("{} can be read by group or others", file.display());
        for mode in [0o644, 0o640] {
            write_with_mode(&file, content, mode);
            let out = migrate_with_env(d, env, &["run", "--to", "001"]);
            out.assert_code(0);
            assert!(
                out.stderr.contains(&format!("{warning} (mode {mode:03o})"))
                    && out
                        .stderr
                        .contains(&format!("chmod 600 {}", file.display())),
                "{name} {mode:o}: {}",
                out.stderr
            );
        }
        write_with_mode(&file, content, 0o600);
        let out = migrate_with_env(d, env, &["run", "--to", "002"]);
        out.assert_code(0);
        assert!(
            !out.stderr.contains("can be read"),
            "{name}: {}",
            out.stderr
        );
        assert!(
            SqliteDb::at(d.join("app.db"))
                .tables()
                .contains(&"payment_transactions".to_string())
        );
    }

    // A file that is not read is not warned about.
    let dir = tempfile::tempdir().unwrap();
    write_with_mode(
        &dir.path().join("config.env"),
        "DATABASE_URL=app.db\n",
        0o600,
    );
    write_with_mode(&dir.path().join(".env"), "DATABASE_URL=other.db\n", 0o644);
    let out = migrate_in(dir.path(), &["run", "--to", "001"]);
    out.assert_code(0);
    assert!(!out.stderr.contains("can be read"), "{}", out.stderr);
}

#[test]
fn a_password_on_the_command_line_gets_a_warning() {
    let db = PgDb::new();
    let with_password = db.url_as("postgres", PASSWORD);
    let warning = "the database password is on the command line";
    let out = migrate(&with_password, &["run", "--to", "001"]);
    out.assert_code(0);
    let line = out
        .stderr
        .lines()
        .find(|l| l.contains(warning))
        .unwrap_or_else(|| panic!("{}", out.stderr));
    assert!(
        line.contains("DATABASE_URL_FILE")
            && line.contains("~/.pgpass")
            && line.contains("PGPASSWORD"),
        "{line}"
    );
    assert!(!out.all().contains(PASSWORD));
    assert_eq!(db.tables().len(), 11, "{:?}", db.tables());

    let quiet = migrate(&with_password, &["status", "-q"]);
    quiet.assert_code(0);
    assert!(!quiet.stderr.contains(warning), "{}", quiet.stderr);
    assert!(!migrate(&db.url, &["status"]).stderr.contains(warning));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("url");
    write_with_mode(&file, &with_password, 0o600);
    let from_file = migrate_in(
        dir.path(),
        &["status", "--database-url-file", str_of(&file)],
    );
    from_file.assert_code(0);
    assert!(
        !from_file.stderr.contains("warning"),
        "{}",
        from_file.stderr
    );
}

#[test]
fn require_tls_refuses_a_connection_in_clear_text() {
    let db = PgDb::new();
    assert_eq!(
        db.strings("SELECT setting AS v FROM pg_settings WHERE name = 'ssl'"),
        ["on"],
        "the test server must have ssl = on"
    );
    let clear = format!("{}?sslmode=disable", db.url);
    let out = migrate(&clear, &["run", "--require-tls"]);
    out.assert_code(3);
    assert!(
        out.stderr.contains("not encrypted") && out.stderr.contains("--require-tls"),
        "{}",
        out.stderr
    );
    assert!(db.tables().is_empty(), "{:?}", db.tables());

    // libpq's default (sslmode=prefer) gets TLS from this server.
    migrate(&db.url, &["run", "--to", "001", "--require-tls"]).assert_code(0);
    assert!(db.tables().contains(&"users".to_string()));

    let dir = tempfile::tempdir().unwrap();
    let production = [("BUILDXPERT_ENV", "production")];
    let warned = migrate_with_env(
        dir.path(),
        &production,
        &["status", "--database-url", &clear],
    );
    warned.assert_code(0);
    assert!(
        warned
            .stderr
            .contains("warning: the connection is not encrypted"),
        "{}",
        warned.stderr
    );
    let encrypted = migrate_with_env(
        dir.path(),
        &production,
        &["status", "--database-url", &db.url],
    );
    encrypted.assert_code(0);
    assert!(
        !encrypted.stderr.contains("encrypted"),
        "{}",
        encrypted.stderr
    );
    // Elsewhere nobody asks: no query, no warning.
    let plain = migrate(&clear, &["status", "-v"]);
    plain.assert_code(0);
    assert!(
        plain.stderr.contains("sql: ") && !plain.stderr.contains("pg_stat_ssl"),
        "{}",
        plain.stderr
    );
}

#[test]
fn the_password_is_in_no_output_record_or_file_name() {
    let db = PgDb::new();
    let url = db.url_as("postgres", PASSWORD);
    let dir = tempfile::tempdir().unwrap();
    let backups = dir.path().join("backups");
    let b = str_of(&backups);
    let mut seen = String::new();
    for args in [
        &[
            "run", "--to", "003", "--backup", b, "--format", "json", "-v",
        ][..],
        &["force", "--dry-run", "-v"],
        &["revert", "--all", "--dry-run"],
        &["revert", "003", "--yes", "-v"],
        &["run", "--backup", b, "-v"],
        &["status", "--backups", "--format", "json", "-v"],
        &["status", "--backups"],
        &["status", "--format", "json"],
    ] {
        let out = migrate(&url, args);
        out.assert_code(0);
        seen.push_str(&out.all());
    }
    let mut wrong_port = url::Url::parse(&url).unwrap();
    wrong_port.set_port(Some(1)).unwrap();
    let refused = migrate(wrong_port.as_str(), &["run", "-v"]);
    refused.assert_code(3);
    seen.push_str(&refused.all());

    // The backup advice of `revert --yes` names the database without the password.
    assert!(
        seen.contains("Back up first: pg_dump") && seen.contains(&format!("dbname={}", db.name)),
        "{seen}"
    );
    assert!(!seen.contains(PASSWORD), "{seen}");
    for table in ["bxm_migration_actions", "migrations"] {
        let rows = db.strings(&format!(
            "SELECT coalesce(string_agg(row_to_json(t)::text, ' '), '') AS v FROM {table} t"
        ));
        assert!(
            !rows[0].is_empty() && !rows[0].contains(PASSWORD),
            "{rows:?}"
        );
    }
    let dumps = files_in(&backups);
    assert_eq!(dumps.len(), 2, "{dumps:?}");
    for dump in dumps {
        assert!(!str_of(&dump).contains(PASSWORD));
        let bytes = std::fs::read(&dump).unwrap();
        assert!(
            !bytes
                .windows(PASSWORD.len())
                .any(|w| w == PASSWORD.as_bytes())
        );
    }
}
