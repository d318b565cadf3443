#!/usr/bin/env bash
# The embedded local AWS: MiniStack on 127.0.0.1, state persisted under .local/ across restarts.
# It listens on 127.0.0.1:<port> only, serves only the project's services, and its state is its owner's only.
# Usage: bin/local-aws.sh start|stop|status|reset     (port: LOCAL_AWS_PORT, default 4566)
#        LOCAL_AWS_STATE_DIR overrides the state folder (tests use a throwaway one).
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

PORT="$(local_aws_port)"
ENDPOINT="$(local_aws_endpoint)"
MS_DIR="${LOCAL_AWS_STATE_DIR:-${TT_LOCAL_DIR}/ministack-${PORT}}"
PID_FILE="${MS_DIR}/ministack.pid"
LOG_FILE="${MS_DIR}/ministack.log"
# The emulator's own temporary folder: its pid file (ministack-<port>.pid) and the code of the functions it runs go
# to tempfile.gettempdir(), i.e. $TMPDIR; kept with the rest of its state instead of in the shared /tmp.
SCRATCH_DIR="${MS_DIR}/tmp"

# The services the project calls or its templates create (templates/cfn/*.j2, roles/, ops/, lambda_src/, and the
# tests): MiniStack's SERVICES filter answers "Unsupported service" to every other one. apigateway covers
# apigatewayv2 and execute-api, ses covers SES v2, ec2 the portal's VPC, elasticloadbalancing its optional ALB;
# cloudtrail is how bench/ counts the S3 requests of each API call (bench/s3_trail.py).
LOCAL_AWS_SERVICES="s3,lambda,apigateway,cloudformation,iam,sts,ses,logs,scheduler,sqs,ecr,ecs,ec2"
LOCAL_AWS_SERVICES+=",servicediscovery,secretsmanager,elasticloadbalancing,cloudtrail"

usage() {
  echo "usage: $0 start|stop|status|reset" >&2
  exit 2
}

is_ours_running() {
  [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null
}

is_healthy() {
  curl -fsS --max-time 2 "${ENDPOINT}/_ministack/health" >/dev/null 2>&1
}

port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/${PORT}") 2>/dev/null
}

# The state folder, readable by its owner only (0700 folders, 0600 files); a folder left by an older version, made
# under the default umask, is tightened too. The scratch folder holds nothing a restart needs: emptied.
prepare_state_dir() {
  (umask 077 && mkdir -p "$MS_DIR/s3" "$MS_DIR/state")
  chmod -R go-rwx "$MS_DIR"
  rm -rf "$SCRATCH_DIR"
  (umask 077 && mkdir "$SCRATCH_DIR")
}

start() {
  if is_ours_running && is_healthy; then
    echo "local AWS already running (pid $(cat "$PID_FILE"))"
    echo "endpoint: ${ENDPOINT}"
    return 0
  fi
  if port_taken; then
    die "port ${PORT} on 127.0.0.1 is taken by another program: stop it, or choose a free port with LOCAL_AWS_PORT=4567."
  fi
  ensure_venv runtime
  prepare_state_dir
  # One address and port: the gateway on loopback (BIND_HOST). IOT_MTLS_ENABLED=0 and SFTP_ENABLED=0 keep
  # MiniStack's MQTT (0.0.0.0:8883) and SFTP listeners closed, USE_SSL=0 its second listener on :443 (each set
  # here, so that one left in the trainer's shell changes nothing). SERVICES leaves out every service the project
  # does not use. DOCKER_HOST names no daemon, so no container (an ECS task publishing its ports on every address)
  # is ever started: the portal runs as bin/portal.sh, the functions as local processes (LAMBDA_EXECUTOR=local).
  # umask 077: whatever the emulator writes (state, S3 objects, log, pid files) is readable by its owner only.
  # PERSIST_STATE and S3_PERSIST keep stacks, keys and objects across a restart.
  # LAMBDA_WARM_TTL_SECONDS keeps warm containers long enough for the API's in-memory caches to matter.
  (
    umask 077
    cd "$MS_DIR"
    BIND_HOST=127.0.0.1 GATEWAY_PORT="$PORT" MINISTACK_HOST=localhost \
      SERVICES="$LOCAL_AWS_SERVICES" IOT_MTLS_ENABLED=0 SFTP_ENABLED=0 USE_SSL=0 \
      DOCKER_HOST="unix://${MS_DIR}/no-docker.sock" LAMBDA_EXECUTOR=local TMPDIR="$SCRATCH_DIR" \
      PERSIST_STATE=1 STATE_DIR="$MS_DIR/state" S3_PERSIST=1 S3_DATA_DIR="$MS_DIR/s3" \
      LAMBDA_WARM_TTL_SECONDS="${LAMBDA_WARM_TTL_SECONDS:-600}" LOG_LEVEL="${MINISTACK_LOG_LEVEL:-WARNING}" \
      MINISTACK_REGION="$(default_region)" \
      nohup "${TT_VENV}/bin/ministack" >"$LOG_FILE" 2>&1 &
    echo $! >"$PID_FILE"
  )
  local waited=0
  until is_healthy; do
    if ! is_ours_running; then
      tail -n 20 "$LOG_FILE" >&2 || true
      die "the local AWS exited during start-up (log: $LOG_FILE)"
    fi
    sleep 0.2
    waited=$((waited + 1))
    [[ $waited -lt 300 ]] || die "the local AWS did not answer on ${ENDPOINT} within 60 s (log: $LOG_FILE)"
  done
  echo "local AWS started (pid $(cat "$PID_FILE"), state in ${MS_DIR})"
  echo "endpoint: ${ENDPOINT}"
}

stop() {
  if ! is_ours_running; then
    echo "local AWS not running"
    rm -f "$PID_FILE"
    return 0
  fi
  local pid waited=0
  pid="$(cat "$PID_FILE")"
  # SIGTERM lets MiniStack save its state to STATE_DIR before it exits.
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do
    sleep 0.2
    waited=$((waited + 1))
    if [[ $waited -ge 150 ]]; then
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
  done
  rm -f "$PID_FILE"
  echo "local AWS stopped"
}

status() {
  if is_ours_running && is_healthy; then
    echo "running (pid $(cat "$PID_FILE"), state in ${MS_DIR})"
    echo "endpoint: ${ENDPOINT}"
  else
    echo "not running (start it with: bin/local-aws.sh start)"
    return 3
  fi
}

reset() {
  stop
  rm -rf "$MS_DIR"
  rm -rf "${TT_ROOT}/build/local"
  echo "local AWS state removed (${MS_DIR})"
}

[[ $# -eq 1 ]] || usage
case "$1" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  reset) reset ;;
  *) usage ;;
esac
