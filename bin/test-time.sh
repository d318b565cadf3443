#!/usr/bin/env bash
# Test Time for students: list your open tests, answer one, review your answers, send them.
#
#   bin/test-time.sh                                   # menus: pick a test, answer, review, confirm
#   bin/test-time.sh --list                            # your open tests and their deadlines
#   bin/test-time.sh --history                         # your submitted tests, scores and answers
#   bin/test-time.sh --subject S --test T < answers    # one answer per line, then y
#   bin/test-time.sh --config FILE ...                 # another config file; -h: every option, exit statuses
#
# Needs only bash and python3 (3.8 or newer, standard library): no virtualenv, no AWS credentials.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python=python3
if ! command -v "$python" >/dev/null 2>&1; then
  echo "test-time.sh: python3 is needed (e.g. apt-get install python3, or brew install python)." >&2
  exit 3
fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)' 2>/dev/null; then
  echo "test-time.sh: python3 is too old ($("$python" --version 2>&1)): 3.8 or newer is needed." >&2
  exit 3
fi
exec "$python" "${here}/test_time_client.py" "$@"
