#!/usr/bin/env bash
# The web portal on the local target: gunicorn on 127.0.0.1:${PORTAL_PORT:-8080}, talking to the local API.
# Usage: bin/portal.sh start|stop|restart|status|ensure
#   ensure: start it, or restart it when its code or API_URL changed (./deploy-api-gateway.sh runs this)
# API_URL comes from build/local/stack-outputs.json (run ./deploy-api-gateway.sh first). The session cookie is
# signed with PORTAL_SECRET_KEY, else with .local/portal-secret (generated on first use, mode 600).
# pid, log, fingerprint and the server-side sessions (sessions/, shared by gunicorn's two workers; the cookie
# holds only a signed session id) live in PORTAL_STATE_DIR (default .local/portal-<port>/).
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

PORT="${PORTAL_PORT:-8080}"
URL="http://127.0.0.1:${PORT}"
STATE_DIR="${PORTAL_STATE_DIR:-${TT_LOCAL_DIR}/portal-${PORT}}"
PID_FILE="${STATE_DIR}/portal.pid"
LOG_FILE="${STATE_DIR}/portal.log"
FINGERPRINT_FILE="${STATE_DIR}/fingerprint"
SESSION_DIR="${STATE_DIR}/sessions"
SECRET_FILE="${TT_LOCAL_DIR}/portal-secret"

usage() {
  echo "usage: $0 start|stop|restart|status|ensure" >&2
  exit 2
}

is_running() {
  [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null
}

is_healthy() {
  curl -fsS --max-time 2 "${URL}/healthz" >/dev/null 2>&1
}

port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/${PORT}") 2>/dev/null
}

api_url() {
  local outputs="${TT_BUILD_DIR}/stack-outputs.json"
  [[ -f "$outputs" ]] || die "no ${outputs}: deploy first (./deploy-api-gateway.sh)."
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["ApiUrl"])' "$outputs"
}

# The trainer's timezone from group_vars/all.yml: deadlines are shown in it.
display_timezone() {
  local zone
  zone="$(sed -n 's/^trainer_timezone: *"\{0,1\}\([A-Za-z0-9_/+-]*\)"\{0,1\}.*/\1/p' "${TT_ROOT}/group_vars/all.yml" | head -n 1)"
  echo "${PORTAL_TIMEZONE:-${zone:-UTC}}"
}

# The class's language from group_vars/all.yml (CLASS_LANGUAGE wins): the portal's pages are in it. Lowercase and
# without spaces, as ops/deployment.py takes it ("language: PL" is pl); tr, since macOS's bash 3.2 has no ${x,,}.
class_language() {
  local language
  language="$(sed -n 's/^language: *"\{0,1\}\([A-Za-z_-]*\)"\{0,1\}.*/\1/p' "${TT_ROOT}/group_vars/all.yml" | head -n 1)"
  language="${CLASS_LANGUAGE:-${language:-en}}"
  language="$(printf '%s' "$language" | tr -d '[:space:]' | tr '[:upper:]' '[:lower:]')"
  echo "${language:-en}"
}

# What the running portal was started from: its code and its settings (never the secret).
fingerprint() {
  {
    (cd "$TT_ROOT" && find portal -type f ! -path '*/__pycache__/*' ! -name '*.pyc' -print0 | sort -z |
      xargs -0 sha256sum)
    echo "api_url=$1 timezone=$(display_timezone) language=$(class_language)"
  } | sha256sum | cut -d' ' -f1
}

secret_key() {
  if [[ -n "${PORTAL_SECRET_KEY:-}" ]]; then
    echo "$PORTAL_SECRET_KEY"
    return
  fi
  mkdir -p "$TT_LOCAL_DIR"
  if [[ ! -s "$SECRET_FILE" ]]; then
    (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(48))' >"$SECRET_FILE")
  fi
  chmod 600 "$SECRET_FILE"
  cat "$SECRET_FILE"
}

start() {
  if is_running; then
    echo "portal already running (pid $(cat "$PID_FILE")): ${URL}"
    return 0
  fi
  if port_taken; then
    die "port ${PORT} on 127.0.0.1 is taken by another program: stop it, or choose a free port with PORTAL_PORT=8081."
  fi
  ensure_venv runtime
  local api secret
  api="$(api_url)"
  secret="$(secret_key)"
  # Its log, pid, fingerprint and sessions are the trainer's only, like the emulator's state (0700 folders,
  # 0600 files); a folder left by an older version is tightened too.
  umask 077
  mkdir -p "$STATE_DIR" "$SESSION_DIR"
  chmod -R go-rwx "$STATE_DIR"
  (
    cd "$TT_ROOT"
    # Loopback only. The secret reaches gunicorn through its environment, never its command line.
    # GUNICORN_CMD_ARGS, left in the shell for another application, would add to these settings (gunicorn.org,
    # "Configuration Overview"): the portal runs with its own only.
    unset GUNICORN_CMD_ARGS
    API_URL="$api" PORTAL_SECRET_KEY="$secret" PORTAL_TIMEZONE="$(display_timezone)" \
      CLASS_LANGUAGE="$(class_language)" PORTAL_SESSION_DIR="$SESSION_DIR" PYTHONPATH="$TT_ROOT" \
      nohup "${TT_VENV}/bin/gunicorn" --bind "127.0.0.1:${PORT}" --workers 2 --threads 4 --timeout 60 \
      --no-control-socket --access-logfile - --error-logfile - 'portal.app:create_app()' >>"$LOG_FILE" 2>&1 &
    echo $! >"$PID_FILE"
  )
  fingerprint "$api" >"$FINGERPRINT_FILE"
  local waited=0
  until is_healthy; do
    if ! is_running; then
      tail -n 20 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE"
      die "the portal exited during start-up (log: $LOG_FILE)"
    fi
    sleep 0.2
    waited=$((waited + 1))
    [[ $waited -lt 150 ]] || die "the portal did not answer on ${URL} within 30 s (log: $LOG_FILE)"
  done
  echo "portal started (pid $(cat "$PID_FILE")): ${URL}"
}

stop() {
  if ! is_running; then
    echo "portal not running"
    rm -f "$PID_FILE"
    return 0
  fi
  local pid waited=0
  pid="$(cat "$PID_FILE")"
  kill -TERM "$pid" # gunicorn's master stops its workers gracefully
  while kill -0 "$pid" 2>/dev/null; do
    sleep 0.2
    waited=$((waited + 1))
    if [[ $waited -ge 100 ]]; then
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
  done
  rm -f "$PID_FILE"
  echo "portal stopped"
}

status() {
  if is_running && is_healthy; then
    echo "running (pid $(cat "$PID_FILE")): ${URL}"
  else
    echo "not running (start it with: bin/portal.sh start)"
    return 3
  fi
}

# Start, or restart when the code or the API URL changed since the running portal was started.
ensure() {
  local api
  api="$(api_url)"
  if is_running && [[ -f "$FINGERPRINT_FILE" && "$(cat "$FINGERPRINT_FILE")" == "$(fingerprint "$api")" ]]; then
    echo "portal running, unchanged (pid $(cat "$PID_FILE")): ${URL}"
    return 0
  fi
  is_running && stop >/dev/null
  start
}

[[ $# -eq 1 ]] || usage
select_target local
case "$1" in
  start) start ;;
  stop) stop ;;
  restart) stop && start ;;
  status) status ;;
  ensure) ensure ;;
  *) usage ;;
esac
