#!/usr/bin/env bash
# Deploy speed: cold deploy, no-op redeploy and the no-op playbook (--force), on a throwaway embedded AWS of
# its own (a free port, its own state and build folders). The measuring is bench/deploy.py's.
#
#   bench/deploy.sh [--runs N]     (N runs of each no-op kind, default 2; the median is reported)
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../bin/lib/common.sh"
ensure_venv runtime
activate_venv
# As in a trainer's usual environment: Python keeps its bytecode caches (a machine may switch them off).
unset PYTHONDONTWRITEBYTECODE
exec python "${TT_ROOT}/bench/deploy.py" "$@"
