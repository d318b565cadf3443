#!/usr/bin/env bash
# Run the deployed scorer now instead of waiting for its weekly schedule, and print its summary.
#
#   bin/score-now.sh                                   # score everything past its deadline, as of now
#   bin/score-now.sh --as-of 2026-11-23T23:30:00+01:00 # as if it were that instant (ISO 8601 with offset)
#   bin/score-now.sh --target aws [--region R]         # the deployment in a real account
#   bin/score-now.sh --json                            # the function's summary as JSON
#
# Emails already sent are never sent again, so running it twice is safe. Exit status: 0 when the scorer ran,
# 1 when the deployment is missing or the function failed, 2 for a bad option.
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

target=local
region=""
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --target) target="${2:-}"; shift 2 || { echo "error: --target needs a value" >&2; exit 2; } ;;
    --target=*) target="${1#*=}"; shift ;;
    --region) region="${2:-}"; shift 2 || { echo "error: --region needs a value" >&2; exit 2; } ;;
    --region=*) region="${1#*=}"; shift ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [[ "$target" != local && "$target" != aws ]]; then
  echo "error: --target must be local or aws, not '$target'." >&2
  exit 2
fi

ensure_venv runtime
activate_venv
select_target "$target" "$region"
exec python -m ops.score_now --target "$target" ${args[@]+"${args[@]}"}
