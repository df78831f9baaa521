"""Command-line options shared by the commands that can run on Dask (``verify``, ``sweep``)."""

from __future__ import annotations

import argparse


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"-j/--jobs must be a positive integer, got {text!r}") from None
    from pathdep.parallel import check_jobs

    try:
        return check_jobs(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("`jobs`", "-j/--jobs")) from None


def _scheduler(text: str) -> str:
    from pathdep.parallel import check_scheduler

    try:
        return check_scheduler(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("`scheduler`", "--scheduler")) from None


def add_parallel_options(p: argparse.ArgumentParser, *, what: str) -> None:
    """``-j/--jobs N`` and ``--scheduler ADDRESS``."""
    p.add_argument("-j", "--jobs", type=_jobs, default=1, metavar="N",
                   help=f"run the {what} on N local worker processes, one thread each (default 1: "
                        "in this process); use at most one per free core")
    p.add_argument("--scheduler", type=_scheduler, default=None, metavar="ADDRESS",
                   help="run on an existing Dask cluster (e.g. tcp://127.0.0.1:8786) instead")
