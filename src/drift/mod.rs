//! What the migrations define versus what the database has: the migrations'
//! SQL is replayed where nothing can reach a live object (a scratch
//! database, see [`replay`]), both sides are read from the catalog through the backend
//! seam, and every object is compared ([`diff`]). Definitions are
//! normalised only as far as PostgreSQL's own printing varies ([`canon`]);
//! the differences keep the original text.
//!
//! Used to check a database the Node.js runner created before adopting it,
//! and by `verify` to report schema drift.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::catalog::{Catalog, Entry};
use crate::engine::AnyConnection;
use crate::error::{Error, Result};
use crate::history::DbState;
use crate::objects::Objects;
use crate::records::TRACKING_TABLES;
use crate::sqltext;

mod canon;
mod diff;
mod recorded;
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
    let (expected, live) = replay::read(conn, scratch, up_sqls)?;
    Ok(judge(expected, &live, up_sqls, scope))
}

/// The differences between what `up_sqls` define (`expected`) and `live`.
/// The expected side's extensions are those the SQL creates: a replay's
/// database had the live one's to begin with, a recording has the live ones.
fn judge(
    mut expected: Objects,
    live: &Objects,
    up_sqls: &[&str],
    scope: Scope<'_>,
) -> Vec<Difference> {
    expected.extensions = up_sqls
        .iter()
        .flat_map(|sql| sqltext::created_extensions(sql))
        .map(|name| (name, String::new()))
        .collect();
    diff::differences(&expected, live, scope)
}

/// The live schema against what the `applied` migrations define: as
/// recorded when they were applied (see [`recorded`]), or by replaying
/// their up.sql where nothing can leak (without CONCURRENTLY, which a
/// transaction refuses: the objects are the same).
pub(crate) fn of_applied(
    conn: &mut AnyConnection,
    scratch: &Scratch<'_>,
    applied: &[&Entry],
) -> Result<Vec<Difference>> {
    let sqls: Vec<&str> = applied.iter().map(|e| e.up_sql.as_str()).collect();
    if let Some(expected) = recorded::find(conn, applied)? {
        log::debug!("comparing with the schema recorded when these migrations were applied");
        let live = replay::read_live(conn)?;
        return Ok(judge(expected, &live, &sqls, whole_schema()));
    }
    compare(conn, scratch, &sqls, whole_schema())
}

/// What `verify` reads holding the lock (so no migration is half done in
/// it): the live schema, and what was recorded for the applied migrations.
pub(crate) struct Seen {
    live: Objects,
    recorded: Option<Objects>,
}

pub(crate) fn see(conn: &mut AnyConnection, applied: &[&Entry]) -> Result<Seen> {
    Ok(Seen {
        recorded: recorded::find(conn, applied)?,
        live: replay::read_live(conn)?,
    })
}

/// The differences between what was `seen` and what the `applied`
/// migrations define, replaying them where nothing was recorded (after the
/// lock is released: a replay can take seconds, and deploys wait for the
/// lock).
pub(crate) fn differences_in(
    conn: &mut AnyConnection,
    scratch: &Scratch<'_>,
    applied: &[&Entry],
    seen: Seen,
) -> Result<Vec<Difference>> {
    let sqls: Vec<&str> = applied.iter().map(|e| e.up_sql.as_str()).collect();
    let expected = match seen.recorded {
        Some(objects) => objects,
        None => replay::replayed(conn, scratch, &sqls)?,
    };
    Ok(judge(expected, &seen.live, &sqls, whole_schema()))
}

fn whole_schema() -> Scope<'static> {
    Scope::Schema {
        ignore: &TRACKING_TABLES,
    }
}

/// Whether the live schema is known to be exactly what the `applied`
/// migrations define without a replay: nothing applied and nothing there,
/// or equal to what was recorded for them. A run that starts so and only
/// applies migrations can [`record_applied`] what it leaves.
pub(crate) fn as_recorded(conn: &mut AnyConnection, applied: &[&Entry]) -> Result<bool> {
    let expected = if applied.is_empty() {
        Objects::default()
    } else {
        match recorded::find(conn, applied)? {
            Some(objects) => objects,
            None => return Ok(false),
        }
    };
    let Some(live) = recorded::live(conn)? else {
        return Ok(false);
    };
    let sqls: Vec<&str> = applied.iter().map(|e| e.up_sql.as_str()).collect();
    Ok(judge(expected, &live, &sqls, whole_schema()).is_empty())
}

/// Records the live schema as what the `applied` migrations define: only
/// when that is known (see [`as_recorded`]).
pub(crate) fn record_applied(conn: &mut AnyConnection, applied: &[&Entry]) -> Result<()> {
    match recorded::live(conn)? {
        Some(live) => recorded::record(conn, applied, &live),
        None => Ok(()),
    }
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
    let differences = objects_of_theirs(compare(conn, scratch, &sqls, Scope::Tables)?);
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

/// What each of the `checked` migrations' objects must be once it has run
/// (none when the migrations cannot be replayed: each failing for itself,
/// they are not checked, and a warning says so):
/// for each, the objects it creates or alters (found by replaying
/// `sequence`, every migration applied once the run is done, in version
/// order, and reading the scratch database before and after it), as they are
/// after it, or, for one `at_the_end`, after the whole sequence (a re-run, or
/// one older than an applied migration, finds the later changes in place).
pub(crate) fn expectations(
    conn: &mut AnyConnection,
    scratch: &Scratch<'_>,
    sequence: &[&Entry],
    checked: &[&Entry],
    at_the_end: &HashSet<&str>,
) -> Result<HashMap<String, Objects>> {
    if checked.is_empty() {
        return Ok(HashMap::new());
    }
    match replay_for_checks(conn, scratch, sequence, checked, at_the_end) {
        Err(Error::CannotCompare(reason)) => {
            log::warn!("the migrations' objects are not checked after they run: {reason}");
            Ok(HashMap::new())
        }
        other => other,
    }
}

fn replay_for_checks(
    conn: &mut AnyConnection,
    scratch: &Scratch<'_>,
    sequence: &[&Entry],
    checked: &[&Entry],
    at_the_end: &HashSet<&str>,
) -> Result<HashMap<String, Objects>> {
    let checked: HashSet<&str> = checked.iter().map(|e| e.version.as_str()).collect();
    let place = replay::place(conn, scratch)?;
    let sqls: Vec<&str> = sequence.iter().map(|e| e.up_sql.as_str()).collect();
    let mut session = replay::Session::open(&place, &sqls)?;
    let total = sequence.len();
    let mut touched: Vec<(&str, Touched, Option<Objects>)> = Vec::new();
    for (i, entry) in sequence.iter().enumerate() {
        let files = replay::replayable(&[&entry.up_sql])?
            .into_iter()
            .map(|(_, sql)| (i + 1, sql))
            .collect::<Vec<_>>();
        if !checked.contains(entry.version.as_str()) {
            session.replay(&files, total)?;
            continue;
        }
        let before = session.read()?;
        session.replay(&files, total)?;
        let after = session.read()?;
        let what = Touched::between(&before, &after);
        let kept = (!at_the_end.contains(entry.version.as_str())).then_some(after);
        touched.push((&entry.version, what, kept));
    }
    let end = if touched.iter().any(|(.., kept)| kept.is_none()) {
        Some(session.read()?)
    } else {
        None
    };
    Ok(touched
        .into_iter()
        .map(|(version, what, kept)| {
            let objects = kept.as_ref().or(end.as_ref());
            (version.to_string(), what.of(objects))
        })
        .collect())
}

/// The names of what one migration created or altered.
#[derive(Default)]
struct Touched {
    tables: BTreeSet<String>,
    /// "function f()", "view v", "sequence s".
    others: BTreeSet<String>,
}

impl Touched {
    fn between(before: &Objects, after: &Objects) -> Touched {
        let mut touched = Touched::default();
        for d in diff::differences(after, before, Scope::Schema { ignore: &[] }) {
            if d.table.is_empty() {
                touched.others.insert(d.object);
            } else {
                touched.tables.insert(d.table);
            }
        }
        touched
    }

    /// Those objects of `all`.
    fn of(&self, all: Option<&Objects>) -> Objects {
        let Some(all) = all else {
            return Objects::default();
        };
        let pick = |kind: &str, map: &std::collections::BTreeMap<String, String>| {
            map.iter()
                .filter(|(name, _)| self.others.contains(&format!("{kind} {name}")))
                .map(|(name, text)| (name.clone(), text.clone()))
                .collect()
        };
        Objects {
            tables: all
                .tables
                .iter()
                .filter(|(name, _)| self.tables.contains(*name))
                .map(|(name, table)| (name.clone(), table.clone()))
                .collect(),
            functions: pick("function", &all.functions),
            views: pick("view", &all.views),
            sequences: pick("sequence", &all.sequences),
            extensions: Default::default(),
        }
    }
}

/// After a migration's SQL ran, inside its transaction: the differences
/// between its objects as `expected` and the live ones (an index added by
/// hand aside, as in adoption).
pub(crate) fn objects_differ(conn: &mut AnyConnection, expected: &Objects) -> Result<Vec<String>> {
    let live = replay::read_live(conn)?;
    Ok(objects_of_theirs(diff::differences(
        expected,
        &live,
        Scope::Tables,
    )))
}

/// The differences that matter to a migration's own objects: an index
/// added by hand is not a reason to refuse one.
fn objects_of_theirs(differences: Vec<Difference>) -> Vec<String> {
    differences
        .into_iter()
        .filter(|d| !(d.change == Change::Extra && d.object.starts_with("index ")))
        .map(|d| d.to_string())
        .collect()
}
