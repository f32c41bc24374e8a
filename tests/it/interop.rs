//! Our binary and Diesel's own file-based harness (what `diesel migration
//! run` uses) agree on what is applied, both ways.

use std::path::Path;

use diesel_migrations::{FileBasedMigrations, MigrationHarness};

use crate::support::{PgDb, migrate};

fn diesel_set() -> FileBasedMigrations {
    FileBasedMigrations::from_path(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres"),
    )
    .unwrap()
}

#[test]
fn a_database_migrated_by_diesel_is_up_to_date_for_us() {
    let db = PgDb::new();
    let mut conn = db.conn();
    let applied = conn.run_pending_migrations(diesel_set()).unwrap();
    assert_eq!(applied.len(), 5);
    let before = db.dump();

    let out = migrate(&db.url, &[]);
    out.assert_code(0);
    assert!(
        out.stdout
            .contains("Done: 0 applied, 0 skipped, 5 already applied"),
        "{}",
        out.stdout
    );
    let status = migrate(&db.url, &["status", "--format", "json", "--check"]);
    status.assert_code(0);
    let rows: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    for row in rows.as_array().unwrap() {
        assert_eq!(row["state"], "applied");
        // Applied by Diesel: the time comes from its run_on, no duration is known.
        assert!(row["executed_at"].as_str().unwrap().ends_with('Z'));
        assert!(row["execution_time_ms"].is_null());
    }
    // Only our tracking table was added.
    let after = db.dump();
    assert!(after.contains("CREATE TABLE public.migrations"));
    assert!(!before.contains("CREATE TABLE public.migrations"));
}

#[test]
fn a_database_migrated_by_us_is_up_to_date_for_diesel() {
    let db = PgDb::new();
    migrate(&db.url, &[]).assert_code(0);
    let mut conn = db.conn();
    assert!(conn.pending_migrations(diesel_set()).unwrap().is_empty());
    assert_eq!(conn.applied_migrations().unwrap().len(), 5);
    let last = conn.revert_last_migration(diesel_set()).unwrap();
    assert_eq!(last.to_string(), "005");
    let out = migrate(&db.url, &[]);
    out.assert_code(0);
    assert!(
        out.stdout
            .contains("Done: 1 applied, 0 skipped, 4 already applied"),
        "{}",
        out.stdout
    );
}
