//! What people and pipelines read: run progress as events handed to a
//! [`Reporter`] (text lines, with marks, colour and a spinner on a terminal;
//! or JSON lines), the dry-run plan, and the `status` table or JSON. The
//! runner never prints directly.

use std::ffi::OsString;
use std::io::Write;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use comfy_table::{Table, presets};
use console::style;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::catalog::Entry;
use crate::config::Target;
use crate::drift::{Change, Difference};
use crate::plan::{Plan, StatusRow, Step};
use crate::records::BackupRow;

/// Counts of one run, for the summary line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Summary {
    pub applied: usize,
    pub forced: usize,
    pub skipped: usize,
    pub already_applied: usize,
    pub reverted: usize,
    /// Recorded as applied after their objects were checked.
    pub adopted: usize,
    /// Accepted as the database has them (`repair`).
    pub repaired: usize,
    pub elapsed: Duration,
}

pub(crate) enum Event<'a> {
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
    /// Another runner did this step while this one waited (SQLite).
    DoneMeanwhile {
        entry: &'a Entry,
        step: Step,
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

pub(crate) trait Reporter {
    fn event(&mut self, event: Event<'_>) -> std::io::Result<()>;
}

/// How text output looks: a terminal gets marks, colour and a spinner; a
/// pipe gets plain lines, and `NO_COLOR` or `TERM=dumb` no escape codes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Look {
    pub marks: bool,
    pub color: bool,
    pub spinner: bool,
}

impl Look {
    /// Decides from whether stdout is a terminal and the environment `var`
    /// reads: a non-empty `NO_COLOR`, or `TERM=dumb` (a terminal that shows
    /// escape codes as text, like an Emacs shell buffer), turns colour and
    /// the spinner off.
    pub fn detect(is_terminal: bool, var: impl Fn(&str) -> Option<OsString>) -> Look {
        let no_color = var("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = var("TERM").is_some_and(|v| v == "dumb");
        let escapes = is_terminal && !no_color && !dumb;
        Look {
            marks: is_terminal,
            color: escapes,
            spinner: escapes,
        }
    }
}

/// One line per migration, then a summary; nothing when quiet.
pub(crate) struct TextReporter<W: Write> {
    out: W,
    quiet: bool,
    look: Look,
    spinner: Option<Spinner>,
}

impl<W: Write> TextReporter<W> {
    pub fn new(out: W, quiet: bool, look: Look) -> Self {
        TextReporter {
            out,
            quiet,
            look,
            spinner: None,
        }
    }

    fn line(&mut self, mark: &str, paint: fn(&str) -> String, text: &str) -> std::io::Result<()> {
        if let Some(spinner) = self.spinner.take() {
            spinner.stop();
        }
        let text = if self.look.color {
            paint(text)
        } else {
            text.to_string()
        };
        if self.look.marks {
            writeln!(self.out, "{mark} {text}")
        } else {
            writeln!(self.out, "{text}")
        }
    }
}

pub(crate) fn green(text: &str) -> String {
    style(text).green().force_styling(true).to_string()
}
fn yellow(text: &str) -> String {
    style(text).yellow().force_styling(true).to_string()
}
pub(crate) fn red(text: &str) -> String {
    style(text).red().bold().force_styling(true).to_string()
}
pub(crate) fn dim(text: &str) -> String {
    style(text).dim().force_styling(true).to_string()
}
fn bold(text: &str) -> String {
    style(text).bold().force_styling(true).to_string()
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
                        Step::Force { .. } => "re-running",
                        Step::Revert => "reverting",
                        Step::Adopt { .. } => "adopting",
                        Step::Repair { .. } => "repairing",
                        _ => "running",
                    },
                    if step.in_transaction(entry) {
                        ""
                    } else {
                        " (outside a transaction)"
                    }
                );
                if self.look.spinner {
                    self.spinner = Some(Spinner::start(format!("Migration {entry}")));
                }
                Ok(())
            }
            Event::Applied {
                entry,
                step,
                elapsed,
            } => {
                let text = match step {
                    // Nothing ran: no time to show.
                    Step::Repair { modified: true, .. } => format!(
                        "Migration {entry}: accepted its current up.sql (new checksum recorded)"
                    ),
                    Step::Repair { .. } => format!("Migration {entry}: marked as applied"),
                    _ => format!("Migration {entry} {} in {}", step.done(), millis(elapsed)),
                };
                self.line("✓", green, &text)
            }
            Event::AlreadyApplied { entry } => {
                let text = format!("Migration {entry} already applied, skipping");
                self.line("·", dim, &text)
            }
            Event::DoneMeanwhile { entry, step } => {
                let text = format!(
                    "Migration {entry} {} meanwhile by another runner, skipping",
                    step.done()
                );
                self.line("·", dim, &text)
            }
            Event::Skipped { entry } => {
                let text = format!("Migration {entry} skipped (optional, --skip-optional)");
                self.line("↷", yellow, &text)
            }
            // The error itself is printed once, by main.
            Event::Failed { entry, .. } => {
                self.line("✗", red, &format!("Migration {entry} failed"))
            }
            Event::Summary(s) => {
                let text = summary_text(s);
                self.line(" ", bold, &text)
            }
        }
    }
}

fn summary_text(s: &Summary) -> String {
    if s.reverted > 0 && s.applied + s.forced == 0 {
        return format!("Done: {} reverted in {}", s.reverted, millis(s.elapsed));
    }
    if s.repaired > 0 && s.applied + s.forced + s.reverted + s.adopted == 0 {
        return format!("Done: {} repaired in {}", s.repaired, millis(s.elapsed));
    }
    let mut extra = String::new();
    if s.forced > 0 {
        extra.push_str(&format!("{} re-run, ", s.forced));
    }
    if s.reverted > 0 {
        extra.push_str(&format!("{} reverted, ", s.reverted));
    }
    if s.adopted > 0 {
        extra.push_str(&format!("{} adopted, ", s.adopted));
    }
    if s.repaired > 0 {
        extra.push_str(&format!("{} repaired, ", s.repaired));
    }
    format!(
        "Done: {} applied, {extra}{} skipped, {} already applied in {}",
        s.applied,
        s.skipped,
        s.already_applied,
        millis(s.elapsed)
    )
}

/// A spinner with the elapsed time, shown only once a migration has run for
/// a second (quick ones would only flicker).
struct Spinner {
    stop: Sender<()>,
    thread: JoinHandle<()>,
}

impl Spinner {
    fn start(message: String) -> Spinner {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            if stopped.recv_timeout(Duration::from_secs(1)) != Err(RecvTimeoutError::Timeout) {
                return;
            }
            let bar = ProgressBar::new_spinner().with_message(message);
            if let Ok(look) = ProgressStyle::with_template("{spinner} {msg} running… {elapsed}") {
                bar.set_style(look);
            }
            bar.enable_steady_tick(Duration::from_millis(100));
            let _ = stopped.recv();
            bar.finish_and_clear();
        });
        Spinner { stop, thread }
    }

    fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.thread.join();
    }
}

/// One JSON object per line per event, for log collectors.
pub(crate) struct JsonReporter<W: Write> {
    out: W,
}

impl<W: Write> JsonReporter<W> {
    pub fn new(out: W) -> Self {
        JsonReporter { out }
    }
}

impl<W: Write> Reporter for JsonReporter<W> {
    fn event(&mut self, event: Event<'_>) -> std::io::Result<()> {
        let value = match event {
            Event::Started { entry, step } => json!({
                "event": "started", "version": entry.version, "name": entry.name,
                "action": step.action().as_str(),
            }),
            Event::Applied {
                entry,
                step,
                elapsed,
            } => json!({
                "event": match step {
                    Step::Revert => "reverted",
                    Step::Adopt { .. } => "adopted",
                    Step::Repair { .. } => "repaired",
                    _ => "applied",
                },
                "version": entry.version, "name": entry.name, "action": step.action().as_str(),
                "duration_ms": round_ms(elapsed),
            }),
            Event::AlreadyApplied { entry } => json!({
                "event": "already_applied", "version": entry.version, "name": entry.name,
            }),
            Event::DoneMeanwhile { entry, step } => json!({
                "event": "done_meanwhile", "version": entry.version, "name": entry.name,
                "action": step.action().as_str(),
            }),
            Event::Skipped { entry } => json!({
                "event": "skipped", "version": entry.version, "name": entry.name,
                "reason": "optional, --skip-optional",
            }),
            Event::Failed { entry, message } => json!({
                "event": "failed", "version": entry.version, "name": entry.name,
                "error": message,
            }),
            Event::Summary(s) => json!({
                "event": "summary", "applied": s.applied, "forced": s.forced,
                "reverted": s.reverted, "adopted": s.adopted, "repaired": s.repaired,
                "skipped": s.skipped,
                "already_applied": s.already_applied,
                "duration_ms": round_ms(s.elapsed),
            }),
        };
        writeln!(self.out, "{value}")
    }
}

/// Milliseconds with microsecond precision (no float noise in the logs).
pub(crate) fn round_ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

pub(crate) fn millis(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// A dry run: what would happen, in order, and the SQL that would run.
pub(crate) fn plan_text(plan: &Plan<'_>, target: &Target) -> String {
    let mut text = format!("Dry run on {target}: nothing will be changed.\n");
    let records_only = plan.steps.iter().any(|p| p.step.records_only());
    if !plan.changes_schema() && !records_only {
        text.push_str("Nothing to do: every selected migration is applied.\n");
    }
    let changing = || plan.steps.iter().filter(|p| p.step.changes_schema());
    let listed = plan
        .steps
        .iter()
        .filter(|p| p.step.changes_schema() || p.step.records_only());
    for (number, planned) in listed.enumerate() {
        let entry = planned.entry;
        let verb = planned.step.action().as_str();
        let how = match planned.step {
            Step::Adopt { .. } => "its objects were checked and match: only the records change",
            Step::Repair { .. } => "the database is accepted as it is: only the records change",
            _ if entry.in_transaction => "in a transaction",
            _ => "outside a transaction",
        };
        text.push_str(&format!("{}. {verb} {entry} ({how})\n", number + 1));
    }
    for planned in changing() {
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
pub(crate) fn status_table(rows: &[StatusRow]) -> String {
    let mut table = Table::new();
    let mut header = vec![
        "Version",
        "Name",
        "Optional",
        "State",
        "Applied at",
        "Time (ms)",
    ];
    // Only a database another runner touched has notes to show.
    let notes = rows.iter().any(|r| r.note.is_some());
    if notes {
        header.push("Note");
    }
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_header(header);
    for row in rows {
        let mut cells = vec![
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
        ];
        if notes {
            cells.push(row.note.clone().unwrap_or_default());
        }
        table.add_row(cells);
    }
    table.to_string()
}

/// The `status --format json` array.
pub(crate) fn status_json(rows: &[StatusRow]) -> String {
    serde_json::to_string_pretty(rows).expect("status rows are plain data")
}

/// `verify`'s text: one line per difference, grouped by table.
pub(crate) fn drift_text(differences: &[Difference]) -> String {
    if differences.is_empty() {
        return "The schema matches what the applied migrations define.".to_string();
    }
    let mut text = String::new();
    let mut table = None;
    for difference in differences {
        if table != Some(&difference.table) {
            let heading = if difference.table.is_empty() {
                "(schema)"
            } else {
                &difference.table
            };
            text.push_str(&format!("{heading}:\n"));
            table = Some(&difference.table);
        }
        text.push_str(&format!("  {difference}\n"));
        if difference.is_body() {
            text.push_str(&body_diff(difference));
        }
    }
    let count = |change| differences.iter().filter(|d| d.change == change).count();
    text.push_str(&format!(
        "{} difference(s): {} missing, {} changed, {} extra",
        differences.len(),
        count(Change::Missing),
        count(Change::Changed),
        count(Change::Extra)
    ));
    text
}

/// A function's or view's body as the migrations define it (`-`) and as
/// the database has it (`+`), the lines that differ with a little context.
fn body_diff(difference: &Difference) -> String {
    let expected = difference.expected.as_deref().unwrap_or_default();
    let found = difference.found.as_deref().unwrap_or_default();
    similar::TextDiff::from_lines(expected, found)
        .unified_diff()
        .context_radius(2)
        .header("expected (migrations)", "found (database)")
        .to_string()
        .lines()
        .map(|line| format!("    {line}\n"))
        .collect()
}

/// `verify --format json`: one object per difference.
pub(crate) fn drift_json(differences: &[Difference]) -> String {
    serde_json::to_string_pretty(differences).unwrap_or_else(|_| "[]".to_string())
}

/// What `force` restored: the differences before it that are gone now,
/// and whatever is left.
pub(crate) fn restored_text(before: &[Difference], after: &[Difference]) -> String {
    let restored: Vec<String> = before
        .iter()
        .filter(|d| !after.contains(d))
        .map(|d| d.to_string())
        .collect();
    let mut text = if restored.is_empty() {
        "restored: nothing".to_string()
    } else {
        format!("restored: {}", restored.join("; "))
    };
    if after.is_empty() {
        text.push_str("\nno difference left: the schema matches the applied migrations");
    } else {
        let left: Vec<String> = after.iter().map(|d| d.to_string()).collect();
        text.push_str(&format!("\nstill different: {}", left.join("; ")));
    }
    text
}

/// The `status --backups` table, newest first.
pub(crate) fn backups_table(rows: &[BackupRow]) -> String {
    if rows.is_empty() {
        return "No backups recorded (run, force, revert and redo take one with --backup DIR)."
            .to_string();
    }
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_header(["Path", "Taken at", "Action", "Bytes", "SHA-256"]);
    for row in rows {
        let unknown = || "-".to_string();
        table.add_row([
            row.path.clone(),
            row.taken_at.clone(),
            row.action.clone(),
            row.bytes.map(|b| b.to_string()).unwrap_or_else(unknown),
            row.sha256.clone().unwrap_or_else(unknown),
        ]);
    }
    table.to_string()
}

/// The `status --backups --format json` array.
pub(crate) fn backups_json(rows: &[BackupRow]) -> String {
    serde_json::to_string_pretty(rows).expect("backup rows are plain data")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn look(is_terminal: bool, env: &[(&str, &str)]) -> Look {
        Look::detect(is_terminal, |name| {
            env.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| OsString::from(value))
        })
    }

    #[test]
    fn colour_and_spinner_only_on_a_terminal_that_takes_escape_codes() {
        let full = look(true, &[("TERM", "xterm-256color")]);
        assert!(full.marks && full.color && full.spinner);
        for env in [[("TERM", "dumb")], [("NO_COLOR", "1")]] {
            let plain = look(true, &env);
            assert!(plain.marks && !plain.color && !plain.spinner, "{env:?}");
        }
        assert!(
            look(true, &[("NO_COLOR", "")]).color,
            "an empty NO_COLOR is unset"
        );
        let piped = look(false, &[]);
        assert!(!piped.marks && !piped.color && !piped.spinner);
    }
}
