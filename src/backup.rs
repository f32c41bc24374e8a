//! `--backup DIR`: a copy of the database taken before anything changes —
//! `pg_dump` (custom format) for PostgreSQL, `VACUUM INTO` for SQLite.
//!
//! A backup is written under a temporary name (`.NAME.partial`) and renamed
//! only once complete, so a file with a backup's name is always a whole
//! backup. Files are 0600 and a directory this creates 0700, whatever the
//! umask: a backup holds every row, password hashes included. Its size and
//! SHA-256 go into the history, so a copy can be checked before a restore.

use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::Text;
use sha2::{Digest, Sha256};

use crate::config::{ByBackend, Target};
use crate::connection::Conn;
use crate::engine::{self, AnyConnection, TextValue};
use crate::error::{Error, Result};
use crate::records::Backup;
use crate::signals;

/// How each backend is backed up.
struct Way {
    /// A backup's file name before its extension, as one row (value).
    stem: &'static str,
    extension: &'static str,
    /// The command that backs the target up by hand.
    hint: fn(&Target) -> String,
    /// Writes the backup into the (empty, private) file at the path.
    write: fn(&mut AnyConnection, &Target, &Path, Duration) -> Result<()>,
}

static WAY: ByBackend<Way> = ByBackend {
    postgres: Way {
        stem: "SELECT current_database() || '_' || \
             to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISSMS\"Z\"') AS value",
        extension: "dump",
        hint: |target| {
            format!(
                "Back up first: pg_dump --format=custom --file backup_$(date +%Y%m%d_%H%M%S).dump \
                 \"{}\" (or pass --backup DIR)",
                target.url_without_password()
            )
        },
        write: |conn, target, path, lock_timeout| pg_dump(conn, target, path, lock_timeout),
    },
    sqlite: Way {
        stem: "SELECT 'buildxpert_' || replace(strftime('%Y%m%dT%H%M%fZ', 'now'), '.', '') \
             AS value",
        extension: "sqlite3",
        hint: |target| {
            format!(
                "Back up first: sqlite3 {} \".backup backup_$(date +%Y%m%d_%H%M%S).sqlite3\" (or pass \
                 --backup DIR)",
                target.connect_url
            )
        },
        write: |conn, _, path, _| vacuum_into(conn, path),
    },
};

/// Writes the backup into `dir` (created if missing) and returns it.
/// `lock_timeout` bounds how long `pg_dump` waits for each table's lock, as
/// it bounds every statement of the run.
pub fn take(
    conn: &mut Conn,
    target: &Target,
    dir: &Path,
    lock_timeout: Duration,
) -> Result<Backup> {
    create_private_dir(dir).map_err(|e| {
        Error::Backup(format!(
            "cannot create the directory {}: {e}",
            dir.display()
        ))
    })?;
    let name = file_name(conn)?;
    let path = dir.join(&name);
    // Never overwrite an earlier backup: it may be the one with the data.
    if path.exists() {
        return Err(Error::Backup(format!(
            "{} already exists; nothing was overwritten, run again",
            path.display()
        )));
    }
    remove_stale_partials(dir);
    let partial = dir.join(format!(".{name}.{}.partial", std::process::id()));
    create_private_file(&partial)
        .map_err(|e| Error::Backup(format!("cannot create {}: {e}", partial.display())))?;
    signals::remove_on_interrupt(Some(&partial));
    let way = WAY.get(target.backend);
    let written = (way.write)(conn, target, &partial, lock_timeout).and_then(|()| {
        complete(&partial, &path)
            .map_err(|e| Error::Backup(format!("cannot complete {}: {e}", path.display())))
    });
    signals::remove_on_interrupt(None);
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written.map(|(bytes, sha256)| Backup {
        path,
        bytes,
        sha256,
    })
}

/// Removes the `.NAME.PID.partial` files of runs of this binary that died
/// while writing a backup into `dir` (their process is gone).
fn remove_stale_partials(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix('.')
            .and_then(|n| n.strip_suffix(".partial"))
            .and_then(|n| n.rsplit_once('.'))
            .and_then(|(_, pid)| pid.parse::<libc::pid_t>().ok())
        else {
            continue;
        };
        // SAFETY: kill(2) with signal 0 only asks whether the process exists.
        let gone = unsafe { libc::kill(pid, 0) } != 0
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if gone {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// `DATABASE_TIMESTAMP.dump` (PostgreSQL) or `buildxpert_TIMESTAMP.sqlite3`,
/// the time in UTC to the millisecond.
fn file_name(conn: &mut Conn) -> Result<String> {
    let way = WAY.get(engine::backend(conn));
    let stamp = diesel::sql_query(way.stem)
        .get_result::<TextValue>(&mut **conn)
        .map_err(|e| Error::from_db("naming the backup", &e))?
        .value;
    Ok(format!("{}.{}", safe_stem(&stamp), way.extension))
}

/// A database name may hold any character, `/` and `..` included: only
/// `[A-Za-z0-9_.-]` are kept (the rest become `_`), and a dot neither starts
/// the name nor follows another dot, so the result is one plain file name
/// in the directory, never hidden and never a path.
fn safe_stem(raw: &str) -> String {
    let mut stem = String::with_capacity(raw.len());
    for c in raw.chars() {
        let keep = c.is_ascii_alphanumeric()
            || c == '_'
            || c == '-'
            || (c == '.' && !stem.is_empty() && !stem.ends_with('.'));
        stem.push(if keep { c } else { '_' });
    }
    stem
}

/// Creates `dir` and its missing parents 0700; an existing directory keeps
/// the mode its owner chose.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    // The umask can only have taken bits away; set exactly 0700.
    std::fs::set_permissions(dir, Permissions::from_mode(0o700))
}

/// Creates the empty file the backup is written into, 0600 before any data
/// is in it (`pg_dump` and `VACUUM INTO` both write into an existing empty
/// file and keep its mode).
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(Permissions::from_mode(0o600))
}

/// Measures and hashes the written file (streamed: a dump can be larger
/// than memory), makes it durable, then gives it its final name: a crash at
/// any point leaves no incomplete file under a backup's name. Returns the
/// size and the SHA-256 (hex).
fn complete(partial: &Path, path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = File::open(partial)?;
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut file, &mut hasher)?;
    file.sync_all()?;
    publish(partial, path)?;
    Ok((bytes, format!("{:x}", hasher.finalize())))
}

/// Gives the written file its final name without ever replacing a file of
/// that name (another run may have taken a backup in the same millisecond):
/// a hard link fails if the name exists, where a rename would overwrite.
/// File systems without hard links fall back to checking, then renaming.
fn publish(partial: &Path, path: &Path) -> std::io::Result<()> {
    match std::fs::hard_link(partial, path) {
        Ok(()) => std::fs::remove_file(partial),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        Err(_) if path.exists() => Err(std::io::ErrorKind::AlreadyExists.into()),
        Err(_) => std::fs::rename(partial, path),
    }
}

/// SQLite's own copy of the database into `path`.
fn vacuum_into(conn: &mut AnyConnection, path: &Path) -> Result<()> {
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(path.to_string_lossy())
        .execute(conn)
        .map(drop)
        .map_err(|e| Error::Backup(format!("VACUUM INTO {} failed: {e}", path.display())))
}

/// Which `pg_dump` dumps a PostgreSQL `major` server: `PG_DUMP` when set,
/// else the one Debian keeps for that version (`/usr/lib/postgresql/N/bin`),
/// else the one on `PATH`; refused before anything changes when it is older
/// than the server (pg_dump refuses a newer server, after the run began).
fn pg_dump_for(major: u32) -> Result<PathBuf> {
    let versioned = PathBuf::from(format!("/usr/lib/postgresql/{major}/bin/pg_dump"));
    let chosen = match std::env::var_os("PG_DUMP").filter(|p| !p.is_empty()) {
        Some(chosen) => PathBuf::from(chosen),
        None if versioned.is_file() => versioned,
        None => PathBuf::from("pg_dump"),
    };
    // Missing: said as such when it is run.
    let Ok(out) = Command::new(&chosen).arg("--version").output() else {
        return Ok(chosen);
    };
    let client = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .last()
        .and_then(|v| v.split('.').next()?.parse::<u32>().ok());
    match client {
        Some(client) if client < major => Err(Error::BackupTool(format!(
            "{} is pg_dump {client} and the server PostgreSQL {major}, which it cannot dump; \
             nothing was changed. Install postgresql-client-{major} (Debian: \
             /usr/lib/postgresql/{major}/bin/pg_dump is then used), or set PG_DUMP to a \
             pg_dump of version {major} or later",
            chosen.display()
        ))),
        _ => Ok(chosen),
    }
}

/// `pg_dump --format=custom` of the target into `path`.
fn pg_dump(
    conn: &mut AnyConnection,
    target: &Target,
    path: &Path,
    lock_timeout: Duration,
) -> Result<()> {
    let major = engine::of(conn)
        .server_major()
        .map_err(|e| Error::from_db("reading the server's version", &e))?
        .and_then(|m| u32::try_from(m).ok())
        .unwrap_or_default();
    let program = pg_dump_for(major)?;
    let mut command = Command::new(&program);
    command
        .args(["--format=custom", "--no-password", "--file"])
        .arg(path)
        .arg(format!("--lock-wait-timeout={}", lock_timeout.as_millis()))
        .arg("--dbname")
        .arg(target.url_without_password());
    // The password goes through the environment, never the command line
    // (which other users can read in ps).
    if let Some(password) = target.password() {
        command.env("PGPASSWORD", password);
    }
    let (status, stderr) = signals::run_child(&mut command).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::BackupTool(format!(
                "{} was not found: install the PostgreSQL client tools of the server's version \
                 (apt-get install postgresql-client-{major}), set PG_DUMP to a pg_dump, or run \
                 without --backup",
                program.display()
            ))
        } else {
            Error::Backup(format!("cannot run pg_dump: {e}"))
        }
    })?;
    if !status.success() {
        let message = String::from_utf8_lossy(&stderr);
        return Err(Error::Backup(format!(
            "pg_dump failed: {}",
            target.redact(&explain(&message))
        )));
    }
    Ok(())
}

/// pg_dump's first line, and what it means when that is the timeout of
/// waiting for a table's lock (the only statement_timeout pg_dump sets is
/// its `--lock-wait-timeout`).
fn explain(stderr: &str) -> String {
    let first = stderr.lines().next().unwrap_or("no message").to_string();
    let locked = stderr
        .lines()
        .find_map(|line| line.split_once("LOCK TABLE "))
        .and_then(|(_, rest)| rest.split_whitespace().next());
    match locked {
        Some(table) if first.contains("statement timeout") => format!(
            "{first}: it waited longer than --lock-timeout for a lock on {table}, which another \
             session holds. Nothing was changed; run again once that session is done, or raise \
             --lock-timeout"
        ),
        _ => first,
    }
}

/// The line printed before data-destroying commands run without `--backup`.
pub fn recommendation(target: &Target) -> String {
    (WAY.get(target.backend).hint)(target)
}

#[cfg(test)]
mod tests {
    use super::{explain, publish, safe_stem};

    #[test]
    fn a_lock_wait_timeout_is_explained() {
        let stderr = "pg_dump: error: query failed: ERROR:  canceling statement due to statement \
                      timeout\npg_dump: detail: Query was: LOCK TABLE public.users IN ACCESS \
                      SHARE MODE\n";
        let message = explain(stderr);
        assert!(
            message.contains("a lock on public.users") && message.contains("--lock-timeout"),
            "{message}"
        );
        assert_eq!(
            explain("pg_dump: error: disk full\n"),
            "pg_dump: error: disk full"
        );
    }

    #[test]
    fn any_database_name_becomes_one_plain_file_name() {
        assert_eq!(
            safe_stem("buildxpert_20250101T000000000Z"),
            "buildxpert_20250101T000000000Z"
        );
        assert_eq!(safe_stem("a/b"), "a_b");
        assert_eq!(safe_stem("../x"), "_._x");
        assert_eq!(safe_stem(".hidden"), "_hidden");
        assert_eq!(safe_stem("a...b"), "a._.b");
        assert_eq!(safe_stem("naïve db\\x"), "na_ve_db_x");
    }

    #[test]
    fn publishing_never_replaces_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let (partial, path) = (dir.path().join(".b.partial"), dir.path().join("b"));
        std::fs::write(&path, "earlier backup").unwrap();
        std::fs::write(&partial, "new").unwrap();
        let err = publish(&partial, &path).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "earlier backup");
        std::fs::remove_file(&path).unwrap();
        publish(&partial, &path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert!(!partial.exists());
    }
}
