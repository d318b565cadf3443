#!/usr/bin/env bash
# Back the data bucket up to a local folder, or put a backup back.
#
#   bin/backup-data.sh DIR                        # every current object (class list, tests, submissions, scores,
#                                                 # the scorer's ledger) into DIR/objects/, with DIR/manifest.json
#   bin/backup-data.sh --restore DIR              # upload what the bucket lacks or holds with other bytes
#   bin/backup-data.sh --restore --check DIR      # list what a restore would upload; upload nothing
#   bin/backup-data.sh --target aws [--region R] ...      # the deployment in a real account
#   bin/backup-data.sh --bucket NAME ...                  # another bucket than the deployment's data bucket
#
# DIR must be new or empty for a backup. The manifest holds each object's key, size, ETag and SHA-256.
# Restore: checks every file against the manifest first and uploads nothing if one differs; then uploads only
# missing or different objects and NEVER deletes (objects not in the backup stay; in the versioned data bucket an
# overwritten object keeps its previous version). After ./remove-api-gateway.sh --purge-data: deploy again
# (./deploy-api-gateway.sh), restore into the new data bucket, then ./update-subjects-or-students.sh (new keys).
# Other options: --workers N (parallel transfers, default 8), -h. Exit: 0 done, 1 problem, 2 usage error.
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
hand_over backup "$@"
