#!/usr/bin/env bash
# The web portal on the local target: gunicorn on 127.0.0.1:<port>, talking to the local API (ApiUrl of
# build/local/stack-outputs.json: run ./deploy-api-gateway.sh first).
#
#   bin/portal.sh ensure            # start it, or restart it when its code or settings changed (the deploy runs it)
#   bin/portal.sh status            # running (exit 0) or not (exit 1), with its address
#   bin/portal.sh start | stop | restart
#   PORTAL_PORT=8081 bin/portal.sh start
#
# Environment: PORTAL_PORT (default 8080), PORTAL_STATE_DIR (its pid, log, fingerprint and sessions; default
# .local/portal-<port>/), PORTAL_SECRET_KEY (signs the session cookie; default .local/portal-secret, made on first
# use, mode 600), PORTAL_TIMEZONE and CLASS_LANGUAGE (default: group_vars/all.yml's trainer_timezone, language).
# Every option and the exit statuses: bin/portal.sh --help (ops/local_portal.py).
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
hand_over portal "$@"
