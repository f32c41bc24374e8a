//! What the fleet reports: each target's result read from its child's
//! output (what a run applied and what is pending, a status's newest
//! version and problems, verify's differences), the table, the JSON
//! objects, the exit code (the most severe of the targets'), and where it
//! all goes (with a spinner line per running target on a terminal).

use std::collections::HashSet;
use std::io::{self, IsTerminal};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::child::Finished;
use super::kind::Outcome;
use super::targets::Member;
use crate::error::exit;
use crate::output;
use crate::report::{self, Look};

/// The order in which the targets' exit codes decide the fleet's: what needs
/// a person soonest first. A code not listed (130 / 143: a run interrupted
/// on its own) counts as 1.
const SEVERITY: [u8; 9] = [
    exit::INTEGRITY,
    exit::MIGRATION_FAILED,
    exit::LOCK_TIMEOUT,
    exit::PERMISSION,
    exit::CONNECT,
    exit::CONNECTION_LOST,
    exit::PENDING,
    exit::USAGE,
    exit::UNEXPECTED,
];

/// The most severe exit code among `codes` (see [`SEVERITY`]); 0 when all are 0.
pub(super) fn most_severe(codes: impl Iterator<Item = i32>) -> u8 {
    codes
        .filter(|&code| code != 0)
        .map(|code| {
            u8::try_from(code)
                .ok()
                .filter(|c| SEVERITY.contains(c))
                .unwrap_or(exit::UNEXPECTED)
        })
        .min_by_key(|code| SEVERITY.iter().position(|s| s == code))
        .unwrap_or(exit::SUCCESS)
}

/// One target's result as the report shows it.
pub(super) struct Described {
    pub outcome: Outcome,
    /// The table's cells after the name (see [`Kind::header`]).
    pub cells: Vec<String>,
    /// The JSON object's fields besides the common ones.
    pub fields: Map<String, Value>,
}

/// One event of a `run --format json` child.
#[derive(Deserialize)]
struct RunEvent {
    event: String,
    version: Option<String>,
    name: Option<String>,
}

fn run_events(finished: &Finished) -> impl Iterator<Item = RunEvent> + '_ {
    finished
        .stdout
        .iter()
        .filter_map(|line| serde_json::from_str::<RunEvent>(line).ok())
}

/// The versions the run applied (or re-ran).
pub(super) fn applied(finished: &Finished) -> Vec<String> {
    run_events(finished)
        .filter(|e| e.event == "applied")
        .filter_map(|e| e.version)
        .collect()
}

/// A run: what it applied and what is still pending. Pending is known only
/// when the run got as far as its plan (a `failed` event or its summary):
/// the versions no event accounted for. Optional migrations left out by
/// `--skip-optional` are not pending, as in `status`.
pub(super) fn describe_run(finished: &Finished, known: &[String], dry_run: bool) -> Described {
    let applied = applied(finished);
    let mut accounted = HashSet::new();
    let mut planned = false;
    for event in run_events(finished) {
        match event.event.as_str() {
            "failed" | "summary" => planned = true,
            "applied" | "already_applied" | "done_meanwhile" | "skipped" | "adopted" => {
                accounted.extend(event.version);
            }
            _ => {}
        }
    }
    let pending = planned.then(|| known.iter().filter(|v| !accounted.contains(*v)).count());
    let outcome = match (finished.code, dry_run) {
        (0, true) => Outcome::Planned,
        (0, false) if applied.is_empty() => Outcome::UpToDate,
        (0, false) => Outcome::Migrated,
        _ => Outcome::Failed,
    };
    let result = result_text(outcome, finished.code);
    let mut fields = Map::new();
    fields.insert("applied".to_string(), json!(applied));
    fields.insert("pending".to_string(), json!(pending));
    if dry_run {
        fields.insert("plan".to_string(), json!(finished.stdout.join("\n")));
    }
    Described {
        outcome,
        cells: vec![
            result,
            dash_if_empty(applied.join(", ")),
            pending.map_or("?".to_string(), |n| n.to_string()),
            report::millis(finished.elapsed),
        ],
        fields,
    }
}

/// One row of a `status --format json` child.
#[derive(Deserialize)]
struct StatusRow {
    version: String,
    state: String,
    optional: Option<bool>,
}

/// Status: the newest applied version, the required ones not applied, and
/// any state that needs a person.
pub(super) fn describe_status(finished: &Finished) -> Described {
    let rows: Option<Vec<StatusRow>> = serde_json::from_str(&finished.stdout.join("\n")).ok();
    let outcome = ok_or_failed(finished.code);
    let Some(rows) = rows else {
        let mut fields = Map::new();
        for key in ["newest_applied", "pending_required", "problems"] {
            fields.insert(key.to_string(), Value::Null);
        }
        let unread = format!("cannot read (exit {})", finished.code);
        return Described {
            outcome,
            cells: vec!["?".to_string(), "?".to_string(), unread],
            fields,
        };
    };
    // Versions sort as text: they are zero-padded.
    let newest = rows
        .iter()
        .filter(|r| matches!(r.state.as_str(), "applied" | "modified" | "unknown"))
        .map(|r| r.version.clone())
        .max();
    let pending: Vec<String> = rows
        .iter()
        .filter(|r| r.optional == Some(false) && r.state != "applied")
        .map(|r| r.version.clone())
        .collect();
    let problems: Vec<String> = rows
        .iter()
        .filter(|r| {
            matches!(
                r.state.as_str(),
                "modified" | "failed" | "running" | "inconsistent" | "unknown"
            )
        })
        .map(|r| format!("{} {}", r.version, r.state))
        .collect();
    let mut fields = Map::new();
    fields.insert("newest_applied".to_string(), json!(newest));
    fields.insert("pending_required".to_string(), json!(pending));
    fields.insert("problems".to_string(), json!(problems));
    Described {
        outcome,
        cells: vec![
            newest.unwrap_or_else(|| "none".to_string()),
            if pending.is_empty() {
                "none".to_string()
            } else {
                pending.join(", ")
            },
            problems.join(", "),
        ],
        fields,
    }
}

/// Verify: the differences the child found (its own JSON, passed on).
pub(super) fn describe_verify(finished: &Finished) -> Described {
    let differences: Option<Vec<Value>> = serde_json::from_str(&finished.stdout.join("\n")).ok();
    let outcome = ok_or_failed(finished.code);
    let count = differences
        .as_ref()
        .map_or("?".to_string(), |d| d.len().to_string());
    let mut fields = Map::new();
    fields.insert("differences".to_string(), json!(differences));
    Described {
        outcome,
        cells: vec![
            result_text(outcome, finished.code),
            count,
            report::millis(finished.elapsed),
        ],
        fields,
    }
}

/// A status or verify child: did it succeed?
fn ok_or_failed(code: i32) -> Outcome {
    if code == 0 {
        Outcome::Ok
    } else {
        Outcome::Failed
    }
}

/// The result column: the outcome, with a failure's exit code.
pub(super) fn result_text(outcome: Outcome, code: i32) -> String {
    match outcome {
        Outcome::Failed => format!("failed (exit {code})"),
        other => other.text().to_string(),
    }
}

fn dash_if_empty(text: String) -> String {
    if text.is_empty() {
        "-".to_string()
    } else {
        text
    }
}

/// One target's JSON object: the common fields, then its kind's.
pub(super) fn target_json(
    member: &Member,
    finished: Option<&Finished>,
    described: &Described,
) -> Value {
    let mut object = json!({
        "event": "target",
        "name": member.name,
        "database": member.target.to_string(),
        "outcome": described.outcome.key(),
        "duration_ms": finished.map(|f| report::round_ms(f.elapsed)),
        "error": finished.and_then(|f| f.error.clone()),
        "exit_code": finished.map(|f| f.code),
    });
    if let Value::Object(map) = &mut object {
        map.extend(described.fields.clone());
    }
    object
}

/// The `started` events of a running `run` child, on its spinner line.
pub(super) fn show_progress(bar: &ProgressBar, name: &str, line: &str) {
    if let Ok(event) = serde_json::from_str::<RunEvent>(line)
        && event.event == "started"
    {
        bar.set_message(format!(
            "{name}: migration {} {}",
            event.version.unwrap_or_default(),
            event.name.unwrap_or_default()
        ));
    }
}

/// Where the fleet's report goes: JSON lines, or text with (on a terminal)
/// a spinner line per running target.
pub(super) struct Ui {
    pub json: bool,
    pub quiet: bool,
    pub look: Look,
    bars: Option<MultiProgress>,
}

impl Ui {
    pub(super) fn new(json: bool, quiet: bool) -> Ui {
        let look = Look::detect(io::stdout().is_terminal(), |name| std::env::var_os(name));
        Ui {
            json,
            quiet,
            look,
            bars: (look.spinner && !json && !quiet).then(MultiProgress::new),
        }
    }

    /// A spinner line for a target that started (on a terminal only).
    pub(super) fn running(&self, name: &str) -> Option<ProgressBar> {
        let bar = self.bars.as_ref()?.add(ProgressBar::new_spinner());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
            bar.set_style(style);
        }
        bar.set_message(format!("{name}: connecting"));
        bar.enable_steady_tick(Duration::from_millis(100));
        Some(bar)
    }

    pub(super) fn done(&self, bar: &ProgressBar) {
        bar.finish_and_clear();
        if let Some(bars) = &self.bars {
            bars.remove(bar);
        }
    }

    /// A line (or lines) on stdout, above the spinners.
    pub(super) fn out(&self, text: &str) -> io::Result<()> {
        let write = || output::print(text);
        match &self.bars {
            Some(bars) => bars.suspend(write),
            None => write(),
        }
    }

    /// A line on stderr, above the spinners.
    pub(super) fn note(&self, text: &str) {
        match &self.bars {
            Some(bars) => bars.suspend(|| output::note(text)),
            None => output::note(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_severe_code_wins_and_unlisted_codes_count_as_one() {
        assert_eq!(most_severe([0, 0].into_iter()), 0);
        assert_eq!(most_severe([3, 6, 5, 7].into_iter()), 5);
        assert_eq!(most_severe([6, 3, 2].into_iter()), 3);
        assert_eq!(most_severe([8, 5].into_iter()), 8);
        assert_eq!(most_severe([143, 0].into_iter()), 1);
        assert_eq!(most_severe([143, 2].into_iter()), 2);
    }
}
