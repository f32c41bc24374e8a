//! Migrations 001–005 reproduce the Node.js runner's production schema
//! exactly: the live catalog after a full run, read with the same functions
//! the reference used, equals tests/data/node-runner/catalog.json object by
//! object; and the SQLite set mirrors it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::support::{PgDb, SqliteDb, migrate};

/// Read from a real PostgreSQL 15 database the Node.js runner's 001–005 created.
const REFERENCE: &str = include_str!("../data/node-runner/catalog.json");

fn reference() -> Value {
    serde_json::from_str(REFERENCE).expect("tests/data/node-runner/catalog.json is JSON")
}

/// Tables that are the runners' bookkeeping, not the application's schema.
const NOT_OURS_PG: &str = "c.relname NOT IN ('migrations', '__diesel_schema_migrations') \
                           AND left(c.relname, 4) <> 'bxm_'";

/// Each row's one JSON column `v`, parsed.
fn json_rows(db: &PgDb, sql: &str) -> Vec<Value> {
    db.strings(sql)
        .iter()
        .map(|row| serde_json::from_str(row).unwrap_or_else(|e| panic!("{row}: {e}")))
        .collect()
}

fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_string()
}

/// The live schema `public` in the reference's shape:
/// `{"functions": [...], "tables": {name: {columns, constraints, indexes, triggers}}}`.
fn live_catalog(db: &PgDb) -> Value {
    let mut tables = serde_json::Map::new();
    for name in db.strings(&format!(
        "SELECT c.relname::text AS v FROM pg_class c \
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') \
         AND {NOT_OURS_PG} ORDER BY 1"
    )) {
        tables.insert(
            name,
            serde_json::json!({"columns": [], "constraints": {}, "indexes": {}, "triggers": {}}),
        );
    }
    let in_scope = format!(
        "c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND {NOT_OURS_PG}"
    );

    for row in json_rows(
        db,
        &format!(
            "SELECT json_build_object('table', c.relname, 'name', a.attname, \
             'type', format_type(a.atttypid, a.atttypmod), 'not_null', a.attnotnull, \
             'default', coalesce(pg_get_expr(d.adbin, d.adrelid), ''))::text AS v \
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             WHERE {in_scope} AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY c.relname, a.attnum"
        ),
    ) {
        let table = text(&row, "table");
        let column = serde_json::json!({
            "name": row["name"], "type": row["type"],
            "not_null": row["not_null"], "default": row["default"],
        });
        tables[&table]["columns"]
            .as_array_mut()
            .unwrap()
            .push(column);
    }

    for row in json_rows(
        db,
        &format!(
            "SELECT json_build_object('table', c.relname, 'name', k.conname, \
             'kind', CASE k.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique' \
             WHEN 'f' THEN 'foreign key' WHEN 'c' THEN 'check' WHEN 'x' THEN 'exclusion' \
             ELSE k.contype::text END, \
             'definition', pg_get_constraintdef(k.oid))::text AS v \
             FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid WHERE {in_scope}"
        ),
    ) {
        let constraint = serde_json::json!({"kind": row["kind"], "definition": row["definition"]});
        tables[&text(&row, "table")]["constraints"][text(&row, "name")] = constraint;
    }

    for row in json_rows(
        db,
        &format!(
            "SELECT json_build_object('table', c.relname, 'name', i.indexname, \
             'definition', replace(i.indexdef, ' ON public.', ' ON '))::text AS v \
             FROM pg_indexes i JOIN pg_class c \
             ON c.relname = i.tablename AND c.relnamespace = 'public'::regnamespace \
             WHERE i.schemaname = 'public' AND {in_scope}"
        ),
    ) {
        tables[&text(&row, "table")]["indexes"][text(&row, "name")] = row["definition"].clone();
    }

    for row in json_rows(
        db,
        &format!(
            "SELECT json_build_object('table', c.relname, 'name', t.tgname, \
             'definition', pg_get_triggerdef(t.oid))::text AS v \
             FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
             WHERE NOT t.tgisinternal AND {in_scope}"
        ),
    ) {
        tables[&text(&row, "table")]["triggers"][text(&row, "name")] = row["definition"].clone();
    }

    let functions = db.strings(
        "SELECT p.oid::regprocedure::text AS v FROM pg_proc p \
         WHERE p.pronamespace = 'public'::regnamespace ORDER BY 1",
    );
    serde_json::json!({"functions": functions, "tables": tables})
}

/// A constraint definition in one spelling. After a dump and restore,
/// PostgreSQL prints a varchar column's `IN (...)` check with each element
/// cast (`ARRAY[('a'::character varying)::text, ...]`) instead of the array
/// (`(ARRAY['a'::character varying, ...])::text[]`): the same constraint.
fn normalize_definition(definition: &str) -> String {
    definition
        .replace("((ARRAY[", "(ARRAY[")
        .replace("])::text[])", "])")
        .replace("ARRAY[('", "ARRAY['")
        .replace(", ('", ", '")
        .replace("::character varying)::text", "::character varying")
}

/// Every difference between `expected` and `found` (both in the reference's
/// shape), one line each.
fn differences(expected: &Value, found: &Value) -> Vec<String> {
    let mut diffs = Vec::new();
    let names = |v: &Value| -> BTreeSet<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };

    let functions = |v: &Value| -> BTreeSet<String> {
        v["functions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                f.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| f.to_string())
            })
            .collect()
    };
    let (want, have) = (functions(expected), functions(found));
    diffs.extend(
        want.difference(&have)
            .map(|f| format!("missing function {f}")),
    );
    diffs.extend(
        have.difference(&want)
            .map(|f| format!("extra function {f}")),
    );

    let (want, have) = (names(&expected["tables"]), names(&found["tables"]));
    diffs.extend(want.difference(&have).map(|t| format!("missing table {t}")));
    diffs.extend(have.difference(&want).map(|t| format!("extra table {t}")));

    for table in want.intersection(&have) {
        let (e, f) = (&expected["tables"][table], &found["tables"][table]);

        // Columns: by name, then their order among the ones both have.
        let columns = |v: &Value| -> Vec<Value> { v["columns"].as_array().unwrap().clone() };
        let (e_cols, f_cols) = (columns(e), columns(f));
        let by_name = |cols: &[Value]| -> BTreeMap<String, Value> {
            cols.iter().map(|c| (text(c, "name"), c.clone())).collect()
        };
        let (e_by, f_by) = (by_name(&e_cols), by_name(&f_cols));
        for (name, ec) in &e_by {
            let Some(fc) = f_by.get(name) else {
                diffs.push(format!("missing column {table}.{name}"));
                continue;
            };
            let shown = |c: &Value, key: &str| match text(c, key) {
                s if s.is_empty() => "(none)".to_string(),
                s => s,
            };
            for key in ["type", "default"] {
                if ec[key] != fc[key] {
                    diffs.push(format!(
                        "column {table}.{name}: {key} {} expected, {} found",
                        shown(ec, key),
                        shown(fc, key)
                    ));
                }
            }
            if ec["not_null"] != fc["not_null"] {
                diffs.push(format!(
                    "column {table}.{name}: not_null {} expected, {} found",
                    ec["not_null"], fc["not_null"]
                ));
            }
        }
        for name in f_by.keys().filter(|n| !e_by.contains_key(*n)) {
            diffs.push(format!("extra column {table}.{name}"));
        }
        let order = |cols: &[Value], other: &BTreeMap<String, Value>| -> Vec<String> {
            cols.iter()
                .map(|c| text(c, "name"))
                .filter(|n| other.contains_key(n))
                .collect()
        };
        let (e_order, f_order) = (order(&e_cols, &f_by), order(&f_cols, &e_by));
        for (i, (en, fname)) in e_order.iter().zip(&f_order).enumerate() {
            if en != fname {
                diffs.push(format!(
                    "table {table}: column {} expected at position {}, {fname} found",
                    en,
                    i + 1
                ));
            }
        }

        // Constraints, indexes and triggers: by name.
        for (kind, what) in [
            ("constraints", "constraint"),
            ("indexes", "index"),
            ("triggers", "trigger"),
        ] {
            let (want, have) = (names(&e[kind]), names(&f[kind]));
            diffs.extend(
                want.difference(&have)
                    .map(|n| format!("missing {what} {n} (on {table})")),
            );
            diffs.extend(
                have.difference(&want)
                    .map(|n| format!("extra {what} {n} (on {table})")),
            );
            for name in want.intersection(&have) {
                let (ev, fv) = (&e[kind][name], &f[kind][name]);
                if kind == "constraints" {
                    if ev["kind"] != fv["kind"] {
                        diffs.push(format!(
                            "constraint {name} (on {table}): kind {} expected, {} found",
                            ev["kind"], fv["kind"]
                        ));
                    }
                    let (ed, fd) = (text(ev, "definition"), text(fv, "definition"));
                    if normalize_definition(&ed) != normalize_definition(&fd) {
                        diffs.push(format!(
                            "constraint {name} (on {table}): {ed} expected, {fd} found"
                        ));
                    }
                } else if ev != fv {
                    let (ed, fd) = (
                        ev.as_str().unwrap_or_default(),
                        fv.as_str().unwrap_or_default(),
                    );
                    diffs.push(format!(
                        "{what} {name} (on {table}): {ed} expected, {fd} found"
                    ));
                }
            }
        }
    }
    diffs
}

#[test]
fn postgres_schema_is_the_node_runners_exactly() {
    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    let diffs = differences(&reference(), &live_catalog(&db));
    assert!(
        diffs.is_empty(),
        "{} difference(s) from tests/data/node-runner/catalog.json:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// The comparison itself: a dump-and-restore spelling is the same check, a
/// changed value list or column is not, and every kind of drift is reported.
#[test]
fn the_comparison_sees_real_changes_only() {
    let created = "CHECK (((status)::text = ANY ((ARRAY['pending'::character varying, \
                   'completed'::character varying, 'failed'::character varying, \
                   'refunded'::character varying])::text[])))";
    let restored = "CHECK (((status)::text = ANY (ARRAY[('pending'::character varying)::text, \
                    ('completed'::character varying)::text, ('failed'::character varying)::text, \
                    ('refunded'::character varying)::text])))";
    assert_eq!(
        normalize_definition(created),
        normalize_definition(restored)
    );
    let other_value = restored.replace("'refunded'", "'disputed'");
    assert_ne!(
        normalize_definition(created),
        normalize_definition(&other_value)
    );
    let other_column = restored.replace("(status)", "(payment_method)");
    assert_ne!(
        normalize_definition(created),
        normalize_definition(&other_column)
    );

    let expected = reference();
    assert!(differences(&expected, &expected).is_empty());
    let mut drifted = expected.clone();
    let users = &mut drifted["tables"]["users"];
    users["columns"].as_array_mut().unwrap().remove(4); // password
    users["columns"][0]["type"] = "text".into();
    users["indexes"]["idx_x"] = "CREATE INDEX idx_x ON users USING btree (phone)".into();
    users["constraints"]["users_role_check"]["definition"] = "CHECK (true)".into();
    drifted["tables"]["payment_transactions"]["constraints"]["payment_transactions_status_check"]
        ["definition"] = restored.into();
    drifted["functions"] = serde_json::json!(["set_updated_at()"]);
    assert_eq!(
        differences(&expected, &drifted),
        [
            "extra function set_updated_at()",
            "column users.id: type uuid expected, text found",
            "missing column users.password",
            "constraint users_role_check (on users): CHECK ((role = ANY (ARRAY['user'::text, \
             'provider'::text, 'admin'::text]))) expected, CHECK (true) found",
            "extra index idx_x (on users)",
        ]
    );
}

/// The SQLite set mirrors the same schema: the same tables, columns in the
/// same order with the same nullability, the same primary-key and unique
/// columns, and the same explicit (`idx_*`) indexes. Indexes behind primary
/// keys and unique constraints are compared through those constraints, not by
/// name: PostgreSQL names them `<table>_pkey` / `<table>_<columns>_key`,
/// SQLite `sqlite_autoindex_<table>_<n>`.
#[test]
fn sqlite_schema_mirrors_the_node_runners() {
    let db = SqliteDb::new();
    migrate(&db.url(), &[]).assert_code(0);
    let reference = reference();
    let tables = reference["tables"].as_object().unwrap();
    let mut diffs = Vec::new();

    let lite_tables: BTreeSet<String> = db
        .strings(
            "SELECT name AS v FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name NOT IN ('migrations', '__diesel_schema_migrations') \
             AND substr(name, 1, 4) <> 'bxm_'",
        )
        .into_iter()
        .collect();
    let want: BTreeSet<String> = tables.keys().cloned().collect();
    diffs.extend(
        want.difference(&lite_tables)
            .map(|t| format!("missing table {t}")),
    );
    diffs.extend(
        lite_tables
            .difference(&want)
            .map(|t| format!("extra table {t}")),
    );

    for (table, def) in tables.iter().filter(|(t, _)| lite_tables.contains(*t)) {
        let expected: Vec<String> = def["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| format!("{} not_null={}", text(c, "name"), c["not_null"]))
            .collect();
        let found = db.strings(&format!(
            "SELECT name || ' not_null=' || CASE WHEN \"notnull\" THEN 'true' ELSE 'false' END AS v \
             FROM pragma_table_info('{table}') ORDER BY cid"
        ));
        if found != expected {
            diffs.push(format!(
                "table {table}: columns {expected:?} expected, {found:?} found"
            ));
        }

        // Key columns, from the constraint definitions: "PRIMARY KEY (a, b)".
        let key_columns = |kind: &str| -> BTreeSet<String> {
            def["constraints"]
                .as_object()
                .unwrap()
                .values()
                .filter(|c| c["kind"] == kind)
                .map(|c| {
                    let d = text(c, "definition");
                    d[d.find('(').unwrap() + 1..d.find(')').unwrap()].replace(' ', "")
                })
                .collect()
        };
        let lite_key_columns = |origin: &str| -> BTreeSet<String> {
            db.strings(&format!(
                "SELECT (SELECT group_concat(name, ',') FROM \
                 (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno)) AS v \
                 FROM pragma_index_list('{table}') il WHERE il.origin = '{origin}'"
            ))
            .into_iter()
            .collect()
        };
        // A TEXT primary key is backed by an autoindex (origin 'pk').
        for (kind, origin) in [("primary key", "pk"), ("unique", "u")] {
            let (e, f) = (key_columns(kind), lite_key_columns(origin));
            if e != f {
                diffs.push(format!("table {table}: {kind} {e:?} expected, {f:?} found"));
            }
        }

        let backed: BTreeSet<&String> = def["constraints"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, c)| c["kind"] == "primary key" || c["kind"] == "unique")
            .map(|(n, _)| n)
            .collect();
        let expected: BTreeSet<String> = def["indexes"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|n| !backed.contains(n))
            .cloned()
            .collect();
        let found: BTreeSet<String> = db
            .strings(&format!(
                "SELECT name AS v FROM pragma_index_list('{table}') WHERE origin = 'c'"
            ))
            .into_iter()
            .collect();
        diffs.extend(
            expected
                .difference(&found)
                .map(|n| format!("missing index {n} (on {table})")),
        );
        diffs.extend(
            found
                .difference(&expected)
                .map(|n| format!("extra index {n} (on {table})")),
        );
    }
    assert!(
        diffs.is_empty(),
        "{} difference(s) from tests/data/node-runner/catalog.json:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}
