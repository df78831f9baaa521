"""The claims registry: one place that ``pathdep list`` and ``pathdep verify`` read.

Registering a claim
-------------------
A claim is a verifier function decorated with :func:`claim`::

    from pathdep import claim, compare

    @claim("mylab.gd.quadratic_rate",
           statement="Gradient descent on 1/2 h w^2 contracts by |1 - eta h| per step.",
           source="my notes, section 2",
           method="iterate the map 100 steps and compare the log-ratio per step")
    def _(ctx):
        ...
        return compare(measured, expected, atol=1e-12)

The verifier receives a :class:`Context` (seed, quick/full mode, progress flag)
and returns a :class:`~pathdep.claims.verdict.Verdict`.  Importing the module
registers the claim; ``pathdep verify --import mymodule`` imports user modules
before running.

Counterfactuals and corrections
-------------------------------
A verifier that cannot come out REFUTED is not evidence.  So a claim can carry a
*counterfactual*: a deliberately wrong version of its statement, given as keyword
arguments of the verifier (the statement's numbers or recipe are the verifier's
keyword parameters, with the source's values as defaults).  ``Claim.run(ctx,
counterfactual=True)`` runs the verifier on the wrong statement, which must come out
REFUTED; the test suite does this for every shipped claim::

    @claim("mylab.gd.rate", statement="... contracts by |1 - eta h| = 0.5 per step.",
           source="my notes", counterfactual={"rate": 0.6},
           counterfactual_text="contracts by 0.6 per step")
    def _(ctx, *, rate=0.5):
        ...
        return compare(measured, rate, atol=1e-12)

A claim that the numbers refute names, in ``corrected_by``, the claims that register
its corrected statement (each verified on its own).
"""

from __future__ import annotations

import fnmatch
import importlib
import inspect
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping

from pathdep.claims.verdict import Verdict

_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")

#: The library areas whose claims ship with pathdep (one module each in ``pathdep.claims``).
AREAS = ("puzzles", "dynsys", "bayes", "slt")


@dataclass(frozen=True)
class Context:
    """What a verifier gets: the run's seed, its mode and whether to show progress.

    ``full`` is False in the default quick mode (the whole catalogue in under five
    minutes on a 2-core machine, every claim decided) and True with ``--full`` (bigger
    runs, tighter tolerances).  Frozen and hashable, so verifiers can cache expensive
    computations keyed on it (the counterfactual of a claim reuses its computation).
    """

    seed: int = 0
    full: bool = False
    progress: bool = False

    def pick(self, quick, full):
        """``quick`` in quick mode, ``full`` in full mode."""
        return full if self.full else quick


@dataclass(frozen=True)
class Claim:
    """A registered claim: what the source says and the function that checks it.

    Attributes
    ----------
    id, statement, source, method, verifier, short
        See :func:`claim`.
    counterfactual : mapping or None
        Keyword arguments turning the verifier's statement into a deliberately wrong one.
    counterfactual_text : str
        What the wrong statement says, in words.
    corrected_by : tuple of str
        Ids of the claims registering the corrected statement (for a refuted claim).
    """

    id: str
    statement: str
    source: str
    method: str
    verifier: Callable[..., Verdict]
    short: str = ""
    counterfactual: Mapping[str, Any] | None = None
    counterfactual_text: str = ""
    corrected_by: tuple[str, ...] = field(default=())

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def summary(self) -> str:
        """The one-line statement used in tables."""
        if self.short:
            return self.short
        first = self.statement.strip().splitlines()[0]
        return first if len(first) <= 70 else first[:67] + "..."

    def run(self, ctx: Context, *, counterfactual: bool = False) -> Verdict:
        """Run the verifier on the statement, or on its counterfactual (a wrong statement).

        Raises
        ------
        ValueError
            If ``counterfactual=True`` and the claim has none.
        """
        if not counterfactual:
            return self.verifier(ctx)
        if self.counterfactual is None:
            raise ValueError(f"claim {self.id!r} has no counterfactual")
        return self.verifier(ctx, **dict(self.counterfactual))


class Registry:
    """An ordered collection of claims with unique ids."""

    def __init__(self) -> None:
        self._claims: dict[str, Claim] = {}

    def add(self, item: Claim) -> Claim:
        if not isinstance(item.id, str) or not _ID.match(item.id):
            raise ValueError(
                f"claim id must be dotted lowercase words like 'puzzles.kempner.bound', got {item.id!r}")
        if item.id in self._claims:
            raise ValueError(f"claim id {item.id!r} is already registered "
                             f"(by {self._claims[item.id].verifier.__module__}); ids must be unique")
        for name in ("statement", "source"):
            if not str(getattr(item, name)).strip():
                raise ValueError(f"claim {item.id!r}: `{name}` must be a non-empty string")
        if item.counterfactual is not None:
            if not isinstance(item.counterfactual, Mapping) or not item.counterfactual:
                raise TypeError(f"claim {item.id!r}: `counterfactual` must be a non-empty mapping of "
                                f"keyword arguments of the verifier, got {item.counterfactual!r}")
            params = inspect.signature(item.verifier).parameters
            takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
            unknown = [k for k in item.counterfactual
                       if not takes_any and (k not in params or params[k].kind not in
                                             (params[k].KEYWORD_ONLY, params[k].POSITIONAL_OR_KEYWORD))]
            if unknown:
                raise ValueError(f"claim {item.id!r}: counterfactual argument(s) {unknown} are not "
                                 f"keyword parameters of the verifier {item.verifier.__name__}")
        for cid in item.corrected_by:
            if not isinstance(cid, str) or not _ID.match(cid):
                raise ValueError(f"claim {item.id!r}: `corrected_by` must hold claim ids, got {cid!r}")
        self._claims[item.id] = item
        return item

    def _canonical_order(self) -> None:
        """Shipped claims first, area by area in :data:`AREAS` order, then the others; stable.

        The order of ``pathdep list`` and ``verify`` then does not depend on which claim
        module happened to be imported first (a doctest run or a user's import can import
        ``pathdep.claims.dynsys`` before ``pathdep.claims.puzzles``).
        """
        rank = {a: i for i, a in enumerate(AREAS)}

        def key(item: Claim) -> int:
            shipped = item.verifier.__module__.startswith("pathdep.claims.")
            return rank.get(item.area, len(AREAS)) if shipped else len(AREAS)

        self._claims = {c.id: c for c in sorted(self._claims.values(), key=key)}

    def remove(self, claim_id: str) -> None:
        self._claims.pop(claim_id, None)

    def __contains__(self, claim_id: object) -> bool:
        return claim_id in self._claims

    def __getitem__(self, claim_id: str) -> Claim:
        try:
            return self._claims[claim_id]
        except KeyError:
            raise KeyError(f"no claim with id {claim_id!r}; `pathdep list` shows them") from None

    def __iter__(self):
        return iter(self._claims.values())

    def __len__(self) -> int:
        return len(self._claims)

    def select(self, patterns: Iterable[str] | None = None) -> list[Claim]:
        """Claims matching any pattern, in registration order.

        A pattern is a glob on the id (``puzzles.kempner.*``), an id prefix
        (``puzzles`` or ``puzzles.walk``) or an exact id.  A pattern matching
        nothing raises ``ValueError``.
        """
        pats = list(patterns or [])
        if not pats:
            return list(self._claims.values())
        chosen: dict[str, Claim] = {}
        for pat in pats:
            hits = [c for c in self._claims.values()
                    if fnmatch.fnmatchcase(c.id, pat) or c.id == pat or c.id.startswith(pat + ".")]
            if not hits:
                raise ValueError(f"pattern {pat!r} matches no claim; `pathdep list` shows the ids")
            for c in hits:
                chosen.setdefault(c.id, c)
        return [c for c in self._claims.values() if c.id in chosen]


REGISTRY = Registry()
_loaded = False


def claim(id: str, *, statement: str, source: str, method: str = "", short: str = "",
          counterfactual: Mapping[str, Any] | None = None, counterfactual_text: str = "",
          corrected_by: Iterable[str] = (), registry: Registry | None = None
          ) -> Callable[[Callable[..., Verdict]], Callable[..., Verdict]]:
    """Decorator registering a verifier as the claim `id`.

    Parameters
    ----------
    id : str
        Dotted lowercase id, ``<area>.<topic>.<name>``; unique.
    statement : str
        The claim, quoted or faithfully paraphrased from the source.
    source : str
        Where it comes from: note file and section, or a paper.
    method : str
        How the verifier checks it (one or two sentences).
    short : str
        Optional one-line statement for tables (default: the first line of `statement`).
    counterfactual : mapping, optional
        Keyword arguments of the verifier that make the statement deliberately wrong;
        the verifier run with them must return REFUTED (see the module docstring).
    counterfactual_text : str
        The wrong statement in words.
    corrected_by : iterable of str
        Ids of the claims that register the corrected statement of this one.
    registry : Registry, optional
        Where to register (default: the global registry).

    Returns
    -------
    callable
        The verifier, unchanged.

    Raises
    ------
    ValueError
        If the id is malformed or already registered.
    """

    cf = None if counterfactual is None else MappingProxyType(dict(counterfactual))
    fixes = tuple(corrected_by)

    def deco(fn: Callable[..., Verdict]) -> Callable[..., Verdict]:
        (REGISTRY if registry is None else registry).add(
            Claim(id, statement, source, method, fn, short, cf, counterfactual_text, fixes))
        return fn

    return deco


def load_builtin() -> Registry:
    """Import the shipped claim modules once (registering their claims) and return the registry."""
    global _loaded
    if not _loaded:
        for area in AREAS:
            importlib.import_module(f"pathdep.claims.{area}")
        REGISTRY._canonical_order()
        _loaded = True
    return REGISTRY
