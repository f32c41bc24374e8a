//! One target's own process: this binary's `run`, `status` or `verify`
//! with `--format json`, the flags this process was given, and the URL in
//! its environment (never in its arguments: `ps` shows those to every
//! user). Its output is read whole, with the target's secrets replaced.

use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::kind::Kind;
use super::targets::Member;
use crate::commands;
use crate::config::Target;
use crate::error::exit;
use crate::options::GlobalArgs;
use crate::signals;

/// What one target's child did.
pub(super) struct Finished {
    /// Its exit code (128 + the signal when a signal ended it).
    pub code: i32,
    /// Its one-line error, without `error: `.
    pub error: Option<String>,
    /// The other lines it wrote to stderr (warnings, notes).
    pub notes: Vec<String>,
    /// Its stdout, line by line: JSON events (run), one JSON document
    /// (status, verify) or a dry run's plan.
    pub stdout: Vec<String>,
    pub elapsed: Duration,
}

/// Runs the child for `member` to its end; `line` sees each stdout line as
/// it comes.
pub(super) fn run(
    exe: &Path,
    global: &[OsString],
    scratch: Option<&str>,
    kind: &Kind<'_>,
    member: &Member,
    line: impl FnMut(&str),
) -> Finished {
    let mut command = Command::new(exe);
    command
        .args(global)
        .args(kind.child_args(&member.name))
        // The URL travels in the environment: `ps` shows arguments to every user.
        .env("DATABASE_URL", &member.url)
        // This process's own URL file would collide with it in the child.
        .env_remove("DATABASE_URL_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = scratch {
        command.env(commands::SCRATCH_VARIABLE, url);
    }
    let started = Instant::now();
    match collect(&mut command, &member.target, line) {
        Ok((code, stdout, stderr)) => {
            let (error, notes) = split_stderr(stderr, code);
            Finished {
                code,
                error,
                notes,
                stdout,
                elapsed: started.elapsed(),
            }
        }
        Err(e) => Finished {
            code: i32::from(exit::UNEXPECTED),
            error: Some(format!("cannot run this target's own process: {e}")),
            notes: Vec::new(),
            stdout: Vec::new(),
            elapsed: started.elapsed(),
        },
    }
}

/// The flags every child takes as this process was given them; the URL
/// flags aside, since each child gets its own URL. Destructured whole, so a
/// new global flag cannot be forgotten here.
pub(super) fn global_flags(global: &GlobalArgs) -> Vec<OsString> {
    let GlobalArgs {
        database_url: _,
        database_url_file: _,
        // Handed on in the environment (see `run`): it may hold a password.
        scratch_database_url: _,
        require_tls,
        migration_dir,
        verbose,
        quiet,
        wait,
        lock_wait,
        lock_timeout,
        lock_retries,
        statement_timeout,
    } = global;
    let mut flags: Vec<OsString> = vec![
        "--lock-wait".into(),
        lock_wait.to_string().into(),
        "--lock-timeout".into(),
        lock_timeout.to_string().into(),
        "--lock-retries".into(),
        lock_retries.to_string().into(),
    ];
    let switches = [
        (*require_tls, "--require-tls"),
        (*verbose, "--verbose"),
        (*quiet, "--quiet"),
    ];
    flags.extend(switches.iter().filter(|(on, _)| *on).map(|(_, f)| f.into()));
    if let Some(dir) = migration_dir {
        flags.extend(["--migration-dir".into(), dir.into()]);
    }
    if let Some(seconds) = wait {
        flags.extend(["--wait".into(), seconds.to_string().into()]);
    }
    if let Some(seconds) = statement_timeout {
        flags.extend(["--statement-timeout".into(), seconds.to_string().into()]);
    }
    flags
}

/// Runs one child to its end: its exit code, its stdout lines (each also
/// handed to `line` as it comes) and its stderr lines, all with `target`'s
/// secrets replaced, should a child ever print one.
fn collect(
    command: &mut Command,
    target: &Target,
    mut line: impl FnMut(&str),
) -> io::Result<(i32, Vec<String>, Vec<String>)> {
    let mut child = signals::spawn_run(command)?;
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let (stdout, stderr) = std::thread::scope(|scope| {
        // Read at once, or a child writing much to stderr (--verbose) would
        // block on a full pipe while this waits for its stdout.
        let stderr = scope.spawn(move || -> io::Result<Vec<u8>> {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = stderr {
                pipe.read_to_end(&mut bytes)?;
            }
            Ok(bytes)
        });
        let mut lines = Vec::new();
        let read: io::Result<()> = stdout.map_or(Ok(()), |pipe| {
            for raw in BufReader::new(pipe).split(b'\n') {
                let text = target.redact(&String::from_utf8_lossy(&raw?));
                line(&text);
                lines.push(text);
            }
            Ok(())
        });
        let stderr = stderr
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("reading stderr panicked")));
        (read.map(|()| lines), stderr)
    });
    signals::run_ended(child.id());
    if stdout.is_err() || stderr.is_err() {
        // It may still be writing to a pipe nobody reads.
        let _ = child.kill();
    }
    let status = child.wait()?;
    let stderr = String::from_utf8_lossy(&stderr?)
        .lines()
        .map(|l| target.redact(l))
        .collect();
    let code = status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    Ok((code, stdout?, stderr))
}

/// The child's one-line error (the last `error: ` line, printed by its
/// `main`) and its other stderr lines. A child that failed without one (a
/// crash) gets an error saying how it ended.
fn split_stderr(lines: Vec<String>, code: i32) -> (Option<String>, Vec<String>) {
    let position = lines.iter().rposition(|l| l.starts_with("error: "));
    let mut notes = lines;
    let error = position.map(|p| notes.remove(p)["error: ".len()..].to_string());
    let error = match error {
        None if code > 128 => Some(format!("ended by signal {}", code - 128)),
        None if code != 0 => Some(format!("exited with code {code} without a message")),
        error => error,
    };
    (error, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_is_an_error_and_the_last_error_line_is_the_one() {
        let (error, notes) =
            split_stderr(vec!["warning: w".to_string(), "error: boom".to_string()], 5);
        assert_eq!(error.as_deref(), Some("boom"));
        assert_eq!(notes, ["warning: w"]);
        assert_eq!(
            split_stderr(Vec::new(), 139).0.as_deref(),
            Some("ended by signal 11")
        );
        assert_eq!(split_stderr(Vec::new(), 0).0, None);
    }
}
