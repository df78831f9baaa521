"""Run claims: each verifier in isolation, an error in one never hides the others.

Sequentially in this process (``jobs=1``), or on Dask worker processes (``jobs=N`` local
workers, or an existing cluster through ``scheduler``): one task per group of claims that share
a memoised computation (:func:`work_groups`), so that nothing the sequential run computes once
is computed twice, longest group first.  A claim's
verifier sees the same :class:`Context` wherever it runs (the base seed and the mode;
nothing depends on which worker ran it or in which order), so the report is the same
as the sequential one apart from the timings.  Claims whose worker died are run once
more, one at a time; a claim that kills its worker by itself (or whose result cannot come
back) becomes an ERROR verdict naming the cause; the run never hangs on a lost worker.
"""

from __future__ import annotations

import time
import traceback
import warnings
from dataclasses import dataclass
from typing import Iterable, Sequence

from pathdep.claims.registry import Claim, Context, load_builtin
from pathdep.claims.verdict import ERROR, Verdict


@dataclass(frozen=True)
class Outcome:
    """A claim together with its verdict and how long the verifier took."""

    claim: Claim
    verdict: Verdict
    seconds: float
    traceback: str = ""


def run_claim(item: Claim, ctx: Context) -> Outcome:
    """Run one verifier; an exception becomes an ERROR verdict carrying its message."""
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            verdict = item.verifier(ctx)
        if not isinstance(verdict, Verdict):
            raise TypeError(f"verifier of {item.id!r} returned {type(verdict).__name__}, not Verdict")
        tb = ""
    except Exception as exc:  # noqa: BLE001 - reported, never hidden
        tb = traceback.format_exc()
        verdict = Verdict(ERROR, None, None, "", f"{type(exc).__name__}: {exc}")
    return Outcome(item, verdict, time.perf_counter() - t0, tb)


def _remote_claims(claim_ids: Sequence[str], seed: int, full: bool,
                   imports: Sequence[str]) -> list[tuple[Verdict, float, str]]:
    """Worker side: import the claims, run a group in order, send back (verdict, seconds, traceback) each.

    The Claim itself stays on the client (its verifier is often a function named ``_``,
    which pickle cannot find by name); only the verdict travels.
    """
    import importlib

    from pathdep.parallel import pin_threads

    pin_threads(1)
    for mod in imports:
        importlib.import_module(mod)
    registry = load_builtin()
    ctx = Context(seed=seed, full=full, progress=False)
    return [(o.verdict, o.seconds, o.traceback) for o in (run_claim(registry[c], ctx) for c in claim_ids)]


def run(patterns: Iterable[str] | None = None, *, seed: int = 0, full: bool = False,
        progress: bool = True, jobs: int = 1, scheduler: str | None = None,
        imports: Sequence[str] = ()) -> list[Outcome]:
    """Run the registered claims matching `patterns` (all when empty).

    Parameters
    ----------
    patterns : iterable of str, optional
        Globs or id prefixes (see :meth:`Registry.select`).
    seed : int, default 0
        Base seed given to every verifier.
    full : bool, default False
    progress : bool, default True
        A progress bar over completed claims.
    jobs : int, default 1
        1: run here, one claim after the other.  N > 1: a local Dask cluster of N worker
        processes with one thread each.
    scheduler : str, optional
        Address of a running Dask scheduler; overrides `jobs`.
    imports : sequence of str
        Modules that register more claims; imported on the workers too.

    Returns
    -------
    list of Outcome
        In registration order, whatever order the claims finished in.
    """
    from pathdep.parallel import check_jobs, check_scheduler

    jobs, scheduler = check_jobs(jobs), check_scheduler(scheduler)   # before any claim runs
    claims = load_builtin().select(patterns)
    if jobs == 1 and scheduler is None:
        return _run_here(claims, Context(seed=seed, full=full, progress=False), progress)
    return _run_dask(claims, seed=seed, full=full, progress=progress, jobs=jobs, scheduler=scheduler,
                     imports=tuple(imports))


def _bar(total: int, progress: bool):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="claims", unit="claim", leave=False)


def _run_here(claims: list[Claim], ctx: Context, progress: bool) -> list[Outcome]:
    outcomes = []
    bar = _bar(len(claims), progress)
    try:
        for item in claims:
            if bar is not None:
                bar.set_postfix_str(item.id)
            outcomes.append(run_claim(item, ctx))
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return outcomes


#: Seconds per claim of a measured run (one worker thread), by mode: the Dask runner submits the
#: longest claims first (longest-processing-time order), so that a long claim is not the last to
#: start.  Only the order of work depends on it, never a result; written by `write_duration_hints`.
HINTS_FILE = "claims/seconds.json"


def duration_hints(full: bool) -> dict[str, float]:
    """The packaged seconds per claim id for the mode (empty when the file is missing or unreadable)."""
    import json
    from importlib import resources

    try:
        data = json.loads(resources.files("pathdep").joinpath(HINTS_FILE).read_text(encoding="utf-8"))
        return {k: float(v) for k, v in data["full" if full else "quick"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def submission_order(claims: list[Claim], full: bool) -> list[Claim]:
    """Claims longest first by the packaged hints; claims without a hint first of all (a new claim's
    cost is unknown), each group in registration order.

    Examples
    --------
    >>> from pathdep.claims.registry import load_builtin
    >>> claims = load_builtin().select(None)
    >>> sorted(c.id for c in submission_order(claims, full=False)) == sorted(c.id for c in claims)
    True
    """
    hints = duration_hints(full)
    unknown = [c for c in claims if c.id not in hints]
    known = sorted((c for c in claims if c.id in hints), key=lambda c: -hints[c.id])
    return unknown + known


def write_duration_hints(quick_report: str, full_report: str, path: str | None = None) -> str:
    """Write the hints file from the JSON reports of a quick and a full ``pathdep verify -j 1`` run.

    Returns the path written (``path`` or the packaged file).
    """
    import json
    from pathlib import Path

    out = {}
    for mode, report in (("quick", quick_report), ("full", full_report)):
        data = json.loads(Path(report).read_text(encoding="utf-8"))
        out[mode] = {c["id"]: round(float(c["seconds"]), 2) for c in data["claims"]}
    target = Path(path) if path else Path(__file__).with_name("claims") / "seconds.json"
    target.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return str(target)


def _cached_functions(fn) -> set[str]:
    """Names of the memoised functions (``pathdep.claims._common.cached``) that `fn` can call.

    Read from the byte code: the global names that `fn`, its nested functions and the
    claim modules' plain functions it calls refer to.  A name that a claim never reaches at
    run time only merges groups (less parallelism), never changes a result.
    """
    import functools
    import types

    while isinstance(fn, functools.partial):
        fn = fn.func
    fn = getattr(fn, "__wrapped__", fn)
    code0 = getattr(fn, "__code__", None)
    if code0 is None:
        return set()
    found: set[str] = set()
    seen: set[int] = set()
    stack = [(code0, fn.__globals__)]
    while stack:
        code, glob = stack.pop()
        if id(code) in seen:
            continue
        seen.add(id(code))
        stack.extend((c, glob) for c in code.co_consts if isinstance(c, types.CodeType))
        for name in code.co_names:
            obj = glob.get(name)
            if hasattr(obj, "cache_info") and hasattr(obj, "__wrapped__"):        # an lru_cache wrapper
                found.add(f"{obj.__module__}.{obj.__qualname__}")
                inner = obj.__wrapped__
                if hasattr(inner, "__code__"):
                    stack.append((inner.__code__, inner.__globals__))
            elif isinstance(obj, types.FunctionType) and obj.__module__.startswith("pathdep.claims"):
                stack.append((obj.__code__, obj.__globals__))
    return found


def work_groups(claims: list[Claim], full: bool) -> list[list[Claim]]:
    """The claims split into groups that share no memoised computation, longest group first.

    Claims that reach a common ``@cached`` function (a training run, a Lyapunov run that a
    claim and its neighbours read) form one group, run in registration order on one worker,
    so that the memo computed by the first is read by the others exactly as in the sequential
    run; the groups are independent.  Groups are ordered by the packaged seconds of their
    claims (:func:`duration_hints`; groups with a claim of unknown cost first), so that a long
    group is not the last to start.  Only where and in which order the work runs depends on
    this, never a result.

    Examples
    --------
    >>> from pathdep.claims.registry import load_builtin
    >>> claims = load_builtin().select(["dynsys.lyapunov"])
    >>> groups = work_groups(claims, full=False)
    >>> sorted(c.id for g in groups for c in g) == sorted(c.id for c in claims)
    True
    >>> [g for g in groups if any(c.id == "dynsys.lyapunov.kaplan_yorke" for c in g)][0][0].id
    'dynsys.lyapunov.henon_sprott'
    """
    parent = list(range(len(claims)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, item in enumerate(claims):
        for name in sorted(_cached_functions(item.verifier)):
            j = first.setdefault(name, i)
            parent[find(i)] = find(j)
    members: dict[int, list[Claim]] = {}
    for i, item in enumerate(claims):
        members.setdefault(find(i), []).append(item)
    hints = duration_hints(full)
    rank = {c.id: k for k, c in enumerate(submission_order(claims, full))}

    def cost(group: list[Claim]) -> tuple[int, float, int]:
        unknown = any(c.id not in hints for c in group)
        return (0 if unknown else 1, -sum(hints.get(c.id, 0.0) for c in group), min(rank[c.id] for c in group))

    return sorted(members.values(), key=cost)


def _run_dask(claims: list[Claim], *, seed: int, full: bool, progress: bool, jobs: int,
              scheduler: str | None, imports: tuple[str, ...]) -> list[Outcome]:
    from distributed import KilledWorker, as_completed

    from pathdep.parallel import dask_client

    results: dict[str, Outcome] = {}
    groups = work_groups(claims, full)
    rank = {id(g[0]): len(groups) - i for i, g in enumerate(groups)}

    def submit(client, group):
        return client.submit(_remote_claims, [c.id for c in group], seed, full, imports, pure=False,
                             priority=rank.get(id(group[0]), 0),
                             key=f"claims-{group[0].id}-{len(group)}-{seed}-{int(full)}-{time.monotonic_ns()}")

    def collect(fut, group) -> bool:
        """Store the outcomes; False when the worker was lost (the group may only have been queued there)."""
        try:
            for item, (verdict, seconds, tb) in zip(group, fut.result()):
                results[item.id] = Outcome(item, verdict, seconds, tb)
            return True
        except Exception as exc:  # noqa: BLE001 - a lost worker or a failed transfer
            for item in group:
                results[item.id] = Outcome(item, Verdict(ERROR, None, None, "",
                                                         f"{type(exc).__name__} on the Dask worker: {exc}"),
                                           0.0, traceback.format_exc())
            return not isinstance(exc, KilledWorker)

    with dask_client(jobs, scheduler) as client:
        # longest first (by priority, and in submission order for schedulers that ignore it)
        futures = {submit(client, group): group for group in groups}
        lost: list[Claim] = []
        bar = _bar(len(claims), progress)
        try:
            for fut in as_completed(list(futures)):
                group = futures[fut]
                if collect(fut, group):
                    if bar is not None:
                        bar.set_postfix_str(group[-1].id)
                        bar.update(len(group))
                else:
                    lost.extend(group)
            # claims whose worker died: once more, one claim at a time, so that only a claim that
            # kills its worker by itself ends as ERROR (its message names the cause)
            lost_ids = {c.id for c in lost}
            for item in [c for c in claims if c.id in lost_ids]:
                fut = submit(client, [item])
                collect(fut, [item])
                if bar is not None:
                    bar.set_postfix_str(item.id)
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()
    return [results[item.id] for item in claims]
