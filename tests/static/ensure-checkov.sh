#!/usr/bin/env bash
# Create (once) checkov's own venv under .local/tools/checkov from tests/static/checkov/ and print the path
# of its checkov executable. checkov pins boto3 1.35.x, which conflicts with the project's pins, hence a venv
# of its own; it is reinstalled only when its requirements or constraints change.
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../bin/lib/common.sh"

pins="${TT_ROOT}/tests/static/checkov"
venv="${TT_LOCAL_DIR}/tools/checkov"
digest="$(cat "${pins}/requirements.txt" "${pins}/constraints.txt" "${TT_ROOT}/requirements-uv.txt" | sha256sum | cut -d' ' -f1)"
stamp="${venv}/.installed"

if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$digest" ]]; then
  python="$(find_python)" || die "Python 3.11 or newer is needed to install checkov."
  info "installing the pinned checkov into ${venv}" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv" >&2 || die "could not create ${venv}: install the venv module (e.g. apt-get install python3-venv)."
  install_requirements "$venv" -r "${pins}/requirements.txt" -c "${pins}/constraints.txt" >&2 ||
    die "the install of checkov failed (see above)."
  echo "$digest" >"$stamp"
fi
echo "${venv}/bin/checkov"
