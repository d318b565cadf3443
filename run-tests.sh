#!/usr/bin/env bash
# Every check and every test, on a fresh machine too: creates .venv from the pinned requirements, installs
# the system packages the tests drive (tmux, headless chromium) and axe-core (npm, pinned in tests/support/axe), then
# lints and runs pytest.
# Extra arguments go to pytest, e.g. ./run-tests.sh tests/unit -k scoring (TEST_WORKERS=0 for one process)
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bin/lib/common.sh"
cd "$TT_ROOT"

ensure_venv dev
activate_venv
ensure_test_system_packages
ensure_axe

info "ruff"
ruff check .
ruff format --check .

info "shellcheck"
mapfile -t shell_scripts < <(git ls-files '*.sh' 'bin/*' '.ci/run' | sort -u | while read -r f; do
  [[ -f "$f" ]] && head -n 1 "$f" | grep -q 'bash' && echo "$f"
done)
shellcheck -x "${shell_scripts[@]}"

info "yamllint"
yamllint -s -c .yamllint.yml .

info "ansible-lint"
ansible-lint --nocolor -q

info "ansible-playbook --syntax-check"
for playbook in playbooks/*.yml; do
  ansible-playbook --syntax-check "$playbook" >/dev/null
done

# Test files run on TEST_WORKERS processes (pytest-xdist; a file's tests stay together, in order, on one
# worker): each integration module drives its own emulator on free ports, so they do not meet. Four on two cores:
# most of an integration test's time is spent waiting (for a function, a stack, a browser), not computing
# (the suite took 15.7 min of pytest on 2 workers, 11 on 4, on a 2-core machine). TEST_WORKERS=0
# runs everything in this process.
# checkov lives in a venv of its own (its pins conflict with ours): installed here once, not inside a test's timeout.
info "checkov's venv"
tests/static/ensure-checkov.sh >/dev/null

# The caller's shell may have CLASS_LANGUAGE set (bin/portal.sh reads it): the tests choose their language
# themselves, so none is inherited (tests/conftest.py removes it too, for pytest run directly).
unset CLASS_LANGUAGE
info "pytest (${TEST_WORKERS:-4} workers)"
python -m pytest -n "${TEST_WORKERS:-4}" --dist loadfile --durations=25 "$@"
