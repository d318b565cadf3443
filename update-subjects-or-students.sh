#!/usr/bin/env bash
# Publish the tests and the class list after a lesson: validates everything first, then uploads only what
# changed, creates or disables one API key per student, and closes tests removed from the content. It says what
# it did in your terms: tests added, changed or closed with their deadlines, students added or removed, answer
# keys changed (and whether scored tests are rescored).
#
#   ./update-subjects-or-students.sh                       # content/ to the local deployment
#   ./update-subjects-or-students.sh --check               # print what would change; change nothing
#   ./update-subjects-or-students.sh --check -v            # ... and every file of the bucket it would write
#   ./update-subjects-or-students.sh --content DIR         # another folder (the original JSON layout works too)
#   ./update-subjects-or-students.sh --target aws [--region R]
#   ./update-subjects-or-students.sh --yes                 # a corrected answer key of a scored test: no question
#
# Every option: --help (ops/publish.py parses them; exit 0 done, 1 failed, 2 a bad option or content mistake).
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bin/lib/common.sh"

hand_over publish "$@"
