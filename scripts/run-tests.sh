#!/usr/bin/env bash
# The test run behind `make test`: the whole suite, with artefacts (screenshots, plans) kept in
# test-artifacts/. pytest's "no tests collected" (exit 5) counts as a failure here.
set -uo pipefail
mkdir -p test-artifacts
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
rc=$?
[ "$rc" = 5 ] && { echo "no tests were collected" >&2; exit 1; }
exit "$rc"
