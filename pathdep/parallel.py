"""Dask plumbing shared by ``pathdep verify -j N`` and the sweeps: one client, pinned threads.

The libraries stay plain functions of their inputs and a seed; this module only decides
where they run.  ``jobs=1`` without a scheduler means in this process (no Dask at all);
``jobs=N`` starts a :class:`distributed.LocalCluster` of N single-threaded worker
processes; ``scheduler="tcp://host:port"`` connects to an existing cluster (started with
``dask scheduler`` and ``dask worker``, whose Python environment must have pathdep).

How many workers: one per physical core you can spare.  Each worker runs one task at a
time with one torch/BLAS thread (:func:`pin_threads`); more workers than cores only
makes them compete, and torch's default intra-op threads collapse under competition
(10-25x slower on small kernels), which is why workers are pinned.
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import Any, Iterator

__all__ = ["pin_threads", "dask_client", "THREAD_ENV"]

#: Environment variables that fix the BLAS/OpenMP pools of a worker process to one thread.
THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def pin_threads(n: int = 1) -> None:
    """Use `n` torch intra-op threads (and ask BLAS for `n`) in this process.

    Called at the start of every task that runs on a worker, so that a worker never
    oversubscribes the cores it shares with the others.
    """
    for key in THREAD_ENV:
        os.environ[key] = str(n)
    try:
        import torch
    except ImportError:  # pragma: no cover
        return
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)


@contextlib.contextmanager
def dask_client(jobs: int = 1, scheduler: str | None = None, *, timeout: float = 30.0) -> Iterator[Any]:
    """A Dask client on a new local cluster of `jobs` processes, or on `scheduler`.

    Parameters
    ----------
    jobs : int, default 1
        Worker processes of the local cluster (ignored with `scheduler`).
    scheduler : str, optional
        Address of a running scheduler (``tcp://127.0.0.1:8786``).
    timeout : float, default 30
        Seconds to wait for the scheduler to answer.

    Yields
    ------
    distributed.Client
        Closed (and the local cluster shut down) on exit, also after an error or Ctrl-C.

    Raises
    ------
    ValueError
        If `jobs` < 1 or the scheduler cannot be reached (the message names the address).
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"`jobs` must be a positive integer, got {jobs!r}")
    from distributed import Client, LocalCluster

    cluster = None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ValueError(f"`scheduler` {scheduler!r} could not be reached within {timeout:g} s: "
                             f"{type(exc).__name__}: {exc}") from None
    else:
        old = {k: os.environ.get(k) for k in THREAD_ENV}
        os.environ.update(THREAD_ENV)  # inherited by the worker processes at spawn
        import dask

        try:
            # a worker's death fails its tasks at once; the runner then retries them one at a time,
            # so a task that kills its worker is told apart from those queued behind it
            with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
                cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                       dashboard_address=None, scheduler_port=0,
                                       silence_logs=logging.ERROR)
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        client = Client(cluster, set_as_default=False)
    try:
        with client.as_current():
            yield client
    finally:
        with contextlib.suppress(Exception):
            client.close(timeout=10)
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close(timeout=10)
