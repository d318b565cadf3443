#!/usr/bin/env bash
# Deploy or update the whole Test Time service.
#
#   ./deploy-api-gateway.sh                  # the embedded local AWS (started if needed), no account needed
#   ./deploy-api-gateway.sh --target aws     # a real AWS account (standard credential chain, AWS_PROFILE)
#   ./deploy-api-gateway.sh --check          # show what each stack would add, modify or remove; change nothing
#
# Options: --target local|aws, --region REGION, --check, -v (more Ansible output), -h, --force (run the whole
#          playbook even when nothing changed since the last deploy),
#          -e VARS (extra Ansible variables, as for ansible-playbook -e: for advanced use and tests).
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bin/lib/common.sh"

usage() {
  print_usage
  exit "${1:-0}"
}

target=local
region=""
check=()
verbose=()
extra=()
force=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --target) target="${2:-}"; shift 2 || usage 2 ;;
    --target=*) target="${1#*=}"; shift ;;
    --region) region="${2:-}"; shift 2 || usage 2 ;;
    --region=*) region="${1#*=}"; shift ;;
    --check) check=(--check); shift ;;
    --force) force=true; shift ;;
    -v | -vv | -vvv) verbose=("$1"); shift ;;
    -e | --extra-vars) extra+=(-e "${2:-}"); shift 2 || usage 2 ;;
    -h | --help) usage 0 ;;
    *) echo "error: unknown option '$1'" >&2; usage 2 ;;
  esac
done
[[ "$target" == local || "$target" == aws ]] || die "--target must be local or aws, not '$target'."

ensure_venv runtime
activate_venv
select_target "$target" "$region"

if [[ "$target" == local ]]; then
  "${TT_ROOT}/bin/local-aws.sh" start >/dev/null
else
  require_aws_credentials
fi

outputs="${TT_BUILD_DIR}/stack-outputs.json"
state_file="${TT_BUILD_DIR}/last-deploy.json"
why=""
fingerprint="$(python -m ops.deploy_fingerprint compute ${extra[@]+"--extra=${extra[*]}"})"
if [[ ${#check[@]} -eq 0 && "$force" == false ]] && why="$(python -m ops.deploy_fingerprint check "$fingerprint" "$state_file")"; then
  info "nothing changed since the last deploy, and every stack is complete: no stack update, no upload (--force runs the playbook anyway)"
else
  info "deploying to ${target} (${AWS_REGION})${check:+ in check mode: nothing will change}${why:+: ${why}}"
  rm -f "$state_file"
  ansible-playbook "${TT_ROOT}/playbooks/deploy.yml" -e "aws_region=${AWS_REGION}" ${check[@]+"${check[@]}"} \
    ${verbose[@]+"${verbose[@]}"} ${extra[@]+"${extra[@]}"}
  [[ ${#check[@]} -eq 0 ]] || exit 0
  python -m ops.deploy_fingerprint save "$fingerprint" "$state_file" "$outputs"
fi

read_output() {
  python -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$outputs" "$1"
}
api_url="$(read_output ApiUrl)"
# On AWS the portal's HTTPS front door; locally a process on this machine (bin/portal.sh): the HTTP API endpoint
# the emulator reports routes nowhere.
if [[ "$target" == local ]]; then
  portal_url="http://127.0.0.1:${PORTAL_PORT:-8080} (bin/portal.sh)"
else
  portal_url="$(read_output PortalUrl)"
fi
cat <<EOF

Test Time is deployed (${target}).
  API:    ${api_url}
  Portal: ${portal_url:-not deployed}
Next steps:
  1. Publish the tests and the class list:   ./update-subjects-or-students.sh
  2. Invite the students (key, URL, set-up):  bin/invite-students.sh
  3. Take a test as a student:               bin/pull-api-config.sh --student student01 --save && bin/test-time.sh
EOF
# Students invited with another API URL (a redeploy gives the REST API a new one) need the new one: say so.
python -m ops.invitations url-notice "$outputs" || true

# The web portal runs as a local process on the local target (on AWS it is the ECS service of testtime-portal).
# Throwaway deployments (TT_BUILD_ROOT set, as in the tests) start none unless PORTAL_AUTOSTART=1.
portal_autostart="${PORTAL_AUTOSTART:-1}"
[[ -z "${TT_BUILD_ROOT:-}" || -n "${PORTAL_AUTOSTART:-}" ]] || portal_autostart=0
if [[ "$target" == local && "$portal_autostart" == 1 ]]; then
  "${TT_ROOT}/bin/portal.sh" ensure || echo "warning: the web portal did not start (see above; bin/portal.sh status)."
fi
