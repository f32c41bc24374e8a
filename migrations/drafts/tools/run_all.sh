#!/bin/bash
# Runs every check of the draft against the local PostgreSQL (127.0.0.1:5432, user
# postgres) and writes the outputs to /tmp/bxm-draft-results/. Scratch databases: bxm_draft_*
# (dropped at the end of each check). Takes about 30 minutes on 2 cores.
cd "$(dirname "$0")"
OUT=${OUT:-/tmp/bxm-draft-results}; mkdir -p $OUT
run() { echo "##### $1"; shift; "$@" 2>&1 | grep -v 'NOTICE:'; echo; }
{
run "lint (static rules)"                                   python3 -u lint.py
run "(a)(c)(d) schema: ups in one transaction each, downs" ./scenario_a_c_d.sh
run "(b) every up twice, statement by statement"           ./scenario_b.sh
run "(e) example-upgrade data vs the Node.js runner"       ./scenario_e.sh
run "(f)(g) batch statements in key ranges, runner's way"  python3 -u batch_check.py
run "interrupted runs are completed by a re-run"           python3 -u interrupted_check.py
run "Node.js release states upgraded by the draft"         ./scenario_releases.sh
} | tee $OUT/run_all.txt
