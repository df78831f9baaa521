"""Root conftest: doctests run with a non-interactive matplotlib backend and one torch thread."""

import matplotlib

matplotlib.use("Agg")

collect_ignore_glob = ["benchmarks/*", ".venv/*", "build/*"]
