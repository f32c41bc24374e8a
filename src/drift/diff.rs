//! Comparing two schemas' objects: every table, column (and their order),
//! constraint, index, trigger, policy and table property (persistence,
//! row-level security), function, view, sequence, and the extensions the
//! migrations create, matched by name; definitions
//! compared as [`super::canon`] normalises them, differences keeping the
//! original text.

use std::collections::BTreeMap;
use std::fmt;

use super::canon::same;
use crate::objects::{Column, INVALID, Objects, Table, one_line};

/// What kind of difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// The migrations define it; the database lacks it.
    Missing,
    /// The database has it; no migration defines it.
    Extra,
    /// Both have it, defined differently (or the live index is invalid).
    Changed,
}

/// One object that differs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Difference {
    #[serde(rename = "kind")]
    pub change: Change,
    /// The table it belongs to ("" for a function, view, sequence or extension).
    pub table: String,
    /// "table", "column amount", "index idx_bookings_status", "constraint
    /// users_email_key", "trigger t", "policy p", "persistence", "row level
    /// security", "function f(integer)", "view v", "sequence s", "extension
    /// e", "order of columns", or (SQLite) "table definition".
    pub object: String,
    /// The definition the migrations give (None when Extra).
    pub expected: Option<String>,
    /// The definition the database has (None when Missing).
    pub found: Option<String>,
}

impl Difference {
    /// Whether the definitions are bodies of many lines (a function's or a
    /// view's), which reports show as a diff.
    pub fn is_body(&self) -> bool {
        self.change == Change::Changed
            && (self.object.starts_with("function ") || self.object.starts_with("view "))
    }

    /// The object as a person names it: columns with their table.
    fn label(&self) -> String {
        match self.object.as_str() {
            "table" => format!("table {}", self.table),
            "table definition" => format!("definition of table {}", self.table),
            "order of columns" => format!("order of the columns of table {}", self.table),
            "persistence" | "row level security" => {
                format!("{} of table {}", self.object, self.table)
            }
            object => match object.strip_prefix("column ") {
                Some(column) => format!("column {}.{column}", self.table),
                None => object.to_string(),
            },
        }
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = self.label();
        match self.change {
            Change::Missing => write!(f, "missing {label}"),
            Change::Extra => write!(f, "extra {label}"),
            Change::Changed => {
                let expected = self.expected.as_deref().unwrap_or_default();
                let found = self.found.as_deref().unwrap_or_default();
                if let Some(definition) = found.strip_suffix(INVALID)
                    && same(expected, definition)
                {
                    return write!(f, "{label} is invalid (a failed CREATE INDEX CONCURRENTLY)");
                }
                // Bodies span many lines: reports show them as a diff.
                if self.is_body() {
                    return write!(f, "{label} differs from what the migrations define");
                }
                write!(
                    f,
                    "{label}: {} expected, {} found",
                    one_line(expected),
                    one_line(found)
                )
            }
        }
    }
}

/// Which live objects take part.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Only the tables the replay creates (and their columns, constraints,
    /// indexes, triggers) and the functions it creates; other tables and
    /// functions are ignored. (Adoption.)
    Tables,
    /// The whole live schema; tables and functions no replayed SQL creates are
    /// reported as Extra, except the tables named here (the runner's own
    /// tracking tables, e.g. "migrations", "__diesel_schema_migrations",
    /// "bxm_migration_actions"). (verify.)
    Schema { ignore: &'a [&'a str] },
}

/// Every difference between what the migrations define (`expected`) and
/// the live schema, sorted by table then object.
pub(super) fn differences(expected: &Objects, live: &Objects, scope: Scope<'_>) -> Vec<Difference> {
    let mut out = Vec::new();
    for (name, want) in &expected.tables {
        match live.tables.get(name) {
            None => out.push(missing(name, "table", want.summary())),
            Some(have) => compare_table(name, want, have, &mut out),
        }
    }
    let whole_schema = matches!(scope, Scope::Schema { .. });
    if let Scope::Schema { ignore } = scope {
        for (name, have) in &live.tables {
            if !expected.tables.contains_key(name) && !ignore.contains(&name.as_str()) {
                out.push(extra(name, "table", have.summary()));
            }
        }
    }
    for (kind, want, have) in [
        ("function", &expected.functions, &live.functions),
        ("view", &expected.views, &live.views),
        ("sequence", &expected.sequences, &live.sequences),
    ] {
        compare_named("", kind, want, have, whole_schema, &mut out);
    }
    // Only the migrations' own: an extension installed by hand is not drift.
    for (name, schema) in &expected.extensions {
        if !live.extensions.contains_key(name) {
            out.push(missing("", &format!("extension {name}"), schema.clone()));
        }
    }
    out.sort_by(|a, b| (&a.table, &a.object).cmp(&(&b.table, &b.object)));
    out
}

fn compare_table(table: &str, want: &Table, have: &Table, out: &mut Vec<Difference>) {
    let before = out.len();
    for column in &want.columns {
        let object = format!("column {}", column.name);
        match have.columns.iter().find(|c| c.name == column.name) {
            None => out.push(missing(table, &object, column.definition())),
            Some(found) if !same_column(column, found) => out.push(changed(
                table,
                &object,
                column.definition(),
                found.definition(),
            )),
            Some(_) => {}
        }
    }
    for column in &have.columns {
        if !want.columns.iter().any(|c| c.name == column.name) {
            out.push(extra(
                table,
                &format!("column {}", column.name),
                column.definition(),
            ));
        }
    }
    // Only the columns both have: a missing or extra one is reported above.
    let in_order = |of: &Table, other: &Table| -> Vec<String> {
        of.columns
            .iter()
            .filter(|c| other.columns.iter().any(|o| o.name == c.name))
            .map(|c| c.name.clone())
            .collect()
    };
    let (want_order, have_order) = (in_order(want, have), in_order(have, want));
    if want_order != have_order {
        out.push(changed(
            table,
            "order of columns",
            want_order.join(", "),
            have_order.join(", "),
        ));
    }
    compare_named(
        table,
        "constraint",
        &want.constraints,
        &have.constraints,
        true,
        out,
    );
    for (name, index) in &want.indexes {
        let object = format!("index {name}");
        match have.indexes.get(name) {
            None => out.push(missing(table, &object, index.definition.clone())),
            Some(found) if !found.valid || !same(&index.definition, &found.definition) => out.push(
                changed(table, &object, index.definition.clone(), found.text()),
            ),
            Some(_) => {}
        }
    }
    for (name, index) in &have.indexes {
        if !want.indexes.contains_key(name) {
            out.push(extra(table, &format!("index {name}"), index.text()));
        }
    }
    compare_named(table, "trigger", &want.triggers, &have.triggers, true, out);
    compare_named(table, "policy", &want.policies, &have.policies, true, out);
    compare_named(
        table,
        "sequence",
        &want.sequences,
        &have.sequences,
        true,
        out,
    );
    for (property, value) in &want.properties {
        if let Some(found) = have.properties.get(property)
            && found != value
        {
            out.push(changed(table, property, value.clone(), found.clone()));
        }
    }
    // SQLite keeps CHECK constraints only in the CREATE TABLE text; when
    // nothing more precise differs, the text is what tells. Indexes and
    // triggers leave that text alone, so their differences do not hide a
    // change in it.
    let text_told = out[before..].iter().all(|d| {
        ["index ", "trigger ", "policy "]
            .iter()
            .any(|kind| d.object.starts_with(kind))
    });
    if text_told
        && let (Some(want_sql), Some(have_sql)) = (&want.definition, &have.definition)
        && !same(want_sql, have_sql)
    {
        out.push(changed(
            table,
            "table definition",
            one_line(want_sql),
            one_line(have_sql),
        ));
    }
}

/// Objects matched by name; those only `found` has count when `extras`.
fn compare_named(
    table: &str,
    kind: &str,
    expected: &BTreeMap<String, String>,
    found: &BTreeMap<String, String>,
    extras: bool,
    out: &mut Vec<Difference>,
) {
    for (name, want) in expected {
        let object = format!("{kind} {name}");
        match found.get(name) {
            None => out.push(missing(table, &object, want.clone())),
            Some(have) if !same(want, have) => {
                out.push(changed(table, &object, want.clone(), have.clone()))
            }
            Some(_) => {}
        }
    }
    if extras {
        for (name, have) in found {
            if !expected.contains_key(name) {
                out.push(extra(table, &format!("{kind} {name}"), have.clone()));
            }
        }
    }
}

fn missing(table: &str, object: &str, expected: String) -> Difference {
    Difference {
        change: Change::Missing,
        table: table.to_string(),
        object: object.to_string(),
        expected: Some(expected),
        found: None,
    }
}

fn extra(table: &str, object: &str, found: String) -> Difference {
    Difference {
        change: Change::Extra,
        table: table.to_string(),
        object: object.to_string(),
        expected: None,
        found: Some(found),
    }
}

fn changed(table: &str, object: &str, expected: String, found: String) -> Difference {
    Difference {
        change: Change::Changed,
        table: table.to_string(),
        object: object.to_string(),
        expected: Some(expected),
        found: Some(found),
    }
}

/// Whether two columns are defined alike.
fn same_column(a: &Column, b: &Column) -> bool {
    same(&a.type_name, &b.type_name)
        && a.collation == b.collation
        && a.not_null == b.not_null
        && match (&a.default, &b.default) {
            (Some(x), Some(y)) => same(x, y),
            (x, y) => x.is_none() && y.is_none(),
        }
        && same(&a.extra, &b.extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_read_as_one_line() {
        let column = changed(
            "payment_transactions",
            "column amount",
            "numeric(10,2)".into(),
            "numeric".into(),
        );
        assert_eq!(
            column.to_string(),
            "column payment_transactions.amount: numeric(10,2) expected, numeric found"
        );
        let index = "CREATE INDEX idx_x ON t USING btree (a)";
        let invalid = changed(
            "t",
            "index idx_x",
            index.into(),
            format!("{index}{INVALID}"),
        );
        assert_eq!(
            invalid.to_string(),
            "index idx_x is invalid (a failed CREATE INDEX CONCURRENTLY)"
        );
        assert_eq!(
            missing("bookings", "index idx_bookings_status", index.into()).to_string(),
            "missing index idx_bookings_status"
        );
        assert_eq!(
            extra("tmp_backfill", "table", "(id integer)".into()).to_string(),
            "extra table tmp_backfill"
        );
        let json = serde_json::to_value(&invalid).unwrap();
        assert_eq!(json["kind"], "changed");
        assert_eq!(json["object"], "index idx_x");
    }
}
