#!/usr/bin/env bash
# The test run behind `make test`: the whole suite, with artefacts (screenshots, plans) kept in
# test-artifacts/. pytest's "no tests collected" (exit 5) counts as a failure here.
#
# Two pytest-xdist workers (TWIN_TEST_WORKERS, default 2 = the CI machine's cores; 0 = no
# workers, one process as before), with --dist loadfile: a module's tests stay together on one
# worker, so module fixtures (servers, chromium, stores) are set up once, as in a serial run.
# Why that is safe and what it gains: docs/api-robustness.md, "Test suite budget".
# --durations=25 puts the slowest set-ups and tests at the end of every log.
set -uo pipefail
mkdir -p test-artifacts
workers="${TWIN_TEST_WORKERS:-2}"
parallel=()
[ "$workers" != 0 ] && parallel=(-n "$workers" --dist loadfile)
.venv/bin/python -m pytest -q -p no:cacheprovider --durations=25 "${parallel[@]}" "$@"
rc=$?
[ "$rc" = 5 ] && { echo "no tests were collected" >&2; exit 1; }
exit "$rc"
