#!/usr/bin/env bash
# Prove in one command that Test Time works on a target: deploy a throwaway copy of the whole service under its
# own project name (testtime-smoke-<random>; the trainer's deployment is never touched), publish a one-question
# test for a synthetic student, take it through the API with the student's key, score it after its deadline,
# check that SES accepted the student's and the trainer's emails, check that the portal answers over its URL,
# then remove the copy with its data. Prints a pass/fail line per step with its time, and a summary.
#
#   bin/smoke-test.sh                    # on the embedded local AWS (started if needed)
#   bin/smoke-test.sh --target aws       # in the real account (AWS_PROFILE, --region R): costs a few cents
#   bin/smoke-test.sh --keep             # keep the copy at the end, to look at it; prints how to remove it
#
# On AWS the synthetic student's address is trainer_email (the SES sandbox delivers only to verified ones).
# The copy is removed after a failure or Ctrl-C too (unless --keep). Exit status: 0 every step passed,
# 1 a step failed, 2 a bad option. Its build folder and log: build/smoke/<name>/ (deleted when all passed).
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
hand_over smoke-test "$@"
