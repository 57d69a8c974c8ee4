"""Hypothesis profiles: `ci` (the default, short: part of `make test`) and `fuzz` (long: `make fuzz`).

Selected with HYPOTHESIS_PROFILE=<name>. Tests that pin their own `@settings(max_examples=...)` keep them;
the fuzz tests in tests/test_fuzz.py leave the number of examples to the profile.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# No deadline: a loaded 2-core CI machine makes single examples slow now and then, which is not a failure.
settings.register_profile("ci", max_examples=100, deadline=None, print_blob=True)
settings.register_profile(
    "fuzz",
    max_examples=4000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
