#!/usr/bin/env bash
# The emails the embedded local AWS captured instead of delivering them (SES of MiniStack): what the
# scorer sent to the students and to the trainer.
#
#   bin/outbox.sh                           # one block per email: date, from, to, subject, text body
#   bin/outbox.sh --to student01@example.com --since 2026-11-23T23:00:00+01:00
#   bin/outbox.sh --json                    # [{"to": [...], "subject", "text", "html", "timestamp", ...}]
#
# Local target only: a real SES (--target aws) keeps no outbox.
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
    -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done
case "$target" in
  local) ;;
  aws)
    echo "error: SES keeps no outbox on --target aws: only the embedded local AWS captures emails." >&2
    exit 2
    ;;
  *)
    echo "error: --target must be local or aws, not '$target'." >&2
    exit 2
    ;;
esac

ensure_venv runtime
activate_venv
select_target "$target" "$region"
exec python -m ops.outbox --target "$target" ${args[@]+"${args[@]}"}
