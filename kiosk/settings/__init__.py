"""The kiosk's settings: one typed pydantic schema (config) over layers read and merged without validation (layers:
defaults, site profile, machine file, staff overrides, environment), and the few values the attract screen shows
before the settings are validated (boot)."""
