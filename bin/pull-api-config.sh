#!/usr/bin/env bash
# Print the API URL and a student's API key, as the original service did; or every student's key as CSV.
#
#   bin/pull-api-config.sh --student student01          # API Endpoint URL: ... / API Key: ...
#   bin/pull-api-config.sh --student student01 --save   # also writes ${TRAININGS_CONFIG:-~/.trainings/config}
#   bin/pull-api-config.sh --all > keys.csv             # student_id,email,api_key of the published class list
#   bin/pull-api-config.sh --target aws [--region R] --student student01
#
# --save writes the student client's config (API_URL, API_KEY, STUDENT_ID; mode 600) for bin/test-time.sh.
# Exit status: 0 done, 1 unknown student or deployment problem, 2 usage error. -h: this help.
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
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
if [[ " ${args[*]-} " != *" --student"* && " ${args[*]-} " != *" --all "* ]]; then
  echo "error: say whose key: --student ID, or --all for every student." >&2
  usage >&2
  exit 2
fi

ensure_venv runtime
activate_venv
select_target "$target" "$region"
if [[ "$target" == local ]]; then
  "${TT_ROOT}/bin/local-aws.sh" status >/dev/null || die "the local AWS is not running: run ./deploy-api-gateway.sh first."
else
  require_aws_credentials
fi
exec python -m ops.pull_api_config --target "$target" ${args[@]+"${args[@]}"}
