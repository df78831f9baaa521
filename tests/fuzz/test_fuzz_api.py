"""Fuzz every public callable of dynsys, bayes, slt and puzzles (issue 13, item 11).

For each callable a small valid call is run as is, then hypothesis replaces one argument at a time
with a hostile value (None, NaN, infinities, negative, zero, huge sizes, wrong types and shapes,
complex numbers, empty and ragged arrays...). The judge (``_harness.judge_call``) accepts a clean
documented error raised in our code that names the argument, a named numerical error, or a result
without NaN; it fails on tracebacks from dependencies, silent NaN, memory blow-ups and hangs.

The default run draws a few examples per callable; ``HYPOTHESIS_PROFILE=thorough`` draws many.
Cases in modules owned by another open issue are xfail (not strict) until those fixes land.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz._cases import CASES, EXCLUDED
from tests.fuzz._harness import FUZZ_EXAMPLES, FUZZ_MEMORY, judge_call

torch.set_num_threads(1)

HOSTILE = [None, float("nan"), float("inf"), -float("inf"), -1, 0, 1, 2, -0.5, 0.5, 1e300, -1e300, 1e-320,
           10**6, 10**9, 10**12, 2**63, True, "x", "", [], [[1.0, 2.0], [3.0]], 1j, [1j, 2.0],
           np.array([np.nan, 1.0]), np.zeros(0), np.ones((2, 2, 2)), np.array(["a"]), object(),
           torch.tensor([float("nan")]), torch.zeros(3, dtype=torch.complex64), torch.zeros(2, dtype=torch.long),
           (1, 2), {"a": 1}, b"x", lambda *a, **k: None]
values = st.sampled_from(HOSTILE) | st.floats() | st.integers(-3, 40)


def _param(case):
    marks = [pytest.mark.xfail(reason=f"{case.owner} owner fixes", strict=False)] if case.owner else []
    return pytest.param(case, id=case.name, marks=marks)


@pytest.fixture(autouse=True)
def _memory_cap(monkeypatch):
    monkeypatch.setenv("PATHDEP_MAX_MEMORY", FUZZ_MEMORY)
    import puzzles.kempner

    # the documented work bound is minutes; the fuzz checks the guard itself at a lower bound
    monkeypatch.setattr(puzzles.kempner, "MAX_WORK", 2e6)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_public_api_refuses_bad_input_cleanly(case, data):
    args = case.baseline()
    name = data.draw(st.sampled_from(sorted(args)), label="argument")
    value = data.draw(values, label="value")
    args[name] = value
    judge_call(case.fn, args, f"{case.name}({name}={value!r:.60})", nan_in_nan_out=case.nan_in_nan_out)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_baseline_call_gives_a_result(case, monkeypatch):
    assert judge_call(case.fn, case.baseline(), case.name) == "result"


PUBLIC_MODULES = ("dynsys", "bayes", "slt", "slt.models", "puzzles", "pathdep", "pathdep.sweeps", "pathdep.parallel")


def _is_result_type(obj) -> bool:
    """Result containers (named tuples, dataclasses) and exceptions: built by us, not called by users."""
    import dataclasses

    return isinstance(obj, type) and (issubclass(obj, BaseException) or (issubclass(obj, tuple) and hasattr(obj, "_fields"))
                                      or (dataclasses.is_dataclass(obj) and obj.__name__.endswith(
                                          ("Result", "Estimate", "Fit", "Diagnostics", "Bound", "Rank",
                                           "Decomposition", "Trajectory"))))


def test_every_public_callable_is_fuzzed_or_excluded_with_a_reason():
    import importlib

    have = {c.name for c in CASES}
    missing = []
    for mod in PUBLIC_MODULES:
        m = importlib.import_module(mod)
        for name in getattr(m, "__all__", []):
            obj = getattr(m, name, None)
            qual = f"{mod}.{name}"
            if not callable(obj) or _is_result_type(obj) or qual in have or qual in EXCLUDED:
                continue
            if any(c.fn is obj for c in CASES):     # re-exported under another name
                continue
            missing.append(qual)
    assert not missing, f"public callables neither fuzzed nor excluded with a reason: {missing}"
