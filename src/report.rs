//! What people read: run progress as events handed to a [`Reporter`], and the
//! `status` table or JSON. The runner never prints directly.

use std::io::Write;
use std::time::Duration;

use comfy_table::{Table, presets};

use crate::catalog::Entry;
use crate::plan::{StatusRow, Step};

/// Counts of one run, for the summary line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub applied: usize,
    pub forced: usize,
    pub skipped: usize,
    pub already_applied: usize,
    pub elapsed: Duration,
}

pub enum Event<'a> {
    Started {
        entry: &'a Entry,
        step: Step,
    },
    Applied {
        entry: &'a Entry,
        step: Step,
        elapsed: Duration,
    },
    AlreadyApplied {
        entry: &'a Entry,
    },
    Skipped {
        entry: &'a Entry,
    },
    Summary(&'a Summary),
}

pub trait Reporter {
    fn event(&mut self, event: Event<'_>) -> std::io::Result<()>;
}

/// Plain lines, one per migration, then a summary; nothing when quiet.
pub struct TextReporter<W: Write> {
    out: W,
    quiet: bool,
}

impl<W: Write> TextReporter<W> {
    pub fn new(out: W, quiet: bool) -> Self {
        TextReporter { out, quiet }
    }
}

impl<W: Write> Reporter for TextReporter<W> {
    fn event(&mut self, event: Event<'_>) -> std::io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        match event {
            Event::Started { entry, step } => {
                log::debug!(
                    "{} migration {entry}{}",
                    if matches!(step, Step::Force { .. }) {
                        "Re-running"
                    } else {
                        "Running"
                    },
                    if entry.in_transaction {
                        ""
                    } else {
                        " (outside a transaction)"
                    }
                );
                Ok(())
            }
            Event::Applied {
                entry,
                step,
                elapsed,
            } => {
                let verb = match step {
                    Step::Force { .. } => "re-run (force)",
                    _ => "applied",
                };
                writeln!(self.out, "Migration {entry} {verb} in {}", millis(elapsed))
            }
            Event::AlreadyApplied { entry } => {
                writeln!(self.out, "Migration {entry} already applied, skipping")
            }
            Event::Skipped { entry } => writeln!(
                self.out,
                "Migration {entry} skipped (optional, --skip-optional)"
            ),
            Event::Summary(s) => {
                let forced = if s.forced > 0 {
                    format!("{} re-run, ", s.forced)
                } else {
                    String::new()
                };
                writeln!(
                    self.out,
                    "Done: {} applied, {forced}{} skipped, {} already applied in {}",
                    s.applied,
                    s.skipped,
                    s.already_applied,
                    millis(s.elapsed)
                )
            }
        }
    }
}

fn millis(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// The `status` table.
pub fn status_table(rows: &[StatusRow]) -> String {
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED).set_header([
        "Version",
        "Name",
        "Optional",
        "State",
        "Applied at",
        "Time (ms)",
    ]);
    for row in rows {
        table.add_row([
            row.version.clone(),
            row.name.clone(),
            match row.optional {
                Some(true) => "yes".to_string(),
                Some(false) => "no".to_string(),
                None => "?".to_string(),
            },
            row.state.as_str().to_string(),
            row.executed_at.clone().unwrap_or_else(|| "-".to_string()),
            row.execution_time_ms
                .map(|ms| ms.to_string())
                .unwrap_or_else(|| "-".to_string()),
        ]);
    }
    table.to_string()
}

/// The `status --format json` array.
pub fn status_json(rows: &[StatusRow]) -> String {
    serde_json::to_string_pretty(rows).expect("status rows are plain data")
}
