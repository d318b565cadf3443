#!/usr/bin/env bash
# Deploy speed: the cold deploy (empty embedded AWS) against the no-op redeploy (nothing changed).
# Target: the no-op run takes at most a third of the cold one. Uses its own throwaway embedded AWS on a free
# port, so the trainer's .local/ and build/ are left alone.
#
#   bench/deploy.sh [--runs N]     (N no-op runs, default 2; the median is reported)
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../bin/lib/common.sh"

runs=2
if [[ "${1:-}" == "--runs" ]]; then
  runs="${2:?--runs needs a number}"
fi

ensure_venv runtime
activate_venv

work="$(mktemp -d)"
LOCAL_AWS_PORT="$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export LOCAL_AWS_PORT LOCAL_AWS_STATE_DIR="${work}/ministack" TT_BUILD_ROOT="${work}/build"
cleanup() {
  "${TT_ROOT}/bin/local-aws.sh" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"${TT_ROOT}/bin/local-aws.sh" start >/dev/null

seconds() {
  local start end
  start="$(date +%s.%N)"
  "${TT_ROOT}/deploy-api-gateway.sh" "$@" >"${work}/last.log" 2>&1 || {
    tail -n 40 "${work}/last.log" >&2
    die "the deploy failed (log above)"
  }
  end="$(date +%s.%N)"
  python -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$end"
}

cold="$(seconds)"
noops=()
for _ in $(seq "$runs"); do
  noops+=("$(seconds)")
  grep -q 'nothing changed since the last deploy' "${work}/last.log" || die "a no-op redeploy ran the playbook"
done
# The whole playbook with nothing to do (what --force runs): Ansible's own idempotency, for comparison.
forced="$(seconds --force)"
grep -q 'changed=0 ' "${work}/last.log" || die "a forced redeploy reported changes: $(grep 'changed=' "${work}/last.log")"

python - "$cold" "$forced" "${noops[@]}" <<'PY'
import statistics, sys
cold, forced = float(sys.argv[1]), float(sys.argv[2])
noop = statistics.median(float(v) for v in sys.argv[3:])
ratio = noop / cold
print(f"cold deploy:          {cold:6.1f} s")
print(f"no-op redeploy:       {noop:6.1f} s   (median of {len(sys.argv) - 3}; up-to-date check, every stack verified)")
print(f"forced full playbook: {forced:6.1f} s   (--force; Ansible reported changed=0)")
print(f"ratio no-op / cold:   {ratio:6.2f}     target <= 0.33: {'met' if ratio <= 1 / 3 else 'NOT met'}")
PY
