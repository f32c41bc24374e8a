//! Trying to break it: a stderr that cannot be written, a stdout whose
//! reader has gone, signals at awkward moments, a database named like a
//! path, a umask of 000, a backup stuck behind a table lock, `TERM=dumb`.

use std::fs::OpenOptions;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;

use buildxpert_migrate::lock::LOCK_KEY;

use crate::support::{
    BINARY, Outcome, PgDb, SqliteDb, admin, binary, clean, finish, migrate, spawn,
};

/// A stderr every write to fails (ENOSPC).
fn dev_full() -> Stdio {
    Stdio::from(OpenOptions::new().write(true).open("/dev/full").unwrap())
}

/// Waits for the child; one still running after a minute is hung (killed,
/// and the test fails rather than waiting forever).
fn finish_within_a_minute(mut child: Child) -> Outcome {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the binary was still running after 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    finish(child)
}

fn send(signal: &str, pid: u32) {
    let sent = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// Names of the files in `dir`, sorted.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A database with 001 applied and another session holding an ACCESS
/// EXCLUSIVE lock on `users` in an open transaction, so `pg_dump` (which
/// locks every table it dumps) queues behind it.
fn database_with_users_locked() -> (PgDb, diesel::PgConnection) {
    let db = PgDb::new();
    migrate(&db.url, &["run", "--to", "001"]).assert_code(0);
    let mut holder = db.conn();
    holder
        .batch_execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    (db, holder)
}

#[test]
fn errors_keep_their_exit_codes_when_stderr_cannot_be_written() {
    for (url, code) in [
        ("mysql://localhost/buildxpert", 2),
        ("postgres://postgres@127.0.0.1:1/buildxpert", 3),
    ] {
        let child = binary(&["status", "--database-url", url])
            .stderr(dev_full())
            .spawn()
            .unwrap();
        finish_within_a_minute(child).assert_code(code);
    }
}

#[test]
fn sigterm_while_waiting_for_the_lock_exits_143_when_stderr_cannot_be_written() {
    let db = PgDb::new();
    let mut holder = db.conn();
    holder
        .batch_execute(&format!("SELECT pg_advisory_lock({LOCK_KEY})"))
        .unwrap();
    let child = binary(&["run", "--lock-wait", "30", "--database-url", &db.url])
        .stderr(dev_full())
        .spawn()
        .unwrap();
    // Between two tries the waiting session's last statement is the
    // ROLLBACK of the failed one; the state is read (and rolled back) first.
    crate::support::wait_for_session(
        &db,
        "application_name = 'buildxpert-migrate' AND \
         (query LIKE '%pg_try_advisory_xact_lock%' OR query = 'ROLLBACK')",
    );
    std::thread::sleep(std::time::Duration::from_millis(500));
    send("-TERM", child.id());
    // Swallowed, it would end with the lock wait (7) after 30 s.
    finish_within_a_minute(child).assert_code(143);
}

#[test]
fn completions_into_a_closed_pipe_end_quietly() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = binary(&["completions", "fish"])
        .stdout(writer)
        .spawn()
        .unwrap();
    let out = finish_within_a_minute(child);
    out.assert_code(0);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

#[test]
fn status_into_a_closed_pipe_ends_quietly() {
    let db = SqliteDb::new();
    migrate(&db.url(), &["run"]).assert_code(0);
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = binary(&["status", "--database-url", &db.url()])
        .stdout(writer)
        .spawn()
        .unwrap();
    let out = finish_within_a_minute(child);
    out.assert_code(0);
    assert_eq!(out.stderr, "");
}

#[test]
fn a_backup_of_a_database_named_like_a_path_stays_in_the_directory() {
    let db = PgDb::new();
    migrate(&db.url, &["run", "--to", "001"]).assert_code(0);
    let odd = format!("../{}/x", db.name);
    admin()
        .batch_execute(&format!("ALTER DATABASE {} RENAME TO \"{odd}\"", db.name))
        .unwrap();
    let mut url = url::Url::parse(&db.url).unwrap();
    url.set_path(&odd.replace('/', "%2F"));
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("backups");
    let out = finish_within_a_minute(
        binary(&[
            "run",
            "--backup",
            dir.to_str().unwrap(),
            "--database-url",
            url.as_str(),
        ])
        .spawn()
        .unwrap(),
    );
    // Dropped before asserting: PgDb no longer knows it under this name.
    admin()
        .batch_execute(&format!("DROP DATABASE \"{odd}\" WITH (FORCE)"))
        .unwrap();
    out.assert_code(0);
    assert_eq!(files_in(root.path()), ["backups"]);
    let backups = files_in(&dir);
    assert_eq!(backups.len(), 1, "{backups:?}");
    let name = &backups[0];
    assert!(
        name.ends_with(".dump") && !name.starts_with('.') && !name.contains(".."),
        "{name}"
    );
    assert!(
        out.stderr.contains(&dir.join(name).display().to_string()),
        "{}",
        out.stderr
    );
}

#[test]
fn backups_are_private_whatever_the_umask() {
    let lite = SqliteDb::new();
    let pg = PgDb::new();
    for url in [lite.url(), pg.url.clone()] {
        migrate(&url, &["run", "--to", "001"]).assert_code(0);
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("backups");
        let out = clean("sh")
            .args(["-c", "umask 000; exec \"$0\" \"$@\"", BINARY, "run"])
            .args(["--backup", dir.to_str().unwrap(), "--database-url", &url])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(mode(&dir), 0o700, "{url}: the directory");
        let backups = files_in(&dir);
        assert_eq!(backups.len(), 1, "{backups:?}");
        assert_eq!(mode(&dir.join(&backups[0])), 0o600, "{url}: the backup");
    }
}

#[test]
fn pg_dump_behind_a_table_lock_gives_up_with_the_lock_timeout() {
    let (db, mut holder) = database_with_users_locked();
    let dir = tempfile::tempdir().unwrap();
    let child = spawn(
        &db.url,
        &[
            "run",
            "--backup",
            dir.path().to_str().unwrap(),
            "--lock-timeout",
            "1",
        ],
    );
    let out = finish_within_a_minute(child);
    holder.batch_execute("ROLLBACK").unwrap();
    out.assert_code(1);
    assert!(
        out.stderr.contains("pg_dump failed") && out.stderr.contains("a lock on public.users"),
        "{}",
        out.stderr
    );
    assert_eq!(files_in(dir.path()), Vec::<String>::new());
    assert_eq!(
        db.strings("SELECT version::text AS v FROM __diesel_schema_migrations"),
        ["001"],
        "a failed backup must leave the database untouched"
    );
}

/// The pid and command line of every process whose command line holds all
/// of `words`.
fn processes_with(words: &[&str]) -> Vec<(u32, String)> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| {
            let e = e.ok()?;
            let pid = e.file_name().to_str()?.parse().ok()?;
            let raw = std::fs::read(e.path().join("cmdline")).ok()?;
            Some((pid, String::from_utf8_lossy(&raw).replace('\0', " ")))
        })
        .filter(|(_, line)| words.iter().all(|w| line.contains(w)))
        .collect()
}

#[test]
fn sigterm_during_a_backup_stops_pg_dump_and_leaves_no_backup() {
    let (db, _holder) = database_with_users_locked();
    let dir = tempfile::tempdir().unwrap();
    let child = spawn(
        &db.url,
        &[
            "run",
            "--backup",
            dir.path().to_str().unwrap(),
            "--lock-timeout",
            "30",
        ],
    );
    crate::support::wait_for_session(
        &db,
        "application_name = 'pg_dump' AND wait_event_type = 'Lock'",
    );
    send("-TERM", child.id());
    finish_within_a_minute(child).assert_code(143);
    let started = Instant::now();
    let pg_dumps = || processes_with(&["pg_dump", &db.name]);
    while !pg_dumps().is_empty() && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(pg_dumps(), [], "pg_dump outlived the run");
    assert_eq!(files_in(dir.path()), Vec::<String>::new());
}

/// A `kill -9` of the run while pg_dump waits: pg_dump dies with it (it
/// would keep its session and snapshot), and the partial file it leaves is
/// removed by the next backup into that directory.
#[test]
fn sigkill_during_a_backup_takes_pg_dump_along_and_the_next_backup_cleans_up() {
    let (db, holder) = database_with_users_locked();
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().to_str().unwrap();
    let child = spawn(
        &db.url,
        &["run", "--backup", backup, "--lock-timeout", "30"],
    );
    crate::support::wait_for_session(
        &db,
        "application_name = 'pg_dump' AND wait_event_type = 'Lock'",
    );
    send("-KILL", child.id());
    let _ = finish_within_a_minute(child);
    let started = Instant::now();
    let pg_dumps = || processes_with(&["pg_dump", &db.name]);
    while !pg_dumps().is_empty() && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(pg_dumps(), [], "pg_dump outlived the run");
    let left = files_in(dir.path());
    assert!(left.len() == 1 && left[0].ends_with(".partial"), "{left:?}");
    drop(holder);
    migrate(&db.url, &["run", "--backup", backup]).assert_code(0);
    let after = files_in(dir.path());
    assert!(
        after.len() == 1 && after[0].ends_with(".dump") && !after[0].starts_with('.'),
        "{after:?}"
    );
}

#[test]
fn term_dumb_gets_plain_lines_on_a_terminal() {
    let db = SqliteDb::new();
    let out = clean("script")
        .args([
            "-qec",
            &format!("{BINARY} run --database-url {}", db.url()),
            "/dev/null",
        ])
        .env("TERM", "dumb")
        .env_remove("NO_COLOR")
        .output()
        .expect("`script` (util-linux) runs the binary on a terminal");
    assert!(out.status.success());
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("✓ Migration 001 create_core_tables applied in"),
        "{shown:?}"
    );
    assert!(!shown.contains('\u{1b}'), "{shown:?}");
}

/// The prompt holds stderr's lock while it waits for an answer; the
/// interrupt message must not wait for that lock.
#[test]
fn sigint_at_the_confirmation_prompt_exits_130() {
    let db = SqliteDb::new();
    migrate(&db.url(), &["run"]).assert_code(0);
    let command = format!("{BINARY} revert --database-url {}", db.url());
    let mut terminal = clean("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("`script` (util-linux) runs the binary on a terminal");
    // Kept open: an end of input would answer the prompt.
    let _keyboard = terminal.stdin.take();
    let mut screen = terminal.stdout.take().unwrap();
    let mut shown = Vec::new();
    while !String::from_utf8_lossy(&shown).contains("Type yes to continue") {
        let mut chunk = [0; 4096];
        let read = screen.read(&mut chunk).unwrap();
        assert!(read > 0, "{}", String::from_utf8_lossy(&shown));
        shown.extend_from_slice(&chunk[..read]);
    }
    // Not `script` or a shell, whose command lines hold it too.
    let runners: Vec<u32> = processes_with(&[&command])
        .into_iter()
        .filter(|(_, line)| line.starts_with(BINARY))
        .map(|(pid, _)| pid)
        .collect();
    let [pid] = runners[..] else {
        panic!("not one binary running: {runners:?}");
    };
    send("-INT", pid);
    let started = Instant::now();
    while Path::new(&format!("/proc/{pid}")).exists() {
        if started.elapsed() > Duration::from_secs(20) {
            send("-KILL", pid);
            panic!("still waiting for an answer 20 s after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    screen.read_to_end(&mut shown).unwrap();
    let status = terminal.wait().unwrap();
    let shown = String::from_utf8_lossy(&shown);
    assert_eq!(status.code(), Some(130), "{shown}");
    assert!(shown.contains("interrupted by SIGINT"), "{shown}");
    assert!(
        db.tables().contains(&"users".to_string()),
        "reverted anyway"
    );
}
