#!/usr/bin/env bash
# Where every test stands: its title and deadline in the trainer's time zone, open, closed (not all scored yet),
# scored, or regrade (its answer key changed since it was scored), how many students submitted and how many are
# missing, the reminders sent, and when the scorer runs next (scorer_schedule and trainer_timezone in
# group_vars/all.yml).
#
#   bin/status.sh                                      # every test, now
#   bin/status.sh --as-of 2026-11-30T23:30:00+01:00    # as if it were then (ISO 8601 with offset)
#   bin/status.sh --target aws [--region R]            # the deployment in a real account
#
# Reads only. Exit status: 0 when the status was printed, 1 when the deployment or its bucket cannot be read,
# 2 for a bad option.
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
hand_over status "$@"
