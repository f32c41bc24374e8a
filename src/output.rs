//! What reaches the terminal outside a run's report: one-line notes on
//! stderr, bytes on stdout, and the log's format. Failures to write never
//! change what a command does or its exit code.

use std::fs::File;
use std::io::{ErrorKind, Write};
use std::os::fd::AsFd;

/// Sets up logging: `RUST_LOG` wins; otherwise `--verbose` shows debug
/// detail (connection, SQL) and `--quiet` only errors.
pub fn init_logging(verbose: bool, quiet: bool) {
    let default = if verbose {
        "debug"
    } else if quiet {
        "error"
    } else {
        "warn"
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(default))
        .format(|buf, record| {
            let label = match record.target() {
                "sql" => "sql".to_string(),
                _ => record.level().as_str().to_lowercase(),
            };
            writeln!(buf, "{label}: {}", record.args())
        })
        .init();
}

/// A line for people on stderr, written in one piece. A stderr that cannot
/// be written (closed, a full disk) must not change what the run does or its
/// exit code, so failures are ignored. Written past the standard library's
/// lock, which the main thread may hold while it waits for an answer: the
/// signal thread uses this too.
pub fn note(text: &str) {
    if let Ok(fd) = std::io::stderr().as_fd().try_clone_to_owned() {
        let _ = File::from(fd).write_all(format!("{text}\n").as_bytes());
    }
}

/// Writes `bytes` to stdout. A reader that has gone (`| head -1`) ends the
/// output quietly; other failures (a full disk) are errors.
pub fn to_stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        written => written,
    }
}

/// `text` and a newline on stdout.
pub fn print(text: &str) -> std::io::Result<()> {
    to_stdout(format!("{text}\n").as_bytes())
}
