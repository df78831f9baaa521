"""Test configuration: hypothesis profiles and determinism.

Profiles: ``dev`` (default, fast) and ``ci`` (more examples; chosen when the
environment variable CI is set, or with HYPOTHESIS_PROFILE=ci).
"""

import os

import matplotlib

matplotlib.use("Agg")

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("dev", max_examples=20, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=500, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

try:  # keep torch from oversubscribing the 2 cores when pytest-xdist runs 2 workers
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover
    pass
