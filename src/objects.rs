//! A schema's objects as values: what the backend seam reads from a
//! database's catalog and `drift` compares (the migrations' replay against
//! the live database). Definitions are kept as the database prints them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Every table (with its columns, constraints, indexes, triggers and
/// policies), function, view and sequence of one schema, and the
/// database's extensions.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Objects {
    pub tables: BTreeMap<String, Table>,
    /// "name(argument types)" → definition.
    pub functions: BTreeMap<String, String>,
    /// Views and materialized views: name → "VIEW …" / "MATERIALIZED VIEW …"
    /// with the definition.
    pub views: BTreeMap<String, String>,
    /// Sequences no column owns: name → type, increment, bounds, start,
    /// cache, cycle (never the current value, which the application moves).
    pub sequences: BTreeMap<String, String>,
    /// Extensions installed in the database: name → schema.
    pub extensions: BTreeMap<String, String>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Table {
    /// In column order.
    pub columns: Vec<Column>,
    pub constraints: BTreeMap<String, String>,
    pub indexes: BTreeMap<String, Index>,
    /// Definitions, with " (disabled)" and the like when not enabled.
    pub triggers: BTreeMap<String, String>,
    /// Row-level security policies: name → command, roles and expressions.
    pub policies: BTreeMap<String, String>,
    /// The sequences its columns own (serial, identity), as
    /// [`Objects::sequences`].
    pub sequences: BTreeMap<String, String>,
    /// What changes how the application sees the table beyond its columns:
    /// "persistence" (logged, unlogged), "row level security" (off, on,
    /// forced).
    pub properties: BTreeMap<String, String>,
    /// SQLite's CREATE TABLE text: the only place its CHECKs are kept.
    pub definition: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub type_name: String,
    pub not_null: bool,
    /// A collation other than the type's default (`"C"`).
    pub collation: Option<String>,
    pub default: Option<String>,
    /// Identity, generation (PostgreSQL) or key membership (SQLite).
    pub extra: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Index {
    pub definition: String,
    pub valid: bool,
}

/// Appended to the definition of an index PostgreSQL marks invalid.
pub const INVALID: &str = " (invalid)";

impl Column {
    /// The column as one line: type, NOT NULL, default, identity.
    pub fn definition(&self) -> String {
        let mut text = self.type_name.clone();
        if let Some(collation) = &self.collation {
            text.push_str(" COLLATE ");
            text.push_str(collation);
        }
        if self.not_null {
            text.push_str(" NOT NULL");
        }
        if let Some(default) = &self.default {
            text.push_str(" DEFAULT ");
            text.push_str(default);
        }
        if !self.extra.is_empty() {
            text.push(' ');
            text.push_str(&self.extra);
        }
        text
    }
}

impl Table {
    /// What a missing or extra table is shown as.
    pub fn summary(&self) -> String {
        match &self.definition {
            Some(sql) => one_line(sql),
            None => format!(
                "({})",
                self.columns
                    .iter()
                    .map(|c| format!("{} {}", c.name, c.definition()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

impl Index {
    /// The definition, marked when the index is invalid.
    pub fn text(&self) -> String {
        if self.valid {
            self.definition.clone()
        } else {
            format!("{}{INVALID}", self.definition)
        }
    }
}

/// Text on one line, runs of whitespace as one space.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
