//! Fault injection: a TCP proxy between the binary and the server drops the
//! connection after N bytes, N swept over a whole run. At every cut point
//! the database is at a migration boundary (each migration's tables exist
//! exactly when it is recorded), the exit code is 0, 3 (cut while
//! connecting) or 9 (connection lost, saying so), and a second run
//! completes it.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::support::{PgDb, TABLES_BY_MIGRATION, migrate, server_url};

/// Forwards connections to the test server; once `budget` bytes have
/// passed (both ways, all connections), cuts every connection.
struct Proxy {
    port: u16,
    passed: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    fn start(budget: usize) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let passed = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let server = url::Url::parse(&server_url()).unwrap();
        let upstream = format!(
            "{}:{}",
            server.host_str().unwrap_or("127.0.0.1"),
            server.port().unwrap_or(5432)
        );
        let (counted, stopped) = (Arc::clone(&passed), Arc::clone(&stop));
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                for (from, to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    let counted = Arc::clone(&counted);
                    std::thread::spawn(move || pipe(from, to, &counted, budget));
                }
            }
        });
        Proxy { port, passed, stop }
    }

    fn url(&self, db: &PgDb) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{}?sslmode=disable",
            self.port, db.name
        )
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees `stop`.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Copies `from` to `to` until either ends or the shared budget is spent,
/// then cuts both.
fn pipe(mut from: TcpStream, mut to: TcpStream, passed: &AtomicUsize, budget: usize) {
    let mut buf = [0u8; 4096];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let before = passed.fetch_add(n, Ordering::SeqCst);
        let allowed = budget.saturating_sub(before).min(n);
        if to.write_all(&buf[..allowed]).is_err() || allowed < n {
            break;
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}

/// Each embedded migration is recorded exactly when all its tables exist.
#[track_caller]
fn at_a_boundary(db: &PgDb, cut: usize) {
    let tables = db.tables();
    let recorded = if tables.contains(&"__diesel_schema_migrations".to_string()) {
        db.strings("SELECT version::text AS v FROM __diesel_schema_migrations")
    } else {
        Vec::new()
    };
    for (version, owned) in TABLES_BY_MIGRATION {
        let present = owned
            .iter()
            .filter(|t| tables.contains(&t.to_string()))
            .count();
        let is_recorded = recorded.iter().any(|v| v == version);
        assert!(
            (is_recorded && present == owned.len()) || (!is_recorded && present == 0),
            "cut after {cut} bytes: {version} recorded {is_recorded}, {present} of {} tables",
            owned.len()
        );
    }
}

#[test]
fn a_connection_cut_anywhere_leaves_a_migration_boundary_and_says_so() {
    // How many bytes a whole run through the proxy takes.
    let whole = {
        let db = PgDb::new();
        let proxy = Proxy::start(usize::MAX);
        migrate(&proxy.url(&db), &[]).assert_code(0);
        proxy.passed.load(Ordering::SeqCst)
    };
    assert!(whole > 10_000, "a whole run passed only {whole} bytes");
    let points = 24;
    let mut codes = Vec::new();
    for i in 1..=points {
        let cut = whole * i / (points + 1);
        let db = PgDb::new();
        let proxy = Proxy::start(cut);
        let out = migrate(&proxy.url(&db), &[]);
        drop(proxy);
        assert!(
            [0, 3, 9].contains(&out.code),
            "cut after {cut} bytes: exit {}: {}",
            out.code,
            out.all()
        );
        if out.code == 9 {
            assert!(
                out.stderr.contains("connection to the database was lost")
                    && out.stderr.contains("run again")
                    && !out.stderr.contains("may have been committed"),
                "cut after {cut} bytes: {}",
                out.stderr
            );
        }
        codes.push(out.code);
        // The server notices the vanished client; then the state is settled.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while db.strings(&format!(
            "SELECT count(*)::text AS v FROM pg_stat_activity WHERE datname = '{}' \
             AND application_name = 'buildxpert-migrate'",
            db.name
        )) != ["0"]
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the cut session lingers"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        at_a_boundary(&db, cut);
        migrate(&db.url, &[]).assert_code(0);
        migrate(&db.url, &["status", "--check"]).assert_code(0);
    }
    assert!(
        codes.contains(&9),
        "no cut point lost a connection mid-run: {codes:?}"
    );
}
