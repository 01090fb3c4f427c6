#!/usr/bin/env bash
# The test suite: bash tools/test.sh [pytest args...]
# Kernel tests run the Triton kernels in Triton's CPU interpreter; GPU-only tests skip themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/venv.sh
ruff check sigasr kernels tests tools
ruff format --check sigasr kernels tests tools
exec python -m pytest -q "$@"
