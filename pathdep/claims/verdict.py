"""The verdict of a claim: measured against expected, decided by the numbers.

A verifier never writes ``"HOLDS"`` by hand: it calls :func:`compare` (a number
against a number, with a tolerance and optionally a standard error),
:func:`compare_all` (several numbers at once), :func:`compare_range` (a number
claimed to lie in an interval, with its standard error), :func:`decide` (a computed
boolean condition, for qualitative claims) or :func:`combine` (the worst of several
such sub-verdicts), and those functions pick the verdict.

A verdict's ``figure`` may be a matplotlib figure or a function of no arguments that
draws one: the report calls it only when it writes the figure, so a verifier run in a
test (or on its counterfactual) does not pay for drawing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Sequence

import numpy as np

from pdcheck import check_positive

HOLDS = "HOLDS"
REFUTED = "REFUTED"
INCONCLUSIVE = "INCONCLUSIVE"
ERROR = "ERROR"
VERDICTS = (HOLDS, REFUTED, INCONCLUSIVE, ERROR)

VerdictName = Literal["HOLDS", "REFUTED", "INCONCLUSIVE", "ERROR"]


@dataclass(frozen=True)
class Verdict:
    """What a claim's verifier found.

    Attributes
    ----------
    verdict : {"HOLDS", "REFUTED", "INCONCLUSIVE", "ERROR"}
        Decided from the numbers by :func:`compare`, :func:`compare_all` or :func:`decide`.
    measured, expected : Any
        What was computed and what the source says (numbers, short strings or small dicts).
    tolerance : str
        The stated tolerance, in words (``"|m - e| <= 1e-12"``, ``"4 standard errors"``).
    evidence : str
        How the numbers came out; shown in the report.
    corrected : str or None
        The corrected statement, when the claim is refuted and we can give one.
    figure : matplotlib.figure.Figure, callable or None
        A figure the report saves as ``<claim id>.png``, or a function of no arguments
        returning one (drawn only when the report is written).
    details : dict
        Extra machine-readable numbers (tables) for ``report.json``.
    """

    verdict: VerdictName
    measured: Any
    expected: Any
    tolerance: str = ""
    evidence: str = ""
    corrected: str | None = None
    figure: Any = None
    details: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"`verdict` must be one of {VERDICTS}, got {self.verdict!r}")

    def with_(self, **changes: Any) -> "Verdict":
        """A copy with some fields replaced (evidence, corrected statement, figure...)."""
        from dataclasses import replace

        return replace(self, **changes)


def _finite(x: Any) -> bool:
    try:
        return bool(np.all(np.isfinite(np.asarray(x, dtype=float))))
    except (TypeError, ValueError):
        return False


def compare(measured: float, expected: float, *, atol: float = 0.0, rtol: float = 0.0,
            stderr: float = 0.0, z: float = 4.0, evidence: str = "", corrected: str | None = None,
            figure: Any = None, details: dict | None = None,
            expected_label: Any = None, measured_label: Any = None) -> Verdict:
    """Compare one measured number with the expected one.

    The allowed discrepancy is ``tol = atol + rtol * |expected|``.  With a standard
    error ``s`` on the measurement (Monte Carlo), and ``noise = z * s``:

    - REFUTED if ``|m - e| > tol + noise`` (off by more than the tolerance plus
      ``z`` standard errors);
    - HOLDS if ``|m - e| <= tol + noise`` and ``noise <= tol`` (agreement, and the
      measurement was sharp enough to have seen a violation of size ``tol``);
    - INCONCLUSIVE otherwise: the noise exceeds the tolerance itself, or a value
      is not finite.

    Examples
    --------
    >>> compare(0.4190, 0.41922, atol=2e-3).verdict
    'HOLDS'
    >>> compare(10.0, 80.0, rtol=0.01).verdict
    'REFUTED'
    >>> compare(1.0, 1.05, atol=0.01, stderr=0.1).verdict
    'INCONCLUSIVE'
    """
    _check_tolerances(atol, rtol, z)
    tol = float(atol) + float(rtol) * abs(float(expected)) if _finite(expected) else float(atol)
    noise = float(z) * float(stderr)
    tol_text = _tol_text(atol, rtol, stderr, z)
    m_label = measured if measured_label is None else measured_label
    e_label = expected if expected_label is None else expected_label
    if not (_finite(measured) and _finite(expected) and math.isfinite(noise)):
        v = INCONCLUSIVE
        if evidence == "":
            evidence = f"non-finite value: measured={measured!r}, expected={expected!r}"
    else:
        diff = abs(float(measured) - float(expected))
        if diff > tol + noise:
            v = REFUTED
        elif noise > tol:
            v = INCONCLUSIVE
        else:
            v = HOLDS
        auto = f"|measured - expected| = {diff:.6g}; allowed {tol:.3g}" + (f" + {z:g}x{stderr:.3g} (stderr)" if stderr else "")
        evidence = f"{evidence} {auto}".strip() if evidence else auto
    return Verdict(v, m_label, e_label, tol_text, evidence, corrected if v == REFUTED else None,
                   figure, dict(details or {}))


def _check_tolerances(atol: Any, rtol: Any, z: Any) -> None:
    """The tolerance settings are non-negative finite numbers (a claim's typo fails loudly)."""
    for name, value in (("atol", atol), ("rtol", rtol), ("z", z)):
        check_positive(name, value, allow_zero=True)


def _tol_text(atol: float, rtol: float, stderr: float, z: float) -> str:
    parts = []
    if atol:
        parts.append(f"atol {atol:.3g}")
    if rtol:
        parts.append(f"rtol {rtol:.3g}")
    if stderr:
        parts.append(f"+ {z:g} stderr")
    return ", ".join(parts) if parts else "exact"


def compare_all(measured: Sequence[float], expected: Sequence[float], *, atol: float = 0.0,
                rtol: float = 0.0, stderr: Sequence[float] | float = 0.0, z: float = 4.0,
                evidence: str = "", corrected: str | None = None, figure: Any = None,
                details: dict | None = None, expected_label: Any = None,
                measured_label: Any = None) -> Verdict:
    """Compare several numbers element-wise; the worst element decides.

    REFUTED if any element is refuted, else INCONCLUSIVE if any is inconclusive, else HOLDS.

    Examples
    --------
    >>> compare_all([1.0, 2.0], [1.0, 2.1], atol=0.2).verdict
    'HOLDS'
    >>> compare_all([1.0, 2.0], [1.0, 2.5], atol=0.2).verdict
    'REFUTED'
    """
    _check_tolerances(atol, rtol, z)
    m = np.atleast_1d(np.asarray(measured, dtype=float))
    e = np.atleast_1d(np.asarray(expected, dtype=float))
    if m.shape != e.shape:
        raise ValueError(f"`measured` shape {m.shape} does not match `expected` shape {e.shape}")
    s = np.broadcast_to(np.asarray(stderr, dtype=float), m.shape)
    each = [compare(mi, ei, atol=atol, rtol=rtol, stderr=si, z=z) for mi, ei, si in zip(m, e, s)]
    names = [c.verdict for c in each]
    v = REFUTED if REFUTED in names else INCONCLUSIVE if INCONCLUSIVE in names else HOLDS
    worst = max(abs(mi - ei) for mi, ei in zip(m, e)) if m.size and _finite(m) and _finite(e) else float("nan")
    auto = f"max |measured - expected| = {worst:.6g} over {m.size} values"
    return Verdict(v, _listify(m) if measured_label is None else measured_label,
                   _listify(e) if expected_label is None else expected_label,
                   _tol_text(atol, rtol, float(np.max(s)) if s.size else 0.0, z),
                   f"{evidence} {auto}".strip(), corrected if v == REFUTED else None, figure,
                   dict(details or {}))


def decide(condition: bool | None, *, measured: Any, expected: Any, tolerance: str = "",
           evidence: str = "", corrected: str | None = None, figure: Any = None,
           details: dict | None = None) -> Verdict:
    """Verdict of a qualitative claim from a computed condition.

    ``condition`` is the claim's truth value as computed from the numbers:
    True gives HOLDS, False gives REFUTED, None (the computation could not
    decide) gives INCONCLUSIVE.

    Examples
    --------
    >>> decide(3 < 10, measured=3, expected="< 10").verdict
    'HOLDS'
    >>> decide(None, measured="?", expected="< 10").verdict
    'INCONCLUSIVE'
    """
    if condition is None:
        v = INCONCLUSIVE
    else:
        v = HOLDS if bool(condition) else REFUTED
    return Verdict(v, measured, expected, tolerance, evidence, corrected if v == REFUTED else None,
                   figure, dict(details or {}))


def compare_range(measured: float, low: float, high: float, *, stderr: float = 0.0, z: float = 4.0,
                  evidence: str = "", corrected: str | None = None, figure: Any = None,
                  details: dict | None = None, expected_label: Any = None,
                  measured_label: Any = None) -> Verdict:
    """A number claimed to lie in ``[low, high]`` (either end may be infinite).

    With ``noise = z * stderr``: HOLDS if ``[m - noise, m + noise]`` lies inside the
    interval; REFUTED if it lies entirely outside; INCONCLUSIVE if it straddles an end
    (the measurement is not sharp enough to tell) or a value is not finite.

    Examples
    --------
    >>> compare_range(1.02, 0.71, 1.41, stderr=0.05).verdict
    'HOLDS'
    >>> compare_range(0.2, 0.71, 1.41, stderr=0.05).verdict
    'REFUTED'
    >>> compare_range(0.75, 0.71, 1.41, stderr=0.05).verdict
    'INCONCLUSIVE'
    >>> compare_range(0.003, 0.0, float("inf"), stderr=0.0005).verdict
    'HOLDS'
    """
    for name, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or math.isnan(value):
            raise TypeError(f"`{name}` must be a real number (inf allowed), got {value!r}")
    if not (isinstance(stderr, float) and math.isnan(stderr)):     # NaN: an INCONCLUSIVE measurement
        check_positive("stderr", stderr, allow_zero=True)
    check_positive("z", z, allow_zero=True)
    lo, hi = float(low), float(high)
    if not lo <= hi:
        raise ValueError(f"`low` must be <= `high`, got [{low}, {high}]")
    noise = float(z) * float(stderr)
    span = f"[{lo:.6g}, {hi:.6g}]"
    tol = f"inside {span}" + (f", {z:g} stderr" if stderr else "")
    if not (_finite(measured) and math.isfinite(noise)) or math.isnan(lo) or math.isnan(hi):
        v = INCONCLUSIVE
        auto = f"non-finite value: measured={measured!r}, stderr={stderr!r}"
    else:
        m = float(measured)
        a, b = m - noise, m + noise
        v = HOLDS if (a >= lo and b <= hi) else REFUTED if (b < lo or a > hi) else INCONCLUSIVE
        auto = (f"measured {m:.6g}" + (f" +- {noise:.3g} ({z:g} stderr)" if stderr else "")
                + f" against {span}")
    return Verdict(v, measured if measured_label is None else measured_label,
                   span if expected_label is None else expected_label, tol,
                   f"{evidence} {auto}".strip(), corrected if v == REFUTED else None, figure,
                   dict(details or {}))


def combine(parts: Sequence[Verdict], *, measured: Any, expected: Any, tolerance: str = "",
            evidence: str = "", corrected: str | None = None, figure: Any = None,
            details: dict | None = None) -> Verdict:
    """One verdict from several sub-verdicts of the same claim: the worst decides.

    REFUTED if any part is refuted, else INCONCLUSIVE if any part is, else HOLDS; the
    parts' evidence is appended in order.

    Examples
    --------
    >>> combine([compare(1.0, 1.0), compare(2.0, 1.0)], measured=(1, 2), expected=(1, 1)).verdict
    'REFUTED'
    """
    parts = list(parts)
    if not parts:
        raise ValueError("`parts` must hold at least one Verdict")
    for p in parts:
        if not isinstance(p, Verdict):
            raise TypeError(f"`parts` must hold Verdicts, got {type(p).__name__}")
    v = worst(p.verdict for p in parts)
    if v == ERROR:
        v = INCONCLUSIVE
    auto = "; ".join(f"[{i + 1}] {p.verdict}: {p.evidence}" for i, p in enumerate(parts) if p.evidence)
    return Verdict(v, measured, expected, tolerance, f"{evidence} {auto}".strip(),
                   corrected if v == REFUTED else None, figure, dict(details or {}))


def _listify(a: np.ndarray) -> Any:
    out = [float(x) for x in a]
    return out[0] if len(out) == 1 else out


def worst(verdicts: Iterable[str]) -> str:
    """The combined verdict of several sub-checks (REFUTED beats INCONCLUSIVE beats HOLDS)."""
    names = list(verdicts)
    for v in (ERROR, REFUTED, INCONCLUSIVE):
        if v in names:
            return v
    return HOLDS
