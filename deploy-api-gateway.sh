#!/usr/bin/env bash
# Deploy or update the whole Test Time service, with a line per phase and its time; Ansible's whole output goes
# to build/<target>/deploy.log (-v shows it as well).
#
#   ./deploy-api-gateway.sh                  # the embedded local AWS (started if needed), no account needed
#   ./deploy-api-gateway.sh --target aws     # a real AWS account (standard credential chain, AWS_PROFILE)
#   ./deploy-api-gateway.sh --check          # show what each stack would add, modify or remove; change nothing
#
# Every option and the exit statuses: ./deploy-api-gateway.sh --help (ops/deploy_command.py).
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bin/lib/common.sh"
hand_over deploy "$@"
