# shellcheck shell=bash
# Shared by every script: the project root, the .venv bootstrap, and the hand-over to the one Python command line
# (ops/cli.py), where the options are parsed and the target picks its endpoint and credentials (ops/target.py).
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

# Install pinned requirements into a venv: uv first (pinned in requirements-uv.txt, with the venv's own pip), then
# uv installs the rest ($2...: -r FILE -c FILE, which pip and uv read alike). uv reads none of pip's settings
# (pip.conf, PIP_INDEX_URL...: "Compatibility with pip" in uv's docs), so where only those reach a package index (a
# mirror, a proxy with its own certificate) uv fails and pip, which reads them, installs instead. uv trusts the
# system's certificates, as pip does here.
install_requirements() {
  local venv="$1"
  shift
  "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check -r "${TT_ROOT}/requirements-uv.txt" &&
    "${venv}/bin/uv" pip install --quiet --system-certs --python "${venv}/bin/python" "$@" && return 0
  echo "uv could not install the requirements: pip installs them (slower)" >&2
  "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
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
    "${TT_ROOT}/constraints.txt" "${TT_ROOT}/requirements-uv.txt" 2>/dev/null | sha256sum | cut -d' ' -f1)"
  stamp="${TT_VENV}/.installed-${kind}"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$digest" ]]; then
    return 0
  fi
  if [[ "$kind" == "runtime" && -f "${TT_VENV}/.installed-dev" && "$(cat "${TT_VENV}/.installed-dev")" == "$digest" ]]; then
    return 0 # dev already includes runtime
  fi
  info "installing pinned Python requirements ($kind) into .venv"
  install_requirements "${TT_VENV}" -r "$req" -c "${TT_ROOT}/constraints.txt" || die "the install failed (see above)."
  echo "$digest" >"$stamp"
}

activate_venv() {
  # shellcheck disable=SC1091
  source "${TT_VENV}/bin/activate"
  export PYTHONPATH="${TT_ROOT}/lambda_src:${TT_ROOT}${PYTHONPATH:+:${PYTHONPATH}}"
  export ANSIBLE_CONFIG="${TT_ROOT}/ansible.cfg"
}

# Hand over to the one Python command line (ops/cli.py): .venv made sure of, then `python -m ops COMMAND ARGS...`.
# Every option is parsed there (argparse); the target is picked there (ops/target.py).
hand_over() {
  ensure_venv runtime
  activate_venv
  exec python -m ops "$@"
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
