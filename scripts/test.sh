#!/usr/bin/env bash
# Set up and run the whole test suite: Python deps, Debian's Chromium for the browser tests, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium chromium-driver
fi
.venv/bin/ruff check geo app.py tests scripts
.venv/bin/python -m pytest "$@"
