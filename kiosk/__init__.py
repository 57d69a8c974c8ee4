"""Core of the community-house public-service kiosk. Never imports Qt."""

__version__ = "0.1.0"
