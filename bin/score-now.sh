#!/usr/bin/env bash
# Run the deployed scorer now instead of waiting for its weekly schedule, and print its summary.
#
#   bin/score-now.sh                                   # score everything past its deadline, as of now
#   bin/score-now.sh --as-of 2026-11-23T23:30:00+01:00 # as if it were that instant (ISO 8601 with offset)
#   bin/score-now.sh --as-of 2027-01-10T23:30:00+01:00 --yes  # later than now: refused without --yes (exit 1),
#                                                      # as it would score and email tests that are still open
#   bin/score-now.sh --target aws [--region R]         # the deployment in a real account
#   bin/score-now.sh --json                            # the function's summary as JSON
#   bin/score-now.sh --status                          # only the failed runs of the last 14 days, scoring nothing
#   bin/score-now.sh --status --dismiss-failures       # ... and forget the ones shown
#
# The summary ends with the scheduled or handed-over runs that failed (kept 14 days in the scorer's failure
# queue; reading them leaves them there). Emails already sent are never sent again, so running it twice is safe.
# Exit status: 0 when the scorer ran, 1 when the deployment is missing, the function failed or a future --as-of
# came without --yes (nothing sent), 2 for a bad option. Every option: bin/score-now.sh --help (ops/score_now.py).
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
hand_over score-now "$@"
