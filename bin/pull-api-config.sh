#!/usr/bin/env bash
# Print the API URL and a student's API key, as the original service did; every student's key as CSV; or the
# trainer's key and the trainer page's address.
#
#   bin/pull-api-config.sh --student student01          # API Endpoint URL: ... / API Key: ...
#   bin/pull-api-config.sh --student student01 --save   # also writes ${TRAININGS_CONFIG:-~/.trainings/config}
#   bin/pull-api-config.sh --all > keys.csv             # student_id,email,api_key,name,api_url,portal_url
#   bin/pull-api-config.sh --trainer                    # the trainer's key and the trainer page's address
#   bin/pull-api-config.sh --target aws [--region R] --student student01
#
# --save writes the student client's config (API_URL, API_KEY, STUDENT_ID; mode 600) for bin/test-time.sh.
# Exit status: 0 done, 1 unknown student or deployment problem, 2 usage error. -h: this help.
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
hand_over pull-api-config "$@"
