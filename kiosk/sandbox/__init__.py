"""A local stand-in for the online-service portal, for demos and tests (needs the `sandbox` extra)."""
