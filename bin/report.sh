#!/usr/bin/env bash
# The item analysis of each test, from what the scorer wrote: submitted and missing counts, mean, median and
# standard deviation of the percent, the grade distribution, and per question its facility (share with full
# marks), discrimination (against the rest of the test, as Moodle's index), choice counts and what needs a look.
#
#   bin/report.sh                              # every test, as text
#   bin/report.sh --subject os --test quiz1    # one test
#   bin/report.sh --subject os                 # the tests of one subject
#   bin/report.sh --json                       # {"tests": [{"subject", "testId", "mean", "questions": [...]}]}
#   bin/report.sh --target aws [--region R]    # the deployment in a real account
#
# Reads only; a test not scored yet is listed as such ("scored": false in JSON). Exit status: 0 when the report
# printed, 1 when the deployment or its bucket cannot be read, 2 for a bad option or a test that does not exist.
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
hand_over report "$@"
