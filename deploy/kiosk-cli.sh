#!/usr/bin/env bash
# `kiosk` for technicians, installed as /usr/local/bin/kiosk by deploy/install.sh.
#
# Runs the installed kiosk command with the environment kiosk.service gives the kiosk, so that
# `sudo kiosk provision ...` stores secrets where the kiosk reads them and `sudo kiosk doctor` checks
# the printer and scanner with the kiosk's own permissions:
# - `provision` runs as root: only root may seal secrets to this machine (TPM2 or host key). What it
#   writes in the kiosk's data and keyring folders is then handed back to the kiosk user.
# - every other command runs as the user `kiosk`, with the sealed secrets opened for it as systemd opens
#   them for the service (LoadCredentialEncrypted=): decrypted into a folder in memory that only the
#   kiosk user can read, removed when the command ends.
set -euo pipefail

readonly KIOSK_BIN=/opt/community-kiosk/current/venv/bin/kiosk
readonly KIOSK_USER=kiosk
# Keep in sync with the Environment= lines of kiosk.service (a test compares them).
readonly KIOSK_ENV=(
  KIOSK_DATA_DIR=/var/lib/kiosk/data
  KIOSK_KEYRING_DIR=/var/lib/kiosk/keyring
  PYTHON_KEYRING_BACKEND=kiosk.keystore.LocalFileKeyring
  KIOSK_CREDENTIALS_DIR=/etc/kiosk/credentials
)
readonly CREDENTIALS_DIR=/etc/kiosk/credentials
readonly SEALED=(outbox-key portal-client-secret)
readonly CREDENTIALS_DROPIN_SOURCE=/opt/community-kiosk/current/deploy/kiosk-credentials.conf
readonly CREDENTIALS_DROPIN=/etc/systemd/system/kiosk.service.d/50-credentials.conf

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
if [[ "${1:-}" == provision ]]; then
  status=0
  env "${env_vars[@]}" "$KIOSK_BIN" "$@" || status=$?
  # What root wrote in the kiosk's folders (secrets file, staff-entry state) must stay the kiosk user's.
  for setting in "${KIOSK_ENV[@]}"; do
    case "$setting" in
      KIOSK_DATA_DIR=* | KIOSK_KEYRING_DIR=*)
        [[ ! -d "${setting#*=}" ]] || chown -R -- "$KIOSK_USER:" "${setting#*=}"
        ;;
    esac
  done
  # Once both secrets are sealed, the service gets them from systemd (the drop-in's LoadCredentialEncrypted=).
  sealed=1
  for name in "${SEALED[@]}"; do
    [[ -f "$CREDENTIALS_DIR/$name.cred" ]] || sealed=0
  done
  if ((status == 0 && sealed)) && ! cmp -s -- "$CREDENTIALS_DROPIN_SOURCE" "$CREDENTIALS_DROPIN"; then
    install -D -m 0644 -o root -g root -- "$CREDENTIALS_DROPIN_SOURCE" "$CREDENTIALS_DROPIN"
    if [[ -d /run/systemd/system ]]; then
      systemctl daemon-reload
    fi
    echo "kiosk provision: kiosk.service now receives the sealed secrets (restart it: sudo systemctl restart kiosk)"
  fi
  exit "$status"
fi

opened=""
for name in "${SEALED[@]}"; do
  [[ -f "$CREDENTIALS_DIR/$name.cred" ]] || continue
  if [[ -z "$opened" ]]; then
    opened="$(mktemp -d /run/kiosk-credentials.XXXXXX)"
    trap 'rm -rf -- "$opened"' EXIT
  fi
  systemd-creds decrypt --name="$name" -- "$CREDENTIALS_DIR/$name.cred" "$opened/$name"
done
if [[ -n "$opened" ]]; then
  chown -R -- "$KIOSK_USER:" "$opened"
  chmod -R u=rX,go= -- "$opened"
  env_vars+=("CREDENTIALS_DIRECTORY=$opened")
fi
# Keep the technician's directory so relative paths (export-logs FILE) mean what they say,
# unless the kiosk user cannot enter it (root's home): then work in /tmp and say so.
if ! runuser -u "$KIOSK_USER" -- test -x "$PWD" 2>/dev/null; then
  echo "kiosk: note: working in /tmp (user $KIOSK_USER cannot enter $PWD)" >&2
  cd /tmp
fi
# Not exec: the opened secrets are removed when the command ends.
runuser -u "$KIOSK_USER" -- env "${env_vars[@]}" "$KIOSK_BIN" "$@"
