"""Print the kiosk's accessibility tree as JSON, as a screen reader sees it over AT-SPI.

Run with the system Python, which has Debian's python3-pyatspi (the project's virtual environment has no
GObject bindings): `/usr/bin/python3 atspi_tree.py APP_NAME`. Prints one JSON list of the widgets on
screen: {"id": objectName path, "role", "name", "x", "y", "w", "h", "checked"}. Widgets that are not showing
are left out with everything under them.
"""

import json
import sys

import pyatspi  # type: ignore[import-not-found]


def main() -> int:
    app_name = sys.argv[1]
    desktop = pyatspi.Registry.getDesktop(0)
    found = []

    def walk(node, depth):
        if node is None or depth > 40:
            return
        states = node.getState()
        if not states.contains(pyatspi.STATE_SHOWING):
            return
        try:
            ext = node.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
            box = (ext.x, ext.y, ext.width, ext.height)
        except NotImplementedError:
            box = (0, 0, 0, 0)
        found.append({
            "id": node.accessibleId or "", "role": node.getRoleName(), "name": node.name or "",
            "x": box[0], "y": box[1], "w": box[2], "h": box[3],
            "checked": states.contains(pyatspi.STATE_CHECKED),
            "focused": states.contains(pyatspi.STATE_FOCUSED),
        })
        for child in node:
            walk(child, depth + 1)

    for app in desktop:
        if app is not None and app.name == app_name:
            for child in app:
                walk(child, 0)
    json.dump(found, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
