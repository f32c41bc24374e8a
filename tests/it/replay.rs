//! The replay behind `verify` and adoption reaches no live object: a
//! migration with schema-qualified names, `setval`, a `DO` block writing a
//! live table, `ALTER TABLE` of a table the application holds, and
//! `CREATE EXTENSION` replays in its scratch database; every live sequence
//! value, row, schema and lock is as before. And what changes behaviour is
//! compared: collations, persistence, disabled triggers (foreign keys
//! included), row-level security, views, function bodies.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;

use crate::support::{PgDb, migrate, migration_dir, scratch_databases_left};

/// Migrations written the way pg_dump-style files are: every name
/// qualified with `public.`, a sequence set by hand, a DO block that writes
/// a table, an ALTER of a table created earlier.
const QUALIFIED: [(&str, &str, &str); 3] = [
    (
        "001_accounts",
        "CREATE TABLE IF NOT EXISTS public.accounts (id serial PRIMARY KEY, email text NOT NULL);\n\
         CREATE TABLE IF NOT EXISTS public.orders (id serial PRIMARY KEY, \
         account_id int REFERENCES public.accounts (id));\n\
         SELECT setval('public.orders_id_seq', 1000);\n",
        "DROP TABLE public.orders; DROP TABLE public.accounts;",
    ),
    (
        "002_seed",
        "DO $$ BEGIN INSERT INTO public.accounts (email) VALUES ('seed@example.com'); END $$;\n",
        "SELECT 1;",
    ),
    (
        "003_accounts_name",
        "ALTER TABLE public.accounts ADD COLUMN IF NOT EXISTS name text NOT NULL DEFAULT '';\n\
         CREATE INDEX IF NOT EXISTS idx_accounts_email ON public.accounts (email);\n",
        "ALTER TABLE public.accounts DROP COLUMN name;",
    ),
];

fn live_state(db: &PgDb) -> Vec<String> {
    db.strings(
        "SELECT concat_ws(' ', (SELECT last_value FROM orders_id_seq), \
         (SELECT last_value FROM accounts_id_seq), (SELECT count(*) FROM accounts), \
         (SELECT count(*) FROM orders), (SELECT string_agg(nspname, ',' ORDER BY nspname) \
         FROM pg_namespace)) AS v",
    )
}

#[test]
fn a_replay_touches_no_live_sequence_row_schema_or_lock() {
    let db = PgDb::new();
    let set = migration_dir(&QUALIFIED, None);
    let dir = set.path().to_str().unwrap();
    migrate(&db.url, &["--migration-dir", dir]).assert_code(0);
    db.forget_recorded_schema();
    // The application moves on: more orders, the sequence far past 1000.
    db.execute(
        "INSERT INTO accounts (email) VALUES ('a@example.com'); \
         SELECT setval('orders_id_seq', 5000); INSERT INTO orders (account_id) VALUES (1);",
    );
    let before = live_state(&db);
    let dump = db.dump();
    // The application holds accounts (an open transaction that read it):
    // the old replay's ALTER TABLE queued for ACCESS EXCLUSIVE behind it.
    let mut app = db.conn();
    app.batch_execute("BEGIN; SELECT count(*) FROM accounts;")
        .unwrap();
    let started = Instant::now();
    let verified = migrate(
        &db.url,
        &["--migration-dir", dir, "--lock-timeout", "1", "verify"],
    );
    verified.assert_code(0);
    assert!(verified.stdout.contains("matches"), "{}", verified.all());
    assert!(started.elapsed() < Duration::from_secs(30));
    app.batch_execute("COMMIT").unwrap();
    assert_eq!(live_state(&db), before);
    assert_eq!(db.dump(), dump);
    assert_eq!(scratch_databases_left(&db), Vec::<String>::new());
}

#[test]
fn drift_in_schema_qualified_objects_is_found_and_nothing_else() {
    let db = PgDb::new();
    let set = migration_dir(&QUALIFIED, None);
    let dir = set.path().to_str().unwrap();
    migrate(&db.url, &["--migration-dir", dir]).assert_code(0);
    db.forget_recorded_schema();
    db.execute(
        "ALTER TABLE accounts DROP COLUMN name; DROP INDEX idx_accounts_email; \
         ALTER TABLE accounts ALTER COLUMN email DROP NOT NULL;",
    );
    let out = migrate(&db.url, &["--migration-dir", dir, "verify"]);
    out.assert_code(8);
    for expected in [
        "missing column accounts.name",
        "missing index idx_accounts_email",
        "column accounts.email: text NOT NULL expected, text found",
    ] {
        assert!(out.stdout.contains(expected), "{expected}: {}", out.all());
    }
    assert!(!out.stdout.contains("  extra "), "{}", out.all());
}

/// Extensions a DBA installed in `public` are there for the replay too.
#[test]
fn migrations_using_extensions_installed_by_hand_verify_clean() {
    let db = PgDb::new();
    db.execute("CREATE EXTENSION citext; CREATE EXTENSION \"uuid-ossp\";");
    let set = migration_dir(
        &[(
            "001_people",
            "CREATE TABLE IF NOT EXISTS people (id uuid PRIMARY KEY DEFAULT uuid_generate_v4(), \
             email citext UNIQUE);\n",
            "DROP TABLE people;",
        )],
        None,
    );
    let dir = set.path().to_str().unwrap();
    migrate(&db.url, &["--migration-dir", dir]).assert_code(0);
    db.forget_recorded_schema();
    let out = migrate(&db.url, &["--migration-dir", dir, "verify"]);
    out.assert_code(0);
    migrate(&db.url, &["--migration-dir", dir, "status", "--verify"]).assert_code(0);
    migrate(&db.url, &["--migration-dir", dir, "run", "--verify"]).assert_code(0);
}

/// An extension the migrations create is compared: dropped, it is missing.
#[test]
fn an_extension_the_migrations_create_is_compared() {
    let db = PgDb::new();
    let set = migration_dir(
        &[(
            "001_crypto",
            "CREATE EXTENSION IF NOT EXISTS pgcrypto;\n\
             CREATE TABLE IF NOT EXISTS secrets (id int PRIMARY KEY, digest bytea);\n",
            "DROP TABLE secrets; DROP EXTENSION pgcrypto;",
        )],
        None,
    );
    let dir = set.path().to_str().unwrap();
    migrate(&db.url, &["--migration-dir", dir]).assert_code(0);
    db.forget_recorded_schema();
    migrate(&db.url, &["--migration-dir", dir, "verify"]).assert_code(0);
    db.execute("DROP EXTENSION pgcrypto");
    let out = migrate(&db.url, &["--migration-dir", dir, "verify"]);
    out.assert_code(8);
    assert!(
        out.stdout.contains("missing extension pgcrypto"),
        "{}",
        out.all()
    );
}

/// Each change that alters what the application sees, on the embedded
/// schema, as `verify --strict` reports it.
#[test]
fn each_behaviour_changing_drift_is_reported() {
    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    db.forget_recorded_schema();
    let cases: [(&str, &str, &str); 6] = [
        (
            "ALTER TABLE users ALTER COLUMN email TYPE text COLLATE \"C\"",
            "ALTER TABLE users ALTER COLUMN email TYPE text COLLATE \"default\"",
            "column users.email: text expected, text COLLATE \"C\" found",
        ),
        (
            "ALTER TABLE addresses DISABLE TRIGGER ALL",
            "ALTER TABLE addresses ENABLE TRIGGER ALL",
            "(not enforced: its triggers are disabled) found",
        ),
        (
            "ALTER TABLE ratings SET UNLOGGED",
            "ALTER TABLE ratings SET LOGGED",
            "persistence of table ratings: logged expected, unlogged found",
        ),
        (
            "ALTER TABLE bookings ENABLE ROW LEVEL SECURITY; \
             CREATE POLICY nobody ON bookings USING (false)",
            "DROP POLICY nobody ON bookings; ALTER TABLE bookings DISABLE ROW LEVEL SECURITY",
            "row level security of table bookings: off expected, on found",
        ),
        (
            "CREATE VIEW open_bookings AS SELECT id FROM bookings WHERE status = 'pending'",
            "DROP VIEW open_bookings",
            "extra view open_bookings",
        ),
        (
            "CREATE SEQUENCE invoice_numbers START 100",
            "DROP SEQUENCE invoice_numbers",
            "extra sequence invoice_numbers",
        ),
    ];
    for (change, undo, expected) in cases {
        db.execute(change);
        let out = migrate(&db.url, &["verify", "--strict"]);
        out.assert_code(8);
        assert!(out.stdout.contains(expected), "{change}: {}", out.all());
        db.execute(undo);
        migrate(&db.url, &["verify", "--strict"]).assert_code(0);
    }
}

/// A user trigger disabled, a view and a function changed: the function
/// shows as a diff, and one that differs only in layout is the same.
#[test]
fn triggers_views_and_function_bodies() {
    let db = PgDb::new();
    let set = migration_dir(
        &[(
            "001_notes",
            "CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, body text, \
             updated_at timestamp);\n\
             CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\n\
             BEGIN\n  NEW.updated_at = now();\n  RETURN NEW;\nEND\n$$;\n\
             CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW \
             EXECUTE FUNCTION touch();\n\
             CREATE OR REPLACE VIEW recent_notes AS SELECT id, body FROM notes \
             WHERE updated_at > now() - interval '1 day';\n",
            "DROP VIEW recent_notes; DROP TABLE notes; DROP FUNCTION touch();",
        )],
        None,
    );
    let dir = set.path().to_str().unwrap();
    let verify = || migrate(&db.url, &["--migration-dir", dir, "verify"]);
    migrate(&db.url, &["--migration-dir", dir]).assert_code(0);
    db.forget_recorded_schema();
    // The same body laid out differently is the same function.
    db.execute(
        "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
         NEW.updated_at = now(); RETURN NEW; END $$",
    );
    verify().assert_code(0);
    db.execute("ALTER TABLE notes DISABLE TRIGGER notes_touch");
    let out = verify();
    out.assert_code(8);
    assert!(out.stdout.contains("(disabled)"), "{}", out.all());
    db.execute(
        "ALTER TABLE notes ENABLE TRIGGER notes_touch; \
         CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
         NEW.updated_at = clock_timestamp(); RETURN NEW; END $$",
    );
    let out = verify();
    out.assert_code(8);
    assert!(
        out.stdout
            .contains("function touch() differs from what the migrations define")
            && out.stdout.contains("-  NEW.updated_at = now();")
            && out.stdout.contains("clock_timestamp()"),
        "{}",
        out.all()
    );
    db.execute(
        "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
         NEW.updated_at = now(); RETURN NEW; END $$; DROP VIEW recent_notes",
    );
    let out = verify();
    out.assert_code(8);
    assert!(
        out.stdout.contains("missing view recent_notes"),
        "{}",
        out.all()
    );
}

/// On a read replica `verify` compares with the schema the primary's run
/// recorded; where none is recorded it cannot create its scratch database
/// there: it says so (exit 4, naming the standby and the option), and with
/// the primary as its scratch server it verifies the replica's schema.
#[test]
fn a_hot_standby_verifies_with_the_primary_as_scratch_server() {
    let primary = PgDb::new();
    migrate(&primary.url, &[]).assert_code(0);
    let standby = crate::support::Standby::start(&primary);
    standby.catch_up(&primary);
    let replica = standby.url(&primary.name);
    migrate(&replica, &["verify"]).assert_code(0);
    primary.forget_recorded_schema();
    standby.catch_up(&primary);
    let refused = migrate(&replica, &["verify"]);
    refused.assert_code(4);
    assert!(
        refused.stderr.contains("hot standby") && refused.stderr.contains("--scratch-database-url"),
        "{}",
        refused.all()
    );
    let scratch = ["--scratch-database-url", primary.url.as_str()];
    let mut args = vec!["verify"];
    args.extend(scratch);
    migrate(&replica, &args).assert_code(0);
    primary.execute("DROP INDEX idx_bookings_status");
    standby.catch_up(&primary);
    let out = migrate(&replica, &args);
    out.assert_code(8);
    assert!(
        out.stdout.contains("missing index idx_bookings_status"),
        "{}",
        out.all()
    );
    let mut status = vec!["status", "--verify"];
    status.extend(scratch);
    migrate(&replica, &status).assert_code(8);
    assert_eq!(scratch_databases_left(&primary), Vec::<String>::new());
}

/// SQLite: views and triggers are compared too.
#[test]
fn sqlite_views_and_triggers_are_compared() {
    let lite = crate::support::SqliteDb::new();
    let set = migration_dir(
        &[(
            "001_notes",
            "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT, n INTEGER);\n\
             CREATE TRIGGER IF NOT EXISTS notes_count AFTER UPDATE ON notes BEGIN \
             UPDATE notes SET n = coalesce(n, 0) + 1 WHERE id = NEW.id AND 0; END;\n\
             CREATE VIEW IF NOT EXISTS long_notes AS SELECT id FROM notes WHERE length(body) > 100;\n",
            "DROP VIEW long_notes; DROP TABLE notes;",
        )],
        None,
    );
    let dir = set.path().to_str().unwrap();
    let url = lite.url();
    migrate(&url, &["--migration-dir", dir]).assert_code(0);
    migrate(&url, &["--migration-dir", dir, "verify"]).assert_code(0);
    lite.execute("DROP VIEW long_notes; DROP TRIGGER notes_count;");
    let out = migrate(&url, &["--migration-dir", dir, "verify"]);
    out.assert_code(8);
    assert!(
        out.stdout.contains("missing view long_notes")
            && out.stdout.contains("missing trigger notes_count"),
        "{}",
        out.all()
    );
}

/// A pg_dump-style header in one file does not reach the next file's
/// replay; a migration's own plain CREATE EXTENSION and CREATE SCHEMA find
/// nothing made for it beforehand; a migration changing what the whole
/// server shares (a role) is not replayed.
#[test]
fn replays_keep_each_file_to_itself() {
    let db = PgDb::new();
    db.execute("CREATE EXTENSION pgcrypto");
    let set = migration_dir(
        &[
            (
                "001_header",
                "SELECT pg_catalog.set_config('search_path', '', false);\n\
                 CREATE TABLE public.one (id int);\n",
                "DROP TABLE public.one;",
            ),
            (
                "002_plain",
                "CREATE TABLE two (id int);\n",
                "DROP TABLE two;",
            ),
            (
                "003_own",
                "CREATE SCHEMA audit;\nCREATE TABLE audit.log (id int);\n",
                "DROP SCHEMA audit CASCADE;",
            ),
        ],
        None,
    );
    let dir = set.path().to_str().unwrap();
    migrate(&db.url, &["--migration-dir", dir]).assert_code(0);
    db.forget_recorded_schema();
    migrate(&db.url, &["--migration-dir", dir, "verify"]).assert_code(0);

    let roles = migration_dir(
        &[(
            "001_role",
            "CREATE TABLE t (id int);\nCREATE ROLE bxm_never_made;\n",
            "SELECT 1;",
        )],
        None,
    );
    let other = PgDb::new();
    other.execute("CREATE TABLE t (id int)");
    let out = migrate(
        &other.url,
        &[
            "--migration-dir",
            roles.path().to_str().unwrap(),
            "adopt",
            "--baseline",
            "001",
        ],
    );
    assert_ne!(out.code, 0, "{}", out.all());
    assert!(
        out.stderr.contains("CREATE ROLE on line 2") && out.stderr.contains("not replayed"),
        "{}",
        out.stderr
    );
    assert_eq!(
        other.strings("SELECT count(*)::text AS v FROM pg_roles WHERE rolname = 'bxm_never_made'"),
        ["0"]
    );
}
