#!/usr/bin/env bash
# Remove Test Time from a target: the portal and service stacks, the artifacts bucket, the project's log groups
# and the local stack outputs. The data stays: the data stack and its bucket (class list, tests, submissions,
# scores) are kept, and a later ./deploy-api-gateway.sh serves them again. The sender's and the trainer's SES
# identities stay verified. Account-wide settings other projects share are never removed: API Gateway's logging
# role and the ECS service-linked role.
#
#   ./remove-api-gateway.sh                          # the local deployment
#   ./remove-api-gateway.sh --target aws [--region R]
#   ./remove-api-gateway.sh --check                  # list what would be removed; change nothing
#   ./remove-api-gateway.sh --purge-data             # ALSO delete the data stack and bucket, every version of every
#                                                    # submission and score, and the SES identities of sender_email
#                                                    # and trainer_email (verify again after a new deploy): asks
#                                                    # to type the bucket name or "delete"
#   ./remove-api-gateway.sh --purge-data --yes       # the same without asking (for scripts)
#
# Options: -v (more Ansible output), -h, -e VARS (extra Ansible variables: for advanced use and tests).
# Running it again is fine: the second run finds nothing to remove. Back the data up first: bin/backup-data.sh.
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
purge=false
yes=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --target) target="${2:-}"; shift 2 || usage 2 ;;
    --target=*) target="${1#*=}"; shift ;;
    --region) region="${2:-}"; shift 2 || usage 2 ;;
    --region=*) region="${1#*=}"; shift ;;
    --check) check=(--check); shift ;;
    --purge-data) purge=true; shift ;;
    --yes | -y) yes=true; shift ;;
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
  # The local deployment lives in the emulator's saved state: start it to remove what is there.
  "${TT_ROOT}/bin/local-aws.sh" start >/dev/null
else
  require_aws_credentials
fi

# The data bucket as the data stack names it (once the stack is gone: its saved outputs); empty when none.
find_data_bucket() {
  python - "${TT_BUILD_DIR}/stacks" <<'PY'
import json, pathlib, sys

import boto3

from ops.deployment import project_name

stack = f"{project_name()}-data"
try:
    found = boto3.client("cloudformation").describe_stack_resource(StackName=stack, LogicalResourceId="DataBucket")
    print(found["StackResourceDetail"]["PhysicalResourceId"])
except Exception:
    saved = pathlib.Path(sys.argv[1]) / f"{stack}.json"
    print(json.loads(saved.read_text()).get("DataBucketName", "") if saved.is_file() else "")
PY
}

# Typed confirmation: the bucket name or "delete" (read from the terminal, or from stdin when piped).
confirm_purge() {
  local bucket answer=""
  bucket="$(find_data_bucket)"
  [[ -n "$bucket" ]] || return 0 # no data bucket: nothing to lose
  echo "--purge-data deletes the data bucket ${bucket} (${target}, ${AWS_REGION}) with EVERY version of the" >&2
  echo "class list, the tests, the submissions and the scores. It cannot be undone (backup: bin/backup-data.sh DIR)." >&2
  echo "It also deletes the SES identities of sender_email and trainer_email (they must be verified again)." >&2
  printf 'Type the bucket name or the word "delete" to confirm: ' >&2
  read -r answer || true
  if [[ "$answer" != "$bucket" && "$answer" != delete ]]; then
    echo "not confirmed: nothing was removed." >&2
    exit 1
  fi
}

if [[ "$purge" == true && "$yes" != true && ${#check[@]} -eq 0 ]]; then
  confirm_purge
fi

what="removing Test Time from ${target} (${AWS_REGION})"
[[ "$purge" == false ]] || what+=", the data included"
info "${what}${check:+ in check mode: nothing will change}"
ansible-playbook "${TT_ROOT}/playbooks/remove.yml" -e "aws_region=${AWS_REGION}" -e "teardown_purge_data=${purge}" \
  ${check[@]+"${check[@]}"} ${verbose[@]+"${verbose[@]}"} ${extra[@]+"${extra[@]}"}
