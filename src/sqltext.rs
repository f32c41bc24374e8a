//! What a migration's SQL text holds, read the way PostgreSQL and SQLite
//! split it: statements, skipping comments, quoted strings and identifiers,
//! and dollar-quoted bodies (so a PL/pgSQL `BEGIN … END` is not a statement),
//! and the `BEGIN … END` block inside a statement (a SQLite trigger's body,
//! PostgreSQL's `BEGIN ATOMIC`), whose `;` do not end it.

/// A statement's first word and the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub keyword: String,
    pub line: usize,
}

/// How many of a statement's first tokens [`heads`] keeps.
const HEAD: usize = 6;

/// The text without a leading byte-order mark, which PostgreSQL would read
/// as part of the first keyword.
pub fn without_bom(sql: &str) -> &str {
    sql.strip_prefix('\u{feff}').unwrap_or(sql)
}

/// Every statement's first word (upper-cased) with its line, in order.
pub fn statements(sql: &str) -> Vec<Statement> {
    scan(sql)
        .into_iter()
        .map(|(statement, _)| statement)
        .collect()
}

/// Each statement's first few tokens as written (comments left out).
fn heads(sql: &str) -> Vec<Vec<String>> {
    scan(sql).into_iter().map(|(_, head)| head).collect()
}

/// The extensions a migration creates (`CREATE EXTENSION [IF NOT EXISTS]
/// name`), by name as PostgreSQL folds it.
pub fn created_extensions(sql: &str) -> Vec<String> {
    heads(sql)
        .into_iter()
        .filter_map(|head| {
            let upper: Vec<String> = head.iter().map(|w| w.to_uppercase()).collect();
            if upper.first()? != "CREATE" || upper.get(1)? != "EXTENSION" {
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

/// Every statement with its first [`HEAD`] tokens.
fn scan(sql: &str) -> Vec<(Statement, Vec<String>)> {
    let chars: Vec<char> = without_bom(sql).chars().collect();
    let mut found: Vec<(Statement, Vec<String>)> = Vec::new();
    let mut line = 1;
    let mut at_start = true;
    let mut body = Body::default();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\n' => line += 1,
            '-' if next == Some('-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '/' if next == Some('*') => {
                i = skip_block_comment(&chars, i, &mut line);
                continue;
            }
            ';' if body.open => body.inner_start = true,
            ';' => {
                at_start = true;
                body = Body::default();
            }
            _ if c.is_whitespace() => {}
            _ => {
                let end = skip_token(&chars, i, &mut line);
                if let Some((_, head)) = found.last_mut().filter(|_| !at_start)
                    && head.len() < HEAD
                {
                    head.push(chars[i..end].iter().collect());
                }
                // Inside a statement only short words matter to a body
                // (CONSTRAINT and TEMPORARY are the longest): no copy of
                // the others.
                let word: String = if at_start || end - i <= 10 {
                    chars[i..end]
                        .iter()
                        .collect::<String>()
                        .to_ascii_uppercase()
                } else {
                    String::new()
                };
                if at_start {
                    let keyword: String = word
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    body.create = keyword == "CREATE";
                    let head = vec![chars[i..end].iter().collect()];
                    found.push((Statement { keyword, line }, head));
                    at_start = false;
                } else {
                    body.read(&word);
                }
                i = end;
                continue;
            }
        }
        i += 1;
    }
    found
}

/// The `BEGIN … END` body a statement may hold: a SQLite trigger's (after
/// `CREATE … TRIGGER … BEGIN`) or PostgreSQL's `BEGIN ATOMIC`. Inside it
/// `;` ends the body's statements, not the outer one, and the body ends at
/// an `END` that starts one of them (an `END` closing a `CASE`, or a column
/// named `end`, does not). Elsewhere `begin` and `end` are plain words.
#[derive(Default)]
struct Body {
    /// Still within `CREATE [OR REPLACE] [TEMP]…`; then whether TRIGGER followed.
    create: bool,
    trigger: bool,
    open: bool,
    /// At the start of one of the body's statements.
    inner_start: bool,
    cases: usize,
    /// The previous word was BEGIN (so ATOMIC opens a body).
    after_begin: bool,
}

impl Body {
    fn read(&mut self, word: &str) {
        if self.open {
            match word {
                "CASE" => self.cases += 1,
                "END" if self.cases > 0 => self.cases -= 1,
                "END" if self.inner_start => *self = Body::default(),
                _ => {}
            }
            self.inner_start = false;
        } else {
            // CREATE [OR REPLACE] [TEMP|TEMPORARY] [CONSTRAINT] TRIGGER: a
            // column named trigger later on is not one.
            self.trigger |= self.create && word == "TRIGGER";
            self.create &= matches!(word, "OR" | "REPLACE" | "TEMP" | "TEMPORARY" | "CONSTRAINT");
            if (word == "BEGIN" && self.trigger) || (word == "ATOMIC" && self.after_begin) {
                self.open = true;
                self.inner_start = true;
            }
        }
        self.after_begin = word == "BEGIN";
    }
}

/// Statements that end or start transactions, which must not appear in a
/// migration the runner wraps in its own transaction.
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
    statements(sql)
        .into_iter()
        .filter(|s| CONTROL.contains(&s.keyword.as_str()))
        .collect()
}

/// The SQL with every `CONCURRENTLY` keyword removed, for replaying a
/// migration that runs outside a transaction inside one (where PostgreSQL
/// refuses it): the objects it creates are the same.
pub fn without_concurrently(sql: &str) -> String {
    let chars: Vec<char> = without_bom(sql).chars().collect();
    let mut out = String::with_capacity(sql.len());
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let next = chars.get(i + 1).copied();
        let end = match chars[i] {
            '-' if next == Some('-') => {
                let mut j = i;
                while j < chars.len() && chars[j] != '\n' {
                    j += 1;
                }
                j
            }
            '/' if next == Some('*') => skip_block_comment(&chars, i, &mut line),
            c if c.is_whitespace() => i + 1,
            _ => skip_token(&chars, i, &mut line),
        };
        let token: String = chars[i..end].iter().collect();
        if !token.eq_ignore_ascii_case("CONCURRENTLY") {
            out.push_str(&token);
        }
        i = end;
    }
    out
}

/// `/* … */`, nested as PostgreSQL nests them; returns the index after it.
fn skip_block_comment(chars: &[char], start: usize, line: &mut usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i < chars.len() {
        match (chars[i], chars.get(i + 1)) {
            ('/', Some('*')) => {
                depth += 1;
                i += 2;
            }
            ('*', Some('/')) => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            (c, _) => {
                if c == '\n' {
                    *line += 1;
                }
                i += 1;
            }
        }
    }
    i
}

/// One token starting at `start` (a quoted string or identifier, a
/// dollar-quoted body, or any other character); returns the index after it.
fn skip_token(chars: &[char], start: usize, line: &mut usize) -> usize {
    let until = |close: &[char], from: usize, line: &mut usize| {
        let mut i = from;
        while i < chars.len() {
            if chars[i..].starts_with(close) {
                return i + close.len();
            }
            if chars[i] == '\n' {
                *line += 1;
            }
            i += 1;
        }
        i
    };
    match chars[start] {
        // A doubled quote inside is an escaped quote: the scan simply
        // closes and reopens, which lands in the same place.
        '\'' => until(&['\''], start + 1, line),
        '"' => until(&['"'], start + 1, line),
        '$' => {
            let tag_len = chars[start + 1..]
                .iter()
                .take_while(|c| c.is_alphanumeric() || **c == '_')
                .count();
            let end = start + 1 + tag_len;
            if chars.get(end) == Some(&'$') {
                let tag: Vec<char> = chars[start..=end].to_vec();
                until(&tag, end + 1, line)
            } else {
                start + 1
            }
        }
        c if c.is_alphanumeric() || c == '_' => {
            start
                + chars[start..]
                    .iter()
                    .take_while(|c| c.is_alphanumeric() || **c == '_' || **c == '$')
                    .count()
        }
        _ => start + 1,
    }
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

    #[test]
    fn a_comment_only_file_has_no_statements() {
        assert!(statements("-- nothing yet\n/* really */\n;\n").is_empty());
        assert!(statements("\u{feff}").is_empty());
    }
}
