//! What people read: run progress as events handed to a [`Reporter`], and the
//! `status` table or JSON. The runner never prints directly.

use std::io::Write;
use std::time::Duration;

use comfy_table::{Table, presets};

use crate::catalog::Entry;
use crate::config::Target;
use crate::plan::{Plan, StatusRow, Step};

/// Counts of one run, for the summary line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub applied: usize,
    pub forced: usize,
    pub skipped: usize,
    pub already_applied: usize,
    pub reverted: usize,
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
    Failed {
        entry: &'a Entry,
        message: &'a str,
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
                    match step {
                        Step::Force { .. } => "Re-running",
                        Step::Revert => "Reverting",
                        _ => "Running",
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
                    Step::Revert => "reverted",
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
            // The error itself is printed once, by main.
            Event::Failed { entry, .. } => writeln!(self.out, "Migration {entry} failed"),
            Event::Summary(s) if s.reverted > 0 && s.applied + s.forced == 0 => writeln!(
                self.out,
                "Done: {} reverted in {}",
                s.reverted,
                millis(s.elapsed)
            ),
            Event::Summary(s) => {
                let mut extra = String::new();
                if s.forced > 0 {
                    extra.push_str(&format!("{} re-run, ", s.forced));
                }
                if s.reverted > 0 {
                    extra.push_str(&format!("{} reverted, ", s.reverted));
                }
                writeln!(
                    self.out,
                    "Done: {} applied, {extra}{} skipped, {} already applied in {}",
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

/// A dry run: what would happen, in order, and the SQL that would run.
pub fn plan_text(plan: &Plan<'_>, target: &Target) -> String {
    let mut text = format!("Dry run on {target}: nothing will be changed.\n");
    if !plan.changes_schema() {
        text.push_str("Nothing to do: every selected migration is applied.\n");
    }
    let mut number = 0;
    for planned in &plan.steps {
        let (entry, step) = (planned.entry, planned.step);
        if !step.changes_schema() {
            continue;
        }
        number += 1;
        let verb = match step {
            Step::Force { .. } => "re-run (force)",
            Step::Revert => "revert",
            _ => "apply",
        };
        let how = if entry.in_transaction {
            "in a transaction"
        } else {
            "outside a transaction"
        };
        text.push_str(&format!("{number}. {verb} {entry} ({how})\n"));
    }
    for planned in plan.steps.iter().filter(|p| p.step.changes_schema()) {
        let entry = planned.entry;
        let (file, sql) = match planned.step {
            Step::Revert => ("down.sql", entry.down_sql.as_deref().unwrap_or("")),
            _ => ("up.sql", entry.up_sql.as_str()),
        };
        text.push_str(&format!("\n-- {entry}: {file}\n{}\n", sql.trim_end()));
    }
    text
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
