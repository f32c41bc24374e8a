//! `fleet run|status|verify`: many databases in one command.
//!
//! Each target is handled by a child process of this same binary (`run`,
//! `status` or `verify`, with `--format json`), so it gets exactly what a
//! single command gets: its own connection, lock, checks, history and exit
//! code, and a crash in one cannot take the others down. Running the fleet
//! again therefore does only what is left. This process only reads the
//! targets ([`targets`]), schedules them ([`schedule`]: canaries first, then
//! at most `--parallel` children at once), runs each child ([`child`]) and
//! reports ([`summary`]).

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use comfy_table::{Table, presets};
use serde_json::{Map, json};

use crate::commands;
use crate::config::{self, Backend, UrlSource};
use crate::error::{Error, Result, exit};
use crate::options::{
    FleetArgs, FleetRunArgs, FleetStatusArgs, FleetVerifyArgs, Format, GlobalArgs, OnError, Output,
};
use crate::output;
use crate::report;

mod child;
mod kind;
mod schedule;
mod summary;
mod targets;

use child::Finished;
use kind::{Kind, Outcome};
use schedule::Policy;
use summary::{Described, Ui};
use targets::Member;

/// `fleet run`.
pub fn run(global: &GlobalArgs, args: &FleetRunArgs) -> Result<()> {
    let policy = Policy {
        parallel: parallel(&args.fleet),
        canary: args.canary,
        stop_on_error: args.on_error == OnError::Stop,
    };
    let json = args.run.apply.format == Output::Json;
    execute(global, &args.fleet, Kind::Run(&args.run), json, &policy)
}

/// `fleet status`.
pub fn status(global: &GlobalArgs, args: &FleetStatusArgs) -> Result<()> {
    let kind = Kind::Status { check: args.check };
    let json = args.format == Format::Json;
    execute(global, &args.fleet, kind, json, &unordered(&args.fleet))
}

/// `fleet verify`.
pub fn verify(global: &GlobalArgs, args: &FleetVerifyArgs) -> Result<()> {
    let kind = Kind::Verify {
        strict: args.strict,
    };
    let json = args.format == Format::Json;
    execute(global, &args.fleet, kind, json, &unordered(&args.fleet))
}

/// Reads need no canaries and never stop early.
fn unordered(fleet: &FleetArgs) -> Policy {
    Policy {
        parallel: parallel(fleet),
        canary: 0,
        stop_on_error: false,
    }
}

fn execute(
    global: &GlobalArgs,
    fleet: &FleetArgs,
    kind: Kind<'_>,
    json: bool,
    policy: &Policy,
) -> Result<()> {
    if global.database_url.is_some() || global.database_url_file.is_some() {
        return Err(Error::Usage(
            "fleet takes its databases from --targets FILE, not --database-url".to_string(),
        ));
    }
    // The runs' shared flags are checked once here, not by every run.
    commands::settings(global)?;
    let members = targets::read_targets(&fleet.targets, &|name| std::env::var(name).ok())?;
    // A password written in the file: say so if others may read it.
    let written = members
        .iter()
        .find(|m| m.target.password().is_some() && m.target.source != UrlSource::Environment);
    if let Some(member) = written.filter(|_| !global.quiet) {
        for warning in config::secret_warnings(&member.target) {
            output::note(&warning);
        }
    }
    let to = match &kind {
        Kind::Run(run) => run.apply.to.as_deref(),
        Kind::Status { .. } | Kind::Verify { .. } => None,
    };
    let versions = versions(global, &members, to)?;
    let fleet = Fleet {
        members,
        versions,
        kind,
        exe: std::env::current_exe()?,
        global: child::global_flags(global),
        scratch: global
            .scratch_database_url
            .clone()
            .or_else(|| std::env::var(commands::SCRATCH_VARIABLE).ok()),
        ui: Ui::new(json, global.quiet),
    };
    fleet.run(policy)
}

/// `--parallel`, or the number of cores (at most 8: beyond that the
/// database server, not this machine, is what limits a fleet run).
fn parallel(fleet: &FleetArgs) -> usize {
    match fleet.parallel {
        Some(n) => usize::from(n),
        None => std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
    }
}

/// Each backend's migration versions (for `run`'s pending count). Loading
/// them also checks `--migration-dir` and `--to` once, before any target.
fn versions(
    global: &GlobalArgs,
    members: &[Member],
    to: Option<&str>,
) -> Result<Vec<(Backend, Vec<String>)>> {
    let mut versions = Vec::new();
    for backend in [Backend::Postgres, Backend::Sqlite] {
        if members.iter().any(|m| m.target.backend == backend) {
            let catalog = commands::catalog_for(global, backend, to)?;
            let known = catalog.entries().iter().map(|e| e.version.clone());
            versions.push((backend, known.collect()));
        }
    }
    Ok(versions)
}

struct Fleet<'a> {
    members: Vec<Member>,
    versions: Vec<(Backend, Vec<String>)>,
    kind: Kind<'a>,
    exe: PathBuf,
    global: Vec<OsString>,
    /// `--scratch-database-url`, handed to each child in its environment.
    scratch: Option<String>,
    ui: Ui,
}

impl Fleet<'_> {
    fn run(&self, policy: &Policy) -> Result<()> {
        let started = Instant::now();
        let results = schedule::schedule(
            self.members.len(),
            policy,
            &|index| self.launch(&self.members[index]),
            |finished: &Finished| finished.code != 0,
            |index, finished| self.finished(&self.members[index], finished),
        );
        let described: Vec<Described> = self
            .members
            .iter()
            .zip(&results)
            .map(|(member, finished)| self.describe(member, finished.as_ref()))
            .collect();
        let code = summary::most_severe(results.iter().flatten().map(|f| f.code));
        self.report(&results, &described, code, started.elapsed())?;
        if code == exit::SUCCESS {
            return Ok(());
        }
        let failed: Vec<&str> = self
            .members
            .iter()
            .zip(&described)
            .filter(|(_, d)| d.outcome == Outcome::Failed)
            .map(|(m, _)| m.name.as_str())
            .collect();
        let not_started = described
            .iter()
            .filter(|d| d.outcome == Outcome::NotStarted)
            .count();
        let mut names = failed.join(", ");
        if not_started > 0 {
            names.push_str(&format!("; {not_started} not started"));
        }
        Err(Error::FleetFailed {
            failed: failed.len(),
            total: self.members.len(),
            names,
            code,
        })
    }

    /// Runs the child for `member` to its end, showing it as running meanwhile.
    fn launch(&self, member: &Member) -> Finished {
        let bar = self.ui.running(&member.name);
        let scratch = self.scratch.as_deref();
        let finished = child::run(
            &self.exe,
            &self.global,
            scratch,
            &self.kind,
            member,
            |line| {
                if let Some(bar) = &bar {
                    summary::show_progress(bar, &member.name, line);
                }
            },
        );
        if let Some(bar) = bar {
            self.ui.done(&bar);
        }
        finished
    }

    /// As each target finishes: its line (run), its notes, or its JSON object.
    fn finished(&self, member: &Member, finished: &Finished) {
        for note in &finished.notes {
            self.ui.note(&format!("{}: {note}", member.name));
        }
        let described = self.describe(member, Some(finished));
        let line = if self.ui.json {
            Some(summary::target_json(member, Some(finished), &described).to_string())
        } else if matches!(self.kind, Kind::Run(_)) && !self.ui.quiet {
            Some(self.live_line(member, finished, &described))
        } else {
            None
        };
        if let Some(line) = line {
            // One that cannot be written must not stop the other targets;
            // the final report shows everything again.
            let _ = self.ui.out(&line);
        }
    }

    /// `✓ eu-1: migrated 001, 002 in 612 ms`, and a dry run's plan.
    fn live_line(&self, member: &Member, finished: &Finished, described: &Described) -> String {
        let (mark, paint): (&str, fn(&str) -> String) = match described.outcome {
            Outcome::Failed => ("✗", report::red),
            Outcome::Migrated => ("✓", report::green),
            _ => ("·", report::dim),
        };
        let result = match described.outcome {
            Outcome::Migrated => format!("migrated {}", summary::applied(finished).join(", ")),
            other => summary::result_text(other, finished.code),
        };
        let text = format!(
            "{}: {result} in {}",
            member.name,
            report::millis(finished.elapsed)
        );
        let text = if self.ui.look.color {
            paint(&text)
        } else {
            text
        };
        let mut line = if self.ui.look.marks {
            format!("{mark} {text}")
        } else {
            text
        };
        if described.outcome == Outcome::Planned {
            for plan_line in &finished.stdout {
                line.push('\n');
                if !plan_line.is_empty() {
                    line.push_str(&format!("    {plan_line}"));
                }
            }
        }
        line
    }

    fn describe(&self, member: &Member, finished: Option<&Finished>) -> Described {
        let Some(finished) = finished else {
            // Only a run stops early; its first column is the result.
            let mut cells = vec![Outcome::NotStarted.text().to_string()];
            cells.resize(self.kind.header().len(), "-".to_string());
            // The keys every run target has: nothing applied, pending unknown.
            let mut fields = Map::new();
            fields.insert("applied".to_string(), json!([]));
            fields.insert("pending".to_string(), serde_json::Value::Null);
            return Described {
                outcome: Outcome::NotStarted,
                cells,
                fields,
            };
        };
        match &self.kind {
            Kind::Run(run) => {
                let known = self
                    .versions
                    .iter()
                    .find(|(backend, _)| *backend == member.target.backend)
                    .map_or(&[][..], |(_, v)| v.as_slice());
                summary::describe_run(finished, known, run.apply.dry_run)
            }
            Kind::Status { .. } => summary::describe_status(finished),
            Kind::Verify { .. } => summary::describe_verify(finished),
        }
    }

    /// The final report: the table, the failures with their reasons and a
    /// summary line (text), or the targets never started and a summary (JSON).
    fn report(
        &self,
        results: &[Option<Finished>],
        described: &[Described],
        code: u8,
        elapsed: Duration,
    ) -> Result<()> {
        let counts: Vec<(Outcome, usize)> = self
            .kind
            .outcomes()
            .iter()
            .map(|&o| (o, described.iter().filter(|d| d.outcome == o).count()))
            .collect();
        if self.ui.json {
            for (member, d) in self.members.iter().zip(described) {
                if d.outcome == Outcome::NotStarted {
                    self.ui
                        .out(&summary::target_json(member, None, d).to_string())?;
                }
            }
            let mut summary = json!({
                "event": "summary", "targets": self.members.len(), "exit_code": code,
                "duration_ms": report::round_ms(elapsed),
            });
            for (outcome, count) in &counts {
                summary[outcome.key()] = json!(count);
            }
            return Ok(self.ui.out(&summary.to_string())?);
        }
        let mut text = String::new();
        if !self.ui.quiet {
            text.push_str(&self.table(described));
            text.push('\n');
        }
        let failures: Vec<String> = self
            .members
            .iter()
            .zip(results)
            .filter_map(|(member, finished)| {
                let error = finished.as_ref()?.error.as_ref()?;
                let database = member.target.to_string();
                Some(if error.contains(&database) {
                    format!("  {}: {error}", member.name)
                } else {
                    format!("  {} ({database}): {error}", member.name)
                })
            })
            .collect();
        if !failures.is_empty() {
            text.push_str(&format!("Failed:\n{}\n", failures.join("\n")));
        }
        if !self.ui.quiet {
            let counted: Vec<String> = counts
                .iter()
                .filter(|(_, count)| *count > 0)
                .map(|(outcome, count)| format!("{count} {}", outcome.text()))
                .collect();
            text.push_str(&format!(
                "{} targets in {}: {}\n",
                self.members.len(),
                report::millis(elapsed),
                counted.join(", ")
            ));
        }
        Ok(self.ui.out(text.trim_end())?)
    }

    fn table(&self, described: &[Described]) -> String {
        let mut table = Table::new();
        let mut header = vec!["Target"];
        header.extend(self.kind.header());
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .set_header(header);
        for (member, d) in self.members.iter().zip(described) {
            let mut row = vec![member.name.clone()];
            row.extend(d.cells.iter().cloned());
            table.add_row(row);
        }
        table.to_string()
    }
}
