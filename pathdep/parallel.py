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
import re
from typing import Any, Iterator

__all__ = ["pin_threads", "torch_threads", "dask_client", "prestart", "check_jobs", "check_scheduler", "THREAD_ENV"]

#: Local workers are refused beyond this many per CPU: they would only compete for the cores
#: (and a typo such as ``-j 1000`` would start a thousand processes).
MAX_JOBS_PER_CPU = 2
_ADDRESS = re.compile(r"^(?:[a-z][a-z0-9+]*://)?(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.\-]+):[0-9]{1,5}$")


def check_jobs(jobs: Any) -> int:
    """`jobs` as a positive int, at most :data:`MAX_JOBS_PER_CPU` times the CPU count.

    >>> check_jobs(1)
    1
    >>> check_jobs(0)
    Traceback (most recent call last):
    ...
    ValueError: `jobs` must be a positive integer, got 0
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"`jobs` must be a positive integer, got {jobs!r}")
    limit = MAX_JOBS_PER_CPU * (os.cpu_count() or 1)
    if jobs > limit:
        raise ValueError(f"`jobs` = {jobs} is more than {MAX_JOBS_PER_CPU} worker processes per CPU "
                         f"({limit} here); use at most one per free core")
    return jobs


def check_scheduler(scheduler: Any) -> str | None:
    """`scheduler` as None or an address ``[protocol://]host:port``, checked before connecting.

    >>> check_scheduler("tcp://127.0.0.1:8786")
    'tcp://127.0.0.1:8786'
    >>> check_scheduler("abc")
    Traceback (most recent call last):
    ...
    ValueError: `scheduler` must be an address [protocol://]host:port such as tcp://127.0.0.1:8786, got 'abc'
    """
    if scheduler is None:
        return None
    if not isinstance(scheduler, str):
        raise TypeError(f"`scheduler` must be an address string or None, got {type(scheduler).__name__}")
    m = _ADDRESS.match(scheduler)
    if m is None or not 0 < int(scheduler.rsplit(":", 1)[1]) < 65536:
        raise ValueError(f"`scheduler` must be an address [protocol://]host:port such as tcp://127.0.0.1:8786, "
                         f"got {scheduler!r}")
    return scheduler

#: Environment variables that fix the BLAS/OpenMP pools of a worker process to one thread.
THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


#: Modules a local cluster's fork server imports once, before it forks the workers.
PRELOAD = ("distributed", "numpy", "scipy", "torch", "torch._dynamo", "sklearn.datasets", "dynsys", "bayes", "slt",
           "puzzles", "pathdep.sweeps", "pathdep.runner")


def _start_method() -> dict[str, str]:
    """Dask configuration that starts local workers from a fork server (where available).

    Spawned workers each import torch and the libraries anew (about 4-6 s on this class of
    machine, paid again by every worker and contended on a busy machine); a fork server
    imports them once, with no torch thread pool yet, and forks every worker from that clean
    state.  Without the ``forkserver`` start method, Dask's default (``spawn``) is kept.
    """
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return {}
    import dask
    from distributed.utils import get_mp_context

    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
        ctx = get_mp_context()           # Dask sets its own preload list on the first call
    ctx.set_forkserver_preload(list(PRELOAD))  # read when the server starts (the first cluster)
    return {"distributed.worker.multiprocessing-method": "forkserver"}


def prestart(jobs: int = 1, scheduler: str | None = None) -> bool:
    """Start the local cluster's fork server now, so that its imports overlap the caller's.

    The fork server imports :data:`PRELOAD` (torch and the libraries: seconds) before it can
    fork a worker.  Started at the top of a command (``pathdep sweep -j 2``), it does that on
    the second core while the command imports and prepares its own work, instead of after it,
    and the cluster's workers are then forked at once.  Does nothing (and returns False) for
    ``jobs == 1``, with a `scheduler`, or where the ``forkserver`` start method is missing.

    Returns
    -------
    bool
        Whether a fork server is (now) running.

    Examples
    --------
    >>> prestart(1)
    False
    """
    if check_jobs(jobs) == 1 or check_scheduler(scheduler) is not None or not _start_method():
        return False
    from multiprocessing import forkserver

    with _thread_env():               # the server (and so every worker) loads BLAS and torch with one thread
        forkserver.ensure_running()   # returns at once; the server imports PRELOAD in the background
    return True


@contextlib.contextmanager
def _thread_env() -> Iterator[None]:
    """Set :data:`THREAD_ENV` for processes started in the block, then restore the environment."""
    old = {k: os.environ.get(k) for k in THREAD_ENV}
    os.environ.update(THREAD_ENV)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _check_threads(n: Any) -> None:
    cpus = os.cpu_count() or 1
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= cpus:
        raise ValueError(f"`n` must be an integer between 1 and the number of CPUs ({cpus}), got {n!r}")


def pin_threads(n: int = 1) -> None:
    """Use `n` torch intra-op threads (and ask BLAS for `n`) in this process.

    Called at the start of every task that runs on a worker, so that a worker never
    oversubscribes the cores it shares with the others.

    Raises
    ------
    ValueError
        If `n` is not an integer between 1 and the CPU count (OpenMP aborts the process on
        a huge count).
    """
    _check_threads(n)
    for key in THREAD_ENV:
        os.environ[key] = str(n)
    try:
        import torch
    except ImportError:  # pragma: no cover
        return
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)


@contextlib.contextmanager
def torch_threads(n: int = 1) -> Iterator[None]:
    """Run the block with torch's intra-op threads set to `n`, then restore them.

    The in-process counterpart of :func:`pin_threads`: ``pathdep verify`` and the sweeps
    run every claim and point with one thread wherever it runs, so that ``-j 1`` and
    ``-j N`` give the same numbers bit for bit (a thread count changes the order of
    floating-point reductions) and small kernels do not depend on an idle machine.

    Raises
    ------
    ValueError
        On entering, if `n` is not an integer between 1 and the CPU count.
    """
    _check_threads(n)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


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
        If `jobs` < 1 or above :data:`MAX_JOBS_PER_CPU` per CPU, `scheduler` is not an
        address, or the scheduler cannot be reached (the message names the address).
    """
    jobs = check_jobs(jobs)
    scheduler = check_scheduler(scheduler)
    from distributed import Client, LocalCluster

    cluster = None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ValueError(f"`scheduler` {scheduler!r} could not be reached within {timeout:g} s: "
                             f"{type(exc).__name__}: {exc}") from None
    else:
        import dask

        # THREAD_ENV: inherited by the worker processes (and a fork server started here).
        # A worker's death fails its tasks at once; the runner then retries them one at a time,
        # so a task that kills its worker is told apart from those queued behind it.
        with _thread_env(), dask.config.set({"distributed.scheduler.allowed-failures": 0, **_start_method()}):
            cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                   dashboard_address=None, scheduler_port=0, silence_logs=logging.ERROR)
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
