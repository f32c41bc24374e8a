//! Drift checks that take the catalog and the recorded state: the schema
//! the applied migrations define against the live one (`verify`, `run
//! --verify`, `status --verify`), and the objects of migrations about to be
//! adopted.

use std::collections::HashSet;

use super::{Change, Difference, Scope, compare};
use crate::catalog::{Catalog, Entry};
use crate::connection::AnyConnection;
use crate::error::{Error, Result};
use crate::history::{self, DbState};
use crate::plan::{self, Plan, State};
use crate::sqltext;

/// The live schema against what the applied migrations define, compared
/// by replaying their up.sql where nothing can leak (see [`super`]).
pub(crate) fn of_applied(
    conn: &mut AnyConnection,
    catalog: &Catalog,
    state: &DbState,
) -> Result<Vec<Difference>> {
    let applied = catalog
        .entries()
        .iter()
        .filter(|e| matches!(plan::state_of(e, state), State::Applied | State::Modified));
    let replayed = replayable(applied);
    let sqls: Vec<&str> = replayed.iter().map(String::as_str).collect();
    compare(
        conn,
        &sqls,
        Scope::Schema {
            ignore: &history::TRACKING_TABLES,
        },
    )
}

/// Missing or changed objects fail; objects no migration creates only when `strict`.
pub(crate) fn refuse(differences: &[Difference], strict: bool) -> Result<()> {
    let failing: Vec<String> = differences
        .iter()
        .filter(|d| strict || d.change != Change::Extra)
        .map(|d| d.to_string())
        .collect();
    if failing.is_empty() {
        return Ok(());
    }
    Err(Error::Drift {
        count: failing.len(),
        differences: failing.join("; "),
    })
}

/// Before anything is recorded as adopted: every object the adopted
/// migrations define must exist as their up.sql defines it. The SQL of each
/// migration up to the newest adopted one that is (or is becoming) applied
/// is replayed where nothing can leak and compared with the live schema.
/// Every table the replay defines is judged (a later migration may alter an
/// earlier one's table), and functions too; only an index added by hand is
/// not a reason to refuse.
pub(crate) fn check_adoption(
    conn: &mut AnyConnection,
    catalog: &Catalog,
    state: &DbState,
    plan: &Plan<'_>,
) -> Result<()> {
    let adopted = plan.adopted();
    let Some(newest) = adopted.last().map(|e| e.version.as_str()) else {
        return Ok(());
    };
    let adopting: HashSet<&str> = adopted.iter().map(|e| e.version.as_str()).collect();
    let replayed = replayable(
        catalog
            .entries()
            .iter()
            .filter(|e| e.version.as_str() <= newest)
            .filter(|e| state.is_applied(&e.version) || adopting.contains(e.version.as_str())),
    );
    let sqls: Vec<&str> = replayed.iter().map(String::as_str).collect();
    let differences: Vec<String> = compare(conn, &sqls, Scope::Tables)?
        .into_iter()
        .filter(|d| !(d.change == Change::Extra && d.object.starts_with("index ")))
        .map(|d| d.to_string())
        .collect();
    if differences.is_empty() {
        return Ok(());
    }
    Err(Error::AdoptionMismatch {
        versions: adopted
            .iter()
            .map(|e| e.version.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        differences: differences.join("; "),
    })
}

/// The up.sql of `entries` as the drift check replays them: inside its
/// transaction, so without CONCURRENTLY (the objects are the same).
fn replayable<'e>(entries: impl Iterator<Item = &'e Entry>) -> Vec<String> {
    entries
        .map(|e| {
            if e.in_transaction {
                e.up_sql.clone()
            } else {
                sqltext::without_concurrently(&e.up_sql)
            }
        })
        .collect()
}
