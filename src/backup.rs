//! `--backup DIR`: a copy of the database taken before anything changes —
//! `pg_dump` (custom format) for PostgreSQL, `VACUUM INTO` for SQLite.

use std::path::{Path, PathBuf};
use std::process::Command;

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::config::Target;
use crate::connection::{AnyConnection, Conn, TextValue};
use crate::error::{Error, Result};

/// Writes the backup into `dir` (created if missing) and returns its path.
pub fn take(conn: &mut Conn, target: &Target, dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::Backup(format!(
            "cannot create the directory {}: {e}",
            dir.display()
        ))
    })?;
    let (stamp_sql, extension) = match &**conn {
        AnyConnection::Pg(_) => (
            "SELECT current_database() || '_' || \
             to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISSMS\"Z\"') AS value",
            "dump",
        ),
        AnyConnection::Sqlite(_) => (
            "SELECT 'buildxpert_' || replace(strftime('%Y%m%dT%H%M%fZ', 'now'), '.', '') AS value",
            "sqlite3",
        ),
    };
    let stamp = diesel::sql_query(stamp_sql)
        .get_result::<TextValue>(&mut **conn)
        .map_err(|e| Error::from_db("naming the backup", &e))?
        .value;
    let path = dir.join(format!("{stamp}.{extension}"));
    // Never overwrite an earlier backup: it may be the one with the data.
    if path.exists() {
        return Err(Error::Backup(format!(
            "{} already exists; nothing was overwritten, run again",
            path.display()
        )));
    }
    match &mut **conn {
        AnyConnection::Pg(_) => pg_dump(target, &path)?,
        AnyConnection::Sqlite(lite) => {
            diesel::sql_query("VACUUM INTO ?")
                .bind::<Text, _>(path.to_string_lossy())
                .execute(lite)
                .map_err(|e| {
                    Error::Backup(format!("VACUUM INTO {} failed: {e}", path.display()))
                })?;
        }
    }
    Ok(path)
}

fn pg_dump(target: &Target, path: &Path) -> Result<()> {
    let mut command = Command::new("pg_dump");
    command
        .args(["--format=custom", "--no-password", "--file"])
        .arg(path)
        .arg("--dbname")
        .arg(target.url_without_password());
    // The password goes through the environment, never the command line
    // (which other users can read in ps).
    if let Some(password) = target.password() {
        command.env("PGPASSWORD", password);
    }
    let output = command.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::BackupTool(
                "pg_dump is not on PATH: install the PostgreSQL client tools matching the \
                 server's version (apt-get install postgresql-client) or run without --backup"
                    .to_string(),
            )
        } else {
            Error::Backup(format!("cannot start pg_dump: {e}"))
        }
    })?;
    if !output.status.success() {
        let message = String::from_utf8_lossy(&output.stderr);
        return Err(Error::Backup(format!(
            "pg_dump failed: {}",
            target.redact(message.lines().next().unwrap_or("no message"))
        )));
    }
    Ok(())
}

/// The line printed before data-destroying commands run without `--backup`.
pub fn recommendation(target: &Target) -> String {
    match target.backend {
        crate::config::Backend::Postgres => format!(
            "Back up first: pg_dump --format=custom --file backup_$(date +%Y%m%d_%H%M%S).dump \
             \"{}\" (or pass --backup DIR)",
            target.url_without_password()
        ),
        crate::config::Backend::Sqlite => format!(
            "Back up first: sqlite3 {} \".backup backup_$(date +%Y%m%d_%H%M%S).sqlite3\" (or pass \
             --backup DIR)",
            target.connect_url
        ),
    }
}
