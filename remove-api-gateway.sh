#!/usr/bin/env bash
# Remove Test Time from a target: the portal and service stacks, the artifacts bucket, the project's log groups,
# the local stack outputs and the local portal. The data stack and its bucket stay (a later deploy serves them
# again), and so do the SES identities and the account-wide settings other projects share.
#
#   ./remove-api-gateway.sh                          # the local deployment
#   ./remove-api-gateway.sh --target aws [--region R]
#   ./remove-api-gateway.sh --check                  # list what would be removed; change nothing
#   ./remove-api-gateway.sh --purge-data [--yes]     # ALSO delete the data (asks to type the bucket name)
#
# Every option and the exit statuses: ./remove-api-gateway.sh --help (ops/remove_command.py).
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bin/lib/common.sh"
hand_over remove "$@"
