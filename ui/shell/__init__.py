"""The kiosk window and what holds it up: start-up (app: first paint, then attach), the window with its stack of
screens driven by the journey (window), lockdown, the first-paint probe, recovery from unexpected exceptions,
SIGTERM handling, the PySide6 import hook, and the offscreen tour that photographs every screen."""
