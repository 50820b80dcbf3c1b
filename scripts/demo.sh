#!/usr/bin/env bash
# The main job: builds the package, then runs the governed customer-support system of
# the OpenAI Agents SDK guide (offline on a scripted model unless OPENAI_API_KEY is set),
# printing each decision and ending with the audit trail and its verification.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >&2
examples/run.sh openai-agents/support.mjs "$@"
