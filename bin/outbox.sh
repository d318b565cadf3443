#!/usr/bin/env bash
# The emails the embedded local AWS captured instead of delivering them (SES of MiniStack): what the
# scorer sent to the students and to the trainer.
#
#   bin/outbox.sh                           # one block per email: date, from, to, subject, text body
#   bin/outbox.sh --to student01@example.com --since 2026-11-23T23:00:00+01:00
#   bin/outbox.sh --json                    # [{"to": [...], "subject", "text", "html", "timestamp", ...}]
#
# Local target only: a real SES (--target aws) keeps no outbox.
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
hand_over outbox "$@"
