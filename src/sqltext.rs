//! What a migration's SQL text holds, read with PostgreSQL's own lexical
//! rules (the `squawk-lexer` crate follows `scan.l`: `E'…'` strings with
//! backslash escapes, dollar quotes with tags, nested comments, quoted
//! identifiers; plain strings as `standard_conforming_strings` reads them):
//! its statements, their first words and lines, and the `BEGIN … END` block
//! inside a statement (a SQLite trigger's body, PostgreSQL's
//! `BEGIN ATOMIC`), whose `;` do not end it.

use squawk_lexer::{TokenKind, tokenize};

/// A statement's first word and the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub keyword: String,
    pub line: usize,
}

/// How many of a statement's first tokens [`heads`] keeps.
const HEAD: usize = 6;

/// The text without a leading byte-order mark (a Windows editor's), which
/// PostgreSQL would read as part of the first keyword, and a dotenv or
/// targets file as part of the first name.
pub fn without_bom(sql: &str) -> &str {
    sql.strip_prefix('\u{feff}').unwrap_or(sql)
}

/// One token of the text: its kind, where it is, and its line.
#[derive(Debug, Clone, Copy)]
struct Piece {
    kind: TokenKind,
    start: usize,
    end: usize,
    line: usize,
}

impl Piece {
    /// Whitespace and comments: what separates, and means nothing.
    fn is_trivia(&self) -> bool {
        matches!(
            self.kind,
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment { .. }
        )
    }
}

/// Every token of `sql` (without its BOM), with its line.
fn pieces(sql: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let (mut start, mut line) = (0, 1);
    for token in tokenize(sql) {
        let end = start + token.len as usize;
        out.push(Piece {
            kind: token.kind,
            start,
            end,
            line,
        });
        line += sql[start..end].matches('\n').count();
        start = end;
    }
    out
}

/// One statement of a file: where it starts and ends in the text, its line,
/// and its first tokens' text.
#[derive(Debug, Clone)]
struct Span {
    line: usize,
    start: usize,
    end: usize,
    head: Vec<String>,
}

/// Every statement of `sql` (without its BOM), in order; `;` inside
/// strings, comments, bodies and `BEGIN … END` blocks do not end one.
fn spans(sql: &str) -> Vec<Span> {
    let mut found: Vec<Span> = Vec::new();
    let mut current: Option<Span> = None;
    let mut body = Body::default();
    let mut previous: Option<TokenKind> = None;
    // As psql splits: a `;` inside parentheses (a rule's `DO (a; b)`) does
    // not end the statement.
    let mut depth = 0usize;
    for piece in pieces(sql) {
        if piece.is_trivia() {
            continue;
        }
        let text = &sql[piece.start..piece.end];
        match piece.kind {
            TokenKind::OpenParen => depth += 1,
            TokenKind::CloseParen => depth = depth.saturating_sub(1),
            _ => {}
        }
        if piece.kind == TokenKind::Semi && !body.open && depth == 0 {
            found.extend(current.take());
            body = Body::default();
            previous = None;
            continue;
        }
        let span = current.get_or_insert_with(|| Span {
            line: piece.line,
            start: piece.start,
            end: piece.end,
            head: Vec::new(),
        });
        span.end = piece.end;
        if span.head.len() < HEAD {
            span.head.push(text.to_string());
        }
        body.read(piece.kind, text, previous);
        previous = Some(piece.kind);
    }
    found.extend(current);
    found
}

/// The `BEGIN … END` body a statement may hold: a SQLite trigger's (a
/// `BEGIN` after `CREATE … TRIGGER … ON table`, outside parentheses and not a
/// qualified name, so a column named `begin` in `UPDATE OF begin ON` or
/// `NEW.begin` is not one) or PostgreSQL's `BEGIN ATOMIC`. Inside it `;`
/// ends the body's statements, not the outer one, and the body ends at an
/// `END` that starts one of them (an `END` closing a `CASE`, or a column
/// named `end`, does not).
#[derive(Default)]
struct Body {
    /// Words read so far in this statement.
    words: usize,
    /// Still within `CREATE [OR REPLACE] [TEMP]…`; then whether TRIGGER followed.
    create: bool,
    trigger: bool,
    /// A trigger's `ON table` has been read.
    on: bool,
    depth: usize,
    open: bool,
    /// At the start of one of the body's statements.
    inner_start: bool,
    cases: usize,
    /// The previous word was BEGIN (so ATOMIC opens a body).
    after_begin: bool,
}

impl Body {
    fn read(&mut self, kind: TokenKind, text: &str, previous: Option<TokenKind>) {
        match kind {
            TokenKind::OpenParen => self.depth += 1,
            TokenKind::CloseParen => self.depth = self.depth.saturating_sub(1),
            TokenKind::Semi => {
                self.inner_start = true;
                return;
            }
            _ => {}
        }
        if kind != TokenKind::Ident {
            self.after_begin = false;
            return;
        }
        let word = text.to_ascii_uppercase();
        let qualified = previous == Some(TokenKind::Dot);
        if self.open {
            match word.as_str() {
                "CASE" => self.cases += 1,
                "END" if self.cases > 0 => self.cases -= 1,
                "END" if self.inner_start => *self = Body::default(),
                _ => {}
            }
            self.inner_start = false;
        } else {
            if self.words == 0 {
                self.create = word == "CREATE";
            } else {
                // CREATE [OR REPLACE] [TEMP|TEMPORARY] [CONSTRAINT] TRIGGER: a
                // column named trigger later on is not one.
                self.trigger |= self.create && word == "TRIGGER";
                self.create &= matches!(
                    word.as_str(),
                    "OR" | "REPLACE" | "TEMP" | "TEMPORARY" | "CONSTRAINT"
                );
            }
            self.on |= self.trigger && word == "ON" && self.depth == 0;
            let trigger_body = word == "BEGIN" && self.on && self.depth == 0 && !qualified;
            if trigger_body || (word == "ATOMIC" && self.after_begin) {
                self.open = true;
                self.inner_start = true;
            }
        }
        self.words += 1;
        self.after_begin = word == "BEGIN" && !qualified;
    }
}

/// Every statement's first word (upper-cased) with its line, in order.
pub fn statements(sql: &str) -> Vec<Statement> {
    spans(without_bom(sql))
        .into_iter()
        .map(|span| Statement {
            keyword: span
                .head
                .first()
                .map(|w| w.to_ascii_uppercase())
                .unwrap_or_default(),
            line: span.line,
        })
        .collect()
}

/// Each statement's text (without the `;` that ends it) and the line it
/// starts on: a migration outside a transaction runs them one by one, as
/// PostgreSQL refuses `CREATE INDEX CONCURRENTLY` among other statements.
pub fn split(sql: &str) -> Vec<(usize, &str)> {
    let sql = without_bom(sql);
    spans(sql)
        .into_iter()
        .map(|span| (span.line, &sql[span.start..span.end]))
        .collect()
}

/// The extensions a migration creates (`CREATE EXTENSION [IF NOT EXISTS]
/// name`), by name as PostgreSQL folds it.
pub fn created_extensions(sql: &str) -> Vec<String> {
    created(sql, "EXTENSION")
}

/// The schemas a migration creates (`CREATE SCHEMA [IF NOT EXISTS] name`).
pub fn created_schemas(sql: &str) -> Vec<String> {
    created(sql, "SCHEMA")
}

/// The names `CREATE <kind> [IF NOT EXISTS] name` statements create.
fn created(sql: &str, kind: &str) -> Vec<String> {
    spans(without_bom(sql))
        .into_iter()
        .filter_map(|span| {
            let head = span.head;
            let upper: Vec<String> = head.iter().map(|w| w.to_uppercase()).collect();
            if upper.first()? != "CREATE" || upper.get(1)? != kind {
                return None;
            }
            let at = if upper.get(2..5) == Some(&["IF".into(), "NOT".into(), "EXISTS".into()]) {
                5
            } else {
                2
            };
            let name = head.get(at)?;
            Some(
                match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
                    Some(quoted) => quoted.replace("\"\"", "\""),
                    None => name.to_lowercase(),
                },
            )
        })
        .collect()
}

/// Statements that end or start transactions, which must not appear in a
/// migration the runner wraps in its own transaction (`PREPARE` only as
/// `PREPARE TRANSACTION`: a prepared statement is not one).
pub fn transaction_control(sql: &str) -> Vec<Statement> {
    const CONTROL: [&str; 9] = [
        "BEGIN",
        "COMMIT",
        "END",
        "ROLLBACK",
        "ABORT",
        "START",
        "SAVEPOINT",
        "RELEASE",
        "PREPARE",
    ];
    spans(without_bom(sql))
        .into_iter()
        .filter(|span| {
            let word = |i: usize| span.head.get(i).map(|w| w.to_ascii_uppercase());
            let first = word(0).unwrap_or_default();
            CONTROL.contains(&first.as_str())
                && (first != "PREPARE" || word(1).as_deref() == Some("TRANSACTION"))
        })
        .map(|span| Statement {
            keyword: span.head[0].to_ascii_uppercase(),
            line: span.line,
        })
        .collect()
}

/// Statements that change what every database of the server shares
/// (roles, databases, tablespaces, the server's configuration): a replay
/// in a scratch database would change them for real.
pub fn cluster_wide(sql: &str) -> Vec<Statement> {
    spans(without_bom(sql))
        .into_iter()
        .filter(|span| {
            let upper: Vec<String> = span.head.iter().map(|w| w.to_ascii_uppercase()).collect();
            let word = |i: usize| upper.get(i).map(String::as_str).unwrap_or_default();
            match word(0) {
                "CREATE" | "ALTER" | "DROP" => {
                    matches!(
                        word(1),
                        "ROLE" | "USER" | "GROUP" | "DATABASE" | "TABLESPACE"
                    ) || (word(0) == "ALTER" && word(1) == "SYSTEM")
                }
                _ => false,
            }
        })
        .map(|span| Statement {
            keyword: span.head[..2.min(span.head.len())]
                .join(" ")
                .to_ascii_uppercase(),
            line: span.line,
        })
        .collect()
}

/// Whether a statement must be sent alone, outside any transaction block
/// (`CREATE INDEX CONCURRENTLY`, `VACUUM`, transaction control, what the
/// whole server shares): nothing may be sent in the same batch with it.
pub fn stands_alone(statement: &str) -> bool {
    let head: Vec<String> = spans(without_bom(statement))
        .first()
        .map(|span| span.head.iter().map(|w| w.to_ascii_uppercase()).collect())
        .unwrap_or_default();
    let word = |i: usize| head.get(i).map(String::as_str).unwrap_or_default();
    word(0) == "VACUUM"
        || (word(0) == "REINDEX" && matches!(word(1), "SYSTEM" | "DATABASE"))
        || !transaction_control(statement).is_empty()
        || !cluster_wide(statement).is_empty()
        || without_concurrently(statement) != without_bom(statement)
}

/// The SQL with every `CONCURRENTLY` keyword removed, for replaying a
/// migration that runs outside a transaction inside one (where PostgreSQL
/// refuses it): the objects it creates are the same.
pub fn without_concurrently(sql: &str) -> String {
    let sql = without_bom(sql);
    pieces(sql)
        .into_iter()
        .filter(|p| {
            !(p.kind == TokenKind::Ident
                && sql[p.start..p.end].eq_ignore_ascii_case("CONCURRENTLY"))
        })
        .map(|p| &sql[p.start..p.end])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keywords(sql: &str) -> Vec<(String, usize)> {
        statements(sql)
            .into_iter()
            .map(|s| (s.keyword, s.line))
            .collect()
    }

    #[test]
    fn statements_skip_comments_strings_and_bodies() {
        let sql = "\u{feff}-- header; BEGIN\nCREATE TABLE a (x text DEFAULT 'x; COMMIT');\n\
                   /* block; /* nested; */ END; */\nCREATE FUNCTION f() RETURNS void AS $body$\n\
                   BEGIN\n  PERFORM 1;\nEND\n$body$ LANGUAGE plpgsql;\n\
                   DO $$ BEGIN NULL; END $$;\ninsert into \"weird;name\" values (1)";
        assert_eq!(
            keywords(sql),
            [
                ("CREATE".to_string(), 2),
                ("CREATE".to_string(), 4),
                ("DO".to_string(), 9),
                ("INSERT".to_string(), 10),
            ]
        );
    }

    #[test]
    fn a_block_inside_a_statement_is_part_of_it() {
        let sqlite = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n\
                      UPDATE a SET n = CASE WHEN n > 1 THEN 0 ELSE n END;\n\
                      DELETE FROM b;\nEND;\nCREATE TABLE c (id int);";
        let postgres = "CREATE FUNCTION f() RETURNS int LANGUAGE sql\n\
                        BEGIN ATOMIC\n  SELECT 1;\nEND;\nBEGIN;\nCOMMIT;";
        assert_eq!(
            keywords(sqlite),
            [("CREATE".to_string(), 1), ("CREATE".to_string(), 5)]
        );
        assert!(transaction_control(sqlite).is_empty());
        // Columns named begin and end are words, not blocks.
        let columns = "CREATE TABLE shifts (trigger text, begin timestamptz);\nCOMMIT;\n\
                       COMMENT ON COLUMN shifts.begin IS 'x';\nBEGIN;\n\
                       CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET end = 1; END;\n\
                       END;";
        assert_eq!(
            transaction_control(columns)
                .iter()
                .map(|s| (s.keyword.as_str(), s.line))
                .collect::<Vec<_>>(),
            [("COMMIT", 2), ("BEGIN", 4), ("END", 6)]
        );
        assert_eq!(
            transaction_control(postgres)
                .iter()
                .map(|s| (s.keyword.as_str(), s.line))
                .collect::<Vec<_>>(),
            [("BEGIN", 5), ("COMMIT", 6)]
        );
    }

    #[test]
    fn transaction_control_is_found_with_its_line() {
        let sql = "CREATE TABLE a (id int);\nCOMMIT;\nbegin;\nCREATE TABLE b (id int);";
        let found = transaction_control(sql);
        assert_eq!(
            found,
            [
                Statement {
                    keyword: "COMMIT".into(),
                    line: 2
                },
                Statement {
                    keyword: "BEGIN".into(),
                    line: 3
                }
            ]
        );
        assert!(transaction_control("DO $$ BEGIN COMMIT; END $$;").is_empty());
    }

    #[test]
    fn concurrently_is_dropped_outside_strings_and_comments() {
        assert_eq!(
            without_concurrently(
                "CREATE UNIQUE INDEX Concurrently IF NOT EXISTS uq ON t (c); -- CONCURRENTLY\n\
                 SELECT 'concurrently';"
            ),
            "CREATE UNIQUE INDEX  IF NOT EXISTS uq ON t (c); -- CONCURRENTLY\nSELECT 'concurrently';"
        );
    }

    #[test]
    fn created_extensions_are_named_as_postgresql_folds_them() {
        let sql = "CREATE EXTENSION IF NOT EXISTS citext;\n-- CREATE EXTENSION x;\n\
                   create extension \"uuid-ossp\" WITH SCHEMA public;\nCREATE TABLE extension (id int);\n\
                   CREATE EXTENSION PgCrypto;";
        assert_eq!(created_extensions(sql), ["citext", "uuid-ossp", "pgcrypto"]);
    }

    /// PostgreSQL's lexical edge cases: each hides (or not) a COMMIT that
    /// would make part of a migration permanent.
    #[test]
    fn lexical_edge_cases_hide_nothing() {
        let cases: [(&str, &[(&str, usize)]); 10] = [
            // A backslash-escaped quote inside an E-string.
            (
                "INSERT INTO t VALUES (E'it\\'s; ok');\nCOMMIT;",
                &[("COMMIT", 2)],
            ),
            // Standard-conforming strings: a backslash is only a backslash.
            ("SELECT 'C:\\';\nCOMMIT;", &[("COMMIT", 2)]),
            ("SELECT e'\\\\';\nCOMMIT;", &[("COMMIT", 2)]),
            // A PostgreSQL trigger on a column named begin has no body.
            (
                "CREATE TRIGGER t BEFORE UPDATE OF begin ON shifts FOR EACH ROW \
                 EXECUTE FUNCTION f();\nCOMMIT;",
                &[("COMMIT", 2)],
            ),
            // A SQLite trigger's WHEN naming NEW.begin, then its body.
            (
                "CREATE TRIGGER t AFTER UPDATE ON shifts WHEN NEW.begin > 0 BEGIN \
                 UPDATE s SET n = 1; END;\nCOMMIT;",
                &[("COMMIT", 2)],
            ),
            // Dollar quotes with tags, one inside the other.
            (
                "DO $outer$ BEGIN EXECUTE $q$COMMIT$q$; COMMIT; END $outer$;\nSELECT 1;",
                &[],
            ),
            // Nested comments.
            (
                "/* a /* b */ COMMIT; */ SELECT 1;\nROLLBACK;",
                &[("ROLLBACK", 2)],
            ),
            // A quoted identifier holding a semicolon and a quote.
            (
                "CREATE TABLE \"a;\"\"b\" (id int);\nCOMMIT;",
                &[("COMMIT", 2)],
            ),
            // Unicode escapes and bit strings are strings too.
            (
                "SELECT U&'\\0041;', B'101';\nSAVEPOINT s;",
                &[("SAVEPOINT", 2)],
            ),
            ("-- COMMIT;\nSELECT ';' -- ;\n;\nEND;", &[("END", 4)]),
        ];
        for (sql, expected) in cases {
            let found: Vec<(String, usize)> = transaction_control(sql)
                .into_iter()
                .map(|s| (s.keyword, s.line))
                .collect();
            let expected: Vec<(String, usize)> =
                expected.iter().map(|(k, l)| (k.to_string(), *l)).collect();
            assert_eq!(found, expected, "{sql}");
        }
    }

    #[test]
    fn prepared_statements_rules_and_cluster_wide_statements() {
        let sql = "PREPARE q AS SELECT 1;\nCREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2);\n\
                   PREPARE TRANSACTION 'x';\nCREATE ROLE app;\nALTER DATABASE live SET x = 1;";
        assert_eq!(
            transaction_control(sql)
                .iter()
                .map(|s| (s.keyword.as_str(), s.line))
                .collect::<Vec<_>>(),
            [("PREPARE", 3)]
        );
        assert_eq!(split(sql).len(), 5, "{:?}", split(sql));
        assert_eq!(
            cluster_wide(sql)
                .iter()
                .map(|s| (s.keyword.as_str(), s.line))
                .collect::<Vec<_>>(),
            [("CREATE ROLE", 4), ("ALTER DATABASE", 5)]
        );
        assert_eq!(created_schemas("CREATE SCHEMA IF NOT EXISTS App;"), ["app"]);
    }

    #[test]
    fn statements_split_for_running_one_by_one() {
        let sql = "\u{feff}CREATE TABLE a (x text DEFAULT 'a;b');\n\
                   CREATE INDEX CONCURRENTLY i ON a (x) ; -- done\n\
                   DO $$ BEGIN PERFORM 1; END $$";
        assert_eq!(
            split(sql),
            [
                (1, "CREATE TABLE a (x text DEFAULT 'a;b')"),
                (2, "CREATE INDEX CONCURRENTLY i ON a (x)"),
                (3, "DO $$ BEGIN PERFORM 1; END $$"),
            ]
        );
    }

    #[test]
    fn a_comment_only_file_has_no_statements() {
        assert!(statements("-- nothing yet\n/* really */\n;\n").is_empty());
        assert!(statements("\u{feff}").is_empty());
    }
}
