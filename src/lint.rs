//! `lint`: statements of the migrations that block writes on a populated
//! table, found without a database. squawk's rules (its own PostgreSQL
//! parser) for what it knows — an index built, dropped or rebuilt without
//! CONCURRENTLY, a constraint or foreign key added without NOT VALID (or
//! validated in the transaction that added it), a column's type changed,
//! NOT NULL or a volatile default added, a unique constraint added — and
//! one of ours it
//! lacks: an UPDATE or DELETE with no WHERE, which holds every row it
//! changes until its transaction commits. Linted as each file runs: in a
//! transaction unless its `metadata.toml` says otherwise.

use serde::Serialize;
use squawk_linter::{Linter, Rule};
use squawk_syntax::SourceFile;
use squawk_syntax::ast::{self, AstNode};

use crate::catalog::Entry;

/// squawk's rules for statements that block the application's writes.
const RULES: [Rule; 11] = [
    Rule::RequireConcurrentIndexCreation,
    Rule::RequireConcurrentIndexDeletion,
    Rule::RequireConcurrentReindex,
    Rule::ConstraintMissingNotValid,
    Rule::AddingForeignKeyConstraint,
    Rule::ChangingColumnType,
    Rule::AddingNotNullableField,
    Rule::AddingRequiredField,
    Rule::AddingFieldWithDefault,
    Rule::AddingSerialPrimaryKeyField,
    Rule::DisallowedUniqueConstraint,
];

/// Our rule's name, in squawk's style.
const WHOLE_TABLE: &str = "whole-table-write";

/// One statement that blocks writes, where it is and what to do instead.
#[derive(Debug, Serialize)]
pub struct Finding {
    /// `VERSION_name/up.sql`, as the embedded set's folders are named.
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub rule: String,
    pub message: String,
    pub fix: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {} Fix: {}",
            self.file, self.line, self.column, self.rule, self.message, self.fix
        )
    }
}

/// The fix where squawk gives none with its finding.
fn fix_for(rule: Rule) -> &'static str {
    match rule {
        Rule::ChangingColumnType => {
            "Add a column of the new type, fill it in batches, move the application to it, \
             then drop the old one."
        }
        Rule::AddingNotNullableField | Rule::AddingRequiredField => {
            "Add CHECK (column IS NOT NULL) NOT VALID, VALIDATE it in a later migration, then \
             SET NOT NULL (PostgreSQL uses the validated check instead of scanning)."
        }
        Rule::ConstraintMissingNotValid | Rule::AddingForeignKeyConstraint => {
            "Add it NOT VALID, then VALIDATE CONSTRAINT in a later migration (its own \
             transaction)."
        }
        Rule::DisallowedUniqueConstraint | Rule::AddingSerialPrimaryKeyField => {
            "CREATE UNIQUE INDEX CONCURRENTLY (a migration outside a transaction), then ADD \
             CONSTRAINT … USING INDEX."
        }
        Rule::AddingFieldWithDefault => {
            "Add the column with no default (or a constant one), then fill it in batches."
        }
        _ => {
            "Build it CONCURRENTLY, in a migration outside a transaction (metadata.toml: \
              run_in_transaction = false)."
        }
    }
}

/// Every finding in the `entries`' up.sql, in order.
pub fn findings<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Vec<Finding> {
    entries.into_iter().flat_map(of_entry).collect()
}

fn of_entry(entry: &Entry) -> Vec<Finding> {
    let text = entry.up_sql.as_str();
    let parse = SourceFile::parse(text);
    let mut linter = Linter::from(RULES);
    linter.settings.assume_in_transaction = entry.in_transaction;
    let file = format!("{}_{}/up.sql", entry.version, entry.name);
    let at = |offset: usize| {
        let before = &text[..offset.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        (line, column)
    };
    let mut found: Vec<(usize, Finding)> = linter
        .lint(&parse, text)
        .into_iter()
        .map(|v| {
            let offset = usize::from(v.text_range.start());
            let (line, column) = at(offset);
            let finding = Finding {
                file: file.clone(),
                line,
                column,
                rule: v.code.to_string(),
                message: v.message,
                fix: v.help.unwrap_or_else(|| fix_for(v.code).to_string()),
            };
            (offset, finding)
        })
        .collect();
    for stmt in parse.tree().stmts() {
        let (table_wide, what) = match &stmt {
            ast::Stmt::Update(update) => (update.where_clause_or_current_of().is_none(), "UPDATE"),
            ast::Stmt::Delete(delete) => (delete.where_clause_or_current_of().is_none(), "DELETE"),
            _ => continue,
        };
        if table_wide {
            let offset = usize::from(stmt.syntax().text_range().start());
            let (line, column) = at(offset);
            found.push((
                offset,
                Finding {
                    file: file.clone(),
                    line,
                    column,
                    rule: WHOLE_TABLE.to_string(),
                    message: format!(
                        "{what} with no WHERE changes every row in one transaction, and each \
                         row stays locked until it commits: the application's writes to them wait."
                    ),
                    fix: "Change the rows in batches by key range, each its own transaction, \
                          or limit it with a WHERE."
                        .to_string(),
                },
            ));
        }
    }
    found.sort_by_key(|(offset, _)| *offset);
    found.into_iter().map(|(_, finding)| finding).collect()
}
