#!/usr/bin/env bash
# Every check and every test, on a fresh machine too: creates .venv from the pinned requirements, installs
# the system packages the tests drive (tmux, headless chromium) and axe-core (npm, pinned in tests/support/axe), then
# runs pytest, the linters included (tests/static/test_linters.py).
# Extra arguments go to pytest, e.g. ./run-tests.sh tests/unit -k scoring (TEST_WORKERS=0 for one process)
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bin/lib/common.sh"
cd "$TT_ROOT"
# Python's bytecode caches, on: a machine's environment may switch them off (PYTHONDONTWRITEBYTECODE), and then each
# of the suite's hundreds of Python processes (every ansible-playbook, tool, function and emulator) compiles all it
# imports again, and pytest rewrites every test file's asserts again in each worker. They go to __pycache__/
# folders, which git ignores; uv installs .venv without them (compiled on first import instead).
unset PYTHONDONTWRITEBYTECODE

# What the tests need besides .venv is installed meanwhile, in the background: the system packages, then axe-core
# (both may use apt-get, which takes one at a time), and checkov's own venv (its pins conflict with ours: installed
# here once, not inside a test's timeout). A failure of either ends the run, with its own message.
# (set -e again inside: a function called as part of an && list would run without it.) Should this script stop
# early, they are stopped too: an apt-get left running would hold dpkg's lock against the next run.
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
(
  set -e
  ensure_test_system_packages
  ensure_axe
) &
system_packages=$!
tests/static/ensure-checkov.sh >/dev/null &
checkov=$!
ensure_venv dev
activate_venv
wait "$system_packages" || die "the system packages the tests need could not be installed (see above)."
wait "$checkov" || die "checkov could not be installed (see above)."

# Test files run on TEST_WORKERS processes (pytest-xdist; a file's tests stay together, in order, on one
# worker): each integration module drives its own emulator on free ports, so they do not meet. Four on two cores:
# most of an integration test's time is spent waiting (for a function, a stack, a browser), not computing
# (the suite took 15.7 min of pytest on 2 workers, 11 on 4, on a 2-core machine). TEST_WORKERS=0
# runs everything in this process.
# The caller's shell may have CLASS_LANGUAGE set (bin/portal.sh reads it): the tests choose their language
# themselves, so none is inherited (tests/conftest.py removes it too, for pytest run directly).
unset CLASS_LANGUAGE
info "pytest (${TEST_WORKERS:-4} workers)"
# --no-loadscope-reorder: xdist would otherwise hand out the files with the most tests first, undoing the longest
# first order of tests/support/longest_first.py (a one-test integration file of 75 s then ran alone at the end).
python -m pytest -n "${TEST_WORKERS:-4}" --dist loadfile --no-loadscope-reorder --durations=25 "$@"
