//! `fleet run|status|verify`: many databases in one command.
//!
//! Each target is handled by a child process of this same binary (`run`,
//! `status` or `verify`, with `--format json`), so it gets exactly what a
//! single command gets: its own connection, lock, checks, history and exit
//! code, and a crash in one cannot take the others down. Running the fleet
//! again therefore does only what is left. The URL reaches the child in its
//! environment, never in its arguments (`ps` shows those to every user).
//! This process only schedules (canaries first, then at most `--parallel`
//! children at once), reads the children's JSON and one-line errors, and
//! reports.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, IsTerminal, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use comfy_table::{Table, presets};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::cli::{
    ApplyArgs, Cli, FleetArgs, FleetCommand, Format, GlobalArgs, OnError, Output, RunArgs,
};
use crate::commands::catalog_for;
use crate::config::{self, Backend, Target, UrlSource};
use crate::error::{Error, Result, exit};
use crate::report::{self, Look};
use crate::signals;

/// The order in which the targets' exit codes decide the fleet's: what needs
/// a person soonest first. A code not listed (130 / 143: a run interrupted
/// on its own) counts as 1.
const SEVERITY: [u8; 8] = [
    exit::INTEGRITY,
    exit::MIGRATION_FAILED,
    exit::LOCK_TIMEOUT,
    exit::PERMISSION,
    exit::CONNECT,
    exit::PENDING,
    exit::USAGE,
    exit::UNEXPECTED,
];

macro_rules! fleet_help {
    ($examples:literal) => {
        concat!(
            "Targets file: one target per line, `NAME URL`. NAME is letters, digits, `.`, `_` \
             and `-`; URL is what --database-url takes, or env:VARIABLE to read it from the \
             environment (keeps passwords out of the file). Blank lines and # comments are \
             ignored; a malformed line is named with its number before anything runs (exit 2).\n\n",
            $examples,
            "\n\nExit code: 0 when every target succeeded, otherwise the most severe of the \
             targets' own exit codes, in this order:\n  8 integrity > 5 migration failed > 7 lock \
             > 4 permission > 3 cannot connect > 6 pending > 2 usage > 1 anything else"
        )
    };
}

pub const FLEET_RUN_HELP: &str = fleet_help!(
    "Examples:\n  buildxpert-migrate fleet run --targets regions.txt --parallel 4\n  \
     buildxpert-migrate fleet run --targets regions.txt --canary 2 --on-error stop\n  \
     buildxpert-migrate fleet run --targets regions.txt --format json\n\n\
     --backup DIR writes each target's backup into DIR/NAME."
);
pub const FLEET_STATUS_HELP: &str =
    fleet_help!("Example:\n  buildxpert-migrate fleet status --targets regions.txt --check");
pub const FLEET_VERIFY_HELP: &str =
    fleet_help!("Example:\n  buildxpert-migrate fleet verify --targets regions.txt --strict");

/// Runs `fleet run|status|verify`.
pub fn execute(cli: &Cli, command: &FleetCommand) -> Result<()> {
    if cli.global.database_url.is_some() || cli.global.database_url_file.is_some() {
        return Err(Error::Usage(
            "fleet takes its databases from --targets FILE, not --database-url".to_string(),
        ));
    }
    let (fleet, kind, json, canary, stop_on_error) = match command {
        FleetCommand::Run(args) => (
            &args.fleet,
            Kind::Run(&args.run),
            args.run.apply.format == Output::Json,
            args.canary,
            args.on_error == OnError::Stop,
        ),
        FleetCommand::Status(args) => (
            &args.fleet,
            Kind::Status { check: args.check },
            args.format == Format::Json,
            0,
            false,
        ),
        FleetCommand::Verify(args) => (
            &args.fleet,
            Kind::Verify {
                strict: args.strict,
            },
            args.format == Format::Json,
            0,
            false,
        ),
    };
    let members = read_targets(&fleet.targets, &|name| std::env::var(name).ok())?;
    // A password written in the file: say so if others may read it.
    let written = members
        .iter()
        .find(|m| m.target.password().is_some() && m.target.source != UrlSource::Environment);
    if let Some(member) = written.filter(|_| !cli.global.quiet) {
        for warning in config::secret_warnings(&member.target) {
            report::note(&warning);
        }
    }
    let versions = versions(cli, &members)?;
    let policy = Policy {
        parallel: parallel(fleet),
        canary,
        stop_on_error,
    };
    let fleet = Fleet {
        members,
        versions,
        kind,
        exe: std::env::current_exe()?,
        global: global_flags(&cli.global),
        ui: Ui::new(json, cli.global.quiet),
    };
    fleet.run(&policy)
}

/// `--parallel`, or the number of cores (at most 8: beyond that the
/// database server, not this machine, is what limits a fleet run).
fn parallel(fleet: &FleetArgs) -> usize {
    match fleet.parallel {
        Some(n) => usize::from(n),
        None => std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
    }
}

/// One line of the targets file.
struct Member {
    name: String,
    /// Secret: handed to the child in its environment, never shown.
    url: String,
    target: Target,
}

fn read_targets(path: &Path, var: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Member>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::Usage(format!(
            "cannot read the targets file {}: {e}",
            path.display()
        ))
    })?;
    let members = parse_targets(&text, path, var)?;
    if members.is_empty() {
        return Err(Error::Usage(format!(
            "the targets file {} lists no targets (one `NAME URL` per line)",
            path.display()
        )));
    }
    Ok(members)
}

/// Every target of the file, in order. A malformed line is refused with its
/// number; nothing of it is shown but a valid name, since a URL with its
/// password may stand in any field.
fn parse_targets(
    text: &str,
    path: &Path,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Member>> {
    let mut members = Vec::new();
    let mut lines_of: HashMap<String, usize> = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let bad = |reason: String| Error::BadTarget {
            file: path.display().to_string(),
            line: number,
            reason,
        };
        let mut fields = line.split_whitespace().take_while(|f| !f.starts_with('#'));
        let Some(name) = fields.next() else {
            continue;
        };
        // The name becomes a directory under --backup: `.` and `..` (or any
        // hidden name) must not reach the backup directory itself or its parent.
        if name.starts_with('.')
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(bad(
                "expected `NAME URL` with a NAME of letters, digits, `.`, `_` and `-`, not \
                 starting with `.` (the line is not shown: it may hold a password)"
                    .to_string(),
            ));
        }
        let Some(raw) = fields.next() else {
            return Err(bad(format!(
                "target {name} has no URL: write `{name} postgres://…` or `{name} env:VARIABLE`"
            )));
        };
        if fields.next().is_some() {
            return Err(bad(format!(
                "target {name}: more than a name and a URL (a URL holds no spaces; # starts a \
                 comment)"
            )));
        }
        if let Some(first) = lines_of.get(name) {
            return Err(bad(format!(
                "target {name} is already named on line {first}"
            )));
        }
        let (url, source) = match raw.strip_prefix("env:") {
            Some(variable) => {
                let url = var(variable).filter(|url| !url.trim().is_empty());
                let url = url.ok_or_else(|| {
                    bad(format!(
                        "target {name}: the environment variable `{variable}` is not set"
                    ))
                })?;
                (url, UrlSource::Environment)
            }
            None => (raw.to_string(), UrlSource::File(path.to_path_buf())),
        };
        let target = Target::parse(&url, source).map_err(|e| bad(format!("target {name}: {e}")))?;
        lines_of.insert(name.to_string(), number);
        members.push(Member {
            name: name.to_string(),
            url,
            target,
        });
    }
    Ok(members)
}

/// Each backend's migration versions (for `run`'s pending count). Loading
/// them also checks `--migration-dir` and `--to` once, before any target.
fn versions(cli: &Cli, members: &[Member]) -> Result<Vec<(Backend, Vec<String>)>> {
    let mut versions = Vec::new();
    for backend in [Backend::Postgres, Backend::Sqlite] {
        if members.iter().any(|m| m.target.backend == backend) {
            let catalog = catalog_for(cli, backend)?;
            let known = catalog.entries().iter().map(|e| e.version.clone());
            versions.push((backend, known.collect()));
        }
    }
    Ok(versions)
}

/// The flags every child takes as this process was given them; the URL
/// flags aside, since each child gets its own URL. Destructured whole, so a
/// new global flag cannot be forgotten here.
fn global_flags(global: &GlobalArgs) -> Vec<OsString> {
    let GlobalArgs {
        database_url: _,
        database_url_file: _,
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

/// What the fleet does to each target.
enum Kind<'a> {
    Run(&'a RunArgs),
    Status { check: bool },
    Verify { strict: bool },
}

impl Kind<'_> {
    /// The child's subcommand and its flags, for the target `name`.
    fn child_args(&self, name: &str) -> Vec<OsString> {
        let mut args: Vec<OsString> = Vec::new();
        match self {
            Kind::Run(run) => {
                let RunArgs {
                    force,
                    apply:
                        ApplyArgs {
                            skip_optional,
                            to,
                            dry_run,
                            backup,
                            allow_unknown,
                            verify,
                            single_transaction,
                            format: _,
                        },
                } = run;
                args.push("run".into());
                let switches = [
                    (*force, "--force"),
                    (*skip_optional, "--skip-optional"),
                    (*dry_run, "--dry-run"),
                    (*allow_unknown, "--allow-unknown"),
                    (*verify, "--verify"),
                    (*single_transaction, "--single-transaction"),
                ];
                args.extend(switches.iter().filter(|(on, _)| *on).map(|(_, f)| f.into()));
                if let Some(version) = to {
                    args.extend(["--to".into(), version.into()]);
                }
                // One directory per target: backups of equally named
                // databases on different servers cannot collide.
                if let Some(dir) = backup {
                    args.extend(["--backup".into(), dir.join(name).into()]);
                }
            }
            Kind::Status { check } => {
                args.push("status".into());
                if *check {
                    args.push("--check".into());
                }
            }
            Kind::Verify { strict } => {
                args.push("verify".into());
                if *strict {
                    args.push("--strict".into());
                }
            }
        }
        args.extend(["--format".into(), "json".into()]);
        args
    }

    /// The table's columns after the target's name.
    fn header(&self) -> &'static [&'static str] {
        match self {
            Kind::Run(_) => &["Result", "Applied", "Pending", "Duration"],
            Kind::Status { .. } => &["Newest applied", "Pending required", "Problems"],
            Kind::Verify { .. } => &["Result", "Differences", "Duration"],
        }
    }

    /// Every outcome a target can have, in the summary's order.
    fn outcomes(&self) -> &'static [Outcome] {
        match self {
            Kind::Run(run) if run.apply.dry_run => {
                &[Outcome::Planned, Outcome::Failed, Outcome::NotStarted]
            }
            Kind::Run(_) => &[
                Outcome::Migrated,
                Outcome::UpToDate,
                Outcome::Failed,
                Outcome::NotStarted,
            ],
            Kind::Status { .. } | Kind::Verify { .. } => &[Outcome::Ok, Outcome::Failed],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Migrated,
    UpToDate,
    Planned,
    Ok,
    Failed,
    NotStarted,
}

impl Outcome {
    /// As JSON names it.
    fn key(self) -> &'static str {
        match self {
            Outcome::Migrated => "migrated",
            Outcome::UpToDate => "up_to_date",
            Outcome::Planned => "planned",
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::NotStarted => "not_started",
        }
    }

    /// As people read it.
    fn text(self) -> &'static str {
        match self {
            Outcome::UpToDate => "up to date",
            Outcome::NotStarted => "not started",
            other => other.key(),
        }
    }
}

/// What one target's child did.
struct Finished {
    /// Its exit code (128 + the signal when a signal ended it).
    code: i32,
    /// Its one-line error, without `error: `.
    error: Option<String>,
    /// The other lines it wrote to stderr (warnings, notes).
    notes: Vec<String>,
    /// Its stdout, line by line: JSON events (run), one JSON document
    /// (status, verify) or a dry run's plan.
    stdout: Vec<String>,
    elapsed: Duration,
}

/// How targets are scheduled.
struct Policy {
    parallel: usize,
    canary: usize,
    stop_on_error: bool,
}

struct Fleet<'a> {
    members: Vec<Member>,
    versions: Vec<(Backend, Vec<String>)>,
    kind: Kind<'a>,
    exe: PathBuf,
    global: Vec<OsString>,
    ui: Ui,
}

impl Fleet<'_> {
    fn run(&self, policy: &Policy) -> Result<()> {
        let started = Instant::now();
        let results = schedule(
            self.members.len(),
            policy,
            &|index| self.launch(&self.members[index]),
            |index, finished| self.finished(&self.members[index], finished),
        );
        let described: Vec<Described> = self
            .members
            .iter()
            .zip(&results)
            .map(|(member, finished)| self.describe(member, finished.as_ref()))
            .collect();
        let code = most_severe(results.iter().flatten().map(|f| f.code));
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
        let mut command = Command::new(&self.exe);
        command
            .args(&self.global)
            .args(self.kind.child_args(&member.name))
            // The URL travels in the environment: `ps` shows arguments to every user.
            .env("DATABASE_URL", &member.url)
            // This process's own URL file would collide with it in the child.
            .env_remove("DATABASE_URL_FILE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let finished = match collect(&mut command, &member.target, |line| {
            if let Some(bar) = &bar {
                show_progress(bar, &member.name, line);
            }
        }) {
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
        };
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
            Some(target_json(member, Some(finished), &described).to_string())
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
            Outcome::Migrated => format!("migrated {}", applied(finished).join(", ")),
            other => result_text(other, finished.code),
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
            return Described {
                outcome: Outcome::NotStarted,
                cells,
                fields: Map::new(),
            };
        };
        match &self.kind {
            Kind::Run(run) => {
                let known = self
                    .versions
                    .iter()
                    .find(|(backend, _)| *backend == member.target.backend)
                    .map_or(&[][..], |(_, v)| v.as_slice());
                describe_run(finished, known, run.apply.dry_run)
            }
            Kind::Status { .. } => describe_status(finished),
            Kind::Verify { .. } => describe_verify(finished),
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
                    self.ui.out(&target_json(member, None, d).to_string())?;
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

/// Runs `work` for targets `0..count` in order: the first `canary` one at a
/// time (if one fails, no other starts), then the rest at most `parallel` at
/// once (with `stop_on_error`, none starts after a failure; running ones
/// finish). `finished` sees each result as it comes, on this thread. Returns
/// every target's result, `None` for one never started.
fn schedule(
    count: usize,
    policy: &Policy,
    work: &(dyn Fn(usize) -> Finished + Sync),
    mut finished: impl FnMut(usize, &Finished),
) -> Vec<Option<Finished>> {
    let mut results: Vec<Option<Finished>> = (0..count).map(|_| None).collect();
    let canary = policy.canary.min(count);
    for (index, result) in results.iter_mut().enumerate().take(canary) {
        let done = work(index);
        finished(index, &done);
        let failed = done.code != 0;
        *result = Some(done);
        if failed {
            return results;
        }
    }
    let next = AtomicUsize::new(canary);
    let stop = AtomicBool::new(false);
    let (sender, receiver) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..policy.parallel.min(count - canary) {
            let sender = sender.clone();
            let (next, stop) = (&next, &stop);
            scope.spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    if index >= count {
                        break;
                    }
                    let done = work(index);
                    if done.code != 0 && policy.stop_on_error {
                        stop.store(true, Ordering::SeqCst);
                    }
                    if sender.send((index, done)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        for (index, done) in receiver {
            finished(index, &done);
            results[index] = Some(done);
        }
    });
    results
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

/// The `started` events of a running `run` child, on its spinner line.
fn show_progress(bar: &ProgressBar, name: &str, line: &str) {
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

/// The most severe exit code among `codes` (see [`SEVERITY`]); 0 when all are 0.
fn most_severe(codes: impl Iterator<Item = i32>) -> u8 {
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
struct Described {
    outcome: Outcome,
    /// The table's cells after the name (see [`Kind::header`]).
    cells: Vec<String>,
    /// The JSON object's fields besides the common ones.
    fields: Map<String, Value>,
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
fn applied(finished: &Finished) -> Vec<String> {
    run_events(finished)
        .filter(|e| e.event == "applied")
        .filter_map(|e| e.version)
        .collect()
}

/// A run: what it applied and what is still pending. Pending is known only
/// when the run got as far as its plan (a `failed` event or its summary):
/// the versions no event accounted for. Optional migrations left out by
/// `--skip-optional` are not pending, as in `status`.
fn describe_run(finished: &Finished, known: &[String], dry_run: bool) -> Described {
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
fn describe_status(finished: &Finished) -> Described {
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
fn describe_verify(finished: &Finished) -> Described {
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
fn result_text(outcome: Outcome, code: i32) -> String {
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
fn target_json(member: &Member, finished: Option<&Finished>, described: &Described) -> Value {
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

/// Where the fleet's report goes: JSON lines, or text with (on a terminal)
/// a spinner line per running target.
struct Ui {
    json: bool,
    quiet: bool,
    look: Look,
    bars: Option<MultiProgress>,
}

impl Ui {
    fn new(json: bool, quiet: bool) -> Ui {
        let look = Look::detect(io::stdout().is_terminal(), |name| std::env::var_os(name));
        Ui {
            json,
            quiet,
            look,
            bars: (look.spinner && !json && !quiet).then(MultiProgress::new),
        }
    }

    /// A spinner line for a target that started (on a terminal only).
    fn running(&self, name: &str) -> Option<ProgressBar> {
        let bar = self.bars.as_ref()?.add(ProgressBar::new_spinner());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
            bar.set_style(style);
        }
        bar.set_message(format!("{name}: connecting"));
        bar.enable_steady_tick(Duration::from_millis(100));
        Some(bar)
    }

    fn done(&self, bar: &ProgressBar) {
        bar.finish_and_clear();
        if let Some(bars) = &self.bars {
            bars.remove(bar);
        }
    }

    /// A line (or lines) on stdout, above the spinners.
    fn out(&self, text: &str) -> io::Result<()> {
        let write = || report::to_stdout(format!("{text}\n").as_bytes());
        match &self.bars {
            Some(bars) => bars.suspend(write),
            None => write(),
        }
    }

    /// A line on stderr, above the spinners.
    fn note(&self, text: &str) {
        match &self.bars {
            Some(bars) => bars.suspend(|| report::note(text)),
            None => report::note(text),
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
