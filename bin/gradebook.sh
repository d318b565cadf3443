#!/usr/bin/env bash
# The gradebook, from what the scorer wrote: one row per student of the class list (id, name, email), the percent
# and the grade of each scored test (in deadline order), and the student's mean percent over the tests they were
# scored in. A test a student did not submit (or that is not scored yet) is an empty cell, never 0.
#
#   bin/gradebook.sh                               # the table, in the terminal
#   bin/gradebook.sh --csv > grades.csv            # CSV, UTF-8 with a byte order mark (Excel keeps "Łukaszewicz")
#   bin/gradebook.sh --csv --output grades.csv     # the same, written to a file
#   bin/gradebook.sh --subject operating-systems   # the tests of one subject only
#   bin/gradebook.sh --target aws [--region R]     # the deployment in a real account
#
# Reads only. Exit status: 0 when the gradebook was printed or written, 1 when the deployment or its bucket
# cannot be read, 2 for a bad option or a subject that does not exist.
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
hand_over gradebook "$@"
