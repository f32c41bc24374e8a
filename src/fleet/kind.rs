//! What the fleet does to each target, and what can come of it.

use std::ffi::OsString;

use crate::options::{ApplyArgs, RunArgs};

/// What the fleet does to each target.
pub(super) enum Kind<'a> {
    Run(&'a RunArgs),
    Status { check: bool },
    Verify { strict: bool },
}

impl Kind<'_> {
    /// The child's subcommand and its flags, for the target `name`.
    pub(super) fn child_args(&self, name: &str) -> Vec<OsString> {
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
    pub(super) fn header(&self) -> &'static [&'static str] {
        match self {
            Kind::Run(_) => &["Result", "Applied", "Pending", "Duration"],
            Kind::Status { .. } => &["Newest applied", "Pending required", "Problems"],
            Kind::Verify { .. } => &["Result", "Differences", "Duration"],
        }
    }

    /// Every outcome a target can have, in the summary's order.
    pub(super) fn outcomes(&self) -> &'static [Outcome] {
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
pub(super) enum Outcome {
    Migrated,
    UpToDate,
    Planned,
    Ok,
    Failed,
    NotStarted,
}

impl Outcome {
    /// As JSON names it.
    pub(super) fn key(self) -> &'static str {
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
    pub(super) fn text(self) -> &'static str {
        match self {
            Outcome::UpToDate => "up to date",
            Outcome::NotStarted => "not started",
            other => other.key(),
        }
    }
}
