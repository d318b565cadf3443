#!/usr/bin/env bash
# The embedded local AWS: MiniStack on 127.0.0.1, its state kept under .local/ across restarts. It listens on
# 127.0.0.1:<port> only, serves only the project's services, and its state is its owner's only.
#
#   bin/local-aws.sh start                  # start it (nothing happens when it already runs)
#   bin/local-aws.sh status                 # running (exit 0) or not (exit 1), with its endpoint
#   bin/local-aws.sh stop                   # stop it; its state is kept
#   bin/local-aws.sh reset                  # stop it and remove its state and build/local (start afresh)
#   LOCAL_AWS_PORT=4567 bin/local-aws.sh start
#
# Environment: LOCAL_AWS_PORT (default 4566), LOCAL_AWS_STATE_DIR (default .local/ministack-<port>/),
# LAMBDA_WARM_TTL_SECONDS (default 600), MINISTACK_LOG_LEVEL (default WARNING).
# Every option and the exit statuses: bin/local-aws.sh --help (ops/local_aws.py).
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
hand_over local-aws "$@"
