//! Real databases for tests: a fresh PostgreSQL database per test (dropped
//! afterwards), temporary SQLite files, and the real binary.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

/// The server tests create their databases on; `TEST_DATABASE_URL` overrides it.
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A freshly created PostgreSQL database, dropped when the value is.
pub struct PgDb {
    pub name: String,
    pub url: String,
}

impl PgDb {
    pub fn new() -> PgDb {
        let name = format!(
            "bxm_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        admin()
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let mut url = url::Url::parse(&server_url()).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&name);
        PgDb {
            name,
            url: url.to_string(),
        }
    }

    pub fn conn(&self) -> PgConnection {
        PgConnection::establish(&self.url).unwrap()
    }

    /// This database's URL with another user and password.
    pub fn url_as(&self, user: &str, password: &str) -> String {
        let mut url = url::Url::parse(&self.url).unwrap();
        url.set_username(user).unwrap();
        url.set_password(Some(password)).unwrap();
        url.to_string()
    }

    /// The first column (cast to text by the query) of every row.
    pub fn strings(&self, sql: &str) -> Vec<String> {
        strings(&mut self.conn(), sql)
    }

    pub fn execute(&self, sql: &str) {
        self.conn().batch_execute(sql).unwrap();
    }

    /// Tables in the public schema, sorted; but the recorded expected
    /// schema, which a run writes only when it knows it (verify.rs tests
    /// when).
    pub fn tables(&self) -> Vec<String> {
        self.strings(
            "SELECT table_name::text AS v FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_name <> 'bxm_expected_schema' ORDER BY 1",
        )
    }

    /// Forgets the expected schema a run recorded, as for a database another
    /// tool migrated: the next `verify` replays the migrations.
    pub fn forget_recorded_schema(&self) {
        self.execute("DELETE FROM bxm_expected_schema");
    }

    /// `pg_dump --schema-only`: the whole schema as PostgreSQL itself prints it.
    pub fn dump(&self) -> String {
        self.dump_without(&[])
    }

    /// [`PgDb::dump`] without the tables named.
    pub fn dump_without(&self, tables: &[&str]) -> String {
        let out = Command::new("pg_dump")
            .args(["--schema-only", "--no-owner", "--dbname", &self.url])
            .args(tables.iter().flat_map(|t| ["--exclude-table", t]))
            .output()
            .expect("pg_dump must be on PATH (apt-get install postgresql-client)");
        assert!(
            out.status.success(),
            "pg_dump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // pg_dump 15.14+ brackets its output with a random \restrict key.
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Scratch databases left behind: no session in them and their creator's
/// (named in them) gone. Other tests' replays may be running meanwhile.
pub fn scratch_databases_left(db: &PgDb) -> Vec<String> {
    db.strings(
        "SELECT d.datname::text AS v FROM pg_database d \
         WHERE d.datname LIKE 'bxm\\_scratch\\_%' \
         AND NOT EXISTS (SELECT FROM pg_stat_activity a WHERE a.datid = d.oid) \
         AND NOT EXISTS (SELECT FROM pg_stat_activity a \
         WHERE a.pid::text = split_part(d.datname, '_', 3))",
    )
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let _ = admin().batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

/// A login role on the test server, dropped when the value is (declare it
/// before any database it is granted rights in, so it is dropped after).
pub struct PgRole {
    pub name: String,
}

impl PgRole {
    pub fn new(password: &str) -> PgRole {
        let name = format!(
            "bxm_role_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        admin()
            .batch_execute(&format!("CREATE ROLE {name} LOGIN PASSWORD '{password}'"))
            .unwrap();
        PgRole { name }
    }
}

impl Drop for PgRole {
    fn drop(&mut self) {
        let _ = admin().batch_execute(&format!("DROP ROLE IF EXISTS {}", self.name));
    }
}

/// A connection to the test server's maintenance database; fails the test
/// with what to start when the server cannot be reached.
pub fn admin() -> PgConnection {
    let url = server_url();
    PgConnection::establish(&url).unwrap_or_else(|e| {
        panic!(
            "PostgreSQL is not reachable at {url}: {e}. Start it \
             (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) \
             or point TEST_DATABASE_URL at a server where this user may create databases"
        )
    })
}

#[derive(QueryableByName)]
pub struct Value {
    #[diesel(sql_type = Text)]
    pub v: String,
}

/// Runs `sql`, whose one text column must be named `v`, and returns it.
pub fn strings<C>(conn: &mut C, sql: &str) -> Vec<String>
where
    diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'static, C, Value>,
{
    diesel::sql_query(sql)
        .load::<Value>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|r| r.v)
        .collect()
}

/// A temporary SQLite database file.
pub struct SqliteDb {
    _dir: Option<tempfile::TempDir>,
    pub path: std::path::PathBuf,
}

impl SqliteDb {
    pub fn new() -> SqliteDb {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("test.sqlite3");
        SqliteDb {
            _dir: Some(dir),
            path,
        }
    }

    /// A database file made by someone else (kept, not deleted).
    pub fn at(path: std::path::PathBuf) -> SqliteDb {
        SqliteDb { _dir: None, path }
    }

    pub fn url(&self) -> String {
        self.path.to_string_lossy().into_owned()
    }

    pub fn execute(&self, sql: &str) {
        self.conn().batch_execute(sql).unwrap();
    }

    pub fn conn(&self) -> SqliteConnection {
        SqliteConnection::establish(&self.url()).unwrap()
    }

    pub fn strings(&self, sql: &str) -> Vec<String> {
        strings(&mut self.conn(), sql)
    }

    pub fn tables(&self) -> Vec<String> {
        self.strings(
            "SELECT name AS v FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
    }

    /// Every schema object as SQLite stores it.
    pub fn dump(&self) -> String {
        self.strings(
            "SELECT type || ' ' || name || ' ' || tbl_name || ' ' || coalesce(sql, '') AS v \
             FROM sqlite_master ORDER BY type, name",
        )
        .join("\n")
    }
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            code,
            "unexpected exit code; output:\n{}",
            self.all()
        );
        self
    }
}

/// The binary under test.
pub const BINARY: &str = env!("CARGO_BIN_EXE_buildxpert-migrate");

/// The one way tests start a process that runs the binary (the binary
/// itself, or `sh` / `script` around it): none of this process's
/// configuration reaches it (the variables the binary reads, and libpq's
/// `PG*` defaults), `NO_COLOR=1`, stdin empty, stdout and stderr kept.
/// A test that needs a variable sets it on the returned command.
pub fn clean(program: &str) -> Command {
    let mut command = Command::new(program);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("PG")
            || [
                "DATABASE_URL",
                "DATABASE_URL_FILE",
                "BUILDXPERT_ENV",
                "BUILDXPERT_SCRATCH_DATABASE_URL",
                "RUST_LOG",
            ]
            .contains(&name.as_ref())
        {
            command.env_remove(name.as_ref());
        }
    }
    command
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// [`clean`] for the binary with `args`.
pub fn binary(args: &[&str]) -> Command {
    let mut command = clean(BINARY);
    command.args(args);
    command
}

impl From<std::process::Output> for Outcome {
    fn from(out: std::process::Output) -> Outcome {
        Outcome {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Runs the binary in `dir`, so only `args` (and files in `dir`) decide.
pub fn migrate_in(dir: &Path, args: &[&str]) -> Outcome {
    migrate_with_env(dir, &[], args)
}

/// [`migrate_in`] with the environment variables `env` set.
pub fn migrate_with_env(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Outcome {
    binary(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .output()
        .unwrap()
        .into()
}

/// Starts the binary against `url` in the background.
pub fn spawn(url: &str, args: &[&str]) -> Child {
    binary(args).args(["--database-url", url]).spawn().unwrap()
}

/// Waits for a spawned binary and collects what it did.
pub fn finish(child: Child) -> Outcome {
    child.wait_with_output().unwrap().into()
}

/// Runs the binary against `url` with `args` after the subcommand position.
pub fn migrate(url: &str, args: &[&str]) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let mut full: Vec<&str> = args.to_vec();
    full.extend(["--database-url", url]);
    migrate_in(dir.path(), &full)
}

/// The 22 BuildXpert tables, by migration.
pub const TABLES_BY_MIGRATION: [(&str, &[&str]); 5] = [
    (
        "001",
        &[
            "users",
            "addresses",
            "services_master",
            "provider_profiles",
            "provider_services",
            "bookings",
            "ratings",
            "notifications",
        ],
    ),
    ("002", &["payment_transactions"]),
    (
        "003",
        &[
            "payment_events",
            "payment_api_logs",
            "payment_security_events",
        ],
    ),
    (
        "004",
        &[
            "call_sessions",
            "call_logs",
            "call_events",
            "call_recordings",
        ],
    ),
    (
        "005",
        &[
            "user_push_tokens",
            "scheduled_notifications",
            "notification_logs",
            "user_notification_settings",
            "notification_receipts",
            "notification_queue",
        ],
    ),
];

/// Every table a full run leaves, sorted: the 22 plus the three tracking tables.
pub fn all_tables() -> Vec<String> {
    let mut tables: Vec<String> = TABLES_BY_MIGRATION
        .iter()
        .flat_map(|(_, t)| t.iter().map(|s| s.to_string()))
        .chain([
            "migrations".to_string(),
            "bxm_migration_actions".to_string(),
            "__diesel_schema_migrations".to_string(),
        ])
        .collect();
    tables.sort();
    tables
}

/// Writes a test-only migration set: `(dir name, up.sql, down.sql)` each.
pub fn migration_dir(
    migrations: &[(&str, &str, &str)],
    manifest: Option<&str>,
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, up, down) in migrations {
        let m = dir.path().join(name);
        std::fs::create_dir(&m).unwrap();
        std::fs::write(m.join("up.sql"), up).unwrap();
        std::fs::write(m.join("down.sql"), down).unwrap();
    }
    if let Some(manifest) = manifest {
        std::fs::write(dir.path().join("manifest.toml"), manifest).unwrap();
    }
    dir
}

/// Marks migration `name` of a set from [`migration_dir`] as one that runs
/// outside a transaction (Diesel's `metadata.toml`).
pub fn outside_transaction(set: &tempfile::TempDir, name: &str) {
    std::fs::write(
        set.path().join(name).join("metadata.toml"),
        "run_in_transaction = false\n",
    )
    .unwrap();
}

/// Compares two schema dumps and shows only the lines that differ.
#[track_caller]
pub fn assert_same_schema(actual: &str, expected: &str, what: &str) {
    if actual != expected {
        let only_actual: Vec<&str> = actual.lines().filter(|l| !expected.contains(l)).collect();
        let only_expected: Vec<&str> = expected.lines().filter(|l| !actual.contains(l)).collect();
        panic!(
            "{what}: schema differs\nonly now: {only_actual:#?}\nonly before: {only_expected:#?}"
        );
    }
}

/// A hot standby of the test server, streaming from it (`pg_basebackup
/// -R`) into a temporary directory, on a port of its own; stopped when
/// dropped. PostgreSQL refuses to run as root: it runs as `postgres`.
pub struct Standby {
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// The primary keeps its WAL for this slot (other tests write a lot).
    slot: String,
    pub port: u16,
}

impl Standby {
    pub fn start(primary: &PgDb) -> Standby {
        let major = primary
            .strings("SELECT (current_setting('server_version_num')::int / 10000)::text AS v");
        let bin = PathBuf::from(format!("/usr/lib/postgresql/{}/bin", major[0]));
        assert!(
            bin.join("pg_ctl").exists(),
            "no PostgreSQL tools in {}",
            bin.display()
        );
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let as_postgres = |program: &str, args: &[&str]| {
            let out = Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(bin.join(program))
                .args(args)
                .output()
                .expect("runuser (util-linux) runs the PostgreSQL tools as postgres");
            assert!(
                out.status.success(),
                "{program} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        };
        Command::new("chown")
            .args(["postgres:postgres"])
            .arg(dir.path())
            .status()
            .unwrap();
        let url = url::Url::parse(&server_url()).unwrap();
        let host = url.host_str().unwrap_or("127.0.0.1").to_string();
        let primary_port = url.port().unwrap_or(5432).to_string();
        let data_text = data.to_str().unwrap();
        let slot = format!("bxm_standby_{}", primary.name);
        as_postgres(
            "pg_basebackup",
            &[
                "-h",
                &host,
                "-p",
                &primary_port,
                "-U",
                "postgres",
                "-D",
                data_text,
                "-R",
                "-X",
                "stream",
                "-C",
                "-S",
                &slot,
            ],
        );
        // Debian keeps the configuration outside the data directory.
        std::fs::write(data.join("postgresql.conf"), "hot_standby = on\n").unwrap();
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\nhost all all 127.0.0.1/32 trust\n",
        )
        .unwrap();
        Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir.path())
            .status()
            .unwrap();
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={}",
            dir.path().display()
        );
        let log = dir.path().join("log");
        as_postgres(
            "pg_ctl",
            &[
                "-D",
                data_text,
                "-l",
                log.to_str().unwrap(),
                "-o",
                &options,
                "-w",
                "start",
            ],
        );
        Standby {
            dir,
            bin,
            slot,
            port,
        }
    }

    /// The URL of `database` on the standby.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Waits until the standby has replayed everything the primary wrote so far.
    pub fn catch_up(&self, primary: &PgDb) {
        let lsn = primary
            .strings("SELECT pg_current_wal_lsn()::text AS v")
            .remove(0);
        let mut standby = PgConnection::establish(&self.url(&primary.name)).unwrap();
        // Generous: the whole test server streams while other tests write.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while strings(
            &mut standby,
            &format!("SELECT (pg_last_wal_replay_lsn() >= '{lsn}')::text AS v"),
        ) != ["true"]
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the standby did not catch up to {lsn}: {}",
                std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for Standby {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args([
                "-D",
                data.to_str().unwrap(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ])
            .output();
        let _ = admin().batch_execute(&format!("SELECT pg_drop_replication_slot('{}')", self.slot));
    }
}

/// A PgBouncer (Debian's package) in front of the test server, on a free
/// port of its own, in `mode` ("transaction" or "session") with a pool of
/// `pool_size` server connections per database; stopped when dropped.
/// Runs as `postgres` (it refuses root), trusting every user it lists.
pub struct Pooler {
    child: Child,
    dir: tempfile::TempDir,
    pub port: u16,
}

impl Pooler {
    pub fn start(mode: &str, pool_size: u32) -> Pooler {
        Pooler::start_waiting(mode, pool_size, 60)
    }

    /// With PgBouncer's `query_wait_timeout` (seconds a client may wait
    /// for a server connection).
    pub fn start_waiting(mode: &str, pool_size: u32, query_wait_timeout: u32) -> Pooler {
        let program = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("PgBouncer is missing: apt-get install -y pgbouncer (scripts/test does)");
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let server = url::Url::parse(&server_url()).unwrap();
        std::fs::write(
            dir.path().join("users.txt"),
            "\"postgres\" \"\"\n\"root\" \"\"\n",
        )
        .unwrap();
        let config = dir.path().join("pgbouncer.ini");
        std::fs::write(
            &config,
            format!(
                "[databases]\n* = host={} port={}\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\n\
                 listen_port = {port}\nunix_socket_dir =\nauth_type = trust\n\
                 auth_file = {}\npool_mode = {mode}\ndefault_pool_size = {pool_size}\n\
                 max_client_conn = 200\nadmin_users = postgres\n\
                 ignore_startup_parameters = extra_float_digits\n\
                 query_wait_timeout = {query_wait_timeout}\n\
                 logfile = {}\n",
                server.host_str().unwrap(),
                server.port().unwrap_or(5432),
                dir.path().join("users.txt").display(),
                dir.path().join("pgbouncer.log").display(),
            ),
        )
        .unwrap();
        let mut permissions = std::fs::metadata(dir.path()).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o777);
        std::fs::set_permissions(dir.path(), permissions).unwrap();
        let child = Command::new(program)
            .args(["-u", "postgres"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("PgBouncer starts");
        let pooler = Pooler { child, dir, port };
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(20),
                "PgBouncer did not listen on {port}: {}",
                pooler.log()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        pooler
    }

    /// `database` through the pooler, as `postgres`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pgbouncer.log")).unwrap_or_default()
    }
}

impl Drop for Pooler {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until a session on `db` matches `condition` (SQL on pg_stat_activity).
pub fn wait_for_session(db: &PgDb, condition: &str) {
    let started = std::time::Instant::now();
    let query = format!(
        "SELECT count(*)::text AS v FROM pg_stat_activity WHERE datname = '{}' AND {condition}",
        db.name
    );
    while db.strings(&query) == ["0"] {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "no session with {condition}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
