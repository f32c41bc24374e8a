//! Ctrl-C and SIGTERM (a container being stopped) end the process at once
//! with 130 / 143. The database then rolls the running migration back and
//! frees the lock: PostgreSQL when it sees the session close (checked every
//! second, see `connection`), SQLite from its journal at the next open. A
//! backup being written is stopped and removed first: a `pg_dump` left
//! running would keep its locks and snapshot, and a half-written file would
//! look like a backup.

use std::io::{self, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::output;

/// What an interrupt must end or remove besides the database session.
struct InFlight {
    child: Option<Child>,
    partial: Option<PathBuf>,
    /// `fleet`'s runs (process ids): each is handed the signal and ends as
    /// a single run does (rolls back, unlocks, removes its partial backup).
    runs: Vec<u32>,
}

static IN_FLIGHT: Mutex<InFlight> = Mutex::new(InFlight {
    child: None,
    partial: None,
    runs: Vec::new(),
});

fn in_flight() -> MutexGuard<'static, InFlight> {
    // A panic elsewhere must not stop an interrupt from cleaning up.
    IN_FLIGHT.lock().unwrap_or_else(PoisonError::into_inner)
}

impl InFlight {
    fn stop(&mut self, signal: i32) {
        for &pid in &self.runs {
            // SAFETY: kill(2) only sends a signal. The process is not reaped
            // yet (see `run_ended`), so the id cannot belong to another one.
            unsafe { libc::kill(pid as libc::pid_t, signal) };
        }
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(path) = &self.partial {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Installs the handler; call once, before connecting.
pub fn exit_on_interrupt() -> io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            // Held until the process ends, so the main thread cannot finish
            // meanwhile (with another exit code) or start another child.
            let mut in_flight = in_flight();
            in_flight.stop(signal);
            let name = if signal == SIGINT {
                "SIGINT"
            } else {
                "SIGTERM"
            };
            // A note that cannot be written (stderr closed or full) must not
            // cost the exit code.
            output::note(&format!(
                "error: interrupted by {name}; the database rolls back the migration that was \
                 running and releases the lock. Run again to continue"
            ));
            std::process::exit(128 + signal);
        }
    });
    Ok(())
}

/// Runs `command` (no stdin, no stdout) to its end and returns its status
/// and stderr; an interrupt meanwhile kills it.
pub fn run_child(command: &mut Command) -> io::Result<(ExitStatus, Vec<u8>)> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: prctl(2) is async-signal-safe; it only asks the kernel to
    // kill the child when this process dies (a kill -9 included), so a
    // pg_dump never outlives the run with its session and snapshot.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == 0 {
                Ok(())
            } else {
                Err(io::Error::last_os_error())
            }
        });
    }
    let pipe = {
        // Spawned under the lock: an interrupt arriving meanwhile still finds it.
        let mut in_flight = in_flight();
        let mut child = command.spawn()?;
        let pipe = child.stderr.take();
        in_flight.child = Some(child);
        pipe
    };
    let mut message = Vec::new();
    let read = match pipe {
        Some(mut pipe) => pipe.read_to_end(&mut message).map(drop),
        None => Ok(()),
    };
    let mut in_flight = in_flight();
    let status = match in_flight.child.take() {
        Some(mut child) => {
            if read.is_err() {
                let _ = child.kill();
            }
            child.wait()
        }
        None => Err(io::Error::other("the child process is gone")),
    };
    read?;
    Ok((status?, message))
}

/// Starts one of `fleet`'s runs; an interrupt of this process is passed on
/// to it until [`run_ended`].
pub fn spawn_run(command: &mut Command) -> io::Result<Child> {
    // Spawned under the lock: an interrupt arriving meanwhile still finds it.
    let mut in_flight = in_flight();
    let child = command.spawn()?;
    in_flight.runs.push(child.id());
    Ok(child)
}

/// Call before reaping the run `pid`: after that its id may be reused.
pub fn run_ended(pid: u32) {
    in_flight().runs.retain(|&run| run != pid);
}

/// Marks `path` as a file being written that an interrupt must remove
/// (`None` once it is complete).
pub fn remove_on_interrupt(path: Option<&Path>) {
    in_flight().partial = path.map(Path::to_path_buf);
}
