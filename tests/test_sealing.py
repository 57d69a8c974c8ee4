"""Secrets sealed to the machine: a copy of the kiosk's data, configuration and keyring folders taken to
another machine opens neither the stored dossiers nor the portal secret.

"Another machine" is this one with an empty /var/lib/systemd (a private mount namespace): no host key, so
nothing systemd-creds sealed here can be opened there, exactly as on a machine that never saw this disk.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.runtime import open_outbox
from kiosk.security import secrets
from kiosk.settings.config import Settings

REPO = Path(__file__).resolve().parents[1]
PORTAL_SECRET_VALUE = "Zq7-portal-client-secret-Hbt"
MARKER = "Qzvmarkersealed"


def _other_machine_available() -> bool:
    if shutil.which("systemd-creds") is None or shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs tmpfs /var/lib/systemd"],
                           capture_output=True, check=False, timeout=20)
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(not _other_machine_available(),
                                reason="needs systemd-creds, root and mount namespaces (unshare)")


def test_copied_kiosk_folders_open_nothing_on_another_machine(tmp_path: Path, isolated_dirs: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "etc-kiosk"
    monkeypatch.setenv("KIOSK_CREDENTIALS_DIR", str(config / "credentials"))
    secrets.set_secret(secrets.PORTAL_SECRET, PORTAL_SECRET_VALUE)
    outbox = open_outbox(Settings())  # first start: the outbox key is made and sealed
    stored = outbox.enqueue("1.001193", {"applicant": {"full_name": MARKER}}, "BTX", "K01")
    outbox.close()
    key = secrets.outbox_key()
    assert sorted(p.name for p in (config / "credentials").iterdir()) == ["outbox-key.cred",
                                                                         "portal-client-secret.cred"]
    assert secrets.get_secret(secrets.PORTAL_SECRET) == PORTAL_SECRET_VALUE  # on this machine: opens

    thief = tmp_path / "stolen"
    keyring_dir = Path(os.environ["KIOSK_KEYRING_DIR"])
    for source in (isolated_dirs, config, keyring_dir):
        if source.exists():
            shutil.copytree(source, thief / source.name)
    copied = b"".join(p.read_bytes() for p in thief.rglob("*") if p.is_file())
    for clear in (key, base64.b64encode(key), PORTAL_SECRET_VALUE.encode(), MARKER.encode()):
        assert clear not in copied  # nothing in clear on the disk

    script = (
        "from kiosk.security import secrets\n"
        "for name in (secrets.OUTBOX_KEY, secrets.PORTAL_SECRET):\n"
        "    try:\n"
        "        secrets.get_secret(name)\n"
        "    except secrets.SecretsError as exc:\n"
        "        print('refused', name, exc)\n"
        "    else:\n"
        "        print('OPENED', name)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO), KIOSK_DATA_DIR=str(thief / isolated_dirs.name),
               KIOSK_KEYRING_DIR=str(thief / keyring_dir.name),
               KIOSK_CREDENTIALS_DIR=str(thief / config.name / "credentials"))
    env.pop("CREDENTIALS_DIRECTORY", None)
    other = subprocess.run(["unshare", "-m", "sh", "-c",
                            f"mount -t tmpfs tmpfs /var/lib/systemd && exec {sys.executable} -c \"$0\"", script],
                           env=env, capture_output=True, text=True, check=False, timeout=60)
    assert other.returncode == 0, other.stderr
    lines = other.stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [["refused", secrets.OUTBOX_KEY],
                                                    ["refused", secrets.PORTAL_SECRET]], other.stdout
    assert "another machine" in lines[0]

    # Back on this machine the same copies still open: the seal is the machine, not the folder.
    monkeypatch.setenv("KIOSK_CREDENTIALS_DIR", str(thief / config.name / "credentials"))
    assert secrets.outbox_key() == key
    again = open_outbox(Settings())
    try:
        assert again.payload(stored.uuid)["applicant"]["full_name"] == MARKER  # type: ignore[index]
    finally:
        again.close()
