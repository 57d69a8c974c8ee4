#!/usr/bin/env bash
# Write the lock files: every Python package the kiosk installs, pinned, with the hashes of its files.
#
#   bash deploy/lock-requirements.sh
#
# deploy/requirements.lock: what deploy/install.sh and deploy/make-offline-bundle.sh install (the
# kiosk's runtime dependencies). requirements-dev.lock: the same plus the development tools (the `dev`
# extra). Both hold for every Python from 3.11 (Debian 12) up (Ubuntu 24.04 has 3.12). Run this after
# changing the dependencies in pyproject.toml, and commit both files. Needs `uv` (pip install uv).
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if command -v uv >/dev/null; then
  uv=(uv)
elif python3 -c 'import uv' 2>/dev/null; then
  uv=(python3 -m uv)
else
  echo "ERROR: uv is not installed (pip install uv)" >&2
  exit 1
fi
common=(pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --no-header --quiet)
"${uv[@]}" "${common[@]}" -o deploy/requirements.lock
"${uv[@]}" "${common[@]}" --extra dev -o requirements-dev.lock
echo "==> wrote deploy/requirements.lock and requirements-dev.lock"
