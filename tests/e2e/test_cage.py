"""The kiosk under cage, the Wayland compositor kiosk.service runs it in, with cage's headless backend.

cage refuses to run as root; CI runs as root, so cage and the kiosk run in a new user namespace
(`unshare --user`), where they are an unprivileged user. grim takes the screenshot through cage's
screencopy protocol. Debian packages: cage, xwayland (cage starts it), grim, libwayland-cursor0 and
libwayland-egl1 (Qt's Wayland plugin); `.ci/run` installs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.e2e.desktop import artifacts_dir, colour_count, kiosk_command, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
TOOLS = {"cage": "cage", "grim": "grim", "Xwayland": "xwayland", "unshare": "util-linux"}


@pytest.fixture(scope="module", autouse=True)
def _wayland_tools() -> None:
    missing = [package for tool, package in TOOLS.items() if shutil.which(tool) is None]
    if missing:
        message = f"the cage run needs these Debian packages: {' '.join(missing)} (.ci/run installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def test_the_kiosk_draws_its_attract_screen_under_cage(tmp_path: Path) -> None:
    runtime_dir, home = tmp_path / "run", tmp_path / "home"
    runtime_dir.mkdir(mode=0o700)
    home.mkdir()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("QT_", "WAYLAND", "DISPLAY", "XDG_", "KIOSK", "PYTHON_KEYRING"))}
    env.update(
        HOME=str(home), XDG_RUNTIME_DIR=str(runtime_dir),
        # As deploy/kiosk.service sets them.
        QT_QPA_PLATFORM="wayland", WLR_LIBINPUT_NO_DEVICES="1", KIOSK_DATA_DIR=str(home / "data"),
        KIOSK_KEYRING_DIR=str(home / "keyring"), PYTHON_KEYRING_BACKEND="kiosk.keystore.LocalFileKeyring",
        # A compositor with no screen and no GPU: the headless backend and the software renderer.
        WLR_BACKENDS="headless", WLR_RENDERER="pixman",
    )
    log = tmp_path / "cage.log"
    shot = artifacts_dir(ROOT / "artifacts" / "e2e") / "cage" / "attract.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    shot.unlink(missing_ok=True)
    with log.open("wb") as out:
        cage = subprocess.Popen(["unshare", "--user", "--", "cage", "-d", "--", str(kiosk_command()), "run"],
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        socket = runtime_dir / "wayland-0"
        wait_until(socket.exists, 30, "cage's Wayland socket")

        def drawn() -> bool:
            grab = subprocess.run(["unshare", "--user", "--", "grim", str(shot)], capture_output=True, timeout=30,
                                  env=dict(env, WAYLAND_DISPLAY="wayland-0"), check=False)
            if grab.returncode != 0 or not shot.exists():
                return False
            with Image.open(shot) as image:
                return colour_count(image) >= 16

        started = time.monotonic()
        assert wait_until(drawn, 60, "the kiosk to draw under cage", 0.5), log.read_text(errors="replace")
        print(f"cage: the attract screen was drawn {time.monotonic() - started:.1f} s after start")
        assert cage.poll() is None, "cage (and the kiosk) stopped"
    finally:
        os.killpg(cage.pid, 15)
        cage.wait(timeout=30)
