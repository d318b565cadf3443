#!/usr/bin/env bash
# Show a function's CloudWatch logs.
#
#   bin/logs.sh list-tests                  # the last 10 minutes of /aws/lambda/<project_name>-list-tests
#   bin/logs.sh scorer --since 2d           # since 30s, 30m, 1h, 2d, 1w ago, or an ISO 8601 instant
#   bin/logs.sh submit-test --follow        # keep printing new lines (polls every 2 s) until Ctrl-C
#   bin/logs.sh get-test --target aws [--region R]
#
# FUNCTION: list-tests, get-test, submit-test, scorer, results, a full function name, or a log group (/...).
# Other options: --raw (the events as CloudWatch holds them, not level + message), -h.
# Exit status: 0 done (also after Ctrl-C), 1 no such log group or an AWS problem, 2 usage error.
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
}

target=local
region=""
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --target) target="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    --target=*) target="${1#*=}"; shift ;;
    --region) region="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    --region=*) region="${1#*=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [[ "$target" != local && "$target" != aws ]]; then
  echo "error: --target must be local or aws, not '$target'." >&2
  exit 2
fi
if [[ ${#args[@]} -eq 0 ]]; then
  echo "error: name the function, e.g. bin/logs.sh list-tests" >&2
  usage >&2
  exit 2
fi

ensure_venv runtime
activate_venv
select_target "$target" "$region"
if [[ "$target" == local ]]; then
  "${TT_ROOT}/bin/local-aws.sh" status >/dev/null || die "the local AWS is not running: start it with bin/local-aws.sh start."
else
  require_aws_credentials
fi
exec python -m ops.logs --target "$target" "${args[@]}"
