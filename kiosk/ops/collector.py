"""Python's cyclic garbage collector while the kiosk starts: paused, then one collection and a freeze.

Start-up makes objects that live as long as the process: modules, classes, the settings and catalog models, Qt's
wrappers. The collector would otherwise scan them again and again while they are being made (about 140
collections before the kiosk is ready, 35–65 ms of a half-second start on the CI machine), and then again in
every full collection of the kiosk's life. `pause()` turns automatic collection off when `kiosk run` begins.
`settle()`, once the kiosk is ready and idle on its attract screen, collects what start-up left behind, moves every
object that survived into the permanent generation (`gc.freeze`: the collector never scans them again; one that
is let go later is still freed by its reference count, only a cycle among them would stay, as the modules and
screens stay anyway) and turns automatic collection back on, so later collections look only at what residents'
sessions make.
"""

from __future__ import annotations

import gc


def pause() -> None:
    gc.disable()


def settle() -> int:
    """Collect, freeze the survivors, resume automatic collection; the number of objects frozen."""
    gc.collect()
    gc.freeze()
    gc.enable()
    return gc.get_freeze_count()
