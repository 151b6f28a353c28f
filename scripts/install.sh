#!/usr/bin/env bash
# Install narvaro into ./.venv with everything the tests and the notebooks need
# (open them with: .venv/bin/jupyter lab notebooks/).
# Usage: bash scripts/install.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

# Headless Chromium for the map tests (Debian packages). Installed only when missing and
# when we may (root); the browser tests skip with a clear reason otherwise.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium + chromium-driver (Debian packages) for the map tests"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "note: chromium/chromedriver not found; the browser tests will be skipped" >&2
  fi
fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test,notebooks]"
echo "narvaro installed in .venv ($(.venv/bin/python --version))"
