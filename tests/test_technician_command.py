"""The technician's `kiosk` command (deploy/kiosk-cli.sh) on a machine laid out as install.sh leaves it.

The machine is this one seen through a private mount namespace whose /etc, /var and /opt are overlays onto
a temporary folder: the user `kiosk`, /etc/kiosk, /var/lib/kiosk and /opt/community-kiosk exist only there,
and nothing of the real system changes. `provision` runs the real kiosk as root, seals the secrets with
this machine's host key and installs the service's credentials drop-in; the other commands run as the user
`kiosk`, here a probe in the kiosk's place that shows what it was given (the test machine's Python may lie
where that user cannot reach it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SECRET, STAFF_PIN, TECH_PIN = "Hb7-client-secret-of-the-house", "246813", "9753186"

MACHINE = r"""
set -euo pipefail
mount --make-rprivate /
for dir in etc var opt; do
  mkdir -p "$T/$dir-up" "$T/$dir-work"
  mount -t overlay overlay -o "lowerdir=/$dir,upperdir=$T/$dir-up,workdir=$T/$dir-work" "/$dir"
done
# What install.sh makes (ensure_user, install_config).
useradd --system --user-group --create-home --home-dir /var/lib/kiosk --shell /usr/sbin/nologin kiosk
chmod 0750 /var/lib/kiosk
install -d -m 0700 -o kiosk -g kiosk /var/lib/kiosk/data /var/lib/kiosk/keyring
install -d -m 2770 -o root -g kiosk /etc/kiosk
install -d -m 0700 -o root -g root /etc/kiosk/credentials
mkdir -p /opt/community-kiosk/current/venv/bin
cp -R "$REPO/deploy" /opt/community-kiosk/current/deploy
cat >/opt/community-kiosk/current/venv/bin/kiosk <<EOF
#!/bin/sh
if [ "\$(id -u)" = 0 ]; then exec env PYTHONPATH="$REPO" "$PYTHON" -m kiosk "\$@"; fi
echo "user \$(id -un)"
echo "opened \$CREDENTIALS_DIRECTORY"
echo "secret \$(cat "\$CREDENTIALS_DIRECTORY/portal-client-secret")"
echo "key-bytes \$(wc -c <"\$CREDENTIALS_DIRECTORY/outbox-key")"
EOF
chmod 0755 /opt/community-kiosk/current/venv/bin/kiosk
cd "$REPO"
printf '%s\n' "$SECRET" "$STAFF_PIN" "$TECH_PIN" | bash deploy/kiosk-cli.sh provision --site bach-khoa \
  --portal https://portal.example.gov.vn/api --client-id kiosk-bach-khoa-k01
echo "--- files"
find /var/lib/kiosk /etc/kiosk /etc/systemd/system/kiosk.service.d -printf 'file %u %m %p\n'
cmp /etc/systemd/system/kiosk.service.d/50-credentials.conf "$REPO/deploy/kiosk-credentials.conf"
echo "--- keyring"
"$PYTHON" -c 'import json, sys; print("names", *sorted(json.load(open(sys.argv[1]))["community-kiosk"]))' \
  /var/lib/kiosk/keyring/secrets.json
echo "--- status"
bash deploy/kiosk-cli.sh status
echo "--- left"
ls -d /run/kiosk-credentials.* 2>/dev/null || echo "none"
"""


def _possible() -> str | None:
    if os.geteuid() != 0:
        return "needs root"
    for tool in ("unshare", "useradd", "runuser", "systemd-creds"):
        if shutil.which(tool) is None:
            return f"needs {tool}"
    if "overlay" not in Path("/proc/filesystems").read_text():
        return "needs overlayfs"
    return None


@pytest.mark.slow
@pytest.mark.skipif(_possible() is not None, reason=str(_possible()))
def test_provision_seals_as_root_and_the_other_commands_get_the_secrets_as_the_kiosk_user(tmp_path: Path) -> None:
    env = dict(os.environ, T=str(tmp_path), REPO=str(REPO), PYTHON=sys.executable, SECRET=SECRET,
               STAFF_PIN=STAFF_PIN, TECH_PIN=TECH_PIN)
    for name in ("KIOSK_DATA_DIR", "KIOSK_KEYRING_DIR", "KIOSK_CONFIG", "KIOSK_CREDENTIALS_DIR",
                 "CREDENTIALS_DIRECTORY", "PYTHON_KEYRING_BACKEND"):
        env.pop(name, None)
    done = subprocess.run(["unshare", "-m", "bash", "-c", MACHINE], env=env, capture_output=True, text=True,
                          timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    provision, rest = done.stdout.split("--- files\n")
    files, rest = rest.split("--- keyring\n")
    keyring, rest = rest.split("--- status\n")
    status, left = rest.split("--- left\n")

    assert "outbox key created and sealed to this machine in /etc/kiosk/credentials" in provision
    assert "portal client secret sealed to this machine" in provision
    assert "kiosk.service now receives the sealed secrets" in provision
    owners = {path: (owner, mode) for _, owner, mode, path in (line.split(" ", 3) for line in files.splitlines())}
    assert owners["/etc/kiosk/credentials/outbox-key.cred"][0] == "root"
    assert owners["/etc/kiosk/credentials"][0] == "root" and owners["/etc/kiosk/credentials"][1].endswith("700")
    assert owners["/etc/kiosk/kiosk.toml"][0] == "root"
    assert owners["/etc/systemd/system/kiosk.service.d/50-credentials.conf"] == ("root", "644")
    # Whatever root wrote for the kiosk (secrets file, staff-entry state) is the kiosk user's.
    kiosk_owned = {path: owner for path, (owner, _) in owners.items() if path.startswith("/var/lib/kiosk")}
    assert "/var/lib/kiosk/keyring/secrets.json" in kiosk_owned
    assert set(kiosk_owned.values()) == {"kiosk"}, kiosk_owned
    # The secrets file keeps the PIN hashes only: the key and the client secret are sealed.
    assert keyring.split() == ["names", "staff-pin-hash", "technician-pin-hash"]

    lines = dict(line.split(" ", 1) for line in status.splitlines())
    assert lines["user"] == "kiosk"
    assert lines["opened"].startswith("/run/kiosk-credentials.")
    assert lines["secret"] == SECRET
    assert lines["key-bytes"] == "44"  # 32 bytes, base64
    assert left.strip() == "none"  # the opened secrets are gone once the command ends
    assert SECRET not in provision + files + keyring and STAFF_PIN not in provision
    assert TECH_PIN not in done.stdout + done.stderr
