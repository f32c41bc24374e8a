//! Definitions as text: PostgreSQL's and SQLite's tokens, schema qualifiers
//! removed, and the normal form two definitions are compared in (only as
//! far as PostgreSQL's own printing varies, after `pg_dump` / `pg_restore`
//! say).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lex {
    Space,
    Comment,
    Word,
    /// "identifier" (or SQLite's `identifier`).
    Quoted,
    /// 'literal', E'…', B'…', X'…', N'…'.
    Str,
    Number,
    /// $tag$ … $tag$.
    Dollar,
    Symbol,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    lex: Lex,
    start: usize,
    end: usize,
}

const OPERATOR_BYTES: &[u8] = b"+-*/<>=~!@#%^&|?";

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Splits SQL text into tokens that cover all of it, so it can be rebuilt
/// with some left out. Works on bytes: every delimiter is ASCII, and a
/// multi-byte character always ends up inside one token.
fn lex(sql: &str) -> Vec<Token> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let c = b[i];
        let next = b.get(i + 1).copied();
        let lex = if c.is_ascii_whitespace() {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            Lex::Space
        } else if c == b'-' && next == Some(b'-') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            Lex::Comment
        } else if c == b'/' && next == Some(b'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            Lex::Comment
        } else if c == b'\'' {
            i = quoted_end(b, i, false);
            Lex::Str
        } else if c == b'"' || c == b'`' {
            i = quoted_end(b, i, false);
            Lex::Quoted
        } else if c == b'$' && next.is_some_and(|n| n.is_ascii_digit()) {
            // A parameter ($1).
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            Lex::Word
        } else if c == b'$'
            && let Some(end) = dollar_end(b, i)
        {
            i = end;
            Lex::Dollar
        } else if c.is_ascii_digit() || (c == b'.' && next.is_some_and(|n| n.is_ascii_digit())) {
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            if i < b.len() && b[i].eq_ignore_ascii_case(&b'e') {
                let sign = usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
                if b.get(i + 1 + sign).is_some_and(|d| d.is_ascii_digit()) {
                    i += 1 + sign;
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            Lex::Number
        } else if is_word_byte(c) {
            while i < b.len() && (is_word_byte(b[i]) || b[i] == b'$') {
                i += 1;
            }
            // E'…' (backslash escapes), B'…', X'…', N'…' are one literal.
            if i - start == 1
                && b.get(i) == Some(&b'\'')
                && matches!(c.to_ascii_lowercase(), b'e' | b'b' | b'x' | b'n')
            {
                i = quoted_end(b, i, c.eq_ignore_ascii_case(&b'e'));
                Lex::Str
            } else {
                Lex::Word
            }
        } else if c == b':' && next == Some(b':') {
            i += 2;
            Lex::Symbol
        } else if OPERATOR_BYTES.contains(&c) {
            i += 1;
            while i < b.len()
                && OPERATOR_BYTES.contains(&b[i])
                && !b[i..].starts_with(b"--")
                && !b[i..].starts_with(b"/*")
            {
                i += 1;
            }
            Lex::Symbol
        } else {
            i += 1;
            Lex::Symbol
        };
        out.push(Token { lex, start, end: i });
    }
    out
}

/// The end of the quoted text opening at `open` (a doubled quote is one
/// quote inside); `backslash` for E'…'.
fn quoted_end(b: &[u8], open: usize, backslash: bool) -> usize {
    let quote = b[open];
    let mut j = open + 1;
    while j < b.len() {
        if backslash && b[j] == b'\\' {
            j += 2;
        } else if b[j] == quote {
            if b.get(j + 1) == Some(&quote) {
                j += 2;
            } else {
                return j + 1;
            }
        } else {
            j += 1;
        }
    }
    b.len()
}

/// The end of a dollar-quoted body opening at `open`, if a tag opens there.
fn dollar_end(b: &[u8], open: usize) -> Option<usize> {
    let mut j = open + 1;
    while j < b.len() && is_word_byte(b[j]) {
        j += 1;
    }
    if b.get(j) != Some(&b'$') {
        return None;
    }
    let tag = &b[open..=j];
    let body = j + 1;
    Some(
        b[body..]
            .windows(tag.len())
            .position(|w| w == tag)
            .map_or(b.len(), |p| body + p + tag.len()),
    )
}

/// An identifier's name: unquoted ones fold to lower case.
fn identifier(piece: &str, lex: Lex) -> String {
    match lex {
        Lex::Quoted => {
            let quote = &piece[..1];
            let inner = &piece[1..piece.len().saturating_sub(1).max(1)];
            inner.replace(&quote.repeat(2), quote)
        }
        _ => piece.to_lowercase(),
    }
}

/// `text` without qualifiers naming `schemas` or a temporary schema
/// (`public.users`, `pg_temp_3.users`, `'public.users_id_seq'::regclass`),
/// so the scratch and the live side print alike. Comments, literals and
/// dollar-quoted bodies are left alone.
pub(super) fn unqualified(text: &str, schemas: &[&str]) -> String {
    let is_schema = |name: &str| {
        schemas.contains(&name)
            || name == "pg_temp"
            || name
                .strip_prefix("pg_temp_")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let tokens = lex(text);
    let piece = |t: &Token| &text[t.start..t.end];
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        let qualifier = matches!(token.lex, Lex::Word | Lex::Quoted)
            && tokens.get(i + 1).is_some_and(|n| piece(n) == ".")
            && (i == 0 || piece(&tokens[i - 1]) != ".")
            && is_schema(&identifier(piece(token), token.lex));
        if qualifier {
            i += 2;
            continue;
        }
        let mut after = tokens[i + 1..].iter().filter(|t| t.lex != Lex::Space);
        let regclass = token.lex == Lex::Str
            && after.next().is_some_and(|t| piece(t) == "::")
            && after
                .next()
                .is_some_and(|t| piece(t).eq_ignore_ascii_case("regclass"));
        let literal = piece(token);
        match literal
            .strip_prefix('\'')
            .and_then(|l| l.strip_suffix('\''))
            .and_then(|inner| inner.split_once('.'))
        {
            Some((schema, name)) if regclass && is_schema(schema.trim_matches('"')) => {
                out.push_str(&format!("'{name}'"));
            }
            _ => out.push_str(literal),
        }
        i += 1;
    }
    out
}

/// Whether two definitions mean the same as far as their text tells.
pub(super) fn same(a: &str, b: &str) -> bool {
    a == b || canonical(a) == canonical(b)
}

/// Casts PostgreSQL adds or leaves out when it prints a definition again
/// (after a dump and restore `'x'::character varying` in an array becomes
/// `('x'::character varying)::text`): text-like types and their arrays.
const TEXT_TYPES: [&[&str]; 6] = [
    &["character", "varying"],
    &["character"],
    &["varchar"],
    &["text"],
    &["bpchar"],
    &["name"],
];

/// Words that join or introduce expressions: never an atom, and a
/// parenthesis after them only groups.
const OPERATOR_WORDS: [&str; 24] = [
    "and",
    "or",
    "not",
    "is",
    "isnull",
    "notnull",
    "like",
    "ilike",
    "similar",
    "between",
    "symmetric",
    "escape",
    "case",
    "when",
    "then",
    "else",
    "end",
    "distinct",
    "from",
    "collate",
    "at",
    "overlaps",
    "where",
    "to",
];

/// Words whose parenthesis belongs to them (`= ANY (…)`, `IN (…)`): never
/// an atom either.
const SYNTAX_WORDS: [&str; 6] = ["any", "all", "some", "exists", "in", "values"];

type Canon = Vec<(Lex, String)>;

/// A definition reduced for comparison: no whitespace or comments,
/// unquoted words in lower case, identifiers quoted without need unquoted,
/// casts to text-like types dropped, and parentheses around a single atom
/// removed (those around a compound expression stay: `(a OR b) AND c` is
/// not `a OR (b AND c)`).
fn canonical(text: &str) -> Vec<String> {
    unwrap_atoms(without_text_casts(tokens(text)))
        .into_iter()
        .map(|(_, text)| text)
        .collect()
}

/// The tokens that count: no whitespace or comments, words in lower case,
/// needless quotes gone. A dollar-quoted body (a function's) is compared
/// token by token too, so its layout does not count either.
fn tokens(text: &str) -> Canon {
    let mut out = Canon::new();
    for t in lex(text) {
        let piece = &text[t.start..t.end];
        match t.lex {
            Lex::Space | Lex::Comment => {}
            Lex::Word => out.push((Lex::Word, piece.to_lowercase())),
            Lex::Quoted => {
                let name = identifier(piece, Lex::Quoted);
                let plain = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                    && name.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$'
                    });
                out.push(if plain {
                    (Lex::Word, name)
                } else {
                    (Lex::Quoted, piece.to_string())
                });
            }
            Lex::Dollar => {
                // `$tag$ … $tag$`: whichever tag, the body is what counts.
                let tag = piece[1..].find('$').map_or(piece.len(), |end| end + 2);
                let inner = piece
                    .get(tag..piece.len().saturating_sub(tag))
                    .unwrap_or_default();
                out.push((Lex::Symbol, "$$(".to_string()));
                out.extend(tokens(inner));
                out.push((Lex::Symbol, ")$$".to_string()));
            }
            lex => out.push((lex, piece.to_string())),
        }
    }
    out
}

fn is(t: &Canon, i: usize, text: &str) -> bool {
    t.get(i).is_some_and(|(_, x)| x == text)
}

/// `::` and a text-like type, with its length and array brackets, left out.
fn without_text_casts(t: Canon) -> Canon {
    let mut out = Vec::with_capacity(t.len());
    let mut i = 0;
    while i < t.len() {
        if t[i].1 == "::"
            && let Some(end) = text_type_end(&t, i + 1)
        {
            i = end;
            continue;
        }
        out.push(t[i].clone());
        i += 1;
    }
    out
}

fn text_type_end(t: &Canon, mut i: usize) -> Option<usize> {
    if is(t, i, "pg_catalog") && is(t, i + 1, ".") {
        i += 2;
    }
    let words = TEXT_TYPES
        .iter()
        .filter(|ty| ty.iter().enumerate().all(|(k, w)| is(t, i + k, w)))
        .map(|ty| ty.len())
        .max()?;
    i += words;
    if is(t, i, "(") && is(t, i + 2, ")") {
        i += 3;
    }
    while is(t, i, "[") && is(t, i + 1, "]") {
        i += 2;
    }
    Some(i)
}

/// The index of the bracket closing the one at `open`.
fn closing(t: &Canon, open: usize) -> Option<usize> {
    let (open_text, close_text) = match t.get(open)?.1.as_str() {
        "(" => ("(", ")"),
        "[" => ("[", "]"),
        _ => return None,
    };
    let mut depth = 0usize;
    for (i, (lex, text)) in t.iter().enumerate().skip(open) {
        if *lex != Lex::Symbol {
            continue;
        }
        if text == open_text {
            depth += 1;
        } else if text == close_text {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Where the atom starting at `s` ends: a literal, number, identifier
/// (qualified), function call, `ARRAY[…]` or parenthesised group, with any
/// subscripts and casts (which bind tighter than every operator).
fn atom_end(t: &Canon, s: usize) -> Option<usize> {
    let (lex, text) = t.get(s)?;
    let keyword = *lex == Lex::Word
        && (OPERATOR_WORDS.contains(&text.as_str()) || SYNTAX_WORDS.contains(&text.as_str()));
    let mut i = match lex {
        Lex::Str | Lex::Number | Lex::Dollar => s + 1,
        Lex::Symbol if text == "(" => closing(t, s)? + 1,
        Lex::Word if text == "array" && is(t, s + 1, "[") => closing(t, s + 1)? + 1,
        Lex::Word | Lex::Quoted if !keyword => {
            if is(t, s + 1, "(") {
                closing(t, s + 1)? + 1
            } else {
                s + 1
            }
        }
        _ => return None,
    };
    loop {
        if is(t, i, ".") && matches!(t.get(i + 1), Some((Lex::Word | Lex::Quoted, _))) {
            i += 2;
        } else if is(t, i, "[") {
            i = closing(t, i)? + 1;
        } else if is(t, i, "::") {
            i = type_end(t, i + 1)?;
        } else {
            return Some(i);
        }
    }
}

/// The end of a type name after `::` (`timestamp without time zone`,
/// `numeric(10,2)`, `integer[]`).
fn type_end(t: &Canon, start: usize) -> Option<usize> {
    let mut i = start;
    while let Some((Lex::Word | Lex::Quoted, word)) = t.get(i) {
        if OPERATOR_WORDS.contains(&word.as_str()) || SYNTAX_WORDS.contains(&word.as_str()) {
            break;
        }
        i += if is(t, i + 1, ".") { 2 } else { 1 };
    }
    if i == start {
        return None;
    }
    if is(t, i, "(") {
        i = closing(t, i)? + 1;
    }
    while is(t, i, "[") && is(t, i + 1, "]") {
        i += 2;
    }
    Some(i)
}

/// Parentheses that only wrap one atom, left out. Not those of a call or
/// of syntax (`f(x)`, `= ANY (…)`, `CHECK (…)`, `USING btree (…)`): only
/// where a parenthesis can merely group.
fn unwrap_atoms(mut t: Canon) -> Canon {
    let mut i = 0;
    while i < t.len() {
        let groups = t[i].0 == Lex::Symbol
            && t[i].1 == "("
            && match i.checked_sub(1).map(|p| &t[p]) {
                None => true,
                Some((Lex::Word, word)) => OPERATOR_WORDS.contains(&word.as_str()),
                Some((Lex::Symbol, symbol)) => symbol != ")" && symbol != "]",
                Some(_) => false,
            };
        if groups
            && let Some(close) = closing(&t, i)
            && atom_end(&t, i + 1) == Some(close)
        {
            t.remove(close);
            t.remove(i);
            // What was inside may be a group that unwraps too.
            continue;
        }
        i += 1;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    /// payment_transactions_status_check as the Node runner's database
    /// prints it, and as the same database prints it after pg_dump /
    /// pg_restore (tests/data/node-runner/README.md).
    const CREATED: &str = "CHECK (((status)::text = ANY ((ARRAY['pending'::character varying, \
         'completed'::character varying, 'failed'::character varying, \
         'refunded'::character varying])::text[])))";
    const RESTORED: &str = "CHECK (((status)::text = ANY (ARRAY[('pending'::character \
         varying)::text, ('completed'::character varying)::text, ('failed'::character \
         varying)::text, ('refunded'::character varying)::text])))";

    #[test]
    fn a_restored_check_equals_the_created_one() {
        assert!(same(CREATED, RESTORED));
    }

    #[test]
    fn another_value_or_column_differs() {
        let other_value = RESTORED.replace("'refunded'", "'disputed'");
        let other_column = RESTORED.replace("(status)", "(state)");
        let fewer = CREATED.replace(", 'refunded'::character varying", "");
        for changed in [&other_value, &other_column, &fewer] {
            assert!(!same(CREATED, changed), "{changed}");
        }
    }

    #[test]
    fn grouping_of_compound_expressions_counts() {
        assert!(!same(
            "CHECK (((a OR b) AND c))",
            "CHECK ((a OR (b AND c)))"
        ));
        assert!(same("CHECK (((a OR b)) AND c)", "CHECK ((a OR b) AND c)"));
        assert!(same("CHECK (((a)) AND (b))", "CHECK (a AND b)"));
        // The parentheses of calls and syntax stay.
        assert!(!same("lower(email)", "lower email"));
        assert!(!same(
            "CREATE INDEX i ON t USING btree (a, b)",
            "CREATE INDEX i ON t USING btree a, b"
        ));
    }

    #[test]
    fn only_text_like_casts_are_dropped() {
        assert!(same("'home'::text", "'home'"));
        assert!(same("'{}'::text[]", "'{}'::character varying(20)[]"));
        assert!(!same("0::integer", "0"));
        assert!(!same("'1 day'::interval", "'1 day'"));
    }

    #[test]
    fn layout_case_comments_and_needless_quotes_do_not_count() {
        assert!(same(
            "CREATE TABLE \"users\" (\n  id INTEGER PRIMARY KEY, -- the key\n  email TEXT\n)",
            "create table users (id integer primary key, email text)"
        ));
        assert!(!same("'Pending'", "'pending'"));
        assert!(!same("\"Users\"", "users"));
    }

    #[test]
    fn a_function_body_differs_by_its_tokens_not_its_layout() {
        let body = "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $function$\nBEGIN\n  \
                    NEW.updated_at = now();\n  RETURN NEW;\nEND;\n$function$";
        let relaid = "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ begin\n\
                      new.updated_at = now(); -- touch\nreturn new; end; $$";
        assert!(same(body, relaid));
        assert!(!same(body, &body.replace("now()", "clock_timestamp()")));
        assert!(!same("AS $$ SELECT 'a  b' $$", "AS $$ SELECT 'a b' $$"));
    }

    #[test]
    fn schema_qualifiers_go_literals_and_bodies_stay() {
        let schemas = ["public", "bxm_scratch_42"];
        assert_eq!(
            unqualified(
                "CREATE INDEX i ON public.users USING btree (email)",
                &schemas
            ),
            "CREATE INDEX i ON users USING btree (email)"
        );
        assert_eq!(
            unqualified(
                "CREATE INDEX i ON pg_temp.users USING btree (email)",
                &schemas
            ),
            "CREATE INDEX i ON users USING btree (email)"
        );
        assert_eq!(
            unqualified(
                "FOREIGN KEY (user_id) REFERENCES pg_temp_3.users(id)",
                &schemas
            ),
            "FOREIGN KEY (user_id) REFERENCES users(id)"
        );
        assert_eq!(
            unqualified("nextval('public.notes_id_seq'::regclass)", &schemas),
            "nextval('notes_id_seq'::regclass)"
        );
        let kept = "'public.x' || other.public.y || $$ SELECT public.f() $$";
        assert_eq!(unqualified(kept, &schemas), kept);
        assert_eq!(
            unqualified(
                "CREATE OR REPLACE FUNCTION bxm_scratch_42.touch()\n RETURNS trigger",
                &schemas
            ),
            "CREATE OR REPLACE FUNCTION touch()\n RETURNS trigger"
        );
    }
}
