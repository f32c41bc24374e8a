//! Each error class: one line, its exit code, no change, no password.

use crate::support::{PgDb, PgRole, migrate, migrate_in};

const PASSWORD: &str = "Zr9-very-distinctive-secret";

/// One error line, last; anything before it is a warning (a password on
/// the command line gets one), and nothing anywhere holds the password.
#[track_caller]
fn assert_one_line_without_password(out: &crate::support::Outcome) {
    let lines: Vec<&str> = out.stderr.lines().collect();
    let (last, before) = lines.split_last().expect("an error line");
    assert!(last.starts_with("error: "), "{}", out.stderr);
    assert!(
        before.iter().all(|l| l.starts_with("warning: ")),
        "{}",
        out.stderr
    );
    assert!(!out.all().contains(PASSWORD), "{}", out.all());
}

#[test]
fn malformed_and_unsupported_urls_are_usage_errors() {
    let out = migrate(&format!("postgres://app:{PASSWORD}@db:notaport/x"), &[]);
    out.assert_code(2);
    assert_one_line_without_password(&out);

    let out = migrate(
        &format!("mysql://root:{PASSWORD}@localhost/buildxpert"),
        &[],
    );
    out.assert_code(2);
    assert_one_line_without_password(&out);
    assert!(
        out.stderr.contains("`mysql` is not supported") && out.stderr.contains("postgres://"),
        "{}",
        out.stderr
    );

    let out = migrate("buildxpert", &[]);
    out.assert_code(2);
    assert!(
        out.stderr.contains("neither a URL nor a SQLite file path"),
        "{}",
        out.stderr
    );

    let dir = tempfile::tempdir().unwrap();
    let out = migrate_in(dir.path(), &["--bogus-flag"]);
    out.assert_code(2);
    let out = migrate_in(dir.path(), &["--skip-optional", "status"]);
    out.assert_code(2);
    assert!(!dir.path().join("buildxpert.sqlite3").exists());
}

#[test]
fn refused_port_names_host_and_port() {
    let out = migrate(
        &format!("postgres://postgres:{PASSWORD}@127.0.0.1:1/buildxpert"),
        &["-v"],
    );
    out.assert_code(3);
    assert_one_line_without_password(&out);
    assert!(
        out.stderr.contains("127.0.0.1:1") && out.stderr.contains("Connection refused"),
        "{}",
        out.stderr
    );
}

#[test]
fn unknown_host_is_a_connection_error() {
    let out = migrate(
        &format!("postgres://app:{PASSWORD}@no-such-host.invalid/buildxpert"),
        &[],
    );
    out.assert_code(3);
    assert_one_line_without_password(&out);
    assert!(out.stderr.contains("cannot be resolved"), "{}", out.stderr);
}

#[test]
fn missing_database_says_so_and_names_createdb() {
    let mut url = url::Url::parse(&crate::support::server_url()).unwrap();
    url.set_path("bxm_no_such_database");
    url.set_password(Some(PASSWORD)).unwrap();
    let out = migrate(url.as_str(), &["status"]);
    out.assert_code(3);
    assert_one_line_without_password(&out);
    assert!(
        out.stderr
            .contains("\"bxm_no_such_database\" does not exist")
            && out.stderr.contains("createdb bxm_no_such_database"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_role_without_create_on_public_gets_a_permission_error() {
    let role = PgRole::new(PASSWORD);
    let db = PgDb::new();
    // PostgreSQL 15 no longer lets every role create in public; make sure of it.
    db.execute(&format!(
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC, {}",
        role.name
    ));
    let out = migrate(&db.url_as(&role.name, PASSWORD), &[]);
    out.assert_code(4);
    assert_one_line_without_password(&out);
    assert!(
        out.stderr.contains("permission denied for schema public")
            && out.stderr.contains("GRANT CREATE ON SCHEMA public"),
        "{}",
        out.stderr
    );
    assert!(db.tables().is_empty());
}

#[test]
fn sqlite_path_in_a_missing_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing").join("app.db");
    let out = migrate(path.to_str().unwrap(), &[]);
    out.assert_code(3);
    assert!(out.stderr.contains("directory exists"), "{}", out.stderr);
    assert!(!path.parent().unwrap().exists());
}

#[test]
fn a_file_that_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(&path, "these are my notes, not a database ".repeat(100)).unwrap();
    let out = migrate(path.to_str().unwrap(), &[]);
    out.assert_code(3);
    assert!(out.stderr.contains("not a database"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "these are my notes, not a database ".repeat(100)
    );
}
