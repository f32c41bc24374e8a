"""Shared helpers of sqlite_check.py and sqlite_parity.py (Python 3 standard library only).

- the migration files: SQLite 001-005 from migrations/sqlite, 006-036 from
  migrations/drafts/sqlite (same directory names as migrations/drafts/postgres);
- apply(): one file in one transaction, as the runner runs it (BEGIN IMMEDIATE, the file,
  the runner's reset statements, COMMIT; ROLLBACK on error), on a connection with
  foreign_keys ON;
- the sample rows: example-upgrade.before.data.sql (the Node.js runner's example database,
  001-005 schema) and tools/extra-data.sql, both written for PostgreSQL, turned into SQLite
  statements; plus a few rows of this checker's own (EXTRA_ROWS, valid on both backends)
  added after given versions, for tables the example leaves empty;
- schema() and rows(): what the checks compare.

BXM_SQLITE_MODULE=sqlean (or another DB-API module with the sqlite3 interface) runs
everything on that module's SQLite instead of the standard library's.
"""
import importlib
import json
import os
import re
from pathlib import Path

sqlite3 = importlib.import_module(os.environ.get("BXM_SQLITE_MODULE", "sqlite3"))

TOOLS = Path(__file__).resolve().parent
DRAFTS = TOOLS.parent
MAIN = DRAFTS.parent.parent
SQLITE_BASE = MAIN / "migrations" / "sqlite"
SQLITE_DRAFT = DRAFTS / "sqlite"
PG_BASE = MAIN / "migrations" / "postgres"
PG_DRAFT = DRAFTS / "postgres"
RELEASES = MAIN.parent / "shared" / "reference" / "node-runner" / "releases"
EXAMPLE_DATA = RELEASES / "example-upgrade.before.data.sql"
EXTRA_DATA = TOOLS / "extra-data.sql"

# What the runner appends to every migration, inside its transaction
# (src/engine/sqlite.rs: reset_sql).
RUNNER_RESET = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000"


def versions(base):
    """[(version, directory)] of one migration folder, in order."""
    return sorted((d.name[:3], d) for d in base.iterdir() if d.is_dir() and d.name[:3].isdigit())


def base_dirs():
    return versions(SQLITE_BASE)


def draft_dirs():
    return versions(SQLITE_DRAFT)


def connect(path):
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class MigrationError(Exception):
    pass


def apply(conn, sql, what=""):
    """Runs one migration file in one write transaction, as the runner does."""
    try:
        conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\n;\n{RUNNER_RESET};\nCOMMIT;")
    except Exception as e:  # sqlite3.Error, or the module's own
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise MigrationError(f"{what}: {e}") from None


def apply_file(conn, path):
    apply(conn, Path(path).read_text(), str(Path(path).relative_to(MAIN)))


# ---------------------------------------------------------------------------------------
# Sample rows

def split_statements(text):
    """Splits PostgreSQL/SQLite text at semicolons outside quotes and comments."""
    out, cur, i, n = [], [], 0, len(text)
    while i < n:
        c = text[i]
        if c == "'":
            j = i + 1
            while j < n:
                if text[j] == "'":
                    if j + 1 < n and text[j + 1] == "'":
                        j += 2
                        continue
                    break
                j += 1
            cur.append(text[i:j + 1])
            i = j + 1
        elif c == "-" and text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif c == ";":
            s = "".join(cur).strip()
            if s:
                out.append(s)
            cur = []
            i += 1
        else:
            cur.append(c)
            i += 1
    s = "".join(cur).strip()
    if s:
        out.append(s)
    return out


_PG_ARRAY = re.compile(r"^\{[^{}\"]+\}$")


def pg_to_sqlite(stmt):
    """One PostgreSQL INSERT of the sample files as SQLite: no schema prefix, booleans 0/1,
    text[] literals (only provider_services.working_proof_urls has them) as JSON arrays."""
    parts, i, n = [], 0, len(stmt)
    while i < n:
        if stmt[i] == "'":
            j = i + 1
            while j < n:
                if stmt[j] == "'":
                    if j + 1 < n and stmt[j + 1] == "'":
                        j += 2
                        continue
                    break
                j += 1
            lit = stmt[i:j + 1]
            body = lit[1:-1]
            if _PG_ARRAY.match(body):
                lit = "'" + json.dumps(body[1:-1].split(",")).replace("'", "''") + "'"
            parts.append(lit)
            i = j + 1
        else:
            j = stmt.find("'", i)
            j = n if j < 0 else j
            seg = stmt[i:j]
            seg = seg.replace("public.", "")
            seg = re.sub(r"\btrue\b", "1", seg, flags=re.I)
            seg = re.sub(r"\bfalse\b", "0", seg, flags=re.I)
            parts.append(seg)
            i = j
    return "".join(parts)


def sample_statements():
    """The example and extra rows as SQLite statements (INSERTs only)."""
    out = []
    for path in (EXAMPLE_DATA, EXTRA_DATA):
        for s in split_statements(path.read_text()):
            if s.upper().startswith("INSERT"):
                out.append(pg_to_sqlite(s))
    return out


def load_sample(conn):
    """The example rows are listed by table name, not in FK order: FKs are checked at COMMIT."""
    body = ";\n".join(sample_statements())
    conn.executescript(f"BEGIN;\nPRAGMA defer_foreign_keys = ON;\n{body};\nCOMMIT;")


# Rows of this checker's own, added right after the given version (plain SQL, valid on
# PostgreSQL and SQLite): children of bookings and payments (004's and 003's tables), so
# that every change to those tables is seen to keep them; a receipt linked to a queue
# entry (011); sub-services (027, 030's rebuild); rows for the new tables of 007-018.
EXTRA_ROWS = {
    "005": """
INSERT INTO call_sessions (id, booking_id, session_id, proxy_number, customer_phone, provider_phone)
VALUES ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-000000000802', 'S-1', '+910000', '+911111', '+912222');
INSERT INTO call_logs (id, booking_id, session_id, call_sid, caller_type, caller_phone)
VALUES ('00000000-0000-4000-8000-00000000c101', '00000000-0000-4000-8000-000000000803', 'S-1', 'CA-1', 'user', '+911111');
INSERT INTO call_events (id, call_log_id, event_type)
VALUES ('00000000-0000-4000-8000-00000000c201', '00000000-0000-4000-8000-00000000c101', 'started');
INSERT INTO payment_events (id, payment_transaction_id, event_type, user_id)
VALUES ('00000000-0000-4000-8000-00000000c301', '00000000-0000-4000-8000-000000001003', 'created', '00000000-0000-4000-8000-000000000202');
INSERT INTO user_push_tokens (id, user_id, push_token)
VALUES ('00000000-0000-4000-8000-00000000c401', '00000000-0000-4000-8000-000000000301', 'tok1');
""",
    "007": """
INSERT INTO user_reports_providers (id, reported_by_user_id, reported_provider_id, incident_date, incident_type, description, status)
VALUES ('00000000-0000-4000-8000-00000000c501', '00000000-0000-4000-8000-000000000301', '00000000-0000-4000-8000-000000000201', '2025-11-01', 'late', 'Arrived late', 'open');
INSERT INTO provider_reports_users (id, provider_id, customer_name, customer_user_id, incident_date, incident_type, description)
VALUES ('00000000-0000-4000-8000-00000000c502', '00000000-0000-4000-8000-000000000201', 'Priya Sharma', '00000000-0000-4000-8000-000000000301', '2025-11-02', 'abuse', 'Rude');
""",
    "008": """
INSERT INTO labour_payment_transactions (id, order_id, user_id, amount, service_name)
VALUES ('00000000-0000-4000-8000-00000000c601', 'LAB-1', '00000000-0000-4000-8000-000000000204', 49, 'labors');
INSERT INTO labour_payment_events (id, payment_transaction_id, event_type, user_id)
VALUES ('00000000-0000-4000-8000-00000000c602', '00000000-0000-4000-8000-00000000c601', 'created', '00000000-0000-4000-8000-000000000204');
UPDATE users SET labour_access_status = 'active', labour_access_start_date = '2025-11-01 00:00:00',
                 labour_access_end_date = '2026-11-01 00:00:00'
WHERE id = '00000000-0000-4000-8000-000000000204';
""",
    "010": """
INSERT INTO user_sessions (user_id, token_jti, ip_address, expires_at)
VALUES ('00000000-0000-4000-8000-000000000301', 'jti-1', '10.0.0.1', '2030-01-01 00:00:00');
INSERT INTO login_attempts (phone, ip_address, attempt_type, user_id)
VALUES ('+919200000001', '10.0.0.1', 'failed', '00000000-0000-4000-8000-000000000301');
""",
    "011": """
UPDATE notification_receipts SET queue_id = '00000000-0000-4000-8000-000000009a03'
WHERE id = '00000000-0000-4000-8000-000000009b02';
""",
    "016": """
INSERT INTO blocked_identifiers (id, identifier_type, identifier_value, role, blocked_by)
VALUES ('00000000-0000-4000-8000-00000000c701', 'phone', '+919999999999', 'user', '00000000-0000-4000-8000-000000000101');
""",
    "018": """
INSERT INTO refresh_tokens (id, user_id, token_hash, token_jti, access_token_jti, expires_at, created_at)
VALUES ('00000000-0000-4000-8000-00000000c801', '00000000-0000-4000-8000-000000000301', 'hash-1',
        '00000000-0000-4000-8000-00000000c802', '00000000-0000-4000-8000-00000000c803', '2030-01-01 00:00:00', '2025-12-01 00:00:00');
""",
    "027": """
INSERT INTO provider_sub_services (id, provider_service_id, service_id, price, created_at, updated_at)
VALUES ('00000000-0000-4000-8000-00000000c901', '00000000-0000-4000-8000-000000000704', '00000000-0000-4000-8000-000000000504', 150, '2025-12-20 10:00:00', '2025-12-20 10:00:00'),
       ('00000000-0000-4000-8000-00000000c902', '00000000-0000-4000-8000-000000000701', '00000000-0000-4000-8000-000000000501', 300.5, '2025-12-20 10:00:00', '2025-12-20 10:00:00');
""",
}


# ---------------------------------------------------------------------------------------
# What the checks compare

def schema(conn):
    """Every schema object's (type, name, table, sql), sorted: `sqlite3 FILE .schema` as a
    set (sqlite_master's row order changes when an object is recreated), temp objects
    included (none may be left behind)."""
    rows = conn.execute(
        "SELECT 'main', type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL "
        "UNION ALL SELECT 'temp', type, name, tbl_name, sql FROM sqlite_temp_master WHERE sql IS NOT NULL"
    ).fetchall()
    return sorted(rows)


def tables(conn):
    return [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")]


def rows(conn):
    """{table: {key: {column: value}}}, keyed by id (rowid where there is none)."""
    out = {}
    for t in tables(conn):
        cols = [r[1] for r in conn.execute(f'SELECT * FROM pragma_table_info("{t}")')]
        key = "id" if "id" in cols else "rowid"
        cur = conn.execute(f'SELECT {key}, * FROM "{t}"')
        names = [d[0] for d in cur.description][1:]
        out[t] = {str(r[0]): dict(zip(names, r[1:])) for r in cur.fetchall()}
    return out


def keys(data):
    return {t: set(v) for t, v in data.items()}


def integrity(conn):
    """Problems found by SQLite's own checks (FKs, file structure)."""
    probs = [f"foreign_key_check: {r}" for r in conn.execute("PRAGMA foreign_key_check").fetchall()]
    res = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
    if res != ["ok"]:
        probs += [f"integrity_check: {r}" for r in res]
    return probs
