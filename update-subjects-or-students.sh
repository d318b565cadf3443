#!/usr/bin/env bash
# Publish the tests and the class list after a lesson: validates everything first, then uploads only what
# changed, creates or disables one API key per student, and closes tests removed from the content.
#
#   ./update-subjects-or-students.sh                       # content/ to the local deployment
#   ./update-subjects-or-students.sh --content DIR         # another folder (the original JSON layout works too)
#   ./update-subjects-or-students.sh --check               # print what would change; change nothing
#   ./update-subjects-or-students.sh --target aws [--region R]
#
# Other options: --timezone TZ, --ses-verify-students / --no-ses-verify-students, -h.
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bin/lib/common.sh"

target=local
region=""
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --target) target="${2:-}"; shift 2 || die "--target needs a value" ;;
    --target=*) target="${1#*=}"; shift ;;
    --region) region="${2:-}"; shift 2 || die "--region needs a value" ;;
    --region=*) region="${1#*=}"; shift ;;
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done
[[ "$target" == local || "$target" == aws ]] || die "--target must be local or aws, not '$target'."

ensure_venv runtime
activate_venv
select_target "$target" "$region"
if [[ "$target" == local ]]; then
  "${TT_ROOT}/bin/local-aws.sh" status >/dev/null || die "the local AWS is not running: run ./deploy-api-gateway.sh first."
else
  require_aws_credentials
fi
# Relative --content paths are the caller's; the default is the repository's content/.
[[ " ${args[*]-} " == *" --content"* ]] || args+=(--content "${TT_ROOT}/content")
exec python -m ops.publish --target "$target" "${args[@]}"
