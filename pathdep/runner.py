"""Run claims: each verifier in isolation, an error in one never hides the others."""

from __future__ import annotations

import time
import traceback
import warnings
from dataclasses import dataclass
from typing import Iterable

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


def run(patterns: Iterable[str] | None = None, *, seed: int = 0, full: bool = False,
        progress: bool = True) -> list[Outcome]:
    """Run the registered claims matching `patterns` (all when empty)."""
    claims = load_builtin().select(patterns)
    ctx = Context(seed=seed, full=full, progress=False)
    outcomes = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(claims), desc="claims", unit="claim", leave=False)
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
