#!/usr/bin/env bash
# Email each student of the published class list their API URL, their API key, the portal's address and the
# one-line terminal set-up: once, and again only when their key or an address changed (say, after a redeploy
# gave the API a new URL).
#
#   bin/invite-students.sh                       # every student not yet invited, or whose key or URL changed
#   bin/invite-students.sh --student student01   # that student only, even when nothing changed
#   bin/invite-students.sh --dry-run             # say who would get what; send nothing
#   bin/invite-students.sh --target aws [--region R]
#
# Prints one line per student (sent, unchanged, or failed and why) and a total. Emails go through SES at its send
# rate and stop at its daily quota (run again the next day for the rest); locally they land in bin/outbox.sh.
# Exit status: 0 done, 1 a student's email could not be sent (or no deployment), 2 usage error. -h: this help.
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
hand_over invite "$@"
