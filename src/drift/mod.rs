//! What the migrations define versus what the database has: the migrations'
//! SQL is replayed where nothing can reach a live object (a scratch
//! database, see [`replay`]), both sides are read from the catalog through the backend
//! seam, and every object is compared ([`diff`]). Definitions are
//! normalised only as far as PostgreSQL's own printing varies ([`canon`]);
//! the differences keep the original text.
//!
//! Used to check a database the Node.js runner created before adopting it,
//! and by `verify` to report schema drift.

use std::collections::HashSet;

use crate::catalog::{Catalog, Entry};
use crate::engine::AnyConnection;
use crate::error::{Error, Result};
use crate::history::DbState;
use crate::records::TRACKING_TABLES;
use crate::sqltext;

mod canon;
mod diff;
mod replay;

pub use diff::{Change, Difference, Scope};
pub use replay::Scratch;

/// Replays `up_sqls` (each a whole migration file, in order) where nothing
/// can leak, reads the objects they create, and compares them with the live
/// schema (PostgreSQL: the session's `current_schema()`; SQLite: `main`).
/// Returns every difference, sorted by table then object.
pub fn compare(
    conn: &mut AnyConnection,
    scratch: &Scratch<'_>,
    up_sqls: &[&str],
    scope: Scope<'_>,
) -> Result<Vec<Difference>> {
    let (mut expected, live) = replay::read(conn, scratch, up_sqls)?;
    // The replay's database had the live one's extensions to begin with:
    // those the migrations create are what their text says.
    expected.extensions = up_sqls
        .iter()
        .flat_map(|sql| sqltext::created_extensions(sql))
        .map(|name| (name, String::new()))
        .collect();
    Ok(diff::differences(&expected, &live, scope))
}

/// The live schema against what the `applied` migrations define, compared
/// by replaying their up.sql where nothing can leak (without CONCURRENTLY,
/// which a transaction refuses: the objects are the same).
pub(crate) fn of_applied(
    conn: &mut AnyConnection,
    scratch: &Scratch<'_>,
    applied: &[&Entry],
) -> Result<Vec<Difference>> {
    let sqls: Vec<&str> = applied.iter().map(|e| e.up_sql.as_str()).collect();
    compare(
        conn,
        scratch,
        &sqls,
        Scope::Schema {
            ignore: &TRACKING_TABLES,
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

/// Before anything is recorded as adopted: every object the `adopted`
/// migrations define must exist as their up.sql defines it. The SQL of each
/// migration up to the newest adopted one that is (or is becoming) applied
/// is replayed where nothing can leak and compared with the live schema.
/// Every table the replay defines is judged (a later migration may alter an
/// earlier one's table), and functions too; only an index added by hand is
/// not a reason to refuse.
pub(crate) fn check_adoption(
    conn: &mut AnyConnection,
    scratch: &Scratch<'_>,
    catalog: &Catalog,
    state: &DbState,
    adopted: &[&Entry],
) -> Result<()> {
    let Some(newest) = adopted.last().map(|e| e.version.as_str()) else {
        return Ok(());
    };
    let adopting: HashSet<&str> = adopted.iter().map(|e| e.version.as_str()).collect();
    let sqls: Vec<&str> = catalog
        .entries()
        .iter()
        .filter(|e| e.version.as_str() <= newest)
        .filter(|e| state.is_applied(&e.version) || adopting.contains(e.version.as_str()))
        .map(|e| e.up_sql.as_str())
        .collect();
    let differences: Vec<String> = compare(conn, scratch, &sqls, Scope::Tables)?
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
