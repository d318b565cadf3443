#!/usr/bin/env bash
# Publish the tests and the class list after a lesson: validates everything first, then uploads only what
# changed, creates or disables one API key per student, and closes tests removed from the content.
#
#   ./update-subjects-or-students.sh                       # content/ to the local deployment
#   ./update-subjects-or-students.sh --content DIR         # another folder (the original JSON layout works too)
#   ./update-subjects-or-students.sh --check               # print what would change; change nothing
#   ./update-subjects-or-students.sh --target aws [--region R]
#
# Other options: --timezone TZ, --ses-verify-students / --no-ses-verify-students, -h, and --yes: publish an
# answer key changed after the scorer scored its test without asking (it is rescored, each changed score emailed).
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bin/lib/common.sh"

parse_target_options "$@"
use_deployed_target
# Relative --content paths are the caller's; the default is the repository's content/.
[[ " ${TT_ARGS[*]-} " == *" --content"* ]] || TT_ARGS+=(--content "${TT_ROOT}/content")
exec python -m ops.publish --target "$TT_OPT_TARGET" "${TT_ARGS[@]}"
