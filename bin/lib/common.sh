# shellcheck shell=bash
# Shared by every script: the project root, the .venv bootstrap, and the ONE place where the target
# (local embedded AWS or a real AWS account) picks the endpoint and the credentials.
# Source it; it defines functions and a few variables and runs nothing else.

TT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TT_VENV="${TT_ROOT}/.venv"
export TT_LOCAL_DIR="${TT_ROOT}/.local"
export TT_ROOT

die() {
  echo "error: $*" >&2
  exit 1
}

info() {
  echo "==> $*"
}

# The first python3 on PATH that is 3.11 or newer.
find_python() {
  local candidate
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

# Create .venv on first use and (re)install the pinned requirements only when they changed.
# $1: "runtime" (requirements.txt) or "dev" (requirements-dev.txt, which includes runtime).
ensure_venv() {
  local kind="${1:-runtime}" python req stamp digest
  case "$kind" in
    runtime) req="${TT_ROOT}/requirements.txt" ;;
    dev) req="${TT_ROOT}/requirements-dev.txt" ;;
    *) die "ensure_venv: unknown kind '$kind'" ;;
  esac
  if [[ ! -x "${TT_VENV}/bin/python" ]]; then
    python="$(find_python)" || die "Python 3.11 or newer is needed: install python3.11 (e.g. apt-get install python3.11 python3.11-venv) and run again."
    info "creating ${TT_VENV} with $("$python" --version)"
    "$python" -m venv "${TT_VENV}" || die "could not create ${TT_VENV}: install the venv module (e.g. apt-get install python3-venv)."
  fi
  digest="$(cat "${TT_ROOT}/requirements.txt" "${TT_ROOT}/requirements-dev.txt" "${TT_ROOT}/portal/requirements.txt" \
    "${TT_ROOT}/constraints.txt" 2>/dev/null | sha256sum | cut -d' ' -f1)"
  stamp="${TT_VENV}/.installed-${kind}"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$digest" ]]; then
    return 0
  fi
  if [[ "$kind" == "runtime" && -f "${TT_VENV}/.installed-dev" && "$(cat "${TT_VENV}/.installed-dev")" == "$digest" ]]; then
    return 0 # dev already includes runtime
  fi
  info "installing pinned Python requirements ($kind) into .venv"
  "${TT_VENV}/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$req" -c "${TT_ROOT}/constraints.txt" || die "pip install failed (see above)."
  echo "$digest" >"$stamp"
}

activate_venv() {
  # shellcheck disable=SC1091
  source "${TT_VENV}/bin/activate"
  export PYTHONPATH="${TT_ROOT}/lambda_src:${TT_ROOT}${PYTHONPATH:+:${PYTHONPATH}}"
  export ANSIBLE_CONFIG="${TT_ROOT}/ansible.cfg"
}

# The local endpoint's port: LOCAL_AWS_PORT, else 4566.
local_aws_port() {
  echo "${LOCAL_AWS_PORT:-4566}"
}

local_aws_endpoint() {
  echo "http://127.0.0.1:$(local_aws_port)"
}

# The region: --region, else AWS_REGION, else group_vars/all.yml's aws_region.
default_region() {
  if [[ -n "${AWS_REGION:-}" ]]; then
    echo "$AWS_REGION"
    return
  fi
  sed -n 's/^aws_region: *"\{0,1\}\([a-z0-9-]*\)"\{0,1\}.*/\1/p' "${TT_ROOT}/group_vars/all.yml" | head -n 1
}

# Unset every service-specific endpoint variable (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_API_GATEWAY, ...).
unset_service_endpoints() {
  local name
  while read -r name; do
    unset "$name"
  done < <(compgen -e | grep '^AWS_ENDPOINT_URL_' || true)
}

# THE place where local and AWS differ: endpoint and credentials. Everything downstream (Ansible's amazon.aws
# modules through module_defaults, boto3 in our scripts) reads the environment set here.
# $1: local|aws; $2: region (optional).
select_target() {
  local target="$1" region="${2:-}"
  [[ -n "$region" ]] || region="$(default_region)"
  export TT_TARGET="$target" AWS_REGION="$region" AWS_DEFAULT_REGION="$region"
  # botocore takes an endpoint from AWS_ENDPOINT_URL_<SERVICE> before AWS_ENDPOINT_URL, and from a profile's
  # endpoint_url or services section (botocore's ConfiguredEndpointProviderChain; AWS SDKs reference guide,
  # "Service-specific endpoints"): none of those may choose where a call goes, on either target.
  unset_service_endpoints
  case "$target" in
    local)
      # Fixed dummy credentials: the emulator accepts any, and a real profile must never be used by mistake.
      export AWS_ENDPOINT_URL
      AWS_ENDPOINT_URL="$(local_aws_endpoint)"
      export AWS_ACCESS_KEY_ID="LOCALEMULATORKEY" AWS_SECRET_ACCESS_KEY="local-emulator-secret"
      unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
      ;;
    aws)
      # Real AWS only: no AWS_ENDPOINT_URL, and a profile's endpoint_url (say, one left pointing at LocalStack)
      # is ignored too.
      unset AWS_ENDPOINT_URL
      export AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true
      ;;
    *) die "unknown target '$target': use --target local or --target aws" ;;
  esac
  # TT_BUILD_ROOT lets tests keep their build output away from the trainer's build/.
  export TT_BUILD_DIR="${TT_BUILD_ROOT:-${TT_ROOT}/build}/${target}"
}

# For --target aws: fail early, in one line, without credentials.
require_aws_credentials() {
  # shellcheck disable=SC2016 # the backticks are text for the user
  python -c 'import boto3, sys
try:
    boto3.client("sts").get_caller_identity()
except Exception as error:
    sys.exit(f"error: no usable AWS credentials for --target aws ({type(error).__name__}): run `aws configure` or set AWS_PROFILE.")'
}

# What the tests drive besides Python: tmux (the terminal client), headless chromium (the portal), and buildah,
# podman, runc, debootstrap, slirp4netns (the portal's container, built and run without a Docker daemon: see
# tests/container). Installed from Debian's packages when missing; needs root (CI runs as root).
ensure_test_system_packages() {
  local missing=() command
  command -v tmux >/dev/null 2>&1 || missing+=(tmux)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  # Each of these commands comes in the Debian package of the same name.
  for command in buildah podman runc debootstrap slirp4netns; do
    command -v "$command" >/dev/null 2>&1 || missing+=("$command")
  done
  [[ ${#missing[@]} -gt 0 ]] || return 0
  if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    die "the tests need: ${missing[*]}. Install them (e.g. sudo apt-get install ${missing[*]}) and run again."
  fi
  info "installing ${missing[*]} (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# axe-core (the portal's accessibility scan, tests/unit/portal/test_portal_phone_pages.py) at the version pinned in
# tests/support/axe/package-lock.json, installed with `npm ci` once, again only when the lock file changes.
ensure_axe() {
  local folder="$TT_ROOT/tests/support/axe"
  local stamp="$folder/node_modules/.package-lock.json"
  if [[ -f "$folder/node_modules/axe-core/axe.min.js" && "$stamp" -nt "$folder/package-lock.json" ]]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
      die "the tests need npm (for axe-core): install it (e.g. sudo apt-get install npm) and run again."
    fi
    info "installing npm (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  info "installing axe-core (npm ci in tests/support/axe)"
  (cd "$folder" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

# The script's header comment (line 2 up to the first line that is not a comment), as its help text.
print_usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
}

usage_error() {
  echo "error: $*" >&2
  exit 2
}

# A required argument is missing: the help text, then the error (exit 2).
missing_argument() {
  print_usage >&2
  usage_error "$@"
}

# The trainer tools' shared options: --target local|aws and --region R are taken out of the arguments and
# -h/--help prints the script's header; everything else stays, in order, in TT_ARGS. A bad value exits 2.
parse_target_options() {
  TT_OPT_TARGET=local
  TT_OPT_REGION=""
  TT_ARGS=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --target | --region)
        [[ $# -ge 2 ]] || usage_error "$1 needs a value"
        if [[ "$1" == --target ]]; then TT_OPT_TARGET="$2"; else TT_OPT_REGION="$2"; fi
        shift 2
        ;;
      --target=*) TT_OPT_TARGET="${1#*=}"; shift ;;
      --region=*) TT_OPT_REGION="${1#*=}"; shift ;;
      -h | --help) print_usage; exit 0 ;;
      *) TT_ARGS+=("$1"); shift ;;
    esac
  done
  [[ "$TT_OPT_TARGET" == local || "$TT_OPT_TARGET" == aws ]] ||
    usage_error "--target must be local or aws, not '$TT_OPT_TARGET'."
}

# Ready to talk to an already deployed target: .venv, the target's endpoint and credentials (select_target),
# and on the local target a running embedded AWS (only the deploy starts it).
use_deployed_target() {
  ensure_venv runtime
  activate_venv
  select_target "$TT_OPT_TARGET" "$TT_OPT_REGION"
  if [[ "$TT_OPT_TARGET" == local ]]; then
    "${TT_ROOT}/bin/local-aws.sh" status >/dev/null ||
      die "the local AWS is not running: run ./deploy-api-gateway.sh (or bin/local-aws.sh start) first."
  else
    require_aws_credentials
  fi
}
