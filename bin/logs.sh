#!/usr/bin/env bash
# Show a function's CloudWatch logs.
#
#   bin/logs.sh list-tests                  # the last 10 minutes of /aws/lambda/<project_name>-list-tests
#   bin/logs.sh scorer --since 2d           # since 30s, 30m, 1h, 2d, 1w ago, or an ISO 8601 instant
#   bin/logs.sh submit-test --follow        # keep printing new lines (polls every 2 s) until Ctrl-C
#   bin/logs.sh get-test --target aws [--region R]
#
# FUNCTION: list-tests, get-test, submit-test, scorer, results, a full function name, or a log group (/...).
# Each JSON line shows as: time, level, message, then subject= testId= studentId= runId= and the other fields,
# and request= (the Lambda request id's first 8 characters), e.g.
#   2026-12-01T23:00:00.123+01:00 INFO    submission stored  subject=os testId=test01 studentId=student01 answered=6 ...
# Other options: --raw (the events as CloudWatch holds them: the JSON as it is, tracebacks included), -h.
# Exit status: 0 done (also after Ctrl-C), 1 no such log group or an AWS problem, 2 usage error.
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
hand_over logs "$@"
