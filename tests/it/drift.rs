//! Schema drift: the objects the migrations define against those a real
//! database has (`buildxpert_migrate::drift`), on PostgreSQL and SQLite,
//! including a database moved with pg_dump / pg_restore, and the guarantee
//! that comparing leaves nothing behind, even when killed half-way.

use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use buildxpert_migrate::catalog::Catalog;
use buildxpert_migrate::config::{Backend, Settings, Target, UrlSource};
use buildxpert_migrate::drift::{Change, Difference, Scope, Scratch, compare};
use buildxpert_migrate::engine::AnyConnection;

use crate::support::{
    PgDb, SqliteDb, assert_same_schema, migrate, scratch_databases_left, strings,
};

/// The runner's tracking tables, which no migration creates.
const TRACKING: &[&str] = &[
    "migrations",
    "__diesel_schema_migrations",
    "bxm_migration_actions",
    "bxm_expected_schema",
];

/// A small schema in three files: with a BOM, and a comment-only file.
const PG_USERS: &str = "\u{feff}-- 001 users\n\
    CREATE TABLE IF NOT EXISTS users (\n\
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),\n\
        email TEXT UNIQUE,\n\
        role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),\n\
        created_at TIMESTAMP DEFAULT NOW()\n\
    );\n\
    CREATE INDEX IF NOT EXISTS idx_users_role ON users (role);\n";
const COMMENT_ONLY: &str = "-- 002: nothing yet\n/* really */\n";
const PG_PAYMENTS: &str = "CREATE TABLE IF NOT EXISTS payment_transactions (\n\
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),\n\
        user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,\n\
        amount NUMERIC(10,2) NOT NULL DEFAULT 0,\n\
        status VARCHAR(20) DEFAULT 'pending' \
            CHECK (status IN ('pending', 'completed', 'failed', 'refunded')),\n\
        created_at TIMESTAMP DEFAULT NOW()\n\
    );\n\
    CREATE INDEX IF NOT EXISTS idx_payment_transactions_status \
        ON payment_transactions (status) WHERE status <> 'completed';\n";
const PG_FIXTURE: [&str; 3] = [PG_USERS, COMMENT_ONLY, PG_PAYMENTS];

/// A function its trigger and a SERIAL default call: pg_temp cannot hold
/// that (PostgreSQL never looks for functions there), so the replay needs
/// its scratch schema.
const PG_TRIGGERS: &str = "CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger \
    LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at = NOW(); RETURN NEW; END $$;\n\
    CREATE TABLE IF NOT EXISTS notes (id SERIAL PRIMARY KEY, body TEXT NOT NULL, \
        updated_at TIMESTAMP DEFAULT NOW());\n\
    CREATE TRIGGER notes_touch BEFORE UPDATE ON notes \
        FOR EACH ROW EXECUTE FUNCTION touch_updated_at();\n";

fn pg_fixture(files: &[&str]) -> PgDb {
    let db = PgDb::new();
    // PostgreSQL refuses an empty query; compare() skips such files itself.
    for sql in files.iter().filter(|sql| **sql != COMMENT_ONLY) {
        db.execute(sql.trim_start_matches('\u{feff}'));
    }
    db
}

/// Where a comparison of the database at `url` replays: a scratch
/// database on its own server.
struct On {
    target: Target,
    settings: Settings,
}

impl On {
    fn new(url: &str) -> On {
        On {
            target: Target::parse(url, UrlSource::Flag).unwrap(),
            settings: Settings::default(),
        }
    }

    fn scratch(&self) -> Scratch<'_> {
        Scratch {
            target: &self.target,
            server: None,
            settings: &self.settings,
        }
    }
}

fn pg_compare(db: &PgDb, files: &[&str], scope: Scope<'_>) -> Vec<Difference> {
    let on = On::new(&db.url);
    compare(
        &mut AnyConnection::Pg(db.conn()),
        &on.scratch(),
        files,
        scope,
    )
    .unwrap()
}

fn lines(differences: &[Difference]) -> Vec<String> {
    differences.iter().map(ToString::to_string).collect()
}

fn embedded_up_sqls(backend: Backend) -> Vec<String> {
    Catalog::embedded(backend)
        .unwrap()
        .entries()
        .iter()
        .map(|e| e.up_sql.clone())
        .collect()
}

#[test]
fn the_migrated_schema_matches_the_embedded_migrations() {
    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    let sqls = embedded_up_sqls(Backend::Postgres);
    let sqls: Vec<&str> = sqls.iter().map(String::as_str).collect();
    let scope = Scope::Schema { ignore: TRACKING };
    assert_eq!(lines(&pg_compare(&db, &sqls, scope)), Vec::<String>::new());
    assert_eq!(
        lines(&pg_compare(&db, &sqls, Scope::Tables)),
        Vec::<String>::new()
    );
    // Without the tracking tables ignored, exactly those are extra.
    let extra: Vec<String> = pg_compare(&db, &sqls, Scope::Schema { ignore: &[] })
        .into_iter()
        .map(|d| {
            assert_eq!(d.change, Change::Extra, "{d}");
            d.table
        })
        .collect();
    assert_eq!(
        extra,
        [
            "__diesel_schema_migrations",
            "bxm_expected_schema",
            "bxm_migration_actions",
            "migrations"
        ]
    );
}

#[test]
fn a_clean_fixture_has_no_differences() {
    let db = pg_fixture(&PG_FIXTURE);
    assert!(pg_compare(&db, &PG_FIXTURE, Scope::Schema { ignore: &[] }).is_empty());
    assert!(pg_compare(&db, &PG_FIXTURE, Scope::Tables).is_empty());
}

#[test]
fn a_dropped_index_is_missing() {
    let db = pg_fixture(&PG_FIXTURE);
    db.execute("DROP INDEX idx_users_role");
    let found = pg_compare(&db, &PG_FIXTURE, Scope::Tables);
    assert_eq!(lines(&found), ["missing index idx_users_role"]);
    assert_eq!(found[0].table, "users");
    assert_eq!(
        found[0].expected.as_deref(),
        Some("CREATE INDEX idx_users_role ON users USING btree (role)")
    );
}

#[test]
fn a_dropped_column_is_missing_and_an_added_one_extra() {
    let db = pg_fixture(&PG_FIXTURE);
    db.execute(
        "ALTER TABLE payment_transactions DROP COLUMN created_at; \
         ALTER TABLE users ADD COLUMN nickname TEXT",
    );
    let found = pg_compare(&db, &PG_FIXTURE, Scope::Tables);
    assert_eq!(
        lines(&found),
        [
            "missing column payment_transactions.created_at",
            "extra column users.nickname",
        ]
    );
    assert_eq!(
        found[0].expected.as_deref(),
        Some("timestamp without time zone DEFAULT now()")
    );
    assert_eq!(found[1].found.as_deref(), Some("text"));
}

#[test]
fn a_changed_type_default_or_check_is_changed() {
    let db = pg_fixture(&PG_FIXTURE);
    db.execute(
        "ALTER TABLE payment_transactions ALTER COLUMN amount TYPE numeric; \
         ALTER TABLE users ALTER COLUMN role SET DEFAULT 'admin'; \
         ALTER TABLE payment_transactions DROP CONSTRAINT payment_transactions_status_check; \
         ALTER TABLE payment_transactions ADD CONSTRAINT payment_transactions_status_check \
         CHECK (status IN ('pending', 'completed', 'failed', 'disputed'))",
    );
    let found = pg_compare(&db, &PG_FIXTURE, Scope::Tables);
    assert_eq!(
        lines(&found),
        [
            "column payment_transactions.amount: numeric(10,2) NOT NULL DEFAULT 0 expected, \
             numeric NOT NULL DEFAULT 0 found",
            "constraint payment_transactions_status_check: CHECK (((status)::text = ANY \
             ((ARRAY['pending'::character varying, 'completed'::character varying, \
             'failed'::character varying, 'refunded'::character varying])::text[]))) expected, \
             CHECK (((status)::text = ANY ((ARRAY['pending'::character varying, \
             'completed'::character varying, 'failed'::character varying, \
             'disputed'::character varying])::text[]))) found",
            "column users.role: text NOT NULL DEFAULT 'user'::text expected, \
             text NOT NULL DEFAULT 'admin'::text found",
        ]
    );
    assert!(found.iter().all(|d| d.change == Change::Changed));
}

#[test]
fn a_dropped_constraint_is_missing() {
    let db = pg_fixture(&PG_FIXTURE);
    db.execute(
        "ALTER TABLE payment_transactions DROP CONSTRAINT payment_transactions_user_id_fkey; \
         ALTER TABLE users DROP CONSTRAINT users_email_key",
    );
    let found = pg_compare(&db, &PG_FIXTURE, Scope::Tables);
    assert_eq!(
        lines(&found),
        [
            "missing constraint payment_transactions_user_id_fkey",
            "missing constraint users_email_key",
        ]
    );
    assert_eq!(
        found[0].expected.as_deref(),
        Some("FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE")
    );
}

#[test]
fn an_extra_table_counts_only_for_the_whole_schema() {
    let db = pg_fixture(&PG_FIXTURE);
    db.execute("CREATE TABLE tmp_backfill (id integer PRIMARY KEY, note text)");
    assert!(pg_compare(&db, &PG_FIXTURE, Scope::Tables).is_empty());
    let found = pg_compare(&db, &PG_FIXTURE, Scope::Schema { ignore: &[] });
    assert_eq!(lines(&found), ["extra table tmp_backfill"]);
    assert_eq!(
        found[0].found.as_deref(),
        Some("(id integer NOT NULL, note text)")
    );
    let ignored = Scope::Schema {
        ignore: &["tmp_backfill"],
    };
    assert!(pg_compare(&db, &PG_FIXTURE, ignored).is_empty());
}

#[test]
fn an_invalid_index_is_changed() {
    let db = pg_fixture(&PG_FIXTURE);
    let unique = "CREATE UNIQUE INDEX IF NOT EXISTS users_one_per_role ON users (role)";
    let expected = [PG_USERS, COMMENT_ONLY, PG_PAYMENTS, unique];
    db.execute("INSERT INTO users (email) VALUES ('a@example.com'), ('b@example.com')");
    // Both rows have role 'user': the build fails and leaves the index invalid.
    let failed = db
        .conn()
        .batch_execute("CREATE UNIQUE INDEX CONCURRENTLY users_one_per_role ON users (role)");
    assert!(failed.is_err());
    let found = pg_compare(&db, &expected, Scope::Tables);
    assert_eq!(
        lines(&found),
        ["index users_one_per_role is invalid (a failed CREATE INDEX CONCURRENTLY)"]
    );
    assert_eq!(found[0].change, Change::Changed);
    assert_eq!(
        found[0].found.as_deref(),
        Some("CREATE UNIQUE INDEX users_one_per_role ON users USING btree (role) (invalid)")
    );
}

#[test]
fn functions_and_triggers_are_compared_through_a_scratch_schema() {
    let db = pg_fixture(&[PG_USERS, PG_TRIGGERS]);
    let files = [PG_USERS, PG_TRIGGERS];
    assert!(pg_compare(&db, &files, Scope::Schema { ignore: &[] }).is_empty());
    db.execute(
        "DROP TRIGGER notes_touch ON notes; \
         CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql \
         AS $$ BEGIN RETURN NEW; END $$; \
         CREATE FUNCTION helper(integer) RETURNS integer LANGUAGE sql AS $$ SELECT $1 $$",
    );
    let found = pg_compare(&db, &files, Scope::Schema { ignore: &[] });
    let summary: Vec<(Change, &str)> = found
        .iter()
        .map(|d| (d.change, d.object.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (Change::Extra, "function helper(integer)"),
            (Change::Changed, "function touch_updated_at()"),
            (Change::Missing, "trigger notes_touch"),
        ]
    );
    // Only the functions the migrations create take part in adoption.
    let adoption: Vec<String> = pg_compare(&db, &files, Scope::Tables)
        .into_iter()
        .map(|d| d.object)
        .collect();
    assert_eq!(
        adoption,
        ["function touch_updated_at()", "trigger notes_touch"]
    );
}

/// A fresh database restored from a `pg_dump --format=custom` of `source`.
fn dumped_and_restored(source: &PgDb) -> PgDb {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dump");
    let dumped = Command::new("pg_dump")
        .args(["--format=custom", "--schema-only", "--no-owner", "--file"])
        .arg(&file)
        .args(["--dbname", &source.url])
        .output()
        .expect("pg_dump must be on PATH");
    assert!(dumped.status.success(), "{dumped:?}");
    let restored = PgDb::new();
    let out = Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname", &restored.url])
        .arg(&file)
        .output()
        .expect("pg_restore must be on PATH");
    assert!(out.status.success(), "{out:?}");
    restored
}

#[test]
fn a_dumped_and_restored_database_compares_equal() {
    let source = pg_fixture(&PG_FIXTURE);
    let restored = dumped_and_restored(&source);
    // PostgreSQL really prints the check differently after the restore.
    let check = "SELECT pg_get_constraintdef(oid) AS v FROM pg_constraint \
                 WHERE conname = 'payment_transactions_status_check'";
    let (before, after) = (source.strings(check), restored.strings(check));
    assert_ne!(before, after);
    assert!(
        after[0].contains("ARRAY[('pending'::character varying)::text"),
        "{after:?}"
    );
    assert!(pg_compare(&restored, &PG_FIXTURE, Scope::Schema { ignore: &[] }).is_empty());

    // The whole BuildXpert schema too.
    let migrated = PgDb::new();
    migrate(&migrated.url, &[]).assert_code(0);
    let restored = dumped_and_restored(&migrated);
    let sqls = embedded_up_sqls(Backend::Postgres);
    let sqls: Vec<&str> = sqls.iter().map(String::as_str).collect();
    let found = pg_compare(&restored, &sqls, Scope::Schema { ignore: TRACKING });
    assert_eq!(lines(&found), Vec::<String>::new());
}

/// Schemas other than the built-in ones and each session's temporary slots.
fn odd_schemas(db: &PgDb) -> Vec<String> {
    db.strings(
        "SELECT nspname::text AS v FROM pg_namespace WHERE nspname NOT IN \
         ('public', 'information_schema', 'pg_catalog', 'pg_toast') \
         AND nspname !~ '^pg_(toast_)?temp_[0-9]+$'",
    )
}

#[test]
fn comparing_leaves_no_trace() {
    let db = pg_fixture(&[PG_USERS, PG_PAYMENTS, PG_TRIGGERS]);
    let before = db.dump();
    let mut pg = db.conn();
    let path_before = strings(&mut pg, "SELECT current_setting('search_path') AS v");
    let mut conn = AnyConnection::Pg(pg);
    let on = On::new(&db.url);
    for files in [&PG_FIXTURE[..], &[PG_USERS, PG_PAYMENTS, PG_TRIGGERS][..]] {
        compare(&mut conn, &on.scratch(), files, Scope::Tables).unwrap();
    }
    let AnyConnection::Pg(mut pg) = conn else {
        unreachable!()
    };
    let after = strings(
        &mut pg,
        "SELECT current_setting('search_path') || ' ' || \
         (SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()) AS v",
    );
    assert_eq!(after, [format!("{} 0", path_before[0])]);
    assert_same_schema(&db.dump(), &before, "after compare");
    assert_eq!(odd_schemas(&db), Vec::<String>::new());
    assert_eq!(scratch_databases_left(&db), Vec::<String>::new());
}

#[test]
fn comparing_inside_a_transaction_keeps_it_going() {
    let db = pg_fixture(&PG_FIXTURE);
    let on = On::new(&db.url);
    let mut conn = AnyConnection::Pg(db.conn());
    conn.transaction::<_, diesel::result::Error, _>(|c| {
        c.batch_execute("CREATE TABLE kept (id int)")?;
        // The live side is read in a savepoint; the replay runs elsewhere.
        let found = compare(c, &on.scratch(), &[PG_USERS, PG_TRIGGERS], Scope::Tables).unwrap();
        assert_eq!(
            lines(&found),
            ["missing function touch_updated_at()", "missing table notes"]
        );
        c.batch_execute("INSERT INTO kept VALUES (1)")
    })
    .unwrap();
    assert!(db.tables().contains(&"kept".to_string()));
    assert_eq!(odd_schemas(&db), Vec::<String>::new());
}

/// A replay whose session is killed fails, and its scratch database is
/// dropped all the same; one whose whole process dies leaves its scratch
/// database to the next replay on that server, which drops it.
#[test]
fn a_killed_replay_leaves_nothing() {
    let db = pg_fixture(&PG_FIXTURE);
    let before = db.dump();
    let slow = "SELECT pg_sleep(30);";
    let files = [PG_USERS.to_string(), format!("{PG_TRIGGERS}{slow}")];
    let url = db.url.clone();
    let worker = thread::spawn(move || {
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        let on = On::new(&url);
        let pg = PgConnection::establish(&url).unwrap();
        compare(
            &mut AnyConnection::Pg(pg),
            &on.scratch(),
            &files,
            Scope::Tables,
        )
    });
    let sleeping = "SELECT pid::text AS v FROM pg_stat_activity WHERE wait_event = 'PgSleep' \
                    AND datname LIKE 'bxm\\_scratch\\_%'";
    let deadline = Instant::now() + Duration::from_secs(20);
    let pid = loop {
        if let Some(pid) = db.strings(sleeping).pop() {
            break pid;
        }
        assert!(
            Instant::now() < deadline,
            "the replay never reached pg_sleep"
        );
        thread::sleep(Duration::from_millis(20));
    };
    db.execute(&format!("SELECT pg_terminate_backend({pid})"));
    assert!(worker.join().unwrap().is_err());
    assert_same_schema(&db.dump(), &before, "after the killed replay");
    assert_eq!(odd_schemas(&db), Vec::<String>::new());
    assert_eq!(scratch_databases_left(&db), Vec::<String>::new());
}

#[test]
fn transaction_control_in_a_file_is_refused() {
    let db = pg_fixture(&PG_FIXTURE);
    let on = On::new(&db.url);
    let err = compare(
        &mut AnyConnection::Pg(db.conn()),
        &on.scratch(),
        &[PG_USERS, "BEGIN;\nCREATE TABLE x (id int);\nCOMMIT;"],
        Scope::Tables,
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("migration file 2 has BEGIN on line 1"),
        "{message}"
    );
    assert!(db.tables().iter().all(|t| t != "x"));
}

// --- SQLite

const LITE_USERS: &str = "\u{feff}-- 001 users\n\
    CREATE TABLE IF NOT EXISTS users (\n\
        id TEXT NOT NULL PRIMARY KEY,\n\
        email TEXT UNIQUE,\n\
        role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin'))\n\
    );\n\
    CREATE INDEX IF NOT EXISTS idx_users_role ON users (role);\n";
const LITE_PAYMENTS: &str = "CREATE TABLE IF NOT EXISTS payment_transactions (\n\
        id TEXT NOT NULL PRIMARY KEY,\n\
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,\n\
        amount DECIMAL(10,2) NOT NULL DEFAULT 0,\n\
        status TEXT DEFAULT 'pending' CHECK (status IN ('pending', 'completed'))\n\
    );\n\
    CREATE INDEX IF NOT EXISTS idx_payment_transactions_status \
        ON payment_transactions (status) WHERE status <> 'completed';\n";
const LITE_FIXTURE: [&str; 3] = [LITE_USERS, COMMENT_ONLY, LITE_PAYMENTS];

fn lite_fixture() -> SqliteDb {
    let db = SqliteDb::new();
    for sql in [LITE_USERS, LITE_PAYMENTS] {
        db.execute(sql.trim_start_matches('\u{feff}'));
    }
    db
}

fn lite_compare(db: &SqliteDb, files: &[&str], scope: Scope<'_>) -> Vec<Difference> {
    let on = On::new(&db.url());
    compare(
        &mut AnyConnection::Sqlite(db.conn()),
        &on.scratch(),
        files,
        scope,
    )
    .unwrap()
}

#[test]
fn sqlite_the_migrated_schema_matches_the_embedded_migrations() {
    let db = SqliteDb::new();
    migrate(&db.url(), &[]).assert_code(0);
    let sqls = embedded_up_sqls(Backend::Sqlite);
    let sqls: Vec<&str> = sqls.iter().map(String::as_str).collect();
    let found = lite_compare(&db, &sqls, Scope::Schema { ignore: TRACKING });
    assert_eq!(lines(&found), Vec::<String>::new());
}

#[test]
fn sqlite_a_clean_fixture_has_no_differences() {
    let db = lite_fixture();
    assert!(lite_compare(&db, &LITE_FIXTURE, Scope::Schema { ignore: &[] }).is_empty());
}

#[test]
fn sqlite_a_dropped_index_is_missing() {
    let db = lite_fixture();
    db.execute("DROP INDEX idx_payment_transactions_status");
    let found = lite_compare(&db, &LITE_FIXTURE, Scope::Tables);
    assert_eq!(
        lines(&found),
        ["missing index idx_payment_transactions_status"]
    );
}

#[test]
fn sqlite_changed_columns_keys_and_checks_are_found() {
    let db = lite_fixture();
    // SQLite cannot alter a column: the table is made again, as people do.
    db.execute(
        "PRAGMA foreign_keys = OFF; DROP TABLE payment_transactions; \
         CREATE TABLE payment_transactions (id TEXT NOT NULL PRIMARY KEY, \
         user_id TEXT NOT NULL REFERENCES users (id), amount REAL NOT NULL DEFAULT 0, \
         status TEXT DEFAULT 'pending' CHECK (status IN ('pending', 'completed')), \
         note TEXT UNIQUE); \
         CREATE INDEX idx_payment_transactions_status ON payment_transactions (status) \
         WHERE status <> 'completed'",
    );
    let found = lite_compare(&db, &LITE_FIXTURE, Scope::Tables);
    assert_eq!(
        lines(&found),
        [
            "column payment_transactions.amount: DECIMAL(10,2) NOT NULL DEFAULT 0 expected, \
             REAL NOT NULL DEFAULT 0 found",
            "extra column payment_transactions.note",
            "extra constraint payment_transactions_note_key",
            "constraint payment_transactions_user_id_fkey: FOREIGN KEY (user_id) REFERENCES \
             users(id) ON DELETE CASCADE expected, FOREIGN KEY (user_id) REFERENCES users(id) \
             found",
        ]
    );
    // A check changed and nothing else: the table's text tells.
    db.execute(
        "DROP TABLE users; CREATE TABLE users (id TEXT NOT NULL PRIMARY KEY, \
         email TEXT UNIQUE, role TEXT NOT NULL DEFAULT 'user' \
         CHECK (role IN ('user', 'admin', 'owner'))); \
         CREATE INDEX idx_users_role ON users (role); \
         CREATE INDEX idx_users_email_by_hand ON users (email)",
    );
    let users: Vec<Difference> = lite_compare(&db, &LITE_FIXTURE, Scope::Tables)
        .into_iter()
        .filter(|d| d.table == "users")
        .collect();
    // An extra index beside it leaves the table's text alone: still told.
    let told: Vec<(Change, &str)> = users
        .iter()
        .map(|d| (d.change, d.object.as_str()))
        .collect();
    assert_eq!(
        told,
        [
            (Change::Extra, "index idx_users_email_by_hand"),
            (Change::Changed, "table definition")
        ]
    );
}
