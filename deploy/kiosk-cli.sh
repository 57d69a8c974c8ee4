#!/usr/bin/env bash
# `kiosk` for technicians, installed as /usr/local/bin/kiosk by deploy/install.sh.
#
# Runs the installed kiosk command as the user `kiosk`, with the environment kiosk.service gives
# the kiosk, so that `sudo kiosk provision ...` stores secrets where the kiosk reads them and
# `sudo kiosk doctor` checks the printer and scanner with the kiosk's own permissions.
set -euo pipefail

readonly KIOSK_BIN=/opt/community-kiosk/current/venv/bin/kiosk
readonly KIOSK_USER=kiosk
# Keep in sync with the Environment= lines of kiosk.service (a test compares them).
readonly KIOSK_ENV=(
  KIOSK_DATA_DIR=/var/lib/kiosk/data
  KIOSK_KEYRING_DIR=/var/lib/kiosk/keyring
  PYTHON_KEYRING_BACKEND=kiosk.security.keystore.LocalFileKeyring
)

if [[ ! -x "$KIOSK_BIN" ]]; then
  echo "kiosk: $KIOSK_BIN is missing: run deploy/install.sh first" >&2
  exit 1
fi
uid="$(id -u "$KIOSK_USER")"
home="$(getent passwd "$KIOSK_USER" | cut -d: -f6)"
env_vars=("HOME=$home" "USER=$KIOSK_USER" "LOGNAME=$KIOSK_USER" "${KIOSK_ENV[@]}")

if ((EUID == uid)); then
  exec env "${env_vars[@]}" "$KIOSK_BIN" "$@"
fi
if ((EUID != 0)); then
  echo "kiosk: run it as root: sudo kiosk $*" >&2
  exit 1
fi
# Keep the technician's directory so relative paths (export-logs FILE) mean what they say,
# unless the kiosk user cannot enter it (root's home): then work in /tmp and say so.
if ! runuser -u "$KIOSK_USER" -- test -x "$PWD" 2>/dev/null; then
  echo "kiosk: note: working in /tmp (user $KIOSK_USER cannot enter $PWD)" >&2
  cd /tmp
fi
exec runuser -u "$KIOSK_USER" -- env "${env_vars[@]}" "$KIOSK_BIN" "$@"
