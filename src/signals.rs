//! Ctrl-C and SIGTERM (a container being stopped) end the process at once
//! with 130 / 143. The database then rolls the running migration back and
//! frees the lock: PostgreSQL when it sees the session close (checked every
//! second, see `connection`), SQLite from its journal at the next open.

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// Installs the handler; call once, before connecting.
pub fn exit_on_interrupt() -> std::io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let name = if signal == SIGINT {
                "SIGINT"
            } else {
                "SIGTERM"
            };
            eprintln!(
                "error: interrupted by {name}; the database rolls back the migration that was \
                 running and releases the lock. Run again to continue"
            );
            std::process::exit(128 + signal);
        }
    });
    Ok(())
}
