#!/usr/bin/env python3
"""interrupted_check.py          (env: ONLY=<version prefix>)

Proves that a run interrupted anywhere is completed by the next run: for every draft
migration with S statements and every k in 1..S-1, on the database migrated up to the
migration before it (example-upgrade rows plus extra-data.sql):
    run the first k statements the runner's way (each in its own transaction), i.e. stop
    after statement k, then run the whole up.sql (psql -1);
the catalog and the rows must equal those of a single uninterrupted run.
(For 030 this is the case the Node.js runner never completes.)
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import batch_check as bc  # noqa: E402
import catalog_diff  # noqa: E402
import catalog_dump  # noqa: E402
import data_dump  # noqa: E402

ONLY = os.environ.get("ONLY")


def main():
    ok = True
    base = "bxm_draft_i_base"
    bc.fresh(base)
    bc.psql(base, open(f"{bc.R}/bbcd598.schema.sql").read())
    env = dict(os.environ, PGOPTIONS="-c session_replication_role=replica")
    for f in (f"{bc.R}/example-upgrade.before.data.sql", f"{bc.TOOLS}/extra-data.sql"):
        subprocess.run(bc.PSQL + ["-1", "-d", base, "-f", f], env=env, check=True, capture_output=True)
    for d in sorted(os.listdir(bc.DRAFT)):
        text = open(f"{bc.DRAFT}/{d}/up.sql").read()
        if not ONLY or d.startswith(ONLY):
            bc.fresh("bxm_draft_i_ref", base)
            bc.psql("bxm_draft_i_ref", text, single=True)
            ref_cat, ref_rows = catalog_dump.dump("bxm_draft_i_ref"), data_dump.dump("bxm_draft_i_ref")
            stmts = [s + ";" for _, s in bc.split_sql(text)]
            bad = []
            for k in range(1, len(stmts)):
                bc.fresh("bxm_draft_i_k", base)
                for s in stmts[:k]:
                    bc.psql("bxm_draft_i_k", s)
                bc.psql("bxm_draft_i_k", text, single=True)
                d1 = catalog_diff.diff(ref_cat, catalog_dump.dump("bxm_draft_i_k"))
                d2 = data_dump.diff(ref_rows, data_dump.dump("bxm_draft_i_k"))
                if d1 or d2:
                    bad.append((k, d1 + d2))
            print(f"{d}: {len(stmts)} statements, interrupted after 1..{len(stmts) - 1} then re-run: "
                  + ("all complete to the same catalog and rows" if not bad else f"{len(bad)} FAILED"))
            for k, lines in bad:
                print(f"    after statement {k}:")
                for line in lines[:10]:
                    print("        " + line)
            ok &= not bad
        bc.psql(base, text, single=True)
    for db in ("bxm_draft_i_ref", "bxm_draft_i_k", base):
        bc.psql_val("postgres", f"DROP DATABASE IF EXISTS {db}")
    print("ALL OK" if ok else "FAILURES")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
